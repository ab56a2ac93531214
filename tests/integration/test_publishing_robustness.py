"""Publishing is atomic: readers never see a half-written file, killed refreshes leave the
published database intact, failed checks keep the last good one, broken centres are isolated."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest
from registry_fixtures import REGISTRY_TEST_KEY as TEST_KEY
from registry_fixtures import write_demo_marker

import assets.sql_checks as sql_checks
from pipelines.refresh import run_refresh
from schemas.dialect import discover_centres, load_dialect
from synthetic_registry import generate_registry

CLI = [sys.executable, "-m", "pipelines.cli"]
REPO = Path(__file__).resolve().parents[2]


def _env(key: str | None = TEST_KEY) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "AML_REGISTRY_PSEUDONYM_KEY"}
    env.pop("DAGSTER_HOME", None)
    if key:
        env["AML_REGISTRY_PSEUDONYM_KEY"] = key
    return env


def _refresh_cli(landing: Path, warehouse: Path, **kw) -> subprocess.Popen:
    return subprocess.Popen([*CLI, "refresh", "--landing", str(landing), "--warehouse",
                             str(warehouse)], cwd=REPO, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, **kw)


def _patients(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM analysis.patients").fetchone()[0]
    finally:
        con.close()


def _csv_centre(landing: Path, utf8: bool = False) -> str:
    for centre in sorted(discover_centres(landing)):
        dialect = load_dialect(landing / centre / "centre.yaml")
        if dialect.format == "csv" and (not utf8 or dialect.encoding.lower() in ("utf-8", "utf8")):
            return centre
    raise AssertionError("no CSV centre")


def recent_date(days_ago: int) -> str:
    """A delivery date after the synthetic ones and not in the future (folder names must be
    real, past export dates)."""
    return (dt.date.today() - dt.timedelta(days=days_ago)).isoformat()


def add_smaller_delivery(landing: Path, date: str, keep_patients: int) -> str:
    """A new, later delivery of one CSV centre that keeps only its first patients.

    The centre's shrink guard is opened (``shrink_guard`` limits of 1 in its centre.yaml):
    these tests need a smaller delivery to be published; the guard has its own tests.
    """
    centre = _csv_centre(landing)
    config = landing / centre / "centre.yaml"
    if "shrink_guard" not in config.read_text(encoding="utf-8"):
        with config.open("a", encoding="utf-8") as fh:
            fh.write("shrink_guard: {max_patient_loss: 1.0, max_event_loss: 1.0, "
                     "max_quarantined_share: 1.0}\n")
    dialect = load_dialect(landing / centre / "centre.yaml")
    newest = sorted(p for p in (landing / centre).iterdir() if p.is_dir())[-1]
    target = landing / centre / date
    shutil.copytree(newest, target)
    path = target / dialect.source_name("patients")
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[: 1 + keep_patients]))
    return centre


KEPT_CENTRES = ("LYS", "NTE", "PSL")


@pytest.fixture(scope="module")
def small_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small registry of three centres (CSV dialects and the IC comparator): fast refreshes."""
    landing = tmp_path_factory.mktemp("small") / "landing"
    generate_registry(landing, patients=600)
    for centre, folder in discover_centres(landing).items():
        if centre not in KEPT_CENTRES:
            shutil.rmtree(folder)
    write_demo_marker(landing)
    return landing


def test_reader_sees_old_or_new_version_and_killed_refresh_leaves_it_intact(
        small_landing: Path, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(small_landing, landing)
    warehouse = tmp_path / "warehouse"
    first = _refresh_cli(landing, warehouse)
    out, _ = first.communicate(timeout=600)
    assert first.returncode == 0, out
    published = warehouse / "registry.duckdb"
    before = _patients(published)

    add_smaller_delivery(landing, recent_date(4), keep_patients=3)
    stop = tmp_path / "stop"
    results = tmp_path / "reader.json"
    reader = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import json, os, time, duckdb
        seen, errors = [], []
        while not os.path.exists({str(stop)!r}):
            try:
                con = duckdb.connect({str(published)!r}, read_only=True)
                seen.append(con.execute("SELECT count(*) FROM analysis.patients").fetchone()[0])
                con.close()
            except Exception as exc:
                errors.append(repr(exc))
            time.sleep(0.01)
        json.dump({{"seen": seen, "errors": errors}}, open({str(results)!r}, "w"))
        """)], cwd=REPO)
    second = _refresh_cli(landing, warehouse)
    out, _ = second.communicate(timeout=600)
    time.sleep(0.5)
    stop.touch()
    reader.wait(timeout=60)
    assert second.returncode == 0, out
    after = _patients(published)
    assert after < before
    observed = json.loads(results.read_text())
    assert observed["errors"] == []
    assert len(observed["seen"]) > 20
    assert set(observed["seen"]) <= {before, after}
    assert observed["seen"][-1] == after

    # SIGKILL at random points, repeatedly: the published file stays the last good one
    rng = random.Random(20261125)
    last_good = after
    for i in range(3):
        keep = 5 + 2 * i
        add_smaller_delivery(landing, recent_date(3 - i), keep_patients=keep)
        candidate = after - 3 + keep  # the count if this refresh got to publish
        proc = _refresh_cli(landing, warehouse, start_new_session=True)
        time.sleep(rng.uniform(1.0, 8.0))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        now = _patients(published)
        assert now in {last_good, candidate}
        last_good = now
        con = duckdb.connect(str(published), read_only=True)
        status = con.execute("SELECT status FROM meta.refreshes").fetchone()[0]
        con.close()
        assert status == "published"
    final = _refresh_cli(landing, warehouse)
    out, _ = final.communicate(timeout=600)
    assert final.returncode == 0, out
    con = duckdb.connect(str(warehouse / "restricted" / "registry_restricted.duckdb"),
                         read_only=True)
    try:
        duplicated = con.execute(
            "SELECT count(*) FROM (SELECT centre_id, delivery, file, source_row, count(*) n "
            "FROM raw.patients GROUP BY ALL HAVING count(*) > 1)").fetchone()[0]
        deliveries = con.execute("SELECT count(*) FROM raw.deliveries").fetchone()[0]
    finally:
        con.close()
    assert duplicated == 0
    expected = sum(1 for c in discover_centres(landing).values()
                   for d in c.iterdir() if d.is_dir())
    assert deliveries == expected


def test_broken_centre_fails_alone_with_a_clear_message(small_landing: Path,
                                                         tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(small_landing, landing)
    centre = _csv_centre(landing, utf8=True)
    dialect = load_dialect(landing / centre / "centre.yaml")
    newest = sorted(p for p in (landing / centre).iterdir() if p.is_dir())[-1]
    broken = newest / dialect.source_name("mutations")
    broken.write_bytes(broken.read_bytes()[:200] + b"\x81\x8d\x8f\x90\x9d\xff\n")
    outcome = run_refresh(landing, tmp_path / "warehouse", progress=lambda _m: None,
                          instance=dg.DagsterInstance.ephemeral())
    assert outcome.published and outcome.exit_code == 3
    assert set(outcome.failures) == {centre}
    message = outcome.failures[centre]
    assert centre in message and broken.name in message and "decode" in message
    assert sum(1 for s in outcome.centres.values() if s == "ok") == len(outcome.centres) - 1


def test_failed_blocking_check_keeps_the_last_good_database(
        small_landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    warehouse = tmp_path / "warehouse"
    monkeypatch.setenv("AML_REGISTRY_PSEUDONYM_KEY", TEST_KEY)
    instance = dg.DagsterInstance.ephemeral()
    good = run_refresh(small_landing, warehouse, progress=lambda _m: None, instance=instance)
    assert good.published
    published = warehouse / "registry.duckdb"
    inode, count = published.stat().st_ino, _patients(published)

    real_query = sql_checks.query_frame

    def failing_uniqueness(con, name, *args, **kw):
        frame = real_query(con, name, *args, **kw)
        if name == "checks/patient_key_unique":
            return pd.DataFrame({"patient_key": ["P-duplicated"], "n": [2]})
        return frame

    monkeypatch.setattr(sql_checks, "query_frame", failing_uniqueness)
    bad = run_refresh(small_landing, warehouse, progress=lambda _m: None, instance=instance)
    assert not bad.published and bad.exit_code == 1
    assert "patient_key_unique" in bad.message
    with duckdb.connect(str(warehouse / "work" / "working.duckdb"), read_only=True) as con:
        recorded = con.execute(
            "SELECT passed, severity, details FROM meta.check_results WHERE refresh_id = ? "
            "AND asset = 'analysis_patients' AND check_name = 'patient_key_unique'",
            [bad.refresh_id]).fetchall()
    assert [(p, s) for p, s, _ in recorded] == [(False, "ERROR")]
    assert "P-duplicated" in recorded[0][2]
    assert published.stat().st_ino == inode and _patients(published) == count


def test_pseudonyms_stable_for_a_key_and_different_across_keys(small_landing: Path,
                                                                tmp_path: Path,
                                                                monkeypatch) -> None:
    keysets = []
    for name, key in (("a", TEST_KEY), ("b", TEST_KEY), ("c", "another-key-0123456789abc")):
        monkeypatch.setenv("AML_REGISTRY_PSEUDONYM_KEY", key)
        run_refresh(small_landing, tmp_path / name, centres=["LYS", "PSL"],
                    progress=lambda _m: None, instance=dg.DagsterInstance.ephemeral())
        con = duckdb.connect(str(tmp_path / name / "registry.duckdb"), read_only=True)
        keysets.append({r[0] for r in con.execute("SELECT patient_key FROM analysis.patients"
                                                  ).fetchall()})
        con.close()
    assert keysets[0] == keysets[1] and keysets[0]
    assert not keysets[0] & keysets[2]


def test_missing_key_outside_the_demo_is_a_clear_error(small_landing: Path,
                                                        tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(small_landing, landing)
    (landing / "SYNTHETIC_REGISTRY.txt").unlink()
    proc = subprocess.run([*CLI, "refresh", "--landing", str(landing), "--warehouse",
                           str(tmp_path / "w")], cwd=REPO, env=_env(key=None),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "AML_REGISTRY_PSEUDONYM_KEY is not set" in proc.stderr
    assert not (tmp_path / "w" / "registry.duckdb").exists()


def test_removed_centre_and_empty_delivery_behave_as_documented(
        small_landing: Path, tmp_path: Path, monkeypatch) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(small_landing, landing)
    warehouse = tmp_path / "warehouse"
    monkeypatch.setenv("AML_REGISTRY_PSEUDONYM_KEY", TEST_KEY)
    instance = dg.DagsterInstance.ephemeral()
    assert run_refresh(landing, warehouse, progress=lambda _m: None,
                       instance=instance).published
    before = _patients(warehouse / "registry.duckdb")
    # an empty delivery (only the _SUCCESS marker): that centre fails with a clear message
    empty = landing / "LYS" / recent_date(0)
    empty.mkdir()
    (empty / "_SUCCESS").touch()
    # a removed centre: its stored data stays, and the refresh says so
    shutil.rmtree(landing / "NTE")
    messages: list[str] = []
    outcome = run_refresh(landing, warehouse, progress=messages.append, instance=instance)
    assert outcome.published and outcome.exit_code == 3
    assert "LYS" in outcome.failures
    assert "no export file" in outcome.failures["LYS"]
    assert outcome.centres["NTE"] == "missing"
    assert any("NTE has no folder" in m for m in messages)
    assert _patients(warehouse / "registry.duckdb") == before
    con = duckdb.connect(str(warehouse / "registry.duckdb"), read_only=True)
    try:
        statuses = dict(con.execute(
            "SELECT centre_id, status FROM meta.centre_runs WHERE refresh_id = ?",
            [outcome.refresh_id]).fetchall())
    finally:
        con.close()
    assert statuses["NTE"] == "missing" and statuses["LYS"] == "failed"


def test_a_headerless_file_leaks_no_value_outside_the_restricted_database(
        small_landing: Path, tmp_path: Path) -> None:
    """Issue 18: a headerless patients.csv put the first patient's local ID and birth date
    into meta.centre_runs and Dagster's event and compute logs."""
    landing = tmp_path / "landing"
    shutil.copytree(small_landing, landing)
    centre = _csv_centre(landing)
    dialect = load_dialect(landing / centre / "centre.yaml")
    newest = sorted(p for p in (landing / centre).iterdir() if p.is_dir())[-1]
    target = landing / centre / recent_date(1)
    shutil.copytree(newest, target)
    path = target / dialect.source_name("patients")
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[1:]))
    first = next(csv.reader([lines[1].decode(dialect.encoding)], delimiter=dialect.delimiter))
    header = next(csv.reader([lines[0].decode(dialect.encoding).lstrip("\ufeff")],
                             delimiter=dialect.delimiter))
    mapping = dialect.column_map("patients")
    canonical = [mapping.get(h.strip(), h.strip()) for h in header]
    values = [first[canonical.index("patient_id")], first[canonical.index("birth_date")]]
    warehouse = tmp_path / "warehouse"
    proc = _refresh_cli(landing, warehouse)
    out, _ = proc.communicate(timeout=1800)
    assert proc.returncode == 3, out
    assert centre in out and "header line missing" in out
    for value in values:
        assert value not in out
    restricted = {warehouse / "restricted", warehouse / "work"}
    leaks = []
    for file in warehouse.rglob("*"):
        if file.is_symlink() or not file.is_file() or any(r in file.parents for r in restricted):
            continue
        data = file.read_bytes()
        leaks += [(str(file), v) for v in values if v.encode(dialect.encoding) in data]
    assert leaks == []
    con = duckdb.connect(str(warehouse / "registry.duckdb"), read_only=True)
    try:
        message = con.execute("SELECT message FROM meta.centre_runs WHERE centre_id = ? AND "
                              "status = 'failed'", [centre]).fetchone()[0]
    finally:
        con.close()
    assert "patients" in message and all(v not in message for v in values)
