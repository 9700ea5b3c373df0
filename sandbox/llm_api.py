"""A loopback LLM API that speaks both xAI's OpenAI-compatible chat API and Anthropic's Messages API.

- ``POST /v1/chat/completions`` answers like OpenAI/xAI (``chat.completion`` objects, ``usage``
  with prompt/completion/total tokens) and checks ``Authorization: Bearer <key>``;
- ``POST /v1/messages`` answers like Anthropic (``message`` objects with text content blocks and
  input/output token usage) and checks the key (``x-api-key``, or ``Authorization: Bearer``, which
  is how the installed ``anthropic`` SDK sends it) and that ``anthropic-version`` is present.

Answers are deterministic. A ``responder(api, request_json) -> str`` writes the model's text; the
default one finds the JSON schema the request names (a ``schema: {...}`` marker anywhere in the
system prompt or the messages) and answers with the smallest JSON document it can build that
validates against it (required properties only, first enum value, bounds respected). Token counts
are a fixed function of the text lengths, so costs are reproducible. The responder writes one
answer at a time: it runs in the host process, often the client under test itself.

Test hooks: ``fail_next(api, kinds)`` queues failures that the next requests to one API consume,
one per request, after the key check: ``"429"`` (with ``Retry-After``), ``"500"``, ``"timeout"``
(no answer for ``hang_seconds``, longer than any client deadline in the tests), ``"truncated"``
(the answer cut mid-way, as when the output token limit is hit), ``"schema"`` (valid JSON that
violates the schema) and ``"bad_key"`` (401). ``latency_seconds`` delays every answer.
``requests`` records every request with the keys blanked.

A 401 on the OpenAI side repeats the presented key in its message, as a careless gateway would:
the tests use that to prove the client never passes an API error's text on unscrubbed.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sandbox.server import LoopbackServer, QuietHandler

OPENAI_API = "openai"
ANTHROPIC_API = "anthropic"
APIS = (OPENAI_API, ANTHROPIC_API)
FAILURE_KINDS = frozenset({"429", "500", "timeout", "truncated", "schema", "bad_key"})
SANDBOX_XAI_KEY = "sandbox-xai-key"
SANDBOX_ANTHROPIC_KEY = "sandbox-anthropic-key"

Responder = Callable[[str, dict[str, Any]], str]

_ROUTES = {"/v1/chat/completions": OPENAI_API, "/v1/messages": ANTHROPIC_API}
_SCHEMA_MARKER = re.compile(r"schema:\s*(?=\{)", re.IGNORECASE)
_SECRET_HEADERS = frozenset({"authorization", "x-api-key"})
_CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class LLMRequest:
    api: str
    path: str
    status: int
    outcome: str
    """``ok``, the injected failure kind, or ``error`` for a refused request."""
    headers: dict[str, str]
    """Request headers, lower-cased, with the key headers' values replaced by ``***``."""
    body: Any
    at: float
    """time.monotonic() when the request arrived."""

    @property
    def text(self) -> str:
        """Every prompt text of the request (system and messages), joined."""
        return "\n".join(_prompt_texts(self.body)) if isinstance(self.body, dict) else ""


@dataclass(frozen=True)
class _Reply:
    status: int
    body: Any
    headers: tuple[tuple[str, str], ...] = ()
    hang: bool = False


# -- the default responder ------------------------------------------------------------------------


def _texts_of(content: Any) -> list[str]:
    if isinstance(content, str):
        return [content]
    if isinstance(content, list):
        return [part["text"] for part in content
                if isinstance(part, dict) and isinstance(part.get("text"), str)]
    return []


def _prompt_texts(request_json: Mapping[str, Any]) -> list[str]:
    texts = _texts_of(request_json.get("system"))
    for message in request_json.get("messages") or []:
        if isinstance(message, dict):
            texts.extend(_texts_of(message.get("content")))
    return texts


def schema_from_request(request_json: Mapping[str, Any]) -> dict[str, Any] | None:
    """The JSON schema after the last ``schema:`` marker in the request's prompts, if any."""
    decoder = json.JSONDecoder()
    found = None
    for text in _prompt_texts(request_json):
        for match in _SCHEMA_MARKER.finditer(text):
            try:
                value, _ = decoder.raw_decode(text, match.end())
            except ValueError:
                continue
            if isinstance(value, dict):
                found = value
    return found


def example_for_schema(schema: Mapping[str, Any], root: Mapping[str, Any] | None = None,
                       name: str = "value") -> Any:
    """The smallest deterministic value that validates against ``schema`` (a pydantic-style
    JSON schema: ``$ref`` into ``$defs``, ``anyOf``, ``enum``, ``const`` and the usual bounds)."""
    root = root if root is not None else schema
    if "$ref" in schema:
        target: Any = root
        for part in str(schema["$ref"]).lstrip("#/").split("/"):
            target = target[part]
        return example_for_schema(target, root, name)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    for combinator in ("anyOf", "oneOf"):
        options = schema.get(combinator)
        if options:
            concrete = [o for o in options if o.get("type") != "null"] or options
            return example_for_schema(concrete[0], root, name)
    if schema.get("allOf"):
        return example_for_schema(schema["allOf"][0], root, name)
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        properties = schema.get("properties") or {}
        required = schema.get("required")
        keys = list(required) if required is not None else list(properties)
        return {key: example_for_schema(properties.get(key, {}), root, key) for key in keys}
    if kind == "array":
        items = schema.get("items") or {}
        count = max(1, int(schema.get("minItems", 1)))
        if "maxItems" in schema:
            count = min(count, int(schema["maxItems"]))
        return [example_for_schema(items, root, name) for _ in range(count)]
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        value = max(low, 1) if "maximum" not in schema else min(max(low, 1), schema["maximum"])
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            value = schema["exclusiveMinimum"] + 1
        return math.ceil(value) if kind == "integer" else float(value)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return _example_string(schema, name)


def _example_string(schema: Mapping[str, Any], name: str) -> str:
    fmt = schema.get("format")
    text = {
        "email": "info@example.com",
        "uri": "https://example.com/",
        "date": "2026-01-01",
        "date-time": "2026-01-01T00:00:00Z",
        "uuid": "00000000-0000-4000-8000-000000000000",
    }.get(str(fmt), f"sample {name}")
    minimum = int(schema.get("minLength", 0))
    if len(text) < minimum:
        text = (text + " ") * (minimum // (len(text) + 1) + 1)
        text = text[:minimum]
    if "maxLength" in schema:
        text = text[: int(schema["maxLength"])]
    return text


def default_responder(api: str, request_json: dict[str, Any]) -> str:
    """A minimal valid document for the schema the request names (``{}`` when it names none)."""
    schema = schema_from_request(request_json)
    return json.dumps(example_for_schema(schema) if schema else {}, ensure_ascii=False)


def _tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / _CHARS_PER_TOKEN)) if text else 0


# -- the server -----------------------------------------------------------------------------------


class LLMServer(LoopbackServer):
    """Both LLM APIs on 127.0.0.1 and a free port. The OpenAI-compatible base URL is
    ``url + "/v1"`` (``openai_base_url``); Anthropic's SDK takes ``url`` itself."""

    def __init__(
        self,
        *,
        xai_key: str = SANDBOX_XAI_KEY,
        anthropic_key: str = SANDBOX_ANTHROPIC_KEY,
        responder: Responder = default_responder,
        latency_seconds: float = 0.0,
        hang_seconds: float = 10.0,
        retry_after: str = "1",
        seed: int = 0,
    ) -> None:
        super().__init__(_Handler, thread_name="sandbox-llm-api", label="sandbox LLM API")
        self.xai_key, self.anthropic_key = xai_key, anthropic_key
        self.responder = responder
        self.latency_seconds = latency_seconds
        self.hang_seconds = hang_seconds
        self.retry_after = retry_after
        self.seed = seed
        self.requests: list[LLMRequest] = []
        self._failures: dict[str, deque[str]] = {api: deque() for api in APIS}
        self._answered = 0
        self._stopping = threading.Event()
        # A responder's first call can fill a cold cache (the template writer's text gates read
        # the CMU pronouncing dictionary, ~1 s of CPU, cached without a lock): filled by every
        # handler thread at once, it holds the host process's interpreter lock for tens of
        # seconds, and a client in that process sees its deadlines run out.
        self._writing = threading.Lock()

    @property
    def openai_base_url(self) -> str:
        return f"{self.url}/v1"

    def start(self) -> LLMServer:
        self._stopping.clear()
        return super().start()

    def stop(self) -> None:
        # Requests parked by a "timeout" failure return at once instead of holding their threads.
        self._stopping.set()
        super().stop()

    # -- test hooks -----------------------------------------------------------------------------

    def fail_next(self, api: str, kinds: Iterable[str]) -> None:
        """Queue failures for the next requests to ``api`` (one per request, in order)."""
        if api not in APIS:
            raise ValueError(f"api must be one of {APIS}, not {api!r}")
        kinds = list(kinds)
        unknown = [k for k in kinds if k not in FAILURE_KINDS]
        if unknown:
            raise ValueError(f"unknown failure kinds {unknown}; known: {sorted(FAILURE_KINDS)}")
        with self._lock:
            self._failures[api].extend(kinds)

    def pending_failures(self, api: str) -> list[str]:
        with self._lock:
            return list(self._failures[api])

    def requests_for(self, api: str) -> list[LLMRequest]:
        with self._lock:
            return [r for r in self.requests if r.api == api]

    # -- dispatch -------------------------------------------------------------------------------

    def handle(self, path: str, headers: Mapping[str, str], raw_body: bytes) -> _Reply:
        arrived = time.monotonic()
        route = path.split("?", 1)[0].rstrip("/")
        api = _ROUTES.get(route)
        body: Any = None
        outcome = "error"
        if api is None:
            reply = _Reply(404, {"error": {"message": f"No route for POST {route}"}})
        else:
            try:
                body = json.loads(raw_body or b"null")
            except ValueError:
                body = None
            if not isinstance(body, dict):
                reply = self._error(api, 400, "invalid_request_error", "Body must be a JSON object")
            else:
                reply = self._refused(api, headers)
                if reply is None:
                    if self.latency_seconds:
                        time.sleep(self.latency_seconds)
                    outcome, reply = self._answer(api, body)
        logged = {k: ("Bearer ***" if k == "authorization" else "***") if k in _SECRET_HEADERS
                  else v for k, v in headers.items()}
        with self._lock:
            self.requests.append(
                LLMRequest(api or "unknown", route, reply.status, outcome, logged, body, arrived)
            )
        if reply.hang:
            self._stopping.wait(self.hang_seconds)
        return reply

    def _refused(self, api: str, headers: Mapping[str, str]) -> _Reply | None:
        presented = headers.get("authorization", "")
        bearer = presented[7:] if presented.lower().startswith("bearer ") else ""
        if api == OPENAI_API:
            if bearer != self.xai_key:
                return self._bad_key(api, bearer or presented)
            return None
        # Anthropic documents x-api-key; the installed SDK (2.x) sends the key as a bearer token.
        if headers.get("x-api-key", bearer) != self.anthropic_key:
            return self._bad_key(api, "")
        if not headers.get("anthropic-version"):
            return self._error(api, 400, "invalid_request_error",
                               "anthropic-version: header is required")
        return None

    def _answer(self, api: str, body: dict[str, Any]) -> tuple[str, _Reply]:
        with self._lock:
            queue = self._failures[api]
            kind = queue.popleft() if queue else None
        if kind == "429":
            return kind, self._error(api, 429, "rate_limit_error",
                                     "Rate limit reached for requests; retry later",
                                     (("Retry-After", self.retry_after),))
        if kind == "500":
            return kind, self._error(api, 500, "api_error", "The server had an error")
        if kind == "bad_key":
            return kind, self._bad_key(api, self._presented_key(api))
        if kind == "timeout":
            return kind, _Reply(504, {"error": {"message": "gave up"}}, hang=True)
        try:
            with self._writing:
                text = self.responder(api, body)
        except Exception as exc:  # a responder bug should read as a server error, not a hang
            return "error", self._error(api, 500, "api_error",
                                        f"sandbox responder failed: {type(exc).__name__}: {exc}")
        cut = False
        if kind == "truncated":
            text, cut = text[: max(1, len(text) // 2)], True
        elif kind == "schema":
            schema = schema_from_request(body) or {}
            text = "{}" if schema.get("required") else "[]"
        return kind or "ok", _Reply(200, self._completion(api, body, text, cut))

    def _presented_key(self, api: str) -> str:
        return self.xai_key if api == OPENAI_API else self.anthropic_key

    def _completion(self, api: str, body: dict[str, Any], text: str, cut: bool) -> dict[str, Any]:
        with self._lock:
            self._answered += 1
            number = self._answered
        digest = hashlib.sha1(f"{self.seed}:{api}:{number}".encode()).hexdigest()[:24]
        input_tokens = _tokens("\n".join(_prompt_texts(body)))
        output_tokens = _tokens(text)
        model = str(body.get("model") or "sandbox-model")
        if api == OPENAI_API:
            return {
                "id": f"chatcmpl-{digest}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [{
                    "index": 0,
                    "message": {"role": "assistant", "content": text, "refusal": None},
                    "logprobs": None,
                    "finish_reason": "length" if cut else "stop",
                }],
                "usage": {"prompt_tokens": input_tokens, "completion_tokens": output_tokens,
                          "total_tokens": input_tokens + output_tokens},
                "system_fingerprint": "fp_sandbox",
            }
        return {
            "id": f"msg_{digest}",
            "type": "message",
            "role": "assistant",
            "content": [{"type": "text", "text": text}],
            "model": model,
            "stop_reason": "max_tokens" if cut else "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
        }

    def _bad_key(self, api: str, presented: str) -> _Reply:
        if api == OPENAI_API:
            return _Reply(401, {"error": {
                "message": f"Incorrect API key provided: {presented}. You can obtain an API key "
                           "from https://console.x.ai.",
                "type": "invalid_request_error", "param": None, "code": "invalid_api_key",
            }})
        return self._error(api, 401, "authentication_error", "invalid x-api-key")

    def _error(self, api: str, status: int, kind: str, message: str,
               headers: tuple[tuple[str, str], ...] = ()) -> _Reply:
        if api == ANTHROPIC_API:
            body: dict[str, Any] = {"type": "error", "error": {"type": kind, "message": message}}
        else:
            body = {"error": {"message": message, "type": kind, "param": None, "code": None}}
        return _Reply(status, body, headers)


class _Handler(QuietHandler):
    server_version = "SandboxLLM/1.0"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        reply = self.server.owner.handle(self.path, headers, raw)
        self.send_json(reply.status, reply.body, reply.headers)
