"""The LLM layer: structured answers from Grok, then Claude, then offline rules.

Every call names a pydantic model, the schema of the answer. The schema goes to the model in the
system prompt (after a ``schema:`` marker); the reply's JSON is extracted (a ```json fence or prose
around it is tolerated) and validated. An invalid reply is asked for again once on the same
provider, with the validation error appended to the prompt; a second invalid reply moves on to the
next provider.

The chain: Grok through the ``openai`` SDK against xAI's OpenAI-compatible API (when
``xai_api_key`` is set), Claude through the ``anthropic`` SDK (when ``anthropic_api_key`` is set),
then the offline provider: Python handlers the caller registers per task (rules and templates),
which answer every task they know and refuse the others by name.

Per remote provider: a deadline per request; the SDKs' own retries off and ours instead, with
backoff, on 429, 5xx and connection errors, honouring ``Retry-After`` (a hint longer than
``max_retry_wait_seconds`` moves on rather than waits); a timeout moves on at once, since the next
provider is a better bet than another full wait. A strict rate limit (aiolimiter, a bucket of one)
and a circuit breaker (``throttle.CircuitBreaker``: open after ``breaker_failures`` consecutive
failed calls, one trial after ``breaker_reset_seconds``). An invalid reply does not count against
the breaker: the service answered.

Accounting: every request is a ``CallRecord`` (provider, model, task, prospect, status, tokens,
cost from a per-model price table, latency), returned in ``LLMResult.calls`` and, when the session
has a ``CRMStore``, written to ``llm_calls`` in batches between network calls, so the cost of a
prospect or an email is one SQL query.

Keys never reach a log, a record, an exception or a repr: the key fields are ``repr=False``, SDK
error text is scrubbed of the configured keys before it is kept, and SDK exceptions are never
chained onto ours (their request objects carry the auth headers).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import random
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Generic, Literal, Protocol, Self, TypeVar, cast

import anthropic
import dagster as dg
import openai
from aiolimiter import AsyncLimiter
from pydantic import BaseModel, Field, ValidationError

from jengu_resources.crm_store import CRMStore, insert_rows
from jengu_resources.redaction import SecretScrubber
from jengu_resources.throttle import (
    CircuitBreaker,
    CircuitOpenError,
    ProviderStats,
    retry_after_seconds,
)

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)
CallStatus = Literal["ok", "invalid_output", "error", "circuit_open"]

GROK = "grok"
CLAUDE = "claude"
OFFLINE = "offline"
OFFLINE_MODEL = "rules"
DEFAULT_XAI_BASE_URL = "https://api.x.ai/v1"
DEFAULT_XAI_MODEL = "grok-3-mini"
# claude-sonnet-4-5 reaches end of life on 2026-11-30 (the SDK warns on every call with it).
DEFAULT_ANTHROPIC_MODEL = "claude-sonnet-5-5"

# USD per million tokens, list prices (input, output). A model not listed here is matched by the
# longest listed prefix (dated snapshots); with no match its cost is recorded as NULL, not 0.
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "grok-3-mini": (0.30, 0.50),
    "claude-sonnet-5-5": (2.00, 10.00),
    "claude-sonnet-5": (2.00, 10.00),
    "claude-sonnet-4-6": (3.00, 15.00),
    "claude-sonnet-4-5": (3.00, 15.00),
    "claude-haiku-4-5": (1.00, 5.00),
}

SCHEMA_INSTRUCTION = (
    "Answer with one JSON object and nothing else: no prose, no code fence. "
    "It must validate against this JSON schema.\nschema: {schema}"
)
CORRECTION = (
    "\n\nYour previous answer was rejected: {error}\n"
    "Answer again with only the corrected JSON object."
)

# Status codes worth asking the same provider again (529: Anthropic overloaded).
_RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
_DETAIL_LIMIT = 300


# -- records and results --------------------------------------------------------------------------


@dataclass(frozen=True)
class CallRecord:
    """One request to one provider (or one offline answer, or one call the breaker refused)."""

    provider: str
    model: str
    task: str
    prospect_id: str | None
    email_id: str | None
    status: CallStatus
    error_class: str | None
    detail: str | None
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    latency_ms: float
    created_at: datetime

    def as_row(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class LLMResult(Generic[T]):
    value: T
    provider: str
    model: str
    calls: list[CallRecord]
    fell_back: bool
    """True when the answer came from a provider after the first one in the chain."""

    @property
    def cost_usd(self) -> float:
        return sum(c.cost_usd or 0.0 for c in self.calls)

    @property
    def input_tokens(self) -> int:
        return sum(c.input_tokens for c in self.calls)

    @property
    def output_tokens(self) -> int:
        return sum(c.output_tokens for c in self.calls)


@dataclass(frozen=True)
class PromptContext:
    """What an offline handler gets: the call as the remote providers would have seen it."""

    task: str
    system: str
    prompt: str
    schema: type[BaseModel]
    prospect_id: str | None = None
    email_id: str | None = None


OfflineHandler = Callable[[PromptContext], BaseModel]


class LLMError(RuntimeError):
    """Base of the LLM layer's errors."""


class LLMUnavailableError(LLMError):
    """No provider in the chain produced a valid answer. ``reasons`` says why, per provider."""

    def __init__(self, task: str, reasons: Sequence[tuple[str, str]], calls: list[CallRecord]):
        self.task, self.reasons, self.calls = task, list(reasons), calls
        summary = "; ".join(f"{provider}: {reason}" for provider, reason in reasons)
        super().__init__(f"no provider answered task {task!r}: {summary}")


class LLMOutputError(ValueError):
    """A reply that is not a JSON document valid for the schema."""


# -- parsing --------------------------------------------------------------------------------------


_FENCE = re.compile(r"```[ \t]*(?:json|JSON)?[ \t]*\n?(.*?)```", re.DOTALL)


def extract_json(text: str) -> Any:
    """The JSON document in a model's reply: the whole text, a fenced block, or the first
    object in prose. Raises ``LLMOutputError`` with the decoder's complaint."""
    stripped = text.strip()
    if not stripped:
        raise LLMOutputError("the answer is empty")
    candidates = [m.group(1).strip() for m in _FENCE.finditer(stripped)]
    if stripped.startswith("```"):
        # An unclosed fence: the reply was cut off inside it.
        candidates.append(stripped.split("\n", 1)[1] if "\n" in stripped else "")
    candidates.append(stripped)
    first_error: json.JSONDecodeError | None = None
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except json.JSONDecodeError as exc:
            first_error = first_error or exc
    decoder = json.JSONDecoder()
    for match in list(re.finditer(r"[{\[]", stripped))[:20]:
        try:
            value, _ = decoder.raw_decode(stripped, match.start())
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    assert first_error is not None
    raise LLMOutputError(
        f"the answer is not valid JSON ({first_error.msg} at character {first_error.pos}"
        f" of {len(stripped)})"
    )


def parse_reply(text: str, schema: type[T]) -> T:
    """The reply validated against ``schema``. Raises ``LLMOutputError`` saying what is wrong."""
    value = extract_json(text)
    try:
        return schema.model_validate(value)
    except ValidationError as exc:
        raise LLMOutputError(f"the JSON does not match the schema: {_summarise(exc)}") from None


def _summarise(exc: ValidationError, limit: int = 10) -> str:
    # Locations and messages only: the offending input can be long and says nothing new.
    parts = []
    for error in exc.errors()[:limit]:
        where = ".".join(str(p) for p in error["loc"]) or "(root)"
        parts.append(f"{where}: {error['msg']}")
    more = exc.error_count() - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


@functools.lru_cache(maxsize=256)
def system_prompt(system: str, schema: type[BaseModel]) -> str:
    """The caller's system prompt followed by the schema the answer must validate against.
    Cached: rendering a schema costs milliseconds, and every call of a task asks for the same."""
    rendered = json.dumps(schema.model_json_schema(), separators=(",", ":"), ensure_ascii=False)
    instruction = SCHEMA_INSTRUCTION.format(schema=rendered)
    return f"{system.rstrip()}\n\n{instruction}" if system.strip() else instruction


# -- prices ---------------------------------------------------------------------------------------


def parse_prices(value: str | Mapping[str, Any] | None) -> dict[str, tuple[float, float]]:
    """The default price table overridden by ``value``: a dict or its JSON text mapping a model
    to ``{"input": usd, "output": usd}`` or ``[input, output]``, per million tokens."""
    table = dict(DEFAULT_PRICES)
    if value is None or (isinstance(value, str) and not value.strip()):
        return table
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"LLM prices are not valid JSON: {exc}") from None
    if not isinstance(value, Mapping):
        raise ValueError("LLM prices must map a model name to its prices")
    for model, entry in value.items():
        if isinstance(entry, Mapping):
            pair = (entry.get("input"), entry.get("output"))
        elif isinstance(entry, (list, tuple)) and len(entry) == 2:
            pair = (entry[0], entry[1])
        else:
            pair = (None, None)
        if not all(isinstance(p, (int, float)) and not isinstance(p, bool) and p >= 0
                   for p in pair):
            raise ValueError(
                f"LLM price for {model!r} must be {{\"input\": usd, \"output\": usd}} per "
                f"million tokens, not {entry!r}"
            )
        table[str(model)] = (float(cast(float, pair[0])), float(cast(float, pair[1])))
    return table


def price_for(table: Mapping[str, tuple[float, float]], model: str) -> tuple[float, float] | None:
    if model in table:
        return table[model]
    prefixes = [name for name in table if model.startswith(name)]
    return table[max(prefixes, key=len)] if prefixes else None


# -- remote backends ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Reply:
    text: str
    input_tokens: int
    output_tokens: int
    cut_off: bool
    """The model stopped at the output token limit."""


@dataclass(frozen=True)
class _Failure:
    error_class: str
    detail: str
    retryable: bool
    retry_after: float | None = None


class _Backend(Protocol):
    name: str
    model: str

    async def send(self, system: str, prompt: str) -> _Reply: ...

    def classify(self, exc: Exception) -> _Failure | None: ...

    async def aclose(self) -> None: ...


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from ``retry-after-ms`` (OpenAI-style) or ``Retry-After``."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = (headers.get("retry-after") or "").strip()
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        # An HTTP date: the throttle already reads those; it only looks at ``.headers``.
        return retry_after_seconds(cast(Any, _HeadersOnly(headers)))


@dataclass(frozen=True)
class _HeadersOnly:
    headers: Mapping[str, str]


def _api_message(body: object) -> str | None:
    """``error.message`` of an error body (the openai SDK hands over the inner ``error``)."""
    error = body.get("error", body) if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return error["message"]
    return body if isinstance(body, str) else None


def _classify_sdk_error(exc: Exception, *, base: type[Exception], status_error: type[Any],
                        timeout_error: type[Exception], connection_error: type[Exception],
                        scrub: SecretScrubber, timeout_seconds: float) -> _Failure | None:
    if isinstance(exc, (TimeoutError, timeout_error)):
        return _Failure(type(exc).__name__, f"no answer within {timeout_seconds:g} s", False)
    if isinstance(exc, status_error):
        status = int(exc.status_code)
        message = scrub(_api_message(getattr(exc, "body", None)) or "")
        detail = f"HTTP {status}" + (f": {message}" if message else "")
        hint = _retry_after(exc.response.headers) if status in _RETRYABLE_STATUS else None
        return _Failure(type(exc).__name__, detail[:_DETAIL_LIMIT], status in _RETRYABLE_STATUS,
                        hint)
    if isinstance(exc, connection_error):
        return _Failure(type(exc).__name__, "connection failed", True)
    if isinstance(exc, base):
        return _Failure(type(exc).__name__, scrub(str(exc))[:_DETAIL_LIMIT], False)
    return None


class _GrokBackend:
    name = GROK

    def __init__(self, *, api_key: str, base_url: str, model: str, timeout_seconds: float,
                 max_output_tokens: int, scrub: SecretScrubber) -> None:
        self.model = model
        self._max_output_tokens = max_output_tokens
        self._timeout = timeout_seconds
        self._scrub = scrub
        self._client = openai.AsyncOpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout_seconds, max_retries=0,
        )

    async def send(self, system: str, prompt: str) -> _Reply:
        completion = await self._client.chat.completions.create(
            model=self.model,
            messages=[{"role": "system", "content": system}, {"role": "user", "content": prompt}],
            max_completion_tokens=self._max_output_tokens,
        )
        choice = completion.choices[0] if completion.choices else None
        usage = completion.usage
        return _Reply(
            text=(choice.message.content or "") if choice else "",
            input_tokens=usage.prompt_tokens if usage else 0,
            output_tokens=usage.completion_tokens if usage else 0,
            cut_off=bool(choice and choice.finish_reason == "length"),
        )

    def classify(self, exc: Exception) -> _Failure | None:
        return _classify_sdk_error(
            exc, base=openai.OpenAIError, status_error=openai.APIStatusError,
            timeout_error=openai.APITimeoutError, connection_error=openai.APIConnectionError,
            scrub=self._scrub, timeout_seconds=self._timeout,
        )

    async def aclose(self) -> None:
        await self._client.close()

    def __repr__(self) -> str:
        return f"_GrokBackend(model={self.model!r})"


class _ClaudeBackend:
    name = CLAUDE

    def __init__(self, *, api_key: str, base_url: str | None, model: str, timeout_seconds: float,
                 max_output_tokens: int, scrub: SecretScrubber) -> None:
        self.model = model
        self._max_output_tokens = max_output_tokens
        self._timeout = timeout_seconds
        self._scrub = scrub
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key, base_url=base_url, timeout=timeout_seconds, max_retries=0,
        )

    async def send(self, system: str, prompt: str) -> _Reply:
        message = await self._client.messages.create(
            model=self.model,
            max_tokens=self._max_output_tokens,
            system=system,
            messages=[{"role": "user", "content": prompt}],
        )
        text = "".join(block.text for block in message.content if block.type == "text")
        return _Reply(
            text=text,
            input_tokens=message.usage.input_tokens,
            output_tokens=message.usage.output_tokens,
            cut_off=message.stop_reason == "max_tokens",
        )

    def classify(self, exc: Exception) -> _Failure | None:
        return _classify_sdk_error(
            exc, base=anthropic.AnthropicError, status_error=anthropic.APIStatusError,
            timeout_error=anthropic.APITimeoutError, connection_error=anthropic.APIConnectionError,
            scrub=self._scrub, timeout_seconds=self._timeout,
        )

    async def aclose(self) -> None:
        await self._client.close()

    def __repr__(self) -> str:
        return f"_ClaudeBackend(model={self.model!r})"


@dataclass
class _Remote:
    """One remote provider's state for one session."""

    backend: _Backend
    breaker: CircuitBreaker
    limiter: AsyncLimiter
    stats: ProviderStats = field(default_factory=ProviderStats)
    invalid_outputs: int = 0
    refused_by_breaker: int = 0

    @property
    def name(self) -> str:
        return self.backend.name


# -- the session ----------------------------------------------------------------------------------


class LLMSession:
    """One run's LLM access: ``await complete(...)`` and ``stats()``.

    Get it from ``LLM.session()`` and open it with ``async with`` inside the event loop that uses
    it. Closing it closes the SDK clients and writes the remaining call records.
    """

    def __init__(
        self,
        config: LLM,
        *,
        crm: CRMStore | None = None,
        offline_handlers: Mapping[str, OfflineHandler] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        for name in ("timeout_seconds", "requests_per_second", "max_attempts", "breaker_failures",
                     "max_output_tokens", "flush_every"):
            if getattr(config, name) <= 0:
                raise ValueError(f"LLM.{name} must be positive, not {getattr(config, name)!r}")
        self._config = config
        self._crm = crm
        self._offline: dict[str, OfflineHandler] = dict(offline_handlers or {})
        self._clock = clock
        self._xai_key = (config.xai_api_key or "").strip() or None
        self._anthropic_key = (config.anthropic_api_key or "").strip() or None
        self._scrub = SecretScrubber([self._xai_key, self._anthropic_key])
        self._prices = parse_prices(config.prices)
        self._remotes: list[_Remote] = []
        self._offline_answers = 0
        self._pending: list[CallRecord] = []
        self._flush_lock: asyncio.Lock | None = None
        self._unpriced_logged: set[str] = set()
        self._open = False

    def __repr__(self) -> str:
        chain = [f"{r.name}:{r.backend.model}" for r in self._remotes] or self.configured_chain
        return f"LLMSession(chain={chain}, offline_tasks={sorted(self._offline)})"

    @property
    def configured_chain(self) -> list[str]:
        """The providers in the order they are asked (the offline provider is always last)."""
        chain = [GROK] if self._xai_key else []
        chain += [CLAUDE] if self._anthropic_key else []
        return chain + [OFFLINE]

    async def __aenter__(self) -> Self:
        config = self._config
        backends: list[_Backend] = []
        if self._xai_key:
            backends.append(_GrokBackend(
                api_key=self._xai_key, base_url=config.xai_base_url, model=config.xai_model,
                timeout_seconds=config.timeout_seconds,
                max_output_tokens=config.max_output_tokens, scrub=self._scrub,
            ))
        if self._anthropic_key:
            backends.append(_ClaudeBackend(
                api_key=self._anthropic_key, base_url=config.anthropic_base_url or None,
                model=config.anthropic_model, timeout_seconds=config.timeout_seconds,
                max_output_tokens=config.max_output_tokens, scrub=self._scrub,
            ))
        self._remotes = [
            _Remote(
                backend=backend,
                breaker=CircuitBreaker(config.breaker_failures, config.breaker_reset_seconds,
                                       self._clock),
                # A bucket of one refilled every 1/rate seconds: strict spacing, no bursts.
                limiter=AsyncLimiter(1, 1.0 / config.requests_per_second),
            )
            for backend in backends
        ]
        self._flush_lock = asyncio.Lock()
        self._open = True
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self._open = False
        try:
            for remote in self._remotes:
                await remote.backend.aclose()
        finally:
            await self.flush()

    # -- completing ---------------------------------------------------------------------------

    async def complete(
        self,
        *,
        task: str,
        system: str,
        prompt: str,
        schema: type[T],
        prospect_id: str | None = None,
        email_id: str | None = None,
    ) -> LLMResult[T]:
        """A validated ``schema`` instance from the first provider in the chain that gives one.
        Raises ``LLMUnavailableError`` when none does."""
        if not self._open:
            raise LLMError("open the session with `async with` before calling complete()")
        context = PromptContext(task, system, prompt, schema, prospect_id, email_id)
        calls: list[CallRecord] = []
        reasons: list[tuple[str, str]] = []
        try:
            full_system = system_prompt(system, schema)
            for position, remote in enumerate(self._remotes):
                value, reason = await self._ask_remote(remote, context, full_system, calls)
                if value is not None:
                    return LLMResult(value, remote.name, remote.backend.model, calls,
                                     fell_back=position > 0)
                reason = self._scrub(reason)
                reasons.append((remote.name, reason))
                log.warning("LLM provider %s gave no answer for task %s: %s", remote.name, task,
                            reason)
            value, reason = self._ask_offline(context, calls)
            if value is None:
                reasons.append((OFFLINE, reason))
                raise LLMUnavailableError(task, reasons, calls)
            return LLMResult(value, OFFLINE, OFFLINE_MODEL, calls, fell_back=bool(self._remotes))
        finally:
            if len(self._pending) >= self._config.flush_every:
                await self._flush_quietly()

    async def _ask_remote(self, remote: _Remote, context: PromptContext, system: str,
                          calls: list[CallRecord]) -> tuple[Any, str]:
        prompt = context.prompt
        for round_number in (1, 2):
            trial = remote.breaker.state == "half_open"
            try:
                remote.breaker.before_call()
            except CircuitOpenError as exc:
                remote.refused_by_breaker += 1
                detail = str(exc).split(": ", 1)[-1]
                self._record(calls, context, remote.name, remote.backend.model, "circuit_open",
                             error_class="CircuitOpenError", detail=detail)
                return None, f"circuit open ({detail})"
            remote.stats.calls += 1
            try:
                outcome = await self._request(remote, context, system, prompt, calls)
            except BaseException:
                # Cancelled mid-trial: nothing was learned, and a trial left marked as running
                # would make the breaker refuse every later call.
                if trial:
                    remote.breaker._trial_running = False
                raise
            if isinstance(outcome, _Failure):
                remote.stats.failures += 1
                remote.breaker.record_failure()
                return None, f"{outcome.error_class}: {outcome.detail}"
            reply, latency_ms = outcome
            remote.breaker.record_success()
            try:
                value = parse_reply(reply.text, context.schema)
            except LLMOutputError as exc:
                remote.invalid_outputs += 1
                error = str(exc) + (" (the answer hit the output token limit)"
                                    if reply.cut_off else "")
                self._record(calls, context, remote.name, remote.backend.model, "invalid_output",
                             error_class="LLMOutputError", detail=error, reply=reply,
                             latency_ms=latency_ms)
                if round_number == 1:
                    prompt = context.prompt + CORRECTION.format(error=error)
                    continue
                return None, f"invalid output twice; last: {error}"
            self._record(calls, context, remote.name, remote.backend.model, "ok", reply=reply,
                         latency_ms=latency_ms)
            return value, ""
        raise AssertionError("unreachable")

    async def _request(self, remote: _Remote, context: PromptContext, system: str, prompt: str,
                       calls: list[CallRecord]) -> tuple[_Reply, float] | _Failure:
        """One logical call with its retries: the reply and its latency, or the last failure."""
        config = self._config
        backend = remote.backend
        failure: _Failure | None = None
        for attempt in range(1, config.max_attempts + 1):
            await remote.limiter.acquire()
            now = time.monotonic()
            remote.stats.requests += 1
            remote.stats.first_request = remote.stats.first_request or now
            remote.stats.last_request = now
            started = time.perf_counter()
            try:
                async with asyncio.timeout(config.timeout_seconds):
                    reply = await backend.send(system, prompt)
            except Exception as exc:
                failure = backend.classify(exc)
                if failure is None:
                    raise
            else:
                return reply, (time.perf_counter() - started) * 1000
            latency_ms = (time.perf_counter() - started) * 1000
            self._record(calls, context, backend.name, backend.model, "error",
                         error_class=failure.error_class, detail=failure.detail,
                         latency_ms=latency_ms)
            if not failure.retryable or attempt == config.max_attempts:
                break
            wait = failure.retry_after
            if wait is None:
                backoff = config.backoff_seconds * 2 ** (attempt - 1)
                wait = min(backoff, config.max_backoff_seconds) * random.uniform(0.5, 1.0)
            elif wait > config.max_retry_wait_seconds:
                return _Failure(failure.error_class, f"{failure.detail} (asked to wait "
                                f"{wait:g} s, more than {config.max_retry_wait_seconds:g} s)",
                                False)
            remote.stats.retries += 1
            await asyncio.sleep(wait)
        assert failure is not None
        if attempt > 1:
            return _Failure(failure.error_class, f"{failure.detail} ({attempt} attempts)", False)
        return failure

    def _ask_offline(self, context: PromptContext,
                     calls: list[CallRecord]) -> tuple[BaseModel | None, str]:
        handler = self._offline.get(context.task)
        if handler is None:
            known = ", ".join(sorted(self._offline)) or "none"
            reason = f"no offline handler for task {context.task!r} (handlers: {known})"
            self._record(calls, context, OFFLINE, OFFLINE_MODEL, "error",
                         error_class="UnknownTask", detail=reason)
            return None, reason
        started = time.perf_counter()
        try:
            answer = handler(context)
            value = (answer if isinstance(answer, context.schema)
                     else context.schema.model_validate(
                         answer.model_dump() if isinstance(answer, BaseModel) else answer))
        except ValidationError as exc:
            detail = f"offline handler for {context.task!r} returned an invalid answer: " \
                     f"{_summarise(exc)}"
            self._record(calls, context, OFFLINE, OFFLINE_MODEL, "invalid_output",
                         error_class="ValidationError", detail=detail,
                         latency_ms=(time.perf_counter() - started) * 1000)
            raise LLMError(detail) from None
        except Exception as exc:
            self._record(calls, context, OFFLINE, OFFLINE_MODEL, "error",
                         error_class=type(exc).__name__, detail=self._scrub(str(exc)),
                         latency_ms=(time.perf_counter() - started) * 1000)
            raise
        self._offline_answers += 1
        self._record(calls, context, OFFLINE, OFFLINE_MODEL, "ok",
                     latency_ms=(time.perf_counter() - started) * 1000)
        return value, ""

    # -- accounting ---------------------------------------------------------------------------

    def _record(self, calls: list[CallRecord], context: PromptContext, provider: str, model: str,
                status: CallStatus, *, error_class: str | None = None, detail: str | None = None,
                reply: _Reply | None = None, latency_ms: float = 0.0) -> None:
        input_tokens = reply.input_tokens if reply else 0
        output_tokens = reply.output_tokens if reply else 0
        record = CallRecord(
            provider=provider, model=model, task=context.task,
            prospect_id=context.prospect_id, email_id=context.email_id, status=status,
            error_class=error_class,
            detail=self._scrub(detail)[:_DETAIL_LIMIT] if detail else None,
            input_tokens=input_tokens, output_tokens=output_tokens,
            cost_usd=self._cost(model, input_tokens, output_tokens),
            latency_ms=round(latency_ms, 3), created_at=datetime.now(UTC),
        )
        calls.append(record)
        self._pending.append(record)

    def _cost(self, model: str, input_tokens: int, output_tokens: int) -> float | None:
        if not input_tokens and not output_tokens:
            return 0.0
        price = price_for(self._prices, model)
        if price is None:
            if model not in self._unpriced_logged:
                self._unpriced_logged.add(model)
                log.warning("no price for LLM model %s: its calls are recorded with cost NULL; "
                            "add it to the LLM resource's prices", model)
            return None
        return (input_tokens * price[0] + output_tokens * price[1]) / 1_000_000

    async def flush(self) -> int:
        """Write the pending call records (one short transaction). Returns how many."""
        if self._crm is None:
            self._pending.clear()
            return 0
        lock = self._flush_lock or asyncio.Lock()
        async with lock:
            batch, self._pending = self._pending, []
            if not batch:
                return 0
            try:
                # In a worker thread: a lock conflict makes CRMStore sleep between attempts.
                await asyncio.to_thread(self._write, batch)
            except BaseException:
                self._pending[:0] = batch
                raise
            return len(batch)

    async def _flush_quietly(self) -> None:
        try:
            await self.flush()
        except Exception as exc:
            # Mid-session the records stay queued for the next flush; closing raises.
            log.warning("could not write %d LLM call records yet: %s", len(self._pending),
                        self._scrub(f"{type(exc).__name__}: {exc}"))

    def _write(self, batch: list[CallRecord]) -> None:
        assert self._crm is not None
        with self._crm.transaction() as con:
            insert_rows(con, "llm_calls", [r.as_row() for r in batch])

    # -- statistics ---------------------------------------------------------------------------

    def stats(self) -> dict[str, dict[str, Any]]:
        """Per provider: ``requests`` sent, ``failures`` (calls given up after their retries),
        ``retries``, ``invalid_outputs``, ``refused_by_breaker``, ``achieved_rps`` and the
        breaker's state; for the offline provider, the answers it gave."""
        out: dict[str, dict[str, Any]] = {}
        for remote in self._remotes:
            s = remote.stats
            out[remote.name] = {
                "model": remote.backend.model,
                "requests": s.requests,
                "calls": s.calls,
                "failures": s.failures,
                "retries": s.retries,
                "invalid_outputs": remote.invalid_outputs,
                "refused_by_breaker": remote.refused_by_breaker,
                "achieved_rps": round(s.achieved_rate(), 3),
                "breaker": remote.breaker.state,
            }
        out[OFFLINE] = {"model": OFFLINE_MODEL, "requests": self._offline_answers,
                        "tasks": sorted(self._offline)}
        return out


# -- the resource ---------------------------------------------------------------------------------


class LLM(dg.ConfigurableResource):
    """Structured LLM answers: Grok, then Claude, then the caller's offline handlers."""

    xai_api_key: str | None = Field(
        default=None, repr=False,
        description="xAI API key (secret, XAI_API_KEY); without it Grok is not in the chain.",
    )
    xai_base_url: str = Field(default=DEFAULT_XAI_BASE_URL,
                              description="xAI's OpenAI-compatible API base URL.")
    xai_model: str = Field(default=DEFAULT_XAI_MODEL, description="Grok model.")
    anthropic_api_key: str | None = Field(
        default=None, repr=False,
        description="Anthropic API key (secret, ANTHROPIC_API_KEY); without it Claude is not in "
        "the chain.",
    )
    anthropic_base_url: str | None = Field(
        default=None, description="Anthropic API base URL; empty: the SDK's default."
    )
    anthropic_model: str = Field(default=DEFAULT_ANTHROPIC_MODEL, description="Claude model.")
    timeout_seconds: float = Field(default=30.0, description="Deadline per request.")
    max_attempts: int = Field(
        default=3, description="Requests per call on 429, 5xx or a connection error."
    )
    backoff_seconds: float = Field(default=0.5, description="First retry backoff; doubles.")
    max_backoff_seconds: float = Field(default=10.0, description="Longest backoff.")
    max_retry_wait_seconds: float = Field(
        default=20.0,
        description="A Retry-After longer than this moves on to the next provider instead.",
    )
    requests_per_second: float = Field(
        default=5.0, description="Per provider; never exceeded, not in a burst."
    )
    breaker_failures: int = Field(
        default=5, description="Consecutive failed calls after which a provider is rested."
    )
    breaker_reset_seconds: float = Field(
        default=60.0, description="How long it is rested before one trial call."
    )
    max_output_tokens: int = Field(default=2048, description="Output token limit per request.")
    # Any: Dagster config cannot express a str | dict union.
    prices: Any = Field(
        default=None,
        description="USD per million tokens by model, as a dict or its JSON text: "
        '{"model": {"input": 0.3, "output": 0.5}}; merged over the built-in table.',
    )
    flush_every: int = Field(
        default=100, description="Call records written to the CRM per batch (and at close)."
    )

    def session(
        self,
        crm: CRMStore | None = None,
        offline_handlers: Mapping[str, OfflineHandler] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> LLMSession:
        """An LLM session; ``async with`` it inside the event loop that will use it. ``crm``
        receives the call records; ``clock`` drives the circuit breakers (tests)."""
        return LLMSession(self, crm=crm, offline_handlers=offline_handlers, clock=clock)


__all__ = [
    "LLM",
    "CallRecord",
    "LLMError",
    "LLMOutputError",
    "LLMResult",
    "LLMSession",
    "LLMUnavailableError",
    "OfflineHandler",
    "PromptContext",
    "extract_json",
    "parse_prices",
    "parse_reply",
    "system_prompt",
]
