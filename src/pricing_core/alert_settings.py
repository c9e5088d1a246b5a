"""A store's own alert settings: where its alerts go, in which language, and which kinds it wants.

The operator's targets (``ALERT_URLS``) receive every alert of every store; a merchant adds their
own targets (apprise URLs: ``mailto://``, ``tgram://``, ``jsons://``, Slack, Discord, WhatsApp...)
in the store's settings page. Those URLs come from outside, so each one is checked before it is
saved and again before each send (``TargetRefusal`` says why one is refused): only schemes that
send over the internet, never to an internal address. Targets carry secrets (bot tokens,
passwords): storage keeps them encrypted and pages show them ``masked``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from enum import StrEnum
from urllib.parse import urlsplit

import attrs

from pricing_core.alerts import AlertKind

# Targets a store may have (each is sent to on its own thread within the alert deadline).
MAX_TARGETS = 10
MAX_TARGET_LENGTH = 2000

# The kinds a merchant may choose; the test message is always sent when asked for.
MERCHANT_KINDS: tuple[AlertKind, ...] = tuple(k for k in AlertKind if k is not AlertKind.TEST)


class AlertLanguage(StrEnum):
    """The language of a store's alert messages; ``both`` writes Arabic, then English."""

    AR = "ar"
    EN = "en"
    BOTH = "both"


class TargetRefusal(StrEnum):
    """Why a merchant's target is refused (the page says it in the merchant's words)."""

    INVALID = "invalid"  # not a URL apprise can send to
    SCHEME = "scheme"  # a service that is not on the allow-list (local files, desktop, syslog...)
    INTERNAL = "internal"  # the host is, or resolves to, an internal address
    UNRESOLVED = "unresolved"  # the host name cannot be found
    TOO_LONG = "too_long"
    TOO_MANY = "too_many"  # more than ``MAX_TARGETS`` for one store


def _targets(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(str(v).strip() for v in value if str(v).strip())


def _kinds(value: Iterable[AlertKind | str]) -> frozenset[AlertKind]:
    return frozenset(AlertKind(k) for k in value) - {AlertKind.TEST}


@attrs.frozen(kw_only=True)
class StoreAlertSettings:
    """A store's alert targets (apprise URLs, in order), their language, and the kinds it wants."""

    targets: tuple[str, ...] = attrs.field(default=(), converter=_targets)
    language: AlertLanguage = attrs.field(default=AlertLanguage.BOTH, converter=AlertLanguage)
    kinds: frozenset[AlertKind] = attrs.field(default=frozenset(MERCHANT_KINDS), converter=_kinds)

    def wants(self, kind: AlertKind) -> bool:
        """Whether a batch of ``kind`` goes to the store's targets (a test always does)."""
        return kind is AlertKind.TEST or kind in self.kinds

    @property
    def batch_language(self) -> str | None:
        """The ``AlertBatch.language`` of the store's messages (None: both languages)."""
        return None if self.language is AlertLanguage.BOTH else self.language.value


_MASK = "•••"


def target_id(target: str) -> str:
    """A short stable id of a stored target, for forms (remove this one) without the URL in the page."""
    return hashlib.sha256(target.encode()).hexdigest()[:12]


def masked(target: str) -> str:
    """``target`` with its secrets hidden, recognisable by its service and, for an address, its host.

    The user, password, path and query are hidden; the host is shown when it is a domain or an
    address (``jsons://•••@hooks.example.com/•••``), otherwise (a bot token, a webhook id) only its
    first three characters.
    """
    try:
        parts = urlsplit(target)
        host = parts.hostname or ""
    except ValueError:
        return _MASK
    scheme = parts.scheme.lower() or "?"
    shown = host if ("." in host or ":" in host) else (host[:3] + _MASK if host else "")
    user = f"{_MASK}@" if (parts.username or parts.password) else ""
    rest = f"/{_MASK}" if (parts.path.strip("/") or parts.query) else ""
    return f"{scheme}://{user}{shown}{rest}"


__all__ = [
    "MAX_TARGETS",
    "MAX_TARGET_LENGTH",
    "MERCHANT_KINDS",
    "AlertLanguage",
    "StoreAlertSettings",
    "TargetRefusal",
    "masked",
    "target_id",
]
