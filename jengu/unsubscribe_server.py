"""``jengu unsubscribe-server``: the small HTTP service behind every email's unsubscribe link.

Routes (``<token>`` comes from ``jengu_assets.sending.unsubscribe.make_token``):

    GET  /u/<token>   a confirm page with one button; never unsubscribes by itself, because mail
                      security scanners fetch every link in a message before anyone reads it
    POST /u/<token>   unsubscribes at once: RFC 8058 one-click (``List-Unsubscribe=One-Click``,
                      form-urlencoded or multipart, sent by mail providers) or the page's button
    GET  /healthz     ``ok``, for the reverse proxy; touches nothing

It listens on loopback by default and expects a TLS-terminating reverse proxy in front (one-click
is honoured by providers only over https). The CRM file is opened per unsubscribe for one short
transaction and never held, so the service runs beside Dagster without blocking its writers.
Request logs mask addresses and never show a token, since a token carries the address readably.

Needs ``JENGU_UNSUBSCRIBE_SECRET`` (the same one the sending side signs links with) and
``JENGU_HOME`` (the CRM store).
"""

from __future__ import annotations

import email.parser
import email.policy
import html
import logging
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from jengu_assets.composition.compliance import suppress_address
from jengu_assets.sending.unsubscribe import SECRET_ENV, TokenError, read_token
from jengu_resources.crm_store import CRMStore, StoreBusyError
from jengu_resources.redaction import mask_addresses, mask_email

log = logging.getLogger("jengu.unsubscribe")

REASON_ONE_CLICK = "unsubscribed (one-click)"
REASON_CONFIRMED = "unsubscribed (confirmed on page)"
SOURCE = "unsubscribe_link"
ACTOR = "web:unsubscribe"

# A one-click body is 26 bytes and the page's form about as much; anything far larger is not an
# unsubscribe request.
MAX_BODY_BYTES = 4096
# Oversized bodies up to this size are read and dropped before answering 413: closing a socket
# with unread data makes the kernel reset it, and the client would see a reset, not the 413.
_DRAIN_LIMIT = 64 * 1024

_TOKEN_ROUTE = re.compile(r"/u/([^/]+)")
_TOKEN_IN_TEXT = re.compile(r"/u/([^\s\"'?#/]*)[^\s\"']*")
_ENCODED_AT = re.compile(r"%40", re.IGNORECASE)


class MissingSecretError(RuntimeError):
    """The service was started without the secret that unsubscribe links are signed with."""


def scrub(text: str, secret: str) -> str:
    """``text`` fit for a log: a token becomes the masked address it carries (or
    ``<invalid token>``), and any other address is masked too."""

    def token(match: re.Match[str]) -> str:
        try:
            return f"/u/<{mask_email(read_token(match.group(1), secret))}>"
        except TokenError:
            return "/u/<invalid token>"

    text = _TOKEN_IN_TEXT.sub(token, text)
    text = _ENCODED_AT.sub("@", text)
    return mask_addresses(text)


def _page(title: str, *paragraphs: str, form: bool = False) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    if form:
        # No action attribute: the form posts back to the very URL it was served from, which
        # stays right behind a proxy that adds a path prefix.
        body += (
            '<form method="post"><input type="hidden" name="confirm" value="unsubscribe">'
            '<button type="submit">Unsubscribe</button></form>'
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="robots" content="noindex"><title>{html.escape(title)}</title></head>'
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>\n"
    ).encode("utf-8")


def _confirm_page(address: str) -> bytes:
    return _page(
        "Unsubscribe",
        f"Stop all emails from us to {html.escape(mask_email(address))}?",
        form=True,
    )


def _done_page(address: str) -> bytes:
    return _page(
        "You are unsubscribed",
        f"We will not write to {html.escape(mask_email(address))} again.",
    )


_INVALID_LINK = _page("Link not valid", "This unsubscribe link is not valid. "
                      "Reply to our email with the word unsubscribe and we will stop writing.")


def _form_fields(content_type_header: str, content_type: str, body: bytes) -> dict[str, str]:
    """The first value of each form field, from a urlencoded or multipart/form-data body."""
    if content_type == "multipart/form-data":
        raw = b"Content-Type: " + content_type_header.encode("latin-1") + b"\r\n\r\n" + body
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
        fields: dict[str, str] = {}
        if message.is_multipart():
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True) or b""
                if isinstance(name, str) and name not in fields:
                    fields[name] = payload.decode("utf-8", "replace").strip()
        return fields
    parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[0].strip() for name, values in parsed.items()}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], store: CRMStore, secret: str):
        self.store = store
        self.secret = secret
        # DuckDB refuses one of two concurrent transactions that touch the same row; unsubscribes
        # are rare, so serialising them costs nothing and spares the second click an error.
        self.write_lock = threading.Lock()
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "jengu-unsubscribe"
    sys_version = ""
    # A client that stops sending must not hold a thread for ever.
    timeout = 15

    # -- routes ------------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._get(head=False)

    def do_HEAD(self) -> None:
        self._get(head=True)

    def _get(self, *, head: bool) -> None:
        path = urlsplit(self.path).path
        if path == "/healthz":
            self._send(200, b"ok\n", content_type="text/plain; charset=utf-8", head=head)
            return
        address = self._address_from(path, head=head)
        if address is not None:
            self._send(200, _confirm_page(address), head=head)

    def do_POST(self) -> None:
        body = self._read_body()
        if body is None:
            return
        address = self._address_from(urlsplit(self.path).path)
        if address is None:
            return
        fields = _form_fields(
            self.headers.get("Content-Type", ""), self.headers.get_content_type(), body
        )
        # Any POST counts, not only the two known bodies: prefetchers do not POST, and turning
        # away a real request to stop mail is worse than one unsubscribe too many.
        one_click = fields.get("List-Unsubscribe", "").lower() == "one-click"
        reason = REASON_ONE_CLICK if one_click else REASON_CONFIRMED
        try:
            with self.server.write_lock, self.server.store.transaction() as con:
                moved = suppress_address(con, address, reason=reason, source=SOURCE, actor=ACTOR)
        except StoreBusyError:
            log.warning("CRM store busy; asked the client to retry the unsubscribe of %s",
                        mask_email(address))
            self._send(503, _page("Please try again", "We could not record your request just "
                                  "now. Please try again in a minute."),
                       extra={"Retry-After": "60"})
            return
        except Exception as exc:
            log.error("unsubscribe of %s failed: %s", mask_email(address),
                      scrub(f"{type(exc).__name__}: {exc}", self.server.secret))
            self._send(500, _page("Something went wrong", "Please reply to our email with the "
                                  "word unsubscribe instead."))
            return
        log.info("%s: %s, %d prospect(s) suppressed", mask_email(address), reason, len(moved))
        self._send(200, _done_page(address))

    # -- helpers -----------------------------------------------------------------------------

    def _address_from(self, path: str, *, head: bool = False) -> str | None:
        """The address a token route carries; answers 404 or 400 itself and returns None."""
        match = _TOKEN_ROUTE.fullmatch(path)
        if match is None:
            self._send(404, _page("Not found", "There is nothing here."), head=head)
            return None
        try:
            return read_token(match.group(1), self.server.secret)
        except TokenError:
            self._send(400, _INVALID_LINK, head=head)
            return None

    def _read_body(self) -> bytes | None:
        """The request body, or None after answering 400/411/413."""
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            if self.headers.get("Transfer-Encoding"):
                self._send(411, _page("Length required", "Send a Content-Length."), close=True)
                return None
            return b""
        try:
            length = int(length_header)
            if length < 0:
                raise ValueError(length_header)
        except ValueError:
            self._send(400, _page("Bad request", "Bad Content-Length."), close=True)
            return None
        if length > MAX_BODY_BYTES:
            if length <= _DRAIN_LIMIT:
                self.rfile.read(length)
            self._send(413, _page("Too large", "This request is too large."), close=True)
            return None
        return self.rfile.read(length)

    def _send(
        self,
        status: int,
        body: bytes,
        *,
        content_type: str = "text/html; charset=utf-8",
        head: bool = False,
        close: bool = False,
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        headers = {
            "Content-Type": content_type,
            "Content-Length": str(len(body)),
            # Each answer depends on a one-off action; neither browsers nor proxies may reuse it.
            "Cache-Control": "no-store",
            "X-Robots-Tag": "noindex, nofollow",
            # The URL carries the token; no other site may learn it through a Referer header.
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
            # frame-ancestors: no other page may frame the button and trick a click onto it.
            "Content-Security-Policy": (
                "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
            ),
            **(extra or {}),
        }
        if close:
            headers["Connection"] = "close"
            self.close_connection = True
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    # -- logging -----------------------------------------------------------------------------

    def log_message(self, format: str, *args) -> None:
        # Every request and error line of http.server passes through here; the request line
        # holds the token, and a malformed request's error message repeats it.
        log.info("%s %s", self.address_string(), scrub(format % args, self.server.secret))


class UnsubscribeServer:
    """The service on ``host:port`` (port 0 picks a free one), bound at construction.

    ``start()`` serves from a background thread (tests, embedding), ``serve_forever()`` from the
    calling one; ``stop()`` ends either and frees the port. Also a context manager.
    """

    def __init__(self, store: CRMStore, secret: str | None, host: str = "127.0.0.1",
                 port: int = 8025):
        if not secret:
            raise MissingSecretError(
                f"{SECRET_ENV} is not set: the unsubscribe service cannot check links without "
                "the secret they are signed with. Set it to the same value the sending side uses "
                "(a long random string, e.g. from `python -c \"import secrets; "
                "print(secrets.token_urlsafe(32))\"`)."
            )
        self._httpd = _Server((host, port), store, secret)
        self._thread: threading.Thread | None = None
        self._serving = threading.Event()

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def serve_forever(self) -> None:
        self._serving.set()
        try:
            self._httpd.serve_forever(poll_interval=0.2)
        finally:
            self._serving.clear()

    def start(self) -> UnsubscribeServer:
        self._thread = threading.Thread(
            target=self.serve_forever, name="unsubscribe-server", daemon=True
        )
        self._thread.start()
        self._serving.wait(5)
        return self

    def stop(self) -> None:
        # shutdown() waits for the serve loop to notice, so it would hang if none is running.
        if self._serving.is_set():
            self._httpd.shutdown()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> UnsubscribeServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def serve(store: CRMStore, secret: str | None, host: str = "127.0.0.1", port: int = 8025) -> int:
    """Serve until Ctrl-C. Raises ``MissingSecretError`` without a secret, ``OSError`` when the
    address cannot be bound."""
    server = UnsubscribeServer(store, secret, host=host, port=port)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s",
                            stream=sys.stderr)
    log.setLevel(logging.INFO)
    print(f"Unsubscribe service on {server.url}/u/<token>  (CRM store {store.db_path})",
          flush=True)
    print("Ctrl-C stops it.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
