"""The pseudonyms computed inside DuckDB equal Python's hmac (RFC 2104) byte for byte."""

import hashlib
import hmac

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warehouse.database import run_sql
from warehouse.pseudonym import hmac_pads, pseudonym, pseudonym_parameters, pseudonyms
from warehouse.pseudonym_sql import assign_patient_keys, define_pseudonym_macro

#: identifiers as DuckDB VARCHARs can hold them: any unicode but lone surrogates
_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    define_pseudonym_macro(connection)
    yield connection
    connection.close()


def _sql_pseudonym(con, key: bytes, centre_id: str, patient_id: str) -> str:
    params = {**pseudonym_parameters(key), "c": centre_id, "p": patient_id}
    return con.execute("SELECT hmac_pseudonym($inner_key, $outer_key, $c, $p)",
                       params).fetchone()[0]


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.binary(min_size=16, max_size=200), centre_id=_TEXT, patient_id=_TEXT)
def test_sql_pseudonym_is_python_hmac(con, key, centre_id, patient_id):
    assert _sql_pseudonym(con, key, centre_id, patient_id) == pseudonym(key, centre_id,
                                                                        patient_id)


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.binary(min_size=16, max_size=200), message=st.binary(max_size=300))
def test_padded_keys_give_rfc2104_hmac(con, key, message):
    """H(outer || H(inner || m)) over raw bytes (BLOB) is hmac.new(key, m, sha256)."""
    inner, outer = hmac_pads(key)
    assert len(inner) == len(outer) == 64
    digest = con.execute("SELECT sha256(?::BLOB || unhex(sha256(?::BLOB || ?::BLOB)))",
                         [outer, inner, message]).fetchone()[0]
    assert digest == hmac.new(key, message, hashlib.sha256).hexdigest()


@pytest.mark.parametrize("key", [b"k" * 16, b"k" * 64, b"k" * 65, bytes(range(200))])
def test_block_boundaries_and_edge_identifiers(con, key):
    """Keys at and over the 64-byte block (hashed first), empty, long and non-ASCII ids."""
    for centre_id, patient_id in [("", ""), ("C01", ""), ("", "P1"), ("Zürich", "患者-7"),
                                  ("C\x1f", "\x00x"), ("C" * 5000, "😀" * 3000)]:
        assert _sql_pseudonym(con, key, centre_id, patient_id) == pseudonym(key, centre_id,
                                                                            patient_id)


def test_blob_concat_function_is_not_bytes(con):
    """Why the SQL joins blobs with ||: concat() of blobs gives VARCHAR (escaped text) in
    DuckDB 1.4, so sha256 would not hash the raw bytes."""
    raw = bytes([0, 255, 128])
    joined_with_bars, joined_with_concat = con.execute(
        "SELECT sha256(?::BLOB || ?::BLOB), sha256(concat(?::BLOB, ?::BLOB))",
        [raw, raw, raw, raw]).fetchone()
    assert joined_with_bars == hashlib.sha256(raw + raw).hexdigest()
    assert joined_with_concat != joined_with_bars


def test_assign_patient_keys_matches_reference():
    key = b"a-test-key-of-some-length"
    frame = pd.DataFrame({"centre_id": ["C01", "C01", "C02", "C03"],
                          "patient_id": ["1", "2", "1", "ÿ-ü"]})
    with duckdb.connect() as con:
        con.execute("CREATE SCHEMA harmonised")
        con.register("ids", frame)
        con.execute("CREATE TABLE harmonised.patients AS SELECT * FROM ids")
        assert assign_patient_keys(con, key) == 4
        keys = con.execute("SELECT centre_id, patient_id, patient_key FROM "
                           "harmonised.patient_keys ORDER BY ALL").df()
        run_sql(con, "pseudonymisation/pseudonym_macro")  # idempotent (CREATE OR REPLACE)
    assert list(keys["patient_key"]) == pseudonyms(key, keys["centre_id"], keys["patient_id"])
