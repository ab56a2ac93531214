"""The HTML outcome report opened in headless Chromium as a reader would, at 1400 and 420 px.

Every figure must be loaded and drawn, every contents link must land on its section, no raw
code (cohort codes, column names, level codes) may be visible, and the page must not scroll
sideways on a phone. Screenshots (full page, Table 1, a curve, Table 2, the balance table) go
to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import re

import pytest
from browser_support import chromium_page, screenshot_path

from outcome_report import build_outcome_tables, render_report
from outcome_report.render import SECTIONS
from outcome_report.settings import ReportSettings
from outcome_report.synthetic import simulate_registry

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser-registry")]

#: codes and column names of the analysis layer that must never reach the reader
RAW_CODES = ["azaven_rr", "ic_comparator", "post_ic", "post_hma", "molecular_relapse",
             "n_known", "not_done", "not_applicable", "age_at_hsct", "hct_ci", "mrd_pre_hsct",
             "pre_hsct_status", "donor_type", "conditioning_intensity", "early_mrd_negative",
             "late_mrd_positive", "CGVHD_SEVERE", "AGVHD_2_4", "nan", "None", "True", "False"]


@pytest.fixture(scope="module")
def study_report(tmp_path_factory):
    """A study-sized report: 75 AZA/VEN and a pool of 480 IC patients, one centre failed and
    one stale."""
    patients, endpoints, snapshot = simulate_registry(75, 480, 300, seed=7)
    snapshot = {**snapshot, "deliveries": {**snapshot["deliveries"], "C03": "2025-05-02"},
                "centres": [
        {"centre_id": "C03", "delivery": "2025-05-02", "status": "failed",
         "message": "C03: patients.csv row 12: unreadable date"},
        {"centre_id": "C05", "delivery": "2026-01-15", "status": "loaded",
         "rows_quarantined": 7}]}
    settings = ReportSettings()
    tables = build_outcome_tables(patients, endpoints, snapshot, settings)
    out = tmp_path_factory.mktemp("study-report")
    return render_report(tables, patients, endpoints, snapshot, out, settings)


def _check_page(page, width: int) -> None:
    headings = page.locator("h2").all_inner_texts()
    for section in SECTIONS:
        assert section in headings, f"section {section!r} missing: {headings}"
    drawn = page.locator("img").evaluate_all(
        "els => els.map(e => [e.alt, e.complete && e.naturalWidth > 0, "
        "e.getBoundingClientRect().width])")
    assert len(drawn) >= 12
    for alt, decoded, w in drawn:
        assert alt and decoded and w > 100, f"figure {alt!r} not drawn"
    links = page.locator("nav a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert len(links) == len(SECTIONS)
    for href in links:
        page.locator(f"nav a[href='{href}']").click()
        top, at_bottom, height = page.locator(href).evaluate(
            "e => [e.getBoundingClientRect().top, "
            "Math.ceil(window.scrollY + window.innerHeight) >= document.body.scrollHeight, "
            "window.innerHeight]")
        assert abs(top) < 40 or (at_bottom and 0 <= top < height), \
            f"contents link {href} lands at {top}px"
    text = page.locator("body").inner_text()
    for code in RAW_CODES:
        assert not re.search(rf"(?<![\w/]){re.escape(code)}(?![\w/])", text), \
            f"raw code {code!r} visible at {width}px"
    sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert sideways <= 0, f"page scrolls sideways by {sideways}px at {width}px"


@pytest.mark.parametrize("width", [1400, 420])
def test_report_reads_at_desktop_and_phone_width(study_report, width):
    with chromium_page(width=width, height=1000) as page:
        page.goto(study_report.html_path.as_uri())
        page.wait_for_load_state("load")
        assert page.locator("meta[name='viewport']").count() == 1
        _check_page(page, width)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=screenshot_path(f"report-{width}"), full_page=True)
        if width == 1400:
            for name, selector in (("table1", "#tbl-table1"), ("curve", "#fig-os_by_mrd"),
                                   ("table2", "#tbl-table2_os"), ("balance", "#tbl-balance"),
                                   ("love-plot", "#fig-love_plot"),
                                   ("snapshot", "#data-snapshot"), ("flow", "#cohort-flow")):
                page.locator(selector).screenshot(path=screenshot_path(f"report-{name}"))
            # every table fits a 1,200 px page without its own scroll bar
            wide = page.locator(".table-wrap").evaluate_all(
                "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).length")
            assert wide == 0
        else:
            page.locator("#tbl-table2_os").scroll_into_view_if_needed()
            page.screenshot(path=screenshot_path("report-420-table2"))


def test_report_flags_failed_and_stale_centres(study_report):
    text = study_report.html_path.read_text(encoding="utf-8")
    assert "Failed this refresh: C03" in text and "Stale deliveries: C03" in text
    assert "last good delivery" in text


def test_refreshed_registry_report_opens(refreshed_site):
    """The report a real refresh wrote (one centre, no IC comparator) reads the same way."""
    report = refreshed_site.warehouse / "report" / "report.html"
    with chromium_page(width=420, height=900) as page:
        page.goto(report.as_uri())
        page.wait_for_load_state("load")
        assert page.locator("h1").first.inner_text().startswith("AML registry")
        assert "LYS" in page.locator("#data-snapshot").inner_text()
        assert "Registry: n = " in page.locator("svg").first.text_content()
        sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert sideways <= 0
        assert page.locator("img").evaluate_all(
            "els => els.every(e => e.complete && e.naturalWidth > 0)")
        page.screenshot(path=screenshot_path("outcome-report"), full_page=True)
