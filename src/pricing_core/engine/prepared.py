"""The store's settings made ready for pricing: computed once per pricing rule of a catalog, not once per product."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

import attrs

from pricing_core.approval import mode_description
from pricing_core.catalog import Product
from pricing_core.rules import InvalidRule, PricingRule, RuleBook
from pricing_core.settings import Strategy, TenantSettings
from pricing_core.strategies import competitive_strategy


@attrs.frozen
class Prepared:
    """Settings-derived values computed once per catalog instead of once per product."""

    settings: TenantSettings
    margin: Decimal
    vat: Decimal
    thresholds: tuple[Decimal, Decimal]
    cooldown: timedelta
    mode_text: str
    strategy_name: str
    floor_suffix: str
    guard_prefix: str
    profit: bool
    source_line: str

    @classmethod
    def of(cls, settings: TenantSettings, rule: PricingRule | None = None) -> Prepared:
        source = rule.label() if rule is not None else "store settings"
        return cls(
            settings=settings,
            margin=settings.margin_fraction,
            vat=settings.vat_fraction,
            thresholds=settings.risk_thresholds(),
            cooldown=timedelta(hours=settings.cooldown_hours),
            mode_text=mode_description(settings.automation_mode),
            strategy_name=(f"profit>{competitive_strategy(settings).value}:{settings.reference.value}"
                           if settings.strategy is Strategy.PROFIT
                           else f"{settings.strategy.value}:{settings.reference.value}"),
            floor_suffix=f"minimum margin {settings.min_profit_margin}%",
            guard_prefix=f"(maximum change {settings.max_change_pct}%",
            profit=settings.strategy is Strategy.PROFIT,
            source_line=f"Priced with {source}.",
        )


class Preparer:
    """One ``Prepared`` per distinct rule of a catalog (most catalogs have a handful), not one per product."""

    def __init__(self, settings: TenantSettings, rules: Sequence[PricingRule]) -> None:
        self.book = RuleBook(settings, rules)
        self.cache: dict[int, Prepared | InvalidRule] = {}

    def for_product(self, product: Product) -> Prepared | InvalidRule:
        rule = self.book.rule_for(product)
        key = id(rule)
        found = self.cache.get(key)
        if found is None:
            try:
                found = Prepared.of(self.book.settings_for(rule), rule)
            except InvalidRule as exc:
                found = exc
            self.cache[key] = found
        return found


__all__ = [
    "Prepared",
    "Preparer",
]
