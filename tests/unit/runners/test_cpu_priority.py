"""``worker --cpu-priority``: a worker sharing a host with the web processes can yield the cores."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from runners.cpu_priority import set_cpu_priority

_PROBE = """
import os, sys
from runners.cpu_priority import set_cpu_priority
os.nice({start})
applied = set_cpu_priority({priority!r})
policy = os.sched_getscheduler(0) if hasattr(os, "sched_getscheduler") else -1
print(applied, os.nice(0), policy == getattr(os, "SCHED_IDLE", -2))
"""


def _probe(priority: str, start: int = 0) -> list[str]:
    # In a child: a lowered priority cannot be raised back without privileges.
    result = subprocess.run([sys.executable, "-c", _PROBE.format(priority=priority, start=start)],
                            capture_output=True, text=True, check=True, env={**os.environ})
    return result.stdout.split()


def test_normal_changes_nothing() -> None:
    assert _probe("normal") == ["normal", "0", "False"]


def test_low_is_nice_10_and_never_raises_a_lower_priority() -> None:
    assert _probe("low") == ["nice", "10", "10", "False"]
    assert _probe("low", start=15) == ["nice", "15", "15", "False"]


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="SCHED_IDLE is Linux's")
def test_idle_is_sched_idle() -> None:
    assert _probe("idle") == ["SCHED_IDLE", "0", "True"]


def test_an_unknown_priority_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown CPU priority 'high'"):
        set_cpu_priority("high")  # type: ignore[arg-type]
