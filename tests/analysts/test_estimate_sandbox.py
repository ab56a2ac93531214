"""``aml-registry estimate --sql`` runs analysts' SQL sandboxed: it can only read --db.

The attempts of issue 18 (COPY ... TO wrote a file, read_csv('/etc/passwd') returned rows,
ATTACH of the restricted database returned local IDs, INSTALL httpfs tried the network) and
their neighbours must each be refused with a clear error, by the statement check of
``estimate`` and, underneath it, by the connection's DuckDB settings.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main
from survival_stats.query import (
    SANDBOX_CONFIG,
    QueryRefusedError,
    estimate_from_duckdb,
    sandboxed_connection,
)


@pytest.fixture()
def databases(tmp_path: Path) -> tuple[Path, Path]:
    """An analysts' file and, beside it, a 'restricted' file holding local identifiers."""
    published, restricted = tmp_path / "registry.duckdb", tmp_path / "restricted.duckdb"
    con = duckdb.connect(str(published))
    con.execute("CREATE TABLE endpoints AS SELECT range::INT AS time_days, "
                "(range % 3 = 0)::INT AS status, CASE WHEN range % 2 = 0 THEN 'a' ELSE 'b' END "
                "AS arm FROM range(1, 41)")
    con.close()
    con = duckdb.connect(str(restricted))
    con.execute("CREATE TABLE patients AS SELECT 'LYS-0001' AS patient_id, "
                "DATE '1960-01-02' AS birth_date")
    con.close()
    (tmp_path / "host.csv").write_text("secret\nLYS-0001\n", encoding="utf-8")
    return published, restricted


def _attempts(tmp_path: Path, published: Path, restricted: Path) -> dict[str, str]:
    return {
        "COPY TO a file": f"COPY endpoints TO '{tmp_path / 'stolen.csv'}'",
        "COPY TO the database's own WAL": f"COPY endpoints TO '{published}.wal'",
        "EXPORT DATABASE": f"EXPORT DATABASE '{tmp_path / 'dump'}'",
        "read_csv of a host file": "SELECT * FROM read_csv('/etc/passwd')",
        "a host file by path": f"SELECT * FROM '{tmp_path / 'host.csv'}'",
        "glob of the host": "SELECT * FROM glob('/etc/*')",
        "ATTACH the restricted database": f"ATTACH '{restricted}' AS r",
        "INSTALL an extension": "INSTALL httpfs",
        "LOAD an extension": "LOAD httpfs",
        "a remote file": "SELECT * FROM read_parquet('https://example.org/x.parquet')",
        "turning external access back on": "SET enable_external_access = true",
        "unlocking the configuration": "SET lock_configuration = false",
    }


def _written(tmp_path: Path, published: Path) -> list[Path]:
    return [p for p in (tmp_path / "stolen.csv", Path(f"{published}.wal"), tmp_path / "dump")
            if p.exists()]


@pytest.mark.parametrize("attempt", [
    "COPY TO a file", "COPY TO the database's own WAL", "EXPORT DATABASE",
    "read_csv of a host file", "a host file by path", "glob of the host",
    "ATTACH the restricted database", "INSTALL an extension", "LOAD an extension",
    "a remote file", "turning external access back on", "unlocking the configuration"])
def test_estimate_refuses_anything_but_reading_the_file(attempt, databases, tmp_path,
                                                        capsys) -> None:
    published, restricted = databases
    sql = _attempts(tmp_path, published, restricted)[attempt]
    with pytest.raises(QueryRefusedError, match="refused"):
        estimate_from_duckdb(str(published), sql, "km")
    assert main(["estimate", "--db", str(published), "--sql", sql, "--method", "km"]) == 2
    err = capsys.readouterr().err
    assert "QueryRefusedError" in err and "refused" in err and str(published) in err
    assert _written(tmp_path, published) == []


@pytest.mark.parametrize("sql", [
    "SELECT time_days AS time, status FROM endpoints; COPY endpoints TO '{out}'",
    "SELECT time_days AS time, status FROM endpoints; ATTACH '{restricted}' AS r",
])
def test_a_select_cannot_smuggle_a_second_statement(sql, databases, tmp_path) -> None:
    published, restricted = databases
    with pytest.raises(QueryRefusedError, match=r"SELECT \+ (COPY|ATTACH)"):
        estimate_from_duckdb(str(published), sql.format(out=tmp_path / "stolen.csv",
                                                        restricted=restricted), "km")
    assert _written(tmp_path, published) == []


def test_selects_that_read_files_are_refused_by_the_connection_itself(databases) -> None:
    published, restricted = databases
    with pytest.raises(QueryRefusedError, match="disabled by configuration"):
        estimate_from_duckdb(str(published), "SELECT 1 AS time, 1 AS status FROM "
                             "read_csv('/etc/passwd') LIMIT 1", "km")
    with pytest.raises(QueryRefusedError, match="disabled by configuration"):
        estimate_from_duckdb(str(published), "SELECT time_days AS time, status FROM "
                             f"endpoints, (SELECT * FROM '{published.parent / 'host.csv'}')", "km")


@pytest.mark.parametrize("attempt", [
    "COPY TO a file", "EXPORT DATABASE", "read_csv of a host file", "a host file by path",
    "glob of the host", "ATTACH the restricted database", "INSTALL an extension",
    "LOAD an extension", "a remote file", "turning external access back on",
    "unlocking the configuration"])
def test_the_sandboxed_connection_refuses_on_its_own(attempt, databases, tmp_path) -> None:
    """Below the statement check: DuckDB's settings refuse the same attempts."""
    published, restricted = databases
    con = sandboxed_connection(str(published))
    try:
        with pytest.raises(duckdb.Error, match="disabled|locked|read-only"):
            con.execute(_attempts(tmp_path, published, restricted)[attempt]).fetchall()
    finally:
        con.close()
    assert not (tmp_path / "stolen.csv").exists() and not (tmp_path / "dump").exists()


def test_the_sandbox_settings_are_in_force(databases) -> None:
    published, _ = databases
    con = sandboxed_connection(str(published))
    try:
        settings = dict(con.execute(
            "SELECT name, value FROM duckdb_settings() WHERE name IN "
            "('enable_external_access', 'autoinstall_known_extensions', "
            "'autoload_known_extensions', 'lock_configuration')").fetchall())
        read_only = con.execute("SELECT readonly FROM duckdb_databases() "
                                "WHERE database_name = current_database()").fetchone()[0]
    finally:
        con.close()
    assert settings == {name: str(value).lower() for name, value in SANDBOX_CONFIG.items()}
    assert read_only is True


def test_the_sandbox_opens_a_file_the_process_already_holds_open(databases) -> None:
    """An analyst's own read-only connection (other settings) does not block estimate."""
    published, _ = databases
    own = duckdb.connect(str(published), read_only=True)
    try:
        result = estimate_from_duckdb(str(published), "SELECT time_days AS time, status "
                                      "FROM endpoints", "km", [10.0])
        assert result["n"] == 40
        with pytest.raises(QueryRefusedError):
            estimate_from_duckdb(str(published), "SELECT * FROM read_csv('/etc/passwd')", "km")
    finally:
        own.close()


def test_an_ordinary_query_still_runs(databases) -> None:
    published, _ = databases
    result = estimate_from_duckdb(
        str(published), 'WITH e AS (SELECT * FROM endpoints) SELECT time_days AS time, '
        'status, arm AS "group" FROM e', "km", [10.0, 20.0])
    assert result["n"] == 40 and {e["group"] for e in result["estimates"]} == {"a", "b"}
