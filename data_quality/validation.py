"""The generated suites validated with great-expectations 1.x into offline data docs.

Source: ../shared/spec/style.md ("great-expectations 1.x", "OHDSI Data Quality Dashboard").
The suites (:mod:`data_quality.expectations`) are validated with a file-mode context whose
data-docs site is written to a fixed folder (``out_dir``); every result is returned as one
tidy row, registry-wide and per centre (the failing rows' ``centre_id``, from GX's
unexpected index list), and the site is made to work offline (:mod:`data_quality.offline_docs`).

Pure library: no Dagster import; great-expectations is imported lazily (its import is slow),
with ``GX_ANALYTICS_ENABLED=false`` set before. Nothing here needs the network.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from data_quality.expectations import (
    DQD_REFERENCE,
    PROFILE_SUITE,
    DataQualityThresholds,
    ExpectationSpec,
    generate_expectation_specs,
)
from data_quality.offline_docs import data_docs_index, make_site_offline
from data_quality.profile import _typed_table, build_patient_profile
from schemas.registry import STAGING_TABLES

os.environ["GX_ANALYTICS_ENABLED"] = "false"

SITE_NAME = "registry_data_docs"
#: GX data-docs site entries that a rebuild replaces inside ``out_dir`` (nothing else is touched).
SITE_ENTRIES: tuple[str, ...] = ("index.html", "static", "expectations", "validations",
                                 "profiling")

RESULT_COLUMNS: list[str] = [
    "run_name", "suite", "table_name", "kind", "check_name", "expectation", "column_name",
    "centre_id", "success", "status", "observed_value", "unexpected_count", "element_count",
    "unexpected_percent", "threshold", "expected", "unexpected_examples", "rows_total",
    "rows_validated", "sampled", "description",
]
SUITE_COLUMNS: list[str] = [
    "run_name", "suite", "rows_total", "rows_validated", "sampled", "evaluated", "successful",
    "unsuccessful", "not_applicable", "seconds",
]

CENTRE_RESULT_COLUMNS: list[str] = [
    "run_name", "suite", "table_name", "kind", "check_name", "expectation", "column_name",
    "centre_id", "success", "unexpected_count", "element_count", "share_violated",
    "threshold", "expected", "description",
]

# Aggregate expectations have no per-row domain: on an empty batch they are not applicable
# (DQD reports such checks as "not applicable" rather than failed).
AGGREGATE_EXPECTATIONS = frozenset({"expect_column_mean_to_be_between"})
# Unexpected values are only echoed for codes and numbers (never dates or free text, which
# can be quasi-identifying).
EXAMPLE_KINDS = frozenset({"code", "int", "number"})


@dataclass(frozen=True)
class SuiteSummary:
    """Counts of one suite (one canonical table, or the derived patient profile)."""

    suite: str
    rows_total: int
    rows_validated: int
    sampled: bool
    evaluated: int
    successful: int
    not_applicable: int
    #: wall-clock seconds of this suite's checkpoint run (validation + data-docs update)
    seconds: float = 0.0

    @property
    def unsuccessful(self) -> int:
        return self.evaluated - self.successful


@dataclass
class DataDocsSummary:
    """What :func:`build_data_docs` produced: where the docs are, counts, every result."""

    run_name: str
    out_dir: Path
    index_path: Path
    suites: dict[str, SuiteSummary]
    results: pd.DataFrame
    sampled_tables: tuple[str, ...]
    max_rows_per_table: int | None
    notes: list[str]
    duration_seconds: float
    #: one row per (row-level expectation, centre): the centre's failing rows and share
    centre_results: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=CENTRE_RESULT_COLUMNS))

    @property
    def evaluated(self) -> int:
        return sum(s.evaluated for s in self.suites.values())

    @property
    def successful(self) -> int:
        return sum(s.successful for s in self.suites.values())

    @property
    def success(self) -> bool:
        return self.evaluated == self.successful

    def suite_frame(self) -> pd.DataFrame:
        """One row per suite (``SUITE_COLUMNS``), e.g. for ``quality.expectation_suites``."""
        rows = [{"run_name": self.run_name, "suite": s.suite, "rows_total": s.rows_total,
                 "rows_validated": s.rows_validated, "sampled": s.sampled,
                 "evaluated": s.evaluated, "successful": s.successful,
                 "unsuccessful": s.unsuccessful, "not_applicable": s.not_applicable,
                 "seconds": round(s.seconds, 3)}
                for s in self.suites.values()]
        return pd.DataFrame(rows, columns=SUITE_COLUMNS)



# --------------------------------------------------------------------------- validation

def _camel(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def _to_gx(spec: ExpectationSpec, gxe: Any, column_cls: Any) -> Any:
    kwargs = dict(spec.kwargs)
    if spec.mostly is not None and spec.expectation not in (
            "expect_column_to_exist", *AGGREGATE_EXPECTATIONS):
        kwargs["mostly"] = spec.mostly
    if spec.centre is not None:
        kwargs["row_condition"] = column_cls("centre_id") == spec.centre
    meta = {"kind": spec.kind, "check_name": spec.check_name, "spec_id": spec.spec_id,
            "threshold_mostly": spec.mostly, "centre_id": spec.centre,
            "source": DQD_REFERENCE, "column_description": spec.column_description}
    notes = (f"**{spec.kind}** ({spec.check_name}): {spec.description}"
             + (f"; threshold mostly = {spec.mostly:g}" if spec.mostly is not None else ""))
    return getattr(gxe, _camel(spec.expectation))(meta=meta, notes=notes, **kwargs)


def _raised(exception_info: Any) -> bool:
    if not exception_info:
        return False
    if "raised_exception" in exception_info:
        return bool(exception_info["raised_exception"])
    return any(isinstance(v, dict) and v.get("raised_exception")
               for v in exception_info.values())


def _num(v: Any) -> float | None:
    if v is None or isinstance(v, bool | np.bool_):
        return None if v is None else float(v)
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _examples(spec: ExpectationSpec, result: Mapping[str, Any]) -> str | None:
    if spec.column_kind not in EXAMPLE_KINDS or spec.expectation not in (
            "expect_column_values_to_be_in_set", "expect_column_values_to_be_between"):
        return None
    counts = result.get("partial_unexpected_counts") or []
    parts = [f"{c.get('value')} ({c.get('count')})" for c in counts[:5] if isinstance(c, dict)]
    return "; ".join(parts) or None


def _result_row(spec: ExpectationSpec, success: bool | None, status: str,
                result: Mapping[str, Any]) -> dict[str, Any]:
    unexpected_pct = _num(result.get("unexpected_percent"))
    if spec.expectation in AGGREGATE_EXPECTATIONS:
        observed = _num(result.get("observed_value"))
    elif unexpected_pct is not None:
        observed = 1.0 - unexpected_pct / 100.0
    else:
        observed = None
    return {
        "suite": spec.suite, "table_name": spec.suite, "kind": spec.kind,
        "check_name": spec.check_name, "expectation": spec.expectation,
        "column_name": spec.column, "centre_id": spec.centre, "success": success,
        "status": status, "observed_value": observed,
        "unexpected_count": result.get("unexpected_count"),
        "element_count": result.get("element_count"),
        "unexpected_percent": unexpected_pct, "threshold": spec.mostly,
        "expected": spec.expected, "unexpected_examples": _examples(spec, result),
        "description": spec.description,
    }


def _clear_site(out_dir: Path) -> None:
    """Remove a previous data-docs site from ``out_dir`` (only GX's own entries)."""
    for entry in SITE_ENTRIES:
        p = out_dir / entry
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


def _suite_notes(suite: str, rows_total: int, rows_validated: int, seed: int,
                 skipped: list[ExpectationSpec]) -> list[str]:
    if suite == PROFILE_SUITE:
        what = ("Derived table, one row per patient: age at diagnosis, sex, karyotype and "
                "NPM1/FLT3/TP53 testing, transplants and MRD before the first transplant.")
    else:
        what = STAGING_TABLES[suite].description + "."
    notes = [what,
             "Expectations generated from the table registry (schemas/registry/) "
             f"in the three kinds of the {DQD_REFERENCE}: conformance, completeness, "
             "plausibility. Each expectation's meta carries its kind and threshold (mostly).",
             f"Rows: {rows_total:,}."]
    if rows_validated < rows_total:
        notes.append(f"**Sampled:** validated on a deterministic random sample of "
                     f"{rows_validated:,} of {rows_total:,} rows (pandas DataFrame.sample, "
                     f"random_state={seed}); counts and shares are sample estimates.")
    if skipped:
        notes.append("Not applicable on an empty table (not run): "
                     + ", ".join(f"{s.expectation}({s.column})" for s in skipped) + ".")
    return notes


def build_data_docs(tables: dict[str, pd.DataFrame], out_dir: Path, run_name: str,
                    thresholds: DataQualityThresholds | None = None, *,
                    max_rows_per_table: int | None = 200_000,
                    sample_seed: int = 20261123, is_demo: bool = False) -> DataDocsSummary:
    """Validate the staging tables against the generated suites and write data docs.

    Checks in the OHDSI DQD kinds (Blacketer et al., JAMIA 2021). ``tables``: typed staging
    frames keyed by canonical table name (missing tables count as empty). The data-docs site
    (``out_dir/index.html``) is rebuilt in ``out_dir`` from a great-expectations file-mode
    context in a temporary folder. Tables (and the patient profile) above
    ``max_rows_per_table`` rows are validated on a deterministic sample
    (``random_state=sample_seed``), noted in the summary and on the suite's page.
    ``is_demo``: the index opens with the demo banner (a demo warehouse's data docs).
    """
    started = time.perf_counter()
    t = thresholds or DataQualityThresholds()
    out_dir = Path(out_dir).resolve()

    frames: dict[str, pd.DataFrame] = {n: _typed_table(tables, n) for n in STAGING_TABLES}
    frames[PROFILE_SUITE] = build_patient_profile(frames, t)
    centres = sorted(str(c) for c in frames[PROFILE_SUITE]["centre_id"].dropna().unique())
    specs = generate_expectation_specs(t, centres)

    rows_total: dict[str, int] = {}
    to_validate: dict[str, pd.DataFrame] = {}
    for name, df in frames.items():
        rows_total[name] = len(df)
        if max_rows_per_table is not None and len(df) > max_rows_per_table:
            df = df.sample(n=max_rows_per_table, random_state=sample_seed).sort_index()
        to_validate[name] = _masked_patient_ids(df)

    import great_expectations as gx  # noqa: PLC0415 (slow import, kept out of module load)
    import great_expectations.expectations as gxe  # noqa: PLC0415
    from great_expectations.core.run_identifier import RunIdentifier  # noqa: PLC0415
    from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: PLC0415
    from great_expectations.data_context.types.resource_identifiers import (  # noqa: PLC0415
        ExpectationSuiteIdentifier,
    )
    from great_expectations.expectations.row_conditions import Column  # noqa: PLC0415

    out_dir.mkdir(parents=True, exist_ok=True)
    _clear_site(out_dir)
    run_id = RunIdentifier(run_name=run_name, run_time=datetime.now(UTC))
    rows: list[dict[str, Any]] = []
    centre_rows: list[dict[str, Any]] = []
    centre_sizes = {n: df["centre_id"].astype(str).value_counts().to_dict()
                    if "centre_id" in df.columns else {} for n, df in to_validate.items()}
    suites: dict[str, SuiteSummary] = {}
    built: list[Any] = []  # validation results and suites the site renders
    with tempfile.TemporaryDirectory(prefix="gx-project-") as project:
        context = gx.get_context(mode="file", project_root_dir=project)
        context.variables.progress_bars = ProgressBarsConfig(globally=False,
                                                             metric_calculations=False)
        context.variables.save()
        for site in list(context.list_data_docs_sites()):
            context.delete_data_docs_site(site)
        context.add_data_docs_site(SITE_NAME, {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": str(out_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        })
        datasource = context.data_sources.add_pandas("registry")
        for name, df in to_validate.items():
            suite_specs = [s for s in specs if s.suite == name]
            skipped = ([s for s in suite_specs if s.expectation in AGGREGATE_EXPECTATIONS]
                       if len(df) == 0 else [])
            run_specs = [s for s in suite_specs if s not in skipped]
            by_id = {s.spec_id: s for s in run_specs}
            suite = context.suites.add(gx.ExpectationSuite(
                name=name,
                expectations=[_to_gx(s, gxe, Column) for s in run_specs],
                notes=_suite_notes(name, rows_total[name], len(df), sample_seed, skipped),
                meta={"rows_total": rows_total[name], "rows_validated": len(df),
                      "sampled": len(df) < rows_total[name], "source": DQD_REFERENCE}))
            batch = datasource.add_dataframe_asset(name).add_batch_definition_whole_dataframe(
                f"{name}_whole_frame")
            validation = context.validation_definitions.add(
                gx.ValidationDefinition(name=f"{name}_validation", data=batch, suite=suite))
            checkpoint = context.checkpoints.add(gx.Checkpoint(
                name=f"{name}_checkpoint", validation_definitions=[validation],
                actions=[],  # the site is built once for all suites, below
                result_format={"result_format": "COMPLETE", "partial_unexpected_count": 20,
                               "unexpected_index_column_names": ["centre_id"],
                               "return_unexpected_index_query": False}))
            suite_started = time.perf_counter()
            outcome = checkpoint.run(batch_parameters={"dataframe": df}, run_id=run_id)
            suite_seconds = time.perf_counter() - suite_started
            n_na = 0
            stats: dict[str, Any] = {"evaluated_expectations": 0, "successful_expectations": 0}
            built.extend([*outcome.run_results, ExpectationSuiteIdentifier(name=name)])
            for vr in outcome.run_results.values():
                for er in vr.results:
                    spec = by_id[er.expectation_config.meta["spec_id"]]
                    res = er.result or {}
                    if _raised(er.exception_info):
                        status = "error"
                    elif res.get("element_count") == 0:
                        status, n_na = "not_applicable", n_na + 1
                    else:
                        status = "passed" if er.success else "failed"
                    rows.append(_result_row(spec, bool(er.success), status, res))
                    if status in ("passed", "failed"):
                        centre_rows.extend(_centre_rows(spec, res, centre_sizes[name]))
                stats = vr.statistics
            for s in skipped:
                rows.append(_result_row(s, None, "not_applicable", {}))
            suites[name] = SuiteSummary(
                suite=name, rows_total=rows_total[name], rows_validated=len(df),
                sampled=len(df) < rows_total[name],
                evaluated=int(stats["evaluated_expectations"]),
                successful=int(stats["successful_expectations"]),
                not_applicable=n_na + len(skipped), seconds=suite_seconds)
        # one site build for every suite and result (a per-checkpoint UpdateDataDocsAction
        # re-renders the index each time: 9 builds instead of 1)
        context.build_data_docs(site_names=[SITE_NAME], resource_identifiers=built)

    results = pd.DataFrame(rows)
    results.insert(0, "run_name", run_name)
    results["rows_total"] = results["suite"].map(rows_total).astype("Int64")
    results["rows_validated"] = results["suite"].map(
        {k: len(v) for k, v in to_validate.items()}).astype("Int64")
    results["sampled"] = results["rows_validated"] < results["rows_total"]
    results = results[RESULT_COLUMNS].astype({
        "success": "boolean", "observed_value": "float64", "unexpected_count": "Int64",
        "element_count": "Int64", "unexpected_percent": "float64", "threshold": "float64",
        "sampled": "bool"})
    sampled = tuple(n for n, s in suites.items() if s.sampled)
    notes = [f"Checks generated from the canonical data dictionary, after the {DQD_REFERENCE}."]
    if sampled:
        notes.append(f"Validated on a deterministic sample of {max_rows_per_table:,} rows "
                     f"(random_state={sample_seed}) for: {', '.join(sampled)}.")
    by_centre = pd.DataFrame(centre_rows, columns=CENTRE_RESULT_COLUMNS[1:])
    by_centre.insert(0, "run_name", run_name)
    summary = DataDocsSummary(
        run_name=run_name, out_dir=out_dir, index_path=out_dir / "index.html", suites=suites,
        results=results, sampled_tables=sampled, max_rows_per_table=max_rows_per_table,
        notes=notes, duration_seconds=0.0, centre_results=by_centre)
    make_site_offline(out_dir)
    data_docs_index(out_dir, run_name, summary.suite_frame(), results, by_centre, notes,
                    is_demo=is_demo)
    summary.duration_seconds = time.perf_counter() - started
    return summary


def _masked_patient_ids(df: pd.DataFrame) -> pd.DataFrame:
    """The frame with local patient ids replaced by a 64-bit hash of (centre, id): the data
    docs echo failing key values (e.g. duplicates), and local ids are identifiers. Keys stay
    unique exactly when they were (up to 64-bit collisions); a missing id stays missing."""
    if "patient_id" not in df.columns or df.empty:
        return df
    ids = df["patient_id"]
    hashed = pd.util.hash_pandas_object(
        pd.DataFrame({"c": df["centre_id"].astype(str), "p": ids.astype(str)}), index=False)
    out = df.copy()
    out["patient_id"] = pd.Series([f"p{h:016x}" for h in hashed.to_numpy()],
                                  index=df.index, dtype=object).where(ids.notna(), None)
    return out


def _centre_rows(spec: ExpectationSpec, result: Mapping[str, Any],
                 sizes: Mapping[str, int]) -> list[dict[str, Any]]:
    """One expectation's result per centre, from the failing rows' ``centre_id``.

    A registry-wide row expectation is judged per centre with its own threshold (DQD:
    per-site results). Centre-specific expectations and aggregate ones are not split.
    """
    if spec.centre is not None or spec.expectation in AGGREGATE_EXPECTATIONS \
            or spec.expectation == "expect_column_to_exist":
        return []
    failing: dict[str, int] = {}
    for item in result.get("unexpected_index_list") or []:
        centre = item.get("centre_id") if isinstance(item, Mapping) else None
        if centre is not None:
            failing[str(centre)] = failing.get(str(centre), 0) + 1
    allowed = 1.0 - (spec.mostly if spec.mostly is not None else 1.0)
    out = []
    for centre, n in sorted(sizes.items()):
        bad = failing.get(centre, 0)
        share = bad / n if n else 0.0
        out.append({"suite": spec.suite, "table_name": spec.suite, "kind": spec.kind,
                    "check_name": spec.check_name, "expectation": spec.expectation,
                    "column_name": spec.column, "centre_id": centre,
                    "success": share <= allowed + 1e-12, "unexpected_count": bad,
                    "element_count": n, "share_violated": share, "threshold": spec.mostly,
                    "expected": spec.expected, "description": spec.description})
    return out
