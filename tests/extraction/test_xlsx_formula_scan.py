"""The byte scan that spares a workbook without formulas its second, formula-reading parse
(extraction.readers._sheet_has_formulas): it must find every formula element, wherever it
falls in the part, and never miss one (a missed formula would read an uncached value as
empty)."""

import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import Workbook

from extraction.readers import _sheet_has_formulas

SHEET = "xl/worksheets/sheet1.xml"


def _package(tmp_path: Path, sheet_xml: bytes) -> Path:
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(SHEET, sheet_xml)
    return path


def _cell_rows(n: int) -> bytes:
    return b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>text %d</t></is></c></row>'
                    % (i, i, i) for i in range(1, n + 1))


@pytest.mark.parametrize("formula", [b"<f>A1+1</f>", b'<f t="shared" ref="B2:B9" si="0"/>',
                                     b"<f/>", b"<x:f>SUM(A1:A3)</x:f>"])
def test_a_formula_element_is_found_in_any_spelling(tmp_path, formula):
    xml = b"<worksheet><sheetData>" + _cell_rows(3) + b'<row r="4"><c r="B4">' + formula \
        + b"<v>2</v></c></row></sheetData></worksheet>"
    path = _package(tmp_path, xml)
    assert _sheet_has_formulas(path, SimpleNamespace(_worksheet_path=SHEET))


def test_a_formula_across_the_scan_block_boundary_is_found(tmp_path):
    head = b"<worksheet><sheetData>" + _cell_rows(40_000)
    pad = b" " * ((1 << 20) - len(head) % (1 << 20) - 2)  # "<f" straddles the 1 MiB block end
    xml = head + pad + b"<f>A1</f></sheetData></worksheet>"
    assert len(head + pad) % (1 << 20) == (1 << 20) - 2
    assert _sheet_has_formulas(_package(tmp_path, xml), SimpleNamespace(_worksheet_path=SHEET))


def test_values_that_look_like_formula_tags_are_not_formulas(tmp_path):
    xml = (b"<worksheet><sheetData>" + _cell_rows(5) + b'<row r="6"><c r="A6" t="inlineStr">'
           b"<is><t>&lt;f&gt; =A1 font footnote</t></is></c></row></sheetData></worksheet>")
    assert not _sheet_has_formulas(_package(tmp_path, xml),
                                   SimpleNamespace(_worksheet_path=SHEET))


def test_an_openpyxl_workbook_with_and_without_formulas(tmp_path):
    from openpyxl import load_workbook

    for name, cell, expected in (("plain.xlsx", "text", False), ("formula.xlsx", "=1+1", True)):
        wb = Workbook()
        wb.active["A1"], wb.active["A2"] = "header", cell
        wb.save(tmp_path / name)
        read = load_workbook(tmp_path / name, read_only=True)
        try:
            assert _sheet_has_formulas(tmp_path / name, read.active) is expected
        finally:
            read.close()


def test_an_unlocatable_part_is_read_for_formulas(tmp_path):
    path = _package(tmp_path, b"<worksheet/>")
    assert _sheet_has_formulas(path, SimpleNamespace(_worksheet_path="xl/worksheets/none.xml"))
    assert _sheet_has_formulas(path, object())
