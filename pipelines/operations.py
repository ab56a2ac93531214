"""Operations: the nightly schedule, the landing-area sensor and the registry follow-up sensor.

Source: ../shared/spec/architecture.md ("Operations"). The schedule and the delivery sensor
start per-centre runs (unchanged centres are skipped cheaply by extraction); once every centre
run of one refresh has finished, ``registry_after_centres`` starts the registry-wide rebuild
and publication for that refresh, exactly once (run_key = refresh id).

Settings (environment, read when the definitions load): ``AML_REGISTRY_NIGHTLY_CRON``
(default ``0 2 * * *``), ``AML_REGISTRY_TIMEZONE`` (default Europe/Paris),
``AML_REGISTRY_SENSOR_INTERVAL_SECONDS`` (both sensors' minimum interval; default 60 s for the
delivery sensor, 30 s for the registry sensor) and, read at each tick,
``AML_REGISTRY_RUN_EXECUTOR`` (``in_process``, the default, or ``multiprocess``).
"""

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass

import dagster as dg

from assets import REFRESH_TAG
from assets.partitions import centre_partitions
from assets.resources import LandingArea, WarehouseResource
from assets.value_free import value_free_tick
from extraction.deliveries import SUCCESS_MARKER, complete_deliveries
from pipelines.loaded_deliveries import already_loaded, loaded_fingerprints
from pipelines.recovery import recover_dead_runs
from schemas.dialect import DialectError, load_dialect

NIGHTLY_CRON_ENV = "AML_REGISTRY_NIGHTLY_CRON"
TIMEZONE_ENV = "AML_REGISTRY_TIMEZONE"
#: Overrides both sensors' minimum interval (seconds); the defaults suit production.
SENSOR_INTERVAL_ENV = "AML_REGISTRY_SENSOR_INTERVAL_SECONDS"
STARTED_AT_TAG = "aml_registry/started_at"
#: Executor of the runs the schedule and sensors start: ``in_process`` (default) or
#: ``multiprocess``. Every step of both jobs writes DuckDB and so is in the ``duckdb_writer``
#: pool (one step at a time): a process per step would only add a Python start-up per step.
RUN_EXECUTOR_ENV = "AML_REGISTRY_RUN_EXECUTOR"
RUN_EXECUTORS = ("in_process", "multiprocess")
#: Dagster's own tags on runs started by a sensor or a schedule.
SENSOR_NAME_TAG = "dagster/sensor_name"
SCHEDULE_NAME_TAG = "dagster/schedule_name"
CENTRE_JOB = "centre_refresh"
REGISTRY_JOB = "registry_refresh"
FINISHED = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE,
            dg.DagsterRunStatus.CANCELED}


def _sensor_interval(default: int) -> int:
    value = os.environ.get(SENSOR_INTERVAL_ENV)
    return max(1, int(value)) if value else default


def run_config() -> dict:
    """Run config of the runs started by the schedule and the sensors (their executor)."""
    executor = os.environ.get(RUN_EXECUTOR_ENV) or "in_process"
    if executor not in RUN_EXECUTORS:
        raise ValueError(f"{RUN_EXECUTOR_ENV}={executor!r}: expected one of {RUN_EXECUTORS}")
    return {"execution": {"config": {executor: {}}}}


def _utc_text(moment: dt.datetime | None = None) -> str:
    """A UTC time as `aml-registry refresh` tags it (naive ISO, space separated)."""
    moment = moment or dt.datetime.now(dt.UTC)
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")


@dataclass
class OperationsDefinitions:
    """The schedules and sensors of operations (the jobs are in pipelines.definitions)."""

    schedules: list
    sensors: list


def delivery_fingerprint(landing: LandingArea, centre_id: str) -> str | None:
    """Newest complete delivery of a centre, with its files' names, sizes and mtimes, hashed.

    The ``_SUCCESS`` marker is left out: a delivery taken after its quiet period must not
    start a second run when the centre writes the marker later. ``None`` when the centre has
    no complete delivery (or its folder changes while being read: the next tick sees it).
    """
    try:
        dialect = load_dialect(landing.centre_folder(centre_id) / "centre.yaml")
    except DialectError:
        return None
    try:
        deliveries = complete_deliveries(landing.centre_folder(centre_id), dialect)
        if not deliveries:
            return None
        newest = deliveries[-1]
        parts = [newest.delivery]
        for p in sorted(newest.path.iterdir()):
            if p.is_file() and p.name != SUCCESS_MARKER:
                stat = p.stat()
                parts.append(f"{p.name}:{stat.st_size}:{stat.st_mtime_ns}")
    except OSError:
        return None
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _centre_requests(context, landing: LandingArea, refresh_id: str,
                     centres: list[str]) -> tuple[list[dg.RunRequest], list[str]]:
    known = set(context.instance.get_dynamic_partitions(centre_partitions.name))
    new = [c for c in centres if c not in known]
    tags = {REFRESH_TAG: refresh_id, STARTED_AT_TAG: _utc_text()}
    requests = [dg.RunRequest(partition_key=c, run_key=f"{refresh_id}:{c}", tags=tags,
                              job_name=CENTRE_JOB, run_config=run_config())
                for c in centres]
    return requests, new


@dg.schedule(
    name="nightly_refresh", job_name=CENTRE_JOB,
    cron_schedule=os.environ.get(NIGHTLY_CRON_ENV, "0 2 * * *"),
    execution_timezone=os.environ.get(TIMEZONE_ENV, "Europe/Paris"),
    description="Every night: a run per centre (unchanged centres are skipped cheaply), then "
                "registry_after_centres rebuilds the registry layers and publishes.",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def nightly_refresh(context: dg.ScheduleEvaluationContext, landing: LandingArea):
    """Request a centre run for every centre known as a partition (a failure is value-free:
    :func:`assets.value_free.value_free_tick`)."""
    with value_free_tick("schedule nightly_refresh", context.instance):
        return _nightly_requests(context, landing)


def _nightly_requests(context: dg.ScheduleEvaluationContext, landing: LandingArea):
    recover_dead_runs(context.instance, context.log.info)  # a killed run blocks the pool
    scheduled = context.scheduled_execution_time  # always set by the daemon
    refresh_id = f"nightly-{scheduled:%Y%m%dT%H%M}"
    known = set(context.instance.get_dynamic_partitions(centre_partitions.name))
    centres = [c for c in sorted(landing.centres()) if c in known]
    if not centres:
        return dg.SkipReason("no centre partition yet (the delivery sensor adds them)")
    tags = {REFRESH_TAG: refresh_id, STARTED_AT_TAG: _utc_text(scheduled)}
    return [dg.RunRequest(partition_key=c, run_key=f"{refresh_id}:{c}", tags=tags,
                          run_config=run_config())
            for c in centres]


@dg.sensor(
    name="landing_delivery_sensor", job_name=CENTRE_JOB,
    minimum_interval_seconds=_sensor_interval(60),
    description="Starts a centre's refresh when a new complete delivery appears; adds a "
                "partition for a new centre folder. The cursor holds each centre's newest "
                "delivery fingerprint, so a delivery starts exactly one run.",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def landing_delivery_sensor(context: dg.SensorEvaluationContext, landing: LandingArea,
                            warehouse: WarehouseResource):
    """Compare each centre's newest complete delivery with the cursor and with what the
    warehouse already loaded (e.g. by `aml-registry refresh`, which moves no cursor); a
    failure is value-free (:func:`assets.value_free.value_free_tick`)."""
    with value_free_tick("sensor landing_delivery_sensor", context.instance):
        return _delivery_requests(context, landing, warehouse)


def _delivery_requests(context: dg.SensorEvaluationContext, landing: LandingArea,
                       warehouse: WarehouseResource | None):
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    current = {c: delivery_fingerprint(landing, c) for c in sorted(landing.centres())}
    changed = [c for c, fp in current.items() if fp is not None and seen.get(c) != fp]
    loaded = loaded_fingerprints(warehouse.root) if changed and warehouse else None
    known = set(context.instance.get_dynamic_partitions(centre_partitions.name))
    done = [c for c in changed if c in known and already_loaded(landing, c, loaded)]
    if done:
        seen = {**seen, **{c: current[c] for c in done}}
        changed = [c for c in changed if c not in done]
    if not changed and done:
        return dg.SensorResult(skip_reason="newest deliveries already loaded: "
                               + ", ".join(done), cursor=json.dumps(seen, sort_keys=True))
    if not changed:
        return dg.SensorResult(skip_reason="no new complete delivery", cursor=context.cursor)
    refresh_id = "delivery-" + hashlib.sha256(
        json.dumps({c: current[c] for c in changed}, sort_keys=True).encode()).hexdigest()[:12]
    requests, new = _centre_requests(context, landing, refresh_id, changed)
    cursor = {**seen, **{c: current[c] for c in changed}}
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[centre_partitions.build_add_request(new)] if new else [],
        cursor=json.dumps(cursor, sort_keys=True))


@dg.sensor(
    name="registry_after_centres", job_name=REGISTRY_JOB,
    minimum_interval_seconds=_sensor_interval(30),
    description="When every centre run of a refresh has finished, rebuild the registry-wide "
                "layers and publish once for that refresh.",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def registry_after_centres(context: dg.SensorEvaluationContext):
    """Start ``registry_refresh`` for each refresh whose centre runs are all finished.

    Only refreshes started by the schedule or the delivery sensor are followed: an
    ``aml-registry refresh`` runs its own registry run in process, right after its centres.
    Each tick first recovers runs of dead processes (their pool slots would block every run).
    A failure is value-free (:func:`assets.value_free.value_free_tick`).
    """
    with value_free_tick("sensor registry_after_centres", context.instance):
        return _registry_requests(context)


def _registry_requests(context: dg.SensorEvaluationContext):
    recover_dead_runs(context.instance, context.log.info)
    runs = [
        *context.instance.get_runs(filters=dg.RunsFilter(
            job_name=CENTRE_JOB, tags={SCHEDULE_NAME_TAG: nightly_refresh.name}), limit=500),
        *context.instance.get_runs(filters=dg.RunsFilter(
            job_name=CENTRE_JOB, tags={SENSOR_NAME_TAG: landing_delivery_sensor.name}),
            limit=500),
    ]
    by_refresh: dict[str, list[dg.DagsterRun]] = {}
    for run in runs:
        refresh_id = run.tags.get(REFRESH_TAG)
        if refresh_id:
            by_refresh.setdefault(refresh_id, []).append(run)
    requests = []
    for refresh_id, centre_runs in sorted(by_refresh.items()):
        if not all(r.status in FINISHED for r in centre_runs):
            continue
        done = context.instance.get_runs(filters=dg.RunsFilter(
            job_name=REGISTRY_JOB, tags={REFRESH_TAG: refresh_id}), limit=1)
        if done:
            continue
        started = min((r.tags[STARTED_AT_TAG] for r in centre_runs
                       if r.tags.get(STARTED_AT_TAG)), default=_utc_text())
        requests.append(dg.RunRequest(run_key=f"registry:{refresh_id}", run_config=run_config(),
                                      tags={REFRESH_TAG: refresh_id, STARTED_AT_TAG: started}))
    if not requests:
        return dg.SkipReason("no refresh waiting for its registry rebuild")
    return requests


def operations_definitions() -> OperationsDefinitions:
    """Schedules and sensors for `Definitions` (jobs are defined in pipelines.definitions)."""
    return OperationsDefinitions(
        schedules=[nightly_refresh],
        sensors=[landing_delivery_sensor, registry_after_centres])
