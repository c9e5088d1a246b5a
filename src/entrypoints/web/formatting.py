"""Numbers, SAR money, percentages and times as a merchant reads them, in English or Arabic (Babel).

Times are shown in the store's time zone. Salla stores are Saudi, and the store record carries no
zone of its own, so :data:`DEFAULT_TIME_ZONE` (Asia/Riyadh) is the zone of every store for now.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_currency, format_decimal

DEFAULT_TIME_ZONE = "Asia/Riyadh"

# Arabic with Latin digits (ar_SA would use Arabic-Indic ones): prices stay comparable with what
# Salla's own dashboard shows, and the words around them are Arabic.
_LOCALES = {"en": "en_US", "ar": "ar"}


def _locale(lang: str) -> str:
    return _LOCALES.get(lang, "en_US")


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None


def fmt_money(value: object, currency: str | None, lang: str) -> str:
    """``value`` in ``currency`` (SAR unless told), two decimals; an em dash when unknown."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    # The amount first, then the symbol, in both languages: a price column then lines up.
    return format_currency(amount, (currency or "SAR").upper(), format="#,##0.00\xa0¤", locale=_locale(lang),
                           currency_digits=False)


def fmt_number(value: object, lang: str, *, places: int = 0) -> str:
    """A count or an amount with grouping, ``places`` decimals."""
    number = _decimal(value)
    if number is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(number, format=pattern, locale=_locale(lang))


def fmt_percent(value: object, lang: str, *, signed: bool = False) -> str:
    """A percentage given in percent (``-10.00`` -> ``-10.00%``), two decimals, with a sign when asked."""
    number = _decimal(value)
    if number is None:
        return "—"
    text = format_decimal(number, format="#,##0.00", locale=_locale(lang))
    if signed and number > 0:
        text = "+" + text
    # Isolated left to right, so that Arabic text shows "-10.00%" and not "10.00%-".
    return f"\u2066{text}%\u2069" if lang == "ar" else text + "%"


def to_store_time(value: datetime | str | None, zone: str = DEFAULT_TIME_ZONE) -> datetime | None:
    """``value`` (aware, or ISO text) in the store's zone; a naive value is taken as UTC."""
    if value is None or value == "":
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(ZoneInfo(zone))


def fmt_datetime(value: datetime | str | None, lang: str, zone: str = DEFAULT_TIME_ZONE) -> str:
    """Date and time in the store's zone, with its offset (``27 Nov 2026, 09:05 GMT+03:00``)."""
    moment = to_store_time(value, zone)
    if moment is None:
        return "—"
    return format_datetime(moment, format="d MMM y, HH:mm ZZZZ", locale=_locale(lang), tzinfo=ZoneInfo(zone))


__all__ = ["DEFAULT_TIME_ZONE", "fmt_datetime", "fmt_money", "fmt_number", "fmt_percent", "to_store_time"]
