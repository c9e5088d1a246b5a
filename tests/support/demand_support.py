"""Synthetic sales histories from a known demand curve, for the demand tests."""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from hypothesis import strategies as st

from pricing_core import SalesObservation

START = date(2026, 1, 1)
CENT = Decimal("0.01")


def money(value: float) -> Decimal:
    return Decimal(repr(max(value, 0.01))).quantize(CENT)


def simulate(
    rng: np.random.Generator,
    *,
    elasticity: float,
    cross: float = 0.0,
    units: float = 5.0,
    days: int = 56,
    price_sd: float = 0.05,
    market_sd: float = 0.03,
    burst: float | None = 5.0,
    lag_match: bool = False,
    with_reference: bool = True,
) -> list[SalesObservation]:
    """``days`` daily observations of a product whose expected sales are ``units * (p/100)**e * (r/100)**cross``.

    The competitor reference ``r`` walks randomly (``market_sd`` per day). The own price either sits
    around it (``price_sd``) or, with ``lag_match``, matches yesterday's reference as a repricer
    does. ``burst`` is the gamma shape of day-to-day demand noise (None: plain Poisson).
    """
    ref = 100.0
    previous = ref
    out = []
    for d in range(days):
        previous, ref = ref, ref * math.exp(rng.normal(0.0, market_sd))
        price = previous if lag_match else ref * math.exp(rng.normal(0.0, price_sd))
        p, r = money(price), money(ref)
        mean = units * (float(p) / 100) ** elasticity * (float(r) / 100) ** cross
        if burst is not None:
            mean *= rng.gamma(burst, 1.0 / burst)
        out.append(SalesObservation(START + timedelta(days=d), p, int(rng.poisson(mean)),
                                    r if with_reference else None))
    return out


@st.composite
def histories(draw: st.DrawFn) -> list[SalesObservation]:
    """Any history of up to 40 days: prices, units and (on some histories) competitor references."""
    days = draw(st.integers(1, 40))
    start = date(2026, 1, 1)
    with_ref = draw(st.booleans())
    out = []
    for d in range(days):
        price = draw(st.decimals(min_value=Decimal("1"), max_value=Decimal("500"), places=2))
        ref = draw(st.one_of(st.none(), st.decimals(min_value=Decimal("1"), max_value=Decimal("500"), places=2)))
        out.append(SalesObservation(start + timedelta(days=d), price, draw(st.integers(0, 60)),
                                    ref if with_ref else None))
    return out
