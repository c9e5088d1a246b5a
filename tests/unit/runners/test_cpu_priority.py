"""``worker --cpu-priority``: a worker sharing a host with the web processes can yield the cores."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from runners.cpu_priority import LOW_NICE, set_cpu_priority

_PROBE = """
import os
from runners.cpu_priority import set_cpu_priority
if {refuse}:
    def refused(*args):
        raise PermissionError(1, "Operation not permitted")
    os.sched_setscheduler = refused
before = os.nice({extra})
applied = set_cpu_priority({priority!r})
idle = hasattr(os, "SCHED_IDLE") and os.sched_getscheduler(0) == os.SCHED_IDLE
print(applied.replace(" ", "-"), before, os.nice(0), idle)
"""


def _probe(priority: str, extra: int = 0, *, refuse: bool = False) -> tuple[str, int, int, bool]:
    """In a child (a lowered priority cannot be raised back): (applied, nice before, nice after, SCHED_IDLE).

    The child inherits this process's niceness (a CI runner's may not be 0), plus ``extra``.
    """
    result = subprocess.run([sys.executable, "-c", _PROBE.format(priority=priority, extra=extra, refuse=refuse)],
                            capture_output=True, text=True, check=True, env={**os.environ})
    applied, before, after, idle = result.stdout.split()
    return applied, int(before), int(after), idle == "True"


def test_normal_changes_nothing() -> None:
    applied, before, after, idle = _probe("normal")
    assert (applied, after, idle) == ("normal", before, False)


def test_low_is_nice_10_and_never_raises_a_lower_priority() -> None:
    applied, before, after, idle = _probe("low")
    assert after == max(before, LOW_NICE) and applied == f"nice-{after}" and not idle
    applied, before, after, _ = _probe("low", extra=15)  # already nicer than 10: left as it is
    assert before > LOW_NICE and after == before and applied == f"nice-{before}"


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="SCHED_IDLE is Linux's")
def test_idle_is_sched_idle() -> None:
    applied, before, after, idle = _probe("idle")
    assert (applied, after, idle) == ("SCHED_IDLE", before, True)


def test_idle_refused_by_a_sandbox_falls_back_to_nice_19_and_the_worker_starts() -> None:
    applied, before, after, idle = _probe("idle", refuse=True)
    assert (applied, after, idle) == (f"nice-{max(before, 19)}", max(before, 19), False)


def test_an_unknown_priority_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown CPU priority 'high'"):
        set_cpu_priority("high")  # type: ignore[arg-type]
