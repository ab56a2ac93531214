"""Reading one delivery's files, verbatim as text, with the centre's dialect.

Source: ../shared/spec/export-format.md. Every source row is kept as text (no value is
changed here); source columns are renamed to their canonical names, and columns the dialect
does not know are kept in ``unmapped`` (JSON) so that staging can quarantine the row.
A CSV file is never read into a Python frame: it is hashed and decoded in one streamed pass
(:mod:`extraction.csv_source`) and loaded by DuckDB's own CSV reader straight into its raw
table (:mod:`extraction.csv_raw`). A workbook is read with openpyxl (read-only). A file that
cannot be read as a whole (undecodable bytes, truncated, missing required column, unreadable
workbook) raises :class:`DeliveryError`, which fails the centre.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from extraction.csv_raw import load_csv_into_raw
from extraction.csv_source import (
    CsvFile,
    file_sha256,
    prepare_csv,
    private_workdir,
    remove_workdir,
)
from extraction.deliveries import Delivery
from extraction.errors import DeliveryError
from extraction.header import map_header
from schemas.canonical import CANONICAL_TABLES, TABLE_NAMES
from schemas.dialect import CentreDialect

__all__ = ["LINEAGE_COLUMNS", "DeliveryError", "SourceTable", "delivery_file",
           "raw_arrow_schema", "read_csv_table", "read_delivery", "read_xlsx_tables"]

LINEAGE_COLUMNS = ("centre_id", "delivery", "file", "source_row", "file_sha256")


def raw_arrow_schema(table: str) -> pa.Schema:
    """Raw layer columns: lineage, every canonical column as text, the values of unmapped
    source columns (JSON), how many fields the source record lacked (``missing_fields``) and
    the workbook cells holding a formula without a saved value (``formula_cells``)."""
    fields = [
        pa.field("centre_id", pa.string()), pa.field("delivery", pa.string()),
        pa.field("file", pa.string()), pa.field("source_row", pa.int64()),
        pa.field("file_sha256", pa.string()), pa.field("loaded_at", pa.timestamp("us")),
    ]
    fields += [pa.field(c, pa.string()) for c in CANONICAL_TABLES[table].column_names]
    fields.append(pa.field("unmapped", pa.string()))
    fields.append(pa.field("missing_fields", pa.int32()))
    fields.append(pa.field("formula_cells", pa.string()))
    return pa.schema(fields)


@dataclass
class SourceTable:
    """One canonical table of one delivery, with lineage.

    A workbook sheet carries its rows as text in ``frame`` (source_row, canonical text
    columns, unmapped, missing_fields, formula_cells: cells holding a formula without saved
    value). A CSV file carries ``csv``, the prepared file DuckDB loads into raw; its row count
    is known once loaded (``row_count``).
    """

    table: str
    file: str
    sha256: str
    source_columns: list[str]
    frame: pd.DataFrame | None = None
    csv: CsvFile | None = None
    row_count: int | None = None

    @property
    def rows(self) -> int:
        if self.frame is not None:
            return len(self.frame)
        if self.row_count is None:
            raise ValueError(f"{self.file}: rows are counted when the file is loaded into raw")
        return self.row_count


def _assemble(rows: pd.DataFrame, header: list[str], table: str, dialect: CentreDialect,
              delivery: str, file: str) -> tuple[pd.DataFrame, list[str]]:
    """Workbook rows (text) as raw rows: canonical names, unknown columns' values in
    ``unmapped`` (only cells that hold a value: an empty unknown column loses nothing)."""
    canonical, source_cols = map_header(header, table, dialect, delivery, file)
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
    out["missing_fields"] = np.zeros(len(rows), np.int32)
    out["formula_cells"] = None
    cols = ["source_row", *CANONICAL_TABLES[table].column_names, "unmapped", "missing_fields",
            "formula_cells"]
    return out[cols].reset_index(drop=True), source_cols


def prepare_csv_table(path: Path, table: str, dialect: CentreDialect, delivery: str,
                      workdir: Path) -> SourceTable:
    """One CSV export file hashed, decoded and made ready for DuckDB (streamed, no rows in
    Python); :func:`extraction.csv_raw.load_csv_into_raw` loads it."""
    source = prepare_csv(path, dialect, delivery, workdir)
    return SourceTable(table, path.name, source.sha256, [h.strip() for h in source.header],
                       csv=source)


def read_csv_table(path: Path, table: str, dialect: CentreDialect, delivery: str) -> SourceTable:
    """Read one CSV export file verbatim (all text) as the raw layer holds it, into a frame.

    The same path as the pipeline's (streamed preparation, DuckDB's reader, the raw SQL), run
    on a private in-memory database; for tests and small files (the pipeline never builds
    the frame).
    """
    workdir = private_workdir(None)
    try:
        prepared = prepare_csv_table(path, table, dialect, delivery, workdir)
        with duckdb.connect() as con:
            con.execute("CREATE SCHEMA raw")
            con.register("_empty", pa.Table.from_pylist([], schema=raw_arrow_schema(table)))
            con.execute(f"CREATE TABLE raw.{table} AS SELECT * FROM _empty")
            rows, columns = load_csv_into_raw(con, prepared.csv, table, dialect, delivery,
                                              dt.datetime(2000, 1, 1))
            names = ["source_row", *CANONICAL_TABLES[table].column_names, "unmapped",
                     "missing_fields", "formula_cells"]
            frame = con.execute(f"SELECT {', '.join(names)} FROM raw.{table} "
                                "ORDER BY source_row").df()
    finally:
        remove_workdir(workdir)
    return SourceTable(table, path.name, prepared.sha256, columns, frame=frame)


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


#: a formula element of SpreadsheetML (``<f>``, ``<f t="shared" .../>``, any namespace prefix)
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")


def _sheet_has_formulas(path: Path, worksheet: object) -> bool:
    """Whether a worksheet's XML holds any formula element, by a streamed byte scan of its
    part in the package (ECMA-376 Part 1, 18.3.1.40 ``f``): a sheet without formulas needs no
    second, formula-reading parse. True when the part cannot be located (then it is read)."""
    member = getattr(worksheet, "_worksheet_path", None)
    if not member:
        return True
    try:
        with zipfile.ZipFile(path) as archive, archive.open(member) as part:
            tail = b""
            while block := part.read(1 << 20):
                if _FORMULA_TAG.search(tail + block):
                    return True
                tail = block[-64:]
    except (KeyError, OSError, zipfile.BadZipFile):
        return True
    return False


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
    sha = file_sha256(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise DeliveryError(dialect.centre_id, delivery, file,
                            f"unreadable workbook ({type(exc).__name__})") from exc
    formulas_wb = None  # opened only when a sheet holds formulas (a second full parse)
    out: dict[str, SourceTable] = {}
    n_formulas = n_cached = 0
    try:
        for table in TABLE_NAMES:
            sheet = dialect.source_name(table)
            if sheet not in wb.sheetnames:
                continue
            it = wb[sheet].iter_rows(values_only=True)
            has_formulas = _sheet_has_formulas(path, wb[sheet])
            if has_formulas and formulas_wb is None:
                try:
                    formulas_wb = load_workbook(path, read_only=True, data_only=False)
                except Exception as exc:  # openpyxl raises many types for a damaged workbook
                    raise DeliveryError(dialect.centre_id, delivery, file,
                                        f"unreadable workbook ({type(exc).__name__})") from exc
            formula_it = (formulas_wb[sheet].iter_rows(values_only=True)
                          if has_formulas else repeat(()))
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
            out[table] = SourceTable(table, f"{file}#{sheet}", sha, source_cols, frame=frame)
    finally:
        wb.close()
        if formulas_wb is not None:
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


def read_delivery(delivery: Delivery, dialect: CentreDialect, workdir: Path
                  ) -> dict[str, SourceTable]:
    """Read all tables of one delivery; a table without a file is simply absent.

    Workbook sheets are read into frames; CSV files are only prepared (hashed, decoded, a
    UTF-8 copy in ``workdir`` where DuckDB needs one) and loaded into raw by the caller.
    """
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
            out[table] = prepare_csv_table(path, table, dialect, delivery.delivery, workdir)
    return out
