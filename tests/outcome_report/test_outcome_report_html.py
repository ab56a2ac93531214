"""The report is one self-contained HTML file with every section and figure."""

from __future__ import annotations

import re

from outcome_report import FIGURES
from outcome_report.render import SECTIONS


def test_report_is_self_contained(report):
    text = report.html_path.read_text(encoding="utf-8")
    assert report.html_path.name == "report.html"
    for title in SECTIONS:
        assert title in text, title
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//", text, re.I)
    assert "http://" not in text and "https://" not in text
    assert "<script" not in text.lower()
    assert text.count("<img") == len(FIGURES)
    assert text.count("<svg") == 1  # the cohort-flow diagram
    assert text.count("data:image/png;base64,") == len(FIGURES)


def test_figures_written_as_png_and_svg(report):
    assert report.n_figures == len(FIGURES) == 11
    names = {p.name for p in report.figure_paths}
    for fig in FIGURES:
        assert f"{fig}.png" in names and f"{fig}.svg" in names
    for p in report.figure_paths:
        assert p.exists() and p.stat().st_size > 1000
    assert report.n_tables == 14
