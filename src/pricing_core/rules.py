"""Pricing rules: a product group (category, brand, tag, SKU list, price band) priced with its own settings.

A rule's ``settings`` is a partial ``TenantSettings`` laid over the store's. The rule that
applies to a product is the matching one of the highest priority; on a tie, the one with more
non-empty match fields (the more specific), then the name. Rules are validated when created,
so a rule with an unknown key or an invalid value never reaches a sweep.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from types import MappingProxyType

import attrs

from pricing_core.catalog import Product
from pricing_core.money import MoneyError, to_decimal
from pricing_core.settings import TenantSettings, ValidationError, describe_errors


class InvalidRule(ValueError):
    """A rule (or its combination with the store's settings) is refused; ``errors`` maps field -> message."""

    def __init__(self, message: str, errors: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.errors: dict[str, str] = dict(errors or {})


def _texts(values: Iterable[object]) -> tuple[str, ...]:
    if isinstance(values, str):  # a bare string would otherwise match letter by letter
        values = (values,)
    out = tuple(str(v).strip() for v in values)
    return tuple(v for v in out if v)


def _optional_price(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = to_decimal(value)
    except MoneyError as exc:
        raise InvalidRule(f"not a price: {value!r}") from exc
    if amount < 0:
        raise InvalidRule(f"a price must not be negative: {amount}")
    return amount


@attrs.frozen(kw_only=True)
class RuleMatch:
    """Which products a rule applies to: every non-empty field must match (any one value within a field).

    ``categories`` and ``brands`` hold Salla ids (as the product carries them), ``tags`` tag names; text compares
    without regard to case. ``price_min``/``price_max`` bound today's price, both inclusive.
    An empty match (no field set) matches every product.
    """

    categories: tuple[str, ...] = attrs.field(default=(), converter=_texts)
    brands: tuple[str, ...] = attrs.field(default=(), converter=_texts)
    tags: tuple[str, ...] = attrs.field(default=(), converter=_texts)
    skus: tuple[str, ...] = attrs.field(default=(), converter=_texts)
    product_ids: tuple[str, ...] = attrs.field(default=(), converter=_texts)
    price_min: Decimal | None = attrs.field(default=None, converter=_optional_price)
    price_max: Decimal | None = attrs.field(default=None, converter=_optional_price)

    def __attrs_post_init__(self) -> None:
        if self.price_min is not None and self.price_max is not None and self.price_min > self.price_max:
            raise InvalidRule("price_min must not exceed price_max", {"match.price_min": "exceeds price_max"})

    @property
    def specificity(self) -> int:
        """How many fields are set (a tie-breaker: the more specific rule wins)."""
        fields = (self.categories, self.brands, self.tags, self.skus, self.product_ids)
        return sum(1 for f in fields if f) + (self.price_min is not None) + (self.price_max is not None)

    def matches(self, product: Product) -> bool:
        """True when ``product`` belongs to the group."""
        return _CompiledMatch.of(self).matches(product)


def _validated_settings(value: Mapping[str, object]) -> Mapping[str, object]:
    """The rule's partial settings, checked against ``TenantSettings`` and normalized to JSON-able values."""
    if not isinstance(value, Mapping):
        raise InvalidRule("settings must be a mapping of setting names to values", {"settings": "not a mapping"})
    unknown = sorted(str(k) for k in value if k not in TenantSettings.model_fields)
    if unknown:
        errors = {f"settings.{k}": "unknown setting" for k in unknown}
        raise InvalidRule(f"unknown setting: {', '.join(unknown)}", errors)
    try:
        checked = TenantSettings.model_validate(dict(value))
    except ValidationError as exc:
        errors = {f"settings.{k}": v for k, v in describe_errors(exc).items()}
        raise InvalidRule("invalid settings: " + "; ".join(f"{k}: {v}" for k, v in errors.items()), errors) from exc
    return MappingProxyType(checked.model_dump(mode="json", include=set(value)))


MAX_NAME = 255


def _name(value: object) -> str:
    name = str(value).strip()
    if not name:
        raise InvalidRule("a rule needs a name", {"name": "required"})
    if len(name) > MAX_NAME:
        raise InvalidRule(f"a rule's name has at most {MAX_NAME} characters", {"name": "too long"})
    return name


@attrs.frozen(kw_only=True, eq=True, hash=False)
class PricingRule:
    """Settings for a group of products, laid over the store's settings when ``match`` applies.

    ``settings`` is a partial ``TenantSettings`` (e.g. ``{"min_profit_margin": "25"}``); it is
    validated on creation (``InvalidRule`` names the field) and kept in JSON-able form.
    """

    name: str = attrs.field(converter=_name)
    priority: int = attrs.field(default=0, converter=int)
    match: RuleMatch = attrs.field(factory=RuleMatch)
    settings: Mapping[str, object] = attrs.field(factory=dict, converter=_validated_settings)

    def label(self) -> str:
        """How an explanation names the rule."""
        return f"rule '{self.name}' (priority {self.priority})"


def _order(rule: PricingRule) -> tuple[int, int, str]:
    return (-rule.priority, -rule.match.specificity, rule.name)


def ordered_rules(rules: Iterable[PricingRule]) -> tuple[PricingRule, ...]:
    """Rules in the order they are tried: priority, then specificity (both highest first), then name."""
    return tuple(sorted(rules, key=_order))


@attrs.frozen
class _CompiledMatch:
    """A ``RuleMatch`` as casefolded sets, so matching a catalog costs set lookups only."""

    categories: frozenset[str]
    brands: frozenset[str]
    tags: frozenset[str]
    skus: frozenset[str]
    product_ids: frozenset[str]
    price_min: Decimal | None
    price_max: Decimal | None

    @classmethod
    def of(cls, match: RuleMatch) -> _CompiledMatch:
        def fold(values: tuple[str, ...]) -> frozenset[str]:
            return frozenset(v.casefold() for v in values)

        return cls(fold(match.categories), fold(match.brands), fold(match.tags), fold(match.skus),
                   frozenset(match.product_ids), match.price_min, match.price_max)

    def matches(self, product: Product) -> bool:
        ids = self.product_ids
        if ids and product.id not in ids and (product.variant_of or "") not in ids:
            return False
        if self.skus and (product.sku is None or product.sku.casefold() not in self.skus):
            return False
        if self.price_min is not None and product.price < self.price_min:
            return False
        if self.price_max is not None and product.price > self.price_max:
            return False
        if self.brands and (product.brand is None or product.brand.casefold() not in self.brands):
            return False
        if self.categories and not any(c.casefold() in self.categories for c in product.categories):
            return False
        return not self.tags or any(t.casefold() in self.tags for t in product.tags)


def combine(settings: TenantSettings, rule: PricingRule | None) -> TenantSettings:
    """The store's settings with ``rule``'s laid on top; ``InvalidRule`` when the two contradict each other."""
    if rule is None or not rule.settings:
        return settings
    try:
        return settings.with_changes(**rule.settings)
    except ValidationError as exc:
        errors = describe_errors(exc)
        detail = "; ".join(f"{k}: {v}" for k, v in errors.items())
        raise InvalidRule(f"{rule.label()} conflicts with the store settings: {detail}", errors) from exc


class RuleBook:
    """A store's rules prepared for one catalog: sorted once, matched by set lookups, combined once per rule."""

    def __init__(self, settings: TenantSettings, rules: Iterable[PricingRule]) -> None:
        self.settings = settings
        self.rules = ordered_rules(rules)
        self._compiled = tuple((_CompiledMatch.of(r.match), r) for r in self.rules)
        self._combined: dict[int, TenantSettings | InvalidRule] = {}

    def rule_for(self, product: Product) -> PricingRule | None:
        """The rule that applies to ``product`` (None: the store's settings alone)."""
        for compiled, rule in self._compiled:
            if compiled.matches(product):
                return rule
        return None

    def settings_for(self, rule: PricingRule | None) -> TenantSettings:
        """The effective settings under ``rule`` (cached); raises ``InvalidRule`` on a contradiction."""
        if rule is None:
            return self.settings
        key = id(rule)
        if key not in self._combined:
            try:
                self._combined[key] = combine(self.settings, rule)
            except InvalidRule as exc:
                self._combined[key] = exc
        found = self._combined[key]
        if isinstance(found, InvalidRule):
            raise found
        return found


def resolve_settings(
    settings: TenantSettings, rules: Sequence[PricingRule], product: Product
) -> tuple[TenantSettings, PricingRule | None]:
    """The settings that price ``product``: the store's, with the applicable rule's on top, and that rule.

    Raises ``InvalidRule`` when the rule's settings contradict the store's (e.g. a rule's
    ``min_price`` above the store's ``max_price``).
    """
    book = RuleBook(settings, rules)
    rule = book.rule_for(product)
    return book.settings_for(rule), rule


__all__ = ["InvalidRule", "PricingRule", "RuleBook", "RuleMatch", "combine", "ordered_rules", "resolve_settings"]
