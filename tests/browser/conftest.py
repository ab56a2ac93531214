"""One small refreshed registry for the browser tests, shared by the pytest-xdist workers.

The centre job is materialised for one partition (LYS; NTE stays a known, unmaterialised
partition) and the registry job once, through ``run_refresh`` on a Dagster instance built
from the repository's ``dagster.yaml`` under a temporary DAGSTER_HOME, so the UI has real
materialisations, metadata and check results to show.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest
from browser_support import TEST_KEY
from filelock import FileLock

from pipelines.definitions import REPO_ROOT
from pipelines.refresh import run_refresh
from synthetic_registry import generate_registry
from warehouse.pseudonym import DEMO_MARKER

CENTRES = ("LYS", "NTE")
MATERIALISED = "LYS"


@dataclass(frozen=True)
class RefreshedSite:
    landing: Path
    warehouse: Path
    dagster_home: Path
    refresh_id: str

    @property
    def storage(self) -> Path:
        return self.dagster_home / "storage"

    def env(self) -> dict[str, str]:
        """The settings under which `make ui` would show this registry."""
        return {"DAGSTER_HOME": str(self.dagster_home),
                "AML_REGISTRY_DAGSTER_STORAGE": str(self.storage),
                "AML_REGISTRY_LANDING": str(self.landing),
                "AML_REGISTRY_WAREHOUSE": str(self.warehouse),
                "AML_REGISTRY_PSEUDONYM_KEY": TEST_KEY}


def _build(root: Path) -> RefreshedSite:
    landing, warehouse, home = root / "landing", root / "warehouse", root / "dagster_home"
    generate_registry(landing, seed=2026, patients=300)
    for folder in landing.iterdir():
        if folder.is_dir() and folder.name not in CENTRES:
            shutil.rmtree(folder)
    (landing / DEMO_MARKER).write_text("synthetic\n", encoding="utf-8")
    home.mkdir()
    shutil.copyfile(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    site = RefreshedSite(landing, warehouse, home, refresh_id="")
    with pytest.MonkeyPatch.context() as mp:
        for name, value in site.env().items():
            mp.setenv(name, value)
        # entered, so Dagster's definitions loading uses this instance (not one another test
        # left behind) and it is disposed afterwards
        with dg.DagsterInstance.from_config(str(home)) as instance:
            outcome = run_refresh(landing, warehouse, centres=[MATERIALISED], instance=instance,
                                  progress=lambda _m: None)
    assert outcome.published, outcome.message
    return RefreshedSite(landing, warehouse, home, outcome.refresh_id)


@pytest.fixture(scope="session")
def refreshed_site(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> RefreshedSite:
    """Built once for all workers (file lock in the shared temporary folder)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if worker_id != "master" else base
    root = shared / "browser-registry"
    done = shared / "browser-registry.json"
    with FileLock(str(shared / "browser-registry.lock"), timeout=600):
        if done.exists():
            data = json.loads(done.read_text())
            return RefreshedSite(Path(data["landing"]), Path(data["warehouse"]),
                                 Path(data["dagster_home"]), data["refresh_id"])
        if root.exists():  # a worker died half-way: start again
            shutil.rmtree(root)
        root.mkdir()
        site = _build(root)
        done.write_text(json.dumps({"landing": str(site.landing),
                                    "warehouse": str(site.warehouse),
                                    "dagster_home": str(site.dagster_home),
                                    "refresh_id": site.refresh_id}))
        print(f"browser registry built in {root}", file=sys.stderr)
        return site
