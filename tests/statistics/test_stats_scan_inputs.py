"""The compiled one-pass input scan of ``cuminc`` (used from 100,000 subjects): its counts and
time span equal numpy's on random inputs, it refuses every bad value the checks refuse, and
a bad value on the compiled path still gets the error that names its first index."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survival_stats import _compiled_streams
from survival_stats.competing_risks import competing_risks

nk_module = importlib.import_module("survival_stats._numpy_kernels")


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.0, -0.0, 1e-300, 5e-324, 0.5, 3.0, 1e300]),
                          st.integers(0, 20), st.integers(0, 40)), min_size=1, max_size=60))
def test_scan_counts_and_time_span_equal_numpy(rows):
    t = np.array([r[0] for r in rows])
    s = np.array([r[1] for r in rows], np.int64)
    g = np.array([r[2] for r in rows], np.int64)
    ok, per_status, per_group, low, high = _compiled_streams.scan_inputs(t, s, g)
    assert ok
    assert np.array_equal(per_status, np.bincount(s))
    assert np.array_equal(per_group, np.bincount(g))
    positive = t[t > 0].view(np.uint64)
    assert (low, high) == ((positive.min(), positive.max()) if positive.size
                           else (np.uint64(2**64 - 1), np.uint64(0)))
    assert (low, high) == _compiled_streams.positive_time_span(t)


@pytest.mark.parametrize("field, value", [("time", np.nan), ("time", np.inf),
                                          ("time", -1.0), ("status", -1),
                                          ("status", 70_000), ("group", -2),
                                          ("group", 70_000)])
def test_scan_refuses_bad_values(field, value):
    t, s, g = np.ones(50), np.ones(50, np.int64), np.zeros(50, np.int64)
    {"time": t, "status": s, "group": g}[field][37] = value
    assert not _compiled_streams.scan_inputs(t, s, g)[0]


@pytest.mark.parametrize("bad, message", [(np.nan, "NaN at index 123"),
                                          (np.inf, "infinite at index 123"),
                                          (-2.0, "negative at index 123")])
def test_a_bad_time_on_the_compiled_path_names_its_index(monkeypatch, bad, message):
    monkeypatch.setattr(nk_module, "COMPILED_FROM", 0)
    rng = np.random.default_rng(5)
    t = rng.exponential(5, 500)
    t[[123, 400]] = bad
    with pytest.raises(ValueError, match=message):
        competing_risks(t, rng.integers(0, 3, 500), rng.integers(0, 2, 500))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.0, -0.0, 1e-300, 5e-324, 0.5, 3.0, 1e300]),
                          st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=60))
def test_scan_and_pack_keys_equal_packed_keys(rows):
    """The keys built in the scan's counting pass are :func:`packed_keys`' (when the cells
    fit and the time span fits), with the same counts as the scan alone."""
    t = np.array([r[0] for r in rows])
    s = np.array([r[1] for r in rows], np.int64)
    g = np.array([r[2] for r in rows], np.int64)
    ok, per_status, per_group, low, high, keys, base, cell_size = \
        _compiled_streams.scan_and_pack(t, s, g, 16)
    scanned = _compiled_streams.scan_inputs(t, s, g)
    assert ok and np.array_equal(per_status, scanned[1])
    assert np.array_equal(per_group, scanned[2]) and (low, high) == scanned[3:]
    n_codes, n_groups = per_status.size, per_group.size
    want, want_base, fits, want_size = _compiled_streams.packed_keys(
        t, g, s, n_codes, n_codes * n_groups, np.uint64(low), np.uint64(high))
    if n_codes * n_groups > 16 or not fits:
        assert keys.size == 0
    else:
        assert np.array_equal(keys, want) and base == want_base
        assert np.array_equal(cell_size, want_size)
