"""Queued work for the operator: the broker's messages, the recorded intents, the recovery loop's actions.

One summary (``work_summary``) feeds three readers: the operator page (a section of
``operator.html``), the admin API's ``GET /work`` (JSON, bearer token or an operator session) and
the web process's ``/metrics`` (gauges read at scrape time, ``register_metrics``).

- messages, per queue (from the broker, when the queue can tell): ``queued`` (waiting),
  ``in_flight`` (taken by a worker: processing or reserved), ``retrying`` (waiting for a retry's
  backoff) and ``dead`` (dead-lettered after the retry window);
- recorded work (intents, from the database): ``queued`` (not done yet), ``lost`` (quiet for
  ``RECOVERY_QUEUED_AFTER_SECONDS``: the next recovery pass sends it again), ``dead`` (given up);
- the recovery loop: its actions summed over the last 24 hours and its latest pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any, Protocol, runtime_checkable

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from entrypoints.web.security import bearer_ok, is_operator
from entrypoints.web.state import WebServices, web_state
from pricing_core.ports import TaskQueue
from pricing_core.usecases.work_status import RECOVERY_ACTIONS, summarize_work

STATES = ("queued", "in_flight", "retrying", "dead")
INTENT_STATES = ("queued", "lost", "dead")


@runtime_checkable
class WorkProbe(Protocol):
    """A queue that can count its messages per queue and state (``runners.broker.DramatiqQueue``)."""

    def work(self) -> dict[str, dict[str, int]]: ...


def broker_work(queue: TaskQueue) -> dict[str, dict[str, int]] | None:
    """Messages per queue and state, when the queue can tell and its broker answers (else None)."""
    if not isinstance(queue, WorkProbe):
        return None
    try:
        return queue.work()
    except Exception:  # Redis away: the page and the scrape still answer
        return None


def work_summary(services: WebServices, queue: TaskQueue) -> dict[str, Any]:
    """The broker's messages (``None`` when unknown), their totals, the intents and the recovery loop."""
    config = services.config
    queues = broker_work(queue)
    totals = None if queues is None else {s: sum(q.get(s, 0) for q in queues.values()) for s in STATES}
    summary: dict[str, Any] = {"messages": {"queues": queues, "totals": totals}}
    try:
        status = summarize_work(services.uow_factory, services.clock,
                                queued_after=timedelta(seconds=config.recovery_queued_after_seconds))
    except Exception:  # the database blinked: show what the broker says
        summary.update({"intents": None, "recovery": None})
        return summary
    summary.update(status.as_dict())
    return summary


def work_api(request: Request) -> Response:
    """``GET /work``: the summary as JSON (admin bearer token, or an operator session)."""
    web = web_state(request)
    if not (bearer_ok(request, web.admin_token) or is_operator(request)):
        return JSONResponse({"error": "unauthorized", "message": "Authorization: Bearer <ADMIN_API_TOKEN> required"},
                            status_code=401, headers={"WWW-Authenticate": 'Bearer realm="admin"'})
    return JSONResponse(work_summary(web.services, web.queue))


class _WorkCollector(Collector):
    """Gauges computed when scraped, with labels (the web app's ``_StateCollector`` has none)."""

    def __init__(self, read: Callable[[], dict[str, Any]]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        try:
            summary = self._read()
        except Exception:  # a scrape must not fail because the database blinked
            return
        queues = summary["messages"]["queues"]
        if queues is not None:
            messages = GaugeMetricFamily("salla_optimizer_queue_messages",
                                         "Messages per queue and state (queued, in_flight, retrying, dead)",
                                         labels=["queue", "state"])
            for name, counts in sorted(queues.items()):
                for state in STATES:
                    messages.add_metric([name, state], float(counts.get(state, 0)))
            yield messages
        intents = summary.get("intents")
        if intents is not None:
            recorded = GaugeMetricFamily("salla_optimizer_recorded_work",
                                         "Work recorded before it was queued: queued (not done), lost (to be sent "
                                         "again), dead (given up)", labels=["state"])
            for state in INTENT_STATES:
                recorded.add_metric([state], float(intents[state]))
            yield recorded
        recovery = summary.get("recovery")
        if recovery is not None:
            actions = GaugeMetricFamily("salla_optimizer_recovery_actions_24h",
                                        "The recovery loop's actions over the last 24 hours", labels=["action"])
            for action in RECOVERY_ACTIONS:
                actions.add_metric([action], float(recovery["actions"].get(action, 0)))
            yield actions


def register_metrics(registry: CollectorRegistry, services: WebServices, queue: TaskQueue) -> None:
    """Add the queued-work gauges to the web app's registry (read at each scrape)."""
    registry.register(_WorkCollector(lambda: work_summary(services, queue)))


# The admin API document's entry for ``GET /work`` (``openapi.py`` lists it).
OPENAPI_PATH: dict[str, Any] = {
    "get": {
        "summary": "Queued work: messages per queue and state, recorded intents, the recovery loop's actions",
        "operationId": "work",
        "security": [{"adminToken": []}],
        "responses": {
            "200": {"description": "The summary", "content": {"application/json": {"schema": {
                "type": "object",
                "required": ["messages", "intents", "recovery"],
                "properties": {
                    "messages": {"type": "object", "required": ["queues", "totals"], "properties": {
                        "queues": {"type": "object", "nullable": True, "additionalProperties": {
                            "type": "object", "additionalProperties": {"type": "integer"}}},
                        "totals": {"type": "object", "nullable": True, "additionalProperties": {"type": "integer"}},
                    }},
                    "intents": {"type": "object", "nullable": True},
                    "recovery": {"type": "object", "nullable": True},
                },
            }}}},
            "401": {"description": "Missing or wrong bearer token", "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/Error"}}}},
        },
    }
}

routes = [Route("/work", work_api, methods=["GET"])]

__all__ = ["OPENAPI_PATH", "STATES", "WorkProbe", "broker_work", "register_metrics", "routes", "work_summary"]
