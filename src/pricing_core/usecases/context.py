"""What the runner-side use cases need from the world, bundled (the composition root's ``Services`` fits)."""

from __future__ import annotations

import uuid
from typing import Protocol

from pricing_core.ports import (
    Clock,
    CompetitorSource,
    PriceEchoes,
    PricingAdvisor,
    SallaAuth,
    SallaCatalog,
    StoreLocks,
    UnitOfWorkFactory,
)

# Lock purposes (one lock per store and purpose).
SWEEP_LOCK = "sweep"
TOKEN_REFRESH_LOCK = "token_refresh"
# Held while approved decisions of a store are applied outside a sweep's own batches (the
# merchant's approvals, a resumed run's leftovers): one sender per decision.
APPLY_LOCK = "apply"

# How long an expected echo of a price we write is remembered (``PRICE_ECHO_TTL_SECONDS``): Salla's
# bulk price queue "may take several minutes" before it applies a batch and sends the events.
DEFAULT_ECHO_TTL_SECONDS = 15 * 60.0

# Namespace of the deterministic ids derived from run keys (uuid5), so a redelivered message
# finds the run and the decisions its first delivery wrote.
_RUN_NAMESPACE = uuid.UUID("6f1d8a0c-5b7e-4c1e-9a55-3f7c2b9d0e11")


class TokenPorts(Protocol):
    """The ports the token lifecycle uses. Read-only attributes, so frozen containers satisfy it."""

    @property
    def uow_factory(self) -> UnitOfWorkFactory: ...

    @property
    def locks(self) -> StoreLocks: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def salla_auth(self) -> SallaAuth: ...


class ApplyPorts(TokenPorts, Protocol):
    """The ports applying approved prices uses: the token ports, the Salla catalog, and the
    expected echoes of the prices it writes (None: nothing recorded, every echo takes the worker's path)."""

    @property
    def salla_catalog(self) -> SallaCatalog: ...

    @property
    def echoes(self) -> PriceEchoes | None: ...

    @property
    def echo_ttl_seconds(self) -> float: ...


class OptimizerPorts(ApplyPorts, Protocol):
    """The ports a sweep uses: the apply ports plus competitors and the optional advisor."""

    @property
    def competitors(self) -> CompetitorSource: ...

    @property
    def advisor(self) -> PricingAdvisor | None: ...


def run_id_for(store_id: str, run_key: str) -> str:
    """The run id a run key maps to: the same key always names the same run of the same store."""
    return str(uuid.uuid5(_RUN_NAMESPACE, f"run:{store_id}:{run_key}"))


def decision_key(run_id: str, product_id: str) -> str:
    """The idempotency key of the decision a run makes for a product (at most one per run and product)."""
    return f"{run_id}:{product_id}"


def decision_id_for(run_id: str, product_id: str) -> str:
    """A deterministic decision id, so a redelivered sweep addresses the same rows."""
    return str(uuid.uuid5(_RUN_NAMESPACE, f"decision:{run_id}:{product_id}"))


def new_key() -> str:
    """A fresh random run key (manual runs, CLI sweeps)."""
    return uuid.uuid4().hex


__all__ = [
    "APPLY_LOCK",
    "DEFAULT_ECHO_TTL_SECONDS",
    "SWEEP_LOCK",
    "TOKEN_REFRESH_LOCK",
    "ApplyPorts",
    "OptimizerPorts",
    "TokenPorts",
    "decision_id_for",
    "decision_key",
    "new_key",
    "run_id_for",
]
