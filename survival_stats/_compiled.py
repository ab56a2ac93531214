"""The compiled (numba) kernels of the engine, one import for the callers that use them from
100,000 subjects (50,000 for Cox), where numpy's temporaries or Python loops would cost more
than numba's import. Kept by responsibility in:

- :mod:`survival_stats._compiled_survival`: counting sort by cell, KM and log-rank merges;
- :mod:`survival_stats._compiled_streams`: ``cuminc``'s CIFs and Gray's tests over the
  time-ordered subjects;
- :mod:`survival_stats._compiled_cox`: ``coxfit6``, risk-set sums, concordance.

Imported lazily by the estimators, so that ``import survival_stats`` does not pay numba's
import; each kernel names the R function it must agree with.
"""

from __future__ import annotations

from survival_stats._compiled_cox import (
    concordance_counts,
    coxfit6_step,
    segment_cumsum,
    segment_reverse_cumsum,
)
from survival_stats._compiled_streams import cif_stream, gray_stream, merge_cells
from survival_stats._compiled_survival import km_from_sorted, logrank_from_sorted, partition_by_cell

__all__ = [
    "cif_stream", "concordance_counts", "coxfit6_step", "gray_stream", "km_from_sorted",
    "logrank_from_sorted", "merge_cells", "partition_by_cell", "segment_cumsum",
    "segment_reverse_cumsum",
]
