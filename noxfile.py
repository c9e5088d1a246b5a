"""Developer sessions: ``nox -s tests`` (the whole suite), ``lint``, ``typecheck``, ``bench``, ``serve``, ``e2e``."""

from __future__ import annotations

import os

import nox

nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"
TEST_EXTRAS = ".[dev,postgres,redis,agents]"
QUIET_ENV = {
    "CREWAI_DISABLE_TELEMETRY": "true",
    "OTEL_SDK_DISABLED": "true",
    "CREWAI_TRACING_ENABLED": "false",
    "PYTHONUNBUFFERED": "1",
}


def _system_packages(session: nox.Session) -> None:
    """PostgreSQL, redis-server and chromium come from Debian; install what is missing (needs root)."""
    session.run("bash", "scripts/ensure-system-packages.sh", external=True)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The whole suite: unit, contract (SQLite, PostgreSQL, Redis, fake Salla), integration and browser tests."""
    _system_packages(session)
    session.install("-e", TEST_EXTRAS)
    args = session.posargs or ["tests", "-p", "no:cacheprovider"]
    session.run("python", "-m", "pytest", *args, env=QUIET_ENV)


@nox.session(python=PYTHON)
def unit(session: nox.Session) -> None:
    """Only the fast unit tests (no servers)."""
    session.install("-e", TEST_EXTRAS)
    session.run("python", "-m", "pytest", "tests/unit", *session.posargs, env=QUIET_ENV)


@nox.session(python=PYTHON)
def integration(session: nox.Session) -> None:
    """Multi-process tests with real redis-server, PostgreSQL, worker processes and the fake Salla over HTTP."""
    _system_packages(session)
    session.install("-e", TEST_EXTRAS)
    session.run("python", "-m", "pytest", "tests/integration", "-m", "integration", *session.posargs, env=QUIET_ENV)


@nox.session(python=PYTHON)
def e2e(session: nox.Session) -> None:
    """The browser test: Playwright driving Debian's chromium against the embedded default."""
    _system_packages(session)
    session.install("-e", TEST_EXTRAS)
    session.run("python", "-m", "pytest", "tests/e2e", "-m", "e2e", *session.posargs, env=QUIET_ENV)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff over the code, tests and benchmarks."""
    session.install("ruff")
    session.run("ruff", "check", "src", "tests", "bench", "noxfile.py", "docs")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy: strict on pricing_core, checked on the rest."""
    session.install("-e", TEST_EXTRAS)
    session.run("mypy")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Every benchmark under bench/ (each prints its figures and fails when it misses its target).

    ``nox -s bench -- bench/core_throughput.py`` runs one. Modules starting with ``_`` are helpers.
    """
    _system_packages(session)
    session.install("-e", TEST_EXTRAS)
    scripts = session.posargs or sorted(
        os.path.join("bench", name) for name in os.listdir("bench") if name.endswith(".py") and not name.startswith("_")
    )
    for script in scripts:
        session.log(f"== {script}")
        session.run("python", script, env=QUIET_ENV)


@nox.session(python=PYTHON)
def serve(session: nox.Session) -> None:
    """Run the service on its embedded default (SQLite, in-process worker, fake Salla sandbox)."""
    session.install("-e", ".")
    session.run("salla-optimizer", "serve", *session.posargs)
