"""The README's analyst section, command by command, on a freshly refreshed registry.

Every ```bash line, ```sql block, ```python block and (where Rscript is present) ```r block
of "## For analysts" runs as written, with ``demo/warehouse`` and ``demo/`` pointed at the
test's warehouse and a scratch folder: the DuckDB command line opens the file read-only.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.definitions import REPO_ROOT

pytestmark = pytest.mark.xdist_group("default_registry")  # the shared refresh: one worker builds it

README = REPO_ROOT / "README.md"
DUCKDB = REPO_ROOT / ".venv" / "bin" / "duckdb"


def analyst_blocks() -> list[tuple[str, str]]:
    """(language, text) of each fenced block in the README's analysts' section."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## For analysts", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(\w+)\n(.*?)```", section, re.DOTALL)


def _localise(text: str, warehouse: Path, scratch: Path) -> str:
    return (text.replace("demo/warehouse", str(warehouse))
            .replace("demo/export-", f"{scratch}/export-"))


def _run(argv: list[str], stdin: str | None = None, env: dict | None = None):
    run = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=600,
                         cwd=REPO_ROOT, env={**os.environ, **(env or {})})
    assert run.returncode == 0, (argv, run.stdout[-2000:], run.stderr[-2000:])
    return run


def test_the_section_has_the_documented_blocks() -> None:
    languages = [lang for lang, _ in analyst_blocks()]
    assert languages.count("bash") >= 4 and "sql" in languages and "python" in languages
    assert any(".venv/bin/duckdb -readonly" in t for lang, t in analyst_blocks()
               if lang == "bash")


def test_duckdb_command_line_is_in_the_environment_and_opens_the_file(registry_db) -> None:
    assert DUCKDB.exists(), "duckdb-cli is not installed into .venv (uv sync)"
    version = _run([str(DUCKDB), "--version"]).stdout
    assert version.startswith("v1.4."), version
    out = _run([str(DUCKDB), "-readonly", str(registry_db), "-csv", "-noheader", "-c",
                "SELECT count(*) FROM analysis.patients"]).stdout
    assert int(out.strip()) > 100
    refused = subprocess.run([str(DUCKDB), "-readonly", str(registry_db), "-c",
                              "CREATE TABLE analysis.x AS SELECT 1"], capture_output=True,
                             text=True, timeout=60)
    assert "read-only" in refused.stdout + refused.stderr


def test_every_block_runs_as_written(analyst_warehouse, tmp_path) -> None:
    env = {"PATH": f"{REPO_ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    ran = {"bash": 0, "sql": 0, "python": 0, "r": 0}
    for lang, block in analyst_blocks():
        text = _localise(block, analyst_warehouse, tmp_path)
        if lang == "bash":
            for line in text.strip().splitlines():
                argv = shlex.split(line)
                assigned = {}
                while "=" in argv[0] and not argv[0].startswith("."):
                    key, value = argv.pop(0).split("=", 1)
                    assigned[key] = value
                interactive = argv[0].endswith("duckdb") and "-c" not in argv
                _run(argv, stdin="SELECT 42 AS answer;\n" if interactive else None,
                     env={**env, **assigned})
                ran["bash"] += 1
        elif lang == "sql":
            db = analyst_warehouse / "registry.duckdb"
            out = _run([str(DUCKDB), "-readonly", str(db), "-bail"], stdin=text).stdout
            assert "Error" not in out, out
            ran["sql"] += 1
        elif lang == "python":
            _run([sys.executable, "-c", text], env=env)
            ran["python"] += 1
        elif lang == "r":
            if shutil.which("Rscript") is None:
                continue
            script = tmp_path / "block.R"
            script.write_text(text, encoding="utf-8")
            _run(["Rscript", str(script)])
            ran["r"] += 1
    assert ran["bash"] >= 6 and ran["sql"] >= 2 and ran["python"] >= 1, ran
    assert (tmp_path / "export-csv" / "manifest.json").exists()
    assert (tmp_path / "export-parquet" / "manifest.json").exists()
