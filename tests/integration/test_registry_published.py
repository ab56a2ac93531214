"""The published file's data dictionary is the table registry's, table by table.

Source: issue 16 ("One declarative table registry"): meta.data_dictionary is generated from
the registry entries, and every published table is declared there with its columns' types.
"""

from __future__ import annotations

import pytest

from schemas.registry import REGISTRY, published_tables

# share the session's one refresh of the default registry on one xdist worker
pytestmark = pytest.mark.xdist_group("default_registry")

#: the DuckDB types a registry kind may be stored as
STORED_AS = {
    "text": ("VARCHAR",), "code": ("VARCHAR",), "json": ("VARCHAR", "JSON"),
    "int": ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UINTEGER", "UBIGINT"),
    # a number may be whole (counts that are never missing are stored as integers)
    "number": ("DOUBLE", "FLOAT", "DECIMAL", "TINYINT", "SMALLINT", "INTEGER", "BIGINT",
               "HUGEINT"),
    "bool": ("BOOLEAN",), "date": ("DATE",),
    "timestamp": ("TIMESTAMP", "TIMESTAMP WITH TIME ZONE"),
}


def test_every_published_relation_is_a_registry_entry(published) -> None:
    relations = {f"{s}.{t}" for s, t in published.execute(
        "SELECT DISTINCT schema_name, table_name FROM meta.data_dictionary").fetchall()}
    # matched_pairs_outcomes: created only with matched pairs; its columns are all inherited
    unregistered = relations - set(REGISTRY) - {"analysis.matched_pairs_outcomes"}
    assert unregistered == set()


def test_data_dictionary_holds_the_registry_descriptions_and_types(published) -> None:
    rows = published.execute(
        "SELECT schema_name, table_name, table_description, column_name, data_type, "
        "column_description FROM meta.data_dictionary").fetchall()
    found = {(s, t, c): (td, ty, cd) for s, t, td, c, ty, cd in rows}
    for entry in published_tables():
        for column in entry.all_columns:
            where = (entry.layer, entry.name, column.name)
            assert where in found, f"{entry.qualified_name}.{column.name} is not published"
            table_description, data_type, description = found[where]
            assert table_description == entry.description, entry.qualified_name
            assert description == column.description, f"{entry.qualified_name}.{column.name}"
            stored = data_type.split("(")[0]
            if stored not in STORED_AS[column.kind]:
                # a column without any value is stored as text (warehouse.database)
                nulls = published.execute(
                    f'SELECT count("{column.name}") FROM {entry.layer}."{entry.name}"'
                ).fetchone()[0]
                assert stored == "VARCHAR" and nulls == 0, (
                    f"{entry.qualified_name}.{column.name} is {data_type}, the registry "
                    f"says {column.kind}")


def test_view_columns_inherit_registry_descriptions(published) -> None:
    missing = published.execute(
        "SELECT table_name, column_name FROM meta.data_dictionary "
        "WHERE table_kind = 'view' AND column_description IS NULL").fetchall()
    assert missing == []
