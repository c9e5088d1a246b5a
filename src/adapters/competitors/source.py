"""What every competitor source shares: the store's own identity, product keys, the empty source."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from urllib.parse import urlsplit

import attrs

from pricing_core.catalog import CompetitorOffer, Product


def domain_of(url: str | None) -> str | None:
    """The host of ``url`` without ``www.`` and port, lower-cased; None for a missing or odd URL."""
    if not url:
        return None
    host = urlsplit(url if "//" in url else f"//{url}").hostname
    if not host:
        return None
    host = host.casefold()
    return host[4:] if host.startswith("www.") else host


def _domains(values: Iterable[str]) -> frozenset[str]:
    return frozenset(d for d in (domain_of(v) for v in values) if d)


def _names(values: Iterable[str]) -> frozenset[str]:
    return frozenset(v.casefold() for v in values)


def site_of(url: str | None) -> str | None:
    """``domain_of(url)`` followed by the URL's path without its trailing slash (``salla.sa/oud``)."""
    host = domain_of(url)
    if host is None or url is None:
        return None
    path = urlsplit(url if "//" in url else f"//{url}").path.rstrip("/")
    return f"{host}{path.casefold()}"


def _sites(values: Iterable[str]) -> frozenset[str]:
    return frozenset(s for s in (site_of(v) for v in values) if s)


@attrs.frozen
class OwnStore:
    """How to recognise a store's own listings among "competitor" offers.

    A listing is the store's own when its URL is on one of the store's domains (or a sub-domain of
    one), or under one of its sites (a host and a path: ``salla.sa/oud-house``), or its
    competitor name is one of the store's names (``TenantSettings.own_store_names``).
    Feeds and searches find the store's own listing all the time; pricing against it is a loop.
    """

    domains: frozenset[str] = attrs.field(factory=frozenset, converter=_domains)
    names: frozenset[str] = attrs.field(factory=frozenset, converter=_names)
    sites: frozenset[str] = attrs.field(factory=frozenset, converter=_sites)

    @classmethod
    def of_store(cls, store_url: str | None, names: Iterable[str] = ()) -> OwnStore:
        """The identity of a store from its Salla store URL (``Store.domain``) and its own names.

        A store on its own domain (``https://oud-house.sa``) owns that domain and its
        sub-domains. A store under a path of a shared host (``https://salla.sa/oud-house``,
        Salla's default address) owns that path only: the other merchants on the same host are
        competitors, and claiming the host would drop their offers.
        """
        site = site_of(store_url)
        if site is None:
            return cls(names=names)
        if "/" in site:
            return cls(sites=[site], names=names)
        return cls(domains=[site], names=names)

    def owns(self, competitor: str, url: str | None) -> bool:
        """True when the listing belongs to the store itself."""
        if competitor.casefold() in self.names:
            return True
        host = domain_of(url)
        if host is None:
            return False
        if any(host == d or host.endswith(f".{d}") for d in self.domains):
            return True
        site = site_of(url) if self.sites else None
        return site is not None and any(site == s or site.startswith(f"{s}/") for s in self.sites)

    def mark(self, offer: CompetitorOffer) -> CompetitorOffer:
        """The offer with ``is_own_store`` set when it is the store's own (never cleared once set)."""
        if offer.is_own_store or not self.owns(offer.competitor, offer.url):
            return offer
        return attrs.evolve(offer, is_own_store=True)


NO_OWN_STORE = OwnStore()
OwnStoreLookup = Callable[[str], OwnStore]
"""Store id -> the store's own identity (domain from the store record, names from its settings)."""


def no_own_store(store_id: str) -> OwnStore:
    """The lookup used when nothing is known about the store: nothing is marked as its own."""
    return NO_OWN_STORE


def product_keys(product: Product) -> tuple[str, ...]:
    """The keys a feed row or listing may use for ``product``: ``id:``, ``sku:`` and ``gtin:`` forms."""
    keys = [f"id:{product.id}"]
    if product.sku:
        keys.append(f"sku:{product.sku.strip().casefold()}")
    if product.gtin:
        keys.append(f"gtin:{product.gtin.strip().lstrip('0')}")
    return tuple(keys)


def merge_offers(
    into: dict[str, list[CompetitorOffer]], more: Mapping[str, Sequence[CompetitorOffer]]
) -> dict[str, list[CompetitorOffer]]:
    """Append ``more`` to ``into`` by product id and return ``into``."""
    for product_id, offers in more.items():
        into.setdefault(product_id, []).extend(offers)
    return into


class EmptyCompetitorSource:
    """A source with no offers: without competitor data the strategy holds prices (or uses its fallback)."""

    name = "none"

    def offers_for(
        self, store_id: str, products: Sequence[Product], now: datetime
    ) -> Mapping[str, Sequence[CompetitorOffer]]:
        """No offers for anything."""
        return {}


def mark_own(offers: Iterable[CompetitorOffer], own: OwnStore) -> list[CompetitorOffer]:
    """``own.mark`` applied to every offer."""
    return [own.mark(o) for o in offers]


__all__ = [
    "NO_OWN_STORE",
    "EmptyCompetitorSource",
    "OwnStore",
    "OwnStoreLookup",
    "domain_of",
    "mark_own",
    "merge_offers",
    "no_own_store",
    "product_keys",
    "site_of",
]
