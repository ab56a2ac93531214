"""Asset lineage from the table registry: an entry's dependencies as the assets holding them.

Source: issue 16 ("lineage from the registry, not from a hand-written dependency dict").
"""

from __future__ import annotations

from collections.abc import Iterable

import dagster as dg

from schemas.registry import Table


def registry_deps(entry: Table, assets: Iterable[dg.AssetKey]) -> list[dg.AssetKey]:
    """The assets of ``entry``'s dependencies, in registry order, among ``assets``.

    A dependency written by the same producer (e.g. ``harmonised.patient_keys`` inside
    ``analysis_tables``) or not held by an asset of ``assets`` adds no edge.
    """
    known = {key.to_user_string(): key for key in assets}
    out: list[dg.AssetKey] = []
    for dependency in entry.dependencies:
        layer, name = dependency.split(".")
        key = known.get(f"{layer}_{name}")
        if key is not None and key not in out:
            out.append(key)
    return out
