"""Centre dialects: how one centre's ProMISE export differs from the canonical tables.

Source: ../shared/spec/export-format.md ("centre.yaml (the dialect)"). A dialect is pure
configuration; adding a centre means adding a folder with a ``centre.yaml``.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from schemas.canonical import CANONICAL_TABLES, TABLE_NAMES

CSV_FILE_NAMES = {name: f"{name}.csv" for name in TABLE_NAMES}
DEFAULT_MISSING = ("", "NA")
DEFAULT_QUIET_PERIOD_SECONDS = 300


class DialectError(ValueError):
    """A centre.yaml that cannot be used; the message names the centre, file and key."""


@dataclass(frozen=True)
class CentreDialect:
    """One centre's export dialect, as read from its ``centre.yaml``."""

    centre_id: str
    name: str
    country: str
    format: str = "csv"
    workbook: str = "export.xlsx"
    delimiter: str = ","
    encoding: str = "utf-8"
    decimal: str = "."
    date_format: str = "iso"
    missing: tuple[str, ...] = DEFAULT_MISSING
    quiet_period_seconds: float = DEFAULT_QUIET_PERIOD_SECONDS
    units: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    path: str = ""

    @property
    def strptime_format(self) -> str:
        """The strptime format of dates ("iso" means %Y-%m-%d)."""
        return "%Y-%m-%d" if self.date_format.lower() == "iso" else self.date_format

    def source_name(self, table: str) -> str:
        """File name (csv) or sheet name (xlsx) holding a canonical table."""
        if table in self.files:
            return self.files[table]
        return CSV_FILE_NAMES[table] if self.format == "csv" else table

    def column_map(self, table: str) -> dict[str, str]:
        """Source column -> canonical column for one table (unmapped keep their name)."""
        return dict(self.columns.get(table, {}))

    def value_map(self, canonical_field: str) -> dict[str, str]:
        """Source label -> canonical code for one canonical field."""
        return {str(k): str(v) for k, v in self.values.get(canonical_field, {}).items()}


def _as_str_map(raw: Any, where: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise DialectError(f"{where} must be a mapping, got {type(raw).__name__}")
    return {str(k): str(v).lower() if isinstance(v, bool) else str(v) for k, v in raw.items()}


def load_dialect(path: Path) -> CentreDialect:
    """Read and validate a ``centre.yaml``; raise :class:`DialectError` naming what is wrong."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DialectError(f"{path}: cannot read centre.yaml: {exc}") from exc
    if not isinstance(raw, dict):
        raise DialectError(f"{path}: centre.yaml must be a mapping")
    folder_id = path.parent.name
    centre_id = str(raw.get("centre_id", "")).strip()
    if not centre_id:
        raise DialectError(f"{path}: missing required key 'centre_id'")
    if centre_id != folder_id:
        raise DialectError(
            f"{path}: centre_id {centre_id!r} does not match its folder name {folder_id!r}")
    where = f"centre {centre_id} ({path})"
    fmt = str(raw.get("format", "csv")).lower()
    if fmt not in ("csv", "xlsx"):
        raise DialectError(f"{where}: format must be csv or xlsx, got {fmt!r}")
    encoding = str(raw.get("encoding", "utf-8"))
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise DialectError(f"{where}: unknown encoding {encoding!r}") from exc
    decimal = str(raw.get("decimal", "."))
    if decimal not in (".", ","):
        raise DialectError(f"{where}: decimal must be '.' or ',', got {decimal!r}")
    delimiter = str(raw.get("delimiter", ","))
    if len(delimiter) != 1:
        raise DialectError(f"{where}: delimiter must be one character, got {delimiter!r}")
    files = _as_str_map(raw.get("files"), f"{where}: files")
    for table in files:
        if table not in CANONICAL_TABLES:
            raise DialectError(f"{where}: files names unknown canonical table {table!r}")
    columns_raw = raw.get("columns") or {}
    if not isinstance(columns_raw, dict):
        raise DialectError(f"{where}: columns must be a mapping of table -> mapping")
    columns: dict[str, dict[str, str]] = {}
    for table, mapping in columns_raw.items():
        if table not in CANONICAL_TABLES:
            raise DialectError(f"{where}: columns names unknown canonical table {table!r}")
        mapped = _as_str_map(mapping, f"{where}: columns.{table}")
        known = set(CANONICAL_TABLES[table].column_names)
        for source, canonical in mapped.items():
            if canonical not in known:
                raise DialectError(
                    f"{where}: columns.{table} maps {source!r} to {canonical!r}, "
                    f"which is not a canonical column of {table}")
        columns[table] = mapped
    values_raw = raw.get("values") or {}
    if not isinstance(values_raw, dict):
        raise DialectError(f"{where}: values must be a mapping of field -> mapping")
    values = {str(f): _as_str_map(m, f"{where}: values.{f}") for f, m in values_raw.items()}
    missing = raw.get("missing", list(DEFAULT_MISSING))
    if not isinstance(missing, list):
        raise DialectError(f"{where}: missing must be a list of strings")
    units = _as_str_map(raw.get("units"), f"{where}: units")
    for unit_field, unit in units.items():
        if unit not in ("percent", "fraction"):
            raise DialectError(f"{where}: units.{unit_field} must be percent or fraction")
    return CentreDialect(
        centre_id=centre_id,
        name=str(raw.get("name", centre_id)),
        country=str(raw.get("country", "")),
        format=fmt,
        workbook=str(raw.get("workbook", "export.xlsx")),
        delimiter=delimiter,
        encoding=encoding,
        decimal=decimal,
        date_format=str(raw.get("date_format", "iso")),
        missing=tuple(str(m) for m in missing),
        quiet_period_seconds=float(raw.get("quiet_period_seconds", DEFAULT_QUIET_PERIOD_SECONDS)),
        units=units,
        files=files,
        columns=columns,
        values=values,
        path=str(path),
    )


def discover_centres(landing: Path) -> dict[str, Path]:
    """Centre folders of a landing area that hold a ``centre.yaml`` (id -> folder)."""
    landing = Path(landing)
    if not landing.is_dir():
        return {}
    return {
        p.name: p
        for p in sorted(landing.iterdir())
        if p.is_dir() and not p.name.startswith((".", "_")) and (p / "centre.yaml").is_file()
    }
