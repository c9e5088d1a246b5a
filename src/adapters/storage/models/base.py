"""What every table shares: the metadata (deterministic constraint names), the store id and the serial key."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, MetaData, String

# Deterministic constraint names, so migrations can refer to them on both databases.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

STORE_ID = String(64)
# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a bigint identity.
SERIAL = BigInteger().with_variant(Integer(), "sqlite")


def store_fk() -> Column[str]:
    """The ``store_id`` column of a store-scoped table: a foreign key to ``stores``, deleted with its store."""
    return Column("store_id", STORE_ID, ForeignKey("stores.store_id", ondelete="CASCADE"), nullable=False)


__all__ = ["SERIAL", "STORE_ID", "metadata", "store_fk"]
