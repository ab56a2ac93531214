"""What the warehouse has already loaded, as the sensors see it.

Source: issue 15 ("the sensor and the CLI agree on what is loaded"). ``aml-registry refresh``
runs in process and does not move the delivery sensor's cursor; the sensor therefore also
asks the warehouse's own bookkeeping (``raw.deliveries`` joined with ``staging.deliveries``):
a centre whose newest complete delivery is loaded and staged with the same files (names,
sizes, mtimes, as extraction fingerprints them) needs no run.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from assets.resources import LandingArea
from extraction.deliveries import complete_deliveries
from extraction.load import stat_fingerprint
from schemas.dialect import DialectError
from warehouse.database import Warehouse, query_frame, table_exists


def loaded_fingerprints(warehouse_root: str | Path) -> dict[tuple[str, str], str] | None:
    """(centre, delivery) -> stat fingerprint of every loaded and staged delivery.

    ``None`` when the working database is absent or held by a running refresh (then the
    sensor decides from its cursor alone, as before).
    """
    path = Warehouse(warehouse_root).working_path
    if not path.exists():
        return None
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None
    try:
        if not (table_exists(con, "raw.deliveries") and table_exists(con, "staging.deliveries")):
            return {}
        frame = query_frame(con, "quality/loaded_deliveries")
    finally:
        con.close()
    return {(c, d): f for c, d, f in zip(frame["centre_id"], frame["delivery"],
                                         frame["stat_fingerprint"], strict=True)}


def already_loaded(landing: LandingArea, centre_id: str,
                   loaded: dict[tuple[str, str], str] | None) -> bool:
    """Whether the centre's newest complete delivery is loaded with exactly these files."""
    if not loaded:
        return False
    try:
        deliveries = complete_deliveries(landing.centre_folder(centre_id),
                                         landing.dialect(centre_id))
        if not deliveries:
            return False
        newest = deliveries[-1]
        return loaded.get((centre_id, newest.delivery)) == stat_fingerprint(newest.path)
    except (DialectError, OSError):
        return False
