"""Apply approved decisions to Salla in bulk: APPROVED -> APPLYING -> APPLIED (or FAILED, with the reason).

Used by the sweep (auto-apply decisions), event repricing and the merchant's approval (dashboard,
admin API, bulk): every price the optimizer writes goes through ``apply_records``, which re-checks
each decision right before the write against the product as Salla shows it now, the store's
current settings and the product's last price change (``pricing_core.recheck``); a decision that
no longer passes is not written and becomes FAILED with the reason. Safe under at-least-once
delivery: decisions are marked APPLYING (committed) before the request goes out, so a worker that
dies mid-request leaves them APPLYING; the next attempt compares Salla's current price with the
decided one and only re-sends those that did not land. A price is never sent twice for a
decision that Salla already shows.

A write Salla did not take for a passing reason (503, 429, a 403 block: ``ApplyReport.retryable``)
is not final: the decision goes back to APPROVED with the reason (prefixed ``RETRYING``) and is
sent again by a later attempt (the runner's backoff, the next sweep, the recovery loop), through
the same re-check, for as long as it is younger than ``retry_window``; after that it becomes
FAILED. The run it belongs to counts it in ``writes_pending`` (``partially applied``) until it is
settled.

Right before a batch goes out, its prices are recorded as expected echoes (``PriceEchoes``, when
the ports bundle has one) so the webhook intake drops Salla's ``product.price.updated`` for them
instead of queueing tens of thousands of deliveries per batch.

The checks right before a write live in ``apply_checks``, the recording of what became of
the writes in ``apply_outcomes``; this module holds the flow.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta

import attrs

from pricing_core.catalog import Product
from pricing_core.decision import DecisionRecord, DecisionStatus
from pricing_core.errors import StoreBusy
from pricing_core.ports import PriceUpdate, scope_of
from pricing_core.rules import RuleBook
from pricing_core.usecases.apply_checks import (
    already_in_salla,
    find_overtaken,
    find_refused,
    read_in_salla,
    reconcile_with_salla,
)
from pricing_core.usecases.apply_outcomes import (
    OPTIMIZER,
    RETRYING,
    record_apply_outcome,
    retry_later,
    settle_unsent,
    was_retrying,
)
from pricing_core.usecases.context import APPLY_LOCK, ApplyPorts
from pricing_core.usecases.refresh_tokens import DEFAULT_THRESHOLD_HOURS, ensure_fresh_tokens

# How long an apply waits for another apply of the same store (one bulk request and its confirmation).
DEFAULT_APPLY_LOCK_WAIT = 120.0
# How long after its decision a write Salla did not take (503, 429) is tried again: the batch
# cadence (6 h); past that the competitor prices it was made from are stale, and the next sweep
# decides afresh.
DEFAULT_RETRY_WINDOW = timedelta(hours=6)


@attrs.frozen(kw_only=True)
class ApplyResult:
    """What happened to the decisions handed in (by decision id)."""

    applied: tuple[str, ...] = ()
    failed: Mapping[str, str] = attrs.field(factory=dict)
    reconciled: tuple[str, ...] = ()   # were APPLYING and Salla already showed the price: not re-sent
    ignored: tuple[str, ...] = ()      # not APPROVED/APPLYING (pending, rejected, already applied...)
    requests: int = 0
    retrying: Mapping[str, str] = attrs.field(factory=dict)  # not taken for a passing reason: APPROVED again

    @property
    def applied_count(self) -> int:
        """Decisions now APPLIED (sent now or found applied)."""
        return len(self.applied) + len(self.reconciled)


def apply_decisions(
    ports: ApplyPorts,
    store_id: str,
    decision_ids: Sequence[str],
    *,
    access_token: str | None = None,
    threshold_hours: float = DEFAULT_THRESHOLD_HOURS,
    lock_timeout: float | None = DEFAULT_APPLY_LOCK_WAIT,
    retry_window: timedelta = DEFAULT_RETRY_WINDOW,
) -> ApplyResult:
    """Apply the store's APPROVED decisions among ``decision_ids`` (and finish APPLYING ones).

    Unknown ids and decisions in any other status are ignored (a redelivered message finds them
    APPLIED). Tokens are refreshed first if they expire soon, unless ``access_token`` is given.
    Runs under the store's apply lock and reads the decisions inside it, so two deliveries of one
    approval (or a resumed sweep finishing the same decision) never both send a price; raises
    ``StoreBusy`` when the lock is not had within ``lock_timeout``.
    """
    store_id = str(store_id)
    with ports.locks.hold(store_id, APPLY_LOCK, timeout=lock_timeout) as acquired:
        if not acquired:
            raise StoreBusy(f"store {store_id}: another apply is running")
        return _apply_decisions(ports, store_id, decision_ids, access_token=access_token,
                                threshold_hours=threshold_hours, retry_window=retry_window)


def _apply_decisions(
    ports: ApplyPorts,
    store_id: str,
    decision_ids: Sequence[str],
    *,
    access_token: str | None,
    threshold_hours: float,
    retry_window: timedelta,
) -> ApplyResult:
    with ports.uow_factory(store_id) as uow:
        scope = scope_of(uow)
        records = [r for r in (scope.decisions.get(str(i)) for i in dict.fromkeys(decision_ids)) if r is not None]
    unknown = tuple(str(i) for i in decision_ids if str(i) not in {r.id for r in records})
    if not any(r.status in (DecisionStatus.APPROVED, DecisionStatus.APPLYING) for r in records):
        return ApplyResult(ignored=unknown + tuple(r.id for r in records))
    token = access_token or ensure_fresh_tokens(ports, store_id, threshold_hours=threshold_hours).access_token
    # No ``current``: an approval may be days old, so the products are read from Salla right now.
    result = apply_records(ports, store_id, records, access_token=token, retry_window=retry_window)
    return attrs.evolve(result, ignored=result.ignored + unknown)


def apply_records(
    ports: ApplyPorts,
    store_id: str,
    records: Iterable[DecisionRecord],
    *,
    access_token: str,
    run_id: str | None = None,
    current: Mapping[str, Product] | None = None,
    retry_window: timedelta = DEFAULT_RETRY_WINDOW,
) -> ApplyResult:
    """Apply already-loaded decision records: re-check each one, then write the survivors in bulk.

    Every price written to Salla goes through here, right before the write, and through
    ``recheck_decision``: against the product as Salla shows it now, the store's current settings
    (read now) and the product's last price change. A decision that no longer passes is not
    written and becomes FAILED with the reason. ``current`` holds products read from Salla moments
    ago by the caller (a sweep's own pages), used instead of reading them again; products missing
    from it are read with one ``get_products`` call. ``run_id`` names the run whose
    ``products_updated`` counter grows with each applied decision. Decisions Salla did not take
    for a passing reason go back to APPROVED (``ApplyResult.retrying``) while younger than
    ``retry_window``, and count in their run's ``writes_pending``.
    """
    store_id = str(store_id)
    approved: list[DecisionRecord] = []
    applying: list[DecisionRecord] = []
    ignored: list[str] = []
    for record in records:
        if record.status is DecisionStatus.APPROVED:
            approved.append(record)
        elif record.status is DecisionStatus.APPLYING:
            applying.append(record)
        else:
            ignored.append(record.id)
    if not approved and not applying:
        return ApplyResult(ignored=tuple(ignored))

    in_salla, requests = read_in_salla(ports, access_token, approved + applying, current or {})
    reconciled: list[DecisionRecord] = []
    diverged: dict[str, str] = {}
    if applying:
        landed, diverged = already_in_salla(applying, in_salla)
        reconciled = [r for r in applying if r.id in landed]
        approved.extend(r for r in applying if r.id not in landed and r.id not in diverged)
        if reconciled:
            record_apply_outcome(ports, store_id, reconciled, {}, run_id=run_id, note="found applied in Salla")
        if diverged:
            record_apply_outcome(ports, store_id, [], diverged, run_id=run_id,
                                 failed_records=[r for r in applying if r.id in diverged],
                                 note="the price in Salla changed since the decision")

    def result(failed: Mapping[str, str], applied: Sequence[DecisionRecord] = (), sent: int = 0) -> ApplyResult:
        return ApplyResult(applied=tuple(r.id for r in applied), failed={**diverged, **failed},
                           reconciled=tuple(r.id for r in reconciled), ignored=tuple(ignored),
                           requests=requests + sent)

    if not approved:
        return result({})

    # Re-checked and marked APPLYING in one transaction, committed before the request: a crash
    # from here on leaves them APPLYING, to be reconciled.
    with ports.uow_factory(store_id) as uow:
        scope = scope_of(uow)
        settings = scope.settings.get()
        product_ids = list(dict.fromkeys(r.decision.product_id for r in approved))
        latest = scope.price_history.latest(product_ids)
        # The re-check guards each price with what priced it: the product's rule and override.
        book = RuleBook(settings, scope.rules.list())
        overrides = scope.overrides.get_many(product_ids)
        now = ports.clock.now()
        candidates = approved
        overtaken = find_overtaken(candidates, latest)
        refused = find_refused([r for r in candidates if r.id not in overtaken], in_salla, book, overrides,
                               latest, now)
        approved = [r for r in candidates if r.id not in overtaken and r.id not in refused]
        fresh = [r for r in approved if r.status is not DecisionStatus.APPLYING]
        scope.decisions.set_status([r.id for r in fresh if not was_retrying(r)], DecisionStatus.APPLYING, at=now)
        # A retried write keeps its note while APPLYING, so its run's pending count is settled
        # whichever attempt finishes it.
        for reason in sorted({r.error or "" for r in fresh if was_retrying(r)}):
            scope.decisions.set_status([r.id for r in fresh if was_retrying(r) and r.error == reason],
                                       DecisionStatus.APPLYING, at=now, error=reason)
        uow.commit()
    if overtaken:
        record_apply_outcome(ports, store_id, [], overtaken, run_id=run_id,
                             failed_records=[r for r in candidates if r.id in overtaken],
                             note="another price change was applied to the product after this decision")
    if refused:
        record_apply_outcome(ports, store_id, [], refused, run_id=run_id,
                             failed_records=[r for r in candidates if r.id in refused],
                             note="the guards refused them at the moment of writing")
    if not approved:
        return result({**overtaken, **refused})

    updates = [
        PriceUpdate(product_id=r.decision.product_id, price=r.decision.suggested_price, sku=r.decision.sku)
        for r in approved
    ]
    _expect_echoes(ports, store_id, updates)
    report = ports.salla_catalog.apply_prices(access_token, updates)
    accepted = set(report.accepted)
    failed: dict[str, str] = {}
    retrying: dict[str, str] = {}
    applied: list[DecisionRecord] = []
    for record in approved:
        product_id = record.decision.product_id
        if product_id in accepted:
            applied.append(record)
        elif product_id in report.retryable and now - record.decision.decided_at < retry_window:
            retrying[record.id] = f"{RETRYING} {report.retryable[product_id]}"
        elif product_id in report.retryable:
            failed[record.id] = (f"{report.retryable[product_id]}; not tried again: the decision is older than "
                                 f"{retry_window}, the next sweep prices it again")
        else:
            failed[record.id] = report.failed.get(product_id, "not accepted by Salla")
    if retrying:
        retry_later(ports, store_id, [r for r in approved if r.id in retrying], retrying, run_id=run_id)
    record_apply_outcome(ports, store_id, applied, failed, run_id=run_id,
                         failed_records=[r for r in approved if r.id in failed])
    return attrs.evolve(result({**overtaken, **refused, **failed}, applied, report.requests), retrying=retrying)


def _expect_echoes(ports: ApplyPorts, store_id: str, updates: Sequence[PriceUpdate]) -> None:
    """Tell the webhook intake which ``product.price.updated`` deliveries will be our own echo.

    Done before the request goes out: Salla may apply a chunk and announce it before
    ``apply_prices`` returns, and an echo that beats its expectation costs a queued message and
    a worker transaction (the worker still recognizes it; nothing breaks). Variant prices
    (``"product:variant"`` ids, one PUT each) take the same path and are expected under the id
    they are written with; an event that Salla sends for one under the parent product's id does
    not match and takes the worker's path. Recorded for the whole batch, also for items Salla will refuse: an
    unused expectation only lingers until its TTL.
    """
    if ports.echoes is None or not updates:
        return
    ports.echoes.expect(store_id, {u.product_id: u.price for u in updates}, ttl_seconds=ports.echo_ttl_seconds)


__all__ = [
    "DEFAULT_APPLY_LOCK_WAIT",
    "DEFAULT_RETRY_WINDOW",
    "OPTIMIZER",
    "RETRYING",
    "ApplyResult",
    "apply_decisions",
    "apply_records",
    "reconcile_with_salla",
    "record_apply_outcome",
    "settle_unsent",
]
