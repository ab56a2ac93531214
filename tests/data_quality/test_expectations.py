"""Registry-level expectations and data docs (OHDSI DQD kinds: Blacketer et al., JAMIA 2021)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from data_quality import (
    RESULT_COLUMNS,
    DataDocsSummary,
    DataQualityThresholds,
    build_data_docs,
    build_patient_profile,
    generate_expectation_specs,
)
from schemas.canonical import CANONICAL_TABLES

THRESHOLDS = DataQualityThresholds(registry_first_year=2000, registry_last_year=2026)


def _frame(table: str, rows: list[dict], centre: str | None = None) -> pd.DataFrame:
    """Typed staging frame: lineage columns plus every canonical column."""
    kinds = {c.name: c.kind for c in CANONICAL_TABLES[table].columns}
    df = pd.DataFrame(rows, columns=["centre_id", "delivery", "file", "source_row", *kinds])
    df["delivery"] = "2026-11-23"
    df["file"] = f"{table}.csv"
    df["source_row"] = pd.array(range(1, len(df) + 1), dtype="Int64")
    for name, kind in kinds.items():
        if kind == "date":
            df[name] = pd.to_datetime(df[name]).astype("datetime64[ns]")
        elif kind == "int":
            df[name] = pd.array(df[name], dtype="Int64")
        elif kind == "number":
            df[name] = df[name].astype("float64")
        elif kind == "bool":
            df[name] = pd.array(df[name], dtype="boolean")
        else:
            df[name] = df[name].astype(object)
    return df


def small_registry() -> dict[str, pd.DataFrame]:
    """Two centres, four patients; one unknown code, one out-of-range VAF, an empty GVHD table."""
    patients = _frame("patients", [
        {"centre_id": "GRE", "patient_id": "G1", "sex": "female", "birth_date": "1960-03-01",
         "diagnosis_date": "2020-05-01", "aml_type": "de_novo", "karyotype": "46,XX[20]"},
        {"centre_id": "GRE", "patient_id": "G2", "sex": "male", "birth_date": "1955-07-12",
         "diagnosis_date": "2021-01-10", "aml_type": "secondary_mds", "karyotype": None},
        {"centre_id": "LYS", "patient_id": "L1", "sex": "Femme", "birth_date": "1970-01-01",
         "diagnosis_date": "2019-09-09", "aml_type": "de_novo", "karyotype": "46,XX[20]"},
        {"centre_id": "LYS", "patient_id": "L2", "sex": "male", "birth_date": "1980-11-30",
         "diagnosis_date": "2022-02-02", "aml_type": "therapy_related",
         "karyotype": "45,XY,-7[20]"},
    ])
    mutations = _frame("mutations", [
        {"centre_id": "GRE", "patient_id": "G1", "gene": "NPM1", "detected": True, "vaf": 0.4},
        {"centre_id": "GRE", "patient_id": "G1", "gene": "FLT3", "detected": False},
        {"centre_id": "LYS", "patient_id": "L1", "gene": "NPM1", "detected": True, "vaf": 1.5},
        {"centre_id": "LYS", "patient_id": "L2", "gene": "TP53", "detected": False},
    ])
    treatment_lines = _frame("treatment_lines", [
        {"centre_id": "GRE", "patient_id": "G1", "line": 1, "regimen": "7+3",
         "indication": "frontline", "start_date": "2020-05-05", "end_date": "2020-06-30",
         "cycles": 2},
        {"centre_id": "LYS", "patient_id": "L1", "line": 1, "regimen": "AZA-VEN",
         "indication": "frontline", "start_date": "2019-09-15", "cycles": 4},
    ])
    responses = _frame("responses", [
        {"centre_id": "GRE", "patient_id": "G1", "line": 1, "cycle": 1,
         "assessment_date": "2020-06-01", "response": "CR", "bm_blasts_pct": 2.0},
    ])
    mrd = _frame("mrd", [
        {"centre_id": "GRE", "patient_id": "G1", "sample_date": "2020-09-01", "method": "MFC",
         "tissue": "BM", "value": 0.01, "result_reported": "positive"},
    ])
    transplants = _frame("transplants", [
        {"centre_id": "GRE", "patient_id": "G1", "hsct_number": 1, "hsct_date": "2020-10-01",
         "donor_relation": "unrelated", "stem_cell_source": "PB", "hct_ci": 2},
        {"centre_id": "LYS", "patient_id": "L1", "hsct_number": 1, "hsct_date": "2019-06-01",
         "donor_relation": "sibling", "stem_cell_source": "PB", "hct_ci": 0},
    ])
    followup = _frame("followup", [
        {"centre_id": c, "patient_id": p, "last_contact_date": "2025-01-01",
         "vital_status": "alive"} for c, p in (("GRE", "G1"), ("GRE", "G2"), ("LYS", "L1"),
                                               ("LYS", "L2"))
    ])
    gvhd = _frame("gvhd", [])
    return {"patients": patients, "mutations": mutations, "treatment_lines": treatment_lines,
            "responses": responses, "mrd": mrd, "transplants": transplants, "gvhd": gvhd,
            "followup": followup}


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> DataDocsSummary:
    out = tmp_path_factory.mktemp("warehouse") / "data-docs"
    return build_data_docs(small_registry(), out, "test-run", THRESHOLDS)


def _one(results: pd.DataFrame, **where: object) -> pd.Series:
    mask = pd.Series(True, index=results.index)
    for col, value in where.items():
        mask &= results[col].eq(value).fillna(False).astype(bool)
    hits = results[mask]
    assert len(hits) == 1, f"expected one result for {where}, got {len(hits)}"
    return hits.iloc[0]


def test_index_html_is_written_to_out_dir_and_lists_every_suite(docs: DataDocsSummary) -> None:
    assert docs.index_path == docs.out_dir / "index.html"
    assert docs.index_path.is_file()
    html = docs.index_path.read_text(encoding="utf-8")
    for suite in [*CANONICAL_TABLES, "patient_profile"]:
        assert suite in html
    assert any((docs.out_dir / "validations").rglob("*.html"))


def test_summary_counts_match_the_results_frame(docs: DataDocsSummary) -> None:
    res = docs.results
    assert list(res.columns) == RESULT_COLUMNS
    assert set(docs.suites) == {*CANONICAL_TABLES, "patient_profile"}
    for name, suite in docs.suites.items():
        ran = res[(res["suite"] == name) & res["success"].notna()]
        assert suite.evaluated == len(ran), name
        assert suite.successful == int(ran["success"].sum()), name
        assert suite.rows_validated == suite.rows_total
        assert not suite.sampled
    assert docs.suites["patients"].rows_total == 4
    assert docs.suites["gvhd"].rows_total == 0
    assert docs.evaluated == sum(s.evaluated for s in docs.suites.values())
    assert not docs.success
    assert set(res["kind"]) == {"conformance", "completeness", "plausibility"}
    assert res["run_name"].eq("test-run").all()


def test_unknown_code_fails_its_expectation(docs: DataDocsSummary) -> None:
    row = _one(docs.results, suite="patients", expectation="expect_column_values_to_be_in_set",
               column_name="sex")
    assert row["kind"] == "conformance"
    assert not row["success"] and row["status"] == "failed"
    assert row["unexpected_count"] == 1
    assert row["observed_value"] == pytest.approx(0.75)
    assert row["threshold"] == 1.0
    assert "Femme" in row["unexpected_examples"]


def test_out_of_range_value_fails_its_expectation(docs: DataDocsSummary) -> None:
    row = _one(docs.results, suite="mutations",
               expectation="expect_column_values_to_be_between", column_name="vaf")
    assert not row["success"] and row["unexpected_count"] == 1
    assert row["expected"] == "between 0 and 1"


def test_clean_columns_pass(docs: DataDocsSummary) -> None:
    for suite, column in (("patients", "aml_type"), ("transplants", "donor_relation"),
                          ("followup", "vital_status")):
        row = _one(docs.results, suite=suite,
                   expectation="expect_column_values_to_be_in_set", column_name=column)
        assert row["success"] and row["status"] == "passed"


def test_empty_table_passes_row_checks_as_not_applicable(docs: DataDocsSummary) -> None:
    gvhd = docs.results[docs.results["suite"] == "gvhd"]
    assert gvhd["success"].all()
    row_level = gvhd[gvhd["expectation"] != "expect_column_to_exist"]
    assert row_level["status"].eq("not_applicable").all()
    assert docs.suites["gvhd"].not_applicable == len(row_level)


def test_per_centre_completeness_has_one_expectation_per_centre(docs: DataDocsSummary) -> None:
    res = docs.results
    kar = res[(res["check_name"] == "centre_completeness")
              & (res["column_name"] == "karyotype_done")]
    assert sorted(kar["centre_id"]) == ["GRE", "LYS"]
    gre = _one(res, check_name="centre_completeness", column_name="karyotype_done",
               centre_id="GRE")
    assert gre["observed_value"] == pytest.approx(0.5) and not gre["success"]
    assert gre["threshold"] == 0.8
    lys = _one(res, check_name="centre_completeness", column_name="karyotype_done",
               centre_id="LYS")
    assert lys["success"] and lys["kind"] == "completeness"
    # MRD before transplant: GRE's only transplanted patient had MRD 30 days before; LYS's not
    assert _one(res, column_name="mrd_before_hsct", centre_id="GRE")["success"]
    assert not _one(res, column_name="mrd_before_hsct", centre_id="LYS")["success"]


def test_transplant_before_diagnosis_is_implausible(docs: DataDocsSummary) -> None:
    row = _one(docs.results, suite="patient_profile", column_name="years_diagnosis_to_hsct")
    assert row["kind"] == "plausibility" and not row["success"]  # L1: HSCT before diagnosis
    assert row["unexpected_count"] == 1


def test_patient_profile_measures() -> None:
    prof = build_patient_profile(small_registry(), THRESHOLDS).set_index("patient_id")
    assert prof.loc["G1", "npm1_tested"] and prof.loc["G1", "flt3_tested"]
    assert not prof.loc["G2", "npm1_tested"] and prof.loc["L2", "tp53_tested"]
    assert prof.loc["G1", "hsct_count"] == 1 and prof.loc["G2", "hsct_count"] == 0
    assert pd.isna(prof.loc["G2", "mrd_before_hsct"])
    assert prof.loc["G1", "age_at_diagnosis"] == pytest.approx(60.17, abs=0.01)
    assert pd.isna(prof.loc["L1", "is_female"])  # an unknown sex code is not counted


def test_expectations_are_generated_for_every_dictionary_rule() -> None:
    specs = generate_expectation_specs(THRESHOLDS, ["GRE", "LYS"])
    index = {(s.suite, s.expectation, s.column): s for s in specs if s.centre is None}
    assert len(index) == len([s for s in specs if s.centre is None])  # no duplicates
    for table in CANONICAL_TABLES.values():
        for col in table.columns:
            key = (table.name, col.name)
            assert (*key[:1], "expect_column_to_exist", col.name) in index
            if col.codes:
                spec = index[(table.name, "expect_column_values_to_be_in_set", col.name)]
                assert spec.kwargs["value_set"] == list(col.codes)
                assert spec.kind == "conformance" and spec.mostly is not None
            if col.minimum is not None or col.maximum is not None:
                spec = index[(table.name, "expect_column_values_to_be_between", col.name)]
                assert spec.kwargs.get("min_value") == col.minimum
                assert spec.kwargs.get("max_value") == col.maximum
            if col.required:
                spec = index[(table.name, "expect_column_values_to_not_be_null", col.name)]
                assert spec.kind == "completeness" and spec.mostly == 1.0
        assert (table.name, "expect_compound_columns_to_be_unique",
                ",".join(("centre_id", *table.key))) in index
    per_centre = [s for s in specs if s.centre is not None]
    assert len(per_centre) == 2 * len(THRESHOLDS.centre_completeness)
    assert all(s.kind == "completeness" and s.mostly is not None for s in per_centre)
    assert {s.kind for s in specs} == {"conformance", "completeness", "plausibility"}
    hsct = index[("transplants", "expect_column_values_to_be_between", "hsct_date")]
    assert hsct.kind == "plausibility"
    assert hsct.kwargs["min_value"] == pd.Timestamp("2000-01-01")


def test_large_tables_are_sampled_and_say_so_and_the_site_is_replaced(tmp_path: Path) -> None:
    out = tmp_path / "docs"
    stale = out / "validations" / "patients" / "old-run" / "stale.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("old", encoding="utf-8")
    (out / "README.txt").write_text("not ours", encoding="utf-8")
    summary = build_data_docs(small_registry(), out, "sampled-run", THRESHOLDS,
                              max_rows_per_table=3)
    assert set(summary.sampled_tables) == {"patients", "mutations", "followup",
                                           "patient_profile"}
    assert summary.suites["patients"].rows_validated == 3
    assert summary.suites["patients"].rows_total == 4
    assert summary.results.loc[summary.results["suite"] == "patients", "sampled"].all()
    assert not summary.results.loc[summary.results["suite"] == "mrd", "sampled"].any()
    assert any("sample" in n for n in summary.notes)
    pages = [p.read_text(encoding="utf-8") for p in (out / "expectations").rglob("*.html")]
    assert any("deterministic random sample" in p for p in pages)
    assert not stale.exists()  # the previous site is replaced ...
    assert (out / "README.txt").exists()  # ... and nothing else in the folder is touched
    assert "sampled-run" in summary.index_path.read_text(encoding="utf-8")
