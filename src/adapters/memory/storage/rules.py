"""A store's pricing rules, in memory."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from adapters.memory.storage.session import MemorySession
from adapters.memory.storage.state import State, require_store
from pricing_core.rules import PricingRule, ordered_rules


class MemoryRules:
    """``RuleRepository`` in memory: the store's rules, replaced as a whole."""

    def __init__(self, uow: MemorySession, store_id: str) -> None:
        self._uow, self._store_id = uow, store_id

    def list(self) -> builtins.list[PricingRule]:
        return builtins.list(ordered_rules(self._uow.read().rules.get(self._store_id, ())))

    def replace_all(self, rules: Sequence[PricingRule]) -> None:
        require_store(self._uow.read(), self._store_id)
        names = [r.name for r in rules]
        if len(set(names)) != len(names):
            raise ValueError("two rules share a name: " + ", ".join(sorted({n for n in names if names.count(n) > 1})))
        batch = tuple(rules)

        def op(state: State) -> None:
            state.rules[self._store_id] = batch

        self._uow.write(op)


__all__ = ["MemoryRules"]
