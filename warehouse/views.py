"""The analysts' cohort views (``sql/analysis/view_*.sql``), created in the published file.

Source: issue 19 ("Analyst views for the cohorts the study uses ... so that common questions
need no joins"); cohorts as in ../shared/spec/outcomes.md (AZA/VEN R/R, IC comparator,
matched pairs). Each view and column carries a COMMENT, so meta.data_dictionary lists them.
"""

from __future__ import annotations

import duckdb

from schemas.registry import tables_of
from warehouse.database import run_sql, table_exists
from warehouse.dictionary import comment_registry_tables

#: views in creation order (later ones read earlier ones)
ANALYST_VIEWS = ("transplanted_outcomes", "azaven_rr_transplanted",
                 "ic_comparator_transplanted", "patient_endpoints")
#: created only when its source table exists (analysis.matched_pairs comes from the matching)
MATCHED_PAIRS_VIEW = "matched_pairs_outcomes"


def _has_patient_key(con: duckdb.DuckDBPyConnection, fqn: str) -> bool:
    schema, table = fqn.split(".")
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = ? AND table_name = ? AND column_name = 'patient_key'",
        [schema, table]).fetchone()[0])


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def create_analyst_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create the analyst views and their comments; return the views created.

    ``analysis.matched_pairs_outcomes`` is created only when ``analysis.matched_pairs``
    exists with a ``patient_key`` column, so a registry without matching still publishes.
    Columns taken from a table get that table's comment (sql/publish/view_inherited_comments).
    """
    created = []
    for view in ANALYST_VIEWS:
        run_sql(con, f"analysis/view_{view}")
        created.append(f"analysis.{view}")
    if table_exists(con, "analysis.matched_pairs") and _has_patient_key(
            con, "analysis.matched_pairs"):
        run_sql(con, f"analysis/view_{MATCHED_PAIRS_VIEW}")
        created.append(f"analysis.{MATCHED_PAIRS_VIEW}")
    comment_registry_tables(con, [t for t in tables_of("analysis", "meta") if t.kind == "view"])
    inherited = run_sql(con, "publish/view_inherited_comments").fetchall()
    for view, column, comment in inherited:
        con.execute(f"COMMENT ON COLUMN analysis.{_quoted(view)}.{_quoted(column)} IS "
                    f"{_literal(comment)}")
    return created
