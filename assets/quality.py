"""Quality layer: great-expectations suites generated from the data dictionary, run over the
current staged data of every centre, rendered as data docs for data managers."""

import dagster as dg

from assets import OWNERS, REFRESH_TAG
from assets.extract import STAGING_KEYS
from assets.partitions import DUCKDB_WRITER_POOL
from data_quality import build_data_docs
from extraction.stage import read_current_staging
from pipelines.resources import WarehouseResource
from warehouse.bookkeeping import record_check
from warehouse.database import write_frame
from warehouse.publish import release_data_docs_dir, release_name

EXPECTATIONS_KEY = dg.AssetKey("quality_expectation_results")


@dg.asset(key=EXPECTATIONS_KEY, deps=list(STAGING_KEYS.values()), group_name="quality",
          kinds={"duckdb", "great_expectations"}, owners=OWNERS, pool=DUCKDB_WRITER_POOL,
          tags={"layer": "quality"},
          check_specs=[dg.AssetCheckSpec(
              "registry_expectations_met", asset=EXPECTATIONS_KEY,
              description="every registry-level expectation (completeness per centre, "
                          "distributions, allowed sets) met its threshold")],
          description="quality.expectation_results and the HTML data docs at "
                      "WAREHOUSE/data-docs/index.html (great-expectations).")
def quality_expectation_results(context: dg.AssetExecutionContext,
                                warehouse: WarehouseResource):
    """Run the generated expectation suites and render the data docs."""
    refresh_id = context.run.tags.get(REFRESH_TAG) or context.run.run_id
    wh = warehouse.warehouse
    with wh.connect() as con:
        tables = read_current_staging(con)
    # built in this run's release; published with the database (warehouse.publish)
    docs_dir = release_data_docs_dir(wh, release_name(context.run.tags.get(REFRESH_TAG),
                                                      context.run.run_id))
    summary = build_data_docs(tables, docs_dir, run_name=refresh_id)
    failed = summary.results[summary.results["status"].isin(["failed", "error"])]
    with wh.connect() as con:
        write_frame(con, "quality.expectation_results", summary.results, replace=True)
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
