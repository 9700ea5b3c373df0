"""Speed within a provider's limits: one ``Provider`` per outside service.

Every async call to a provider goes through ``Provider.call``, which applies, in order:
- a circuit breaker: after ``breaker_failures`` consecutive failed calls the provider is not called
  at all for ``breaker_reset_seconds``, then one trial call decides (half-open);
- bounded concurrency (a semaphore) and a strict rate limit (aiolimiter with a bucket of one, so
  requests are spaced 1/rate apart and the configured rate is never exceeded, not even in a burst);
- retries with exponential backoff and jitter (tenacity) on connection errors and on 429, 500, 502,
  503 and 504, honouring ``Retry-After`` (seconds or an HTTP date) up to a cap.

Other 4xx answers are returned to the caller: they are the caller's problem, not the provider's.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import httpx
from aiolimiter import AsyncLimiter
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


class ProviderError(RuntimeError):
    """A provider call failed for good (retries exhausted, or the circuit is open)."""

    def __init__(self, provider: str, message: str, *, status: int | None = None, attempts: int = 0):
        self.provider, self.status, self.attempts = provider, status, attempts
        super().__init__(f"{provider}: {message}")


class CircuitOpenError(ProviderError):
    pass


class _RetryableResponse(Exception):
    def __init__(self, response: httpx.Response):
        self.response = response


@dataclass(frozen=True)
class ProviderLimits:
    requests_per_second: float = 5.0
    max_concurrency: int = 8
    max_attempts: int = 4
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 30.0
    max_retry_wait_seconds: float = 60.0
    breaker_failures: int = 5
    breaker_reset_seconds: float = 60.0


@dataclass
class ProviderStats:
    calls: int = 0
    requests: int = 0
    retries: int = 0
    failures: int = 0
    first_request: float | None = None
    last_request: float | None = None

    def achieved_rate(self) -> float:
        """Requests per second over the span between the first and the last request."""
        if self.requests < 2 or self.first_request is None or self.last_request is None:
            return 0.0
        span = self.last_request - self.first_request
        return (self.requests - 1) / span if span > 0 else float("inf")


@dataclass
class CircuitBreaker:
    failures_to_open: int
    reset_seconds: float
    clock: Callable[[], float] = time.monotonic
    consecutive_failures: int = 0
    opened_at: float | None = None
    _trial_running: bool = field(default=False, repr=False)

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        if self.clock() - self.opened_at >= self.reset_seconds:
            return "half_open"
        return "open"

    def before_call(self) -> None:
        state = self.state
        if state == "open" or (state == "half_open" and self._trial_running):
            wait = self.reset_seconds - (self.clock() - (self.opened_at or 0))
            raise CircuitOpenError(
                "circuit", f"open after {self.consecutive_failures} consecutive failures; "
                f"next trial in {max(wait, 0):.0f} s"
            )
        if state == "half_open":
            self._trial_running = True

    def record_success(self) -> None:
        self.consecutive_failures, self.opened_at, self._trial_running = 0, None, False

    def record_failure(self) -> None:
        self.consecutive_failures += 1
        self._trial_running = False
        if self.opened_at is not None or self.consecutive_failures >= self.failures_to_open:
            self.opened_at = self.clock()


def retry_after_seconds(response: httpx.Response, now: datetime | None = None) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class Provider:
    """Limits for one outside service. Create it inside the event loop that will use it."""

    def __init__(self, name: str, limits: ProviderLimits, *, clock: Callable[[], float] = time.monotonic):
        self.name, self.limits, self.clock = name, limits, clock
        self.stats = ProviderStats()
        self.breaker = CircuitBreaker(limits.breaker_failures, limits.breaker_reset_seconds, clock)
        self._semaphore = asyncio.Semaphore(limits.max_concurrency)
        # A bucket of one request refilled every 1/rate seconds: strict spacing, no bursts.
        self._limiter = AsyncLimiter(1, 1.0 / limits.requests_per_second)

    async def call(self, send: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response:
        """Send one logical request (with its retries). Raises ProviderError when it fails."""
        try:
            self.breaker.before_call()
        except CircuitOpenError as exc:
            raise CircuitOpenError(self.name, str(exc).split(": ", 1)[1]) from None
        self.stats.calls += 1
        attempts = 0

        async def attempt() -> httpx.Response:
            nonlocal attempts
            attempts += 1
            if attempts > 1:
                self.stats.retries += 1
            async with self._semaphore:
                await self._limiter.acquire()
                now = self.clock()
                self.stats.requests += 1
                self.stats.first_request = self.stats.first_request or now
                self.stats.last_request = now
                response = await send()
            if response.status_code in RETRYABLE_STATUS:
                await response.aclose()
                raise _RetryableResponse(response)
            return response

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.limits.max_attempts),
            wait=self._wait,
            retry=retry_if_exception(
                lambda e: isinstance(e, (_RetryableResponse, httpx.TransportError))
            ),
            reraise=True,
        )
        try:
            response = await retrying(attempt)
        except _RetryableResponse as exc:
            self._failed()
            raise ProviderError(
                self.name, f"HTTP {exc.response.status_code} after {attempts} attempts",
                status=exc.response.status_code, attempts=attempts,
            ) from None
        except httpx.TransportError as exc:
            self._failed()
            raise ProviderError(
                self.name, f"{type(exc).__name__} after {attempts} attempts: {exc}",
                attempts=attempts,
            ) from None
        self.breaker.record_success()
        return response

    def _failed(self) -> None:
        self.stats.failures += 1
        self.breaker.record_failure()

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _RetryableResponse):
            hinted = retry_after_seconds(exc.response)
            if hinted is not None:
                return min(hinted, self.limits.max_retry_wait_seconds)
        backoff = self.limits.backoff_seconds * 2 ** (state.attempt_number - 1)
        return min(backoff, self.limits.max_backoff_seconds) * random.uniform(0.5, 1.0)
