"""Demo mode (the public demo key) is a deliberate choice: `--demo` or AML_REGISTRY_DEMO=1,
on a synthetic landing area only. A copied SYNTHETIC_REGISTRY.txt never selects it."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest
from privacy_support import PRIVACY_KEY, run_cli
from registry_keys import demo_environment, key_environment

from assets.resources import PseudonymKey
from pipelines.definitions import build_definitions
from warehouse.pseudonym import (
    DEMO_ENV,
    DEMO_MARKER,
    DEMO_MODE,
    PRODUCTION_MODE,
    PSEUDONYM_KEY_ENV,
    MissingPseudonymKeyError,
    PseudonymKeyError,
    demo_requested,
    resolve_pseudonym_secret,
)

pytestmark = pytest.mark.xdist_group("privacy")


@pytest.mark.parametrize(("demo", "key", "marker", "expected"), [
    (False, PRIVACY_KEY, True, PRODUCTION_MODE),
    (False, PRIVACY_KEY, False, PRODUCTION_MODE),
    (False, None, True, "is not set"),          # the marker alone never selects demo mode
    (False, None, False, "is not set"),
    (True, None, True, DEMO_MODE),
    (True, None, False, f"has no {DEMO_MARKER}"),
    (True, PRIVACY_KEY, True, "choose one"),
    (False, "short-key", False, "at least 16"),
])
def test_demo_mode_only_when_chosen_and_only_on_a_synthetic_landing(
        tmp_path: Path, demo: bool, key: str | None, marker: bool, expected: str) -> None:
    if marker:
        (tmp_path / DEMO_MARKER).write_text("synthetic\n")
    environ = {PSEUDONYM_KEY_ENV: key} if key else {}
    if expected in (PRODUCTION_MODE, DEMO_MODE):
        assert resolve_pseudonym_secret(demo, tmp_path, environ).mode == expected
    else:
        with pytest.raises(PseudonymKeyError, match=expected):
            resolve_pseudonym_secret(demo, tmp_path, environ)


@pytest.mark.parametrize(("value", "chosen"), [
    ("1", True), ("true", True), ("YES", True), ("on", True),
    ("", False), ("0", False), ("false", False), ("no", False),
])
def test_the_demo_variable(value: str, chosen: bool) -> None:
    assert demo_requested({DEMO_ENV: value}) is chosen


def test_the_definitions_pass_the_key_by_name_or_choose_demo(tmp_path: Path) -> None:
    defs = build_definitions(tmp_path, tmp_path / "wh")
    resource = defs.resources["pseudonym"]
    assert not resource.demo
    assert isinstance(resource.key, dg.EnvVar) and resource.key == PSEUDONYM_KEY_ENV
    demo = build_definitions(tmp_path, tmp_path / "wh", demo=True).resources["pseudonym"]
    assert demo.demo and demo.key is None
    with pytest.raises(PseudonymKeyError, match=DEMO_MARKER):
        PseudonymKey(demo=True, landing=str(tmp_path)).secret()
    (tmp_path / DEMO_MARKER).write_text("synthetic\n")
    assert PseudonymKey(demo=True, landing=str(tmp_path)).secret().mode == DEMO_MODE


def test_a_synthetic_marker_without_demo_mode_needs_the_key(privacy_landing: Path,
                                                             tmp_path: Path) -> None:
    proc = run_cli(["refresh", "--landing", str(privacy_landing), "--warehouse",
                    str(tmp_path / "wh")], key_environment(None), timeout=300)
    assert proc.returncode == 2
    assert "AML_REGISTRY_PSEUDONYM_KEY is not set" in proc.stderr and "--demo" in proc.stderr
    assert not (tmp_path / "wh").exists()


def test_demo_mode_on_a_real_landing_is_refused(privacy_landing: Path, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(privacy_landing, landing)
    (landing / DEMO_MARKER).unlink()
    for args, env in ((["--demo"], key_environment(None)), ([], demo_environment())):
        proc = run_cli(["refresh", "--landing", str(landing), "--warehouse",
                        str(tmp_path / "wh"), *args], env, timeout=300)
        assert proc.returncode == 2
        assert f"has no {DEMO_MARKER}" in proc.stderr
    assert not (tmp_path / "wh").exists()


def test_generate_says_the_marker_never_selects_demo_mode(tmp_path: Path) -> None:
    proc = run_cli(["generate", str(tmp_path / "landing"), "--patients", "60"],
                   key_environment(None), timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "never" in (tmp_path / "landing" / DEMO_MARKER).read_text()


def test_missing_key_error_is_a_key_error() -> None:
    assert issubclass(MissingPseudonymKeyError, PseudonymKeyError)
