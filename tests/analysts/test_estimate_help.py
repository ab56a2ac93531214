"""``aml-registry estimate --help`` names each method's columns; a missing column is named.

The help text (pipelines.cli.ESTIMATE_HELP) and the validation (survival_stats.query.
METHOD_COLUMNS) must say the same; every example of the help runs on a real query.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import ESTIMATE_HELP, build_parser, main
from survival_stats.query import METHOD_COLUMNS, METHODS, QueryColumnsError, estimate_from_duckdb


def _help_text(capsys) -> str:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["estimate", "--help"])
    return capsys.readouterr().out


@pytest.mark.parametrize("method", METHODS)
def test_help_names_the_columns_each_method_expects(method, capsys) -> None:
    text = _help_text(capsys)
    line = next(line for line in text.splitlines() if line.strip().startswith(f"{method} "))
    for column in METHOD_COLUMNS[method][0]:
        assert column in line, f"{method}: {column} not named in {line!r}"
    if method == "cox":
        assert "covariates" in line
    if method in ("logrank", "gray"):
        assert re.search(r"\), group\b", line), "group must be shown as required"


@pytest.mark.parametrize("method", METHODS)
def test_help_shows_one_example_per_method(method, capsys) -> None:
    text = _help_text(capsys)
    assert len(re.findall(rf"--method {method}\b", text)) == 1


@pytest.fixture(scope="module")
def example_db(tmp_path_factory) -> Path:
    """A file with the published layout's columns the examples use."""
    path = tmp_path_factory.mktemp("help") / "registry.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA analysis")
    con.execute(
        "CREATE TABLE analysis.patient_endpoints AS SELECT 'k' || i AS patient_key, "
        "'azaven_rr' AS cohort, e.endpoint, 30 + (i * 37) % 900 AS time_days, "
        "CASE WHEN e.endpoint = 'OS' THEN (i % 3 = 0)::INT ELSE i % 3 END AS status, "
        "['post_ic', 'post_hma', 'molecular_relapse'][1 + i % 3] AS salvage_setting, "
        "CASE WHEN i % 4 = 0 THEN 'positive' ELSE 'negative' END AS mrd_pre_hsct, "
        "(i % 5 <> 0) AS c1_response "
        "FROM range(1, 121) r(i), (VALUES ('OS'), ('CIR')) e(endpoint)")
    con.close()
    return path


def _examples(text: str) -> list[list[str]]:
    """The example commands of the help (a line starting with the command and its deeper
    indented continuation lines), split as a POSIX shell would (shlex)."""
    blocks: list[list[str]] = []
    for line in text.splitlines():
        if line.strip().startswith("aml-registry estimate"):
            blocks.append([line])
        elif blocks and line.startswith("    ") and blocks[-1] is not None:
            blocks[-1].append(line)
        elif blocks:
            blocks.append(None)
    return [shlex.split("\n".join(b).replace("\\\n", " ")) for b in blocks if b]


def test_every_help_example_runs(example_db, capsys) -> None:
    examples = _examples(ESTIMATE_HELP)
    methods = [argv[argv.index("--method") + 1] for argv in examples]
    assert sorted(methods) == sorted(METHODS)
    for argv in examples:
        assert argv[:2] == ["aml-registry", "estimate"]
        argv[argv.index("--db") + 1] = str(example_db)
        assert main(argv[1:]) == 0, (argv, capsys.readouterr().err)


@pytest.mark.parametrize("method,column", [(m, c) for m in METHODS
                                           for c in METHOD_COLUMNS[m][0]])
def test_a_query_lacking_a_column_gets_an_error_naming_column_and_method(
        method, column, example_db, capsys) -> None:
    returned = {"time": "time_days AS time", "status": "status",
                "group": 'salvage_setting AS "group"'}
    select = [expr for name, expr in returned.items() if name != column]
    if method == "cox":
        select.append("c1_response")
    sql = (f"SELECT {', '.join(select)} FROM analysis.patient_endpoints "
           "WHERE endpoint = 'OS'")
    with pytest.raises(QueryColumnsError) as raised:
        estimate_from_duckdb(str(example_db), sql, method)
    message = str(raised.value)
    assert f"method {method}" in message and f"'{column}'" in message
    assert main(["estimate", "--db", str(example_db), "--method", method, "--sql", sql]) == 2
    assert f"method {method} needs a column named '{column}'" in capsys.readouterr().err


def test_cox_without_a_covariate_is_named(example_db) -> None:
    with pytest.raises(QueryColumnsError, match="method cox needs at least one covariate"):
        estimate_from_duckdb(str(example_db), "SELECT time_days AS time, status FROM "
                             "analysis.patient_endpoints WHERE endpoint = 'OS'", "cox")
