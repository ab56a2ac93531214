"""A delivered CSV file into its raw table by DuckDB's own CSV reader, no pandas frame.

Source: ../shared/spec/export-format.md; issue 16 ("Raw loading by DuckDB's CSV reader.
Field-count errors come from its strict mode / rejects tables"). DuckDB reads the file
(prepared by :mod:`extraction.csv_source`: UTF-8, consistent line ends) with every field as
text into a temporary table; the SQL of ``sql/raw/`` checks it and inserts it into
``raw.<table>``: source columns renamed to their canonical names, unknown columns kept in
``unmapped`` (JSON), ``source_row`` and ``missing_fields`` per record. A file DuckDB cannot
read as a whole raises :class:`DeliveryError` naming the centre, delivery, file and row, with
today's messages (a record with more fields than the header, a file cut at its end, a quoted
value never closed).
"""

from __future__ import annotations

import datetime as dt
import secrets
import sys
from pathlib import Path

import duckdb

from extraction.csv_source import CsvFile
from extraction.errors import DeliveryError
from extraction.header import map_header
from schemas.canonical import CANONICAL_TABLES
from schemas.dialect import CentreDialect
from warehouse.database import run_sql, sql_text

#: the characters Python's str.strip() removes (a cell of only these is blank)
WHITESPACE = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _render(name: str, **fragments: str) -> str:
    """``sql/<name>.sql`` with its ``{fragment}`` placeholders filled by generated SQL (column
    lists of c0, c1, ... and quoted canonical names only; values are always parameters)."""
    text = sql_text(name)
    for key, value in fragments.items():
        text = text.replace("{" + key + "}", value)
    return text


def _cells(n_fields: int) -> str:
    return ", ".join(f"c{i}" for i in range(n_fields))


def _blank_line(n_fields: int) -> str:
    """A record of one field of spaces and tabs only (an empty line is skipped by DuckDB);
    ``n_fields`` is the header's, the records have one column more (the overflow, so c1
    exists: NULL = padded)."""
    return "c1 IS NULL AND trim(c0, ' \t') = ''"


def _missing_fields(n_fields: int) -> str:
    """Fields a record lacks against the header: NULL cells (only padding gives NULL)."""
    return " + ".join(f"(c{i} IS NULL)::INTEGER" for i in range(n_fields))


def _parse_error(dialect: CentreDialect, delivery: str, file: str, problem: str,
                 row: int | None = None) -> DeliveryError:
    return DeliveryError(dialect.centre_id, delivery, file,
                         f"cannot parse as CSV with delimiter {dialect.delimiter!r}: {problem}",
                         row=row)


def _duckdb_problem(exc: duckdb.Error) -> str:
    """The first line of a DuckDB reader error, never the record it quotes."""
    first = str(exc).split("\n", 1)[0]
    return first.split("Original Line", 1)[0].strip()


def _read_records(con: duckdb.DuckDBPyConnection, source: CsvFile, n_columns: int,
                  dialect: CentreDialect, delivery: str) -> None:
    """DuckDB's reader over the file into ``temp.csv_records`` (parallel where it can be):
    ``n_columns`` text columns c0, c1, ... (the header's fields and one overflow column)."""
    params = {"path": str(source.path),
              "columns": {f"c{i}": "VARCHAR" for i in range(n_columns)},
              "delimiter": dialect.delimiter, "nullstr": "\x1fnull:" + secrets.token_hex(16)}
    run_sql(con, "raw/drop_csv_records")
    for parallel in (True, False):
        try:
            run_sql(con, "raw/read_csv_records", {**params, "parallel": parallel})
            return
        except duckdb.Error as exc:
            # DuckDB's parallel scanner cannot pad short records around quoted line ends
            if parallel and "parallel=false" in str(exc):
                run_sql(con, "raw/drop_csv_records")
                continue
            raise _parse_error(dialect, delivery, source.delivered.name,
                               f"DuckDB's CSV reader refuses the file ({_duckdb_problem(exc)})"
                               ) from exc


def _blank_lines_before(path: Path, byte_position: int) -> int:
    """Empty lines and lines of spaces and tabs before a byte position: DuckDB's line
    numbers count them, the rows of a file do not (only asked for a rejected record)."""
    blank = seen = 0
    with open(path, "rb") as fh:
        for line in fh:
            if seen >= byte_position:
                break
            seen += len(line)
            blank += line.strip(b" \t\r\n") == b""
    return blank


def _check_field_counts(con: duckdb.DuckDBPyConnection, source: CsvFile, n_fields: int,
                        first_long_record: int | None, dialect: CentreDialect,
                        delivery: str) -> None:
    """A record with more fields than the header (it filled the overflow column, or DuckDB's
    strict mode rejected it) or any other record DuckDB rejected fails the file, naming the
    first such row: every row must reach raw, in its columns."""
    reject = run_sql(con, "raw/first_csv_reject").fetchone()
    file = source.delivered.name
    row = too_many = found = error_types = None
    if reject is not None:
        line, line_start, too_many, error_types, found = reject
        # DuckDB's line 1 is the header line; rows count records, without blank lines
        row = max(int(line) - 1 - _blank_lines_before(source.path, int(line_start or 0)), 1)
    if first_long_record is not None:
        long_row, long_fields = con.execute(
            _render("raw/first_long_csv_record", cells=_cells(n_fields + 1),
                    blank_line=_blank_line(n_fields)),
            {"record": first_long_record}).fetchone()
        if row is None or long_row <= row:
            row, too_many, found = int(long_row), True, int(long_fields)
    if row is None:
        return
    if too_many:
        fields = f"{found} fields" if found else "more fields"
        raise DeliveryError(dialect.centre_id, delivery, file,
                            f"the record has {fields} but the header has {n_fields} (a "
                            f"delimiter inside an unquoted value, or one at the end of every "
                            f"data line?)", row=row)
    raise _parse_error(dialect, delivery, file,
                       f"DuckDB's CSV reader rejects the record ({str(error_types).lower()}): "
                       f"check quoting and line ends", row=row)


def _check_truncation(con: duckdb.DuckDBPyConnection, source: CsvFile, n_fields: int,
                      rows: int, dialect: CentreDialect, delivery: str) -> None:
    """A file without a line end after a last record cut short (or all empty) was cut."""
    if source.ends_with_line_end or not rows:
        return
    last = con.execute(_render("raw/last_csv_record", cells=_cells(n_fields + 1),
                               blank_line=_blank_line(n_fields))).fetchone()
    if last is None:
        return
    fields, all_empty = last
    if fields < n_fields or all_empty:
        raise DeliveryError(dialect.centre_id, delivery, source.delivered.name,
                            f"file is truncated: the last row has {fields} of {n_fields} "
                            f"fields and no line end", row=rows)


def _unmapped_fragments(unknown: list[int]) -> tuple[str, str]:
    """The SQL of the unknown columns' cells and of their JSON object (NULL without any)."""
    if not unknown:
        return "NULL", "NULL::VARCHAR"
    cells, json_object = _render("raw/unmapped_cells", cells=", ".join(
        f"c{i}" for i in unknown)).split("\n-- json\n")
    return cells, json_object


def load_csv_into_raw(con: duckdb.DuckDBPyConnection, source: CsvFile, table: str,
                      dialect: CentreDialect, delivery: str, loaded_at: dt.datetime,
                      file_sha256: str | None = None) -> tuple[int, list[str]]:
    """Read one prepared CSV file with DuckDB and insert its records into ``raw.<table>``.

    The raw table must exist (and hold no rows of this file). Returns the rows inserted and
    the source column names (the header, stripped). Runs inside the caller's transaction.
    """
    file = source.delivered.name
    header = source.header
    n_fields = len(header)
    if source.unclosed_quote_row is not None:
        raise _parse_error(dialect, delivery, file,
                           "a quoted value opened in this row is never closed (EOF inside "
                           "string): check quoting", row=source.unclosed_quote_row)
    try:
        _read_records(con, source, n_fields + 1, dialect, delivery)
        rows, first_long_record = con.execute(_render(
            "raw/csv_records_summary", blank_line=_blank_line(n_fields),
            overflow=f"c{n_fields}")).fetchone()
        _check_truncation(con, source, n_fields, rows, dialect, delivery)
        _check_field_counts(con, source, n_fields, first_long_record, dialect, delivery)
        canonical, source_columns = map_header(header, table, dialect, delivery, file)
        by_name = {target: i for i, target in enumerate(canonical) if target is not None}
        unknown = [i for i, target in enumerate(canonical) if target is None]
        columns = ", ".join(
            f"c{by_name[c]} AS {_quoted(c)}" if c in by_name else f"NULL::VARCHAR AS {_quoted(c)}"
            for c in CANONICAL_TABLES[table].column_names)
        unmapped_cells, unmapped_json = _unmapped_fragments(unknown)
        sql = _render("raw/insert_csv_rows", table=table, canonical_columns=columns,
                      blank_line=_blank_line(n_fields), unmapped_cells=unmapped_cells,
                      unmapped_json=unmapped_json, missing_fields=_missing_fields(n_fields))
        params = {"centre_id": dialect.centre_id, "delivery": delivery, "file": file,
                  "file_sha256": file_sha256 or source.sha256, "loaded_at": loaded_at}
        if unknown:
            params |= {"unmapped_names": [source_columns[i] for i in unknown],
                       "missing": ["", *dialect.missing], "whitespace": WHITESPACE}
        inserted = con.execute(sql, params).fetchone()[0]
    finally:
        run_sql(con, "raw/drop_csv_records")
    return int(inserted), source_columns
