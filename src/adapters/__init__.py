"""Adapters: one sub-package per port implementation, plus the composition root (``wiring``)."""
