"""Helpers of the privacy tests: a small synthetic landing area and a search for key material
in every file under a folder, also inside compressed blobs and database values."""

from __future__ import annotations

import base64
import contextlib
import gzip
import shutil
import sqlite3
import subprocess
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from schemas.dialect import discover_centres
from synthetic_registry import generate_registry
from warehouse.pseudonym import DEMO_MARKER, hmac_pads

#: Three small centres (two CSV dialects and the IC comparator): a refresh takes seconds.
KEPT_CENTRES = ("LYS", "NTE", "PSL")
REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "pipelines.cli"]
#: The key of the command-line refresh: searched for afterwards in every file.
PRIVACY_KEY = "privacy-probe-key-7f3a9c2e51d04b86"


@dataclass(frozen=True)
class CliRefresh:
    landing: Path
    warehouse: Path
    returncode: int
    output: str


def run_cli(args: list[str], env: dict[str, str], timeout: float = 900
            ) -> subprocess.CompletedProcess:
    """``aml-registry ARGS`` in a subprocess, without ``DAGSTER_HOME`` (the instance then
    lives under the warehouse)."""
    env = {k: v for k, v in env.items() if k not in ("DAGSTER_HOME",
                                                    "AML_REGISTRY_DAGSTER_STORAGE")}
    return subprocess.run([*CLI, *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout)


SQLITE_MAGIC = b"SQLite format 3\x00"
DUCKDB_MAGIC = b"DUCK"


def small_landing(landing: Path, patients: int = 300) -> Path:
    """A generated synthetic landing area reduced to three centres, with the demo marker."""
    generate_registry(landing, seed=2026, patients=patients)
    for centre, folder in discover_centres(landing).items():
        if centre not in KEPT_CENTRES:
            shutil.rmtree(folder)
    (landing / DEMO_MARKER).write_text("synthetic\n", encoding="utf-8")
    return landing


def key_forms(key: str) -> list[bytes]:
    """The ways a key could be written: raw UTF-8, UTF-16, hex (both cases), base64."""
    raw = key.encode("utf-8")
    forms = [raw, key.encode("utf-16-le"), raw.hex().encode(), raw.hex().upper().encode(),
             base64.b64encode(raw), base64.urlsafe_b64encode(raw)]
    # the padded keys DuckDB computes the pseudonyms with (warehouse.pseudonym.hmac_pads) are
    # key material too: XOR with a constant gives the key back
    for pad in hmac_pads(raw):
        forms += [pad, pad.hex().encode(), pad.hex().upper().encode(), base64.b64encode(pad)]
    return forms


def _decompressed(blob: bytes) -> list[bytes]:
    """Every way ``blob`` decompresses (zlib, gzip, raw deflate), recursively once."""
    out = []
    for decompress in (zlib.decompress, gzip.decompress,
                       lambda b: zlib.decompress(b, -zlib.MAX_WBITS)):
        with contextlib.suppress(Exception):
            out.append(decompress(blob))
    return out


def _contains(blob: bytes, forms: list[bytes]) -> bool:
    return any(f in blob for f in forms)


def _sqlite_values(path: Path) -> list[bytes]:
    values: list[bytes] = []
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in con.execute(f'SELECT * FROM "{table}"'):
                for value in row:
                    if isinstance(value, bytes):
                        values.append(value)
                    elif isinstance(value, str):
                        values.append(value.encode("utf-8"))
    finally:
        con.close()
    return values


def _duckdb_values(path: Path) -> list[bytes]:
    """Every text value of every table of a DuckDB file (its strings may be compressed on
    disk, so the raw bytes alone prove nothing)."""
    values: list[bytes] = []
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return values
    try:
        columns = con.execute(
            "SELECT schema_name, table_name, column_name FROM duckdb_columns() "
            "WHERE database_name = current_database() AND data_type IN ('VARCHAR', 'BLOB')"
        ).fetchall()
        for schema, table, column in columns:
            for (value,) in con.execute(f'SELECT DISTINCT "{column}"::VARCHAR FROM '
                                        f'"{schema}"."{table}" WHERE "{column}" IS NOT NULL'
                                        ).fetchall():
                values.append(str(value).encode("utf-8"))
        values.extend(str(r[0]).encode() for r in con.execute(
            "SELECT comment FROM duckdb_columns() WHERE comment IS NOT NULL").fetchall())
    finally:
        con.close()
    return values


def find_key_material(root: Path, key: str) -> list[str]:
    """Files under ``root`` holding ``key`` in any form: raw bytes, hex, base64, inside a
    zlib/gzip-compressed blob, or as a value of a SQLite or DuckDB table."""
    forms = key_forms(key)
    found: list[str] = []
    for path in sorted(p for p in Path(root).rglob("*") if p.is_file() and not p.is_symlink()):
        data = path.read_bytes()
        blobs = [data, *_decompressed(data)]
        if data.startswith(SQLITE_MAGIC):
            values = _sqlite_values(path)
            blobs += values
            for value in values:
                blobs += _decompressed(value)
        elif data[8:12] == DUCKDB_MAGIC:
            blobs += _duckdb_values(path)
        if any(_contains(b, forms) for b in blobs):
            found.append(str(path.relative_to(root)))
    return found
