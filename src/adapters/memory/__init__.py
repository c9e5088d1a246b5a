"""In-memory implementations of the ports: the fakes the unit tests and notebooks use.

Each one is a first-class implementation of its port and passes the same contract suite as
the real adapter beside it.
"""

from adapters.memory.clock import FakeClock
from adapters.memory.echoes import MemoryPriceEchoes
from adapters.memory.locks import ThreadStoreLocks
from adapters.memory.queue import RecordingQueue
from adapters.memory.storage import InMemoryStoreScope, InMemoryUnitOfWork, InMemoryUnitOfWorkFactory

__all__ = [
    "FakeClock",
    "InMemoryStoreScope",
    "InMemoryUnitOfWork",
    "InMemoryUnitOfWorkFactory",
    "MemoryPriceEchoes",
    "RecordingQueue",
    "ThreadStoreLocks",
]
