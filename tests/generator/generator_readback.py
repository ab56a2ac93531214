"""Read a generated delivery back through its centre.yaml (an independent mini-reader)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import yaml

from synthetic_registry.defects import WHOLE_ROW, short_row_value


def load_yaml(landing: Path, centre_id: str) -> dict:
    return yaml.safe_load((landing / centre_id / "centre.yaml").read_text(encoding="utf-8"))


def source_name(cfg: dict, table: str) -> str:
    files = cfg.get("files") or {}
    if table in files:
        return files[table]
    return f"{table}.csv" if cfg["format"] == "csv" else table


def cell_text(value: object, cfg: dict) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        fmt = "%Y-%m-%d" if cfg["date_format"] == "iso" else cfg["date_format"]
        return value.strftime(fmt)
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
        return text.replace(".", cfg["decimal"])
    return str(value)


def read_rows(landing: Path, centre_id: str, delivery: str, table: str
              ) -> tuple[list[str], list[list[str]]]:
    """(header as written, data rows as text) of one table of one delivery."""
    cfg = load_yaml(landing, centre_id)
    folder = landing / centre_id / delivery
    if cfg["format"] == "xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(folder / cfg.get("workbook", "export.xlsx"), read_only=True)
        rows = list(wb[source_name(cfg, table)].iter_rows(values_only=True))
        head = [str(h) for h in rows[0] if h is not None]
        body = [[cell_text(v, cfg) for v in r] + [""] * (len(head) - len(r))
                for r in rows[1:]]
        wb.close()
        return head, [r[: len(head)] for r in body]
    text = (folder / source_name(cfg, table)).read_bytes().decode(cfg["encoding"])
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=cfg["delimiter"]))
    return rows[0], rows[1:]


def canonical_columns(cfg: dict, table: str, head: list[str]) -> list[str]:
    mapping = (cfg.get("columns") or {}).get(table, {})
    return [mapping.get(h, h) for h in head]


def all_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def assert_row_defect_in_place(m, cols: list[str], rows: list[list[str]]) -> None:
    """One row-level manifest entry ``m`` is where it says in the file's rows (as read back)."""
    row = rows[int(m.source_row) - 1]
    if m.kind == "duplicate_row":
        assert m.column == ""
        assert row == rows[int(m.source_row) - 2]
    elif m.kind == "short_row":
        missing = int(m.value.split()[0])
        assert m.column == WHOLE_ROW and m.value == short_row_value(missing)
        assert 1 <= missing <= 3 and len(row) == len(cols) - missing, m
    else:
        assert row[cols.index(m.column)] == m.value, m
