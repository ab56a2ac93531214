"""The warehouse's memory of its pseudonymisation key: fingerprint, mode and re-keys.

Source: issue 18 ("A key change goes unnoticed"): store a key fingerprint (an HMAC of a
fixed label, never the key), refuse a refresh with a different key, and change the key only
through an explicit re-key that re-derives every patient key and records it. SQL in
``sql/pseudonymisation/``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.bookkeeping import utcnow
from warehouse.database import query_frame, run_sql, table_exists
from warehouse.pseudonym import (
    DEMO_MODE,
    KeyMismatchError,
    PseudonymKeyError,
    PseudonymSecret,
    StoredKey,
    key_mismatch_message,
)
from warehouse.pseudonym_sql import rekey_patient_keys


def stored_key(con: duckdb.DuckDBPyConnection) -> StoredKey | None:
    """The key fingerprint and mode of the warehouse ``con`` is connected to (None: new)."""
    if not table_exists(con, "pseudonymisation.key"):
        return None
    rows = query_frame(con, "pseudonymisation/stored_key")
    if rows.empty:
        return None
    if len(rows) > 1:
        raise PseudonymKeyError("pseudonymisation.key holds more than one key fingerprint")
    return StoredKey(str(rows.at[0, "fingerprint"]), str(rows.at[0, "mode"]))


def check_key(con: duckdb.DuckDBPyConnection, secret: PseudonymSecret) -> StoredKey | None:
    """Raise :class:`KeyMismatchError` when ``secret`` is not the warehouse's key."""
    stored = stored_key(con)
    if stored is not None:
        problem = key_mismatch_message(stored, secret)
        if problem:
            raise KeyMismatchError(problem)
    return stored


def check_warehouse_key(working_db: Path, secret: PseudonymSecret) -> None:
    """:func:`check_key` on a working database file, opened read-only (no file: a new one).

    A file another process is writing cannot be opened: then the analysis step of the run
    checks the key (:func:`use_key`) before it writes any patient key.
    """
    if not Path(working_db).exists():
        return
    try:
        con = duckdb.connect(str(working_db), read_only=True)
    except duckdb.IOException:
        return
    try:
        check_key(con, secret)
    finally:
        con.close()


def use_key(con: duckdb.DuckDBPyConnection, secret: PseudonymSecret) -> None:
    """Check the key, remember it on first use, and refresh ``meta.pseudonymisation``."""
    run_sql(con, "pseudonymisation/create_key_tables")
    now = utcnow()
    if check_key(con, secret) is None:
        run_sql(con, "pseudonymisation/establish_key", [secret.fingerprint, secret.mode, now, now])
    else:
        run_sql(con, "pseudonymisation/key_used", [now])
    run_sql(con, "pseudonymisation/publish_meta")


@dataclass(frozen=True)
class RekeyResult:
    """One re-key: its id and how many patient keys were re-derived."""

    rekey_id: str
    patients: int


def rekey(con: duckdb.DuckDBPyConnection, old: PseudonymSecret,
          new: PseudonymSecret) -> RekeyResult:
    """Replace the warehouse's key ``old`` by ``new`` in one transaction.

    Every patient key is re-derived with the new key (``harmonised.patient_keys``), the old to
    new crosswalk is kept in ``pseudonymisation.key_crosswalk`` (restricted) and the change in
    ``pseudonymisation.rekeys`` and ``meta.rekeys``. Demo warehouses are never re-keyed.
    """
    if DEMO_MODE in (old.mode, new.mode):
        raise PseudonymKeyError("a demo warehouse is never re-keyed, and the demo key is never "
                                "a re-key target: use a new warehouse folder for real data")
    if old.fingerprint == new.fingerprint:
        raise PseudonymKeyError("the old and the new key are the same: nothing to re-key")
    run_sql(con, "pseudonymisation/create_key_tables")
    stored = stored_key(con)
    if stored is None:
        raise PseudonymKeyError("this warehouse has no key yet (no refresh built its analysis "
                                "layer): nothing to re-key; refresh with the new key")
    if stored.mode == DEMO_MODE:
        raise PseudonymKeyError("this warehouse is a DEMO warehouse: it is never re-keyed")
    if stored.fingerprint != old.fingerprint:
        raise KeyMismatchError(
            f"the old key (AML_REGISTRY_OLD_PSEUDONYM_KEY, fingerprint {old.fingerprint[:8]}...) "
            f"is not this warehouse's key (fingerprint {stored.fingerprint[:8]}...): nothing "
            "was changed")
    rekey_id = f"rekey-{utcnow():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    now = utcnow()
    con.execute("BEGIN TRANSACTION")
    try:
        patients = 0
        if table_exists(con, "harmonised.patient_keys"):
            patients = rekey_patient_keys(con, new.key, rekey_id)
        run_sql(con, "pseudonymisation/replace_key", [new.fingerprint, now, now])
        run_sql(con, "pseudonymisation/record_rekey",
                [rekey_id, now, old.fingerprint, new.fingerprint, patients])
        run_sql(con, "pseudonymisation/publish_meta")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    return RekeyResult(rekey_id, patients)
