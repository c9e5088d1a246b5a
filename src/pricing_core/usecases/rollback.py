"""Roll back a run, or some of its applied decisions: put back each product's price from before the run.

For every decision of the run that was applied, the price it replaced (``old_price``) is written
to Salla again, through the same write path as every other price (``SallaCatalog.apply_prices``,
bulkPrice; the expected echoes recorded first, so our own ``product.price.updated`` is not taken
for the merchant's), with a price-history point of source ``rollback``, a decision that says what
was restored and why, and an activity-log entry. Per product (``pricing_core.rollback``):

- compare-and-set: only while Salla still shows the price the run set and no later change was
  recorded; a price changed since is left and listed with the reason;
- today's guards: a previous price that breaks one (margin floor, MAP, min/max, direction lock,
  the product's override, under the product's rule) is listed and written only with
  ``confirm_guard_breaks``.

Idempotent and safe under at-least-once delivery and crashes. The restore decision of each
product (its id derives from the rolled-back decision) is the rollback's marker: it is stored
APPLYING, committed, before the request goes out, and APPLIED after. A second rollback finds the
markers APPLIED and restores nothing; one that follows a crash finds them APPLYING and asks Salla:
the previous price already there is recorded without a second write, the run's price still there
is sent again (the same price twice is harmless), anything else is left. So each product is
restored at most once per rolled-back decision. The recovery loop treats a marker left APPLYING
like any other decision in flight (``usecases/recovery.py``). A marker that ended without writing
(Salla refused it, the merchant rejected a restore the recovery handed back) lets a later rollback
judge the product again, under a new attempt's marker.

Runs under the store's sweep lock (waiting ``sweep_wait`` at most: a sweep writing the same
products meanwhile would race the compare-and-set) and its apply lock (one sender of prices).
A dry run takes no lock and changes nothing, except a token refresh if one is due.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

import attrs

from pricing_core.catalog import PricePoint, Product
from pricing_core.decision import DecisionRecord, DecisionStatus
from pricing_core.errors import DecisionNotFound, RunNotFound, StoreBusy, StoreNotFound
from pricing_core.money import quantize
from pricing_core.overrides import ProductOverride
from pricing_core.ports import PriceUpdate, StoreScope, scope_of
from pricing_core.rollback import (
    RollbackItem,
    RollbackOutcome,
    RollbackReport,
    attempt_of,
    item_for,
    judge_restore,
    restore_record,
)
from pricing_core.rules import InvalidRule, RuleBook
from pricing_core.settings import TenantSettings
from pricing_core.usecases.apply_prices import DEFAULT_APPLY_LOCK_WAIT
from pricing_core.usecases.context import APPLY_LOCK, SWEEP_LOCK, ApplyPorts
from pricing_core.usecases.refresh_tokens import DEFAULT_THRESHOLD_HOURS, ensure_fresh_tokens
from pricing_core.usecases.rollback_records import (
    OPEN_MARKER,
    latest_markers,
    log_rollback,
    record_outcome,
    rollback_status,
)

# How long a rollback waits for a running sweep of the store before answering "busy".
DEFAULT_SWEEP_WAIT = 5.0
_PAGE = 500            # decisions per listing query
_READ_BATCH = 5000     # products per ``get_products`` (the adapter reads catalog pages when cheaper)


def rollback_run(
    ports: ApplyPorts,
    store_id: str,
    run_id: str,
    *,
    decision_ids: Sequence[str] | None = None,
    dry_run: bool = False,
    confirm_guard_breaks: bool = False,
    by: str = "merchant",
    threshold_hours: float = DEFAULT_THRESHOLD_HOURS,
    sweep_wait: float = DEFAULT_SWEEP_WAIT,
    lock_timeout: float = DEFAULT_APPLY_LOCK_WAIT,
) -> RollbackReport:
    """Restore the prices run ``run_id`` of ``store_id`` replaced (only ``decision_ids`` of it, when given).

    Raises ``StoreNotFound``, ``RunNotFound`` (no such run, and no decision names it),
    ``DecisionNotFound`` (a given id is not a decision of the run), ``StoreBusy`` (a sweep or
    another apply of the store holds its lock), and the Salla errors of reading or writing
    (``TokenRevoked``, ``SallaUnavailable``...): after one of those, nothing is lost, and the
    same rollback again finishes the work.
    """
    store_id, run_id = str(store_id), str(run_id)
    _check_run(ports, store_id, run_id)
    job = _Rollback(ports, store_id, run_id, by=by, confirm=confirm_guard_breaks, dry_run=dry_run,
                    threshold_hours=threshold_hours)
    if dry_run:
        return job.run(decision_ids)
    with ports.locks.hold(store_id, SWEEP_LOCK, timeout=sweep_wait) as sweep_free:
        if not sweep_free:
            raise StoreBusy(f"store {store_id}: a sweep is running; roll back once it has finished")
        with ports.locks.hold(store_id, APPLY_LOCK, timeout=lock_timeout) as apply_free:
            if not apply_free:
                raise StoreBusy(f"store {store_id}: another apply is running")
            return job.run(decision_ids)


def _check_run(ports: ApplyPorts, store_id: str, run_id: str) -> None:
    with ports.uow_factory(store_id) as uow:
        if uow.stores.get(store_id) is None:
            raise StoreNotFound(f"store {store_id} does not exist")
        scope = scope_of(uow)
        if scope.runs.get(run_id) is None and not scope.decisions.list(run_id=run_id, limit=1):
            raise RunNotFound(f"store {store_id} has no run {run_id}")


@attrs.frozen
class _Restore:
    """One product to write: the run's decision, its open marker (None: a new one, attempt ``attempt``),
    Salla's product now."""

    record: DecisionRecord
    marker: DecisionRecord | None
    attempt: int
    current: Product
    settings: TenantSettings
    override: ProductOverride | None
    guard_breaks: tuple[str, ...]


class _Rollback:
    """One rollback: list the run's changes, judge each, then (unless a dry run) write and record."""

    def __init__(self, ports: ApplyPorts, store_id: str, run_id: str, *, by: str, confirm: bool, dry_run: bool,
                 threshold_hours: float) -> None:
        self.ports, self.store_id, self.run_id = ports, store_id, run_id
        self.by, self.confirm, self.dry_run, self.threshold_hours = by, confirm, dry_run, threshold_hours
        self.items: dict[str, RollbackItem] = {}
        self.requests = 0
        self.token: str | None = None
        self.to_write: list[_Restore] = []
        self.found_restored: list[DecisionRecord] = []   # open markers whose price Salla already shows
        self.to_fail: dict[str, str] = {}                # marker id -> why it is given up
        self.to_pending: dict[str, str] = {}             # APPLYING marker id -> why it waits (confirmation)
        self.marker_ids: dict[str, str] = {}             # run's decision id -> its restore decision's id

    def run(self, decision_ids: Sequence[str] | None) -> RollbackReport:
        applied = self._changes(decision_ids)
        with self.ports.uow_factory(self.store_id) as uow:
            markers = latest_markers(scope_of(uow).decisions, [r.id for r in applied])
        open_ones = []
        for record in applied:
            marker = markers.get(record.id)
            if marker is not None and marker.status is DecisionStatus.APPLIED:
                self.items[record.id] = item_for(record, RollbackOutcome.ALREADY_RESTORED)
                self.marker_ids[record.id] = marker.id
            else:  # never tried, in flight, or an earlier attempt that ended unwritten: judged now
                open_ones.append(record)
        if open_ones:
            self._judge(open_ones, markers)
        if not self.dry_run:
            self._write_and_record()
        return RollbackReport.of_items(self.store_id, self.run_id, self.items.values(), dry_run=self.dry_run,
                                       requests=self.requests)

    # -- reading

    def _changes(self, decision_ids: Sequence[str] | None) -> list[DecisionRecord]:
        """The run's applied decisions (of ``decision_ids``); the ones still in flight are listed as left."""
        with self.ports.uow_factory(self.store_id) as uow:
            scope = scope_of(uow)
            if decision_ids is not None:
                records = []
                for decision_id in dict.fromkeys(str(i) for i in decision_ids):
                    record = scope.decisions.get(decision_id)
                    if record is None or record.run_id != self.run_id:
                        raise DecisionNotFound(f"run {self.run_id} has no decision {decision_id}")
                    records.append(record)
            else:
                records = [r for status in (DecisionStatus.APPLIED, DecisionStatus.APPLYING, DecisionStatus.APPROVED)
                           for r in _all(scope, status, self.run_id)]
        applied = []
        for record in records:
            if record.status is DecisionStatus.APPLIED:
                applied.append(record)
            elif record.status in (DecisionStatus.APPLYING, DecisionStatus.APPROVED):
                self.items[record.id] = item_for(record, RollbackOutcome.LEFT, reason=(
                    f"this change is still being applied ({record.status.value}); roll back once it has settled"))
            else:
                self.items[record.id] = item_for(record, RollbackOutcome.LEFT, reason=(
                    f"this decision changed no price (it is {record.status.value})"))
        return applied

    def _judge(self, records: Sequence[DecisionRecord], markers: Mapping[str, DecisionRecord]) -> None:
        """Read the products from Salla now and judge each (``pricing_core.rollback.judge_restore``)."""
        self.token = token = ensure_fresh_tokens(self.ports, self.store_id,
                                                 threshold_hours=self.threshold_hours).access_token
        product_ids = list(dict.fromkeys(r.decision.product_id for r in records))
        with self.ports.uow_factory(self.store_id) as uow:
            scope = scope_of(uow)
            book = RuleBook(scope.settings.get(), scope.rules.list())
            overrides = scope.overrides.get_many(product_ids)
            latest = scope.price_history.latest(product_ids)
        for start in range(0, len(records), _READ_BATCH):
            batch = records[start:start + _READ_BATCH]
            page = self.ports.salla_catalog.get_products(token, [r.decision.product_id for r in batch])
            self.requests += 1
            found = {p.id: p for p in page.products}
            unreadable = {p.variant_of: "the product is priced per SKU now, not as a whole"
                          for p in page.products if p.variant_of is not None}
            unreadable.update((r.product_id, r.reason) for r in page.rejected if r.product_id is not None)
            for record in batch:
                pid = record.decision.product_id
                self._judge_one(record, markers.get(record.id), found.get(pid), book, overrides.get(pid),
                                latest.get(pid), unreadable.get(pid))

    def _judge_one(
        self,
        record: DecisionRecord,
        marker: DecisionRecord | None,
        current: Product | None,
        book: RuleBook,
        override: ProductOverride | None,
        latest: PricePoint | None,
        unreadable: str | None,
    ) -> None:
        now_price = None if current is None else quantize(current.price)
        attempt = 1 if marker is None else attempt_of(marker, record.id)
        if marker is not None and marker.status not in OPEN_MARKER:  # that attempt ended without writing
            marker, attempt = None, attempt + 1
        if marker is not None and now_price == record.decision.old_price:
            # Sent before a crash (or the recovery loop gave it back before Salla's queue applied it),
            # and Salla shows it: recorded now, never sent twice.
            outcome = RollbackOutcome.ALREADY_RESTORED if self.dry_run else RollbackOutcome.RESTORED
            self.items[record.id] = item_for(record, outcome, current=now_price)
            self.found_restored.append(marker)
            self.marker_ids[record.id] = marker.id
            return
        settings: TenantSettings | str = "the product is not in Salla"
        if current is not None:
            try:
                settings = book.settings_for(book.rule_for(current))
            except InvalidRule as exc:
                settings = str(exc)
        later = latest if latest is not None and latest.changed_at > record.updated_at else None
        judgment = judge_restore(record, current, settings=settings, override=override, later_change=later,
                                 confirm_guard_breaks=self.confirm, missing_reason=unreadable)
        self.items[record.id] = item_for(record, judgment.outcome, current=now_price, reason=judgment.reason,
                                         guard_breaks=judgment.guard_breaks)
        if judgment.outcome is RollbackOutcome.RESTORE:
            assert current is not None and isinstance(settings, TenantSettings)
            self.to_write.append(_Restore(record, marker, attempt, current, settings, override,
                                          judgment.guard_breaks))
        elif marker is not None and judgment.outcome is RollbackOutcome.LEFT:
            self.to_fail[marker.id] = f"not restored: {judgment.reason}"
        elif marker is not None and marker.status is DecisionStatus.APPLYING:
            self.to_pending[marker.id] = f"not restored: {judgment.reason}"

    # -- writing

    def _write_and_record(self) -> None:
        now = self.ports.clock.now()
        written: list[DecisionRecord] = []
        refused: dict[str, str] = {}
        waiting: dict[str, str] = {}
        if self.to_write:
            markers = self._mark_applying(now)
            updates = [PriceUpdate(product_id=m.decision.product_id, price=m.decision.suggested_price,
                                   sku=m.decision.sku) for m in markers]
            assert self.token is not None  # read while judging
            if self.ports.echoes is not None:
                self.ports.echoes.expect(self.store_id, {u.product_id: u.price for u in updates},
                                         ttl_seconds=self.ports.echo_ttl_seconds)
            report = self.ports.salla_catalog.apply_prices(self.token, updates)
            self.requests += report.requests
            accepted = set(report.accepted)
            for job, marker in zip(self.to_write, markers, strict=True):
                pid = marker.decision.product_id
                if pid in accepted:
                    written.append(marker)
                    self.items[job.record.id] = attrs.evolve(self.items[job.record.id],
                                                             outcome=RollbackOutcome.RESTORED)
                    continue
                if pid in report.retryable:
                    why = f"not restored for now: Salla answered {report.retryable[pid]}; roll back again to retry"
                    waiting[marker.id] = why
                else:
                    why = f"not restored: Salla refused it: {report.failed.get(pid, 'not accepted')}"
                    refused[marker.id] = why
                self.items[job.record.id] = attrs.evolve(self.items[job.record.id], outcome=RollbackOutcome.LEFT,
                                                         reason=why)
        self._record(written + self.found_restored, {**self.to_fail, **refused}, {**self.to_pending, **waiting})

    def _mark_applying(self, now: datetime) -> list[DecisionRecord]:
        """Store each product's marker APPLYING, committed before anything is sent (the rollback's intent)."""
        fresh = [restore_record(j.record, j.current, settings=j.settings, override=j.override,
                                guard_breaks=j.guard_breaks, by=self.by, now=now, attempt=j.attempt)
                 if j.marker is None else j.marker for j in self.to_write]
        self.marker_ids.update((j.record.id, m.id) for j, m in zip(self.to_write, fresh, strict=True))
        with self.ports.uow_factory(self.store_id) as uow:
            decisions = scope_of(uow).decisions
            decisions.add_many([m for j, m in zip(self.to_write, fresh, strict=True) if j.marker is None])
            waiting = [m.id for m in fresh if m.status is DecisionStatus.PENDING]
            if waiting:
                decisions.set_status(waiting, DecisionStatus.APPROVED, at=now, by=self.by,
                                     expected=(DecisionStatus.PENDING,))
            decisions.set_status([m.id for m in fresh if m.status is not DecisionStatus.APPLYING],
                                 DecisionStatus.APPLYING, at=now, expected=(DecisionStatus.APPROVED,))
            uow.commit()
        return [attrs.evolve(m, status=DecisionStatus.APPLYING) for m in fresh]

    def _record(self, restored: Sequence[DecisionRecord], failed: Mapping[str, str],
                waiting: Mapping[str, str]) -> None:
        """Record the outcome in one transaction: markers, price history, and the activity-log entry."""
        now = self.ports.clock.now()
        with self.ports.uow_factory(self.store_id) as uow:
            scope = scope_of(uow)
            record_outcome(scope, restored=restored, failed=failed, waiting=waiting, now=now)
            log_rollback(scope, run_id=self.run_id, by=self.by, confirmed=self.confirm, items=self.items.values(),
                         marker_ids=self.marker_ids, now=now)
            uow.commit()


def _all(scope: StoreScope, status: DecisionStatus, run_id: str) -> Iterable[DecisionRecord]:
    offset = 0
    while True:
        page = scope.decisions.list(status=status, run_id=run_id, limit=_PAGE, offset=offset)
        yield from page
        if len(page) < _PAGE:
            return
        offset += len(page)


__all__ = ["DEFAULT_SWEEP_WAIT", "RollbackReport", "latest_markers", "rollback_run", "rollback_status"]
