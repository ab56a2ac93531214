"""Finding a centre's complete deliveries in the landing area.

Source: ../shared/spec/export-format.md ("Landing area layout"): one folder per delivery named
by its ISO export date; a delivery is taken once it has a ``_SUCCESS`` marker, or once its
files have not changed for the centre's quiet period.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from schemas.dialect import CentreDialect

SUCCESS_MARKER = "_SUCCESS"
_DELIVERY_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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


def delivery_is_complete(folder: Path, quiet_period_seconds: float,
                         now: float | None = None) -> tuple[bool, str]:
    """A delivery is complete with a ``_SUCCESS`` marker or after a quiet period without change."""
    if (folder / SUCCESS_MARKER).exists():
        return True, "_SUCCESS marker present"
    files = [p for p in folder.iterdir() if p.is_file()]
    if not files:
        return False, "empty folder without _SUCCESS marker"
    newest = max(p.stat().st_mtime for p in files)
    age = (time.time() if now is None else now) - newest
    if age >= quiet_period_seconds:
        return True, f"unchanged for {age:.0f} s (quiet period {quiet_period_seconds:.0f} s)"
    return False, (f"no _SUCCESS marker and last changed {age:.0f} s ago "
                   f"(quiet period {quiet_period_seconds:.0f} s)")


def list_deliveries(centre_folder: Path, dialect: CentreDialect,
                    now: float | None = None) -> list[Delivery]:
    """All delivery folders of a centre, oldest first, each marked complete or not."""
    out: list[Delivery] = []
    for folder in sorted(Path(centre_folder).iterdir()):
        if not folder.is_dir() or not _DELIVERY_NAME.match(folder.name):
            continue
        complete, reason = delivery_is_complete(folder, dialect.quiet_period_seconds, now)
        out.append(Delivery(dialect.centre_id, folder.name, folder, complete, reason))
    return out


def complete_deliveries(centre_folder: Path, dialect: CentreDialect,
                        now: float | None = None) -> list[Delivery]:
    """Only the deliveries that are complete, oldest first."""
    return [d for d in list_deliveries(centre_folder, dialect, now) if d.complete]
