"""Data-quality queries back to the centres: one per quarantined row or discrepancy.

Source: issue 15 and ../shared/spec/architecture.md ("quarantine"); the loop a registry's
data managers run (a query sent to the centre, checked against the next delivery), as in
REDCap's Data Resolution Workflow (open / resolved / verified-closed). Pure pandas.

* **Identity.** ``query_id`` hashes (centre, table, source record, column, rule). The source
  record is the centre's own record key (e.g. ``patient_id=LY00051``, or ``patient_id=...|
  gene=NPM1``) when every key part was delivered, else ``file:row``. The same problem on the
  same record keeps its id across deliveries.
* **Status.** ``open`` while the problem is in the centre's current delivery; ``resolved``
  once a newer or re-sent delivery no longer has it (``resolved_in_delivery``); ``accepted``
  when a data manager confirmed the value (with a reason), for as long as it is delivered.
* **Deleted at the source.** A patient of a centre's current delivery that a newer delivery
  (or a same-date re-send) no longer holds (``quarantine.deleted_patients``) is a query on
  the patient (rule ``deleted_at_source``), open while the centre's deliveries lack the
  patient and resolved in the first later delivery that holds the patient again.
* **Held re-sends.** The quarantined rows of a held same-date re-send and the patients it
  lacks are queries marked ``held_resend``: the delivery's accepted content stays in use, so
  they are the re-send's problems, open until it is accepted (then they are the content's
  own, under the same id), re-sent or replaced.
* **Knock-ons.** A child row quarantined because its patient row was quarantined
  (``patient_exists``) points to the patient row's query (``root_query_id``) and is not
  counted as a separate problem.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from schemas.canonical import CANONICAL_TABLES

QUERY_COLUMNS: list[str] = [
    "query_id", "centre_id", "source", "table_name", "file", "source_row", "record_key",
    "column_name", "value", "rule", "kind", "reason", "status", "first_seen_delivery",
    "last_seen_delivery", "resolved_in_delivery", "root_query_id", "accepted_reason",
    "held_resend",
]
STATUSES = ("open", "resolved", "accepted")
#: a knock-on rule: the row was rejected only because its parent (patient) row was
KNOCK_ON_RULES = frozenset({"patient_exists"})

#: quarantine rules in the three DQD kinds (Kahn et al., eGEMs 2016; Blacketer et al. 2021)
RULE_KINDS: dict[str, str] = {
    "required": "completeness", "short_row": "completeness",
    "date_order": "plausibility", "gvhd_after_transplant": "plausibility",
    "death_date_only_if_dead": "plausibility", "grade_fits_kind": "plausibility",
    "deleted_at_source": "completeness",
}
DISCREPANCY_RULE = "reported_vs_derived"
#: a patient of the centre's current delivery that a newer delivery no longer holds
DELETED_RULE = "deleted_at_source"

#: harmonised.discrepancies variable -> (canonical table, canonical column delivered)
DISCREPANCY_SOURCES: dict[str, tuple[str, str]] = {
    "eln2022": ("patients", "eln2022_reported"),
    "eln2024": ("patients", "eln2024_reported"),
    "response": ("responses", "response"),
    "mrd_result": ("mrd", "result_reported"),
    "conditioning_intensity": ("transplants", "conditioning_intensity_reported"),
    "conditioning_regimen": ("transplants", "conditioning_regimen"),
    "gvhd_acute": ("gvhd", "grade"),
    "gvhd_chronic": ("gvhd", "grade"),
    **{f"{t}_patient": (t, "patient_id") for t in CANONICAL_TABLES},
}
_REASON_PREFIX = re.compile(r"^centre [^,]*, file .*?, row \d+, column '(?P<column>[^']*)': ")


def rule_kind(rule: str) -> str:
    """The DQD kind of a quarantine rule or a discrepancy (conformance by default)."""
    if rule.startswith(DISCREPANCY_RULE):
        return "plausibility"
    return RULE_KINDS.get(rule, "conformance")


def query_id(centre_id: str, table: str, record: str, column: str, rule: str) -> str:
    """Stable id of one problem on one source record (16 hex digits of SHA-256)."""
    text = "\x1f".join([centre_id, table, record, column, rule])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def record_keys(rows: pd.DataFrame) -> pd.Series:
    """The centre's own key of each quarantined row, else ``file:row``.

    ``rows`` has ``table_name``, ``file``, ``source_row`` and ``key_<column>`` columns with
    the delivered (verbatim) text of the table's key columns (missing = None).
    """
    out = pd.Series(rows["file"].astype(str) + ":" + rows["source_row"].astype(str),
                    index=rows.index, dtype=object)
    for table, spec in CANONICAL_TABLES.items():
        sel = (rows["table_name"] == table).to_numpy()
        if not sel.any():
            continue
        parts = []
        complete = np.ones(int(sel.sum()), dtype=bool)
        for col in spec.key:
            text = rows.loc[sel, f"key_{col}"].astype(object).where(
                rows.loc[sel, f"key_{col}"].notna(), "").astype(str).str.strip()
            # an optional key part (responses.cycle) may be empty; a required one may not
            if spec.column(col).required:
                complete &= (text != "").to_numpy()
            parts.append(col + "=" + text)
        keyed = parts[0]
        for p in parts[1:]:
            keyed = keyed + "|" + p
        out.loc[sel] = np.where(complete, keyed.to_numpy(), out.loc[sel].to_numpy())
    return out


def _disambiguate(records: pd.Series, group: pd.DataFrame) -> pd.Series:
    """Two rows of one delivery with the same key and problem (e.g. two copies of a row):
    the second and later get ``#2``, ``#3`` in file-row order."""
    n = group.assign(_r=records).groupby(list(group.columns) + ["_r"], sort=False,
                                          dropna=False).cumcount() + 1
    return records.where(n.eq(1), records + "#" + n.astype(str))


def quarantine_observations(rows: pd.DataFrame) -> pd.DataFrame:
    """One query observation per quarantined row (every staged delivery of every centre).

    ``rows``: quarantine.rows with ``key_<column>`` texts (sql/quality/quarantine_rows.sql).
    Knock-ons get the query id of the patient row that caused them in the same delivery.
    """
    if rows.empty:
        return _empty_observations()
    rows = rows.copy()
    rows["held_resend"] = (rows["held_resend"].fillna(False).astype(bool)
                           if "held_resend" in rows else False)
    rows = rows.sort_values(["centre_id", "delivery", "held_resend", "table_name", "file",
                             "source_row"], kind="stable").reset_index(drop=True)
    records = record_keys(rows)
    records = _disambiguate(records, rows[["centre_id", "delivery", "held_resend",
                                           "table_name", "column_name", "rule"]])
    ids = [query_id(c, t, r, col, rule) for c, t, r, col, rule in zip(
        rows["centre_id"], rows["table_name"], records, rows["column_name"], rows["rule"],
        strict=True)]
    obs = pd.DataFrame({
        "query_id": ids, "centre_id": rows["centre_id"], "delivery": rows["delivery"],
        "source": "quarantine", "table_name": rows["table_name"], "file": rows["file"],
        "source_row": rows["source_row"].astype("Int64"), "record_key": records,
        "column_name": rows["column_name"], "value": rows["value"], "rule": rows["rule"],
        "kind": rows["rule"].astype(str).map(rule_kind), "reason": rows["reason"],
        "patient_id": rows["key_patient_id"].astype(object).where(
            rows["key_patient_id"].notna(), None),
        "held_resend": rows["held_resend"],
    })
    obs["root_query_id"] = _knock_on_roots(obs)
    return obs.drop(columns=["patient_id"])


def _knock_on_roots(obs: pd.DataFrame) -> pd.Series:
    """The patient row's query id for each knock-on (same centre, delivery and content: the
    accepted one or a held re-send), else None."""
    same = ["centre_id", "delivery", "held_resend", "patient_id"]
    patients = obs[obs["table_name"].eq("patients") & obs["patient_id"].notna()]
    first = patients.drop_duplicates(same)
    root = pd.MultiIndex.from_frame(first[same])
    lookup = pd.Series(first["query_id"].to_numpy(), index=root)
    knock = obs["rule"].isin(KNOCK_ON_RULES) & obs["patient_id"].notna()
    out = pd.Series(None, index=obs.index, dtype=object)
    if knock.any() and len(lookup):
        idx = pd.MultiIndex.from_frame(obs.loc[knock, same])
        found = lookup.reindex(idx).to_numpy()
        out.loc[knock] = np.where(pd.isna(found), None, found)
    return out


def discrepancy_observations(discrepancies: pd.DataFrame,
                             current: Mapping[str, str],
                             patient_rows: pd.DataFrame | None = None,
                             root_by_patient: Mapping[tuple[str, str], str] | None = None
                             ) -> pd.DataFrame:
    """One query observation per reported-vs-derived discrepancy of the current deliveries.

    ``discrepancies``: harmonised.discrepancies (centre_id, patient_id, variable, reported,
    derived, reason). ``current``: centre -> its current delivery. ``patient_rows``: file and
    source_row of each current patient row (centre_id, patient_id, file, source_row), so a
    patient-level discrepancy names its row. The record is the patient (``patient_id=...``);
    a second discrepancy of the same variable for the patient gets ``#2`` (ordered by reason).
    """
    if discrepancies.empty:
        return _empty_observations()
    d = discrepancies.sort_values(["centre_id", "patient_id", "variable", "reason"],
                                  kind="stable").reset_index(drop=True)
    d = d[d["centre_id"].isin(list(current))].reset_index(drop=True)
    if d.empty:
        return _empty_observations()
    source = d["variable"].map(lambda v: DISCREPANCY_SOURCES.get(str(v), ("patients", str(v))))
    table = source.map(lambda s: s[0])
    column = source.map(lambda s: s[1])
    records = "patient_id=" + d["patient_id"].astype(str)
    records = _disambiguate(records, pd.DataFrame({"c": d["centre_id"], "v": d["variable"]}))
    rule = DISCREPANCY_RULE + ":" + d["variable"].astype(str)
    ids = [query_id(c, t, r, col, ru) for c, t, r, col, ru in zip(
        d["centre_id"], table, records, column, rule, strict=True)]
    reported = d["reported"].astype(object).where(d["reported"].notna(), None)
    derived = d["derived"].astype(object).where(d["derived"].notna(), None)
    reason = [f"{v}: reported {r!r} but derived {dv!r} from the delivered data ({why})"
              if r is not None or dv is not None else f"{v}: {why}"
              for v, r, dv, why in zip(d["variable"], reported, derived, d["reason"],
                                       strict=True)]
    obs = pd.DataFrame({
        "query_id": ids, "centre_id": d["centre_id"], "delivery": d["centre_id"].map(current),
        "source": "discrepancy", "table_name": table, "file": None,
        "source_row": pd.array([pd.NA] * len(d), dtype="Int64"), "record_key": records,
        "column_name": column, "value": reported.map(lambda x: None if x is None else str(x)),
        "rule": rule, "kind": "plausibility", "reason": reason, "root_query_id": None,
    })
    if patient_rows is not None and len(patient_rows):
        pr = patient_rows.drop_duplicates(["centre_id", "patient_id"]).set_index(
            ["centre_id", "patient_id"])
        idx = pd.MultiIndex.from_arrays([d["centre_id"], d["patient_id"]])
        on_patients = (table == "patients").to_numpy()
        obs.loc[on_patients, "file"] = pr["file"].reindex(idx).to_numpy()[on_patients]
        obs.loc[on_patients, "source_row"] = pd.array(
            pr["source_row"].reindex(idx).to_numpy()[on_patients], dtype="Int64")
    if root_by_patient:
        orphan = d["variable"].astype(str).str.endswith("_patient").to_numpy()
        roots = [root_by_patient.get((c, p)) if o else None for c, p, o in zip(
            d["centre_id"], d["patient_id"], orphan, strict=True)]
        obs["root_query_id"] = roots
    return obs


def deleted_patient_observations(deleted: pd.DataFrame) -> pd.DataFrame:
    """One query per patient deleted at the source, observed in the deliveries that lack it.

    ``deleted``: sql/quality/deleted_patients.sql (centre_id, patient_id, last_delivery,
    missing_from, last_absent, held_resend, file, source_row of the patient's last row). The
    query is observed in ``missing_from`` and ``last_absent`` (the newest staged delivery
    still without the patient), so :func:`reconcile_queries` keeps it open while the centre's
    current delivery lacks the patient and resolves it in the delivery that holds it again.
    The same patient deleted again later is the same query (reopened).
    """
    if deleted.empty:
        return _empty_observations()
    d = deleted.sort_values(["centre_id", "missing_from", "patient_id"],
                            kind="stable").reset_index(drop=True)
    held = d["held_resend"].fillna(False).astype(bool)
    records = "patient_id=" + d["patient_id"].astype(str)
    ids = [query_id(c, "patients", r, "patient_id", DELETED_RULE)
           for c, r in zip(d["centre_id"], records, strict=True)]
    reason = [
        (f"centre {c}: the held re-send of delivery {m} no longer holds patient {p}, which "
         f"the delivery's accepted content (still in use) holds: deleted at the source, or "
         f"left out of the re-send?") if h and m == last else
        (f"centre {c}: delivery {m}, held by the shrink guard, no longer holds patient {p}, "
         f"which the current delivery {last} (still in use) holds: deleted at the source, "
         f"or left out of the delivery?") if h else
        (f"centre {c}: delivery {m} no longer holds patient {p}, last delivered in {last}: "
         f"deleted at the source, or left out of the delivery? Send the patient again or "
         f"confirm the deletion")
        for c, m, p, last, h in zip(d["centre_id"], d["missing_from"], d["patient_id"],
                                    d["last_delivery"], held, strict=True)]
    base = pd.DataFrame({
        "query_id": ids, "centre_id": d["centre_id"], "source": "deleted_patient",
        "table_name": "patients", "file": d["file"].astype(object).where(d["file"].notna(),
                                                                          None),
        "source_row": pd.array(d["source_row"], dtype="Int64"), "record_key": records,
        "column_name": "patient_id", "value": d["patient_id"].astype(str),
        "rule": DELETED_RULE, "kind": rule_kind(DELETED_RULE), "reason": reason,
        "root_query_id": None, "held_resend": held,
    })
    spans = [base.assign(delivery=d["missing_from"]),
             base.assign(delivery=d["last_absent"].where(d["last_absent"].notna(),
                                                         d["missing_from"]))]
    return (pd.concat(spans, ignore_index=True)
            .drop_duplicates(["query_id", "delivery", "held_resend"]).reset_index(drop=True))


def _empty_observations() -> pd.DataFrame:
    cols = ["query_id", "centre_id", "delivery", "source", "table_name", "file", "source_row",
            "record_key", "column_name", "value", "rule", "kind", "reason", "root_query_id",
            "held_resend"]
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    frame["source_row"] = frame["source_row"].astype("Int64")
    return frame


def reconcile_queries(observations: pd.DataFrame, previous: pd.DataFrame | None,
                      acceptances: Mapping[str, str], staged: Mapping[str, list[str]]
                      ) -> pd.DataFrame:
    """The query table after a refresh: every query ever seen, with its status.

    ``observations``: what the currently staged deliveries show (one row per query and
    delivery it appears in). ``previous``: the table of the last refresh (``QUERY_COLUMNS``),
    so queries whose delivery was re-sent without them are remembered. ``acceptances``:
    query_id -> the data manager's reason. ``staged``: centre -> its staged deliveries.

    A query in its centre's current (newest staged) delivery is ``open`` (``accepted`` if
    accepted); otherwise it is ``resolved`` in the first later delivery of the centre (or
    the current one, when its own delivery was re-sent without it).
    """
    current = {c: max(d) for c, d in staged.items() if d}
    obs = observations.copy()
    obs["held_resend"] = (obs["held_resend"].astype(object).where(obs["held_resend"].notna(),
                                                                   False).astype(bool)
                          if "held_resend" in obs else False)
    seen = pd.DataFrame(columns=["query_id", "first", "last"])
    if len(obs):
        # the same problem in the accepted content and in a held re-send of the delivery
        # is one query, of the content in use (kept last)
        obs = obs.assign(_in_use=~obs["held_resend"]).sort_values(
            ["query_id", "delivery", "_in_use"], kind="stable").drop(columns=["_in_use"])
        seen = obs.groupby("query_id", sort=False)["delivery"].agg(["min", "max"]).rename(
            columns={"min": "first", "max": "last"}).reset_index()
        obs = obs.drop_duplicates("query_id", keep="last")
    now = obs.drop(columns=["delivery"]).merge(seen, on="query_id", how="left")
    prev = (previous if previous is not None and len(previous)
            else pd.DataFrame(columns=QUERY_COLUMNS))
    prev = prev.set_index("query_id")
    first_before = now["query_id"].map(prev["first_seen_delivery"]) if len(prev) else None
    # the earlier of this refresh's first delivery and the remembered one (ISO dates as text;
    # a query new in this refresh has no remembered one)
    now["first_seen_delivery"] = now["first"] if first_before is None else [
        min(d for d in (a, b) if isinstance(d, str) and d) if any(
            isinstance(d, str) and d for d in (a, b)) else None
        for a, b in zip(now["first"], first_before, strict=True)]
    now["last_seen_delivery"] = now["last"]
    cur = now["centre_id"].map(current)
    in_current = now["last"].eq(cur).fillna(False).to_numpy(dtype=bool)
    now["resolved_in_delivery"] = [
        None if here else _next_delivery(staged.get(c, []), last)
        for c, last, here in zip(now["centre_id"], now["last"], in_current, strict=True)]
    now["status"] = np.where(in_current, "open", "resolved")
    gone = prev[~prev.index.isin(now["query_id"])].reset_index()
    if len(gone):
        gone = gone.copy()
        gone["resolved_in_delivery"] = [
            r if isinstance(r, str) and r else current.get(c)
            for c, r in zip(gone["centre_id"], gone["resolved_in_delivery"], strict=True)]
        gone["status"] = "resolved"
        now = pd.concat([now, gone], ignore_index=True)
    accepted = now["query_id"].map(dict(acceptances))
    now["accepted_reason"] = accepted.where(accepted.notna(), None)
    now.loc[now["status"].eq("open") & accepted.notna(), "status"] = "accepted"
    for col in QUERY_COLUMNS:
        if col not in now.columns:
            now[col] = None
    now["held_resend"] = now["held_resend"].astype(object).where(now["held_resend"].notna(),
                                                                 False).astype(bool)
    out = now[QUERY_COLUMNS].sort_values(["centre_id", "status", "table_name", "source_row",
                                          "query_id"], kind="stable", na_position="last")
    out["source_row"] = out["source_row"].astype("Int64")
    return out.reset_index(drop=True)


def _next_delivery(deliveries: list[str], last: str) -> str | None:
    later = sorted(d for d in deliveries if d > last)
    return later[0] if later else (max(deliveries) if deliveries else None)


def problem_in_words(reason: str, column_names: Mapping[str, str] | None = None) -> str:
    """A quarantine reason without its location prefix, in the centre's column names.

    ``centre LYS, file patients.csv, row 51, column 'diagnosis_date': value '31/02/2023' is
    not a valid calendar date ...`` becomes ``DATE_DIAG: value '31/02/2023' is not a valid
    calendar date ...`` (the centre's own column name from its centre.yaml).
    """
    names = column_names or {}
    parts = []
    for part in str(reason).split("; centre "):
        part = part if part.startswith("centre ") else "centre " + part
        m = _REASON_PREFIX.match(part)
        if not m:
            parts.append(part)
            continue
        column = m.group("column")
        shown = ", ".join(names.get(c, c) for c in column.split(","))
        parts.append(f"{shown}: {part[m.end():]}")
    return "; ".join(parts)


def open_root_counts(queries: pd.DataFrame) -> pd.DataFrame:
    """Open problems per centre and kind, knock-ons not counted (they have a root)."""
    open_roots = queries[queries["status"].eq("open") & queries["root_query_id"].isna()]
    return (open_roots.groupby(["centre_id", "kind"]).size().rename("open_queries")
            .reset_index())
