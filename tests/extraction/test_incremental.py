"""Incremental refresh: an unchanged centre is not re-read; a touched but identical file is
recognised by its hash; a changed delivery is re-loaded."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from extraction_support import write_centre

import extraction.load as load_module
from extraction.load import extract_centre
from extraction.stage import stage_centre
from schemas.dialect import load_dialect
from warehouse.database import Warehouse

PATIENTS = b"patient_id,sex,birth_date,diagnosis_date\nP1,female,1960-01-01,2020-01-01\n"


@pytest.fixture
def one_centre(tmp_path: Path) -> tuple[Path, Warehouse]:
    landing = tmp_path / "landing"
    write_centre(landing, "AAA", {"format": "csv"},
                 {"2026-01-01": {"patients.csv": PATIENTS}})
    return landing, Warehouse(tmp_path / "warehouse")


def test_unchanged_centre_is_not_read_again(one_centre, monkeypatch) -> None:
    landing, wh = one_centre
    dialect = load_dialect(landing / "AAA" / "centre.yaml")
    with wh.connect() as con:
        first = extract_centre(con, landing / "AAA", dialect)
        stage_centre(con, dialect)
    assert [d.status for d in first.deliveries] == ["loaded"]

    def no_reading(*_args, **_kw):
        raise AssertionError("an unchanged delivery was read again")

    monkeypatch.setattr(load_module, "read_delivery", no_reading)
    staged_reads = []
    monkeypatch.setattr("extraction.stage.stage_delivery",
                        lambda *a, **k: staged_reads.append(a) or {})
    with wh.connect() as con:
        second = extract_centre(con, landing / "AAA", dialect)
        staged = stage_centre(con, dialect)
    assert [d.status for d in second.deliveries] == ["unchanged"]
    assert "not re-read" in second.deliveries[0].reason
    assert staged.staged_deliveries == [] and staged_reads == []


def test_touched_but_identical_file_is_recognised_by_its_hash(one_centre) -> None:
    landing, wh = one_centre
    dialect = load_dialect(landing / "AAA" / "centre.yaml")
    path = landing / "AAA" / "2026-01-01" / "patients.csv"
    with wh.connect() as con:
        extract_centre(con, landing / "AAA", dialect)
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
        again = extract_centre(con, landing / "AAA", dialect)
        rows = con.execute("SELECT count(*) FROM raw.patients").fetchone()[0]
        third = extract_centre(con, landing / "AAA", dialect)
    assert again.deliveries[0].status == "unchanged"
    assert "sha256" in again.deliveries[0].reason
    assert "not re-read" in third.deliveries[0].reason
    assert rows == 1


def test_changed_delivery_is_reloaded(one_centre) -> None:
    landing, wh = one_centre
    dialect = load_dialect(landing / "AAA" / "centre.yaml")
    path = landing / "AAA" / "2026-01-01" / "patients.csv"
    with wh.connect() as con:
        extract_centre(con, landing / "AAA", dialect)
        path.write_bytes(PATIENTS + b"P2,male,1961-01-01,2021-01-01\n")
        again = extract_centre(con, landing / "AAA", dialect)
        rows = con.execute("SELECT count(*) FROM raw.patients").fetchone()[0]
    assert again.deliveries[0].status == "reloaded"
    assert rows == 2
