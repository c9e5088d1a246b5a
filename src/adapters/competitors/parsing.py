"""Reading prices as merchants write them: Arabic-Indic digits, Arabic separators, currency words.

Saudi retailers print ``١٬٢٩٩٫٥٠ ر.س`` as often as ``1,299.50 SAR``; Kuwaiti ones print ``12.500 KD``
where the dot is a decimal point (the dinar has three decimals). Everything here turns such text
into a ``Decimal`` and an ISO currency code, or says it cannot (``None``) rather than guess.

Two levels:

- :func:`read_amount` reads one amount the way price-parser does, plus what we know better:
  Arabic digits, each currency's minor unit (ISO 4217, from Babel: KWD, BHD, OMR have three
  decimals) and exponent notation. The test suite holds it to price-parser's own examples.
- :func:`parse_price` is what the service uses: it also refuses what cannot be read safely: a
  negative amount, two different amounts in one text (a "was" price next to the price), and a
  number whose last group of three digits could be decimals or thousands when the currency does
  not settle it (``"129.900"`` with no currency: 129.9 dinars or 129,900 of something else). A
  reading off by a factor of 1,000 is refused, never guessed.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

import attrs
from babel.numbers import UnknownCurrencyError, get_currency_precision
from price_parser import Price

from pricing_core.money import MoneyError, to_decimal

# Arabic-Indic (U+0660..0669) and Eastern Arabic-Indic / Persian (U+06F0..06F9) digits.
_DIGITS = {ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")}
_DIGITS.update({ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")})
_SEPARATORS = {
    ord("٫"): ".",  # ARABIC DECIMAL SEPARATOR
    ord("٬"): ",",  # ARABIC THOUSANDS SEPARATOR
    ord("\u00a0"): " ",  # no-break space, used as a thousands gap
    ord("\u202f"): " ",  # narrow no-break space, same
}
# Direction marks and the Arabic letter mark carry no meaning for a number but break regexes.
_INVISIBLE = {ord(c): None for c in "\u200e\u200f\u061c\u200b\u2066\u2067\u2068\u2069\u202a\u202b\u202c"}
_TRANSLATION = {**_DIGITS, **_SEPARATORS, **_INVISIBLE}

# Currency words and symbols; the value is the ISO code. Matched longest first, so "ر.س." wins
# over "ر.س" and "US$" over "$".
_CURRENCY_WORDS: tuple[tuple[str, str], ...] = (
    ("ر.س.", "SAR"), ("ر.س", "SAR"), ("ر٫س", "SAR"), ("ريال سعودي", "SAR"),
    ("ريال", "SAR"), ("ریال", "SAR"), ("﷼", "SAR"), ("SAR", "SAR"), ("SR", "SAR"),
    ("د.إ", "AED"), ("درهم", "AED"), ("AED", "AED"), ("Dhs", "AED"),
    ("د.ك", "KWD"), ("دينار كويتي", "KWD"), ("KWD", "KWD"), ("KD", "KWD"),
    ("ر.ق", "QAR"), ("QAR", "QAR"), ("QR", "QAR"),
    ("ر.ع", "OMR"), ("ريال عماني", "OMR"), ("OMR", "OMR"),
    ("د.ب", "BHD"), ("دينار بحريني", "BHD"), ("BHD", "BHD"), ("BD", "BHD"),
    ("د.أ", "JOD"), ("JOD", "JOD"),
    ("ج.م", "EGP"), ("جنيه", "EGP"), ("EGP", "EGP"),
    ("TND", "TND"), ("DT", "TND"), ("د.ت", "TND"),
    ("USD", "USD"), ("US$", "USD"), ("$", "USD"), ("EUR", "EUR"), ("€", "EUR"),
    ("GBP", "GBP"), ("£", "GBP"), ("INR", "INR"), ("₹", "INR"), ("UAH", "UAH"), ("₴", "UAH"),
    ("VND", "VND"), ("₫", "VND"), ("AUD", "AUD"), ("A$", "AUD"), ("AU$", "AUD"),
)
# The separator a three-decimal currency's market writes its decimals with: "12.500 KD" in the
# Gulf, "127,000 DT" in Tunisia. A lone separator before three digits is the decimal point only
# when it is this one; the other could be a thousands separator, and is refused.
_THREE_DECIMALS_POINT = {"KWD": ".", "BHD": ".", "OMR": ".", "JOD": ".", "IQD": ".", "LYD": ".", "TND": ","}
_CURRENCY_WORDS = tuple(sorted(_CURRENCY_WORDS, key=lambda item: -len(item[0])))
_ISO_CODES = frozenset(code for _, code in _CURRENCY_WORDS)
_NUMBER = re.compile(r"\d")
# A machine number in exponent notation ("2.5e3"): read exactly, never as the 2.5 before the "e".
_EXPONENT = re.compile(r"[+]?\d+(\.\d+)?[eE][+-]?\d+")
# Number tokens of a text, for "is there more than one amount here" (percentages are not amounts).
_NUMBER_TOKEN = re.compile(r"(?>\d+(?:[.,' ]\d{3})*(?:[.,]\d+)?)(?!\s*%)")
# "35€ 99", "1250€60": the currency symbol written where the decimal point goes (price-parser
# reads it so); one amount even though it has two digit runs.
_SYMBOL_AS_DECIMAL = re.compile(r"\s*\d+\s*[€$£]\s*\d{1,2}\s*")
# The last separator of a number, with exactly three digits after it and no more digits.
_LAST_GROUP = re.compile(r"(\d)([.,])(\d{3})(?!\d)")
_DEFAULT_DECIMALS = 2
_MACHINE_NUMBER = re.compile(r"\d+(\.\d+)?")


@attrs.frozen
class ParsedPrice:
    """An amount read from text, with the currency when the text (or its hint) names one."""

    amount: Decimal
    currency: str | None


def normalize_text(text: str) -> str:
    """ASCII digits and separators, no direction marks, single spaces."""
    return " ".join(text.translate(_TRANSLATION).split())


def _word_pattern(word: str) -> re.Pattern[str]:
    # Latin codes must stand alone ("SR" must not match inside "USRAM", "KD" not inside "KDE");
    # Arabic words and symbols are matched as they are (Arabic script has no case).
    escaped = re.escape(word)
    if word.isascii() and word.isalpha():
        return re.compile(rf"(?<![A-Za-z]){escaped}(?![A-Za-z])", re.IGNORECASE if len(word) > 2 else 0)
    return re.compile(escaped)


_CURRENCY_PATTERNS = tuple((_word_pattern(word), code) for word, code in _CURRENCY_WORDS)
_ARABIC_PATTERNS = tuple((p, c) for (p, c), (w, _) in zip(_CURRENCY_PATTERNS, _CURRENCY_WORDS, strict=True)
                         if re.search(r"[\u0600-\u06ff\ufdfc]", w))


def detect_currency(text: str) -> str | None:
    """The ISO code of the first currency word or symbol found in ``text``, if any."""
    normalized = normalize_text(text)
    found: tuple[int, str] | None = None
    for pattern, code in _CURRENCY_PATTERNS:
        match = pattern.search(normalized)
        if match and (found is None or match.start() < found[0]):
            found = (match.start(), code)
    return found[1] if found else None


def normalize_currency(value: object) -> str | None:
    """An ISO code from a structured-data field (``"SAR"``, ``"sar"``, ``"ر.س"``), else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    candidate = value.strip().upper()
    if candidate in _ISO_CODES or re.fullmatch(r"[A-Z]{3}", candidate):
        return candidate
    return detect_currency(value)


@lru_cache(maxsize=256)
def minor_unit(currency: str | None) -> int:
    """Decimals of ``currency`` per ISO 4217 (SAR 2, KWD 3, JPY 0); 2 when unknown."""
    if not currency:
        return _DEFAULT_DECIMALS
    try:
        return int(get_currency_precision(currency))
    except (UnknownCurrencyError, ValueError):
        return _DEFAULT_DECIMALS


def strip_currency(text: str) -> str:
    """``text`` without currency words, so their dots (``ر.س``) are not mistaken for decimals."""
    for pattern, _ in _CURRENCY_PATTERNS:
        text = pattern.sub(" ", text)
    return text


def _codes_for_arabic_words(text: str) -> str:
    # Arabic currency abbreviations contain dots ("ر.س", "د.ك"): price-parser would read those as
    # separators, so they become their ISO code, which it knows and splits on.
    for pattern, code in _ARABIC_PATTERNS:
        text = pattern.sub(f" {code} ", text)
    return text


def _currency_of(text: str, currency_hint: str | None) -> str | None:
    if currency_hint:
        hinted = normalize_currency(currency_hint)
        if hinted:
            return hinted
    return detect_currency(text)


def _read_exponent(text: str) -> Decimal | None:
    bare = strip_currency(text).strip()
    if not _EXPONENT.fullmatch(bare):
        return None
    try:
        return to_decimal(bare)
    except MoneyError:
        return None


def read_amount(text: str | None, *, currency_hint: str | None = None,
                decimal_separator: str | None = None) -> Decimal | None:
    """One amount read from ``text`` as price-parser reads it, with our knowledge added.

    ``currency_hint`` and ``decimal_separator`` are price-parser's hints. Without a separator
    hint, a currency with three decimals (``"423.923 KD"``) makes a final group of three digits
    after a dot the decimals. Exponent notation is read exactly (``"2.5e3"`` is 2500).
    Returns None when there is no number. Zero is returned as zero (a "free" price).
    """
    if text is None:
        return None
    normalized = normalize_text(text)
    exponent = _read_exponent(normalized)
    if exponent is not None:
        return exponent
    if _EXPONENT.search(strip_currency(normalized)):
        return None  # "2.5e3 and more": an exponent inside prose is not read as its mantissa
    plain = _codes_for_arabic_words(normalized)
    currency = _currency_of(normalized, currency_hint)
    if decimal_separator is None and minor_unit(currency) == 3:
        point = _THREE_DECIMALS_POINT.get(currency or "", ".")
        tokens = _NUMBER_TOKEN.findall(strip_currency(plain))
        if tokens and re.search(rf"{re.escape(point)}\d{{3}}$", tokens[0]):
            decimal_separator = point
    amount = Price.fromstring(plain, currency_hint=currency_hint, decimal_separator=decimal_separator).amount
    if amount is None or not amount.is_finite():
        return None
    return amount


def _ambiguous_grouping(number_text: str, currency: str | None) -> bool:
    """True when a final ``.ddd`` / ``,ddd`` could be decimals or thousands and nothing settles it."""
    separators: list[str] = re.findall(r"[.,]", number_text)
    if len(separators) != 1 or not _LAST_GROUP.search(number_text):
        return False  # "1,299.500" or "129.90": the form itself tells
    if currency is None:
        return True
    if minor_unit(currency) == 3:
        # "1,250 KD": one thousand two hundred fifty, or 1.25? "127,000 DT" is 127 in Tunisia.
        return separators[0] != _THREE_DECIMALS_POINT.get(currency or "", ".")
    return False  # a two- or zero-decimal currency: three digits after the separator are thousands


def parse_price(text: str, *, currency_hint: str | None = None) -> ParsedPrice | None:
    """Amount and currency from display text (``"١٬٢٩٩٫٥٠ ر.س"`` -> 1299.50 SAR), or None.

    None when there is no positive amount, when the text holds two different amounts, when the
    amount is negative, and when decimals and thousands cannot be told apart (see the module).
    """
    normalized = normalize_text(text)
    bare = strip_currency(normalized).strip()
    if not _NUMBER.search(bare) or bare[:1] in ("-", "\u2212"):
        return None  # no number; or a negative amount, which is not a price
    currency = _currency_of(normalized, currency_hint)
    exponent = _read_exponent(normalized)
    if exponent is None:
        tokens = {t.strip() for t in _NUMBER_TOKEN.findall(bare)}
        if len(tokens) > 1 and not _SYMBOL_AS_DECIMAL.fullmatch(normalized):
            return None  # "SAR 199 SAR 249": which one is the price is not ours to guess
        if tokens and _ambiguous_grouping(next(iter(tokens)), currency):
            return None
    amount = exponent if exponent is not None else read_amount(normalized, currency_hint=currency_hint)
    if amount is None or amount <= 0:
        return None
    return ParsedPrice(amount=amount, currency=currency)


def parse_amount(value: object, *, currency_hint: str | None = None) -> Decimal | None:
    """A positive amount from a structured value: a number, or text such as ``"1,299.00"``, ``"2.5e3"``.

    Numbers and bare machine numbers (``"12.500"``: the dot is a decimal point, as schema.org and
    feeds write them) go through the core's ``to_decimal``; display text through
    :func:`parse_price`. Returns None when there is no positive amount that can be read safely.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | Decimal):
        try:
            amount = to_decimal(value)
        except MoneyError:
            return None
        return amount if amount > 0 else None
    if isinstance(value, str):
        plain = normalize_text(value)
        if _MACHINE_NUMBER.fullmatch(plain):
            # A bare machine number ("1299.5", "12.500") as structured data and feeds write them:
            # the dot is a decimal point (schema.org's rule), never a thousands separator.
            try:
                amount = to_decimal(plain)
            except MoneyError:
                return None
            return amount if amount > 0 else None
        parsed = parse_price(value, currency_hint=currency_hint)
        return parsed.amount if parsed else None
    return None


__all__ = [
    "ParsedPrice",
    "detect_currency",
    "minor_unit",
    "normalize_currency",
    "normalize_text",
    "parse_amount",
    "parse_price",
    "read_amount",
    "strip_currency",
]
