"""Analysis layer: the analyst tables (SQL in ``sql/analysis``), pseudonymised, commented."""


from collections.abc import Iterator

import dagster as dg
import pandas as pd

from assets import OWNERS
from assets.extract import QUARANTINE_KEY, RAW_KEYS, STAGING_KEYS
from assets.harmonised import HARMONISED_DISCREPANCIES, HARMONISED_PATIENTS, HARMONISED_RESPONSES
from assets.lineage import registry_deps
from assets.partitions import DUCKDB_WRITER_POOL
from assets.resources import PseudonymKey, WarehouseResource
from assets.sql_checks import registry_checks, sql_asset_checks
from assets.value_free import value_free_errors
from schemas.registry import produced_by, published_tables
from warehouse.database import materialise_query, run_sql
from warehouse.dictionary import comment_registry_tables
from warehouse.keyring import use_key
from warehouse.pseudonym import PseudonymKeyError
from warehouse.pseudonym_sql import assign_patient_keys

ANALYSIS_TABLES = ("patients", "endpoints", "treatment_lines", "responses", "mrd",
                   "transplants", "gvhd")
QUALITY_TABLES = ("discrepancies", "quarantine_summary", "row_accounting")
KEYS = {t: dg.AssetKey(f"analysis_{t}") for t in ANALYSIS_TABLES}
QUALITY_KEYS = {t: dg.AssetKey(f"quality_{t}") for t in QUALITY_TABLES}
#: the assets the analysis layer reads; each table's lineage is its registry dependencies
_UPSTREAM = [HARMONISED_PATIENTS, HARMONISED_RESPONSES, HARMONISED_DISCREPANCIES, QUARANTINE_KEY,
             *STAGING_KEYS.values(), *RAW_KEYS.values()]
_DEPS = {entry.name: registry_deps(entry, _UPSTREAM) for entry in produced_by("analysis_tables")
         if entry.kind == "table" and entry.layer in ("analysis", "quality")}
_SPEC = {"kinds": {"duckdb", "sql"}, "owners": OWNERS}

#: the blocking checks of the analysis layer, as the registry declares them on its tables
ANALYSIS_CHECKS = registry_checks("analysis_tables")
analysis_checks = sql_asset_checks(ANALYSIS_CHECKS)


@dg.multi_asset(
    specs=[dg.AssetSpec(KEYS[t], deps=_DEPS[t], group_name="analysis",
                        tags={"layer": "analysis"}, description=f"analysis.{t} (sql/analysis/"
                        f"{t}.sql); columns documented in meta.data_dictionary.", **_SPEC)
           for t in ANALYSIS_TABLES]
    + [dg.AssetSpec(QUALITY_KEYS[t], deps=_DEPS[t], group_name="quality",
                    tags={"layer": "quality"},
                    description=f"quality.{t}: data-quality table published for data "
                    "managers without identifiers.", **_SPEC) for t in QUALITY_TABLES],
    can_subset=False, pool=DUCKDB_WRITER_POOL, name="analysis_tables",
)
def analysis_tables(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                    pseudonym: PseudonymKey):
    """Pseudonymise the patient keys and build the analyst tables from the SQL files (their
    checks are the separate ``analysis_checks``)."""
    with value_free_errors(context, warehouse, "analysis"):
        yield from _analysis_tables(context, warehouse, pseudonym)


def _analysis_tables(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                     pseudonym: PseudonymKey) -> Iterator:
    try:
        secret = pseudonym.secret()
    except PseudonymKeyError as exc:
        raise dg.Failure(description=str(exc)) from None
    with warehouse.warehouse.connect() as con:
        con.execute("BEGIN TRANSACTION")
        try:  # a key other than the warehouse's would replace every patient_key: refused
            use_key(con, secret)
        except PseudonymKeyError as exc:
            raise dg.Failure(description=str(exc)) from None
        assign_patient_keys(con, secret.key)  # HMAC-SHA256 inside DuckDB
        run_sql(con, "staging/create_staging_bookkeeping")  # staging.current_deliveries
        for table in ANALYSIS_TABLES:
            run_sql(con, f"analysis/{table}")
        run_sql(con, "analysis/discrepancies")
        run_sql(con, "analysis/quarantine_summary")
        run_sql(con, "staging/create_staging_bookkeeping")
        materialise_query(con, "quality.row_accounting", "staging/row_accounting")
        run_sql(con, "publish/data_dictionary")
        comment_registry_tables(con, [t for t in published_tables() if t.kind == "table"
                                      and t.producer != "outcome_analyses"])
        counts = {t: con.execute(f"SELECT count(*) FROM analysis.{t}").fetchone()[0]
                  for t in ANALYSIS_TABLES}
        counts.update({f"quality.{t}": con.execute(f"SELECT count(*) FROM quality.{t}"
                                                   ).fetchone()[0] for t in QUALITY_TABLES})
        endpoint_summary = con.execute(
            "SELECT endpoint, count(*) n, sum(CASE WHEN status = 1 THEN 1 ELSE 0 END) events "
            "FROM analysis.endpoints GROUP BY endpoint ORDER BY endpoint").df()
        con.execute("COMMIT")
    for table in ANALYSIS_TABLES:
        metadata: dict = {"rows": int(counts[table])}
        if table == "endpoints":
            metadata["events"] = dg.MetadataValue.md(_markdown(endpoint_summary))
        yield dg.MaterializeResult(asset_key=KEYS[table], metadata=metadata)
    for table in QUALITY_TABLES:
        yield dg.MaterializeResult(asset_key=QUALITY_KEYS[table],
                                   metadata={"rows": int(counts[f"quality.{table}"])})


def _markdown(frame: pd.DataFrame) -> str:
    head = "| " + " | ".join(frame.columns) + " |\n|" + "---|" * len(frame.columns) + "\n"
    return head + "\n".join("| " + " | ".join(str(v) for v in row) + " |"
                            for row in frame.itertuples(index=False))
