"""Replay: what a sweep priced from, kept compactly, and the same inputs priced again under other settings.

Every sweep stores one ``PricingInput`` per product it decided (the product snapshot, the offers
used, the last price change that the cooldown saw, the advisor's proposal if any, the demand
estimate the ``profit`` strategy priced on if any, and the time of the decision). ``replay``
prices them again through the same engine, so a past run can be repeated under a partial set of
new settings, other rules or overrides without touching anything; ``totals`` sums decisions into
the figures a backtest reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from pricing_core.catalog import AdvisorProposal, CompetitorOffer, PricePoint, Product
from pricing_core.decision import Action, PricingDecision
from pricing_core.demand import ElasticityEstimate
from pricing_core.engine import price_catalog
from pricing_core.guards import margin_of
from pricing_core.money import quantize
from pricing_core.overrides import ProductOverride
from pricing_core.rules import PricingRule
from pricing_core.settings import TenantSettings

_HUNDRED = Decimal(100)


@attrs.frozen(kw_only=True)
class PricingInput:
    """Everything the engine priced one product from in one run."""

    product: Product
    offers: tuple[CompetitorOffer, ...] = ()
    last_change: PricePoint | None = None
    proposal: AdvisorProposal | None = None
    demand: ElasticityEstimate | None = None
    now: datetime


# -- compact JSON (short keys; defaults left out) ---------------------------------------------

_PRODUCT_DEFAULTS = {f.name: f.default for f in attrs.fields(Product) if f.default is not attrs.NOTHING}
_DEMAND_DEFAULTS = {f.name: f.default for f in attrs.fields(ElasticityEstimate) if f.default is not attrs.NOTHING}
_OFFER_DEFAULTS = {f.name: f.default for f in attrs.fields(CompetitorOffer) if f.default is not attrs.NOTHING}


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _fields(obj: object, defaults: Mapping[str, object]) -> dict[str, object]:
    values = attrs.asdict(obj, recurse=False)  # type: ignore[arg-type]
    return {k: _plain(v) for k, v in values.items() if k not in defaults or defaults[k] != v}


def input_json(item: PricingInput) -> dict[str, Any]:
    """``item`` as JSON-ready data (``input_from_json`` reads it back equal)."""
    data: dict[str, Any] = {"p": _fields(item.product, _PRODUCT_DEFAULTS), "t": item.now.isoformat()}
    if item.offers:
        data["o"] = [_fields(o, _OFFER_DEFAULTS) for o in item.offers]
    if item.last_change is not None:
        data["h"] = {k: _plain(v) for k, v in attrs.asdict(item.last_change).items()}
    if item.proposal is not None:
        data["a"] = {k: _plain(v) for k, v in attrs.asdict(item.proposal).items()}
    if item.demand is not None:
        data["d"] = _fields(item.demand, _DEMAND_DEFAULTS)
    return data


def _when(value: object) -> datetime:
    return datetime.fromisoformat(str(value))


def input_from_json(data: Mapping[str, Any]) -> PricingInput:
    """A ``PricingInput`` from ``input_json`` output (``KeyError``/``ValueError`` on malformed data)."""
    offers = tuple(CompetitorOffer(**{**o, "observed_at": _when(o["observed_at"])}) for o in data.get("o", ()))
    last = data.get("h")
    proposal = data.get("a")
    demand = data.get("d")
    return PricingInput(
        product=Product(**data["p"]),
        offers=offers,
        last_change=None if last is None else PricePoint(**{**last, "changed_at": _when(last["changed_at"])}),
        proposal=None if proposal is None else AdvisorProposal(**proposal),
        demand=None if demand is None else ElasticityEstimate(**demand),
        now=_when(data["t"]),
    )


# -- pricing again ----------------------------------------------------------------------------


def replay(
    inputs: Sequence[PricingInput],
    settings: TenantSettings,
    *,
    rules: Sequence[PricingRule] = (),
    overrides: Mapping[str, ProductOverride] | None = None,
) -> list[PricingDecision]:
    """Price stored inputs again under ``settings``, ``rules`` and product ``overrides``: one
    decision per input, in order.

    Inputs of one run share their time per page, so they are priced in groups of equal ``now``,
    exactly as the sweep priced them.
    """
    decisions: list[PricingDecision] = []
    start = 0
    while start < len(inputs):
        now = inputs[start].now
        end = start
        while end < len(inputs) and inputs[end].now == now:
            end += 1
        group = inputs[start:end]
        decisions += price_catalog(
            [i.product for i in group],
            {i.product.id: i.offers for i in group},
            settings,
            now=now,
            history_by_product_id={i.product.id: [i.last_change] for i in group if i.last_change is not None},
            proposals={i.product.id: i.proposal for i in group if i.proposal is not None},
            demand_by_product_id={i.product.id: i.demand for i in group if i.demand is not None},
            rules=rules,
            overrides=overrides,
        )
        start = end
    return decisions


def with_overrides(settings: TenantSettings, overrides: Mapping[str, Any]) -> TenantSettings:
    """``settings`` with some fields replaced, validated (``pydantic.ValidationError`` names a bad field;
    an unknown field is refused as ``ValueError``)."""
    unknown = set(overrides) - set(TenantSettings.model_fields)
    if unknown:
        raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    return TenantSettings.model_validate({**settings.model_dump(), **overrides})


@attrs.frozen(kw_only=True)
class Totals:
    """What a set of decisions would do: counts, the average change, prices at the floor, margin moved."""

    decisions: int
    changes: int
    auto_apply: int
    needs_approval: int
    avg_change_pct: Decimal
    at_floor: int
    margin_change_pct: Decimal
    # The sums behind the averages, so totals of many runs can be merged without their decisions.
    change_sum: Decimal = Decimal(0)
    margin_sum: Decimal = Decimal(0)
    margin_count: int = 0

    def as_json(self) -> dict[str, object]:
        """The figures as JSON-ready data (amounts as numbers)."""
        return {
            "decisions": self.decisions,
            "changes": self.changes,
            "auto_apply": self.auto_apply,
            "needs_approval": self.needs_approval,
            "avg_change_pct": float(self.avg_change_pct),
            "at_floor": self.at_floor,
            "margin_change_pct": float(self.margin_change_pct),
        }


def totals(pairs: Iterable[tuple[PricingInput, PricingDecision]], vat_fraction: Decimal) -> Totals:
    """Sum decisions (each with the input it came from).

    ``avg_change_pct``: the mean ``change_pct`` of the decisions that change a price.
    ``margin_change_pct``: the mean change of gross margin, in percentage points of the pre-VAT
    price, over the changes of products with a known cost. ``at_floor``: changes that stop at
    the margin floor.
    """
    decisions = changes = auto = approval = at_floor = 0
    change_sum = margin_sum = Decimal(0)
    margin_count = 0
    for item, decision in pairs:
        decisions += 1
        if not decision.is_change:
            continue
        changes += 1
        change_sum += decision.change_pct
        auto += decision.action is Action.AUTO_APPLY
        approval += decision.action is Action.NEEDS_APPROVAL
        at_floor += decision.floor_price is not None and decision.suggested_price == decision.floor_price
        cost, product = item.product.cost_price, item.product
        if cost is not None and product.price > 0 and decision.margin_pct_after is not None:
            before = margin_of(product.price, cost, vat_fraction, product.prices_include_vat) * _HUNDRED
            margin_sum += decision.margin_pct_after - before
            margin_count += 1
    return _totals(decisions, changes, auto, approval, at_floor, change_sum, margin_sum, margin_count)


def _totals(decisions: int, changes: int, auto: int, approval: int, at_floor: int, change_sum: Decimal,
            margin_sum: Decimal, margin_count: int) -> Totals:
    return Totals(
        decisions=decisions,
        changes=changes,
        auto_apply=auto,
        needs_approval=approval,
        avg_change_pct=quantize(change_sum / changes) if changes else Decimal("0.00"),
        at_floor=at_floor,
        margin_change_pct=quantize(margin_sum / margin_count) if margin_count else Decimal("0.00"),
        change_sum=change_sum,
        margin_sum=margin_sum,
        margin_count=margin_count,
    )


def merged(parts: Iterable[Totals]) -> Totals:
    """The totals of several sets of decisions (runs), from their totals alone."""
    items = list(parts)
    return _totals(
        sum(t.decisions for t in items), sum(t.changes for t in items), sum(t.auto_apply for t in items),
        sum(t.needs_approval for t in items), sum(t.at_floor for t in items),
        sum((t.change_sum for t in items), Decimal(0)), sum((t.margin_sum for t in items), Decimal(0)),
        sum(t.margin_count for t in items),
    )


__all__ = ["PricingInput", "Totals", "input_from_json", "input_json", "merged", "replay", "totals", "with_overrides"]
