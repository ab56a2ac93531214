"""The data dictionary page beside the report: every published column, a search box that
filters the rows, a link from the report (headless Debian Chromium)."""

from __future__ import annotations

import duckdb
import pytest
from browser_support import chromium_page, screenshot_path

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser-registry")]


def _visible_rows(page) -> list[str]:
    return page.locator("#dictionary tbody tr").evaluate_all(
        "rows => rows.filter(r => !r.hidden && r.getBoundingClientRect().height > 0)"
        ".map(r => r.innerText)")


def test_search_box_filters_the_dictionary_rows(refreshed_site):
    page_path = refreshed_site.warehouse / "report" / "data-dictionary.html"
    con = duckdb.connect(str(refreshed_site.warehouse / "registry.duckdb"), read_only=True)
    try:
        n_columns = con.execute("SELECT count(*) FROM meta.data_dictionary").fetchone()[0]
    finally:
        con.close()
    with chromium_page(width=1400, height=900) as page:
        page.goto((refreshed_site.warehouse / "report" / "report.html").as_uri())
        link = page.locator("a[href='data-dictionary.html']")
        assert link.count() == 1
        link.click()
        page.wait_for_load_state("load")
        assert page.url == page_path.as_uri()
        assert len(_visible_rows(page)) == n_columns
        page.fill("#search", "os_status")
        rows = _visible_rows(page)
        assert 0 < len(rows) < n_columns
        assert all("os_status" in r for r in rows)
        assert any("azaven_rr_transplanted" in r for r in rows)
        page.fill("#search", "relapse competing")
        rows = _visible_rows(page)
        assert rows and all("relapse" in r.lower() and "competing" in r.lower() for r in rows)
        assert page.locator("#count").inner_text() == f"{len(rows)} of {n_columns} columns"
        page.fill("#search", "no-such-column-anywhere")
        assert _visible_rows(page) == []
        page.fill("#search", "")
        assert len(_visible_rows(page)) == n_columns
        page.fill("#search", "patient_key")
        page.screenshot(path=screenshot_path("data-dictionary"))
