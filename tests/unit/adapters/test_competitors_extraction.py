"""Extraction on the pages written for the first tests, and the rules a reading must follow."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.competitors.extraction import CONFIDENCE, SelectorError, SiteSelectors, compile_selector, extract

PAGES = Path(__file__).resolve().parents[2] / "fixtures" / "pages"
INDEX = json.loads((PAGES / "index.json").read_text(encoding="utf-8"))["pages"]


def test_the_written_set_covers_every_place_a_price_is_read_from():
    assert len(INDEX) >= 20
    assert {p["method"] for p in INDEX} >= {"json-ld", "microdata", "rdfa", "meta", "text", "site"}
    assert any(p["in_stock"] is False for p in INDEX)
    assert sorted(p.name for p in PAGES.glob("*.html")) == sorted(p["file"] for p in INDEX)


@pytest.mark.parametrize("page", INDEX, ids=[p["file"] for p in INDEX])
def test_written_page(page):
    found = extract((PAGES / page["file"]).read_text(encoding="utf-8"), page["url"])
    assert found.price == (None if page["price"] is None else Decimal(page["price"]))
    assert found.currency == page["currency"]
    assert found.in_stock is page["in_stock"]
    assert found.method == page["method"]
    assert found.confidence == Decimal(page["confidence"])
    if found.price is None:
        assert found.reason, "no price without a reason"


def test_a_page_without_any_price_gives_no_price_and_says_so():
    html = "<html><head><title>Not found</title></head><body><h1>الصفحة غير موجودة</h1></body></html>"
    found = extract(html, "https://www.noon.com/x")
    assert found.price is None and found.reason == "no price found on the page"


def test_a_crossed_out_price_alone_is_not_the_price():
    html = '<html><body><div class="price"><del>199 ر.س</del></div><span class="old-price">150</span></body></html>'
    assert extract(html, "https://shop.salla.sa/p1").price is None


def test_the_regular_price_the_page_declares_is_never_the_price():
    html = """<html><head>
    <meta property="og:price:standard_amount" content="150.00"><meta property="product:price:amount" content="120.00">
    <meta property="product:price:currency" content="SAR">
    <script type="application/ld+json">{"@type":"Product","offers":{"@type":"Offer","price":"150.00",
      "priceCurrency":"SAR","availability":"https://schema.org/InStock"}}</script></head><body></body></html>"""
    found = extract(html, "https://www.example.sa/p")
    assert (found.price, found.currency, found.in_stock) == (Decimal("120.00"), "SAR", True)
    assert any("regular price" in note for note in found.notes)


def test_a_list_price_in_the_price_specification_is_not_the_price():
    html = """<script type="application/ld+json">{"@type":"Product","offers":{"@type":"Offer",
      "priceSpecification":[{"@type":"UnitPriceSpecification","priceType":"https://schema.org/ListPrice","price":999},
                            {"@type":"UnitPriceSpecification","price":799,"priceCurrency":"SAR"}]}}</script>"""
    assert extract(html, "https://www.example.sa/p").price == Decimal("799")


def test_prices_in_two_currencies_give_no_price():
    html = """<head><meta property="product:price:amount" content="48,00">
    <meta property="product:price:currency" content="USD">
    <script type="application/ld+json">{"@type":"Product","offers":{"@type":"Offer","price":"43.90",
      "priceCurrency":"EUR"}}</script>
    </head>"""
    found = extract(html, "https://www.example.com/p")
    assert found.price is None and "several currencies" in (found.reason or "")


def test_a_related_product_is_not_the_pages_product():
    html = """<script type="application/ld+json">[
      {"@type":"Product","url":"https://shop.sa/p/1","offers":{"@type":"Offer","price":"100","priceCurrency":"SAR"}},
      {"@type":"Product","url":"https://shop.sa/p/2","offers":{"@type":"Offer","price":"80","priceCurrency":"SAR"}}]</script>"""
    assert extract(html, "https://shop.sa/p/1").price == Decimal("100")
    assert extract(html, "https://shop.sa/p/3").price is None


def test_products_nested_as_related_items_do_not_count():
    html = """<script type="application/ld+json">{"@type":"Product",
      "offers":{"@type":"Offer","price":"100","priceCurrency":"SAR"},
      "isRelatedTo":[{"@type":"Product","offers":{"@type":"Offer","price":"5","priceCurrency":"SAR"}}]}</script>"""
    assert extract(html, "https://shop.sa/p/1").price == Decimal("100")


def test_several_prices_shown_without_structured_data_give_no_price():
    html = """<body><h1>Desk</h1><div class="price">SAR 499</div><div class="price">SAR 99</div>
    <button>Add to cart</button></body>"""
    found = extract(html, "https://shop.sa/desk")
    assert found.price is None and "2 different prices" in (found.reason or "")
    assert found.in_stock is None  # a page without a price of its own: its buttons may be other products'


def test_a_withdrawn_product_without_a_price_is_out_of_stock():
    html = '<body><h1>Tully Sconce</h1><span class="price-state nla">No longer available</span></body>'
    found = extract(html, "https://www.potterybarn.com/products/tully")
    assert (found.price, found.in_stock) == (None, False)


def test_the_buy_buttons_state_tells_stock():
    page = ('<body><h1>Oud</h1><span class="product-price">SAR 250</span>'
            '<button class="add-to-cart" {}>أضف إلى السلة</button></body>')
    assert extract(page.format(""), "https://oud.sa/p").in_stock is True
    assert extract(page.format("disabled"), "https://oud.sa/p").in_stock is False


def test_amazon_buy_box_price_and_not_the_carousel():
    html = """<html><body><div id="corePrice_feature_div">
      <span class="a-price"><span class="a-offscreen">SAR 1,149.00</span></span></div>
    <div id="availability"><span>In Stock</span></div>
    <div class="a-carousel"><span class="a-price"><span class="a-offscreen">SAR 99.00</span></span></div>
    </body></html>"""
    found = extract(html, "https://www.amazon.sa/dp/B0X")
    assert (found.price, found.currency, found.in_stock, found.method) == (Decimal("1149.00"), "SAR", True, "site")


def test_an_amazon_page_without_a_buy_box_price_gives_none():
    html = ('<html><body><div id="outOfStock">Currently unavailable.</div>'
            '<span class="a-price">AED 12.00</span></body></html>')
    found = extract(html, "https://www.amazon.ae/dp/B0Y")
    assert found.price is None and found.in_stock is False


@pytest.mark.parametrize("price_selector", ['[data-qa="price-now"]', '//*[@data-qa="price-now"]'])
def test_the_competitors_own_selector_reads_the_price(price_selector):
    html = """<body><div class="price">SAR 10</div><div class="price"><span data-qa="price-now">SAR 89.50</span></div>
    <button id="buy">Add to cart</button></body>"""
    found = extract(html, "https://www.noon.com/p", selectors=SiteSelectors(price=price_selector, stock="#buy"))
    assert (found.price, found.in_stock, found.method) == (Decimal("89.50"), True, "selector")
    assert found.confidence == CONFIDENCE["selector"]


def test_a_selector_that_stops_matching_makes_the_reading_untrusted_and_says_why():
    html = """<head><script type="application/ld+json">{"@type":"Product","offers":{"@type":"Offer","price":"92",
      "priceCurrency":"SAR","availability":"https://schema.org/InStock"}}</script></head><body></body>"""
    found = extract(html, "https://www.noon.com/p", selectors=SiteSelectors(price='[data-qa="price-now"]'))
    assert found.price == Decimal("92")  # what the page still says, shown to the merchant...
    assert found.confidence == 0  # ...but not trusted
    assert "matches nothing on the page any more" in found.notes[0]
    assert "matches nothing" in (found.reason or "")


def test_a_stock_selector_that_stops_matching_is_reported_too():
    html = '<body><span id="p">SAR 40</span></body>'
    found = extract(html, "https://shop.sa/p", selectors=SiteSelectors(price="#p", stock="#stock"))
    assert found.price == Decimal("40") and found.confidence == 0
    assert any("stock selector" in note for note in found.notes)


def test_bad_selectors_are_refused():
    with pytest.raises(SelectorError):
        compile_selector("div[[")
    with pytest.raises(SelectorError):
        compile_selector("//div[")


def test_structured_price_in_exponent_notation_is_read_exactly():
    html = """<script type="application/ld+json">{"@type":"Product","offers":{"@type":"Offer","price":"2.5e3",
      "priceCurrency":"SAR"}}</script>"""
    assert extract(html, "https://shop.sa/p").price == Decimal("2500")


def test_a_kuwaiti_price_keeps_its_three_decimals():
    html = """<head><meta property="product:price:amount" content="12.500">
    <meta property="product:price:currency" content="KWD"></head>"""
    assert extract(html, "https://xcite.com/p").price == Decimal("12.500")
    shown = '<body><h1>Oud</h1><span class="price">١٢٫٥٠٠ د.ك</span></body>'
    assert extract(shown, "https://shop.kw/p").price == Decimal("12.500")


def test_a_number_that_could_be_off_by_a_thousand_is_not_read():
    # No currency anywhere: "129.900" is 129.9 in a three-decimal currency or 129,900 in others.
    page = '<body><h1>Car</h1><span class="price">129.900</span></body>'
    assert extract(page, "https://cars.example/p").price is None


CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus"


@pytest.mark.parametrize(("file", "url", "price", "shipping"), [
    # Real saved pages: eBay states 6.19 EUR delivery to Germany; Flipkart free delivery (a rate of 0).
    ("pages/de_ebay-item-lego-7075.html.gz", "https://www.ebay.de/itm/198187151691", "164.0", "6.19"),
    ("pages/in_flipkart-s25-ultra.html.gz", "https://www.flipkart.com/p", "141999", "0"),
])
def test_shipping_is_read_from_the_offers_structured_data(file: str, url: str, price: str, shipping: str) -> None:
    import gzip

    page = extract(gzip.decompress((CORPUS / file).read_bytes()).decode("utf-8", "replace"), url)
    assert page.price == Decimal(price) and page.shipping == Decimal(shipping)


def _offer_page(shipping_details: object) -> str:
    data = {"@context": "https://schema.org", "@type": "Product", "name": "Oud oil 12 ml",
            "offers": {"@type": "Offer", "price": "149.00", "priceCurrency": "SAR",
                       "availability": "https://schema.org/InStock", "shippingDetails": shipping_details}}
    return f'<html><head><script type="application/ld+json">{json.dumps(data)}</script></head><body></body></html>'


@pytest.mark.parametrize(("details", "shipping"), [
    ({"@type": "OfferShippingDetails", "shippingRate": {"@type": "MonetaryAmount", "value": 25, "currency": "SAR"}},
     Decimal("25")),
    # Two destinations at two rates say nothing about *the* charge; a rate in another currency neither.
    ([{"shippingRate": {"value": 25, "currency": "SAR"}}, {"shippingRate": {"value": 40, "currency": "SAR"}}], None),
    ({"shippingRate": {"value": 7, "currency": "USD"}}, None),
    ({"shippingRate": {"value": "free", "currency": "SAR"}}, None),
    (None, None),
])
def test_only_one_unambiguous_rate_is_a_shipping_charge(details: object, shipping: Decimal | None) -> None:
    page = extract(_offer_page(details), "https://shop.example.sa/p/1")
    assert page.price == Decimal("149.00") and page.shipping == shipping


def _offers_page(*offers: dict[str, object], product_condition: str | None = None) -> str:
    product: dict[str, object] = {"@context": "https://schema.org", "@type": "Product", "name": "A book",
                                  "offers": list(offers)}
    if product_condition is not None:
        product["itemCondition"] = product_condition
    return f'<html><head><script type="application/ld+json">{json.dumps(product)}</script></head><body></body></html>'


def _offer(price: int, condition: str | None, stock: str = "https://schema.org/InStock") -> dict[str, object]:
    offer: dict[str, object] = {"@type": "Offer", "price": price, "priceCurrency": "SEK", "availability": stock}
    if condition is not None:
        offer["itemCondition"] = condition
    return offer


@pytest.mark.parametrize("used", [
    "http://schema.org/UsedCondition", "https://schema.org/UsedCondition", "schema:UsedCondition", "UsedCondition",
    "usedcondition", "https://schema.org/RefurbishedCondition", "RefurbishedCondition",
    "http://schema.org/DamagedCondition", "DamagedCondition", "used",
])
def test_a_used_copy_is_not_the_products_price_when_a_new_one_is_offered(used: str) -> None:
    # The used copies are cheaper and in stock: without the condition rule the cheapest (913) was read.
    html = _offers_page(_offer(1046, "https://schema.org/NewCondition"),
                        _offer(586, used, "https://schema.org/OutOfStock"), _offer(913, used))
    found = extract(html, "https://www.example.se/b/1")
    assert (found.price, found.currency, found.in_stock) == (Decimal("1046"), "SEK", True)


def test_an_offer_without_a_condition_counts_as_new() -> None:
    found = extract(_offers_page(_offer(1046, None), _offer(913, "UsedCondition")), "https://www.example.se/b/1")
    assert found.price == Decimal("1046")


@pytest.mark.parametrize("page", [
    _offers_page(_offer(913, "http://schema.org/UsedCondition"), _offer(586, "RefurbishedCondition")),
    _offers_page(_offer(913, None), product_condition="https://schema.org/DamagedCondition"),
])
def test_only_used_copies_on_offer_give_no_price_and_say_why(page: str) -> None:
    # A product meta tag with the same price does not bring the used copy's price back.
    page = page.replace("<head>", '<head><meta property="product:price:amount" content="913">'
                                  '<meta property="product:price:currency" content="SEK">')
    found = extract(page, "https://www.example.se/b/1")
    assert found.price is None
    assert found.reason is not None and "used, refurbished or damaged" in found.reason


def _struck_page(body: str, price: str = "18990000", currency: str = "VND") -> str:
    data = {"@context": "https://schema.org", "@type": "Product", "name": "Phone",
            "offers": {"@type": "Offer", "price": price, "priceCurrency": currency,
                       "availability": "https://schema.org/InStock"}}
    return (f'<html><head><script type="application/ld+json">{json.dumps(data)}</script></head>'
            f"<body><h1>Phone</h1>{body}</body></html>")


@pytest.mark.parametrize("struck", [
    '<span style="text-decoration: line-through;">18.990.000đ</span>',
    "<del>18.990.000 ₫</del>",
    "<s>18.990.000 ₫</s>",
    "<strike>18,990,000 VND</strike>",
    '<span class="price-old">18.990.000đ</span>',
    '<span class="wasPrice">18.990.000đ</span>',
    '<div class="compare-at"><span>18.990.000đ</span></div>',
    '<span class="price--strikethrough">18.990.000đ</span>',
])
def test_a_structured_price_shown_only_struck_through_gives_the_visible_current_price(struck: str) -> None:
    html = _struck_page(f'<div class="product-price"><span class="price-now">13.790.000đ</span>{struck}</div>')
    found = extract(html, "https://www.example.vn/p/1")
    assert (found.price, found.currency, found.in_stock) == (Decimal("13790000"), "VND", True)
    assert found.method == "text"


def test_a_struck_structured_price_without_a_readable_current_price_gives_no_price() -> None:
    # The current price stands in an element whose class names say nothing: no reading, not the "was" price.
    html = _struck_page('<div class="x1"><span class="a9">13.790.000đ</span></div>'
                        '<div class="x2"><span style="text-decoration: line-through;">18.990.000đ</span></div>')
    found = extract(html, "https://www.example.vn/p/1")
    assert found.price is None and found.in_stock is True
    assert found.reason is not None and "struck through" in found.reason


def test_a_struck_current_price_above_the_struck_one_is_not_taken() -> None:
    # A sale price is below the price it replaces; one above it is not the current price.
    html = _struck_page('<span class="price">19.990.000đ</span><del>18.990.000đ</del>')
    assert extract(html, "https://www.example.vn/p/1").price is None


@pytest.mark.parametrize("body", [
    # Shown as the price too (a "was" price elsewhere with the same amount does not matter).
    '<span class="price">18.990.000đ</span><del>18.990.000đ</del>',
    '<div class="price"><span class="amount">18.990.000</span> <span>đ</span></div><del>18.990.000đ</del>',
    # Class names that merely contain the words: "bold", "holder", a negated "without-old-price".
    '<span class="bold">18.990.000đ</span>',
    '<div class="without-old-price"><span>18.990.000đ</span></div>',
    # The struck amount is another one (the regular price), or the struck one is in a carousel.
    '<span class="price">18.990.000đ</span><del>21.990.000đ</del>',
    '<div class="recommendations"><del>18.990.000đ</del></div>',
])
def test_a_structured_price_the_page_also_shows_unstruck_is_kept(body: str) -> None:
    found = extract(_struck_page(body), "https://www.example.vn/p/1")
    assert (found.price, found.currency) == (Decimal("18990000"), "VND")


def test_a_struck_price_in_arabic_indic_digits_is_recognised() -> None:
    html = _struck_page('<span class="price-now">١٬٢٩٩٫٥٠ ر.س</span><del>١٬٤٩٩٫٠٠ ر.س</del>',
                        price="1499.00", currency="SAR")
    found = extract(html, "https://www.example.sa/p/1")
    assert (found.price, found.currency) == (Decimal("1299.50"), "SAR")


def test_a_line_through_price_is_not_the_shown_price() -> None:
    # The HTML path (no structured data) counts a line-through price as crossed out, like <del>.
    html = ('<html><body><span class="price">13.790.000đ</span>'
            '<span class="price" style="text-decoration:line-through">18.990.000đ</span></body></html>')
    assert extract(html, "https://www.example.vn/p/1").price == Decimal("13790000")
