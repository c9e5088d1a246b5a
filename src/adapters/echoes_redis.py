"""Expected price echoes in Redis, shared by the web process and every worker process.

One key per (store, product, price at 2 decimals), ``SET key 1 EX ttl``: Redis expires them, so
there is nothing to clean up and memory follows the write rate. A whole bulk is written in one
pipelined round trip; the webhook route's check is one ``EXISTS``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import redis

from pricing_core.ports import echo_price_key

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "salla-optimizer:echo"
# Keys per pipeline round trip: bounds one request's size on very large batches.
_PIPELINE_CHUNK = 1_000
# The webhook route calls ``is_echo`` on its event loop; a Redis that hangs must not stall intake
# for long (on a timeout the delivery is simply queued as before).
DEFAULT_SOCKET_TIMEOUT = 0.5


class RedisPriceEchoes:
    """``PriceEchoes`` port over Redis. Fails open: a Redis error is logged, never raised."""

    def __init__(self, client: Any, *, prefix: str = DEFAULT_PREFIX) -> None:
        self._client = client
        self._prefix = prefix

    @classmethod
    def from_url(cls, url: str, *, prefix: str = DEFAULT_PREFIX,
                 socket_timeout: float = DEFAULT_SOCKET_TIMEOUT) -> RedisPriceEchoes:
        """A store over its own connection pool to ``url`` (``REDIS_URL``)."""
        return cls(redis.Redis.from_url(url, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout),
                   prefix=prefix)

    def key(self, store_id: str, product_id: str, price: Decimal) -> str:
        """The Redis key of one expected echo."""
        return f"{self._prefix}:{store_id}:{product_id}:{echo_price_key(price)}"

    def expect(self, store_id: str, prices: Mapping[str, Decimal], *, ttl_seconds: float) -> None:
        """``SET key 1 EX ttl`` for every price, pipelined (no MULTI: each key stands alone)."""
        ttl = max(1, math.ceil(ttl_seconds))
        keys = [self.key(str(store_id), str(pid), price) for pid, price in prices.items()]
        try:
            for start in range(0, len(keys), _PIPELINE_CHUNK):
                pipe = self._client.pipeline(transaction=False)
                for key in keys[start : start + _PIPELINE_CHUNK]:
                    pipe.set(key, 1, ex=ttl)
                pipe.execute()
        except redis.RedisError:
            # Their echoes then take the worker's path (recognized there); the apply goes on.
            log.warning("could not record %d expected price echoes of store %s", len(keys), store_id,
                        exc_info=True)

    def is_echo(self, store_id: str, product_id: str, price: Decimal) -> bool:
        """One ``EXISTS``; False when Redis does not answer (the delivery is queued as before)."""
        try:
            return bool(self._client.exists(self.key(str(store_id), str(product_id), price)))
        except redis.RedisError:
            log.warning("could not check a price echo of store %s", store_id, exc_info=True)
            return False

    def close(self) -> None:
        """Release the connection pool."""
        close = getattr(self._client, "close", None)
        if callable(close):
            close()


__all__ = ["DEFAULT_PREFIX", "RedisPriceEchoes"]
