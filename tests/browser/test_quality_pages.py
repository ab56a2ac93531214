"""The quality dashboard and the data docs, offline, in headless Chromium.

Every request that is not a local file (or loopback) is blocked and recorded: the pages must
attempt none. The dashboard must show its overview, per-centre checks and trends with links
that lead to the centre's queries; the data docs index must list the suites and link to GX's
validation pages, which must render styled without their CDN assets. Screenshots go to
``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import pytest
from browser_support import chromium_page, screenshot_path

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser-registry")]


def _record_external(page) -> list[str]:
    attempted: list[str] = []

    def note(request) -> None:
        url = request.url
        if not url.startswith(("file:", "data:", "blob:", "about:", "http://127.0.0.1")):
            attempted.append(url)

    page.on("request", note)
    return attempted


def test_quality_dashboard_offline(refreshed_site):
    dashboard = refreshed_site.warehouse / "report" / "quality.html"
    assert dashboard.exists()
    with chromium_page(width=1400, height=1000) as page:
        attempted = _record_external(page)
        page.goto(dashboard.as_uri())
        page.wait_for_load_state("load")
        assert page.locator("h1").inner_text() == "AML registry: data quality dashboard"
        headings = page.locator("h2").all_inner_texts()
        assert "Overview" in headings and "Trends across deliveries" in headings
        assert "Centre LYS: checks" in headings
        overview = page.locator("table").first
        assert "conformance" in overview.inner_text() and "LYS" in overview.inner_text()
        # a figure of the overview leads to the centre's checks, on screen
        overview.locator("a[href='#checks-LYS']").first.click()
        assert page.evaluate("location.hash") == "#checks-LYS"
        box = page.locator("#checks-LYS").bounding_box()
        assert box is not None and box["y"] < 200
        page.goto(dashboard.as_uri())
        page.screenshot(path=screenshot_path("quality-dashboard"), full_page=True)
        assert attempted == []


def test_data_docs_offline(refreshed_site):
    index = refreshed_site.warehouse / "data-docs" / "index.html"
    with chromium_page(width=1400, height=1000) as page:
        attempted = _record_external(page)
        page.goto(index.as_uri())
        page.wait_for_load_state("load")
        text = page.locator("body").inner_text()
        for suite in ("patients", "mutations", "patient_profile"):
            assert suite in text
        rows = page.locator("table").first.locator("tbody tr")
        assert rows.count() == 9
        page.screenshot(path=screenshot_path("data-docs-index"), full_page=True)
        page.locator("a", has_text="validation result").first.click()
        page.wait_for_load_state("load")
        # GX's page, styled by the inlined sheet: its tables have borders, nothing is blank
        assert page.locator("table").count() >= 1
        border = page.evaluate(
            "getComputedStyle(document.querySelector('table td')).borderTopStyle")
        assert border == "solid"
        assert page.locator("text=data docs index").count() == 1
        page.screenshot(path=screenshot_path("data-docs-validation"), full_page=False)
        assert attempted == []
