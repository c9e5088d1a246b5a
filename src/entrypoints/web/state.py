"""What every route reads: ``WebState`` on ``app.state.web``, and the services protocol the app needs.

Kept apart from ``app.py`` (the factory, which imports every route module) so that the route
modules depend on this small module only, and nothing imports in a circle.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from threading import Lock
from typing import Any, Protocol, runtime_checkable

import attrs
from starlette.requests import Request
from starlette.templating import Jinja2Templates

from adapters.config import Config
from entrypoints.web.dispatch_batch import DispatchBatcher
from entrypoints.web.metrics import WebMetrics
from pricing_core.alerts import Notifier, StoreNotifier
from pricing_core.ports import Clock, PriceEchoes, SallaAuth, SallaCatalog, StoreLocks, TaskQueue, UnitOfWorkFactory

SANDBOX_PREFIX = "/sandbox"


class WebServices(Protocol):
    """What the web app needs from the composition root (``adapters.services.Services`` fits)."""

    @property
    def config(self) -> Config: ...

    @property
    def queue(self) -> TaskQueue: ...

    @property
    def echoes(self) -> PriceEchoes | None: ...

    @property
    def uow_factory(self) -> UnitOfWorkFactory: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def salla_auth(self) -> SallaAuth: ...

    @property
    def salla_catalog(self) -> SallaCatalog: ...

    @property
    def fake_salla(self) -> Any: ...

    # A rollback writes prices from the web process (``usecases/rollback.py``, ``ApplyPorts``).
    @property
    def locks(self) -> StoreLocks: ...

    @property
    def echo_ttl_seconds(self) -> float: ...

    # The operator's alerts' sender (None when ``ALERT_URLS`` is unset).
    @property
    def notifier(self) -> Notifier | None: ...

    # A store's own alerts' sender: the settings page checks targets with it and sends the test alert.
    @property
    def store_notifier(self) -> StoreNotifier | None: ...


class Background(Protocol):
    """Work that lives as long as the app (the embedded default's worker and scheduler)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


class RecentDeliveries:
    """A bounded memory of recently accepted delivery ids: repeats are answered without enqueueing.

    Only a fast path; the webhook inbox in storage is what guarantees exactly-once processing
    (other processes, restarts).
    """

    def __init__(self, size: int = 10_000) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size
        self._lock = Lock()

    def seen(self, delivery_id: str) -> bool:
        """True when ``delivery_id`` was accepted recently."""
        with self._lock:
            return delivery_id in self._ids

    def add(self, delivery_id: str) -> None:
        """Remember an accepted ``delivery_id`` (the oldest one is forgotten when full)."""
        with self._lock:
            self._ids[delivery_id] = None
            self._ids.move_to_end(delivery_id)
            if len(self._ids) > self._size:
                self._ids.popitem(last=False)


@attrs.define
class WebState:
    """Everything a route needs, kept on ``app.state.web``."""

    config: Config
    services: WebServices
    queue: TaskQueue
    templates: Jinja2Templates
    metrics: WebMetrics
    admin_token: str | None = attrs.field(repr=False)  # never printed (reprs reach logs)
    recent_deliveries: RecentDeliveries = attrs.Factory(RecentDeliveries)
    webhook_body_limit: int = 256 * 1024
    # The services' expected price echoes (``Services.echoes``; optional, test services may lack it).
    echoes: PriceEchoes | None = None
    # Webhook commands go out through this, several deliveries per queue round trip.
    dispatcher: DispatchBatcher = attrs.field(
        default=attrs.Factory(lambda self: DispatchBatcher(self.queue, on_send=self.metrics.webhook_send_batch.observe),
                              takes_self=True))
    # When each store's last "Run now" was queued by this process: repeated clicks start one run.
    run_requests: dict[str, datetime] = attrs.Factory(dict)

    @property
    def callback_url(self) -> str:
        """Where Salla sends the merchant back (must match the app's registration exactly)."""
        return self.config.oauth_callback_url or self.config.public_url.rstrip("/") + "/oauth/callback"

    @property
    def sandbox(self) -> bool:
        """True when the built-in fake Salla is mounted."""
        return self.services.fake_salla is not None


def web_state(request: Request) -> WebState:
    """The app's :class:`WebState`."""
    state: WebState = request.app.state.web
    return state


@runtime_checkable
class ProbedQueue(Protocol):
    """A queue that can say whether its broker answers and how much waits (``runners.broker.DramatiqQueue``)."""

    def ping(self) -> bool: ...

    def depth(self) -> int: ...


_Probed = ProbedQueue


def queue_depth(queue: TaskQueue) -> int | None:
    """Messages waiting, when the queue can tell (the Dramatiq queue can; a test's recorder cannot)."""
    if not isinstance(queue, _Probed):
        return None
    try:
        return int(queue.depth())
    except Exception:
        return None


def queue_ping(queue: TaskQueue) -> bool:
    """True when the queue's broker answers (a queue that cannot tell is taken as up)."""
    return queue.ping() if isinstance(queue, _Probed) else True


__all__ = [
    "SANDBOX_PREFIX",
    "Background",
    "ProbedQueue",
    "RecentDeliveries",
    "WebServices",
    "WebState",
    "queue_depth",
    "queue_ping",
    "web_state",
]
