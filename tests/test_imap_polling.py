"""Polling a sending inbox for new mail: ``fetch_new``, ``mark_seen`` and ``idle_wait`` against a
real Dovecot on loopback, with the real imap-tools client.

The session's Dovecot (``dovecot_server`` in conftest: IMAP and LMTP on 127.0.0.1, a throw-away
directory under /tmp) serves every test; each test gets a fresh user, so its folders start empty.
Replies arrive the way a mail server files them, over LMTP; the bulk tests store their thousands
of messages with one IMAP MULTIAPPEND per thousand, which is twenty times faster than LMTP.
In CI (``CI=true``) a missing Dovecot fails the tests; elsewhere they are skipped.
"""

from __future__ import annotations

import base64
import hashlib
import imaplib
import itertools
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
from imap_tools import MailBoxUnencrypted

import jengu_resources.imap as imap
from jengu_resources.imap import (
    FetchBatch,
    ImapError,
    ImapSettings,
    append_message,
    fetch_new,
    idle_wait,
    mark_seen,
)
from sandbox.dovecot import Dovecot

_user_numbers = itertools.count(1)


@dataclass(frozen=True)
class Inbox:
    login: str
    settings: ImapSettings
    server: Dovecot


@pytest.fixture
def inbox(dovecot_server: Dovecot) -> Inbox:
    login = f"poller{next(_user_numbers)}@jengu-demo.example"
    password = secrets.token_urlsafe(12)
    dovecot_server.add_user(login, password)
    return Inbox(login, ImapSettings(host=dovecot_server.host, port=dovecot_server.imap_port,
                                     tls_mode="none", username=login, password=password,
                                     timeout_seconds=10.0), dovecot_server)


def _reply(n: int, *, body: str = "") -> bytes:
    return (
        f"From: Max Huber <max.huber@hotel-alpenblick.at>\r\n"
        f"To: outreach1@jengu-demo.example\r\n"
        f"Subject: Re: Night shift at Hotel Alpenblick ({n})\r\n"
        f"Date: Tue, 03 Mar 2026 10:{n % 60:02d}:00 +0100\r\n"
        f"Message-ID: <reply{n}.{secrets.token_hex(4)}@hotel-alpenblick.at>\r\n"
        f"MIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n"
        f"\r\n"
        f"Thank you, message {n}.\r\n{body}"
    ).encode()


def _multiappend(inbox: Inbox, folder: str, messages: list[bytes]) -> None:
    """Store ``messages`` in order, a thousand per APPEND command (the sandbox's MULTIAPPEND)."""
    inbox.server.bulk_append(inbox.login, inbox.settings.password, messages, folder=folder)


def _flags(inbox: Inbox, folder: str) -> dict[int, set[str]]:
    with MailBoxUnencrypted(inbox.settings.host, inbox.settings.port).login(
            inbox.login, inbox.settings.password, initial_folder=None) as box:
        box.folder.set(folder, readonly=True)
        _, data = box.client.uid("FETCH", "1:*", "(UID FLAGS)")
    flags = {}
    for line in data:
        match = re.search(rb"UID (\d+) FLAGS \(([^)]*)\)|FLAGS \(([^)]*)\) UID (\d+)", line)
        if match:
            uid = match.group(1) or match.group(4)
            names = match.group(2) if match.group(2) is not None else match.group(3)
            flags[int(uid)] = set(names.decode().split())
    return flags


def _drain(settings: ImapSettings, folder: str, **cursor) -> tuple[list[FetchBatch], FetchBatch]:
    batches = []
    uidvalidity, last_uid = cursor.get("uidvalidity"), cursor.get("last_uid", 0)
    while True:
        batch = fetch_new(settings, folder, uidvalidity=uidvalidity, last_uid=last_uid,
                          limit=cursor.get("limit", 500))
        batches.append(batch)
        uidvalidity, last_uid = batch.uidvalidity, batch.highest_uid
        if not batch.more:
            return batches, batch


# -- the cursor -----------------------------------------------------------------------------------


def test_each_message_is_handed_out_once_along_the_cursor(dovecot_server: Dovecot,
                                                          inbox: Inbox) -> None:
    first = [_reply(n) for n in range(3)]
    for raw in first:
        dovecot_server.deliver(inbox.login, raw)

    batch = fetch_new(inbox.settings, "INBOX", uidvalidity=None, last_uid=0)
    assert [m.uid for m in batch.messages] == [1, 2, 3]
    assert batch.highest_uid == 3 and batch.uidvalidity > 0
    assert not batch.reset and not batch.more
    # Dovecot puts its trace headers (Return-Path, Delivered-To, Received) on top of the message.
    assert all(m.raw.endswith(raw) for m, raw in zip(batch.messages, first))
    assert all(m.internal_date and m.internal_date.tzinfo for m in batch.messages)

    again = fetch_new(inbox.settings, "INBOX", uidvalidity=batch.uidvalidity,
                      last_uid=batch.highest_uid)
    assert again.messages == [] and again.highest_uid == 3 and not again.reset

    late = _reply(99)
    dovecot_server.deliver(inbox.login, late)
    newer = fetch_new(inbox.settings, "INBOX", uidvalidity=again.uidvalidity,
                      last_uid=again.highest_uid)
    assert [m.uid for m in newer.messages] == [4]
    assert newer.messages[0].raw.endswith(late)
    assert newer.highest_uid == 4


def test_a_cursor_at_or_past_the_last_message_gets_nothing(dovecot_server: Dovecot,
                                                          inbox: Inbox) -> None:
    for n in range(2):
        dovecot_server.deliver(inbox.login, _reply(n))
    # The trap: "UID 3:*" matches the highest message even though its UID is 2 (RFC 3501 6.4.8).
    with MailBoxUnencrypted(inbox.settings.host, inbox.settings.port).login(
            inbox.login, inbox.settings.password, initial_folder="INBOX") as box:
        assert box.client.uid("SEARCH", "UID 3:*") == ("OK", [b"2"])

    at = fetch_new(inbox.settings, "INBOX", uidvalidity=None, last_uid=2)
    past = fetch_new(inbox.settings, "INBOX", uidvalidity=at.uidvalidity, last_uid=7)

    assert (at.messages, at.highest_uid) == ([], 2)
    assert (past.messages, past.highest_uid) == ([], 7), "the cursor never moves backwards"


def test_a_thousand_two_hundred_messages_come_in_limited_batches(
        inbox: Inbox, monkeypatch: pytest.MonkeyPatch) -> None:
    stored = [_reply(n) for n in range(1200)]
    _multiappend(inbox, "INBOX", stored)
    fetches: list[str] = []
    real_uid = imaplib.IMAP4.uid

    def counting_uid(self, command, *args):
        if command.upper() == "FETCH":
            fetches.append(args[0])
        return real_uid(self, command, *args)

    monkeypatch.setattr(imaplib.IMAP4, "uid", counting_uid)
    monkeypatch.setattr(imap, "FETCH_CHUNK_MESSAGES", 200)

    batches, last = _drain(inbox.settings, "INBOX")

    assert [len(b.messages) for b in batches] == [500, 500, 200]
    assert [b.more for b in batches] == [True, True, False]
    assert [b.highest_uid for b in batches] == [500, 1000, 1200]
    uids = [m.uid for b in batches for m in b.messages]
    assert uids == list(range(1, 1201)), "every message once, oldest first"
    assert [m.raw for b in batches for m in b.messages] == stored
    # Per call: one FETCH for the sizes, then the bodies in chunks named by UID ranges.
    assert len(fetches) == (1 + 3) + (1 + 3) + (1 + 1)
    assert fetches[:4] == ["1:500", "1:200", "201:400", "401:500"]
    assert fetch_new(inbox.settings, "INBOX", uidvalidity=last.uidvalidity,
                     last_uid=last.highest_uid).messages == []


def test_the_byte_budget_cuts_a_batch_but_never_below_one_message(inbox: Inbox) -> None:
    stored = [_reply(n, body="x" * 5000 + "\r\n") for n in range(5)]
    _multiappend(inbox, "INBOX", stored)

    tight = fetch_new(inbox.settings, "INBOX", uidvalidity=None, last_uid=0, max_bytes=12_000)
    tiny = fetch_new(inbox.settings, "INBOX", uidvalidity=None, last_uid=0, max_bytes=1)

    assert [m.uid for m in tight.messages] == [1, 2] and tight.more and tight.highest_uid == 2
    assert [m.uid for m in tiny.messages] == [1] and tiny.more


def test_sparse_uids_after_expunge_are_read_without_gaps_or_repeats(inbox: Inbox) -> None:
    _multiappend(inbox, "INBOX", [_reply(n) for n in range(30)])
    with MailBoxUnencrypted(inbox.settings.host, inbox.settings.port).login(
            inbox.login, inbox.settings.password, initial_folder="INBOX") as box:
        box.delete([str(uid) for uid in range(1, 31) if uid % 3 == 0 or 11 <= uid <= 20])

    batches, _ = _drain(inbox.settings, "INBOX", limit=4)

    expected = [uid for uid in range(1, 31) if uid % 3 and not 11 <= uid <= 20]
    assert [m.uid for b in batches for m in b.messages] == expected


def test_plain_search_is_used_without_esearch(inbox: Inbox,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # Servers without RFC 4731 answer a plain UID SEARCH; the quirk filter must hold there too.
    monkeypatch.setattr(imap, "_capabilities", lambda box: set())
    _multiappend(inbox, "INBOX", [_reply(n) for n in range(12)])

    batches, last = _drain(inbox.settings, "INBOX", limit=5)
    beyond = fetch_new(inbox.settings, "INBOX", uidvalidity=last.uidvalidity, last_uid=12)

    assert [m.uid for b in batches for m in b.messages] == list(range(1, 13))
    assert beyond.messages == [] and beyond.highest_uid == 12


# -- reading without touching ---------------------------------------------------------------------


def test_fetching_marks_nothing_seen_until_mark_seen(dovecot_server: Dovecot,
                                                     inbox: Inbox) -> None:
    for n in range(4):
        dovecot_server.deliver(inbox.login, _reply(n))

    batch = fetch_new(inbox.settings, "INBOX", uidvalidity=None, last_uid=0)
    assert all("\\Seen" not in flags for flags in _flags(inbox, "INBOX").values())
    assert len(batch.messages) == 4

    mark_seen(inbox.settings, "INBOX", [1, 3], uidvalidity=batch.uidvalidity)
    mark_seen(inbox.settings, "INBOX", [])  # nothing to do: no connection at all

    flags = _flags(inbox, "INBOX")
    assert {uid for uid, names in flags.items() if "\\Seen" in names} == {1, 3}
    assert fetch_new(inbox.settings, "INBOX", uidvalidity=batch.uidvalidity,
                     last_uid=0).highest_uid == 4, "seen or not, the folder is read the same"


def test_mark_seen_refuses_uids_of_another_uidvalidity(dovecot_server: Dovecot,
                                                       inbox: Inbox) -> None:
    dovecot_server.deliver(inbox.login, _reply(1))
    batch = fetch_new(inbox.settings, "INBOX", uidvalidity=None, last_uid=0)

    with pytest.raises(ImapError, match="UIDVALIDITY"):
        mark_seen(inbox.settings, "INBOX", [1], uidvalidity=batch.uidvalidity + 1)
    assert "\\Seen" not in _flags(inbox, "INBOX")[1]


# -- a folder that starts over --------------------------------------------------------------------


def test_a_recreated_folder_resets_the_cursor(dovecot_server: Dovecot, inbox: Inbox) -> None:
    for n in range(3):
        dovecot_server.deliver(inbox.login, _reply(n), "Replies")
    before = fetch_new(inbox.settings, "Replies", uidvalidity=None, last_uid=0)
    with MailBoxUnencrypted(inbox.settings.host, inbox.settings.port).login(
            inbox.login, inbox.settings.password, initial_folder=None) as box:
        box.folder.delete("Replies")
    fresh = _reply(7)
    dovecot_server.deliver(inbox.login, fresh, "Replies")

    after = fetch_new(inbox.settings, "Replies", uidvalidity=before.uidvalidity,
                      last_uid=before.highest_uid)

    assert after.reset and after.uidvalidity != before.uidvalidity
    # UID 1 again: with the old cursor (last_uid 3) it would never have been read.
    assert [m.uid for m in after.messages] == [1] and after.messages[0].raw.endswith(fresh)
    assert after.highest_uid == 1


def test_a_missing_folder_is_empty_and_its_creation_is_a_reset(dovecot_server: Dovecot,
                                                              inbox: Inbox) -> None:
    missing = fetch_new(inbox.settings, "Junk", uidvalidity=None, last_uid=0)
    assert (missing.uidvalidity, missing.messages, missing.highest_uid, missing.reset) == (
        0, [], 0, False)

    dovecot_server.deliver(inbox.login, _reply(1), "Junk")
    created = fetch_new(inbox.settings, "Junk", uidvalidity=missing.uidvalidity,
                        last_uid=missing.highest_uid)

    assert created.reset and [m.uid for m in created.messages] == [1]


# -- what comes back ------------------------------------------------------------------------------


def test_a_25_mb_message_arrives_intact(dovecot_server: Dovecot, inbox: Inbox) -> None:
    # A scanned contract as a base64 attachment: 76-character lines, as mail clients write them.
    payload = secrets.token_bytes(19 * 1024 * 1024)
    encoded = base64.encodebytes(payload).replace(b"\n", b"\r\n")
    big = (
        b"From: Max Huber <max.huber@hotel-alpenblick.at>\r\n"
        b"To: outreach1@jengu-demo.example\r\n"
        b"Subject: Re: our signed contract\r\n"
        b"Message-ID: <contract@hotel-alpenblick.at>\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSigned copy attached.\r\n"
        b"--b1\r\nContent-Type: application/pdf; name=contract.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + encoded + b"--b1--\r\n"
    )
    assert len(big) > 25 * 1024 * 1024
    dovecot_server.deliver(inbox.login, big)
    dovecot_server.deliver(inbox.login, _reply(2))

    batch = fetch_new(inbox.settings, "INBOX", uidvalidity=None, last_uid=0)

    assert [m.uid for m in batch.messages] == [1, 2]
    raw = batch.messages[0].raw
    assert raw.endswith(big)
    assert hashlib.sha256(raw[-len(big):]).digest() == hashlib.sha256(big).digest()


def test_internal_date_is_when_the_server_filed_it(inbox: Inbox) -> None:
    # append_message files a copy at the message's own Date, which INTERNALDATE then reports.
    raw = _reply(5)
    append_message(inbox.settings, "INBOX", raw, seen=False)

    (message,) = fetch_new(inbox.settings, "INBOX", uidvalidity=None, last_uid=0).messages

    assert message.raw == raw, "APPEND stores the bytes as given"
    assert message.internal_date == datetime(2026, 3, 3, 10, 5, tzinfo=timezone(timedelta(hours=1)))


def test_ten_thousand_small_messages_are_fetched_fast(inbox: Inbox) -> None:
    stored = [_reply(n) for n in range(10_000)]
    _multiappend(inbox, "INBOX", stored)

    started = time.perf_counter()
    batches, _ = _drain(inbox.settings, "INBOX")
    elapsed = time.perf_counter() - started

    fetched = [m for b in batches for m in b.messages]
    assert len(fetched) == 10_000 and fetched[-1].raw == stored[-1]
    print(f"\nfetch_new: 10,000 messages in {len(batches)} calls, {elapsed:.2f} s "
          f"({10_000 / elapsed:,.0f} msg/s)")
    assert elapsed < 5.0


# -- waiting for mail -----------------------------------------------------------------------------


def _deliver_later(dovecot: Dovecot, login: str, delay: float) -> threading.Thread:
    def deliver() -> None:
        time.sleep(delay)
        dovecot.deliver(login, _reply(42))

    thread = threading.Thread(target=deliver)
    thread.start()
    return thread


def test_idle_wait_wakes_up_on_new_mail(dovecot_server: Dovecot, inbox: Inbox) -> None:
    thread = _deliver_later(dovecot_server, inbox.login, 0.3)
    started = time.monotonic()
    try:
        assert idle_wait(inbox.settings, "INBOX", 10.0) is True
    finally:
        thread.join()
    assert time.monotonic() - started < 5.0


def test_idle_wait_times_out_without_mail(inbox: Inbox) -> None:
    started = time.monotonic()
    assert idle_wait(inbox.settings, "INBOX", 0.4) is False
    assert 0.35 < time.monotonic() - started < 3.0


def test_idle_wait_sees_mail_that_came_before_it_started(dovecot_server: Dovecot,
                                                        inbox: Inbox) -> None:
    dovecot_server.deliver(inbox.login, _reply(1))
    batch = fetch_new(inbox.settings, "INBOX", uidvalidity=None, last_uid=0)
    dovecot_server.deliver(inbox.login, _reply(2))

    started = time.monotonic()
    assert idle_wait(inbox.settings, "INBOX", 10.0, last_uid=batch.highest_uid) is True
    assert time.monotonic() - started < 5.0
    assert idle_wait(inbox.settings, "INBOX", 0.2, last_uid=2) is False


def test_idle_wait_asks_with_noop_without_idle(dovecot_server: Dovecot, inbox: Inbox,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imap, "_capabilities", lambda box: set())
    monkeypatch.setattr(imap, "_NOOP_POLL_SECONDS", 0.1)
    thread = _deliver_later(dovecot_server, inbox.login, 0.3)
    try:
        assert idle_wait(inbox.settings, "INBOX", 10.0) is True
    finally:
        thread.join()


# -- failures -------------------------------------------------------------------------------------


def test_a_wrong_password_fails_every_poll_call_without_repeating_it(inbox: Inbox) -> None:
    wrong = "Wr0ng-" + secrets.token_urlsafe(10)
    settings = ImapSettings(host=inbox.settings.host, port=inbox.settings.port, tls_mode="none",
                            username=inbox.login, password=wrong, timeout_seconds=5.0)

    for call in (lambda: fetch_new(settings, "INBOX", uidvalidity=None, last_uid=0),
                 lambda: mark_seen(settings, "INBOX", [1]),
                 lambda: idle_wait(settings, "INBOX", 0.1)):
        with pytest.raises(ImapError, match="login") as caught:
            call()
        assert wrong not in str(caught.value)


def test_mark_seen_and_idle_wait_on_a_missing_folder_are_errors(inbox: Inbox) -> None:
    with pytest.raises(ImapError, match="mark messages seen in 'Nowhere'"):
        mark_seen(inbox.settings, "Nowhere", [1])
    with pytest.raises(ImapError, match="no folder 'Nowhere'"):
        idle_wait(inbox.settings, "Nowhere", 0.1)


@pytest.mark.parametrize(("uids", "expected"), [
    ([7], "7"),  # a single message
    ([1, 2, 3, 4], "1:4"),  # one run: a range, however long
    ([1, 2, 5, 7, 8, 9], "1:2,5,7:9"),  # gaps left by expunged messages
])
def test_uid_sets_are_written_as_ranges(uids: list[int], expected: str) -> None:
    assert imap._uid_set(uids) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (b"03-Mar-2026 10:05:00 +0100", datetime(2026, 3, 3, 9, 5, tzinfo=timezone.utc)),
    (b" 3-Mar-2026 10:05:00 +0100", datetime(2026, 3, 3, 9, 5, tzinfo=timezone.utc)),  # padded day
    (b"31-Dec-2026 23:30:00 -0530", datetime(2027, 1, 1, 5, 0, tzinfo=timezone.utc)),
    (b"03-Mrz-2026 10:05:00 +0100", None),  # IMAP's month names are English, whatever the locale
])
def test_internal_dates_parse_in_any_locale(value: bytes, expected: datetime | None) -> None:
    assert imap._parse_internal_date(value) == expected
