"""The nightly schedule and the two sensors, evaluated with Dagster's testing utilities.

A real daemon runs the same definitions in test_daemon.py; here each tick is evaluated
directly against a temporary instance and a small synthetic landing area, with the cursor
and the dynamic partitions carried from tick to tick as the daemon would.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from ops_support import add_delivery, age_files, newest_delivery, small_landing

from assets import REFRESH_TAG
from assets.partitions import centre_partitions
from assets.resources import LandingArea, WarehouseResource
from extraction.deliveries import SUCCESS_MARKER
from pipelines.definitions import REPO_ROOT, build_definitions
from pipelines.operations import (
    CENTRE_JOB,
    REGISTRY_JOB,
    RUN_EXECUTOR_ENV,
    SCHEDULE_NAME_TAG,
    SENSOR_NAME_TAG,
    STARTED_AT_TAG,
    delivery_fingerprint,
    landing_delivery_sensor,
    nightly_refresh,
    registry_after_centres,
    run_config,
)

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(scope="module")
def template_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_landing(tmp_path_factory.mktemp("ops-template") / "landing")


@pytest.fixture
def landing(template_landing: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "landing"
    shutil.copytree(template_landing, copy)
    return copy


@pytest.fixture
def instance():
    with dg.instance_for_test() as inst:
        yield inst


def _defs(landing: Path, tmp_path: Path) -> dg.Definitions:
    return build_definitions(landing, tmp_path / "warehouse")


class DeliverySensorDriver:
    """Evaluates ``landing_delivery_sensor`` tick after tick, like the daemon: the cursor and
    the partitions a tick adds are carried into the next tick."""

    def __init__(self, instance: dg.DagsterInstance, landing: Path, defs: dg.Definitions,
                 warehouse: Path | None = None):
        self.instance, self.landing, self.defs = instance, landing, defs
        # the sensor also asks the warehouse what is loaded; none here unless given
        self.warehouse = warehouse or landing.parent / "no-warehouse"
        self.cursor: str | None = None
        self.run_keys: set[str] = set()

    def tick(self):
        # by reference, as the daemon does: run requests are then validated against the
        # partitions that the same tick adds
        # (closed after the tick: it opens an instance of its own from the reference)
        with dg.build_sensor_context(
            instance_ref=self.instance.get_ref(), cursor=self.cursor, definitions=self.defs,
            sensor_name=landing_delivery_sensor.name,
            resources={"landing": LandingArea(path=str(self.landing)),
                       "warehouse": WarehouseResource(root=str(self.warehouse))}) as context:
            data = landing_delivery_sensor.evaluate_tick(context)
        for request in data.dynamic_partitions_requests or []:
            assert request.partitions_def_name == centre_partitions.name
            self.instance.add_dynamic_partitions(request.partitions_def_name,
                                                 list(request.partition_keys))
        for request in data.run_requests or []:
            # the daemon drops a request whose run_key it has already launched
            assert request.run_key not in self.run_keys, f"run_key {request.run_key} reused"
            self.run_keys.add(request.run_key)
        self.cursor = data.cursor
        return data


# --- nightly_refresh ---------------------------------------------------------------------------

def test_nightly_schedule_defaults_registry_time_zone():
    assert nightly_refresh.cron_schedule == "0 2 * * *"
    assert nightly_refresh.execution_timezone == "Europe/Paris"
    assert nightly_refresh.job_name == CENTRE_JOB
    assert nightly_refresh.default_status == dg.DefaultScheduleStatus.RUNNING


def test_cron_time_zone_and_sensor_interval_come_from_the_environment():
    """Read when the definitions load (a fresh interpreter, as the daemon's code server)."""
    env = {**os.environ, "AML_REGISTRY_NIGHTLY_CRON": "30 4 * * 1-5",
           "AML_REGISTRY_TIMEZONE": "America/Montreal",
           "AML_REGISTRY_SENSOR_INTERVAL_SECONDS": "3"}
    code = ("import json; from pipelines import operations as o; print(json.dumps(["
            "o.nightly_refresh.cron_schedule, o.nightly_refresh.execution_timezone, "
            "o.landing_delivery_sensor.minimum_interval_seconds, "
            "o.registry_after_centres.minimum_interval_seconds]))")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO_ROOT, check=True,
                         capture_output=True, text=True, timeout=120).stdout
    assert json.loads(out.strip().splitlines()[-1]) == ["30 4 * * 1-5", "America/Montreal", 3, 3]
    assert landing_delivery_sensor.minimum_interval_seconds == 60
    assert registry_after_centres.minimum_interval_seconds == 30


def test_runs_use_the_executor_from_the_environment(monkeypatch):
    assert run_config() == {"execution": {"config": {"in_process": {}}}}
    monkeypatch.setenv(RUN_EXECUTOR_ENV, "multiprocess")
    assert run_config() == {"execution": {"config": {"multiprocess": {}}}}
    monkeypatch.setenv(RUN_EXECUTOR_ENV, "celery")
    with pytest.raises(ValueError, match="in_process"):
        run_config()


def test_nightly_schedule_requests_one_run_per_known_centre(landing, instance, tmp_path):
    instance.add_dynamic_partitions(centre_partitions.name, ["LYS", "NTE", "GONE"])
    when = dt.datetime(2026, 11, 20, 2, 0, tzinfo=PARIS)
    # contexts are closed after use: they leave no instance behind for later tests
    with dg.build_schedule_context(
            instance=instance, scheduled_execution_time=when,
            repository_def=_defs(landing, tmp_path).get_repository_def(),
            resources={"landing": LandingArea(path=str(landing))}) as context, \
            dg.partition_loading_context(dynamic_partitions_store=instance):
        data = nightly_refresh.evaluate_tick(context)
    requests = data.run_requests
    # PSL has no partition yet (the delivery sensor adds it); GONE has no folder any more
    assert [r.partition_key for r in requests] == ["LYS", "NTE"]
    assert [r.run_key for r in requests] == ["nightly-20261120T0200:LYS",
                                             "nightly-20261120T0200:NTE"]
    for r in requests:
        assert r.tags[REFRESH_TAG] == "nightly-20261120T0200"
        assert r.tags[STARTED_AT_TAG] == "2026-11-20 01:00:00"  # 02:00 Paris in UTC
        assert r.tags[SCHEDULE_NAME_TAG] == "nightly_refresh"
        assert r.run_config == {"execution": {"config": {"in_process": {}}}}
        assert r.job_name in (None, CENTRE_JOB)
    # the next night is another refresh with other run keys
    with dg.build_schedule_context(
            instance=instance, scheduled_execution_time=when + dt.timedelta(days=1),
            resources={"landing": LandingArea(path=str(landing))}) as context:
        next_night = nightly_refresh(context)
    assert {r.run_key for r in next_night}.isdisjoint({r.run_key for r in requests})


def test_nightly_schedule_skips_without_partitions(landing, instance):
    with dg.build_schedule_context(
            instance=instance,
            scheduled_execution_time=dt.datetime(2026, 11, 20, 2, tzinfo=PARIS),
            resources={"landing": LandingArea(path=str(landing))}) as context:
        result = nightly_refresh(context)
    assert isinstance(result, dg.SkipReason)
    assert "no centre partition" in result.skip_message


# --- landing_delivery_sensor -------------------------------------------------------------------

def test_delivery_sensor_starts_each_new_delivery_exactly_once(landing, instance, tmp_path):
    # PSL's only delivery is still being transferred: no _SUCCESS, files written just now
    psl = newest_delivery(landing, "PSL")
    (psl / SUCCESS_MARKER).unlink()
    age_files(psl, 0)
    sensor = DeliverySensorDriver(instance, landing, _defs(landing, tmp_path))

    first = sensor.tick()
    assert sorted(r.partition_key for r in first.run_requests) == ["LYS", "NTE"]
    assert sorted(instance.get_dynamic_partitions(centre_partitions.name)) == ["LYS", "NTE"]
    refresh_ids = {r.tags[REFRESH_TAG] for r in first.run_requests}
    assert len(refresh_ids) == 1 and refresh_ids.pop().startswith("delivery-")
    assert all(r.job_name == CENTRE_JOB and r.tags.get(STARTED_AT_TAG)
               for r in first.run_requests)
    assert sorted(json.loads(sensor.cursor)) == ["LYS", "NTE"]

    # nothing new: no run, the cursor stays
    for _ in range(2):
        again = sensor.tick()
        assert not again.run_requests and "no new complete delivery" in again.skip_message
    assert sorted(json.loads(sensor.cursor)) == ["LYS", "NTE"]

    # a newer delivery of NTE, still incomplete: ignored
    nte_new = add_delivery(landing, "NTE", "2026-12-01", complete=False)
    assert not sensor.tick().run_requests
    # ... until its _SUCCESS marker arrives: exactly one run, for NTE only
    (nte_new / SUCCESS_MARKER).touch()
    second = sensor.tick()
    assert [r.partition_key for r in second.run_requests] == ["NTE"]
    assert not second.dynamic_partitions_requests  # NTE is already a partition
    assert second.run_requests[0].tags[REFRESH_TAG] not in {
        r.tags[REFRESH_TAG] for r in first.run_requests}
    assert not sensor.tick().run_requests

    # PSL's transfer goes quiet for longer than its quiet period: complete without a marker
    age_files(psl, 3600)
    third = sensor.tick()
    assert [r.partition_key for r in third.run_requests] == ["PSL"]
    assert [list(r.partition_keys) for r in third.dynamic_partitions_requests] == [["PSL"]]
    # the centre writes the _SUCCESS marker late: the same delivery, no second run
    (psl / SUCCESS_MARKER).touch()
    assert not sensor.tick().run_requests
    assert sorted(instance.get_dynamic_partitions(centre_partitions.name)) == ["LYS", "NTE", "PSL"]


def test_delivery_sensor_requests_again_for_a_corrected_resend(landing, instance, tmp_path):
    sensor = DeliverySensorDriver(instance, landing, _defs(landing, tmp_path))
    assert len(sensor.tick().run_requests) == 3
    # LYS re-sends its delivery with a corrected file (same folder, new content)
    folder = newest_delivery(landing, "LYS")
    target = sorted(p for p in folder.iterdir() if p.suffix == ".csv")[0]
    target.write_bytes(target.read_bytes() + b"\n")
    resend = sensor.tick()
    assert [r.partition_key for r in resend.run_requests] == ["LYS"]
    assert not sensor.tick().run_requests


def test_delivery_sensor_ignores_a_centre_without_a_readable_dialect(landing, instance, tmp_path):
    (landing / "NTE" / "centre.yaml").write_text("centre_id: [broken\n", encoding="utf-8")
    assert delivery_fingerprint(LandingArea(path=str(landing)), "NTE") is None
    sensor = DeliverySensorDriver(instance, landing, _defs(landing, tmp_path))
    assert sorted(r.partition_key for r in sensor.tick().run_requests) == ["LYS", "PSL"]


def test_delivery_sensor_skips_an_empty_landing_area(tmp_path, instance):
    empty = tmp_path / "empty"
    empty.mkdir()
    sensor = DeliverySensorDriver(instance, empty, _defs(empty, tmp_path))
    data = sensor.tick()
    assert not data.run_requests and not data.dynamic_partitions_requests


# --- registry_after_centres --------------------------------------------------------------------

def _add_run(instance: dg.DagsterInstance, job: str, refresh_id: str | None,
             status: dg.DagsterRunStatus, launched_by: dict[str, str] | None = None,
             started_at: str | None = None) -> dg.DagsterRun:
    tags = dict(launched_by or {})
    if refresh_id:
        tags[REFRESH_TAG] = refresh_id
    if started_at:
        tags[STARTED_AT_TAG] = started_at
    run = dg.DagsterRun(job_name=job, run_id=str(uuid.uuid4()), status=status, tags=tags)
    instance.add_run(run)
    return run


def _set_status(instance: dg.DagsterInstance, run: dg.DagsterRun,
                status: dg.DagsterRunStatus) -> None:
    instance.delete_run(run.run_id)
    instance.add_run(run.with_status(status))


def _registry_tick(instance: dg.DagsterInstance) -> list[dg.RunRequest]:
    with dg.build_sensor_context(instance=instance,
                                 sensor_name=registry_after_centres.name) as context:
        result = registry_after_centres(context)
    return [] if isinstance(result, dg.SkipReason) else list(result)


BY_SENSOR = {SENSOR_NAME_TAG: "landing_delivery_sensor"}
BY_SCHEDULE = {SCHEDULE_NAME_TAG: "nightly_refresh"}


def test_registry_after_centres_waits_for_every_centre_run_then_requests_once(instance):
    S = dg.DagsterRunStatus
    assert _registry_tick(instance) == []
    lys = _add_run(instance, CENTRE_JOB, "delivery-a", S.SUCCESS, BY_SENSOR,
                   "2026-11-20 01:00:05")
    nte = _add_run(instance, CENTRE_JOB, "delivery-a", S.STARTED, BY_SENSOR,
                   "2026-11-20 01:00:00")
    assert _registry_tick(instance) == []  # NTE still running
    _set_status(instance, nte, S.STARTING)
    assert _registry_tick(instance) == []
    _set_status(instance, nte, S.FAILURE)  # a failed centre keeps its last good delivery
    [request] = _registry_tick(instance)
    assert request.run_key == "registry:delivery-a"
    assert request.tags[REFRESH_TAG] == "delivery-a"
    assert request.tags[STARTED_AT_TAG] == "2026-11-20 01:00:00"  # the refresh's first run
    assert request.job_name in (None, REGISTRY_JOB)
    assert lys.status == S.SUCCESS
    # the daemon launches it: no second request, whatever its state
    registry = _add_run(instance, REGISTRY_JOB, "delivery-a", S.NOT_STARTED,
                        {SENSOR_NAME_TAG: "registry_after_centres"})
    assert _registry_tick(instance) == []
    _set_status(instance, registry, S.SUCCESS)
    assert _registry_tick(instance) == []


def test_registry_after_centres_one_request_per_finished_refresh(instance):
    S = dg.DagsterRunStatus
    _add_run(instance, CENTRE_JOB, "nightly-20261120T0200", S.SUCCESS, BY_SCHEDULE)
    _add_run(instance, CENTRE_JOB, "nightly-20261120T0200", S.CANCELED, BY_SCHEDULE)
    _add_run(instance, CENTRE_JOB, "delivery-b", S.SUCCESS, BY_SENSOR)
    busy = _add_run(instance, CENTRE_JOB, "delivery-c", S.STARTING, BY_SENSOR)
    # `aml-registry refresh` runs its own registry run in process: never followed up here
    _add_run(instance, CENTRE_JOB, "20261120T010000Z-abc123", S.SUCCESS)
    # a centre run started by hand from the UI, without a refresh: ignored
    _add_run(instance, CENTRE_JOB, None, S.SUCCESS, BY_SENSOR)
    requests = _registry_tick(instance)
    assert sorted(r.run_key for r in requests) == ["registry:delivery-b",
                                                   "registry:nightly-20261120T0200"]
    assert all(r.tags.get(STARTED_AT_TAG) for r in requests)
    for r in requests:
        _add_run(instance, REGISTRY_JOB, r.tags[REFRESH_TAG], S.STARTED)
    assert _registry_tick(instance) == []
    _set_status(instance, busy, S.SUCCESS)
    assert [r.run_key for r in _registry_tick(instance)] == ["registry:delivery-c"]
