"""The pseudonyms computed inside DuckDB (no DuckDB -> Python -> DuckDB trip).

Source: ../shared/spec/architecture.md ("Operations"): HMAC-SHA256 (RFC 2104) of
``centre_id U+001F patient_id``; DuckDB has ``sha256`` but no HMAC, so the two padded keys
(``warehouse.pseudonym.hmac_pads``) are passed as query parameters to the TEMP macro of
``sql/pseudonymisation/pseudonym_macro.sql``: never stored, never in SQL text (issue 18).
``warehouse.pseudonym.pseudonym`` stays the reference the SQL is tested against.
"""

from __future__ import annotations

import duckdb

from warehouse.database import run_sql
from warehouse.pseudonym import pseudonym_parameters


def define_pseudonym_macro(con: duckdb.DuckDBPyConnection) -> None:
    """Define ``hmac_pseudonym(inner_key, outer_key, centre_id, patient_id)`` on ``con``
    (a TEMP macro: it lives with the connection and holds no key)."""
    run_sql(con, "pseudonymisation/pseudonym_macro")


def assign_patient_keys(con: duckdb.DuckDBPyConnection, key: bytes) -> int:
    """``harmonised.patient_keys`` from ``harmonised.patients`` under ``key``; returns the rows."""
    define_pseudonym_macro(con)
    run_sql(con, "pseudonymisation/assign_patient_keys", pseudonym_parameters(key))
    return int(con.execute("SELECT count(*) FROM harmonised.patient_keys").fetchone()[0])


def rekey_patient_keys(con: duckdb.DuckDBPyConnection, key: bytes, rekey_id: str) -> int:
    """Record the old to new crosswalk of ``rekey_id`` and re-derive ``harmonised.patient_keys``
    under the new ``key``, both in DuckDB; returns the patients re-keyed."""
    define_pseudonym_macro(con)
    run_sql(con, "pseudonymisation/rekey_crosswalk",
            {**pseudonym_parameters(key), "rekey_id": rekey_id})
    run_sql(con, "pseudonymisation/rekey_patient_keys", pseudonym_parameters(key))
    return int(con.execute("SELECT count(*) FROM harmonised.patient_keys").fetchone()[0])
