"""Outgoing mail over SMTP: message building and one reusable connection per sending inbox.

``build_message`` turns an ``OutgoingEmail`` into the RFC 5322 message Jengu sends (threading
headers for follow-ups, RFC 8058 one-click unsubscribe). ``SmtpSession`` sends those messages over a
single aiosmtplib connection, opened on the first send and closed with QUIT on exit, and reports
every attempt as a ``SendOutcome`` instead of raising: the stage where it ended, the server's reply
code and text, and whether the message may have been delivered although no reply came back.

The session drives the SMTP commands one by one (connect, STARTTLS, AUTH, MAIL, RCPT, DATA, the
body) rather than calling ``send_message``, because what the caller may do next depends on where a
failure happened: a refusal at RCPT means the address, a broken connection before the body means
nothing was handed over, and a broken connection after the body means the message may be sitting in
the recipient's mailbox and must never be sent again.

The password is only ever given to aiosmtplib's AUTH; it is scrubbed from every outcome message.
"""

from __future__ import annotations

import asyncio
import base64
import email.policy
import re
import ssl
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Literal

import aiosmtplib

from jengu_resources.redaction import SecretScrubber

TlsMode = Literal["implicit", "starttls", "none"]
Stage = Literal["connect", "auth", "mail", "rcpt", "data", "done"]

MAX_MESSAGE_CHARS = 500
# Nothing depends on the reply to QUIT, so a hung server must not hold the run up for long.
QUIT_TIMEOUT_SECONDS = 5.0
# Header lines SHOULD stay within 78 characters (RFC 5322 2.1.1); they MUST stay within 998.
_FOLD_AT = 78

# RFC 5322 serialisation with CRLF line ends; headers we fold ourselves (see _raw_header) are kept
# as they are instead of being refolded.
_POLICY = email.policy.SMTP.clone(refold_source="none")

_MSG_ID = re.compile(r"^<[!-;=?-~]+@[!-;=?-~]+>$")
_URI = re.compile(r"^[!-~]+$")
_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\\\"]+@[^@\s<>()\[\],;:\\\"]+$")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls_mode: TlsMode
    username: str | None
    password: str | None = field(repr=False)
    """Resolved by the caller from an env var; never logged and never put in an outcome."""
    timeout_seconds: float = 30.0
    """Per command."""
    connect_timeout_seconds: float = 10.0
    """TCP connect, implicit TLS handshake and the server's greeting together."""
    validate_certs: bool = True
    local_hostname: str | None = None


@dataclass(frozen=True)
class OutgoingEmail:
    message_id: str
    """``<...@domain>``, angle brackets included."""
    from_email: str
    from_name: str | None
    to_email: str
    subject: str
    body: str
    """Plain text."""
    date: datetime
    """Timezone-aware."""
    reply_to: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    unsubscribe_mailto: str | None = None
    """``mailto:unsubscribe@x?subject=unsubscribe``."""
    unsubscribe_url: str | None = None
    """An https one-click URL (RFC 8058)."""
    html_body: str | None = None


@dataclass(frozen=True)
class SendOutcome:
    delivered: bool
    stage: Stage
    """Where the attempt ended; ``done`` only when the server accepted the message."""
    code: int | None
    """The SMTP reply code; None when no reply came."""
    message: str
    """The server's text (at most 500 characters), or the kind of error when no reply came."""
    maybe_delivered: bool
    """The connection broke or timed out after the whole message was handed over: the server may
    have accepted it. Record "unknown" and never send it again."""


# -- building the message ------------------------------------------------------------------------

def new_message_id(domain: str) -> str:
    """A unique ``<...@domain>``: random, so it reveals neither the host nor the sending rate."""
    domain = _ascii_domain(domain.strip().strip("<>@"))
    if not domain or not _URI.match(domain):
        raise ValueError(f"not a domain for a Message-ID: {domain!r}")
    return f"<{uuid.uuid4().hex}@{domain}>"


def build_message(email: OutgoingEmail) -> EmailMessage:
    """The RFC 5322 message for ``email``; raises ValueError on a header value that cannot be sent.

    Non-ASCII display names and subjects become RFC 2047 encoded words. Message-IDs and unsubscribe
    links are written verbatim and folded only between items, never inside one: an encoded or broken
    URL would make the one-click unsubscribe unusable for the mailbox provider.
    """
    if email.date.tzinfo is None or email.date.utcoffset() is None:
        raise ValueError("OutgoingEmail.date must be timezone-aware")
    msg = EmailMessage(policy=_POLICY)
    msg["Message-ID"] = _message_id(email.message_id)
    msg["Date"] = format_datetime(email.date)
    msg["From"] = _address(email.from_email, email.from_name)
    msg["To"] = _address(email.to_email, None)
    msg["Subject"] = email.subject
    if email.reply_to:
        msg["Reply-To"] = _address(email.reply_to, None)
    if email.in_reply_to:
        _raw_header(msg, "In-Reply-To", [_message_id(email.in_reply_to)], " ")
    if email.references:
        _raw_header(msg, "References", [_message_id(r) for r in email.references], " ")
    links = []
    if email.unsubscribe_mailto:
        if not email.unsubscribe_mailto.lower().startswith("mailto:"):
            raise ValueError(f"unsubscribe_mailto must be a mailto: URI: {email.unsubscribe_mailto!r}")
        links.append(f"<{_uri(email.unsubscribe_mailto)}>")
    if email.unsubscribe_url:
        links.append(f"<{_uri(email.unsubscribe_url)}>")
    if links:
        _raw_header(msg, "List-Unsubscribe", links, ", ")
        # RFC 8058: one-click only over https; a POST to a plain http URL is not one-click.
        if email.unsubscribe_url and email.unsubscribe_url.lower().startswith("https://"):
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(email.body, cte=_transfer_encoding(email.body))
    if email.html_body is not None:
        msg.add_alternative(email.html_body, subtype="html",
                            cte=_transfer_encoding(email.html_body))
    return msg


def _transfer_encoding(text: str) -> str:
    # 8bit would need the server's 8BITMIME; quoted-printable passes every relay and stays readable
    # (and spam filters treat base64 text bodies with suspicion).
    if text.isascii() and all(len(line) <= _FOLD_AT for line in text.splitlines()):
        return "7bit"
    return "quoted-printable"


def _ascii_domain(domain: str) -> str:
    if domain.isascii():
        return domain.lower()
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"not a valid domain: {domain!r}") from exc


class _NeedsSmtpUtf8(ValueError):
    """An address whose local part is not ASCII (RFC 6531); this client does not speak SMTPUTF8."""


def _envelope_address(address: str) -> str:
    """The address as SMTP carries it without SMTPUTF8: the domain in IDNA, the local part ASCII."""
    address = address.strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise ValueError(f"not an email address: {address!r}")
    if not local.isascii():
        raise _NeedsSmtpUtf8(f"non-ASCII local part needs SMTPUTF8: {address!r}")
    result = f"{local}@{_ascii_domain(domain)}"
    if not (_ADDRESS.match(result) and result.isprintable()):
        raise ValueError(f"not an email address: {address!r}")
    return result


def _address(address: str, name: str | None) -> Address:
    addr = _envelope_address(address)
    return Address(display_name=name or "", addr_spec=addr)


def _message_id(value: str) -> str:
    value = value.strip()
    if not _MSG_ID.match(value):
        raise ValueError(f"not a Message-ID (<...@...>, ASCII, no spaces): {value!r}")
    return value


def _uri(value: str) -> str:
    value = value.strip()
    if not _URI.match(value) or "<" in value or ">" in value:
        raise ValueError(f"not a URI that fits in a header (ASCII, no spaces or <>): {value!r}")
    return value


def _raw_header(msg: EmailMessage, name: str, items: list[str], separator: str) -> None:
    """Add ``name`` folded between items only (the policy would RFC 2047-encode long tokens)."""
    line, lines = f"{name}: {items[0]}", []
    for item in items[1:]:
        if len(line) + len(separator) + len(item) > _FOLD_AT:
            lines.append(line + separator.rstrip())
            line = " " + item
        else:
            line += separator + item
    lines.append(line)
    msg.set_raw(name, "\r\n".join(lines)[len(name) + 2:])


def _wire_bytes(msg: EmailMessage) -> bytes:
    """The message as it goes on the wire after DATA: CRLF line ends, dot-stuffed, terminated."""
    data = msg.as_bytes(policy=_POLICY)
    data = re.sub(rb"(?<!\r)\n", b"\r\n", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    # RFC 5321 4.5.2: a line that starts with a dot gets a second one, or the server would read a
    # lone "." as the end of the message.
    if data.startswith(b"."):
        data = b"." + data
    return data.replace(b"\r\n.", b"\r\n..") + b".\r\n"


# -- sending -------------------------------------------------------------------------------------

class _Failed(Exception):
    """Ends a send attempt with the given outcome."""

    def __init__(self, outcome: SendOutcome) -> None:
        super().__init__(outcome.message)
        self.outcome = outcome


class SmtpSession:
    """One connection per inbox per run: opened lazily on the first send, reused for every message,
    closed with QUIT on exit. Sends on one session never overlap (an asyncio.Lock): SMTP is a
    strict request-reply protocol on one connection.

    ``send`` returns a ``SendOutcome`` for every SMTP or network failure and raises only on a
    message that cannot be built (ValueError), which is the caller's bug, and when cancelled: a
    send cancelled during DATA may have delivered, so the caller records the attempt before it
    sends. A 421 or a broken
    connection closes the connection; the next send opens a new one. A connection the server closed
    while it sat idle between sends is noticed at MAIL, before anything was handed over, and
    replaced once within the same send.
    """

    def __init__(self, settings: SmtpSettings) -> None:
        if settings.tls_mode not in ("implicit", "starttls", "none"):
            raise ValueError(f"unknown tls_mode {settings.tls_mode!r}")
        self.settings = settings
        self._client: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()
        self._connections_opened = 0
        self._scrub = SecretScrubber(_secret_forms(settings.username, settings.password),
                                     min_length=1)

    @property
    def connections_opened(self) -> int:
        return self._connections_opened

    async def __aenter__(self) -> SmtpSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        async with self._lock:
            client, self._client = self._client, None
            if client is None:
                return
            try:
                if client.is_connected:
                    await client.quit(timeout=min(QUIT_TIMEOUT_SECONDS, self.settings.timeout_seconds))
            except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError):
                pass
            finally:
                client.close()

    async def send(self, email: OutgoingEmail) -> SendOutcome:
        # Refusals made here carry their own enhanced status, so the bounce rules read them like
        # a server's.
        try:
            sender = _envelope_address(email.from_email)
        except ValueError:
            return SendOutcome(False, "mail", None, "5.1.7 invalid sender address", False)
        try:
            recipient = _envelope_address(email.to_email)
        except _NeedsSmtpUtf8:
            return SendOutcome(False, "rcpt", None,
                               "5.6.7 non-ASCII local part needs SMTPUTF8", False)
        except ValueError:
            return SendOutcome(False, "rcpt", None, "5.1.3 invalid recipient address", False)
        # Built before any network I/O: a message that cannot be built never costs a connection.
        data = _wire_bytes(build_message(email))
        async with self._lock:
            try:
                return await self._send(sender, recipient, data)
            except _Failed as failed:
                return failed.outcome
            except asyncio.CancelledError:
                # A reply may still be on its way; the next command must not read it as its own.
                self._drop()
                raise

    async def _send(self, sender: str, recipient: str, data: bytes) -> SendOutcome:
        reused = self._client is not None and self._client.is_connected
        client = await self._connected()
        try:
            await self._mail(client, sender)
        except _Failed as failed:
            if not (reused and failed.outcome.code is None):
                raise
            # The server dropped the idle connection; nothing was handed over, so one fresh
            # connection may try again.
            client = await self._connected()
            await self._mail(client, sender)
        await self._rcpt(client, recipient)
        return await self._data(client, data)

    async def check_login(self) -> SendOutcome | None:
        """Connect, EHLO, STARTTLS or implicit TLS and AUTH, exactly as before a first MAIL FROM,
        and send nothing. None when all went through; else the outcome naming where it stopped."""
        try:
            await self._connected()
        except _Failed as failed:
            return failed.outcome
        return None

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        self._drop()
        s = self.settings
        client = aiosmtplib.SMTP(
            hostname=s.host, port=s.port, local_hostname=s.local_hostname,
            timeout=s.timeout_seconds, use_tls=s.tls_mode == "implicit", start_tls=False,
            validate_certs=s.validate_certs)
        try:
            try:
                async with asyncio.timeout(s.connect_timeout_seconds):
                    await client.connect(timeout=s.connect_timeout_seconds)
            except BaseException:
                # Whatever failed (a TLS handshake leaves a transport behind): close it now,
                # not at garbage collection.
                client.close()
                raise
        except (TimeoutError, aiosmtplib.SMTPConnectTimeoutError):
            raise self._failure("connect", None, "connect timeout")
        except aiosmtplib.SMTPConnectResponseError as exc:
            raise self._failure("connect", exc.code, exc.message)
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise self._failure("connect", None, f"connection failed: {_cause(exc)}")
        self._connections_opened += 1
        self._client = client
        try:
            await self._hello(client)
            await self._login(client)
        except _Failed:
            self._drop()
            raise
        return client

    async def _hello(self, client: aiosmtplib.SMTP) -> None:
        try:
            await client.ehlo()
        except aiosmtplib.SMTPHeloError as exc:
            if exc.code == 421 or not client.is_connected:
                raise self._failure("connect", exc.code, exc.message)
            try:
                await client.helo()
            except aiosmtplib.SMTPResponseException as helo_exc:
                raise self._failure("connect", helo_exc.code, helo_exc.message)
        except aiosmtplib.SMTPResponseException as exc:
            raise self._failure("connect", exc.code, exc.message)
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise self._failure("connect", None, _no_reply(exc))
        if self.settings.tls_mode != "starttls":
            return
        if not client.supports_extension("starttls"):
            # Never fall back to plain text: the password and the mail would travel readable.
            raise self._failure("connect", None, "STARTTLS not offered")
        try:
            await client.starttls()
            await client.ehlo()
        except aiosmtplib.SMTPResponseException as exc:
            raise self._failure("connect", exc.code, exc.message)
        except (ssl.SSLError, ssl.CertificateError) as exc:
            raise self._failure("connect", None, f"TLS failed: {_cause(exc)}")
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise self._failure("connect", None, _no_reply(exc))

    async def _login(self, client: aiosmtplib.SMTP) -> None:
        s = self.settings
        if not s.username or s.password is None:
            return
        if not client.supports_extension("auth"):
            raise self._failure("auth", None, "AUTH not offered")
        try:
            await client.login(s.username, s.password)
        except aiosmtplib.SMTPResponseException as exc:
            raise self._failure("auth", exc.code, exc.message)
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise self._failure("auth", None, _no_reply(exc))

    async def _mail(self, client: aiosmtplib.SMTP, sender: str) -> None:
        try:
            await client.mail(sender)
        except aiosmtplib.SMTPResponseException as exc:
            await self._reset(client)
            raise self._failure("mail", exc.code, exc.message)
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise self._failure("mail", None, _no_reply(exc))

    async def _rcpt(self, client: aiosmtplib.SMTP, recipient: str) -> None:
        try:
            await client.rcpt(recipient)
        except aiosmtplib.SMTPResponseException as exc:
            await self._reset(client)
            raise self._failure("rcpt", exc.code, exc.message)
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise self._failure("rcpt", None, _no_reply(exc))

    async def _data(self, client: aiosmtplib.SMTP, data: bytes) -> SendOutcome:
        # DATA and the body are two steps here (aiosmtplib's data() does both) so that a failure
        # before the 354 can be told apart from one after the body was handed over.
        try:
            reply = await client.execute_command(b"DATA")
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise self._failure("data", None, _no_reply(exc))
        if reply.code != 354:
            await self._reset(client)
            raise self._failure("data", reply.code, reply.message)
        protocol = client.protocol
        try:
            if protocol is None:
                raise aiosmtplib.SMTPServerDisconnected("connection lost")
            protocol.write(data)
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise self._failure("data", None, _no_reply(exc))
        try:
            reply = await protocol.read_response(timeout=self.settings.timeout_seconds)
        except (aiosmtplib.SMTPException, OSError) as exc:
            # The whole message is with the server; only its answer is missing. The connection
            # cannot be trusted to pair the next reply with the next command either.
            self._drop()
            raise _Failed(SendOutcome(False, "data", None, self._clean(_no_reply(exc)), True))
        if reply.code == 421:
            client.close()
        if reply.code != 250:
            raise self._failure("data", reply.code, reply.message)
        return SendOutcome(True, "done", reply.code, self._clean(reply.message), False)

    async def _reset(self, client: aiosmtplib.SMTP) -> None:
        """RSET after a refusal so the connection can carry the next message."""
        if not client.is_connected:
            return
        try:
            await client.rset()
        except (aiosmtplib.SMTPException, OSError):
            client.close()

    def _failure(self, stage: Stage, code: int | None, message: str) -> _Failed:
        if self._client is not None and not self._client.is_connected:
            self._drop()
        return _Failed(SendOutcome(False, stage, code, self._clean(message), False))

    def _drop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _clean(self, text: str) -> str:
        return " ".join(self._scrub(text).split())[:MAX_MESSAGE_CHARS]


def _secret_forms(username: str | None, password: str | None) -> list[str]:
    """The password as it could appear in a server's echo: plain, and base64 as AUTH sends it."""
    if not password:
        return []
    forms = [password, base64.b64encode(password.encode()).decode()]
    if username:
        forms.append(base64.b64encode(f"\0{username}\0{password}".encode()).decode())
    return forms


def _cause(exc: BaseException) -> str:
    inner = exc.__cause__ or exc
    return str(inner) or type(inner).__name__


def _no_reply(exc: BaseException) -> str:
    if isinstance(exc, (aiosmtplib.SMTPTimeoutError, TimeoutError)):
        return "timeout"
    if isinstance(exc, (aiosmtplib.SMTPServerDisconnected, ConnectionError)):
        return "disconnected"
    return f"{type(exc).__name__}: {_cause(exc)}"
