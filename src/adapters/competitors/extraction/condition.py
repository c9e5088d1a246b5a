"""The condition of the item an offer sells: a used, refurbished or damaged copy is not the product's price.

schema.org's ``itemCondition`` is written in several spellings (``https://schema.org/UsedCondition``,
``http://schema.org/UsedCondition``, ``schema:UsedCondition``, ``UsedCondition``, ``{"@id": ...}``,
the bare word ``used``); ``is_second_hand`` reads them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_SECOND_HAND = frozenset({"usedcondition", "refurbishedcondition", "damagedcondition", "used", "refurbished",
                          "damaged"})


def _term(value: Any) -> str:
    """The last segment of a schema.org term, case-folded: ``UsedCondition`` in any spelling."""
    if isinstance(value, Mapping):
        value = value.get("@id", value.get("@value"))
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str):
        return ""
    text = value.strip().casefold()
    for separator in ("/", "#", ":"):
        text = text.rsplit(separator, 1)[-1]
    return text


def is_second_hand(condition: Any) -> bool:
    """True when an ``itemCondition`` value says used, refurbished or damaged (not new, not unsaid)."""
    return _term(condition) in _SECOND_HAND


__all__ = ["is_second_hand"]
