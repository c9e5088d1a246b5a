"""What the product page shows beyond the decisions: competitor offers, a price chart, the demand curve.

Everything here is read from what the sweeps stored (the latest offers, the price history, the
daily sales) and judged by the pricing core itself (``clean_offers`` for trust, ``margin_floor``
for the floor, ``demand_history`` for the elasticity), so the page says what the optimizer sees.
Charts are small inline SVGs drawn on the server: no script, readable on a phone, printable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

from markupsafe import Markup, escape

from pricing_core.catalog import CompetitorOffer, PricePoint, Product
from pricing_core.demand import ElasticityEstimate, optimal_price
from pricing_core.demand_history import DemandInputs, demand_estimates
from pricing_core.event_time import SALLA_TZ
from pricing_core.guards import margin_floor
from pricing_core.offers import clean_offers
from pricing_core.sales import DailySales
from pricing_core.settings import TenantSettings

CHART_DAYS = 90
_W, _H, _PAD = 640, 260, 40

# Arabic for the offer-trust reasons the core gives (``pricing_core.offers``); others stay English.
_REASONS_AR: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"out of stock"), "نافد من المخزون"),
    (re.compile(r"stale: observed (\d+)h ago \(limit (\d+)h\)"), r"قديم: رُصد قبل \1 ساعة (الحد \2 ساعة)"),
    (re.compile(r"outlier: (\d+)% from the median (\S+)"), r"شاذ: يبعد \1٪ عن الوسيط \2"),
    (re.compile(r"this is the store's own listing"), "هذا عرض متجرك نفسه"),
    (re.compile(r"currency (\S+) is not (\S+)"), r"العملة \1 ليست \2"),
    (re.compile(r"a competitor these settings leave out"), "منافس تستبعده الإعدادات"),
    (re.compile(r"not among the competitors these settings compare with"), "ليس من المنافسين المختارين في الإعدادات"),
    (re.compile(r"confidence (\S+) below (\S+).*"), r"الثقة \1 أقل من \2"),
)


def reason_text(reason: str, lang: str) -> tuple[str, bool]:
    """``reason`` in ``lang``, and whether it was translated (an untranslated one is marked English)."""
    if lang != "ar":
        return reason, True
    for pattern, arabic in _REASONS_AR:
        if pattern.fullmatch(reason):
            return pattern.sub(arabic, reason), True
    return reason, False


def offer_rows(
    product: Product, offers: Sequence[CompetitorOffer], settings: TenantSettings, now: datetime
) -> list[dict[str, Any]]:
    """Each latest offer with its age and whether the core would use it (or why not), cheapest first."""
    hygiene = clean_offers(product, offers, settings, now)
    found = [(o, "") for o in hygiene.usable] + [(d.offer, d.reason) for d in hygiene.dropped]
    found.sort(key=lambda pair: (pair[1] != "", pair[0].price))
    return [{"offer": offer, "used": not reason, "reason": reason,
             "age_hours": max(0, int((now - offer.observed_at).total_seconds() // 3600))}
            for offer, reason in found]


def floor_of(product: Product, settings: TenantSettings) -> Decimal | None:
    """The margin floor of ``product`` under ``settings`` (None without a cost)."""
    if product.cost_price is None or product.cost_price <= 0:
        return None
    return margin_floor(product.cost_price, settings.min_profit_margin / 100, settings.vat_rate / 100,
                        product.prices_include_vat)


def _fmt(value: Decimal | float) -> str:
    return f"{float(value):,.2f}"


def price_chart(
    history: Sequence[PricePoint], current: Decimal, *, now: datetime, floor: Decimal | None,
    lowest: Decimal | None, labels: dict[str, str],
) -> Markup:
    """The own price over the last ``CHART_DAYS`` days as a step line, applied changes marked,
    with the margin floor and today's lowest usable competitor price as horizontal lines."""
    start = now - timedelta(days=CHART_DAYS)
    points = sorted((p for p in history if p.changed_at >= start), key=lambda p: p.changed_at)
    before = [p for p in history if p.changed_at < start]
    first_price = max(before, key=lambda p: p.changed_at).price if before else (points[0].price if points else current)
    steps: list[tuple[datetime, Decimal]] = [(start, first_price)] + [(p.changed_at, p.price) for p in points]
    steps.append((now, current))
    values = [v for _, v in steps] + [v for v in (floor, lowest) if v is not None]
    low, high = min(values), max(values)
    span = (high - low) or max(high * Decimal("0.05"), Decimal("1"))
    low, high = low - span * Decimal("0.1"), high + span * Decimal("0.1")

    def x(t: datetime) -> float:
        return _PAD + (_W - 2 * _PAD) * (t - start).total_seconds() / (now - start).total_seconds()

    def y(v: Decimal) -> float:
        return _H - _PAD + (2 * _PAD - _H) * float((v - low) / (high - low))

    path = f"M{x(steps[0][0]):.1f},{y(steps[0][1]):.1f}"
    for (_, prev), (t, v) in pairwise(steps):
        path += f" L{x(t):.1f},{y(prev):.1f} L{x(t):.1f},{y(v):.1f}"
    parts = [f'<svg class="chart" viewBox="0 0 {_W} {_H}" role="img" aria-label="{escape(labels["title"])}" '
             f'preserveAspectRatio="xMidYMid meet">',
             f'<rect x="{_PAD}" y="{_PAD / 2}" width="{_W - 2 * _PAD}" height="{_H - 1.5 * _PAD}" class="frame"/>']
    for value, cls, name in ((floor, "floor", labels["floor"]), (lowest, "market", labels["lowest"])):
        if value is not None:
            parts.append(f'<line x1="{_PAD}" x2="{_W - _PAD}" y1="{y(value):.1f}" y2="{y(value):.1f}" class="{cls}"/>'
                         f'<text x="{_W - _PAD}" y="{y(value) - 6:.1f}" class="{cls}" text-anchor="end" '
                         f'direction="ltr">{escape(name)} {_fmt(value)}</text>')
    parts.append(f'<path d="{path}" class="own"/>')
    for p in points:
        parts.append(f'<circle cx="{x(p.changed_at):.1f}" cy="{y(p.price):.1f}" r="3.5" class="change">'
                     f'<title>{p.changed_at.astimezone(SALLA_TZ):%Y-%m-%d %H:%M} {_fmt(p.price)}</title></circle>')
    parts.append(f'<text x="{_PAD}" y="{_H - 8}" class="axis" direction="ltr">'
                 f'{start.astimezone(SALLA_TZ):%Y-%m-%d}</text>'
                 f'<text x="{_W - _PAD}" y="{_H - 8}" class="axis" text-anchor="end" direction="ltr">'
                 f'{now.astimezone(SALLA_TZ):%Y-%m-%d}</text>'
                 f'<text x="{_PAD + 4}" y="{_PAD / 2 + 20}" class="axis" direction="ltr">{_fmt(high)}</text>'
                 f'<text x="{_PAD + 4}" y="{_H - _PAD - 4}" class="axis" direction="ltr">{_fmt(low)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def demand_of(
    product: Product, sales: Sequence[DailySales], history: Sequence[PricePoint], *, today: date
) -> ElasticityEstimate | None:
    """The product's elasticity estimate from its own history (no category prior on this page)."""
    if not sales:
        return None
    inputs = DemandInputs(sales=sales, history={product.id: history}, first_sales_day=min(s.day for s in sales))
    return demand_estimates([product], inputs, today=today, tz=SALLA_TZ).get(product.id)


def demand_chart(
    estimate: ElasticityEstimate, product: Product, settings: TenantSettings, labels: dict[str, str]
) -> Markup | None:
    """Expected units a day against price (from -30% to +30% of the typical price): the estimate's
    curve, the band between its interval's ends, today's price and the profit optimum marked."""
    at = estimate.at_price
    if at is None or estimate.units_per_day is None:
        return None
    prices = [at * Decimal(str(0.7 + 0.6 * i / 40)) for i in range(41)]
    mid = [estimate.units_at(p) or 0.0 for p in prices]
    lo = [estimate.units_at(p, estimate.low) or 0.0 for p in prices]
    hi = [estimate.units_at(p, estimate.high) or 0.0 for p in prices]
    top = max(max(mid), max(lo), max(hi), 1e-9) * 1.1

    def x(p: Decimal) -> float:
        return _PAD + (_W - 2 * _PAD) * float((p - prices[0]) / (prices[-1] - prices[0]))

    def y(u: float) -> float:
        return _H - _PAD - (_H - 1.5 * _PAD) * u / top

    band = " ".join(f"{x(p):.1f},{y(u):.1f}" for p, u in zip(prices, lo, strict=True))
    band += " " + " ".join(f"{x(p):.1f},{y(u):.1f}" for p, u in zip(reversed(prices), reversed(hi), strict=True))
    line = " ".join(f"{x(p):.1f},{y(u):.1f}" for p, u in zip(prices, mid, strict=True))
    parts = [f'<svg class="chart" viewBox="0 0 {_W} {_H}" role="img" aria-label="{escape(labels["title"])}" '
             f'preserveAspectRatio="xMidYMid meet">',
             f'<rect x="{_PAD}" y="{_PAD / 2}" width="{_W - 2 * _PAD}" height="{_H - 1.5 * _PAD}" class="frame"/>',
             f'<polygon points="{band}" class="band"/>', f'<polyline points="{line}" class="own" fill="none"/>']
    marks: list[tuple[Decimal, str, str]] = [(product.price, "today", labels["today"])]
    if product.cost_price and estimate.value < -1:
        best = optimal_price(product.cost_price, estimate.value, vat_fraction=settings.vat_rate / 100,
                             includes_vat=product.prices_include_vat)
        if best is not None:
            marks.append((best, "optimum", labels["optimum"]))
    for i, (price, cls, name) in enumerate(marks):
        if prices[0] <= price <= prices[-1]:
            parts.append(f'<line x1="{x(price):.1f}" x2="{x(price):.1f}" y1="{_PAD / 2}" y2="{_H - _PAD}" '
                         f'class="{cls}"/><text x="{x(price):.1f}" y="{_PAD / 2 + 20 + 20 * i}" class="{cls}" '
                         f'text-anchor="middle" direction="ltr">{escape(name)} {_fmt(price)}</text>')
    parts.append(f'<text x="{_PAD}" y="{_H - 8}" class="axis" direction="ltr">{_fmt(prices[0])}</text>'
                 f'<text x="{_W - _PAD}" y="{_H - 8}" class="axis" text-anchor="end" direction="ltr">'
                 f'{_fmt(prices[-1])}</text>'
                 f'<text x="{_PAD + 4}" y="{_PAD / 2 + 20}" class="axis" direction="ltr">{top:.1f}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


__all__ = ["CHART_DAYS", "demand_chart", "demand_of", "floor_of", "offer_rows", "price_chart", "reason_text"]
