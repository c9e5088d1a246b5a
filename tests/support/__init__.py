"""Test support shared by the suites and the benchmarks: throwaway servers and the runner harness.

Not part of the product: ``servers`` starts PostgreSQL and Redis on loopback, ``runners`` serves
the fake Salla over HTTP and starts worker processes. Benchmarks put ``tests/`` on ``sys.path``
to import it.
"""
