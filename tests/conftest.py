"""Shared test set-up: quiet heavy libraries, and register the server fixtures (PostgreSQL, Redis)."""

import os

os.environ.setdefault("CREWAI_DISABLE_TELEMETRY", "true")
os.environ.setdefault("OTEL_SDK_DISABLED", "true")
os.environ.setdefault("CREWAI_TRACING_ENABLED", "false")

pytest_plugins = ["servers_plugin"]
