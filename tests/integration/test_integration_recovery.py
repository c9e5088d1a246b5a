"""``kill -9`` of ``salla-optimizer serve`` (the embedded default) in the middle of a bulk approval and a
sweep, then a restart on the same ``./var``: the recovery at start finishes or closes everything.

The server runs as a real subprocess: SQLite under its ``./var``, the in-process broker, worker
threads and scheduler. Salla is either the built-in sandbox (the embedded default, which dies with
the process like everything else in it) or the fake Salla over HTTP in this test process, which
survives the crash as Salla does and counts every price it receives, so "written at most once" is
measured, not inferred. Salla is slowed down (its latency control) so the kill lands while prices
are in flight, and the test checks that it really did.

Afterwards: no decision is left ``applying`` or ``approved``, no run ``running``; every decision
in flight at the kill is applied (Salla shows it), back to pending with a note (Salla never
showed it) or failed with a reason; Salla shows exactly the prices of the applied decisions; no
price was written twice; none is below its floor.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.config import Config
from adapters.fake_salla import SandboxStoreSpec, create_fake_salla
from adapters.storage import build_storage
from pricing_core.activity import ActivityType
from pricing_core.decision import DecisionRecord, DecisionStatus
from pricing_core.ports import UnitOfWorkFactory, scope_of
from pricing_core.runs import OptimizationRun, RunStatus
from pricing_core.usecases.recovery import INTERRUPTED, RETURNED_NOTE
from support.runners import LoopbackFake, ServeProcess, wait_until
from support.servers import free_port

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

ADMIN = "recovery-admin-token"
SEED = 31
LATENCY = 2.0          # seconds per Salla request while the kill is prepared: prices stay in flight that long
IN_FLIGHT = (DecisionStatus.APPLYING, DecisionStatus.APPROVED)


class Embedded:
    """One ``serve`` in a temp dir (restartable on the same ``./var``), its Salla, and HTTP helpers."""

    def __init__(self, tmp: Path, salla: str) -> None:
        self.tmp = tmp
        self.salla = salla
        self.fake: LoopbackFake | None = None
        env: dict[str, str | None] = {
            "ADMIN_API_TOKEN": ADMIN, "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1",
            # APPLYING decisions older than this are compared with Salla (the default 10 minutes
            # leaves Salla's bulk queue time; this fake applies within 50 ms).
            "RECOVERY_APPLYING_AFTER_SECONDS": "1",
            **dict.fromkeys(("DATABASE_URL", "REDIS_URL", "SALLA_CLIENT_ID", "SALLA_CLIENT_SECRET",
                             "SALLA_ACCOUNTS_URL", "SALLA_API_URL", "SALLA_WEBHOOK_SECRET", "COMPETITOR_SOURCE")),
        }
        if salla == "loopback":
            spec = SandboxStoreSpec(name="Recovery store", plan="special", products=150, quirks=False,
                                    variant_share=0.0)
            self.fake = LoopbackFake(create_fake_salla(seed=SEED, stores=[spec]), free_port()).start()
            env.update({**self.fake.env(), "COMPETITOR_SOURCE": "sandbox", "SANDBOX_SEED": str(SEED)})
        port = free_port()
        env["PUBLIC_URL"] = f"http://127.0.0.1:{port}"
        self.server = ServeProcess(tmp, env, port, log_path=tmp / "serve.log")
        self.http = httpx.Client(timeout=30)
        self._storage: UnitOfWorkFactory | None = None

    @property
    def base(self) -> str:
        return self.server.base

    def api(self, method: str, path: str, **kw: Any) -> Any:
        response = self.http.request(method, self.base + path, headers={"Authorization": f"Bearer {ADMIN}"}, **kw)
        assert response.status_code < 300, (path, response.status_code, response.text)
        return response.json()

    def merchant_id(self) -> str:
        if self.fake is not None:
            return str(self.fake.fake.sandbox_stores()[0].merchant_id)
        return str(self.http.get(f"{self.base}/sandbox/_fake/stores").json()[0]["merchant_id"])

    def install(self, merchant_id: str) -> None:
        """The OAuth install over HTTP, as a browser does it: authorize, pick the store, come back."""
        to_salla = self.http.get(f"{self.base}/oauth/authorize", follow_redirects=False)
        assert to_salla.status_code == 302, to_salla.text
        back = self.http.get(to_salla.headers["location"] + f"&login_hint={merchant_id}", follow_redirects=False)
        assert back.status_code == 302, back.text
        done = self.http.get(back.headers["location"], follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"].endswith(f"/dashboard/stores/{merchant_id}")

    def set_latency(self, merchant_id: str, seconds: float) -> None:
        if self.fake is not None:
            self.fake.fake.set_latency(merchant_id, seconds)
        else:
            self.http.post(f"{self.base}/sandbox/_fake/stores/{merchant_id}/latency", json={"seconds": seconds})

    def salla_prices(self, merchant_id: str) -> dict[str, Decimal]:
        if self.fake is not None:
            return {k: Decimal(v) for k, v in self.fake.fake.prices(merchant_id).items()}
        raw = self.http.get(f"{self.base}/sandbox/_fake/stores/{merchant_id}/prices").json()
        return {k: Decimal(v) for k, v in raw.items()}

    # -- the database, read directly (SQLite allows a reader beside the server)

    def storage(self) -> UnitOfWorkFactory:
        if self._storage is None:
            self._storage, _locks = build_storage(Config(var_dir=self.tmp / "var"))
        return self._storage

    def decisions(self, store_id: str) -> list[DecisionRecord]:
        with self.storage()(store_id) as uow:
            return scope_of(uow).decisions.list(limit=100_000)

    def runs(self, store_id: str) -> list[OptimizationRun]:
        with self.storage()(store_id) as uow:
            return scope_of(uow).runs.recent(1000)

    def close(self) -> None:
        self.server.kill()
        self.http.close()
        engine = getattr(self._storage, "engine", None)
        if engine is not None:
            engine.dispose()
        if self.fake is not None:
            self.fake.stop()


@pytest.fixture(params=["sandbox", "loopback"])
def embedded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Embedded]:
    world = Embedded(tmp_path, request.param)
    try:
        yield world
    finally:
        world.close()


def test_kill_9_of_serve_mid_bulk_approval_heals_on_restart(embedded: Embedded) -> None:
    world = embedded
    world.server.start()
    store_id = world.merchant_id()
    world.install(store_id)

    # The install's first sweep completes with approvals waiting.
    def first_sweep_done() -> bool:
        detail = world.api("GET", f"/stores/{store_id}")
        last = detail.get("last_run") or {}
        assert last.get("status") != "failed", last
        return last.get("status") == "completed" and detail["decision_counts"].get("pending", 0) >= 5
    wait_until(first_sweep_done, timeout=120, interval=0.5, what="the first sweep with pending approvals")
    pending = world.api("GET", f"/stores/{store_id}/decisions", params={"status": "pending", "limit": 500})
    ids = [d["id"] for d in pending["decisions"]]
    before = world.salla_prices(store_id)
    if world.fake is not None:
        world.fake.reset_counts()

    # Slow Salla down, approve everything in bulk and ask for a sweep; kill -9 while prices are in flight.
    world.set_latency(store_id, LATENCY)
    approved = world.api("POST", f"/stores/{store_id}/decisions/approve", json={"decision_ids": ids})
    assert len(approved["moved"]) == len(ids)
    world.api("POST", f"/stores/{store_id}/optimize")

    def mid_flight() -> bool:
        in_flight = [d for d in world.decisions(store_id) if d.status is DecisionStatus.APPLYING]
        running = [r for r in world.runs(store_id) if r.status is RunStatus.RUNNING]
        return bool(in_flight) and bool(running)
    wait_until(mid_flight, timeout=60, interval=0.1, what="prices applying while a sweep runs")
    world.server.kill()
    at_kill = {d.id: d for d in world.decisions(store_id) if d.status in IN_FLIGHT}
    running_at_kill = [r.id for r in world.runs(store_id) if r.status is RunStatus.RUNNING]
    assert any(d.status is DecisionStatus.APPLYING for d in at_kill.values()) and running_at_kill

    # Restart on the same ./var: the recovery at start takes everything up.
    if world.fake is not None:
        world.fake.fake.set_latency(store_id, 0)   # (the sandbox's latency does not survive a restart)
    time.sleep(1.5)                                # past RECOVERY_APPLYING_AFTER_SECONDS
    world.server.start()

    def healed() -> bool:
        stuck = [d for d in world.decisions(store_id) if d.status in IN_FLIGHT]
        running = [r for r in world.runs(store_id) if r.status is RunStatus.RUNNING]
        return not stuck and not running
    wait_until(healed, timeout=120, interval=0.5, what="no decision in flight and no run running")
    # Quiet: nothing still being written (a resumed sweep may have applied the last prices just now).
    time.sleep(0.5)

    decisions = world.decisions(store_id)
    by_id = {d.id: d for d in decisions}
    outcomes = Counter(by_id[i].status for i in at_kill)
    # (a pending one may since be superseded by the resumed sweep's newer decision for its product)
    settled = {DecisionStatus.APPLIED, DecisionStatus.PENDING, DecisionStatus.FAILED, DecisionStatus.SUPERSEDED}
    assert set(outcomes) <= settled, outcomes
    for decision_id in at_kill:
        now = by_id[decision_id]
        if now.status is DecisionStatus.PENDING:
            assert now.error == RETURNED_NOTE
        if now.status is DecisionStatus.FAILED:
            assert now.error, now
    for run_id in running_at_kill:
        run = next(r for r in world.runs(store_id) if r.id == run_id)
        assert run.status is RunStatus.COMPLETED or (run.error or "").startswith(INTERRUPTED), run

    # Salla shows exactly what was applied, each applied price at or above its floor.
    prices = world.salla_prices(store_id)
    applied = [d for d in decisions if d.status is DecisionStatus.APPLIED]
    latest: dict[str, DecisionRecord] = {}
    for d in sorted(applied, key=lambda d: d.updated_at):
        latest[d.decision.product_id] = d
    for product_id, d in latest.items():
        assert prices[product_id] == d.decision.suggested_price, (product_id, d)
        if d.decision.floor_price is not None:
            assert d.decision.suggested_price >= d.decision.floor_price
    for decision_id in at_kill:
        now = by_id[decision_id]
        if now.status in (DecisionStatus.PENDING, DecisionStatus.SUPERSEDED) and now.decision.product_id not in latest:
            assert prices[now.decision.product_id] == before[now.decision.product_id]   # never written

    # Written at most once: counted by Salla itself when it outlives the server; otherwise one
    # price-history row per applied decision (the sandbox restarted from its saved state).
    with world.storage()(store_id) as uow:
        scope = scope_of(uow)
        history = Counter(p.product_id for pid in latest for p in scope.price_history.for_product(pid))
        recovery_log = scope.activity.list(activity_type=ActivityType.SYSTEM_RECOVERY)
    assert history == Counter(d.decision.product_id for d in applied)
    if world.fake is not None:
        # The kill may come before the bulk request reached Salla (then nothing was written and the
        # recovery hands the approvals back); whatever Salla received, it received once.
        assert all(count == 1 for count in world.fake.sent.values()), world.fake.sent
    # Every decision applying at the kill was settled by the recovery (not by a redelivery: the
    # in-process queue died with the server), and the runs left running were resumed or closed by it.
    done: Counter[str] = Counter()
    for entry in recovery_log:
        done.update(entry.metadata["counts"])
    applying_at_kill = sum(d.status is DecisionStatus.APPLYING for d in at_kill.values())
    assert done["applied"] + done["returned_to_pending"] + done["failed"] == applying_at_kill, done
    assert done["runs_resumed"] + done["runs_closed"] == len(running_at_kill), done
