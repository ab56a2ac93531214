"""No exact calendar date reaches the analysts: times are days from the patient's own
diagnosis, salvage or first allograft, the period is a calendar year. Measured on the default
registry against the exact dates of the restricted database (issue 18: 298 of 300 patients
were unique on centre, sex and diagnosis date; diagnosis date minus age gave the birth date
within 19 days)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from warehouse.database import query_frame

pytestmark = pytest.mark.xdist_group("default_registry")
DATE_TYPES = ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_S", "TIMESTAMP_MS",
              "TIMESTAMP_NS")
YEAR_DAYS = 365.25


@pytest.fixture(scope="module")
def restricted(refreshed):
    warehouse, outcome = refreshed
    assert outcome.published, outcome.message
    con = duckdb.connect(str(warehouse / "restricted" / "registry_restricted.duckdb"),
                         read_only=True)
    yield con
    con.close()


def test_no_date_column_in_the_analysts_tables(published) -> None:
    dated = published.execute(
        "SELECT schema_name || '.' || table_name || '.' || column_name FROM duckdb_columns() "
        f"WHERE schema_name IN ('analysis', 'outcomes', 'quality') AND data_type IN {DATE_TYPES}"
    ).fetchall()
    assert dated == []
    assert query_frame(published, "checks/no_identifiers_published").empty


def test_no_iso_date_in_the_text_of_patient_level_tables(published) -> None:
    tables = published.execute(
        "SELECT DISTINCT schema_name, table_name FROM duckdb_columns() "
        "WHERE column_name = 'patient_key'").fetchall()
    assert len(tables) >= 7
    for schema, table in tables:
        columns = [r[0] for r in published.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
            "AND data_type = 'VARCHAR'", [schema, table]).fetchall()]
        for column in columns:
            n = published.execute(
                f'SELECT count(*) FROM {schema}."{table}" '
                f"WHERE regexp_matches(\"{column}\", '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}')"
            ).fetchone()[0]
            assert n == 0, f"{schema}.{table}.{column} holds calendar dates"


def test_the_check_fails_on_a_date_column_in_an_analyst_schema() -> None:
    con = duckdb.connect()
    try:
        for schema in ("analysis", "meta", "quality", "outcomes"):
            con.execute(f"CREATE SCHEMA {schema}")
        con.execute("CREATE TABLE analysis.ok (patient_key VARCHAR, diagnosis_year INTEGER, "
                    "days_hsct_to_death INTEGER)")
        con.execute("CREATE TABLE meta.runs (started_at TIMESTAMP, current_delivery VARCHAR)")
        con.execute("CREATE TABLE outcomes.snapshot (delivery_date VARCHAR, generated_at "
                    "TIMESTAMP)")
        assert query_frame(con, "checks/no_identifiers_published").empty
        con.execute("CREATE TABLE analysis.bad (patient_key VARCHAR, visit DATE, "
                    "relapse_date VARCHAR, seen TIMESTAMP)")
        con.execute("CREATE TABLE quality.also_bad (birth_year INTEGER)")
        offending = query_frame(con, "checks/no_identifiers_published")
    finally:
        con.close()
    assert set(offending["column_name"]) == {"visit", "relapse_date", "seen", "birth_year"}


def _truth_and_published(published, restricted) -> pd.DataFrame:
    pub = published.execute(
        "SELECT patient_key, centre_id, sex, diagnosis_year, transplant_year, "
        "age_at_diagnosis, days_diagnosis_to_hsct FROM analysis.patients").df()
    truth = restricted.execute(
        "SELECT k.patient_key, p.birth_date, p.diagnosis_date FROM harmonised.patients p "
        "JOIN harmonised.patient_keys k USING (centre_id, patient_id)").df()
    frame = pub.merge(truth, on="patient_key", validate="one_to_one")
    assert len(frame) == len(pub) > 600
    return frame


def _year_start(years: pd.Series) -> pd.Series:
    return pd.to_datetime(years.astype("Int64").astype("string") + "-01-01", format="%Y-%m-%d",
                          errors="coerce")


def _diagnosis_window(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The attacker's tightest window for the diagnosis date: the diagnosis year, intersected
    with the transplant year shifted back by the published days from diagnosis to HSCT."""
    lo = _year_start(frame["diagnosis_year"])
    hi = _year_start(frame["diagnosis_year"] + 1) - pd.Timedelta(days=1)
    shift = pd.to_timedelta(frame["days_diagnosis_to_hsct"], unit="D")
    lo_tx = _year_start(frame["transplant_year"]) - shift
    hi_tx = _year_start(frame["transplant_year"] + 1) - pd.Timedelta(days=1) - shift
    tx = frame["transplant_year"].notna() & frame["days_diagnosis_to_hsct"].notna()
    return lo.where(~tx, np.maximum(lo, lo_tx)), hi.where(~tx, np.minimum(hi, hi_tx))


def test_diagnosis_year_month_and_birth_date_cannot_be_reconstructed(
        published, restricted, record_property) -> None:
    frame = _truth_and_published(published, restricted)
    day = pd.to_datetime(frame["diagnosis_date"]).dt.date
    # the risk was real: in the restricted data most patients are unique on centre, sex and
    # the exact diagnosis date (the attack issue 18 measured)
    unique_exact = ~frame.assign(d=day).duplicated(["centre_id", "sex", "d"], keep=False)
    assert unique_exact.mean() > 0.5
    # published: the diagnosis date is pinned to a year, not a month
    lo, hi = _diagnosis_window(frame)
    truth = pd.to_datetime(frame["diagnosis_date"])
    assert ((truth >= lo) & (truth <= hi)).all()  # the attack is sound
    width = (hi - lo).dt.days
    assert (width <= 31).mean() < 0.02
    assert width.median() > 300
    # birth date from the diagnosis window and the age (0.1 year): off by months, not days
    birth_lo = lo - pd.to_timedelta((frame["age_at_diagnosis"] + 0.05) * YEAR_DAYS, unit="D")
    birth_hi = hi - pd.to_timedelta((frame["age_at_diagnosis"] - 0.05) * YEAR_DAYS, unit="D")
    guess = birth_lo + (birth_hi - birth_lo) / 2
    error = (guess - pd.to_datetime(frame["birth_date"])).dt.days.abs()
    for name, value in {"patients": len(frame), "unique_centre_sex_day": unique_exact.mean(),
                        "diagnosis_window_le_31_days": (width <= 31).mean(),
                        "diagnosis_window_median_days": width.median(),
                        "birth_error_median_days": error.median(),
                        "birth_error_le_19_days": (error <= 19).mean()}.items():
        record_property(name, round(float(value), 4))
    assert error.median() > 60
    assert (error <= 19).mean() < 0.25
