"""The guard on a merchant's alert targets: internet services only, never an internal address (SSRF).

A target is an apprise URL the merchant typed, so the service would send wherever it points. It
is accepted only when apprise parses it into a service of the allow-list (``SERVICES``), and,
when the service sends to a host the URL names (a JSON webhook, an SMTP server, a self-hosted
ntfy...), when that host is neither a local name nor, literally or once resolved, a loopback,
private, link-local, multicast, reserved, unspecified or otherwise non-global address (IPv4 or
IPv6, IPv4-mapped and NAT64 ones unwrapped; decimal, octal and hex IPv4 spellings read as the
resolver reads them). The notifier asks again right before each send, since DNS can change.
``allow_private`` (``ALERT_ALLOW_PRIVATE_TARGETS``) lifts the address check, never the scheme
check, for self-hosted deployments and tests.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence
from enum import Enum
from urllib.parse import urlsplit

import apprise

from pricing_core.alert_settings import MAX_TARGET_LENGTH, TargetRefusal

IP = ipaddress.IPv4Address | ipaddress.IPv6Address


class Reach(Enum):
    """Where a service sends: to its own fixed API, to the host the URL names, or to an SMTP server."""

    FIXED = "fixed"
    HOST = "host"
    MAIL = "mail"


# Apprise services that send over the internet, by their URL schemes. Anything else (desktop and
# OS notifications, syslog, dbus, local files, services missing here) is refused.
SERVICES: dict[str, Reach] = {
    # the service's own API: the URL holds tokens, not a host
    "tgram": Reach.FIXED, "slack": Reach.FIXED, "discord": Reach.FIXED, "msteams": Reach.FIXED,
    "whatsapp": Reach.FIXED, "pover": Reach.FIXED, "pbul": Reach.FIXED, "twilio": Reach.FIXED,
    # the host the URL names
    "json": Reach.HOST, "jsons": Reach.HOST, "xml": Reach.HOST, "xmls": Reach.HOST, "form": Reach.HOST,
    "forms": Reach.HOST, "ntfy": Reach.HOST, "ntfys": Reach.HOST, "gotify": Reach.HOST, "gotifys": Reach.HOST,
    "mmost": Reach.HOST, "mmosts": Reach.HOST, "rocket": Reach.HOST, "rockets": Reach.HOST,
    "matrix": Reach.HOST, "matrixs": Reach.HOST,
    # e-mail: the SMTP server apprise picks for the domain, or the one named with ?smtp=
    "mailto": Reach.MAIL, "mailtos": Reach.MAIL,
}

# Names that never leave the machine or the local network, whatever a resolver answers.
LOCAL_NAMES = ("localhost",)
LOCAL_SUFFIXES = (".localhost", ".local", ".localdomain", ".internal", ".home.arpa")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def resolve(host: str) -> list[str]:
    """Every address ``host`` resolves to (raises ``OSError`` when it does not resolve)."""
    return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, None)})


def literal_ip(host: str) -> IP | None:
    """The address ``host`` spells, in any form a resolver accepts (``0x7f.1``, ``2130706433``...), or None."""
    bare = host.strip("[]")
    try:
        return ipaddress.ip_address(bare.split("%", 1)[0])
    except ValueError:
        pass
    if not bare or not all(c.isalnum() or c == "." for c in bare):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(bare))
    except OSError:
        return None


def is_internal(ip: IP) -> bool:
    """Whether sending to ``ip`` would reach the machine, its network or a reserved range."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return is_internal(ip.ipv4_mapped)
        if ip in _NAT64:
            return is_internal(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip.sixtofour is not None and is_internal(ip.sixtofour):
            return True
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or not ip.is_global)


def _protocols(plugin: object) -> set[str]:
    found: set[str] = set()
    for attr in ("protocol", "secure_protocol"):
        value = getattr(plugin, attr, None)
        values: Iterable[object] = value if isinstance(value, list | tuple | set) else (value,)
        found |= {str(v).lower() for v in values if v}
    return found


class TargetGuard:
    """Says why a target is refused (``refusal``), or None; ``resolve`` is swappable for tests."""

    def __init__(self, *, allow_private: bool = False, resolve: Callable[[str], Sequence[str]] = resolve) -> None:
        self.allow_private = allow_private
        self._resolve = resolve

    def refusal(self, target: str) -> TargetRefusal | None:
        """Why ``target`` may not be sent to (see the module docstring), or None when it may."""
        if len(target) > MAX_TARGET_LENGTH:
            return TargetRefusal.TOO_LONG
        try:
            plugin = apprise.Apprise.instantiate(target, suppress_exceptions=True)
        except Exception:  # a plugin's parser bug is a refusal, not a crash
            plugin = None
        scheme = target.partition("://")[0].lower()
        if SERVICES.get(scheme) in (Reach.HOST, Reach.MAIL) and not self.allow_private:
            # The host as written, before apprise reads it: an internal address in a spelling apprise
            # would not parse (``0177.0.0.1``, ``127.1``) is still named for what it is.
            try:
                written = urlsplit(target).hostname or ""
            except ValueError:
                written = ""
            local = written.rstrip(".") in LOCAL_NAMES or written.rstrip(".").endswith(LOCAL_SUFFIXES)
            literal = literal_ip(written) if written else None
            if local or (literal is not None and is_internal(literal)):
                return TargetRefusal.INTERNAL
        if plugin is None:
            return TargetRefusal.SCHEME if "://" in target and scheme not in SERVICES else TargetRefusal.INVALID
        reaches = {SERVICES[p] for p in _protocols(plugin) if p in SERVICES}
        if len(reaches) != 1:
            return TargetRefusal.SCHEME
        reach = reaches.pop()
        if reach is Reach.FIXED or self.allow_private:
            return None
        # E-mail goes to the SMTP server apprise picked (the domain's, or ?smtp=), not to the domain.
        host = (getattr(plugin, "smtp_host", None) if reach is Reach.MAIL else None) or getattr(plugin, "host", None)
        return self.host_refusal(str(host)) if host else None

    def host_refusal(self, host: str) -> TargetRefusal | None:
        """Why sending to ``host`` is refused: a local name, an internal address, or no address at all."""
        name = host.strip().rstrip(".").lower()
        if name in LOCAL_NAMES or name.endswith(LOCAL_SUFFIXES):
            return TargetRefusal.INTERNAL
        literal = literal_ip(name)
        if literal is not None:
            return TargetRefusal.INTERNAL if is_internal(literal) else None
        try:
            addresses = self._resolve(name)
        except (OSError, UnicodeError):
            return TargetRefusal.UNRESOLVED
        if not addresses:
            return TargetRefusal.UNRESOLVED
        for address in addresses:
            try:
                ip = ipaddress.ip_address(address.split("%", 1)[0])
            except ValueError:
                return TargetRefusal.UNRESOLVED
            if is_internal(ip):
                return TargetRefusal.INTERNAL
        return None


__all__ = ["LOCAL_NAMES", "LOCAL_SUFFIXES", "SERVICES", "Reach", "TargetGuard", "is_internal", "literal_ip",
           "resolve"]
