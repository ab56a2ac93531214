"""Harmonised layer: derived clinical variables per patient and reported-vs-derived
discrepancies, from every centre's current staged delivery (clinical_rules does the work)."""


from collections.abc import Iterator

import dagster as dg
import pandas as pd

from assets import OWNERS, REFRESH_TAG
from assets.extract import STAGING_KEYS
from assets.partitions import DUCKDB_WRITER_POOL
from assets.value_free import value_free_errors
from clinical_rules.harmonise import harmonise_registry
from extraction.stage import read_current_staging
from pipelines.resources import WarehouseResource
from warehouse.bookkeeping import record_check
from warehouse.database import write_frame

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
                                 "do not know yet (to extend them)."),
    ],
    check_specs=[
        dg.AssetCheckSpec("one_row_per_patient", asset=HARMONISED_PATIENTS, blocking=True,
                          description="every current staged patient has exactly one row"),
    ],
    can_subset=False, pool=DUCKDB_WRITER_POOL, name="harmonised_registry",
)
def harmonised_registry(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Apply the clinical rules to the current staged data of every centre."""
    with value_free_errors(context, warehouse, "harmonised"):
        yield from _harmonised_registry(context, warehouse)


def _harmonised_registry(context: dg.AssetExecutionContext,
                         warehouse: WarehouseResource) -> Iterator:
    refresh_id = context.run.tags.get(REFRESH_TAG)
    with warehouse.warehouse.connect() as con:
        tables = read_current_staging(con)
        result = harmonise_registry(tables)
        n_staged = len(tables["patients"])
        with_key = result.patients[["centre_id", "patient_id"]]
        unique = not with_key.duplicated().any() and len(result.patients) == n_staged
        con.execute("BEGIN TRANSACTION")
        write_frame(con, "harmonised.patients", result.patients, replace=True,
                    timestamps_as_dates=True)
        write_frame(con, "harmonised.responses", result.responses, replace=True,
                    timestamps_as_dates=True)
        write_frame(con, "harmonised.discrepancies", result.discrepancies, replace=True,
                    timestamps_as_dates=True)
        write_frame(con, "harmonised.unknown_regimens", result.unknown_regimens, replace=True,
                    timestamps_as_dates=True)
        thresholds = pd.DataFrame([{"name": k, "value": str(v)}
                                   for k, v in vars(result.thresholds).items()])
        write_frame(con, "harmonised.thresholds", thresholds, replace=True)
        record_check(con, refresh_id, "harmonised_patients", "one_row_per_patient", unique,
                     "ERROR", "every current staged patient has exactly one harmonised row",
                     {"staged": n_staged, "harmonised": len(result.patients)})
        con.execute("COMMIT")
    by_variable = result.discrepancies["variable"].value_counts().to_dict()
    cohorts = result.patients["cohort"].value_counts(dropna=False).to_dict()
    yield dg.MaterializeResult(asset_key=HARMONISED_PATIENTS, metadata={
        "rows": len(result.patients),
        "cohorts": dg.MetadataValue.json({str(k): int(v) for k, v in cohorts.items()})})
    yield dg.MaterializeResult(asset_key=HARMONISED_RESPONSES,
                               metadata={"rows": len(result.responses)})
    yield dg.MaterializeResult(asset_key=HARMONISED_DISCREPANCIES, metadata={
        "rows": len(result.discrepancies),
        "by_variable": dg.MetadataValue.json({str(k): int(v) for k, v in by_variable.items()})})
    yield dg.MaterializeResult(asset_key=UNKNOWN_REGIMENS,
                               metadata={"rows": len(result.unknown_regimens)})
    yield dg.AssetCheckResult(check_name="one_row_per_patient", asset_key=HARMONISED_PATIENTS,
                              passed=bool(unique),
                              metadata={"staged": n_staged, "harmonised": len(result.patients)})
