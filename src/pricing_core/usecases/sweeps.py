"""The periodic fan-out: which stores to sweep, one ``SweepStore`` command per store.

``optimize_all_stores`` (every 6 hours) takes every active store not in manual mode;
``check_and_optimize_stores`` (hourly) only those whose ``update_frequency_hours`` has elapsed
since their last sweep (``Store.last_run_at``, set by every completed sweep; the latest non-event
run for stores that have none yet). Each message carries a run key derived from the batch key (the scheduled
fire time), so a redelivered fan-out message enqueues the same runs and the sweeps stay
idempotent.

Both fan-outs derive the same run key from the same due slot, the hour of the scheduled fire
(``sweep_run_key``). At 00, 06, 12 and 18 both fire, and a store that is due would otherwise get
two sweeps back to back; with one key the second message finds the run done (or running, and is
skipped) and sweeps nothing. An hour is the finest slot any setting asks for
(``update_frequency_hours`` is at least 1), so no due sweep is ever merged away.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import attrs

from pricing_core.commands import SweepStore
from pricing_core.ports import Clock, TaskQueue, UnitOfWorkFactory, scope_of
from pricing_core.runs import RunType
from pricing_core.schedule import is_due, takes_scheduled_runs
from pricing_core.settings import TenantSettings
from pricing_core.stores import Store

# Runs read to find the latest sweep when ``last_run_at`` is unset (past a burst of event runs).
_FALLBACK_RUNS = 20


@attrs.frozen(kw_only=True)
class FanOut:
    """Which stores got a sweep message, and which were passed over (with why)."""

    batch_key: str
    enqueued: tuple[str, ...]
    passed: tuple[tuple[str, str], ...] = ()


def batch_key_for(when: datetime) -> str:
    """A batch key from a (scheduled) time, at minute resolution: one fan-out per fire."""
    return when.strftime("%Y%m%dT%H%M")


_FIRE_TIME_KEY = re.compile(r"\d{8}T\d{4}")


def sweep_run_key(batch_key: str) -> str:
    """The run key of a store's scheduled sweep for ``batch_key``, the same for both fan-outs.

    A key made from a fire time (``batch_key_for``: ``20260301T0600``) names its hour
    (``sweep:20260301T06``), so the 6-hourly batch and the hourly check address one run per store
    even when configured a few minutes apart. Any other key (a one-off batch) is used as is.
    """
    slot = batch_key[:11] if _FIRE_TIME_KEY.fullmatch(batch_key) else batch_key
    return f"sweep:{slot}"


def optimize_all_stores(
    uow_factory: UnitOfWorkFactory, queue: TaskQueue, clock: Clock, *, batch_key: str | None = None
) -> FanOut:
    """Enqueue a scheduled sweep for every active store not in manual mode."""
    key = batch_key or batch_key_for(clock.now())
    return _fan_out(uow_factory, queue, key, RunType.SCHEDULED, lambda store, settings: None)


def check_and_optimize_stores(
    uow_factory: UnitOfWorkFactory, queue: TaskQueue, clock: Clock, *, batch_key: str | None = None
) -> FanOut:
    """Enqueue a sweep for every store that is due per its ``update_frequency_hours`` (see ``is_due``)."""
    now = clock.now()

    def not_due(store: Store, settings: TenantSettings) -> str | None:
        last = store.last_run_at or _last_sweep_start(uow_factory, store.store_id)
        return None if is_due(store, settings, last, now) else "not due"

    return _fan_out(uow_factory, queue, batch_key or batch_key_for(now), RunType.SMART, not_due)


def _fan_out(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    key: str,
    run_type: RunType,
    reason_to_pass: Callable[[Store, TenantSettings], str | None],
) -> FanOut:
    """One ``SweepStore`` per active store that takes scheduled runs and has no reason to be passed over."""
    with uow_factory() as uow:
        rows = uow.stores.list_active_with_settings()
    enqueued: list[str] = []
    passed: list[tuple[str, str]] = []
    for store, settings in rows:
        if takes_scheduled_runs(store, settings):
            reason = reason_to_pass(store, settings)
        else:
            reason = f"{settings.automation_mode.value} mode"
        if reason is not None:
            passed.append((store.store_id, reason))
            continue
        queue.dispatch(SweepStore(store_id=store.store_id, run_type=run_type.value, run_key=sweep_run_key(key)))
        enqueued.append(store.store_id)
    return FanOut(batch_key=key, enqueued=tuple(enqueued), passed=tuple(passed))


def _last_sweep_start(uow_factory: UnitOfWorkFactory, store_id: str) -> datetime | None:
    """The start of the store's latest catalog sweep, from its runs.

    The fallback for stores whose ``last_run_at`` was never set (every completed sweep sets it;
    stores swept before it did). Event runs reprice a few products, not the catalog: they do not
    count, or frequent price events would keep a store from ever being due.
    """
    with uow_factory(store_id) as uow:
        recent = scope_of(uow).runs.recent(_FALLBACK_RUNS)
    return next((r.started_at for r in recent if r.run_type is not RunType.EVENT), None)


__all__ = ["FanOut", "batch_key_for", "check_and_optimize_stores", "optimize_all_stores", "sweep_run_key"]
