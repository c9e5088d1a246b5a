"""Expected echoes: the prices we are writing to Salla, so their webhook echo is dropped at intake."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Protocol


class PriceEchoes(Protocol):
    """Prices we are writing to Salla, remembered so their ``product.price.updated`` echo is dropped at intake.

    Salla sends ``product.price.updated`` for every price we write; during a batch that is tens
    of thousands of deliveries that would each cost a queued message and a database transaction
    in a worker only to be recognized as our own. The apply path calls ``expect`` before the
    bulk request goes out; the webhook route calls ``is_echo`` and answers a match without
    queueing it. Shared by the web process and the workers (Redis, or one in-process instance).

    Not consume-once: ``is_echo`` leaves the entry in place until its TTL runs out, because
    Salla delivers at least once (a repeated echo must be dropped too) and one write may be
    announced more than once. The price of that choice: within the TTL, a merchant who sets
    exactly a price we wrote is taken for an echo; the worker-side check (recent decisions)
    treats such a change the same way, so no behaviour is lost.

    Prices are compared at 2 decimals (Salla's events carry flat numbers such as ``104`` or
    ``"104.00"``). This is an optimization only: implementations must not raise for a backend
    outage (``expect`` forgets, ``is_echo`` answers False), since the worker recognizes our
    own prices anyway.
    """

    def expect(self, store_id: str, prices: Mapping[str, Decimal], *, ttl_seconds: float) -> None:
        """Remember ``prices`` (product id -> price being written) of ``store_id`` for ``ttl_seconds``."""
        ...

    def is_echo(self, store_id: str, product_id: str, price: Decimal) -> bool:
        """True when ``price`` of the product is one we are writing or wrote within the TTL."""
        ...


def echo_price_key(price: Decimal) -> str:
    """The canonical spelling of a price in an echo key: 2 decimals, so ``104``, ``104.0`` and ``104.00`` match."""
    return str(price.quantize(Decimal("0.01")))


__all__ = [
    "PriceEchoes",
    "echo_price_key",
]
