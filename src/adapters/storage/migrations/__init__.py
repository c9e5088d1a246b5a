"""Alembic migrations of the storage schema (run through ``adapters.storage.migrate``)."""
