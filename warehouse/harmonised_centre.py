"""One centre's harmonised partition, computed in batches of patients (issue 18: memory
bounded by a batch, not by the centre).

Source: ../shared/spec/architecture.md (the harmonised layer, one partition per centre) and
:mod:`clinical_rules.harmonise_batches` (why batches of patients give the same rows). Each
batch of the centre's current staged patients is read with all its rows of every table
(the last batch also takes rows of patients missing from the patients table), harmonised,
and written with its order columns to ``scratch_harmonised``; :func:`publish_partition`
then replaces the centre's rows of each harmonised table in that order.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from clinical_rules.harmonise import harmonise_parts, unknown_regimens
from clinical_rules.harmonise_batches import discrepancy_kinds, with_order
from clinical_rules.thresholds import DEFAULT_THRESHOLDS, ClinicalThresholds
from schemas.canonical import TABLE_NAMES, cast_canonical
from warehouse.database import query_frame, run_sql, write_centre_partition, write_frame

#: patients harmonised at a time
BATCH_PATIENTS = 10_000
OUTPUTS = ("patients", "responses", "discrepancies")
SCRATCH = "scratch_harmonised"


@dataclass
class CentreHarmonised:
    """What harmonising one centre gave (counts for the check and the asset metadata)."""

    centre_id: str
    staged_patients: int = 0
    patients: int = 0
    responses: int = 0
    discrepancies: int = 0
    duplicated_keys: bool = False
    cohorts: Counter = field(default_factory=Counter)
    by_variable: Counter = field(default_factory=Counter)
    unknown_regimens: pd.DataFrame | None = None
    thresholds: ClinicalThresholds = DEFAULT_THRESHOLDS
    #: each output's columns and dtypes (an empty frame), as the partition is written
    empty: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def one_row_per_patient(self) -> bool:
        return not self.duplicated_keys and self.patients == self.staged_patients


def _batch_tables(con: duckdb.DuckDBPyConnection, centre: str, patient_ids: list[str],
                  orphans: bool) -> dict[str, pd.DataFrame]:
    con.register("_batch_patients", pd.DataFrame({"patient_id": pd.Series(patient_ids,
                                                                          dtype=object)}))
    try:
        out = {}
        for table in TABLE_NAMES:
            frame = query_frame(con, "staging/current_table_batch",
                                {"centre_id": centre, "orphans": orphans}, table=table)
            out[table] = cast_canonical(frame, table)
        return out
    finally:
        con.unregister("_batch_patients")


def harmonise_centre(con: duckdb.DuckDBPyConnection, centre: str,
                     batch_patients: int = BATCH_PATIENTS,
                     thresholds: ClinicalThresholds = DEFAULT_THRESHOLDS) -> CentreHarmonised:
    """Harmonise the centre's current staged delivery batch by batch into the scratch
    schema (see :func:`publish_partition`)."""
    if batch_patients < 1:
        raise ValueError(f"the harmonising batch must hold at least one patient, "
                         f"not {batch_patients}")
    ids = query_frame(con, "staging/current_patient_ids", {"centre_id": centre})["patient_id"]
    summary = CentreHarmonised(centre, staged_patients=len(ids), thresholds=thresholds)
    unique_ids = ids.drop_duplicates().tolist()
    run_sql(con, "harmonised/create_scratch")
    unknown_tx = []
    n_batches = max(1, -(-len(unique_ids) // batch_patients))
    for b in range(n_batches):
        batch = unique_ids[b * batch_patients:(b + 1) * batch_patients]
        tables = _batch_tables(con, centre, batch, orphans=b == n_batches - 1)
        result, tx, part_sizes = harmonise_parts(tables, thresholds)
        if len(result.responses) != len(tables["responses"]):
            raise RuntimeError(f"centre {centre}: harmonised responses no longer one per "
                               "staged assessment; the batch order cannot be kept")
        keys = result.patients[["centre_id", "patient_id"]]
        summary.duplicated_keys |= bool(keys.duplicated().any())
        summary.patients += len(result.patients)
        summary.responses += len(result.responses)
        summary.discrepancies += len(result.discrepancies)
        summary.cohorts.update(result.patients["cohort"].value_counts(dropna=False).to_dict())
        summary.by_variable.update(result.discrepancies["variable"].value_counts().to_dict())
        frames = {
            "patients": with_order(result.patients, 0, b, range(len(result.patients))),
            "responses": with_order(result.responses, 0, 0,
                                    tables["responses"]["source_row"].to_numpy()),
            "discrepancies": with_order(result.discrepancies,
                                        discrepancy_kinds(result.discrepancies, part_sizes),
                                        b, range(len(result.discrepancies))),
        }
        for name, frame in frames.items():
            if name not in summary.empty:
                summary.empty[name] = getattr(result, name).iloc[:0]
            write_frame(con, f"{SCRATCH}.{name}", frame, timestamps_as_dates=True)
        unknown_tx.append(tx.loc[tx["conditioning_unknown"].to_numpy(dtype=bool),
                                 ["conditioning_unknown", "conditioning_regimen"]])
        del tables, result, tx, frames
    regimens = query_frame(con, "staging/current_regimens", {"centre_id": centre})
    unknown = unknown_regimens(regimens, pd.concat(unknown_tx, ignore_index=True))
    summary.unknown_regimens = unknown.assign(centre_id=centre)[
        ["centre_id", *unknown.columns]]
    return summary


def publish_partition(con: duckdb.DuckDBPyConnection, summary: CentreHarmonised) -> None:
    """Replace the centre's rows of the harmonised tables by the batches, in order (call
    inside a transaction); the scratch schema is dropped."""
    centre = summary.centre_id
    for name in OUTPUTS:
        fqn = f"harmonised.{name}"
        write_centre_partition(con, fqn, summary.empty[name], centre, timestamps_as_dates=True)
        run_sql(con, "harmonised/insert_ordered_batches", source=f"{SCRATCH}.{name}",
                target=fqn)
    write_centre_partition(con, "harmonised.unknown_regimens", summary.unknown_regimens,
                           centre, timestamps_as_dates=True)


def drop_scratch(con: duckdb.DuckDBPyConnection) -> None:
    """Remove the scratch schema of the harmonised batches."""
    run_sql(con, "harmonised/drop_scratch")
