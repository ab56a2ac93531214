"""Reader-facing tables: gtsummary's p-value style, disclosure control, human labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from outcome_report import display as dsp
from outcome_report.matching import imbalanced
from outcome_report.variables import level_label


@pytest.mark.parametrize(("p", "text"), [
    (0.0000123, "<0.001"), (0.00099, "<0.001"), (0.001, "0.001"), (0.0123, "0.012"),
    (0.049, "0.049"), (0.1234, "0.12"), (0.196, "0.2"), (0.149, "0.15"), (0.25, "0.3"), (0.9, "0.9"),
    (0.95, ">0.9"), (float("nan"), "—"), (None, "—"),
])
def test_pvalues_as_gtsummary_style_pvalue(p, text):
    assert dsp.style_pvalue(p) == text


@pytest.mark.parametrize(("counts", "hidden"), [
    ([40, 30, 5], [False, False, False]),             # nothing below 5
    ([40, 30, 3], [False, True, True]),                # one small cell: the next smallest too
    ([40, 2, 3], [False, True, True]),                 # two small cells protect each other
    ([40, 3, 0], [True, True, False]),                 # a zero is not a person
    ([70, 4], [True, True]),                           # two levels: both hidden
])
def test_small_cells_suppressed_with_a_complement(counts, hidden):
    assert dsp.suppress(counts, 5) == hidden


@given(st.lists(st.integers(0, 60), min_size=1, max_size=8), st.integers(1, 11))
def test_no_single_small_cell_can_be_recovered_from_the_total(counts, min_cell):
    hidden = dsp.suppress(counts, min_cell)
    small = [c for c, h in zip(counts, hidden, strict=True) if 0 < c < min_cell]
    assert all(h for c, h in zip(counts, hidden, strict=True) if 0 < c < min_cell)
    if small and sum(c > 0 for c in counts) > 1:
        assert sum(hidden) >= 2  # the hidden cells' sum never pins one of them


def test_table1_display_has_label_rows_levels_and_unknown(tables):
    n = int(tables["table1_azaven"]["n_known"].max())
    t = dsp.table1_display("t1", "Table 1", [("AZA/VEN", tables["table1_azaven"], n),
                                              ("IC", tables["table1_ic"], 80)],
                           tables["table1_comparison"], 5)
    assert t.header == ["Characteristic", f"AZA/VEN, N = {n}", "IC, N = 80", "p-value"]
    first = [r.cells[0] for r in t.rows]
    assert first.count("Sex") == 1 and "Female" in first and "Unknown" in first
    assert t.rows[first.index("Sex")].kind == "label"
    assert t.rows[first.index("Female")].kind == "level"
    assert any("Wilcoxon" in f for f in t.footnotes)
    counts = [c for r in t.rows if r.kind == "level" for c in r.cells[1:3] if "%)" in c]
    assert counts and not [c for c in counts if int(c.split()[0]) in (1, 2, 3, 4)]


def test_table2_shows_reference_rows_and_both_models(tables):
    t = dsp.table2_display(tables["univariate"], tables["multivariable"], "OS")
    assert [s for s, _ in t.spanners] == ["", "Univariable", "Multivariable"]
    ref_rows = [r for r in t.rows if r.cells[2] == "Reference"]
    assert ref_rows and all(r.kind == "level" for r in ref_rows)
    selected = tables["multivariable"].query("endpoint == 'OS'")["selected_variables"].iloc[0]
    if selected:
        assert any(r.cells[4] not in ("", "Reference") for r in t.rows)


def test_balance_flags_what_is_not_balanced():
    bal = pd.DataFrame({"variable": ["age_at_hsct", "sex: male vs female"],
                        "mean_treated_before": [58.0, 0.5], "mean_control_before": [50.0, 0.4],
                        "smd_before": [0.6, 0.2], "mean_treated_after": [57.0, 0.5],
                        "mean_control_after": [55.0, 0.5], "smd_after": [0.15, 0.0],
                        "n_treated": 75, "n_control": 400, "n_pairs": 60})
    assert list(imbalanced(bal)["variable"]) == ["age_at_hsct"]
    t = dsp.balance_display(bal)
    assert t.rows[0].cells[-1].startswith("No") and t.rows[1].cells[-1] == "Yes"
    assert t.rows[1].cells[0] == "Sex: Male (vs Female)"


def test_levels_read_as_words():
    assert level_label("salvage_setting", "post_ic") == "Post-IC"
    assert level_label("hct_ci_group", ">=3") == "≥3"
    assert level_label("adverse_cytogenetics", True) == "Yes"
    assert level_label("x", np.nan) == "Unknown"
    assert level_label("aml_type", "some_new_code") == "Some new code"
