"""A full or per-centre refresh, run in process with the same Dagster jobs as the schedule.

Each centre is its own run of the partitioned ``centre_refresh`` job, so one broken delivery
fails only its centre; then one ``registry_refresh`` run rebuilds the registry-wide layers
from the stored per-centre data and publishes when every blocking check passed.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from assets import REFRESH_TAG
from assets.partitions import centre_partitions
from pipelines.definitions import REPO_ROOT, build_definitions
from pipelines.recovery import recover_dead_runs, this_process_tags
from schemas.dialect import DialectError, discover_centres, load_dialect
from warehouse.bookkeeping import record_centre_run
from warehouse.database import Warehouse, query_frame, run_sql, table_exists
from warehouse.keyring import check_warehouse_key
from warehouse.permissions import (
    PermissionPolicy,
    restricted_umask,
    secure_restricted,
    secure_warehouse,
)
from warehouse.pseudonym import demo_requested, resolve_pseudonym_secret
from warehouse.version import code_version

DAGSTER_STORAGE_ENV = "AML_REGISTRY_DAGSTER_STORAGE"
#: The command line prints its own progress; Dagster's console logger only shows problems.
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass
class RefreshOutcome:
    """What a refresh did: per-centre status, whether it published, and where."""

    refresh_id: str
    published: bool
    centres: dict[str, str] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    message: str = ""
    published_path: Path | None = None
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        """0 published with every centre loaded; 3 published with failed centres; 1 not."""
        if not self.published:
            return 1
        return 3 if self.failures else 0


def dagster_instance(warehouse: Path) -> dg.DagsterInstance:
    """``$DAGSTER_HOME``'s instance, else a local one under ``WAREHOUSE/.dagster``.

    The storage (run and event logs) is identifiable: its folder is restricted (0700, or 0750
    with ``AML_REGISTRY_RESTRICTED_GROUP``) before Dagster writes anything into it.
    """
    if os.environ.get("DAGSTER_HOME"):
        os.environ.setdefault(DAGSTER_STORAGE_ENV,
                              str(Path(os.environ["DAGSTER_HOME"]) / "storage"))
        storage = Path(os.environ[DAGSTER_STORAGE_ENV])
        storage.mkdir(parents=True, exist_ok=True)
        secure_restricted(storage)
        return dg.DagsterInstance.get()
    home = Path(warehouse) / ".dagster"
    home.mkdir(parents=True, exist_ok=True)
    secure_restricted(home)
    shutil.copyfile(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    os.environ.setdefault(DAGSTER_STORAGE_ENV, str(home / "storage"))
    return dg.DagsterInstance.from_config(str(home))


def _failure_message(result: dg.ExecuteInProcessResult) -> str:
    """The failed steps' messages. A ``dg.Failure`` carries our own value-free description;
    a failed blocking check by the checks' names; any other error is named by its type only (its text may quote a source value; the
    full text is in ``quarantine.errors``, the event log has its type and place only)."""
    messages = []
    for event in result.get_step_failure_events():
        data = event.step_failure_data
        text = data.user_failure_data.description if data.user_failure_data else None
        if not text and data.error is not None:
            error = data.error
            while error.cause is not None:
                error = error.cause
            if error.cls_name == "DagsterAssetCheckFailedError":
                # Dagster's own text: the failed blocking checks by name (no values)
                text = " ".join(error.message.split())
            else:
                text = (f"unexpected {error.cls_name or 'error'} (traceback in Dagster run "
                        f"{result.run_id})")
        messages.append(f"{event.step_key}: {text}")
    return "; ".join(messages) or "run failed"


def _stored_centres(warehouse: Path) -> set[str]:
    """Centres with staged data in the working database."""
    wh = Warehouse(warehouse)
    if not wh.working_path.exists():
        return set()
    with wh.connect() as con:
        run_sql(con, "staging/create_staging_bookkeeping")
        return set(query_frame(con, "staging/staged_centres")["centre_id"])


def stale_harmonised_centres(warehouse: Path) -> list[str]:
    """Staged centres whose harmonised partition is missing or was derived from another
    delivery or by another code version (an incremental refresh re-derives them too)."""
    path = Warehouse(warehouse).working_path
    if not path.exists():
        return []
    with Warehouse(warehouse).connect() as con:
        if not table_exists(con, "staging.deliveries"):
            return []
        run_sql(con, "harmonised/create_centres")
        return [r[0] for r in run_sql(con, "harmonised/stale_centres",
                                      [code_version()]).fetchall()]


def _record_centre(warehouse: Path, refresh_id: str, centre: str, status: str,
                   message: str) -> None:
    with Warehouse(warehouse).connect() as con:
        record_centre_run(con, refresh_id, centre, status, None, [], 0, 0, 0,
                          1 if status == "failed" else 0, message)


def run_refresh(landing: Path | str, warehouse: Path | str, centres: list[str] | None = None,
                progress: Callable[[str], None] = print,
                instance: dg.DagsterInstance | None = None,
                demo: bool | None = None) -> RefreshOutcome:
    """Extract and stage the selected centres (all by default), rebuild, check and publish.

    ``demo`` (default: ``AML_REGISTRY_DEMO``) selects the public demo key, on a synthetic
    landing area only. The key must be the warehouse's (its fingerprint): else
    :class:`~warehouse.pseudonym.KeyMismatchError` before anything runs. While it runs the
    umask keeps new files private; at the end every file under the warehouse gets its mode.
    """
    landing, warehouse = Path(landing), Path(warehouse)
    demo = demo_requested() if demo is None else demo
    secret = resolve_pseudonym_secret(demo, landing)
    check_warehouse_key(Warehouse(warehouse).working_path, secret)
    policy = PermissionPolicy.from_environment()
    with restricted_umask(policy):
        try:
            return _run_refresh(landing, warehouse, centres, progress, instance, demo)
        finally:
            secure_warehouse(warehouse, policy)
            if os.environ.get(DAGSTER_STORAGE_ENV):
                secure_restricted(Path(os.environ[DAGSTER_STORAGE_ENV]), policy)


def _run_refresh(landing: Path, warehouse: Path, centres: list[str] | None,
                 progress: Callable[[str], None], instance: dg.DagsterInstance | None,
                 demo: bool) -> RefreshOutcome:
    started = dt.datetime.now(dt.UTC)
    if demo:
        progress("NOTE: DEMO mode: patient keys use the public demo key (synthetic registry "
                 "only); this warehouse is labelled a demo warehouse and never takes a real key.")
    available = discover_centres(landing)
    if not available:
        raise FileNotFoundError(f"no centre folder with a centre.yaml under {landing}")
    selected = sorted(centres) if centres else sorted(available)
    unknown = sorted(set(selected) - set(available))
    if unknown:
        raise ValueError(f"unknown centre(s) {unknown}; the landing area has {sorted(available)}")
    defs = build_definitions(landing, warehouse, demo=demo)
    instance = instance or dagster_instance(warehouse)
    recover_dead_runs(instance, progress)
    known = set(instance.get_dynamic_partitions(centre_partitions.name))
    new = [c for c in available if c not in known]
    if new:
        instance.add_dynamic_partitions(centre_partitions.name, new)
    refresh_id = f"{started:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"
    tags = {REFRESH_TAG: refresh_id, "aml_registry/started_at": started.replace(
        tzinfo=None).isoformat(sep=" "), **this_process_tags()}
    outcome = RefreshOutcome(refresh_id, published=False)
    stale = [c for c in stale_harmonised_centres(warehouse) if c in available
             and c not in selected]
    if stale:
        progress(f"re-deriving the harmonised rows of {', '.join(stale)} (an older code "
                 "version or delivery derived them)")
        selected = sorted({*selected, *stale})
    centre_job = defs.resolve_job_def("centre_refresh")
    for i, centre in enumerate(selected, 1):
        progress(f"[{i}/{len(selected)}] {centre}: extracting, staging and harmonising")
        try:
            load_dialect(available[centre] / "centre.yaml")
        except DialectError as exc:
            outcome.centres[centre], outcome.failures[centre] = "failed", str(exc)
            progress(f"    {centre}: FAILED: {exc}")
            _record_centre(warehouse, refresh_id, centre, "failed", str(exc))
            continue
        result = centre_job.execute_in_process(partition_key=centre, instance=instance,
                                               tags=tags, raise_on_error=False,
                                               run_config=QUIET_RUN_CONFIG)
        if result.success:
            outcome.centres[centre] = "ok"
        else:
            outcome.centres[centre] = "failed"
            outcome.failures[centre] = _failure_message(result)
            progress(f"    {centre}: FAILED: {outcome.failures[centre]}")
    for centre in _stored_centres(warehouse) - set(available):
        message = (f"centre {centre} has no folder in {landing} any more: its last stored "
                   "delivery stays in the registry (a missing folder never deletes data)")
        outcome.centres[centre] = "missing"
        progress(f"    {message}")
        _record_centre(warehouse, refresh_id, centre, "missing", message)
    progress("registry: building analysis, quality and outcome tables, publishing")
    result = defs.resolve_job_def("registry_refresh").execute_in_process(
        instance=instance, tags=tags, raise_on_error=False, run_config=QUIET_RUN_CONFIG)
    outcome.published = result.success
    outcome.published_path = warehouse / "registry.duckdb" if result.success else None
    outcome.message = ("published" if result.success else
                       "NOT published (last good database kept): " + _failure_message(result))
    outcome.seconds = (dt.datetime.now(dt.UTC) - started).total_seconds()
    progress(f"registry: {outcome.message} ({outcome.seconds:.1f} s)")
    return outcome
