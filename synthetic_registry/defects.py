"""Realistic data faults injected into the newest delivery, with a manifest of each one.

Row-level kinds (expected ``quarantine_row``): unknown_label, typo, impossible_date,
date_order, duplicate_row, missing_required, out_of_range, short_row (CSV only: the record
loses its last 1-3 fields, as when an export line is cut). File-level kinds (expected
``centre_fails``, one centre each): truncated_file, wrong_encoding. Each data row carries at
most one defect; a duplicate is an exact copy inserted right after its original (the
manifest names the copy's row, counted after insertion). Centres hit by a file-level defect
get no row-level defects, so every manifest row has exactly one expected outcome.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from schemas.canonical import CANONICAL_TABLES
from synthetic_registry.centres import Centre
from synthetic_registry.render import format_date, number_text

MANIFEST_COLUMNS = ("centre_id", "delivery", "table", "file", "source_row", "column", "kind",
                    "value", "expected")
ROW_KINDS = ("unknown_label", "typo", "impossible_date", "date_order", "duplicate_row",
             "missing_required", "out_of_range", "short_row")
#: the manifest's column of a short_row defect: the record, not one of its columns
WHOLE_ROW = "(row)"


def short_row_value(missing: int) -> str:
    """The manifest value of a short_row defect, as staging's quarantine reason quotes it."""
    return f"{missing} of the header's fields missing"
FILE_KINDS = ("truncated_file", "wrong_encoding")

#: plausible labels that no dialect maps (per canonical field)
UNKNOWN_LABELS = {
    "sex": "Indéterminé", "aml_type": "LAM biphénotypique", "indication": "consolidation",
    "response": "RCx", "method": "NGS", "tissue": "LCR", "donor_relation": "syngénique",
    "stem_cell_source": "CSP+MO", "donor_cmv": "douteux", "recipient_cmv": "douteux",
    "kind": "overlap", "grade": "0-I", "vital_status": "perdu de vue", "detected": "peut-être",
    "relapse_type": "extramédullaire", "death_cause": "inconnue",
}
LABEL_COLUMNS = {
    "patients": ("sex", "aml_type"), "mutations": ("detected",),
    "treatment_lines": ("indication",), "responses": ("response",),
    "mrd": ("method", "tissue"), "transplants": ("donor_relation", "stem_cell_source",
                                                 "donor_cmv"),
    "gvhd": ("kind", "grade"), "followup": ("vital_status",),
}
DATE_COLUMNS = {t: tuple(c.name for c in CANONICAL_TABLES[t].columns if c.kind == "date")
                for t in CANONICAL_TABLES}
REQUIRED = {t: tuple(c.name for c in CANONICAL_TABLES[t].columns
                     if c.required and c.name != "patient_id") for t in CANONICAL_TABLES}
OUT_OF_RANGE = {
    "mutations": ("vaf", 1.7), "responses": ("bm_blasts_pct", 140.0),
    "transplants": ("chimerism_d30_recipient_pct", 130.0), "treatment_lines": ("cycles", 80.0),
    "mrd": ("value", -0.5),
}
DATE_ORDER_TABLES = ("patients", "transplants", "followup", "treatment_lines")


@dataclass(frozen=True)
class FileTarget:
    """Where defects go: one file of one delivery."""

    centre: Centre
    delivery: str
    table: str
    file: str            # file name, or "export.xlsx#sheet"
    xlsx: bool


def known_labels(centre: Centre, field: str) -> set[str]:
    col = None
    for t in CANONICAL_TABLES.values():
        for c in t.columns:
            if c.name == field:
                col = c
    codes = set(col.codes) if col is not None else set()
    if col is not None and col.kind == "bool":
        codes |= {"true", "false", "yes", "no", "1", "0"}
    labels = set(centre.values.get(field, {}).values()) | set(centre.aliases.get(field, {}))
    return {x.lower() for x in codes | labels | {"I", "II", "III", "IV"}}


def _typo(label: str) -> str:
    if len(label) >= 3:
        return label[0] + label[2:]
    return label + label[-1]


def inject_row_defects(rng: np.random.Generator, rate: float, frame: pd.DataFrame,
                       typed: pd.DataFrame, context: pd.DataFrame, target: FileTarget,
                       row_offset: int) -> tuple[pd.DataFrame, list[tuple], dict[int, int]]:
    """Inject defects into ``frame`` (written cells, canonical names) at ``rate`` per row.

    ``typed`` is the canonical typed frame aligned with ``frame``; ``context`` gives per row
    the patient's diagnosis_date, birth_date and hsct_date (float days, for date_order).
    Returns the new frame (duplicates inserted), manifest rows and the short rows (row
    position in the new frame -> number of trailing fields the writer must drop).
    """
    n = len(frame)
    if n == 0 or rate <= 0:
        return frame, [], {}
    centre, table = target.centre, target.table
    hit = np.flatnonzero(rng.random(n) < rate)
    if not len(hit):
        return frame, [], {}
    kinds = [k for k in ROW_KINDS if _applicable(k, table, target.xlsx)]
    choice = np.asarray(kinds, dtype=object)[rng.integers(0, len(kinds), len(hit))]
    cells = {c: frame[c].to_numpy(dtype=object).copy() for c in frame.columns}
    miss = None if target.xlsx else centre.missing_out
    records: list[tuple[int, str, str, object]] = []    # (row index, column, kind, value)
    dup_after: list[int] = []
    short: dict[int, int] = {}
    for i, kind in zip(hit.tolist(), choice.tolist(), strict=True):
        col, val = "", None
        if kind == "date_order":
            col, val = _date_order(rng, table, typed, context, i, centre, target.xlsx)
            if not col:
                kind = "missing_required"
        if kind in ("unknown_label", "typo"):
            col = LABEL_COLUMNS[table][rng.integers(0, len(LABEL_COLUMNS[table]))]
            current = cells[col][i]
            if kind == "typo" and isinstance(current, str) and current:
                val = _typo(current)
                if val.lower() in known_labels(centre, col) or val in centre.missing:
                    kind = "unknown_label"
            else:
                kind = "unknown_label"
            if kind == "unknown_label":
                val = UNKNOWN_LABELS[col]
        elif kind == "impossible_date":
            col = DATE_COLUMNS[table][rng.integers(0, len(DATE_COLUMNS[table]))]
            year = str(int(1990 + rng.integers(0, 36)))
            fmt = "%Y-%m-%d" if centre.date_format == "iso" else centre.date_format
            day = "31" if rng.random() < 0.7 else "30"
            val = fmt.replace("%d", day).replace("%m", "02").replace("%Y", year)
        elif kind == "out_of_range":
            col, bad = OUT_OF_RANGE[table]
            if col == "vaf" and centre.vaf_percent:
                bad = 170.0
            dec = 1
            val = bad if target.xlsx else number_text(bad, dec, centre)
        elif kind == "missing_required":
            cols = REQUIRED[table]
            col = cols[rng.integers(0, len(cols))]
            val = miss
        elif kind == "duplicate_row":
            dup_after.append(i)
            records.append((i, "", kind, None))
            continue
        elif kind == "short_row":
            short[i] = int(rng.integers(1, min(3, len(frame.columns) - 1) + 1))
            records.append((i, WHOLE_ROW, kind, short_row_value(short[i])))
            continue
        cells[col][i] = val
        records.append((i, col, kind, val))
    out = pd.DataFrame(cells, columns=frame.columns)
    # insert duplicate copies right after their originals
    if dup_after:
        order = np.concatenate([np.arange(n), np.asarray(dup_after, dtype=float) + 0.5])
        idx = np.concatenate([np.arange(n), np.asarray(dup_after)])
        perm = np.argsort(order, kind="stable")
        out = out.iloc[idx[perm]].reset_index(drop=True)
        new_pos = np.empty(len(idx), dtype=np.int64)
        new_pos[perm] = np.arange(len(idx))
        copy_pos = dict(zip(dup_after, new_pos[n:].tolist(), strict=True))
        orig_pos = new_pos[:n]
    else:
        copy_pos, orig_pos = {}, np.arange(n)
    manifest = []
    for i, col, kind, val in records:
        pos = copy_pos[i] if kind == "duplicate_row" else int(orig_pos[i])
        text = cell_text(val, centre)
        manifest.append((centre.centre_id, target.delivery, table, target.file,
                         row_offset + pos + 1, col, kind, text, "quarantine_row"))
    return out, manifest, {int(orig_pos[i]): k for i, k in short.items()}


def _applicable(kind: str, table: str, xlsx: bool) -> bool:
    return {
        "unknown_label": table in LABEL_COLUMNS,
        "typo": table in LABEL_COLUMNS,
        "impossible_date": bool(DATE_COLUMNS[table]),
        "date_order": table in DATE_ORDER_TABLES,
        "duplicate_row": True,
        "missing_required": bool(REQUIRED[table]),
        "out_of_range": table in OUT_OF_RANGE,
        "short_row": not xlsx,      # a worksheet row has no field count to cut
    }[kind]


def _date_order(rng: np.random.Generator, table: str, typed: pd.DataFrame,
                context: pd.DataFrame, i: int, centre: Centre, xlsx: bool) -> tuple[str, object]:
    """A date that certainly violates the ordering (diagnosis before birth, transplant
    before diagnosis, death before transplant, line end before its start)."""
    ctx = context.iloc[i]
    if table == "patients":
        col, d = "diagnosis_date", ctx["birth_date"] - rng.integers(30, 2000)
    elif table == "transplants":
        col, d = "hsct_date", ctx["diagnosis_date"] - rng.integers(30, 400)
    elif table == "followup":
        death = typed["death_date"].iloc[i]
        if np.isnan(ctx["hsct_date"]) or np.isnan(death):
            return "", None
        col, d = "death_date", ctx["hsct_date"] - rng.integers(10, 120)
    else:
        end = typed["end_date"].iloc[i]
        if np.isnan(end):
            return "", None
        col, d = "end_date", typed["start_date"].iloc[i] - rng.integers(5, 60)
    if xlsx:
        from synthetic_registry.render import date_lut
        lut = date_lut("xlsx")
        base = (np.datetime64("1900-01-01", "D") - np.datetime64("1970-01-01", "D"))
        return col, lut[int(d - base.astype(np.int64))]
    return col, format_date(float(d), centre)


def cell_text(value: object, centre: Centre) -> str:
    """A written cell as text (workbook cells rendered like the extraction reader does)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        fmt = "%Y-%m-%d" if centre.date_format == "iso" else centre.date_format
        return value.strftime(fmt)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
        return text.replace(".", centre.decimal)
    return str(value)
