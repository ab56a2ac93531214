"""The default synthetic registry: every source row reaches raw, and raw = staged + quarantined.

Source: ../shared/spec/export-format.md ("Every source row is accounted for").
"""

from __future__ import annotations

import csv
import io

import pytest
from extraction_support import LoadedRegistry

from extraction.stage import row_accounting
from schemas.canonical import TABLE_NAMES
from schemas.dialect import discover_centres, load_dialect


def source_rows(path, dialect, table: str) -> int:
    """Data rows of one delivered file, counted independently of the reader."""
    if dialect.format == "xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        rows = list(wb[dialect.source_name(table)].iter_rows(values_only=True))
        wb.close()
        return sum(1 for r in rows[1:] if any(v not in (None, "") for v in r))
    text = path.read_bytes().decode(dialect.encoding).removeprefix("\ufeff")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter))
    return sum(1 for r in rows[1:] if r)


def test_every_centre_loads(loaded_default: LoadedRegistry) -> None:
    assert not loaded_default.failures
    assert set(loaded_default.extractions) == set(discover_centres(loaded_default.landing))


def test_raw_rows_equal_source_rows_per_file(loaded_default: LoadedRegistry) -> None:
    checked = 0
    with loaded_default.warehouse.connect() as con:
        loaded = {(c, d, f): n for c, d, f, n in con.execute(
            "SELECT centre_id, delivery, file, rows FROM raw.files").fetchall()}
        raw = {}
        for t in TABLE_NAMES:
            for c, d, f, n in con.execute(f"SELECT centre_id, delivery, file, count(*) "
                                          f"FROM raw.{t} GROUP BY ALL").fetchall():
                raw[(c, d, f)] = n
    for centre_id, folder in discover_centres(loaded_default.landing).items():
        dialect = load_dialect(folder / "centre.yaml")
        for delivery in sorted(p for p in folder.iterdir() if p.is_dir()):
            for table in TABLE_NAMES:
                if dialect.format == "xlsx":
                    path = delivery / dialect.workbook
                    file = f"{dialect.workbook}#{dialect.source_name(table)}"
                else:
                    path = delivery / dialect.source_name(table)
                    file = path.name
                key = (centre_id, delivery.name, file)
                expected = source_rows(path, dialect, table)
                assert loaded[key] == expected, key
                assert raw.get(key, 0) == expected, key
                checked += 1
    assert checked >= 13 * 8


def test_row_accounting_balances_for_every_table_and_delivery(
        loaded_default: LoadedRegistry) -> None:
    with loaded_default.warehouse.connect() as con:
        accounting = row_accounting(con)
        deliveries = con.execute("SELECT count(*) FROM raw.deliveries").fetchone()[0]
    unbalanced = accounting[~accounting["balanced"]]
    assert unbalanced.empty, unbalanced.to_string()
    assert accounting[["centre_id", "delivery"]].drop_duplicates().shape[0] == deliveries
    assert deliveries == sum(len(e.deliveries) for e in loaded_default.extractions.values())


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_clean_registry_keeps_nearly_everything(loaded_default: LoadedRegistry,
                                                table: str) -> None:
    """Without injected defects, quarantine holds at most a sliver of any table."""
    with loaded_default.warehouse.connect() as con:
        accounting = row_accounting(con)
    rows = accounting[accounting["table_name"] == table]
    assert rows["quarantined_rows"].sum() <= 0.01 * rows["raw_rows"].sum()
