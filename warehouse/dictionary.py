"""The data dictionary in the database: the registry's ``COMMENT ON`` statements, applied.

Source: issue 16 ("One declarative table registry"): the comments behind
``meta.data_dictionary`` (sql/publish/data_dictionary.sql), the dictionary page and the
export's data_dictionary.csv are generated from :mod:`schemas.registry`, not kept by hand.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from schemas.registry import Table, published_tables
from schemas.registry.comments import comment_sql
from warehouse.database import run_sql


def existing_relations(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """(schema, name) -> ``table`` or ``view`` for every relation of the current database."""
    return {(s, t): k for s, t, k in run_sql(con, "publish/existing_relations").fetchall()}


def comment_registry_tables(con: duckdb.DuckDBPyConnection,
                            tables: Iterable[Table] | None = None) -> list[str]:
    """Comment every registry entry of ``tables`` (default: all published) that exists here.

    An entry that is not (yet) in this database is left out; a registered column the table
    does not have is an error naming it (the registry and the SQL that builds the table
    disagree). Returns the qualified names commented.
    """
    present = existing_relations(con)
    done = []
    for table in published_tables() if tables is None else tables:
        if present.get((table.layer, table.name)) != table.kind:
            continue
        try:
            con.execute(comment_sql([table]))
        except duckdb.Error as exc:
            raise RuntimeError(f"data dictionary: the registry entry {table.qualified_name} "
                               f"does not fit the table in the database ({exc})") from exc
        done.append(table.qualified_name)
    return done
