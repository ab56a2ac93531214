"""notebooks/registry_walkthrough.py runs from start to finish on a refreshed registry and
reproduces the published outcome tables (its own assertions compare them)."""

from __future__ import annotations

import os
import runpy

import duckdb
import pytest

from pipelines.definitions import REPO_ROOT

pytestmark = pytest.mark.xdist_group("default_registry")  # the shared refresh: one worker builds it

NOTEBOOK = REPO_ROOT / "notebooks" / "registry_walkthrough.py"


def test_notebook_is_jupytext_percent_format() -> None:
    text = NOTEBOOK.read_text(encoding="utf-8")
    assert "format_name: percent" in text
    assert text.count("\n# %%") >= 8 and "# %% [markdown]" in text


def test_notebook_reproduces_the_headline_numbers(registry_db, monkeypatch, capsys) -> None:
    monkeypatch.setenv("AML_REGISTRY_DB", str(registry_db))
    monkeypatch.chdir(REPO_ROOT)
    cells = runpy.run_path(str(NOTEBOOK), run_name="__main__")
    out = capsys.readouterr().out
    assert "match outcomes.*" in out
    con = duckdb.connect(str(registry_db), read_only=True)
    try:
        os_2y = con.execute(
            "SELECT estimate FROM outcomes.outcome_estimates WHERE cohort = 'azaven_rr' "
            "AND endpoint = 'OS' AND timepoint = '24 months'").fetchone()[0]
        n = con.execute("SELECT count(*) FROM analysis.patients WHERE cohort = 'azaven_rr' "
                        "AND transplanted").fetchone()[0]
    finally:
        con.close()
    assert abs(cells["outcomes_2y"].set_index("endpoint").loc["OS", "estimate"] - os_2y) < 1e-12
    assert len(cells["cohort"]) == n
    assert cells["c1_hr"]["hr"] > 1
    assert set(cells["outcomes_2y"]["endpoint"]) == {"OS", "CIR", "NRM"}
    assert os.environ["AML_REGISTRY_DB"] == str(registry_db)
