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
    # Added 2026-11-27 (issue 16, growing the corpus): read before any change to the extraction.
    "sa_amazon-sony-xm6": ("1279.00", "SAR", True),
    # Buy box only in the mobile block (R$ 796,81, "De: R$ 849,00" crossed out): no reading
    # (truth: 796.81 BRL).
    "br_amazon-echo-dot": (None, None, True),
    "in_amazon-iphone13": (None, None, False),
    "us_amazon-search-rtx4090": (None, None, None),
    # 33,69 € with a "Prix conseillé" list price: no buy-box price found (truth: 33.69 EUR).
    "fr_amazon-avatar-book": (None, None, True),
    "fr_amazon-home": (None, None, None),
    "us_amazon-instant-pot": ("109.99", "USD", True),
    "us_amazon-bestsellers": (None, None, None),
    "us_ebay-search-earbuds": (None, None, None),
    "es_amazon-hercules": ("52.41", "EUR", True),
    "es_nike-af1": ("119.99", "EUR", True),
    "au_buywisely-moto-g75": (None, None, None),
    "in_flipkart-s25-ultra": ("141999", "INR", True),
    "in_flipkart-mobiles": (None, None, None),
    "us_ebay-search-lenovo": (None, None, None),
    "us_bing-shop-iphone": (None, None, None),
    "in_pricedekho-home": (None, None, None),
    "in_amazon-ps5": ("49990.00", "INR", True),
    "in_flipkart-s24-ultra": ("80399", "INR", True),
    "us_amazon-search-laptop": (None, None, None),
    "us_amazon-poker-chips": (None, None, None),
    "us_amazon-dumos-mirror": ("32.97", "USD", True),
    "in_amazon-skybags": ("589.00", "INR", True),
    "in_myntra-jockey": ("209", "INR", True),
    "in_amazon-s24-ultra": (None, None, False),
    "us_amazon-ipad-pro": ("749.00", "USD", True),
    "in_myntra-herenow-shirt": ("649", "INR", True),
    "us_amazon-guitar-cables": ("17.95", "USD", True),
    "in_amazon-search-realme": (None, None, None),
    "in_casekaro-case": ("99.0", "INR", True),
    "in_casekaro-collection": (None, None, None),
    "us_hm-shirt": ("19.99", "USD", True),
    "us_hm-shirts-category": (None, None, None),
    "in_meesho-search-shoes": (None, None, None),
    "in_myntra-shoes": (None, None, None),
    # The buy box hides its price ("add this item to your cart"); $20.36 is given only in
    # "Frequently bought together: This item": no reading (truth: 20.36 USD).
    "us_amazon-book-elon-musk": (None, None, True),
    "de_ebay-item-lego-7075": ("164.0", "EUR", True),
    "de_ebay-search-lego": (None, None, None),
    "de_kleinanzeigen-search-lego": (None, None, None),
    "in_amazon-search-laptop": (None, None, None),
    "in_flipkart-laptops": (None, None, None),
    "us_ebay-search-kitchen": (None, None, None),
    "us_ebay-search-thinkpad": (None, None, None),
    # Added 2026-11-27 (issue 16, corpus grown to 110 pages): truth read before the extractor ran.
    # The JSON-LD offers are new 1046 SEK (NewCondition) and used 913 / 586 SEK (UsedCondition):
    # used copies are set aside, 1046 is read (it read the used 913 until the condition rule).
    "se_adlibriscampus-econometrics": ("1046", "SEK", True),
    "se_adlibris-econometrics": (None, None, None),
    "se_adlibriscampus-isbn-not-found": (None, None, None),
    "se_adlibris-search": (None, None, None),
    "se_akademibokhandeln-search": (None, None, None),
    # The JSON-LD offer carries 18990000, which the page shows only struck through (line-through);
    # it sells at 13.790.000đ in an element whose class names say nothing: no reading (it read
    # the "was" 18990000 until the struck-price rule; truth 13790000 VND).
    "vn_sendo-iphone13": (None, None, True),
    "vn_sendo-category": (None, None, None),
    "ru_goldapple-mfk": ("22510", "RUB", True),
    # "Выгодная цена 99 ₽" with no structured data: no reading (truth: 99 RUB, in stock).
    "ru_alkoteka-krushovice": (None, None, None),
    "ru_megamarket-iphone15pro": (None, None, None),
    "ke_jumia-reviews": (None, None, None),
    "uk_sainsburys-biscuits": (None, None, None),
    # A list page read as out of stock ("out of stock" on two of its products; truth: not said).
    "uk_tesco-chocolate-biscuits": (None, None, False),
    "co_falabella-televisores": (None, None, None),
    "us_nordstrom-search": (None, None, None),
    "om_talabat-ajeen-menu": (None, None, None),
    "es_nautichandler-chandlery": (None, None, None),
    "us_newegg-memory": (None, None, None),
    "au_legear-search": (None, None, None),
    "vn_bachhoaxanh-thit-heo": (None, None, None),
    "dz_ouedkniss-search": (None, None, None),
    "de_konsum-sauerkirschen": ("3.19", "EUR", True),
    "in_flipkart-joker-witch-watch": ("1869", "INR", True),
    "us_amazon-poker-chips-buybox": ("159.00", "USD", True),
    "in_amazon-search-iphone16": (None, None, None),
    "in_flipkart-search-joker-witch": (None, None, None),
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
    # Recall floor: 0.95 on the 41 pages the extraction was rebuilt on; the 43 pages added later
    # brought three Amazon prices it does not find (br, fr, the book above): 46 of 50 = 0.92; the 26 pages
    # after those (unseen when their truth was written) brought alkoteka ("Выгодная цена 99 ₽", no structured
    # data) and sendo (its selling price in generated class names; its JSON-LD price is the struck one, so
    # no reading): 51 of 57 = 0.895, above the 0.85. Every page is still pinned by
    # test_each_page_reads_as_recorded, so a page that moves is seen.
    assert price.precision == 1.0 and price.recall >= 0.89
    assert currency.precision == 1.0
    assert availability.f1 >= 0.95
