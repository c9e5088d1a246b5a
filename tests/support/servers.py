"""Throwaway PostgreSQL and Redis servers for tests and benchmarks, started from the installed binaries.

Used by the pytest fixtures (``tests/servers_plugin.py``) and by ``bench/storage_persist.py``,
together with a sample sweep and a statement counter.
Nothing here runs in production. PostgreSQL refuses to run as root, so when we are root the
server runs as the ``postgres`` system user (or ``nobody``) through ``runuser``.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import attrs
from sqlalchemy import event
from sqlalchemy.engine import Engine

from pricing_core.activity import ActivityType
from pricing_core.catalog import CompetitorOffer, PricePoint, Product
from pricing_core.decision import Action, DecisionRecord, DecisionStatus, PricingDecision, RiskLevel
from pricing_core.ports import UnitOfWorkFactory, scope_of
from pricing_core.runs import OptimizationRun, RunStatus, RunType

PG_BIN_CANDIDATES = (
    "/usr/lib/postgresql/17/bin",
    "/usr/lib/postgresql/16/bin",
    "/usr/lib/postgresql/15/bin",
    "/usr/lib/postgresql/14/bin",
    "/usr/local/pgsql/bin",
)

# The application role the fixtures hand out: it owns its databases (so migrations can run) but
# is neither superuser nor BYPASSRLS, so row-level security applies to it as it would in production.
APP_ROLE = "salla_app"


class ServerUnavailable(RuntimeError):
    """A server binary is missing or the server did not start; the message says what to install."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_pg_bin() -> Path:
    """The directory holding ``initdb`` and ``pg_ctl`` (``PG_BIN`` wins, then PATH, then the Debian paths)."""
    configured = os.environ.get("PG_BIN")
    if configured:
        candidates: Sequence[str] = (configured,)
    else:
        on_path = shutil.which("initdb")
        candidates = ((str(Path(on_path).parent),) if on_path else ()) + PG_BIN_CANDIDATES
    for candidate in candidates:
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    raise ServerUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) not found; install postgresql "
        "(apt-get install postgresql) or set PG_BIN to their directory"
    )


def _unprivileged_user() -> str | None:
    """The user to run PostgreSQL as: None when we are not root, else ``postgres`` or ``nobody``."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise ServerUnavailable("running as root and neither a 'postgres' nor a 'nobody' user exists")


class PostgresServer:
    """One throwaway PostgreSQL cluster on 127.0.0.1, tuned for speed (no fsync), trust auth."""

    def __init__(self, *, port: int | None = None, bin_dir: Path | None = None) -> None:
        self.bin_dir = bin_dir or find_pg_bin()
        self.port = port or free_port()
        self.user = _unprivileged_user()
        self.base_dir = Path(tempfile.mkdtemp(prefix="salla-pg-"))
        self.data_dir = self.base_dir / "data"
        self.log_file = self.base_dir / "server.log"
        self._started = False

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)

    def start(self) -> PostgresServer:
        """initdb and start the server; raises ``ServerUnavailable`` with the server's log on failure."""
        if self.user is not None:
            # mkdtemp made the directory 0700 for root; the server user must own it.
            entry = pwd.getpwnam(self.user)
            os.chown(self.base_dir, entry.pw_uid, entry.pw_gid)
        init = self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--locale=C",
        )
        if init.returncode != 0:
            raise ServerUnavailable(f"initdb failed: {init.stderr.strip() or init.stdout.strip()}")
        started = self._pg_ctl_start()
        if started.returncode != 0:
            log = self.log_file.read_text() if self.log_file.exists() else ""
            self.cleanup()
            raise ServerUnavailable(f"PostgreSQL did not start: {started.stderr.strip()}\n{log}")
        self._started = True
        return self

    def _pg_ctl_start(self) -> subprocess.CompletedProcess[str]:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
            "-c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=100"
        )
        return self._run(
            "pg_ctl", "-D", str(self.data_dir), "-o", options, "-l", str(self.log_file), "-w", "-t", "60", "start"
        )

    def halt(self) -> None:
        """Stop the server as an outage does (its clients are cut off), keeping its files for ``resume``."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")

    def resume(self) -> None:
        """Start the halted server again, on the same port and data."""
        started = self._pg_ctl_start()
        if started.returncode != 0:
            raise ServerUnavailable(f"PostgreSQL did not start again: {started.stderr.strip()}")

    def stop(self) -> None:
        """Stop the server and delete its files."""
        if self._started:
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")
            self._started = False
        self.cleanup()

    def cleanup(self) -> None:
        """Delete the cluster's directory."""
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def url(self, database: str = "postgres", user: str = "postgres") -> str:
        """A ``postgresql://`` URL (as ``DATABASE_URL`` takes it) for ``database`` as ``user``."""
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def admin_execute(self, *statements: str) -> None:
        """Run statements as the superuser on the ``postgres`` database, outside a transaction."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)  # our own literal SQL

    def create_database(self, name: str | None = None, *, owner: str = APP_ROLE) -> str:
        """Create an empty database owned by ``owner`` (a non-superuser role); returns its URL as that role."""
        name = name or f"db_{uuid.uuid4().hex[:12]}"
        self.ensure_role(owner)
        self.admin_execute(f'CREATE DATABASE "{name}" OWNER "{owner}"')
        return self.url(name, user=owner)

    def ensure_role(self, role: str) -> None:
        """Create a login role that is neither superuser nor BYPASSRLS, if missing."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            if not exists:
                conn.execute(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB')


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """A started ``PostgresServer``, stopped and deleted on exit."""
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


class RedisServer:
    """One throwaway ``redis-server`` on 127.0.0.1 without persistence."""

    def __init__(self, *, port: int | None = None, binary: str | None = None) -> None:
        found = (
            binary
            or shutil.which("redis-server")
            or ("/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None)
        )
        if not found:
            raise ServerUnavailable("redis-server not found; install it (apt-get install redis-server)")
        self.binary = found
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:PORT/0``."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 20.0) -> RedisServer:
        """Start the server and wait until it answers PING."""
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                raise ServerUnavailable(f"redis-server exited at start: {err.strip()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.5) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return self
            time.sleep(0.05)
        self.stop()
        raise ServerUnavailable(f"redis-server did not answer on port {self.port} within {timeout}s")

    def stop(self) -> None:
        """Terminate the server (this process started it)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None


@attrs.frozen(kw_only=True)
class SampleSweep:
    """What one sweep of one store writes: its run, catalog snapshot, offers, decisions and applied prices."""

    run: OptimizationRun
    finished: OptimizationRun
    products: tuple[Product, ...]
    offers: dict[str, list[CompetitorOffer]]
    decisions: tuple[DecisionRecord, ...]
    applied: tuple[PricePoint, ...]


def sample_sweep(store_id: str, size: int, now: datetime, *, run_id: str = "run-1") -> SampleSweep:
    """A deterministic sweep of ``size`` products (two offers each; every tenth price applied)."""
    products = tuple(
        Product(id=f"p{i:06d}", sku=f"SKU-{i}", name=f"Product {i}", price=Decimal("100.00"), cost_price=Decimal("60"))
        for i in range(size)
    )
    offers = {
        p.id: [
            CompetitorOffer(competitor="noon", price=Decimal("95.50"), observed_at=now),
            CompetitorOffer(competitor="amazon", price=Decimal("97.25"), observed_at=now, confidence=Decimal("0.9")),
        ]
        for p in products
    }
    decisions = tuple(
        DecisionRecord(
            id=f"{run_id}-{p.id}",
            store_id=store_id,
            run_id=run_id,
            idempotency_key=f"{run_id}:{p.id}",
            decision=PricingDecision(
                product_id=p.id,
                sku=p.sku,
                name=p.name,
                old_price=p.price,
                suggested_price=Decimal("95.50"),
                cost_price=p.cost_price,
                currency="SAR",
                strategy="match",
                reference_price=Decimal("95.50"),
                floor_price=Decimal("80.50"),
                risk=RiskLevel.LOW,
                action=Action.AUTO_APPLY,
                change_pct=Decimal("-4.5"),
                margin_pct_after=Decimal("27.75"),
                offers_considered=2,
                offers_used=2,
                explanation=("Reference: lowest usable offer 95.50", "Guards: margin floor 80.50 respected"),
                decided_at=now,
                fingerprint=f"fp-{p.id}",
            ),
            status=DecisionStatus.APPLIED if i % 10 == 0 else DecisionStatus.PENDING,
            created_at=now,
            updated_at=now,
        )
        for i, p in enumerate(products)
    )
    applied = tuple(
        PricePoint(product_id=p.id, price=Decimal("95.50"), changed_at=now)
        for i, p in enumerate(products)
        if i % 10 == 0
    )
    run = OptimizationRun(
        id=run_id, store_id=store_id, run_type=RunType.SCHEDULED, status=RunStatus.RUNNING, started_at=now
    )
    finished = attrs.evolve(
        run, status=RunStatus.COMPLETED, finished_at=now, products_analyzed=size, products_updated=len(applied)
    )
    return SampleSweep(
        run=run, finished=finished, products=products, offers=offers, decisions=decisions, applied=applied
    )


def persist_sweep(uow_factory: UnitOfWorkFactory, store_id: str, sweep: SampleSweep, now: datetime) -> int:
    """Write ``sweep`` the way the optimize use case does, in one unit of work; returns decisions inserted."""
    with uow_factory(store_id) as uow:
        scope = scope_of(uow)
        scope.runs.add(sweep.run)
        scope.products.upsert_many(sweep.products, seen_at=now)
        scope.offers.add_many(sweep.offers)
        inserted = scope.decisions.add_many(sweep.decisions)
        scope.price_history.add_many(sweep.applied)
        scope.runs.update(sweep.finished)
        scope.activity.log(
            ActivityType.OPTIMIZATION_COMPLETED,
            f"Optimization completed: {len(sweep.products)} products",
            at=now,
            metadata={"products_analyzed": len(sweep.products), "run_id": sweep.run.id},
        )
        uow.commit()
    return inserted


@contextlib.contextmanager
def count_statements(engine: Engine) -> Iterator[list[str]]:
    """Collect every statement sent to the database (one entry per DBAPI execute/executemany call)."""
    statements: list[str] = []

    def before(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


__all__ = [
    "APP_ROLE",
    "PostgresServer",
    "RedisServer",
    "SampleSweep",
    "ServerUnavailable",
    "count_statements",
    "find_pg_bin",
    "free_port",
    "persist_sweep",
    "postgres_server",
    "sample_sweep",
]
