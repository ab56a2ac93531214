"""A full refresh of a registry in defect mode: bad rows quarantined with reasons, broken
files fail only their centre, row accounting holds, and the database is published."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import dagster as dg
import duckdb
from registry_fixtures import REGISTRY_TEST_KEY as TEST_KEY
from registry_fixtures import write_demo_marker

from pipelines.refresh import run_refresh
from schemas.dialect import discover_centres
from synthetic_registry import generate_registry

KEPT = ("LYS", "STE", "VAL", "PSL")  # STE and VAL carry the file-level defects


def test_defect_mode_refresh(tmp_path: Path, monkeypatch) -> None:
    landing = tmp_path / "landing"
    generate_registry(landing, seed=2026, patients=500, defect_rate=0.03)
    for centre, folder in discover_centres(landing).items():
        if centre not in KEPT:
            shutil.rmtree(folder)
    write_demo_marker(landing)
    with (landing / "defects_manifest.csv").open(encoding="utf-8") as fh:
        manifest = [r for r in csv.DictReader(fh) if r["centre_id"] in KEPT]
    failing = {r["centre_id"] for r in manifest if r["expected"] == "centre_fails"}
    row_defects = [r for r in manifest if r["expected"] == "quarantine_row"]
    assert failing and row_defects

    monkeypatch.setenv("AML_REGISTRY_PSEUDONYM_KEY", TEST_KEY)
    warehouse = tmp_path / "warehouse"
    outcome = run_refresh(landing, warehouse, progress=lambda _m: None,
                          instance=dg.DagsterInstance.ephemeral())
    assert outcome.published and outcome.exit_code == 3
    assert set(outcome.failures) == failing

    con = duckdb.connect(str(warehouse / "restricted" / "registry_restricted.duckdb"),
                         read_only=True)
    try:
        quarantined = {(c, d, f, int(r)) for c, d, f, r in con.execute(
            "SELECT centre_id, delivery, file, source_row FROM quarantine.rows").fetchall()}
        unbalanced = con.execute(
            "SELECT count(*) FROM quality.row_accounting WHERE NOT balanced").fetchone()[0]
        harmonised = con.execute("SELECT count(*) FROM harmonised.patients").fetchone()[0]
    finally:
        con.close()
    missed = [r for r in row_defects
              if (r["centre_id"], r["delivery"], r["file"], int(r["source_row"]))
              not in quarantined]
    assert missed == []
    assert unbalanced == 0 and harmonised > 0

    pub = duckdb.connect(str(warehouse / "registry.duckdb"), read_only=True)
    try:
        summary = pub.execute("SELECT sum(rows_quarantined) FROM quality.quarantine_summary"
                              ).fetchone()[0]
        statuses = dict(pub.execute(
            "SELECT centre_id, status FROM meta.centre_runs WHERE refresh_id = ?",
            [outcome.refresh_id]).fetchall())
    finally:
        pub.close()
    assert summary >= len(row_defects)
    assert {c for c, s in statuses.items() if s == "failed"} == failing
