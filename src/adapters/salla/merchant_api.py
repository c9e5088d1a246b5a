"""``SallaMerchantClient``: the ``SallaCatalog`` port over Salla's Merchant API v2.

Costs are counted in requests, because each one spends the store's rate limit:
- the catalog is read with ``GET /products?per_page=60`` in the full format (``format=light``
  drops ``cost_price`` and ``with_tax``, which margins need), following Salla's
  ``pagination.links.next`` (or ``cursor.next``) page by page;
- prices go out through ``POST /products/prices/bulkPrice`` in chunks; SKUs with their own
  price through ``PUT /products/variants/{id}``;
- Salla queues bulk updates, so ``apply_prices`` confirms a small sample of them with
  ``GET /products/{id}`` after a short wait instead of re-reading everything (which would cost
  one request per product). The next catalog read (and ``product.price.updated`` webhooks)
  confirm the rest.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import attrs

from adapters.clock import SystemClock
from adapters.salla import store_webhooks
from adapters.salla.http import Answer, HttpClient, MerchantHttp, Tally, body_message
from adapters.salla.pacing import RateLimitPacer, Sleep
from adapters.salla.products import listed_regular_price, parse_product, split_variant_id
from pricing_core.errors import BadResponse, RateLimited, SallaUnavailable
from pricing_core.money import quantize
from pricing_core.ports import ApplyReport, Clock, MerchantInfo, PriceUpdate, ProductPage, RejectedItem
from pricing_core.store_events import SallaWebhook

PER_PAGE = 60  # Salla's maximum page size
BULK_CHUNK_SIZE = 200

log = logging.getLogger(__name__)


@attrs.frozen(kw_only=True)
class SallaApplyReport(ApplyReport):
    """``ApplyReport`` plus the sampled confirmation of Salla's queued bulk update.

    ``confirmed``: sampled ids whose new price Salla already shows. ``unconfirmed``: sampled ids
    still showing another price when the confirmation window closed. They stay in ``accepted``:
    Salla queued them and says the queue "may take several minutes", so not yet visible is not a
    failure; the next catalog read or a ``product.price.updated`` webhook settles them.
    """

    confirmed: tuple[str, ...] = ()
    unconfirmed: tuple[str, ...] = ()


def _int_field(value: object, default: int) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default


def _price_json(price: Decimal) -> int | float:
    """Salla takes major units as JSON numbers; 2-decimal amounts survive ``float`` exactly in repr."""
    amount = quantize(price)
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _numeric_id(value: str) -> int | str:
    return int(value) if value.isdigit() else value


class SallaMerchantClient:
    """Reads catalogs and writes prices for one or many stores (the token picks the store)."""

    def __init__(
        self,
        http: HttpClient,
        *,
        api_url: str,
        sleep: Sleep = time.sleep,
        pacer: RateLimitPacer | None = None,
        clock: Clock | None = None,
        max_attempts: int = 5,
        backoff_base: float = 0.5,
        per_page: int = PER_PAGE,
        bulk_chunk_size: int = BULK_CHUNK_SIZE,
        confirm_sample: int = 3,
        confirm_delay: float = 0.5,
        confirm_attempts: int = 3,
        rng: random.Random | None = None,
    ) -> None:
        if not 1 <= per_page <= PER_PAGE:
            raise ValueError(f"per_page must be within 1..{PER_PAGE}")
        self._clock: Clock = clock or SystemClock()
        self._http = MerchantHttp(
            http, api_url, pacer=pacer, sleep=sleep, now=self._seconds, max_attempts=max_attempts,
            backoff_base=backoff_base, rng=rng,
        )
        self._sleep = sleep
        self.per_page = per_page
        self.bulk_chunk_size = bulk_chunk_size
        self.confirm_sample = confirm_sample
        self.confirm_delay = confirm_delay
        self.confirm_attempts = confirm_attempts

    @property
    def requests(self) -> int:
        """HTTP requests this client sent so far (retries included)."""
        return self._http.requests

    @property
    def pacer(self) -> RateLimitPacer:
        """The rate-limit pacer (shared by every store this client serves, keyed by token)."""
        return self._http.pacer

    def _seconds(self) -> float:
        # The pacer compares this with X-RateLimit-Reset: the injected clock, so a test or a
        # benchmark that moves the fake Salla's clock moves the pacer's with it.
        return self._clock.now().timestamp()

    def _today(self) -> date:
        return self._clock.now().date()

    # ------------------------------------------------------------------------------------
    # Reading

    def _parse_items(self, items: Sequence[object]) -> tuple[list[Any], list[RejectedItem]]:
        today = self._today()
        products = []
        rejected: list[RejectedItem] = []
        for raw in items:
            parsed, bad = parse_product(raw, today=today)
            products.extend(parsed)
            rejected.extend(bad)
        return products, rejected

    def iter_product_pages(self, access_token: str) -> Iterator[ProductPage]:
        """Stream the catalog, 60 products a request, following Salla's pagination.

        The next page is the one ``pagination.links.next`` (or ``cursor.next``, the light
        format's) names: its query is sent to our own API URL (never to the host in the link,
        which would receive the store's token), with our ``per_page`` unless the link sets one
        (Salla's documented link is ``products?page=4``, without it). Without a link, a page
        before ``totalPages`` is followed by the next number. A full page with neither a
        pagination object nor a cursor raises ``BadResponse``: the rest of the catalog cannot be
        found, and a sweep must not take one page for the whole catalog.
        """
        params: dict[str, str | int] = {"page": 1, "per_page": self.per_page}
        requested: set[tuple[tuple[str, str], ...]] = set()
        while True:
            requested.add(_params_key(params))
            answer = self._http.request("GET", "/products", access_token, params=params)
            body = answer.body
            page_label = f"page {params.get('page')}" if "cursor" not in params else "at a cursor"
            if not isinstance(body, Mapping) or not isinstance(body.get("data"), list):
                raise BadResponse(f"GET /products {page_label}: no data list in the answer")
            items = body["data"]
            step = _next_step(body, params, len(items), self.per_page, page_label)
            products, rejected = self._parse_items(items)
            yield ProductPage(
                products=tuple(products),
                rejected=tuple(rejected),
                page=step.current,
                total_pages=step.total_pages,
                total_products=step.total_products,
            )
            if step.next_params is None or not items:
                return
            if _params_key(step.next_params) in requested:
                raise BadResponse(f"GET /products {page_label}: the next page link points back to a page already read")
            params = step.next_params

    def _fetch_raw(self, access_token: str, product_id: str, tally: Tally | None = None) -> Any | None:
        answer = self._http.request("GET", f"/products/{product_id}", access_token, accept=(404,), tally=tally)
        if answer.status == 404:
            return None
        body = answer.body
        if not isinstance(body, Mapping) or "data" not in body:
            raise BadResponse(f"GET /products/{product_id}: no data in the answer")
        return body["data"]

    # From this many products on, ``get_products`` reads the catalog's first page before deciding
    # between pages and one GET per product (see ``get_products``).
    page_read_min = 4

    def get_products(self, access_token: str, product_ids: Sequence[str]) -> ProductPage:
        """Fetch products by id, in as few requests as the catalog's size allows (SKU ids fetch their product).

        A few products cost one ``GET /products/{id}`` each. From ``page_read_min`` products on,
        the catalog's first page (60 products) is read first: it may hold some of them, and it
        tells how many pages there are. The rest are then read page by page when that is fewer
        requests than one GET each (stopping once all are found), else one GET each. So ``n``
        products cost at most ``min(n, pages) + 1`` requests: approving 72 decisions of a
        200-product store costs 4 GETs, not 72. A product the pages did not list (Salla lists
        what its filters show) is still asked for by id, so nothing is reported missing unread.
        """
        wanted = list(dict.fromkeys(str(pid) for pid in product_ids))
        parents = list(dict.fromkeys(split_variant_id(pid)[0] for pid in wanted))
        found: dict[str, Any] = {}
        rejected: list[RejectedItem] = []
        numeric: list[str] = []
        for parent in parents:
            if parent.isdigit():
                numeric.append(parent)
            else:
                rejected.append(RejectedItem(product_id=parent, reason="not a Salla product id"))
        unread = numeric
        if len(numeric) >= self.page_read_min:
            unread = self._pick_from_pages(access_token, numeric, found, rejected)
        for parent in unread:
            raw = self._fetch_raw(access_token, parent)
            if raw is None:
                rejected.append(RejectedItem(product_id=parent, reason="not found in the store (404)"))
                continue
            products, bad = self._parse_items([raw])
            for product in products:
                found[product.id] = product
            rejected.extend(bad)
        result = []
        reported = {item.product_id for item in rejected}
        for pid in wanted:
            parent, variant = split_variant_id(pid)
            if pid in found:
                result.append(found[pid])
            elif variant is None and any(p.variant_of == pid for p in found.values()):
                result.extend(p for p in found.values() if p.variant_of == pid)
            elif pid not in reported and parent not in reported:
                reason = "SKU not found" if variant else "product is priced per SKU now, not as a whole"
                rejected.append(RejectedItem(product_id=pid, reason=reason))
        return ProductPage(products=tuple(result), rejected=tuple(rejected))

    def _pick_from_pages(
        self, access_token: str, parents: Sequence[str], found: dict[str, Any], rejected: list[RejectedItem]
    ) -> list[str]:
        """Collect ``parents`` from catalog pages into ``found``/``rejected``; returns those still unread.

        Pages are read while they are the cheaper way: after each page, the pages left are
        compared with the products left (one GET each).
        """
        left = set(parents)
        for page in self.iter_product_pages(access_token):
            for product in page.products:
                parent = product.variant_of or product.id
                if parent in left:
                    found[product.id] = product
            rejected.extend(i for i in page.rejected if i.product_id and split_variant_id(i.product_id)[0] in left)
            left -= {p.variant_of or p.id for p in page.products}
            left -= {split_variant_id(i.product_id)[0] for i in page.rejected if i.product_id}
            if not left or page.total_pages - page.page >= len(left):
                break  # all found, or one GET each is no dearer than the pages left
        return [p for p in parents if p in left]

    def store_info(self, access_token: str) -> MerchantInfo:
        """``GET /store/info``: the store's id, name, plan and currency."""
        body = self._http.request("GET", "/store/info", access_token).body
        data = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(data, Mapping) or data.get("id") is None:
            raise BadResponse("GET /store/info: no store in the answer")
        owner = data.get("owner")
        return MerchantInfo(
            merchant_id=str(data["id"]),
            store_name=str(data.get("name") or ""),
            plan=str(data.get("plan") or "plus"),
            currency=str(data.get("currency") or "SAR"),
            domain=str(data["domain"]) if data.get("domain") else None,
            email=str(data["email"]) if data.get("email") else None,
            user_name=str(owner["name"]) if isinstance(owner, Mapping) and owner.get("name") else None,
        )

    # ------------------------------------------------------------------------------------
    # Store-event webhooks (the ``SallaWebhooks`` port, on the same session and pacer)

    def list_webhooks(self, access_token: str) -> list[SallaWebhook]:
        """``GET /webhooks``: every webhook registered on the store."""
        return store_webhooks.list_webhooks(self._http, access_token)

    def subscribe_webhook(self, access_token: str, *, event: str, url: str, name: str) -> SallaWebhook:
        """``POST /webhooks/subscribe``: deliver ``event`` of the store to ``url``."""
        return store_webhooks.subscribe_webhook(self._http, access_token, event=event, url=url, name=name)

    # ------------------------------------------------------------------------------------
    # Writing

    def apply_prices(self, access_token: str, updates: Sequence[PriceUpdate]) -> SallaApplyReport:
        """Write prices: bulk chunks for products, one PUT per own-priced SKU, then a sampled confirm.

        ``accepted`` are the ids Salla took (queued, or written for SKUs); ``failed`` maps ids to
        reasons: refused by validation, or refused after the retries (429, 403, 503). The sampled
        confirmation lands in ``confirmed`` / ``unconfirmed`` (see ``SallaApplyReport``).
        ``TokenRevoked`` propagates: nothing else can succeed with that token. So does
        ``SallaUnavailable`` for a write whose outcome is unknown (timeout, other 5xx): Salla may
        have queued it, so it is neither accepted nor failed (see ``_outcome_unknown``).
        """
        tally = Tally()
        latest = {u.product_id: u for u in updates}  # the last update of an id wins
        failed: dict[str, str] = {}
        accepted: list[str] = []
        plain = [u for u in latest.values() if split_variant_id(u.product_id)[1] is None]
        variants = [u for u in latest.values() if split_variant_id(u.product_id)[1] is not None]
        for update in plain:
            if not update.product_id.isdigit():
                failed[update.product_id] = "not a Salla product id"
        plain = [u for u in plain if u.product_id not in failed]
        for start in range(0, len(plain), self.bulk_chunk_size):
            chunk = plain[start : start + self.bulk_chunk_size]
            ok, bad = self._bulk(access_token, chunk, tally)
            accepted.extend(ok)
            failed.update(bad)
        for update in variants:
            reason = self._put_variant(access_token, update, tally)
            if reason is None:
                accepted.append(update.product_id)
            else:
                failed[update.product_id] = reason
        queued = [pid for pid in accepted if split_variant_id(pid)[1] is None]
        sampled = [latest[pid] for pid in _spread(queued, self.confirm_sample)]
        unconfirmed = self._confirm(access_token, sampled, tally)
        if unconfirmed:
            log.warning(
                "Salla queued %d price updates; %d of %d sampled not visible yet: %s",
                len(queued), len(unconfirmed), len(sampled), ", ".join(unconfirmed),
            )
        return SallaApplyReport(
            accepted=tuple(accepted),
            failed=failed,
            requests=tally.requests,
            confirmed=tuple(u.product_id for u in sampled if u.product_id not in unconfirmed),
            unconfirmed=tuple(unconfirmed),
        )

    def _bulk(
        self, access_token: str, chunk: Sequence[PriceUpdate], tally: Tally
    ) -> tuple[list[str], dict[str, str]]:
        """One bulkPrice request; on a validation error, drop the named items and send the rest once more."""
        failed: dict[str, str] = {}
        pending = list(chunk)
        for _ in range(2):
            if not pending:
                break
            body = {"products": [{"id": _numeric_id(u.product_id), "price": _price_json(u.price)} for u in pending]}
            try:
                answer = self._http.request(
                    "POST", "/products/prices/bulkPrice", access_token, json_body=body, accept=(422,), tally=tally
                )
            except (SallaUnavailable, RateLimited, BadResponse) as exc:
                if _outcome_unknown(exc):
                    raise  # maybe queued: the caller keeps the decisions APPLYING and reconciles later
                return [], {**failed, **{u.product_id: f"not sent: {exc}" for u in pending}}
            if answer.status != 422:
                return [u.product_id for u in pending], failed
            item_errors = _item_errors(answer.body, len(pending))
            if not item_errors:
                message = _envelope_message(answer)
                return [], {**failed, **{u.product_id: f"refused by Salla: {message}" for u in pending}}
            for index, message in item_errors.items():
                failed[pending[index].product_id] = f"refused by Salla: {message}"
            pending = [u for i, u in enumerate(pending) if i not in item_errors]
        return [], {**failed, **{u.product_id: "refused by Salla twice" for u in pending}}

    def _put_variant(self, access_token: str, update: PriceUpdate, tally: Tally) -> str | None:
        """PUT one SKU's price; None when Salla confirmed it, else the reason."""
        _, variant = split_variant_id(update.product_id)
        try:
            answer = self._http.request(
                "PUT",
                f"/products/variants/{variant}",
                access_token,
                json_body={"price": _price_json(update.price)},
                accept=(404, 422),
                tally=tally,
            )
        except (SallaUnavailable, RateLimited, BadResponse) as exc:
            if _outcome_unknown(exc):
                raise
            return f"not sent: {exc}"
        if answer.status == 404:
            return "SKU not found (404)"
        if answer.status == 422:
            return f"refused by Salla: {_envelope_message(answer)}"
        data = answer.body.get("data") if isinstance(answer.body, Mapping) else None
        # The answer's ``price`` is the effective one (the sale price during a sale); what we
        # wrote is the regular price, so that is what is compared. None: the answer does not
        # show it (a sale and no ``regular_price``), which is not a refusal.
        written = listed_regular_price(data)
        if written is not None and written != quantize(update.price):
            return f"Salla kept {written} instead of {quantize(update.price)}"
        return None

    def _confirm(self, access_token: str, sample: Sequence[PriceUpdate], tally: Tally) -> list[str]:
        """Re-read a sample of queued updates until they show; the ids that never did."""
        pending = {u.product_id: quantize(u.price) for u in sample}
        for attempt in range(self.confirm_attempts):
            if not pending:
                break
            self._sleep(self.confirm_delay * (2**attempt))
            for pid in list(pending):
                try:
                    raw = self._fetch_raw(access_token, pid, tally)
                except (SallaUnavailable, RateLimited, BadResponse):
                    continue  # unknown yet; the next catalog read will tell
                if raw is None:
                    pending.pop(pid)  # deleted meanwhile: nothing to confirm
                    continue
                # The regular price, not ``price``: during a sale ``price`` is the sale price.
                if listed_regular_price(raw) == pending[pid]:
                    pending.pop(pid)
        return list(pending)


def _outcome_unknown(error: Exception) -> bool:
    """True when a failed write may still have reached Salla: a timeout or lost connection
    (no status), or a 5xx other than 503 (the server may have queued it before failing).

    Such a write must not be reported as "not sent": the caller's decisions would be marked
    FAILED while Salla applies the price (no price history, no cooldown). It is raised instead,
    so the decisions stay APPLYING and the next attempt compares Salla's price before resending.
    429, 403, 503 and 4xx answers are refusals: nothing was written.
    """
    if not isinstance(error, SallaUnavailable):
        return False
    return error.status is None or (error.status >= 500 and error.status != 503)


@attrs.frozen(kw_only=True)
class _Step:
    """Where one catalog page sits and which query reads the next one (None: it was the last)."""

    current: int
    total_pages: int
    total_products: int | None
    next_params: dict[str, str | int] | None


def _params_key(params: Mapping[str, str | int]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((key, str(value)) for key, value in params.items()))


def _link_params(link: object, per_page: int) -> dict[str, str | int] | None:
    """The query of a next-page link, with our ``per_page`` unless it names one; None when there is no link."""
    if not isinstance(link, str) or not link.strip():
        return None
    query = dict(parse_qsl(urlsplit(link.strip()).query, keep_blank_values=True))
    if not query:
        return None
    return {"per_page": per_page, **query}


def _next_step(
    body: Mapping[str, Any], params: Mapping[str, str | int], count: int, per_page: int, label: str
) -> _Step:
    """Read Salla's ``pagination`` (page numbers, ``links.next``) or ``cursor`` (``next``) of one page."""
    page = _int_field(params.get("page"), 1)
    pagination = body.get("pagination")
    cursor = body.get("cursor")
    if isinstance(pagination, Mapping):
        current = _int_field(pagination.get("currentPage"), page)
        total_pages = max(current, _int_field(pagination.get("totalPages"), current))
        total = pagination.get("total")
        links = pagination.get("links")  # {"previous", "next"}, or {} / [] (PHP) when there are none
        next_params = _link_params(links.get("next"), per_page) if isinstance(links, Mapping) else None
        if next_params is None and current < total_pages:
            next_params = {"page": current + 1, "per_page": per_page}
        return _Step(current=current, total_pages=total_pages,
                     total_products=_int_field(total, 0) if total is not None else None, next_params=next_params)
    if isinstance(cursor, Mapping):
        current = _int_field(cursor.get("current"), page)
        next_params = _link_params(cursor.get("next"), per_page)
        return _Step(current=current, total_pages=current + (1 if next_params else 0), total_products=None,
                     next_params=next_params)
    if count >= _int_field(params.get("per_page"), per_page):  # the page size this request asked for
        raise BadResponse(
            f"GET /products {label}: a full page of {count} products without a pagination object or a "
            "cursor; the rest of the catalog cannot be found"
        )
    return _Step(current=page, total_pages=page, total_products=None, next_params=None)


def _spread(items: Sequence[str], count: int) -> list[str]:
    """Up to ``count`` items spread over the sequence (first, last, and evenly between)."""
    if count <= 0 or not items:
        return []
    if len(items) <= count:
        return list(items)
    if count == 1:
        return [items[0]]
    step = (len(items) - 1) / (count - 1)
    return list(dict.fromkeys(items[round(i * step)] for i in range(count)))


def _item_errors(body: object, size: int) -> dict[int, str]:
    """``{"products.3.price": [...]}`` -> ``{3: "..."}`` for a 422 answer."""
    error = body.get("error") if isinstance(body, Mapping) else None
    fields = error.get("fields") if isinstance(error, Mapping) else None
    result: dict[int, str] = {}
    if not isinstance(fields, Mapping):
        return result
    for key, messages in fields.items():
        parts = str(key).split(".")
        if len(parts) >= 2 and parts[0] == "products" and parts[1].isdigit() and int(parts[1]) < size:
            text = "; ".join(str(m) for m in messages) if isinstance(messages, list) else str(messages)
            result[int(parts[1])] = text
    return result


def _envelope_message(answer: Answer) -> str:
    return body_message(answer.status, answer.body)


__all__ = ["BULK_CHUNK_SIZE", "PER_PAGE", "SallaApplyReport", "SallaMerchantClient"]
