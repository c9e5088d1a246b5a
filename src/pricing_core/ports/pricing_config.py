"""Storage of how a merchant wants a store priced: tenant settings, pricing rules, product overrides."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pricing_core.overrides import ProductOverride
from pricing_core.rules import PricingRule
from pricing_core.settings import TenantSettings


class SettingsRepository(Protocol):
    """One store's tenant settings."""

    def get(self) -> TenantSettings:
        """The store's settings (defaults when never saved)."""
        ...

    def save(self, settings: TenantSettings) -> None:
        """Replace the settings."""
        ...


class RuleRepository(Protocol):
    """One store's pricing rules (names are unique within a store)."""

    def list(self) -> list[PricingRule]:
        """Every rule, in the order they are tried (priority, specificity, name)."""
        ...

    def replace_all(self, rules: Sequence[PricingRule]) -> None:
        """Replace the store's rules with ``rules``; ``ValueError`` when two share a name."""
        ...


class OverrideRepository(Protocol):
    """One store's product overrides, by product id."""

    def get_many(self, product_ids: Sequence[str]) -> dict[str, ProductOverride]:
        """Overrides of ``product_ids`` (one query per call); products without one are absent."""
        ...

    def list(self, *, limit: int = 100, offset: int = 0) -> list[ProductOverride]:
        """Overrides ordered by product id."""
        ...

    def count(self) -> int:
        """How many overrides the store has."""
        ...

    def upsert_many(self, overrides: Sequence[ProductOverride]) -> None:
        """Insert or replace overrides by product id (an empty override is stored as given)."""
        ...

    def delete(self, product_id: str) -> bool:
        """Remove a product's override; False when it had none."""
        ...


__all__ = [
    "OverrideRepository",
    "RuleRepository",
    "SettingsRepository",
]
