"""The pure pricing core: domain, pipeline, token lifecycle, scheduling rule, ports and use cases.

Imports nothing that does I/O. The public API is importable from here::

    from pricing_core import Product, CompetitorOffer, TenantSettings, price_product, price_catalog

Demand-aware pricing (the ``profit`` strategy) adds ``SalesObservation``, ``ElasticityEstimate``,
``estimate_elasticity``, ``weekday_factors`` and ``pool_estimates``.
"""

from pricing_core.activity import ActivityEntry, ActivityType
from pricing_core.catalog import AdvisorProposal, CompetitorOffer, PricePoint, Product
from pricing_core.decision import Action, DecisionRecord, DecisionStatus, PricingDecision, RiskLevel
from pricing_core.demand import (
    DemandError,
    ElasticityEstimate,
    SalesObservation,
    estimate_elasticity,
    pool_estimates,
    weekday_factors,
)
from pricing_core.engine import price_catalog, price_product
from pricing_core.money import MoneyError
from pricing_core.overrides import InvalidOverride, ProductOverride
from pricing_core.recheck import recheck_decision
from pricing_core.rules import InvalidRule, PricingRule, RuleMatch, resolve_settings
from pricing_core.runs import OptimizationRun, RunStatus, RunType
from pricing_core.schedule import is_due, takes_scheduled_runs
from pricing_core.settings import (
    AutomationMode,
    DirectionLock,
    Fallback,
    InelasticDemand,
    NoCostPolicy,
    PriceEnding,
    Reference,
    RiskTolerance,
    Strategy,
    TenantSettings,
    ValidationError,
)
from pricing_core.stores import Store
from pricing_core.tokens import RefreshOutcome, TokenHealth, TokenSet, TokenStatusSummary, token_health

__all__ = [
    "Action",
    "ActivityEntry",
    "ActivityType",
    "AdvisorProposal",
    "AutomationMode",
    "CompetitorOffer",
    "DecisionRecord",
    "DecisionStatus",
    "DemandError",
    "DirectionLock",
    "ElasticityEstimate",
    "Fallback",
    "InelasticDemand",
    "InvalidOverride",
    "InvalidRule",
    "MoneyError",
    "NoCostPolicy",
    "OptimizationRun",
    "PriceEnding",
    "PricePoint",
    "PricingDecision",
    "PricingRule",
    "Product",
    "ProductOverride",
    "Reference",
    "RefreshOutcome",
    "RiskLevel",
    "RiskTolerance",
    "RuleMatch",
    "RunStatus",
    "RunType",
    "SalesObservation",
    "Store",
    "Strategy",
    "TenantSettings",
    "TokenHealth",
    "TokenSet",
    "TokenStatusSummary",
    "ValidationError",
    "estimate_elasticity",
    "is_due",
    "pool_estimates",
    "price_catalog",
    "price_product",
    "recheck_decision",
    "resolve_settings",
    "takes_scheduled_runs",
    "token_health",
    "weekday_factors",
]
