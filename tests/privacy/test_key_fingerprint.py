"""The warehouse keeps a fingerprint of its key (an HMAC of a fixed label, never the key),
refuses a refresh with another key, and changes key only through `aml-registry rekey`."""

from __future__ import annotations

import hashlib
import hmac
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from privacy_support import PRIVACY_KEY, CliRefresh, find_key_material, run_cli
from registry_keys import key_environment

from warehouse.database import write_frame
from warehouse.keyring import check_key, rekey, stored_key, use_key
from warehouse.pseudonym import (
    FINGERPRINT_LABEL,
    OLD_PSEUDONYM_KEY_ENV,
    KeyMismatchError,
    PseudonymKeyError,
    StoredKey,
    demo_secret,
    key_fingerprint,
    key_mismatch_message,
    pseudonym,
    secret_from_text,
)

pytestmark = pytest.mark.xdist_group("privacy")
KEY_A = secret_from_text("first-registry-key-0123456789")
KEY_B = secret_from_text("second-registry-key-0123456789")


def test_the_fingerprint_is_an_hmac_of_a_fixed_label_and_never_the_key() -> None:
    fp = key_fingerprint(KEY_A.key)
    assert fp == hmac.new(KEY_A.key, FINGERPRINT_LABEL, hashlib.sha256).hexdigest()
    assert fp == KEY_A.fingerprint and fp != KEY_B.fingerprint
    assert KEY_A.key.decode() not in fp and KEY_A.key.hex() not in fp
    assert KEY_A.key.decode() not in repr(KEY_A)


@pytest.mark.parametrize(("stored", "secret", "expected"), [
    ("production A", KEY_A, None),
    ("production A", KEY_B, "aml-registry rekey"),
    ("demo", demo_secret(), None),
    ("demo", KEY_A, "DEMO warehouse"),
    ("production A", demo_secret(), "refusing demo mode"),
])
def test_which_key_a_warehouse_accepts(stored: str, secret, expected: str | None) -> None:
    remembered = (StoredKey(demo_secret().fingerprint, "demo") if stored == "demo"
                  else StoredKey(KEY_A.fingerprint, "production"))
    message = key_mismatch_message(remembered, secret)
    if expected is None:
        assert message is None
    else:
        assert expected in message


@pytest.fixture
def working(tmp_path: Path):
    con = duckdb.connect(str(tmp_path / "working.duckdb"))
    for schema in ("meta", "harmonised"):
        con.execute(f"CREATE SCHEMA {schema}")
    ids = pd.DataFrame({"centre_id": ["LYS", "LYS", "NTE"], "patient_id": ["1", "2", "1"]})
    ids["patient_key"] = [pseudonym(KEY_A.key, c, p)
                          for c, p in zip(ids["centre_id"], ids["patient_id"], strict=True)]
    write_frame(con, "harmonised.patient_keys", ids, replace=True)
    yield con
    con.close()


def test_first_use_remembers_the_key_and_another_key_is_refused(working) -> None:
    assert stored_key(working) is None
    use_key(working, KEY_A)
    assert stored_key(working) == StoredKey(KEY_A.fingerprint, "production")
    use_key(working, KEY_A)  # the same key again: fine
    with pytest.raises(KeyMismatchError, match="rekey"):
        use_key(working, KEY_B)
    with pytest.raises(KeyMismatchError, match="refusing demo mode"):
        check_key(working, demo_secret())
    assert working.execute("SELECT mode, is_demo, rekeys FROM meta.pseudonymisation"
                           ).fetchall() == [("production", False, 0)]


def test_a_demo_warehouse_is_labelled_and_never_takes_a_real_key(working) -> None:
    use_key(working, demo_secret())
    assert working.execute("SELECT mode, is_demo FROM meta.pseudonymisation").fetchall() == [
        ("demo", True)]
    with pytest.raises(KeyMismatchError, match="DEMO warehouse"):
        check_key(working, KEY_A)
    with pytest.raises(PseudonymKeyError, match="demo"):
        rekey(working, demo_secret(), KEY_A)


def test_rekey_rederives_every_patient_key_and_records_it(working) -> None:
    use_key(working, KEY_A)
    with pytest.raises(KeyMismatchError, match="nothing was changed"):
        rekey(working, KEY_B, secret_from_text("third-registry-key-0123456789"))
    with pytest.raises(PseudonymKeyError, match="same"):
        rekey(working, KEY_A, KEY_A)
    result = rekey(working, KEY_A, KEY_B)
    assert result.patients == 3
    keys = working.execute("SELECT centre_id, patient_id, patient_key FROM "
                           "harmonised.patient_keys").fetchall()
    assert all(k == pseudonym(KEY_B.key, c, p) for c, p, k in keys)
    crosswalk = working.execute(
        "SELECT old_patient_key, new_patient_key FROM pseudonymisation.key_crosswalk").fetchall()
    assert len(crosswalk) == 3 and all(old != new for old, new in crosswalk)
    assert stored_key(working) == StoredKey(KEY_B.fingerprint, "production")
    check_key(working, KEY_B)
    with pytest.raises(KeyMismatchError):
        check_key(working, KEY_A)
    assert working.execute("SELECT rekeys FROM meta.pseudonymisation").fetchone()[0] == 1
    assert working.execute("SELECT rekey_id, patients_rekeyed FROM meta.rekeys").fetchall() == [
        (result.rekey_id, 3)]


def test_the_refreshed_warehouse_holds_the_fingerprint_not_the_key(
        cli_refresh: CliRefresh) -> None:
    assert cli_refresh.returncode == 0, cli_refresh.output
    wh = cli_refresh.warehouse
    fingerprint = key_fingerprint(PRIVACY_KEY.encode())
    for db in (wh / "work" / "working.duckdb", wh / "restricted" / "registry_restricted.duckdb"):
        con = duckdb.connect(str(db), read_only=True)
        try:
            assert stored_key(con) == StoredKey(fingerprint, "production")
        finally:
            con.close()
    con = duckdb.connect(str(wh / "registry.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT mode, is_demo FROM meta.pseudonymisation").fetchall() == [
            ("production", False)]
        schemas = {r[0] for r in con.execute("SELECT DISTINCT schema_name FROM duckdb_tables()"
                                             ).fetchall()}
    finally:
        con.close()
    assert "pseudonymisation" not in schemas
    published_only = wh.parent / "published-only"
    published_only.mkdir(exist_ok=True)
    shutil.copyfile(wh / "registry.duckdb", published_only / "registry.duckdb")
    assert find_key_material(published_only, fingerprint) == []


def test_a_refresh_with_another_key_or_demo_mode_is_refused(cli_refresh: CliRefresh) -> None:
    wh = cli_refresh.warehouse
    published = wh / "registry.duckdb"
    before = (published.stat().st_ino, published.stat().st_mtime_ns)
    args = ["refresh", "--landing", str(cli_refresh.landing), "--warehouse", str(wh)]
    other = run_cli(args, key_environment("an-unexpected-key-0123456789"), timeout=300)
    assert other.returncode == 2
    assert "not the key this warehouse was built with" in other.stderr
    assert "aml-registry rekey" in other.stderr
    demo = run_cli([*args, "--demo"], key_environment(None), timeout=300)
    assert demo.returncode == 2 and "refusing demo mode" in demo.stderr
    assert (published.stat().st_ino, published.stat().st_mtime_ns) == before


def test_rekey_command_changes_the_key_on_purpose(cli_refresh: CliRefresh,
                                                  tmp_path: Path) -> None:
    wh = tmp_path / "warehouse"
    shutil.copytree(cli_refresh.warehouse, wh, symlinks=True)
    new_key = "the-new-registry-key-0123456789"
    wrong = key_environment(new_key)
    wrong[OLD_PSEUDONYM_KEY_ENV] = "not-the-old-key-0123456789"
    refused = run_cli(["rekey", "--warehouse", str(wh)], wrong, timeout=300)
    assert refused.returncode == 2 and "nothing was changed" in refused.stderr
    env = key_environment(new_key)
    env[OLD_PSEUDONYM_KEY_ENV] = PRIVACY_KEY
    done = run_cli(["rekey", "--warehouse", str(wh)], env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "re-keyed" in done.stdout
    con = duckdb.connect(str(wh / "work" / "working.duckdb"), read_only=True)
    try:
        assert stored_key(con).fingerprint == key_fingerprint(new_key.encode())
        assert con.execute("SELECT count(*) FROM meta.rekeys").fetchone()[0] == 1
        n_keys = con.execute("SELECT count(*) FROM harmonised.patient_keys").fetchone()[0]
        assert con.execute("SELECT count(*) FROM pseudonymisation.key_crosswalk"
                           ).fetchone()[0] == n_keys > 0
    finally:
        con.close()
    old = run_cli(["refresh", "--landing", str(cli_refresh.landing), "--warehouse", str(wh)],
                  key_environment(PRIVACY_KEY), timeout=300)
    assert old.returncode == 2 and "rekey" in old.stderr
    for secret in (PRIVACY_KEY, new_key):
        assert find_key_material(wh, secret) == []
