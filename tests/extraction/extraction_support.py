"""Helpers of the extraction and staging tests (a module of its own, not conftest: the test
directories each have a conftest, and ``from conftest import`` would take whichever was
imported first)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from extraction.load import CentreExtraction, extract_centre
from extraction.readers import DeliveryError
from extraction.stage import CentreStaging, stage_centre
from schemas.dialect import discover_centres, load_dialect
from warehouse.database import Warehouse

LOADED_AT = dt.datetime(2026, 11, 25, 12, 0, 0)



@dataclass
class LoadedRegistry:
    """A landing area extracted and staged like the pipeline does, centre by centre."""

    landing: Path
    warehouse: Warehouse
    extractions: dict[str, CentreExtraction]
    stagings: dict[str, CentreStaging]
    failures: dict[str, DeliveryError]


def write_centre(landing: Path, centre_id: str, config: dict,
                 deliveries: dict[str, dict[str, bytes]], success: bool = True) -> Path:
    """A centre folder: its centre.yaml and one folder per delivery with the given files."""
    folder = landing / centre_id
    folder.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump({"centre_id": centre_id, "name": centre_id, "country": "FR", **config},
                          allow_unicode=True, sort_keys=False)
    (folder / "centre.yaml").write_text(text, encoding="utf-8")
    for delivery, files in deliveries.items():
        d = folder / delivery
        d.mkdir(exist_ok=True)
        for name, data in files.items():
            (d / name).write_bytes(data)
        if success:
            (d / "_SUCCESS").write_bytes(b"")
    return folder


def load_all(con: duckdb.DuckDBPyConnection, landing: Path, stage: bool = True,
             now: float | None = None) -> tuple[dict, dict, dict[str, DeliveryError]]:
    """Extract (and stage) every centre like the pipeline: a failing centre stops only itself."""
    extractions, stagings, failures = {}, {}, {}
    for centre_id, folder in discover_centres(landing).items():
        dialect = load_dialect(folder / "centre.yaml")
        try:
            extractions[centre_id] = extract_centre(con, folder, dialect, LOADED_AT, now)
        except DeliveryError as exc:
            failures[centre_id] = exc
            continue
        if stage:
            stagings[centre_id] = stage_centre(con, dialect)
    return extractions, stagings, failures
