"""Quality layer: great-expectations suites generated from the data dictionary, run over each
centre's current delivery typed before quarantine, rendered as offline data docs; the
queries back to the centres (quality.queries), their workbooks and the quality dashboard."""

from collections.abc import Iterator

import dagster as dg
import pandas as pd

from assets import OWNERS, REFRESH_TAG
from assets.analysis import QUALITY_KEYS
from assets.extract import QUARANTINE_KEY, RAW_KEYS, STAGING_KEYS
from assets.harmonised import HARMONISED_DISCREPANCIES
from assets.partitions import DUCKDB_WRITER_POOL
from assets.resources import LandingArea, PseudonymKey, WarehouseResource
from assets.value_free import value_free_errors
from data_quality import build_data_docs
from data_quality.dashboard import render_dashboard
from data_quality.pre_quarantine_read import read_tables_before_quarantine
from data_quality.query_store import refresh_queries, staged_deliveries
from data_quality.validation import CENTRE_RESULT_COLUMNS
from data_quality.workbook import write_query_workbooks
from schemas.dialect import CentreDialect, DialectError
from warehouse.bookkeeping import record_check
from warehouse.database import query_frame, table_exists, write_frame
from warehouse.demo_banner import warehouse_is_demo
from warehouse.publish import release_data_docs_dir, release_name, release_report_dir

EXPECTATIONS_KEY = dg.AssetKey("quality_expectation_results")
QUERIES_KEY = dg.AssetKey("quality_queries")
DASHBOARD_KEY = dg.AssetKey("quality_dashboard")


def _tables_before_quarantine(con, landing: LandingArea, log) -> dict[str, pd.DataFrame]:
    """Each centre's current delivery typed before quarantine (staging's typed rows and its
    quarantined rows typed again, :mod:`data_quality.pre_quarantine_read`); a centre whose
    dialect cannot be read any more (folder removed) is validated on its staged rows."""
    def dialect_of(centre: str) -> CentreDialect | None:
        try:
            return landing.dialect(centre)
        except (DialectError, OSError):
            return None

    read = read_tables_before_quarantine(con, dialect_of)
    if read.staged_only:
        log.info(f"validated on staged rows (no centre.yaml): {', '.join(read.staged_only)}")
    if read.from_raw:
        log.info("typed from raw in full (raw content changed after staging): "
                 f"{', '.join(read.from_raw)}")
    return read.tables


@dg.asset(key=EXPECTATIONS_KEY, deps=[*RAW_KEYS.values(), *STAGING_KEYS.values()],
          group_name="quality", kinds={"duckdb", "great_expectations"}, owners=OWNERS,
          pool=DUCKDB_WRITER_POOL, tags={"layer": "quality"},
          check_specs=[dg.AssetCheckSpec(
              "registry_expectations_met", asset=EXPECTATIONS_KEY,
              description="every registry-level expectation (completeness per centre, "
                          "distributions, allowed sets) met its threshold")],
          description="quality.expectation_results (+ quality.expectation_centre_results) and "
                      "the offline HTML data docs at WAREHOUSE/data-docs/index.html "
                      "(great-expectations), on each centre's current delivery typed before "
                      "quarantine.")
def quality_expectation_results(context: dg.AssetExecutionContext, landing: LandingArea,
                                warehouse: WarehouseResource, pseudonym: PseudonymKey):
    """Run the generated expectation suites on the rows before quarantine; render data docs
    (a demo run's carry the demo banner: the key resource knows, before the analysis step
    has labelled the warehouse)."""
    with value_free_errors(context, warehouse, "quality expectations"):
        yield from _quality_expectation_results(context, landing, warehouse, pseudonym.demo)


def _quality_expectation_results(context: dg.AssetExecutionContext, landing: LandingArea,
                                 warehouse: WarehouseResource, is_demo: bool) -> Iterator:
    refresh_id = context.run.tags.get(REFRESH_TAG) or context.run.run_id
    wh = warehouse.warehouse
    with wh.connect() as con:
        tables = _tables_before_quarantine(con, landing, context.log)
    # built in this run's release; published with the database (warehouse.publish)
    docs_dir = release_data_docs_dir(wh, release_name(context.run.tags.get(REFRESH_TAG),
                                                      context.run.run_id))
    summary = build_data_docs(tables, docs_dir, run_name=refresh_id, is_demo=is_demo)
    failed = summary.results[summary.results["status"].isin(["failed", "error"])]
    with wh.transaction() as con:
        write_frame(con, "quality.expectation_results", summary.results, replace=True)
        write_frame(con, "quality.expectation_centre_results",
                    summary.centre_results[CENTRE_RESULT_COLUMNS], replace=True)
        record_check(con, refresh_id, EXPECTATIONS_KEY.to_user_string(),
                     "registry_expectations_met", failed.empty, "WARN",
                     "registry-level expectations met their thresholds",
                     failed[["suite", "check_name", "centre_id"]].head(50).to_dict("records")
                     if len(failed) else None)
    yield dg.MaterializeResult(metadata={
        "data_docs": dg.MetadataValue.url(summary.index_path.resolve().as_uri()),
        "evaluated": summary.evaluated, "successful": summary.successful,
        "sampled_tables": dg.MetadataValue.json(list(summary.sampled_tables)),
    })
    yield dg.AssetCheckResult(
        check_name="registry_expectations_met", passed=failed.empty,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"failed": len(failed),
                  "checks": dg.MetadataValue.json(sorted(set(failed["check_name"])))})


@dg.multi_asset(
    specs=[
        dg.AssetSpec(QUERIES_KEY, deps=[QUARANTINE_KEY, HARMONISED_DISCREPANCIES],
                     group_name="quality", kinds={"duckdb", "excel"}, owners=OWNERS,
                     tags={"layer": "quality"},
                     description="quality.queries (restricted copy only): one query per "
                                 "quarantined row and per reported-vs-derived discrepancy, "
                                 "with a stable id, status open/resolved/accepted and its "
                                 "root query; one workbook per centre with open queries in "
                                 "WAREHOUSE/queries/."),
        dg.AssetSpec(DASHBOARD_KEY, deps=[QUERIES_KEY, EXPECTATIONS_KEY,
                                          QUALITY_KEYS["row_accounting"]],
                     group_name="quality", kinds={"html"}, owners=OWNERS,
                     tags={"layer": "quality"},
                     description="WAREHOUSE/report/quality.html: checks by kind and centre "
                                 "(OHDSI DQD), open queries, trends across deliveries."),
    ],
    can_subset=False, pool=DUCKDB_WRITER_POOL, name="quality_queries_and_dashboard",
)
def quality_queries_and_dashboard(context: dg.AssetExecutionContext, landing: LandingArea,
                                  warehouse: WarehouseResource):
    """Rebuild the queries (acceptances kept), write the workbooks and the dashboard."""
    with value_free_errors(context, warehouse, "quality queries"):
        yield from _quality_queries_and_dashboard(context, landing, warehouse)


def _quality_queries_and_dashboard(context: dg.AssetExecutionContext, landing: LandingArea,
                                   warehouse: WarehouseResource) -> Iterator:
    refresh_id = context.run.tags.get(REFRESH_TAG) or context.run.run_id
    wh = warehouse.warehouse
    with wh.transaction() as con:
        queries = refresh_queries(con, refresh_id)
        staged = staged_deliveries(con)
        checks = (query_frame(con, "quality/expectation_centre_results")
                  if table_exists(con, "quality.expectation_centre_results")
                  else pd.DataFrame(columns=CENTRE_RESULT_COLUMNS))
        deliveries = query_frame(con, "quality/delivery_trend")
        history = query_frame(con, "quality/query_history")
        is_demo = warehouse_is_demo(con)
    current = {c: max(d) for c, d in staged.items() if d}
    dialects = {}
    for centre in current:
        try:
            dialects[centre] = landing.dialect(centre)
        except (DialectError, OSError):
            dialects[centre] = None  # folder gone: canonical names in its workbook
    workbooks = write_query_workbooks(queries, wh.root / "queries", current, dialects)
    links = {c: f"../queries/{p.name}" for c, p in workbooks.items()}
    # built in this run's release beside the report; published with the database
    report_dir = release_report_dir(wh, release_name(context.run.tags.get(REFRESH_TAG),
                                                      context.run.run_id))
    page = render_dashboard(report_dir / "quality.html", refresh_id, checks, queries,
                            deliveries, history, links, "../data-docs/index.html",
                            is_demo=is_demo)
    counts = queries["status"].value_counts().to_dict()
    roots = queries[queries["status"].eq("open") & queries["root_query_id"].isna()]
    yield dg.MaterializeResult(asset_key=QUERIES_KEY, metadata={
        "queries": len(queries),
        "by_status": dg.MetadataValue.json({str(k): int(v) for k, v in counts.items()}),
        "open_problems_by_centre": dg.MetadataValue.json(
            {str(k): int(v) for k, v in roots["centre_id"].value_counts().items()}),
        "workbooks": dg.MetadataValue.json({c: str(p) for c, p in workbooks.items()}),
    })
    yield dg.MaterializeResult(asset_key=DASHBOARD_KEY, metadata={
        "dashboard": dg.MetadataValue.url(page.resolve().as_uri())})
