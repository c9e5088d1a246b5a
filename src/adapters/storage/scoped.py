"""The store-scoped repositories: each is built for one store id and filters every statement by it.

One module per repository, named for its concept; this module gathers them for the unit of work
(``unit_of_work.SqlStoreScope``). The unscoped ones are in ``cross_store``.
"""

from __future__ import annotations

from adapters.storage.activity import SqlActivity
from adapters.storage.alerts import SqlAlertSettings
from adapters.storage.decisions import SqlDecisions
from adapters.storage.offers import SqlOffers
from adapters.storage.overrides import SqlOverrides
from adapters.storage.price_history import SqlPriceHistory
from adapters.storage.products import SqlProducts
from adapters.storage.rules import SqlRules
from adapters.storage.run_inputs import SqlRunInputs
from adapters.storage.runs import SqlRuns
from adapters.storage.sales import SqlSales
from adapters.storage.store_settings import SqlSettings
from adapters.storage.tokens import SqlTokens

__all__ = [
    "SqlActivity",
    "SqlAlertSettings",
    "SqlDecisions",
    "SqlOffers",
    "SqlOverrides",
    "SqlPriceHistory",
    "SqlProducts",
    "SqlRules",
    "SqlRunInputs",
    "SqlRuns",
    "SqlSales",
    "SqlSettings",
    "SqlTokens",
]
