"""The ``Notifier`` over apprise: one message to every configured URL (e-mail, Slack, Telegram, webhooks...),
and the ``StoreNotifier``: one message to a store's own targets, each checked by ``targets.TargetGuard``.

Each target is sent to on a thread of its own, all within one deadline (``timeout``), so a slow
or dead target never holds the job that sends for long; a target that failed is tried again
(``attempts``) while time remains. Nothing raises: the outcome, and what apprise logged about a
failure, come back in the ``Delivery``. URLs carry secrets (bot tokens, passwords): they are never
logged or returned, only counted.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

import apprise

from adapters.alerts.messages import render
from adapters.alerts.targets import TargetGuard
from pricing_core.alert_settings import TargetRefusal, masked
from pricing_core.alerts import AlertBatch, Delivery, TargetOutcome

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
DEFAULT_ATTEMPTS = 2
_RETRY_PAUSE = 0.5
_ERROR_CHARS = 300


class _ThreadWarnings(logging.Handler):
    """What apprise logs at warning level or above on one thread (each target is sent on its own)."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.thread = threading.get_ident()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.lines.append(record.getMessage())


def _send_to(url: str, title: str, body: str) -> tuple[bool, str]:
    """Send to one target; (sent, what apprise logged about it at warning level or above)."""
    logger = logging.getLogger("apprise")
    captured = _ThreadWarnings()
    logger.addHandler(captured)
    try:
        client = apprise.Apprise()
        if not client.add(url):
            return False, "not a URL apprise can send to"
        sent = bool(client.notify(body=body, title=title))
        return sent, " ".join(captured.lines)
    except Exception as exc:  # a plugin's bug must not escape the notifier
        return False, f"{type(exc).__name__}: {exc}"
    finally:
        logger.removeHandler(captured)


def _why_not(outcome: TargetOutcome) -> str:
    return f"refused ({outcome.refused})" if outcome.refused else (outcome.error or "failed")


class AppriseNotifier:
    """Sends every batch to ``urls``, rendered by ``adapters.alerts.messages`` with links under ``public_url``.

    ``urls`` are the operator's (``ALERT_URLS``, trusted); a store's own targets go through
    ``send_to``, each checked by ``guard`` first (``StoreNotifier``).
    """

    def __init__(
        self,
        urls: Sequence[str],
        *,
        public_url: str,
        timeout: float = DEFAULT_TIMEOUT,
        attempts: int = DEFAULT_ATTEMPTS,
        guard: TargetGuard | None = None,
        send_one: Callable[[str, str, str], tuple[bool, str]] = _send_to,
    ) -> None:
        self.urls = tuple(urls)
        self.public_url = public_url
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.guard = guard or TargetGuard()
        self._send_one = send_one

    def send(self, batch: AlertBatch) -> Delivery:
        """Write ``batch`` and send it to every URL; never raises, returns within about ``timeout`` seconds."""
        if not self.urls:
            return Delivery(sent=False, error="no alert target configured")
        written = self._write(batch)
        if isinstance(written, Delivery):
            return written
        pending, errors = self._deliver(dict(enumerate(self.urls)), *written)
        sent_count = len(self.urls) - len(pending)
        if not pending:
            return Delivery(sent=True, targets=sent_count)
        detail = "; ".join(f"target {i + 1}: {errors.get(i) or 'failed'}" for i in sorted(pending))
        error = f"{len(pending)} of {len(self.urls)} target(s) failed ({detail})"[:_ERROR_CHARS]
        return Delivery(sent=sent_count > 0, targets=sent_count, error=error)

    def refusal(self, target: str) -> str | None:
        """Why a merchant's ``target`` may not be used (``TargetRefusal`` value), or None."""
        try:
            why = self.guard.refusal(target)
        except Exception:  # a guard that breaks refuses: never send where it could not look
            log.exception("alert target check failed")
            why = TargetRefusal.INVALID
        return None if why is None else why.value

    def send_to(self, batch: AlertBatch, targets: Sequence[str]) -> Delivery:
        """Send ``batch`` to a store's ``targets``, each checked again now; every outcome in the delivery."""
        if not targets:
            return Delivery(sent=False, error="no alert target configured")
        refused = {i: why for i, t in enumerate(targets) if (why := self.refusal(t)) is not None}
        allowed = {i: t for i, t in enumerate(targets) if i not in refused}
        pending: dict[int, str] = {}
        errors: dict[int, str] = {}
        if allowed:
            written = self._write(batch)
            if isinstance(written, Delivery):
                pending, errors = allowed, dict.fromkeys(allowed, written.error or "not written")
            else:
                pending, errors = self._deliver(allowed, *written)
        outcomes = tuple(
            TargetOutcome(target=masked(t), sent=i in allowed and i not in pending, refused=refused.get(i),
                          error=(errors.get(i) or "not delivered") if i in pending else None)
            for i, t in enumerate(targets))
        sent_count = sum(o.sent for o in outcomes)
        if sent_count == len(targets):
            return Delivery(sent=True, targets=sent_count, outcomes=outcomes)
        detail = "; ".join(f"{o.target}: {_why_not(o)}" for o in outcomes if not o.sent)
        error = f"{len(targets) - sent_count} of {len(targets)} target(s) not sent ({detail})"[:_ERROR_CHARS]
        return Delivery(sent=sent_count > 0, targets=sent_count, error=error, outcomes=outcomes)

    def _write(self, batch: AlertBatch) -> tuple[str, str] | Delivery:
        """(title, body) of ``batch``, or the failed ``Delivery`` when it cannot be written."""
        try:
            return render(batch, public_url=self.public_url)
        except Exception as exc:  # a message that cannot be written is a bug to log, not a crash of the job
            log.exception("alert %s of store %s could not be written", batch.kind.value, batch.store_id)
            return Delivery(sent=False, error=f"{type(exc).__name__}: {exc}")

    def _deliver(self, targets: dict[int, str], title: str, body: str) -> tuple[dict[int, str], dict[int, str]]:
        """Send to ``targets`` by index, retried within the deadline: (those still unsent, their errors)."""
        deadline = time.monotonic() + self.timeout
        pending = dict(targets)
        errors: dict[int, str] = {}
        for attempt in range(self.attempts):
            results = self._round(pending, title, body, deadline)
            for index, (sent, error) in results.items():
                if sent:
                    pending.pop(index)
                    errors.pop(index, None)
                else:
                    errors[index] = error
            for index in pending.keys() - results.keys():
                errors[index] = f"no answer within {self.timeout:g}s"
            if not pending or time.monotonic() + _RETRY_PAUSE >= deadline or attempt + 1 == self.attempts:
                break
            time.sleep(_RETRY_PAUSE)
        return pending, errors

    def _round(
        self, targets: dict[int, str], title: str, body: str, deadline: float
    ) -> dict[int, tuple[bool, str]]:
        """Send to ``targets`` at once; the answers that came before ``deadline``, by target index."""
        results: dict[int, tuple[bool, str]] = {}
        lock = threading.Lock()

        def run(index: int, url: str) -> None:
            try:
                outcome = self._send_one(url, title, body)
            except Exception as exc:
                outcome = (False, f"{type(exc).__name__}: {exc}")
            with lock:
                results[index] = outcome

        threads = [threading.Thread(target=run, args=(i, url), name="alert-send", daemon=True)
                   for i, url in targets.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with lock:
            return dict(results)


__all__ = ["DEFAULT_ATTEMPTS", "DEFAULT_TIMEOUT", "AppriseNotifier"]
