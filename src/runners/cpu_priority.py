"""A worker's CPU priority, for a host where workers share the cores with the web processes.

Webhook intake must answer Salla within its timeout whatever the backlog; the work behind it may
wait. On one host, ``worker --cpu-priority idle`` runs the worker under Linux's ``SCHED_IDLE``: it
gets a core only when nothing else wants it, so a burst is acknowledged at full speed and
processed in the quiet after it (docs/operations.md). ``low`` is ``nice 10``, which still lets the
worker take a share under load. Deployments whose workers have their own cores keep ``normal``.
"""

from __future__ import annotations

import logging
import os
from typing import Literal

CpuPriority = Literal["normal", "low", "idle"]
CPU_PRIORITIES: tuple[CpuPriority, ...] = ("normal", "low", "idle")
LOW_NICE = 10
log = logging.getLogger(__name__)


def set_cpu_priority(priority: CpuPriority) -> str:
    """Lower the calling process's CPU priority (never raise it); returns what was applied.

    On Linux the policy is per thread: call before the worker starts its threads, which inherit it.
    Where ``SCHED_IDLE`` is missing (not Linux) or refused, ``idle`` falls back to the lowest nice
    value, with a warning.
    """
    if priority == "normal":
        return "normal"
    if priority == "idle":
        if hasattr(os, "sched_setscheduler") and hasattr(os, "SCHED_IDLE"):
            try:
                os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
                return "SCHED_IDLE"
            except OSError as exc:  # a sandbox (seccomp) may refuse it: a worker must start anyway
                log.warning("SCHED_IDLE refused (%s); running the worker at nice 19 instead", exc)
        else:
            log.warning("SCHED_IDLE is not available here; running the worker at nice 19 instead")
        return f"nice {_nice_to(19)}"
    if priority == "low":
        return f"nice {_nice_to(LOW_NICE)}"
    raise ValueError(f"unknown CPU priority {priority!r}; one of {', '.join(CPU_PRIORITIES)}")


def _nice_to(target: int) -> int:
    """Raise the niceness to ``target`` (a process already nicer stays as it is)."""
    current = os.nice(0)
    return os.nice(target - current) if current < target else current


__all__ = ["CPU_PRIORITIES", "LOW_NICE", "CpuPriority", "set_cpu_priority"]
