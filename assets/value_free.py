"""Value-free step failures: Dagster's logs never quote a patient's value (issue 18).

An unexpected error's text may quote a source value (a conversion error names the value it
could not convert, a key error the local identifier it missed). Dagster keeps a failed
step's message and traceback in its run storage and event log, outside the restricted
database; so every step, per centre or registry-wide, fails with the error's *type and
place* only (the step, and the file, line and function where it was raised), while the full
text goes to the restricted ``quarantine.errors``. Schedules and sensors fail the same way
(:func:`value_free_tick`), their full text kept in the Dagster instance's restricted folder.
"""

from __future__ import annotations

import datetime as dt
import os
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from assets import REFRESH_TAG
from assets.resources import WarehouseResource
from extraction.readers import DeliveryError
from schemas.dialect import DialectError
from warehouse.bookkeeping import record_restricted_error
from warehouse.permissions import secure_restricted

_REPO_ROOT = Path(__file__).resolve().parents[1]
#: ``quarantine.errors.centre_id`` of a registry-wide step (harmonised, analysis, outcomes,
#: quality, publish)
REGISTRY_WIDE = "(registry)"


def error_place(error: BaseException) -> str:
    """Where an error was raised, as ``file:line in function`` (no value: code only)."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "an unknown place"
    frame = frames[-1]
    path = Path(frame.filename)
    shown = path.relative_to(_REPO_ROOT) if path.is_relative_to(_REPO_ROOT) else path.name
    return f"{shown}:{frame.lineno} in {frame.name}"


@contextmanager
def value_free_errors(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext,
                      warehouse: WarehouseResource,
                      step: str) -> Iterator[None]:
    """Run a step's body (``with value_free_errors(...): yield from body``).

    Our own failures (``dg.Failure``, a :class:`DeliveryError` naming centre, file, row and
    column) pass unchanged; a dialect error becomes a failure naming its file and field; any
    other error is recorded whole in ``quarantine.errors`` and re-raised as a
    ``dg.Failure`` carrying its type and place, with the original's traceback suppressed.
    """
    try:
        yield
    except (dg.Failure, dg.RetryRequested, DeliveryError):
        raise
    except DialectError as exc:  # names the centre.yaml and field, never a patient value
        raise dg.Failure(description=str(exc),
                         metadata={"file": exc.file, "field": exc.field or ""}) from None
    except Exception as exc:
        centre = context.partition_key if context.has_partition_key else None
        scope = f"centre {centre}" if centre else "registry"
        where = record_restricted_error(warehouse.warehouse,
                                        context.run.tags.get(REFRESH_TAG) or context.run.run_id,
                                        centre or REGISTRY_WIDE, step, exc)
        place = error_place(exc)
        raise dg.Failure(
            description=(f"{scope}: unexpected {type(exc).__name__} during {step} at {place}; "
                         f"the error text (it may quote source values) is kept in {where} of "
                         "the restricted database"),
            metadata={"step": step, "error_type": type(exc).__name__, "place": place},
        ) from None



#: A schedule's or sensor's unexpected error is kept whole in this file of the Dagster
#: instance's folder (the Dagster storage is identifiable: 0700, :mod:`warehouse.permissions`).
#: A tick runs in the daemon beside a run that may hold the working database's single write
#: lock, so it writes a file rather than ``quarantine.errors``.
TICK_ERRORS_FILE = "tick_errors.log"


class TickError(RuntimeError):
    """A schedule's or sensor's failure, stated without any value it may have met."""


@contextmanager
def value_free_tick(tick: str, instance: dg.DagsterInstance | None) -> Iterator[None]:
    """Run a schedule's or sensor's evaluation (``with value_free_tick(name, instance): ...``).

    Dagster stores a failed tick's message and traceback in its schedule storage, shows them
    in the UI and logs them from the daemon. A tick reads folder names, file sizes, the
    centres' ``centre.yaml`` and run records, but an unexpected error (a decoding error, a
    DuckDB error quoting a row) may still quote a value: the tick then fails with the
    error's type and place only, and the full text is appended to ``tick_errors.log`` in the
    instance's folder (created 0600). A dialect error names its file and field and passes.
    """
    try:
        yield
    except DialectError:
        raise
    except Exception as exc:
        where = _keep_tick_error(tick, instance, exc)
        raise TickError(f"{tick}: unexpected {type(exc).__name__} at {error_place(exc)}; the "
                        f"error text (it may quote source values) is kept in {where}") from None


def _keep_tick_error(tick: str, instance: dg.DagsterInstance | None,
                     error: BaseException) -> str:
    """Append the error's full text to the instance's tick log; return where it is."""
    try:
        root = Path(instance.root_directory)  # type: ignore[union-attr]
    except Exception:  # an ephemeral instance has no folder
        return "nowhere (the Dagster instance has no folder)"
    path = root / TICK_ERRORS_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as log:
            log.write(f"--- {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S} UTC {tick}\n")
            log.write("".join(traceback.format_exception(error)))
        secure_restricted(path)
    except OSError:
        return "nowhere (the instance folder could not be written)"
    return f"{TICK_ERRORS_FILE} of the Dagster instance folder"
