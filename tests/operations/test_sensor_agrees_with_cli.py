"""The delivery sensor and `aml-registry refresh` agree on what is loaded: opening the UI after
a CLI refresh starts no run for a centre whose newest delivery the warehouse already holds."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
from ops_support import newest_delivery, small_landing

from assets.partitions import centre_partitions
from assets.resources import LandingArea, WarehouseResource
from extraction.deliveries import complete_deliveries
from extraction.load import stat_fingerprint
from pipelines.definitions import build_definitions
from pipelines.loaded_deliveries import loaded_fingerprints
from pipelines.operations import landing_delivery_sensor
from schemas.dialect import load_dialect
from warehouse.database import Warehouse


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated deliveries carry their _SUCCESS marker: complete at once."""
    return small_landing(tmp_path_factory.mktemp("sensor") / "landing")


def _record_loaded(warehouse: Path, landing: Path, centres: list[str]) -> None:
    """What extraction and staging write for a loaded delivery (the CLI's bookkeeping)."""
    with Warehouse(warehouse).connect() as con:
        con.execute("CREATE TABLE raw.deliveries (centre_id VARCHAR, delivery VARCHAR, "
                    "complete_reason VARCHAR, signature VARCHAR, loaded_at TIMESTAMP, "
                    "stat_fingerprint VARCHAR)")
        con.execute("CREATE TABLE staging.deliveries (centre_id VARCHAR, delivery VARCHAR, "
                    "signature VARCHAR, staged_at TIMESTAMP)")
        for c in centres:
            newest = complete_deliveries(landing / c, load_dialect(landing / c / "centre.yaml"))[-1]
            con.execute("INSERT INTO raw.deliveries (centre_id, delivery, complete_reason, "
                        "signature, loaded_at, stat_fingerprint) "
                        "VALUES (?, ?, 'ok', 'sig', now(), ?)",
                        [c, newest.delivery, stat_fingerprint(newest.path)])
            con.execute("INSERT INTO staging.deliveries (centre_id, delivery, signature, "
                        "staged_at) VALUES (?, ?, 'sig', now())", [c, newest.delivery])


def _tick(instance: dg.DagsterInstance, landing: Path, warehouse: Path, cursor: str | None):
    defs = build_definitions(landing, warehouse)
    with dg.build_sensor_context(
            instance_ref=instance.get_ref(), cursor=cursor, definitions=defs,
            sensor_name=landing_delivery_sensor.name,
            resources={"landing": LandingArea(path=str(landing)),
                       "warehouse": WarehouseResource(root=str(warehouse))}) as context:
        return landing_delivery_sensor.evaluate_tick(context)


def test_without_a_warehouse_the_cursor_alone_decides(landing, tmp_path):
    with dg.instance_for_test() as instance:
        data = _tick(instance, landing, tmp_path / "none", None)
        assert len(data.run_requests) == len(
            [p for p in landing.iterdir() if (p / "centre.yaml").exists()])


def test_centres_loaded_by_the_cli_start_no_run_and_a_new_delivery_does(landing, tmp_path):
    warehouse = tmp_path / "warehouse"
    centres = sorted(p.name for p in landing.iterdir() if (p / "centre.yaml").exists())
    loaded, fresh = centres[:-1], centres[-1]
    _record_loaded(warehouse, landing, loaded)
    assert set(k[0] for k in loaded_fingerprints(warehouse)) == set(loaded)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(centre_partitions.name, centres)  # as the CLI does
        first = _tick(instance, landing, warehouse, None)
        assert [r.partition_key for r in first.run_requests] == [fresh]
        # the next tick (cursor carried) asks for nothing
        second = _tick(instance, landing, warehouse, first.cursor)
        assert not second.run_requests
        # a touched file of a loaded centre is a changed delivery: it runs again
        touched = next(p for p in newest_delivery(landing, loaded[0]).iterdir()
                       if p.suffix in (".csv", ".xlsx"))
        touched.write_bytes(touched.read_bytes() + b"\n")
        third = _tick(instance, landing, warehouse, second.cursor)
        assert [r.partition_key for r in third.run_requests] == [loaded[0]]
