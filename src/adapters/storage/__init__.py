"""Storage adapter: SQLAlchemy 2 on PostgreSQL (psycopg 3) and SQLite, behind the storage port.

The composition root calls ``build_storage(config)``; operators call ``migrate``,
``rotate_keys`` and ``import_env_settings`` through the CLI.

Module map: ``models`` (tables), ``migrations/`` (Alembic), ``unit_of_work``, ``cross_store``
(the unscoped repositories), one module per store-scoped repository (``tokens``,
``store_settings``, ``products``, ``offers``, ``price_history``, ``decisions``, ``runs``,
``run_inputs``, ``activity``, ``sales``, ``rules``, ``overrides``; gathered in ``scoped``),
``session`` (what a repository needs from its unit of work), ``rows`` (row conversions), ``bulk``
(constant-statement batch writes), ``crypto`` and ``keys`` (encryption at rest), ``rls``
(row-level security), ``locks`` (per-store locks), ``system_settings``. The in-memory twin is
``adapters/memory/storage``, with the same repository module names; throwaway servers for tests and
benchmarks are in ``tests/support/servers.py``.
"""

from __future__ import annotations

import logging

from adapters.config import Config
from adapters.storage import migrate as _migrations
from adapters.storage import system_settings as _system_settings
from adapters.storage.crypto import SecretBox
from adapters.storage.engine import make_engine, sqlite_path
from adapters.storage.keys import KeysNotConfigured, resolve_keys, rotate_all
from adapters.storage.locks import FileStoreLocks, PostgresStoreLocks
from adapters.storage.unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory
from pricing_core.ports import StoreLocks, UnitOfWorkFactory

log = logging.getLogger(__name__)


def _config(config_or_url: Config | str) -> Config:
    return Config(database_url=config_or_url) if isinstance(config_or_url, str) else config_or_url


def build_storage(config: Config, *, migrate_schema: bool | None = None) -> tuple[SqlUnitOfWorkFactory, StoreLocks]:
    """The unit-of-work factory and the per-store locks for ``config``.

    ``DATABASE_URL`` unset means the embedded SQLite file ``<var_dir>/salla-optimizer.db``, whose
    schema is migrated here (``migrate_schema`` None: yes for SQLite, no for PostgreSQL, where
    ``salla-optimizer migrate`` is a deployment step).
    """
    url = config.effective_database_url
    engine = make_engine(url)
    secrets = SecretBox(resolve_keys(config))
    is_sqlite = engine.dialect.name == "sqlite"
    locks: StoreLocks
    if is_sqlite:
        path = sqlite_path(url)
        file_locks = FileStoreLocks((path.parent if path is not None else config.var_dir) / "locks")
        if migrate_schema is not False:
            # Two processes starting at once on a fresh file would both try to create the tables.
            with file_locks.hold("", "migrate"):
                _migrations.upgrade(engine)
        locks = file_locks
    else:
        if migrate_schema:
            _migrations.upgrade(engine)
        locks = PostgresStoreLocks(engine)
    return SqlUnitOfWorkFactory(engine, secrets), locks


def migrate(config_or_url: Config | str, revision: str = "head") -> str | None:
    """Apply the migrations to the configured database; returns the revision it is at afterwards."""
    engine = make_engine(_config(config_or_url).effective_database_url)
    try:
        _migrations.upgrade(engine, revision)
        return _migrations.current_revision(engine)
    finally:
        engine.dispose()


def rotate_keys(config: Config) -> dict[str, int]:
    """Re-encrypt every stored token and secret setting under the first of ``TOKEN_ENCRYPTION_KEYS``.

    Deploy with the new key first in the list and the old ones after it, run this, then drop the
    old keys. Returns how many rows were re-encrypted, by table.
    """
    engine = make_engine(config.effective_database_url)
    try:
        return rotate_all(engine, SecretBox(resolve_keys(config)))
    finally:
        engine.dispose()


def import_env_settings(config: Config, *, uow_factory: UnitOfWorkFactory | None = None,
                        overwrite: bool = False) -> dict[str, str]:
    """Copy the configured SALLA_CLIENT_ID / SALLA_CLIENT_SECRET into ``system_settings`` (see
    ``system_settings.import_env_settings``), through ``uow_factory`` or the configured storage."""
    if uow_factory is not None:
        return _system_settings.import_env_settings(uow_factory, config, overwrite=overwrite)
    factory, _locks = build_storage(config)
    try:
        return _system_settings.import_env_settings(factory, config, overwrite=overwrite)
    finally:
        factory.engine.dispose()


lookup_setting = _system_settings.lookup_setting

__all__ = [
    "KeysNotConfigured",
    "SqlUnitOfWork",
    "SqlUnitOfWorkFactory",
    "build_storage",
    "import_env_settings",
    "lookup_setting",
    "migrate",
    "rotate_keys",
]
