"""Expected price echoes within one process (the embedded default and unit tests)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal

from pricing_core.ports import Clock, echo_price_key

# A 200-store x 500-product batch expects 100,000 echoes; a few batches' worth fits. Each entry
# is a small tuple key and a datetime (~200 bytes), so the bound caps memory near 50 MB.
DEFAULT_MAX_ENTRIES = 250_000


class MemoryPriceEchoes:
    """``PriceEchoes`` port in a process's memory: thread-safe, expiring, bounded.

    Entries live in insertion order (re-expecting a key moves it to the end), and all carry
    nearly the same TTL, so the oldest entry is also the first to expire: expired ones are
    dropped from the front as new ones come in, and when the bound is hit the oldest go first.
    Forgetting an entry early is harmless (its echo takes the worker's slower path); remembering
    without a bound is not, in a long-lived embedded server.
    """

    def __init__(self, clock: Clock, *, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._clock = clock
        self._max = max_entries
        self._entries: OrderedDict[tuple[str, str, str], datetime] = OrderedDict()
        self._lock = threading.Lock()

    def expect(self, store_id: str, prices: Mapping[str, Decimal], *, ttl_seconds: float) -> None:
        """Remember each (store, product, price) until ``ttl_seconds`` from now."""
        now = self._clock.now()
        until = now + timedelta(seconds=ttl_seconds)
        with self._lock:
            self._drop_expired(now)
            for product_id, price in prices.items():
                key = (str(store_id), str(product_id), echo_price_key(price))
                self._entries[key] = until
                self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def is_echo(self, store_id: str, product_id: str, price: Decimal) -> bool:
        """True while an unexpired expectation of exactly this price (2 decimals) exists; not consumed."""
        key = (str(store_id), str(product_id), echo_price_key(price))
        with self._lock:
            until = self._entries.get(key)
        return until is not None and until > self._clock.now()

    def __len__(self) -> int:
        """Entries held (expired ones included until the next ``expect`` sweeps them)."""
        with self._lock:
            return len(self._entries)

    def _drop_expired(self, now: datetime) -> None:
        # Front-to-back while expired; an entry with a longer TTL ahead of shorter ones only delays
        # the sweep of those behind it until it expires itself (``is_echo`` checks the time anyway).
        while self._entries:
            key, until = next(iter(self._entries.items()))
            if until > now:
                break
            del self._entries[key]


__all__ = ["DEFAULT_MAX_ENTRIES", "MemoryPriceEchoes"]
