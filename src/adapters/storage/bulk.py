"""Batched writes whose statement count does not grow with the number of rows.

PostgreSQL: one ``INSERT ... SELECT FROM unnest(array, array, ...)`` per call, one array
parameter per column, so 10 or 10,000 rows are one statement and one round trip (a multi-row
VALUES list would hit the 65,535 bind-parameter limit and be split into pages).
SQLite: one ``executemany`` (one DBAPI call; the embedded database has no round trips).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal, TypeVar

import attrs
from sqlalchemy import JSON, Table, any_, bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

# SQLite allows 32,766 bound variables per statement; reads by id list are chunked below that.
SQLITE_MAX_IN = 30_000

T = TypeVar("T")


@attrs.frozen
class Upsert:
    """``ON CONFLICT (keys) DO UPDATE SET`` each of ``update`` to the incoming value."""

    keys: tuple[str, ...]
    update: tuple[str, ...]


Conflict = Upsert | Literal["nothing"] | None


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], *, conflict: Conflict = None) -> int:
    """Insert ``rows`` (all with the same keys) in one statement; returns how many rows were written.

    ``conflict="nothing"`` skips rows that violate a unique constraint (also duplicates within
    ``rows``); an ``Upsert`` updates the existing row instead.
    """
    if not rows:
        return 0
    if conn.dialect.name == "postgresql":
        return _insert_unnest(conn, table, rows, conflict)
    result = conn.execute(_sqlite_insert(table, conflict), [dict(r) for r in rows])
    # sqlite3 sums the changes of every execution of an executemany; ignored rows are not changes.
    return int(result.rowcount)


@functools.lru_cache(maxsize=256)
def _sqlite_insert(table: Table, conflict: Conflict) -> Any:
    """The statement for ``table`` and ``conflict``, built once: statements are immutable, and building
    an upsert (its ``excluded`` alias of every column) cost more than executing it."""
    stmt = sqlite.insert(table)
    if isinstance(conflict, Upsert):
        return stmt.on_conflict_do_update(
            index_elements=list(conflict.keys), set_={c: stmt.excluded[c] for c in conflict.update}
        )
    if conflict == "nothing":
        return stmt.on_conflict_do_nothing()
    return stmt


def _insert_unnest(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], conflict: Conflict) -> int:
    dialect = conn.dialect
    quote = dialect.identifier_preparer.quote
    names = list(rows[0].keys())
    params: dict[str, list[Any]] = {}
    casts, selects = [], []
    for i, name in enumerate(names):
        column = table.c[name]
        values = [row[name] for row in rows]
        if isinstance(column.type, TypeDecorator):
            values = [column.type.process_bind_param(v, dialect) for v in values]
        if isinstance(column.type, JSON):
            # Arrays of json travel as text[]; each element is cast back in the SELECT list.
            values = [None if v is None else json.dumps(v) for v in values]
            casts.append(f"CAST(:p{i} AS TEXT[])")
            selects.append(f"CAST(u.c{i} AS JSON)")
        else:
            casts.append(f"CAST(:p{i} AS {column.type.compile(dialect=dialect)}[])")
            selects.append(f"u.c{i}")
        params[f"p{i}"] = values
    aliases = ", ".join(f"c{i}" for i in range(len(names)))
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
        f"SELECT {', '.join(selects)} FROM unnest({', '.join(casts)}) AS u({aliases})"
    )
    if isinstance(conflict, Upsert):
        updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in conflict.update)
        sql += f" ON CONFLICT ({', '.join(quote(k) for k in conflict.keys)}) DO UPDATE SET {updates}"
    elif conflict == "nothing":
        sql += " ON CONFLICT DO NOTHING"
    result = conn.execute(text(sql), params)
    return int(result.rowcount)


def pg_in_values(column: ColumnElement[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    """``column = ANY(:array)``: one bind parameter whatever the number of values (PostgreSQL)."""
    return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))


def chunks(values: Sequence[T], dialect_name: str) -> Iterator[Sequence[T]]:
    """``values`` in pieces small enough for one IN list (one piece on PostgreSQL)."""
    if dialect_name == "postgresql" or len(values) <= SQLITE_MAX_IN:
        yield values
        return
    for start in range(0, len(values), SQLITE_MAX_IN):
        yield values[start : start + SQLITE_MAX_IN]


def where_in(dialect_name: str, column: ColumnElement[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    """The right ``IN`` for the dialect (use with ``chunks``)."""
    if dialect_name == "postgresql":
        return pg_in_values(column, values)
    return column.in_(list(values))


__all__ = ["Upsert", "chunks", "insert_rows", "where_in"]
