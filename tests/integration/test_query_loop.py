"""The data managers' loop on a defect-mode registry: every quarantined row is an open query,
each affected centre gets a workbook, the data docs show the failures offline; a corrected
re-send resolves the centre's queries, and an accepted query stays accepted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from openpyxl import load_workbook
from registry_fixtures import REGISTRY_TEST_KEY as TEST_KEY
from registry_fixtures import write_demo_marker

from data_quality.offline_docs import external_assets
from pipelines.cli import main
from pipelines.refresh import run_refresh
from schemas.dialect import discover_centres
from synthetic_registry import generate_registry

pytestmark = pytest.mark.slow
KEPT = ("LYS", "PSL")
SEED, PATIENTS, RATE = 2026, 300, 0.03


def _landing(root: Path, defect_rate: float) -> Path:
    generate_registry(root, seed=SEED, patients=PATIENTS, defect_rate=defect_rate)
    for centre, folder in discover_centres(root).items():
        if centre not in KEPT:
            shutil.rmtree(folder)
    write_demo_marker(root)
    return root


def _restricted(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(warehouse / "restricted" / "registry_restricted.duckdb"),
                         read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _cli_queries(capsys, warehouse: Path, *args: str) -> list[dict]:
    capsys.readouterr()
    assert main(["queries", "--warehouse", str(warehouse), "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)["queries"]


def test_queries_follow_a_defect_registry_through_resend_and_acceptance(
        tmp_path: Path, monkeypatch, capsys) -> None:
    landing = _landing(tmp_path / "landing", RATE)
    clean = _landing(tmp_path / "clean", 0.0)
    warehouse = tmp_path / "warehouse"
    monkeypatch.setenv("AML_REGISTRY_PSEUDONYM_KEY", TEST_KEY)
    instance = dg.DagsterInstance.ephemeral()
    first = run_refresh(landing, warehouse, progress=lambda _m: None, instance=instance)
    assert first.published, first.message

    # every quarantined row is an open query of its centre
    missing = _restricted(warehouse, """
        SELECT r.centre_id, r.table_name, r.file, r.source_row FROM quarantine.rows r
        ANTI JOIN (SELECT * FROM quality.queries WHERE status = 'open' AND source = 'quarantine')
          q USING (centre_id, table_name, file, source_row)""")
    assert missing == []
    affected = {c for (c,) in _restricted(warehouse,
                                          "SELECT DISTINCT centre_id FROM quarantine.rows")}
    assert affected == set(KEPT)
    knock_ons = _restricted(warehouse, """
        SELECT count(*) FROM quality.queries k JOIN quality.queries r
          ON k.root_query_id = r.query_id WHERE k.rule = 'patient_exists'
         AND r.table_name = 'patients'""")[0][0]
    assert knock_ons > 0
    # nothing identifiable reaches the analysts' file
    pub = duckdb.connect(str(warehouse / "registry.duckdb"), read_only=True)
    try:
        tables = {t for (t,) in pub.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'quality'").fetchall()}
    finally:
        pub.close()
    assert "queries" not in tables and "query_acceptances" not in tables

    # a workbook per affected centre, in the centre's own names, root causes first
    workbooks = {p.name.split("_")[0]: p for p in (warehouse / "queries").glob("*.xlsx")}
    assert set(workbooks) == affected
    sheet = load_workbook(workbooks["LYS"]).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header = values.index(next(r for r in values if r and r[0] == "Query ID"))
    body = values[header + 1:]
    assert len(body) == len(_cli_queries(capsys, warehouse, "--centre", "LYS"))
    knock = [bool(r[1]) for r in body]
    assert not knock[0] and any(knock)

    # data docs: the failures are there, nothing comes from the internet
    docs = warehouse / "data-docs"
    index = (docs / "index.html").read_text(encoding="utf-8")
    assert "Failed expectations by centre" in index and "centre-LYS" in index
    for page in [*docs.rglob("*.html"), *docs.rglob("*.css")]:
        assert external_assets(page.read_text(encoding="utf-8")) == [], page
    dashboard = (warehouse / "report" / "quality.html").read_text(encoding="utf-8")
    assert "queries-LYS" in dashboard and external_assets(dashboard) == []

    # a data manager accepts one PSL query
    psl_open = [q for q in _cli_queries(capsys, warehouse, "--centre", "PSL")
                if q["root_query_id"] is None]
    accepted = psl_open[0]["query_id"]
    assert main(["queries", "accept", accepted, "--warehouse", str(warehouse),
                 "--reason", "confirmed with the centre's lab"]) == 0
    lys_before = {q["query_id"]: q for q in _cli_queries(capsys, warehouse, "--centre", "LYS")}

    # LYS re-sends its newest delivery corrected (same date, clean files)
    newest = sorted(p for p in (landing / "LYS").iterdir() if p.is_dir())[-1]
    shutil.rmtree(newest)
    shutil.copytree(clean / "LYS" / newest.name, newest)
    second = run_refresh(landing, warehouse, progress=lambda _m: None, instance=instance)
    assert second.published, second.message

    lys_open = _cli_queries(capsys, warehouse, "--centre", "LYS")
    assert [q for q in lys_open if q["source"] == "quarantine"] == []
    # what stays open is only what the clean delivery itself reports against its own data
    assert {q["rule"].split(":")[0] for q in lys_open} <= {"reported_vs_derived"}
    assert all(q["query_id"] in lys_before for q in lys_open)
    resolved = {q["query_id"]: q for q in _cli_queries(capsys, warehouse, "--centre", "LYS",
                                                      "--status", "resolved")}
    quarantine_before = [i for i, q in lys_before.items() if q["source"] == "quarantine"]
    assert quarantine_before and all(i in resolved for i in quarantine_before)
    assert {resolved[i]["resolved_in_delivery"] for i in quarantine_before} == {newest.name}
    assert not (warehouse / "queries" / workbooks["LYS"].name).exists() or any(
        q["source"] == "discrepancy" for q in lys_open)

    # the accepted PSL query survived the refresh
    kept = _cli_queries(capsys, warehouse, "--status", "accepted")
    assert [(q["query_id"], q["accepted_reason"]) for q in kept] == [
        (accepted, "confirmed with the centre's lab")]
    assert _restricted(warehouse, "SELECT status FROM quality.queries WHERE query_id = ?",
                       [accepted]) == [("accepted",)]
