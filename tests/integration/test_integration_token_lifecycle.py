"""The token lifecycle against the fake Salla over HTTP semantics (in process), with real storage.

- 8 threads refreshing one store at once (the fake revokes the whole chain on refresh-token
  reuse): exactly one token call, the store stays active, every thread ends with the new token;
  on SQLite (file locks) and PostgreSQL (advisory locks).
- A store that uninstalled the app is deactivated with the seed document's reason.
- A refresh that times out keeps the store active and is retried on the next run.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from starlette.testclient import TestClient

from adapters.config import Config
from adapters.fake_salla import FakeSalla, create_fake_salla
from adapters.salla import build_salla
from adapters.services import Services
from bootstrap import SANDBOX_ORIGIN, build_services
from pricing_core.activity import ActivityType
from pricing_core.errors import TokenRevoked
from pricing_core.ports import MerchantInfo
from pricing_core.tokens import RefreshOutcome, TokenSet, expiry_from_response
from pricing_core.usecases.onboard import onboard_in
from pricing_core.usecases.refresh_tokens import (
    REASON_INVALID_REFRESH_TOKEN,
    REASON_UNAUTHORIZED,
    refresh_expiring_tokens,
    refresh_store_tokens,
)


class TokenTimeouts(httpx.BaseTransport):
    """Delegates to the fake's in-process transport; token requests time out while ``armed``."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.armed = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.armed and request.url.path.endswith("/oauth2/token"):
            raise httpx.ReadTimeout("timed out waiting for the token endpoint", request=request)
        return self.inner.handle_request(request)


def onboard(services: Services, fake: FakeSalla, merchant_id: int, *, expires_in: timedelta) -> TokenSet:
    """Install the store in the fake and in storage; the stored expiry is brought forward to make it due."""
    issued = fake.issue_tokens(merchant_id)
    now = services.clock.now()
    tokens = TokenSet(access_token=issued["access_token"], refresh_token=issued["refresh_token"],
                      expires_at=expiry_from_response(now, expires_in=issued["expires_in"]), scope=issued["scope"])
    with services.uow_factory(str(merchant_id)) as uow:
        onboard_in(uow, services.clock, tokens=tokens, merchant=MerchantInfo(merchant_id=str(merchant_id),
                                                                             store_name="Lifecycle store"),
                   source="test")
        assert uow.store is not None
        tokens = TokenSet(access_token=tokens.access_token, refresh_token=tokens.refresh_token,
                          expires_at=now + expires_in, scope=tokens.scope)
        uow.store.tokens.save(tokens)
        uow.commit()
    return tokens


def stored(services: Services, store_id: str):  # type: ignore[no-untyped-def]
    with services.uow_factory(store_id) as uow:
        assert uow.store is not None
        return uow.stores.get(store_id), uow.store.tokens.get(), uow.store.activity.list(limit=50)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Services, FakeSalla, TokenTimeouts]]:
    fake = create_fake_salla(seed=11)
    if request.param == "postgres":
        from adapters.storage import migrate

        url = request.getfixturevalue("postgres_server").create_database()  # one per test: a clean slate
        migrate(url)
        config = Config(var_dir=tmp_path, database_url=url, token_encryption_keys=(Fernet.generate_key().decode(),))
    else:
        config = Config(var_dir=tmp_path)
    http = TestClient(fake.app, base_url=SANDBOX_ORIGIN)
    transport = TokenTimeouts(http._transport)
    http._transport = transport  # the seam: same in-process fake, token calls can be made to time out
    auth, catalog = build_salla(accounts_url=SANDBOX_ORIGIN, api_url=f"{SANDBOX_ORIGIN}/admin/v2",
                                client_id=fake.client_id, client_secret=fake.client_secret, http=http)
    services = build_services(config, fake_salla=fake, salla_auth=auth, salla_catalog=catalog)
    try:
        yield services, fake, transport
    finally:
        services.close()
        http.close()


def first_store(fake: FakeSalla) -> int:
    return fake.sandbox_stores()[0].merchant_id


def test_eight_concurrent_refreshes_make_one_token_call(world) -> None:  # type: ignore[no-untyped-def]
    services, fake, _ = world
    merchant = first_store(fake)
    store_id = str(merchant)
    onboard(services, fake, merchant, expires_in=timedelta(hours=2))
    fake.oauth_requests = 0
    barrier = threading.Barrier(8)
    results = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            _, seen, _ = stored(services, store_id)   # every thread saw the old tokens
            barrier.wait()
            results.append(refresh_store_tokens(services, store_id, seen=seen))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    store, final, log = stored(services, store_id)
    assert fake.oauth_requests == 1                       # exactly one call to the token endpoint
    assert store.is_active
    assert sorted(r.outcome for r in results) == [RefreshOutcome.REFRESHED] + [RefreshOutcome.SKIPPED] * 7
    assert {r.tokens.access_token for r in results} == {final.access_token}
    assert [e.activity_type for e in log].count(ActivityType.SYSTEM_TOKEN_REFRESH) == 1
    # the chain is intact: the new access token reads the catalog
    page = next(iter(services.salla_catalog.iter_product_pages(final.access_token)))
    assert page.products


def test_reusing_a_refresh_token_revokes_the_chain_in_the_fake(world) -> None:  # type: ignore[no-untyped-def]
    # The control for the test above: without the lock's re-read, a second refresh kills the store.
    services, fake, _ = world
    merchant = first_store(fake)
    tokens = onboard(services, fake, merchant, expires_in=timedelta(hours=2))
    rotated = services.salla_auth.refresh(tokens.refresh_token)
    with pytest.raises(TokenRevoked):
        services.salla_auth.refresh(tokens.refresh_token)
    with pytest.raises(TokenRevoked):
        next(iter(services.salla_catalog.iter_product_pages(rotated.access_token)))


@pytest.mark.parametrize(("status", "reason"), [(401, REASON_UNAUTHORIZED), (400, REASON_INVALID_REFRESH_TOKEN)])
def test_uninstalled_store_is_deactivated_with_reason(world, status: int, reason: str) -> None:  # type: ignore[no-untyped-def]
    services, fake, _ = world
    fake.invalid_grant_status = status
    merchant = first_store(fake)
    onboard(services, fake, merchant, expires_in=timedelta(hours=2))
    fake.uninstall_store(merchant)
    report = refresh_expiring_tokens(services, threshold_hours=24)
    assert [(r.store_id, r.outcome) for r in report.results] == [(str(merchant), RefreshOutcome.REVOKED)]
    store, _, log = stored(services, str(merchant))
    assert not store.is_active and store.deactivation_reason == reason
    deactivated = [e for e in log if e.activity_type is ActivityType.SYSTEM_STORE_DEACTIVATED]
    assert deactivated[0].description == f"System Action: Store deactivated - {reason}"
    with services.uow_factory() as uow:
        [batch] = uow.system_activity.list(activity_type=ActivityType.SYSTEM_TOKEN_REFRESH_BATCH)
    assert batch.metadata["revoked"] == 1


def test_timeout_keeps_the_store_active_and_the_next_run_refreshes(world) -> None:  # type: ignore[no-untyped-def]
    services, fake, transport = world
    merchant = first_store(fake)
    before = onboard(services, fake, merchant, expires_in=timedelta(hours=2))
    transport.armed = True
    report = refresh_expiring_tokens(services, threshold_hours=24)
    assert [r.outcome for r in report.results] == [RefreshOutcome.TRANSIENT]
    store, tokens, log = stored(services, str(merchant))
    assert store.is_active and tokens.refresh_token == before.refresh_token
    assert log[0].activity_type is ActivityType.SYSTEM_TOKEN_REFRESH_FAILED
    transport.armed = False
    again = refresh_expiring_tokens(services, threshold_hours=24)
    assert [r.outcome for r in again.results] == [RefreshOutcome.REFRESHED]
    assert stored(services, str(merchant))[0].is_active
