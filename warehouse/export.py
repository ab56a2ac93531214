"""Export of the analysts' file to Parquet or CSV folders that R, Stata and SAS read natively.

Source: issue 19 ("aml-registry export"): the analysts' tables and views of the published
``registry.duckdb`` (never a restricted layer: only that file is opened, read-only), the data
dictionary beside them (``data_dictionary.csv``) and ``manifest.json`` (refresh id, code
versions, format, row count and sha256 of every file). The folder is built beside the target
and swapped in whole (``renameat2(RENAME_EXCHANGE)`` where Linux has it), so a reader sees
the old export or the new one, never a mix; the same published file gives the same bytes.

CSV conventions (R ``read.csv``, Stata ``import delimited``, SAS ``PROC IMPORT``): UTF-8,
comma-separated, a header row, ``NA`` for a missing value, ISO 8601 dates (``YYYY-MM-DD``)
and timestamps, booleans as 1/0, ``.`` as decimal mark.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.database import query_frame, run_sql
from warehouse.publish import PUBLISHED_SCHEMAS

EXPORT_FORMATS = ("parquet", "csv")
MANIFEST = "manifest.json"
DICTIONARY = "data_dictionary.csv"
CSV_OPTIONS = "HEADER true, DELIMITER ',', QUOTE '\"', NULLSTR 'NA', " \
              "DATEFORMAT '%Y-%m-%d', TIMESTAMPFORMAT '%Y-%m-%dT%H:%M:%S.%f'"
CSV_CONVENTIONS = {"encoding": "UTF-8", "delimiter": ",", "header": True, "missing": "NA",
                   "date": "YYYY-MM-DD", "timestamp": "YYYY-MM-DDTHH:MM:SS.ffffff",
                   "boolean": "1 = true, 0 = false", "decimal_mark": "."}


class ExportError(ValueError):
    """An export that cannot be made as asked (format, schema, target folder)."""


@dataclass(frozen=True)
class ExportResult:
    """The export folder and what it holds (``manifest`` as written to manifest.json)."""

    out: Path
    rows: dict[str, int]
    manifest: dict


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _select_list(con: duckdb.DuckDBPyConnection, schema: str, table: str, fmt: str) -> str:
    """All columns; for CSV booleans become 1/0 (numbers every statistics package reads)."""
    columns = run_sql(con, "export/columns", [schema, table]).fetchall()
    parts = []
    for name, data_type in columns:
        if fmt == "csv" and data_type == "BOOLEAN":
            parts.append(f"CAST({_quoted(name)} AS TINYINT) AS {_quoted(name)}")
        else:
            parts.append(_quoted(name))
    return ", ".join(parts) or "*"


def _copy(con: duckdb.DuckDBPyConnection, select: str, target: Path, fmt: str) -> int:
    options = CSV_OPTIONS if fmt == "csv" else "FORMAT parquet, COMPRESSION zstd"
    if fmt == "csv":
        options = f"FORMAT csv, {options}"
    written = con.execute(f"COPY ({select}) TO {_literal(str(target))} ({options})").fetchone()
    return int(written[0])


def _exchange(new: Path, old: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(new), at_fdcwd, os.fsencode(old), rename_exchange)
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, f"cannot swap {new} and {old}: {os.strerror(err)}")


def _swap_in(building: Path, out: Path) -> None:
    """Replace ``out`` by ``building`` as a whole; the old export is then deleted."""
    if not out.exists():
        os.rename(building, out)
        return
    if _exchange(building, out):
        shutil.rmtree(building)  # now holds the previous export
        return
    retired = out.with_name(f".{out.name}.retired-{os.getpid()}")
    os.rename(out, retired)
    os.rename(building, out)
    shutil.rmtree(retired)


def _check_target(out: Path) -> None:
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise ExportError(f"--out {out} exists and is not a folder: refusing to replace it")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise ExportError(f"--out {out} is a folder that holds files but no {MANIFEST} (not an "
                          "aml-registry export): refusing to replace it")


def export_registry(db_path: Path, out: Path, fmt: str,
                    schemas: Sequence[str] | None = None, code_version: str | None = None
                    ) -> ExportResult:
    """Write the tables and views of ``schemas`` of the published ``db_path`` into ``out``.

    One file per relation, ``out/<schema>/<table>.<parquet|csv>``, plus ``data_dictionary.csv``
    (meta.data_dictionary of those schemas) and ``manifest.json``. ``schemas`` defaults to
    every published schema; a schema outside them (e.g. ``raw``, ``quarantine``) is refused.
    """
    if fmt not in EXPORT_FORMATS:
        raise ExportError(f"--format must be one of {', '.join(EXPORT_FORMATS)}, got {fmt!r}")
    chosen = list(dict.fromkeys(schemas or PUBLISHED_SCHEMAS))
    refused = [s for s in chosen if s not in PUBLISHED_SCHEMAS]
    if refused:
        raise ExportError(f"--schema {', '.join(refused)} is not in the analysts' file (it "
                          f"holds {', '.join(PUBLISHED_SCHEMAS)})")
    db_path, out = Path(db_path), Path(out).absolute()
    if not db_path.is_file():
        raise ExportError(f"no published database at {db_path}")
    _check_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    building = out.with_name(f".{out.name}.building-{os.getpid()}")
    for leftover in out.parent.glob(f".{out.name}.building-*"):
        shutil.rmtree(leftover, ignore_errors=True)  # an interrupted export's half folder
    building.mkdir()
    try:
        manifest = _write_export(db_path, building, fmt, chosen, code_version)
        _swap_in(building, out)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    rows = {t["name"]: t["rows"] for t in manifest["tables"]}
    return ExportResult(out, rows, manifest)


def _write_export(db_path: Path, folder: Path, fmt: str, schemas: list[str],
                  code_version: str | None) -> dict:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        relations = run_sql(con, "export/relations", [schemas, schemas]).fetchall()
        refresh = run_sql(con, "export/refresh").fetchone()
        tables = []
        for schema, table, kind in relations:
            (folder / schema).mkdir(exist_ok=True)
            target = folder / schema / f"{table}.{fmt}"
            select = (f"SELECT {_select_list(con, schema, table, fmt)} "
                      f"FROM {_quoted(schema)}.{_quoted(table)}")
            if kind == "view":  # a view's join has no row order: sort it, so a re-export is
                select += " ORDER BY ALL"  # byte-identical (a table keeps insertion order)
            rows = con.execute(f"SELECT count(*) FROM {_quoted(schema)}.{_quoted(table)}"
                               ).fetchone()[0]
            written = _copy(con, select, target, fmt)
            if written != rows:
                raise RuntimeError(f"export of {schema}.{table} wrote {written} rows, the "
                                   f"database holds {rows}")
            tables.append({"name": f"{schema}.{table}", "kind": kind,
                           "file": f"{schema}/{table}.{fmt}", "rows": int(rows),
                           "sha256": _sha256(target)})
        dictionary = query_frame(con, "export/dictionary", [schemas])
        con.register("_export_dictionary", dictionary)
        _copy(con, "SELECT * FROM _export_dictionary", folder / DICTIONARY, "csv")
    finally:
        con.close()
    manifest = {
        "format": fmt,
        "source": db_path.name,
        "schemas": schemas,
        "refresh_id": refresh[0] if refresh else None,
        "refresh_code_version": refresh[1] if refresh else None,
        "refresh_finished_at": str(refresh[2]) if refresh else None,
        "export_code_version": code_version,
        "data_dictionary": {"file": DICTIONARY, "sha256": _sha256(folder / DICTIONARY)},
        "csv": CSV_CONVENTIONS if fmt == "csv" else None,
        "tables": tables,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest
