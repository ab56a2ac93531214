# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # From the published registry to the study's headline numbers
#
# A worked example for analysts: open the published file read-only, take the study cohort
# from the analyst views (no joins), and reproduce the AURAML/VENAURA headline results
# (Bone Marrow Transplantation 2026; ../shared/spec/outcomes.md) with the registry's
# statistics engine (`survival_stats`, checked against R's survival and cmprsk):
#
# 1. Table 1's headline rows of the transplanted AZA/VEN R/R patients;
# 2. 2-year overall survival (Kaplan-Meier), cumulative incidence of relapse (CIR) and
#    non-relapse mortality (NRM), with 95 % confidence intervals;
# 3. the hazard ratio of no composite CR at the end of salvage cycle 1 for OS (Cox).
#
# Every number is then compared with the outcome tables the refresh published
# (`outcomes.*`), which the report shows. Times are days from the first allograft
# (`*_time_days`); no calendar date is needed.
#
# Run it as a script (`.venv/bin/python notebooks/registry_walkthrough.py`) or open it in
# Jupyter with jupytext. The file is `AML_REGISTRY_DB`, by default the demo's
# `demo/warehouse/registry.duckdb` (`make demo`).

# %%
import os
from pathlib import Path

import duckdb
import pandas as pd

import survival_stats as ss

DB = Path(os.environ.get("AML_REGISTRY_DB", "demo/warehouse/registry.duckdb"))
TWO_YEARS_DAYS = 24 * 30.4375  # the report's 24 months (times in months = days / 30.4375)
con = duckdb.connect(str(DB), read_only=True)
refresh = con.execute("SELECT refresh_id, code_version FROM meta.refreshes "
                      "WHERE published ORDER BY started_at DESC LIMIT 1").fetchone()
print(f"{DB}: refresh {refresh[0]}, code version {refresh[1]}")

# %% [markdown]
# ## The cohort: one view, one row per patient
# `analysis.azaven_rr_transplanted` holds the patient's derived characteristics and every
# endpoint's time and status side by side. The data dictionary describes each column.

# %%
cohort = con.execute("SELECT * FROM analysis.azaven_rr_transplanted").df()
dictionary = con.execute(
    "SELECT column_name, column_description FROM meta.data_dictionary "
    "WHERE table_name = 'azaven_rr_transplanted' AND column_name LIKE 'os_%'").df()
print(f"{len(cohort)} transplanted AZA/VEN R/R patients")
print(dictionary.to_string(index=False))

# %% [markdown]
# ## Table 1: headline rows
# Counts are n/N with N the patients with the value known (missing values are left out of
# the denominator, as in the report).


# %%
def count_row(label: str, column: str, value: object, not_counted: tuple = ()) -> dict:
    """n/N of ``column == value``; N leaves out missing values and ``not_counted`` ones."""
    known = cohort[column].dropna()
    known = known[~known.isin(not_counted)]
    n = int((known == value).sum())
    return {"characteristic": label, "variable": column,
            "level": {True: "yes", False: "no"}.get(value, value), "n": n, "N": len(known),
            "text": f"{n}/{len(known)} ({100 * n / len(known):.1f}%)"}


age = cohort["age_at_hsct"].dropna()
table1 = pd.DataFrame([
    {"characteristic": "Age at HSCT, median (range)", "variable": "age_at_hsct",
     "level": "median (range)", "n": None, "N": len(age),
     "text": f"{age.median():.1f} ({age.min():.0f}-{age.max():.0f})"},
    count_row("Female", "sex", "female"),
    count_row("ELN 2022 adverse", "eln2022", "adverse", not_counted=("unknown",)),
    count_row("Adverse cytogenetics", "adverse_cytogenetics", True),
    count_row("Complex karyotype", "complex_karyotype", True),
    count_row("CRc at end of cycle 1", "c1_response", True),
    count_row("Pre-HSCT MRD negative (of responders)", "mrd_pre_hsct", "negative",
              not_counted=("not_applicable",)),
    count_row("Matched unrelated donor", "donor_type", "MUD"),
    count_row("Reduced-intensity conditioning", "conditioning_intensity", "RIC"),
])
print(table1[["characteristic", "text"]].to_string(index=False))

# %% [markdown]
# ## 2-year OS, CIR and NRM with 95 % CI
# OS: Kaplan-Meier with a log-scale CI (R's `survfit` default). CIR and NRM: cumulative
# incidence with cmprsk's variance and a log(-log) CI; status 1 is the event, 2 the
# competing event (death without relapse for CIR, relapse for NRM).

# %%
os_curve = ss.kaplan_meier(cohort["os_time_days"], cohort["os_status"])[0]
os_2y = os_curve.at([TWO_YEARS_DAYS])


def cumulative_incidence_at(prefix: str, days: float) -> dict:
    analysis = ss.competing_risks(cohort[f"{prefix}_time_days"], cohort[f"{prefix}_status"])
    curve = next(c for c in analysis.curves if c.cause == 1)
    return curve.at([days])


cir_2y = cumulative_incidence_at("cir", TWO_YEARS_DAYS)
nrm_2y = cumulative_incidence_at("nrm", TWO_YEARS_DAYS)
outcomes_2y = pd.DataFrame([
    {"endpoint": "OS", "estimate": os_2y["surv"][0], "lower": os_2y["lower"][0],
     "upper": os_2y["upper"][0]},
    {"endpoint": "CIR", "estimate": cir_2y["estimate"][0], "lower": cir_2y["lower"][0],
     "upper": cir_2y["upper"][0]},
    {"endpoint": "NRM", "estimate": nrm_2y["estimate"][0], "lower": nrm_2y["lower"][0],
     "upper": nrm_2y["upper"][0]},
])
print(outcomes_2y.assign(
    text=lambda d: [f"{100 * e:.1f}% ({100 * lo:.1f}-{100 * hi:.1f})"
                    for e, lo, hi in zip(d.estimate, d.lower, d.upper, strict=True)]
).to_string(index=False))

# %% [markdown]
# ## Response at the end of cycle 1 and OS: Cox hazard ratio
# The study's strongest factor for OS (HR about 5): no composite CR at the end of salvage
# cycle 1 against CRc, Cox model with Efron ties (R's `coxph` default).

# %%
c1 = cohort.assign(c1_response_group=cohort["c1_response"].map(
    {True: "CRc at end of C1", False: "No response"}))
cox = ss.cox_ph(c1, "os_time_days", "os_status", ["c1_response_group"],
                reference={"c1_response_group": "CRc at end of C1"})
c1_term = cox.terms[0]
c1_hr = {"term": c1_term.term, "hr": c1_term.hr, "lower": c1_term.lower,
         "upper": c1_term.upper, "p": c1_term.p}
print(f"OS, no response vs CRc at end of C1: HR {c1_hr['hr']:.2f} "
      f"({c1_hr['lower']:.2f}-{c1_hr['upper']:.2f}), p = {c1_hr['p']:.2g}")

# %% [markdown]
# ## The same numbers as the published outcome tables
# The refresh computed the report's tables from the same rows; they must agree to
# floating-point noise.

# %%
published_estimates = con.execute(
    "SELECT endpoint, estimate, lower, upper FROM outcomes.outcome_estimates "
    "WHERE cohort = 'azaven_rr' AND timepoint = '24 months' "
    "AND endpoint IN ('OS', 'CIR', 'NRM')").df().set_index("endpoint")
published_hr = con.execute(
    "SELECT hr, hr_lower, hr_upper FROM outcomes.univariate WHERE endpoint = 'OS' "
    "AND variable = 'c1_response' AND hr_term LIKE 'No response%'").fetchone()
published_table1 = con.execute(
    "SELECT variable, level, n, n_known, text AS text_report FROM outcomes.table1_azaven").df()
for row in outcomes_2y.itertuples():
    for field in ("estimate", "lower", "upper"):
        mine, theirs = getattr(row, field), published_estimates.loc[row.endpoint, field]
        assert abs(mine - theirs) < 1e-9, (row.endpoint, field, mine, theirs)
assert all(abs(a - b) < 1e-9 * max(1.0, abs(b)) for a, b in
           zip((c1_hr["hr"], c1_hr["lower"], c1_hr["upper"]), published_hr, strict=True))
compared = table1.merge(published_table1, on=["variable", "level"], suffixes=("", "_report"))
assert len(compared) == len(table1), "a Table 1 row is not in outcomes.table1_azaven"
counted = compared[compared["n"].notna()]
assert (counted["n"] == counted["n_report"]).all(), counted
assert (compared["N"] == compared["n_known"]).all(), compared
assert (compared["text"] == compared["text_report"]).all(), compared
print("2-year OS, CIR, NRM, the C1-response HR and Table 1's counts match outcomes.*")
con.close()
