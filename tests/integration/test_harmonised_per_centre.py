"""The harmonised layer is partitioned by centre (issue 16): a centre's run derives and
writes only its own rows, an incremental refresh re-derives only the centres that changed,
and a centre whose rows an older code version derived is re-derived without being asked."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest
from registry_fixtures import refreshed_centres

from pipelines.refresh import run_refresh
from warehouse.database import write_centre_partition
from warehouse.version import code_version

CENTRES = ("LYS", "PSL")


def _harmonised(warehouse: Path) -> pd.DataFrame:
    con = duckdb.connect(str(warehouse / "work" / "working.duckdb"), read_only=True)
    try:
        return con.execute("SELECT h.*, (SELECT count(*) FROM harmonised.patients p "
                           "WHERE p.centre_id = h.centre_id) AS rows FROM harmonised.centres h "
                           "ORDER BY centre_id").df()
    finally:
        con.close()


@pytest.fixture(scope="module")
def two_centre_warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return refreshed_centres(tmp_path_factory.mktemp("harmonised_partitions"), CENTRES, 150)


def test_each_centre_partition_holds_its_current_patients(two_centre_warehouse) -> None:
    _landing, warehouse = two_centre_warehouse
    state = _harmonised(warehouse)
    assert list(state["centre_id"]) == list(CENTRES)
    assert (state["code_version"] == code_version()).all()
    assert (state["rows"] == state["patients"]).all() and (state["rows"] > 0).all()
    con = duckdb.connect(str(warehouse / "work" / "working.duckdb"), read_only=True)
    try:
        current = dict(con.execute("SELECT centre_id, delivery FROM staging.current_deliveries"
                                   ).fetchall())
    finally:
        con.close()
    assert dict(zip(state["centre_id"], state["delivery"], strict=True)) == current


def test_an_incremental_refresh_rederives_only_its_centre_then_stale_ones(
        two_centre_warehouse) -> None:
    landing, warehouse = two_centre_warehouse
    before = _harmonised(warehouse).set_index("centre_id")
    messages: list[str] = []
    outcome = run_refresh(landing, warehouse, centres=["LYS"], progress=messages.append,
                          instance=dg.DagsterInstance.ephemeral())
    assert outcome.published, outcome.message
    after = _harmonised(warehouse).set_index("centre_id")
    assert after.loc["LYS", "harmonised_at"] > before.loc["LYS", "harmonised_at"]
    assert after.loc["PSL", "harmonised_at"] == before.loc["PSL", "harmonised_at"]
    assert not any("re-deriving" in m for m in messages)
    assert list(outcome.centres) == ["LYS"]

    # PSL's rows were derived by another code version: the next refresh of LYS takes it along
    con = duckdb.connect(str(warehouse / "work" / "working.duckdb"))
    try:
        con.execute("UPDATE harmonised.centres SET code_version = 'an-older-version' "
                    "WHERE centre_id = 'PSL'")
    finally:
        con.close()
    messages.clear()
    outcome = run_refresh(landing, warehouse, centres=["LYS"], progress=messages.append,
                          instance=dg.DagsterInstance.ephemeral())
    assert outcome.published, outcome.message
    assert any("re-deriving the harmonised rows of PSL" in m for m in messages)
    assert sorted(outcome.centres) == ["LYS", "PSL"]
    final = _harmonised(warehouse).set_index("centre_id")
    assert final.loc["PSL", "harmonised_at"] > after.loc["PSL", "harmonised_at"]
    assert (final["code_version"] == code_version()).all()


def test_a_partition_write_replaces_only_its_centre_and_survives_a_new_column() -> None:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA harmonised")
    first = pd.DataFrame({"centre_id": ["A", "A", "B"], "patient_id": ["1", "2", "3"]})
    write_centre_partition(con, "harmonised.t", first[first.centre_id == "A"], "A")
    write_centre_partition(con, "harmonised.t", first[first.centre_id == "B"], "B")
    write_centre_partition(con, "harmonised.t", pd.DataFrame(
        {"centre_id": ["A"], "patient_id": ["9"]}), "A")
    assert sorted(con.execute("SELECT * FROM harmonised.t").fetchall()) == [("A", "9"),
                                                                           ("B", "3")]
    # a code version adds a column: the other centre's rows are kept (new column empty)
    write_centre_partition(con, "harmonised.t", pd.DataFrame(
        {"centre_id": ["A"], "patient_id": ["9"], "cohort": ["x"]}), "A")
    assert sorted(con.execute("SELECT * FROM harmonised.t").fetchall()) == [
        ("A", "9", "x"), ("B", "3", None)]
