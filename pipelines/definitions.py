"""The Dagster definitions: one module, so `dagster dev`, the command line and the tests load
exactly the same assets, checks, jobs, schedules and sensors.

Resources are configured once, from the environment: ``AML_REGISTRY_LANDING``,
``AML_REGISTRY_WAREHOUSE`` and the secret ``AML_REGISTRY_PSEUDONYM_KEY``, which is passed as
``dg.EnvVar`` (resolved when a run starts, never written to run storage or snapshots). Demo
mode (the public demo key) only with ``AML_REGISTRY_DEMO=1`` on a synthetic landing area.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from assets import analysis, extract, harmonised, outcomes, publish, quality
from assets.column_schemas import column_schemas, with_column_schema
from assets.partitions import centre_partitions
from assets.resources import (
    LANDING_ENV,
    WAREHOUSE_ENV,
    LandingArea,
    WarehouseResource,
    pseudonym_key_resource,
)
from warehouse.pseudonym import demo_requested

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LANDING = REPO_ROOT / "demo" / "landing"
DEFAULT_WAREHOUSE = REPO_ROOT / "demo" / "warehouse"

CENTRE_ASSETS = dg.AssetSelection.groups("raw", "staging", "harmonised")
REGISTRY_ASSETS = dg.AssetSelection.groups("analysis", "outcomes", "quality", "publish")

centre_refresh_job = dg.define_asset_job(
    "centre_refresh", selection=CENTRE_ASSETS, partitions_def=centre_partitions,
    description="Extract, stage and harmonise one centre (partition): raw, staging, "
                "quarantine and the centre's harmonised rows.")
registry_refresh_job = dg.define_asset_job(
    "registry_refresh", selection=REGISTRY_ASSETS,
    description="Rebuild the registry-wide layers from stored per-centre data and publish.")


def all_assets() -> list:
    """Every asset and asset check of the project, layer by layer."""
    schemas = column_schemas()
    return list(dg.map_asset_specs(
        lambda spec: with_column_schema(spec, schemas),
        dg.load_assets_from_modules([extract, harmonised, analysis, outcomes, quality, publish])))


def all_checks() -> list:
    """The asset checks defined apart from their assets (the analysis and outcome checks the
    registry declares, ``assets.sql_checks``); checks on an asset's own spec come with it."""
    return [*dg.load_asset_checks_from_modules([harmonised, analysis, outcomes, quality, publish])]


def build_definitions(landing: str | Path, warehouse: str | Path, *,
                      demo: bool = False) -> dg.Definitions:
    """Definitions bound to one landing area and warehouse (used by the CLI and the tests).

    The key is read from ``AML_REGISTRY_PSEUDONYM_KEY`` when a run starts; ``demo`` selects the
    public demo key instead, which a run refuses unless the landing area is synthetic.
    """
    from pipelines.operations import operations_definitions

    ops = operations_definitions()
    return dg.Definitions(
        assets=all_assets(),
        asset_checks=all_checks(),
        jobs=[centre_refresh_job, registry_refresh_job],
        schedules=ops.schedules,
        sensors=ops.sensors,
        resources={
            "landing": LandingArea(path=str(landing)),
            "warehouse": WarehouseResource(root=str(warehouse)),
            "pseudonym": pseudonym_key_resource(demo, landing),
        },
    )


def _module_definitions() -> dg.Definitions:
    landing = os.environ.get(LANDING_ENV, str(DEFAULT_LANDING))
    warehouse = os.environ.get(WAREHOUSE_ENV, str(DEFAULT_WAREHOUSE))
    return build_definitions(landing, warehouse, demo=demo_requested())


defs = _module_definitions()
