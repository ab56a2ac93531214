"""A held re-send as the staging step reports it (issue 18): the centre fails with a message
saying the re-send shrank and that the accepted content of its current delivery stays in
use, recorded in meta.centre_runs (what `status` prints) and in the step's failure."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
from extraction_support import write_centre

from assets import REFRESH_TAG
from assets.extract import raw_centre_exports, staging_centre_tables
from assets.resources import LandingArea, WarehouseResource
from warehouse.database import Warehouse

pytestmark = pytest.mark.filterwarnings("ignore::dagster.PreviewWarning")
HEADER = b"patient_id,sex,birth_date,diagnosis_date\n"


def _patients(n: int) -> dict[str, bytes]:
    return {"patients.csv": HEADER + b"".join(
        f"P{i:03d},female,1960-02-02,2021-03-03\n".encode() for i in range(n))}


def _refresh(instance: dg.DagsterInstance, landing: Path, warehouse: Path, refresh: str
             ) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [raw_centre_exports, staging_centre_tables], instance=instance, partition_key="RSR",
        raise_on_error=False, tags={REFRESH_TAG: refresh},
        resources={"warehouse": WarehouseResource(root=str(warehouse)),
                   "landing": LandingArea(path=str(landing))})


def test_a_held_resend_fails_the_centre_saying_its_content_stays(tmp_path: Path) -> None:
    landing, warehouse = tmp_path / "landing", tmp_path / "warehouse"
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("centre", ["RSR"])
    write_centre(landing, "RSR", {}, {"2026-05-04": _patients(20),
                                      "2026-08-01": _patients(30)})
    assert _refresh(instance, landing, warehouse, "first").success
    write_centre(landing, "RSR", {}, {"2026-08-01": _patients(6)})
    result = _refresh(instance, landing, warehouse, "second")
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.user_failure_data
    for text in ("delivery 2026-08-01 was re-sent", "patients 30 -> 6",
                 "the accepted content of the current delivery 2026-08-01 stays in use",
                 "accept-delivery"):
        assert text in failure.description
    with Warehouse(warehouse).connect() as con:
        run = con.execute("SELECT status, current_delivery, message FROM meta.centre_runs "
                          "WHERE refresh_id = 'second' AND centre_id = 'RSR'").fetchall()
        assert len(run) == 1
        status, current, message = run[0]
        assert (status, current) == ("held", "2026-08-01")
        assert "stays in use" in message
        assert con.execute("SELECT count(*) FROM staging.patients p JOIN "
                           "staging.current_deliveries USING (centre_id, delivery)"
                           ).fetchone()[0] == 30

