"""A loopback SMTP server that plays the mail servers of the outside world.

``SandboxSMTP`` runs aiosmtpd on its own event loop in a daemon thread, bound to 127.0.0.1 and a
free port. It accepts every message unless a ``Rule`` says otherwise, for an exact recipient or for a
tag in the recipient's local part (``anna+hard@hotel.test``, see ``DEFAULT_TAG_RULES``): refusals
at RCPT or at the end of DATA with any reply, and the two failures a client cannot see coming, a
421 that closes the connection and a connection dropped after the message was stored but before the
250 (the client cannot know it was delivered).

Every accepted message is appended to ``record_path`` as one JSON line, and flushed (fsync when
asked), before the 250 goes out: the file is the server's own account of what it accepted, so a
test or a benchmark counts deliveries from it, not from what the client believes. ``on_accept``
runs before the 250 too (the sandbox files a copy in the sender's Sent folder with it); when it
raises, the client gets a 451 and nothing is recorded.

AUTH PLAIN and LOGIN are offered without TLS (loopback only); with a ``tls_context`` the server
offers STARTTLS or speaks implicit TLS. With ``users`` every MAIL needs a
successful AUTH; without, any login is accepted and AUTH is optional. ``greeting_delay_seconds``
holds the 220 greeting back, to try a client's connect timeout.

``python -m sandbox.smtp_server --port 0 --record FILE`` runs it in a process of its own (so a
benchmark's sender does not share a GIL with it), prints ``READY <port>`` once listening and stops
cleanly on SIGTERM. The hot path is lean: headers are parsed with the compat32 header parser, the
body is never parsed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import ssl
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path
from typing import Any, Literal, Self

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

SERVER_NAME = "mx.sandbox.test"
_BACKLOG = 512
_STOP_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class Rule:
    stage: Literal["rcpt", "data"]
    action: Literal["reply", "disconnect"]
    """``disconnect`` at ``data`` stores the message, then drops the connection without a reply."""
    code: int = 250
    message: str = ""


DEFAULT_TAG_RULES: dict[str, Rule] = {
    "+hard": Rule("rcpt", "reply", 550, "5.1.1 Recipient address rejected: User unknown"),
    "+soft": Rule("rcpt", "reply", 451, "4.2.0 Mailbox temporarily unavailable, try again later"),
    "+policy": Rule("data", "reply", 550, "5.7.1 Message rejected as spam by content filter"),
    "+drop": Rule("data", "disconnect"),
    "+busy": Rule("rcpt", "reply", 421, "4.3.2 Service not available, closing channel"),
}


@dataclass(frozen=True)
class AcceptedMessage:
    message_id: str | None
    mail_from: str
    rcpt_tos: tuple[str, ...]
    date: str | None
    subject: str | None
    in_reply_to: str | None
    references: str | None
    list_unsubscribe: str | None
    list_unsubscribe_post: str | None
    raw: bytes
    received_at: float
    """time.time() when the message was accepted."""
    peer_port: int
    """The client's port: one per connection, so tests can count the connections used."""

    def record(self) -> dict[str, Any]:
        return {"message_id": self.message_id, "mail_from": self.mail_from,
                "rcpt_tos": list(self.rcpt_tos), "date": self.date, "subject": self.subject,
                "in_reply_to": self.in_reply_to, "references": self.references,
                "received_at": self.received_at}


def read_record(path: Path | str) -> list[dict]:
    """The messages a server recorded in ``path``; a line still being written is left out."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines(keepends=True) if line.endswith("\n")]


class _DeprecatedLoginDataFilter(logging.Filter):
    # aiosmtpd itself sets the deprecated Session.login_data on every successful AUTH and logs a
    # warning each time; it says nothing about the sandbox.
    def filter(self, record: logging.LogRecord) -> bool:
        return "login_data is deprecated" not in record.getMessage()


_LOGIN_FILTER = _DeprecatedLoginDataFilter()


class _Protocol(SMTP):
    """One client connection; the only change to aiosmtpd is the optional greeting delay."""

    def __init__(self, owner: SandboxSMTP, **kwargs: Any) -> None:
        super().__init__(owner._handler, **kwargs)
        self._owner = owner

    async def _handle_client(self) -> None:
        if self._owner.greeting_delay_seconds > 0:
            try:
                await asyncio.sleep(self._owner.greeting_delay_seconds)
            except asyncio.CancelledError:
                # The client gave up waiting; aiosmtpd only closes the socket once it serves.
                if self.transport is not None:
                    self.transport.close()
                raise
        await super()._handle_client()

    def connection_lost(self, error: Exception | None) -> None:
        self._owner._live.discard(self)
        super().connection_lost(error)


class _Handler:
    def __init__(self, owner: SandboxSMTP) -> None:
        self.owner = owner

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, mail_options: list[str]) -> str:
        if self.owner._users is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        rule = self.owner._rule_for(address)
        if rule is not None and rule.stage == "rcpt":
            if rule.action == "disconnect":
                await _drop(server)
            if rule.code >= 300:
                return _reply(server, rule)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return _reply(server, rule) if rule is not None and rule.stage == "rcpt" else "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        rule = next((r for r in map(self.owner._rule_for, envelope.rcpt_tos)
                     if r is not None and r.stage == "data"), None)
        if rule is not None and rule.action == "reply" and rule.code >= 300:
            return _reply(server, rule)
        try:
            queue_id = await self.owner._accept(session, envelope)
        except Exception:
            logging.getLogger(__name__).exception("on_accept failed; the message is refused")
            return "451 4.3.0 Local error in processing, try again later"
        if rule is not None and rule.action == "disconnect":
            await _drop(server)
        if rule is not None:
            return _reply(server, rule)
        return f"250 2.0.0 OK queued as {queue_id}"


def _reply(server: SMTP, rule: Rule) -> str:
    if rule.code == 421:
        # A 421 closes the channel (RFC 5321 3.8); close once the reply has gone out.
        server.loop.call_soon(_close, server)
    return f"{rule.code} {rule.message or 'OK'}".rstrip()


def _close(server: SMTP) -> None:
    if server.transport is not None:
        server.transport.close()


async def _drop(server: SMTP) -> None:
    """Drop the connection and never return: aiosmtpd cancels this handler once it notices."""
    if server.transport is not None:
        server.transport.abort()
    await asyncio.Event().wait()


class SandboxSMTP:
    """The sandbox's mail server. ``start()``/``stop()`` or a context manager; ``port`` is the
    bound port once started, ``connections`` the connections accepted so far."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        rules: Mapping[str, Rule] | None = None,
        record_path: Path | str | None = None,
        fsync: bool = False,
        greeting_delay_seconds: float = 0.0,
        users: Mapping[str, str] | None = None,
        on_accept: Callable[[AcceptedMessage], None] | None = None,
        keep_accepted: bool = True,
        tls_context: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
        idle_timeout_seconds: float = 300.0,
    ) -> None:
        """``rules`` maps exact recipient addresses (lower-cased) to rules; tag rules apply too.
        ``keep_accepted=False`` keeps no messages in memory (long benchmark runs read the record).
        ``tls_context`` (a server context) offers STARTTLS, or with ``implicit_tls`` wraps the
        connection in TLS from the start, as port 465 does. ``idle_timeout_seconds``: a
        connection that sends no command for that long is closed, as real servers do."""
        self.host = host
        self.port = port
        self.record_path = Path(record_path) if record_path is not None else None
        self.fsync = fsync
        self.greeting_delay_seconds = greeting_delay_seconds
        self.on_accept = on_accept
        self.keep_accepted = keep_accepted
        self.tls_context = tls_context
        self.implicit_tls = implicit_tls and tls_context is not None
        self.idle_timeout_seconds = idle_timeout_seconds
        self.connections = 0
        self._rules = {address.lower(): rule for address, rule in (rules or {}).items()}
        self._users = dict(users) if users is not None else None
        self._lock = threading.Lock()
        self._accepted: list[AcceptedMessage] = []
        self._count = 0
        self._handler = _Handler(self)
        self._live: set[_Protocol] = set()
        self._record: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None
        self._header_parser = BytesHeaderParser(policy=compat32)

    # -- public ----------------------------------------------------------------------------------

    @property
    def accepted(self) -> list[AcceptedMessage]:
        with self._lock:
            return list(self._accepted)

    def set_rule(self, address: str, rule: Rule | None) -> None:
        with self._lock:
            rules = dict(self._rules)
            if rule is None:
                rules.pop(address.lower(), None)
            else:
                rules[address.lower()] = rule
            self._rules = rules

    def start(self) -> Self:
        if self._thread is not None:
            return self
        logging.getLogger("mail.log").addFilter(_LOGIN_FILTER)
        if self.record_path is not None:
            self.record_path.parent.mkdir(parents=True, exist_ok=True)
            self._record = open(self.record_path, "a", encoding="utf-8")
        ready = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, args=(ready, failure), daemon=True,
                                        name=f"sandbox-smtp-{self.port}")
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            self._thread = None
            self._close_record()
            raise failure[0]
        return self

    def stop(self) -> None:
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(_STOP_TIMEOUT_SECONDS)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(_STOP_TIMEOUT_SECONDS)
            self._thread = None
            self._close_record()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the server's thread ---------------------------------------------------------------------

    def _run(self, ready: threading.Event, failure: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            self._server = loop.run_until_complete(loop.create_server(
                self._protocol, host=self.host, port=self.port, backlog=_BACKLOG,
                ssl=self.tls_context if self.implicit_tls else None))
            self.port = self._server.sockets[0].getsockname()[1]
        except BaseException as exc:
            failure.append(exc)
            loop.close()
            ready.set()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()

    def _protocol(self) -> _Protocol:
        self.connections += 1
        protocol = _Protocol(self, hostname=SERVER_NAME, ident="Sandbox ESMTP",
                             decode_data=False, auth_require_tls=False,
                             authenticator=self._authenticate, loop=self._loop,
                             tls_context=None if self.implicit_tls else self.tls_context,
                             timeout=self.idle_timeout_seconds)
        self._live.add(protocol)
        return protocol

    async def _shutdown(self) -> None:
        assert self._server is not None
        self._server.close()
        for protocol in list(self._live):
            if protocol.transport is not None:
                protocol.transport.abort()
        await self._server.wait_closed()
        current = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not current]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope,
                      mechanism: str, auth_data: Any) -> AuthResult:
        # handled=False: aiosmtpd then sends the 535 itself (its default, True, sends nothing).
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace")
        if self._users is not None:
            password = auth_data.password.decode("utf-8", "replace")
            if self._users.get(login) != password:
                return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=login)

    def _rule_for(self, address: str) -> Rule | None:
        address = address.lower()
        rule = self._rules.get(address)
        if rule is not None:
            return rule
        local = address.rpartition("@")[0]
        for tag in local.split("+")[1:]:
            rule = DEFAULT_TAG_RULES.get(f"+{tag}")
            if rule is not None:
                return rule
        return None

    async def _accept(self, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        head = raw.split(b"\r\n\r\n", 1)[0]
        headers = self._header_parser.parsebytes(head)
        peer = session.peer if isinstance(session.peer, tuple) else ("", 0)
        message = AcceptedMessage(
            message_id=_header(headers, "Message-ID"),
            mail_from=envelope.mail_from or "",
            rcpt_tos=tuple(envelope.rcpt_tos),
            date=_header(headers, "Date"),
            subject=_header(headers, "Subject"),
            in_reply_to=_header(headers, "In-Reply-To"),
            references=_header(headers, "References"),
            list_unsubscribe=_header(headers, "List-Unsubscribe"),
            list_unsubscribe_post=_header(headers, "List-Unsubscribe-Post"),
            raw=bytes(raw),
            received_at=time.time(),
            peer_port=int(peer[1]),
        )
        if self.on_accept is not None:
            # In a worker thread: a slow callback (filing into Dovecot) must not stall the other
            # connections this loop serves.
            await asyncio.to_thread(self.on_accept, message)
        if self._record is not None:
            self._record.write(json.dumps(message.record(), ensure_ascii=False) + "\n")
            self._record.flush()
            if self.fsync:
                os.fsync(self._record.fileno())
        with self._lock:
            self._count += 1
            if self.keep_accepted:
                self._accepted.append(message)
            return f"S{self._count:08d}"

    def _close_record(self) -> None:
        if self._record is not None:
            self._record.close()
            self._record = None


def _header(headers: Any, name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        return None
    value = " ".join(str(value).split())
    if "=?" in value:
        try:
            value = str(make_header(decode_header(value)))
        except (UnicodeError, LookupError, ValueError):
            pass
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--record", type=Path, required=True,
                        help="file the accepted messages are appended to, one JSON line each")
    parser.add_argument("--fsync", action="store_true", help="fsync the record before each 250")
    parser.add_argument("--greeting-delay", type=float, default=0.0)
    args = parser.parse_args(argv)
    # Blocked before the server thread starts, which inherits the mask: only sigwait below sees
    # the signals, so a stop can never land in the middle of the server's own code.
    signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    server = SandboxSMTP(host=args.host, port=args.port, record_path=args.record,
                         fsync=args.fsync, greeting_delay_seconds=args.greeting_delay,
                         keep_accepted=False)
    server.start()
    print(f"READY {server.port}", flush=True)
    try:
        signal.sigwait(signals)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
