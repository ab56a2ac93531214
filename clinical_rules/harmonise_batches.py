"""Harmonising a centre in batches of patients: where each batch's rows go in the whole.

Source: ../shared/spec/clinical-rules.md (every derived variable is a function of one
patient's rows: no rule compares patients) and issue 18 (memory must not grow with a
centre's size). :func:`clinical_rules.harmonise.harmonise_parts` on a batch of patients gives
that batch's rows; put together in the order below they are the rows harmonising the whole
centre gives. Two outputs are not per patient and are computed over the whole centre
instead: the unknown regimens (counts over all treatment lines and first allografts,
:func:`clinical_rules.harmonise.unknown_regimens`) and the orphan rows (rows of a patient not
in the patients table), which the last batch takes.

Order: patients in staging order (batches are consecutive runs of it); responses in their
staging order (source row); discrepancies kind by kind as harmonise_registry lists them
(ELN 2022, ELN 2024, karyotype, mutations, responses, MRD, conditioning intensity, unknown
conditioning, donor, GVHD before transplant / without transplant / unreadable, orphans),
each kind batch by batch. A kind listed per patient is then exactly in the whole centre's
order; a kind listed in the order of a table's rows (mutations, responses, MRD, GVHD) is
when that table lists its rows patient by patient in the patients' order, as the exports do.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: discrepancy kinds in harmonise_parts' part order: (part, variable/reason test -> sub-kind)
_ELN, _GENETIC, _CONDITIONING, _GVHD = 0, 1, 4, 6


def discrepancy_kinds(disc: pd.DataFrame, part_sizes: list[int]) -> np.ndarray:
    """Each discrepancy row's kind (an order key: part * 10 + sub-kind) from the part sizes
    :func:`clinical_rules.harmonise.harmonise_parts` returns."""
    if sum(part_sizes) != len(disc):
        raise ValueError(f"discrepancy parts of {sum(part_sizes)} rows for {len(disc)} rows")
    part = np.repeat(np.arange(len(part_sizes), dtype=np.int64), part_sizes)
    variable = disc["variable"].astype(str).to_numpy()
    reason = disc["reason"].astype(str)
    sub = np.zeros(len(disc), dtype=np.int64)
    sub[(part == _ELN) & (variable == "eln2024")] = 1
    sub[(part == _GENETIC) & (variable != "karyotype")] = 1
    sub[(part == _CONDITIONING) & (variable == "conditioning_regimen")] = 1
    gvhd = part == _GVHD
    sub[gvhd & reason.str.startswith("GVHD episode for a patient without").to_numpy()] = 1
    sub[gvhd & reason.str.startswith("GVHD kind/grade not readable").to_numpy()] = 2
    return part * 10 + sub


def with_order(frame: pd.DataFrame, first: np.ndarray | int, second: np.ndarray | int,
               third: np.ndarray | int) -> pd.DataFrame:
    """The frame with its order columns _o1, _o2, _o3 (sorted on when put together)."""
    out = frame.copy(deep=False)
    n = len(frame)
    for name, value in (("_o1", first), ("_o2", second), ("_o3", third)):
        out[name] = np.broadcast_to(np.asarray(value, dtype=np.int64), (n,)).copy()
    return out
