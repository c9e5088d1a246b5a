"""Salla's Webhooks API (the ``SallaWebhooks`` port) over a Merchant API session.

``GET /webhooks`` lists a store's registered webhooks (scope ``webhooks.read``, or
``webhooks.read_write``), paginated like every list; ``POST /webhooks/subscribe`` with
``{name, event, url, version: 2}`` registers one (scope ``webhooks.read_write``) and answers 200
with the webhook. A missing scope is a 401 naming it (``MissingScope``); a URL or event Salla
will not take is a 422 (``BadResponse`` with Salla's field messages, e.g. a ``localhost`` URL).
The requests go through the same ``MerchantHttp`` as the catalog's, so they are paced against
the same per-store rate limit.
"""

from __future__ import annotations

from collections.abc import Mapping

from adapters.salla.http import MerchantHttp, body_message
from pricing_core.errors import BadResponse
from pricing_core.store_events import SallaWebhook

WEBHOOK_VERSION = 2
MAX_PAGES = 20  # a store has a handful of webhooks; a longer listing is a loop, not a store


def _text(value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None


def parse_webhook_item(item: object) -> SallaWebhook | None:
    """One entry of ``GET /webhooks`` (or the ``data`` of a subscribe answer); None when unusable."""
    if not isinstance(item, Mapping):
        return None
    webhook_id, event, url = _text(item.get("id")), _text(item.get("event")), _text(item.get("url"))
    if webhook_id is None or event is None or url is None:
        return None
    version = item.get("version")
    try:
        parsed_version = int(str(version)) if version is not None and not isinstance(version, bool) else None
    except ValueError:
        parsed_version = None
    return SallaWebhook(id=webhook_id, event=event, url=url, name=_text(item.get("name")) or "",
                        version=parsed_version)


def _int(value: object, default: int) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default


def list_webhooks(http: MerchantHttp, access_token: str) -> list[SallaWebhook]:
    """Every webhook of the store, following the pagination (``currentPage`` < ``totalPages``)."""
    found: list[SallaWebhook] = []
    page = 1
    for _ in range(MAX_PAGES):
        body = http.request("GET", "/webhooks", access_token, params={"page": page}).body
        if not isinstance(body, Mapping) or not isinstance(body.get("data"), list):
            raise BadResponse(f"GET /webhooks page {page}: no data list in the answer")
        found.extend(w for w in (parse_webhook_item(item) for item in body["data"]) if w is not None)
        pagination = body.get("pagination")
        if not isinstance(pagination, Mapping) or not body["data"]:
            return found
        current = _int(pagination.get("currentPage"), page)
        if current >= _int(pagination.get("totalPages"), current):
            return found
        page = max(current, page) + 1
    raise BadResponse(f"GET /webhooks: more than {MAX_PAGES} pages")


def subscribe_webhook(http: MerchantHttp, access_token: str, *, event: str, url: str, name: str) -> SallaWebhook:
    """Register ``url`` for ``event`` (version 2, Salla's default security strategy)."""
    payload = {"name": name, "event": event, "url": url, "version": WEBHOOK_VERSION}
    answer = http.request("POST", "/webhooks/subscribe", access_token, json_body=payload, accept=(422,))
    if answer.status == 422:
        raise BadResponse(f"POST /webhooks/subscribe {event}: HTTP 422: {body_message(422, answer.body)}", status=422)
    data = answer.body.get("data") if isinstance(answer.body, Mapping) else None
    # Salla took it; an answer we cannot read does not undo that (the next listing shows it).
    return parse_webhook_item(data) or SallaWebhook(id="", event=event, url=url, name=name, version=WEBHOOK_VERSION)


__all__ = ["WEBHOOK_VERSION", "list_webhooks", "parse_webhook_item", "subscribe_webhook"]
