"""The fake Merchant API's Webhooks API: list, subscribe and unsubscribe a store's webhooks.

The registry itself (and the URL rules) is ``subscriptions.py``'s; the events sent to the
registered URLs are ``events.py``'s.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from adapters.fake_salla.http_envelope import api_base_url, envelope_error, json_body, not_found, ok
from adapters.fake_salla.stores import FakeStore
from adapters.fake_salla.subscriptions import KNOWN_EVENTS, url_problem

if TYPE_CHECKING:
    from adapters.fake_salla.fake import FakeSalla


class WebhooksApi:
    """The Webhooks API handlers, bound to one fake (``http_admin.py`` routes and guards them)."""

    def __init__(self, fake: FakeSalla) -> None:
        self.fake = fake

    async def list_webhooks(self, request: Request, store: FakeStore) -> Response:
        """``GET /webhooks``: the store's registered webhooks, 65 a page."""
        try:
            page = max(1, int(request.query_params.get("page", "1")))
        except ValueError:
            page = 1
        per_page = 65  # the documented page size of this listing
        with self.fake.lock:
            hooks = [h.to_json() for h in self.fake.store_webhooks.of_store(store.merchant_id)]
        total_pages = max(1, math.ceil(len(hooks) / per_page))
        chunk = hooks[(page - 1) * per_page : page * per_page]
        url = f"{api_base_url(request)}/webhooks"
        links = {k: v for k, v in (("previous", f"{url}?page={page - 1}" if page > 1 else None),
                                   ("next", f"{url}?page={page + 1}" if page < total_pages else None)) if v}
        pagination: dict[str, object] = {
            "count": len(chunk), "total": len(hooks), "perPage": per_page, "currentPage": page,
            "totalPages": total_pages, "links": links or [],
        }
        return ok(chunk, pagination=pagination)

    async def subscribe_webhook(self, request: Request, store: FakeStore) -> Response:
        """``POST /webhooks/subscribe``: register (or update) a store webhook, validated as Salla does."""
        body = await json_body(request)
        if not isinstance(body, dict):
            return envelope_error(422, "error", "alert.invalid_fields", {"event": ["حقل event مطلوب."]})
        errors: dict[str, list[str]] = {}
        event = body.get("event")
        if not isinstance(event, str) or event not in KNOWN_EVENTS:
            errors["event"] = ["حقل event غير صالحٍ"]
        problem = url_problem(body.get("url"), strict=self.fake.strict_webhook_urls)
        if problem is not None:
            errors["url"] = [problem]
        version = body.get("version", 2)
        if version not in (1, 2, "1", "2") or isinstance(version, bool):
            errors["version"] = ["قيمة version غير صالحة."]
        headers = body.get("headers")
        if headers is not None and not (
            isinstance(headers, list) and all(isinstance(h, dict) and isinstance(h.get("key"), str) for h in headers)
        ):
            errors["headers"] = ["قيمة headers غير صالحة."]
        if errors:
            return envelope_error(422, "error", "alert.invalid_fields", errors)
        rule = body.get("rule")
        with self.fake.lock:
            hook = self.fake.store_webhooks.subscribe(
                store.merchant_id, event=str(event), url=str(body["url"]), name=str(body.get("name") or ""),
                version=int(version), rule=str(rule) if rule else None,
                headers={str(h["key"]): str(h.get("value", "")) for h in headers} if headers else None,
            )
            return ok(hook.to_json())

    async def unsubscribe_webhook(self, request: Request, store: FakeStore) -> Response:
        """``DELETE /webhooks/unsubscribe``: remove a store webhook by ``id`` or ``url``."""
        params = request.query_params
        raw_id, url = params.get("id"), params.get("url")
        if not raw_id and not url:
            return envelope_error(422, "error", "alert.invalid_fields", {"id": ["حقل id مطلوب."]})
        try:
            webhook_id = int(raw_id) if raw_id else None
        except ValueError:
            return envelope_error(422, "error", "alert.invalid_fields", {"id": ["يجب أن يكون حقل id عددًا صحيحًا"]})
        with self.fake.lock:
            removed = self.fake.store_webhooks.unsubscribe(store.merchant_id, webhook_id=webhook_id, url=url or None)
        if not removed:
            return not_found()
        return ok({"message": "The Object has been removed successfully", "code": 202}, status=202)


__all__ = ["WebhooksApi"]
