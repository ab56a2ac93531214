"""``estimate_from_duckdb`` on the reference CSVs loaded into a temporary DuckDB file."""

from __future__ import annotations

import json

import duckdb
import pytest

from survival_stats.query import estimate_from_duckdb, format_table


@pytest.fixture(scope="module")
def db(tmp_path_factory, reference_dir) -> str:
    path = str(tmp_path_factory.mktemp("duck") / "ref.duckdb")
    con = duckdb.connect(path)
    con.execute(f"CREATE TABLE lung AS SELECT * FROM read_csv_auto('{reference_dir / 'lung.csv'}')")
    con.execute(f"CREATE TABLE mgus2 AS SELECT * FROM read_csv_auto('{reference_dir / 'mgus2.csv'}')")
    con.close()
    return path


LUNG_KM = 'SELECT time, CAST(status = 2 AS INT) AS status, CAST(sex AS VARCHAR) AS "group" FROM lung'
MGUS = ("SELECT CASE WHEN pstat = 0 THEN futime ELSE ptime END AS time, "
        "CASE WHEN pstat = 0 THEN 2 * death ELSE 1 END AS status, sex AS \"group\" FROM mgus2")


def test_km_json_matches_r(db, lung_ref, close):
    res = estimate_from_duckdb(db, LUNG_KM, "km", [180, 365, 730], ci="log")
    assert set(res) == {"method", "n", "estimates", "median", "tests"}
    assert res["n"] == 228
    ref = lung_ref["km"]["by_sex"]["log"]
    for est, row in zip(res["estimates"], ref["at_times"], strict=True):
        assert est["group"] == row["group"] and est["time"] == row["time"]
        assert est["cause"] is None and est["n_risk"] == row["n_risk"]
        assert close(est["estimate"], row["surv"], 1e-12)
        assert close(est["se"], row["se_surv"], 1e-12)
        assert close([est["lower"], est["upper"]], [row["lower"], row["upper"]], 1e-12)
    for med, row in zip(res["median"], ref["median"], strict=True):
        assert close([med["median"], med["lower"], med["upper"]],
                     [row["median"], row["median_lower"], row["median_upper"]], 1e-12)
    (test,) = res["tests"]
    assert close(test["statistic"], lung_ref["logrank_sex"]["chisq"], rel_tol=1e-9)
    json.dumps(res, allow_nan=False)


def test_km_log_log_and_null_upper_median(db, lung_ref, close):
    res = estimate_from_duckdb(db, LUNG_KM.replace(', CAST(sex AS VARCHAR) AS "group"', ""),
                               "km", [180], ci="log-log")
    row = lung_ref["km"]["overall"]["log_log"]["at_times"][0]
    assert res["estimates"][0]["group"] is None
    assert close(res["estimates"][0]["lower"], row["lower"], 1e-12)
    assert "tests" not in res


def test_cif_and_gray_json_match_cmprsk(db, mgus2_ref, close):
    res = estimate_from_duckdb(db, MGUS, "cif", [60, 120, 240, 360])
    assert set(res) == {"method", "n", "estimates", "tests"}
    got = {(e["group"], e["cause"], e["time"]): e for e in res["estimates"]}
    for row in mgus2_ref["cuminc"]["cif"]:
        e = got[(row["group"], row["cause"], row["time"])]
        assert close(e["estimate"], row["estimate"], 1e-12)
        assert close(e["se"], row["se"], 1e-12)
    gray = estimate_from_duckdb(db, MGUS, "gray", None)
    assert set(gray) == {"method", "n", "tests"}
    for t, row in zip(gray["tests"], mgus2_ref["cuminc"]["gray_test"], strict=True):
        assert t["cause"] == row["cause"] and t["df"] == row["df"]
        assert close([t["statistic"], t["p"]], [row["statistic"], row["p"]], rel_tol=1e-9)


def test_logrank_and_cox_json(db, lung_ref, close):
    lr = estimate_from_duckdb(db, LUNG_KM, "logrank", None)
    assert set(lr) == {"method", "n", "tests"}
    assert close(lr["tests"][0]["p"], lung_ref["logrank_sex"]["p"], rel_tol=1e-9)
    cox = estimate_from_duckdb(
        db, 'SELECT time, CAST(status = 2 AS INT) AS status, age, sex, "ph.ecog" FROM lung', "cox")
    assert set(cox) == {"method", "n", "coefficients"}
    assert cox["n"] == lung_ref["cox"]["rows_used"]
    for c, row in zip(cox["coefficients"], lung_ref["cox"]["efron"]["coefficients"], strict=True):
        assert c["term"] == row["term"]
        assert close([c["coef"], c["se"], c["hr"], c["lower"], c["upper"], c["p"]],
                     [row["coef"], row["se"], row["hr"], row["hr_lower95"], row["hr_upper95"],
                      row["p_wald"]], rel_tol=1e-6)


def test_cox_text_covariate_uses_alphabetical_reference(db):
    res = estimate_from_duckdb(
        db, "SELECT CASE WHEN pstat = 0 THEN futime ELSE ptime END AS time, death AS status, "
            "sex, age FROM mgus2", "cox")
    assert [c["term"] for c in res["coefficients"]] == ["sexM", "age"]


def test_format_table_and_nan_to_null(db):
    res = estimate_from_duckdb(db, LUNG_KM, "km", [180, 5000])
    text = format_table(res)
    assert "median" in text and "estimates" in text
    toy = estimate_from_duckdb(db, "SELECT * FROM (VALUES (1.0, 1), (2.0, 1)) t(time, status)",
                               "km", [1.5, 3.0])
    assert toy["median"][0]["upper"] is None          # never reached -> NA -> null
    assert toy["estimates"][1]["lower"] is None       # S = 0 -> log CI undefined
    json.dumps(toy, allow_nan=False)
    with pytest.raises(ValueError):
        estimate_from_duckdb(db, "SELECT 1 AS time", "km")
