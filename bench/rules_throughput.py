"""Pricing rules and overrides cost little: 100,000 products with 50 rules and 10,000 overrides.

Target (issue 12): ``price_catalog`` with 50 rules and 10,000 product overrides takes at most
1.5x the time of the same catalog without them, measured in one run (best of ``--repeat``,
the two variants interleaved so a load change on a shared machine hits both). Run:
``python bench/rules_throughput.py [--products N --repeat R]``. Exits non-zero when missed.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import time
from decimal import Decimal

import attrs
from core_throughput import build

from pricing_core import PricingRule, ProductOverride, RuleMatch, TenantSettings, price_catalog

TARGET_RATIO = 1.5
CATEGORIES = [str(100 + i) for i in range(40)]
BRANDS = [f"brand-{i}" for i in range(25)]
TAGS = ["sale", "new", "عطر", "gift", "bulk", "eid"]


def rules(rng: random.Random) -> list[PricingRule]:
    """50 rules over categories, brands, tags and price bands, each with a few settings of its own."""
    out = []
    for i in range(50):
        kind = i % 4
        match = (RuleMatch(categories=rng.sample(CATEGORIES, 3)) if kind == 0 else
                 RuleMatch(brands=rng.sample(BRANDS, 2)) if kind == 1 else
                 RuleMatch(tags=[rng.choice(TAGS)], price_max=str(rng.randint(100, 900))) if kind == 2 else
                 RuleMatch(categories=rng.sample(CATEGORIES, 5), brands=rng.sample(BRANDS, 5)))
        settings: dict[str, object] = {"min_profit_margin": str(rng.randint(5, 40))}
        if i % 3 == 0:
            settings.update(reference="median", strategy="beat_percent", strategy_value="1")
        if i % 5 == 0:
            settings.update(max_change_pct="5", competitors_exclude=["jarir"])
        out.append(PricingRule(name=f"rule {i}", priority=rng.randint(0, 5), match=match, settings=settings))
    return out


def overrides(products: list, rng: random.Random) -> dict[str, ProductOverride]:
    """10,000 overrides: mostly costs, some MAP, min/max, exclusions and fixed prices."""
    out = {}
    for p in rng.sample(products, 10_000):
        kind = rng.randint(0, 9)
        values: dict[str, object] = {"cost_price": (p.price * Decimal("0.55")).quantize(Decimal("0.01"))}
        if kind == 0:
            values["excluded"] = True
        elif kind == 1:
            values["fixed_price"] = p.price
        elif kind in (2, 3):
            values["map_price"] = (p.price * Decimal("0.95")).quantize(Decimal("0.01"))
        elif kind == 4:
            values.update(min_price=(p.price * Decimal("0.9")).quantize(Decimal("0.01")),
                          max_price=(p.price * Decimal("1.2")).quantize(Decimal("0.01")))
        out[p.id] = ProductOverride(product_id=p.id, **values)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the core benchmark
    rng = random.Random(12)
    products, offers, now = build(args.products)
    products = [attrs.evolve(p, categories=rng.sample(CATEGORIES, rng.randint(1, 2)), brand=rng.choice(BRANDS),
                             tags=rng.sample(TAGS, rng.randint(0, 2))) for p in products]
    rule_list, override_map = rules(rng), overrides(products, rng)
    settings = TenantSettings(automation_mode="full-auto")
    best = {"plain": float("inf"), "rules": float("inf")}
    by_rule, actions = 0, {}
    for attempt in range(args.repeat):
        # Alternate which variant goes first, and start each from a collected heap, so neither pays
        # for the other's garbage or for a load spike on a shared machine more often than the other.
        for variant in (("plain", "rules") if attempt % 2 == 0 else ("rules", "plain")):
            extra = {"rules": rule_list, "overrides": override_map} if variant == "rules" else {}
            decisions = []
            gc.collect()
            start = time.perf_counter()
            decisions = price_catalog(products, offers, settings, now=now, **extra)  # type: ignore[arg-type]
            best[variant] = min(best[variant], time.perf_counter() - start)
            assert len(decisions) == len(products)
            if variant == "rules":
                by_rule = sum(1 for d in decisions if d.explanation[0].startswith("Priced with rule"))
                actions = {}
                for d in decisions:
                    actions[d.action.value] = actions.get(d.action.value, 0) + 1
    ratio = best["rules"] / best["plain"]
    print(f"products={len(products)} rules={len(rule_list)} overrides={len(override_map)} best_of={args.repeat} "
          f"plain={best['plain']:.2f}s with_rules={best['rules']:.2f}s ratio={ratio:.2f} target<={TARGET_RATIO}")
    print(f"priced by a rule: {by_rule}; actions with rules: {actions}")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
