"""The storage port in memory: the fake every unit test uses, a first-class implementation that
passes the same contract suite as ``adapters/storage``.

Module map (the same names as in ``adapters/storage``): ``unit_of_work`` (the factory, the unit
of work with its snapshot-and-journal transactions, the store scope), ``state`` (what is stored),
``session`` (what a repository needs from its unit of work), ``cross_store`` (stores and the sweep
listings, system settings, webhook inbox, subscriptions, retention), and one module per
store-scoped repository: ``tokens``, ``store_settings``, ``products``, ``offers``,
``price_history``, ``decisions``, ``runs``, ``run_inputs``, ``activity``, ``sales``, ``rules``,
``overrides``, ``alerts``.
"""

from adapters.memory.storage.unit_of_work import InMemoryStoreScope, InMemoryUnitOfWork, InMemoryUnitOfWorkFactory

__all__ = ["InMemoryStoreScope", "InMemoryUnitOfWork", "InMemoryUnitOfWorkFactory"]
