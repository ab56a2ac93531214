"""The pseudonymisation key of the tests (on the test path through ``tests/support``).

A refresh needs either the key (``AML_REGISTRY_PSEUDONYM_KEY``) or demo mode chosen
explicitly (``run_refresh(..., demo=True)``, ``aml-registry refresh --demo`` or
``AML_REGISTRY_DEMO=1``, on a landing area with ``SYNTHETIC_REGISTRY.txt``): the marker alone
never selects the demo key. Loaded as a pytest plugin (``-p registry_keys`` in
pyproject.toml), this module sets :data:`SESSION_TEST_KEY` for the whole session (unless a
key is already set) and clears ``AML_REGISTRY_DEMO``, so a test that refreshes a synthetic
landing area works as before; a test that needs another key or demo mode sets it itself (``monkeypatch.setenv``/``delenv``, or :func:`demo_environment`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from warehouse.pseudonym import DEMO_ENV, OLD_PSEUDONYM_KEY_ENV, PSEUDONYM_KEY_ENV

#: Not a secret: the key of test warehouses only.
SESSION_TEST_KEY = "pytest-session-key-0123456789"


def install_session_key(environ: dict[str, str] | None = None) -> None:
    """Set the session's test key (unless one is set) and leave demo mode unchosen."""
    env = os.environ if environ is None else environ
    env.setdefault(PSEUDONYM_KEY_ENV, SESSION_TEST_KEY)
    env.pop(DEMO_ENV, None)


def key_environment(key: str | None, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of the environment with ``key`` as the pseudonymisation key (None: unset)."""
    env = {k: v for k, v in (os.environ if base is None else base).items()
           if k not in (PSEUDONYM_KEY_ENV, OLD_PSEUDONYM_KEY_ENV, DEMO_ENV)}
    if key is not None:
        env[PSEUDONYM_KEY_ENV] = key
    return env


def demo_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of the environment in demo mode: no key, ``AML_REGISTRY_DEMO=1``."""
    env = key_environment(None, base)
    env[DEMO_ENV] = "1"
    return env


def pytest_configure(config) -> None:
    """Loaded as a plugin (``-p registry_keys`` in pyproject.toml's addopts): every test
    session, and every xdist worker, starts with the session key and demo mode unchosen."""
    install_session_key()
