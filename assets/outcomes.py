"""Outcomes layer: the study's analyses as tables in ``outcomes`` and the HTML report."""

import datetime as dt
from collections.abc import Iterator

import dagster as dg

from assets import OWNERS, REFRESH_TAG
from assets.analysis import KEYS as ANALYSIS_KEYS
from assets.partitions import DUCKDB_WRITER_POOL
from assets.resources import WarehouseResource
from assets.sql_checks import registry_checks, sql_asset_checks
from assets.value_free import value_free_errors
from outcome_report import TABLE_COLUMNS, build_outcome_tables, render_report
from schemas.registry import produced_by
from warehouse.database import query_frame, run_sql, write_frame
from warehouse.demo_banner import warehouse_is_demo
from warehouse.dictionary import comment_registry_tables
from warehouse.publish import release_name, release_report_dir
from warehouse.version import code_version

OUTCOME_KEYS = {name: dg.AssetKey(f"outcomes_{name}") for name in TABLE_COLUMNS}
REPORT_KEY = dg.AssetKey("outcome_report")
_DESCRIPTIONS = {
    "snapshot": "deliveries per centre the outcome tables were computed from",
    "cohort_flow": "registry -> R/R salvage by setting -> CRc -> transplanted",
    "table1_azaven": "Table 1, transplanted AZA/VEN R/R patients",
    "table1_ic": "Table 1, transplanted IC-comparator patients",
    "table1_comparison": "Table 1 AZA/VEN vs IC with p-values",
    "outcome_estimates": "OS, CIR, NRM, GRFS, cGVHD at 12/24 months; aGVHD day 100; medians",
    "univariate": "univariate log-rank/Gray and Cox per candidate variable",
    "multivariable": "multivariable Cox (p <= 0.05 screen), Table 2 form",
    "three_group_model": "2-year CIR by the pre-transplant three-group model, Gray's test",
    "matched_balance": "1:1 propensity matching AZA/VEN vs IC: balance table",
    "matched_outcomes": "matched comparison: OS, CIR, NRM, GRFS per arm",
    "calibration": "calibration targets beside the registry's values",
    "curves": "the report's step functions",
    "number_at_risk": "numbers at risk under the figures",
}
#: the blocking check of the outcome layer, as the registry declares it on its tables
OUTCOME_CHECKS = registry_checks("outcome_analyses")
outcome_checks = sql_asset_checks(OUTCOME_CHECKS)


@dg.multi_asset(
    specs=[dg.AssetSpec(OUTCOME_KEYS[name], group_name="outcomes", kinds={"duckdb", "pandas"},
                        owners=OWNERS, tags={"layer": "outcomes"},
                        deps=[ANALYSIS_KEYS["patients"], ANALYSIS_KEYS["endpoints"]],
                        description=f"outcomes.{name}: {_DESCRIPTIONS.get(name, name)}.")
           for name in TABLE_COLUMNS]
    + [dg.AssetSpec(REPORT_KEY, group_name="outcomes", kinds={"html"}, owners=OWNERS,
                    deps=[OUTCOME_KEYS[name] for name in TABLE_COLUMNS],
                    tags={"layer": "outcomes"},
                    description="WAREHOUSE/report/report.html: the self-contained outcome "
                                "report with figures (PNG and SVG under report/figures).")],
    can_subset=False, pool=DUCKDB_WRITER_POOL, name="outcome_analyses",
)
def outcome_analyses(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Compute the standard outcome analyses and render the report for this snapshot."""
    with value_free_errors(context, warehouse, "outcomes"):
        yield from _outcome_analyses(context, warehouse)


def _outcome_analyses(context: dg.AssetExecutionContext,
                      warehouse: WarehouseResource) -> Iterator:
    refresh_id = context.run.tags.get(REFRESH_TAG) or context.run.run_id
    wh = warehouse.warehouse
    with wh.connect() as con:
        patients = query_frame(con, "outcomes/analysis_patients")
        endpoints = query_frame(con, "outcomes/analysis_endpoints")
        deliveries = query_frame(con, "outcomes/current_deliveries")
        centres = query_frame(con, "outcomes/centre_status")
        snapshot = {
            "refresh_id": refresh_id,
            "code_version": code_version(),
            "deliveries": dict(zip(deliveries["centre_id"], deliveries["delivery"], strict=True)),
            "centres": centres.to_dict("records"),
            "generated_at": dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ",
                                                                                 timespec="seconds"),
            "is_demo": warehouse_is_demo(con),
        }
        tables = build_outcome_tables(patients, endpoints, snapshot)
        con.execute("BEGIN TRANSACTION")
        for name in TABLE_COLUMNS:
            write_frame(con, f"outcomes.{name}", tables[name], replace=True)
        run_sql(con, "outcomes/create_matched_pairs")
        write_frame(con, "analysis.matched_pairs", tables["matched_pairs"])
        comment_registry_tables(con, produced_by("outcome_analyses"))
        con.execute("COMMIT")
    # built in this run's release; published with the database (warehouse.publish)
    report_dir = release_report_dir(wh, release_name(context.run.tags.get(REFRESH_TAG),
                                                     context.run.run_id))
    report = render_report(tables, patients, endpoints, snapshot, report_dir)
    context.log.info(f"report written to {report.html_path}")
    for name in TABLE_COLUMNS:
        yield dg.MaterializeResult(asset_key=OUTCOME_KEYS[name],
                                   metadata={"rows": len(tables.get(name, ())),
                                             "refresh_id": refresh_id})
    yield dg.MaterializeResult(asset_key=REPORT_KEY, metadata={
        "report": dg.MetadataValue.url(report.html_path.resolve().as_uri()),
        "path": dg.MetadataValue.path(str(report.html_path)),
        "figures": report.n_figures, "tables": report.n_tables,
        "matched_pairs": len(tables["matched_pairs"]) // 2})
