"""Use cases: plain functions over the ports, one module per use case."""
