"""A source file's header mapped to the canonical columns of its table (CSV and workbook).

Source: ../shared/spec/export-format.md ("centre.yaml (the dialect)": ``columns:``). A source
column is renamed by the dialect's mapping, or keeps its name when that is a canonical column;
any other column is unknown (its values go to ``unmapped``).
"""

from __future__ import annotations

from extraction.errors import DeliveryError
from schemas.canonical import CANONICAL_TABLES
from schemas.dialect import CentreDialect


def map_header(header: list[str], table: str, dialect: CentreDialect, delivery: str,
               file: str) -> tuple[list[str | None], list[str]]:
    """Canonical name per source column (None = unknown to the dialect) and the stripped
    source names; raises :class:`DeliveryError` for a canonical column mapped twice or a
    missing required one (never quoting the header: it may be a patient's record)."""
    spec = CANONICAL_TABLES[table]
    mapping = dialect.column_map(table)
    known = set(spec.column_names)
    canonical: list[str | None] = []
    for name in header:
        name = name.strip()
        canonical.append(mapping.get(name, name if name in known else None))
    seen = [c for c in canonical if c is not None]
    duplicated = sorted({c for c in seen if seen.count(c) > 1})
    if duplicated:
        raise DeliveryError(dialect.centre_id, delivery, file,
                            f"several source columns map to canonical column(s) {duplicated}")
    missing = [c.name for c in spec.columns if c.required and c.name not in seen]
    if missing:
        # the header's own text is not quoted: in a file without a header line it is the
        # first patient's record (identifying values stay out of messages and logs)
        known_names = sum(1 for c in canonical if c is not None)
        raise DeliveryError(dialect.centre_id, delivery, file,
                            f"missing required column(s) {missing} for table {table}: the "
                            f"first line has {len(header)} fields, {known_names} of them "
                            f"known column names (is the header line missing, or the "
                            f"centre.yaml column mapping incomplete?)")
    return canonical, [h.strip() for h in header]
