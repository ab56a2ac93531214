"""The ``aml-registry estimate`` back end: run the statistics engine on any DuckDB query.

The query returns ``time`` and ``status`` (km/logrank/cox: 0 censored, 1 event; cif/gray:
0 censored, 1, 2, ... causes), optionally ``group``, and for ``cox`` the covariates as the
remaining columns. The result is the JSON object of the architecture spec (Interfaces).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from survival_stats._arrays import masked_parts, missing_mask
from survival_stats.gray_test import GrayTest
from survival_stats.kaplan_meier import kaplan_meier
from survival_stats.logrank import logrank_test

# Imported where used: the Cox fit, the compiled competing-risks kernels (cif, gray),
# so that ``aml-registry estimate`` starts in well under a second for km and logrank.

METHODS = ("km", "cif", "logrank", "gray", "cox")

#: The columns each method reads from the query's result: (required, optional). For cox every
#: column besides time and status is a covariate (at least one; ``group`` is one too).
METHOD_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "km": (("time", "status"), ("group",)),
    "cif": (("time", "status"), ("group",)),
    "logrank": (("time", "status", "group"), ()),
    "gray": (("time", "status", "group"), ()),
    "cox": (("time", "status"), ("group",)),
}
_COLUMN_MEANING = {
    "time": "follow-up time, e.g. time_days",
    "status": {"km": "0 censored, 1 event", "logrank": "0 censored, 1 event",
               "cox": "0 censored, 1 event", "cif": "0 censored, 1, 2, ... causes",
               "gray": "0 censored, 1, 2, ... causes"},
    "group": "the groups compared",
}

#: DuckDB settings of the analysts' connection (DuckDB "Securing DuckDB" guide): no file,
#: network or extension access beyond the attached database, no spill folder, and no way to
#: change that afterwards. The file itself is attached READ_ONLY.
SANDBOX_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}
_RESERVED_CATALOGS = {"memory", "system", "temp", "main"}


class QueryColumnsError(ValueError):
    """The query's result lacks a column the method needs (names the column and method)."""


class QueryRefusedError(PermissionError):
    """The query tried more than reading the opened database (sandbox of ``estimate --sql``)."""


def _clean(value: Any) -> Any:
    """JSON-safe scalars: numpy -> Python, NaN/inf -> None."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _label(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


class _Columns(dict):
    """The query result as numpy columns (duckdb ``fetchnumpy``; no pandas needed)."""

    @property
    def columns(self) -> list[str]:
        return list(self)

    def missing(self, name: str) -> np.ndarray:
        data, mask = masked_parts(self[name])
        return mask | missing_mask(data)

    def values(self, name: str, rows: np.ndarray) -> np.ndarray:  # type: ignore[override]
        return masked_parts(self[name])[0][rows]


def sandboxed_connection(db_path: str) -> duckdb.DuckDBPyConnection:
    """``db_path`` attached READ_ONLY to an in-memory DuckDB, then :data:`SANDBOX_CONFIG`.

    Attaching (instead of ``duckdb.connect(db_path, config=...)``) lets the sandbox open a file
    that the same process already holds open with other settings (e.g. an analyst's notebook
    connection), which DuckDB refuses for a second direct connection. The file is the default
    catalog under its own name, so queries read as they would on a direct connection.
    """
    stem = Path(db_path).stem
    alias = stem if stem.isidentifier() and stem.lower() not in _RESERVED_CATALOGS else "db"
    con = duckdb.connect(":memory:", config={
        "autoinstall_known_extensions": False, "autoload_known_extensions": False,
        "temp_directory": ""})
    try:
        path = str(db_path).replace("'", "''")
        con.execute(f"ATTACH '{path}' AS \"{alias}\" (READ_ONLY)")
        con.execute(f'USE "{alias}"')
        for name, value in SANDBOX_CONFIG.items():
            con.execute(f"SET {name} = {str(value).lower()}")
    except BaseException:
        con.close()
        raise
    return con


def _read(db_path: str, sql: str) -> _Columns:
    """Rows of one read-only SELECT over ``db_path``; anything else: :class:`QueryRefusedError`.

    DuckDB lets a read-only connection write the database's own ``.wal`` path even with
    external access disabled, so statements other than a single SELECT are refused before
    they run (COPY, EXPORT, ATTACH, INSTALL/LOAD, SET, PRAGMA, CALL ...).
    """
    con = sandboxed_connection(db_path)
    try:
        try:
            statements = con.extract_statements(sql)
        except duckdb.Error as exc:
            raise ValueError(f"the query does not parse: {exc}") from exc
        kinds = [st.type.name for st in statements]
        if kinds != ["SELECT"]:
            raise QueryRefusedError(
                f"refused: --sql must be one read-only SELECT over {db_path}, got "
                f"{' + '.join(kinds) or 'no statement'} (estimate has no file, network, "
                "extension or settings access)")
        try:
            return _Columns(con.execute(sql).fetchnumpy())
        except duckdb.PermissionException as exc:
            raise QueryRefusedError(f"refused by the sandbox (the query may read only "
                                    f"{db_path}): {exc}") from exc
    finally:
        con.close()


def check_columns(method: str, columns: list[str]) -> None:
    """Raise :class:`QueryColumnsError` naming the column ``method`` needs and lacks."""
    required, _ = METHOD_COLUMNS[method]
    for column in required:
        if column not in columns:
            meaning = _COLUMN_MEANING[column]
            if isinstance(meaning, dict):
                meaning = meaning[method]
            raise QueryColumnsError(
                f"method {method} needs a column named {column!r} ({meaning}); the query "
                f"returned {', '.join(columns) or 'no columns'}; "
                f"{method} expects {', '.join(required)}"
                + (f" and optionally {', '.join(METHOD_COLUMNS[method][1])}"
                   if METHOD_COLUMNS[method][1] else ""))
    if method == "cox" and not [c for c in columns if c not in ("time", "status")]:
        raise QueryColumnsError("method cox needs at least one covariate column besides "
                                f"time and status; the query returned {', '.join(columns)}")


def estimate_from_duckdb(
    db_path: str, sql: str, method: str, times: list[float] | None = None, ci: str = "log"
) -> dict:
    """Run ``method`` (km|cif|logrank|gray|cox) on the rows of ``sql`` over a DuckDB file.

    The file is opened read-only in a sandbox (:func:`sandboxed_connection`; one SELECT only,
    no other file, network or extension). Missing columns raise :class:`QueryColumnsError`
    naming the column and the method (:data:`METHOD_COLUMNS`). Rows with a missing
    time/status (or group) are dropped; ``n`` is the number of rows analysed (for cox: complete cases). Returned keys by method:
    km: estimates + median (+ tests: log-rank when there are >= 2 groups); cif: estimates (+
    Gray's tests per cause with >= 2 groups); logrank, gray: tests; cox: coefficients.
    ``group``/``cause`` are strings/ints or null; NaN becomes null. Without ``times`` the
    estimates are given at every distinct event time (of the cause, for cif). ``ci`` is the
    KM confidence interval type (log | log-log | plain); CIF intervals always use the
    log(-log) transform. For cox a ``group`` column is used as a (categorical) covariate; text
    columns are categorical with the alphabetically first level as reference, terms named as
    R does (``<column><level>``).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    df = _read(db_path, sql)
    check_columns(method, [str(c) for c in df.columns])
    has_group = "group" in df.columns
    if method == "cox":
        return _clean(_cox(df))
    needed = ["time", "status"] + (["group"] if has_group else [])
    drop = np.zeros(len(df["time"]), bool)
    for name in needed:
        drop |= df.missing(name)
    rows = np.flatnonzero(~drop)
    t = np.asarray(df.values("time", rows), dtype=float)
    s_raw = np.asarray(df.values("status", rows), dtype=float)
    g = df.values("group", rows) if has_group else None
    n_groups = len(set(g.tolist())) if g is not None else 1
    out: dict[str, Any] = {"method": method, "n": int(rows.size)}
    if method in ("logrank", "km") and np.any((s_raw != 0) & (s_raw != 1)):
        raise ValueError(f"{method}: status must be 0 (censored) or 1 (event)")
    s = s_raw
    if method == "km":
        curves = kaplan_meier(t, s, g, conf_type=ci)
        est = []
        for c in curves:
            at = c.at(times if times is not None else c.time[c.n_event > 0])
            for i in range(at["time"].size):
                est.append({"group": _label(c.group) if has_group else None, "cause": None,
                            "time": at["time"][i], "estimate": at["surv"][i],
                            "se": at["se_surv"][i], "lower": at["lower"][i],
                            "upper": at["upper"][i], "n_risk": int(at["n_risk"][i])})
        out["estimates"] = est
        out["median"] = [{"group": _label(c.group) if has_group else None, **c.median()}
                         for c in curves]
        if n_groups > 1:
            out["tests"] = [_logrank(t, s, g)]
    elif method == "cif":
        from survival_stats.competing_risks import competing_risks

        est = []
        analysis = competing_risks(t, s, g)
        for c in analysis.curves:
            at = c.at(times if times is not None else c.time)
            for i in range(at["time"].size):
                est.append({"group": _label(c.group) if has_group else None, "cause": c.cause,
                            "time": at["time"][i], "estimate": at["estimate"][i],
                            "se": at["se"][i], "lower": at["lower"][i],
                            "upper": at["upper"][i], "n_risk": int(at["n_risk"][i])})
        out["estimates"] = est
        if n_groups > 1:
            out["tests"] = _gray(analysis.tests)
    elif method == "logrank":
        if g is None:
            raise ValueError("logrank needs a group column")
        out["tests"] = [_logrank(t, s, g)]
    elif method == "gray":
        if g is None:
            raise ValueError("gray needs a group column")
        from survival_stats.gray_test import gray_test

        out["tests"] = _gray(gray_test(t, s, g))
    return _clean(out)


def _logrank(t, s, g) -> dict:
    r = logrank_test(t, s, g)
    return {"cause": None, "statistic": r.statistic, "df": r.df, "p": r.p}


def _gray(tests: list[GrayTest]) -> list[dict]:
    return [{"cause": r.cause, "statistic": r.statistic, "df": r.df, "p": r.p} for r in tests]


def _cox(df: _Columns) -> dict:
    """The Cox model of the query's columns, from the numpy columns (no pandas import)."""
    covariates = [c for c in df.columns if c not in ("time", "status")]
    if not covariates:
        raise ValueError("cox needs at least one covariate column besides time and status")
    from survival_stats.cox import cox_ph

    res = cox_ph(df, "time", "status", covariates)
    return {
        "method": "cox",
        "n": res.n,
        "coefficients": [{"term": t.term, "coef": t.coef, "se": t.se, "hr": t.hr,
                          "lower": t.lower, "upper": t.upper, "p": t.p} for t in res.terms],
    }


def _fmt(v: Any) -> str:
    if v is None:
        return "NA"
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def _text_table(rows: list[dict]) -> str:
    cols = list(rows[0].keys())
    cells = [[_fmt(r[c]) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    lines = ["  ".join(c.rjust(w) for c, w in zip(cols, widths, strict=True))]
    lines += ["  ".join(x.rjust(w) for x, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)


def format_table(result: dict) -> str:
    """Plain aligned text of an :func:`estimate_from_duckdb` result (``--format table``)."""
    parts = [f"method: {result['method']}   n: {result['n']}"]
    for key in ("estimates", "median", "tests", "coefficients"):
        rows = result.get(key)
        if rows:
            parts.append(f"\n{key}\n{_text_table(rows)}")
        elif key in result:
            parts.append(f"\n{key}\n(none)")
    return "\n".join(parts) + "\n"
