"""Every defect the generator injects is caught: caught count == injected count, per kind.

Source: ../shared/spec/export-format.md ("What the pipeline promises about an export"): a bad
row goes to quarantine with a reason naming centre, file, row, column and value; a bad file
fails its centre with a clear message while the other centres still load.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest

from extraction.load import extract_centre
from extraction.readers import DeliveryError
from extraction.stage import row_accounting, stage_centre
from schemas.dialect import discover_centres, load_dialect
from synthetic_registry import generate_registry
from synthetic_registry.defects import FILE_KINDS, ROW_KINDS
from warehouse.database import Warehouse

SEED = 2026
PATIENTS = 400          # scale mode: one delivery per centre, every defect kind present
DEFECT_RATE = 0.03


@dataclass
class DefectRun:
    manifest: pd.DataFrame
    quarantine: pd.DataFrame
    accounting: pd.DataFrame
    failures: dict[str, DeliveryError]


@pytest.fixture(scope="module")
def defect_run(tmp_path_factory: pytest.TempPathFactory) -> DefectRun:
    root = tmp_path_factory.mktemp("defects")
    summary = generate_registry(root / "landing", seed=SEED, patients=PATIENTS,
                                defect_rate=DEFECT_RATE)
    assert summary.manifest is not None
    manifest = pd.read_csv(summary.manifest, dtype=str, keep_default_na=False)
    failures: dict[str, DeliveryError] = {}
    with Warehouse(root / "wh").connect() as con:
        for centre_id, folder in discover_centres(root / "landing").items():
            dialect = load_dialect(folder / "centre.yaml")
            try:
                extract_centre(con, folder, dialect)
            except DeliveryError as exc:
                failures[centre_id] = exc
                continue
            stage_centre(con, dialect)
        quarantine = con.execute("SELECT * FROM quarantine.rows").df()
        accounting = row_accounting(con)
    return DefectRun(manifest, quarantine, accounting, failures)


def caught_mask(run: DefectRun) -> pd.DataFrame:
    """Each quarantine_row manifest entry with the quarantine row found for it (if any)."""
    expected = run.manifest[run.manifest["expected"] == "quarantine_row"].copy()
    expected["source_row"] = expected["source_row"].astype("int64")
    q = run.quarantine[["centre_id", "delivery", "file", "source_row", "rule", "reason"]]
    merged = expected.merge(q, on=["centre_id", "delivery", "file", "source_row"], how="left")
    assert len(merged) == len(expected), "one quarantine row per source row"
    merged["caught"] = [
        isinstance(reason, str) and (f"column {column!r}" in reason if column else
                                     "duplicate" in reason)
        for column, reason in zip(merged["column"], merged["reason"], strict=True)]
    return merged


def test_manifest_covers_every_kind(defect_run: DefectRun) -> None:
    assert set(defect_run.manifest["kind"]) == set(ROW_KINDS) | set(FILE_KINDS)


def test_file_defects_fail_their_centre_with_a_clear_message(defect_run: DefectRun) -> None:
    fails = defect_run.manifest[defect_run.manifest["expected"] == "centre_fails"]
    assert set(defect_run.failures) == set(fails["centre_id"])
    for m in fails.itertuples(index=False):
        error = defect_run.failures[m.centre_id]
        assert error.centre_id == m.centre_id and error.file == m.file
        assert f"centre {m.centre_id}" in str(error) and f"file {m.file}" in str(error)
        assert error.delivery == m.delivery
        if m.kind == "truncated_file":
            assert error.row == int(m.source_row) and "truncated" in str(error)
        else:
            assert "cannot decode" in str(error)


def test_other_centres_still_load_and_balance(defect_run: DefectRun) -> None:
    assert len(set(defect_run.accounting["centre_id"])) == 13 - len(defect_run.failures)
    assert defect_run.accounting["balanced"].all()


def test_every_row_defect_is_quarantined(defect_run: DefectRun) -> None:
    merged = caught_mask(defect_run)
    table = merged.groupby("kind")["caught"].agg(injected="size", caught="sum")
    print("\ncaught / injected per defect kind\n" + table.to_string())
    missed = merged[~merged["caught"]]
    assert missed.empty, missed[["centre_id", "file", "source_row", "column", "kind", "value",
                                 "reason"]].to_string()
    assert (table["caught"] == table["injected"]).all()
    assert set(table.index) == set(ROW_KINDS)


@pytest.mark.parametrize("kind, rules", [
    ("unknown_label", {"allowed_codes", "boolean"}),
    ("typo", {"allowed_codes", "boolean"}),
    ("impossible_date", {"date"}),
    ("date_order", {"date_order"}),
    ("duplicate_row", {"unique_key"}),
    ("missing_required", {"required"}),
    ("out_of_range", {"range"}),
    ("short_row", {"short_row"}),
])
def test_each_kind_is_caught_by_its_rule(defect_run: DefectRun, kind: str,
                                         rules: set[str]) -> None:
    """The reason names the rule a data manager expects, and quotes the value as written."""
    merged = caught_mask(defect_run)
    rows = merged[merged["kind"] == kind]
    assert len(rows)
    for m in rows.itertuples(index=False):
        assert m.rule in rules, m
        assert f"centre {m.centre_id}, file {m.file}, row {m.source_row}" in m.reason
        if m.kind != "duplicate_row":
            assert f"value {m.value!r}" in m.reason, m

