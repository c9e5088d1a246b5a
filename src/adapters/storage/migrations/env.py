"""Alembic environment, configured programmatically by ``adapters.storage.migrate`` (no alembic.ini)."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from adapters.storage.engine import make_engine
from adapters.storage.models import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run them against a database")

_connection = config.attributes.get("connection")
if _connection is not None:
    _run(_connection)
else:
    _engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with _engine.connect() as _conn:
            _run(_conn)
    finally:
        _engine.dispose()
