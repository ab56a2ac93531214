"""The pseudonymisation key is never written anywhere: not in the Dagster run storage (runs,
job snapshots, compressed snapshot bodies, event logs), metadata, the report, the data docs,
the databases or the messages; Dagster keeps only the name of the environment variable."""

from __future__ import annotations

import base64
import json
import shutil
import sqlite3
import zlib
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from privacy_support import KEPT_CENTRES, PRIVACY_KEY, CliRefresh, find_key_material

from assets import REFRESH_TAG
from pipelines.definitions import REPO_ROOT
from pipelines.refresh import QUIET_RUN_CONFIG, _failure_message
from warehouse.pseudonym import PSEUDONYM_KEY_ENV

pytestmark = pytest.mark.xdist_group("privacy")
PLANTED = "planted-key-0123456789abcdef"


@pytest.mark.parametrize("where", ["zlib blob in sqlite", "hex in a log", "base64 in json",
                                   "duckdb value", "gzip file"])
def test_the_search_finds_a_key_however_it_is_written(tmp_path: Path, where: str) -> None:
    target = tmp_path / "store"
    target.mkdir()
    if where == "zlib blob in sqlite":
        con = sqlite3.connect(target / "runs.db")
        con.execute("CREATE TABLE snapshots (snapshot_body BLOB)")
        body = json.dumps({"resources": {"pseudonym": {"config": {"key": PLANTED}}}})
        con.execute("INSERT INTO snapshots (snapshot_body) VALUES (?)",
                    [zlib.compress(body.encode())])
        con.commit()
        con.close()
    elif where == "hex in a log":
        (target / "run.log").write_text(f"key={PLANTED.encode().hex()}\n")
    elif where == "base64 in json":
        (target / "meta.json").write_text(json.dumps(
            {"k": base64.b64encode(PLANTED.encode()).decode()}))
    elif where == "duckdb value":
        con = duckdb.connect(str(target / "x.duckdb"))
        con.execute("CREATE TABLE t AS SELECT ? AS v FROM range(5000)", [PLANTED])
        con.close()
    else:
        import gzip

        (target / "logs.gz").write_bytes(gzip.compress(PLANTED.encode()))
    assert find_key_material(tmp_path, PLANTED) != []
    assert find_key_material(tmp_path, "some-other-key-0123456789") == []


def _snapshot_bodies(runs_db: Path) -> list[str]:
    con = sqlite3.connect(f"file:{runs_db}?mode=ro", uri=True)
    try:
        return [zlib.decompress(body).decode("utf-8", "replace")
                for (body,) in con.execute("SELECT snapshot_body FROM snapshots")]
    finally:
        con.close()


def test_no_key_material_after_a_command_line_refresh(cli_refresh: CliRefresh) -> None:
    assert cli_refresh.returncode == 0, cli_refresh.output
    assert find_key_material(cli_refresh.warehouse, PRIVACY_KEY) == []
    assert PRIVACY_KEY not in cli_refresh.output
    # the job snapshots were there to be searched: they name the variable, not its value
    bodies = _snapshot_bodies(cli_refresh.warehouse / ".dagster" / "storage" / "history"
                              / "runs.db")
    assert any(PSEUDONYM_KEY_ENV in body for body in bodies)
    assert not any(PRIVACY_KEY in body for body in bodies)


def test_no_key_material_after_runs_through_the_dagster_definitions(
        privacy_landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key, other = "definitions-probe-key-0b5e8d1a", "a-refused-other-key-93c1f2d7"
    home, warehouse = tmp_path / "dagster_home", tmp_path / "warehouse"
    home.mkdir()
    shutil.copyfile(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    for name, value in {"DAGSTER_HOME": str(home),
                        "AML_REGISTRY_DAGSTER_STORAGE": str(home / "storage"),
                        "AML_REGISTRY_LANDING": str(privacy_landing),
                        "AML_REGISTRY_WAREHOUSE": str(warehouse),
                        PSEUDONYM_KEY_ENV: key}.items():
        monkeypatch.setenv(name, value)
    from pipelines.definitions import _module_definitions

    defs = _module_definitions()  # what `dagster dev` and the daemon load
    with dg.DagsterInstance.from_config(str(home)) as instance:
        instance.add_dynamic_partitions("centre", list(KEPT_CENTRES))
        tags = {REFRESH_TAG: "privacy-definitions"}
        for centre in KEPT_CENTRES:
            assert defs.resolve_job_def("centre_refresh").execute_in_process(
                partition_key=centre, instance=instance, tags=tags,
                run_config=QUIET_RUN_CONFIG).success
        registry = defs.resolve_job_def("registry_refresh")
        assert registry.execute_in_process(instance=instance, tags=tags,
                                           run_config=QUIET_RUN_CONFIG).success
        published = warehouse / "registry.duckdb"
        inode = published.stat().st_ino
        # another key: refused by the analysis step, nothing published
        monkeypatch.setenv(PSEUDONYM_KEY_ENV, other)
        refused = registry.execute_in_process(
            instance=instance, tags={REFRESH_TAG: "privacy-other-key"}, raise_on_error=False,
            run_config=QUIET_RUN_CONFIG)
        assert not refused.success
        assert "aml-registry rekey" in _failure_message(refused)
        assert published.stat().st_ino == inode
    for secret in (key, other):
        assert find_key_material(home, secret) == []
        assert find_key_material(warehouse, secret) == []
