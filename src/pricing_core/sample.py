"""A small built-in sample catalog, for notebooks, the docs example and ``salla-optimizer sample``."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from pricing_core.catalog import CompetitorOffer, Product


def sample_catalog(now: datetime) -> tuple[list[Product], dict[str, list[CompetitorOffer]]]:
    """Six products of a Saudi grocery-and-gifts store with competitor offers observed before ``now``."""
    D = Decimal
    products = [
        Product(id="1001", sku="DATES-1KG", name="تمر سكري ١ كجم / Sukkari dates 1kg", price=D("100.00"),
                cost_price=D("60.00")),
        Product(id="1002", sku="COFFEE-500", name="Saudi coffee 500g", price=D("45.00"), cost_price=D("30.00")),
        Product(id="1003", sku="OUD-50", name="عود كمبودي / Oud oil 50ml", price=D("350.00"), cost_price=D("150.00")),
        Product(id="1004", sku="HONEY-SIDR", name="Sidr honey 1kg", price=D("220.00"), cost_price=None),
        Product(id="1005", sku="PRAYER-MAT", name="Prayer mat", price=D("80.00"), cost_price=D("72.00")),
        Product(id="1006", sku="GIFT-BOX", name="Eid gift box", price=D("150.00"), cost_price=D("70.00")),
    ]

    def seen(competitor: str, price: str, hours: float, **kw: Any) -> CompetitorOffer:
        return CompetitorOffer(competitor=competitor, price=D(price), observed_at=now - timedelta(hours=hours), **kw)

    offers = {
        "1001": [seen("noon", "97.00", 2), seen("amazon.sa", "97.50", 5)],
        "1002": [seen("noon", "39.00", 1), seen("jarir", "39.50", 3), seen("extra", "12.00", 1)],
        "1003": [seen("amazon.sa", "365.00", 4, previous_price="365.00")],
        "1004": [seen("noon", "205.00", 2), seen("amazon.sa", "206.00", 2)],
        "1005": [seen("noon", "70.00", 1), seen("amazon.sa", "71.00", 2)],
        "1006": [seen("noon", "140.00", 200), seen("jarir", "120.00", 1, in_stock=False)],
    }
    return products, offers
