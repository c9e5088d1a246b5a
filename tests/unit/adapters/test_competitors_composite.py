"""Combining sources, the store's own listings, and which source a configuration gets."""

from datetime import UTC, datetime

from adapters.competitors import (
    CompositeCompetitorSource,
    EmptyCompetitorSource,
    FeedSource,
    SandboxCompetitorSource,
    build_competitor_source,
)
from adapters.competitors.source import OwnStore, domain_of
from adapters.config import Config
from pricing_core import CompetitorOffer, Product

NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)
PRODUCT = Product(id="1", sku="A", price="100", cost_price="60")


class Fixed:
    name = "fixed"

    def __init__(self, offers):
        self.offers = offers

    def offers_for(self, store_id, products, now):
        return {"1": list(self.offers)}


class Broken:
    name = "broken"

    def offers_for(self, store_id, products, now):
        raise RuntimeError("feed server down")


def offer(competitor, url=None):
    return CompetitorOffer(competitor=competitor, price="95", observed_at=NOW, url=url)


def test_a_broken_source_is_skipped_and_own_listings_are_marked():
    own = OwnStore(domains=["https://www.oud-house.sa/"], names=["Oud House"])
    composite = CompositeCompetitorSource(
        [Broken(), Fixed([offer("noon", "https://www.noon.com/x"), offer("mirror", "https://shop.oud-house.sa/p"),
                          offer("OUD HOUSE")])],
        own_store=lambda store_id: own,
    )
    offers = composite.offers_for("s1", [PRODUCT], NOW)["1"]
    assert [o.is_own_store for o in offers] == [False, True, True]
    assert composite.failures == ["competitor source broken failed for store s1: RuntimeError('feed server down')"]


def test_domain_of_ignores_www_port_and_case():
    assert domain_of("https://WWW.Noon.com:443/saudi-en/x") == "noon.com"
    assert domain_of("noon.com/x") == "noon.com"
    assert domain_of(None) is None and domain_of("") is None


def test_build_competitor_source_by_configuration(tmp_path):
    sandbox = build_competitor_source(Config(sandbox_seed=3))
    assert isinstance(sandbox.sources[0], SandboxCompetitorSource) and sandbox.sources[0].seed == 3
    assert sandbox.offers_for("s1", [PRODUCT], NOW)["1"]

    real = {"salla_client_id": "id", "salla_client_secret": "secret"}
    feed = build_competitor_source(Config(**real, competitor_feed_url=str(tmp_path / "feed.csv")))
    assert isinstance(feed.sources[0], FeedSource)
    # The missing feed file is logged by the composite, never raised into the sweep.
    assert feed.offers_for("s1", [PRODUCT], NOW) == {}
    assert feed.failures and "could not be read" in feed.failures[0]

    empty = build_competitor_source(Config(**real))
    assert isinstance(empty.sources[0], EmptyCompetitorSource)
    assert empty.offers_for("s1", [PRODUCT], NOW) == {}
