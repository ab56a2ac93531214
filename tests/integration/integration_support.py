"""Helpers shared by the integration tests (imported by name: tests have no packages)."""

from __future__ import annotations

from pathlib import Path

from warehouse.pseudonym import DEMO_MARKER

TEST_KEY = "integration-test-key-0123456789"


def write_demo_marker(landing: Path) -> None:
    """Mark a generated landing area as synthetic (the demo key is then allowed)."""
    (landing / DEMO_MARKER).write_text("synthetic\n", encoding="utf-8")
