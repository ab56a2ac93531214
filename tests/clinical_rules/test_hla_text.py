"""HLA match text as laboratories write it (clinical-rules.md "Transplant variables")."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinical_rules.hla_text import HLA_FORMS, read_hla, read_hla_text

# (case, text, matched, typed, mismatches, mismatched loci, haplo, full match)
FORMS = [
    ("ratio 10/10", "10/10", 10, 10, 0, (), False, True),
    ("ratio 9/10", "9/10", 9, 10, 1, (), False, False),
    ("ratio 8/8", "8/8", 8, 8, 0, (), False, True),
    ("ratio 7/8", "7/8", 7, 8, 1, (), False, False),
    ("ratio 12/12", "12/12", 12, 12, 0, (), False, True),
    ("ratio with spaces", " 10 / 10 ", 10, 10, 0, (), False, True),
    ("ratio in words", "10 of 10", 10, 10, 0, (), False, True),
    ("ratio in French", "9 sur 10", 9, 10, 1, (), False, False),
    ("9/10 (DQB1 mm)", "9/10 (DQB1 mm)", 9, 10, 1, ("DQB1",), False, False),
    ("9/10 with antigen mismatch at C", "9/10, HLA-C antigen mismatch", 9, 10, 1, ("C",), False,
     False),
    ("9/10 allele mismatch", "9/10 (1 allele mm HLA-C)", 9, 10, 1, ("C",), False, False),
    ("mismatch at a locus outside 8/8 does not count", "8/8 (DQB1 mm)", 8, 8, 0, (), False,
     True),
    ("DPB1 mismatch outside 10/10", "10/10 (DPB1 mm)", 10, 10, 0, (), False, True),
    ("7/8 with the locus", "7/8 (C mm)", 7, 8, 1, ("C",), False, False),
    ("mismatches written as a ratio", "1/10 mm", 9, 10, 1, (), False, False),
    ("5/10 haplo", "5/10 haplo", 5, 10, 5, (), True, False),
    ("a half match is haplo", "4/8", 4, 8, 4, (), True, False),
    ("haplo written after", "haplo 5/10", 5, 10, 5, (), True, False),
    ("6/10 haplo", "6/10 haplo", 6, 10, 4, (), True, False),
    ("haplo", "haplo", None, None, None, (), True, False),
    ("haploidentical", "haploidentical", None, None, None, (), True, False),
    ("haplo-identical", "Haplo-identical", None, None, None, (), True, False),
    ("HLA-A mismatch", "HLA-A mismatch", None, None, 1, ("A",), False, False),
    ("two loci", "HLA-A and -DRB1 mismatch", None, None, 2, ("A", "DRB1"), False, False),
    ("five loci mismatched: haplo", "A, B, C, DRB1, DQB1 mismatch", None, None, 5,
     ("A", "B", "C", "DRB1", "DQB1"), True, False),
    ("allele notation", "A*02:01 mismatch", None, None, 1, ("A",), False, False),
    ("one antigen mismatch", "1 Ag MM", None, None, 1, (), False, False),
    ("one allele mismatch", "one allele mismatch", None, None, 1, (), False, False),
    ("two antigen mismatches", "2 antigen mismatches", None, None, 2, (), False, False),
    ("the article a is not HLA-A", "a mismatch at C", None, None, 1, ("C",), False, False),
    ("legacy DR", "DR mismatch", None, None, 1, ("DRB1",), False, False),
    ("identical", "identical", None, None, 0, (), False, True),
    ("HLA-identical", "HLA-identical", None, None, 0, (), False, True),
    ("geno-identical", "geno-identical", None, None, 0, (), False, True),
    ("fully matched", "fully matched", None, None, 0, (), False, True),
    ("matched", "matched", None, None, 0, (), False, True),
    ("ratio with matched", "HLA 10/10 matched", 10, 10, 0, (), False, True),
    ("mismatched without a count", "mismatched", None, None, None, (), False, False),
]


@pytest.mark.parametrize(("case", "text", "matched", "typed", "mm", "loci", "haplo", "full"),
                         FORMS, ids=[f[0] for f in FORMS])
def test_recognised_forms(case, text, matched, typed, mm, loci, haplo, full):
    r = read_hla_text(text)
    assert r is not None and not r.unknown, r
    assert (r.matched, r.typed, r.mismatches) == (matched, typed, mm)
    assert r.mismatched_loci == loci
    assert r.haplo is haplo and r.full_match is full


# (case, text, words of the reason)
UNKNOWN = [
    ("not reported", "ND", "not reported"),
    ("question mark", "?", "not reported"),
    ("not a ratio", "11/10", "not an HLA match ratio"),
    ("two different ratios", "9/10 or 10/10", "several different ratios"),
    ("more named mismatches than the ratio has", "9/10 (A, B mm)", "names 2"),
    ("haplo beside a full match", "10/10 haplo", "full match"),
    ("identical beside a mismatch", "9/10 identical", "identical"),
    ("words not understood", "banana", "BANANA"),
]


@pytest.mark.parametrize(("case", "text", "reason"), UNKNOWN, ids=[u[0] for u in UNKNOWN])
def test_unreadable_text_is_unknown_with_a_reason(case, text, reason):
    r = read_hla_text(text)
    assert r is not None and r.unknown and r.normalised is None
    assert reason in r.reason


def test_every_documented_form_is_read():
    for _, examples, _ in HLA_FORMS:
        for ex in examples.split(", "):
            r = read_hla_text(ex.strip("'"))
            assert r is not None and not r.unknown, (ex, r)


def test_vectorised_reading_aligns_with_the_index():
    s = pd.Series(["10/10", None, "9/10 (DQB1 mm)", "10/10", "banana"], index=[5, 6, 7, 8, 9])
    out = read_hla(s)
    assert out.index.tolist() == [5, 6, 7, 8, 9]
    assert out["hla_normalised"].tolist() == ["10/10", None, "9/10", "10/10", None]
    assert out["hla_unknown"].tolist() == [False, False, False, False, True]
    assert out["hla_full_match"].isna().tolist() == [False, True, False, False, True]


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 12), st.sampled_from([6, 8, 10, 12]),
       st.sampled_from(["{a}/{b}", " {a} / {b} ", "{a} of {b}", "HLA {a}/{b}"]))
def test_ratio_round_trips(a: int, b: int, form: str) -> None:
    """Property: every valid ratio written in any accepted form reads back unchanged."""
    a = min(a, b)
    r = read_hla_text(form.format(a=a, b=b))
    assert r is not None and not r.unknown
    assert (r.matched, r.typed, r.mismatches) == (a, b, b - a)
    assert r.full_match is (a == b) and r.haplo is (2 * a <= b)
    assert r.normalised == f"{a}/{b}"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_any_text_is_read_or_unknown_never_raises(text: str) -> None:
    """Property: a reading is either normalised or unknown with a reason, never both."""
    r = read_hla_text(text)
    if r is not None:
        assert (r.normalised is None) == r.unknown
        assert bool(r.reason) == r.unknown
