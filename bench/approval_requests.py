"""Salla requests to apply the merchant's approvals, now that every write is re-checked against Salla.

The re-check at the moment of writing (issue 10) needs each approved product's current price and
cost from Salla. Read naively, approving 72 decisions costs 72 ``GET /products/{id}``; the
adapter's ``get_products`` reads the catalog's pages instead when that is fewer requests. This
counts the requests of ``apply_decisions`` for 1, 10, 72 and 500 approvals of a 600-product store
(10 catalog pages) on the fake Salla, through the real adapter, in three modes:

- ``no re-check``: the code before issue 10 (run this script with ``PYTHONPATH`` on that code,
  or pass ``--baseline-only``);
- ``one GET each``: the re-check with the page read disabled;
- ``pages``: the re-check as shipped.

Target: with the re-check, the reads never exceed ``min(approvals, pages) + 1`` requests, so 72
approvals cost at most 11 reads, not 72. Exit status 1 when missed.

Run: ``PYTHONPATH=src python bench/approval_requests.py``.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
from starlette.testclient import TestClient

from adapters.fake_salla import SandboxStoreSpec, create_fake_salla
from adapters.memory import FakeClock, InMemoryUnitOfWorkFactory
from adapters.memory.locks import ThreadStoreLocks
from adapters.salla import build_salla
from pricing_core import AutomationMode, CompetitorOffer, TenantSettings, price_product
from pricing_core.decision import DecisionRecord, DecisionStatus
from pricing_core.ports import MerchantInfo, scope_of
from pricing_core.tokens import TokenSet
from pricing_core.usecases.apply_prices import apply_decisions
from pricing_core.usecases.onboard import onboard_in

MERCHANT = 1234509876
PRODUCTS = 600
ORIGIN = "http://fake-salla.test"
READS = ("GET /products", "GET /products/{id}")


@attrs.frozen
class Ports:
    uow_factory: Any
    locks: Any
    clock: Any
    salla_auth: Any
    salla_catalog: Any


def measure(count: int, mode: str) -> dict[str, int]:
    """Approve ``count`` decisions of a fresh store and apply them; the fake's request counts."""
    clock = FakeClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    fake = create_fake_salla(clock=clock, stores=[SandboxStoreSpec(name="Bench", plan="special", products=PRODUCTS,
                                                                   merchant_id=MERCHANT)])
    http = TestClient(fake.app, base_url=ORIGIN)
    auth, catalog = build_salla(accounts_url=ORIGIN, api_url=f"{ORIGIN}/admin/v2", client_id=fake.client_id,
                                client_secret=fake.client_secret, http=http, clock=clock,
                                sleep=lambda seconds: clock.advance(timedelta(seconds=seconds)))
    if mode == "one GET each":
        catalog.page_read_min = 10**9
    ports = Ports(uow_factory=InMemoryUnitOfWorkFactory(), locks=ThreadStoreLocks(), clock=clock, salla_auth=auth,
                  salla_catalog=catalog)
    issued = fake.issue_tokens(MERCHANT)
    tokens = TokenSet(access_token=issued["access_token"], refresh_token=issued["refresh_token"],
                      expires_at=clock.now() + timedelta(days=14), scope=issued["scope"])
    store_id = str(MERCHANT)
    listed = [p for page in catalog.iter_product_pages(tokens.access_token) for p in page.products]
    settings = TenantSettings(automation_mode=AutomationMode.MANUAL)
    now = clock.now()
    candidates = []
    for p in listed:
        # The engine's own decision to follow two competitors 3% up (every one passes the re-check).
        offer = (p.price * Decimal("1.03")).quantize(Decimal("0.01"))
        d = price_product(p, [CompetitorOffer(competitor=c, price=offer, observed_at=now) for c in ("a", "b")],
                          settings, now=now)
        if d.is_change:
            candidates.append(DecisionRecord(id=f"d{p.id}", store_id=store_id, run_id=None,
                                             idempotency_key=f"k{p.id}", decision=d, status=DecisionStatus.APPROVED,
                                             created_at=now, updated_at=now, decided_by="merchant"))
    assert len(candidates) >= count, f"only {len(candidates)} decisions"
    # Spread over the whole catalog, as a merchant's approvals are (not the first page's products).
    records = [candidates[i * len(candidates) // count] for i in range(count)]
    with ports.uow_factory(store_id) as uow:
        onboard_in(uow, clock, tokens=tokens, merchant=MerchantInfo(merchant_id=store_id, store_name="Bench"),
                   source="bench")
        scope_of(uow).settings.save(settings)
        scope_of(uow).decisions.add_many(records)
        uow.commit()
    fake.reset_stats()
    result = apply_decisions(ports, store_id, [r.id for r in records])
    stats = fake.stats(MERCHANT)
    fake.close()
    return {
        "applied": result.applied_count,
        "failed": len(result.failed),
        "pages": stats.by_route.get("GET /products", 0),
        "gets": stats.by_route.get("GET /products/{id}", 0),
        "bulk": stats.by_route.get("POST /products/prices/bulkPrice", 0),
        "variant_puts": stats.by_route.get("PUT /products/variants/{id}", 0),
        "total": stats.requests,
        "429": stats.rate_limited,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", default="1,10,72,500")
    parser.add_argument("--baseline-only", action="store_true", help="measure only the code on PYTHONPATH as is")
    args = parser.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    shipped = hasattr(__import__("adapters.salla.merchant_api", fromlist=["x"]).SallaMerchantClient,
                      "page_read_min")
    modes = ["as is"] if args.baseline_only or not shipped else ["one GET each", "pages"]
    pages = -(-PRODUCTS // 60)
    ok = True
    print(f"store: {PRODUCTS} products ({pages} pages of 60), approvals spread over the catalog; GET/id includes "
          "the adapter's sampled confirmation of the bulk write (up to 3 products); PUT sku: own-priced SKUs")
    print(f"{'mode':<14}{'approvals':>10}{'applied':>9}{'failed':>8}{'pages':>7}{'GET/id':>8}{'bulk':>6}"
          f"{'PUT sku':>8}{'total':>7}{'429':>5}")
    for mode in modes:
        for count in counts:
            row = measure(count, mode)
            print(f"{mode:<14}{count:>10}{row['applied']:>9}{row['failed']:>8}{row['pages']:>7}{row['gets']:>8}"
                  f"{row['bulk']:>6}{row['variant_puts']:>8}{row['total']:>7}{row['429']:>5}")
            if mode == "pages":
                confirm = 9  # at most 3 sampled products x 3 attempts
                reads = row["pages"] + row["gets"] - min(row["gets"], confirm)
                ok &= reads <= min(count, pages) + 1 and row["applied"] == count
    print("target met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
