"""Jengu's IMAP client, on imap-tools: the sending inboxes as their mail servers store them.

The Sent-folder reconcile asks ``find_message_ids``: which of the Message-IDs Jengu believes it
sent does the inbox's Sent folder hold? It searches by ``HEADER Message-ID`` for many ids per
command, fetches only the Message-ID header of what matched, and compares exact ids after
unfolding (a long header comes back folded onto continuation lines), because IMAP SEARCH is a
case-insensitive substring match and only an exact id proves a copy. ``append_message`` stores a
copy where the server did not keep one itself.

The reply reader polls with ``fetch_new``: a cursor of (UIDVALIDITY, last UID) per folder, the
folder examined read-only and the new messages fetched whole with ``BODY.PEEK[]``, so nothing is
marked seen before the caller has stored the bytes; ``mark_seen`` flags them afterwards.
``idle_wait`` sleeps on IMAP IDLE until the server announces new mail.

Every call opens one connection, logs in, does its work and logs out; ``_run`` holds that frame.

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
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Literal, TypeVar

from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessageFlags
from imap_tools.errors import ImapToolsError, MailboxAppendError, MailboxFolderSelectError

from jengu_resources.redaction import SecretScrubber

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
    forms = [password, password.replace("\\", "\\\\").replace('"', '\\"'),
             base64.b64encode(plain).decode()]
    return SecretScrubber(forms, min_length=1)(text)


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


def _chunked(items: Iterable[T], cost: Callable[[T], int], *, max_items: int,
             max_cost: int) -> Iterator[list[T]]:
    """``items`` in order, cut into lists of at most ``max_items`` whose costs add up to at most
    ``max_cost``; an item costlier than that alone still gets a list of its own."""
    chunk: list[T] = []
    total = 0
    for item in items:
        price = cost(item)
        if chunk and (len(chunk) >= max_items or total + price > max_cost):
            yield chunk
            chunk, total = [], 0
        chunk.append(item)
        total += price
    if chunk:
        yield chunk


def _batches(ids: list[str]) -> Iterator[list[str]]:
    """Message-IDs per SEARCH command: each costs its length plus the ``OR HEADER ...`` around it."""
    return _chunked(ids, lambda message_id: len(message_id) + 25, max_items=SEARCH_BATCH_IDS,
                    max_cost=SEARCH_BATCH_BYTES)


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


# -- polling for replies --------------------------------------------------------------------------

# Messages per UID FETCH, and the bytes a single FETCH may bring back: a batch of attachments
# arrives in pieces instead of one response the size of the whole window.
FETCH_CHUNK_MESSAGES = 500
FETCH_CHUNK_BYTES = 16 * 1024 * 1024
# UIDs per STORE: a sparse set written as single numbers stays far below any command-line limit.
STORE_CHUNK_UIDS = 500
# RFC 2177: a client re-issues IDLE at least every 29 minutes or the server may log it off.
_IDLE_RENEW_SECONDS = 25 * 60
# Without IDLE the server is asked with NOOP this often.
_NOOP_POLL_SECONDS = 2.0

_FETCH_START = re.compile(rb"^\d+ \(")
_FETCH_UID = re.compile(rb"\bUID (\d+)")
_FETCH_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
_FETCH_DATE = re.compile(rb'\bINTERNALDATE "([^"]*)"')
_FETCH_EMPTY_BODY = re.compile(rb'\bBODY\[\] ""')
_ESEARCH_ALL = re.compile(rb"\bALL ([0-9:,]+)")
_INTERNALDATE = re.compile(
    r"^\s*(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$")
_MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_EXISTS = re.compile(rb"^\* \d+ EXISTS")


@dataclass(frozen=True)
class FetchedMessage:
    uid: int
    raw: bytes
    """The full RFC 5322 message exactly as the server stores it, its own trace headers included."""
    internal_date: datetime | None
    """When the server received it (IMAP INTERNALDATE), timezone-aware."""


@dataclass(frozen=True)
class FetchBatch:
    uidvalidity: int
    """The folder's UIDVALIDITY; 0 when the folder does not exist (no real folder has 0)."""
    messages: list[FetchedMessage]
    """Ascending UID order, oldest first."""
    highest_uid: int
    """The next call's ``last_uid``: every UID up to it has been handed out (or was expunged
    meanwhile). Never below ``last_uid`` unless ``reset``."""
    reset: bool
    """UIDVALIDITY changed since the cursor: the old UIDs mean nothing now, ``messages`` start
    again at UID 1 and the caller must expect messages it has seen before."""
    more: bool = False
    """Messages above ``highest_uid`` were left for the next call (``limit`` or the byte budget)."""


def _uid_set(uids: list[int]) -> str:
    """``uids`` (ascending, distinct) as an IMAP sequence set, consecutive runs as ranges."""
    runs: list[str] = []
    start = previous = uids[0]
    for uid in uids[1:]:
        if uid != previous + 1:
            runs.append(f"{start}:{previous}" if previous != start else str(start))
            start = uid
        previous = uid
    runs.append(f"{start}:{previous}" if previous != start else str(start))
    return ",".join(runs)


def _expand(sequence_set: bytes) -> Iterator[int]:
    for part in sequence_set.split(b","):
        low, _, high = part.partition(b":")
        first, last = int(low), int(high or low)
        yield from range(min(first, last), max(first, last) + 1)


def _capabilities(box: BaseMailBox) -> set[str]:
    # Asked after login: servers announce less before it (Dovecot leaves out ESEARCH).
    typ, data = box.client.capability()
    if typ != "OK" or not data or not data[-1]:
        return set()
    return {word.upper() for word in data[-1].decode("ascii", "replace").split()}


def _uids_from(box: BaseMailBox, first: int, capabilities: set[str]) -> list[int]:
    """The UIDs of the selected folder from ``first`` on, ascending."""
    client = box.client
    if "ESEARCH" in capabilities:
        # RFC 4731 answers with a compact set ("1:10000"); a plain SEARCH lists every UID on one
        # line, which imaplib refuses beyond 1 MB (about 140,000 messages).
        client.untagged_responses.pop("ESEARCH", None)
        typ, data = client.uid("SEARCH", "RETURN", "(ALL)", f"UID {first}:*")
        if typ != "OK":
            raise imaplib.IMAP4.error(f"UID SEARCH answered {typ}: {data!r}")
        found: set[int] = set()
        for line in client.untagged_responses.pop("ESEARCH", None) or []:
            match = _ESEARCH_ALL.search(line or b"")
            if match:
                found.update(_expand(match.group(1)))
    else:
        typ, data = client.uid("SEARCH", f"UID {first}:*")
        if typ != "OK":
            raise imaplib.IMAP4.error(f"UID SEARCH answered {typ}: {data!r}")
        found = {int(word) for line in data if line for word in line.split()}
    # "first:*" always matches the last message, even one below ``first`` (RFC 3501 6.4.8).
    return sorted(uid for uid in found if uid >= first)


def _fetch_records(box: BaseMailBox, uids: list[int],
                   items: str) -> Iterator[tuple[bytes, bytes | None]]:
    """For each FETCH answer to ``UID FETCH uids items``: its text outside literals, and its
    literal (the body) when there is one. Unsolicited FETCH answers (another session changing
    flags) come through too; the caller matches by UID."""
    typ, data = box.client.uid("FETCH", _uid_set(uids), items)
    if typ != "OK":
        raise imaplib.IMAP4.error(f"UID FETCH answered {typ}: {data!r}")
    text: bytes | None = None
    body: bytes | None = None
    for item in data:
        # imaplib gives a literal as a (text before it, literal) pair and the rest of the line as
        # the next plain item; a new answer starts with "<seq> (".
        if isinstance(item, tuple):
            head, literal = item
            if _FETCH_START.match(head):
                if text is not None:
                    yield text, body
                text, body = head, literal
            elif text is not None:
                text += head
                if body is None:
                    body = literal
        elif isinstance(item, bytes):
            if _FETCH_START.match(item):
                if text is not None:
                    yield text, body
                text, body = item, None
            elif text is not None:
                text += item
    if text is not None:
        yield text, body


def _sizes(box: BaseMailBox, uids: list[int]) -> dict[int, int]:
    sizes: dict[int, int] = {}
    for text, _ in _fetch_records(box, uids, "(UID RFC822.SIZE)"):
        uid, size = _FETCH_UID.search(text), _FETCH_SIZE.search(text)
        if uid and size:
            sizes[int(uid.group(1))] = int(size.group(1))
    return sizes


def _parse_internal_date(value: bytes) -> datetime | None:
    # Parsed by hand: strptime's %b follows the process locale, IMAP's month names do not.
    match = _INTERNALDATE.match(value.decode("ascii", "replace"))
    if not match or match.group(2).lower() not in _MONTHS:
        return None
    day, month, year, hour, minute, second, sign, off_h, off_m = match.groups()
    offset = timedelta(hours=int(off_h), minutes=int(off_m))
    try:
        return datetime(int(year), _MONTHS[month.lower()], int(day), int(hour), int(minute),
                        int(second), tzinfo=timezone(-offset if sign == "-" else offset))
    except ValueError:
        return None


def _chunks(uids: list[int], sizes: dict[int, int]) -> Iterator[list[int]]:
    """UIDs per FETCH command, by count and by the messages' sizes."""
    return _chunked(uids, lambda uid: sizes.get(uid, 0), max_items=FETCH_CHUNK_MESSAGES,
                    max_cost=FETCH_CHUNK_BYTES)


def _bodies(box: BaseMailBox, uids: list[int], sizes: dict[int, int]) -> dict[int, FetchedMessage]:
    wanted = set(uids)
    fetched: dict[int, FetchedMessage] = {}
    for chunk in _chunks(uids, sizes):
        for text, body in _fetch_records(box, chunk, "(UID INTERNALDATE BODY.PEEK[])"):
            uid_match = _FETCH_UID.search(text)
            if uid_match is None or int(uid_match.group(1)) not in wanted:
                continue
            if body is None:
                if not _FETCH_EMPTY_BODY.search(text):
                    continue  # a flags update, not the answer with the message
                body = b""
            date = _FETCH_DATE.search(text)
            uid = int(uid_match.group(1))
            fetched[uid] = FetchedMessage(
                uid=uid, raw=body,
                internal_date=_parse_internal_date(date.group(1)) if date else None)
    return fetched


def fetch_new(settings: ImapSettings, folder: str, *, uidvalidity: int | None, last_uid: int,
              limit: int = 500, max_bytes: int = 64 * 1024 * 1024) -> FetchBatch:
    """The messages of ``folder`` above the cursor (``uidvalidity``, ``last_uid``), oldest first.

    Pass ``uidvalidity=None`` (and usually ``last_uid=0``) the first time, then the batch's
    ``uidvalidity`` and ``highest_uid``. The folder is examined read-only and bodies are fetched
    with ``BODY.PEEK[]``: nothing is marked seen or moved, so a message whose bytes the caller has
    not stored yet is still unread for the people who share the inbox; ``mark_seen`` flags it once
    stored. At most ``limit`` messages per call, and no more than ``max_bytes`` of them unless a
    single message is larger (it still comes, alone); ``more`` says that the rest is waiting.

    A folder that does not exist holds nothing (``uidvalidity`` 0): once it is created, its real
    UIDVALIDITY differs and the batch says ``reset``. Raises ``ImapError``."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    if last_uid < 0:
        raise ValueError(f"last_uid must not be negative, not {last_uid}")

    def work(box: BaseMailBox) -> FetchBatch:
        current = _examine(box, folder)
        reset = uidvalidity is not None and current != uidvalidity
        after = 0 if reset else last_uid
        if current is None:
            return FetchBatch(uidvalidity=0, messages=[], highest_uid=after, reset=reset)
        pending = _uids_from(box, after + 1, _capabilities(box))
        window = pending[:limit]
        sizes = _sizes(box, window) if window else {}
        total = 0
        for position, uid in enumerate(window):
            total += sizes.get(uid, 0)
            if position and total > max_bytes:
                window = window[:position]
                break
        fetched = _bodies(box, window, sizes) if window else {}
        return FetchBatch(
            uidvalidity=current,
            # A message expunged between SEARCH and FETCH is simply not there any more.
            messages=[fetched[uid] for uid in window if uid in fetched],
            highest_uid=window[-1] if window else after,
            reset=reset,
            more=len(window) < len(pending),
        )

    return _run(settings, f"fetch new messages from {folder!r}", work)


def mark_seen(settings: ImapSettings, folder: str, uids: Iterable[int], *,
              uidvalidity: int | None = None) -> None:
    """Flag ``uids`` of ``folder`` \\Seen, once their bytes are stored.

    With ``uidvalidity`` (the batch's), refuses with ``ImapError`` when the folder's has changed:
    the same numbers would then name other messages. UIDs that are gone are ignored."""
    wanted = sorted({int(uid) for uid in uids})
    if not wanted:
        return

    def work(box: BaseMailBox) -> None:
        box.folder.set(folder, readonly=False)
        current = int((box.client.untagged_responses.get("UIDVALIDITY") or [b"0"])[-1])
        if uidvalidity is not None and current != uidvalidity:
            raise imaplib.IMAP4.error(
                f"UIDVALIDITY is {current}, not {uidvalidity}: the UIDs name other messages now")
        for start in range(0, len(wanted), STORE_CHUNK_UIDS):
            chunk = wanted[start:start + STORE_CHUNK_UIDS]
            typ, data = box.client.uid("STORE", _uid_set(chunk), "+FLAGS.SILENT", r"(\Seen)")
            if typ != "OK":
                raise imaplib.IMAP4.error(f"UID STORE answered {typ}: {data!r}")

    _run(settings, f"mark messages seen in {folder!r}", work)


def idle_wait(settings: ImapSettings, folder: str, timeout_seconds: float, *,
              last_uid: int | None = None) -> bool:
    """Wait until the server announces new mail in ``folder`` (IMAP IDLE): True then, False
    after ``timeout_seconds`` without any.

    Mail that arrived between the caller's last ``fetch_new`` and this call is not announced;
    pass that batch's ``highest_uid`` as ``last_uid`` and such mail returns True at once. A
    server without IDLE is asked with NOOP every few seconds instead. Raises ``ImapError``."""
    deadline = time.monotonic() + max(0.0, timeout_seconds)

    def work(box: BaseMailBox) -> bool:
        if _examine(box, folder) is None:
            raise imaplib.IMAP4.error(f"no folder {folder!r} to wait on")
        untagged = box.client.untagged_responses
        if last_uid is not None:
            uidnext = int((untagged.get("UIDNEXT") or [b"0"])[-1])
            if uidnext > last_uid + 1:
                return True
        if "IDLE" not in _capabilities(box):
            return _noop_wait(box, deadline)
        while (remaining := deadline - time.monotonic()) > 0:
            box.idle.start()
            try:
                lines = box.idle.poll(min(remaining, _IDLE_RENEW_SECONDS))
            finally:
                box.idle.stop()
            if any(_EXISTS.match(line) for line in lines):
                return True
        return False

    return _run(settings, f"wait for new mail in {folder!r}", work)


def _noop_wait(box: BaseMailBox, deadline: float) -> bool:
    untagged = box.client.untagged_responses
    known = int((untagged.get("EXISTS") or [b"0"])[-1])
    while (remaining := deadline - time.monotonic()) > 0:
        time.sleep(min(remaining, _NOOP_POLL_SECONDS))
        box.client.noop()
        if int((untagged.get("EXISTS") or [b"0"])[-1]) > known:
            return True
    return False
