"""A centre harmonised in batches of patients writes exactly what harmonising it whole writes.

Source: issue 18 (memory bounded by a batch, not a centre) and clinical-rules.md (every rule
is per patient). On a generated registry with defects, batches of 7 patients and a single
batch must give the harmonised tables the whole centre gives (rows, values, types, order).
"""

from __future__ import annotations

import pandas as pd
import pytest

from clinical_rules.harmonise import harmonise_registry
from clinical_rules.harmonise_batches import discrepancy_kinds
from extraction.load import extract_centre
from extraction.readers import DeliveryError
from extraction.stage import read_current_staging, stage_centre
from schemas.dialect import discover_centres, load_dialect
from synthetic_registry import generate_registry
from warehouse.database import Warehouse, write_centre_partition
from warehouse.harmonised_centre import drop_scratch, harmonise_centre, publish_partition

OUTPUTS = ("patients", "responses", "discrepancies", "unknown_regimens")


def _read(con) -> dict[str, pd.DataFrame]:  # noqa: ANN001
    return {t: con.execute(f"SELECT * FROM harmonised.{t} ORDER BY rowid").df() for t in OUTPUTS}


#: each xdist worker builds the registry at most once: the fixture is session-scoped, because
#: (measured with pytest 9.2, pytest-xdist 3.8) the group does not keep these tests on one
#: worker, and other modules run between them there
pytestmark = pytest.mark.xdist_group("harmonised_batches")


@pytest.fixture(scope="session")
def harmonised_ways(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("harmonised_batches")
    generate_registry(root / "landing", seed=2018, patients=160, defect_rate=0.05)
    out: dict = {}
    with Warehouse(root / "wh").connect() as con:
        centres = []
        for centre_id, folder in discover_centres(root / "landing").items():
            dialect = load_dialect(folder / "centre.yaml")
            try:
                extract_centre(con, folder, dialect)
            except DeliveryError:
                continue
            stage_centre(con, dialect)
            centres.append(centre_id)
        # before this change: the centre's whole current staging, harmonised at once
        for centre in centres:
            result = harmonise_registry(read_current_staging(con, centre))
            unknown = result.unknown_regimens.assign(centre_id=centre)
            for name, frame in (("patients", result.patients), ("responses", result.responses),
                                ("discrepancies", result.discrepancies),
                                ("unknown_regimens",
                                 unknown[["centre_id", *result.unknown_regimens.columns]])):
                write_centre_partition(con, f"harmonised.{name}", frame, centre,
                                       timestamps_as_dates=True)
        out["whole"] = _read(con)
        for name, batch in (("tiny", 7), ("one", 10 ** 6)):
            for t in OUTPUTS:
                con.execute(f"DELETE FROM harmonised.{t}")
            for centre in centres:
                summary = harmonise_centre(con, centre, batch_patients=batch)
                assert summary.one_row_per_patient
                publish_partition(con, summary)
                drop_scratch(con)
            out[name] = _read(con)
    return out


@pytest.mark.parametrize("way", ["tiny", "one"])
def test_batches_equal_the_whole_centre(harmonised_ways: dict, way: str) -> None:
    for table in OUTPUTS:
        want = harmonised_ways["whole"][table]
        assert len(want) or table == "unknown_regimens", table
        pd.testing.assert_frame_equal(harmonised_ways[way][table], want, obj=table)


def test_discrepancy_kinds_need_the_part_sizes() -> None:
    disc = pd.DataFrame({"variable": ["eln2022", "eln2024", "karyotype"],
                         "reason": ["", "", ""]})
    assert discrepancy_kinds(disc, [2, 1]).tolist() == [0, 1, 10]
    with pytest.raises(ValueError, match="parts"):
        discrepancy_kinds(disc, [1, 1])
