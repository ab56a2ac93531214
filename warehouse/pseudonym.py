"""Pseudonymisation of patient identifiers with a keyed hash, and the key's fingerprint.

Source: ../shared/spec/architecture.md ("Operations"): local identifiers are replaced by a
keyed hash (HMAC-SHA256, RFC 2104) whose key comes from the environment, never the repo.
The same key gives the same pseudonym in every refresh, so a key change would silently
replace every patient key: the warehouse keeps a fingerprint of its key (an HMAC of a fixed
label, never the key itself) and a refresh with another key is refused (issue 18).

Demo mode (the public demo key) is a deliberate choice (``aml-registry refresh --demo`` or
``AML_REGISTRY_DEMO=1``), never inferred from the landing area; it is allowed only on a
synthetic landing area (one with ``SYNTHETIC_REGISTRY.txt``), and the fingerprint keeps a
demo warehouse from ever taking a real key and a real warehouse from ever taking the demo key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

PSEUDONYM_KEY_ENV = "AML_REGISTRY_PSEUDONYM_KEY"
#: The previous key, read only by ``aml-registry rekey``.
OLD_PSEUDONYM_KEY_ENV = "AML_REGISTRY_OLD_PSEUDONYM_KEY"
#: ``1`` (or ``true``/``yes``) selects demo mode, like ``aml-registry refresh --demo``.
DEMO_ENV = "AML_REGISTRY_DEMO"
DEMO_PSEUDONYM_KEY = "DEMO-KEY-synthetic-registry-only-NOT-SECRET"
DEMO_MARKER = "SYNTHETIC_REGISTRY.txt"
MIN_KEY_LENGTH = 16
#: The fixed label whose HMAC under the key is the key's fingerprint (RFC 2104).
FINGERPRINT_LABEL = b"aml-registry/pseudonym-key-fingerprint/v1"
DEMO_MODE = "demo"
PRODUCTION_MODE = "production"


class PseudonymKeyError(RuntimeError):
    """The pseudonymisation key is missing, malformed or not the warehouse's key."""


class MissingPseudonymKeyError(PseudonymKeyError):
    """The pseudonymisation key is not set (and demo mode was not chosen)."""


class KeyMismatchError(PseudonymKeyError):
    """The key is not the one the warehouse was built with (see ``aml-registry rekey``)."""


@dataclass(frozen=True)
class PseudonymSecret:
    """The key of one run and its mode (``production`` or ``demo``). The key never leaves
    the process: only :attr:`fingerprint` is stored."""

    key: bytes
    mode: str

    @property
    def fingerprint(self) -> str:
        return key_fingerprint(self.key)

    def __repr__(self) -> str:  # never print the key
        return f"PseudonymSecret(mode={self.mode!r}, fingerprint={self.fingerprint[:8]}...)"


def pseudonym(key: bytes, centre_id: str, patient_id: str) -> str:
    """The patient's pseudonymous key: first 20 hex digits of HMAC-SHA256(centre:patient)."""
    message = f"{centre_id}\x1f{patient_id}".encode()
    return "P" + hmac.new(key, message, hashlib.sha256).hexdigest()[:20]


def pseudonyms(key: bytes, centre_ids: Iterable[str], patient_ids: Iterable[str]) -> list[str]:
    """Pseudonyms for aligned sequences of centre and patient identifiers (the reference the
    in-database pseudonyms of ``sql/pseudonymisation/pseudonym_macro.sql`` are tested on)."""
    return [pseudonym(key, c, p) for c, p in zip(centre_ids, patient_ids, strict=True)]


def hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """The inner and outer padded keys of HMAC-SHA256, ``K0 xor ipad`` and ``K0 xor opad``
    (RFC 2104 section 2: K0 is the key, hashed first if longer than the 64-byte block, padded
    with zero bytes to 64), so that HMAC(K, m) = H(outer || H(inner || m)).

    They let DuckDB compute the pseudonyms with its ``sha256``; like the key they are only ever
    passed as query parameters (never stored, never in SQL text, logs or metadata)."""
    block = 64
    k0 = hashlib.sha256(key).digest() if len(key) > block else key
    k0 = k0.ljust(block, b"\x00")
    return bytes(b ^ 0x36 for b in k0), bytes(b ^ 0x5C for b in k0)


def pseudonym_parameters(key: bytes) -> dict[str, bytes]:
    """The named query parameters (``$inner_key``, ``$outer_key``) of the in-database pseudonym
    SQL (``sql/pseudonymisation``): the two padded keys of :func:`hmac_pads`."""
    inner, outer = hmac_pads(key)
    return {"inner_key": inner, "outer_key": outer}


def key_fingerprint(key: bytes) -> str:
    """HMAC-SHA256 of a fixed label under the key (hex): identifies a key, reveals nothing of
    it (RFC 2104; the same construction as the pseudonyms, on a label no patient has)."""
    return hmac.new(key, FINGERPRINT_LABEL, hashlib.sha256).hexdigest()


def demo_requested(environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``AML_REGISTRY_DEMO`` selects demo mode (``1``, ``true``, ``yes``, ``on``)."""
    value = (environ if environ is not None else os.environ).get(DEMO_ENV, "")
    return value.strip().lower() in {"1", "true", "yes", "on"}


def secret_from_text(key: str, variable: str = PSEUDONYM_KEY_ENV) -> PseudonymSecret:
    """A production secret from the text of a key; at least 16 characters."""
    if len(key) < MIN_KEY_LENGTH:
        raise PseudonymKeyError(f"{variable} must be at least {MIN_KEY_LENGTH} characters long")
    return PseudonymSecret(key.encode("utf-8"), PRODUCTION_MODE)


def demo_secret() -> PseudonymSecret:
    """The public, labelled demo key (synthetic registry only)."""
    return PseudonymSecret(DEMO_PSEUDONYM_KEY.encode("utf-8"), DEMO_MODE)


def resolve_pseudonym_secret(demo: bool, landing: Path | None = None,
                             environ: Mapping[str, str] | None = None) -> PseudonymSecret:
    """The run's secret: the key from ``AML_REGISTRY_PSEUDONYM_KEY``, or the demo key when demo
    mode was chosen explicitly.

    Demo mode needs a synthetic landing area (``SYNTHETIC_REGISTRY.txt``, written by
    ``aml-registry generate``) and an unset key variable: the marker alone never selects it.
    """
    env = environ if environ is not None else os.environ
    key = env.get(PSEUDONYM_KEY_ENV, "")
    if demo:
        if key:
            raise PseudonymKeyError(
                f"demo mode was chosen but {PSEUDONYM_KEY_ENV} is set: choose one (unset the "
                "variable for the synthetic demo, or drop --demo/AML_REGISTRY_DEMO for real data)")
        if landing is not None and not (Path(landing) / DEMO_MARKER).exists():
            raise PseudonymKeyError(
                f"demo mode refused: {landing} has no {DEMO_MARKER} (written by `aml-registry "
                "generate`); the public demo key is for the synthetic registry only")
        return demo_secret()
    if not key:
        raise MissingPseudonymKeyError(
            f"{PSEUDONYM_KEY_ENV} is not set. Set it to the registry's secret pseudonymisation "
            f"key (at least {MIN_KEY_LENGTH} characters; keep it out of the repository), or "
            "choose demo mode explicitly for the synthetic registry (`aml-registry refresh "
            f"--demo` or {DEMO_ENV}=1).")
    return secret_from_text(key)


@dataclass(frozen=True)
class StoredKey:
    """What the warehouse remembers of its key: the fingerprint and the mode."""

    fingerprint: str
    mode: str


def key_mismatch_message(stored: StoredKey, secret: PseudonymSecret) -> str | None:
    """Why ``secret`` may not be used on a warehouse built with ``stored`` (None: it may)."""
    if stored.fingerprint == secret.fingerprint and stored.mode == secret.mode:
        return None
    if stored.mode == DEMO_MODE and secret.mode != DEMO_MODE:
        return ("this warehouse is a DEMO warehouse (synthetic data on the public demo key): "
                "refusing to use it with a real key. Use a new warehouse folder for real data.")
    if stored.mode != DEMO_MODE and secret.mode == DEMO_MODE:
        return ("this warehouse holds data pseudonymised with a real key: refusing demo mode "
                f"(unset {DEMO_ENV}, drop --demo and set {PSEUDONYM_KEY_ENV}).")
    return (f"{PSEUDONYM_KEY_ENV} is not the key this warehouse was built with (key "
            f"fingerprint {secret.fingerprint[:8]}..., warehouse {stored.fingerprint[:8]}...): "
            "refusing to refresh, which would replace every patient_key. If the key was "
            f"changed on purpose, run `aml-registry rekey --warehouse W` with the old key in "
            f"{OLD_PSEUDONYM_KEY_ENV} and the new one in {PSEUDONYM_KEY_ENV}.")
