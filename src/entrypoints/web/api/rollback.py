"""Rolling a run back: ``POST /stores/{store_id}/runs/{run_id}/rollback``.

The body is optional: ``{"dry_run": false, "confirm_guard_breaks": false, "decision_ids": [...]}``
(``decision_ids``: only those applied decisions of the run). The answer is the rollback's report
(``RollbackReport.as_json``): ``restored``, ``left`` (each product with its reason), and the rest.
Repeating the request is safe: a second rollback answers 200 with ``"restored": 0``.
"""

from __future__ import annotations

import attrs
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from entrypoints.web.api.errors import error, unauthorized
from entrypoints.web.api.json_body import MAX_JSON_BODY, json_body
from entrypoints.web.bodies import read_capped
from entrypoints.web.security import bearer_ok
from entrypoints.web.state import web_state
from pricing_core.errors import DecisionNotFound, RunNotFound, SallaError, StoreBusy, StoreNotFound, TokenRevoked
from pricing_core.usecases.rollback import rollback_run

MAX_DECISIONS = 500
_FLAGS = ("dry_run", "confirm_guard_breaks")


@attrs.frozen
class RollbackRequest:
    """What the body asks for (every field optional)."""

    dry_run: bool = False
    confirm_guard_breaks: bool = False
    decision_ids: tuple[str, ...] | None = None


def read_request(data: object) -> RollbackRequest | str:
    """The request a parsed body holds (``None``: no body), or why it is refused."""
    if data is None:
        return RollbackRequest()
    if not isinstance(data, dict):
        return "body must be a JSON object"
    unknown = sorted(set(data) - {*_FLAGS, "decision_ids"})
    if unknown:
        return f"unknown field(s): {', '.join(unknown)}"
    for flag in _FLAGS:
        if not isinstance(data.get(flag, False), bool):
            return f"{flag} must be true or false"
    ids = data.get("decision_ids")
    if "decision_ids" in data and (not isinstance(ids, list) or not 1 <= len(ids) <= MAX_DECISIONS
                                   or not all(isinstance(i, str) and i for i in ids)):
        return f"decision_ids must be 1..{MAX_DECISIONS} non-empty strings"
    return RollbackRequest(dry_run=data.get("dry_run", False),
                           confirm_guard_breaks=data.get("confirm_guard_breaks", False),
                           decision_ids=None if ids is None else tuple(ids))


async def rollback(request: Request) -> Response:
    """Roll back a run (or some of its applied decisions): restore the prices it replaced."""
    if not bearer_ok(request, web_state(request).admin_token):
        return unauthorized()
    body = await read_capped(request, MAX_JSON_BODY)
    data, failed = (None, None) if body is not None and not body.strip() else json_body(body)
    if failed is not None:
        return failed
    wanted = read_request(data)
    if isinstance(wanted, str):
        return error(422, "bad_request", wanted)
    return await run_in_threadpool(_rollback, request, wanted)


def _rollback(request: Request, wanted: RollbackRequest) -> Response:
    web = web_state(request)
    store_id, run_id = request.path_params["store_id"], request.path_params["run_id"]
    try:
        report = rollback_run(web.services, store_id, run_id, decision_ids=wanted.decision_ids,
                              dry_run=wanted.dry_run, confirm_guard_breaks=wanted.confirm_guard_breaks,
                              by="admin-api", threshold_hours=web.config.token_refresh_threshold_hours)
    except StoreNotFound:
        return error(404, "not_found", "no such store")
    except (RunNotFound, DecisionNotFound) as exc:
        return error(404, "not_found", str(exc))
    except StoreBusy as exc:
        return error(409, "busy", str(exc))
    except TokenRevoked as exc:
        return error(409, "not_connected", f"the store's connection to Salla is not usable: {exc}")
    except SallaError as exc:
        return error(502, "salla_unavailable", f"{exc}; nothing is lost: send the rollback again")
    return JSONResponse(report.as_json())


__all__ = ["RollbackRequest", "read_request", "rollback"]
