"""An unexpected error never carries a patient's value into Dagster (issue 18): every step,
per centre or registry-wide, fails with the error's type and place only, while its full text
(which may quote a value) is kept in the restricted ``quarantine.errors``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster._serdes import serialize_value

from assets import REFRESH_TAG
from assets.analysis import analysis_tables
from assets.extract import raw_centre_exports, staging_centre_tables
from assets.harmonised import harmonised_centre
from assets.outcomes import outcome_analyses
from assets.publish import published_registry
from assets.quality import quality_expectation_results, quality_queries_and_dashboard
from assets.resources import LandingArea, WarehouseResource, pseudonym_key_resource
from assets.value_free import REGISTRY_WIDE, error_place
from warehouse.database import Warehouse

pytestmark = pytest.mark.xdist_group("privacy")
#: a local identifier and a birth date, as a conversion error would quote them
PLANTED_ID, PLANTED_BIRTH = "LOCAL-PAT-48151623", "1957-03-14"

REGISTRY_STEPS = [
    ("analysis", analysis_tables),
    ("outcomes", outcome_analyses),
    ("quality expectations", quality_expectation_results),
    ("quality queries", quality_queries_and_dashboard),
    ("publish", published_registry),
]
CENTRE_STEPS = [("extraction", raw_centre_exports), ("staging", staging_centre_tables),
                ("harmonised", harmonised_centre)]


@pytest.fixture
def first_connection_fails(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The step's first database connection raises an error quoting a patient's values (the
    restricted error record, written afterwards, connects normally)."""
    original = Warehouse.connect
    calls = []

    def connect(self: Warehouse):  # noqa: ANN202 - the patched context manager factory
        calls.append(self)
        if len(calls) == 1:
            raise ValueError(f"could not convert {PLANTED_ID!r} born {PLANTED_BIRTH} to a date")
        return original(self)

    monkeypatch.setattr(Warehouse, "connect", connect)
    yield


def _landing(tmp_path: Path) -> Path:
    landing = tmp_path / "landing"
    (landing / "VFE").mkdir(parents=True)
    (landing / "VFE" / "centre.yaml").write_text("centre_id: VFE\nname: VFE\ncountry: FR\n")
    return landing


def _run(asset: dg.AssetsDefinition, tmp_path: Path, partition: str | None
         ) -> tuple[dg.ExecuteInProcessResult, str, Path]:
    warehouse = tmp_path / "warehouse"
    landing = _landing(tmp_path)
    instance = dg.DagsterInstance.ephemeral()
    if partition:
        instance.add_dynamic_partitions("centre", [partition])
    result = dg.materialize(
        [asset], instance=instance, partition_key=partition, raise_on_error=False,
        tags={REFRESH_TAG: "value-free-probe"},
        resources={"warehouse": WarehouseResource(root=str(warehouse)),
                   "landing": LandingArea(path=str(landing)),
                   "pseudonym": pseudonym_key_resource()})
    events = "\n".join(serialize_value(e) for e in instance.all_logs(result.run_id))
    return result, events, warehouse


def _assert_value_free(result: dg.ExecuteInProcessResult, events: str, warehouse: Path,
                       step: str, centre: str) -> None:
    assert not result.success
    assert PLANTED_ID not in events and PLANTED_BIRTH not in events
    failures = result.get_step_failure_events()
    assert len(failures) == 1
    description = failures[0].step_failure_data.user_failure_data.description
    # type and place: the step, the error's class and where it was raised
    assert f"unexpected ValueError during {step} at " in description
    assert "test_value_free_errors.py" in description and "quarantine.errors" in description
    con = duckdb.connect(str(Warehouse(warehouse).working_path), read_only=True)
    try:
        rows = con.execute("SELECT centre_id, step, error_type, error_text FROM "
                           "quarantine.errors").fetchall()
    finally:
        con.close()
    assert len(rows) == 1 and rows[0][:3] == (centre, step, "ValueError")
    assert PLANTED_ID in rows[0][3] and PLANTED_BIRTH in rows[0][3]


@pytest.mark.parametrize(("step", "asset"), REGISTRY_STEPS, ids=[s for s, _ in REGISTRY_STEPS])
def test_a_registry_wide_step_fails_without_the_value(tmp_path: Path, first_connection_fails: None,
                                                      step: str, asset: dg.AssetsDefinition
                                                      ) -> None:
    result, events, warehouse = _run(asset, tmp_path, None)
    _assert_value_free(result, events, warehouse, step, REGISTRY_WIDE)


@pytest.mark.parametrize(("step", "asset"), CENTRE_STEPS, ids=[s for s, _ in CENTRE_STEPS])
def test_a_centre_step_fails_without_the_value(tmp_path: Path, first_connection_fails: None,
                                               step: str, asset: dg.AssetsDefinition) -> None:
    result, events, warehouse = _run(asset, tmp_path, "VFE")
    _assert_value_free(result, events, warehouse, step, "VFE")
    assert "centre VFE: unexpected ValueError" in events


def test_the_place_is_code_not_values() -> None:
    try:
        int(f"{PLANTED_ID}")
    except ValueError as exc:
        place = error_place(exc)
    assert place.startswith("tests/privacy/test_value_free_errors.py:")
    assert place.endswith("in test_the_place_is_code_not_values")
    assert PLANTED_ID not in place
