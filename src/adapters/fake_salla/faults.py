"""Fault injection and request accounting for the fake Salla's Merchant API."""

from __future__ import annotations

from collections import Counter
from typing import Literal

import attrs

FaultKind = Literal["error", "timeout", "malformed", "rate_limit"]
FAULT_KINDS: tuple[str, ...] = ("error", "timeout", "malformed", "rate_limit")


@attrs.frozen(kw_only=True)
class Fault:
    """What the next request of a store suffers.

    - ``error``: answer ``status`` (5xx by default) with Salla's error envelope;
    - ``timeout``: hang ``seconds``, then fail the request (``httpx.ReadTimeout`` raised in the
      app, which an in-process client sees as a timeout and a loopback client with a shorter
      read timeout times out on);
    - ``malformed``: answer 200 with a truncated JSON body;
    - ``rate_limit``: answer 429 with ``Retry-After: seconds`` whatever the bucket says.
    """

    kind: FaultKind
    status: int = 503
    seconds: float = 1.0

    def __attrs_post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; one of {FAULT_KINDS}")


@attrs.define(kw_only=True)
class StoreStats:
    """Merchant API requests one store received (every answer counts, 429s included)."""

    requests: int = 0
    rate_limited: int = 0
    faults: int = 0
    by_route: Counter[str] = attrs.field(factory=Counter)
    times: list[float] = attrs.field(factory=list)

    def snapshot(self) -> StatsSnapshot:
        """An immutable copy."""
        return StatsSnapshot(
            requests=self.requests,
            rate_limited=self.rate_limited,
            faults=self.faults,
            by_route=dict(self.by_route),
            first_at=self.times[0] if self.times else None,
            last_at=self.times[-1] if self.times else None,
        )


@attrs.frozen(kw_only=True)
class StatsSnapshot:
    """Requests of one store: totals, 429s, per route (``"GET /products"``), first and last time.

    Times are Unix seconds on the fake's clock (scaled in benchmarks).
    """

    requests: int
    rate_limited: int
    faults: int
    by_route: dict[str, int]
    first_at: float | None
    last_at: float | None

    def as_dict(self) -> dict[str, object]:
        """JSON shape of ``GET /_fake/stats``."""
        return attrs.asdict(self)
