"""Property-based contract test: every JSON API operation conforms to the app's own /openapi.json.

Schemathesis generates requests (valid and invalid) from the document and checks status codes,
content types, response schemas and that no request causes a server error. Examples are bounded
so the suite stays fast on a shared machine.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from web_harness import ADMIN_TOKEN, make_harness

from pricing_core.decision import DecisionStatus

WEB = make_harness()
WEB.add_decisions("100", ("d1", DecisionStatus.PENDING), ("d2", DecisionStatus.APPLIED))

schema = schemathesis.openapi.from_asgi("/openapi.json", WEB.app)


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_openapi_document(case: schemathesis.Case) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
