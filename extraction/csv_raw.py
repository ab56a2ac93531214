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


def _blank_line(n_fields: int) -> str:
    """A record of one field of spaces and tabs only (an empty line is skipped by DuckDB);
    ``n_fields`` is the header's, the records have one column more (the overflow, so c1
    exists: NULL = padded)."""
    return "c1 IS NULL AND trim(c0, ' \t') = ''"


def _missing_fields(n_fields: int) -> str:
    """The header's fields minus the record's: its NULL cells (only padding gives NULL),
    less one when it filled the overflow column."""
    return " + ".join([*(f"(c{i} IS NULL)::INTEGER" for i in range(n_fields)),
                       f"-(c{n_fields} IS NOT NULL)::INTEGER"])


def _parse_error(dialect: CentreDialect, delivery: str, file: str, problem: str,
                 row: int | None = None) -> DeliveryError:
    return DeliveryError(dialect.centre_id, delivery, file,
                         f"cannot parse as CSV with delimiter {dialect.delimiter!r}: {problem}",
                         row=row)


def _duckdb_problem(exc: duckdb.Error) -> str:
    """The first line of a DuckDB reader error, never the record it quotes."""
    first = str(exc).split("\n", 1)[0]
    return first.split("Original Line", 1)[0].strip()


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


def _unmapped_fragments(unknown: list[int]) -> tuple[str, str]:
    """The SQL of the unknown columns' cells and of their JSON object (NULL without any)."""
    if not unknown:
        return "NULL", "NULL::VARCHAR"
    cells, json_object = _render("raw/unmapped_cells", cells=", ".join(
        f"c{i}" for i in unknown)).split("\n-- json\n")
    return cells, json_object


def _insert(con: duckdb.DuckDBPyConnection, sql: str, params: dict, source: CsvFile,
            dialect: CentreDialect, delivery: str) -> int:
    """Run the streamed read-and-insert; DuckDB's parallel scanner is used for files
    without quotes (it cannot pad short records around quoted line ends)."""
    try:
        return int(con.execute(sql, {**params, "parallel": not source.has_quotes}
                               ).fetchone()[0])
    except duckdb.Error as exc:
        raise _parse_error(dialect, delivery, source.delivered.name,
                           f"DuckDB's CSV reader refuses the file ({_duckdb_problem(exc)})"
                           ) from exc


def _check_file(con: duckdb.DuckDBPyConnection, source: CsvFile, table: str, n_fields: int,
                rows: int, lineage: dict, dialect: CentreDialect, delivery: str) -> None:
    """Fail the file (the caller's transaction is rolled back) for a last row cut short
    without a line end, a record with more fields than the header, or any record DuckDB's
    strict mode rejected (every row must reach raw, in its columns), in that order."""
    file = source.delivered.name
    empty = " AND ".join(f"coalesce({_quoted(c)}, '') = ''"
                         for c in CANONICAL_TABLES[table].column_names)
    long_row, long_fields, last_row, last_fields, last_empty = con.execute(_render(
        "raw/csv_file_checks", table=table, n_header=str(n_fields), canonical_empty=empty),
        lineage).fetchone()
    if not source.ends_with_line_end and rows and (last_fields < n_fields or last_empty):
        raise DeliveryError(dialect.centre_id, delivery, file,
                            f"file is truncated: the last row has {last_fields} of "
                            f"{n_fields} fields and no line end", row=int(last_row))
    row = too_many = found = error_types = None
    reject = run_sql(con, "raw/first_csv_reject").fetchone()
    if reject is not None:
        line, line_start, too_many, error_types, found = reject
        # DuckDB's line 1 is the header line; rows count records, without blank lines
        row = max(int(line) - 1 - _blank_lines_before(source.path, int(line_start or 0)), 1)
    if long_row is not None and (row is None or long_row <= row):
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


def load_csv_into_raw(con: duckdb.DuckDBPyConnection, source: CsvFile, table: str,
                      dialect: CentreDialect, delivery: str, loaded_at: dt.datetime,
                      file_sha256: str | None = None) -> tuple[int, list[str]]:
    """Read one prepared CSV file with DuckDB straight into ``raw.<table>`` and check it.

    The raw table must exist (and hold no rows of this file). Returns the rows inserted and
    the source column names (the header, stripped). Runs inside the caller's transaction,
    which must be rolled back when this raises :class:`DeliveryError`.
    """
    file = source.delivered.name
    header = source.header
    n_fields = len(header)
    if source.unclosed_quote_row is not None:
        raise _parse_error(dialect, delivery, file,
                           "a quoted value opened in this row is never closed (EOF inside "
                           "string): check quoting", row=source.unclosed_quote_row)
    try:
        canonical, source_columns = map_header(header, table, dialect, delivery, file)
        header_error = None
    except DeliveryError as exc:
        # reported after the faults of the records, as the pandas reader did: the file is
        # still read (every column unknown) so that a truncation or a long record comes first
        header_error = exc
        canonical, source_columns = [None] * n_fields, [h.strip() for h in header]
    by_name = {target: i for i, target in enumerate(canonical) if target is not None}
    unknown = [i for i, target in enumerate(canonical) if target is None]
    columns = ", ".join(
        # a padded cell (a short record) is '' as the C parser padded it; missing_fields
        # keeps how many fields the record lacked
        f"coalesce(c{by_name[c]}, '') AS {_quoted(c)}" if c in by_name
        else f"NULL::VARCHAR AS {_quoted(c)}"
        for c in CANONICAL_TABLES[table].column_names)
    unmapped_cells, unmapped_json = _unmapped_fragments(unknown)
    sql = _render("raw/insert_csv_rows", table=table, canonical_columns=columns,
                  blank_line=_blank_line(n_fields), unmapped_cells=unmapped_cells,
                  unmapped_json=unmapped_json, missing_fields=_missing_fields(n_fields))
    lineage = {"centre_id": dialect.centre_id, "delivery": delivery, "file": file}
    params = {**lineage, "file_sha256": file_sha256 or source.sha256, "loaded_at": loaded_at,
              "path": str(source.path), "delimiter": dialect.delimiter,
              "columns": {f"c{i}": "VARCHAR" for i in range(n_fields + 1)},
              "nullstr": "\x1fnull:" + secrets.token_hex(16)}
    if unknown:
        params |= {"unmapped_names": [source_columns[i] for i in unknown],
                   "missing": ["", *dialect.missing], "whitespace": WHITESPACE}
    run_sql(con, "raw/drop_csv_records")
    try:
        rows = _insert(con, sql, params, source, dialect, delivery)
        _check_file(con, source, table, n_fields, rows, lineage, dialect, delivery)
        if header_error is not None:
            raise header_error
    finally:
        run_sql(con, "raw/drop_csv_records")
    return rows, source_columns
