"""Alerts: the ``Notifier`` over apprise, its in-memory fake beside it, and the messages both write."""

from __future__ import annotations

from adapters.alerts.apprise_notifier import AppriseNotifier
from adapters.alerts.memory import MemoryNotifier
from adapters.alerts.messages import render, render_in

__all__ = ["AppriseNotifier", "MemoryNotifier", "render", "render_in"]
