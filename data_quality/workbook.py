"""The query workbook sent to a centre: its open queries in its own file and column names.

Source: issue 15 (queries back to the centres). One XLSX per centre with open queries, named
after the centre and its current delivery (``LYS_2026-11-16_queries.xlsx``): one row per
query with the centre's file, row number, column name (its ``centre.yaml`` dialect mapped
back from the canonical names), the value as delivered and the problem in plain words. Root
causes come first, their knock-ons grouped right under them. Written with openpyxl, replaced
atomically (``os.replace``). Pure apart from writing the files; no Dagster.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from data_quality.queries import problem_in_words
from schemas.canonical import TABLE_NAMES
from schemas.dialect import CentreDialect

WORKBOOK_COLUMNS: list[tuple[str, int]] = [
    ("Query ID", 18), ("Knock-on of", 18), ("File", 26), ("Row", 7), ("Column", 24),
    ("Value as delivered", 26), ("Problem", 90), ("Check", 22), ("First seen in delivery", 14),
    ("Your answer", 40),
]


def source_column_names(dialect: CentreDialect | None, table: str) -> dict[str, str]:
    """Canonical column -> the centre's own column name (first source name wins)."""
    if dialect is None:
        return {}
    out: dict[str, str] = {}
    for source, canonical in dialect.column_map(table).items():
        out.setdefault(canonical, source)
    return out


def source_file_name(dialect: CentreDialect | None, table: str) -> str:
    """The centre's file (csv) or workbook sheet holding a canonical table."""
    if dialect is None:
        return f"{table}.csv"
    name = dialect.source_name(table)
    return f"{dialect.workbook}#{name}" if dialect.format == "xlsx" else name


def root_order(roots: pd.DataFrame) -> pd.DataFrame:
    """Root queries in the export's table order (patients first), then by file row."""
    rank = {name: i for i, name in enumerate(TABLE_NAMES)}
    return (roots.assign(table_rank=roots["table_name"].map(rank).fillna(len(rank)))
            .sort_values(["table_rank", "source", "file", "source_row"], kind="stable",
                         na_position="last").drop(columns=["table_rank"]))


#: the mark of a problem of a held same-date re-send (not of the content in use)
HELD_RESEND_LABEL = "[held re-send] "


def is_held(row: object) -> bool:
    """Whether a query row belongs to a held same-date re-send (``held_resend``)."""
    held = getattr(row, "held_resend", False)
    return bool(held) and not pd.isna(held)


def workbook_rows(queries: pd.DataFrame, dialect: CentreDialect | None) -> pd.DataFrame:
    """The open queries of one centre as the workbook's rows, roots first, knock-ons under.

    A knock-on whose root is not open (resolved or accepted) stands as its own group.
    """
    q = queries[queries["status"].eq("open")].copy()
    if q.empty:
        return pd.DataFrame(columns=[c for c, _ in WORKBOOK_COLUMNS])
    open_ids = set(q["query_id"])
    root = q["root_query_id"].where(q["root_query_id"].isin(open_ids), None)
    q["group_key"] = root.where(root.notna(), q["query_id"])
    q["is_knock_on"] = root.notna()
    # root causes first: groups in the order of the export (patients first, the parent of
    # every knock-on), then file row; inside a group the root, then its knock-ons
    order = root_order(q[~q["is_knock_on"]])
    rank = dict(zip(order["query_id"], range(len(order)), strict=True))
    q["group_rank"] = q["group_key"].map(rank)
    q = q.sort_values(["group_rank", "is_knock_on", "table_name", "source_row"], kind="stable",
                      na_position="last")
    rows = []
    for r in q.itertuples(index=False):
        names = source_column_names(dialect, r.table_name)
        file = r.file if isinstance(r.file, str) and r.file else source_file_name(
            dialect, r.table_name)
        column = ", ".join(names.get(c, c) for c in str(r.column_name).split(","))
        problem = (problem_in_words(r.reason, names) if r.source == "quarantine"
                   else r.reason)
        if is_held(r):
            problem = HELD_RESEND_LABEL + problem
        rows.append({
            "Query ID": r.query_id,
            "Knock-on of": r.root_query_id if r.is_knock_on else "",
            "File": file,
            "Row": None if pd.isna(r.source_row) else int(r.source_row),
            "Column": column,
            "Value as delivered": "" if r.value is None or pd.isna(r.value) else str(r.value),
            "Problem": ("    ↳ knock-on: " + problem) if r.is_knock_on else problem,
            "Check": r.rule,
            "First seen in delivery": r.first_seen_delivery,
            "Your answer": "",
        })
    return pd.DataFrame(rows, columns=[c for c, _ in WORKBOOK_COLUMNS])


def write_centre_workbook(rows: pd.DataFrame, path: Path, centre: str, delivery: str,
                          centre_name: str = "") -> Path:
    """Write one centre's workbook (header, frozen first row, filters), atomically."""
    from openpyxl import Workbook  # noqa: PLC0415 (only the quality asset needs it)
    from openpyxl.styles import Alignment, Font, PatternFill  # noqa: PLC0415

    wb = Workbook()
    ws = wb.active
    ws.title = "Open queries"
    title = f"Data queries for centre {centre}" + (f" ({centre_name})" if centre_name else "")
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([f"Delivery {delivery}: {len(rows)} open queries, "
               f"{int(rows['Knock-on of'].astype(bool).sum())} of them knock-ons of another "
               "row's problem (fixing the first row fixes them). Please answer in the last "
               "column or correct the next delivery."])
    ws.append([])
    ws.append([c for c, _ in WORKBOOK_COLUMNS])
    header_row = ws.max_row
    fill = PatternFill("solid", fgColor="DDE7F0")
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.fill = fill
    for values in rows.itertuples(index=False):
        ws.append(list(values))
    knock_font = Font(color="666666", italic=True)
    for i, knock in enumerate(rows["Knock-on of"].astype(bool), start=header_row + 1):
        if knock:
            for cell in ws[i]:
                cell.font = knock_font
    for col, (_name, width) in enumerate(WORKBOOK_COLUMNS, start=1):
        ws.column_dimensions[ws.cell(row=header_row, column=col).column_letter].width = width
    for row in ws.iter_rows(min_row=header_row + 1):
        row[6].alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    last = ws.cell(row=ws.max_row, column=len(WORKBOOK_COLUMNS)).coordinate
    ws.auto_filter.ref = f"A{header_row}:{last}"
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    wb.save(partial)
    os.replace(partial, path)
    return path


def workbook_name(centre: str, delivery: str) -> str:
    return f"{centre}_{delivery}_queries.xlsx"


def write_query_workbooks(queries: pd.DataFrame, out_dir: Path,
                          current: Mapping[str, str],
                          dialects: Mapping[str, CentreDialect | None]) -> dict[str, Path]:
    """One workbook per centre with open queries; workbooks no longer current are removed."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for centre, q in queries.groupby("centre_id", sort=True):
        delivery = current.get(str(centre))
        if delivery is None:
            continue
        dialect = dialects.get(str(centre))
        rows = workbook_rows(q, dialect)
        if rows.empty:
            continue
        path = out_dir / workbook_name(str(centre), delivery)
        name = dialect.name if dialect else ""
        fingerprint = _fingerprint(rows, str(centre), delivery, name)
        marker = path.with_name(f".{path.name}.sha256")
        if not (path.is_file() and marker.is_file()
                and marker.read_text(encoding="utf-8").strip() == fingerprint):
            write_centre_workbook(rows, path, str(centre), delivery, name)
            marker.write_text(fingerprint + "\n", encoding="utf-8")
        written[str(centre)] = path
    keep = {p.name for p in written.values()}
    for old in out_dir.glob("*_queries.xlsx"):
        if old.name not in keep:
            old.unlink()
            old.with_name(f".{old.name}.sha256").unlink(missing_ok=True)
    return written


def _fingerprint(rows: pd.DataFrame, centre: str, delivery: str, centre_name: str) -> str:
    """sha256 of what a workbook is written from (its rows, header and this module's code):
    a centre whose open queries did not change keeps its workbook (issue 16: an incremental
    refresh does not redo the unchanged centres' work)."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(repr((centre, delivery, centre_name, list(rows.columns))).encode())
    digest.update(rows.to_csv(index=False).encode())
    return digest.hexdigest()
