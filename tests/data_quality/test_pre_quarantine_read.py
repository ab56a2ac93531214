"""The expectations' input read from staging: the same rows as typing every raw delivery again.

Source: issue 15 (the suites run on each centre's current delivery typed before quarantine)
and issue 16 (the registry-wide step re-typed every centre's raw delivery at each refresh).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from data_quality.pre_quarantine import typed_before_quarantine
from data_quality.pre_quarantine_read import read_tables_before_quarantine
from extraction.load import extract_centre
from extraction.readers import DeliveryError
from extraction.stage import stage_centre
from schemas.canonical import TABLE_NAMES, cast_canonical
from schemas.dialect import CentreDialect, discover_centres, load_dialect
from synthetic_registry import generate_registry
from warehouse.database import Warehouse, query_frame

LOADED_AT = dt.datetime(2026, 11, 25, 12, 0, 0)


def _dialects(landing: Path):
    def dialect_of(centre: str) -> CentreDialect | None:
        path = landing / centre / "centre.yaml"
        return load_dialect(path) if path.exists() else None
    return dialect_of


def _retyped_from_raw(con: duckdb.DuckDBPyConnection, landing: Path,
                      centres: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """What the step did before: every centre's newest staged raw delivery typed in full."""
    staged = query_frame(con, "quality/pre_quarantine_deliveries")
    out = {}
    for table in TABLE_NAMES:
        frames = [typed_before_quarantine(
            query_frame(con, "raw/delivery_rows", [r.centre_id, r.delivery], table=table),
            table, load_dialect(landing / r.centre_id / "centre.yaml"))
            for r in staged.itertuples() if centres is None or r.centre_id in centres]
        frames = [f for f in frames if len(f)]
        if frames:
            out[table] = cast_canonical(pd.concat(frames, ignore_index=True), table)
    return out


def _assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert set(a) == set(b)
    for table in a:
        pd.testing.assert_frame_equal(a[table].reset_index(drop=True),
                                      b[table].reset_index(drop=True), check_dtype=True,
                                      obj=table)


@pytest.fixture(scope="module")
def defect_registry(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small registry in defect mode, extracted and staged like a refresh does (the
    centres whose files load), without Dagster: (landing, working database)."""
    root = tmp_path_factory.mktemp("defects")
    landing = root / "landing"
    generate_registry(landing, seed=2026, patients=400, defect_rate=0.05)
    warehouse = Warehouse(root / "warehouse")
    loaded = 0
    with warehouse.connect() as con:
        for folder in sorted(discover_centres(landing).values())[:5]:
            dialect = load_dialect(folder / "centre.yaml")
            try:
                extract_centre(con, folder, dialect, LOADED_AT)
            except DeliveryError:
                shutil.rmtree(folder)  # a file-level defect fails the centre: not staged
                continue
            stage_centre(con, dialect)
            loaded += 1
    assert loaded >= 3
    return landing, warehouse.working_path


@pytest.fixture
def working_copy(defect_registry: tuple[Path, Path],
                 tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """A writable copy of the staged defect registry's working database."""
    path = tmp_path / "working.duckdb"
    shutil.copy(defect_registry[1], path)
    con = duckdb.connect(str(path))
    yield con
    con.close()


@pytest.fixture
def landing(defect_registry: tuple[Path, Path]) -> Path:
    """The defect registry's landing area."""
    return defect_registry[0]


def test_staged_rows_and_retyped_quarantine_equal_the_raw_delivery_typed(
        working_copy: duckdb.DuckDBPyConnection, landing: Path) -> None:
    quarantined = working_copy.execute("SELECT count(*) FROM quarantine.rows").fetchone()[0]
    assert quarantined > 0  # the registry has defects: the quarantined rows are typed here
    read = read_tables_before_quarantine(working_copy, _dialects(landing))
    centres = working_copy.execute(
        "SELECT DISTINCT centre_id FROM staging.deliveries ORDER BY 1").fetchall()
    assert read.from_staging == [c for (c,) in centres]
    assert not read.from_raw and not read.staged_only
    _assert_same(read.tables, _retyped_from_raw(working_copy, landing))
    total = sum(len(f) for f in read.tables.values())
    staged = sum(working_copy.execute(
        f"SELECT count(*) FROM staging.{t} JOIN staging.current_deliveries "
        "USING (centre_id, delivery)").fetchone()[0] for t in TABLE_NAMES)
    assert total > staged  # the quarantined rows are validated too


def test_a_centre_whose_raw_content_changed_after_staging_is_typed_from_raw(
        working_copy: duckdb.DuckDBPyConnection, landing: Path) -> None:
    centre = working_copy.execute("SELECT min(centre_id) FROM staging.deliveries").fetchone()[0]
    # as after a held re-send: staging keeps the accepted content, raw holds the re-send
    working_copy.execute("UPDATE staging.deliveries SET signature = 'accepted-content' "
                         "WHERE centre_id = ?", [centre])
    working_copy.execute("DELETE FROM staging.patients WHERE centre_id = ? "
                         "AND source_row % 2 = 0", [centre])
    read = read_tables_before_quarantine(working_copy, _dialects(landing))
    assert read.from_raw == [centre]
    _assert_same(read.tables, _retyped_from_raw(working_copy, landing))


def test_a_centre_without_its_dialect_is_validated_on_its_staged_rows(
        working_copy: duckdb.DuckDBPyConnection, landing: Path) -> None:
    centre = working_copy.execute("SELECT max(centre_id) FROM staging.deliveries").fetchone()[0]
    dialects = _dialects(landing)
    read = read_tables_before_quarantine(working_copy,
                                         lambda c: None if c == centre else dialects(c))
    assert read.staged_only == [centre]
    patients = read.tables["patients"]
    assert patients["centre_id"].iloc[-1] == centre  # listed after the others
    mine = patients[patients["centre_id"].eq(centre)]
    staged = working_copy.execute(
        "SELECT count(*) FROM staging.patients JOIN staging.current_deliveries "
        "USING (centre_id, delivery) WHERE centre_id = ?", [centre]).fetchone()[0]
    assert len(mine) == staged
    others = _retyped_from_raw(working_copy, landing, read.from_staging)
    pd.testing.assert_frame_equal(
        patients[~patients["centre_id"].eq(centre)].reset_index(drop=True),
        others["patients"].reset_index(drop=True))


def test_nothing_staged_yet_gives_no_rows(tmp_path: Path) -> None:
    with Warehouse(tmp_path).connect() as con:
        read = read_tables_before_quarantine(con, lambda _c: None)
    assert read.tables == {} and read.from_staging == [] and read.staged_only == []
