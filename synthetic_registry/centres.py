"""The 13 synthetic centres and their export dialects (what each centre.yaml says).

Twelve AZA/VEN centres (11 French, 1 Spanish) and one French IC-comparator centre, sized
like the study registry (Bone Marrow Transplantation 2026, AURAML/VENAURA: 592 AZA/VEN
patients in 12 centres; 75+ IC-salvaged transplanted comparators from one centre).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.canonical import CANONICAL_TABLES

# --------------------------------------------------------------------------- translations
FR_VALUES: dict[str, dict[str, str]] = {
    "sex": {"female": "Femme", "male": "Homme"},
    "aml_type": {"de_novo": "LAM de novo", "secondary_mds": "LAM secondaire à un SMD",
                 "secondary_mpn": "LAM secondaire à un SMP",
                 "therapy_related": "LAM post-chimiothérapie"},
    "eln2022_reported": {"favorable": "favorable", "intermediate": "intermédiaire",
                         "adverse": "défavorable"},
    "eln2024_reported": {"favorable": "favorable", "intermediate": "intermédiaire",
                         "adverse": "défavorable"},
    "indication": {"frontline": "1re ligne", "refractory": "réfractaire", "relapse": "rechute",
                   "molecular_relapse": "rechute moléculaire"},
    "response": {"CR": "RC", "CRh": "RCh", "CRi": "RCi", "MLFS": "MLFS", "PR": "RP",
                 "SD": "stable", "NR": "Echec", "PD": "progression", "relapse": "rechute",
                 "molecular_relapse": "rechute moléculaire",
                 "molecular_response": "réponse moléculaire"},
    "method": {"MFC": "CMF", "NPM1": "NPM1", "WT1": "WT1", "other_pcr": "autre PCR"},
    "tissue": {"BM": "MO", "PB": "SP"},
    "result_reported": {"positive": "positif", "negative": "négatif"},
    "donor_relation": {"sibling": "fratrie", "other_related": "apparenté autre",
                       "haploidentical": "haplo-identique", "unrelated": "non apparenté",
                       "cord": "USP"},
    "stem_cell_source": {"PB": "CSP", "BM": "MO", "CB": "USP"},
    "conditioning_intensity_reported": {"sequential": "séquentiel"},
    "donor_cmv": {"positive": "positif", "negative": "négatif"},
    "recipient_cmv": {"positive": "positif", "negative": "négatif"},
    "kind": {"acute": "aiguë", "chronic": "chronique"},
    "grade": {"mild": "légère", "moderate": "modérée", "severe": "sévère"},
    "vital_status": {"alive": "vivant", "dead": "décédé"},
    "death_cause": {"relapse": "rechute", "gvhd": "GVH", "infection": "infection",
                    "toxicity": "toxicité", "secondary_malignancy": "cancer secondaire",
                    "other": "autre"},
    "relapse_type": {"haematological": "hématologique", "molecular": "moléculaire"},
}
FR_BOOL = {"true": "oui", "false": "non"}
BOOL_FIELDS = ("detected", "circulating_blasts", "extramedullary", "atg", "ptcy")

ES_VALUES: dict[str, dict[str, str]] = {
    "sex": {"female": "Mujer", "male": "Hombre"},
    "aml_type": {"de_novo": "LMA de novo", "secondary_mds": "LMA secundaria a SMD",
                 "secondary_mpn": "LMA secundaria a NMP",
                 "therapy_related": "LMA relacionada con tratamiento"},
    "eln2022_reported": {"favorable": "favorable", "intermediate": "intermedio",
                         "adverse": "adverso"},
    "eln2024_reported": {"favorable": "favorable", "intermediate": "intermedio",
                         "adverse": "adverso"},
    "indication": {"frontline": "primera línea", "refractory": "refractaria",
                   "relapse": "recaída", "molecular_relapse": "recaída molecular"},
    "response": {"CR": "RC", "CRh": "RCh", "CRi": "RCi", "MLFS": "EMLF", "PR": "RP",
                 "SD": "EE", "NR": "Fallo", "PD": "progresión", "relapse": "recaída",
                 "molecular_relapse": "recaída molecular",
                 "molecular_response": "respuesta molecular"},
    "method": {"MFC": "CMF", "NPM1": "NPM1", "WT1": "WT1", "other_pcr": "otra PCR"},
    "tissue": {"BM": "MO", "PB": "SP"},
    "result_reported": {"positive": "positivo", "negative": "negativo"},
    "donor_relation": {"sibling": "hermano", "other_related": "otro familiar",
                       "haploidentical": "haploidéntico", "unrelated": "no emparentado",
                       "cord": "cordón"},
    "stem_cell_source": {"PB": "SP", "BM": "MO", "CB": "SCU"},
    "conditioning_intensity_reported": {"sequential": "secuencial"},
    "donor_cmv": {"positive": "positivo", "negative": "negativo"},
    "recipient_cmv": {"positive": "positivo", "negative": "negativo"},
    "kind": {"acute": "aguda", "chronic": "crónica"},
    "grade": {"mild": "leve", "moderate": "moderada", "severe": "grave"},
    "vital_status": {"alive": "vivo", "dead": "fallecido"},
    "death_cause": {"relapse": "recaída", "gvhd": "EICH", "infection": "infección",
                    "toxicity": "toxicidad", "secondary_malignancy": "segunda neoplasia",
                    "other": "otra"},
    "relapse_type": {"haematological": "hematológica", "molecular": "molecular"},
}
ES_BOOL = {"true": "sí", "false": "no"}

FR_A_COLUMNS: dict[str, dict[str, str]] = {
    "patients": {"patient_id": "N° patient", "sex": "Sexe", "birth_date": "Date de naissance",
                 "diagnosis_date": "Date du diagnostic", "aml_type": "Type de LAM",
                 "karyotype": "Caryotype", "eln2022_reported": "ELN 2022",
                 "eln2024_reported": "ELN 2024"},
    "mutations": {"patient_id": "N° patient", "gene": "Gène", "detected": "Muté",
                  "variant": "Variant", "vaf": "VAF"},
    "treatment_lines": {"patient_id": "N° patient", "line": "Ligne", "regimen": "Protocole",
                        "indication": "Indication", "start_date": "Date début",
                        "end_date": "Date fin", "cycles": "Nb cycles"},
    "responses": {"patient_id": "N° patient", "line": "Ligne", "cycle": "Cycle",
                  "assessment_date": "Date évaluation", "response": "Réponse",
                  "bm_blasts_pct": "Blastes médullaires (%)", "anc": "PNN (G/L)",
                  "platelets": "Plaquettes (G/L)", "circulating_blasts": "Blastes circulants",
                  "extramedullary": "Atteinte extramédullaire"},
    "mrd": {"patient_id": "N° patient", "sample_date": "Date prélèvement",
            "method": "Technique", "tissue": "Tissu", "value": "Valeur",
            "result_reported": "Résultat"},
    "transplants": {"patient_id": "N° patient", "hsct_number": "N° greffe",
                    "hsct_date": "Date greffe", "donor_relation": "Type de donneur",
                    "hla_match": "Compatibilité HLA", "stem_cell_source": "Source",
                    "conditioning_regimen": "Conditionnement",
                    "conditioning_intensity_reported": "Intensité", "atg": "SAL",
                    "ptcy": "Cy post-greffe", "gvhd_prophylaxis": "Prophylaxie GVH",
                    "donor_cmv": "CMV donneur", "recipient_cmv": "CMV receveur",
                    "hct_ci": "HCT-CI", "chimerism_d30_recipient_pct": "Chimérisme J30 (%)",
                    "chimerism_d90_recipient_pct": "Chimérisme J90 (%)"},
    "gvhd": {"patient_id": "N° patient", "kind": "Type GVH", "onset_date": "Date début GVH",
             "grade": "Grade"},
    "followup": {"patient_id": "N° patient", "last_contact_date": "Date dernières nouvelles",
                 "vital_status": "Statut vital", "death_date": "Date décès",
                 "death_cause": "Cause décès", "relapse_date": "Date rechute",
                 "relapse_type": "Type rechute"},
}
FR_B_COLUMNS: dict[str, dict[str, str]] = {
    "patients": {"patient_id": "num_patient", "sex": "sexe", "birth_date": "date_naiss",
                 "diagnosis_date": "date_diag", "aml_type": "type_lam",
                 "karyotype": "caryotype", "eln2022_reported": "eln_2022",
                 "eln2024_reported": "eln_2024"},
    "mutations": {"patient_id": "num_patient", "gene": "gene", "detected": "mute",
                  "vaf": "vaf"},
    "treatment_lines": {"patient_id": "num_patient", "line": "ligne", "regimen": "protocole",
                        "start_date": "date_debut", "end_date": "date_fin",
                        "cycles": "nb_cycles"},
    "responses": {"patient_id": "num_patient", "line": "ligne", "cycle": "cycle",
                  "assessment_date": "date_eval", "response": "reponse",
                  "bm_blasts_pct": "blastes_mo", "anc": "pnn", "platelets": "plaquettes",
                  "circulating_blasts": "blastes_sang", "extramedullary": "extra_med"},
    "mrd": {"patient_id": "num_patient", "sample_date": "date_prelev", "method": "technique",
            "tissue": "tissu", "value": "valeur", "result_reported": "resultat"},
    "transplants": {"patient_id": "num_patient", "hsct_number": "num_greffe",
                    "hsct_date": "date_greffe", "donor_relation": "donneur",
                    "hla_match": "hla", "stem_cell_source": "source_csh",
                    "conditioning_regimen": "conditionnement",
                    "conditioning_intensity_reported": "intensite", "atg": "sal",
                    "ptcy": "cy_post", "gvhd_prophylaxis": "prophylaxie",
                    "donor_cmv": "cmv_d", "recipient_cmv": "cmv_r", "hct_ci": "hctci",
                    "chimerism_d30_recipient_pct": "chim_j30",
                    "chimerism_d90_recipient_pct": "chim_j90"},
    "gvhd": {"patient_id": "num_patient", "kind": "type", "onset_date": "date_debut",
             "grade": "grade"},
    "followup": {"patient_id": "num_patient", "last_contact_date": "date_dn",
                 "vital_status": "statut", "death_date": "date_deces",
                 "death_cause": "cause_deces", "relapse_date": "date_rechute",
                 "relapse_type": "type_rechute"},
}
ES_COLUMNS: dict[str, dict[str, str]] = {
    "patients": {"patient_id": "Nº paciente", "sex": "Sexo",
                 "birth_date": "Fecha de nacimiento", "diagnosis_date": "Fecha de diagnóstico",
                 "aml_type": "Tipo de LMA", "karyotype": "Cariotipo",
                 "eln2022_reported": "ELN 2022", "eln2024_reported": "ELN 2024"},
    "mutations": {"patient_id": "Nº paciente", "gene": "Gen", "detected": "Mutado",
                  "variant": "Variante", "vaf": "VAF"},
    "treatment_lines": {"patient_id": "Nº paciente", "line": "Línea", "regimen": "Esquema",
                        "indication": "Indicación", "start_date": "Fecha inicio",
                        "end_date": "Fecha fin", "cycles": "Ciclos"},
    "responses": {"patient_id": "Nº paciente", "line": "Línea", "cycle": "Ciclo",
                  "assessment_date": "Fecha evaluación", "response": "Respuesta",
                  "bm_blasts_pct": "Blastos MO (%)", "anc": "Neutrófilos",
                  "platelets": "Plaquetas", "circulating_blasts": "Blastos en SP",
                  "extramedullary": "Extramedular"},
    "mrd": {"patient_id": "Nº paciente", "sample_date": "Fecha muestra", "method": "Técnica",
            "tissue": "Tejido", "value": "Valor", "result_reported": "Resultado"},
    "transplants": {"patient_id": "Nº paciente", "hsct_number": "Nº trasplante",
                    "hsct_date": "Fecha trasplante", "donor_relation": "Donante",
                    "hla_match": "HLA", "stem_cell_source": "Fuente",
                    "conditioning_regimen": "Acondicionamiento",
                    "conditioning_intensity_reported": "Intensidad", "atg": "ATG",
                    "ptcy": "Cy post", "gvhd_prophylaxis": "Profilaxis EICH",
                    "donor_cmv": "CMV donante", "recipient_cmv": "CMV receptor",
                    "hct_ci": "HCT-CI", "chimerism_d30_recipient_pct": "Quimerismo d30 (%)",
                    "chimerism_d90_recipient_pct": "Quimerismo d90 (%)"},
    "gvhd": {"patient_id": "Nº paciente", "kind": "Tipo EICH", "onset_date": "Fecha inicio",
             "grade": "Grado"},
    "followup": {"patient_id": "Nº paciente", "last_contact_date": "Último contacto",
                 "vital_status": "Estado", "death_date": "Fecha de fallecimiento",
                 "death_cause": "Causa de muerte", "relapse_date": "Fecha de recaída",
                 "relapse_type": "Tipo de recaída"},
}


@dataclass(frozen=True)
class Centre:
    """One centre: identity, size and export dialect (canonical -> source direction)."""

    centre_id: str
    name: str
    country: str
    weight: int                      # patients in the default registry
    cohort: str = "azaven"           # azaven | ic
    format: str = "csv"
    delimiter: str = ","
    encoding: str = "utf-8"
    decimal: str = "."
    date_format: str = "iso"
    missing: tuple[str, ...] = ("",)
    missing_out: str = ""            # what this centre writes for an empty value
    lineterminator: str = "\n"
    vaf_percent: bool = False
    acute_roman: bool = False
    chronic_legacy: bool = False
    reports_eln2024: bool = True
    deliveries: tuple[str, ...] = ("2026-11-16",)
    id_format: str = "{n:05d}"
    azaven_label: str = "AZA-VEN"
    files: dict[str, str] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)   # canonical -> source
    values: dict[str, dict[str, str]] = field(default_factory=dict)    # canonical -> source
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)   # extra source labels

    def label(self, fieldname: str, code: str) -> str:
        """The label this centre writes for a canonical code."""
        return self.values.get(fieldname, {}).get(code, code)

    def source_column(self, table: str, column: str) -> str:
        return self.columns.get(table, {}).get(column, column)

    def source_file(self, table: str) -> str:
        if table in self.files:
            return self.files[table]
        return f"{table}.csv" if self.format == "csv" else table

    def yaml_dict(self, scale_mode: bool = False) -> dict:
        """The centre.yaml content (source -> canonical direction, keys per the spec)."""
        d: dict = {"centre_id": self.centre_id, "name": self.name, "country": self.country,
                   "format": self.format}
        if self.format == "xlsx":
            d["workbook"] = "export.xlsx"
        d.update({"delimiter": self.delimiter, "encoding": self.encoding,
                  "decimal": self.decimal, "date_format": self.date_format,
                  "missing": list(self.missing), "quiet_period_seconds": 300})
        if self.vaf_percent:
            d["units"] = {"vaf": "percent"}
        if self.files:
            d["files"] = dict(self.files)
        cols = {t: {src: can for can, src in m.items() if src != can}
                for t, m in self.columns.items()}
        cols = {t: m for t, m in cols.items() if m}
        if cols:
            d["columns"] = cols
        vals: dict[str, dict[str, str]] = {}
        for fieldname, m in self.values.items():
            inv = {src: can for can, src in m.items() if src != can}
            inv.update(self.aliases.get(fieldname, {}))
            if inv:
                vals[fieldname] = inv
        if vals:
            d["values"] = vals
        return d


def _merge(base: dict[str, dict[str, str]], **over: dict[str, str]) -> dict[str, dict[str, str]]:
    out = {k: dict(v) for k, v in base.items()}
    for k, v in over.items():
        out.setdefault(k, {}).update(v)
    return out


def _bools(mapping: dict[str, str]) -> dict[str, dict[str, str]]:
    return {f: dict(mapping) for f in BOOL_FIELDS}


FR_A_VALUES = {**FR_VALUES, **_bools(FR_BOOL)}
FR_B_VALUES = _merge(FR_VALUES, sex={"female": "F", "male": "M"},
                     **_bools({"true": "O", "false": "N"}))
ES_ALL_VALUES = {**ES_VALUES, **_bools(ES_BOOL)}
ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV"}

OLD, NEW = "2026-05-04", "2026-11-16"

CENTRES: tuple[Centre, ...] = (
    Centre("LYS", "Hospices Civils de Lyon", "FR", 85, delimiter=";", encoding="cp1252",
           decimal=",", date_format="%d/%m/%Y", missing=("", "ND", "NR"), missing_out="ND",
           lineterminator="\r\n", vaf_percent=True, deliveries=(OLD, NEW),
           id_format="LY{n:05d}", azaven_label="AZA-VEN", columns=FR_A_COLUMNS,
           values=FR_A_VALUES, aliases={"sex": {"F": "female", "M": "male"}}),
    Centre("GRE", "CHU Grenoble Alpes", "FR", 70, delimiter=";", encoding="latin-1",
           decimal=",", date_format="%d/%m/%Y", missing=("", "NA", "ND", "NR", "."),
           missing_out="", deliveries=("2026-04-27", "2026-11-09"), id_format="38{n:05d}",
           azaven_label="Aza/Ven", files={"responses": "reponses.csv", "followup": "suivi.csv"},
           columns=FR_B_COLUMNS, values=FR_B_VALUES,
           aliases={"response": {"RC avec MRD-": "CR"}}),
    Centre("BDX", "CHU de Bordeaux", "FR", 60, delimiter=";", encoding="utf-8", decimal=",",
           date_format="%d/%m/%Y", missing=("", "ND"), deliveries=("2026-05-11", "2026-11-13"),
           id_format="BDX-{n:04d}", azaven_label="VEN+AZA", columns=FR_A_COLUMNS,
           values=FR_A_VALUES),
    Centre("LIL", "CHU de Lille", "FR", 58, delimiter=";", encoding="cp1252", decimal=",",
           date_format="%d/%m/%Y", missing=("", "NA"), missing_out="NA", lineterminator="\r\n",
           id_format="59{n:05d}", azaven_label="AZA-VEN", columns=FR_B_COLUMNS,
           values=FR_B_VALUES, reports_eln2024=False),
    Centre("NTE", "CHU de Nantes", "FR", 55, delimiter=",", encoding="utf-8", decimal=".",
           date_format="iso", missing=("", "."), missing_out=".", chronic_legacy=True,
           id_format="NT{n:05d}", azaven_label="AZA-VEN", columns=FR_B_COLUMNS,
           values=_merge(FR_B_VALUES, grade={"limited": "limitée", "extensive": "extensive"})),
    Centre("TLS", "IUCT Oncopole Toulouse", "FR", 52, delimiter="\t", encoding="utf-8",
           decimal=".", date_format="iso", missing=("", "NA"), id_format="T{n:06d}",
           azaven_label="AZA+VEN"),
    Centre("MTP", "CHU de Montpellier", "FR", 48, delimiter=",", encoding="utf-8",
           decimal=".", date_format="%Y%m%d", missing=("", "."), id_format="34{n:05d}",
           azaven_label="AZA-VEN", columns=FR_B_COLUMNS, values=FR_B_VALUES),
    Centre("REN", "CHU de Rennes", "FR", 45, delimiter=";", encoding="latin-1", decimal=",",
           date_format="%d/%m/%Y", missing=("", "ND", "NR"), missing_out="ND",
           acute_roman=True, id_format="35{n:05d}", azaven_label="Aza/Ven",
           columns=FR_A_COLUMNS, values=FR_A_VALUES, reports_eln2024=False),
    Centre("VAL", "Hospital Universitari i Politècnic La Fe, Valencia", "ES", 40,
           delimiter=";", encoding="utf-8", decimal=",", date_format="%d/%m/%Y",
           missing=("", "NA", "ND"), id_format="LF{n:05d}", azaven_label="AZA-VEN",
           files={"patients": "pacientes.csv", "mutations": "mutaciones.csv",
                  "treatment_lines": "lineas.csv", "responses": "respuestas.csv",
                  "mrd": "emr.csv", "transplants": "trasplantes.csv", "gvhd": "eich.csv",
                  "followup": "seguimiento.csv"},
           columns=ES_COLUMNS, values=ES_ALL_VALUES),
    Centre("NCY", "CHRU de Nancy", "FR", 35, delimiter=";", encoding="cp1252", decimal=",",
           date_format="%d.%m.%Y", missing=("", "ND", "NR"), missing_out="NR",
           lineterminator="\r\n", vaf_percent=True, id_format="54{n:05d}",
           azaven_label="VEN+AZA", columns=FR_A_COLUMNS, values=FR_A_VALUES),
    Centre("STE", "CHU de Saint-Etienne", "FR", 24, delimiter=",", encoding="utf-8",
           decimal=".", date_format="iso", missing=("", "NA"), id_format="42{n:05d}",
           azaven_label="AZA-VEN"),
    Centre("CLF", "CHU de Clermont-Ferrand", "FR", 20, format="xlsx", delimiter=",",
           encoding="utf-8", decimal=".", date_format="%d/%m/%Y", missing=("", "ND"),
           id_format="63{n:05d}", azaven_label="Aza/Ven",
           files={"patients": "Patients", "mutations": "Biologie moléculaire",
                  "treatment_lines": "Traitements", "responses": "Réponses", "mrd": "MRD",
                  "transplants": "Greffes", "gvhd": "GVH", "followup": "Suivi"},
           columns=FR_A_COLUMNS, values=FR_A_VALUES),
    Centre("PSL", "Hôpital Saint-Louis (IC comparator)", "FR", 80, cohort="ic",
           delimiter=";", encoding="cp1252", decimal=",", date_format="%d/%m/%Y",
           missing=("", "ND", "NR", "."), missing_out="", lineterminator="\r\n",
           acute_roman=True, chronic_legacy=True, reports_eln2024=False,
           deliveries=("2026-03-30", "2026-10-26"), id_format="SL{n:05d}",
           columns=FR_A_COLUMNS,
           values=_merge(FR_A_VALUES, grade={"limited": "limitée", "extensive": "extensive"})),
)
CENTRE_BY_ID = {c.centre_id: c for c in CENTRES}


def grade_label(centre: Centre, code: str) -> str:
    """Acute grades may be written in roman numerals (both are canonical)."""
    if centre.acute_roman and code in ROMAN:
        return ROMAN[code]
    return centre.label("grade", code)


def check_centres() -> None:
    """Sanity: every mapped column is canonical; no written label equals a missing marker."""
    for c in CENTRES:
        for t, m in c.columns.items():
            assert set(m) <= set(CANONICAL_TABLES[t].column_names), (c.centre_id, t)
        for f, m in c.values.items():
            for lab in m.values():
                assert lab not in c.missing, (c.centre_id, f, lab)
        for code in ("NR", "NA", "ND", "."):
            if code in c.missing:
                assert c.label("response", code) != code or code not in ("NR",), c.centre_id
