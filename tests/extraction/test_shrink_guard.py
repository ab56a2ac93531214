"""No silent shrink: a delivery that loses patients or events, or quarantines too many rows,
is held until accepted; patients deleted at the source are listed and raised as queries
(issue 18)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from extraction_support import load_all, write_centre

from data_quality.queries import DELETED_RULE
from data_quality.query_store import refresh_queries
from extraction.shrink import DeliverySize, shrink_findings
from extraction.stage import (
    accept_delivery,
    held_deliveries,
    read_current_staging,
    row_accounting,
    stage_centre,
)
from schemas.dialect import DEFAULT_SHRINK_LIMITS, load_dialect
from warehouse.database import sql_text

HEADER = b"patient_id,sex,birth_date,diagnosis_date\n"
FOLLOWUP_HEADER = b"patient_id,last_contact_date,vital_status,death_date\n"
#: what `aml-registry status` lists as waiting for a data manager's decision
_PENDING = sql_text("meta/pending_decisions")


def _size(patients: int = 100, deaths: int = 20, relapses: int = 10, transplants: int = 50,
          gvhd: int = 30, raw: int = 1000, quarantined: int = 0) -> DeliverySize:
    return DeliverySize(patients, deaths, relapses, transplants, gvhd, raw, quarantined)


@pytest.mark.parametrize(("case", "new", "expected"), [
    ("a complete snapshot that grew is taken", _size(patients=105, deaths=22), []),
    ("one patient deleted at the source is not a shrink", _size(patients=99), []),
    ("losing 68 % of the patients (31 -> 10 of a latin-1 file read as UTF-8) is held",
     _size(patients=32), ["patients 100 -> 32"]),
    ("losing most deaths (13 -> 0) is held", _size(deaths=0), ["deaths 20 -> 0"]),
    ("a file cut at a line end (endpoints 48 -> 8) loses transplants and GVHD",
     _size(transplants=8, gvhd=5), ["transplants 50 -> 8", "gvhd episodes 30 -> 5"]),
    ("quarantining 622 of 871 rows is held", _size(raw=871, quarantined=622),
     ["622 of 871 rows quarantined"]),
    ("quarantining 20 % exactly is allowed", _size(raw=1000, quarantined=200), []),
])
def test_shrink_findings(case: str, new: DeliverySize, expected: list[str]) -> None:
    found = shrink_findings(_size(), new, DEFAULT_SHRINK_LIMITS)
    assert len(found) == len(expected), found
    for text, start in zip(found, expected, strict=True):
        assert text.startswith(start)


def test_a_first_delivery_has_nothing_to_shrink_from() -> None:
    assert shrink_findings(None, _size(patients=1, raw=10, quarantined=9),
                           DEFAULT_SHRINK_LIMITS) == []


def test_limits_come_from_the_centre() -> None:
    limits = {**DEFAULT_SHRINK_LIMITS, "max_patient_loss": 0.9}
    assert shrink_findings(_size(), _size(patients=32), limits) == []


def _patients(n: int, dead: int = 0) -> dict[str, bytes]:
    rows = b"".join(f"P{i:03d},male,1950-01-01,2020-01-01\n".encode() for i in range(n))
    follow = b"".join(
        (f"P{i:03d},2021-01-01,dead,2021-01-01\n" if i < dead else
         f"P{i:03d},2021-01-01,alive,\n").encode() for i in range(n))
    return {"patients.csv": HEADER + rows, "followup.csv": FOLLOWUP_HEADER + follow}


def test_a_shrunken_delivery_is_held_until_accepted(tmp_path: Path,
                                                    con: duckdb.DuckDBPyConnection) -> None:
    landing = tmp_path / "landing"
    write_centre(landing, "SHK", {}, {"2026-05-04": _patients(31, dead=13)})
    load_all(con, landing)
    write_centre(landing, "SHK", {}, {"2026-11-16": _patients(10, dead=0)})
    _, stagings, failures = load_all(con, landing)
    assert failures == {}
    held = stagings["SHK"].held["2026-11-16"]
    assert "patients 31 -> 10" in held and "deaths 13 -> 0" in held
    assert "current delivery 2026-05-04" in held
    # the last good delivery stays current
    assert len(read_current_staging(con)["patients"]) == 31
    assert held_deliveries(con, "SHK") == {"2026-11-16": held}
    # the patients missing from the new delivery are listed for data managers (restricted)
    deleted = con.execute("SELECT patient_id, last_delivery, missing_from FROM "
                          "quarantine.deleted_patients ORDER BY patient_id").fetchall()
    assert len(deleted) == 21 and deleted[0] == ("P010", "2026-05-04", "2026-11-16")
    # an unchanged refresh keeps it held
    load_all(con, landing)
    assert list(held_deliveries(con, "SHK")) == ["2026-11-16"]
    # an explicit, recorded decision makes it current
    with pytest.raises(ValueError, match="reason is required"):
        accept_delivery(con, "SHK", "2026-11-16", " ", "dm", "cmd")
    with pytest.raises(ValueError, match="not held"):
        accept_delivery(con, "SHK", "2026-05-04", "x", "dm", "cmd")
    accept_delivery(con, "SHK", "2026-11-16", "21 patients withdrew consent", "dm",
                    "aml-registry accept-delivery ...")
    assert held_deliveries(con, "SHK") == {}
    assert len(read_current_staging(con)["patients"]) == 10
    decisions = con.execute("SELECT decision, reason, decided_by FROM meta.delivery_decisions "
                            "ORDER BY decided_at").fetchall()
    assert [d[0] for d in decisions] == ["held", "accepted"]
    assert decisions[1][1:] == ("21 patients withdrew consent", "dm")


def test_a_newer_good_delivery_supersedes_a_held_one(tmp_path: Path,
                                                     con: duckdb.DuckDBPyConnection) -> None:
    landing = tmp_path / "landing"
    write_centre(landing, "SUP", {}, {"2026-05-04": _patients(30)})
    load_all(con, landing)
    write_centre(landing, "SUP", {}, {"2026-08-01": _patients(5)})
    load_all(con, landing)
    assert list(held_deliveries(con, "SUP")) == ["2026-08-01"]
    write_centre(landing, "SUP", {}, {"2026-11-16": _patients(32)})
    _, stagings, _ = load_all(con, landing)
    assert stagings["SUP"].held == {}
    assert held_deliveries(con, "SUP") == {}
    assert con.execute(_PENDING).fetchall() == []
    assert len(read_current_staging(con)["patients"]) == 32


def test_a_held_resend_keeps_the_centre_on_its_accepted_content(
        tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    """A re-send of the current delivery (same date) that shrank must not make an older
    delivery current: the centre stays on the delivery's accepted content until accepted."""
    landing = tmp_path / "landing"
    write_centre(landing, "RSD", {}, {"2026-05-04": _patients(28, dead=9)})
    load_all(con, landing)
    write_centre(landing, "RSD", {}, {"2026-08-01": _patients(31, dead=13)})
    load_all(con, landing)
    # the 2026-08-01 delivery re-sent, cut to 10 patients and no deaths
    write_centre(landing, "RSD", {}, {"2026-08-01": _patients(10, dead=0)})
    _, stagings, failures = load_all(con, landing)
    assert failures == {}
    held = stagings["RSD"].held["2026-08-01"]
    assert "re-sent" in held and "patients 31 -> 10" in held and "deaths 13 -> 0" in held
    assert "which stays in use" in held
    current = read_current_staging(con)
    assert current["patients"]["delivery"].unique().tolist() == ["2026-08-01"]
    assert len(current["patients"]) == 31
    assert (current["followup"]["vital_status"] == "dead").sum() == 13
    assert held_deliveries(con, "RSD") == {"2026-08-01": held}
    # the re-send's rows are accounted (raw = its staged + quarantined counts): nothing lost
    accounting = row_accounting(con, "RSD")
    assert accounting["balanced"].all()
    resent = accounting[accounting["delivery"] == "2026-08-01"].set_index("table_name")
    assert resent.loc["patients", "raw_rows"] == 10
    # an unchanged refresh keeps it held and the content kept
    _, stagings, _ = load_all(con, landing)
    assert stagings["RSD"].staged_deliveries == []
    assert list(held_deliveries(con, "RSD")) == ["2026-08-01"]
    assert len(read_current_staging(con)["patients"]) == 31
    # accepted, the next staging makes the re-send the delivery's content
    accept_delivery(con, "RSD", "2026-08-01", "21 patients withdrew consent", "dm", "cmd")
    assert held_deliveries(con, "RSD") == {}
    _, stagings, _ = load_all(con, landing)
    assert stagings["RSD"].staged_deliveries == ["2026-08-01"] and stagings["RSD"].held == {}
    assert len(read_current_staging(con)["patients"]) == 10
    assert row_accounting(con, "RSD")["balanced"].all()
    assert con.execute("SELECT count(*) FROM staging.held_resends").fetchone()[0] == 0


def test_a_corrected_resend_after_a_held_one_replaces_the_content(
        tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    landing = tmp_path / "landing"
    write_centre(landing, "RS2", {}, {"2026-08-01": _patients(30, dead=10)})
    load_all(con, landing)
    write_centre(landing, "RS2", {}, {"2026-08-01": _patients(4)})
    _, stagings, _ = load_all(con, landing)
    assert list(stagings["RS2"].held) == ["2026-08-01"]
    assert len(read_current_staging(con)["patients"]) == 30
    write_centre(landing, "RS2", {}, {"2026-08-01": _patients(31, dead=10)})
    _, stagings, _ = load_all(con, landing)
    assert stagings["RS2"].held == {} and held_deliveries(con, "RS2") == {}
    assert len(read_current_staging(con)["patients"]) == 31
    assert row_accounting(con, "RS2")["balanced"].all()
    # nothing is left for a data manager to decide (status lists pending decisions)
    assert con.execute(_PENDING).fetchall() == []
    assert [d for (d,) in con.execute("SELECT decision FROM meta.delivery_decisions "
                                      "ORDER BY decided_at").fetchall()] == ["held",
                                                                             "superseded"]


def test_a_resend_that_quarantines_most_rows_keeps_them_restricted(
        tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    """The held re-send's rejected rows are kept with their reasons (quarantine.held_rows)."""
    landing = tmp_path / "landing"
    write_centre(landing, "RS3", {}, {"2026-08-01": _patients(30)})
    load_all(con, landing)
    bad = HEADER + b"".join(f"P{i:03d},male,1950-13-45,2020-01-01\n".encode()
                            for i in range(30))
    write_centre(landing, "RS3", {}, {"2026-08-01": {"patients.csv": bad}})
    _, stagings, _ = load_all(con, landing)
    assert "rows quarantined" in stagings["RS3"].held["2026-08-01"]
    assert len(read_current_staging(con)["patients"]) == 30
    kept = con.execute("SELECT count(DISTINCT source_row) FROM quarantine.held_rows "
                       "WHERE centre_id = 'RS3' AND table_name = 'patients'").fetchone()[0]
    assert kept >= 30
    assert row_accounting(con, "RS3")["balanced"].all()


def test_a_broken_resend_keeps_the_centre_on_its_current_delivery(
        tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    """A re-send that cannot be loaded (a delivery problem) leaves the delivery as it was."""
    landing = tmp_path / "landing"
    write_centre(landing, "RS4", {}, {"2026-05-04": _patients(20)})
    write_centre(landing, "RS4", {}, {"2026-08-01": _patients(25)})
    load_all(con, landing)
    write_centre(landing, "RS4", {}, {"2026-08-01": {
        "mutations.csv": b"patient_id,gene\nP001,NPM1\n"}})
    _, _, failures = load_all(con, landing)
    assert "delivery 2026-08-01" in str(failures["RS4"])
    stage_centre(con, load_dialect(landing / "RS4" / "centre.yaml"))
    current = read_current_staging(con)["patients"]
    assert current["delivery"].unique().tolist() == ["2026-08-01"] and len(current) == 25
    assert held_deliveries(con, "RS4") == {}


def _queries(con: duckdb.DuckDBPyConnection, refresh: str) -> dict[str, dict]:
    """quality.queries rebuilt as a refresh does, by record key (patient deletions only)."""
    table = refresh_queries(con, refresh)
    deleted = table[table["rule"].eq(DELETED_RULE)]
    return {r["record_key"]: r for r in deleted.to_dict("records")}


def test_deleted_patients_are_open_queries_until_the_patient_comes_back(
        tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    landing = tmp_path / "landing"
    write_centre(landing, "DEL", {}, {"2026-05-04": _patients(30)})
    load_all(con, landing)
    write_centre(landing, "DEL", {}, {"2026-08-01": _patients(28)})
    _, stagings, _ = load_all(con, landing)
    assert stagings["DEL"].deleted_patients == {"2026-08-01": 2}
    queries = _queries(con, "r1")
    assert set(queries) == {"patient_id=P028", "patient_id=P029"}
    q = queries["patient_id=P029"]
    assert (q["status"], q["source"], q["kind"], q["held_resend"]) == (
        "open", "deleted_patient", "completeness", False)
    assert "centre DEL" in q["reason"] and "delivery 2026-08-01" in q["reason"]
    assert "P029" in q["reason"] and "2026-05-04" in q["reason"]
    assert (q["file"], q["source_row"]) == ("patients.csv", 30)  # its row in 2026-05-04
    # still missing from the next delivery: the same query stays open
    write_centre(landing, "DEL", {}, {"2026-09-01": _patients(28)})
    load_all(con, landing)
    again = _queries(con, "r2")
    assert again["patient_id=P029"]["query_id"] == q["query_id"]
    assert again["patient_id=P029"]["status"] == "open"
    assert again["patient_id=P029"]["last_seen_delivery"] == "2026-09-01"
    # P029 comes back in a later delivery: resolved there; P028 stays open
    rows = _patients(30)
    rows["patients.csv"] = b"".join(line + b"\n" for line in rows["patients.csv"].splitlines()
                                    if not line.startswith(b"P028"))
    rows["followup.csv"] = b"".join(line + b"\n" for line in rows["followup.csv"].splitlines()
                                    if not line.startswith(b"P028"))
    write_centre(landing, "DEL", {}, {"2026-10-01": rows})
    load_all(con, landing)
    later = _queries(con, "r3")
    assert later["patient_id=P029"]["status"] == "resolved"
    assert later["patient_id=P029"]["resolved_in_delivery"] == "2026-10-01"
    assert later["patient_id=P028"]["status"] == "open"
    history = con.execute("SELECT open_queries FROM quality.query_history WHERE refresh_id = "
                          "'r3' AND centre_id = 'DEL'").fetchone()
    assert history == (1,)


def test_a_held_resend_lists_its_missing_patients_and_rows_as_held_queries(
        tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    """The kept content still holds them: listed with the re-send's mark, not as deleted."""
    landing = tmp_path / "landing"
    write_centre(landing, "HRQ", {}, {"2026-08-01": _patients(30, dead=10)})
    load_all(con, landing)
    cut = _patients(10)
    cut["patients.csv"] += b"P050,male,1950-13-45,2020-01-01\n"
    write_centre(landing, "HRQ", {}, {"2026-08-01": cut})
    _, stagings, _ = load_all(con, landing)
    assert "20 patient(s) of the accepted content missing" in stagings["HRQ"].held["2026-08-01"]
    assert stagings["HRQ"].deleted_patients == {}
    held = con.execute("SELECT count(*), count(held_signature) FROM quarantine.deleted_patients "
                       "WHERE centre_id = 'HRQ'").fetchone()
    assert held == (20, 20)
    table = refresh_queries(con, "r1")
    mine = table[table["centre_id"].eq("HRQ")]
    assert mine["held_resend"].all() and mine["status"].eq("open").all()
    gone = mine[mine["rule"].eq(DELETED_RULE)]
    assert len(gone) == 20 and gone["reason"].str.contains("held re-send of delivery").all()
    row = mine[mine["source"].eq("quarantine")]
    assert len(row) >= 1 and row["record_key"].iloc[0] == "patient_id=P050"
    ids = dict(zip(gone["record_key"], gone["query_id"], strict=True))
    # accepted: the re-send is the content, the same queries are the delivery's own
    accept_delivery(con, "HRQ", "2026-08-01", "20 patients withdrew consent", "dm", "cmd")
    load_all(con, landing)
    assert con.execute("SELECT count(*), count(held_signature) FROM quarantine.deleted_patients "
                       "WHERE centre_id = 'HRQ'").fetchone() == (20, 0)
    after = refresh_queries(con, "r2")
    mine = after[after["centre_id"].eq("HRQ")]
    assert not mine["held_resend"].any() and mine["status"].eq("open").all()
    now = mine[mine["rule"].eq(DELETED_RULE)]
    assert dict(zip(now["record_key"], now["query_id"], strict=True)) == ids


def test_a_superseded_held_resend_resolves_its_queries(
        tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    landing = tmp_path / "landing"
    write_centre(landing, "HRS", {}, {"2026-08-01": _patients(30, dead=10)})
    load_all(con, landing)
    write_centre(landing, "HRS", {}, {"2026-08-01": _patients(5)})
    load_all(con, landing)
    assert refresh_queries(con, "r1")["status"].eq("open").sum() == 25
    # the centre reverts to the content in use: nothing is held any more
    write_centre(landing, "HRS", {}, {"2026-08-01": _patients(30, dead=10)})
    load_all(con, landing)
    assert held_deliveries(con, "HRS") == {}
    table = refresh_queries(con, "r2")
    assert len(table) == 25 and table["status"].eq("resolved").all()
    # a new held re-send (other files) replaces the listed missing patients
    write_centre(landing, "HRS", {}, {"2026-08-01": _patients(3)})
    load_all(con, landing)
    assert con.execute("SELECT count(*) FROM quarantine.deleted_patients "
                       "WHERE held_signature IS NOT NULL").fetchone() == (27,)
    assert refresh_queries(con, "r3")["status"].eq("open").sum() == 27


def test_a_held_newer_delivery_lists_its_missing_patients_as_held_not_deleted(
        tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    """The current delivery still holds them: marked as the held delivery's, not counted as
    deleted while it is held; deleted once it is accepted."""
    landing = tmp_path / "landing"
    write_centre(landing, "HND", {}, {"2026-05-04": _patients(30)})
    load_all(con, landing)
    write_centre(landing, "HND", {}, {"2026-08-01": _patients(10)})
    _, stagings, _ = load_all(con, landing)
    assert "20 patient(s) of the current delivery missing" in stagings["HND"].held["2026-08-01"]
    assert stagings["HND"].deleted_patients == {}
    listed = "SELECT count(*), count(held_signature) FROM quarantine.deleted_patients " \
             "WHERE centre_id = 'HND'"
    assert con.execute(listed).fetchone() == (20, 20)
    table = refresh_queries(con, "r1")
    gone = table[table["centre_id"].eq("HND") & table["rule"].eq(DELETED_RULE)]
    assert len(gone) == 20 and gone["held_resend"].all()
    assert gone["reason"].str.contains("delivery 2026-08-01, held by the shrink guard").all()
    assert gone["reason"].str.contains("current delivery 2026-05-04").all()
    # accepted: the delivery is current and its missing patients are deleted at the source
    accept_delivery(con, "HND", "2026-08-01", "20 patients withdrew consent", "dm", "cmd")
    assert con.execute(listed).fetchone() == (20, 0)
    after = refresh_queries(con, "r2")
    now = after[after["centre_id"].eq("HND") & after["rule"].eq(DELETED_RULE)]
    assert len(now) == 20 and not now["held_resend"].any() and now["status"].eq("open").all()
    assert now["reason"].str.contains("delivery 2026-08-01 no longer holds patient").all()


def test_a_superseded_held_delivery_forgets_its_missing_patients(
        tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    landing = tmp_path / "landing"
    write_centre(landing, "HNS", {}, {"2026-05-04": _patients(30)})
    load_all(con, landing)
    write_centre(landing, "HNS", {}, {"2026-08-01": _patients(5)})
    load_all(con, landing)
    assert con.execute("SELECT count(*) FROM quarantine.deleted_patients WHERE centre_id = "
                       "'HNS' AND held_signature IS NOT NULL").fetchone() == (25,)
    write_centre(landing, "HNS", {}, {"2026-11-16": _patients(29)})
    _, stagings, _ = load_all(con, landing)
    assert stagings["HNS"].deleted_patients == {"2026-11-16": 1}
    assert con.execute("SELECT patient_id, missing_from, held_signature FROM "
                       "quarantine.deleted_patients WHERE centre_id = 'HNS'").fetchall() == [
        ("P029", "2026-11-16", None)]
