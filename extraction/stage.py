"""Staging one centre: every raw delivery typed into ``staging`` or moved to ``quarantine``.

Source: ../shared/spec/architecture.md (raw -> staging -> quarantine). A delivery is staged
again only when its raw content changed (its signature), so an unchanged centre is not
re-read. Row accounting per table and delivery: raw rows = staged rows + quarantined rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from extraction.shrink import DeliverySize, shrink_findings
from extraction.stage_chunks import (
    ScratchStaging,
    commit_scratch,
    configured_chunk_rows,
    drop_scratch,
    stage_to_scratch,
    write_scratch_quarantine,
)
from schemas.canonical import TABLE_NAMES, cast_canonical
from schemas.cross_table import apply_cross_table_rules
from schemas.dialect import CentreDialect
from schemas.staging import StagedTable, stage_table
from warehouse.database import query_frame, run_sql


@dataclass
class CentreStaging:
    """What staging did for one centre."""

    centre_id: str
    staged_deliveries: list[str] = field(default_factory=list)
    rows_staged: dict[str, int] = field(default_factory=dict)
    rows_quarantined: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)
    #: deliveries held in this staging by the shrink guard: delivery -> what shrank
    held: dict[str, str] = field(default_factory=dict)
    #: patients of the previous current delivery missing from a new one, per delivery
    deleted_patients: dict[str, int] = field(default_factory=dict)


def staged_size(staged: dict[str, StagedTable], raw_rows: int) -> DeliverySize:
    """The size of one staged delivery (pure), as the shrink guard compares it."""
    follow = staged["followup"].typed
    quarantined = sum(len(st.quarantine) for st in staged.values())
    return DeliverySize(
        patients=len(staged["patients"].typed),
        deaths=int((follow["vital_status"] == "dead").sum()) if len(follow) else 0,
        relapses=int(follow["relapse_date"].notna().sum()) if len(follow) else 0,
        transplants=len(staged["transplants"].typed), gvhd_episodes=len(staged["gvhd"].typed),
        raw_rows=raw_rows, quarantined_rows=quarantined)


def stored_size(con: duckdb.DuckDBPyConnection, centre_id: str, delivery: str) -> DeliverySize:
    """The size of a delivery already staged, from the staging and quarantine tables."""
    row = query_frame(con, "staging/delivery_metrics", [centre_id, delivery]).iloc[0]
    raw_rows = int(query_frame(con, "staging/row_accounting").query(
        "centre_id == @centre_id and delivery == @delivery")["raw_rows"].sum())
    return DeliverySize(int(row.patients), int(row.deaths), int(row.relapses),
                        int(row.transplants), int(row.gvhd_episodes), raw_rows,
                        int(row.quarantined_rows))


def current_delivery(con: duckdb.DuckDBPyConnection, centre_id: str) -> str | None:
    """The centre's current delivery (newest staged and not held), None before the first."""
    hit = con.execute("SELECT delivery FROM staging.current_deliveries WHERE centre_id = ?",
                      [centre_id]).fetchone()
    return hit[0] if hit else None


def _decisions_in_force(con: duckdb.DuckDBPyConnection, centre_id: str
                        ) -> dict[tuple[str, str], str]:
    """(delivery, signature) -> the decision in force ('held', 'accepted', 'superseded')."""
    decisions = query_frame(con, "staging/delivery_decisions", [centre_id])
    return {(r.delivery, r.signature): r.decision for r in decisions.itertuples()}


def held_resends(con: duckdb.DuckDBPyConnection, centre_id: str) -> dict[str, str]:
    """Re-sends of a delivery (same date, changed files) held by the shrink guard while the
    raw layer still holds them: delivery -> the held re-send's signature."""
    run_sql(con, "staging/create_staging_bookkeeping")
    frame = query_frame(con, "staging/held_resends", [centre_id])
    return dict(zip(frame["delivery"], frame["signature"], strict=True))


def held_deliveries(con: duckdb.DuckDBPyConnection, centre_id: str) -> dict[str, str]:
    """Deliveries of a centre held by the shrink guard and not accepted (delivery -> reason).

    A newer delivery counts when it is staged and newer than the current one (an older one
    could not replace it); a held re-send of the current delivery counts while the raw layer
    still holds it (the centre stays on the delivery's last accepted content meanwhile).
    """
    run_sql(con, "staging/create_staging_bookkeeping")
    decisions = query_frame(con, "staging/delivery_decisions", [centre_id])
    staged = query_frame(con, "staging/staged_deliveries", [centre_id])
    staged_now = set(zip(staged["delivery"], staged["signature"], strict=True))
    resends = set(held_resends(con, centre_id).items())
    current = current_delivery(con, centre_id) or ""
    return {r.delivery: r.reason for r in decisions.itertuples()
            if r.decision == "held" and (
                ((r.delivery, r.signature) in staged_now and r.delivery > current)
                or ((r.delivery, r.signature) in resends and r.delivery == current))}


def stage_delivery(raw_tables: dict[str, pd.DataFrame], dialect: CentreDialect
                   ) -> dict[str, StagedTable]:
    """Type, validate and cross-check the eight tables of one delivery (pure)."""
    staged = {t: stage_table(raw_tables[t], t, dialect) for t in TABLE_NAMES}
    apply_cross_table_rules(staged)
    return staged


def stage_centre(con: duckdb.DuckDBPyConnection, dialect: CentreDialect,
                 now: dt.datetime | None = None, refresh_id: str | None = None,
                 chunk_rows: int | None = None) -> CentreStaging:
    """Stage every raw delivery of a centre whose raw content changed since it was staged.

    A delivery that would become current is compared with the current one first: when it
    shrank beyond the centre's limits (:mod:`extraction.shrink`) it is staged but held
    (``meta.delivery_decisions``), so the current delivery stays until it is accepted.
    A re-send of the current delivery itself (same date, changed files) that shrank is held
    without touching the delivery's staging rows: the centre stays on its last accepted
    content, the re-send's counts go to ``staging.held_resends`` and its quarantined rows to
    ``quarantine.held_rows``; once accepted, the next staging makes it the content.
    Patients of the current delivery (or of the content a same-date re-send replaces) that
    the new one no longer holds are listed in ``quarantine.deleted_patients`` (restricted).
    A delivery is staged ``chunk_rows`` source rows at a time (default
    ``AML_REGISTRY_STAGING_CHUNK_ROWS`` or 50,000) into a scratch schema
    (:mod:`extraction.stage_chunks`: memory bounded by a chunk), then moved into staging.
    """
    chunk_rows = configured_chunk_rows() if chunk_rows is None else chunk_rows
    run_sql(con, "staging/create_staging_bookkeeping")
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    centre = dialect.centre_id
    raw_deliveries = query_frame(con, "raw/centre_deliveries", [centre])
    staged_before = query_frame(con, "staging/staged_deliveries", [centre])
    done = dict(zip(staged_before["delivery"], staged_before["signature"], strict=True))
    decisions = _decisions_in_force(con, centre)
    resends = held_resends(con, centre)
    result = CentreStaging(centre)
    for delivery, signature in zip(raw_deliveries["delivery"], raw_deliveries["signature"],
                                   strict=True):
        if done.get(delivery) == signature:
            continue
        if (resends.get(delivery) == signature
                and decisions.get((delivery, signature)) == "held"):
            continue  # a held re-send, unchanged: the kept content stays
        try:
            staged = stage_to_scratch(con, dialect, delivery, chunk_rows)
            _stage_one(con, dialect, delivery, signature, staged, done, decisions, result,
                       refresh_id, now)
        finally:
            drop_scratch(con)
    return result


def _stage_one(con: duckdb.DuckDBPyConnection, dialect: CentreDialect, delivery: str,
               signature: str, staged: ScratchStaging, done: dict[str, str],
               decisions: dict[tuple[str, str], str], result: CentreStaging,
               refresh_id: str | None, now: dt.datetime) -> None:
    """Judge one delivery staged into the scratch schema (shrink guard) and commit it: into
    staging and quarantine, or as a held re-send's counts."""
    centre = dialect.centre_id
    previous = current_delivery(con, centre)
    replaces = previous is not None and delivery >= previous
    before = stored_size(con, centre, previous) if replaces else None
    findings = shrink_findings(before, staged.size, dialect.shrink_limits)
    if decisions.get((delivery, signature)) == "accepted":
        findings = []  # a data manager accepted this content of the delivery
    # patients of the current content the new one no longer holds (before its staging
    # rows replace a same-date re-send's content)
    vanished = (query_frame(con, "staging/vanished_patients", [centre, previous, delivery])
                if replaces else None)
    if findings and delivery == previous and delivery in done:
        result.held[delivery] = _hold_resend(con, centre, delivery, signature,
                                             done[delivery], staged, findings,
                                             vanished, refresh_id, now)
        return
    con.execute("BEGIN TRANSACTION")
    try:
        commit_scratch(con, centre, delivery, now)
        for table, (n_staged, n_quarantined) in staged.counts.items():
            result.rows_staged[table] = result.rows_staged.get(table, 0) + n_staged
            result.rows_quarantined[table] = (result.rows_quarantined.get(table, 0)
                                              + n_quarantined)
        for rule, n in staged.reasons.items():
            result.reasons[rule] = result.reasons.get(rule, 0) + n
        run_sql(con, "staging/delete_staged_delivery", [centre, delivery])
        run_sql(con, "staging/record_staged_delivery", {
            "centre_id": centre, "delivery": delivery, "signature": signature,
            "staged_at": now})
        _forget_held_resend(con, centre, delivery)
        if not findings and (previous is None or delivery >= previous):
            _supersede_held(con, centre, delivery, signature, refresh_id, now)
        if vanished is not None:
            # a same-date re-send keeps the patients listed against the delivery's
            # predecessor unless it holds them again; a new delivery is listed afresh. A
            # held delivery's missing patients carry its mark (held_signature): the current
            # delivery still holds them, so they are not deleted while it is held
            run_sql(con, "staging/delete_returned_patients" if previous == delivery
                    else "staging/delete_deleted_patients", [centre, delivery])
            _record_deleted_patients(con, centre, previous, delivery, vanished,
                                     signature if findings else None, now)
            if len(vanished) and not findings:
                result.deleted_patients[delivery] = len(vanished)
        if findings:
            reason = (f"centre {centre}, delivery {delivery} shrank against the current "
                      f"delivery {previous}: " + "; ".join(findings))
            if vanished is not None and len(vanished):
                reason += (f"; {len(vanished)} patient(s) of the current delivery missing "
                           "from it (listed in quarantine.deleted_patients, restricted, as "
                           "the held delivery's)")
            run_sql(con, "staging/record_delivery_decision", {
                "centre_id": centre, "delivery": delivery, "signature": signature,
                "decision": "held", "reason": reason, "decided_by": "shrink guard",
                "command": None, "refresh_id": refresh_id, "decided_at": now})
            result.held[delivery] = reason
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    result.staged_deliveries.append(delivery)


def _supersede_held(con: duckdb.DuckDBPyConnection, centre: str, delivery: str,
                    signature: str, refresh_id: str | None, now: dt.datetime) -> None:
    """A delivery became current: held decisions it outdates (older deliveries, other
    content of the same one) are closed as 'superseded', so no one is asked to decide them."""
    for (held, held_signature), decision in _decisions_in_force(con, centre).items():
        if decision == "held" and held <= delivery and (held, held_signature) != (
                delivery, signature):
            if held < delivery:  # its missing patients were listed as the held delivery's
                run_sql(con, "staging/forget_held_deleted_patients", [centre, held])
            con.execute("INSERT INTO meta.delivery_decisions VALUES "
                        "(?, ?, ?, 'superseded', ?, 'shrink guard', NULL, ?, ?)",
                        [centre, held, held_signature,
                         f"centre {centre}: delivery {delivery} became current instead",
                         refresh_id, now])


def _record_deleted_patients(con: duckdb.DuckDBPyConnection, centre: str, last_delivery: str,
                             delivery: str, vanished: pd.DataFrame, held_signature: str | None,
                             now: dt.datetime) -> None:
    """List the patients a delivery (or a held re-send, by its signature) no longer holds in
    ``quarantine.deleted_patients`` (restricted; each becomes a data managers' query)."""
    for patient in vanished["patient_id"]:
        run_sql(con, "staging/record_deleted_patient", {
            "centre_id": centre, "patient_id": patient, "last_delivery": last_delivery,
            "missing_from": delivery, "recorded_at": now, "held_signature": held_signature})


def _forget_held_resend(con: duckdb.DuckDBPyConnection, centre: str, delivery: str) -> None:
    """A delivery's staging rows were replaced: a re-send held for it is superseded."""
    run_sql(con, "staging/forget_held_deleted_patients", [centre, delivery])
    con.execute("DELETE FROM staging.held_resends WHERE centre_id = ? AND delivery = ?",
                [centre, delivery])
    con.execute("DELETE FROM quarantine.held_rows WHERE centre_id = ? AND delivery = ?",
                [centre, delivery])


def _hold_resend(con: duckdb.DuckDBPyConnection, centre: str, delivery: str, signature: str,
                 kept_signature: str, staged: ScratchStaging, findings: list[str],
                 vanished: pd.DataFrame | None, refresh_id: str | None,
                 now: dt.datetime) -> str:
    """Hold a re-send of the current delivery that shrank; the staging rows stay. Returns
    the reason recorded in ``meta.delivery_decisions``. The kept content's patients the
    re-send lacks are listed in ``quarantine.deleted_patients`` with the re-send's signature
    (not deleted while the kept content is in use)."""
    staged_at = con.execute("SELECT staged_at FROM staging.deliveries WHERE centre_id = ? "
                            "AND delivery = ?", [centre, delivery]).fetchone()[0]
    reason = (f"centre {centre}, delivery {delivery} was re-sent with changed files and the "
              f"re-send shrank against the delivery's accepted content (staged "
              f"{staged_at:%Y-%m-%d %H:%M} UTC, which stays in use): " + "; ".join(findings))
    if vanished is not None and len(vanished):
        reason += (f"; {len(vanished)} patient(s) of the accepted content missing from the "
                   "re-send (listed in quarantine.deleted_patients, restricted)")
    con.execute("BEGIN TRANSACTION")
    try:
        _forget_held_resend(con, centre, delivery)
        for table, (n_staged, n_quarantined) in staged.counts.items():
            run_sql(con, "staging/record_held_resend", {
                "centre_id": centre, "delivery": delivery, "signature": signature,
                "kept_signature": kept_signature, "table_name": table,
                "staged_rows": n_staged, "quarantined_rows": n_quarantined,
                "staged_at": now})
        write_scratch_quarantine(con, "quarantine.held_rows", now)
        if vanished is not None:
            _record_deleted_patients(con, centre, delivery, delivery, vanished, signature, now)
        con.execute("INSERT INTO meta.delivery_decisions VALUES "
                    "(?, ?, ?, 'held', ?, 'shrink guard', NULL, ?, ?)",
                    [centre, delivery, signature, reason, refresh_id, now])
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    return reason


def accept_delivery(con: duckdb.DuckDBPyConnection, centre_id: str, delivery: str, reason: str,
                    decided_by: str, command: str, now: dt.datetime | None = None) -> str:
    """Record a data manager's decision to accept a held delivery; return what was held.

    A held re-send of the current delivery is accepted by its raw signature; the next
    staging of the centre makes it the delivery's content.
    """
    held = held_deliveries(con, centre_id)
    if delivery not in held:
        raise ValueError(f"centre {centre_id}, delivery {delivery} is not held by the shrink "
                         f"guard (held: {sorted(held) or 'none'})")
    if not reason.strip():
        raise ValueError("a reason is required to accept a delivery that shrank")
    resends = held_resends(con, centre_id)
    if delivery in resends:
        signature = resends[delivery]
    else:
        staged = query_frame(con, "staging/staged_deliveries", [centre_id])
        signature = staged.loc[staged["delivery"] == delivery, "signature"].iloc[0]
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    run_sql(con, "staging/record_delivery_decision", {
        "centre_id": centre_id, "delivery": delivery, "signature": signature,
        "decision": "accepted", "reason": reason.strip(), "decided_by": decided_by,
        "command": command, "refresh_id": None, "decided_at": now})
    if delivery not in resends:  # it becomes current: its missing patients are deleted
        run_sql(con, "staging/accept_held_deleted_patients", [centre_id, delivery, signature])
    return held[delivery]


def row_accounting(con: duckdb.DuckDBPyConnection, centre_id: str | None = None) -> pd.DataFrame:
    """raw rows vs staged + quarantined rows per centre, delivery and table (a held re-send
    by its own counts, see ``staging.held_resends``)."""
    run_sql(con, "staging/create_staging_bookkeeping")
    frame = query_frame(con, "staging/row_accounting")
    if centre_id is not None:
        frame = frame[frame["centre_id"] == centre_id]
    return frame.reset_index(drop=True)


def read_current_staging(con: duckdb.DuckDBPyConnection, centre_id: str | None = None
                         ) -> dict[str, pd.DataFrame]:
    """Each centre's newest staged delivery (or only ``centre_id``'s: the input of its
    harmonised partition), typed as the clinical rules expect.

    Dates as datetime64[ns], integers as Int64, booleans as nullable boolean, text as object.
    """
    out: dict[str, pd.DataFrame] = {}
    for table in TABLE_NAMES:
        frame = query_frame(con, "staging/current_table", {"centre_id": centre_id},
                            table=table)
        cast_canonical(frame, table)
        out[table] = frame
    return out
