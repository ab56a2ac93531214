"""The table registry is the one place column facts are declared; everything else agrees.

Source: issue 16 ("One declarative table registry"): the pandera schemas, the
great-expectations suites, the ``COMMENT ON`` statements behind meta.data_dictionary and
Dagster's TableSchema metadata are generated from the registry entry of each table.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import duckdb
import pandas as pd
import pytest

from assets.column_schemas import asset_key_of, column_schemas, table_schema
from data_quality.expectations import ExpectationSpec, generate_expectation_specs
from schemas import staging_models
from schemas.registry import (
    REGISTRY,
    STAGING_TABLES,
    Column,
    DateOrder,
    Table,
    TableCheck,
    produced_by,
    published_tables,
    table,
)
from schemas.registry.comments import comment_sql
from schemas.staging_models import staging_schema
from warehouse.database import SQL_DIR as REPO_SQL
from warehouse.dictionary import comment_registry_tables

#: the lineage order of the layers: an entry may only be derived from its own or lower ones
LAYER_ORDER = {"raw": 0, "staging": 1, "quarantine": 1, "harmonised": 2, "analysis": 3,
               "quality": 3, "outcomes": 4, "meta": 5}
DUCKDB_TYPE = {"text": "VARCHAR", "code": "VARCHAR", "json": "VARCHAR", "int": "BIGINT",
               "number": "DOUBLE", "bool": "BOOLEAN", "date": "DATE", "timestamp": "TIMESTAMP"}
ENTRIES = list(REGISTRY.values())


@pytest.mark.parametrize("entry", published_tables(), ids=lambda t: t.qualified_name)
def test_every_published_table_and_column_has_a_description(entry: Table) -> None:
    assert entry.description.strip(), entry.qualified_name
    assert entry.columns or entry.kind == "view", f"{entry.qualified_name} declares no columns"
    for column in entry.all_columns:
        assert column.description.strip(), f"{entry.qualified_name}.{column.name}"


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda t: t.qualified_name)
def test_entries_are_consistent(entry: Table) -> None:
    names = [c.name for c in entry.all_columns]
    assert len(names) == len(set(names)), f"{entry.qualified_name} repeats a column"
    assert set(entry.key) <= set(names), f"{entry.qualified_name}: key {entry.key} not columns"
    assert entry.producer, f"{entry.qualified_name} names no producer"
    for column in entry.all_columns:
        if column.minimum is not None and column.maximum is not None:
            assert column.minimum <= column.maximum, f"{entry.qualified_name}.{column.name}"
        if column.codes:
            assert column.kind == "code", f"{entry.qualified_name}.{column.name}: codes on a " \
                                          f"{column.kind} column"
    for check in entry.checks:
        if isinstance(check, TableCheck):
            assert (REPO_SQL / f"{check.sql_file}.sql").is_file(), (
                f"{entry.qualified_name}: {check.name} has no SQL file {check.sql_file}")
            continue
        shown = ((check.later, check.earlier) if isinstance(check, DateOrder)
                 else (check.column, *check.shows))
        assert set(shown) <= set(names), f"{entry.qualified_name}: {check} names no column"
    for dependency in entry.dependencies:
        layer = dependency.split(".")[0]
        assert LAYER_ORDER[layer] <= LAYER_ORDER[entry.layer], (
            f"{entry.qualified_name} depends on a higher layer: {dependency}")


def test_registry_names_a_missing_entry() -> None:
    with pytest.raises(KeyError, match="analysis.no_such_table"):
        table("analysis.no_such_table")


# --------------------------------------------------------------------------- pandera

@pytest.mark.parametrize("name", list(STAGING_TABLES))
def test_pandera_schema_agrees_with_the_registry(name: str) -> None:
    entry = STAGING_TABLES[name]
    schema = staging_models.STAGING_MODELS[name]
    assert list(schema.columns) == [c.name for c in entry.all_columns]
    for column in entry.all_columns:
        field = schema.columns[column.name]
        assert field.description == column.description
        assert field.nullable == column.nullable, column.name
        stats = {c.name: c.statistics for c in field.checks}
        if column.codes:
            assert list(stats["isin"]["allowed_values"]) == list(column.codes)
        else:
            assert "isin" not in stats
        if column.minimum is not None:
            assert stats["greater_than_or_equal_to"]["min_value"] == column.minimum
        if column.maximum is not None:
            assert stats["less_than_or_equal_to"]["max_value"] == column.maximum
        if column.pattern is not None:
            assert stats["str_matches"]["pattern"] == column.pattern
    assert sorted(c.name for c in schema.checks) == sorted(r.name for r in entry.row_checks())


def test_pandera_rejects_what_the_registry_forbids() -> None:
    entry = STAGING_TABLES["mutations"]
    frame = pd.DataFrame({
        "centre_id": pd.array(["LYS"] * 3, dtype="string[pyarrow]"),
        "delivery": pd.array(["2026-01-01"] * 3, dtype="string[pyarrow]"),
        "file": pd.array(["mutations.csv"] * 3, dtype="string[pyarrow]"),
        "source_row": [1, 2, 3],
        "patient_id": pd.array(["P1", "P2", ""], dtype="string[pyarrow]"),
        "gene": pd.array(["NPM1", "FLT3", "TP53"], dtype="string[pyarrow]"),
        "detected": pd.array([True, False, True], dtype="boolean"),
        "variant": pd.array([None, None, None], dtype="string[pyarrow]"),
        "vaf": [0.4, 1.7, None],
    })
    with pytest.raises(Exception) as caught:
        staging_schema(entry).validate(frame, lazy=True)
    cases = caught.value.failure_cases  # type: ignore[attr-defined]
    failed = set(zip(cases["column"], cases["check"], strict=True))
    assert ("vaf", "less_than_or_equal_to(1.0)") in failed
    assert ("patient_id", "str_length(1, None)") in failed


# --------------------------------------------------------------------------- great-expectations

def _specs_by(suite: str) -> list[ExpectationSpec]:
    return [s for s in generate_expectation_specs() if s.suite == suite]


@pytest.mark.parametrize("name", list(STAGING_TABLES))
def test_gx_suite_agrees_with_the_registry(name: str) -> None:
    entry = STAGING_TABLES[name]
    specs = _specs_by(name)
    codes = {s.column: s.kwargs["value_set"] for s in specs if s.check_name == "code_in_set"}
    assert codes == {c.name: list(c.codes) for c in entry.columns if c.codes}
    ranges = {s.column: (s.kwargs.get("min_value"), s.kwargs.get("max_value"))
              for s in specs if s.check_name == "value_in_range"}
    assert ranges == {c.name: (c.minimum, c.maximum) for c in entry.columns
                      if c.minimum is not None or c.maximum is not None}
    required = {s.column for s in specs if s.check_name == "is_required"}
    assert required == {c.name for c in entry.columns if c.required}
    (key,) = [s for s in specs if s.check_name == "primary_key_unique"]
    assert key.kwargs["column_list"] == ["centre_id", *entry.key]
    orders = {s.column for s in specs if s.check_name == "plausible_temporal_order"}
    assert orders == {o.name for o in entry.date_orders()}
    for spec in specs:
        if spec.column in entry.column_names:
            assert spec.column_description == entry.column(spec.column).description


# --------------------------------------------------------------------------- DuckDB comments

def _create_from_registry(con: duckdb.DuckDBPyConnection, entries: list[Table]) -> None:
    for entry in entries:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {entry.layer}")
        columns = ", ".join(f'"{c.name}" {DUCKDB_TYPE[c.kind]}' for c in entry.all_columns)
        if entry.kind == "view":
            con.execute(f'CREATE VIEW {entry.layer}."{entry.name}" AS SELECT '
                        + (", ".join(f'NULL::{DUCKDB_TYPE[c.kind]} AS "{c.name}"'
                                     for c in entry.all_columns) or "1 AS one"))
        else:
            con.execute(f'CREATE TABLE {entry.layer}."{entry.name}" ({columns})')


def test_duckdb_comments_and_data_dictionary_agree_with_the_registry() -> None:
    con = duckdb.connect()
    entries = published_tables()
    _create_from_registry(con, entries)
    done = comment_registry_tables(con)
    assert sorted(done) == sorted(t.qualified_name for t in entries)
    comments = {(s, t, c): d for s, t, c, d in con.execute(
        "SELECT schema_name, table_name, column_name, comment FROM duckdb_columns() "
        "WHERE database_name = current_database()").fetchall()}
    for entry in entries:
        for column in entry.all_columns:
            assert comments[(entry.layer, entry.name, column.name)] == column.description


def test_comment_sql_quotes_descriptions() -> None:
    entry = dataclasses.replace(STAGING_TABLES["patients"], layer="analysis")
    entry = entry.with_description("sex", "the patient's sex; it's 'female' or 'male'")
    text = comment_sql([entry])
    assert "'the patient''s sex; it''s ''female'' or ''male'''" in text


def test_a_registered_column_missing_from_the_table_is_named() -> None:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA meta")
    con.execute("CREATE TABLE meta.rekeys (rekey_id VARCHAR)")  # rekeyed_at etc. missing
    with pytest.raises(RuntimeError, match="meta.rekeys"):
        comment_registry_tables(con, [table("meta.rekeys")])


# --------------------------------------------------------------------------- Dagster

@pytest.mark.parametrize("entry", ENTRIES, ids=lambda t: t.qualified_name)
def test_table_schema_agrees_with_the_registry(entry: Table) -> None:
    schema = column_schemas()[asset_key_of(entry)]
    assert [c.name for c in schema.columns] == [c.name for c in entry.all_columns]
    for shown, column in zip(schema.columns, entry.all_columns, strict=True):
        assert shown.description.startswith(column.description)
        assert shown.constraints.nullable == column.nullable
        for code in column.codes:
            assert code in " ".join(shown.constraints.other)


# --------------------------------------------------------------------------- one fact, four uses

def test_changing_a_description_changes_all_four(monkeypatch: pytest.MonkeyPatch) -> None:
    """The one edit of an entry reaches pandera, GX, the DuckDB comment and the TableSchema."""
    new = "Variant allele fraction (0-1), from the registry test"
    changed = STAGING_TABLES["mutations"].with_description("vaf", new)
    monkeypatch.setitem(STAGING_TABLES, "mutations", changed)
    monkeypatch.setitem(REGISTRY, "staging.mutations", changed)
    staging_models.staging_model.cache_clear()
    try:
        assert staging_models.STAGING_MODELS["mutations"].columns["vaf"].description == new
        (vaf_range,) = [s for s in _specs_by("mutations") if s.column == "vaf"
                        and s.check_name == "value_in_range"]
        assert vaf_range.column_description == new
        vaf = next(c for c in column_schemas()["staging_mutations"].columns if c.name == "vaf")
        assert vaf.description == new
        con = duckdb.connect()
        published = dataclasses.replace(changed, layer="analysis")
        _create_from_registry(con, [published])
        comment_registry_tables(con, [published])
        assert con.execute("SELECT comment FROM duckdb_columns() WHERE table_name = 'mutations' "
                           "AND column_name = 'vaf'").fetchone()[0] == new
    finally:
        staging_models.staging_model.cache_clear()


def test_changing_a_published_description_changes_comment_and_table_schema(
        monkeypatch: pytest.MonkeyPatch) -> None:
    new = "Sex of the patient (registry test)"
    changed = table("analysis.patients").with_description("sex", new)
    monkeypatch.setitem(REGISTRY, "analysis.patients", changed)
    assert table_schema(changed).columns[[c.name for c in changed.all_columns].index(
        "sex")].description == new
    con = duckdb.connect()
    _create_from_registry(con, [changed])
    comment_registry_tables(con, [changed])
    assert con.execute("SELECT comment FROM duckdb_columns() WHERE table_name = 'patients' "
                       "AND column_name = 'sex'").fetchone()[0] == new


def test_outcome_layout_matches_the_statistics_output() -> None:
    """outcome_report writes the columns the registry documents, in the same order."""
    from outcome_report import SNAPSHOT_COLUMNS, TABLE_COLUMNS
    from outcome_report.schema import ANALYSIS_COLUMNS

    for name, columns in TABLE_COLUMNS.items():
        assert table(f"outcomes.{name}").column_names == [*columns, *SNAPSHOT_COLUMNS], name
    for name, columns in ANALYSIS_COLUMNS.items():
        assert table(f"analysis.{name}").column_names == [*columns, *SNAPSHOT_COLUMNS], name


def test_the_registry_is_plain_data() -> None:
    """Importing the registry loads no Dagster, pandas, pandera or DuckDB (any layer reads it)."""
    probe = ("import sys, schemas.registry, schemas.registry.comments; "
             "print(sorted({m.split('.')[0] for m in sys.modules} & "
             "{'dagster', 'pandas', 'pandera', 'duckdb', 'great_expectations'}))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
    assert all(type(c) is Column for entry in ENTRIES for c in entry.all_columns)


def test_analysis_assets_and_their_lineage_come_from_the_registry() -> None:
    from assets.analysis import _DEPS, ANALYSIS_TABLES, QUALITY_TABLES

    entries = [t for t in produced_by("analysis_tables") if t.kind == "table"
               and t.layer in ("analysis", "quality")]
    assert [t.name for t in entries] == [*ANALYSIS_TABLES, *QUALITY_TABLES]
    assert [k.to_user_string() for k in _DEPS["treatment_lines"]] == [
        "harmonised_patients", "staging_treatment_lines"]
    assert "quarantine_rows" in {k.to_user_string() for k in _DEPS["row_accounting"]}
