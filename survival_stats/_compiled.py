"""The compiled (numba) kernels of the engine, one import for the callers that use them from
100,000 subjects (50,000 for Cox), where numpy's temporaries or Python loops would cost more
than numba's import. Kept by responsibility in:

- :mod:`survival_stats._compiled_survival`: counting sort by cell, KM and log-rank merges;
- :mod:`survival_stats._compiled_streams`: the time-ordered subjects (merge of the cells);
- :mod:`survival_stats._compiled_cuminc`: ``cuminc``'s CIFs and Gray's tests in one walk;
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
from survival_stats._compiled_cuminc import cuminc_walk
from survival_stats._compiled_streams import merge_cells
from survival_stats._compiled_survival import km_from_sorted, logrank_from_sorted, partition_by_cell

__all__ = [
    "concordance_counts", "coxfit6_step", "cuminc_walk", "km_from_sorted",
    "logrank_from_sorted", "merge_cells", "partition_by_cell", "segment_cumsum",
    "segment_reverse_cumsum",
]
