"""Publishing: the analysts' database, swapped in atomically once every blocking check passed."""


import json

import dagster as dg

from assets import OWNERS, REFRESH_TAG
from assets.analysis import KEYS as ANALYSIS_KEYS
from assets.analysis import QUALITY_KEYS
from assets.outcomes import OUTCOME_KEYS, REPORT_KEY
from assets.partitions import DUCKDB_WRITER_POOL
from assets.quality import DASHBOARD_KEY, EXPECTATIONS_KEY, QUERIES_KEY
from assets.resources import WarehouseResource
from assets.value_free import value_free_errors
from warehouse.bookkeeping import utcnow
from warehouse.database import query_frame, run_sql
from warehouse.dictionary import comment_registry_tables
from warehouse.publish import publish_registry, publish_restricted_copy, release_name
from warehouse.version import code_version

PUBLISHED_KEY = dg.AssetKey("published_registry")
PUBLISH_DEPS: list[dg.AssetKey] = [*ANALYSIS_KEYS.values(), *QUALITY_KEYS.values(),
                                   *OUTCOME_KEYS.values(), REPORT_KEY, EXPECTATIONS_KEY,
                                   QUERIES_KEY, DASHBOARD_KEY]


class ChecksFailed(dg.Failure):
    """A blocking check failed in this refresh: the last good database stays published."""


@dg.asset(key=PUBLISHED_KEY, deps=list(PUBLISH_DEPS), group_name="publish",
          kinds={"duckdb"}, owners=OWNERS, pool=DUCKDB_WRITER_POOL,
          tags={"layer": "publish"},
          description="WAREHOUSE/registry.duckdb: the analysts' read-only file (analysis, "
                      "outcomes, meta, quality), built in this run's release beside the "
                      "report and the data docs and published with them by one atomic "
                      "swap of WAREHOUSE/current; plus the restricted copy for data "
                      "managers.")
def published_registry(context: dg.AssetExecutionContext, warehouse: WarehouseResource
                       ) -> dg.MaterializeResult:
    """Record the refresh in meta, then publish if no blocking check failed in it."""
    with value_free_errors(context, warehouse, "publish"):
        return _published_registry(context, warehouse)


def _published_registry(context: dg.AssetExecutionContext, warehouse: WarehouseResource
                        ) -> dg.MaterializeResult:
    refresh_id = context.run.tags.get(REFRESH_TAG)
    wh = warehouse.warehouse
    with wh.connect() as con:
        run_sql(con, "publish/drop_leftover_scratch")  # a crash's, never published
        # every table of the refresh exists now (quality's come from their own assets)
        comment_registry_tables(con)
        checks = query_frame(con, "meta/refresh_checks", [refresh_id])
        failed = checks[(~checks["passed"]) & (checks["severity"] == "ERROR")]
        centres = query_frame(con, "meta/refresh_centres", [refresh_id])
        status = "published" if failed.empty else "not_published"
        message = ("all blocking checks passed" if failed.empty else
                   "blocking checks failed: " + "; ".join(
                       f"{r.asset}.{r.check_name} ({r.partition or 'registry'})"
                       for r in failed.itertuples()))
        counts = query_frame(con, "meta/layer_row_counts")
        run_sql(con, "meta/delete_refresh", [refresh_id])
        run_sql(con, "meta/record_refresh", {
            "refresh_id": refresh_id,
            "started_at": context.run.tags.get("aml_registry/started_at") or utcnow(),
            "finished_at": utcnow(), "status": status, "published": failed.empty,
            "centres": json.dumps(centres.to_dict("records"), default=str),
            "row_counts": json.dumps(dict(zip(counts["table_name"], counts["rows"],
                                              strict=True))),
            "check_results": json.dumps({
                f"{r.asset}.{r.check_name}.{r.partition or ''}": bool(r.passed)
                for r in checks.itertuples()}),
            "code_version": code_version(), "message": message})
        if not failed.empty:
            raise ChecksFailed(description=f"not published: {message}",
                               metadata={"failed_checks": len(failed)})
        release = release_name(refresh_id, context.run.run_id)
        result = publish_registry(wh, con, release, refresh_id)
        con.execute("CHECKPOINT")
    restricted = publish_restricted_copy(wh)
    context.log.info(f"published {result.path} ({len(result.tables)} tables)")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(result.path)),
        "restricted_copy": dg.MetadataValue.path(str(restricted)),
        "tables": len(result.tables),
        "rows": dg.MetadataValue.json(result.tables),
        "refresh_id": str(refresh_id),
        "code_version": code_version(),
    })

