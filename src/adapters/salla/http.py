"""Turning Salla's HTTP answers into the core's errors, with pacing and retries.

Merchant API calls are paced by ``RateLimitPacer`` and retried: 429 after ``Retry-After``,
5xx, timeouts, connection errors and truncated bodies after a jittered backoff. Token-endpoint
calls are never retried here: a refresh that timed out may have rotated the token on Salla's
side, and sending the old refresh token again would be a reuse that revokes the whole chain.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Mapping
from typing import Any, Protocol

import attrs
import httpx

from adapters.salla.pacing import Now, RateLimitPacer, Sleep, backoff_delay, retry_after_seconds
from pricing_core.errors import BadResponse, MissingScope, RateLimited, SallaUnavailable, TokenRevoked


class HttpResponse(Protocol):
    """What the clients read from an answer: ``httpx.Response`` (or httpx2's, under Starlette's TestClient)."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def content(self) -> bytes: ...

    @property
    def text(self) -> str: ...

    def json(self, **kwargs: Any) -> Any: ...


class HttpClient(Protocol):
    """The part of ``httpx.Client`` the clients use.

    ``starlette.testclient.TestClient`` also fits: Starlette 1.x builds it on ``httpx2``, which
    is not an ``httpx.Client`` subclass but has the same interface.
    """

    def request(
        self, method: str, url: str, *, params: Any = None, headers: Any = None, json: Any = None
    ) -> HttpResponse: ...

    def get(self, url: str, *, headers: Any = None) -> HttpResponse: ...

    def post(self, url: str, *, data: Any = None, headers: Any = None) -> HttpResponse: ...


def _error_classes(name: str) -> tuple[type[Exception], ...]:
    """``httpx.<name>``, plus ``httpx2.<name>`` when installed (TestClient's transport raises those)."""
    classes: list[type[Exception]] = [getattr(httpx, name)]
    try:
        import httpx2  # type: ignore[import-not-found, unused-ignore]
    except ImportError:  # pragma: no cover - only without Starlette 1.x
        pass
    else:
        classes.append(getattr(httpx2, name))
    return tuple(classes)


TIMEOUT_ERRORS = _error_classes("TimeoutException")
TRANSPORT_ERRORS = _error_classes("TransportError")


def error_message(response: HttpResponse) -> str:
    """The most useful message in an error answer (Salla envelope, bare OAuth error, or text)."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return text[:200] or f"HTTP {response.status_code}"
    return body_message(response.status_code, body)


def body_message(status: int, body: object) -> str:
    """The message of a parsed error body: Salla's envelope (with the first field error) or OAuth's."""
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping):
            message = str(error.get("message") or error.get("code") or "")
            fields = error.get("fields")
            if isinstance(fields, Mapping) and fields:
                first = next(iter(fields.items()))
                message = f"{message} ({first[0]}: {first[1]})"
            return message or f"HTTP {status}"
        if isinstance(error, str):
            description = body.get("error_description")
            return f"{error}: {description}" if description else error
        if isinstance(body.get("message"), str):
            return str(body["message"])
    return f"HTTP {status}"


_SCOPE_MARKER = "should have access to one of those scopes:"


def missing_scope(message: str) -> str | None:
    """The scope named by Salla's 401 "The access token should have access to one of those scopes: X"."""
    _, found, rest = message.partition(_SCOPE_MARKER)
    if not found:
        return None
    return rest.strip().split()[0].strip(" .,") if rest.strip() else ""


def token_key(access_token: str) -> str:
    """A pacing key for a token that does not keep the secret in memory tables or logs."""
    return hashlib.sha256(access_token.encode()).hexdigest()[:16]


@attrs.define
class Tally:
    """Counts the HTTP requests of one operation (``ApplyReport.requests``)."""

    requests: int = 0


@attrs.frozen
class Answer:
    """A Merchant API answer: status and parsed JSON body (None when the body is not JSON)."""

    status: int
    body: Any
    headers: Mapping[str, str]


class MerchantHttp:
    """Sends Merchant API requests with pacing, retries and error translation. Thread-safe."""

    def __init__(
        self,
        http: HttpClient,
        api_url: str,
        *,
        pacer: RateLimitPacer | None = None,
        sleep: Sleep = time.sleep,
        now: Now = time.time,
        max_attempts: int = 5,
        backoff_base: float = 0.5,
        rng: random.Random | None = None,
    ) -> None:
        self.http = http
        self.api_url = api_url.rstrip("/")
        self.sleep = sleep
        self.pacer = pacer if pacer is not None else RateLimitPacer(sleep=sleep, now=now)
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self.requests = 0  # every HTTP request sent, retries included

    def _backoff(self, attempt: int) -> None:
        with self._lock:
            delay = backoff_delay(attempt, base=self.backoff_base, rng=self._rng)
        self.sleep(delay)

    def request(
        self,
        method: str,
        path: str,
        access_token: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json_body: object = None,
        accept: tuple[int, ...] = (),
        tally: Tally | None = None,
    ) -> Answer:
        """Send one logical request; 2xx and statuses in ``accept`` are returned, the rest raise.

        Raises ``TokenRevoked`` (401), ``RateLimited`` (429 after the retries),
        ``SallaUnavailable`` (5xx, 403 block, timeouts after the retries), ``BadResponse``.
        """
        key = token_key(access_token)
        url = f"{self.api_url}{path}"
        headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
        last_error: Exception | None = None
        for attempt in range(1, self.max_attempts + 1):
            self.pacer.before_request(key)
            with self._lock:
                self.requests += 1
            if tally is not None:
                tally.requests += 1
            try:
                response = self.http.request(method, url, headers=headers, params=params, json=json_body)
            except TIMEOUT_ERRORS as exc:
                self.pacer.after_response(key, {})
                last_error = SallaUnavailable(f"{method} {path}: timed out ({type(exc).__name__})")
                if attempt < self.max_attempts:
                    self._backoff(attempt)
                continue
            except TRANSPORT_ERRORS as exc:
                self.pacer.after_response(key, {})
                last_error = SallaUnavailable(f"{method} {path}: {type(exc).__name__}: {exc}")
                if attempt < self.max_attempts:
                    self._backoff(attempt)
                continue
            except BaseException:
                # Whatever else escapes, the pacer must not keep waiting for this answer.
                self.pacer.after_response(key, {})
                raise
            self.pacer.after_response(key, response.headers)
            status = response.status_code
            if status == 429:
                retry_after = retry_after_seconds(response.headers)
                last_error = RateLimited(f"{method} {path}: rate limited", retry_after=retry_after)
                if attempt < self.max_attempts:
                    # A little jitter so workers of one store that were refused together spread out;
                    # the next before_request waits it out.
                    with self._lock:
                        jitter = self._rng.uniform(0, 0.25)
                    self.pacer.after_rate_limited(key, retry_after + jitter)
                continue
            if status == 401:
                message = error_message(response)
                scope = missing_scope(message)
                if scope is not None:
                    raise MissingScope(f"{method} {path}: {message}", scope=scope)
                raise TokenRevoked(f"{method} {path}: {message}", status=401)
            if status == 403:
                raise SallaUnavailable(f"{method} {path}: forbidden ({error_message(response)})", status=403)
            if status >= 500:
                last_error = SallaUnavailable(f"{method} {path}: HTTP {status}", status=status)
                if attempt < self.max_attempts:
                    self._backoff(attempt)
                continue
            if 200 <= status < 300:
                try:
                    body = response.json() if response.content else None
                except ValueError:
                    # A truncated body on a success is a transport hiccup: the request is safe to repeat.
                    last_error = BadResponse(f"{method} {path}: malformed JSON in HTTP {status}", status=status)
                    if attempt < self.max_attempts:
                        self._backoff(attempt)
                    continue
                return Answer(status=status, body=body, headers=response.headers)
            if status in accept:
                try:
                    body = response.json()
                except ValueError:
                    body = None
                return Answer(status=status, body=body, headers=response.headers)
            raise BadResponse(f"{method} {path}: HTTP {status}: {error_message(response)}", status=status)
        assert last_error is not None
        raise last_error
