"""The full refresh of the default synthetic registry, asserted on the published DuckDB file."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from registry_fixtures import REGISTRY_TEST_KEY as TEST_KEY

from schemas.dialect import discover_centres, load_dialect
from warehouse.pseudonym import pseudonym

# share the session's one refresh of the default registry on one xdist worker
pytestmark = pytest.mark.xdist_group("default_registry")

ENDPOINTS = {"OS", "CIR", "NRM", "GRFS", "AGVHD_2_4", "AGVHD_3_4", "CGVHD", "CGVHD_SEVERE"}



def test_refresh_publishes_every_centre(refreshed, default_landing: Path) -> None:
    _, outcome = refreshed
    assert outcome.exit_code == 0
    assert set(outcome.centres) == set(discover_centres(default_landing))
    assert set(outcome.centres.values()) == {"ok"}


def test_published_file_holds_the_analyst_schemas_only(published) -> None:
    schemas = {r[0] for r in published.execute(
        "SELECT DISTINCT schema_name FROM duckdb_tables()").fetchall()}
    assert {"analysis", "meta", "quality"} <= schemas
    assert not schemas & {"raw", "staging", "quarantine", "harmonised"}


def test_no_local_identifiers_or_birth_dates(published, default_landing: Path) -> None:
    columns = {r[0] for r in published.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name <> 'meta'").fetchall()}
    assert "patient_id" not in columns and "birth_date" not in columns
    keys = {r[0] for r in published.execute("SELECT patient_key FROM analysis.patients"
                                            ).fetchall()}
    # every published key is the keyed hash of a delivered (centre, patient) pair
    centre = "LYS" if "LYS" in discover_centres(default_landing) else sorted(
        discover_centres(default_landing))[0]
    dialect = load_dialect(default_landing / centre / "centre.yaml")
    newest = sorted(p for p in (default_landing / centre).iterdir() if p.is_dir())[-1]
    if dialect.format == "csv":
        text = (newest / dialect.source_name("patients")).read_text(encoding=dialect.encoding)
        rows = list(csv.reader(io.StringIO(text), delimiter=dialect.delimiter))
        header = rows[0]
        source_id = next(s for s, c in dialect.column_map("patients").items()
                         if c == "patient_id") if "patient_id" not in header else "patient_id"
        local = rows[1][header.index(source_id)]
        assert pseudonym(TEST_KEY.encode(), centre, local) in keys
        assert local not in keys


def test_one_row_per_patient_and_endpoints_complete(published) -> None:
    n, distinct = published.execute(
        "SELECT count(*), count(DISTINCT patient_key) FROM analysis.patients").fetchone()
    assert n == distinct > 600
    per_patient = published.execute(
        "SELECT count(DISTINCT endpoint), min(time_days), max(status) FROM analysis.endpoints"
    ).fetchone()
    assert per_patient[0] == len(ENDPOINTS) and per_patient[1] >= 0 and per_patient[2] <= 2
    missing = published.execute(
        "SELECT count(*) FROM analysis.patients p WHERE transplanted AND "
        "(SELECT count(*) FROM analysis.endpoints e WHERE e.patient_key = p.patient_key) "
        "<> 8 AND days_hsct_to_last_contact IS NOT NULL").fetchone()[0]
    assert missing == 0


def test_endpoint_events_trace_back_to_delivered_dates(published) -> None:
    # no calendar dates are published: the days from the first allograft of the delivered
    # date named by event_source are the endpoint's time
    rows = published.execute(
        "SELECT e.endpoint, e.status, e.event_source, e.time_days, p.days_hsct_to_death, "
        "p.days_hsct_to_relapse, p.days_hsct_to_last_contact FROM analysis.endpoints e "
        "JOIN analysis.patients p USING (patient_key) WHERE e.endpoint IN ('OS', 'CIR')"
    ).fetchall()
    assert rows
    for endpoint, status, source, days, death, relapse, last in rows:
        expected = {"followup.death_date": death, "followup.relapse_date": relapse,
                    "followup.last_contact_date": last}[source]
        assert days == expected or (source == "followup.last_contact_date" and death is None)
        if endpoint == "OS":
            assert (status == 1) == (death is not None)


def test_row_accounting_and_checks(published) -> None:
    unbalanced = published.execute(
        "SELECT count(*) FROM quality.row_accounting WHERE NOT balanced").fetchone()[0]
    assert unbalanced == 0
    failed = published.execute(
        "SELECT count(*) FROM meta.check_results WHERE severity = 'ERROR' AND NOT passed"
    ).fetchone()[0]
    assert failed == 0
    status, published_flag = published.execute(
        "SELECT status, published FROM meta.refreshes").fetchone()
    assert status == "published" and published_flag


def test_every_published_table_and_column_is_documented(published) -> None:
    undocumented = published.execute(
        "SELECT schema_name || '.' || table_name || '.' || column_name "
        "FROM meta.data_dictionary WHERE column_description IS NULL "
        "OR table_description IS NULL").fetchall()
    assert undocumented == []
    tables = published.execute(
        "SELECT count(DISTINCT table_name) FROM meta.data_dictionary").fetchone()[0]
    assert tables >= 10


def test_documented_example_queries_run(published) -> None:
    crc = published.execute(
        "SELECT salvage_setting, count(*) AS patients, avg(crc_ever::INT) AS crc_rate "
        "FROM analysis.patients WHERE cohort = 'azaven_rr' GROUP BY salvage_setting ORDER BY 1"
    ).fetchall()
    assert {r[0] for r in crc} == {"post_ic", "post_hma", "molecular_relapse"}
    assert all(0 <= r[2] <= 1 for r in crc)


def test_estimate_command_on_the_published_file(refreshed, capsys) -> None:
    import json

    from pipelines.cli import main

    warehouse, _ = refreshed
    sql = ("SELECT time_days AS time, status, centre_id AS \"group\" FROM analysis.endpoints "
           "WHERE endpoint = 'OS' AND cohort = 'azaven_rr'")
    assert main(["estimate", "--db", str(warehouse / "registry.duckdb"), "--sql", sql,
                 "--method", "km", "--times", "365,730", "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["method"] == "km" and result["n"] >= 70
    assert {e["time"] for e in result["estimates"]} == {365, 730}
    assert all(0 <= e["estimate"] <= 1 for e in result["estimates"] if e["estimate"] is not None)
