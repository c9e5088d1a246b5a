"""``kill -9`` of ``salla-optimizer serve`` in the middle of a rollback, then a restart and the same rollback again.

The server is a real subprocess (SQLite under its ``./var``, in-process broker and workers); Salla
is the fake Salla over HTTP in this test process, which survives the crash as Salla does and counts
every price it receives. Salla is slowed down so the kill lands while the restores are in flight
(the test checks that the rollback's markers were APPLYING at the kill). Afterwards every product
the run changed shows its price from before the run again, and Salla received each restore once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.config import Config
from adapters.fake_salla import SandboxStoreSpec, create_fake_salla
from adapters.storage import build_storage
from pricing_core.decision import DecisionRecord, DecisionStatus
from pricing_core.ports import UnitOfWorkFactory, scope_of
from support.runners import LoopbackFake, ServeProcess, wait_until
from support.servers import free_port

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

ADMIN = "rollback-admin-token"
SEED = 47
LATENCY = 1.5
OPEN = (DecisionStatus.APPROVED, DecisionStatus.APPLYING)


class World:
    """One ``serve`` (restartable on the same ``./var``), the fake Salla over HTTP, and the database."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        spec = SandboxStoreSpec(name="Rollback store", plan="special", products=60, quirks=False, variant_share=0.0)
        self.fake = LoopbackFake(create_fake_salla(seed=SEED, stores=[spec]), free_port()).start()
        port = free_port()
        env: dict[str, str | None] = {
            "ADMIN_API_TOKEN": ADMIN, "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1",
            "RECOVERY_APPLYING_AFTER_SECONDS": "1", "PUBLIC_URL": f"http://127.0.0.1:{port}",
            **dict.fromkeys(("DATABASE_URL", "REDIS_URL", "SALLA_WEBHOOK_SECRET")),
            **self.fake.env(), "COMPETITOR_SOURCE": "sandbox", "SANDBOX_SEED": str(SEED),
        }
        self.server = ServeProcess(tmp, env, port, log_path=tmp / "serve.log")
        self.http = httpx.Client(timeout=60)
        self._storage: UnitOfWorkFactory | None = None

    def api(self, method: str, path: str, **kw: Any) -> httpx.Response:
        return self.http.request(method, self.server.base + path, headers={"Authorization": f"Bearer {ADMIN}"}, **kw)

    def ok(self, method: str, path: str, **kw: Any) -> Any:
        response = self.api(method, path, **kw)
        assert response.status_code < 300, (path, response.status_code, response.text)
        return response.json()

    def install(self, merchant_id: str) -> None:
        to_salla = self.http.get(f"{self.server.base}/oauth/authorize", follow_redirects=False)
        back = self.http.get(to_salla.headers["location"] + f"&login_hint={merchant_id}", follow_redirects=False)
        done = self.http.get(back.headers["location"], follow_redirects=False)
        assert done.status_code == 303, done.text

    def decisions(self, store_id: str) -> list[DecisionRecord]:
        if self._storage is None:
            self._storage, _locks = build_storage(Config(var_dir=self.tmp / "var"))
        with self._storage(store_id) as uow:
            return scope_of(uow).decisions.list(limit=100_000)

    def prices(self, store_id: str) -> dict[str, Decimal]:
        return {k: Decimal(v) for k, v in self.fake.fake.prices(store_id).items()}

    def close(self) -> None:
        self.server.kill()
        self.http.close()
        engine = getattr(self._storage, "engine", None)
        if engine is not None:
            engine.dispose()
        self.fake.stop()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path)
    try:
        yield w
    finally:
        w.close()


def test_kill_9_mid_rollback_restores_each_product_at_most_once(world: World) -> None:
    world.server.start()
    store_id = str(world.fake.fake.sandbox_stores()[0].merchant_id)
    world.install(store_id)

    # The install's first sweep, then every change it left for approval approved and applied.
    def swept() -> bool:
        last = world.ok("GET", f"/stores/{store_id}").get("last_run") or {}
        assert last.get("status") != "failed", last
        return last.get("status") == "completed"
    wait_until(swept, timeout=120, interval=0.5, what="the first sweep")
    run_id = world.ok("GET", f"/stores/{store_id}")["last_run"]["id"]
    pending = world.ok("GET", f"/stores/{store_id}/decisions", params={"status": "pending", "limit": 500})
    if pending["decisions"]:
        world.ok("POST", f"/stores/{store_id}/decisions/approve",
                 json={"decision_ids": [d["id"] for d in pending["decisions"]]})
    wait_until(lambda: not [d for d in world.decisions(store_id) if d.status in OPEN], timeout=60,
               what="the approvals applied")
    changed = {d.decision.product_id: d.decision for d in world.decisions(store_id)
               if d.run_id == run_id and d.status is DecisionStatus.APPLIED}
    assert all(world.prices(store_id)[pid] == d.suggested_price for pid, d in changed.items())
    # What the rollback will restore: some previous prices may break today's guards (a sweep that
    # raised a price to its margin floor), and those wait for a confirmation.
    preview = world.ok("POST", f"/stores/{store_id}/runs/{run_id}/rollback", json={"dry_run": True})
    restorable = {i["product_id"] for i in preview["items"] if i["outcome"] == "restore"}
    waiting = {i["product_id"] for i in preview["needs_confirmation"]}
    assert len(restorable) >= 5 and restorable | waiting == set(changed), preview

    # Slow Salla down, roll the run back, and kill -9 while the restores are in flight.
    world.fake.reset_counts()
    world.fake.fake.set_latency(store_id, LATENCY)
    answers: list[object] = []

    def roll_back() -> None:
        try:
            answers.append(world.api("POST", f"/stores/{store_id}/runs/{run_id}/rollback").status_code)
        except httpx.HTTPError as exc:  # the server died under it
            answers.append(exc)
    caller = threading.Thread(target=roll_back)
    caller.start()

    def markers(status: DecisionStatus) -> list[DecisionRecord]:
        return [d for d in world.decisions(store_id) if d.decision.strategy == "rollback" and d.status is status]
    wait_until(lambda: bool(markers(DecisionStatus.APPLYING)), timeout=60, interval=0.05,
               what="restores being written")
    time.sleep(LATENCY / 2)  # the bulk request is at Salla, not yet answered
    world.server.kill()
    caller.join(30)
    assert answers and not isinstance(answers[0], int), answers  # the kill came before the answer
    assert len(markers(DecisionStatus.APPLYING)) == len(restorable)
    assert not markers(DecisionStatus.APPLIED)

    # Restart once the request the server sent has been served; then the same rollback again.
    world.fake.fake.set_latency(store_id, 0)
    time.sleep(LATENCY + 1.5)
    world.server.start()
    wait_until(lambda: not markers(DecisionStatus.APPLYING), timeout=60, what="the recovery at start")
    while (again := world.api("POST", f"/stores/{store_id}/runs/{run_id}/rollback")).status_code == 409:
        time.sleep(0.5)  # a sweep of the store is running
    assert again.status_code == 200, again.text
    assert {i["product_id"] for i in again.json()["left"]} == waiting, again.json()
    repeat = world.ok("POST", f"/stores/{store_id}/runs/{run_id}/rollback")
    assert repeat["restored"] == 0 and repeat["already_restored"] == len(restorable)

    world.fake.fake.flush_queued()
    prices = world.prices(store_id)
    assert {pid: prices[pid] for pid in changed} == {
        pid: d.old_price if pid in restorable else d.suggested_price for pid, d in changed.items()}
    sent = {pid: world.fake.sent[(int(store_id), int(pid))] for pid in changed}
    assert sent == {pid: 1 if pid in restorable else 0 for pid in changed}, sent
    assert len(markers(DecisionStatus.APPLIED)) == len(restorable)
