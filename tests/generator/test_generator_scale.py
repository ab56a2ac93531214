"""Scale mode: chunked streaming keeps memory flat as the number of patients grows."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pandas as pd
import pytest
from generator_readback import (
    assert_row_defect_in_place,
    canonical_columns,
    load_yaml,
    read_rows,
)

import synthetic_registry.generate as gen
from synthetic_registry import generate_registry


def peak_bytes(landing: Path, patients: int) -> int:
    tracemalloc.start()
    try:
        generate_registry(landing, patients=patients)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_patients(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gen, "CHUNK_PATIENTS", 400)
    generate_registry(tmp_path / "warm", patients=300)      # fill module-level caches
    small = peak_bytes(tmp_path / "small", 800)
    large = peak_bytes(tmp_path / "large", 3200)            # 4x the patients, 8 chunks
    assert large < 1.5 * small, (small, large)


def test_scale_mode_with_defects_counts_rows_after_duplicates(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    monkeypatch.setattr(gen, "CHUNK_PATIENTS", 1000)
    s = generate_registry(tmp_path / "scale", patients=2000, defect_rate=0.01)
    assert s.manifest is not None and s.defects > 0
    m = pd.read_csv(s.manifest, dtype=str, keep_default_na=False)
    rows = m[m["expected"] == "quarantine_row"]
    for r in rows.head(200).itertuples():
        head, data = read_rows(s.landing, r.centre_id, r.delivery, r.table)
        cols = canonical_columns(load_yaml(s.landing, r.centre_id), r.table, head)
        assert_row_defect_in_place(r, cols, data)
