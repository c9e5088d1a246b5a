"""Deterministic sandbox catalogs: the same seed always gives the same stores and products."""

from __future__ import annotations

import random
from collections.abc import Sequence
from decimal import Decimal

from adapters.fake_salla.catalog import CostStyle, FakeProduct, FakeVariant, SaleEndStyle
from adapters.fake_salla.stores import FakeStore, SandboxStoreSpec

FIRST_MERCHANT_ID = 1234509876  # the merchant id in Salla's own webhook examples

DEFAULT_STORES: tuple[SandboxStoreSpec, ...] = (
    SandboxStoreSpec(name="متجر الأناقة | Elegance Store", plan="plus", products=150, merchant_id=FIRST_MERCHANT_ID),
    SandboxStoreSpec(name="بيت القهوة | Coffee House", plan="pro", products=90),
    SandboxStoreSpec(name="تمور المدينة | Madinah Dates", plan="special", products=40),
)

# (Arabic, English, typical price range in SAR)
_ITEMS: tuple[tuple[str, str, int, int], ...] = (
    ("عطر عود ملكي", "Royal Oud Perfume", 120, 900),
    ("دهن عود كمبودي", "Cambodian Oud Oil", 250, 1500),
    ("بخور معطر", "Scented Bakhoor", 25, 180),
    ("قهوة عربية سعودية", "Saudi Arabic Coffee", 30, 140),
    ("بن يمني خولاني", "Yemeni Khawlani Beans", 60, 260),
    ("دلة قهوة نحاس", "Copper Dallah", 80, 420),
    ("تمر سكري فاخر", "Premium Sukkari Dates", 35, 220),
    ("تمر عجوة المدينة", "Madinah Ajwa Dates", 60, 320),
    ("عباية كريب سوداء", "Black Crepe Abaya", 180, 950),
    ("شماغ أحمر", "Red Shemagh", 70, 390),
    ("ثوب رجالي قطن", "Men's Cotton Thobe", 110, 480),
    ("سجادة صلاة مطرزة", "Embroidered Prayer Mat", 40, 260),
    ("مبخرة كهربائية", "Electric Incense Burner", 55, 310),
    ("سماعة لاسلكية", "Wireless Earbuds", 90, 750),
    ("شاحن سريع ٢٠ واط", "20W Fast Charger", 35, 160),
    ("كفر جوال جلد", "Leather Phone Case", 25, 140),
    ("زيت زيتون بكر", "Extra Virgin Olive Oil", 28, 95),
    ("عسل سدر جبلي", "Mountain Sidr Honey", 120, 680),
    ("هيل أخضر", "Green Cardamom", 30, 190),
    ("زعفران إيراني", "Saffron Threads", 45, 400),
)
# Each item's store category (id, name), by its position in _ITEMS: derived, not drawn, so adding
# categories left every seeded store's random draws (prices, costs, sales) as they were.
_CATEGORIES: tuple[tuple[int, str], ...] = (
    (1001, "عطور وبخور"), (1001, "عطور وبخور"), (1001, "عطور وبخور"), (1002, "قهوة"), (1002, "قهوة"),
    (1002, "قهوة"), (1003, "تمور"), (1003, "تمور"), (1004, "أزياء"), (1004, "أزياء"), (1004, "أزياء"),
    (1005, "هدايا"), (1001, "عطور وبخور"), (1006, "إلكترونيات"), (1006, "إلكترونيات"), (1006, "إلكترونيات"),
    (1007, "أغذية"), (1007, "أغذية"), (1007, "أغذية"), (1007, "أغذية"),
)
_SIZES: tuple[str, ...] = ("صغير S", "وسط M", "كبير L", "XL")
_ENDINGS: tuple[str, ...] = (".00", ".00", ".95", ".99", ".50")


def merchant_ids(rng: random.Random, count: int, taken: set[int]) -> list[int]:
    """Salla-like ten-digit merchant ids, unique among ``taken``."""
    ids: list[int] = []
    while len(ids) < count:
        candidate = rng.randint(1_000_000_000, 1_999_999_999)
        if candidate not in taken:
            taken.add(candidate)
            ids.append(candidate)
    return ids


def _price(rng: random.Random, low: int, high: int) -> Decimal:
    whole = rng.randint(low, high)
    return Decimal(f"{whole}{rng.choice(_ENDINGS)}")


def _product(rng: random.Random, product_id: int, index: int, spec: SandboxStoreSpec) -> FakeProduct:
    item = rng.choice(_ITEMS)
    arabic, english, low, high = item
    price = _price(rng, low, high)
    has_cost = rng.random() < 0.8
    cost = (price * Decimal(rng.uniform(0.35, 0.75))).quantize(Decimal("1")) if has_cost else None
    quirks = spec.quirks
    cost_style: CostStyle = "number"
    if cost is None:
        cost_style = "null"
    elif quirks and rng.random() < 0.4:
        cost_style = "string"  # Salla's examples show "35"
    on_sale = rng.random() < spec.sale_share
    sale_end_style: SaleEndStyle = "null"
    sale_price: Decimal | None = None
    sale_end: str | None = None
    if on_sale:
        sale_price = (price * Decimal("0.85")).quantize(Decimal("0.01"))
        # Some sales ran out already: Salla keeps the amount but the date is past.
        sale_end = rng.choice(["2099-12-31", "2025-06-23"])
        sale_end_style = "date"
    elif quirks and rng.random() < 0.15:
        sale_end_style = "empty_object"
    status = "sale"
    roll = rng.random()
    if roll < 0.06:
        status = "out"
    elif roll < 0.1:
        status = "hidden"
    quantity: int | None = 0 if status == "out" else rng.randint(1, 250)
    if status != "out" and rng.random() < 0.05:
        quantity = None  # unlimited_quantity
    variants: list[FakeVariant] = []
    if rng.random() < spec.variant_share:
        special = quirks and rng.random() < 0.5
        sizes = rng.sample(_SIZES, k=rng.randint(2, 4))
        for position, size in enumerate(sizes):
            variant_price = price + Decimal(position * 10) if special else price
            variants.append(
                FakeVariant(
                    id=product_id * 10 + position + 1,
                    sku=f"SKU-{product_id}-{position + 1}",
                    price=variant_price,
                    cost_price=cost,
                    stock_quantity=rng.randint(0, 40),
                    option_values=(size,),
                    own_price=special,
                )
            )
    return FakeProduct(
        id=product_id,
        sku=f"SKU-{product_id}" if rng.random() > 0.03 else "",
        name=f"{arabic} - {english}" if rng.random() < 0.7 else arabic,
        price=price,
        cost_price=cost,
        currency=spec.currency,
        quantity=quantity,
        status=status,
        with_tax=rng.random() > 0.1,
        sale_price=sale_price,
        sale_end=sale_end,
        gtin=f"628{rng.randint(10**9, 10**10 - 1)}" if rng.random() < 0.3 else None,
        cost_style=cost_style,
        quantity_as_string=quirks and quantity is not None and rng.random() < 0.1,
        sale_end_style=sale_end_style,
        variants=variants,
        updated_at=f"2026-01-{1 + index % 28:02d} 09:{index % 60:02d}:00",
        categories=(_CATEGORIES[_ITEMS.index(item)],),
    )


def seed_stores(seed: int, specs: Sequence[SandboxStoreSpec] | None = None) -> list[FakeStore]:
    """Build the sandbox stores for ``seed`` (``DEFAULT_STORES`` when ``specs`` is None)."""
    rng = random.Random(seed)
    chosen = tuple(specs) if specs is not None else DEFAULT_STORES
    taken = {spec.merchant_id for spec in chosen if spec.merchant_id is not None}
    stores: list[FakeStore] = []
    for number, spec in enumerate(chosen):
        merchant_id = spec.merchant_id if spec.merchant_id is not None else merchant_ids(rng, 1, taken)[0]
        product_ids = merchant_ids(rng, spec.products, set())
        products = {pid: _product(rng, pid, i, spec) for i, pid in enumerate(product_ids)}
        username = f"store{number + 1}"
        stores.append(
            FakeStore(
                merchant_id=merchant_id,
                name=spec.name,
                username=username,
                plan=spec.plan,
                currency=spec.currency,
                email=f"owner@{username}.example",
                products=products,
                user_id=rng.randint(1_000_000_000, 1_999_999_999),
            )
        )
    return stores
