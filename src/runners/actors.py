"""Thin Dramatiq actors over the core's use cases.

Each actor looks up the process's ``Services`` lazily (built from the environment on first use;
``configure(services)`` installs others, e.g. in tests or the embedded server), calls one use
case, and turns its outcome into Dramatiq's language: a failure worth retrying raises
``RetryLater`` (the Retries middleware backs off and redelivers), a permanent one is recorded by
the use case and swallowed. Delivery is at least once, so every actor is idempotent: sweeps
carry a run key (default: the message id, which a redelivery keeps).
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

import dramatiq
from dramatiq.middleware import CurrentMessage

from pricing_core.errors import StoreNotFound
from pricing_core.runs import RunType
from runners.broker import QUEUE_DEFAULT, QUEUE_EVENTS, QUEUE_SWEEPS, QUEUE_WEBHOOKS, RetryLater, setup_broker

if TYPE_CHECKING:
    from adapters.wiring import Services
    from pricing_core.usecases.optimize_store import SweepResult

log = logging.getLogger("salla_optimizer.actors")

broker = setup_broker()

_services: Services | None = None
_services_lock = threading.Lock()


def configure(services: Services | None) -> None:
    """Use ``services`` in this process's actors (None: build from the environment on next use)."""
    global _services
    with _services_lock:
        _services = services


def services() -> Services:
    """This process's services, built from the environment on first use."""
    global _services
    with _services_lock:
        if _services is None:
            from adapters.config import Config
            from adapters.wiring import build_services

            _services = build_services(Config.from_env())
        return _services


def use_broker(new_broker: dramatiq.Broker) -> dramatiq.Broker:
    """Re-declare every actor on ``new_broker`` and make it the process's broker (tests, embedded server)."""
    global broker
    setup_broker(new_broker)
    for name in ACTOR_NAMES:
        actor = globals()[name]
        actor.broker = new_broker
        new_broker.declare_actor(actor)
    broker = new_broker
    return new_broker


def _queue() -> Any:
    from runners.broker import DramatiqQueue

    return DramatiqQueue(broker)


def _message_key(prefix: str) -> str:
    message = CurrentMessage.get_current_message()
    if message is None:  # called directly, outside a worker
        from pricing_core.usecases.context import new_key

        return f"{prefix}:{new_key()}"
    return f"{prefix}:{message.message_id}"


def _threshold() -> float:
    return float(services().config.token_refresh_threshold_hours)


def _settle(result: SweepResult) -> None:
    """A JSON summary of a sweep; raises ``RetryLater`` when the failure is worth retrying."""
    run = result.run
    summary: dict[str, Any] = {
        "store_id": result.store_id,
        "run_id": run.id if run else None,
        "status": run.status.value if run else "skipped",
        "skipped_reason": result.skipped_reason,
        "error": run.error if run else None,
    }
    if not result.ok and result.retryable:
        raise RetryLater(f"store {result.store_id}: {summary['error'] or result.skipped_reason}")
    if run is not None and not result.ok:
        log.warning("sweep of store %s failed permanently: %s", result.store_id, run.error)
    else:
        log.info("sweep of store %s: %s", result.store_id, summary)


# ---------------------------------------------------------------------------------------------
# Sweeps


@dramatiq.actor(queue_name=QUEUE_SWEEPS, priority=10)
def optimize_store(
    store_id: str, run_type: str = RunType.SCHEDULED.value, run_key: str | None = None
) -> None:
    """One sweep of one store; ``run_key`` makes redeliveries resume the same run."""
    from pricing_core.usecases.optimize_store import optimize_store as sweep

    try:
        result = sweep(services(), store_id, run_type=RunType(run_type),
                       run_key=run_key or _message_key(run_type), threshold_hours=_threshold())
    except StoreNotFound:
        log.warning("optimize_store: store %s does not exist; dropped", store_id)
        return
    _settle(result)


@dramatiq.actor(queue_name=QUEUE_SWEEPS, priority=5)
def manual_optimize(store_id: str, run_key: str | None = None) -> None:
    """The merchant's "Run now" (or a first sweep after install): immediate, also in manual mode."""
    from pricing_core.usecases.optimize_store import optimize_store as sweep

    try:
        result = sweep(services(), store_id, run_type=RunType.MANUAL,
                       run_key=run_key or _message_key(RunType.MANUAL.value), threshold_hours=_threshold())
    except StoreNotFound:
        log.warning("manual_optimize: store %s does not exist; dropped", store_id)
        return
    _settle(result)


@dramatiq.actor(queue_name=QUEUE_DEFAULT)
def optimize_all_stores(batch_key: str | None = None) -> None:
    """Every 6 hours: one ``optimize_store`` per active store not in manual mode."""
    from pricing_core.usecases.sweeps import optimize_all_stores as fan_out

    s = services()
    result = fan_out(s.uow_factory, _queue(), s.clock, batch_key=batch_key or _message_key("batch"))
    log.info("optimize_all_stores %s: %d sweeps enqueued, %d stores passed over", result.batch_key,
             len(result.enqueued), len(result.passed))


@dramatiq.actor(queue_name=QUEUE_DEFAULT)
def check_and_optimize_stores(batch_key: str | None = None) -> None:
    """Hourly: a sweep for each store whose ``update_frequency_hours`` has elapsed."""
    from pricing_core.usecases.sweeps import check_and_optimize_stores as fan_out

    s = services()
    result = fan_out(s.uow_factory, _queue(), s.clock, batch_key=batch_key or _message_key("smart"))
    log.info("check_and_optimize_stores %s: %d sweeps enqueued, %d stores passed over", result.batch_key,
             len(result.enqueued), len(result.passed))


# ---------------------------------------------------------------------------------------------
# Events and approvals


@dramatiq.actor(queue_name=QUEUE_EVENTS, priority=0)
def reprice_products(store_id: str, product_ids: list[str], run_key: str | None = None) -> None:
    """Event-driven repricing of a few products (``product.price.updated``, competitor feed changes)."""
    from pricing_core.usecases.reprice import reprice_products as reprice

    try:
        result = reprice(services(), store_id, product_ids, run_key=run_key or _message_key(RunType.EVENT.value),
                         threshold_hours=_threshold())
    except StoreNotFound:
        log.warning("reprice_products: store %s does not exist; dropped", store_id)
        return
    _settle(result)


@dramatiq.actor(queue_name=QUEUE_EVENTS, priority=0)
def apply_decisions(store_id: str, decision_ids: list[str]) -> None:
    """Apply decisions the merchant approved. Idempotent: applied ones are ignored on redelivery."""
    from pricing_core.errors import RateLimited, SallaUnavailable, StoreBusy, TokenRevoked
    from pricing_core.usecases.apply_prices import apply_decisions as apply

    try:
        result = apply(services(), store_id, decision_ids, threshold_hours=_threshold())
    except (SallaUnavailable, RateLimited, StoreBusy) as exc:
        raise RetryLater(f"store {store_id}: {exc}") from exc
    except (TokenRevoked, StoreNotFound) as exc:
        log.warning("apply_decisions: store %s cannot be reached: %s", store_id, exc)
        return
    log.info("apply_decisions store %s: %d applied, %d failed, %d ignored", store_id, result.applied_count,
             len(result.failed), len(result.ignored))


@dramatiq.actor(queue_name=QUEUE_WEBHOOKS, priority=1)
def process_webhook(
    event: str, merchant_id: str | None, data: dict[str, Any], delivery_id: str, created_at: str | None = None
) -> None:
    """Worker side of ``POST /webhooks/salla``: handle one verified delivery exactly once.

    The web route only verifies and enqueues; ``handle_webhook_event`` records the delivery in
    the webhook inbox in the same transaction as its effects (a redelivery is a duplicate) and
    enqueues follow-up work (``reprice_products``, ``manual_optimize``).
    """
    from pricing_core.usecases.webhooks import WebhookDelivery, handle_webhook_event

    s = services()
    delivery = WebhookDelivery(event=event, merchant_id=merchant_id, data=data, delivery_id=delivery_id,
                               created_at=created_at)
    outcome = handle_webhook_event(s.uow_factory, _queue(), s.clock, delivery,
                                   merchant_lookup=s.salla_catalog.store_info)
    log.debug("webhook %s (%s): %s", delivery_id, event, outcome.value)


# ---------------------------------------------------------------------------------------------
# Upkeep


@dramatiq.actor(queue_name=QUEUE_DEFAULT)
def refresh_expiring_tokens(threshold_hours: float | None = None) -> None:
    """Every 12 hours: refresh tokens expiring within the threshold (default from the config, 24 h)."""
    from pricing_core.usecases.refresh_tokens import refresh_expiring_tokens as refresh

    report = refresh(services(), threshold_hours=threshold_hours if threshold_hours is not None else _threshold())
    log.info("refresh_expiring_tokens: %s", report.as_dict())


@dramatiq.actor(queue_name=QUEUE_DEFAULT)
def cleanup_old_data() -> None:
    """Weekly: delete old runs, activity and offers (ages from ``RETENTION_*_DAYS``)."""
    from pricing_core.usecases.cleanup import cleanup_old_data as cleanup
    from runners.settings import retention_policy

    s = services()
    log.info("cleanup_old_data: %s", cleanup(s.uow_factory, s.clock, retention_policy()))


@dramatiq.actor(queue_name=QUEUE_DEFAULT)
def recover_stuck_work() -> None:
    """Every 5 minutes: reconcile, re-enqueue, resume or close the work a stopped process left in flight."""
    from runners.recovery import recover_now

    recover_now(services(), _queue())


ACTOR_NAMES = (
    "optimize_store",
    "manual_optimize",
    "optimize_all_stores",
    "check_and_optimize_stores",
    "reprice_products",
    "apply_decisions",
    "process_webhook",
    "refresh_expiring_tokens",
    "cleanup_old_data",
    "recover_stuck_work",
)

__all__ = [
    "ACTOR_NAMES",
    "apply_decisions",
    "broker",
    "check_and_optimize_stores",
    "cleanup_old_data",
    "configure",
    "manual_optimize",
    "optimize_all_stores",
    "optimize_store",
    "process_webhook",
    "recover_stuck_work",
    "refresh_expiring_tokens",
    "reprice_products",
    "services",
    "use_broker",
]
