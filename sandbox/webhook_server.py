"""A loopback webhook receiver: where the demo's and the tests' notifications land.

``WebhookServer`` accepts a POST to any path, records it (path, lower-cased headers, the JSON body,
the status it answered) and answers 200 ``ok`` as Slack does. ``fail_next(n, status=...)`` makes
the next ``n`` requests fail instead, for one path or any: ``500``, ``503`` or ``429`` (with
``Retry-After`` when given), or ``"timeout"`` (no answer for ``hang_seconds``, longer than any
client deadline in the tests; the request is still recorded, as a real receiver would have
processed it). ``delivered()`` lists the requests answered 2xx; ``keys()`` their Idempotency-Keys,
which is how a receiver would fold repeats.

``python -m sandbox.webhook_server`` runs it on its own, prints ``READY <url>`` and then one JSON
line per request, until interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sandbox.server import LoopbackServer, QuietHandler

Failure = int | Literal["timeout"]


@dataclass(frozen=True)
class WebhookRequest:
    path: str
    headers: dict[str, str]
    """Lower-cased names."""
    body: Any
    """The parsed JSON, or None when the body was not JSON."""
    status: int
    """What was answered (504 for a simulated timeout, after the client had gone)."""
    outcome: str
    """``ok``, or the injected failure: ``500``, ``429``, ``timeout`` ..."""
    at: float
    """time.monotonic() when the request arrived."""

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")


@dataclass(frozen=True)
class _Rule:
    status: Failure
    retry_after: str | None
    path: str | None


class WebhookServer(LoopbackServer):
    """A webhook endpoint on 127.0.0.1 and a free port; ``url`` + any path is a webhook URL."""

    def __init__(self, *, hang_seconds: float = 10.0, latency_seconds: float = 0.0) -> None:
        super().__init__(_Handler, thread_name="sandbox-webhook", label="sandbox webhook server")
        self.hang_seconds = hang_seconds
        self.latency_seconds = latency_seconds
        self.requests: list[WebhookRequest] = []
        self._rules: deque[_Rule] = deque()
        self._stopping = threading.Event()
        self.on_request: Callable[[WebhookRequest], None] | None = None
        """Called with every request as it is recorded (the CLI prints them)."""

    def start(self) -> WebhookServer:
        self._stopping.clear()
        return super().start()

    def stop(self) -> None:
        # Requests parked by a "timeout" return at once instead of holding their threads.
        self._stopping.set()
        super().stop()

    # -- test hooks -----------------------------------------------------------------------------

    def fail_next(self, n: int = 1, *, status: Failure = 500,
                  retry_after: float | str | None = None, path: str | None = None) -> None:
        """The next ``n`` requests (to ``path``, or to any path) fail with ``status``."""
        if status != "timeout" and not (isinstance(status, int) and 400 <= status <= 599):
            raise ValueError(f"status must be a 4xx/5xx code or 'timeout', not {status!r}")
        hint = None if retry_after is None else (
            str(int(retry_after)) if isinstance(retry_after, (int, float)) else retry_after)
        with self._lock:
            self._rules.extend(_Rule(status, hint, path) for _ in range(n))

    def clear_failures(self) -> None:
        with self._lock:
            self._rules.clear()

    def delivered(self) -> list[WebhookRequest]:
        with self._lock:
            return [r for r in self.requests if 200 <= r.status < 300]

    def keys(self) -> list[str | None]:
        return [r.idempotency_key for r in self.delivered()]

    # -- dispatch -------------------------------------------------------------------------------

    def _rule_for(self, path: str) -> _Rule | None:
        with self._lock:
            for index, rule in enumerate(self._rules):
                if rule.path is None or rule.path == path:
                    del self._rules[index]
                    return rule
        return None

    def handle(self, path: str, headers: Mapping[str, str], raw: bytes
               ) -> tuple[int, tuple[tuple[str, str], ...]]:
        arrived = time.monotonic()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        if self.latency_seconds:
            time.sleep(self.latency_seconds)
        rule = self._rule_for(path)
        status, outcome, reply_headers, hang = 200, "ok", (), False
        if rule is not None and rule.status == "timeout":
            status, outcome, hang = 504, "timeout", True
        elif rule is not None:
            status, outcome = int(rule.status), str(rule.status)
            if rule.retry_after is not None:
                reply_headers = (("Retry-After", rule.retry_after),)
        request = WebhookRequest(path, dict(headers), body, status, outcome, arrived)
        with self._lock:
            self.requests.append(request)
        if self.on_request is not None:
            self.on_request(request)
        if hang:
            self._stopping.wait(self.hang_seconds)
        return status, reply_headers


class _Handler(QuietHandler):
    server_version = "SandboxWebhook/1.0"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, extra = self.server.owner.handle(self.path, headers, raw)
        # A failure echoes the path, as careless gateways do: clients must not pass it on.
        body = b"ok" if status < 300 else f"sandbox answer {status} for {self.path}".encode()
        self.send_reply(status, body, "text/plain; charset=utf-8", extra)


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    server = WebhookServer()

    def show(request: WebhookRequest) -> None:
        print(json.dumps({"path": request.path, "idempotency_key": request.idempotency_key,
                          "status": request.status, "body": request.body},
                         ensure_ascii=False), flush=True)

    server.on_request = show
    with server:
        print(f"READY {server.url}", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
