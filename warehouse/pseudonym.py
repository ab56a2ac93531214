"""Pseudonymisation of patient identifiers with a keyed hash.

Source: ../shared/spec/architecture.md ("Operations"): local identifiers are replaced by a
keyed hash (HMAC-SHA256, RFC 2104) whose key comes from the environment, never the repo.
The same key gives the same pseudonym in every refresh.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable

PSEUDONYM_KEY_ENV = "AML_REGISTRY_PSEUDONYM_KEY"
DEMO_PSEUDONYM_KEY = "DEMO-KEY-synthetic-registry-only-NOT-SECRET"
DEMO_MARKER = "SYNTHETIC_REGISTRY.txt"


class MissingPseudonymKeyError(RuntimeError):
    """The pseudonymisation key is not set outside the synthetic demo."""


def pseudonym(key: bytes, centre_id: str, patient_id: str) -> str:
    """The patient's pseudonymous key: first 20 hex digits of HMAC-SHA256(centre:patient)."""
    message = f"{centre_id}\x1f{patient_id}".encode()
    return "P" + hmac.new(key, message, hashlib.sha256).hexdigest()[:20]


def pseudonyms(key: bytes, centre_ids: Iterable[str], patient_ids: Iterable[str]) -> list[str]:
    """Pseudonyms for aligned sequences of centre and patient identifiers."""
    return [pseudonym(key, c, p) for c, p in zip(centre_ids, patient_ids, strict=True)]


def resolve_pseudonym_key(landing_is_synthetic: bool) -> tuple[str, bool]:
    """The key from the environment, or the labelled demo key for the synthetic registry.

    Returns (key, is_demo_key). Raises :class:`MissingPseudonymKeyError` when the variable is unset
    and the landing area is not the bundled synthetic registry.
    """
    key = os.environ.get(PSEUDONYM_KEY_ENV, "")
    if key:
        if len(key) < 16:
            raise MissingPseudonymKeyError(f"{PSEUDONYM_KEY_ENV} must be at least 16 characters")
        return key, False
    if landing_is_synthetic:
        return DEMO_PSEUDONYM_KEY, True
    raise MissingPseudonymKeyError(
        f"{PSEUDONYM_KEY_ENV} is not set. Set it to the registry's secret pseudonymisation key "
        "(at least 16 characters; keep it out of the repository). Only a synthetic demo "
        f"registry (with {DEMO_MARKER}) may run without it, on a labelled demo key.")
