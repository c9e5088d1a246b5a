"""MemoryPriceEchoes: the in-process expected-echoes store (TTL on the injected clock, bound, threads)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from adapters.memory import FakeClock, MemoryPriceEchoes


def test_an_expected_price_is_an_echo_until_its_ttl_runs_out() -> None:
    clock = FakeClock()
    echoes = MemoryPriceEchoes(clock)
    echoes.expect("s1", {"p1": Decimal("104.00")}, ttl_seconds=60)
    clock.advance(seconds=59)
    assert echoes.is_echo("s1", "p1", Decimal("104.00"))
    clock.advance(seconds=1)
    assert not echoes.is_echo("s1", "p1", Decimal("104.00"))


def test_checking_does_not_consume_so_a_redelivered_echo_is_dropped_too() -> None:
    echoes = MemoryPriceEchoes(FakeClock())
    echoes.expect("s1", {"p1": Decimal("10")}, ttl_seconds=60)
    assert [echoes.is_echo("s1", "p1", Decimal("10")) for _ in range(3)] == [True, True, True]


def test_store_product_and_price_must_all_match_at_two_decimals() -> None:
    echoes = MemoryPriceEchoes(FakeClock())
    echoes.expect("s1", {"p1": Decimal("104"), "p2": Decimal("99.5")}, ttl_seconds=60)
    assert echoes.is_echo("s1", "p1", Decimal("104.00"))
    assert echoes.is_echo("s1", "p2", Decimal("99.50"))
    assert echoes.is_echo("s1", "p1", Decimal("104.001"))  # Salla spells prices with 2 decimals
    assert not echoes.is_echo("s1", "p1", Decimal("109.20"))  # the merchant's own change
    assert not echoes.is_echo("s2", "p1", Decimal("104"))
    assert not echoes.is_echo("s1", "p3", Decimal("104"))


def test_expecting_again_renews_the_ttl() -> None:
    clock = FakeClock()
    echoes = MemoryPriceEchoes(clock)
    echoes.expect("s1", {"p1": Decimal("5")}, ttl_seconds=60)
    clock.advance(seconds=50)
    echoes.expect("s1", {"p1": Decimal("5")}, ttl_seconds=60)
    clock.advance(seconds=50)
    assert echoes.is_echo("s1", "p1", Decimal("5"))


def test_expired_entries_are_swept_and_the_size_is_bounded_oldest_first() -> None:
    clock = FakeClock()
    echoes = MemoryPriceEchoes(clock, max_entries=3)
    echoes.expect("s1", {"a": Decimal("1"), "b": Decimal("2")}, ttl_seconds=60)
    echoes.expect("s1", {"c": Decimal("3"), "d": Decimal("4")}, ttl_seconds=60)
    assert len(echoes) == 3
    assert not echoes.is_echo("s1", "a", Decimal("1"))  # the oldest went first
    assert all(echoes.is_echo("s1", p, Decimal(v)) for p, v in (("b", "2"), ("c", "3"), ("d", "4")))
    clock.advance(seconds=61)
    echoes.expect("s1", {"e": Decimal("5")}, ttl_seconds=60)
    assert len(echoes) == 1 and echoes.is_echo("s1", "e", Decimal("5"))


def test_a_bound_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        MemoryPriceEchoes(FakeClock(), max_entries=0)


def test_concurrent_writers_and_readers_lose_nothing_within_the_bound() -> None:
    echoes = MemoryPriceEchoes(FakeClock(), max_entries=10_000)
    misses: list[str] = []

    def write(store: str) -> None:
        for i in range(500):
            echoes.expect(store, {f"p{i}": Decimal(i)}, ttl_seconds=60)
            if not echoes.is_echo(store, f"p{i}", Decimal(i)):
                misses.append(f"{store}:{i}")

    threads = [threading.Thread(target=write, args=(f"s{n}",)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert misses == [] and len(echoes) == 4_000
