"""Cross-table rules of one delivery: every child row has its patient, dates are in order.

Source: ../shared/spec/export-format.md (keys, one row per patient) and the timeline order of
../shared/spec/clinical-rules.md: diagnosis <= treatment <= transplant <= events <= last
contact; a death date only for the dead; no GVHD before transplant. A violating row moves to
quarantine with a reason; nothing is dropped or "fixed".

The rules of a child table need only the delivery's patients (after their own date rule),
its first transplants and its own rows, each row judged alone: so staging can apply them to
a table in chunks of rows (:mod:`extraction.stage_chunks`), and to a whole delivery in
memory (:func:`apply_cross_table_rules`), with the same moves in the same order.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from schemas.staging import QUARANTINE_COLUMNS, StagedTable, quarantine_by_rule

KEY = ["centre_id", "patient_id"]
CHILD_TABLES = ("mutations", "treatment_lines", "responses", "mrd", "transplants", "gvhd",
                "followup")

#: move(table, typed, mask, column, rule, detail, step): the rows of ``typed`` under ``mask``
#: leave staging for quarantine; ``step`` numbers the table's rules in the order they apply
Mover = Callable[[str, pd.DataFrame, pd.Series, str, str, "str | pd.Series", int], None]


def _day(dates: pd.Series) -> pd.Series:
    """Dates as '(YYYY-MM-DD)' text for reasons (vectorised)."""
    return "(" + pd.to_datetime(dates).dt.strftime("%Y-%m-%d").fillna("no date") + ")"


def _lookup(child: pd.DataFrame, parent: pd.DataFrame, column: str) -> pd.Series:
    """The parent's value of ``column`` for each child row (by patient key)."""
    if parent.empty or child.empty:
        return pd.Series(pd.NaT, index=child.index, dtype="datetime64[ns]")
    first = parent.drop_duplicates(KEY).set_index(KEY)[column]
    idx = pd.MultiIndex.from_frame(child[KEY])
    return pd.Series(first.reindex(idx).to_numpy(), index=child.index)


def _apply(move: Mover, table: str, typed: pd.DataFrame, mask: pd.Series, column: str,
           rule: str, detail: str | pd.Series, step: int) -> pd.DataFrame:
    """Move the rows under ``mask`` (missing = False) and return the rows that stay."""
    mask = mask.fillna(False).astype(bool)
    if not mask.any():
        return typed
    move(table, typed, mask, column, rule, detail, step)
    return typed[~mask.to_numpy()].reset_index(drop=True)


def patient_rules(patients: pd.DataFrame, move: Mover) -> pd.DataFrame:
    """The patients' own date order (diagnosis not before birth); returns the patients kept.
    Applied first, so that children of a rejected patient are orphans."""
    if patients.empty:
        return patients
    return _apply(move, "patients", patients,
                  patients["diagnosis_date"] < patients["birth_date"], "diagnosis_date",
                  "date_order", "is before the patient's birth date "
                  + _day(patients["birth_date"]), 1)


def first_transplants(transplants: pd.DataFrame) -> pd.DataFrame:
    """Each patient's first transplant date, from the transplants kept after their rules."""
    if transplants.empty:
        return pd.DataFrame(columns=[*KEY, "hsct_date"])
    return transplants.sort_values("hsct_date").drop_duplicates(KEY)[[*KEY, "hsct_date"]]


def child_rules(table: str, child: pd.DataFrame, patients: pd.DataFrame,
                first_hsct: pd.DataFrame | None, rejected: set[str], move: Mover
                ) -> pd.DataFrame:
    """The cross-table rules of one child table's rows, in order; returns the rows kept.

    ``patients``: the delivery's patients kept by :func:`patient_rules`; ``first_hsct``:
    :func:`first_transplants` (not needed for the transplants themselves); ``rejected``:
    patient ids (as written, stripped) of the delivery's quarantined patients rows.
    """
    if child.empty:
        return child
    known = pd.MultiIndex.from_frame(patients[KEY]) if len(patients) else None
    idx = pd.MultiIndex.from_frame(child[KEY])
    orphan = ~idx.isin(known) if known is not None else np.ones(len(child), dtype=bool)
    detail = pd.Series(np.where(
        child["patient_id"].isin(rejected),
        "has its row in the patients table quarantined (see that row's reason)",
        "has no row in the patients table of this delivery"), index=child.index)
    step = 1
    child = _apply(move, table, child, pd.Series(orphan, index=child.index), "patient_id",
                   "patient_exists", detail, step)

    def before(column: str, parent: pd.DataFrame, parent_column: str, ref_name: str,
               rule: str) -> None:
        nonlocal child, step
        step += 1
        if child.empty:
            return
        ref = _lookup(child, parent, parent_column)
        child = _apply(move, table, child, child[column] < ref, column, rule,
                       f"is before the patient's {ref_name} " + _day(ref), step)

    def against(column: str, other: str, later: bool, text: str) -> None:
        """``column`` after (later) or before ``other`` of the same row breaks the order."""
        nonlocal child, step
        step += 1
        if child.empty:
            return
        bad = child[column] > child[other] if later else child[column] < child[other]
        child = _apply(move, table, child, bad, column, "date_order",
                       text + _day(child[other]), step)

    def before_hsct(column: str, text: str) -> None:
        nonlocal child, step
        step += 1
        if child.empty or first_hsct is None or not len(first_hsct):
            return
        hsct = _lookup(child, first_hsct, "hsct_date")
        child = _apply(move, table, child, child[column] < hsct, column, "date_order",
                       text + _day(hsct) + ("" if column != "relapse_date" else
                                            " (a post-transplant relapse is expected)"), step)

    diagnosis = {"treatment_lines": "start_date", "responses": "assessment_date",
                 "transplants": "hsct_date", "gvhd": "onset_date",
                 "followup": "last_contact_date"}
    if table in diagnosis:
        before(diagnosis[table], patients, "diagnosis_date", "diagnosis date", "date_order")
    if table == "mrd":
        before("sample_date", patients, "birth_date", "birth date", "date_order")
    if table == "followup":
        before("death_date", patients, "birth_date", "birth date", "date_order")
    if table == "treatment_lines":
        against("end_date", "start_date", False, "is before the line's start date ")
    if table == "gvhd" and first_hsct is not None and len(first_hsct):
        before("onset_date", first_hsct, "hsct_date",
               "first transplant date (GVHD before transplant)", "gvhd_after_transplant")
    if table == "followup":
        against("death_date", "last_contact_date", True, "is after the last contact date ")
        before_hsct("relapse_date", "is before the first transplant ")
        before_hsct("death_date", "is before the first transplant ")
        before_hsct("last_contact_date", "is before the first transplant ")
        against("relapse_date", "last_contact_date", True, "is after the last contact date ")
    return child


def apply_cross_table_rules(staged: dict[str, StagedTable]) -> None:
    """Move rows that break a cross-table rule to quarantine (in place)."""

    def move(table: str, typed: pd.DataFrame, mask: pd.Series, column: str, rule: str,
             detail: str | pd.Series, step: int) -> None:
        st = staged[table]
        q = quarantine_by_rule(typed, mask, table, column, rule, detail, st.source)
        st.quarantine = pd.concat([st.quarantine, q], ignore_index=True)[QUARANTINE_COLUMNS]

    pat = staged["patients"]
    pat.typed = patient_rules(pat.typed, move)
    patients = pat.typed
    rejected: set[str] = set()
    if pat.source is not None and len(pat.quarantine):
        rows = pat.quarantine["source_row"].astype("int64").to_numpy()
        rejected = set(pat.source["patient_id"].reindex(rows).dropna().str.strip())
    first_hsct = None
    for table in ("transplants", *[t for t in CHILD_TABLES if t != "transplants"]):
        if table not in staged:
            continue
        st = staged[table]
        st.typed = child_rules(table, st.typed, patients, first_hsct, rejected, move)
        if table == "transplants":
            first_hsct = first_transplants(st.typed)
