"""Retention: delete old runs, activity, offers, webhook inbox entries and given-up queued work (the weekly
``cleanup_old_data``)."""

from __future__ import annotations

from datetime import timedelta

import attrs

from pricing_core.activity import ActivityType
from pricing_core.ports import Clock, UnitOfWorkFactory


@attrs.frozen(kw_only=True)
class RetentionPolicy:
    """How long each kind of row is kept, in days (configurable per deployment).

    ``webhooks_days``: the webhook inbox only has to outlive Salla's redeliveries (three retries
    about five minutes apart, so some 15 minutes; older observations were faster still) and the
    scheduler's fire claims (two days, see ``runners.scheduler.CLAIM_TTL``). A week leaves room for
    a Salla backlog or outage replayed late, and for the duplicate to still be recognised; it may
    not be set below two days (the claims' lifetime).
    """

    runs_days: int = attrs.field(default=90, validator=attrs.validators.ge(1))
    activity_days: int = attrs.field(default=180, validator=attrs.validators.ge(1))
    offers_days: int = attrs.field(default=30, validator=attrs.validators.ge(1))
    webhooks_days: int = attrs.field(default=7, validator=attrs.validators.ge(2))
    batch_size: int = attrs.field(default=1000, validator=attrs.validators.ge(1))


def cleanup_old_data(
    uow_factory: UnitOfWorkFactory, clock: Clock, policy: RetentionPolicy | None = None
) -> dict[str, int]:
    """Delete rows older than the policy's ages; log a ``system_cleanup`` entry; return counts by table.

    Pricing decisions and price history are an audit trail and are not deleted here. The webhook
    inbox is (after ``webhooks_days``): it would otherwise grow by one row per delivery for ever.
    """
    policy = policy or RetentionPolicy()
    now = clock.now()
    with uow_factory() as uow:
        counts = uow.retention.delete_before(
            runs_before=now - timedelta(days=policy.runs_days),
            activity_before=now - timedelta(days=policy.activity_days),
            offers_before=now - timedelta(days=policy.offers_days),
            batch_size=policy.batch_size,
        )
        counts["webhooks"] = uow.retention.delete_webhooks_before(
            now - timedelta(days=policy.webhooks_days), batch_size=policy.batch_size
        )
        # Queued work given up (``pricing_core.intents``) is kept as long as runs, for the operator.
        counts["dead_intents"] = uow.intents.delete_dead_before(now - timedelta(days=policy.runs_days))
        uow.system_activity.log(
            ActivityType.SYSTEM_CLEANUP,
            "System Action: Old data cleaned up",
            at=now,
            metadata={**counts, **attrs.asdict(policy)},
        )
        uow.commit()
    return counts


__all__ = ["RetentionPolicy", "cleanup_old_data"]
