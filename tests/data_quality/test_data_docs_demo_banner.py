"""A demo warehouse's data docs open with the demo banner, as its report, dashboard and
dictionary page do (issue 18); a keyed warehouse's never do."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from data_quality.offline_docs import data_docs_index
from warehouse.demo_banner import DEMO_BANNER_TEXT

SUITES = pd.DataFrame([{"suite": "patients", "unsuccessful": 0, "evaluated": 12,
                        "successful": 12, "rows_total": 1072}])
RESULTS = pd.DataFrame({"status": pd.Series(dtype=object)})
CENTRES = pd.DataFrame({"success": pd.Series(dtype="boolean")})


@pytest.mark.parametrize("is_demo", [True, False])
def test_the_index_carries_the_banner_only_on_a_demo_warehouse(tmp_path: Path,
                                                              is_demo: bool) -> None:
    index = data_docs_index(tmp_path, "20261202T000000Z-abc123", SUITES, RESULTS, CENTRES,
                            ["note"], is_demo=is_demo)
    html = index.read_text(encoding="utf-8")
    assert (DEMO_BANNER_TEXT in html) is is_demo
    assert ("<title>DEMO: Data docs" in html) is is_demo
    if is_demo:  # the banner comes before the page's heading
        assert html.index(DEMO_BANNER_TEXT) < html.index("<h1>")
