"""The real saved product pages (tests/fixtures/corpus) as a regression test.

Every page must give exactly the reading recorded here (so a change that moves one page is seen),
and the corpus as a whole must stay at or above the precision/recall floors reached when the
extraction was rebuilt (bench/extraction_corpus.py prints the same figures, with timings).
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.competitors.extraction import extract

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
from extraction_corpus import load, run

PAGES = load()

# What the extraction reads on each page today: (price, currency, in stock). Where it differs from
# the ground truth in index.json, the reason is given.
EXPECTED: dict[str, tuple[str | None, str | None, bool | None]] = {
    "ms_amazon-gorilla": ("12.48", "USD", True),
    "ms_amazon": ("29.99", "USD", True),
    "ms_costco": ("329.99", "USD", True),
    # JSON-LD 43.90 EUR, og meta 48,00 USD: two currencies, so no reading (truth: 43.90 EUR).
    "ms_etsy": (None, None, True),
    "ms_globalindustrial": ("165.95", "USD", True),
    "ms_jossandmain": ("98.99", "USD", True),
    "ms_overstock": ("31.49", "USD", True),
    "ms_potterybarn": (None, None, False),
    "ms_rejuvenation": ("120.00", "USD", True),
    "ms_wayfair": ("111.99", "USD", True),
    "ex_fye": ("17.99", "USD", True),
    "mta_amazon-co-uk": ("4.45", "GBP", True),
    "mta_amazon-com-product": ("10.99", "USD", True),
    "mta_amazon-com-ansi": ("8.99", "USD", True),
    # No buy box ("see all buying options"): no price, and the page does not say its stock.
    "mta_amazon-es": (None, None, None),
    "ae_B00008XVAE": (None, None, False),
    "ae_B00LAYVPOU": ("330.00", "AED", True),
    "ae_B08CZDYNF7": ("26.00", "AED", True),
    "ae_B0CCJPGYC2": ("29.99", "AED", True),
    "ae_B0D37RC231": (None, None, False),
    "ae_B0D4163L94": ("127.16", "AED", True),
    "ae_B0D5M12FB2": ("44.00", "AED", True),
    "ae_B0D83GHDW2": ("55.00", "AED", True),
    "ae_B0DBZPXJRH": ("30.99", "AED", True),
    "ae_appliances": (None, None, None),
    "tn_mytek-lenovo": ("1199", "TND", True),
    # "En arrivage" (incoming) with an enabled add-to-cart button: read as in stock (truth: not clear).
    "tn_mytek-xiaomi": ("579", "TND", True),
    "tn_sbs-rtx5050": ("999", "TND", True),
    "tn_sbs-rtx5060": ("1189", "TND", False),
    "tn_spacenet-dell": ("2999.00", "TND", True),
    "tn_skymil-listing": (None, None, None),
    "tn_megapc-listing": (None, None, None),
    "tn_tunisiatech-listing": (None, None, None),
    "tn_spacenet-listing": (None, None, None),
    "tn_tunisianet-search": (None, None, None),
    "in_ajio-puma": ("2640", "INR", True),
    "ua_brain-iphone": ("65799", "UAH", False),
    "au_legear-glove": ("49.95", "AUD", True),
    "vn_bachhoaxanh-pork": ("50700", "VND", True),  # "50.700₫": the dong has no decimals
    "in_amazon-lamp": ("499.00", "INR", True),
    "ms2_amazon-tshirt": ("15.99", "USD", True),
}


def test_the_corpus_is_what_it_claims():
    assert {entry["id"] for entry, _ in PAGES} == set(EXPECTED)
    for entry, html in PAGES:
        assert len(html) > 50_000, f"{entry['id']} is not a whole saved page"
        assert entry["source"]["repo"] and len(entry["source"]["commit"]) == 40 and entry["note"]


@pytest.mark.parametrize(("entry", "html"), PAGES, ids=[entry["id"] for entry, _ in PAGES])
def test_each_page_reads_as_recorded(entry, html):
    found = extract(html, entry["url"])
    price, currency, in_stock = EXPECTED[entry["id"]]
    assert (found.price, found.currency, found.in_stock) == (
        None if price is None else Decimal(price), currency, in_stock)
    if found.price is None:
        assert found.reason
    truth = entry["truth"]
    if found.price is not None:  # a price read is never a wrong one
        assert found.price == Decimal(truth["price"]) and found.currency == truth["currency"]


def test_precision_and_recall_floors():
    result = run(PAGES, repeat=1)
    price, currency, availability = (result.scores[k] for k in ("price", "currency", "availability"))
    assert price.precision == 1.0 and price.recall >= 0.95
    assert currency.precision == 1.0
    assert availability.f1 >= 0.95
