"""Jengu's IMAP client, on imap-tools: the sending inboxes as their mail servers store them.

The Sent-folder reconcile asks ``find_message_ids``: which of the Message-IDs Jengu believes it
sent does the inbox's Sent folder hold? It searches by ``HEADER Message-ID`` for many ids per
command, fetches only the Message-ID header of what matched, and compares exact ids after
unfolding (a long header comes back folded onto continuation lines), because IMAP SEARCH is a
case-insensitive substring match and only an exact id proves a copy. ``append_message`` stores a
copy where the server did not keep one itself.

Every call opens one connection, logs in, does its work and logs out; ``_run`` holds that
frame, so a reader of new replies (a cursor of UIDVALIDITY and the last UID, see ``_examine``) is
one more function beside these.

Failures surface as ``ImapError`` naming the server, the user and the step that failed. The
password is sent only to log in and never appears in an error message.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import imaplib
import re
import ssl
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Literal, TypeVar

from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessageFlags
from imap_tools.errors import ImapToolsError, MailboxAppendError, MailboxFolderSelectError

TlsMode = Literal["implicit", "starttls", "none"]
T = TypeVar("T")

# Ids per SEARCH command. Servers cap the command line (Dovecot at 64 KiB; RFC 7162 asks clients
# to stay near 8 KiB), so a batch also stops at a byte budget below that.
SEARCH_BATCH_IDS = 50
SEARCH_BATCH_BYTES = 6000
# A msg-id is printable ASCII without spaces (RFC 5322 3.6.4), angle brackets included.
_MESSAGE_ID = re.compile(r"^<[!-~]+>$")
# The network and protocol failures a session turns into ImapError; anything else is a bug.
_FAILURES = (OSError, EOFError, imaplib.IMAP4.error, ImapToolsError)
_HEADER_PARSER = email.parser.BytesHeaderParser(policy=email.policy.compat32)


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    tls_mode: TlsMode
    username: str
    password: str = field(repr=False)
    """Resolved by the caller from an env var; sent only to log in."""
    timeout_seconds: float = 30.0
    """Connect and every read or write on the connection."""

    def __post_init__(self) -> None:
        if self.tls_mode not in ("implicit", "starttls", "none"):
            raise ValueError(f"unknown tls_mode {self.tls_mode!r}")


class ImapError(RuntimeError):
    """An IMAP step failed; the message names host, port, user and the step, never the password."""


# -- the session frame ----------------------------------------------------------------------------

def _mailbox(settings: ImapSettings) -> BaseMailBox:
    """Connected (and for STARTTLS, encrypted), not logged in."""
    if settings.tls_mode == "implicit":
        return MailBox(settings.host, settings.port, timeout=settings.timeout_seconds,
                       ssl_context=ssl.create_default_context())
    if settings.tls_mode == "starttls":
        return MailBoxStartTls(settings.host, settings.port, timeout=settings.timeout_seconds,
                               ssl_context=ssl.create_default_context())
    return MailBoxUnencrypted(settings.host, settings.port, timeout=settings.timeout_seconds)


def _login(box: BaseMailBox, settings: ImapSettings) -> None:
    if (settings.username + settings.password).isascii():
        box.login(settings.username, settings.password, initial_folder=None)
    else:
        # LOGIN's quoted strings are ASCII in imaplib; SASL PLAIN carries UTF-8.
        box.login_utf8(settings.username, settings.password, initial_folder=None)


def _scrub(text: str, settings: ImapSettings) -> str:
    """``text`` without the password in any form a server could echo: as typed, as LOGIN quotes
    it, and base64 as SASL PLAIN sends it."""
    password = settings.password
    if not password:
        return text
    plain = f"\0{settings.username}\0{password}".encode()
    forms = {password, password.replace("\\", "\\\\").replace('"', '\\"'),
             base64.b64encode(plain).decode()}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "***")
    return text


def _error(settings: ImapSettings, step: str, exc: BaseException) -> ImapError:
    detail = _scrub(str(exc) or type(exc).__name__, settings)
    if isinstance(exc, TimeoutError):
        detail = f"no answer within {settings.timeout_seconds:g} s ({detail})"
    return ImapError(f"IMAP {step} failed on {settings.host}:{settings.port} "
                     f"({settings.tls_mode}) as {settings.username!r}: {detail}")


def _close_quietly(box: BaseMailBox) -> None:
    # After a failure the connection may be half-dead; a LOGOUT could wait out the timeout again.
    try:
        box.client.shutdown()
    except _FAILURES:
        pass


def _run(settings: ImapSettings, step: str, work: Callable[[BaseMailBox], T]) -> T:
    """Connect, log in, ``work``, log out: the frame of every call, one connection each."""
    current = "connect"
    box: BaseMailBox | None = None
    try:
        box = _mailbox(settings)
        current = "login"
        _login(box, settings)
        current = step
        result = work(box)
    except _FAILURES as exc:
        if box is not None:
            _close_quietly(box)
        # Not chained: the library's exception could carry the command that failed.
        raise _error(settings, current, exc) from None
    except BaseException:
        if box is not None:
            _close_quietly(box)
        raise
    try:
        box.logout()
    except _FAILURES:
        # The work is done: failing now would make a caller append or search a second time.
        _close_quietly(box)
    return result


def _folder_exists(box: BaseMailBox, folder: str) -> bool:
    # LIST treats * and % as wildcards, so the names that come back are compared exactly.
    return any(info.name == folder or (folder.upper() == "INBOX" and info.name.upper() == "INBOX")
               for info in box.folder.list("", folder))


def _examine(box: BaseMailBox, folder: str) -> int | None:
    """Select ``folder`` read-only (nothing gets marked seen) and return its UIDVALIDITY, or None
    when the folder does not exist. UIDs are only comparable under the same UIDVALIDITY."""
    try:
        box.folder.set(folder, readonly=True)
    except MailboxFolderSelectError:
        # Servers word a missing folder differently ([NONEXISTENT] is optional); LIST settles it.
        if not _folder_exists(box, folder):
            return None
        raise
    values = box.client.untagged_responses.get("UIDVALIDITY") or [b"0"]
    return int(values[-1])


# -- Message-IDs ----------------------------------------------------------------------------------

def _canonical_id(value: str) -> str:
    # Unfolds and drops the white space a folded header leaves around the id; an id has none.
    return "".join(value.split())


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _any_of(keys: list[str]) -> str:
    """One search key matching any of ``keys``: OR is binary, so build a balanced tree, which
    keeps the server's parser recursion at log2(n) instead of n."""
    if len(keys) == 1:
        return keys[0]
    middle = len(keys) // 2
    return f"OR {_any_of(keys[:middle])} {_any_of(keys[middle:])}"


def _batches(ids: list[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    size = 0
    for message_id in ids:
        cost = len(message_id) + 25
        if batch and (len(batch) >= SEARCH_BATCH_IDS or size + cost > SEARCH_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(message_id)
        size += cost
    if batch:
        yield batch


def _message_id_headers(box: BaseMailBox, uids: list[str]) -> Iterator[str]:
    """Every Message-ID header value of the messages ``uids``, as stored (possibly folded)."""
    typ, data = box.client.uid("FETCH", ",".join(uids), "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    if typ != "OK":
        raise imaplib.IMAP4.error(f"UID FETCH answered {typ}: {data!r}")
    for item in data:
        # Literals come as (prefix, bytes) pairs; the bare b")" entries close each message.
        if isinstance(item, tuple) and len(item) == 2:
            yield from _HEADER_PARSER.parsebytes(item[1]).get_all("Message-ID", [])


def find_message_ids(settings: ImapSettings, folder: str, message_ids: Iterable[str]) -> set[str]:
    """The ids of ``message_ids`` (``<...>`` as in the header) present in ``folder``, as given.

    A folder that does not exist holds nothing: the result is empty, not an error. Raises
    ``ValueError`` on a value that is not a Message-ID (reported absent, it would be sent again)
    and ``ImapError`` when the server cannot be asked."""
    wanted: dict[str, set[str]] = {}
    for given in message_ids:
        canonical = given.strip()
        if not _MESSAGE_ID.match(canonical):
            raise ValueError(f"not a Message-ID (<...>, printable ASCII, no spaces): {given!r}")
        wanted.setdefault(canonical, set()).add(given)
    if not wanted:
        return set()

    def work(box: BaseMailBox) -> set[str]:
        if _examine(box, folder) is None:
            return set()
        found: set[str] = set()
        for batch in _batches(sorted(wanted)):
            criteria = _any_of([f"HEADER Message-ID {_quoted(i)}" for i in batch])
            uids = box.uids(criteria, charset=None)
            if not uids:
                continue
            for value in _message_id_headers(box, uids):
                canonical = _canonical_id(value)
                if canonical in wanted:
                    found |= wanted[canonical]
        return found

    return _run(settings, f"search for Message-IDs in {folder!r}", work)


# -- storing --------------------------------------------------------------------------------------

def _internal_date(raw: bytes) -> datetime | None:
    """The message's own Date, so a copy appended later sorts where it was sent."""
    value = _HEADER_PARSER.parsebytes(raw).get("Date")
    if not value:
        return None
    try:
        date = parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return None
    return date if date.tzinfo is not None else None


def append_message(settings: ImapSettings, folder: str, raw: bytes, *, seen: bool = True) -> None:
    """Store ``raw`` in ``folder`` (created when missing), flagged seen unless ``seen=False``."""
    flags = [MailMessageFlags.SEEN] if seen else None
    date = _internal_date(raw)

    def work(box: BaseMailBox) -> None:
        try:
            box.append(raw, folder, dt=date, flag_set=flags)
            return
        except MailboxAppendError as exc:
            # [TRYCREATE] is the server's hint (RFC 3501 6.3.11); LIST covers servers without it.
            if "TRYCREATE" not in str(exc).upper() and _folder_exists(box, folder):
                raise
        try:
            box.folder.create(folder)
        except ImapToolsError:
            # Another client may have created it in the meantime.
            if not _folder_exists(box, folder):
                raise
        try:
            # Mail clients often list subscribed folders only; the copies should be visible.
            box.folder.subscribe(folder, True)
        except ImapToolsError:
            pass
        box.append(raw, folder, dt=date, flag_set=flags)

    _run(settings, f"append to {folder!r}", work)


def check_login(settings: ImapSettings) -> None:
    """Connect and log in, or raise ``ImapError`` saying which step failed."""
    _run(settings, "check", lambda box: None)
