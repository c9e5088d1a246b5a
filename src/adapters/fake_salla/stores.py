"""Sandbox stores of the fake Salla: what a spec asks for and what the fake keeps."""

from __future__ import annotations

import attrs

from adapters.fake_salla.catalog import FakeProduct

PLAN_LIMITS: dict[str, int] = {"basic": 60, "plus": 120, "pro": 360, "special": 720}
"""Requests per minute window by store plan; once spent, 1 request per second until the reset.

Plus, Pro and Special are Salla's rate-limit table. ``basic`` (a plan ``/store/info`` reports)
has no row there: it gets 60, the lowest figure Salla's rate-limit page gives (its example values
of ``X-RateLimit-Limit`` are "60, 120, or 180"), so the fake is stricter than any documented plan.
"""


@attrs.frozen(kw_only=True)
class SandboxStoreSpec:
    """What a sandbox store should look like; ``create_fake_salla(stores=[...])`` takes these.

    ``merchant_id`` None draws a Salla-like ten-digit id from the seed. ``quirks`` False gives a
    catalog with clean types only (benchmarks), True mixes in every spelling Salla's docs show.
    ``variant_share`` and ``sale_share`` are the shares of products with options and on sale.
    """

    name: str
    plan: str = "plus"
    products: int = 120
    merchant_id: int | None = None
    currency: str = "SAR"
    quirks: bool = True
    variant_share: float = 0.08
    sale_share: float = 0.1

    def __attrs_post_init__(self) -> None:
        if self.plan not in PLAN_LIMITS:
            raise ValueError(f"unknown plan {self.plan!r}; one of {sorted(PLAN_LIMITS)}")
        if self.products < 0:
            raise ValueError("products must be >= 0")


@attrs.frozen(kw_only=True)
class SandboxStore:
    """A seeded store as listed by ``FakeSalla.sandbox_stores()``."""

    merchant_id: int
    name: str
    plan: str
    products: int
    username: str
    email: str


@attrs.define(kw_only=True)
class FakeStore:
    """A store's state inside the fake: identity, catalog and install status."""

    merchant_id: int
    name: str
    username: str
    plan: str
    currency: str
    email: str
    products: dict[int, FakeProduct]
    installed: bool = True
    # Salla's own user id for the merchant owner (``/oauth2/user/info`` ``data.id``).
    user_id: int = 0

    @property
    def rate_limit(self) -> int:
        """Requests per minute window allowed by the store's plan (``PLAN_LIMITS``)."""
        return PLAN_LIMITS[self.plan]

    def describe(self) -> SandboxStore:
        """The public listing entry."""
        return SandboxStore(
            merchant_id=self.merchant_id,
            name=self.name,
            plan=self.plan,
            products=len(self.products),
            username=self.username,
            email=self.email,
        )

    def product_ids(self) -> list[int]:
        """Product ids in catalog order (Salla lists in a stable order)."""
        return list(self.products)
