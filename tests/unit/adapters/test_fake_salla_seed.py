"""Sandbox stores are deterministic, Salla-like and carry the catalog quirks."""

from __future__ import annotations

import re

import pytest

from adapters.fake_salla import SandboxStoreSpec, create_fake_salla
from adapters.fake_salla.seed import seed_stores


def _catalog(seed: int) -> list[tuple[int, str, str]]:
    return [(p.id, p.name, str(p.price)) for s in seed_stores(seed) for p in s.products.values()]


def test_same_seed_same_catalog_other_seed_other_catalog() -> None:
    assert _catalog(7) == _catalog(7)
    assert _catalog(7) != _catalog(8)


def test_default_sandbox_stores() -> None:
    fake = create_fake_salla()
    stores = fake.sandbox_stores()
    assert stores[0].merchant_id == 1234509876
    assert [s.plan for s in stores] == ["plus", "pro", "special"]
    assert all(re.fullmatch(r"\d{10}", str(s.merchant_id)) for s in stores)
    assert len({s.merchant_id for s in stores}) == 3


def test_catalog_is_realistic() -> None:
    products = [p for s in seed_stores(7) for p in s.products.values()]
    assert any(re.search(r"[\u0600-\u06FF]", p.name) and re.search(r"[A-Za-z]", p.name) for p in products)
    assert any(p.cost_price is None for p in products)
    assert any(p.cost_style == "string" for p in products)
    assert any(p.variants and not any(v.own_price for v in p.variants) for p in products)
    assert any(any(v.own_price for v in p.variants) for p in products)
    assert any(p.sale_price for p in products)
    assert all(p.price > 0 for p in products)
    assert all(p.cost_price is None or p.cost_price < p.price for p in products)


def test_custom_store_specs() -> None:
    stores = seed_stores(3, [SandboxStoreSpec(name="Bench", plan="plus", products=1000, quirks=False)])
    (store,) = stores
    assert len(store.products) == 1000 and store.rate_limit == 120
    assert not any(v.own_price for p in store.products.values() for v in p.variants)
    assert not any(p.cost_style == "string" or p.quantity_as_string for p in store.products.values())
    with pytest.raises(ValueError):
        SandboxStoreSpec(name="x", plan="gold")
