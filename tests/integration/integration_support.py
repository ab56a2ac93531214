"""Helpers shared by the integration tests (imported by name: tests have no packages)."""

from __future__ import annotations

from pathlib import Path

from warehouse.pseudonym import DEMO_MARKER

TEST_KEY = "integration-test-key-0123456789"


def write_demo_marker(landing: Path) -> None:
    """Mark a generated landing area as synthetic, as `aml-registry generate` does.

    The marker alone never selects the demo key: a refresh uses the session's test key
    (tests/support/registry_keys.py) unless demo mode is chosen explicitly
    (``run_refresh(..., demo=True)``, ``--demo``, ``AML_REGISTRY_DEMO=1``), which the marker
    then allows.
    """
    (landing / DEMO_MARKER).write_text("synthetic\n", encoding="utf-8")
