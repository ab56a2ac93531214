"""Dagster resources, configured once: the landing area, the warehouse, the pseudonym key.

The key is never a config value: outside demo mode the resource is configured with
``dg.EnvVar("AML_REGISTRY_PSEUDONYM_KEY")``, which Dagster stores as the variable's *name*
(in run storage and job snapshots) and resolves from the environment when a run starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from schemas.dialect import CentreDialect, discover_centres, load_dialect
from warehouse.database import Warehouse
from warehouse.permissions import PermissionPolicy, restricted_umask, secure_warehouse
from warehouse.pseudonym import (
    DEMO_MARKER,
    PSEUDONYM_KEY_ENV,
    PseudonymKeyError,
    PseudonymSecret,
    demo_secret,
    secret_from_text,
)

LANDING_ENV = "AML_REGISTRY_LANDING"
WAREHOUSE_ENV = "AML_REGISTRY_WAREHOUSE"

__all__ = ["PSEUDONYM_KEY_ENV", "LANDING_ENV", "WAREHOUSE_ENV", "LandingArea",
           "WarehouseResource", "PseudonymKey", "pseudonym_key_resource"]


class LandingArea(dg.ConfigurableResource):
    """The landing area the centres deliver into (one folder per centre)."""

    path: str

    def centres(self) -> dict[str, Path]:
        return discover_centres(Path(self.path))

    def centre_folder(self, centre_id: str) -> Path:
        return Path(self.path) / centre_id

    def dialect(self, centre_id: str) -> CentreDialect:
        return load_dialect(self.centre_folder(centre_id) / "centre.yaml")


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse folder: working database, published file, report and data docs.

    While a step uses it, the process umask keeps new files private (077, or 027 with
    ``AML_REGISTRY_RESTRICTED_GROUP``); afterwards every file under the warehouse gets its
    mode (identifiable 0600/0700, the published ones as configured).
    """

    root: str

    @property
    def warehouse(self) -> Warehouse:
        return Warehouse(self.root)

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator:
        policy = PermissionPolicy.from_environment()
        with restricted_umask(policy):
            try:
                yield self
            finally:
                secure_warehouse(Path(self.root), policy)


class PseudonymKey(dg.ConfigurableResource):
    """The key of the keyed hash that replaces local patient identifiers.

    ``key`` is always ``dg.EnvVar("AML_REGISTRY_PSEUDONYM_KEY")`` (resolved at run time, never
    stored); ``demo`` selects the public demo key instead, deliberately (never inferred).
    """

    key: str | None = None
    demo: bool = False
    #: the landing area, to refuse demo mode unless it is the synthetic registry
    landing: str | None = None

    def secret(self) -> PseudonymSecret:
        """The key and its mode for this run (the key itself is never logged or stored)."""
        if self.demo:
            if self.landing is None or not (Path(self.landing) / DEMO_MARKER).exists():
                raise PseudonymKeyError(
                    f"demo mode refused: the landing area {self.landing} has no {DEMO_MARKER} "
                    "(written by `aml-registry generate`); the demo key is for the synthetic "
                    "registry only")
            return demo_secret()
        if not self.key:
            raise PseudonymKeyError(f"{PSEUDONYM_KEY_ENV} is not set (and demo mode was not "
                                    "chosen): no pseudonymisation key")
        return secret_from_text(self.key)


def pseudonym_key_resource(demo: bool = False,
                           landing: str | Path | None = None) -> PseudonymKey:
    """The resource as the definitions configure it: the environment variable, or demo."""
    if demo:
        return PseudonymKey(demo=True, landing=str(landing) if landing is not None else None)
    return PseudonymKey(key=dg.EnvVar(PSEUDONYM_KEY_ENV))
