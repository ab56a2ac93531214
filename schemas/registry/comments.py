"""``COMMENT ON`` statements generated from the registry: the published data dictionary.

Source: DuckDB's ``COMMENT ON`` (https://duckdb.org/docs/sql/statements/comment_on);
``meta.data_dictionary`` (sql/publish/data_dictionary.sql) lists the comments, so the
dictionary, its page and the export's data_dictionary.csv all come from these entries.
Pure text generation: the caller runs the statements (:mod:`warehouse.dictionary`).
"""

from __future__ import annotations

from collections.abc import Iterable

from schemas.registry.model import Table


def sql_literal(text: str) -> str:
    """A SQL string literal (quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    """A quoted SQL identifier (``group``, ``min`` and ``text`` are keywords)."""
    return '"' + name.replace('"', '""') + '"'


def comment_statements(table: Table) -> list[str]:
    """The table's (or view's) comment, then one per column, in column order."""
    target = f"{table.layer}.{sql_identifier(table.name)}"
    out = [f"COMMENT ON {table.kind.upper()} {target} IS {sql_literal(table.description)}"]
    out += [f"COMMENT ON COLUMN {target}.{sql_identifier(c.name)} IS "
            f"{sql_literal(c.description)}" for c in table.all_columns]
    return out


def comment_sql(tables: Iterable[Table]) -> str:
    """Every statement of ``tables`` as one SQL text (one statement per line)."""
    return "".join(s + ";\n" for t in tables for s in comment_statements(t))
