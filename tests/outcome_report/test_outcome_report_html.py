"""The report is one self-contained HTML file with every section, figure and download."""

from __future__ import annotations

import re

import pandas as pd

from outcome_report import FIGURES
from outcome_report.render import SECTIONS


def test_report_is_self_contained(report):
    text = report.html_path.read_text(encoding="utf-8")
    assert report.html_path.name == "report.html"
    for title in SECTIONS:
        assert f">{title}</h2>" in text, title
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//", text, re.I)
    assert "http://" not in text and "https://" not in text
    assert "<script" not in text.lower()
    assert '<meta name=\'viewport\'' in text and "@media print" in text
    n_images = len(FIGURES) + 1  # + the Love plot
    assert text.count("<img") == n_images == text.count("data:image/png;base64,")
    assert text.count("<svg") == 1  # the cohort-flow diagram
    # sections in the paper's order
    positions = [text.index(f">{title}</h2>") for title in SECTIONS]
    assert positions == sorted(positions)


def test_figures_written_as_png_and_svg(report):
    assert report.n_figures == len(FIGURES) + 1 == 12
    names = {p.name for p in report.figure_paths}
    for fig in [*FIGURES, "love_plot"]:
        assert f"{fig}.png" in names and f"{fig}.svg" in names
    for p in report.figure_paths:
        assert p.exists() and p.stat().st_size > 1000


def test_every_table_downloadable_as_csv_and_one_workbook(report):
    csvs = [p for p in report.table_paths if p.suffix == ".csv"]
    (xlsx,) = [p for p in report.table_paths if p.suffix == ".xlsx"]
    assert len(csvs) == report.n_tables >= 10
    sheets = pd.read_excel(xlsx, sheet_name=None, header=1)
    assert set(sheets) == {p.stem for p in csvs}
    t1 = pd.read_csv(xlsx.parent / "table1.csv")
    assert t1.columns[0] == "Characteristic" and t1.columns[1].startswith("AZA/VEN, N = ")
    assert "    Female" in set(t1["Characteristic"])
