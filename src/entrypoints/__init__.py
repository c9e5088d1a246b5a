"""Entrypoints: the Starlette web app and the ``salla-optimizer`` CLI."""
