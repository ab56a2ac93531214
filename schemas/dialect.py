"""Centre dialects: how one centre's ProMISE export differs from the canonical tables.

Source: ../shared/spec/export-format.md ("centre.yaml (the dialect)"). A dialect is pure
configuration; adding a centre means adding a folder with a ``centre.yaml``. A dialect file is
untrusted input: it is refused before anything is expanded when it is larger than
:data:`MAX_DIALECT_BYTES` or uses YAML anchors or aliases (a few hundred bytes of nested
aliases expand to gigabytes, the "billion laughs" attack), and every error names the centre,
the file and the field. File names in ``files:`` and ``workbook:`` are plain names inside the
delivery folder: no absolute path, no ``..``, no link to elsewhere.
"""

from __future__ import annotations

import codecs
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from schemas.canonical import CANONICAL_TABLES, TABLE_NAMES

CSV_FILE_NAMES = {name: f"{name}.csv" for name in TABLE_NAMES}
DEFAULT_MISSING = ("", "NA")
DEFAULT_QUIET_PERIOD_SECONDS = 300
DIALECT_FILE = "centre.yaml"
#: a real dialect is a few kilobytes; anything far larger is refused unread
MAX_DIALECT_BYTES = 256 * 1024
#: No silent shrink (defaults; per centre under ``shrink_guard:`` in centre.yaml): a new
#: delivery that loses more than this share of the previous delivery's patients or events,
#: or quarantines more than this share of its rows, is held until it is accepted.
DEFAULT_SHRINK_LIMITS = {"max_patient_loss": 0.10, "max_event_loss": 0.10,
                         "max_quarantined_share": 0.20}


class DialectError(ValueError):
    """A centre.yaml that cannot be used; the message names the centre, file and field."""

    def __init__(self, message: str, file: str = "", field: str | None = None) -> None:
        super().__init__(message)
        self.file, self.field = file, field


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
    shrink_limits: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SHRINK_LIMITS))
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


def _as_str_map(raw: Any, where: str, name: str = "") -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise DialectError(f"{where} must be a mapping, got {type(raw).__name__}", field=name)
    return {str(k): str(v).lower() if isinstance(v, bool) else str(v) for k, v in raw.items()}


def safe_file_name(value: str) -> str | None:
    """Why ``value`` is not a plain file name inside the delivery folder (None when it is)."""
    if not value or "\x00" in value or "\\" in value:
        return "is empty or holds a NUL or a backslash"
    pure = PurePosixPath(value)
    if pure.is_absolute() or value.startswith("~"):
        return "is an absolute path: only a file name inside the delivery folder is allowed"
    if any(part in ("..", ".") for part in pure.parts) or len(pure.parts) != 1:
        return ("is a path, not a file name inside the delivery folder (no folders, no '..')")
    return None


#: libyaml's safe loader when PyYAML was built with it (10x faster on a centre.yaml: each
#: refresh reads every centre's dialect several times), else the pure-Python one.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _refuse_expansion(text: str, path: Path) -> None:
    """Refuse YAML anchors and aliases by scanning events (nothing is composed or expanded)."""
    try:
        for event in yaml.parse(text, Loader=_SAFE_LOADER):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                line = event.start_mark.line + 1 if event.start_mark else "?"
                raise DialectError(
                    f"{path}: line {line}: YAML anchors and aliases (&name, *name) are not "
                    "allowed in centre.yaml (they can expand to gigabytes); write the values "
                    "out", file=str(path), field="(anchor/alias)")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        raise DialectError(f"{path}: {line}not valid YAML ({getattr(exc, 'problem', None) or 'syntax error'})",
                           file=str(path), field="(syntax)") from exc


def read_dialect_yaml(path: Path) -> Any:
    """The parsed ``centre.yaml``, refused when oversized, a link, or using anchors/aliases."""
    path = Path(path)
    for candidate in (path.parent, path):
        if candidate.is_symlink():
            raise DialectError(f"{candidate}: is a symbolic link: refused (a centre folder and "
                               "its centre.yaml must be real entries of the landing area)",
                               file=str(path), field=None)
    try:
        size = path.stat().st_size
        if size > MAX_DIALECT_BYTES:
            raise DialectError(f"{path}: centre.yaml is {size} bytes, more than the "
                               f"{MAX_DIALECT_BYTES} allowed: refused unread", file=str(path))
        with open(path, "rb") as fh:
            data = fh.read(MAX_DIALECT_BYTES + 1)
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DialectError(f"{path}: cannot read centre.yaml ({type(exc).__name__}; it must "
                           "be UTF-8 text)", file=str(path)) from exc
    _refuse_expansion(text, path)
    try:
        return yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        raise DialectError(f"{path}: not valid YAML", file=str(path), field="(syntax)") from exc


def _check_encoding(encoding: str, where: str, path: Path) -> None:
    """A text codec Python can decode bytes with (``rot13`` is a str-to-str transform)."""
    try:
        info = codecs.lookup(encoding)
        b"".decode(encoding)  # (b"ascii" cannot be utf-16: an odd number of bytes)
    except LookupError as exc:
        raise DialectError(f"{where}: field 'encoding': {encoding!r} is not a text encoding "
                           "Python can decode files with (e.g. utf-8, cp1252, latin-1)",
                           file=str(path), field="encoding") from exc
    if not getattr(info, "_is_text_encoding", True):
        raise DialectError(f"{where}: field 'encoding': {encoding!r} is not a text encoding",
                           file=str(path), field="encoding")


def _shrink_limits(raw: Any, where: str, path: Path) -> dict[str, float]:
    limits = dict(DEFAULT_SHRINK_LIMITS)
    if raw is None:
        return limits
    if not isinstance(raw, dict):
        raise DialectError(f"{where}: field 'shrink_guard' must be a mapping of "
                           f"{sorted(DEFAULT_SHRINK_LIMITS)}", file=str(path),
                           field="shrink_guard")
    for key, value in raw.items():
        name = f"shrink_guard.{key}"
        if key not in DEFAULT_SHRINK_LIMITS:
            raise DialectError(f"{where}: field {name!r} is unknown (known: "
                               f"{sorted(DEFAULT_SHRINK_LIMITS)})", file=str(path), field=name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise DialectError(f"{where}: field {name!r} must be a share between 0 and 1",
                               file=str(path), field=name)
        limits[str(key)] = float(value)
    return limits


def load_dialect(path: Path) -> CentreDialect:
    """Read and validate a ``centre.yaml``; raise :class:`DialectError` naming what is wrong."""
    path = Path(path)
    raw = read_dialect_yaml(path)
    if not isinstance(raw, dict):
        raise DialectError(f"{path}: centre.yaml must be a mapping", file=str(path))
    folder_id = path.parent.name
    centre_id = str(raw.get("centre_id", "")).strip()
    if not centre_id:
        raise DialectError(f"{path}: missing required field 'centre_id'", file=str(path),
                           field="centre_id")
    if centre_id != folder_id:
        raise DialectError(
            f"{path}: field 'centre_id': {centre_id!r} does not match its folder name "
            f"{folder_id!r}", file=str(path), field="centre_id")
    where = f"centre {centre_id} ({path})"

    def fail(name: str, problem: str) -> DialectError:
        return DialectError(f"{where}: field {name!r}: {problem}", file=str(path), field=name)

    fmt = str(raw.get("format", "csv")).lower()
    if fmt not in ("csv", "xlsx"):
        raise fail("format", f"must be csv or xlsx, got {fmt!r}")
    encoding = str(raw.get("encoding", "utf-8"))
    _check_encoding(encoding, where, path)
    decimal = str(raw.get("decimal", "."))
    if decimal not in (".", ","):
        raise fail("decimal", f"must be '.' or ',', got {decimal!r}")
    delimiter = str(raw.get("delimiter", ","))
    if len(delimiter) != 1 or delimiter in ('"', "\n", "\r"):
        raise fail("delimiter", f"must be one character (not a quote or line end), got "
                                f"{delimiter!r}")
    date_format = str(raw.get("date_format", "iso"))
    if date_format.lower() != "iso":
        try:
            probe = dt.date(2001, 2, 3).strftime(date_format)
            dt.datetime.strptime(probe, date_format)
        except ValueError as exc:
            raise fail("date_format", f"{date_format!r} is not a usable strptime format "
                                      "(e.g. %d/%m/%Y) or 'iso'") from exc
    files = _as_str_map(raw.get("files"), f"{where}: field 'files'", "files")
    for table, name in files.items():
        if table not in CANONICAL_TABLES:
            raise fail(f"files.{table}", "names an unknown canonical table")
        problem = safe_file_name(name) if fmt == "csv" else (
            "is empty" if not name.strip() else None)
        if problem:
            raise fail(f"files.{table}", f"the file name {problem}")
    workbook = str(raw.get("workbook", "export.xlsx"))
    problem = safe_file_name(workbook)
    if problem:
        raise fail("workbook", f"the file name {problem}")
    columns_raw = raw.get("columns") or {}
    if not isinstance(columns_raw, dict):
        raise fail("columns", "must be a mapping of table -> mapping")
    columns: dict[str, dict[str, str]] = {}
    for table, mapping in columns_raw.items():
        if table not in CANONICAL_TABLES:
            raise fail(f"columns.{table}", "names an unknown canonical table")
        mapped = _as_str_map(mapping, f"{where}: field 'columns.{table}'", f"columns.{table}")
        known = set(CANONICAL_TABLES[table].column_names)
        for source, canonical in mapped.items():
            if canonical not in known:
                raise fail(f"columns.{table}", f"maps {source!r} to {canonical!r}, which is "
                                               f"not a canonical column of {table}")
        columns[table] = mapped
    values_raw = raw.get("values") or {}
    if not isinstance(values_raw, dict):
        raise fail("values", "must be a mapping of field -> mapping")
    values = {str(f): _as_str_map(m, f"{where}: field 'values.{f}'", f"values.{f}")
              for f, m in values_raw.items()}
    missing = raw.get("missing", list(DEFAULT_MISSING))
    if not isinstance(missing, list):
        raise fail("missing", "must be a list of strings")
    units = _as_str_map(raw.get("units"), f"{where}: field 'units'", "units")
    for unit_field, unit in units.items():
        if unit not in ("percent", "fraction"):
            raise fail(f"units.{unit_field}", "must be percent or fraction")
    try:
        quiet = float(raw.get("quiet_period_seconds", DEFAULT_QUIET_PERIOD_SECONDS))
    except (TypeError, ValueError) as exc:
        raise fail("quiet_period_seconds", "must be a number of seconds") from exc
    if not quiet >= 0:
        raise fail("quiet_period_seconds", "must be 0 or more")
    return CentreDialect(
        centre_id=centre_id,
        name=str(raw.get("name", centre_id)),
        country=str(raw.get("country", "")),
        format=fmt,
        workbook=workbook,
        delimiter=delimiter,
        encoding=encoding,
        decimal=decimal,
        date_format=date_format,
        missing=tuple(str(m) for m in missing),
        quiet_period_seconds=quiet,
        units=units,
        files=files,
        columns=columns,
        values=values,
        shrink_limits=_shrink_limits(raw.get("shrink_guard"), where, path),
        path=str(path),
    )


def discover_centres(landing: Path) -> dict[str, Path]:
    """Centre folders of a landing area that hold a ``centre.yaml`` (id -> folder).

    A symbolic link is listed too, so that loading its dialect refuses it with a message
    instead of the centre disappearing without a word.
    """
    landing = Path(landing)
    if not landing.is_dir():
        return {}
    return {
        p.name: p
        for p in sorted(landing.iterdir())
        if p.is_dir() and not p.name.startswith((".", "_")) and (p / DIALECT_FILE).is_file()
    }
