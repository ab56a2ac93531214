"""Harmonised layer, one partition per centre: derived clinical variables per patient and
reported-vs-derived discrepancies from the centre's current staged delivery (the clinical
rules are per patient, so clinical_rules does the work on one centre at a time, in batches
of patients (:mod:`warehouse.harmonised_centre`), and a centre's run writes only its own
rows)."""

from collections.abc import Iterator

import dagster as dg
import pandas as pd

from assets import OWNERS, REFRESH_TAG
from assets.extract import STAGING_KEYS
from assets.partitions import DUCKDB_WRITER_POOL, centre_partitions
from assets.resources import WarehouseResource
from assets.value_free import value_free_errors
from extraction.stage import current_delivery
from warehouse.bookkeeping import record_check
from warehouse.database import run_sql, write_frame
from warehouse.harmonised_centre import drop_scratch, harmonise_centre, publish_partition
from warehouse.version import code_version

HARMONISED_PATIENTS = dg.AssetKey("harmonised_patients")
HARMONISED_RESPONSES = dg.AssetKey("harmonised_responses")
HARMONISED_DISCREPANCIES = dg.AssetKey("harmonised_discrepancies")
UNKNOWN_REGIMENS = dg.AssetKey("harmonised_unknown_regimens")
_SPEC = {"group_name": "harmonised", "kinds": {"duckdb", "pandas"}, "owners": OWNERS,
         "tags": {"layer": "harmonised"}}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(HARMONISED_PATIENTS, deps=list(STAGING_KEYS.values()), **_SPEC,
                     description="harmonised.patients: one row per patient with ELN 2022/2024, "
                                 "cohort, salvage setting, response, MRD, transplant and GVHD "
                                 "variables derived by the clinical rules."),
        dg.AssetSpec(HARMONISED_RESPONSES, deps=[STAGING_KEYS["responses"]], **_SPEC,
                     description="harmonised.responses: every assessment with the ELN 2022 "
                                 "response derived from counts beside the reported one."),
        dg.AssetSpec(HARMONISED_DISCREPANCIES, deps=list(STAGING_KEYS.values()), **_SPEC,
                     description="harmonised.discrepancies: patient, variable, reported, "
                                 "derived, reason: the data managers' work list."),
        dg.AssetSpec(UNKNOWN_REGIMENS, deps=[STAGING_KEYS["treatment_lines"],
                                             STAGING_KEYS["transplants"]], **_SPEC,
                     description="harmonised.unknown_regimens: regimen names the catalogues "
                                 "do not know yet, per centre (to extend them)."),
    ],
    check_specs=[
        dg.AssetCheckSpec("one_row_per_patient", asset=HARMONISED_PATIENTS, blocking=True,
                          partitions_def=centre_partitions,
                          description="every current staged patient of the centre has exactly "
                                      "one row"),
    ],
    partitions_def=centre_partitions, can_subset=False, pool=DUCKDB_WRITER_POOL,
    name="harmonised_centre",
)
def harmonised_centre(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Apply the clinical rules to the centre's current staged delivery; replace its rows."""
    with value_free_errors(context, warehouse, "harmonised"):
        yield from _harmonised_centre(context, warehouse)


def _harmonised_centre(context: dg.AssetExecutionContext,
                       warehouse: WarehouseResource) -> Iterator:
    centre = context.partition_key
    refresh_id = context.run.tags.get(REFRESH_TAG)
    with warehouse.warehouse.connect() as con:
        try:
            result = harmonise_centre(con, centre)
            unique = result.one_row_per_patient
            con.execute("BEGIN TRANSACTION")
            publish_partition(con, result)
            thresholds = pd.DataFrame([{"name": k, "value": str(v)}
                                       for k, v in vars(result.thresholds).items()])
            write_frame(con, "harmonised.thresholds", thresholds, replace=True)
            run_sql(con, "harmonised/create_centres")
            run_sql(con, "harmonised/record_centre", {
                "centre_id": centre, "delivery": current_delivery(con, centre),
                "code_version": code_version(), "patients": result.patients})
            record_check(con, refresh_id, "harmonised_patients", "one_row_per_patient", unique,
                         "ERROR", "every current staged patient has exactly one harmonised row",
                         {"staged": result.staged_patients, "harmonised": result.patients},
                         partition=centre)
            con.execute("COMMIT")
        finally:
            drop_scratch(con)
    yield dg.MaterializeResult(asset_key=HARMONISED_PATIENTS, metadata={
        "centre": centre, "rows": result.patients,
        "cohorts": dg.MetadataValue.json({str(k): int(v) for k, v in result.cohorts.items()})})
    yield dg.MaterializeResult(asset_key=HARMONISED_RESPONSES,
                               metadata={"centre": centre, "rows": result.responses})
    yield dg.MaterializeResult(asset_key=HARMONISED_DISCREPANCIES, metadata={
        "centre": centre, "rows": result.discrepancies,
        "by_variable": dg.MetadataValue.json({str(k): int(v)
                                              for k, v in result.by_variable.items()})})
    yield dg.MaterializeResult(asset_key=UNKNOWN_REGIMENS,
                               metadata={"centre": centre, "rows": len(result.unknown_regimens)})
    yield dg.AssetCheckResult(check_name="one_row_per_patient", asset_key=HARMONISED_PATIENTS,
                              passed=bool(unique),
                              metadata={"staged": result.staged_patients,
                                        "harmonised": result.patients})
