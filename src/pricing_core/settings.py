"""Tenant settings: one validated, frozen value object per store, with safe defaults."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError


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
    PROFIT = "profit"  # the price that earns most under the product's demand estimate (pricing_core/demand.py)


class InelasticDemand(StrEnum):
    """What the profit strategy does when demand is inelastic (a higher price would earn more, without a limit)."""

    STEP_UP = "step_up"
    COMPETITIVE = "competitive"


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


# Upper limits of ``strategy_value`` per strategy (see ``TenantSettings._value_fits_strategy``).
MAX_BEAT_PERCENT = Decimal(50)
MAX_ABOVE_PERCENT = Decimal(100)
MAX_BEAT_AMOUNT = Decimal(1000)

# A competitor or store name is kept as long as the offers table keeps one; a name is one line of
# text, never a control character (PostgreSQL cannot store NUL, a newline splits the log).
MAX_NAME_LENGTH = 255
MAX_OWN_STORE_NAMES = 50
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _one_line(value: str) -> str:
    if _CONTROL.search(value):
        raise PydanticCustomError("one_line", "must be one line of text, without control characters")
    return value


Name = Annotated[str, StringConstraints(max_length=MAX_NAME_LENGTH), AfterValidator(_one_line)]

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
    reference_competitor: Name | None = None
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
    own_store_names: tuple[Name, ...] = Field(default=(), max_length=MAX_OWN_STORE_NAMES)
    include_shipping: bool = Field(default=False, description="Compare competitors' prices with their stated "
                                                              "shipping added")
    competitors_include: tuple[Name, ...] = Field(default=(), max_length=MAX_OWN_STORE_NAMES,
                                                  description="Only these competitors (empty: all)")
    competitors_exclude: tuple[Name, ...] = Field(default=(), max_length=MAX_OWN_STORE_NAMES,
                                                  description="Never these competitors")
    competitor_weights: dict[Name, Decimal] = Field(default_factory=dict, max_length=MAX_OWN_STORE_NAMES,
                                                    description="Weights of the average reference (default 1)")

    risk_low_max_pct: Decimal | None = Field(default=None, gt=0)
    risk_medium_max_pct: Decimal | None = Field(default=None, gt=0)

    # The profit strategy (strategy="profit"): see docs/architecture.md, "Demand-aware pricing".
    profit_fallback_strategy: Strategy = Field(
        default=Strategy.MATCH,
        description="The competitive strategy used when the demand estimate cannot be priced on")
    # Narrower than the weak prior's 6.58: an estimate that is the weak prior alone (no price
    # variation seen yet) falls back; anything the sales or a category/store prior narrowed is
    # priced on, its uncertainty priced in (expected profit over the interval).
    profit_max_interval_width: Decimal = Field(
        default=Decimal("6"), gt=0, le=20,
        description="An elasticity whose 90% interval is wider than this is too uncertain to price on; "
                    "narrower ones are priced on in expectation over the interval")
    profit_when_inelastic: InelasticDemand = InelasticDemand.STEP_UP
    profit_step_up_pct: Decimal = Field(
        default=Decimal("2"), gt=0, le=100,
        description="Raise per run when demand is inelastic, percent (the maximum change still applies)")
    exploration: bool = Field(
        default=False, description="Small alternating price tests on products whose elasticity is too uncertain")
    exploration_step_pct: Decimal = Field(default=Decimal("2"), gt=0, le=10,
                                          description="Size of a price test, percent")

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

    @field_validator("strategy_value")
    @classmethod
    def _value_fits_strategy(cls, value: Decimal, info: ValidationInfo) -> Decimal:
        """``strategy_value`` read per strategy (``strategy`` is validated first: it is declared first).

        - ``match``: the value means nothing and is ignored (stored as 0), so switching a form
          back to ``match`` does not trip over the old percent.
        - ``beat_percent``: above 0 and at most 50. Beating by 0% is ``match``; beyond 50% the
          target is half the competitor's price, and "beat by 200%" is a negative target that
          only the margin floor stops: every price driven to the floor.
        - ``above_percent``: 0 to 100 (at most twice the reference).
        - ``beat_amount``: 0 to 1,000 in the store's currency. The amount is the same for every
          product, cheap or dear, so a large one is a floor-for-everything in disguise; 1,000
          still lets a store of expensive goods (a 20,000 SAR watch) undercut meaningfully, and
          wider gaps belong in ``beat_percent``. The guards bound every move anyway.

        ``target_margin`` below ``min_profit_margin`` is accepted on purpose: the floor wins, so
        such a target means "move to the floor", and refusing it would make raising the minimum
        margin (the safe direction) fail until the target is raised too.
        """
        strategy = info.data.get("strategy")
        if strategy is None:  # the strategy itself is invalid; its own error names it
            return value
        if strategy is Strategy.MATCH:
            return Decimal(0)
        if strategy is Strategy.BEAT_PERCENT and not 0 < value <= MAX_BEAT_PERCENT:
            raise ValueError(f"strategy_value for beat_percent must be above 0 and at most {MAX_BEAT_PERCENT} "
                             f"(percent below the reference), not {value}")
        if strategy is Strategy.ABOVE_PERCENT and value > MAX_ABOVE_PERCENT:
            raise ValueError(f"strategy_value for above_percent must be between 0 and {MAX_ABOVE_PERCENT} "
                             f"(percent above the reference), not {value}")
        if strategy is Strategy.BEAT_AMOUNT and value > MAX_BEAT_AMOUNT:
            raise ValueError(f"strategy_value for beat_amount must be between 0 and {MAX_BEAT_AMOUNT} "
                             f"(an amount below the reference, in the store's currency), not {value}")
        return value

    @field_validator("profit_fallback_strategy")
    @classmethod
    def _competitive_fallback(cls, value: Strategy) -> Strategy:
        if value is Strategy.PROFIT:
            raise ValueError("profit_fallback_strategy must be a competitive strategy, not 'profit'")
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


def load_stored_settings(data: Mapping[str, object]) -> tuple[TenantSettings, tuple[str, ...]]:
    """Settings saved by an earlier release, read leniently: ``(settings, what was repaired and why)``.

    Validation got stricter for ``strategy_value`` (per strategy), and a setting may be retired.
    A store whose saved settings no longer validate must not fail every sweep (nor the
    scheduler's listing of all stores), so two repairs are made, and reported for the caller to log:
    a key that is no longer a setting is dropped, and a ``strategy_value`` that no longer fits its
    strategy reverts the strategy to ``match`` (value 0), the conservative choice: it never
    undercuts the reference. Anything else still raises: guessing a margin or a price limit
    could sell below what the merchant set.
    """
    try:
        return TenantSettings.model_validate(data), ()
    except ValidationError as exc:
        error = exc
    repaired = dict(data)
    notes: list[str] = []
    for item in error.errors():
        loc = item.get("loc", ())
        field = str(loc[0]) if loc else ""
        message = str(item.get("msg", "invalid value")).removeprefix("Value error, ")
        if item.get("type") == "extra_forbidden":
            repaired.pop(field, None)
            notes.append(f"{field}: no longer a setting; dropped")
        elif field == "strategy_value":
            notes.append(f"{message}; the strategy reverts to match until the settings are saved again")
            repaired["strategy"] = Strategy.MATCH.value
            repaired["strategy_value"] = "0"
        else:
            raise error
    return TenantSettings.model_validate(repaired), tuple(notes)


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
    "MAX_ABOVE_PERCENT",
    "MAX_BEAT_AMOUNT",
    "MAX_BEAT_PERCENT",
    "MAX_NAME_LENGTH",
    "MAX_OWN_STORE_NAMES",
    "AutomationMode",
    "DirectionLock",
    "Fallback",
    "InelasticDemand",
    "NoCostPolicy",
    "PriceEnding",
    "Reference",
    "RiskTolerance",
    "Strategy",
    "TenantSettings",
    "ValidationError",
    "describe_errors",
    "load_stored_settings",
]
