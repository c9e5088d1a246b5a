"""A deterministic competitor market for the embedded demo and for tests.

Every reading is a pure function of ``(seed, product id, competitor, time bucket)``: the same
inputs always give the same offers, on any machine, with no state. Prices move from one
ten-minute bucket to the next, readings usually agree with themselves (so offers are
corroborated most of the time), and now and then a listing is out of stock or a reading is off.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs

from pricing_core.catalog import CompetitorOffer, Product
from pricing_core.money import quantize

COMPETITORS: tuple[tuple[str, str], ...] = (
    ("noon", "www.noon.com/saudi-en"),
    ("amazon.sa", "www.amazon.sa/dp"),
    ("extra", "www.extra.com/en-sa/p"),
    ("jarir", "www.jarir.com/sa-en"),
)
_SCALE = 10_000


@attrs.frozen
class MarketRates:
    """How often the sandbox market misbehaves, as fractions of readings."""

    out_of_stock: float = 0.07
    unstable_reading: float = 0.10
    jump: float = 0.05


def _unit(*parts: object) -> float:
    """A stable pseudo-random number in [0, 1) from ``parts`` (blake2b, not ``hash()``: no per-process salt)."""
    digest = hashlib.blake2b("|".join(str(p) for p in parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _pct(value: float) -> Decimal:
    return Decimal(round(value * _SCALE)) / _SCALE


class SandboxCompetitorSource:
    """``CompetitorSource`` of a made-up market around each product.

    Each product has 2 to 4 of the named competitors. A competitor's price is anchored on the
    product's cost when known (cost x 1.25..1.65), so the market does not chase the store's own
    price down after every change; without a cost it is anchored on the current price. Around the
    anchor each competitor has its own level, a slow drift per bucket and an occasional jump.
    """

    name = "sandbox"

    def __init__(
        self,
        seed: int = 7,
        *,
        bucket: timedelta = timedelta(minutes=10),
        rates: MarketRates | None = None,
        competitors: Sequence[tuple[str, str]] = COMPETITORS,
    ) -> None:
        self.seed = seed
        self.bucket = bucket
        self.rates = rates or MarketRates()
        self.competitors = tuple(competitors)

    def bucket_of(self, moment: datetime) -> int:
        """The index of the time bucket ``moment`` falls in."""
        return int(moment.timestamp() // self.bucket.total_seconds())

    def competitors_of(self, product: Product) -> tuple[tuple[str, str], ...]:
        """The 2..4 competitors selling ``product`` (stable for a product)."""
        count = 2 + int(_unit(self.seed, product.id, "count") * 3)
        ranked = sorted(self.competitors, key=lambda c: _unit(self.seed, product.id, c[0], "rank"))
        return tuple(ranked[:count])

    def _anchor(self, product: Product) -> Decimal:
        if product.cost_price is not None and product.cost_price > 0:
            return product.cost_price * (Decimal("1.25") + _pct(_unit(self.seed, product.id, "markup") * 0.40))
        return product.price

    def price_at(self, product: Product, competitor: str, bucket: int) -> Decimal:
        """The competitor's listed price for ``product`` during ``bucket``."""
        anchor = self._anchor(product)
        level = _unit(self.seed, product.id, competitor, "level") * 0.16 - 0.10  # -10% .. +6%
        drift = _unit(self.seed, product.id, competitor, bucket, "drift") * 0.02 - 0.01  # +-1% per bucket
        jump = 0.0
        if _unit(self.seed, product.id, competitor, bucket, "jump?") < self.rates.jump:
            jump = _unit(self.seed, product.id, competitor, bucket, "jump") * 0.16 - 0.08
        return quantize(anchor * (1 + _pct(level + drift + jump)))

    def offer_at(self, product: Product, competitor: str, host: str, moment: datetime) -> CompetitorOffer:
        """The offer observed for ``product`` at ``competitor`` at ``moment``."""
        bucket = self.bucket_of(moment)
        price = self.price_at(product, competitor, bucket)
        # Usually the second reading of the listing agrees exactly; sometimes it is off by 6-12%,
        # like a page whose JSON-LD and visible price disagree.
        second = price
        if _unit(self.seed, product.id, competitor, bucket, "unstable") < self.rates.unstable_reading:
            off = 0.06 + _unit(self.seed, product.id, competitor, bucket, "off") * 0.06
            second = quantize(price * (1 + _pct(off)))
        in_stock = _unit(self.seed, product.id, competitor, bucket, "stock") >= self.rates.out_of_stock
        observed = datetime.fromtimestamp(bucket * self.bucket.total_seconds(), tz=UTC)
        return CompetitorOffer(
            competitor=competitor,
            price=price,
            observed_at=observed,
            currency=product.currency,
            in_stock=in_stock,
            url=f"https://{host}/{product.sku or product.id}",
            second_reading=second,
            source="sandbox",
        )

    def offers_for(
        self, store_id: str, products: Sequence[Product], now: datetime
    ) -> Mapping[str, Sequence[CompetitorOffer]]:
        """Offers of the product's competitors as of ``now``'s bucket."""
        return {
            product.id: [self.offer_at(product, name, host, now) for name, host in self.competitors_of(product)]
            for product in products
        }


__all__ = ["COMPETITORS", "MarketRates", "SandboxCompetitorSource"]
