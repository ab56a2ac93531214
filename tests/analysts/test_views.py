"""The analyst views of the published file: cohorts without joins, documented, no dates."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from warehouse.views import ANALYST_VIEWS, create_analyst_views

pytestmark = pytest.mark.xdist_group("default_registry")  # the shared refresh: one worker builds it


@pytest.fixture()
def published(registry_db: Path):
    con = duckdb.connect(str(registry_db), read_only=True)
    yield con
    con.close()


def test_views_are_published_and_documented(published) -> None:
    views = {r[0]: r[1] for r in published.execute(
        "SELECT view_name, comment FROM duckdb_views() WHERE schema_name = 'analysis'"
    ).fetchall()}
    assert set(ANALYST_VIEWS) <= set(views)
    assert all(views[v] for v in ANALYST_VIEWS)
    undocumented = published.execute(
        "SELECT table_name, column_name FROM meta.data_dictionary WHERE table_kind = 'view' "
        "AND (column_description IS NULL OR table_description IS NULL)").fetchall()
    assert undocumented == []
    listed = {r[0] for r in published.execute(
        "SELECT DISTINCT table_name FROM meta.data_dictionary WHERE table_kind = 'view'"
    ).fetchall()}
    assert set(ANALYST_VIEWS) <= listed


def test_cohort_views_hold_the_cohorts_with_their_endpoints(published) -> None:
    for view, cohort in (("azaven_rr_transplanted", "azaven_rr"),
                         ("ic_comparator_transplanted", "ic_comparator")):
        n_view, n_distinct = published.execute(
            f"SELECT count(*), count(DISTINCT patient_key) FROM analysis.{view}").fetchone()
        n_table = published.execute(
            "SELECT count(DISTINCT patient_key) FROM analysis.endpoints WHERE cohort = ?",
            [cohort]).fetchone()[0]
        assert n_view == n_distinct == n_table > 0, view
        mismatched = published.execute(
            f"SELECT count(*) FROM analysis.{view} v JOIN analysis.endpoints e "
            "USING (patient_key) WHERE (e.endpoint = 'OS' AND (v.os_time_days <> e.time_days "
            "OR v.os_status <> e.status)) OR (e.endpoint = 'CIR' AND "
            "(v.cir_time_days <> e.time_days OR v.cir_status <> e.status))").fetchone()[0]
        assert mismatched == 0
    long_rows = published.execute("SELECT count(*) FROM analysis.patient_endpoints").fetchone()
    assert long_rows[0] == published.execute("SELECT count(*) FROM analysis.endpoints"
                                             ).fetchone()[0]


def test_views_carry_no_calendar_dates(published) -> None:
    typed = published.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE "
        "schema_name = 'analysis' AND table_name IN (SELECT view_name FROM duckdb_views()) "
        "AND (data_type IN ('DATE', 'TIMESTAMP') OR column_name LIKE '%\\_date' ESCAPE '\\')"
    ).fetchall()
    assert typed == []


def test_matched_pairs_view_appears_with_the_table(registry_db, tmp_path) -> None:
    """The published registry has analysis.matched_pairs (the report's matching), so the view
    is there; a registry without the table publishes without the view."""
    copy = tmp_path / "registry.duckdb"
    shutil.copyfile(registry_db, copy)
    con = duckdb.connect(str(copy))
    try:
        assert "analysis.matched_pairs_outcomes" in create_analyst_views(con)
        n_pairs, n_view = con.execute(
            "SELECT (SELECT count(*) FROM analysis.matched_pairs), "
            "(SELECT count(*) FROM analysis.matched_pairs_outcomes)").fetchone()
        assert n_view == n_pairs > 0
        missing = con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = "
            "'matched_pairs_outcomes' AND comment IS NULL").fetchall()
        assert missing == []
        con.execute("DROP VIEW analysis.matched_pairs_outcomes")
        con.execute("DROP TABLE analysis.matched_pairs")
        assert "analysis.matched_pairs_outcomes" not in create_analyst_views(con)
    finally:
        con.close()
