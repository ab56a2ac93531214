"""Dagster resources, configured once: the landing area, the warehouse, the pseudonym key."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from schemas.dialect import CentreDialect, discover_centres, load_dialect
from warehouse.database import Warehouse

PSEUDONYM_KEY_ENV = "AML_REGISTRY_PSEUDONYM_KEY"
LANDING_ENV = "AML_REGISTRY_LANDING"
WAREHOUSE_ENV = "AML_REGISTRY_WAREHOUSE"


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
    """The warehouse folder: working database, published file, report and data docs."""

    root: str

    @property
    def warehouse(self) -> Warehouse:
        return Warehouse(self.root)


class PseudonymKey(dg.ConfigurableResource):
    """The key of the keyed hash that replaces local patient identifiers (from the environment)."""

    key: str

    def secret(self) -> bytes:
        if len(self.key) < 16:
            raise ValueError(f"{PSEUDONYM_KEY_ENV} must be at least 16 characters long")
        return self.key.encode("utf-8")
