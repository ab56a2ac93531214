"""The Dagster UI as a person sees it, in headless Chromium.

``dagster-webserver`` serves the project's definitions (``-m pipelines.definitions``, as
``make ui``) on loopback, over an instance where the centre job ran for LYS and the registry
job once. Screenshots go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import hashlib
import os
import re

import pytest
from browser_support import Webserver, chromium_page, require_chromium, screenshot_path
from playwright.sync_api import expect

#: one worker builds the shared registry and runs both browser tests (pytest -n, --dist loadgroup)
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser-registry")]

GROUPS = ["raw", "staging", "harmonised", "analysis", "quality", "outcomes", "publish"]
#: one path through the graph, from a centre's raw table to an outcome table
PATH = ["raw_patients", "staging_patients", "harmonised_patients", "analysis_patients",
        "outcomes_outcome_estimates"]


def test_dagster_ui_as_a_person_sees_it(refreshed_site, tmp_path):
    """One test, one webserver (pytest-xdist would start one per worker for several tests)."""
    require_chromium()
    server = Webserver({**os.environ, **refreshed_site.env()}, tmp_path / "webserver.log")
    try:
        server.wait_ready()
        with chromium_page(width=1600, height=1000) as page:
            # a fresh instance offers a community sign-up dialog over the page: dismiss it
            # whenever it shows up
            page.add_locator_handler(page.get_by_role("button", name="Skip"),
                                     lambda skip: skip.click())
            check_asset_graph_shows_every_layer(page, server)
            check_centre_partition_shows_materialisation_metadata(page, server, refreshed_site)
            check_lineage_from_a_raw_table_to_an_outcome_table(page, server)
    except Exception:
        print(f"dagster-webserver log:\n{server.tail()}")
        raise
    finally:
        server.stop()


def _open(page, url: str) -> None:
    page.goto(url)


def check_asset_graph_shows_every_layer(page, webserver):
    page.set_viewport_size({"width": 1600, "height": 900})
    _open(page, f"{webserver.url}/asset-groups")
    graph = page.locator("svg")
    for group in GROUPS:
        node = graph.locator(f'[data-tooltip="{group}"]')
        node.first.wait_for(state="visible")
    expect(graph.get_by_text(re.compile("fetching statuses"))).to_have_count(0, timeout=60_000)
    boxes = {g: graph.locator(f'[data-tooltip="{g}"]').first.bounding_box() for g in GROUPS}
    expect(page.get_by_role("button", name="Skip")).to_have_count(0)  # no dialog in the way
    page.screenshot(path=screenshot_path("dagster-asset-graph"))
    assert all(boxes.values()), boxes
    # the layers are laid out left to right in the order data flows through them
    x = {g: b["x"] for g, b in boxes.items()}
    assert x["raw"] < x["staging"] < x["harmonised"] < x["analysis"] < x["outcomes"]
    assert x["outcomes"] < x["publish"] and x["quality"] < x["publish"]


def check_centre_partition_shows_materialisation_metadata(page, webserver, refreshed_site):
    page.set_viewport_size({"width": 1600, "height": 1000})
    _open(page, f"{webserver.url}/assets/raw_patients?view=partitions&partition=LYS")
    page.get_by_text("rows_per_file", exact=True).wait_for(state="visible")
    for label in ("centre", "deliveries", "newest_delivery", "rows_per_file", "sha256"):
        assert page.get_by_text(label, exact=True).first.is_visible(), label
    # the file's real sha256 and row count, as delivered by the centre
    delivery = sorted(p for p in (refreshed_site.landing / "LYS").iterdir() if p.is_dir())[-1]
    patients = delivery / "patients.csv"
    digest = hashlib.sha256(patients.read_bytes()).hexdigest()
    rows = len(patients.read_bytes().strip().splitlines()) - 1  # one header line
    body = page.inner_text("body")
    assert digest in body
    assert re.search(rf'"patients\.csv":\s*{rows}\b', body), "rows_per_file not shown"
    assert delivery.name in body
    assert "Materialized" in body
    page.screenshot(path=screenshot_path("dagster-partition-metadata"))
    # NTE is a known partition that was never materialised
    page.get_by_text("NTE", exact=True).first.click()
    page.get_by_text("rows_per_file", exact=True).wait_for(state="hidden")
    assert "Missing" in page.inner_text("body")


def check_lineage_from_a_raw_table_to_an_outcome_table(page, webserver):
    # large enough that the graph draws full asset names, not "harmonis…_patients"
    page.set_viewport_size({"width": 2200, "height": 2000})
    _open(page, f"{webserver.url}/assets/{PATH[-1]}?view=lineage&lineageScope=upstream"
                "&lineageDepth=10")
    graph = page.locator("svg")
    nodes = {name: graph.get_by_text(name, exact=True).first for name in PATH}
    for node in nodes.values():
        node.wait_for(state="visible")
    # statuses loaded: the registry-wide assets materialised, LYS of two centre partitions
    # (raw, staging and, since issue 16, harmonised are per centre)
    expect(graph.get_by_text(re.compile("^Loading"))).to_have_count(0, timeout=60_000)
    expect(graph.get_by_text("Materialized", exact=True)).to_have_count(3)
    expect(graph.get_by_text("50% filled", exact=True)).to_have_count(17)
    page.screenshot(path=screenshot_path("dagster-lineage-raw-to-outcome"))
    x = [nodes[name].bounding_box()["x"] for name in PATH]
    assert x == sorted(x) and len(set(x)) == len(x), dict(zip(PATH, x, strict=True))
    # every layer of the path is drawn as a group box around its assets
    for group in ("raw", "staging", "harmonised", "analysis", "outcomes"):
        assert graph.locator(f'[data-tooltip="{group}"]').first.is_visible(), group
    # edges are drawn between the nodes
    assert graph.locator("path").count() >= len(PATH) - 1
