"""Jengu's IMAP client against a real Dovecot on loopback, with the real imap-tools client.

The module starts one Dovecot of its own (``sandbox.dovecot``: IMAP and LMTP on 127.0.0.1 and free
ports, a throw-away directory under /tmp) and stops it at the end; each test gets a fresh user, so
its folders start empty. Mail is put in place the way a mail server does it, over LMTP.
In CI (``CI=true``) a missing Dovecot is a failure, not a skip: the reconcile must be measured
against a real server there. Elsewhere the tests are skipped with the install command as the reason.
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest
from imap_tools import MailBoxUnencrypted

from jengu_resources.imap import (
    SEARCH_BATCH_IDS,
    ImapError,
    ImapSettings,
    append_message,
    check_login,
    find_message_ids,
)
from sandbox.dovecot import (
    INSTALL_HINT,
    Dovecot,
    DovecotNotInstalled,
    DovecotUnavailable,
    start_dovecot,
)

_user_numbers = itertools.count(1)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def _start(users: dict[str, str]) -> Dovecot:
    try:
        return start_dovecot(users)
    except DovecotUnavailable as exc:
        problem = exc
    if isinstance(problem, DovecotNotInstalled) and not _in_ci():
        pytest.skip(f"Dovecot is not installed: {INSTALL_HINT}")
    pytest.fail(str(problem), pytrace=False)


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    with _start({}) as server:
        yield server


@dataclass(frozen=True)
class Inbox:
    login: str
    settings: ImapSettings


@pytest.fixture
def inbox(dovecot: Dovecot) -> Inbox:
    login = f"sender{next(_user_numbers)}@jengu.example"
    password = secrets.token_urlsafe(12)
    dovecot.add_user(login, password)
    return Inbox(login, ImapSettings(host=dovecot.host, port=dovecot.imap_port, tls_mode="none",
                                     username=login, password=password, timeout_seconds=5.0))


def _message(message_id: str, *, fold_message_id: bool = False) -> bytes:
    # A mail client or server that keeps lines under 78 characters moves a long id to its own line.
    header = f"Message-ID:\r\n {message_id}" if fold_message_id else f"Message-ID: {message_id}"
    return (
        "From: Anna Berger <anna@jengu.example>\r\n"
        "To: info@hotel-alpenblick.example\r\n"
        "Subject: Night shift at Hotel Alpenblick\r\n"
        "Date: Tue, 03 Mar 2026 09:15:00 +0100\r\n"
        f"{header}\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "Hello Mr. Huber,\r\n\r\nwould a short call next week be useful?\r\n"
    ).encode()


def _mid(name: str) -> str:
    return f"<{name}.{secrets.token_hex(6)}@outreach.jengu.example>"


# -- the Sent-folder reconcile --------------------------------------------------------------------


def test_finds_the_delivered_subset_across_search_batches(dovecot: Dovecot, inbox: Inbox) -> None:
    ids = [_mid(f"draft{i}") for i in range(2 * SEARCH_BATCH_IDS + 20)]
    present = set(ids[::2])
    for message_id in sorted(present):
        dovecot.deliver(inbox.login, _message(message_id), "Sent")

    assert find_message_ids(inbox.settings, "Sent", ids) == present


def test_an_id_is_found_only_exactly(dovecot: Dovecot, inbox: Inbox) -> None:
    stored = _mid("exact")
    dovecot.deliver(inbox.login, _message(stored), "Sent")
    # SEARCH matches substrings case-insensitively; neither of these is the stored id.
    prefix = stored[:-1].rsplit("@", 1)[0] + ">"
    shouted = stored.upper()

    assert find_message_ids(inbox.settings, "Sent", [stored, prefix, shouted]) == {stored}


def test_a_long_folded_message_id_is_found(dovecot: Dovecot, inbox: Inbox) -> None:
    long_id = f"<{'a' * 90}.{'b' * 90}@outreach.jengu.example>"
    dovecot.deliver(inbox.login, _message(long_id, fold_message_id=True), "Sent")

    assert find_message_ids(inbox.settings, "Sent", [long_id, _mid("other")]) == {long_id}


def test_a_missing_folder_holds_nothing(inbox: Inbox) -> None:
    assert find_message_ids(inbox.settings, "Sent", [_mid("never")]) == set()
    assert find_message_ids(inbox.settings, "No Such Folder", [_mid("never")]) == set()


def test_delivery_to_inbox_lands_in_inbox_only(dovecot: Dovecot, inbox: Inbox) -> None:
    reply = _mid("reply")
    dovecot.deliver(inbox.login, _message(reply))

    assert find_message_ids(inbox.settings, "INBOX", [reply]) == {reply}
    assert find_message_ids(inbox.settings, "Sent", [reply]) == set()


@pytest.mark.parametrize("value", [
    "draft@outreach.jengu.example",  # no angle brackets: a substring search would still match
    "<two words@outreach.jengu.example>",  # white space is never part of an id
    "",
])
def test_a_value_that_is_no_message_id_is_refused(value: str) -> None:
    # Reported absent, the message would be sent a second time.
    settings = ImapSettings(host="127.0.0.1", port=1, tls_mode="none", username="u", password="p")
    with pytest.raises(ValueError, match="not a Message-ID"):
        find_message_ids(settings, "Sent", [value])


# -- storing copies -------------------------------------------------------------------------------


def test_append_creates_the_folder_and_the_copy_is_found(inbox: Inbox) -> None:
    seen_copy, unseen_copy = _mid("copy"), _mid("unseen")
    append_message(inbox.settings, "Jengu Sent", _message(seen_copy))
    append_message(inbox.settings, "Jengu Sent", _message(unseen_copy), seen=False)

    assert find_message_ids(inbox.settings, "Jengu Sent", [seen_copy, unseen_copy]) == {
        seen_copy, unseen_copy}
    with MailBoxUnencrypted(inbox.settings.host, inbox.settings.port).login(
            inbox.login, inbox.settings.password, initial_folder="Jengu Sent") as box:
        flags = {m.headers["message-id"][0]: m.flags for m in box.fetch(mark_seen=False)}
        subscribed = {f.name for f in box.folder.list(subscribed_only=True)}
        _, dates = box.client.uid("FETCH", "1:*", "(INTERNALDATE)")
    assert "\\Seen" in flags[seen_copy]
    assert "\\Seen" not in flags[unseen_copy]
    assert "Jengu Sent" in subscribed, "mail clients often show subscribed folders only"
    # The copy sorts where it was sent, not where it was appended (Maildir keeps the instant only).
    sent_at = datetime(2026, 3, 3, 8, 15, tzinfo=timezone.utc)
    stored = [re.search(rb'INTERNALDATE "([^"]+)"', line) for line in dates]
    assert [datetime.strptime(m.group(1).decode(), "%d-%b-%Y %H:%M:%S %z") for m in stored if m] == [
        sent_at, sent_at], dates


# -- logging in -----------------------------------------------------------------------------------


def test_check_login_accepts_the_right_password(inbox: Inbox) -> None:
    check_login(inbox.settings)


def test_a_wrong_password_is_an_error_that_does_not_repeat_it(inbox: Inbox) -> None:
    wrong = "Wr0ng-" + secrets.token_urlsafe(10)
    settings = ImapSettings(host=inbox.settings.host, port=inbox.settings.port, tls_mode="none",
                            username=inbox.login, password=wrong)

    with pytest.raises(ImapError) as caught:
        check_login(settings)

    text = str(caught.value)
    assert wrong not in text and wrong not in repr(settings)
    assert "login" in text and inbox.login in text and f":{settings.port}" in text
    assert "AUTHENTICATIONFAILED" in text


def test_nothing_listening_is_a_connect_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    settings = ImapSettings(host="127.0.0.1", port=closed_port, tls_mode="none",
                            username="anna@jengu.example", password="x", timeout_seconds=2.0)

    with pytest.raises(ImapError, match="IMAP connect failed on 127.0.0.1"):
        check_login(settings)


# -- the server itself ----------------------------------------------------------------------------


def _process_group(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses; the fields after it do not.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def test_stop_leaves_no_process_and_no_files_behind() -> None:
    server = _start({"anna@jengu.example": "s3cret"})
    pgid = server.pid
    root = server.root
    # An open session keeps an imap process busy, which Dovecot would serve for 30 s more.
    box = MailBoxUnencrypted(server.host, server.imap_port).login("anna@jengu.example", "s3cret")
    assert pgid is not None and len(_process_group(pgid)) >= 5, "master, log, auth, imap, ..."

    server.stop()

    assert _process_group(pgid) == []
    assert not root.exists()
    assert server.pid is None
    box.client.shutdown()
    server.stop()  # twice is harmless
