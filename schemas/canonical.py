"""The canonical ProMISE export tables: one data dictionary shared by every layer.

Source: ../shared/spec/export-format.md ("Canonical tables"). The generator writes these
columns (renamed per dialect), extraction and staging map every centre back to them, and
the pandera models in :mod:`schemas.staging` are built from this dictionary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import pandas as pd

ColumnKind = Literal["text", "code", "date", "int", "number", "bool"]


@dataclass(frozen=True)
class CanonicalColumn:
    """One canonical column: its type, allowed codes, range and meaning."""

    name: str
    kind: ColumnKind
    description: str
    required: bool = False
    codes: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class CanonicalTable:
    """One canonical table with its key and columns (export-format.md)."""

    name: str
    description: str
    key: tuple[str, ...]
    columns: tuple[CanonicalColumn, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> CanonicalColumn:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no canonical column {name!r}")


def _c(name: str, kind: ColumnKind, description: str, **kw: object) -> CanonicalColumn:
    return CanonicalColumn(name=name, kind=kind, description=description, **kw)  # type: ignore[arg-type]


PATIENT_ID = _c("patient_id", "text", "Centre-local patient identifier (ProMISE UPN)", required=True)
RISK_CODES = ("favorable", "intermediate", "adverse")
RESPONSE_CODES = (
    "CR", "CRh", "CRi", "MLFS", "PR", "SD", "NR", "PD",
    "relapse", "molecular_relapse", "molecular_response",
)

CANONICAL_TABLES: dict[str, CanonicalTable] = {
    t.name: t
    for t in (
        CanonicalTable(
            "patients",
            "One row per patient: demographics, diagnosis, karyotype and reported ELN risk",
            key=("patient_id",),
            columns=(
                PATIENT_ID,
                _c("sex", "code", "Sex", required=True, codes=("female", "male")),
                _c("birth_date", "date", "Date of birth", required=True),
                _c("diagnosis_date", "date", "Date of AML diagnosis", required=True),
                _c("aml_type", "code", "AML type", codes=(
                    "de_novo", "secondary_mds", "secondary_mpn", "therapy_related")),
                _c("karyotype", "text", "ISCN 2020 karyotype as written by the lab; empty = not done"),
                _c("eln2022_reported", "code", "ELN 2022 risk as reported by the centre", codes=RISK_CODES),
                _c("eln2024_reported", "code", "ELN 2024 risk as reported by the centre", codes=RISK_CODES),
            ),
        ),
        CanonicalTable(
            "mutations",
            "One row per gene tested at diagnosis (no row = gene not tested)",
            key=("patient_id", "gene"),
            columns=(
                PATIENT_ID,
                _c("gene", "text", "HGNC gene symbol, or a fusion (RUNX1::RUNX1T1)", required=True),
                _c("detected", "bool", "Mutation detected (false = tested negative)", required=True),
                _c("variant", "text", "Variant detail: ITD, TKD, bZIP in-frame, HGVS protein"),
                _c("vaf", "number", "Variant allele fraction 0-1", minimum=0.0, maximum=1.0),
            ),
        ),
        CanonicalTable(
            "treatment_lines",
            "One row per line of therapy before transplant",
            key=("patient_id", "line"),
            columns=(
                PATIENT_ID,
                _c("line", "int", "Line number, 1 = frontline", required=True, minimum=1, maximum=20),
                _c("regimen", "text", "Regimen as written (7+3, FLAG-Ida, AZA-VEN, ...)", required=True),
                _c("indication", "code", "Why the line was given", required=True, codes=(
                    "frontline", "refractory", "relapse", "molecular_relapse")),
                _c("start_date", "date", "First day of the line", required=True),
                _c("end_date", "date", "Last day of the line"),
                _c("cycles", "int", "Number of cycles given in this line", minimum=0, maximum=50),
            ),
        ),
        CanonicalTable(
            "responses",
            "One row per response assessment",
            key=("patient_id", "line", "cycle", "assessment_date"),
            columns=(
                PATIENT_ID,
                _c("line", "int", "Treatment line assessed", required=True, minimum=1, maximum=20),
                _c("cycle", "int", "End of which cycle; empty = end of line / best response",
                   minimum=0, maximum=50),
                _c("assessment_date", "date", "Date of the assessment", required=True),
                _c("response", "code", "Response as reported; optional when the counts are given "
                   "(the response is then derived from them)", codes=RESPONSE_CODES),
                _c("bm_blasts_pct", "number", "Bone-marrow blasts, %", minimum=0.0, maximum=100.0),
                _c("anc", "number", "Absolute neutrophil count, 10^9/L", minimum=0.0, maximum=200.0),
                _c("platelets", "number", "Platelets, 10^9/L", minimum=0.0, maximum=3000.0),
                _c("circulating_blasts", "bool", "Circulating blasts present"),
                _c("extramedullary", "bool", "Extramedullary disease present"),
            ),
        ),
        CanonicalTable(
            "mrd",
            "One row per measurable-residual-disease measurement",
            key=("patient_id", "sample_date", "method", "tissue"),
            columns=(
                PATIENT_ID,
                _c("sample_date", "date", "Sample date", required=True),
                _c("method", "code", "MRD method", required=True, codes=("MFC", "NPM1", "WT1", "other_pcr")),
                _c("tissue", "code", "Tissue", required=True, codes=("BM", "PB")),
                _c("value", "number", "MFC: % of leukocytes; PCR: transcript/control ratio",
                   minimum=0.0),
                _c("result_reported", "code", "Result as reported", codes=("positive", "negative")),
            ),
        ),
        CanonicalTable(
            "transplants",
            "One row per allogeneic HSCT",
            key=("patient_id", "hsct_number"),
            columns=(
                PATIENT_ID,
                _c("hsct_number", "int", "1 = first allograft", required=True, minimum=1, maximum=5),
                _c("hsct_date", "date", "Transplant date (day 0)", required=True),
                _c("donor_relation", "code", "Donor relation", required=True, codes=(
                    "sibling", "other_related", "haploidentical", "unrelated", "cord")),
                _c("hla_match", "text", "HLA match as written, e.g. 10/10, 9/10 (DQB1 mm), 8/8, 5/10 haplo"),
                _c("stem_cell_source", "code", "Stem-cell source", codes=("PB", "BM", "CB")),
                _c("conditioning_regimen", "text", "Conditioning regimen as written"),
                _c("conditioning_intensity_reported", "code", "Conditioning intensity as reported",
                   codes=("MAC", "RIC", "NMA", "sequential")),
                _c("atg", "bool", "Anti-thymocyte globulin given"),
                _c("ptcy", "bool", "Post-transplant cyclophosphamide given"),
                _c("gvhd_prophylaxis", "text", "GVHD prophylaxis (CSA, CSA+MMF, CSA+MTX, TAC+MMF, ...)"),
                _c("donor_cmv", "code", "Donor CMV serostatus", codes=("positive", "negative")),
                _c("recipient_cmv", "code", "Recipient CMV serostatus", codes=("positive", "negative")),
                _c("hct_ci", "int", "HCT-CI comorbidity score", minimum=0, maximum=30),
                _c("chimerism_d30_recipient_pct", "number", "Marrow recipient chimerism at day 30, %",
                   minimum=0.0, maximum=100.0),
                _c("chimerism_d90_recipient_pct", "number", "Marrow recipient chimerism at day 90, %",
                   minimum=0.0, maximum=100.0),
            ),
        ),
        CanonicalTable(
            "gvhd",
            "One row per GVHD episode",
            key=("patient_id", "kind", "onset_date"),
            columns=(
                PATIENT_ID,
                _c("kind", "code", "Acute or chronic", required=True, codes=("acute", "chronic")),
                _c("onset_date", "date", "Onset date", required=True),
                _c("grade", "code", "Acute 1-4 (I-IV accepted); chronic mild/moderate/severe or "
                   "limited/extensive", required=True, codes=(
                       "1", "2", "3", "4", "mild", "moderate", "severe", "limited", "extensive")),
            ),
        ),
        CanonicalTable(
            "followup",
            "One row per patient: last contact, vital status, death and relapse",
            key=("patient_id",),
            columns=(
                PATIENT_ID,
                _c("last_contact_date", "date", "Date of last contact", required=True),
                _c("vital_status", "code", "Vital status", required=True, codes=("alive", "dead")),
                _c("death_date", "date", "Date of death"),
                _c("death_cause", "code", "Cause of death", codes=(
                    "relapse", "gvhd", "infection", "toxicity", "secondary_malignancy", "other")),
                _c("relapse_date", "date", "First post-transplant relapse; empty = none"),
                _c("relapse_type", "code", "Relapse type", codes=("haematological", "molecular")),
            ),
        ),
    )
}

TABLE_NAMES: tuple[str, ...] = tuple(CANONICAL_TABLES)


def cast_canonical(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Give a table's canonical columns the dtypes the clinical rules expect (in place).

    Dates datetime64[ns], integers Int64, numbers float64, booleans nullable boolean, text and
    codes as Python strings with None for missing.
    """
    import pandas as pd

    for col in CANONICAL_TABLES[table].columns:
        values = frame[col.name]
        if col.kind == "date":
            frame[col.name] = pd.to_datetime(values).astype("datetime64[ns]")
        elif col.kind == "int":
            frame[col.name] = values.astype("Int64")
        elif col.kind == "bool":
            frame[col.name] = values.astype("boolean")
        elif col.kind == "number":
            frame[col.name] = values.astype("float64")
        else:
            frame[col.name] = values.astype(object).where(values.notna(), None)
    return frame
