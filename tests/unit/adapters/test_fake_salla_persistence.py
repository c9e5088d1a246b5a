"""The sandbox's state survives a restart: snapshot/restore, the state file, and the embedded default.

The bug this guards: ``serve`` restarted on the same ./var rebuilt the fake from its seed, so the
tokens stored in SQLite were unknown to it and the next sweep failed with ``TokenRevoked``.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from adapters.config import Config
from adapters.fake_salla import FakeSalla, create_fake_salla
from adapters.fake_salla.persistence import STATE_VERSION, DebouncedSaver
from adapters.memory.clock import FakeClock
from bootstrap import build_services, sandbox_state_path
from pricing_core.settings import AutomationMode, TenantSettings
from pricing_core.usecases.optimize_store import optimize_store
from support.runners import install_store, wait_until

MERCHANT = 1234509876  # first default sandbox store
SECOND = 1  # index of another default store in sandbox_stores()
TOKEN_URL = "/oauth2/token"
CLIENT = {"client_id": "sandbox-client-id", "client_secret": "sandbox-client-secret"}


def _refresh(client: TestClient, refresh_token: str) -> Any:
    return client.post(TOKEN_URL, data={**CLIENT, "grant_type": "refresh_token", "refresh_token": refresh_token})


def _store_info(client: TestClient, access_token: str) -> int:
    return client.get("/admin/v2/store/info", headers={"Authorization": f"Bearer {access_token}"}).status_code


def _busy_fake(**options: Any) -> tuple[FakeSalla, dict[str, Any]]:
    """A fake with a live chain, a revoked chain, an uninstalled store and changed prices."""
    fake = create_fake_salla(clock=FakeClock(), bulk_delay=0, **options)
    other = fake.sandbox_stores()[SECOND].merchant_id
    third = fake.sandbox_stores()[2].merchant_id
    live = fake.issue_tokens(MERCHANT)
    doomed = fake.issue_tokens(other)
    with TestClient(fake.app) as client:
        rotated = _refresh(client, doomed["refresh_token"]).json()
        # Presenting the used refresh token again revokes the whole chain (fosite's reuse detection).
        assert _refresh(client, doomed["refresh_token"]).status_code == 400
        assert _store_info(client, rotated["access_token"]) == 401
        pid, second_pid = list(fake.store(MERCHANT).products)[:2]
        auth = {"Authorization": f"Bearer {live['access_token']}"}
        assert client.post("/admin/v2/products/prices/bulkPrice", json={"products": [{"id": pid, "price": "123.45"}]},
                           headers=auth).status_code == 201
        assert client.put(f"/admin/v2/products/{second_pid}", json={"status": "hidden", "cost_price": "7.25"},
                          headers=auth).status_code == 201
        assert client.post("/admin/v2/webhooks/subscribe", headers=auth, json={
            "event": "product.price.updated", "url": "https://app.example/webhooks/salla"}).status_code == 200
    fake.issue_tokens(third)
    fake.uninstall_store(third)
    return fake, {"live": live, "rotated": rotated, "other": other, "third": third, "pid": pid,
                  "second_pid": second_pid}


def test_snapshot_round_trip_keeps_tokens_revocations_installs_and_prices() -> None:
    fake, seen = _busy_fake()
    state = json.loads(json.dumps(fake.snapshot()))  # what goes through the file: plain JSON
    assert state["version"] == STATE_VERSION and state["seed"] == 7

    restored = create_fake_salla(clock=FakeClock(), bulk_delay=0)
    restored.restore(state)
    with TestClient(restored.app) as client:
        assert _store_info(client, seen["live"]["access_token"]) == 200
        # the revoked chain stays revoked: neither its access token nor its refresh token work
        assert _store_info(client, seen["rotated"]["access_token"]) == 401
        assert _refresh(client, seen["rotated"]["refresh_token"]).status_code == 400
        # refresh rotation continues: the live refresh token works once, a replay is refused
        fresh = _refresh(client, seen["live"]["refresh_token"])
        assert fresh.status_code == 200 and _store_info(client, fresh.json()["access_token"]) == 200
        assert _refresh(client, seen["live"]["refresh_token"]).status_code == 400
    assert restored.prices(MERCHANT) == fake.prices(MERCHANT)
    assert restored.prices(MERCHANT)[str(seen["pid"])] == Decimal("123.45")
    second = restored.store(MERCHANT).products[seen["second_pid"]]
    assert (second.status, second.cost_price) == ("hidden", Decimal("7.25"))
    assert restored.store(seen["third"]).installed is False
    assert restored.store(MERCHANT).installed is True
    # The token generator continues too: a restarted fake must not reissue an old token string.
    issued_before = set(state["tokens"]["access"])
    assert restored.issue_tokens(MERCHANT)["access_token"] not in issued_before
    # So do the store's webhooks (a restarted sandbox keeps delivering the events it subscribed).
    assert [h.to_json() for h in restored.store_webhooks.of_store(MERCHANT)] == \
        [h.to_json() for h in fake.store_webhooks.of_store(MERCHANT)] != []
    assert restored.store_webhooks.subscribe(MERCHANT, event="order.created", url="https://x.example").id \
        not in {h.id for h in fake.store_webhooks.of_store(MERCHANT)}


def test_a_state_saved_before_store_webhooks_existed_restores_without_any() -> None:
    fake, seen = _busy_fake()
    state = json.loads(json.dumps(fake.snapshot()))
    del state["store_webhooks"]
    restored = create_fake_salla(clock=FakeClock(), bulk_delay=0)
    restored.restore(state)
    assert restored.store_webhooks.of_store(MERCHANT) == []
    with TestClient(restored.app) as client:
        assert _store_info(client, seen["live"]["access_token"]) == 200


def test_queued_bulk_updates_survive_and_apply_after_restore() -> None:
    fake = create_fake_salla(clock=FakeClock(), bulk_delay=3600)  # nothing comes due on its own
    pid = next(iter(fake.store(MERCHANT).products))
    fake.queue_prices(MERCHANT, [(pid, Decimal("55.50"), Decimal("20"))])
    restored = create_fake_salla(clock=FakeClock(), bulk_delay=3600)
    restored.restore(json.loads(json.dumps(fake.snapshot())))
    assert restored.prices(MERCHANT)[str(pid)] == Decimal("55.50")
    assert restored.store(MERCHANT).products[pid].cost_price == Decimal("20")


def test_state_file_is_restored_at_creation_and_written_atomically(tmp_path: Path) -> None:
    path = tmp_path / "sandbox-state.json"
    fake, seen = _busy_fake(state_path=path)
    fake.close()  # the final save
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["format"] == "salla-optimizer/fake-salla-state" and saved["version"] == STATE_VERSION
    assert path.stat().st_mode & 0o077 == 0  # tokens in the clear: owner-only
    assert [p.name for p in tmp_path.iterdir()] == ["sandbox-state.json"]  # no temp file left behind

    again = create_fake_salla(clock=FakeClock(), bulk_delay=0, state_path=path)
    try:
        with TestClient(again.app) as client:
            assert _store_info(client, seen["live"]["access_token"]) == 200
            assert _store_info(client, seen["rotated"]["access_token"]) == 401
        assert again.prices(MERCHANT)[str(seen["pid"])] == Decimal("123.45")
    finally:
        again.close()


def test_changes_are_saved_by_the_timer_and_gets_write_nothing(tmp_path: Path) -> None:
    path = tmp_path / "sandbox-state.json"
    fake = create_fake_salla(clock=FakeClock(), bulk_delay=0, state_path=path)
    try:
        issued = fake.issue_tokens(MERCHANT)
        # No close(): the debounce timer writes within about a second.
        wait_until(path.exists, timeout=5, interval=0.05, what="the debounced save")
        assert fake.save_state() is False  # the timer took it: nothing pending
        with TestClient(fake.app) as client:
            tokens = _refresh(client, issued["refresh_token"]).json()
            assert fake.save_state() is True  # the POST to the token endpoint was noted
            for _ in range(5):
                assert client.get("/admin/v2/products", headers={
                    "Authorization": f"Bearer {tokens['access_token']}"}).status_code == 200
                client.get("/_fake/stats")
            assert fake.save_state() is False  # reads changed nothing worth saving
        mtime = path.stat().st_mtime_ns
        time.sleep(1.2)  # longer than the debounce interval
        assert path.stat().st_mtime_ns == mtime
    finally:
        fake.close()
    reborn = create_fake_salla(clock=FakeClock(), state_path=path)
    with TestClient(reborn.app) as client:
        assert _store_info(client, tokens["access_token"]) == 200
    reborn.close()


def test_corrupt_state_file_is_set_aside_with_a_warning_and_the_fake_starts_fresh(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "sandbox-state.json"
    path.write_text("{ this is not json", encoding="utf-8")
    seeded = create_fake_salla(clock=FakeClock())
    with caplog.at_level(logging.WARNING, logger="adapters.fake_salla"):
        fake = create_fake_salla(clock=FakeClock(), state_path=path)
    assert "ignoring the sandbox state" in caplog.text and "starting from the seed" in caplog.text
    assert fake.prices(MERCHANT) == seeded.prices(MERCHANT)
    assert not path.exists() and (tmp_path / "sandbox-state.json.corrupt").read_text().startswith("{ this")
    # It keeps working and persisting from scratch.
    fake.issue_tokens(MERCHANT)
    fake.close()
    assert json.loads(path.read_text())["version"] == STATE_VERSION


@pytest.mark.parametrize(
    "damage", ["other_seed", "other_version", "dangling_chain", "bad_price", "unknown_store", "foreign_chain",
               "foreign_webhook"]
)
def test_incompatible_state_leaves_the_fake_untouched(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    source, seen = _busy_fake()
    state = json.loads(json.dumps(source.snapshot()))
    if damage == "other_seed":
        state["seed"] = 8
    elif damage == "other_version":
        state["version"] = STATE_VERSION + 1
    elif damage == "dangling_chain":
        next(iter(state["tokens"]["access"].values()))["chain"] = 999
    elif damage == "bad_price":
        state["stores"][str(MERCHANT)]["products"][str(seen["pid"])]["price"] = "lots"
    elif damage == "unknown_store":
        state["stores"]["42"] = {"installed": True, "products": {}}
    elif damage == "foreign_webhook":
        state["store_webhooks"]["hooks"]["42"] = state["store_webhooks"]["hooks"].pop(str(MERCHANT))
    else:
        state["tokens"]["chains"][0]["merchant_id"] = 42
    path = tmp_path / "sandbox-state.json"
    path.write_text(json.dumps(state), encoding="utf-8")
    seeded = create_fake_salla(clock=FakeClock())
    with caplog.at_level(logging.WARNING, logger="adapters.fake_salla"):
        fake = create_fake_salla(clock=FakeClock(), state_path=path)
    assert "starting from the seed" in caplog.text
    # All or nothing: not even the parts that parsed (prices come before tokens) were applied.
    assert fake.prices(MERCHANT) == seeded.prices(MERCHANT)
    with TestClient(fake.app) as client:
        assert _store_info(client, seen["live"]["access_token"]) == 401
    assert (tmp_path / "sandbox-state.json.corrupt").exists()


def test_without_a_state_path_nothing_is_saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    fake = create_fake_salla(clock=FakeClock(), bulk_delay=0)
    fake.issue_tokens(MERCHANT)
    assert fake.state_path is None and fake.save_state() is False
    fake.close()
    assert list(tmp_path.iterdir()) == []


def test_debounced_saver_coalesces_a_burst_and_retries_after_a_failure() -> None:
    calls: list[float] = []
    fail = [True]

    def save() -> None:
        calls.append(time.monotonic())
        if fail[0]:
            fail[0] = False
            raise OSError("disk full")

    saver = DebouncedSaver(save, interval=0.2)
    for _ in range(50):
        saver.mark()
    # One write for the burst; it fails, and is retried by itself one interval later.
    wait_until(lambda: len(calls) >= 2, timeout=5, interval=0.01)
    # The interval is kept between write starts; on a loaded machine the save itself may start
    # a little after the saver's clock reading, so allow half an interval (the bug was 2 ms).
    assert calls[1] - calls[0] >= 0.1
    wait_until(lambda: not saver.dirty, timeout=5, interval=0.01)
    saver.mark()  # within the interval of the retry: it waits for the timer ...
    assert saver.close() is True and len(calls) == 3  # ... or for close, which writes at once
    saver.mark()
    time.sleep(0.3)
    assert len(calls) == 3  # the burst of 50 cost one write and one retry; closed: no more timers


def test_debounced_saver_backs_off_while_writes_fail() -> None:
    calls: list[float] = []

    def save() -> None:
        calls.append(time.monotonic())
        raise OSError("disk full")

    saver = DebouncedSaver(save, interval=0.05)
    saver.mark()
    wait_until(lambda: len(calls) >= 4, timeout=10, interval=0.01)
    saver.close()
    gaps = [b - a for a, b in itertools.pairwise(calls[:4])]
    # 0.05, 0.1, 0.2 s apart (less a little on a loaded machine): doubling, not a tight loop.
    assert gaps[1] > gaps[0] * 1.3 and gaps[2] > gaps[1] * 1.3, gaps


def test_debounced_saver_a_change_as_the_timer_fires_waits_one_interval() -> None:
    """A mark() just as the timer fires, before a failing write, must not start a second, immediate write.

    The window is narrow in real use (CI once saw two writes 2 ms apart); the test widens it by
    marking from inside the timer's flush, before the write starts.
    """
    calls: list[float] = []

    def save() -> None:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise OSError("disk full")

    saver = DebouncedSaver(save, interval=0.2)
    original_flush = saver.flush
    marked = threading.Event()

    def flush_with_a_change_arriving() -> bool:
        if not marked.is_set():
            marked.set()
            saver.mark()
        return original_flush()

    saver.flush = flush_with_a_change_arriving  # type: ignore[method-assign]
    saver.mark()
    wait_until(lambda: len(calls) >= 2, timeout=5, interval=0.01)
    assert calls[1] - calls[0] >= 0.19  # the retry waited its interval
    assert not saver.dirty
    saver.close()


def test_embedded_default_keeps_the_sandbox_across_a_restart(tmp_path: Path) -> None:
    """Onboard, sweep (prices applied), close, rebuild on the same var_dir: the next sweep still works."""
    config = Config(var_dir=tmp_path)
    settings = TenantSettings(automation_mode=AutomationMode.FULL_AUTO, max_change_pct=Decimal("30"),
                              min_profit_margin=Decimal("0"))
    services = build_services(config)
    try:
        fake = services.fake_salla
        assert fake is not None and fake.state_path == sandbox_state_path(config)
        seeded = fake.prices(MERCHANT)
        install_store(services, fake, MERCHANT, settings)
        first = optimize_store(services, str(MERCHANT))
        assert first.ok, first.run
        fake.flush_queued()
        applied = fake.prices(MERCHANT)
        changed = {pid for pid, price in applied.items() if seeded[pid] != price}
        assert changed, "the first sweep applied no price; the test would prove nothing"
    finally:
        services.close()  # the final save
    assert sandbox_state_path(config).exists()

    again = build_services(config)
    try:
        assert again.fake_salla is not None
        assert again.fake_salla.prices(MERCHANT) == applied  # the optimizer's prices are still in the sandbox
        second = optimize_store(again, str(MERCHANT))
        # Before the fix: TokenRevoked "GET /products: The access token is invalid".
        assert second.ok, second.run
        assert second.run is not None and second.run.products_analyzed > 0
    finally:
        again.close()


def test_web_app_shutdown_writes_the_sandbox_state(tmp_path: Path) -> None:
    """``serve`` stops through the app's lifespan: a change still waiting for the timer is saved there."""
    from tests.support.web_harness import Services as WebServices

    from adapters.memory import InMemoryUnitOfWorkFactory, RecordingQueue
    from entrypoints.web.app import create_app

    path = tmp_path / "sandbox-state.json"
    fake = create_fake_salla(clock=FakeClock(), state_path=path)
    config = Config(var_dir=tmp_path)
    services = WebServices(config=config, uow_factory=InMemoryUnitOfWorkFactory(), clock=FakeClock(),
                           salla_auth=object(), salla_catalog=object(), queue=RecordingQueue(),  # type: ignore[arg-type]
                           fake_salla=fake)
    app = create_app(services)
    with TestClient(app):
        fake.issue_tokens(MERCHANT)
        wait_until(path.exists, timeout=5, interval=0.02, what="the first save")
        # Within a second of that save, so the debounce timer holds this one back...
        late = fake.issue_tokens(MERCHANT)["access_token"]
        assert late not in path.read_text(encoding="utf-8")
    # ...and the shutdown wrote it.
    assert late in path.read_text(encoding="utf-8")


def test_a_state_written_before_own_price_was_named_so_still_restores() -> None:
    """Variants were saved under ``has_special_price`` (now Salla's sale flag in the JSON, not ours)."""
    fake = create_fake_salla(clock=FakeClock(), bulk_delay=0)
    product = next(p for p in fake.store(MERCHANT).products.values() if p.variants)
    variant = product.variants[0]
    variant.own_price, variant.price = True, Decimal("321.50")
    state = fake.snapshot()
    saved = state["stores"][str(MERCHANT)]["products"][str(product.id)]["variants"][str(variant.id)]
    saved["has_special_price"] = saved.pop("own_price")
    fresh = create_fake_salla(clock=FakeClock(), bulk_delay=0)
    fresh.restore(state)
    restored = fresh.store(MERCHANT).products[product.id].find_variant(variant.id)
    assert restored is not None and restored.own_price is True and restored.price == Decimal("321.50")
    assert fresh.prices(MERCHANT)[f"{product.id}:{variant.id}"] == Decimal("321.50")
    fake.close()
    fresh.close()
