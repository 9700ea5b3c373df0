"""The LLM layer with the real ``openai`` and ``anthropic`` SDKs against the loopback LLM server
(``sandbox.llm_api.LLMServer``): real sockets, our retries, rate limits and circuit breakers, and a
real DuckDB file for the call records.

Timeouts are half a second and Retry-After one second, so the whole file runs in a few seconds.
"""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import time
from collections.abc import Mapping
from typing import Any, Literal

import dagster as dg
import httpx
import pytest
from pydantic import BaseModel, Field

from jengu_resources.crm_store import CRMStore
from jengu_resources.llm import (
    LLM,
    LLMError,
    LLMOutputError,
    LLMResult,
    LLMUnavailableError,
    OfflineHandler,
    PromptContext,
    extract_json,
    parse_prices,
    parse_reply,
)
from sandbox.llm_api import ANTHROPIC_API, OPENAI_API, LLMServer, default_responder

XAI_KEY = "xai-TEST-key-never-logged-4f1c"
ANTHROPIC_KEY = "sk-ant-TEST-key-never-logged-9d2e"
TIMEOUT = 0.5


class Angle(BaseModel):
    title: str
    strength: float = Field(ge=0, le=1)


class Pitch(BaseModel):
    subject: str = Field(min_length=12, max_length=80)
    tone: Literal["warm", "formal"]
    score: int = Field(ge=1, le=10)
    angles: list[Angle] = Field(min_length=2)
    contact_email: str | None = None


def offline_pitch(context: PromptContext) -> Pitch:
    return Pitch(subject=f"Staffing help for {context.prompt}", tone="formal", score=5,
                 angles=[Angle(title="rules", strength=0.5), Angle(title="template", strength=0.4)])


HANDLERS: dict[str, OfflineHandler] = {"pitch": offline_pitch}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def server():
    with LLMServer(xai_key=XAI_KEY, anthropic_key=ANTHROPIC_KEY, hang_seconds=3.0) as srv:
        yield srv


def make_llm(srv: LLMServer, **overrides: Any) -> LLM:
    config: dict[str, Any] = {
        "xai_api_key": XAI_KEY, "xai_base_url": srv.openai_base_url,
        "anthropic_api_key": ANTHROPIC_KEY, "anthropic_base_url": srv.url,
        "timeout_seconds": TIMEOUT, "backoff_seconds": 0.01, "requests_per_second": 200.0,
    }
    config.update(overrides)
    return LLM(**config)


def ask(llm: LLM, *, crm: CRMStore | None = None,
        handlers: Mapping[str, OfflineHandler] | None = None, task: str = "pitch",
        prospect_id: str | None = "p-1", email_id: str | None = None,
        schema: type[BaseModel] = Pitch) -> LLMResult[Any]:
    async def main() -> LLMResult[Any]:
        async with llm.session(crm, handlers) as session:
            return await session.complete(task=task, system="You write hotel outreach.",
                                          prompt="Hotel Adler, Vienna", schema=schema,
                                          prospect_id=prospect_id, email_id=email_id)
    return asyncio.run(main())


def statuses(result: LLMResult[Any]) -> list[tuple[str, str]]:
    return [(c.provider, c.status) for c in result.calls]


# -- the happy path -------------------------------------------------------------------------------


def test_grok_answers_with_a_validated_model(server):
    result = ask(make_llm(server))

    assert isinstance(result.value, Pitch)
    assert (result.provider, result.model, result.fell_back) == ("grok", "grok-3-mini", False)
    assert statuses(result) == [("grok", "ok")]
    call = result.calls[0]
    assert call.task == "pitch" and call.prospect_id == "p-1" and call.error_class is None
    assert call.input_tokens > 0 and call.output_tokens > 0
    assert call.cost_usd == pytest.approx(
        (call.input_tokens * 0.30 + call.output_tokens * 0.50) / 1_000_000)
    assert call.latency_ms > 0

    [request] = server.requests
    assert request.api == OPENAI_API and request.headers["authorization"] == "Bearer ***"
    # The schema travels in the system prompt, after the marker the server looks for.
    system = request.body["messages"][0]["content"]
    assert system.startswith("You write hotel outreach.")
    assert json.loads(system.split("schema: ", 1)[1]) == Pitch.model_json_schema()
    assert request.body["model"] == "grok-3-mini"


def test_claude_alone_answers_through_the_anthropic_api(server):
    result = ask(make_llm(server, xai_api_key=None))

    assert (result.provider, result.model, result.fell_back) == ("claude", "claude-sonnet-5-5",
                                                                 False)
    [request] = server.requests
    assert request.api == ANTHROPIC_API and request.headers["anthropic-version"]
    assert "schema: {" in request.body["system"]
    call = result.calls[0]
    assert call.cost_usd == pytest.approx(
        (call.input_tokens * 2.0 + call.output_tokens * 10.0) / 1_000_000)


def test_fenced_json_and_prose_around_it_are_tolerated(server):
    server.responder = lambda api, body: (
        "Here you go:\n```json\n" + default_responder(api, body) + "\n```\nAnything else?"
    )
    result = ask(make_llm(server))
    assert result.provider == "grok" and statuses(result) == [("grok", "ok")]


# -- failures, one kind at a time -----------------------------------------------------------------


def test_429_is_honoured_then_the_same_provider_answers(server):
    server.fail_next(OPENAI_API, ["429"])
    started = time.monotonic()
    result = ask(make_llm(server))

    assert time.monotonic() - started >= 0.95
    assert result.provider == "grok" and not result.fell_back
    assert statuses(result) == [("grok", "error"), ("grok", "ok")]
    assert result.calls[0].error_class == "RateLimitError"
    first, second = server.requests_for(OPENAI_API)
    assert second.at - first.at >= 0.95  # Retry-After: 1
    assert server.requests_for(ANTHROPIC_API) == []


def test_a_retry_after_beyond_the_bound_moves_on_instead_of_waiting(server):
    server.retry_after = "30"
    server.fail_next(OPENAI_API, ["429"])
    started = time.monotonic()
    result = ask(make_llm(server, max_retry_wait_seconds=5))

    assert time.monotonic() - started < 2
    assert result.provider == "claude"
    assert len(server.requests_for(OPENAI_API)) == 1


def test_a_500_is_retried_on_the_same_provider(server):
    server.fail_next(OPENAI_API, ["500"])
    result = ask(make_llm(server))
    assert statuses(result) == [("grok", "error"), ("grok", "ok")]


def test_500s_until_the_attempts_run_out_fall_through_to_claude(server):
    server.fail_next(OPENAI_API, ["500"] * 3)
    result = ask(make_llm(server, max_attempts=3))

    assert result.provider == "claude" and result.fell_back
    assert statuses(result) == [("grok", "error")] * 3 + [("claude", "ok")]
    assert {c.error_class for c in result.calls[:3]} == {"InternalServerError"}
    assert len(server.requests_for(OPENAI_API)) == 3


def test_a_timeout_falls_through_at_once(server):
    server.fail_next(OPENAI_API, ["timeout"])
    started = time.monotonic()
    result = ask(make_llm(server))
    elapsed = time.monotonic() - started

    assert TIMEOUT * 0.9 <= elapsed < TIMEOUT + 1.0
    assert result.provider == "claude"
    assert statuses(result) == [("grok", "error"), ("claude", "ok")]
    assert result.calls[0].error_class in {"APITimeoutError", "TimeoutError"}
    assert len(server.requests_for(OPENAI_API)) == 1  # a timeout is not asked again


@pytest.mark.parametrize("kind", ["truncated", "schema"])
def test_invalid_output_is_retried_once_with_the_error_then_falls_through(server, kind):
    server.fail_next(OPENAI_API, [kind, kind])
    result = ask(make_llm(server))

    assert result.provider == "claude" and result.fell_back
    assert statuses(result) == [("grok", "invalid_output"), ("grok", "invalid_output"),
                                ("claude", "ok")]
    first, second = server.requests_for(OPENAI_API)
    assert "rejected" not in first.body["messages"][1]["content"]
    retry_prompt = second.body["messages"][1]["content"]
    assert retry_prompt.startswith("Hotel Adler, Vienna")
    assert "Your previous answer was rejected" in retry_prompt
    assert result.calls[0].detail and result.calls[0].detail in retry_prompt
    if kind == "truncated":
        assert "not valid JSON" in retry_prompt and "output token limit" in retry_prompt
    else:
        assert "does not match the schema" in retry_prompt and "subject" in retry_prompt
    # An invalid answer was still paid for.
    assert all(c.output_tokens > 0 and (c.cost_usd or 0) > 0 for c in result.calls[:2])


@pytest.mark.parametrize("kind", ["truncated", "schema"])
def test_one_invalid_output_then_a_valid_one_stays_on_the_provider(server, kind):
    server.fail_next(OPENAI_API, [kind])
    result = ask(make_llm(server))
    assert result.provider == "grok" and not result.fell_back
    assert statuses(result) == [("grok", "invalid_output"), ("grok", "ok")]


def test_a_refused_key_falls_through_without_a_retry(server):
    server.fail_next(OPENAI_API, ["bad_key"])
    result = ask(make_llm(server))

    assert result.provider == "claude"
    assert statuses(result) == [("grok", "error"), ("claude", "ok")]
    assert result.calls[0].error_class == "AuthenticationError"
    assert len(server.requests_for(OPENAI_API)) == 1


def test_both_remote_providers_failing_leaves_the_offline_provider(server):
    server.fail_next(OPENAI_API, ["bad_key"])
    server.fail_next(ANTHROPIC_API, ["500"] * 3)
    seen: list[PromptContext] = []

    def handler(context: PromptContext) -> Pitch:
        seen.append(context)
        return offline_pitch(context)

    result = ask(make_llm(server), handlers={"pitch": handler})

    assert (result.provider, result.model, result.fell_back) == ("offline", "rules", True)
    assert result.value.subject == "Staffing help for Hotel Adler, Vienna"
    assert statuses(result)[-1] == ("offline", "ok") and result.calls[-1].cost_usd == 0.0
    assert [c.prospect_id for c in seen] == ["p-1"] and seen[0].schema is Pitch
    assert seen[0].system == "You write hotel outreach."


def test_the_offline_provider_refuses_unknown_tasks_by_name(server):
    llm = make_llm(server, xai_api_key=None, anthropic_api_key=None)

    assert ask(llm, handlers=HANDLERS).provider == "offline"
    assert not ask(llm, handlers=HANDLERS).fell_back  # nothing else was configured
    with pytest.raises(LLMUnavailableError) as caught:
        ask(llm, handlers=HANDLERS, task="summary")
    message = str(caught.value)
    assert "no offline handler for task 'summary'" in message and "pitch" in message
    assert caught.value.calls[-1].error_class == "UnknownTask"
    assert server.requests == []  # no key, no request


def test_an_offline_handler_answering_off_schema_is_an_error():
    def broken(context: PromptContext) -> BaseModel:
        return Angle(title="not a pitch", strength=0.1)

    with pytest.raises(LLMError, match="offline handler for 'pitch' returned an invalid answer"):
        ask(LLM(), handlers={"pitch": broken})


# -- circuit breaker and rate limit ---------------------------------------------------------------


def test_the_breaker_opens_after_five_failures_and_closes_after_a_good_trial(server):
    clock = FakeClock()
    llm = make_llm(server, anthropic_api_key=None, breaker_failures=5, breaker_reset_seconds=60)

    async def main() -> None:
        async with llm.session(None, HANDLERS, clock=clock) as session:
            async def complete() -> LLMResult[Any]:
                return await session.complete(task="pitch", system="s", prompt="Hotel",
                                              schema=Pitch)

            server.fail_next(OPENAI_API, ["bad_key"] * 5)
            for _ in range(5):
                assert (await complete()).provider == "offline"
            assert session.stats()["grok"]["breaker"] == "open"
            assert len(server.requests_for(OPENAI_API)) == 5

            clock.now += 59
            refused = await complete()
            assert refused.provider == "offline"
            assert statuses(refused) == [("grok", "circuit_open"), ("offline", "ok")]
            assert len(server.requests_for(OPENAI_API)) == 5  # nothing reached the server

            clock.now += 1
            assert session.stats()["grok"]["breaker"] == "half_open"
            trial = await complete()
            assert trial.provider == "grok" and statuses(trial) == [("grok", "ok")]
            stats = session.stats()["grok"]
            assert stats["breaker"] == "closed"
            assert (stats["requests"], stats["failures"], stats["refused_by_breaker"]) == (6, 5, 1)
            assert session.stats()["offline"]["requests"] == 6

    asyncio.run(main())


def test_a_failed_half_open_trial_opens_the_breaker_again(server):
    clock = FakeClock()
    llm = make_llm(server, anthropic_api_key=None, max_attempts=1, breaker_failures=2,
                   breaker_reset_seconds=60)

    async def main() -> None:
        async with llm.session(None, HANDLERS, clock=clock) as session:
            async def complete() -> LLMResult[Any]:
                return await session.complete(task="pitch", system="s", prompt="x",
                                              schema=Pitch)

            server.fail_next(OPENAI_API, ["500"] * 3)
            await complete()
            await complete()
            assert session.stats()["grok"]["breaker"] == "open"
            clock.now += 60
            assert session.stats()["grok"]["breaker"] == "half_open"
            trial = await complete()
            assert statuses(trial) == [("grok", "error"), ("offline", "ok")]
            assert session.stats()["grok"]["breaker"] == "open"
            clock.now += 59
            assert statuses(await complete())[0] == ("grok", "circuit_open")
            assert len(server.requests_for(OPENAI_API)) == 3

    asyncio.run(main())


def test_requests_never_exceed_the_rate_limit(server):
    llm = make_llm(server, requests_per_second=20.0)

    async def main() -> dict[str, Any]:
        async with llm.session() as session:
            await asyncio.gather(*(
                session.complete(task="pitch", system="s", prompt=f"Hotel {i}", schema=Pitch)
                for i in range(11)
            ))
            return session.stats()

    stats = asyncio.run(main())
    stamps = [r.at for r in server.requests_for(OPENAI_API)]
    assert len(stamps) == 11
    # The server stamps arrivals, which a loaded machine delays by a few milliseconds each, and
    # the first request of a session may leave late (the SDK's first use): the last 10 arrivals
    # span at least 9 gaps of 50 ms. An unlimited client lands all 11 within tens of milliseconds.
    assert stamps[-1] - stamps[1] >= 9 / 20 - 0.05
    assert 0 < stats["grok"]["achieved_rps"] <= 20 * 1.05


# -- accounting -----------------------------------------------------------------------------------


def test_tokens_and_cost_are_recorded_in_duckdb(server, crm):
    # A generous deadline: the probe below starts a Python process while the client waits.
    llm = make_llm(server, flush_every=3, timeout_seconds=20)
    locked_during_a_request: list[bool] = []

    def responder(api: str, body: dict[str, Any]) -> str:
        # Another process opens the CRM file while our request is in flight: no connection is
        # held across network I/O, so it gets in.
        if not locked_during_a_request:
            probe = subprocess.run(
                [sys.executable, "-c",
                 f"import duckdb; duckdb.connect({str(crm.db_path)!r}).close()"],
                check=False, capture_output=True, timeout=20,
            )
            locked_during_a_request.append(probe.returncode != 0)
        return default_responder(api, body)

    async def main() -> list[LLMResult[Any]]:
        results = []
        async with llm.session(crm, HANDLERS) as session:
            async def complete(prospect_id: str, email_id: str | None = None) -> None:
                results.append(await session.complete(
                    task="pitch", system="s", prompt="Hotel", schema=Pitch,
                    prospect_id=prospect_id, email_id=email_id))

            await complete("p-1")
            server.fail_next(OPENAI_API, ["schema", "schema"])
            await complete("p-1")  # two invalid answers from Grok, then Claude: 3 records
            # flush_every=3 reached: written while the session is still open.
            assert crm.scalar("SELECT count(*) FROM llm_calls") == 4
            server.responder = responder
            await complete("p-2", email_id="e-2")
            server.fail_next(OPENAI_API, ["bad_key"])
            server.fail_next(ANTHROPIC_API, ["bad_key"])
            await complete("p-1")
        return results

    results = asyncio.run(main())

    assert locked_during_a_request == [False]
    assert crm.scalar("SELECT count(*) FROM llm_calls") == sum(len(r.calls) for r in results) == 8
    p1_cost = sum(r.cost_usd for r in results if r.calls[0].prospect_id == "p-1")
    assert p1_cost > 0
    assert crm.scalar("SELECT sum(cost_usd) FROM llm_calls WHERE prospect_id = ?",
                      ["p-1"]) == pytest.approx(p1_cost)
    assert crm.scalar("SELECT sum(cost_usd) FROM llm_calls WHERE email_id = ?",
                      ["e-2"]) == pytest.approx(results[2].cost_usd)
    rows = crm.query(
        "SELECT provider, model, task, status, error_class, input_tokens, output_tokens,"
        " cost_usd, latency_ms, created_at FROM llm_calls ORDER BY id")
    assert [(r["provider"], r["status"]) for r in rows] == [
        ("grok", "ok"),
        ("grok", "invalid_output"), ("grok", "invalid_output"), ("claude", "ok"),
        ("grok", "ok"),
        ("grok", "error"), ("claude", "error"), ("offline", "ok"),
    ]
    recorded = [c for r in results for c in r.calls]
    assert [r["input_tokens"] for r in rows] == [c.input_tokens for c in recorded]
    assert [r["output_tokens"] for r in rows] == [c.output_tokens for c in recorded]
    assert rows[5]["error_class"] == "AuthenticationError" and rows[5]["cost_usd"] == 0
    assert all(r["created_at"].tzinfo is not None and r["task"] == "pitch" for r in rows)


def test_prices_are_configurable_as_json_or_dict(server, caplog):
    custom = ask(make_llm(server, prices='{"grok-3-mini": {"input": 100, "output": 1000}}'))
    call = custom.calls[0]
    assert call.cost_usd == pytest.approx(
        (call.input_tokens * 100 + call.output_tokens * 1000) / 1_000_000)

    as_dict = ask(make_llm(server, prices={"grok-3-mini": [1, 2]}))
    assert as_dict.calls[0].cost_usd == pytest.approx(
        (as_dict.calls[0].input_tokens + 2 * as_dict.calls[0].output_tokens) / 1_000_000)

    # A dated snapshot takes its family's price; an unknown model costs NULL, with a warning.
    dated = ask(make_llm(server, xai_model="grok-3-mini-2026-01")).calls[0]
    assert dated.cost_usd == pytest.approx(
        (dated.input_tokens * 0.30 + dated.output_tokens * 0.50) / 1_000_000)
    with caplog.at_level(logging.WARNING, logger="jengu_resources.llm"):
        unknown = ask(make_llm(server, xai_model="grok-99"))
    assert unknown.calls[0].cost_usd is None and "no price for LLM model grok-99" in caplog.text

    with pytest.raises(ValueError, match="not valid JSON"):
        parse_prices("{oops")
    with pytest.raises(ValueError, match="'m'"):
        parse_prices({"m": {"input": -1, "output": 1}})


# -- secrets --------------------------------------------------------------------------------------


def _assert_no_key(*texts: object) -> None:
    for text in texts:
        rendered = text if isinstance(text, str) else repr(text)
        assert XAI_KEY not in rendered and ANTHROPIC_KEY not in rendered, rendered


def test_keys_never_reach_logs_exceptions_records_or_reprs(server, crm, caplog):
    caplog.set_level(logging.DEBUG)
    llm = make_llm(server)
    # The server echoes a refused key in its 401 message, as a careless gateway would.
    server.fail_next(OPENAI_API, ["bad_key"])
    server.fail_next(ANTHROPIC_API, ["bad_key"])

    async def main() -> tuple[BaseException, Any, str, LLMResult[Any]]:
        async with llm.session(crm) as session:
            with pytest.raises(LLMUnavailableError) as caught:
                await session.complete(task="pitch", system="s", prompt="x", schema=Pitch,
                                       prospect_id="p-9")
            ok = await session.complete(task="pitch", system="s", prompt="x", schema=Pitch)
            return caught.value, session.stats(), repr(session), ok

    error, stats, session_repr, ok = asyncio.run(main())

    grok_refusal = next(r for r in server.requests_for(OPENAI_API) if r.status == 401)
    assert grok_refusal.headers["authorization"] == "Bearer ***"
    assert error.calls[0].detail == (
        "HTTP 401: Incorrect API key provided: ***. You can obtain an API key from "
        "https://console.x.ai.")
    rows = crm.query("SELECT * FROM llm_calls")
    assert len(rows) == 4
    _assert_no_key(
        caplog.text, str(error), repr(error), error.reasons, error.calls, error.__cause__,
        error.__context__, stats, session_repr, ok, repr(llm), str(llm), rows,
        [(r.headers, r.body) for r in server.requests],
    )


def test_a_wrong_key_is_scrubbed_too(server, caplog):
    wrong = "xai-WRONG-key-also-never-logged-77aa"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(LLMUnavailableError) as caught:
        ask(make_llm(server, xai_api_key=wrong, anthropic_api_key=None))
    assert "Incorrect API key provided: ***" in str(caught.value)
    for text in (caplog.text, str(caught.value), repr(caught.value.calls)):
        assert wrong not in text


def test_keys_stay_out_of_dagster_runs(server, monkeypatch):
    monkeypatch.setenv("XAI_API_KEY", XAI_KEY)
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
    server.fail_next(OPENAI_API, ["bad_key"])

    @dg.asset
    def pitch(llm: LLM) -> dg.MaterializeResult:
        async def main() -> tuple[LLMResult[Any], dict[str, Any]]:
            async with llm.session() as session:
                result = await session.complete(task="pitch", system="s", prompt="x",
                                                schema=Pitch)
                return result, session.stats()

        result, stats = asyncio.run(main())
        return dg.MaterializeResult(metadata={
            "provider": result.provider, "llm": repr(llm), "stats": dg.MetadataValue.json(stats),
        })

    llm = make_llm(server, xai_api_key=dg.EnvVar("XAI_API_KEY"),
                   anthropic_api_key=dg.EnvVar("ANTHROPIC_API_KEY"))
    with dg.instance_for_test() as instance:
        run = dg.materialize([pitch], resources={"llm": llm}, instance=instance)
        assert run.success
        records = instance.get_records_for_run(run.run_id).records
        logged = [str(record.event_log_entry) for record in records]
    assert any("claude" in text for text in logged)
    _assert_no_key(logged, [e.event_specific_data for e in run.all_events])


# -- parsing and the sandbox ----------------------------------------------------------------------


def test_extract_json_tolerates_fences_and_prose():
    assert extract_json('{"a": 1}') == {"a": 1}
    assert extract_json('```json\n{"a": 1}\n```') == {"a": 1}
    assert extract_json('Sure:\n```\n{"a": [1, 2]}\n```') == {"a": [1, 2]}
    assert extract_json('The answer is {"a": {"b": "}"}} as requested.') == {"a": {"b": "}"}}
    with pytest.raises(LLMOutputError, match="not valid JSON"):
        extract_json('```json\n{"a": 1, "b": [')
    with pytest.raises(LLMOutputError, match="empty"):
        extract_json("  ")
    with pytest.raises(LLMOutputError, match=r"angles: List should have at least 2 items"):
        parse_reply('{"subject": "twelve chars!", "tone": "warm", "score": 1, "angles": []}',
                    Pitch)


def test_the_sandbox_checks_the_anthropic_headers(server):
    body = {"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}
    url = f"{server.url}/v1/messages"
    assert httpx.post(url, json=body, headers={"x-api-key": ANTHROPIC_KEY}).status_code == 400
    good = httpx.post(url, json=body, headers={"x-api-key": ANTHROPIC_KEY,
                                               "anthropic-version": "2023-06-01"})
    assert good.status_code == 200 and good.json()["type"] == "message"
    assert good.json()["content"] == [{"type": "text", "text": "{}"}]
    refused = httpx.post(url, json=body, headers={"x-api-key": "nope",
                                                  "anthropic-version": "2023-06-01"})
    assert refused.status_code == 401
    assert refused.json()["error"]["type"] == "authentication_error"
    chat = httpx.post(f"{server.openai_base_url}/chat/completions", json=body)
    assert chat.status_code == 401
    assert [r.headers.get("x-api-key") for r in server.requests[:3]] == ["***"] * 3
    with pytest.raises(ValueError, match="unknown failure kinds"):
        server.fail_next(OPENAI_API, ["teapot"])


def test_the_sandbox_writes_one_answer_at_a_time(server):
    # The responder is CPU work in the client's own process: a cold cache filled by every
    # handler thread at once would hold the interpreter lock the client's deadlines run on.
    writing, peak = 0, 0

    def responder(api: str, body: dict[str, Any]) -> str:
        nonlocal writing, peak
        writing += 1
        peak = max(peak, writing)
        time.sleep(0.05)
        writing -= 1
        return default_responder(api, body)

    server.responder = responder
    llm = make_llm(server, timeout_seconds=10)

    async def main() -> list[LLMResult[Any]]:
        async with llm.session() as session:
            return list(await asyncio.gather(*(
                session.complete(task="pitch", system="s", prompt=f"Hotel {i}", schema=Pitch)
                for i in range(4))))

    assert {r.provider for r in asyncio.run(main())} == {"grok"}
    assert peak == 1
