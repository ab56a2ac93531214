"""The generator writes genetics as laboratories do, and the rules read the truth back.

Written forms (spec/clinical-rules.md "What laboratories actually write"): current and older
band names, ISCN 2020 in-situ suffixes, single abnormal cells (not a clone), fusions reported
molecularly (HGNC and legacy spellings, some with a failed karyotype), FLT3/CEBPA variant free
text. Only the written form changes: ELN 2022 / 2024 derived by clinical_rules from the written
tables equal the simulated truth for every patient.
"""

from __future__ import annotations

import pandas as pd

from clinical_rules.eln import eln2022_risk, eln2024_risk
from synthetic_registry.model import ChunkTruth


def _derived(truth: ChunkTruth) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    pats = pd.DataFrame({"centre_id": "X", "patient_id": truth.tables["patients"]["_row"],
                         "karyotype": truth.tables["patients"]["karyotype"]})
    muts = truth.tables["mutations"].rename(columns={"_row": "patient_id"}).assign(centre_id="X")
    muts["detected"] = muts["detected"].astype("boolean")
    return pats, eln2022_risk(pats, muts), eln2024_risk(pats, muts)


def test_rules_on_the_written_forms_reproduce_the_truth(large_truth: ChunkTruth) -> None:
    p = large_truth.patients
    _, e22, e24 = _derived(large_truth)
    assert (e22["eln2022"].to_numpy() == p["eln2022"].to_numpy()).all()
    assert (e24["eln2024"].to_numpy() == p["eln2024"].to_numpy()).all()
    adverse = e22["adverse_cytogenetics"].fillna(False).to_numpy(dtype=bool)
    complex_k = e22["complex_karyotype"].fillna(False).to_numpy(dtype=bool)
    assert (adverse == p["adverse_cyto"].to_numpy()).all()
    assert (complex_k == p["complex_karyotype"].to_numpy()).all()


def test_the_real_world_forms_are_written(default_truth: ChunkTruth) -> None:
    kar = default_truth.tables["patients"]["karyotype"].astype(str)
    muts = default_truth.tables["mutations"]
    assert kar.str.contains(r"q21\.3;q22\.12|p13\.1q22\.1|p22\.3;q34\.1|p22;q23").any()
    assert kar.str.contains("nuc ish").sum() >= 20
    assert kar.str.contains(r"con RUNX1x2|sep 3'CBFB").any()
    assert kar.str.contains(r"-7\[1\]").any()  # a single abnormal cell is not a clone
    genes = set(muts["gene"])
    assert genes & {"RUNX1::RUNX1T1", "AML1-ETO"} and genes & {"CBFB::MYH11", "CBFB-MYH11"}
    variants = set(muts["variant"].dropna())
    assert any(v.startswith("internal tandem duplication, AR") for v in variants)
    assert "TKD p.D835Y; ITD negative" in variants and "p.K313dup" in variants
    assert not muts.duplicated(["_row", "gene"]).any()  # the table key stays unique
