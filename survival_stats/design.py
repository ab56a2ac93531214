"""Model matrices with R's treatment coding (``model.matrix``) from a pandas DataFrame or from
plain numpy columns, and the complete cases of a model's columns (R's ``na.omit``).

The numpy form lets ``aml-registry estimate --method cox`` fit a model from DuckDB's
``fetchnumpy`` columns without importing pandas (about a second of start-up on a loaded
machine); a DataFrame gives the same matrix and terms.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from survival_stats._arrays import masked_parts, missing_mask


@dataclass(frozen=True)
class ModelColumns:
    """The complete cases of a model's columns, one numpy array each.

    Numeric columns are float64; categorical ones (text, bool, pandas ``category``) object
    arrays, with the declared level order of a pandas ``category`` in ``categories``.
    ``n_dropped`` counts the rows dropped for a missing value in any of the columns.
    """

    columns: dict[str, np.ndarray]
    n_dropped: int
    categories: dict[str, list] = field(default_factory=dict)

    def __len__(self) -> int:
        return next(iter(self.columns.values())).size if self.columns else 0


def is_frame(data: Any) -> bool:
    """Whether ``data`` is a pandas DataFrame (checked without importing pandas)."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(data, pandas.DataFrame)


def raw_column(data: Any, name: str) -> np.ndarray:
    """One column of a DataFrame or of a mapping of (masked) numpy arrays, as numpy; a masked
    (NULL) numeric entry becomes NaN, a masked other entry None."""
    if is_frame(data):
        return data[name].to_numpy()
    col = data[name]
    values, mask = masked_parts(col)
    if not mask.any():
        return np.asarray(values)
    if values.dtype.kind in "iuf":
        out = values.astype(np.float64)
        out[mask] = np.nan
    else:
        out = values.astype(object)
        out[mask] = None
    return out


def complete_cases(data: Any, names: list[str]) -> ModelColumns:
    """Rows of ``data`` (DataFrame or mapping of numpy arrays) without a missing value in any of
    ``names`` (NaN, None, NaT, NA), each column numeric (float64) or categorical (object).

    A column is categorical when it is not numeric or is bool, as in :func:`design_matrix`.
    """
    if is_frame(data):
        complete = data[names].dropna()
        columns, categories = {}, {}
        for name in names:
            s = complete[name]
            if _frame_column_is_categorical(s):
                columns[name] = s.to_numpy(dtype=object)
                if s.dtype.name == "category":
                    categories[name] = list(s.cat.categories)
            else:
                columns[name] = s.to_numpy(dtype=float)
        return ModelColumns(columns, int(len(data) - len(complete)), categories)
    raw = {name: raw_column(data, name) for name in names}
    n = next(iter(raw.values())).size if raw else 0
    drop = np.zeros(n, bool)
    for values in raw.values():
        drop |= missing_mask(values)
    keep = ~drop
    columns = {}
    for name, values in raw.items():
        kept = values[keep]
        columns[name] = (kept.astype(np.float64) if kept.dtype.kind in "iuf"
                         else kept.astype(object))
    return ModelColumns(columns, int(drop.sum()))


def treatment_design(model: ModelColumns, variables: list[str],
                     reference: dict[str, object] | None = None
                     ) -> tuple[np.ndarray, list[tuple[str, str, str]]]:
    """Numeric model matrix (rows x terms) with R's treatment coding, and (term, variable,
    level label) per column.

    Numeric columns are used as they are; a categorical one gets a 0/1 column per level other
    than the reference, named ``<variable><level>`` (R's ``model.matrix`` names). Levels are
    those present, in declared ``category`` order or else sorted as text; the reference is
    ``reference[variable]`` or else the first level.
    """
    reference = reference or {}
    cols: list[np.ndarray] = []
    info: list[tuple[str, str, str]] = []
    for var in variables:
        values = model.columns[var]
        if values.dtype.kind == "f":
            cols.append(values)
            info.append((var, var, ""))
            continue
        present = values[~missing_mask(values)]
        if var in model.categories:
            levels = [lv for lv in model.categories[var] if (present == lv).any()]
        else:
            levels = sorted(set(present.tolist()), key=str)
        ref = reference.get(var, levels[0] if levels else None)
        if ref not in levels:
            raise ValueError(f"reference level {ref!r} not found in {var!r} (levels {levels})")
        for lv in levels:
            if lv == ref:
                continue
            cols.append((values == lv).astype(np.float64))
            info.append((f"{var}{lv}", var, f"{lv} vs {ref}"))
    matrix = np.column_stack(cols) if cols else np.zeros((len(model), 0))
    return matrix, info


def design_matrix(data, variables: list[str], reference: dict[str, object] | None = None):
    """Numeric model matrix with R's treatment coding for categorical variables, as a
    DataFrame on ``data``'s index (see :func:`treatment_design`); returns the matrix and
    (term, variable, level label) per column. Missing values are not dropped here."""
    import pandas as pd

    columns, categories = {}, {}
    for var in variables:
        s = data[var]
        if _frame_column_is_categorical(s):
            columns[var] = s.to_numpy(dtype=object)
            if isinstance(s.dtype, pd.CategoricalDtype):
                categories[var] = list(s.cat.categories)
        else:
            columns[var] = s.to_numpy(dtype=float)
    matrix, info = treatment_design(ModelColumns(columns, 0, categories), variables, reference)
    return pd.DataFrame(matrix, columns=[term for term, _, _ in info], index=data.index), info


def _frame_column_is_categorical(s) -> bool:
    import pandas as pd

    return not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)

