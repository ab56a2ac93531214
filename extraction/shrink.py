"""No silent shrink: a new delivery that loses much of its centre's registry is held.

A full export (export-format.md: every delivery is a complete snapshot) only loses patients
when they are deleted at the source, and only loses deaths, relapses, transplants or GVHD
episodes by correction. A large loss is far more often a broken export: a latin-1 file read
as UTF-8 (622 of 871 rows quarantined), a file cut at a line end (a centre's endpoints from
48 to 8). Such a delivery must not replace the centre's last good delivery without a decision
(issue 18): it is held, the centre fails with a message saying what shrank, and a data
manager accepts it explicitly when the loss is real (``aml-registry accept-delivery``).
Limits are shares, per centre in ``centre.yaml`` (``shrink_guard:``), defaults in
:data:`schemas.dialect.DEFAULT_SHRINK_LIMITS`.
"""

from __future__ import annotations

from dataclasses import dataclass

#: a loss is judged only from this many lost patients or events (one correction is not a
#: shrink), and a quarantine share only from this many quarantined rows
MIN_LOST = 2
MIN_QUARANTINED = 5
EVENT_KINDS = ("deaths", "relapses", "transplants", "gvhd_episodes")


@dataclass(frozen=True)
class DeliverySize:
    """What one staged delivery holds: patients, events, and rows delivered / quarantined."""

    patients: int
    deaths: int
    relapses: int
    transplants: int
    gvhd_episodes: int
    raw_rows: int
    quarantined_rows: int


def _loss(name: str, before: int, after: int, limit: float) -> str | None:
    lost = before - after
    if lost < MIN_LOST or before <= 0 or lost / before <= limit:
        return None
    return (f"{name} {before} -> {after} (-{lost / before:.0%}, more than the "
            f"{limit:.0%} allowed)")


def shrink_findings(previous: DeliverySize | None, new: DeliverySize,
                    limits: dict[str, float]) -> list[str]:
    """What shrank between the centre's current delivery and a new one (empty: nothing).

    Patients and each kind of event are compared with the previous delivery; the share of
    quarantined rows is judged on the new delivery alone (only when it would replace one).
    """
    if previous is None:
        return []
    found = []
    patients = _loss("patients", previous.patients, new.patients, limits["max_patient_loss"])
    if patients:
        found.append(patients)
    for kind in EVENT_KINDS:
        text = _loss(kind.replace("_", " "), getattr(previous, kind), getattr(new, kind),
                     limits["max_event_loss"])
        if text:
            found.append(text)
    share = new.quarantined_rows / new.raw_rows if new.raw_rows else 0.0
    if new.quarantined_rows >= MIN_QUARANTINED and share > limits["max_quarantined_share"]:
        found.append(f"{new.quarantined_rows} of {new.raw_rows} rows quarantined ({share:.0%}, "
                     f"more than the {limits['max_quarantined_share']:.0%} allowed)")
    return found
