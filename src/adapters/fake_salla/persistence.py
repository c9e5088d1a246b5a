"""The fake Salla's state file: atomic JSON writes, tolerant reads, and debounced saving.

The embedded default (``salla-optimizer serve`` with no configuration) keeps its tokens in
SQLite but its Salla in memory; without this file a restart rebuilds the fake from its seed and
every stored token becomes unknown to it. What goes into the file is ``FakeSalla.snapshot()``;
this module only moves it to and from disk.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

STATE_FORMAT = "salla-optimizer/fake-salla-state"
STATE_VERSION = 1
SAVE_INTERVAL_SECONDS = 1.0


class IncompatibleState(ValueError):
    """A state file that cannot be restored: not ours, another version, another seed, malformed."""


def write_state(path: Path, state: dict[str, Any]) -> None:
    """Write ``state`` as JSON to ``path`` atomically.

    A temporary file in the same directory is written, flushed to disk and renamed over
    ``path``: a crash mid-write leaves the previous file intact, never a truncated one.
    ``mkstemp`` creates it readable by the owner only, which matters because the sandbox's
    tokens are stored in the clear (they are only valid against this fake).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(state, handle, ensure_ascii=False, separators=(",", ":"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise


def read_state(path: Path) -> dict[str, Any] | None:
    """The saved state at ``path``; None when there is none or it cannot be used.

    A file that is not valid JSON or not a state of this format and version is moved aside to
    ``<name>.corrupt`` (so the next save does not silently destroy it) with a warning, and the
    caller starts fresh: a broken demo file must never keep the server from starting.
    """
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("fake Salla: cannot read the sandbox state %s (%s); starting from the seed", path, exc)
        return None
    try:
        state = json.loads(raw)
        check_header(state)
    except (ValueError, IncompatibleState) as exc:
        discard_state(path, str(exc))
        return None
    return state  # type: ignore[no-any-return]  # check_header proved it is a dict


def check_header(state: object) -> None:
    """Raise ``IncompatibleState`` unless ``state`` is a dict of this format and version."""
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        raise IncompatibleState("not a fake Salla state file")
    if state.get("version") != STATE_VERSION:
        raise IncompatibleState(f"state version {state.get('version')!r}, this build reads {STATE_VERSION}")


def discard_state(path: Path, reason: str) -> None:
    """Move an unusable state file aside to ``<name>.corrupt`` and warn that the sandbox starts fresh."""
    aside = path.with_name(path.name + ".corrupt")
    try:
        os.replace(path, aside)
        where = f"moved to {aside}"
    except OSError:
        where = "left in place"
    log.warning(
        "fake Salla: ignoring the sandbox state %s (%s; %s); starting from the seed — "
        "stores installed before must be installed again",
        path, reason, where,
    )


class DebouncedSaver:
    """Calls ``save`` after changes, at most once per ``interval`` seconds, from a timer thread.

    ``mark()`` is cheap (a flag and, when none is pending, one timer): the fake calls it after
    every state-changing request, and a burst of requests (a bulk price update, a sweep's
    token refresh) costs one write. ``flush()`` saves pending changes now; ``close()`` stops
    the timer and flushes, for the final save on shutdown. A failed write stays pending and is
    retried by itself, backing off (``interval`` doubled per failure, at most a minute).
    """

    def __init__(self, save: Callable[[], None], *, interval: float = SAVE_INTERVAL_SECONDS) -> None:
        self._save = save
        self._interval = interval
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()  # one write at a time: the timer and a flush may race
        self._dirty = False
        self._timer: threading.Timer | None = None
        self._last_save = float("-inf")
        self._closed = False
        self._failures = 0  # failed writes in a row, for the back-off

    @property
    def dirty(self) -> bool:
        """True while a change has not been written."""
        with self._lock:
            return self._dirty

    def mark(self) -> None:
        """Note a change; it is written within ``interval`` seconds (later while writes fail)."""
        with self._lock:
            self._dirty = True
            if self._timer is not None or self._closed:
                return  # the pending (or running) timer writes it, or reschedules when it ends
            self._schedule_locked()

    def _schedule_locked(self) -> None:
        wait = min(self._interval * 2**self._failures, max(self._interval, 60.0))
        delay = max(0.0, self._last_save + wait - time.monotonic())
        self._timer = threading.Timer(delay, self._fire)
        self._timer.daemon = True  # a pending save must not keep the process alive; close() does the last one
        self._timer.name = "fake-salla-state"
        self._timer.start()

    def _fire(self) -> None:
        # The timer slot stays taken until the write is over: a mark() during the write must not
        # start a second timer computed from the previous write's time (two writes 2 ms apart).
        self.flush()
        with self._lock:
            self._timer = None
            if self._dirty and not self._closed:
                self._schedule_locked()  # changed while writing, or the write failed: again later

    def flush(self) -> bool:
        """Write pending changes now; True when something was written.

        A failed write (disk full, directory removed) is logged and kept pending; the fake keeps
        serving either way.
        """
        with self._write_lock:
            with self._lock:
                if not self._dirty:
                    return False
                self._dirty = False
                self._last_save = time.monotonic()
            try:
                self._save()
            except Exception:
                log.warning("fake Salla: saving the sandbox state failed", exc_info=True)
                with self._lock:
                    self._dirty = True
                    self._failures += 1
                return False
            with self._lock:
                self._failures = 0
            return True

    def close(self) -> bool:
        """Stop the timer and write what is pending; True when something was written."""
        with self._lock:
            self._closed = True
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
        return self.flush()


__all__ = [
    "SAVE_INTERVAL_SECONDS",
    "STATE_FORMAT",
    "STATE_VERSION",
    "DebouncedSaver",
    "IncompatibleState",
    "check_header",
    "discard_state",
    "read_state",
    "write_state",
]
