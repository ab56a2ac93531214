"""Identifiable files and folders are for the registry's owner only (0600/0700, or 0640/0750
with a configured group); the analysts' file, the report and the data docs are readable as
configured (default 0644)."""

from __future__ import annotations

import grp
import os
import stat
from pathlib import Path

import pytest
from privacy_support import PRIVACY_KEY, CliRefresh, run_cli
from registry_keys import key_environment

from warehouse.permissions import (
    PUBLISHED_MODE_ENV,
    RESTRICTED_GROUP_ENV,
    PermissionPolicy,
    restricted_umask,
    secure_warehouse,
)

pytestmark = pytest.mark.xdist_group("privacy")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


PUBLISHED_NAMES = ("registry.duckdb", "report", "data-docs")


def _is_published(warehouse: Path, path: Path) -> bool:
    """The published names (links into ``current``), the ``current`` link, and inside
    ``.releases/<release>/`` the release folders, their published names and release.json."""
    parts = path.relative_to(warehouse).parts
    if parts[0] in (*PUBLISHED_NAMES, "current") or path.is_symlink():
        return True
    return parts[0] == ".releases" and (
        len(parts) <= 2 or parts[2] in (*PUBLISHED_NAMES, "release.json"))


def test_after_a_refresh_identifiable_files_are_private(cli_refresh: CliRefresh) -> None:
    assert cli_refresh.returncode == 0, cli_refresh.output
    wh = cli_refresh.warehouse
    assert _mode(wh / "restricted" / "registry_restricted.duckdb") == 0o600
    assert _mode(wh / "work" / "working.duckdb") == 0o600
    assert _mode(wh / "restricted") == _mode(wh / "work") == 0o700
    assert _mode(wh / ".dagster") == _mode(wh / ".dagster" / "storage") == 0o700
    assert _mode(wh / ".dagster" / "storage" / "history" / "runs.db") == 0o600
    identifiable = [p for p in wh.rglob("*") if not _is_published(wh, p)]
    assert len(identifiable) > 10
    readable_by_others = [str(p) for p in identifiable if _mode(p) & 0o077]
    assert readable_by_others == []


def test_after_a_refresh_the_published_files_are_readable(cli_refresh: CliRefresh) -> None:
    wh = cli_refresh.warehouse
    assert _mode(wh) == 0o755
    assert _mode((wh / "registry.duckdb").resolve()) == 0o644
    assert _mode(wh / "report" / "report.html") == 0o644
    assert _mode(wh / "data-docs" / "index.html") == 0o644
    release = (wh / "current").resolve()
    assert _mode(release) == _mode(release.parent) == 0o755
    report = (wh / "report").resolve()
    folders = [p for p in report.rglob("*") if p.is_dir()] + [report]
    assert all(_mode(p) == 0o755 for p in folders)


def _fake_warehouse(root: Path) -> dict[str, Path]:
    paths = {
        "working": root / "work" / "working.duckdb",
        "restricted": root / "restricted" / "registry_restricted.duckdb",
        "runs": root / ".dagster" / "storage" / "history" / "runs.db",
        "unknown": root / "something-new.json",
        "building": root / ".registry.duckdb.building",
        "published": root / "registry.duckdb",
        "report": root / "report" / "report.html",
        "docs": root / "data-docs" / "validations" / "x.html",
    }
    for path in paths.values():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
        path.chmod(0o666)
    return paths


@pytest.mark.parametrize(("environ", "restricted", "published"), [
    ({}, (0o600, 0o700), (0o644, 0o755)),
    ({PUBLISHED_MODE_ENV: "0640"}, (0o600, 0o700), (0o640, 0o750)),
    ({RESTRICTED_GROUP_ENV: "<own group>"}, (0o640, 0o750), (0o644, 0o755)),
    ({RESTRICTED_GROUP_ENV: "<own group>", PUBLISHED_MODE_ENV: "600"}, (0o640, 0o750),
     (0o600, 0o700)),
])
def test_modes_follow_the_configuration(tmp_path: Path, environ: dict[str, str],
                                        restricted: tuple[int, int],
                                        published: tuple[int, int]) -> None:
    own_group = grp.getgrgid(os.getgid()).gr_name
    env = {k: v.replace("<own group>", own_group) for k, v in environ.items()}
    policy = PermissionPolicy.from_environment(env)
    paths = _fake_warehouse(tmp_path / "wh")
    secure_warehouse(tmp_path / "wh", policy)
    for name in ("working", "restricted", "runs", "unknown", "building"):
        assert _mode(paths[name]) == restricted[0], name
        assert _mode(paths[name].parent) in (restricted[1], published[1]), name
    assert _mode(paths["working"].parent) == restricted[1]
    assert _mode(tmp_path / "wh" / ".dagster" / "storage") == restricted[1]
    for name in ("published", "report", "docs"):
        assert _mode(paths[name]) == published[0], name
    assert _mode(paths["docs"].parent) == published[1]
    if RESTRICTED_GROUP_ENV in env:
        assert paths["working"].stat().st_gid == os.getgid()


@pytest.mark.parametrize(("environ", "problem"), [
    ({PUBLISHED_MODE_ENV: "rw-r--r--"}, "octal"),
    ({PUBLISHED_MODE_ENV: "0755"}, "no execute"),
    ({PUBLISHED_MODE_ENV: "0044"}, "read for the owner"),
    ({RESTRICTED_GROUP_ENV: "no-such-group-aml"}, "no such group"),
])
def test_bad_permission_settings_are_refused(environ: dict[str, str], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        PermissionPolicy.from_environment(environ)


def test_files_created_while_writing_are_private(tmp_path: Path) -> None:
    before = os.umask(0o022)
    try:
        with restricted_umask(PermissionPolicy()):
            (tmp_path / "new.db").write_text("x")
            (tmp_path / "folder").mkdir()
        assert os.umask(0o022) == 0o022  # restored afterwards
    finally:
        os.umask(before)
    assert _mode(tmp_path / "new.db") == 0o600
    assert _mode(tmp_path / "folder") == 0o700


def test_a_bad_group_setting_stops_the_refresh_with_a_usage_error(privacy_landing: Path,
                                                                   tmp_path: Path) -> None:
    env = key_environment(PRIVACY_KEY)
    env[RESTRICTED_GROUP_ENV] = "no-such-group-aml"
    proc = run_cli(["refresh", "--landing", str(privacy_landing), "--warehouse",
                    str(tmp_path / "wh")], env, timeout=300)
    assert proc.returncode == 2
    assert "AML_REGISTRY_RESTRICTED_GROUP" in proc.stderr and "no such group" in proc.stderr
    assert not (tmp_path / "wh" / "registry.duckdb").exists()
