"""Raw and staging layers, one partition per centre.

``raw_<table>``: every source row verbatim as text with lineage. ``staging_<table>``: typed
canonical rows; ``quarantine_rows``: rejected rows with a reason. Row accounting is a
blocking check: a centre whose rows do not add up stops before anything downstream.
"""

import warnings
from collections.abc import Iterator

import dagster as dg

from assets import OWNERS, REFRESH_TAG
from assets.partitions import DUCKDB_WRITER_POOL, centre_partitions
from assets.resources import LandingArea, WarehouseResource
from assets.value_free import value_free_errors
from data_quality.query_store import centre_open_problems
from extraction.load import extract_centre
from extraction.readers import DeliveryError
from extraction.stage import held_deliveries, row_accounting, stage_centre
from schemas.canonical import CANONICAL_TABLES, TABLE_NAMES
from warehouse.bookkeeping import (
    new_delivery_problems,
    record_centre_run,
    record_check,
)
from warehouse.database import query_frame

RAW_KEYS = {t: dg.AssetKey(f"raw_{t}") for t in TABLE_NAMES}
STAGING_KEYS = {t: dg.AssetKey(f"staging_{t}") for t in TABLE_NAMES}
QUARANTINE_KEY = dg.AssetKey("quarantine_rows")
# partitioned asset checks are a Dagster preview (1.13); the checks below rely on them
warnings.filterwarnings("ignore", category=dg.PreviewWarning,
                        message="Specifying a partitions_def on an AssetCheckSpec")

RAW_SPECS = [
    dg.AssetSpec(
        RAW_KEYS[t], group_name="raw", kinds={"duckdb", "pandas"}, owners=OWNERS,
        tags={"layer": "raw"},
        description=f"raw.{t}: every delivered row of '{t}' verbatim as text, with centre, "
                    "delivery, file, source row, file sha256 and load time. "
                    + CANONICAL_TABLES[t].description + ".",
    )
    for t in TABLE_NAMES
]
STAGING_SPECS = [
    dg.AssetSpec(
        STAGING_KEYS[t], group_name="staging", kinds={"duckdb", "pandas"}, owners=OWNERS,
        deps=[RAW_KEYS[t]], tags={"layer": "staging"},
        description=f"staging.{t}: typed canonical rows that passed the pandera model and the "
                    "cross-table rules (every delivery, newest = current).",
    )
    for t in TABLE_NAMES
] + [
    dg.AssetSpec(
        QUARANTINE_KEY, group_name="staging", kinds={"duckdb"}, owners=OWNERS,
        deps=list(RAW_KEYS.values()), tags={"layer": "quarantine"},
        description="quarantine.rows: one row per rejected source row with centre, delivery, "
                    "file, row, column, value, rule and a readable reason.",
    )
]


@dg.multi_asset(specs=RAW_SPECS, partitions_def=centre_partitions, can_subset=False,
                pool=DUCKDB_WRITER_POOL, name="raw_centre_exports")
def raw_centre_exports(context: dg.AssetExecutionContext, landing: LandingArea,
                       warehouse: WarehouseResource):
    """Load the centre's complete, not yet loaded deliveries into the raw layer."""
    with value_free_errors(context, warehouse, "extraction"):
        yield from _raw_centre_exports(context, landing, warehouse)


def _raw_centre_exports(context: dg.AssetExecutionContext, landing: LandingArea,
                        warehouse: WarehouseResource) -> Iterator:
    centre = context.partition_key
    refresh_id = context.run.tags.get(REFRESH_TAG)
    dialect = landing.dialect(centre)
    with warehouse.warehouse.connect() as con:
        try:
            result = extract_centre(con, landing.centre_folder(centre), dialect,
                                    refresh_id=refresh_id or context.run.run_id)
        except DeliveryError as exc:
            if exc.extraction is None:
                record_centre_run(con, refresh_id, centre, "failed", None, [], 0, 0, 0, 1,
                                  str(exc))
                raise dg.Failure(description=str(exc),
                                 metadata={"centre": centre, "file": exc.file,
                                           "delivery": exc.delivery,
                                           "problem": exc.problem}) from None
            # newly found broken entries are skipped (recorded in meta.delivery_problems);
            # the good deliveries are loaded and staged, then staging fails the centre once
            result = exc.extraction
            for problem in result.new_problems:
                context.log.warning(f"{centre}: {problem}")
        newest = next((d for d in reversed(result.deliveries) if d.status != "incomplete"),
                      None)
        loaded = (query_frame(con, "raw/loaded_files", [centre, newest.delivery])
                  if newest else None)
    for d in result.deliveries:
        context.log.info(f"{centre}/{d.delivery}: {d.status} ({d.reason}); "
                         f"{sum(d.rows_per_file.values())} rows")
    for table in TABLE_NAMES:
        rows = loaded[loaded["table_name"] == table] if loaded is not None else None
        files = dict(zip(rows["file"], rows["rows"].astype(int), strict=True)) if rows is not None else {}
        hashes = dict(zip(rows["file"], rows["file_sha256"], strict=True)) if rows is not None else {}
        yield dg.MaterializeResult(
            asset_key=RAW_KEYS[table],
            metadata={
                "centre": centre,
                "deliveries": ", ".join(f"{d.delivery}: {d.status}" for d in result.deliveries),
                "newest_delivery": newest.delivery if newest else "none",
                "rows_per_file": dg.MetadataValue.json(files),
                "sha256": dg.MetadataValue.json(hashes),
                "rows_loaded_this_run": result.rows_loaded,
            },
        )


@dg.multi_asset(
    specs=STAGING_SPECS, partitions_def=centre_partitions, can_subset=False,
    pool=DUCKDB_WRITER_POOL, name="staging_centre_tables",
    # partitioned like their asset: a centre's result belongs to its partition, so one
    # centre that cannot be read fails only its own checks
    check_specs=[
        dg.AssetCheckSpec("row_accounting", asset=QUARANTINE_KEY, blocking=True,
                          partitions_def=centre_partitions,
                          description="raw rows = staged rows + quarantined rows, per table "
                                      "and delivery"),
        dg.AssetCheckSpec("quarantine_share_below_20_percent", asset=QUARANTINE_KEY,
                          partitions_def=centre_partitions,
                          description="warns when more than 20 % of a centre's rows are "
                                      "quarantined"),
        dg.AssetCheckSpec("no_open_queries", asset=QUARANTINE_KEY,
                          partitions_def=centre_partitions,
                          description="warns while the centre's current delivery has open "
                                      "quarantine queries (root problems; knock-ons and "
                                      "accepted queries not counted)"),
    ],
)
def staging_centre_tables(context: dg.AssetExecutionContext, landing: LandingArea,
                          warehouse: WarehouseResource):
    """Type, validate and cross-check the centre's deliveries; quarantine what fails."""
    with value_free_errors(context, warehouse, "staging"):
        yield from _staging_centre_tables(context, landing, warehouse)


def _staging_centre_tables(context: dg.AssetExecutionContext, landing: LandingArea,
                           warehouse: WarehouseResource) -> Iterator:
    centre = context.partition_key
    refresh_id = context.run.tags.get(REFRESH_TAG)
    dialect = landing.dialect(centre)
    problem_refresh = refresh_id or context.run.run_id
    with warehouse.warehouse.connect() as con:
        staged = stage_centre(con, dialect, refresh_id=problem_refresh)
        accounting = row_accounting(con, centre)
        balanced = bool(accounting["balanced"].all()) if len(accounting) else True
        current_row = con.execute("SELECT delivery FROM staging.current_deliveries "
                                  "WHERE centre_id = ?", [centre]).fetchone()
        current = current_row[0] if current_row else None
        now_rows = accounting[accounting["delivery"] == current]
        held = held_deliveries(con, centre)
        problems = new_delivery_problems(con, centre, problem_refresh)
        raw_rows = int(now_rows["raw_rows"].sum())
        staged_rows = int(now_rows["staged_rows"].sum())
        quarantined = int(now_rows["quarantined_rows"].sum())
        share = quarantined / raw_rows if raw_rows else 0.0
        unbalanced = accounting[~accounting["balanced"]].to_dict("records")
        record_check(con, refresh_id, "quarantine_rows", "row_accounting", balanced, "ERROR",
                     "raw rows = staged rows + quarantined rows", unbalanced, centre)
        record_check(con, refresh_id, "quarantine_rows", "quarantine_share_below_20_percent",
                     share <= 0.2, "WARN", "share of quarantined rows in the current delivery",
                     {"share": share}, centre)
        open_problems = centre_open_problems(con, centre)
        record_check(con, refresh_id, "quarantine_rows", "no_open_queries",
                     open_problems["open_queries"] == 0, "WARN",
                     "open quarantine queries of the current delivery", open_problems, centre)
        failures = [*problems, *(
            f"{reason}. It is held: "
            + (f"the accepted content of the current delivery {current} stays in use until a "
               "data manager accepts the re-send" if delivery == current else
               f"the current delivery {current or '(none)'} stays in use until a data "
               "manager accepts it")
            + f" (aml-registry accept-delivery --warehouse WAREHOUSE --centre {centre} "
            f"--delivery {delivery} --reason TEXT) or a new delivery replaces it"
            for delivery, reason in sorted(held.items()))]
        deleted = sum(staged.deleted_patients.values())
        message = f"{quarantined} of {raw_rows} rows quarantined"
        if deleted:
            message += (f"; {deleted} patient(s) of the previous delivery missing (deleted at "
                        "the source?): listed in quarantine.deleted_patients (restricted)")
        if failures:
            message = "; ".join(failures) + f" ({message})"
        status = ("held" if held else "failed") if failures else (
            "loaded" if staged.staged_deliveries else "unchanged")
        record_centre_run(con, refresh_id, centre, status, current, staged.staged_deliveries,
                          raw_rows, staged_rows, quarantined,
                          (0 if balanced else 1) + len(failures), message)
    context.log.info(f"{centre}: staged deliveries {staged.staged_deliveries or 'none (unchanged)'}"
                     f"; current {current}: {staged_rows} staged, {quarantined} quarantined")
    for table in TABLE_NAMES:
        t_rows = now_rows[now_rows["table_name"] == table]
        yield dg.MaterializeResult(
            asset_key=STAGING_KEYS[table],
            metadata={"centre": centre, "current_delivery": str(current),
                      "rows_staged": int(t_rows["staged_rows"].sum()),
                      "rows_quarantined": int(t_rows["quarantined_rows"].sum())},
        )
    yield dg.MaterializeResult(
        asset_key=QUARANTINE_KEY,
        metadata={"centre": centre, "current_delivery": str(current),
                  "rows_quarantined": quarantined,
                  "reasons": dg.MetadataValue.json(staged.reasons)},
    )
    yield dg.AssetCheckResult(
        check_name="row_accounting", asset_key=QUARANTINE_KEY, passed=balanced,
        metadata={"tables_checked": len(accounting), "unbalanced": len(unbalanced)})
    yield dg.AssetCheckResult(
        check_name="quarantine_share_below_20_percent", asset_key=QUARANTINE_KEY,
        passed=share <= 0.2, severity=dg.AssetCheckSeverity.WARN,
        metadata={"share": round(share, 4), "quarantined": quarantined, "raw_rows": raw_rows})
    yield dg.AssetCheckResult(
        check_name="no_open_queries", asset_key=QUARANTINE_KEY,
        passed=open_problems["open_queries"] == 0, severity=dg.AssetCheckSeverity.WARN,
        metadata={**open_problems, "current_delivery": str(current)})
    if failures:
        # after the good deliveries are staged: the centre fails once per new problem, and
        # on every refresh while a held delivery waits for a decision
        raise dg.Failure(description="; ".join(failures),
                         metadata={"centre": centre, "held": dg.MetadataValue.json(held),
                                   "problems": len(problems)})
