"""The guard on a merchant's alert targets: internet services only, never an internal address (SSRF).

Names resolve through a table (no network): ``good.example`` to a public address, ``rebind.example``
to a private one, ``nowhere.example`` to nothing.
"""

from __future__ import annotations

import ipaddress

import pytest

from adapters.alerts.targets import TargetGuard, is_internal, literal_ip
from pricing_core.alert_settings import TargetRefusal, masked

DNS = {
    "good.example": ["93.184.216.34"],
    "hooks.example.com": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
    "rebind.example": ["93.184.216.34", "10.1.2.3"],
    "metadata.example": ["169.254.169.254"],
    "v6local.example": ["::1"],
    "smtp.good.example": ["93.184.216.35"],
    "smtp.example.com": ["93.184.216.36"],
}


def fake_resolve(host: str) -> list[str]:
    if host not in DNS:
        raise OSError(f"{host}: not found")
    return DNS[host]


GUARD = TargetGuard(resolve=fake_resolve)
INTERNAL, SCHEME, UNRESOLVED, INVALID = (TargetRefusal.INTERNAL, TargetRefusal.SCHEME, TargetRefusal.UNRESOLVED,
                                         TargetRefusal.INVALID)

TABLE: list[tuple[str, TargetRefusal | None]] = [
    # internet services whose destination is fixed: the URL holds tokens, not a host
    ("tgram://123456789:ABCdefGHI/12345", None),
    ("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ", None),
    ("discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js", None),
    ("https://discord.com/api/webhooks/4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js", None),
    ("whatsapp://token@12345/98765", None),
    # webhooks and e-mail: the host is where it goes
    ("json://good.example/hook", None),
    ("jsons://user:pw@hooks.example.com/a?x=1", None),
    ("mailto://user:pass@good.example", None),
    ("mailto://user:pass@example.com?smtp=smtp.example.com", None),
    ("json://127.0.0.1:8080/x", INTERNAL),
    ("json://localhost/x", INTERNAL),
    ("json://LOCALHOST./x", INTERNAL),
    ("jsons://printer.local/x", INTERNAL),
    ("json://api.localhost/x", INTERNAL),
    ("json://10.0.0.5/x", INTERNAL),
    ("json://172.16.3.4/x", INTERNAL),
    ("json://192.168.1.1/x", INTERNAL),
    ("json://100.64.0.1/x", INTERNAL),  # carrier-grade NAT: not global
    ("json://169.254.169.254/latest/meta-data", INTERNAL),
    ("json://0.0.0.0/x", INTERNAL),
    ("json://224.0.0.1/x", INTERNAL),
    ("json://240.0.0.1/x", INTERNAL),
    ("json://2130706433/x", INTERNAL),  # 127.0.0.1 in decimal
    ("json://0x7f000001/x", INTERNAL),  # in hex
    ("json://0177.0.0.1/x", INTERNAL),  # in octal
    ("json://127.1/x", INTERNAL),  # short form
    ("json://[::1]:8080/x", INTERNAL),
    ("json://[::]/x", INTERNAL),
    ("json://[fe80::1]/x", INTERNAL),
    ("json://[fd00::1]/x", INTERNAL),
    ("json://[ff02::1]/x", INTERNAL),
    ("json://[::ffff:127.0.0.1]/x", INTERNAL),  # IPv4-mapped
    ("json://[::ffff:a9fe:a9fe]/x", INTERNAL),  # 169.254.169.254, mapped and in hex
    ("json://[64:ff9b::a00:1]/x", INTERNAL),  # NAT64 of 10.0.0.1
    ("json://[2002:7f00:1::1]/x", INTERNAL),  # 6to4 of 127.0.0.1
    ("json://rebind.example/x", INTERNAL),  # one of its addresses is private
    ("json://metadata.example/x", INTERNAL),
    ("json://v6local.example/x", INTERNAL),
    ("json://nowhere.example/x", UNRESOLVED),
    ("mailto://user:pass@good.example?smtp=127.0.0.1", INTERNAL),  # the SMTP server it would talk to
    ("mailto://user:pass@good.example?smtp=10.9.8.7", INTERNAL),
    # services that talk to the machine itself, or that are not on the allow-list
    ("windows://", SCHEME),
    ("macosx://", SCHEME),
    ("dbus://", SCHEME),
    ("syslog://", SCHEME),
    ("file:///etc/passwd", SCHEME),
    ("gopher://good.example/", SCHEME),
    ("not a url", INVALID),
]


@pytest.mark.parametrize(("target", "refusal"), TABLE)
def test_the_guard_refuses_internal_addresses_and_local_services(target: str, refusal: TargetRefusal | None) -> None:
    assert GUARD.refusal(target) is refusal


def test_the_operator_setting_lifts_the_address_check_never_the_scheme_check() -> None:
    lenient = TargetGuard(allow_private=True, resolve=fake_resolve)
    assert lenient.refusal("json://127.0.0.1:8080/x") is None
    assert lenient.refusal("json://[::1]/x") is None
    assert lenient.refusal("windows://") is SCHEME
    assert lenient.refusal("file:///etc/passwd") is SCHEME


def test_a_very_long_target_is_refused() -> None:
    assert GUARD.refusal("json://good.example/" + "a" * 3000) is TargetRefusal.TOO_LONG


@pytest.mark.parametrize(("host", "ip"), [("0x7f.1", "127.0.0.1"), ("2130706433", "127.0.0.1"),
                                          ("[::1]", "::1"), ("example.com", None), ("1.2.3.4 x", None)])
def test_literal_ips_in_every_spelling(host: str, ip: str | None) -> None:
    found = literal_ip(host)
    assert (None if found is None else str(found)) == ip


def test_public_addresses_are_not_internal() -> None:
    assert not is_internal(ipaddress.ip_address("93.184.216.34"))
    assert not is_internal(ipaddress.ip_address("2606:2800:220:1:248:1893:25c8:1946"))


@pytest.mark.parametrize(("target", "shown"), [
    ("tgram://123456789:ABCdefGHI/12345", "tgram://123•••/•••"),
    ("mailto://user:pass@gmail.com", "mailto://•••@gmail.com"),
    ("jsons://user:pw@hooks.example.com/a?x=1", "jsons://•••@hooks.example.com/•••"),
    ("discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js", "discord://417•••/•••"),
    ("json://127.0.0.1:8080/x", "json://127.0.0.1/•••"),
])
def test_targets_are_shown_masked(target: str, shown: str) -> None:
    assert masked(target) == shown
