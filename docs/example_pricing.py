"""Notebook-style example: price a small catalog with the pure core and print each decision's explanation.

Run it with ``python docs/example_pricing.py``; the test suite runs it too, so it cannot rot.
"""

from datetime import UTC, datetime
from decimal import Decimal

from pricing_core import TenantSettings, price_catalog
from pricing_core.sample import sample_catalog

now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
products, offers = sample_catalog(now)

settings = TenantSettings(
    min_profit_margin=Decimal("15"),   # never below 15% gross margin on the pre-VAT price
    automation_mode="semi-auto",       # apply low-risk changes, queue the rest
    risk_tolerance="medium",           # low up to 5%, medium up to 15%
    max_change_pct=Decimal("10"),      # at most 10% per run (a raise up to the floor may exceed it)
)

for decision in price_catalog(products, offers, settings, now=now):
    print(f"{decision.name}: {decision.old_price} -> {decision.suggested_price} "
          f"[{decision.action.value}, risk {decision.risk.value}]")
    for step in decision.explanation:
        print(f"    - {step}")
