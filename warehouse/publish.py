"""Publishing: a finished, checked copy for analysts, swapped in atomically.

Source: ../shared/spec/architecture.md ("DuckDB: one writer, many analysts") and
../shared/spec/style.md ("Publishing"). Each registry run builds a *release*: a folder
``WAREHOUSE/.releases/<refresh>--<run>/`` holding the analysts' database
(``registry.duckdb``: built, CHECKPOINTed, closed, verified read-only), the report
(``report/``) and the data docs (``data-docs/``), plus ``release.json`` naming the refresh.
``WAREHOUSE/current`` is a symbolic link to the published release, and the published names
``WAREHOUSE/registry.duckdb``, ``WAREHOUSE/report`` and ``WAREHOUSE/data-docs`` are fixed links
through it. Publishing replaces ``current`` with ``os.replace`` (one atomic rename on POSIX),
so the database, the report and the data docs always describe the same refresh, also after a
kill or a failed publish; a reader that has the old file open keeps a consistent view.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.database import Warehouse, run_sql
from warehouse.dictionary import comment_registry_tables
from warehouse.dictionary_page import write_data_dictionary_page
from warehouse.permissions import publish_mode, secure_release, secure_restricted
from warehouse.views import create_analyst_views

PUBLISHED_SCHEMAS = ("analysis", "outcomes", "meta", "quality")
#: tables of the published schemas that hold identifiable values: restricted copy only
RESTRICTED_TABLES = frozenset({("quality", "queries"), ("quality", "query_acceptances"),
                               ("quality", "query_history")})
RELEASES_DIR = ".releases"
CURRENT_LINK = "current"
RELEASE_MANIFEST = "release.json"
#: published name -> its place inside a release
RELEASE_ENTRIES = {"registry.duckdb": "registry.duckdb", "report": "report",
                   "data-docs": "data-docs"}
#: published releases kept besides the current one (readers of an older file keep it open)
KEPT_RELEASES = 2
#: an unfinished release older than this is a leftover of a killed or failed run
STALE_BUILD_SECONDS = 24 * 3600
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def release_name(refresh_id: str | None, run_id: str) -> str:
    """The folder name of one registry run's release: refresh id and run id, file-safe."""
    refresh = _UNSAFE.sub("_", refresh_id or "run")[:80]
    return f"{refresh}--{run_id[:8]}"


def release_dir(warehouse: Warehouse, release: str) -> Path:
    """Where one release is built (and stays while it is current or recent)."""
    return warehouse.root / RELEASES_DIR / release


def release_report_dir(warehouse: Warehouse, release: str) -> Path:
    """The report folder of a release being built."""
    return release_dir(warehouse, release) / RELEASE_ENTRIES["report"]


def release_data_docs_dir(warehouse: Warehouse, release: str) -> Path:
    """The data-docs folder of a release being built."""
    return release_dir(warehouse, release) / RELEASE_ENTRIES["data-docs"]


def current_release(warehouse: Warehouse) -> str | None:
    """The name of the published release (None before the first publish)."""
    link = warehouse.root / CURRENT_LINK
    if not link.is_symlink():
        return None
    return Path(os.readlink(link)).name


def _atomic_symlink(target: str, link: Path) -> None:
    """Point ``link`` at ``target`` in one rename (a new link beside it, then os.replace)."""
    tmp = link.with_name(f".{link.name}.{os.getpid()}.link")
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    os.replace(tmp, link)


def _ensure_published_links(warehouse: Warehouse) -> None:
    """The fixed links ``registry.duckdb``, ``report``, ``data-docs`` -> ``current/...``.

    A warehouse published before releases existed holds a real file and real folders there:
    the file is replaced by its link atomically, a folder is moved aside first.
    """
    root = warehouse.root
    for name, inside in RELEASE_ENTRIES.items():
        link, target = root / name, f"{CURRENT_LINK}/{inside}"
        if link.is_symlink() and os.readlink(link) == target:
            continue
        if link.is_dir() and not link.is_symlink():
            aside = root / f".{name}.before-releases"
            shutil.rmtree(aside, ignore_errors=True)
            os.replace(link, aside)
            _atomic_symlink(target, link)
            shutil.rmtree(aside, ignore_errors=True)
        else:
            _atomic_symlink(target, link)


def swap_release(warehouse: Warehouse, release: str) -> None:
    """Make ``release`` the published one: one atomic replace of the ``current`` link."""
    folder = release_dir(warehouse, release)
    missing = [inside for inside in RELEASE_ENTRIES.values() if not (folder / inside).exists()]
    if missing:
        raise RuntimeError(f"release {release} is incomplete (no {', '.join(missing)}): this "
                           "run did not build all of the database, the report and the data "
                           "docs, so nothing is published")
    secure_release(folder)  # readable as configured from the moment it is swapped in
    _fsync_dir(folder)
    _fsync_dir(folder.parent)
    _atomic_symlink(f"{RELEASES_DIR}/{release}", warehouse.root / CURRENT_LINK)
    _ensure_published_links(warehouse)
    _fsync_dir(warehouse.root)
    prune_releases(warehouse)


def prune_releases(warehouse: Warehouse, keep: int = KEPT_RELEASES,
                   now: float | None = None) -> list[str]:
    """Delete old published releases (all but the current and ``keep`` newest) and stale
    unfinished ones (no manifest, older than a day); return their names."""
    base = warehouse.root / RELEASES_DIR
    if not base.is_dir():
        return []
    current = current_release(warehouse)
    now = time.time() if now is None else now
    published, removed = [], []
    for folder in base.iterdir():
        if not folder.is_dir() or folder.is_symlink() or folder.name == current:
            continue
        if (folder / RELEASE_MANIFEST).exists():
            published.append(folder)
        elif now - folder.stat().st_mtime > STALE_BUILD_SECONDS:
            removed.append(folder)
    published.sort(key=lambda f: f.stat().st_mtime, reverse=True)
    removed += published[keep:]
    for folder in removed:
        shutil.rmtree(folder, ignore_errors=True)
    return [f.name for f in removed]


@dataclass
class PublishResult:
    """Where the analysts' file now is, and what it holds."""

    path: Path
    tables: dict[str, int]


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_tables(con: duckdb.DuckDBPyConnection, target: Path) -> dict[str, int]:
    """Copy the analyst schemas of the working database into a new database file."""
    con.execute(f"ATTACH '{target}' AS pub")
    counts: dict[str, int] = {}
    try:
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() "
            "WHERE database_name = current_database() AND schema_name IN "
            f"({', '.join(repr(s) for s in PUBLISHED_SCHEMAS)}) ORDER BY 1, 2").fetchall()
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS pub.{schema}")
        for schema, table in tables:
            if (schema, table) in RESTRICTED_TABLES:
                continue
            con.execute(f'CREATE TABLE pub.{schema}."{table}" AS '
                        f'SELECT * FROM {schema}."{table}"')
            counts[f"{schema}.{table}"] = con.execute(
                f'SELECT count(*) FROM pub.{schema}."{table}"').fetchone()[0]
    finally:
        con.execute("DETACH pub")
    return counts


def publish_registry(warehouse: Warehouse, con: duckdb.DuckDBPyConnection, release: str,
                     refresh_id: str | None = None) -> PublishResult:
    """Build the analysts' database of ``release`` from the working one, then publish the
    release (database, report and data docs together) with one atomic swap.

    ``con`` is the open read-write connection to the working database.
    """
    folder = release_dir(warehouse, release)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / RELEASE_MANIFEST).unlink(missing_ok=True)
    published = folder / RELEASE_ENTRIES["registry.duckdb"]
    building = published.with_name(f".{published.name}.building")
    for leftover in (building, Path(f"{building}.wal")):
        leftover.unlink(missing_ok=True)
    counts = _copy_tables(con, building)
    pub = duckdb.connect(str(building))
    try:
        run_sql(pub, "publish/data_dictionary")
        comment_registry_tables(pub)  # every published table of the registry
        create_analyst_views(pub)     # the views, commented from the registry too
        pub.execute("CHECKPOINT")
    finally:
        pub.close()
    check = duckdb.connect(str(building), read_only=True)
    try:
        for name, n in counts.items():
            schema, table = name.split(".")
            got = check.execute(f'SELECT count(*) FROM {schema}."{table}"').fetchone()[0]
            if got != n:
                raise RuntimeError(f"published copy of {name} has {got} rows, expected {n}")
    finally:
        check.close()
    with open(building, "rb") as fh:
        os.fsync(fh.fileno())
    publish_mode(building)  # readable as configured from the moment it is swapped in
    os.replace(building, published)
    report = folder / RELEASE_ENTRIES["report"]
    if report.is_dir():  # (no report: swap_release refuses the incomplete release below)
        write_data_dictionary_page(published, report / "data-dictionary.html")
    manifest = folder / RELEASE_MANIFEST
    manifest.with_suffix(".tmp").write_text(json.dumps(
        {"release": release, "refresh_id": refresh_id, "tables": len(counts)}), "utf-8")
    os.replace(manifest.with_suffix(".tmp"), manifest)
    swap_release(warehouse, release)
    return PublishResult(warehouse.published_path, counts)


def publish_restricted_copy(warehouse: Warehouse) -> Path:
    """Copy the whole (closed, checkpointed) working database for data managers, atomically."""
    target = warehouse.restricted_path
    target.parent.mkdir(parents=True, exist_ok=True)
    secure_restricted(target.parent)  # identifiable: owner (or restricted group) only
    building = target.with_name(f".{target.name}.building")
    shutil.copyfile(warehouse.working_path, building)
    secure_restricted(building)
    with open(building, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(building, target)
    return target
