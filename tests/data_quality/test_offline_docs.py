"""Offline data docs: GX pages lose every network asset and keep their content; local ids
never reach the docs (pure text and pandas, no great-expectations run)."""

from __future__ import annotations

import pandas as pd

from data_quality.offline_docs import external_assets, offline_page
from data_quality.validation import _masked_patient_ids

GX_PAGE = """<html><head>
<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css"/>
<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>
<script src='//cdn.jsdelivr.net/npm/vega@5'></script>
<style>.x{background:url('https://example.org/bg.png')}</style>
</head><body><img src="https://great-expectations-web-assets.s3.amazonaws.com/logo.png" alt="GX">
<a href="https://greatexpectations.io">GX</a><table><tr><td>is a required field</td></tr></table>
<script>$('#t').bootstrapTable({});</script></body></html>"""


def test_external_assets_finds_scripts_styles_images_and_css_urls() -> None:
    found = external_assets(GX_PAGE)
    assert len(found) == 5
    assert external_assets("<a href='https://example.org'>a link loads nothing</a>") == []


def test_offline_page_keeps_the_content_and_loads_nothing() -> None:
    page = offline_page(GX_PAGE, "../index.html")
    assert external_assets(page) == []
    assert "https://" not in page
    assert "is a required field" in page and "<style>" in page
    assert "bootstrapTable" not in page  # inline scripts need jQuery: dropped
    assert "href='../index.html'" in page


def test_local_patient_ids_are_masked_but_keys_stay_distinct() -> None:
    frame = pd.DataFrame({"centre_id": ["LYS", "LYS", "NTE", "NTE"],
                          "patient_id": ["LY00003", "LY00003", "LY00003", None]})
    masked = _masked_patient_ids(frame)["patient_id"]
    assert not masked.astype(str).str.contains("LY000").any()
    assert masked[0] == masked[1] and masked[0] != masked[2]  # same id, other centre
    assert masked[3] is None
