"""The loopback HTTP plumbing the sandbox servers share.

``LoopbackServer`` runs a request handler on 127.0.0.1 and a free port in a daemon thread, with
``start()``/``stop()``, a context manager, ``port``, ``url`` and ``request_count``.
``QuietHandler`` is the handler base: it logs nothing, reaches the ``LoopbackServer`` it serves
as ``self.server.owner`` and sends whole answers with ``send_reply`` and ``send_json``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

_WRITE_CHUNK = 64 * 1024


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 drops connections when a benchmark opens dozens at once, and the
    # dropped ones only come back after TCP's retransmission timeout.
    request_queue_size = 256
    owner: Any

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that give up (timeouts, size caps) hang up mid-answer; that is routine in tests.
        pass


class QuietHandler(BaseHTTPRequestHandler):
    server: _QuietServer

    def send_reply(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: Iterable[tuple[str, str]] = (),
        *,
        content_length: bool = True,
        write_body: bool = True,
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            if content_length:
                self.send_header("Content-Length", str(len(body)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            if write_body:
                view = memoryview(body)
                for start in range(0, len(view), _WRITE_CHUNK):
                    self.wfile.write(view[start:start + _WRITE_CHUNK])
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def send_json(self, status: int, body: Any, headers: Iterable[tuple[str, str]] = ()) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_reply(status, data, "application/json; charset=utf-8", headers)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class LoopbackServer:
    """Serves ``handler`` on 127.0.0.1 and a free port. Use as a context manager or call
    ``start()`` and ``stop()``; ``url`` is the base URL.

    ``thread_name`` prefixes the serving thread's name (the port follows); ``label`` names the
    server in the error ``port`` raises while it is not running. The default ``request_count``
    counts a ``requests`` log the subclass keeps under ``_lock``."""

    requests: list[Any]

    def __init__(self, handler: type[QuietHandler], *, thread_name: str, label: str) -> None:
        self._handler = handler
        self._thread_name = thread_name
        self._label = label
        self._lock = threading.Lock()
        self._httpd: _QuietServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        if self._httpd is not None:
            return self
        httpd = _QuietServer(("127.0.0.1", 0), self._handler)
        httpd.owner = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"{self._thread_name}-{self.port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        self._httpd = self._thread = None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError(f"the {self._label} is not running")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.requests)
