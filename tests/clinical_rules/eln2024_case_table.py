"""The ELN 2024 cases of the table-driven tests (tests/clinical_rules/test_eln_cases.py);
each name cites the guideline clause. Döhner et al., Blood 2024;144:2169-73,
Table 1.
"""

from __future__ import annotations

from eln_cases_support import NEG, NK

# (id citing the clause, karyotype, mutations, expected ELN 2024)
ELN2024_CASES = [
    (
        "ELN2024 T1 adv: TP53 mutated, any VAF (3%) -> adverse",
        NK,
        "TP53+0.03 FLT3- NRAS- KRAS-",
        "adverse",
    ),
    (
        "ELN2024 T1 adv: TP53 mutated decides although others untested -> adverse",
        None,
        "TP53+0.4",
        "adverse",
    ),
    ("ELN2024 info: TP53 not tested -> unknown", NK, "NPM1+ FLT3- NRAS- KRAS-", "unknown"),
    (
        "ELN2024 T1 fav: NPM1 mut, FLT3-ITD neg, NRAS/KRAS wt, TP53 wt -> favorable",
        NK,
        "NPM1+ " + NEG.replace("NPM1- ", ""),
        "favorable",
    ),
    (
        "ELN2024 T1 int: NPM1 mut with FLT3-ITD -> intermediate",
        NK,
        "NPM1+ FLT3+ITD TP53- NRAS- KRAS-",
        "intermediate",
    ),
    (
        "ELN2024 T1 fav: IDH2 mut, FLT3-ITD neg, RAS wt, TP53 wt -> favorable",
        NK,
        "IDH2+ " + NEG,
        "favorable",
    ),
    (
        "ELN2024 T1 int: IDH2 mut with NRAS mut -> intermediate",
        NK,
        "IDH2+ FLT3- TP53- NRAS+ KRAS-",
        "intermediate",
    ),
    (
        "ELN2024 T1 fn: IDH1 mut with KRAS mut, general rule (not AZA+IVO) -> intermediate",
        NK,
        "IDH1+ FLT3- TP53- NRAS- KRAS+",
        "intermediate",
    ),
    (
        "ELN2024 T1 fn: IDH1 mut, all negative, general rule -> favorable",
        NK,
        "IDH1+ " + NEG,
        "favorable",
    ),
    (
        "ELN2024 T1 fav: DDX41 mut with FLT3-ITD, TP53 wt -> favorable",
        NK,
        "DDX41+ FLT3+ITD TP53- NRAS- KRAS-",
        "favorable",
    ),
    (
        "ELN2024 T1 adv: DDX41 mut with TP53 mut -> adverse",
        NK,
        "DDX41+ TP53+0.2 FLT3- NRAS- KRAS-",
        "adverse",
    ),
    (
        "ELN2024 T1 fav: DDX41 mut, TP53 wt, FLT3/RAS untested -> favorable",
        NK,
        "DDX41+ TP53-",
        "favorable",
    ),
    (
        "ELN2024 T1 fav: other findings incl. normal karyotype, all negative -> favorable",
        NK,
        NEG,
        "favorable",
    ),
    (
        "ELN2024 T1: karyotype plays no part (-7, complex) all negative -> favorable",
        "44,XY,-5,-7,del(17)(p11)[20]",
        NEG,
        "favorable",
    ),
    (
        "ELN2024 T1: karyotype plays no part (no karyotype) all negative -> favorable",
        None,
        NEG,
        "favorable",
    ),
    (
        "ELN2024 T1: MR genes play no part (ASXL1, RUNX1) -> favorable",
        NK,
        NEG + " ASXL1+ RUNX1+",
        "favorable",
    ),
    (
        "ELN2024 T1 int: TP53 wt + FLT3-ITD pos, RAS untested -> intermediate",
        NK,
        "TP53- FLT3+ITD",
        "intermediate",
    ),
    (
        "ELN2024 T1 int: TP53 wt + KRAS mut, FLT3 untested -> intermediate",
        NK,
        "TP53- KRAS+",
        "intermediate",
    ),
    (
        "ELN2024 info: TP53 wt, FLT3 neg, NRAS untested -> unknown",
        NK,
        "TP53- FLT3- KRAS-",
        "unknown",
    ),
    (
        "ELN2024 T1: FLT3-TKD is not ITD -> favorable",
        NK,
        "FLT3+TKD TP53- NRAS- KRAS- NPM1+",
        "favorable",
    ),
    (
        "ELN2024 info: FLT3 detected without variant text -> unknown",
        NK,
        "FLT3+ TP53- NRAS- KRAS-",
        "unknown",
    ),
    ("ELN2024 info: nothing tested -> unknown", NK, "", "unknown"),
    (
        "ELN2024 info: TP53 row with detected missing = not tested -> unknown",
        NK,
        "TP53? FLT3- NRAS- KRAS-",
        "unknown",
    ),
]
