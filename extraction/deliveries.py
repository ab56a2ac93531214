"""Finding a centre's complete deliveries in the landing area, and refusing what is not one.

Source: ../shared/spec/export-format.md ("Landing area layout"): one folder per delivery named
by its ISO export date; a delivery is taken once it has a ``_SUCCESS`` marker, or once its
files have not changed for the centre's quiet period. An entry of the centre folder that is
not a delivery is reported, never ignored without a word: a folder whose name is not a real
ISO date (``latest``, ``2026-13-45``), a symbolic link (a delivery must be a folder of the
landing area itself, not a pointer elsewhere) and a delivery dated in the future beyond the
tolerance (a ``9999-12-31`` folder would otherwise stay the newest for ever).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass
from pathlib import Path

from schemas.dialect import DIALECT_FILE, CentreDialect

SUCCESS_MARKER = "_SUCCESS"
_DELIVERY_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: a delivery may be dated at most this many days after today (time zones, clock skew)
FUTURE_TOLERANCE_DAYS = 1


@dataclass(frozen=True)
class Delivery:
    """One export folder of one centre."""

    centre_id: str
    delivery: str
    path: Path
    complete: bool
    reason: str

    @property
    def label(self) -> str:
        return f"{self.centre_id}/{self.delivery}"


@dataclass(frozen=True)
class FolderProblem:
    """An entry of a centre folder that is not a usable delivery, with the reason."""

    centre_id: str
    name: str
    problem: str


def delivery_is_complete(folder: Path, quiet_period_seconds: float,
                         now: float | None = None) -> tuple[bool, str]:
    """A delivery is complete with a ``_SUCCESS`` marker or after a quiet period without change."""
    if (folder / SUCCESS_MARKER).exists():
        return True, "_SUCCESS marker present"
    files = [p for p in folder.iterdir() if p.is_file()]
    if not files:
        return False, "empty folder without _SUCCESS marker"
    newest = max(p.lstat().st_mtime for p in files)
    age = (time.time() if now is None else now) - newest
    if age >= quiet_period_seconds:
        return True, f"unchanged for {age:.0f} s (quiet period {quiet_period_seconds:.0f} s)"
    return False, (f"no _SUCCESS marker and last changed {age:.0f} s ago "
                   f"(quiet period {quiet_period_seconds:.0f} s)")


def delivery_date_problem(name: str, today: dt.date,
                          tolerance_days: int = FUTURE_TOLERANCE_DAYS) -> str | None:
    """Why a delivery folder name is not a usable export date (None when it is one)."""
    if not _DELIVERY_NAME.match(name):
        return ("is not a delivery folder name: a delivery folder is named by its export "
                "date, YYYY-MM-DD")
    try:
        date = dt.date.fromisoformat(name)
    except ValueError:
        return "is not a real calendar date (YYYY-MM-DD with a valid month and day)"
    if date > today + dt.timedelta(days=tolerance_days):
        return (f"is dated in the future (today is {today.isoformat()}, tolerance "
                f"{tolerance_days} day(s)): a delivery cannot be exported after today")
    return None


def scan_centre_folder(centre_folder: Path, dialect: CentreDialect, now: float | None = None
                       ) -> tuple[list[Delivery], list[FolderProblem]]:
    """The centre's delivery folders, oldest first, each marked complete or not, and the
    entries that are not usable deliveries (reported, not loaded).

    Hidden entries (``.name``) and ``_name`` entries are the landing tools' own; plain files
    beside ``centre.yaml`` are not deliveries and are left alone.
    """
    moment = time.time() if now is None else now
    today = dt.datetime.fromtimestamp(moment, dt.UTC).date()
    centre = dialect.centre_id
    out: list[Delivery] = []
    problems: list[FolderProblem] = []
    for entry in sorted(Path(centre_folder).iterdir()):
        if entry.name.startswith((".", "_")) or entry.name == DIALECT_FILE:
            continue
        if entry.is_symlink():
            problems.append(FolderProblem(centre, entry.name, (
                "is a symbolic link: refused (a delivery must be a folder inside the centre's "
                "landing folder, not a link to elsewhere)")))
            continue
        if not entry.is_dir():
            continue
        problem = delivery_date_problem(entry.name, today)
        if problem is not None:
            problems.append(FolderProblem(centre, entry.name, f"folder {problem}: not loaded"))
            continue
        complete, reason = delivery_is_complete(entry, dialect.quiet_period_seconds, moment)
        out.append(Delivery(centre, entry.name, entry, complete, reason))
    return out, problems


def list_deliveries(centre_folder: Path, dialect: CentreDialect,
                    now: float | None = None) -> list[Delivery]:
    """All usable delivery folders of a centre, oldest first, each marked complete or not."""
    return scan_centre_folder(centre_folder, dialect, now)[0]


def complete_deliveries(centre_folder: Path, dialect: CentreDialect,
                        now: float | None = None) -> list[Delivery]:
    """Only the deliveries that are complete, oldest first."""
    return [d for d in list_deliveries(centre_folder, dialect, now) if d.complete]
