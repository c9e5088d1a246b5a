"""The web app factory: OAuth install, webhooks, admin API, metrics and the merchant dashboard.

``create_app(config)`` builds everything from the configuration through the composition root
(``adapters.wiring.build_services``) and the runners' queue; tests pass their own ``services``
and ``queue``. In the embedded default the fake Salla sandbox is mounted at ``/sandbox`` and
the in-process worker and scheduler run for the lifetime of the app.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from threading import Lock
from typing import Any, Protocol

import attrs
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.routing import BaseRoute, Mount
from starlette.templating import Jinja2Templates

from adapters.config import Config
from entrypoints.web.i18n import translator
from entrypoints.web.metrics import WebMetrics
from pricing_core.ports import Clock, PriceEchoes, SallaAuth, SallaCatalog, TaskQueue, UnitOfWorkFactory
from pricing_core.usecases.token_status import summarize_token_status

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).parent / "templates"
SANDBOX_PREFIX = "/sandbox"
SESSION_COOKIE = "salla_optimizer_session"


class WebServices(Protocol):
    """What the web app needs from the composition root (``adapters.wiring.Services`` fits)."""

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

    @property
    def callback_url(self) -> str:
        """Where Salla sends the merchant back (must match the app's registration exactly)."""
        return self.config.oauth_callback_url or self.config.public_url.rstrip("/") + "/oauth/callback"

    @property
    def sandbox(self) -> bool:
        """True when the built-in fake Salla is mounted."""
        return getattr(self.services, "fake_salla", None) is not None


def web_state(request: Request) -> WebState:
    """The app's :class:`WebState`."""
    state: WebState = request.app.state.web
    return state


def queue_depth(queue: TaskQueue) -> int | None:
    """Messages waiting, when the queue can tell (the Dramatiq queues can; a test queue cannot)."""
    probe = getattr(queue, "depth", None) or getattr(queue, "queue_depth", None)
    if probe is None:
        return None
    try:
        value = probe() if callable(probe) else probe
        return int(value)
    except Exception:
        return None


def _state_gauges(services: WebServices, queue: TaskQueue, config: Config) -> dict[str, Any]:
    report = summarize_token_status(
        services.uow_factory, services.clock.now(), threshold_hours=config.token_refresh_threshold_hours
    )
    gauges: dict[str, Any] = {
        key: (f"Token summary: {key.replace('_', ' ')}", value) for key, value in report.summary.as_dict().items()
    }
    gauges["queue_depth"] = ("Messages waiting in the task queue", queue_depth(queue))
    return gauges


def _default_runtime(config: Config) -> tuple[WebServices, TaskQueue, Background | None]:
    """Services, queue and background work built from the configuration (the real wiring)."""
    from adapters.wiring import build_services
    from entrypoints.web.runtime import build_runtime

    services = build_services(config)
    queue, background = build_runtime(services)
    return services, queue, background


def create_app(
    config: Config,
    *,
    services: WebServices | None = None,
    queue: TaskQueue | None = None,
    background: Background | None = None,
) -> Starlette:
    """Build the Starlette app. Without ``services``/``queue`` they come from the configuration."""
    if services is None or queue is None:
        built_services, built_queue, built_background = _default_runtime(config)
        services = services or built_services
        queue = queue or built_queue
        background = background or built_background

    from entrypoints.web import api, dashboard, oauth, webhooks

    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.globals["translator"] = translator
    metrics = WebMetrics(lambda: _state_gauges(services, queue, config))
    state = WebState(
        config=config,
        services=services,
        queue=queue,
        templates=templates,
        metrics=metrics,
        admin_token=config.admin_api_token,
        echoes=getattr(services, "echoes", None),
    )

    routes: list[BaseRoute] = [*oauth.routes, *webhooks.routes, *api.routes, *dashboard.routes]
    fake = getattr(services, "fake_salla", None)
    if fake is not None:
        routes.append(Mount(SANDBOX_PREFIX, app=fake.app, name="sandbox"))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if background is not None:
            background.start()
        try:
            yield
        finally:
            if background is not None:
                background.stop()
            # After the worker stopped, so a sweep's last price updates are in: the sandbox's
            # final save, which lets the next ``serve`` honour the tokens in the database.
            save_state = getattr(fake, "save_state", None)
            if callable(save_state):
                save_state()

    session_secret = config.session_secret or secrets.token_urlsafe(32)
    if config.session_secret is None:
        log.warning("SESSION_SECRET is not set: sessions last until this process stops")
    middleware: Sequence[Middleware] = [
        Middleware(webhooks.WebhookFastPath),
        Middleware(
            SessionMiddleware,
            secret_key=session_secret,
            session_cookie=SESSION_COOKIE,
            same_site="lax",
            https_only=config.public_url.startswith("https://"),
            max_age=12 * 3600,
        )
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.web = state
    return app


__all__ = ["SANDBOX_PREFIX", "Background", "RecentDeliveries", "WebServices", "WebState", "create_app", "web_state"]
