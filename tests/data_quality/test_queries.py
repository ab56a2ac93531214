"""Queries back to the centres: stable ids, knock-ons, status across deliveries, acceptance,
and the workbook rows in the centre's own names (pure logic, no warehouse)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from data_quality.queries import (
    DELETED_RULE,
    deleted_patient_observations,
    discrepancy_observations,
    open_root_counts,
    problem_in_words,
    quarantine_observations,
    query_id,
    reconcile_queries,
    rule_kind,
)
from data_quality.workbook import workbook_rows
from schemas.dialect import CentreDialect

KEY_COLS = ["key_patient_id", "key_gene", "key_line", "key_cycle", "key_assessment_date",
            "key_sample_date", "key_method", "key_tissue", "key_hsct_number", "key_kind",
            "key_onset_date"]


def _row(delivery: str, table: str, row: int, column: str, value: str, rule: str,
         patient: str | None, centre: str = "LYS", **keys: str) -> dict:
    file = f"{table}.csv"
    out = {"centre_id": centre, "delivery": delivery, "table_name": table, "file": file,
           "source_row": row, "column_name": column, "value": value, "rule": rule,
           "reason": f"centre {centre}, file {file}, row {row}, column '{column}': value "
                     f"'{value}' breaks {rule}", "n_issues": 1}
    out.update({c: None for c in KEY_COLS})
    out["key_patient_id"] = patient
    out.update({f"key_{k}": v for k, v in keys.items()})
    return out


def _delivery(delivery: str, bad_patient: bool = True, shift: int = 0) -> pd.DataFrame:
    rows = [_row(delivery, "mutations", 7 + shift, "vaf", "1.7", "range", "LY1", gene="NPM1")]
    if bad_patient:
        rows += [_row(delivery, "patients", 3 + shift, "diagnosis_date", "31/02/2023", "date",
                      "LY2"),
                 _row(delivery, "mutations", 9 + shift, "patient_id", "LY2", "patient_exists",
                      "LY2", gene="FLT3"),
                 _row(delivery, "followup", 2 + shift, "patient_id", "LY2", "patient_exists",
                      "LY2")]
    return pd.DataFrame(rows)


def test_the_same_problem_on_the_same_record_keeps_its_id_when_rows_move() -> None:
    first = quarantine_observations(_delivery("2026-01-01"))
    later = quarantine_observations(_delivery("2026-02-01", shift=40))
    assert set(first["query_id"]) == set(later["query_id"])
    assert first["record_key"].tolist() == later["record_key"].tolist()


def test_a_row_without_its_key_is_identified_by_file_and_row() -> None:
    obs = quarantine_observations(pd.DataFrame([
        _row("2026-01-01", "mutations", 12, "patient_id", "", "required", None, gene="NPM1")]))
    assert obs["record_key"].iloc[0] == "mutations.csv:12"


def test_two_copies_of_one_row_are_two_queries() -> None:
    rows = pd.DataFrame([
        _row("2026-01-01", "mutations", 5, "patient_id,gene", "LY1|NPM1", "unique_key", "LY1",
             gene="NPM1"),
        _row("2026-01-01", "mutations", 6, "patient_id,gene", "LY1|NPM1", "unique_key", "LY1",
             gene="NPM1")])
    obs = quarantine_observations(rows)
    assert obs["query_id"].nunique() == 2


def test_knock_ons_point_to_the_patient_row_and_are_not_counted() -> None:
    obs = quarantine_observations(_delivery("2026-01-01"))
    root = obs.loc[obs["table_name"].eq("patients"), "query_id"].iloc[0]
    knock = obs[obs["rule"].eq("patient_exists")]
    assert knock["root_query_id"].eq(root).all() and len(knock) == 2
    table = reconcile_queries(obs, None, {}, {"LYS": ["2026-01-01"]})
    counts = open_root_counts(table)
    assert counts["open_queries"].sum() == 2  # the bad vaf and the bad patient row


def test_an_orphan_without_a_quarantined_patient_is_its_own_root() -> None:
    obs = quarantine_observations(pd.DataFrame([
        _row("2026-01-01", "followup", 2, "patient_id", "LY9", "patient_exists", "LY9")]))
    assert obs["root_query_id"].isna().all()


def test_a_corrected_resend_resolves_and_a_newer_delivery_resolves_with_its_date() -> None:
    d1 = quarantine_observations(_delivery("2026-01-01"))
    t1 = reconcile_queries(d1, None, {}, {"LYS": ["2026-01-01"]})
    assert t1["status"].eq("open").all()
    # the same delivery re-sent corrected: its quarantine is replaced by nothing
    t2 = reconcile_queries(quarantine_observations(pd.DataFrame()), t1, {},
                           {"LYS": ["2026-01-01"]})
    assert t2["status"].eq("resolved").all()
    assert t2["resolved_in_delivery"].eq("2026-01-01").all()
    # a newer delivery still has the vaf problem but not the patient row
    d2 = quarantine_observations(_delivery("2026-02-01", bad_patient=False))
    t3 = reconcile_queries(pd.concat([d1, d2]), t1, {}, {"LYS": ["2026-01-01", "2026-02-01"]})
    by_table = t3.set_index("table_name")
    assert by_table.loc["mutations", "status"].tolist().count("open") == 1
    resolved = t3[t3["status"].eq("resolved")]
    assert len(resolved) == 3 and resolved["resolved_in_delivery"].eq("2026-02-01").all()
    vaf = t3[t3["column_name"].eq("vaf")].iloc[0]
    assert vaf["first_seen_delivery"] == "2026-01-01"
    assert vaf["last_seen_delivery"] == "2026-02-01"


def test_an_accepted_query_stays_accepted_while_delivered() -> None:
    obs = quarantine_observations(_delivery("2026-01-01"))
    qid = obs.loc[obs["column_name"].eq("vaf"), "query_id"].iloc[0]
    t1 = reconcile_queries(obs, None, {qid: "VAF confirmed by the lab"}, {"LYS": ["2026-01-01"]})
    t2 = reconcile_queries(obs, t1, {qid: "VAF confirmed by the lab"}, {"LYS": ["2026-01-01"]})
    row = t2.set_index("query_id").loc[qid]
    assert row["status"] == "accepted" and row["accepted_reason"] == "VAF confirmed by the lab"
    assert t2["status"].eq("open").sum() == len(t2) - 1


def test_discrepancies_are_queries_on_the_reported_column() -> None:
    disc = pd.DataFrame([
        {"centre_id": "LYS", "patient_id": "LY1", "variable": "eln2022",
         "reported": "intermediate", "derived": "adverse", "reason": "mutated SF3B1"},
        {"centre_id": "LYS", "patient_id": "LY1", "variable": "response", "reported": "CR",
         "derived": "CRi", "reason": "counts (line 1, cycle 1)"},
        {"centre_id": "LYS", "patient_id": "LY1", "variable": "response", "reported": "CR",
         "derived": "CRi", "reason": "counts (line 1, cycle 2)"},
    ])
    rows = pd.DataFrame([{"centre_id": "LYS", "patient_id": "LY1", "file": "pat.csv",
                          "source_row": 4}])
    obs = discrepancy_observations(disc, {"LYS": "2026-01-01"}, rows)
    assert obs["query_id"].nunique() == 3
    eln = obs[obs["column_name"].eq("eln2022_reported")].iloc[0]
    assert (eln["table_name"], eln["file"], eln["source_row"]) == ("patients", "pat.csv", 4)
    assert "reported 'intermediate' but derived 'adverse'" in eln["reason"]
    assert obs["kind"].eq("plausibility").all()


@pytest.mark.parametrize(("rule", "kind"), [
    ("required", "completeness"), ("allowed_codes", "conformance"), ("date", "conformance"),
    ("date_order", "plausibility"), ("patient_exists", "conformance"),
    ("reported_vs_derived:eln2022", "plausibility"),
])
def test_rules_fall_in_the_dqd_kinds(rule: str, kind: str) -> None:
    """Kahn et al. 2016 / OHDSI DQD: conformance, completeness, plausibility."""
    assert rule_kind(rule) == kind


@given(st.text(min_size=1, max_size=12), st.text(min_size=1, max_size=12),
       st.text(max_size=30), st.text(max_size=12), st.text(max_size=12))
def test_query_ids_are_stable_and_separate_their_parts(centre, table, record, column, rule):
    qid = query_id(centre, table, record, column, rule)
    assert qid == query_id(centre, table, record, column, rule) and len(qid) == 16
    assert qid != query_id(centre + table, "", record, column, rule) or table == ""


def test_problem_in_words_uses_the_centres_column_names() -> None:
    reason = ("centre LYS, file pat.csv, row 5, column 'diagnosis_date': value '31/02/2023' "
              "is not a valid calendar date; centre LYS, file pat.csv, row 5, column 'sex': "
              "value 'X' is not a known label")
    words = problem_in_words(reason, {"diagnosis_date": "DATE_DIAG", "sex": "SEXE"})
    assert words.startswith("DATE_DIAG: value '31/02/2023'")
    assert "SEXE: value 'X'" in words and "centre LYS" not in words


def test_workbook_puts_root_causes_first_with_their_knock_ons_under_them() -> None:
    obs = quarantine_observations(_delivery("2026-01-01"))
    table = reconcile_queries(obs, None, {}, {"LYS": ["2026-01-01"]})
    dialect = CentreDialect(centre_id="LYS", name="Lyon", country="FR",
                            files={"patients": "patients_lyon.csv"},
                            columns={"patients": {"DATE_DIAG": "diagnosis_date"},
                                     "mutations": {"VAF_PCT": "vaf", "IPP": "patient_id"}})
    rows = workbook_rows(table, dialect)
    assert len(rows) == 4
    knock = rows["Knock-on of"].astype(bool).tolist()
    root_pos = rows.index[rows["Column"].eq("DATE_DIAG")][0]
    assert knock[root_pos + 1] and knock[root_pos + 2] and not knock[root_pos]
    assert "VAF_PCT" in rows["Column"].tolist()
    assert rows.loc[root_pos, "Value as delivered"] == "31/02/2023"
    assert rows.loc[root_pos, "Problem"].startswith("DATE_DIAG: value")


def _deleted(patient: str, missing_from: str, last_absent: str, held: bool = False,
             last: str = "2026-01-01") -> dict:
    return {"centre_id": "LYS", "patient_id": patient, "last_delivery": last,
            "missing_from": missing_from, "last_absent": last_absent, "held_resend": held,
            "returned_in": None, "file": "patients.csv", "source_row": 4}


def test_a_patient_deleted_at_the_source_is_open_while_missing_and_resolved_on_return() -> None:
    staged = {"LYS": ["2026-01-01", "2026-02-01", "2026-03-01"]}
    missing = deleted_patient_observations(pd.DataFrame([
        _deleted("LY7", "2026-02-01", "2026-03-01")]))
    table = reconcile_queries(missing, None, {}, staged)
    row = table.iloc[0]
    assert (row["status"], row["rule"], row["kind"], row["record_key"]) == (
        "open", DELETED_RULE, "completeness", "patient_id=LY7")
    assert "centre LYS: delivery 2026-02-01 no longer holds patient LY7" in row["reason"]
    assert row["first_seen_delivery"] == "2026-02-01"
    # back in 2026-04-01: the deliveries without it end at 2026-03-01
    staged = {"LYS": [*staged["LYS"], "2026-04-01"]}
    later = reconcile_queries(missing, table, {}, staged).iloc[0]
    assert (later["status"], later["resolved_in_delivery"]) == ("resolved", "2026-04-01")
    assert later["query_id"] == row["query_id"]


def test_a_confirmed_deletion_is_accepted_like_any_query() -> None:
    obs = deleted_patient_observations(pd.DataFrame([_deleted("LY7", "2026-02-01",
                                                              "2026-02-01")]))
    qid = obs["query_id"].iloc[0]
    table = reconcile_queries(obs, None, {qid: "consent withdrawn"},
                              {"LYS": ["2026-01-01", "2026-02-01"]})
    assert table["status"].tolist() == ["accepted"]


def test_a_held_resends_problem_is_marked_and_the_content_in_use_wins() -> None:
    held_rows = _delivery("2026-01-01", bad_patient=False).assign(held_resend=True)
    kept_rows = _delivery("2026-01-01", bad_patient=False).assign(held_resend=False)
    gone = deleted_patient_observations(pd.DataFrame([
        _deleted("LY9", "2026-01-01", "2026-01-01", held=True, last="2026-01-01")]))
    staged = {"LYS": ["2026-01-01"]}
    only_held = reconcile_queries(pd.concat([quarantine_observations(held_rows), gone]),
                                  None, {}, staged)
    assert only_held["held_resend"].all() and only_held["status"].eq("open").all()
    assert "held re-send of delivery 2026-01-01" in only_held.set_index("rule").loc[
        DELETED_RULE, "reason"]
    both = reconcile_queries(quarantine_observations(pd.concat([kept_rows, held_rows])), None,
                             {}, staged)
    assert len(both) == 1 and not both["held_resend"].iloc[0]


def test_the_workbook_marks_a_held_resends_problem() -> None:
    gone = deleted_patient_observations(pd.DataFrame([
        _deleted("LY9", "2026-01-01", "2026-01-01", held=True)]))
    table = reconcile_queries(gone, None, {}, {"LYS": ["2026-01-01"]})
    rows = workbook_rows(table, None)
    assert rows["Problem"].iloc[0].startswith("[held re-send] centre LYS")
    assert rows["Value as delivered"].iloc[0] == "LY9"
