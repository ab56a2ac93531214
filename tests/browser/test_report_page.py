"""The HTML outcome report written by a refresh, opened in headless Chromium as a reader would.

Every figure must be drawn (a loaded image or the inline cohort-flow drawing, with a size on
screen), every table must show rows, and the report's sections must be there. A full-page
screenshot goes to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import pytest
from browser_support import chromium_page, screenshot_path

#: one worker builds the shared registry and runs both browser tests (pytest -n, --dist loadgroup)
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser-registry")]

SECTIONS = ["Snapshot", "Cohort flow", "Table 1: characteristics", "Figures",
            "Univariate analysis", "Multivariable analysis (Table 2)", "Statistical conventions"]


def test_outcome_report_renders_its_tables_and_figures(refreshed_site):
    report = refreshed_site.warehouse / "report" / "report.html"
    assert report.exists()
    with chromium_page(width=1400, height=1000) as page:
        page.goto(report.as_uri())
        page.wait_for_load_state("load")
        assert page.locator("h1").first.inner_text().startswith("AML registry")
        headings = page.locator("h2").all_inner_texts()
        for section in SECTIONS:
            assert section in headings, f"section {section!r} missing: {headings}"

        # figures: every <img> decoded with a real size, and the inline SVG drawing shown
        images = page.locator("img")
        count = images.count()
        assert count >= 5
        drawn = images.evaluate_all(
            "els => els.map(e => [e.alt, e.complete && e.naturalWidth > 0, "
            "e.getBoundingClientRect().width, e.getBoundingClientRect().height])")
        for alt, decoded, width, height in drawn:
            assert decoded and width > 100 and height > 100, f"figure {alt!r} not drawn"
            assert alt, "a figure without alternative text"
        svgs = page.locator("svg")
        assert svgs.count() >= 1
        box = svgs.first.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100
        assert "Registry: n = " in svgs.first.text_content()

        # tables: each shows body rows with visible text
        tables = page.locator("table")
        assert tables.count() >= 8
        rows_per_table = tables.evaluate_all(
            "els => els.map(t => Array.from(t.querySelectorAll('tbody tr'))"
            ".filter(r => r.getBoundingClientRect().height > 0 && r.innerText.trim()).length)")
        assert all(n >= 1 for n in rows_per_table), rows_per_table
        assert sum(rows_per_table) >= 50

        # the snapshot table names the centre that was refreshed
        assert "LYS" in page.locator("table").first.inner_text()
        page.screenshot(path=screenshot_path("outcome-report"), full_page=True)
        page.locator("h2", has_text="Figures").scroll_into_view_if_needed()
        page.screenshot(path=screenshot_path("outcome-report-figures"))
        print(f"report: {count} figures + {svgs.count()} drawing(s), {tables.count()} tables, "
              f"{sum(rows_per_table)} rows")
