"""Harness for the multi-process tests and benchmarks: a fake Salla on loopback, worker processes, onboarding.

Not used by the service itself. ``support.servers`` starts PostgreSQL and Redis; this
module adds the pieces around the runners: the fake Salla served by uvicorn in a thread of the
driving process (so it can be inspected directly), ``salla-optimizer worker`` subprocesses
(which the driver may kill), and installing sandbox stores into storage.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import uvicorn

if TYPE_CHECKING:
    from adapters.fake_salla import FakeSalla
    from adapters.services import Services
    from pricing_core.settings import TenantSettings


def wait_until(predicate: Callable[[], bool], *, timeout: float, interval: float = 0.2, what: str = "") -> None:
    """Poll ``predicate`` until it is true; ``TimeoutError`` naming ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what or predicate}")


class LoopbackFake:
    """A ``FakeSalla`` served over HTTP on 127.0.0.1 by uvicorn in a daemon thread.

    Also counts every price the fake receives, per (merchant, product): bulk items and variant
    updates, so a test can prove that no price was sent twice.
    """

    def __init__(self, fake: FakeSalla, port: int) -> None:
        self.fake = fake
        self.port = port
        self.sent: Counter[tuple[int, int]] = Counter()
        self._count_lock = threading.Lock()
        original = fake.queue_prices

        def counting(merchant_id: int, items: Iterable[tuple[int, Decimal, Decimal | None]]) -> None:
            items = list(items)
            with self._count_lock:
                for product_id, _price, _cost in items:
                    self.sent[(int(merchant_id), int(product_id))] += 1
            original(merchant_id, items)

        fake.queue_prices = counting  # type: ignore[method-assign]
        config = uvicorn.Config(fake.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off",
                                access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="fake-salla", daemon=True)

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> LoopbackFake:
        """Serve until ``stop``."""
        self.thread.start()
        wait_until(lambda: bool(self.server.started), timeout=timeout, interval=0.05, what="the fake Salla")
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.server.should_exit = True
        self.thread.join(10)

    def reset_counts(self) -> None:
        """Forget the prices counted so far."""
        with self._count_lock:
            self.sent.clear()

    def env(self) -> dict[str, str]:
        """The environment that points a process at this fake."""
        return {
            "SALLA_ACCOUNTS_URL": self.origin,
            "SALLA_API_URL": f"{self.origin}/admin/v2",
            "SALLA_CLIENT_ID": self.fake.client_id,
            "SALLA_CLIENT_SECRET": self.fake.client_secret,
        }


class ChildProcess:
    """A subprocess a test may stop politely or kill outright."""

    process: subprocess.Popen[bytes] | None = None

    def kill(self) -> None:
        """``kill -9``: no chance to finish, acknowledge, save or release anything."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM (finish what it holds and exit), then ``kill`` if it does not stop in time."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()


class WorkerProcess(ChildProcess):
    """One ``salla-optimizer worker`` subprocess in its own session (so killing it kills nothing else)."""

    def __init__(
        self, env: Mapping[str, str], *, threads: int = 8, log_path: Path | None = None,
        queues: Iterable[str] | None = None, metrics_port: int | None = None, cpu_priority: str = "normal",
    ) -> None:
        self.env = {**os.environ, **env}
        self.cpu_priority = cpu_priority
        self.threads = threads
        self.queues = list(queues or ())
        self.metrics_port = metrics_port
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        """Start the worker."""
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115 - lives with it
        self.process = subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", "worker", "--threads", str(self.threads),
             *(["--queues", *self.queues] if self.queues else []),
             *(["--metrics-port", str(self.metrics_port)] if self.metrics_port else []),
             "--cpu-priority", self.cpu_priority],
            env=self.env, stdout=log, stderr=log, start_new_session=True,
        )
        return self

    @property
    def pid(self) -> int:
        """The worker's process id."""
        assert self.process is not None
        return self.process.pid


class ServeProcess(ChildProcess):
    """``salla-optimizer serve`` as a subprocess in its own session, in ``workdir`` (which holds its ``./var``).

    The embedded default when ``env`` configures nothing (a ``None`` value removes an inherited
    variable): SQLite, the in-process broker, worker threads and scheduler, and the sandbox.
    ``kill`` is a real ``kill -9``; ``start`` again with the same ``workdir`` is the restart after
    the crash.
    """

    def __init__(
        self, workdir: Path, env: Mapping[str, str | None], port: int, *, log_path: Path | None = None
    ) -> None:
        import entrypoints

        # The child runs in ``workdir``: the code it imports must not depend on the caller's directory.
        source = str(Path(entrypoints.__file__).resolve().parents[1])
        inherited = os.environ.get("PYTHONPATH", "")
        paths = [source, *(str(Path(p).resolve()) for p in inherited.split(os.pathsep) if p)]
        merged = {**os.environ, **env, "PYTHONPATH": os.pathsep.join(paths)}
        self.env = {k: v for k, v in merged.items() if v is not None}   # None: not set in the child
        self.workdir = workdir
        self.port = port
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 180.0) -> ServeProcess:
        """Start the server and wait until ``/health`` answers 200."""
        import httpx

        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115 - lives with it
        self.process = subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "warning"],
            cwd=self.workdir, env=self.env, stdout=log, stderr=log, start_new_session=True,
        )

        def healthy() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited with {self.process.returncode}; see {self.log_path}")
            try:
                return httpx.get(f"{self.base}/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(healthy, timeout=timeout, interval=0.3, what="serve to answer /health")
        return self


def install_store(
    services: Services, fake: FakeSalla, merchant_id: int, settings: TenantSettings, *, name: str = ""
) -> None:
    """Install a sandbox store: tokens from the fake (as an easy-mode install), store, settings."""
    from pricing_core.ports import MerchantInfo, scope_of
    from pricing_core.tokens import TokenSet, expiry_from_response
    from pricing_core.usecases.onboard import onboard_in

    issued = fake.issue_tokens(merchant_id)
    now = services.clock.now()
    tokens = TokenSet(access_token=issued["access_token"], refresh_token=issued["refresh_token"],
                      expires_at=expiry_from_response(now, expires_in=issued["expires_in"]),
                      scope=issued["scope"])
    described = {s.merchant_id: s for s in fake.sandbox_stores()}[merchant_id]
    with services.uow_factory(str(merchant_id)) as uow:
        onboard_in(uow, services.clock, tokens=tokens,
                   merchant=MerchantInfo(merchant_id=str(merchant_id), store_name=name or described.name,
                                         plan=described.plan),
                   source="test")
        scope_of(uow).settings.save(settings)
        uow.commit()


def runs_by_key(services: Services, store_id: str, run_key: str) -> Any:
    """The run of ``store_id`` for ``run_key`` (None if it never started)."""
    from pricing_core.ports import scope_of
    from pricing_core.usecases.context import run_id_for

    with services.uow_factory(store_id) as uow:
        return scope_of(uow).runs.get(run_id_for(store_id, run_key))


HOUR = timedelta(hours=1)

__all__ = ["LoopbackFake", "ServeProcess", "WorkerProcess", "install_store", "runs_by_key", "wait_until"]
