"""Reading prices as merchants write them: Arabic-Indic digits, Arabic separators, currency words.

Saudi retailers print ``١٬٢٩٩٫٥٠ ر.س`` as often as ``1,299.50 SAR``. Everything here turns such text
into a ``Decimal`` and an ISO currency code, or says it cannot (``None``) rather than guess.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import attrs
from price_parser import Price

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

# Currency words and symbols, longest first so "ر.س." wins over "ر.س". The value is the ISO code.
_CURRENCY_WORDS: tuple[tuple[str, str], ...] = (
    ("ر.س.", "SAR"), ("ر.س", "SAR"), ("ر٫س", "SAR"), ("ريال سعودي", "SAR"),
    ("ريال", "SAR"), ("ریال", "SAR"), ("﷼", "SAR"), ("SAR", "SAR"), ("SR", "SAR"),
    ("د.إ", "AED"), ("درهم", "AED"), ("AED", "AED"),
    ("د.ك", "KWD"), ("دينار كويتي", "KWD"), ("KWD", "KWD"),
    ("ر.ق", "QAR"), ("QAR", "QAR"), ("ر.ع", "OMR"), ("OMR", "OMR"), ("د.ب", "BHD"), ("BHD", "BHD"),
    ("ج.م", "EGP"), ("جنيه", "EGP"), ("EGP", "EGP"),
    ("USD", "USD"), ("US$", "USD"), ("$", "USD"), ("EUR", "EUR"), ("€", "EUR"),
)
_ISO_CODES = frozenset(code for _, code in _CURRENCY_WORDS)
_NUMBER = re.compile(r"\d")


@attrs.frozen
class ParsedPrice:
    """An amount read from text, with the currency when the text names one."""

    amount: Decimal
    currency: str | None


def normalize_text(text: str) -> str:
    """ASCII digits and separators, no direction marks, single spaces."""
    return " ".join(text.translate(_TRANSLATION).split())


def _word_pattern(word: str) -> re.Pattern[str]:
    # Latin codes must stand alone ("SR" must not match inside "USRAM"); Arabic words and symbols
    # are matched as they are because Arabic script has no case and is rarely glued to Latin letters.
    escaped = re.escape(word)
    if word.isascii() and word.isalpha():
        return re.compile(rf"(?<![A-Za-z]){escaped}(?![A-Za-z])", re.IGNORECASE)
    return re.compile(escaped)


_CURRENCY_PATTERNS = tuple((_word_pattern(word), code) for word, code in _CURRENCY_WORDS)


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


def strip_currency(text: str) -> str:
    """``text`` without currency words, so their dots (``ر.س``) are not mistaken for decimals."""
    for pattern, _ in _CURRENCY_PATTERNS:
        text = pattern.sub(" ", text)
    return text


def parse_amount(value: object) -> Decimal | None:
    """A positive amount from a number or text such as ``"1,299.00"``, ``"١٬٢٩٩٫٥٠"``, ``"99 ر.س"``.

    Returns None when there is no number, or when the number is not positive.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | Decimal):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))
    elif isinstance(value, str):
        text = strip_currency(normalize_text(value))
        if not _NUMBER.search(text):
            return None
        plain = text.strip()
        if plain[:1] in ("-", "\u2212"):  # a negative amount is not a price; price-parser would drop the sign
            return None
        # A bare machine number ("1299.5") is read as-is; price-parser handles the human forms.
        if re.fullmatch(r"\d+(\.\d+)?", plain):
            amount = Decimal(plain)
        else:
            parsed = Price.fromstring(text).amount
            if parsed is None:
                return None
            amount = parsed
    else:
        return None
    try:
        if not amount.is_finite() or amount <= 0:
            return None
    except InvalidOperation:  # pragma: no cover - Decimal comparisons of finite values do not raise
        return None
    return amount


def parse_price(text: str) -> ParsedPrice | None:
    """Amount and currency from display text (``"١٬٢٩٩٫٥٠ ر.س"`` -> 1299.50 SAR), or None."""
    amount = parse_amount(text)
    if amount is None:
        return None
    return ParsedPrice(amount=amount, currency=detect_currency(text))


__all__ = [
    "ParsedPrice",
    "detect_currency",
    "normalize_currency",
    "normalize_text",
    "parse_amount",
    "parse_price",
    "strip_currency",
]
