"""A store's sales history per product and day.

Each order's part of that history, Salla's time of each order's last webhook, and where the
orders sync resumes.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
)

from adapters.storage.models.base import STORE_ID, metadata, store_fk
from adapters.storage.types import Money, UTCDateTime

daily_sales = Table(
    "daily_sales",
    metadata,
    store_fk(),
    Column("product_id", String(64), nullable=False),
    Column("day", Date, nullable=False),
    Column("units", Integer, nullable=False),
    Column("revenue", Money, nullable=False),
    PrimaryKeyConstraint("store_id", "product_id", "day"),
    Index("ix_daily_sales_store_day", "store_id", "day"),
)

# Each order's part of the daily sales (the sync and order webhooks replace an order's part, so it counts once).
order_sales = Table(
    "order_sales",
    metadata,
    store_fk(),
    Column("order_id", String(64), nullable=False),
    Column("product_id", String(64), nullable=False),
    Column("day", Date, nullable=False),
    Column("units", Integer, nullable=False),
    Column("revenue", Money, nullable=False),
    PrimaryKeyConstraint("store_id", "order_id", "product_id", "day"),
    Index("ix_order_sales_store_day", "store_id", "day"),
)

# Salla's time of the latest order webhook applied per order: an older delivery arriving later is not applied.
order_versions = Table(
    "order_versions",
    metadata,
    store_fk(),
    Column("order_id", String(64), nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("store_id", "order_id"),
)

sales_cursors = Table(
    "sales_cursors",
    metadata,
    Column("store_id", STORE_ID, ForeignKey("stores.store_id", ondelete="CASCADE"), primary_key=True),
    # The first local day the next orders sync reads again (earlier days are final).
    Column("resume_from", Date, nullable=False),
)


__all__ = ["daily_sales", "order_sales", "order_versions", "sales_cursors"]
