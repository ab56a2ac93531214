"""Helpers of the generator tests (not in conftest: see tests/extraction/extraction_support.py)."""

from __future__ import annotations

from pathlib import Path


def all_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}
