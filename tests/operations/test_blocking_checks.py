"""The analysis and outcome checks are separate blocking ``@dg.asset_check`` definitions
(issue 16): they run after the asset they guard and before publishing, record their outcome
in ``meta.check_results``, and a failed one keeps the refresh from publishing."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.execution.api import create_execution_plan
from ops_support import TEST_KEY

import assets.publish as publish_assets
from assets import REFRESH_TAG
from assets.analysis import ANALYSIS_CHECKS, analysis_checks, analysis_tables
from assets.analysis import KEYS as ANALYSIS_KEYS
from assets.outcomes import OUTCOME_CHECKS, OUTCOME_KEYS, outcome_analyses, outcome_checks
from assets.publish import published_registry
from assets.resources import WarehouseResource
from assets.sql_checks import run_sql_check
from pipelines.definitions import all_checks, build_definitions
from schemas.registry import REGISTRY
from warehouse.database import Warehouse

PATIENT_KEY_UNIQUE = next(c for c in ANALYSIS_CHECKS if c.name == "patient_key_unique")


def _tiny_warehouse(root: Path, patient_keys: list[str]) -> WarehouseResource:
    """A working database holding only ``analysis.patients`` with these keys."""
    with Warehouse(root).connect() as con:
        con.execute("CREATE TABLE analysis.patients (patient_key TEXT, centre_id TEXT)")
        con.executemany("INSERT INTO analysis.patients (patient_key, centre_id) VALUES ($k, 'LYS')",
                        [{"k": k} for k in patient_keys])
    return WarehouseResource(root=str(root))


def _recorded(root: Path, refresh_id: str) -> list[tuple]:
    with Warehouse(root).connect() as con:
        return con.execute(
            "SELECT asset, check_name, passed, severity, description, details "
            "FROM meta.check_results WHERE refresh_id = $r", {"r": refresh_id}).fetchall()


def test_checks_are_asset_checks_not_computed_in_the_asset_bodies() -> None:
    assert not list(analysis_tables.check_specs)
    assert not list(outcome_analyses.check_specs)
    defined = {key.name for c in all_checks() for key in c.check_keys}
    declared = {c.name for c in (*ANALYSIS_CHECKS, *OUTCOME_CHECKS)}
    assert declared <= defined
    for definition in (*analysis_checks, *outcome_checks):
        assert all(spec.blocking for spec in definition.check_specs)
    # declared in the registry on the tables the assets write, each on its table's asset
    assert {c.asset for c in ANALYSIS_CHECKS} <= set(ANALYSIS_KEYS.values())
    assert {c.asset for c in OUTCOME_CHECKS} <= set(OUTCOME_KEYS.values())
    assert {(c.asset.to_user_string(), c.name) for c in (*ANALYSIS_CHECKS, *OUTCOME_CHECKS)} == {
        (f"{entry.layer}_{entry.name}", check.name) for entry in REGISTRY.values()
        for check in entry.table_checks()}


def test_publishing_waits_for_every_blocking_check_of_the_registry_refresh(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AML_REGISTRY_PSEUDONYM_KEY", TEST_KEY)
    job = build_definitions(tmp_path / "landing", tmp_path / "wh").resolve_job_def(
        "registry_refresh")
    in_job = {key.name for key in job.asset_layer.asset_graph.asset_check_keys}
    assert {c.name for c in (*ANALYSIS_CHECKS, *OUTCOME_CHECKS)} <= in_job
    plan = create_execution_plan(job)
    publish = plan.get_step_by_key("published_registry")
    before = {handle.step_key for step_input in publish.step_inputs
              for handle in step_input.get_step_output_handle_dependencies()}
    check_steps = {f"{c.asset.to_python_identifier()}_{c.name}"
                   for c in (*ANALYSIS_CHECKS, *OUTCOME_CHECKS)}
    assert check_steps <= before


def test_a_unique_patient_key_passes_and_is_recorded(tmp_path: Path) -> None:
    warehouse = _tiny_warehouse(tmp_path, ["P-1", "P-2"])
    result = run_sql_check(PATIENT_KEY_UNIQUE, warehouse, "r-pass")
    assert result.passed and result.metadata["offending_rows"].value == 0
    assert _recorded(tmp_path, "r-pass") == [
        ("analysis_patients", "patient_key_unique", True, "ERROR", "one row per patient_key",
         None)]


def test_a_duplicated_patient_key_fails_the_check_is_recorded_and_blocks_publishing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    warehouse = _tiny_warehouse(tmp_path, ["P-1", "P-dup", "P-dup"])
    result = dg.materialize(
        [*analysis_checks], selection=dg.AssetSelection.checks(
            dg.AssetCheckKey(PATIENT_KEY_UNIQUE.asset, PATIENT_KEY_UNIQUE.name)),
        raise_on_error=False,
        tags={REFRESH_TAG: "r-fail"}, resources={"warehouse": warehouse})
    assert not result.success  # a failed blocking check fails its step
    assert [(e.check_name, e.passed) for e in result.get_asset_check_evaluations()] == [
        ("patient_key_unique", False)]
    (asset, name, passed, severity, _desc, details), = _recorded(tmp_path, "r-fail")
    assert (asset, name, passed, severity) == ("analysis_patients", "patient_key_unique",
                                               False, "ERROR")
    assert json.loads(details) == [{"patient_key": "P-dup", "n": 2}]

    # the tiny warehouse has none of the other tables the dictionary comments
    monkeypatch.setattr(publish_assets, "comment_registry_tables", lambda _con: None)
    publish = dg.materialize([published_registry], raise_on_error=False,
                             tags={REFRESH_TAG: "r-fail"}, resources={"warehouse": warehouse})
    assert not publish.success
    failure = publish.get_step_failure_events()[0].step_failure_data.user_failure_data
    assert "analysis_patients.patient_key_unique" in failure.description
    assert not Warehouse(tmp_path).published_path.exists()
