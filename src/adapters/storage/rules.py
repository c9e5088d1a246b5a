"""A store's pricing rules (``pricing_rules``)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, select

from adapters.storage import models, rows
from adapters.storage.bulk import insert_rows
from adapters.storage.session import ScopedRepository
from pricing_core.rules import PricingRule, ordered_rules


class SqlRules(ScopedRepository):
    """``RuleRepository``: one row per rule, match and settings as JSON; replaced as a whole."""

    def list(self) -> builtins.list[PricingRule]:
        t = models.pricing_rules
        query = select(t).where(t.c.store_id == self._store_id)
        return builtins.list(ordered_rules(rows.rule_from(r) for r in self._uow.conn.execute(query).mappings()))

    def replace_all(self, rules: Sequence[PricingRule]) -> None:
        names = [r.name for r in rules]
        if len(set(names)) != len(names):
            raise ValueError("two rules share a name: " + ", ".join(sorted({n for n in names if names.count(n) > 1})))
        self._uow.require_store(self._store_id)
        t = models.pricing_rules
        self._uow.conn.execute(delete(t).where(t.c.store_id == self._store_id))
        now = datetime.now(UTC)
        insert_rows(self._uow.conn, t, [rows.rule_row(self._store_id, r, now) for r in rules])


__all__ = ["SqlRules"]
