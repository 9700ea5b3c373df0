"""Provider limits (rate, concurrency, retries, circuit breaker) over httpx.MockTransport: real
httpx requests, no sockets."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from jengu_resources.throttle import (
    CircuitBreaker,
    CircuitOpenError,
    Provider,
    ProviderError,
    ProviderLimits,
    retry_after_seconds,
)

FAST = dict(backoff_seconds=0.01, max_backoff_seconds=0.02)


def _client(handler) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://provider.test")


def test_rate_limit_is_never_exceeded_even_at_the_start():
    stamps: list[float] = []

    def handler(request):
        stamps.append(time.monotonic())
        return httpx.Response(200)

    async def main():
        provider = Provider("p", ProviderLimits(requests_per_second=50, max_concurrency=16))
        async with _client(handler) as client:
            await asyncio.gather(*(provider.call(lambda: client.get("/")) for _ in range(40)))
        return provider

    provider = asyncio.run(main())
    # Any 10 consecutive requests span at least 10/50 s, whatever the concurrency (single gaps
    # are measured after the handler runs and jitter with the machine's load).
    spans = [b - a for a, b in zip(stamps, stamps[10:])]
    assert min(spans) >= 10 * 0.02 * 0.95
    assert provider.stats.achieved_rate() <= 50 * 1.02
    assert provider.stats.achieved_rate() >= 50 * 0.85  # and the limit is actually used


def test_concurrency_is_bounded():
    running = peak = 0

    async def main():
        provider = Provider("p", ProviderLimits(requests_per_second=1000, max_concurrency=3))

        async def send():
            nonlocal running, peak
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0.02)
            running -= 1
            return httpx.Response(200)

        await asyncio.gather(*(provider.call(send) for _ in range(12)))

    asyncio.run(main())
    assert peak == 3


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured(status):
    stamps: list[float] = []

    def handler(request):
        stamps.append(time.monotonic())
        if len(stamps) == 1:
            return httpx.Response(status, headers={"Retry-After": "1"})
        return httpx.Response(200, json={"ok": True})

    async def main():
        provider = Provider("p", ProviderLimits(requests_per_second=100, **FAST))
        async with _client(handler) as client:
            return await provider.call(lambda: client.get("/")), provider

    response, provider = asyncio.run(main())
    assert response.json() == {"ok": True}
    assert stamps[1] - stamps[0] >= 0.95
    assert provider.stats.retries == 1


def test_exhausted_retries_raise_with_the_status():
    def handler(request):
        return httpx.Response(500)

    async def main():
        provider = Provider("verifier", ProviderLimits(requests_per_second=100, max_attempts=3, **FAST))
        async with _client(handler) as client:
            with pytest.raises(ProviderError, match="verifier: HTTP 500 after 3 attempts") as caught:
                await provider.call(lambda: client.get("/"))
        return caught.value

    error = asyncio.run(main())
    assert error.status == 500 and error.attempts == 3


def test_client_errors_are_returned_not_retried():
    calls = 0

    def handler(request):
        nonlocal calls
        calls += 1
        return httpx.Response(404)

    async def main():
        provider = Provider("p", ProviderLimits(requests_per_second=100, **FAST))
        async with _client(handler) as client:
            return await provider.call(lambda: client.get("/"))

    assert asyncio.run(main()).status_code == 404
    assert calls == 1


def test_connection_errors_are_retried():
    calls = 0

    def handler(request):
        nonlocal calls
        calls += 1
        if calls < 3:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200)

    async def main():
        provider = Provider("p", ProviderLimits(requests_per_second=100, **FAST))
        async with _client(handler) as client:
            return await provider.call(lambda: client.get("/"))

    assert asyncio.run(main()).status_code == 200 and calls == 3


def test_circuit_opens_after_consecutive_failures_then_half_opens():
    now = [0.0]
    calls = 0

    def handler(request):
        nonlocal calls
        calls += 1
        return httpx.Response(503) if calls <= 2 else httpx.Response(200)

    async def main():
        limits = ProviderLimits(requests_per_second=1000, max_attempts=1, breaker_failures=2,
                                breaker_reset_seconds=60, **FAST)
        provider = Provider("search", limits, clock=lambda: now[0])
        async with _client(handler) as client:
            for _ in range(2):
                with pytest.raises(ProviderError):
                    await provider.call(lambda: client.get("/"))
            with pytest.raises(CircuitOpenError, match="search: .*open after 2"):
                await provider.call(lambda: client.get("/"))
            assert calls == 2  # the open circuit did not call the provider
            now[0] = 61.0
            assert provider.breaker.state == "half_open"
            assert (await provider.call(lambda: client.get("/"))).status_code == 200
            assert provider.breaker.state == "closed"

    asyncio.run(main())


def test_a_failed_trial_reopens_the_circuit():
    now = [0.0]
    breaker = CircuitBreaker(failures_to_open=1, reset_seconds=10, clock=lambda: now[0])
    breaker.record_failure()
    assert breaker.state == "open"
    now[0] = 10.0
    breaker.before_call()  # the one trial
    with pytest.raises(CircuitOpenError):
        breaker.before_call()  # no second call while the trial runs
    breaker.record_failure()
    assert breaker.state == "open"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7.0),  # delta seconds
        ("Sat, 21 Nov 2026 08:00:30 GMT", 30.0),  # HTTP date, 30 s after "now"
        ("soon", None),  # garbage is ignored, backoff applies
    ],
)
def test_retry_after_parsing(value, expected):
    from datetime import datetime, timezone

    response = httpx.Response(429, headers={"Retry-After": value})
    now = datetime(2026, 11, 21, 8, 0, 0, tzinfo=timezone.utc)
    assert retry_after_seconds(response, now) == expected
