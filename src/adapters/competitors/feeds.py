"""Competitor price feeds: CSV or JSON rows keyed by SKU or GTIN, from a file or an HTTP URL.

One row is one observation::

    sku,gtin,competitor,price,currency,url,in_stock,observed_at[,previous_price,second_reading,confidence,shipping]

A row without a key, competitor, readable positive price or readable ``observed_at`` is skipped
with a logged reason (a price without a time cannot be called fresh, so it is not guessed). Rows
carry what they carry: ``second_reading`` and ``previous_price`` only when the feed has them.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import httpx

from adapters.competitors.parsing import normalize_currency, normalize_text, parse_amount
from adapters.competitors.source import OwnStoreLookup, no_own_store, product_keys
from pricing_core.catalog import CompetitorOffer, Product

log = logging.getLogger(__name__)

_TRUE = {"1", "true", "yes", "y", "in stock", "instock", "in_stock", "available", "متوفر", "نعم"}
_FALSE = {"0", "false", "no", "n", "out of stock", "outofstock", "out_of_stock", "sold out", "unavailable",
          "غير متوفر", "نفدت الكمية", "لا"}


class FeedError(RuntimeError):
    """The feed as a whole cannot be read (missing file, HTTP failure, not CSV or JSON)."""


@attrs.frozen
class FeedRow:
    """One valid feed row: the keys it matches products by, and the offer it describes."""

    keys: tuple[str, ...]
    offer: CompetitorOffer


@attrs.frozen
class RejectedRow:
    """A feed row that was skipped, with its row number (1 = first data row) and the reason."""

    row: int
    reason: str


@attrs.frozen
class ParsedFeed:
    """All rows of a feed: the valid ones and the skipped ones."""

    rows: tuple[FeedRow, ...]
    rejected: tuple[RejectedRow, ...]


def _text(raw: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        value = raw.get(name)
        if value is not None and str(value).strip() != "":
            return str(value).strip()
    return None


def _stock(value: object) -> bool | None:
    if value is None or value == "":
        return True  # a feed that does not say otherwise lists what it sells
    if isinstance(value, bool):
        return value
    text = normalize_text(str(value)).casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def _timestamp(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    # A feed without a zone is read as UTC: our feeds are machine-written, and UTC is the norm.
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _optional_amount(raw: Mapping[str, Any], name: str, currency: str) -> tuple[Decimal | None, str | None]:
    value = _text(raw, name)
    if value is None:
        return None, None
    amount = parse_amount(value, currency_hint=currency)
    return (amount, None) if amount is not None else (None, f"unreadable {name} {value!r}")


def parse_row(raw: Mapping[str, Any], number: int, *, source: str = "feed") -> FeedRow | RejectedRow:
    """Validate one raw row (a CSV dict or a JSON object)."""
    raw = {str(k).strip().casefold(): v for k, v in raw.items()}
    keys: list[str] = []
    if (sku := _text(raw, "sku")) is not None:
        keys.append(f"sku:{sku.casefold()}")
    if (gtin := _text(raw, "gtin", "ean", "barcode")) is not None:
        keys.append(f"gtin:{normalize_text(gtin).lstrip('0')}")
    if (product_id := _text(raw, "product_id")) is not None:
        keys.append(f"id:{product_id}")
    if not keys:
        return RejectedRow(number, "no sku, gtin or product_id")
    competitor = _text(raw, "competitor", "seller", "store")
    if competitor is None:
        return RejectedRow(number, "no competitor")
    currency_text = _text(raw, "currency")
    currency = normalize_currency(currency_text) if currency_text else "SAR"
    if currency is None:
        return RejectedRow(number, f"unreadable currency {currency_text!r}")
    price_text = _text(raw, "price")
    # The row's currency settles how many decimals its price has (12.500 KWD is twelve and a half).
    price = parse_amount(raw.get("price"), currency_hint=currency) if price_text is not None else None
    if price is None:
        return RejectedRow(number, f"unreadable price {raw.get('price')!r}")
    observed_at = _timestamp(_text(raw, "observed_at", "timestamp"))
    if observed_at is None:
        return RejectedRow(number, f"unreadable observed_at {raw.get('observed_at')!r}")
    in_stock = _stock(raw.get("in_stock"))
    if in_stock is None:
        return RejectedRow(number, f"unreadable in_stock {raw.get('in_stock')!r}")
    previous, problem = _optional_amount(raw, "previous_price", currency)
    second, problem2 = _optional_amount(raw, "second_reading", currency)
    shipping, problem3 = _optional_amount(raw, "shipping", currency)
    if problem or problem2 or problem3:
        return RejectedRow(number, problem or problem2 or problem3 or "")
    confidence = Decimal("1")
    if (conf_text := _text(raw, "confidence")) is not None:
        try:
            confidence = Decimal(conf_text)
        except ArithmeticError:
            return RejectedRow(number, f"unreadable confidence {conf_text!r}")
        if not confidence.is_finite() or not Decimal(0) <= confidence <= Decimal(1):
            return RejectedRow(number, f"confidence {conf_text} outside 0..1")
    offer = CompetitorOffer(
        competitor=competitor,
        price=price,
        observed_at=observed_at,
        currency=currency,
        in_stock=in_stock,
        confidence=confidence,
        url=_text(raw, "url"),
        previous_price=previous,
        second_reading=second,
        source=source,
        shipping=shipping,
    )
    return FeedRow(tuple(keys), offer)


def _json_rows(text: str) -> list[Mapping[str, Any]]:
    data = json.loads(text)
    if isinstance(data, Mapping):
        data = data.get("offers", data.get("rows", data.get("items")))
    if not isinstance(data, list):
        raise FeedError("a JSON feed must be a list of rows or an object with an 'offers' list")
    return [row if isinstance(row, Mapping) else {"_not_an_object": row} for row in data]


def parse_feed(text: str, *, fmt: str | None = None, source: str = "feed") -> ParsedFeed:
    """Parse a whole feed. ``fmt`` is ``"csv"`` or ``"json"``; sniffed from the text when None."""
    stripped = text.lstrip("\ufeff \t\r\n")
    fmt = fmt or ("json" if stripped[:1] in ("[", "{") else "csv")
    raws: Iterable[Mapping[str, Any]]
    if fmt == "json":
        try:
            raws = _json_rows(stripped)
        except json.JSONDecodeError as exc:
            raise FeedError(f"feed is not valid JSON: {exc}") from exc
    else:
        raws = csv.DictReader(io.StringIO(stripped))
    rows: list[FeedRow] = []
    rejected: list[RejectedRow] = []
    for number, raw in enumerate(raws, start=1):
        parsed = parse_row(raw, number, source=source)
        (rows if isinstance(parsed, FeedRow) else rejected).append(parsed)  # type: ignore[arg-type]
    for bad in rejected:
        log.warning("feed row %d skipped: %s", bad.row, bad.reason)
    return ParsedFeed(tuple(rows), tuple(rejected))


def _format_of(location: str, content_type: str | None = None) -> str | None:
    lowered = location.casefold().split("?", 1)[0]
    if lowered.endswith(".json") or (content_type and "json" in content_type):
        return "json"
    if lowered.endswith(".csv") or (content_type and "csv" in content_type):
        return "csv"
    return None


class FeedSource:
    """``CompetitorSource`` over one feed (a local path or an http(s) URL), re-read on every call
    so a feed that is replaced between sweeps is seen by the next one."""

    name = "feed"

    def __init__(
        self,
        location: str | Path,
        *,
        client: httpx.Client | None = None,
        timeout: float = 15.0,
        own_store: OwnStoreLookup = no_own_store,
    ) -> None:
        self.location = str(location)
        self.client = client
        self.timeout = timeout
        self.own_store = own_store
        self.last_rejected: tuple[RejectedRow, ...] = ()

    def read(self) -> ParsedFeed:
        """Load and parse the feed; raises ``FeedError`` when it cannot be read at all."""
        if self.location.startswith(("http://", "https://")):
            client = self.client or httpx.Client()
            try:
                response = client.get(self.location, timeout=self.timeout)
                response.raise_for_status()
            except httpx.HTTPError as exc:
                raise FeedError(f"feed {self.location} could not be fetched: {exc}") from exc
            finally:
                if self.client is None:
                    client.close()
            fmt = _format_of(self.location, response.headers.get("content-type"))
            return parse_feed(response.text, fmt=fmt, source="feed")
        path = Path(self.location.removeprefix("file://"))
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise FeedError(f"feed {path} could not be read: {exc}") from exc
        return parse_feed(text, fmt=_format_of(self.location), source="feed")

    def offers_for(
        self, store_id: str, products: Sequence[Product], now: datetime
    ) -> Mapping[str, Sequence[CompetitorOffer]]:
        """Offers from the feed for ``products``, matched by SKU, GTIN or product id."""
        parsed = self.read()
        self.last_rejected = parsed.rejected
        by_key: dict[str, list[CompetitorOffer]] = {}
        for row in parsed.rows:
            for key in row.keys:
                by_key.setdefault(key, []).append(row.offer)
        own = self.own_store(store_id)
        offers: dict[str, list[CompetitorOffer]] = {}
        for product in products:
            seen: list[CompetitorOffer] = []
            for key in product_keys(product):
                for offer in by_key.get(key, ()):
                    if not any(offer is s for s in seen):  # a row with both sku and gtin matches once
                        seen.append(offer)
            if seen:
                offers[product.id] = [own.mark(o) for o in seen]
        return offers


__all__ = ["FeedError", "FeedRow", "FeedSource", "ParsedFeed", "RejectedRow", "parse_feed", "parse_row"]
