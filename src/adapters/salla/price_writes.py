"""Writing prices to Salla: ``bulkPrice`` chunks, one PUT per own-priced SKU, and a sampled confirmation.

Salla queues bulk updates ("it may take several minutes"), so instead of re-reading every
product (one request each) a small sample is read back after a short wait; the next catalog read
and ``product.price.updated`` webhooks confirm the rest. A write whose outcome is unknown (a
timeout, a 5xx other than 503) is raised rather than reported "not sent": Salla may have taken it.
``SallaMerchantClient.apply_prices`` runs a ``PriceWriter`` with the client's settings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from adapters.salla.http import Answer, MerchantHttp, Tally, body_message
from adapters.salla.listed_prices import listed_regular_price
from adapters.salla.pacing import Sleep
from adapters.salla.products import split_variant_id
from pricing_core.errors import BadResponse, RateLimited, SallaUnavailable
from pricing_core.money import quantize
from pricing_core.ports import ApplyReport, PriceUpdate

BULK_CHUNK_SIZE = 200

log = logging.getLogger(__name__)

FetchProduct = Callable[[str, str, Tally | None], Any]
"""``(access token, product id, tally)`` -> the product's raw JSON, or None when Salla answers 404."""


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


def _price_json(price: Decimal) -> int | float:
    """Salla takes major units as JSON numbers; 2-decimal amounts survive ``float`` exactly in repr."""
    amount = quantize(price)
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _numeric_id(value: str) -> int | str:
    return int(value) if value.isdigit() else value


class PriceWriter:
    """Writes one batch of price updates for a store (the access token picks it) and confirms a sample."""

    def __init__(
        self,
        http: MerchantHttp,
        *,
        fetch_raw: FetchProduct,
        sleep: Sleep,
        bulk_chunk_size: int = BULK_CHUNK_SIZE,
        confirm_sample: int = 3,
        confirm_delay: float = 0.5,
        confirm_attempts: int = 3,
    ) -> None:
        self._http = http
        self._fetch_raw = fetch_raw
        self._sleep = sleep
        self.bulk_chunk_size = bulk_chunk_size
        self.confirm_sample = confirm_sample
        self.confirm_delay = confirm_delay
        self.confirm_attempts = confirm_attempts

    def apply(self, access_token: str, updates: Sequence[PriceUpdate]) -> SallaApplyReport:
        """Write prices: bulk chunks for products, one PUT per own-priced SKU, then a sampled confirm.

        ``accepted`` are the ids Salla took (queued, or written for SKUs); ``failed`` maps ids to
        reasons Salla refused them for (validation, unknown SKU); ``retryable`` those it did not
        take after the client's retries for a reason that passes (429, 403 block, 503). The sampled
        confirmation lands in ``confirmed`` / ``unconfirmed`` (see ``SallaApplyReport``).
        ``TokenRevoked`` propagates: nothing else can succeed with that token. So does
        ``SallaUnavailable`` for a write whose outcome is unknown (timeout, other 5xx): Salla may
        have queued it, so it is neither accepted nor failed (see ``_outcome_unknown``).
        """
        tally = Tally()
        latest = {u.product_id: u for u in updates}  # the last update of an id wins
        failed: dict[str, str] = {}
        retryable: dict[str, str] = {}
        accepted: list[str] = []
        plain = [u for u in latest.values() if split_variant_id(u.product_id)[1] is None]
        variants = [u for u in latest.values() if split_variant_id(u.product_id)[1] is not None]
        for update in plain:
            if not update.product_id.isdigit():
                failed[update.product_id] = "not a Salla product id"
        plain = [u for u in plain if u.product_id not in failed]
        for start in range(0, len(plain), self.bulk_chunk_size):
            chunk = plain[start : start + self.bulk_chunk_size]
            ok, bad, later = self._bulk(access_token, chunk, tally)
            accepted.extend(ok)
            failed.update(bad)
            retryable.update(later)
        for update in variants:
            try:
                reason = self._put_variant(access_token, update, tally)
            except _NotSent as exc:
                retryable[update.product_id] = str(exc)
                continue
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
            retryable=retryable,
            confirmed=tuple(u.product_id for u in sampled if u.product_id not in unconfirmed),
            unconfirmed=tuple(unconfirmed),
        )

    def _bulk(
        self, access_token: str, chunk: Sequence[PriceUpdate], tally: Tally
    ) -> tuple[list[str], dict[str, str], dict[str, str]]:
        """One bulkPrice request; on a validation error, drop the named items and send the rest once more.

        Returns the accepted ids, the refused ones and the ones not written for a passing reason
        (429, 403 block, 503), each with its reason."""
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
                not_sent = {u.product_id: f"not sent: {exc}" for u in pending}
                if _passing(exc):
                    return [], failed, not_sent
                return [], {**failed, **not_sent}, {}
            if answer.status != 422:
                return [u.product_id for u in pending], failed, {}
            item_errors = _item_errors(answer.body, len(pending))
            if not item_errors:
                message = _envelope_message(answer)
                return [], {**failed, **{u.product_id: f"refused by Salla: {message}" for u in pending}}, {}
            for index, message in item_errors.items():
                failed[pending[index].product_id] = f"refused by Salla: {message}"
            pending = [u for i, u in enumerate(pending) if i not in item_errors]
        return [], {**failed, **{u.product_id: "refused by Salla twice" for u in pending}}, {}

    def _put_variant(self, access_token: str, update: PriceUpdate, tally: Tally) -> str | None:
        """PUT one SKU's price; None when Salla confirmed it, else the reason.

        Raises ``_NotSent`` when it was not written for a passing reason (429, 403 block, 503)."""
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
            if _passing(exc):
                raise _NotSent(f"not sent: {exc}") from exc
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


class _NotSent(Exception):
    """A SKU's price was not written for a reason that passes (see ``_passing``)."""


def _passing(error: Exception) -> bool:
    """True when a write Salla did not take may succeed later: 429, a 403 block, a 503.

    A malformed or refused answer (``BadResponse``) will not change by itself."""
    return isinstance(error, (RateLimited, SallaUnavailable))


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


__all__ = ["BULK_CHUNK_SIZE", "FetchProduct", "PriceWriter", "SallaApplyReport"]
