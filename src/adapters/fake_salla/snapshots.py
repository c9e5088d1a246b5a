"""What of the fake Salla survives a restart: ``snapshot()``, ``restore()``, and saving to the state file.

The embedded default (``salla-optimizer serve`` with no configuration) keeps its Salla in
memory; with a ``state_path`` the fake saves a snapshot after changes and restores it when built
again. What a snapshot holds is decided here; ``persistence.py`` moves it to and from disk
(atomic writes, tolerant reads, debounced saving). ``SnapshotsMixin`` is the part of ``FakeSalla``
(``fake.py``, which holds the state) that does it.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from adapters.fake_salla.catalog import FakeProduct
from adapters.fake_salla.persistence import (
    STATE_FORMAT,
    STATE_VERSION,
    DebouncedSaver,
    IncompatibleState,
    check_header,
    discard_state,
    read_state,
    write_state,
)
from adapters.fake_salla.prices import QueuedPrices
from adapters.fake_salla.stores import FakeStore
from adapters.fake_salla.subscriptions import WebhookRegistry
from adapters.fake_salla.tokens import TokenAuthority, rng_state_from_json, rng_state_json

log = logging.getLogger(__name__)


class _Fake(Protocol):
    """What snapshots use of the rest of ``FakeSalla``."""

    lock: threading.RLock
    seed: int
    state_path: Path | None
    tokens: TokenAuthority
    store_webhooks: WebhookRegistry
    _saver: DebouncedSaver | None
    _stores: dict[int, FakeStore]
    _queued: list[QueuedPrices]
    _rng: random.Random

    def now(self) -> datetime: ...
    def now_seconds(self) -> float: ...
    def snapshot(self) -> dict[str, Any]: ...
    def restore(self, state: dict[str, Any]) -> None: ...
    def _restore(self, state: dict[str, Any]) -> None: ...


class SnapshotsMixin:
    """``FakeSalla``'s persistence: what a snapshot keeps, restoring one, and the saver's hooks."""

    def mark_changed(self: _Fake) -> None:
        """Note that persistent state changed; with a ``state_path`` it is saved within a second.

        Called by the mutating methods above and, for every non-GET request, by the app.
        """
        if self._saver is not None:
            self._saver.mark()

    def save_state(self: _Fake) -> bool:
        """Write pending changes to ``state_path`` now; True when the file was written.

        A no-op without a ``state_path``. ``close()`` does this too; call it when the process
        ends without closing the fake (``Services.close()``, the web app's shutdown).
        """
        return self._saver.flush() if self._saver is not None else False

    def snapshot(self: _Fake) -> dict[str, Any]:
        """Everything mutable that matters across a restart, as JSON-ready data (see ``restore``).

        Kept: token chains with their codes, access and refresh tokens, expiry, rotation and
        revocation; each store's install flag; every product's prices, cost, sale price and
        status (and its SKUs' prices); bulk updates still queued; the stores' registered
        webhooks; the generators' states.
        Not kept: rate-limit windows, statistics, injected faults and latency, webhook
        deliveries in flight, the clock (a restarted fake runs on the wall clock again).
        """
        with self.lock:
            return {
                "format": STATE_FORMAT,
                "version": STATE_VERSION,
                "seed": self.seed,
                "saved_at": self.now().isoformat(),
                "stores": {
                    str(mid): {
                        "installed": store.installed,
                        "products": {str(pid): p.state_json() for pid, p in store.products.items()},
                    }
                    for mid, store in self._stores.items()
                },
                "queued": [
                    {
                        "merchant_id": q.merchant_id,
                        "items": [
                            [pid, str(price), None if cost is None else str(cost)] for pid, price, cost in q.items
                        ],
                    }
                    for q in self._queued
                ],
                "tokens": self.tokens.snapshot(),
                "random": rng_state_json(self._rng),
                "store_webhooks": self.store_webhooks.snapshot(),
            }

    def restore(self: _Fake, state: dict[str, Any]) -> None:
        """Continue from a ``snapshot()`` of a fake built with the same seed and stores.

        Raises ``IncompatibleState`` (a ``ValueError``) when ``state`` is of another format,
        version, seed or set of stores, or malformed; the fake is then left unchanged, because
        everything is checked before anything is replaced. Queued bulk updates come due at once.
        """
        check_header(state)
        if state.get("seed") != self.seed:
            raise IncompatibleState(f"saved for seed {state.get('seed')!r}, this sandbox uses seed {self.seed}")
        try:
            with self.lock:
                self._restore(state)
        except IncompatibleState:
            raise
        # decimal.InvalidOperation is an ArithmeticError, not a ValueError
        except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
            raise IncompatibleState(f"malformed state: {type(exc).__name__}: {exc}") from exc

    def _restore(self: _Fake, state: dict[str, Any]) -> None:
        stores: list[tuple[FakeStore, bool, list[tuple[FakeProduct, dict[str, Any]]]]] = []
        for raw_mid, raw_store in state["stores"].items():
            store = self._stores.get(int(raw_mid))
            if store is None:
                raise IncompatibleState(f"saved store {raw_mid} is not a sandbox store of this fake")
            installed = raw_store["installed"]
            if not isinstance(installed, bool):
                raise ValueError(f"store {raw_mid}: installed must be true or false")
            products: list[tuple[FakeProduct, dict[str, Any]]] = []
            for raw_pid, raw_product in raw_store["products"].items():
                product = store.products.get(int(raw_pid))
                if product is None:
                    raise IncompatibleState(f"saved product {raw_pid} is not in store {raw_mid}")
                products.append((product, product.parse_state(raw_product)))
            stores.append((store, installed, products))
        now_mono, now_fake = time.monotonic(), self.now_seconds()
        queued: list[QueuedPrices] = []
        for raw in state["queued"]:
            merchant_id = int(raw["merchant_id"])
            if merchant_id not in self._stores:
                raise IncompatibleState(f"a queued update names unknown store {merchant_id}")
            items = tuple(
                (int(pid), Decimal(str(price)), None if cost is None else Decimal(str(cost)))
                for pid, price, cost in raw["items"]
            )
            queued.append(QueuedPrices(merchant_id=merchant_id, due=now_mono, due_fake=now_fake, items=items))
        rng_state = rng_state_from_json(state["random"])
        # Files saved before store webhooks existed have none: restore them as "no subscriptions".
        webhooks = WebhookRegistry()
        if "store_webhooks" in state:
            webhooks.restore(state["store_webhooks"], set(self._stores))
        for chain in state["tokens"]["chains"]:
            # A token of a store this fake lacks would turn every request it makes into a KeyError.
            if int(chain["merchant_id"]) not in self._stores:
                raise IncompatibleState(f"a token chain names unknown store {chain['merchant_id']}")
        # Everything above only read; from here on nothing can fail halfway except the token
        # restore, which itself parses everything before replacing anything.
        self.tokens.restore(state["tokens"])
        for store, installed, products in stores:
            store.installed = installed
            for product, parsed in products:
                product.apply_state(parsed)
        self._queued = queued
        self._rng.setstate(rng_state)
        self.store_webhooks = webhooks

    def _load_state(self: _Fake, path: Path) -> None:
        """Restore from ``path`` when it holds a usable state; otherwise warn and keep the seed's."""
        state = read_state(path)
        if state is None:
            return
        try:
            self.restore(state)
        except IncompatibleState as exc:
            discard_state(path, str(exc))
            return
        log.info("fake Salla: sandbox state restored from %s (saved %s)", path, state.get("saved_at"))

    def _write_state(self: _Fake) -> None:
        if self.state_path is not None:
            write_state(self.state_path, self.snapshot())


__all__ = ["SnapshotsMixin"]
