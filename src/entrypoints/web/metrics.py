"""Prometheus metrics of the web process: counters updated by the routes, gauges read at scrape time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector


class _StateCollector(Collector):
    """Gauges computed when scraped (store counts, token summary, queue depth)."""

    def __init__(self, read: Callable[[], dict[str, Any]]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        try:
            values = self._read()
        except Exception:  # a scrape must not fail because the database blinked
            return
        for name, (help_text, value) in values.items():
            if value is None:
                continue
            yield GaugeMetricFamily(f"salla_optimizer_{name}", help_text, value=float(value))


class WebMetrics:
    """One registry per app (tests build many apps; the global registry would collide)."""

    def __init__(self, read_state: Callable[[], dict[str, Any]]) -> None:
        self.registry = CollectorRegistry()
        self.webhooks = Counter(
            "salla_optimizer_webhook_deliveries",
            "Webhook deliveries by outcome at intake",
            ["outcome"],
            registry=self.registry,
        )
        self.webhook_ack_seconds = Histogram(
            "salla_optimizer_webhook_ack_seconds",
            "Time to acknowledge a webhook delivery",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
            registry=self.registry,
        )
        self.webhook_send_batch = Histogram(
            "salla_optimizer_webhook_send_batch_size",
            "Deliveries sent to the queue together in one round trip (DispatchBatcher)",
            buckets=(1, 2, 5, 10, 25, 50, 100, 256),
            registry=self.registry,
        )
        self.registry.register(_StateCollector(read_state))


__all__ = ["WebMetrics"]
