"""``POST /webhooks/salla``: verify, parse, acknowledge within milliseconds, process on the queue.

For every event but one the request path does no database work: it checks the body size, the signature or token
(``SALLA_WEBHOOK_SECRET``) and the JSON, then enqueues ``process_webhook`` (together with the
deliveries that arrived meanwhile, ``DispatchBatcher``). The worker reads the
delivery into its domain event (the Salla adapter's ``to_domain_event``) and runs
``handle_webhook_event``, which records the delivery in the webhook inbox in the same
transaction as its effects, so each delivery is processed exactly once however often Salla
repeats it. Recently seen deliveries are also answered here without enqueueing again, and so
are the echoes of prices we wrote ourselves (``product.price.updated`` matching an expected echo,
``PriceEchoes``): during a batch they are most of the traffic, and queueing them made a merchant's
real change wait behind tens of thousands of them.

``app.store.authorize`` is the exception: it carries the store's access and refresh tokens, which
must not travel through the queue (Redis and its persistence files) or reach a worker's failure
log in plaintext. It is handled here, in the web process, straight into encrypted storage, after
``/oauth2/user/info`` called with those tokens has confirmed they belong to the delivery's
merchant (token ownership: see ``handle_webhook_event``). It is rare (install, update,
reinstall), so its user-info round trip and few milliseconds of database work do not matter.

Answers: 200 accepted, processed, duplicate or echo; 400 malformed (not a Salla envelope in RFC 8259
JSON: NaN, a number beyond a double, a lone surrogate, a bad event name or store id); 422 a readable
envelope with a known field out of range (``created_at`` that is no time, an authorization whose
tokens cannot be used); 401 bad signature or token (nothing is stored or enqueued); 403 an
authorization whose tokens Salla did not confirm for its merchant (refused for good: recorded,
logged, nothing stored; a redelivery is a duplicate); 413 body too large; 503 when the queue or the
database is down, or when Salla's user info could not be read to check an authorization (nothing
stored; Salla redelivers). A 400 or 422 after a valid signature is recorded in the webhook inbox
and logged with its reason, once per delivery.
"""

from __future__ import annotations

import logging
import time

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from adapters.salla.events import to_domain_event
from adapters.salla.webhooks import RejectedDelivery, parse_webhook, verify_webhook
from entrypoints.web.bodies import read_capped
from entrypoints.web.state import web_state
from pricing_core.commands import ProcessWebhook
from pricing_core.errors import SallaError, WebhookRejected
from pricing_core.events import APP_STORE_AUTHORIZE, DomainEvent, ProductPriceChanged
from pricing_core.ports import Clock, PriceEchoes, UnitOfWorkFactory
from pricing_core.usecases.webhook_refusals import record_refused_delivery
from pricing_core.usecases.webhooks import WebhookOutcome, handle_webhook_event

log = logging.getLogger(__name__)



def _answer(request: Request, started: float, outcome: str, status: int, message: str) -> Response:
    metrics = web_state(request).metrics
    metrics.webhooks.labels(outcome).inc()
    metrics.webhook_ack_seconds.observe(time.perf_counter() - started)
    return JSONResponse({"status": outcome, "message": message}, status_code=status)


async def receive_delivery(request: Request) -> Response:
    """Take one Salla delivery."""
    started = time.perf_counter()
    web = web_state(request)
    try:
        body = await read_capped(request, web.webhook_body_limit)
    except ClientDisconnect:
        return _answer(request, started, "disconnected", 400, "client went away")
    if body is None:
        return _answer(request, started, "too_large", 413, f"body over {web.webhook_body_limit} bytes")
    try:
        verify_webhook(body, request.headers, secret=web.config.salla_webhook_secret or "")
    except WebhookRejected as exc:
        return _answer(request, started, "unauthorized", 401, str(exc))
    now = web.services.clock.now()
    try:
        event = parse_webhook(body, now=now)
    except RejectedDelivery as exc:
        await run_in_threadpool(_record_refusal, web.services.uow_factory, web.services.clock, exc)
        return _answer(request, started, "malformed" if exc.status == 400 else "unprocessable", exc.status, str(exc))
    if web.recent_deliveries.seen(event.delivery_id):
        return _answer(request, started, "duplicate", 200, "already received")
    domain = to_domain_event(event, now=now)  # Salla's payload read once (the price, the tokens)
    if web.echoes is not None and _is_our_echo(web.echoes, domain):
        # Salla announcing a price we wrote: acknowledged, not queued (see ``PriceEchoes``).
        return _answer(request, started, "echo", 200, "our own price update")
    if event.event == APP_STORE_AUTHORIZE:
        services = web.services
        try:
            outcome = await run_in_threadpool(handle_webhook_event, services.uow_factory, web.queue, services.clock,
                                              domain, user_info=services.salla_auth.user_info)
        except SallaError as exc:
            # Ownership unknown, so nothing was stored or recorded: Salla's redelivery tries again.
            log.warning("authorization of store %s (delivery %s) not verified: %s",
                        event.merchant_id, event.delivery_id, exc)
            return _answer(request, started, "unavailable", 503, f"could not verify the tokens with Salla: {exc}")
        except Exception as exc:
            # Not acknowledged: Salla delivers it again. The traceback names no token (reprs mask them).
            log.exception("could not store the authorization of delivery %s", event.delivery_id)
            return _answer(request, started, "unavailable", 503, f"could not store it: {type(exc).__name__}")
        web.recent_deliveries.add(event.delivery_id)
        if outcome is WebhookOutcome.REFUSED:
            log.warning("authorization of store %s (delivery %s) refused: tokens not confirmed for that store",
                        event.merchant_id, event.delivery_id)
            return _answer(request, started, "refused", 403, "the tokens do not belong to this merchant; not stored")
        return _answer(request, started, "processed", 200, outcome.value)
    try:
        await web.dispatcher.dispatch(ProcessWebhook(
            event=event.event,
            merchant_id=event.merchant_id,
            created_at=event.created_at.isoformat() if event.created_at else None,
            data=dict(event.data),
            delivery_id=event.delivery_id,
        ))
    except Exception as exc:
        # Not acknowledged, so Salla delivers it again later; nothing was recorded.
        log.exception("could not enqueue webhook %s", event.delivery_id)
        return _answer(request, started, "unavailable", 503, f"queue unavailable: {type(exc).__name__}")
    # Remembered only once safely queued: a failed enqueue must not turn the retry into a "duplicate".
    web.recent_deliveries.add(event.delivery_id)
    return _answer(request, started, "accepted", 200, "queued")


def _record_refusal(uow_factory: UnitOfWorkFactory, clock: Clock, exc: RejectedDelivery) -> None:
    """Remember a refused delivery (so a retry is not logged again) and log why; never fails the answer."""
    try:
        record_refused_delivery(uow_factory, clock, delivery_id=exc.delivery_id, event=exc.event,
                                merchant_id=exc.merchant_id, status=exc.status, reason=str(exc))
    except Exception:
        # The refusal stands without its record; Salla's retry will be refused (and recorded) again.
        log.exception("could not record the refusal of delivery %s", exc.delivery_id)


def _is_our_echo(echoes: PriceEchoes, event: DomainEvent) -> bool:
    """True for a ``ProductPriceChanged`` whose product and regular price we are writing (or just wrote).

    The regular price, read by the Salla adapter, because that is what we write: during a sale
    the payload's ``price`` is the sale price. One dict lookup or one Redis ``EXISTS``; anything
    unreadable is not an echo and is queued as before, where the worker's own check (recent
    decisions, price history) still applies.
    """
    if not isinstance(event, ProductPriceChanged) or event.regular_price is None:
        return False
    try:
        return echoes.is_echo(event.store_id, event.product_id, event.regular_price)
    except ArithmeticError:  # beyond what 2 decimals can spell
        return False


WEBHOOK_PATH = "/webhooks/salla"

routes = [Route(WEBHOOK_PATH, receive_delivery, methods=["POST"])]


class WebhookFastPath:
    """ASGI middleware answering ``POST /webhooks/salla`` before sessions and routing.

    Deliveries carry no cookie and need no session; skipping that part of the stack roughly
    halves the per-delivery CPU, which is what the intake's latency under load is made of. Other
    methods on the path fall through to the router (and its 405).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == WEBHOOK_PATH and scope["method"] == "POST":
            response = await receive_delivery(Request(scope, receive))
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


__all__ = ["WEBHOOK_PATH", "WebhookFastPath", "routes"]
