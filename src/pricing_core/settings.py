"""Tenant settings: one validated, frozen value object per store, with safe defaults."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator


class AutomationMode(StrEnum):
    """Who applies a price change: the merchant (manual), the optimizer for low risk, or for low+medium."""

    MANUAL = "manual"
    SEMI_AUTO = "semi-auto"
    FULL_AUTO = "full-auto"


class RiskTolerance(StrEnum):
    """How large a change the merchant still calls low or medium risk."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Reference(StrEnum):
    """Which competitor price the strategy starts from."""

    LOWEST = "lowest"
    SECOND_LOWEST = "second_lowest"
    MEDIAN = "median"
    AVERAGE = "average"
    COMPETITOR = "competitor"


class Strategy(StrEnum):
    """How the target is placed relative to the reference price."""

    MATCH = "match"
    BEAT_PERCENT = "beat_percent"
    BEAT_AMOUNT = "beat_amount"
    ABOVE_PERCENT = "above_percent"


class Fallback(StrEnum):
    """What to do when no usable competitor offer remains."""

    HOLD = "hold"
    TARGET_MARGIN = "target_margin"


class PriceEnding(StrEnum):
    """Optional psychological price ending; never crosses the floor or the maximum change."""

    NONE = "none"
    END_95 = ".95"
    END_99 = ".99"
    END_00 = ".00"


class DirectionLock(StrEnum):
    """Restrict the optimizer to raises only or decreases only."""

    NONE = "none"
    UP_ONLY = "up_only"
    DOWN_ONLY = "down_only"


class NoCostPolicy(StrEnum):
    """What a decrease on a product without a known cost becomes: held, or queued for approval."""

    HOLD = "hold"
    ASK = "ask"


# Default (low, medium) upper bounds on the size of a change, in percent, per tolerance.
DEFAULT_RISK_THRESHOLDS: dict[RiskTolerance, tuple[Decimal, Decimal]] = {
    RiskTolerance.LOW: (Decimal("2"), Decimal("8")),
    RiskTolerance.MEDIUM: (Decimal("5"), Decimal("15")),
    RiskTolerance.HIGH: (Decimal("10"), Decimal("25")),
}


class TenantSettings(BaseModel):
    """One store's pricing settings. Invalid values raise ``pydantic.ValidationError`` naming the field.

    Defaults are the safe ones: semi-auto, 15% minimum margin, 10% maximum change per run,
    match the lowest usable offer, hold when there is none.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)

    min_profit_margin: Decimal = Field(default=Decimal("15"), description="Minimum gross margin, percent")
    automation_mode: AutomationMode = AutomationMode.SEMI_AUTO
    risk_tolerance: RiskTolerance = RiskTolerance.MEDIUM
    update_frequency_hours: int = Field(default=6, ge=1, le=168)
    max_change_pct: Decimal = Field(default=Decimal("10"), gt=0, le=100)
    vat_rate: Decimal = Field(default=Decimal("15"), ge=0, lt=100)

    reference: Reference = Reference.LOWEST
    strategy: Strategy = Strategy.MATCH
    strategy_value: Decimal = Field(default=Decimal("0"), ge=0, description="Percent or amount, per strategy")
    reference_competitor: str | None = None
    fallback: Fallback = Fallback.HOLD
    target_margin: Decimal | None = Field(default=None, ge=0, lt=95)

    min_price: Decimal | None = Field(default=None, gt=0)
    max_price: Decimal | None = Field(default=None, gt=0)
    cooldown_hours: int = Field(default=0, ge=0, le=24 * 90)
    direction_lock: DirectionLock = DirectionLock.NONE
    price_ending: PriceEnding = PriceEnding.NONE
    no_cost_policy: NoCostPolicy = NoCostPolicy.ASK

    max_offer_age_hours: int = Field(default=72, ge=1, le=24 * 60)
    min_offer_confidence: Decimal = Field(default=Decimal("0.5"), ge=0, le=1)
    outlier_pct: Decimal = Field(default=Decimal("40"), gt=0, le=100,
                                 description="Offers this far below/above the median of 3+ offers are outliers")
    offer_agreement_pct: Decimal = Field(default=Decimal("5"), ge=0, le=100,
                                         description="A reading agrees with another within this percent")
    own_store_names: tuple[str, ...] = ()
    include_shipping: bool = Field(default=False, description="Compare competitors' prices with their stated "
                                                              "shipping added")
    competitors_include: tuple[str, ...] = Field(default=(), description="Only these competitors (empty: all)")
    competitors_exclude: tuple[str, ...] = Field(default=(), description="Never these competitors")
    competitor_weights: dict[str, Decimal] = Field(default_factory=dict,
                                                   description="Weights of the average reference (default 1)")

    risk_low_max_pct: Decimal | None = Field(default=None, gt=0)
    risk_medium_max_pct: Decimal | None = Field(default=None, gt=0)

    @field_validator("min_profit_margin")
    @classmethod
    def _margin_in_range(cls, value: Decimal) -> Decimal:
        if value < 0:
            raise ValueError("min_profit_margin must not be negative")
        if value >= 95:
            raise ValueError("min_profit_margin must be below 95 (percent)")
        return value

    @field_validator("competitor_weights")
    @classmethod
    def _weights_positive(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for name, weight in value.items():
            if not name.strip():
                raise ValueError("competitor_weights needs competitor names")
            if not weight.is_finite() or weight <= 0 or weight > 1000:
                raise ValueError(f"the weight of {name} must be above 0 and at most 1000")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> TenantSettings:
        if self.min_price is not None and self.max_price is not None and self.min_price > self.max_price:
            raise ValueError("min_price must not exceed max_price")
        if self.reference is Reference.COMPETITOR and not self.reference_competitor:
            raise ValueError("reference_competitor is required when reference is 'competitor'")
        low, medium = self.risk_thresholds()
        if low > medium:
            raise ValueError("risk_low_max_pct must not exceed risk_medium_max_pct")
        return self

    def with_changes(self, **changes: object) -> TenantSettings:
        """A validated copy with ``changes`` applied (``model_copy(update=...)`` would skip validation)."""
        return TenantSettings.model_validate({**self.model_dump(), **changes})

    def risk_thresholds(self) -> tuple[Decimal, Decimal]:
        """Upper bounds (percent change) of low and medium risk, overrides applied."""
        low, medium = DEFAULT_RISK_THRESHOLDS[self.risk_tolerance]
        return (self.risk_low_max_pct or low, self.risk_medium_max_pct or medium)

    @property
    def margin_fraction(self) -> Decimal:
        """``min_profit_margin`` as a fraction (15 -> 0.15)."""
        return self.min_profit_margin / Decimal(100)

    @property
    def vat_fraction(self) -> Decimal:
        """``vat_rate`` as a fraction (15 -> 0.15)."""
        return self.vat_rate / Decimal(100)


def describe_errors(error: ValidationError) -> dict[str, str]:
    """A validation error as ``{field: message}`` for forms, APIs and one-line CLI errors."""
    out: dict[str, str] = {}
    for item in error.errors():
        field = ".".join(str(part) for part in item.get("loc", ())) or "settings"
        message = str(item.get("msg", "invalid value")).removeprefix("Value error, ")
        out.setdefault(field, message)
    return out


__all__ = [
    "DEFAULT_RISK_THRESHOLDS",
    "AutomationMode",
    "DirectionLock",
    "Fallback",
    "NoCostPolicy",
    "PriceEnding",
    "Reference",
    "RiskTolerance",
    "Strategy",
    "TenantSettings",
    "ValidationError",
    "describe_errors",
]
