"""The queries' storage in the warehouse (SQL in ``sql/quality``), around the pure logic of
:mod:`data_quality.queries`.

``quality.query_acceptances`` is the only table a person writes (``aml-registry queries
accept``), in one transaction; no refresh replaces it. ``quality.queries`` is rebuilt at each
registry refresh from the staged deliveries, the discrepancies, the previous table and the
acceptances. Both live in the working database, so they reach the restricted copy; neither
is published to analysts (values and local record keys).
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Mapping
from pathlib import Path

import duckdb
import pandas as pd

from data_quality.queries import (
    QUERY_COLUMNS,
    deleted_patient_observations,
    discrepancy_observations,
    quarantine_observations,
    reconcile_queries,
)
from warehouse.database import Warehouse, query_frame, run_sql, table_exists, write_frame

#: restricted tables of the quality schema: in the restricted copy, never in the analysts' file
RESTRICTED_QUALITY_TABLES = ("queries", "query_acceptances")


class QueryNotFoundError(LookupError):
    """No query with that id in the warehouse."""


def ensure_query_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the query tables on first use (idempotent)."""
    run_sql(con, "quality/create_query_tables")


def staged_deliveries(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """centre -> its staged deliveries (oldest first)."""
    if not table_exists(con, "staging.deliveries"):
        return {}
    frame = query_frame(con, "quality/staged_deliveries")
    return {str(c): list(g["delivery"]) for c, g in frame.groupby("centre_id", sort=True)}


def acceptances(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    ensure_query_tables(con)
    frame = query_frame(con, "quality/acceptances")
    return dict(zip(frame["query_id"], frame["accepted_reason"], strict=True))


def quarantine_observation_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Query observations of every quarantined row of every staged delivery (and of every
    held same-date re-send, ``quarantine.held_rows``)."""
    if not (table_exists(con, "quarantine.rows") and table_exists(con, "quarantine.held_rows")):
        return quarantine_observations(pd.DataFrame())
    return quarantine_observations(query_frame(con, "quality/quarantine_rows"))


def deleted_patient_observation_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Query observations of the patients deleted at the source (quarantine.deleted_patients)."""
    needed = ("quarantine.deleted_patients", "staging.patients", "raw.patients")
    if not all(table_exists(con, t) for t in needed):
        return deleted_patient_observations(pd.DataFrame())
    return deleted_patient_observations(query_frame(con, "quality/deleted_patients"))


def current_observations(con: duckdb.DuckDBPyConnection,
                         staged: Mapping[str, list[str]]) -> pd.DataFrame:
    """Quarantine observations, the patients deleted at the source and the current
    discrepancies (knock-ons linked)."""
    current = {c: max(d) for c, d in staged.items() if d}
    quarantined = quarantine_observation_frame(con)
    discrepancies = (con.execute("SELECT * FROM harmonised.discrepancies").df()
                     if table_exists(con, "harmonised.discrepancies") else pd.DataFrame())
    patient_rows = (query_frame(con, "quality/current_patient_rows")
                    if table_exists(con, "staging.patients") else None)
    on_patients = quarantined[quarantined["table_name"].eq("patients")
                              & ~quarantined["held_resend"].astype(bool)
                              & quarantined["delivery"].eq(quarantined["centre_id"].map(current))]
    keys = on_patients["record_key"].str.extract(r"^patient_id=([^|#]*)")[0]
    root_by_patient = {(c, p): q for c, p, q in zip(on_patients["centre_id"], keys,
                                                    on_patients["query_id"], strict=True)
                       if isinstance(p, str)}
    found = discrepancy_observations(discrepancies, current, patient_rows, root_by_patient)
    deleted = deleted_patient_observation_frame(con)
    parts = [f for f in (quarantined, deleted, found) if len(f)]
    return pd.concat(parts, ignore_index=True) if parts else quarantined


def refresh_queries(con: duckdb.DuckDBPyConnection, refresh_id: str | None) -> pd.DataFrame:
    """Rebuild ``quality.queries`` (inside the caller's transaction) and record its counts."""
    ensure_query_tables(con)
    staged = staged_deliveries(con)
    previous = query_frame(con, "quality/previous_queries")
    table = reconcile_queries(current_observations(con, staged), previous, acceptances(con),
                              staged)
    con.execute("DELETE FROM quality.queries")
    write_frame(con, "quality.queries", table[QUERY_COLUMNS])
    history = history_rows(table, staged, refresh_id)
    if len(history):
        write_frame(con, "quality.query_history", history)
    return table


def history_rows(table: pd.DataFrame, staged: Mapping[str, list[str]],
                 refresh_id: str | None) -> pd.DataFrame:
    """One row per centre: open problems (roots), knock-ons, accepted, resolved."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = []
    for centre, deliveries in sorted(staged.items()):
        q = table[table["centre_id"].eq(centre)]
        is_open = q["status"].eq("open")
        rows.append({"refresh_id": refresh_id, "recorded_at": now, "centre_id": centre,
                     "current_delivery": max(deliveries) if deliveries else None,
                     "open_queries": int((is_open & q["root_query_id"].isna()).sum()),
                     "knock_ons": int((is_open & q["root_query_id"].notna()).sum()),
                     "accepted": int(q["status"].eq("accepted").sum()),
                     "resolved": int(q["status"].eq("resolved").sum())})
    return pd.DataFrame(rows)


def centre_open_problems(con: duckdb.DuckDBPyConnection, centre_id: str) -> dict[str, int]:
    """Open quarantine problems of one centre's current delivery (roots, not accepted)."""
    staged = staged_deliveries(con).get(centre_id)
    obs = quarantine_observation_frame(con)
    if not staged or obs.empty:
        return {"open_queries": 0, "knock_ons": 0, "accepted": 0}
    mine = obs[obs["centre_id"].eq(centre_id) & obs["delivery"].eq(max(staged))
               & ~obs["held_resend"].astype(bool)]
    accepted = mine["query_id"].isin(list(acceptances(con)))
    roots = mine["root_query_id"].isna()
    return {"open_queries": int((roots & ~accepted).sum()),
            "knock_ons": int((~roots & ~accepted).sum()), "accepted": int(accepted.sum())}


def accept_query(warehouse: Warehouse, query: str, reason: str,
                 accepted_by: str | None = None) -> dict:
    """Record a data manager's acceptance of a query, in one transaction.

    Also marks it in the restricted copy, when present, so the data managers' file agrees
    before the next refresh rebuilds it from the working database.
    """
    if not reason.strip():
        raise ValueError("an acceptance needs a reason (--reason TEXT)")
    who = accepted_by or getpass.getuser()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with warehouse.transaction() as con:
        ensure_query_tables(con)
        row = con.execute("SELECT * FROM quality.queries WHERE query_id = ?", [query]).df()
        if row.empty:
            raise QueryNotFoundError(f"no query {query!r} in {warehouse.working_path}")
        run_sql(con, "quality/accept_query", [query, reason, now, who])
        run_sql(con, "quality/mark_accepted", [query, reason])
        row = con.execute("SELECT * FROM quality.queries WHERE query_id = ?", [query]).df()
    restricted = warehouse.restricted_path
    if restricted.exists():
        try:
            rcon = duckdb.connect(str(restricted))
        except duckdb.Error:
            rcon = None  # open elsewhere: the next refresh copies the acceptance over
        if rcon is not None:
            try:
                rcon.execute("BEGIN TRANSACTION")
                ensure_query_tables(rcon)
                run_sql(rcon, "quality/accept_query", [query, reason, now, who])
                run_sql(rcon, "quality/mark_accepted", [query, reason])
                rcon.execute("COMMIT")
            finally:
                rcon.close()
    return row.iloc[0].to_dict()


def read_queries(warehouse: Warehouse, centre: str | None = None,
                 status: str | None = None) -> pd.DataFrame:
    """The queries (working database; the restricted copy while a refresh holds it)."""
    last_error: Exception | None = None
    for path in (warehouse.working_path, warehouse.restricted_path):
        if not Path(path).exists():
            continue
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:  # locked by a running refresh
            last_error = exc
            continue
        try:
            if not table_exists(con, "quality.queries"):
                return pd.DataFrame(columns=QUERY_COLUMNS)
            return query_frame(con, "quality/list_queries", [centre, status])
        finally:
            con.close()
    if last_error is not None:
        raise last_error
    raise FileNotFoundError(f"no warehouse database under {warehouse.root}")
