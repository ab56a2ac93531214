"""A schedule's or sensor's unexpected error never carries a value into Dagster (issue 18).

Dagster stores a failed tick's error in its schedule storage and shows it in the UI; the
daemon logs it. Each tick of ``nightly_refresh``, ``landing_delivery_sensor`` and
``registry_after_centres`` fails with the error's type and place only; the full text goes to
``tick_errors.log`` in the instance's folder, readable by its owner only.
"""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import dagster as dg
import pytest
from dagster._serdes import serialize_value
from dagster._utils.error import serializable_error_info_from_exc_info

import pipelines.operations as operations
from assets.resources import LandingArea, WarehouseResource
from assets.value_free import TICK_ERRORS_FILE, TickError
from pipelines.operations import landing_delivery_sensor, nightly_refresh, registry_after_centres

PLANTED_ID, PLANTED_BIRTH = "LOCAL-PAT-27182818", "1949-11-02"


def _quoting_error(*_args, **_kwargs):
    raise ValueError(f"could not read patient {PLANTED_ID} born {PLANTED_BIRTH}")


@pytest.fixture
def instance(tmp_path: Path):
    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        yield instance


def _serialized_failure(evaluate) -> str:
    """The error as the daemon would store it (message, traceback, causes and contexts)."""
    with pytest.raises(Exception) as failure:
        evaluate()
    info = serializable_error_info_from_exc_info((failure.type, failure.value, failure.tb))
    text = serialize_value(info) + info.to_string()
    assert TickError.__name__ in text
    return text


def _assert_kept_restricted(instance: dg.DagsterInstance, tick: str) -> None:
    log = Path(instance.root_directory) / TICK_ERRORS_FILE
    text = log.read_text()
    assert tick in text and PLANTED_ID in text and PLANTED_BIRTH in text
    assert stat.S_IMODE(log.stat().st_mode) & 0o077 == 0  # owner only (no group configured)


def _assert_value_free(text: str) -> None:
    assert PLANTED_ID not in text
    assert PLANTED_BIRTH not in text
    assert "ValueError" in text  # the type and the place are kept for the data manager


def test_delivery_sensor_failure_is_value_free(tmp_path, instance, monkeypatch):
    landing = tmp_path / "landing"
    (landing / "LYS").mkdir(parents=True)
    (landing / "LYS" / "centre.yaml").write_text("centre_id: LYS\n")
    monkeypatch.setattr(operations, "delivery_fingerprint", _quoting_error)

    def evaluate():
        with dg.build_sensor_context(
                instance=instance, sensor_name=landing_delivery_sensor.name,
                resources={"landing": LandingArea(path=str(landing)),
                           "warehouse": WarehouseResource(root=str(tmp_path / "wh"))}) as ctx:
            landing_delivery_sensor.evaluate_tick(ctx)

    _assert_value_free(_serialized_failure(evaluate))
    _assert_kept_restricted(instance, "landing_delivery_sensor")


def test_registry_sensor_failure_is_value_free(instance, monkeypatch):
    monkeypatch.setattr(operations, "recover_dead_runs", _quoting_error)

    def evaluate():
        with dg.build_sensor_context(instance=instance,
                                     sensor_name=registry_after_centres.name) as ctx:
            registry_after_centres.evaluate_tick(ctx)

    _assert_value_free(_serialized_failure(evaluate))
    _assert_kept_restricted(instance, "registry_after_centres")


def test_nightly_schedule_failure_is_value_free(tmp_path, instance, monkeypatch):
    landing = tmp_path / "landing"
    landing.mkdir()
    monkeypatch.setattr(operations, "recover_dead_runs", _quoting_error)

    def evaluate():
        with dg.build_schedule_context(
                instance=instance,
                scheduled_execution_time=dt.datetime(2026, 11, 20, 2, tzinfo=dt.UTC),
                resources={"landing": LandingArea(path=str(landing))}) as ctx:
            nightly_refresh.evaluate_tick(ctx)

    _assert_value_free(_serialized_failure(evaluate))
    _assert_kept_restricted(instance, "nightly_refresh")


def test_tick_without_instance_folder_still_fails_value_free():
    from assets.value_free import value_free_tick

    with pytest.raises(TickError) as failure, value_free_tick("sensor x", None):
        _quoting_error()
    assert "nowhere" in str(failure.value)
    assert failure.value.__suppress_context__  # the quoting error is not chained
    info = serializable_error_info_from_exc_info((failure.type, failure.value, failure.tb))
    assert PLANTED_ID not in info.to_string() and PLANTED_BIRTH not in info.to_string()
