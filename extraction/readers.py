"""Reading one delivery's files, verbatim as text, with the centre's dialect.

Source: ../shared/spec/export-format.md. Every source row is kept as text (no value is
changed here); source columns are renamed to their canonical names, and columns the dialect
does not know are kept in ``unmapped`` (JSON) so that staging can quarantine the row.
A file that cannot be read as a whole (undecodable bytes, truncated, missing required
column, unreadable workbook) raises :class:`DeliveryError`, which fails the centre.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from extraction.deliveries import Delivery
from schemas.canonical import CANONICAL_TABLES, TABLE_NAMES
from schemas.dialect import CentreDialect

LINEAGE_COLUMNS = ("centre_id", "delivery", "file", "source_row", "file_sha256")


class DeliveryError(RuntimeError):
    """A delivery file that cannot be loaded; the message names centre, file, row and problem."""

    def __init__(self, centre_id: str, delivery: str, file: str, problem: str,
                 row: int | None = None, column: str | None = None) -> None:
        self.centre_id, self.delivery, self.file = centre_id, delivery, file
        self.problem, self.row, self.column = problem, row, column
        #: set by extract_centre: what the extraction loaded before raising this problem
        self.extraction: object | None = None
        where = f"centre {centre_id}, delivery {delivery}, file {file}"
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {problem}")


@dataclass
class SourceTable:
    """One canonical table of one delivery, as text, with lineage."""

    table: str
    file: str
    sha256: str
    frame: pd.DataFrame  # source_row, canonical text columns, unmapped, missing_fields,
    #                      formula_cells (xlsx: cells holding a formula without saved value)
    source_columns: list[str]

    @property
    def rows(self) -> int:
        return len(self.frame)


def _decode(data: bytes, dialect: CentreDialect, delivery: str, file: str) -> str:
    try:
        text = data.decode(dialect.encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n")  # header is line 0 -> data row number
        where = "in the header line " if line == 0 else ""
        raise DeliveryError(
            dialect.centre_id, delivery, file,
            f"cannot decode byte {data[exc.start:exc.start + 1]!r} at offset {exc.start} "
            f"{where}as {dialect.encoding}: the file is not in the encoding its centre.yaml "
            f"declares", row=line or None) from exc
    return text.removeprefix("\ufeff")


def _map_header(header: list[str], table: str, dialect: CentreDialect, delivery: str,
                file: str) -> tuple[list[str | None], list[str]]:
    """Canonical name per source column (None = unknown to the dialect)."""
    spec = CANONICAL_TABLES[table]
    mapping = dialect.column_map(table)
    known = set(spec.column_names)
    canonical: list[str | None] = []
    for name in header:
        name = name.strip()
        target = mapping.get(name, name if name in known else None)
        canonical.append(target)
    seen = [c for c in canonical if c is not None]
    duplicated = sorted({c for c in seen if seen.count(c) > 1})
    if duplicated:
        raise DeliveryError(dialect.centre_id, delivery, file,
                            f"several source columns map to canonical column(s) {duplicated}")
    missing = [c.name for c in spec.columns if c.required and c.name not in seen]
    if missing:
        # the header's own text is not quoted: in a file without a header line it is the
        # first patient's record (identifying values stay out of messages and logs)
        known_names = sum(1 for c in canonical if c is not None)
        raise DeliveryError(dialect.centre_id, delivery, file,
                            f"missing required column(s) {missing} for table {table}: the "
                            f"first line has {len(header)} fields, {known_names} of them "
                            f"known column names (is the header line missing, or the "
                            f"centre.yaml column mapping incomplete?)")
    return canonical, [h.strip() for h in header]


def _assemble(rows: pd.DataFrame, header: list[str], table: str, dialect: CentreDialect,
              delivery: str, file: str,
              missing_fields: np.ndarray | None = None) -> tuple[pd.DataFrame, list[str]]:
    canonical, source_cols = _map_header(header, table, dialect, delivery, file)
    out = pd.DataFrame(index=rows.index)
    out["source_row"] = np.arange(1, len(rows) + 1, dtype=np.int64)
    for i, target in enumerate(canonical):
        if target is not None:
            out[target] = rows.iloc[:, i].astype(object)
    for col in CANONICAL_TABLES[table].column_names:
        if col not in out:
            out[col] = None
    unknown = [(i, source_cols[i]) for i, t in enumerate(canonical) if t is None]
    out["unmapped"] = None
    if unknown and len(rows):
        # only cells that hold a value: an empty unknown column loses nothing
        sub = rows.iloc[:, [i for i, _ in unknown]].astype(object)
        sub.columns = [name for _, name in unknown]
        filled = sub.notna() & ~sub.apply(lambda c: c.astype("string").str.strip().isin(
            ["", *dialect.missing])).fillna(True)
        has = filled.any(axis=1).to_numpy()
        if has.any():
            kept = sub[has].where(filled[has])
            out.loc[has, "unmapped"] = [
                json.dumps({k: v for k, v in r.items() if isinstance(v, str)},
                           ensure_ascii=False) for r in kept.to_dict("records")]
    out["missing_fields"] = (np.zeros(len(rows), np.int32) if missing_fields is None
                             else missing_fields.astype(np.int32))
    out["formula_cells"] = None
    cols = ["source_row", *CANONICAL_TABLES[table].column_names, "unmapped", "missing_fields",
            "formula_cells"]
    return out[cols].reset_index(drop=True), source_cols


def fields_per_record(text: str, delimiter: str, n_header: int, n_rows: int) -> np.ndarray:
    """The number of fields of each of the ``n_rows`` data records of a CSV text.

    The C parser pads a short record with empty fields and drops the surplus of a long first
    record, so the fields are counted apart. Common case first, with whole-text scans only:
    no quoting, no lone CR, no blank line, the first data line has exactly the header's
    fields and the delimiters add up to (header fields - 1) per line. Then no record is short
    (a long record after the first makes the parser fail the file, so none can make up for a
    short one). Otherwise Python's csv module (the parser's quoting rules, the parser's line
    ends) counts them, skipping the lines the parser skips: empty or only spaces and tabs.
    """
    if '"' not in text and text.count("\r") == text.count("\r\n") and "\n\n" not in text \
            and "\n\r\n" not in text and not text.startswith(("\n", "\r")):
        lines = text.count("\n") + (not text.endswith("\n"))
        first_end = text.find("\n")
        second_end = text.find("\n", first_end + 1)
        first_data = text[first_end + 1:second_end if second_end >= 0 else len(text)]
        if lines == n_rows + 1 and first_data.count(delimiter) == n_header - 1 \
                and text.count(delimiter) == lines * (n_header - 1):
            return np.full(n_rows, n_header, np.int64)
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    next(records, None)
    return np.fromiter((len(r) for r in records if r and not _whitespace_line(r)),
                       dtype=np.int64)


def _whitespace_line(record: list[str]) -> bool:
    """A line of spaces and tabs only, which pandas' C parser skips like a blank line."""
    return len(record) == 1 and record[0] != "" and record[0].strip(" \t") == ""


def read_csv_table(path: Path, table: str, dialect: CentreDialect, delivery: str) -> SourceTable:
    """Read one CSV export file verbatim (all text) with the centre's dialect."""
    file = path.name
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    text = _decode(data, dialect, delivery, file)
    if not text.strip():
        raise DeliveryError(dialect.centre_id, delivery, file,
                            "file is empty (0 bytes or blank): a table with no rows must "
                            "still have its header line")
    try:
        header = next(csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter))
    except csv.Error as exc:
        raise DeliveryError(dialect.centre_id, delivery, file,
                            f"cannot read the header line: {exc}") from exc
    try:
        with warnings.catch_warnings():
            # a long first record: reported below, from the field counts
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            rows = pd.read_csv(io.StringIO(text), sep=dialect.delimiter, dtype=str,
                               keep_default_na=False, na_filter=False, header=0, engine="c",
                               skip_blank_lines=True, quoting=csv.QUOTE_MINIMAL,
                               names=list(range(len(header))), index_col=False)
    except pd.errors.ParserError as exc:
        raise DeliveryError(dialect.centre_id, delivery, file,
                            f"cannot parse as CSV with delimiter {dialect.delimiter!r}: {exc}"
                            ) from exc
    if len(rows.columns) != len(header):
        raise DeliveryError(dialect.centre_id, delivery, file,
                            f"header has {len(header)} columns but rows have {len(rows.columns)}")
    if not text.endswith(("\n", "\r")) and len(rows):
        last = rows.iloc[-1]
        n_fields = len(next(csv.reader(io.StringIO(text.rsplit("\n", 1)[-1]),
                                       delimiter=dialect.delimiter), []))
        if n_fields < len(header) or (last == "").all():
            raise DeliveryError(dialect.centre_id, delivery, file,
                                f"file is truncated: the last row has {n_fields} of "
                                f"{len(header)} fields and no line end", row=len(rows))
    try:
        fields = fields_per_record(text, dialect.delimiter, len(header), len(rows))
    except csv.Error as exc:
        raise DeliveryError(dialect.centre_id, delivery, file,
                            f"cannot count the fields of its records: {exc}") from exc
    if fields.size != len(rows):
        raise DeliveryError(dialect.centre_id, delivery, file,
                            f"the records cannot be delimited consistently ({len(rows)} rows "
                            f"by the CSV parser, {fields.size} by field counting): check "
                            f"quoting and line ends")
    long = np.flatnonzero(fields > len(header))
    if long.size:
        row = int(long[0]) + 1
        raise DeliveryError(dialect.centre_id, delivery, file,
                            f"the record has {fields[long[0]]} fields but the header has "
                            f"{len(header)} (a delimiter inside an unquoted value, or one at "
                            f"the end of every data line?)", row=row)
    missing = np.clip(len(header) - fields, 0, None)
    frame, source_cols = _assemble(rows, header, table, dialect, delivery, file, missing)
    return SourceTable(table, file, sha, frame, source_cols)


def _cell_text(value: object, dialect: CentreDialect) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime(dialect.strptime_format)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
        return text.replace(".", dialect.decimal)
    return str(value)


def _is_formula(value: object) -> bool:
    """A cell of a workbook opened with formulas: its formula text or an array formula."""
    return (isinstance(value, str) and value.startswith("=")) or (
        value is not None and type(value).__name__ in ("ArrayFormula", "DataTableFormula"))


def read_xlsx_tables(path: Path, dialect: CentreDialect, delivery: str) -> dict[str, SourceTable]:
    """Read every canonical sheet of one workbook verbatim (cells rendered as text).

    A formula cell is read as the value the spreadsheet saved with it. A formula without a
    saved value (a workbook written by a program that does not compute formulas) is never
    read as empty: its row keeps the cell references in ``formula_cells`` and is quarantined
    by staging; a workbook in which no formula has a saved value fails as a whole.
    """
    from openpyxl import load_workbook  # imported lazily: only xlsx centres need it
    from openpyxl.utils import get_column_letter

    file = path.name
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formulas_wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise DeliveryError(dialect.centre_id, delivery, file,
                            f"unreadable workbook ({type(exc).__name__})") from exc
    out: dict[str, SourceTable] = {}
    n_formulas = n_cached = 0
    try:
        for table in TABLE_NAMES:
            sheet = dialect.source_name(table)
            if sheet not in wb.sheetnames:
                continue
            it = wb[sheet].iter_rows(values_only=True)
            formula_it = formulas_wb[sheet].iter_rows(values_only=True)
            first = next(it, None)
            next(formula_it, None)
            if first is None:
                raise DeliveryError(dialect.centre_id, delivery, f"{file}#{sheet}",
                                    "sheet is empty: a table with no rows must keep its header")
            header = [str(h) if h is not None else "" for h in first]
            while header and header[-1] == "":
                header.pop()
            width = len(header)
            body, formula_cells = [], []
            for sheet_row, (r, f) in enumerate(zip(it, formula_it, strict=False), start=2):
                cells = [_cell_text(v, dialect) for v in r[:width]]
                cells += [""] * (width - len(cells))
                uncached = []
                for i, formula in enumerate(f[:width]):
                    if _is_formula(formula):
                        n_formulas += 1
                        if i < len(r) and r[i] is not None:
                            n_cached += 1
                        else:
                            uncached.append(f"{get_column_letter(i + 1)}{sheet_row}")
                if any(cells) or uncached:
                    body.append(cells)
                    formula_cells.append(", ".join(uncached) or None)
            rows = pd.DataFrame(body, columns=range(width), dtype=object)
            frame, source_cols = _assemble(rows, header, table, dialect, delivery,
                                           f"{file}#{sheet}")
            frame["formula_cells"] = pd.Series(formula_cells, dtype=object)
            out[table] = SourceTable(table, f"{file}#{sheet}", sha, frame, source_cols)
    finally:
        wb.close()
        formulas_wb.close()
    if n_formulas and not n_cached:
        raise DeliveryError(dialect.centre_id, delivery, file,
                            f"the workbook holds {n_formulas} formula cell(s) and none has a "
                            "saved value (it was written by a program that does not compute "
                            "formulas): open it in a spreadsheet and save it, or export the "
                            "values, and deliver it again")
    return out


def delivery_file(delivery: Delivery, name: str, dialect: CentreDialect) -> Path | None:
    """The path of one export file of a delivery, or None when the delivery has none.

    Refused with a :class:`DeliveryError`: a name that leaves the delivery folder, a
    symbolic link (a file must be delivered, not pointed to) and anything but a regular file.
    """
    folder = delivery.path
    path = folder / name
    fail = lambda problem: DeliveryError(  # noqa: E731
        dialect.centre_id, delivery.delivery, name, problem)
    if folder.is_symlink():
        raise fail("the delivery folder is a symbolic link: refused")
    if path.is_symlink():
        raise fail("is a symbolic link: refused (an export file must be a regular file in "
                   "the delivery folder, not a link to elsewhere)")
    if not path.exists():
        return None
    if not path.resolve().is_relative_to(folder.resolve()):
        raise fail("resolves outside the delivery folder: refused")
    if not path.is_file():
        raise fail("is not a regular file")
    return path


def read_delivery(delivery: Delivery, dialect: CentreDialect) -> dict[str, SourceTable]:
    """Read all tables of one delivery; a table without a file is simply absent."""
    if dialect.format == "xlsx":
        path = delivery_file(delivery, dialect.workbook, dialect)
        if path is None:
            raise DeliveryError(dialect.centre_id, delivery.delivery, dialect.workbook,
                                "workbook not found in the delivery folder")
        return read_xlsx_tables(path, dialect, delivery.delivery)
    out: dict[str, SourceTable] = {}
    for table in TABLE_NAMES:
        path = delivery_file(delivery, dialect.source_name(table), dialect)
        if path is not None:
            out[table] = read_csv_table(path, table, dialect, delivery.delivery)
    return out
