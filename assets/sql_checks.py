"""Asset checks from SQL files: one ``@dg.asset_check`` per check, run after its asset.

Source: issue 16 ("checks as ``@dg.asset_check`` (blocking where publishing must stop), not
computed inside asset bodies"). Each check is a file in ``sql/checks`` returning the offending
rows (none = passed). The check runs against the working database, records its outcome in
``meta.check_results`` (which publishing reads) and returns a ``dg.AssetCheckResult``; a
blocking check that fails stops Dagster from running the assets downstream of the one it
guards in the same run, so a refresh with a failed blocking check never publishes. The checks
are declared in the table registry (``Table.checks``, :class:`schemas.registry.TableCheck`).
"""


from collections.abc import Iterable
from dataclasses import dataclass

import dagster as dg

from assets import REFRESH_TAG
from assets.partitions import DUCKDB_WRITER_POOL
from assets.resources import WarehouseResource
from assets.value_free import value_free_errors
from schemas.registry import produced_by
from warehouse.bookkeeping import record_check
from warehouse.database import query_frame

#: offending rows kept in ``meta.check_results.details`` (enough to find the problem)
DETAIL_ROWS = 20


@dataclass(frozen=True)
class SqlCheck:
    """One check: its name, the asset it guards, its SQL file and what it asserts."""

    name: str
    asset: dg.AssetKey
    #: under ``sql/``, without ``.sql``; the query returns the offending rows
    sql_file: str
    description: str
    #: a failure stops publishing (severity ERROR); else a warning only
    blocking: bool = True

    @property
    def severity(self) -> str:
        return "ERROR" if self.blocking else "WARN"


def registry_checks(producer: str) -> tuple[SqlCheck, ...]:
    """The table checks the registry declares on the tables ``producer`` writes, each on the
    table's asset (``layer_table``), in registry order."""
    return tuple(SqlCheck(check.name, dg.AssetKey(f"{entry.layer}_{entry.name}"),
                          check.sql_file, check.description, check.blocking)
                 for entry in produced_by(producer) for check in entry.table_checks())


def sql_asset_checks(checks: Iterable[SqlCheck]) -> list[dg.AssetChecksDefinition]:
    """One ``@dg.asset_check`` per entry of ``checks``."""
    return [_sql_asset_check(check) for check in checks]


def _sql_asset_check(check: SqlCheck) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=check.asset, name=check.name, description=check.description,
                    blocking=check.blocking, pool=DUCKDB_WRITER_POOL,
                    compute_kind="duckdb")
    def _run(context: dg.AssetCheckExecutionContext,
             warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with value_free_errors(context, warehouse, f"check {check.name}"):
            result = run_sql_check(check, warehouse, context.run.tags.get(REFRESH_TAG))
        return result

    return _run


def run_sql_check(check: SqlCheck, warehouse: WarehouseResource,
                  refresh_id: str | None) -> dg.AssetCheckResult:
    """Run ``check`` on the working database and record it in ``meta.check_results``."""
    with warehouse.warehouse.connect() as con:
        offending = query_frame(con, check.sql_file)
        passed = offending.empty
        record_check(con, refresh_id, check.asset.to_user_string(), check.name, passed,
                     check.severity, check.description,
                     None if passed else offending.head(DETAIL_ROWS).to_dict("records"))
    return dg.AssetCheckResult(
        check_name=check.name, asset_key=check.asset, passed=passed,
        severity=dg.AssetCheckSeverity.ERROR if check.blocking else dg.AssetCheckSeverity.WARN,
        metadata={"offending_rows": len(offending), "sql": f"sql/{check.sql_file}.sql"})
