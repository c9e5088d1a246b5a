"""What each command does in a worker: one handler per command, calling one use case with the services.

``HANDLERS`` maps every command type to its handler; ``runners.actors`` declares them as Dramatiq
actors. A handler rebuilds nothing and looks nothing up: it gets the command and the services, and
turns the outcome into Dramatiq's language: a failure worth retrying raises ``RetryLater`` (the
Retries middleware backs off and redelivers), a permanent one is recorded by the use case and
swallowed. Delivery is at least once, so every handler is idempotent: sweeps carry a run key
(default: the message id, which a redelivery keeps).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from dramatiq.middleware import CurrentMessage

from adapters.salla.events import to_domain_event
from adapters.services import Services
from pricing_core.alerts import AlertPolicy
from pricing_core.commands import (
    ApplyDecisions,
    CleanupOldData,
    Command,
    EnsureStoreEvents,
    ProcessWebhook,
    RecoverStuckWork,
    RefreshExpiringTokens,
    RepriceProducts,
    SendAlerts,
    SweepAllStores,
    SweepDueStores,
    SweepStore,
    SweepStoreNow,
    SyncAllOrders,
    SyncOrders,
    WatchAllCompetitors,
    WatchAllPriceChanges,
    WatchCompetitors,
    WatchPriceChanges,
)
from pricing_core.errors import (
    RateLimited,
    SallaError,
    SallaUnavailable,
    StoreBusy,
    StoreNotFound,
    StoreNotKnownYet,
    TokenRevoked,
)
from pricing_core.runs import RunStatus, RunType
from pricing_core.usecases.alerts import send_alerts
from pricing_core.usecases.apply_prices import apply_decisions
from pricing_core.usecases.change_watch import watch_all_price_changes, watch_price_changes
from pricing_core.usecases.cleanup import RetentionPolicy, cleanup_old_data
from pricing_core.usecases.competitor_changes import watch_all_stores, watch_competitors
from pricing_core.usecases.context import new_key
from pricing_core.usecases.optimize_store import SweepResult, optimize_store
from pricing_core.usecases.refresh_tokens import refresh_expiring_tokens
from pricing_core.usecases.reprice import reprice_products
from pricing_core.usecases.sales_sync import sync_all_orders, sync_sales
from pricing_core.usecases.subscriptions import ensure_store_subscriptions
from pricing_core.usecases.sweeps import check_and_optimize_stores, optimize_all_stores
from pricing_core.usecases.webhooks import handle_webhook_event
from runners.broker import RetryLater
from runners.recovery import recover_now

log = logging.getLogger("salla_optimizer.actors")

Handler = Callable[[Services, Any], None]


def _message_key(prefix: str) -> str:
    message = CurrentMessage.get_current_message()
    if message is None:  # called directly, outside a worker
        return f"{prefix}:{new_key()}"
    return f"{prefix}:{message.message_id}"


def _settle(result: SweepResult) -> None:
    """Log a sweep's outcome; raises ``RetryLater`` when the failure is worth retrying."""
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
    if run is not None and run.status is RunStatus.PARTIALLY_APPLIED:
        log.warning("sweep of store %s partially applied: %d price write(s) pending", result.store_id,
                    run.writes_pending)
    if run is not None and not result.ok:
        log.warning("sweep of store %s failed permanently: %s", result.store_id, run.error)
    else:
        log.info("sweep of store %s: %s", result.store_id, summary)


def _sweep(services: Services, store_id: str, run_type: RunType, run_key: str | None) -> None:
    try:
        result = optimize_store(services, store_id, run_type=run_type, run_key=run_key or _message_key(run_type.value),
                                threshold_hours=services.token_threshold_hours)
    except StoreNotFound:
        log.warning("sweep: store %s does not exist; dropped", store_id)
        return
    _retry_writes(services, store_id, result.retrying)
    _settle(result)


def _retry_writes(services: Services, store_id: str, decision_ids: tuple[str, ...]) -> None:
    """Send the writes Salla did not take for now in a message of their own: its retries back off
    (``apply`` raises ``RetryLater`` while some still wait) without sweeping the store again."""
    if decision_ids:
        services.queue.dispatch(ApplyDecisions(store_id=store_id, decision_ids=decision_ids))


def sweep_store(services: Services, command: SweepStore) -> None:
    """One sweep of one store; ``run_key`` makes redeliveries resume the same run."""
    _sweep(services, command.store_id, RunType(command.run_type), command.run_key)


def sweep_store_now(services: Services, command: SweepStoreNow) -> None:
    """The merchant's "Run now" (or a first sweep after install): immediate, also in manual mode."""
    _sweep(services, command.store_id, RunType.MANUAL, command.run_key)


def sweep_all_stores(services: Services, command: SweepAllStores) -> None:
    """Every 6 hours: one ``SweepStore`` per active store not in manual mode."""
    result = optimize_all_stores(services.uow_factory, services.queue, services.clock,
                                 batch_key=command.batch_key or _message_key("batch"))
    log.info("optimize_all_stores %s: %d sweeps enqueued, %d stores passed over", result.batch_key,
             len(result.enqueued), len(result.passed))


def sweep_due_stores(services: Services, command: SweepDueStores) -> None:
    """Hourly: a sweep for each store whose ``update_frequency_hours`` has elapsed."""
    result = check_and_optimize_stores(services.uow_factory, services.queue, services.clock,
                                       batch_key=command.batch_key or _message_key("smart"))
    log.info("check_and_optimize_stores %s: %d sweeps enqueued, %d stores passed over", result.batch_key,
             len(result.enqueued), len(result.passed))


def reprice(services: Services, command: RepriceProducts) -> None:
    """Event-driven repricing of a few products (``product.price.updated``, competitor changes)."""
    try:
        result = reprice_products(services, command.store_id, list(command.product_ids),
                                  run_key=command.run_key or _message_key(RunType.EVENT.value),
                                  threshold_hours=services.token_threshold_hours)
    except StoreNotFound:
        log.warning("reprice_products: store %s does not exist; dropped", command.store_id)
        return
    _retry_writes(services, command.store_id, result.retrying)
    _settle(result)


def apply(services: Services, command: ApplyDecisions) -> None:
    """Apply decisions the merchant approved. Idempotent: applied ones are ignored on redelivery."""
    try:
        result = apply_decisions(services, command.store_id, list(command.decision_ids),
                                 threshold_hours=services.token_threshold_hours)
    except (SallaUnavailable, RateLimited, StoreBusy) as exc:
        raise RetryLater(f"store {command.store_id}: {exc}") from exc
    except (TokenRevoked, StoreNotFound) as exc:
        log.warning("apply_decisions: store %s cannot be reached: %s", command.store_id, exc)
        return
    log.info("apply_decisions store %s: %d applied, %d failed, %d ignored, %d to retry", command.store_id,
             result.applied_count, len(result.failed), len(result.ignored), len(result.retrying))
    if result.retrying:
        # The same message again after the Retries middleware's backoff; each attempt re-checks
        # the decisions, and past their retry window they fail instead of waiting again.
        raise RetryLater(f"store {command.store_id}: {len(result.retrying)} price write(s) not taken by Salla yet")


def process_webhook(services: Services, command: ProcessWebhook) -> None:
    """Worker side of ``POST /webhooks/salla``: handle one verified delivery exactly once.

    The web route only verifies and dispatches the raw delivery; the Salla adapter reads it into
    its domain event (``to_domain_event``), and ``handle_webhook_event`` records the delivery in
    the webhook inbox in the same transaction as its effects (a redelivery is a duplicate) and
    dispatches follow-up work (``RepriceProducts``, ``SweepStoreNow``).
    """
    event = to_domain_event(command, now=services.clock.now())
    try:
        outcome = handle_webhook_event(services.uow_factory, services.queue, services.clock, event,
                                       user_info=services.salla_auth.user_info)
    except (SallaError, StoreNotKnownYet) as exc:
        # An authorization whose tokens Salla could not confirm yet, or a store's settings that came
        # before its install: nothing was recorded, a later attempt may succeed (past the retry
        # window the message ends in the dead letters, with this reason).
        raise RetryLater(f"webhook {command.delivery_id}: {exc}") from exc
    log.debug("webhook %s: %r: %s", command.delivery_id, event, outcome.value)  # reprs hide tokens


def ensure_store_events(services: Services, command: EnsureStoreEvents) -> None:
    """After an install: subscribe the store to the store events it needs (idempotent), record the outcome."""
    store_id = command.store_id
    # The web app's webhook route (``entrypoints.web.webhooks.WEBHOOK_PATH``; runners do not import entrypoints).
    callback_url = services.config.public_url.rstrip("/") + "/webhooks/salla"
    try:
        result = ensure_store_subscriptions(services, store_id, callback_url=callback_url,
                                            threshold_hours=services.token_threshold_hours)
    except StoreNotFound:
        log.warning("ensure_store_events: store %s does not exist; dropped", store_id)
        return
    if result.retryable and result.state is not None:
        raise RetryLater(f"store {store_id}: {result.state.error}")
    if result.state is None:
        log.info("ensure_store_events: store %s skipped: %s", store_id, result.skipped_reason)
    elif result.state.complete:
        log.info("ensure_store_events: store %s subscribed (%s); new: %s", store_id,
                 ", ".join(result.state.subscribed), ", ".join(result.created) or "none")
    else:
        log.warning("ensure_store_events: store %s lacks %s: %s", store_id, ", ".join(result.state.missing),
                    result.state.error)


def refresh_tokens(services: Services, command: RefreshExpiringTokens) -> None:
    """Every 12 hours: refresh tokens expiring within the threshold (default from the config, 24 h)."""
    threshold = command.threshold_hours if command.threshold_hours is not None else services.token_threshold_hours
    report = refresh_expiring_tokens(services, threshold_hours=threshold)
    log.info("refresh_expiring_tokens: %s", report.as_dict())


def cleanup(services: Services, command: CleanupOldData) -> None:
    """Weekly: delete old runs, activity and offers (ages from ``RETENTION_*_DAYS``)."""
    log.info("cleanup_old_data: %s", cleanup_old_data(services.uow_factory, services.clock,
                                                      retention_policy(services)))


def watch_all(services: Services, command: WatchAllCompetitors) -> None:
    """Every 30 minutes: a competitor watch per active store that takes automatic runs."""
    log.info("watch_all_competitors: %d stores", len(watch_all_stores(services.uow_factory, services.queue)))


def watch(services: Services, command: WatchCompetitors) -> None:
    """Reprice the products of one store whose competitor offers changed (``RepriceProducts``, debounced)."""
    result = watch_competitors(services, command.store_id)
    log.info("watch_competitors store %s: %d products watched, %d changed, %d repricing commands",
             command.store_id, result.watched, len(result.changed), len(result.dispatched))


def recover(services: Services, command: RecoverStuckWork) -> None:
    """Every 5 minutes: settle, re-send, resume or close the work a stopped process left in flight.

    A pass that fails (the database away) is logged, not retried: the next tick runs a new one, and
    retrying every tick through a long outage would only pile passes up for when it ends.
    """
    try:
        recover_now(services)
    except Exception:
        log.warning("recovery pass failed; the next tick tries again", exc_info=True)


def sync_orders(services: Services, command: SyncOrders) -> None:
    """Read a store's new orders into its daily sales (``usecases/sales_sync.py``)."""
    try:
        result = sync_sales(services, command.store_id, threshold_hours=services.token_threshold_hours)
    except (SallaUnavailable, RateLimited) as exc:
        raise RetryLater(f"store {command.store_id}: {exc}") from exc
    except StoreNotFound:
        log.warning("sync_orders: store %s does not exist; dropped", command.store_id)
        return
    except TokenRevoked as exc:
        log.warning("sync_orders: store %s cannot be read: %s", command.store_id, exc)
        return
    log.info("sync_orders %s: %d lines since %s, %d product-days, %d unknown SKUs", result.store_id,
             result.lines, result.since, result.days, len(result.unmatched_skus))


def sync_all(services: Services, command: SyncAllOrders) -> None:
    """Every 6 hours: a ``SyncOrders`` per active store."""
    log.info("sync_all_orders: %d stores", len(sync_all_orders(services.uow_factory, services.queue)))


def watch_all_changes(services: Services, command: WatchAllPriceChanges) -> None:
    """Daily: a ``WatchPriceChanges`` per active store."""
    log.info("watch_all_price_changes: %d stores", len(watch_all_price_changes(services.uow_factory, services.queue)))


def watch_changes(services: Services, command: WatchPriceChanges) -> None:
    """What one store's recent applied changes did to its sales; the ones that lost profit are logged (then alerted)."""
    try:
        result = watch_price_changes(services, command.store_id, policy=services.impact_policy)
    except StoreNotFound:
        log.warning("watch_price_changes: store %s does not exist; dropped", command.store_id)
        return
    log.info("watch_price_changes store %s: %d judged %s, %d newly flagged%s", result.store_id, result.judged,
             result.verdicts, len(result.flagged), f" ({result.note})" if result.note else "")


def alerts(services: Services, command: SendAlerts) -> None:
    """Every 5 minutes: the alerts the activity log holds since the last pass, to ``ALERT_URLS`` and to each
    store's own targets (nothing without either notifier)."""
    if services.notifier is None and services.store_notifier is None:
        return
    config = services.config
    result = send_alerts(services, services.notifier, store_notifier=services.store_notifier,
                         policy=AlertPolicy(digest_hours=config.alert_digest_hours),
                         language=config.alert_language or None)
    if result.read or result.busy:
        log.info("send_alerts: %s", result)


def retention_policy(services: Services) -> RetentionPolicy:
    """The retention ages of the configuration."""
    config = services.config
    return RetentionPolicy(runs_days=config.retention_runs_days, activity_days=config.retention_activity_days,
                           offers_days=config.retention_offers_days, webhooks_days=config.retention_webhooks_days)


HANDLERS: dict[type[Command], Handler] = {
    SweepStore: sweep_store,
    SweepStoreNow: sweep_store_now,
    SweepAllStores: sweep_all_stores,
    SweepDueStores: sweep_due_stores,
    RepriceProducts: reprice,
    ApplyDecisions: apply,
    ProcessWebhook: process_webhook,
    EnsureStoreEvents: ensure_store_events,
    RefreshExpiringTokens: refresh_tokens,
    CleanupOldData: cleanup,
    WatchAllCompetitors: watch_all,
    WatchCompetitors: watch,
    RecoverStuckWork: recover,
    SyncOrders: sync_orders,
    SyncAllOrders: sync_all,
    WatchAllPriceChanges: watch_all_changes,
    WatchPriceChanges: watch_changes,
    SendAlerts: alerts,
}


__all__ = ["HANDLERS", "Handler", "retention_policy"]
