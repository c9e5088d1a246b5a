"""Dashboard labels in English and Arabic; Arabic pages render right-to-left.

The tables are kept by where the words appear: ``site`` (the frame, landing, sign-in, operator),
``store_pages``, ``rules``, ``costs``, ``unpriceable``, ``rollback`` (the run page and its rollback),
``alerts`` (the settings page's notifications), ``messages`` (flashes and error pages) and
``values`` (the words for a field's values, ``group.value``). This module merges them into
:data:`LABELS` and looks words up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from entrypoints.web.i18n import (
    alerts,
    costs,
    messages,
    product_page,
    rollback,
    rules,
    site,
    store_pages,
    unpriceable,
    values,
)

LANGUAGES = ("en", "ar")


def _merged(*tables: Mapping[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """One table from several; a key in two tables is a mistake (one would silently win), so it raises."""
    merged: dict[str, dict[str, str]] = {}
    for table in tables:
        twice = merged.keys() & table.keys()
        if twice:
            raise ValueError(f"labels defined twice: {sorted(twice)}")
        merged.update(table)
    return merged


LABELS: dict[str, dict[str, str]] = _merged(
    site.LABELS, store_pages.LABELS, product_page.LABELS, rules.LABELS, costs.LABELS, unpriceable.LABELS,
    rollback.LABELS, messages.LABELS, values.LABELS, alerts.LABELS,
)


def translator(lang: str) -> Callable[[str], str]:
    """A ``t(key)`` function for ``lang``; unknown keys fall back to English, then to the key."""
    code = lang if lang in LANGUAGES else "en"

    def t(key: str) -> str:
        entry = LABELS.get(key)
        if entry is None:
            return key
        return entry.get(code) or entry["en"]

    return t


def label(lang: str, group: str, value: object) -> str:
    """The merchant's word for an enum value (``label("ar", "status", "pending")``); the raw value when unknown."""
    raw = str(getattr(value, "value", value))
    entry = LABELS.get(f"{group}.{raw}")
    if entry is None:
        return raw
    return entry.get(lang if lang in LANGUAGES else "en") or entry["en"]


__all__ = ["LABELS", "LANGUAGES", "label", "translator"]
