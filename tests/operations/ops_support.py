"""Helpers shared by the operations tests (imported by name: tests have no packages)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from extraction.deliveries import SUCCESS_MARKER
from pipelines.definitions import REPO_ROOT
from synthetic_registry import generate_registry
from warehouse.pseudonym import DEMO_MARKER

TEST_KEY = "operations-test-key-0123456789"
#: Three small centres keep a refresh short (one CSV, one semicolon/Latin-1, one other dialect).
SMALL_CENTRES = ("LYS", "NTE", "PSL")


def small_landing(landing: Path, keep: tuple[str, ...] = SMALL_CENTRES,
                  patients: int = 300) -> Path:
    """A generated synthetic landing area (scale mode) reduced to a few centres."""
    generate_registry(landing, seed=2026, patients=patients)
    for folder in landing.iterdir():
        if folder.is_dir() and folder.name not in keep:
            shutil.rmtree(folder)
    (landing / DEMO_MARKER).write_text("synthetic\n", encoding="utf-8")
    return landing


def dagster_home(tmp_path: Path) -> Path:
    """A Dagster home with the project's ``dagster.yaml`` (its storage goes to home/storage
    when ``AML_REGISTRY_DAGSTER_STORAGE`` points there)."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    return home


def newest_delivery(landing: Path, centre: str) -> Path:
    return sorted(p for p in (landing / centre).iterdir() if p.is_dir())[-1]


def add_delivery(landing: Path, centre: str, date: str, *, complete: bool = True) -> Path:
    """A new delivery of a centre: a copy of its newest one under a later export date.

    ``complete=False`` writes it like a transfer still in progress: no ``_SUCCESS`` marker
    and files modified just now (inside the centre's quiet period).
    """
    source = newest_delivery(landing, centre)
    target = landing / centre / date
    staging = landing / centre / f".{date}.partial"  # not a delivery name: never seen half-copied
    shutil.copytree(source, staging)
    marker = staging / SUCCESS_MARKER
    if complete:
        marker.touch()
    else:
        marker.unlink(missing_ok=True)
        now = time.time()
        for p in staging.iterdir():
            os.utime(p, (now, now))
    staging.rename(target)
    return target


def age_files(folder: Path, seconds: float) -> None:
    """Set every file's modification time ``seconds`` into the past (past the quiet period)."""
    then = time.time() - seconds
    for p in folder.iterdir():
        os.utime(p, (then, then))


def centre_refresh_job(landing: str, warehouse: str):
    """The project's ``centre_refresh`` job bound to a temporary landing area and warehouse
    (the key comes from ``AML_REGISTRY_PSEUDONYM_KEY``, resolved when the run starts).

    A reconstructor for ``dg.build_reconstructable_job``: the multiprocess executor's step
    processes import this module and call it to rebuild the same job.
    """
    from pipelines.definitions import build_definitions

    return build_definitions(landing, warehouse).resolve_job_def("centre_refresh")


def run_centre_multiprocess(landing: str, warehouse: str, dagster_home: str, centre: str) -> str:
    """One ``centre_refresh`` run of ``centre`` under the multiprocess executor, in this
    process (as a launched run would be): each step in its own process, forked from a
    forkserver with the project preloaded. Returns the run id."""
    import dagster as dg

    job = dg.build_reconstructable_job(
        "ops_support", "centre_refresh_job", reconstructable_args=(landing, warehouse),
        reconstructor_working_directory=str(Path(__file__).parent))
    config = {"execution": {"config": {"multiprocess": {
        "max_concurrent": 2,
        "start_method": {"forkserver": {"preload_modules": ["pipelines.definitions"]}}}}}}
    with dg.DagsterInstance.from_config(dagster_home) as instance:
        result = dg.execute_job(job, instance=instance, run_config=config,
                                tags={"dagster/partition": centre,
                                      "aml_registry/refresh_id": "multiprocess-test"})
        return result.run_id


if __name__ == "__main__":  # python ops_support.py LANDING WAREHOUSE DAGSTER_HOME CENTRE
    import sys

    print(run_centre_multiprocess(*sys.argv[1:5]), flush=True)
