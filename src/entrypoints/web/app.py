"""The web app factory: OAuth install, webhooks, admin API, metrics and the merchant dashboard.

``create_app(services, background=...)`` takes what the composition root (``bootstrap``) built
for a ``serve`` process; tests pass a bundle of fakes. In the embedded default the fake Salla
sandbox is mounted at ``/sandbox`` and the in-process worker and scheduler (``background``) run
for the lifetime of the app.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute, Mount
from starlette.templating import Jinja2Templates

from adapters.config import Config
from entrypoints.web import api, dashboard, oauth, rule_pages, webhooks, work_view
from entrypoints.web.i18n import translator
from entrypoints.web.metrics import WebMetrics
from entrypoints.web.state import SANDBOX_PREFIX, Background, WebServices, WebState, queue_depth
from pricing_core.ports import TaskQueue
from pricing_core.usecases.token_status import summarize_token_status

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).parent / "templates"
SESSION_COOKIE = "salla_optimizer_session"


def _state_gauges(services: WebServices, queue: TaskQueue, config: Config) -> dict[str, Any]:
    report = summarize_token_status(
        services.uow_factory, services.clock.now(), threshold_hours=config.token_refresh_threshold_hours
    )
    gauges: dict[str, Any] = {
        key: (f"Token summary: {key.replace('_', ' ')}", value) for key, value in report.summary.as_dict().items()
    }
    gauges["queue_depth"] = ("Messages waiting in the task queue", queue_depth(queue))
    return gauges


def create_app(services: WebServices, *, background: Background | None = None) -> Starlette:
    """Build the Starlette app over ``services`` (its ``config`` and ``queue`` included)."""
    config = services.config
    queue = services.queue

    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.globals["translator"] = translator
    metrics = WebMetrics(lambda: _state_gauges(services, queue, config))
    work_view.register_metrics(metrics.registry, services, queue)
    state = WebState(
        config=config,
        services=services,
        queue=queue,
        templates=templates,
        metrics=metrics,
        admin_token=config.admin_api_token,
        echoes=services.echoes,
    )

    routes: list[BaseRoute] = [*oauth.routes, *webhooks.routes, *api.routes, *dashboard.routes, *rule_pages.routes,
                               *work_view.routes]
    fake = services.fake_salla
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
            if fake is not None:
                fake.save_state()

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


__all__ = ["SESSION_COOKIE", "TEMPLATES_DIR", "create_app"]
