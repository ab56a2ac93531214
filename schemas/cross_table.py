"""Cross-table rules of one delivery: every child row has its patient, dates are in order.

Source: ../shared/spec/export-format.md (keys, one row per patient) and the timeline order of
../shared/spec/clinical-rules.md: diagnosis <= treatment <= transplant <= events <= last
contact; a death date only for the dead; no GVHD before transplant. A violating row moves to
quarantine with a reason; nothing is dropped or "fixed".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from schemas.staging import QUARANTINE_COLUMNS, StagedTable, quarantine_by_rule

KEY = ["centre_id", "patient_id"]
CHILD_TABLES = ("mutations", "treatment_lines", "responses", "mrd", "transplants", "gvhd",
                "followup")


def _move(staged: StagedTable, mask: pd.Series, column: str, rule: str,
          detail: str | pd.Series) -> None:
    mask = mask.fillna(False).astype(bool)
    if not mask.any():
        return
    q = quarantine_by_rule(staged.typed, mask, staged.table, column, rule, detail,
                           staged.source)
    staged.quarantine = pd.concat([staged.quarantine, q], ignore_index=True)[QUARANTINE_COLUMNS]
    staged.typed = staged.typed[~mask.to_numpy()].reset_index(drop=True)


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


def apply_cross_table_rules(staged: dict[str, StagedTable]) -> None:
    """Move rows that break a cross-table rule to quarantine (in place)."""
    pat = staged["patients"]
    # the patients' own date order first, so that children of a rejected patient are orphans
    _move(pat, pat.typed["diagnosis_date"] < pat.typed["birth_date"], "diagnosis_date",
          "date_order", "is before the patient's birth date " + _day(pat.typed["birth_date"]))
    patients = pat.typed
    known = pd.MultiIndex.from_frame(patients[KEY]) if len(patients) else None
    rejected: set[str] = set()
    if pat.source is not None and len(pat.quarantine):
        rows = pat.quarantine["source_row"].astype("int64").to_numpy()
        rejected = set(pat.source["patient_id"].reindex(rows).dropna().str.strip())
    for table in CHILD_TABLES:
        if table not in staged:
            continue
        child = staged[table].typed
        if child.empty:
            continue
        idx = pd.MultiIndex.from_frame(child[KEY])
        orphan = ~idx.isin(known) if known is not None else np.ones(len(child), dtype=bool)
        detail = pd.Series(np.where(
            child["patient_id"].isin(rejected),
            "has its row in the patients table quarantined (see that row's reason)",
            "has no row in the patients table of this delivery"), index=child.index)
        _move(staged[table], pd.Series(orphan, index=child.index), "patient_id",
              "patient_exists", detail)

    def before(table: str, column: str, ref: pd.Series, ref_name: str, rule: str) -> None:
        t = staged.get(table)
        if t is None or t.typed.empty:
            return
        _move(t, t.typed[column] < ref, column, rule,
              f"is before the patient's {ref_name} " + _day(ref))

    diag = lambda t: _lookup(staged[t].typed, patients, "diagnosis_date")  # noqa: E731
    birth = lambda t: _lookup(staged[t].typed, patients, "birth_date")  # noqa: E731
    for table, column in (("treatment_lines", "start_date"), ("responses", "assessment_date"),
                          ("transplants", "hsct_date"), ("gvhd", "onset_date"),
                          ("followup", "last_contact_date")):
        if table in staged and not staged[table].typed.empty:
            before(table, column, diag(table), "diagnosis date", "date_order")
    if "mrd" in staged and not staged["mrd"].typed.empty:
        before("mrd", "sample_date", birth("mrd"), "birth date", "date_order")
    if "followup" in staged and not staged["followup"].typed.empty:
        before("followup", "death_date", birth("followup"), "birth date", "date_order")
    lines = staged.get("treatment_lines")
    if lines is not None and not lines.typed.empty:
        _move(lines, lines.typed["end_date"] < lines.typed["start_date"], "end_date",
              "date_order", "is before the line's start date " + _day(lines.typed["start_date"]))
    first_hsct = staged["transplants"].typed if "transplants" in staged else pd.DataFrame()
    if len(first_hsct):
        first_hsct = (first_hsct.sort_values("hsct_date").drop_duplicates(KEY)[KEY + ["hsct_date"]])
    if "gvhd" in staged and len(first_hsct):
        g = staged["gvhd"]
        before("gvhd", "onset_date", _lookup(g.typed, first_hsct, "hsct_date"),
               "first transplant date (GVHD before transplant)", "gvhd_after_transplant")
    if "followup" in staged:
        f = staged["followup"]
        if not f.typed.empty:
            _move(f, f.typed["death_date"] > f.typed["last_contact_date"], "death_date",
                  "date_order", "is after the last contact date "
                  + _day(f.typed["last_contact_date"]))
            if len(first_hsct):
                hsct = _lookup(f.typed, first_hsct, "hsct_date")
                _move(f, f.typed["relapse_date"] < hsct, "relapse_date", "date_order",
                      "is before the first transplant " + _day(hsct)
                      + " (a post-transplant relapse is expected)")
                hsct = _lookup(f.typed, first_hsct, "hsct_date")
                _move(f, f.typed["death_date"] < hsct, "death_date", "date_order",
                      "is before the first transplant " + _day(hsct))
                hsct = _lookup(f.typed, first_hsct, "hsct_date")
                _move(f, f.typed["last_contact_date"] < hsct, "last_contact_date", "date_order",
                      "is before the first transplant " + _day(hsct))
            _move(f, f.typed["relapse_date"] > f.typed["last_contact_date"], "relapse_date",
                  "date_order", "is after the last contact date "
                  + _day(f.typed["last_contact_date"]))
