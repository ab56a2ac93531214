"""A demo warehouse's pages say so at their top (issue 18): the outcome report, the quality
dashboard and the data dictionary page open with "DEMO: synthetic data, public demo key"; a
real warehouse's pages carry no banner."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from data_quality.dashboard import render_dashboard
from outcome_report import render_report
from warehouse.demo_banner import DEMO_BANNER_TEXT, demo_banner, warehouse_is_demo
from warehouse.dictionary_page import render_data_dictionary

DICTIONARY_ROWS = pd.DataFrame([{
    "schema_name": "analysis", "table_name": "patients", "table_kind": "table",
    "column_name": "patient_key", "data_type": "VARCHAR", "column_description": "pseudonym",
    "table_description": "one row per patient"}])


def _banner_on_top(page: str) -> None:
    """The banner is in the body before the page's first heading, and in the title."""
    assert DEMO_BANNER_TEXT in page
    body = page[page.index("<body"):]
    assert body.index(DEMO_BANNER_TEXT) < body.index("<h1")
    assert "<title>DEMO: " in page


def _dashboard(tmp_path: Path, is_demo: bool) -> str:
    path = render_dashboard(
        tmp_path / f"quality-{is_demo}.html", "refresh-1",
        pd.DataFrame(columns=["centre_id", "kind", "success"]),
        pd.DataFrame(columns=["centre_id", "status", "root_query_id"]),
        pd.DataFrame(), pd.DataFrame(), {}, "../data-docs/index.html", is_demo=is_demo)
    return path.read_text(encoding="utf-8")


def test_the_demo_report_opens_with_the_banner(registry, tables, tmp_path: Path) -> None:
    patients, endpoints, snapshot = registry
    result = render_report(tables, patients, endpoints, {**snapshot, "is_demo": True},
                           tmp_path / "report")
    _banner_on_top(result.html_path.read_text(encoding="utf-8"))


def test_a_real_report_has_no_banner(report) -> None:
    page = report.html_path.read_text(encoding="utf-8")
    assert DEMO_BANNER_TEXT not in page and "demo-banner" not in page


@pytest.mark.parametrize("is_demo", [True, False], ids=["demo warehouse", "real warehouse"])
def test_the_dashboard_and_the_dictionary_page_carry_the_banner_of_a_demo(
        tmp_path: Path, is_demo: bool) -> None:
    pages = [_dashboard(tmp_path, is_demo),
             render_data_dictionary(DICTIONARY_ROWS, "refresh-1", is_demo)]
    for page in pages:
        if is_demo:
            _banner_on_top(page)
        else:
            assert DEMO_BANNER_TEXT not in page and "<title>DEMO" not in page


@pytest.mark.parametrize(("rows", "expected"), [
    (None, False), ([False], False), ([True], True)],
    ids=["before the first analysis step", "keyed warehouse", "demo warehouse"])
def test_the_flag_comes_from_meta_pseudonymisation(rows: list[bool] | None,
                                                   expected: bool) -> None:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA meta")
    if rows is not None:
        con.execute("CREATE TABLE meta.pseudonymisation (mode VARCHAR, is_demo BOOLEAN)")
        for flag in rows:
            con.execute("INSERT INTO meta.pseudonymisation VALUES (?, ?)",
                        ["demo" if flag else "keyed", flag])
    assert warehouse_is_demo(con) is expected
    assert (DEMO_BANNER_TEXT in demo_banner(warehouse_is_demo(con))) is expected
