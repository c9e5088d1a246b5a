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

Following the pages is ``pagination.py``'s; writing prices is ``price_writes.py``'s.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from adapters.clock import SystemClock
from adapters.salla import store_webhooks
from adapters.salla.http import HttpClient, MerchantHttp, Tally
from adapters.salla.orders import SallaOrdersClient
from adapters.salla.pacing import RateLimitPacer, Sleep
from adapters.salla.pagination import next_step, params_key
from adapters.salla.price_writes import BULK_CHUNK_SIZE, PriceWriter, SallaApplyReport
from adapters.salla.products import parse_product, split_variant_id
from pricing_core.errors import BadResponse
from pricing_core.ports import Clock, MerchantInfo, PriceUpdate, ProductPage, RejectedItem
from pricing_core.sales import SoldLine
from pricing_core.store_events import SallaWebhook

PER_PAGE = 60  # Salla's maximum page size


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
            requested.add(params_key(params))
            answer = self._http.request("GET", "/products", access_token, params=params)
            body = answer.body
            page_label = f"page {params.get('page')}" if "cursor" not in params else "at a cursor"
            if not isinstance(body, Mapping) or not isinstance(body.get("data"), list):
                raise BadResponse(f"GET /products {page_label}: no data list in the answer")
            items = body["data"]
            step = next_step(body, params, len(items), self.per_page, page_label)
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
            if params_key(step.next_params) in requested:
                raise BadResponse(f"GET /products {page_label}: the next page link points back to a page already read")
            params = step.next_params

    def iter_sold_lines(self, access_token: str, *, since: date) -> Iterator[SoldLine]:
        """``SallaOrders``: the store's order lines from ``since`` on (``orders.SallaOrdersClient``,
        on this client's connection and pacer)."""
        return SallaOrdersClient(self._http.http, api_url=self._http.api_url,
                                 merchant_http=self._http).iter_sold_lines(access_token, since=since)

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
        reasons Salla refused them for; ``retryable`` those not taken for a reason that passes;
        ``confirmed`` / ``unconfirmed`` the sampled confirmation (``price_writes.PriceWriter``).
        ``TokenRevoked`` propagates, and so does ``SallaUnavailable`` for a write whose outcome is
        unknown (timeout, other 5xx): Salla may have queued it.
        """
        writer = PriceWriter(
            self._http, fetch_raw=self._fetch_raw, sleep=self._sleep, bulk_chunk_size=self.bulk_chunk_size,
            confirm_sample=self.confirm_sample, confirm_delay=self.confirm_delay,
            confirm_attempts=self.confirm_attempts,
        )
        return writer.apply(access_token, updates)


__all__ = ["BULK_CHUNK_SIZE", "PER_PAGE", "SallaApplyReport", "SallaMerchantClient"]
