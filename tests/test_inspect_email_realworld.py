"""`jengu inspect-email` over a corpus shaped like real inbound mail
(tests/fixtures/inbound_realworld): delivery reports from Postfix, Exim, Sendmail, qmail,
Exchange and Office 365, Gmail, Yahoo, Outlook.com, Amazon SES, Mimecast, Proofpoint, Domino,
GMX, Orange, Zimbra, MDaemon, hMailServer and Courier (failures, delay warnings, reports without
enhanced codes); out-of-office and help-desk answers in seventeen languages, with and without
RFC 3834 headers; replies from Gmail, Outlook, Apple Mail, Thunderbird and webmailers with their
localised quote headers; damaged files and files that are no mail at all. The ``r2_`` files add
HTML as clients write it (Word's MsoNormal and conditionals, OWA's divRplyFwdMsg, gmail_quote,
blockquote type=cite, yahoo_quoted, moz-cite-prefix, Proton, Zimbra), plain and HTML alternatives
that disagree, multipart/related, S/MIME and PGP/MIME, TNEF, vCards, bottom-posted, interleaved
and forwarded replies, mobile footers, unannounced signatures, legal footers in six languages,
one-word answers; mixed and delayed DSNs, DSNs whose Status and Diagnostic-Code disagree,
Microsoft's 5.7.708/5.7.509/5.4.1, HTML-only notices, a bounce forwarded by a person (a reply);
return dates written as "Monday 7th", "the 3rd", "t/m 6 januari", US and European slashes; help
desk receipts, read receipts, a mailbox no longer monitored (automatic: nobody read the message).

expected.json says what each file is: the kind, a bounce's recipient, status (one value, or the
values a reader may defensibly give) and category, an auto-reply's return date, and for a reply
words its text must keep and quoted history or signature it must not. The real ``inspect_file``
and ``run`` read the files in process (parser, rules, offline intent; no network). Messages of
25 MB are built in memory to hold the time budget of a second per file.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from jengu.inspect_email import inspect_bytes, inspect_file, run
from tests.timing import within_cpu_budget

CORPUS = Path(__file__).parent / "fixtures" / "inbound_realworld"
EXPECTED: dict[str, dict] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
KEYS = {"path", "kind", "bounce", "auto_reply", "reply_text", "intent", "confidence"}


def test_the_manifest_covers_every_file():
    assert sorted(EXPECTED) == sorted(p.name for p in CORPUS.glob("*.eml"))
    assert len(EXPECTED) >= 80


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_file_reads_as_expected(name: str):
    expected = EXPECTED[name]
    record = inspect_file(CORPUS / name)
    assert record["kind"] == expected["kind"], record.get("reason") or record.get("reply_text")
    if expected["kind"] == "bounce":
        bounce, want = record["bounce"], expected["bounce"]
        statuses = want["status"] if isinstance(want["status"], list) else [want["status"]]
        assert bounce["recipient"] == want["recipient"]
        assert bounce["status"] in statuses
        assert bounce["category"] == want["category"]
    elif expected["kind"] == "auto_reply":
        assert record["auto_reply"] == expected["auto_reply"]
    elif expected["kind"] == "human_reply":
        text = record["reply_text"]
        for words in expected["reply_contains"]:
            assert words in text, text
        for words in expected["reply_excludes"]:
            assert words not in text, text
        if "intent" in expected:
            assert record["intent"] == expected["intent"]
    elif expected["kind"] == "malformed":
        assert record["reason"]


def test_the_whole_corpus_in_one_run():
    paths = [str(CORPUS / name) for name in sorted(EXPECTED)]
    out = io.StringIO()
    assert run(paths, json_output=True, out=out) == 0
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["path"] for r in records] == paths
    for record in records:
        assert set(record) == KEYS | ({"reason"} if record["kind"] == "malformed" else set())
        assert record["kind"] == EXPECTED[Path(record["path"]).name]["kind"]


HEAD = (b"From: Tom Baker <tom@hotel.example>\r\nTo: anna@jengu.example\r\n"
        b"Subject: Re: Guest emails\r\nDate: Tue, 3 Mar 2026 10:00:00 +0100\r\n"
        b"Message-ID: <big@hotel.example>\r\nMIME-Version: 1.0\r\n")
MIXED = HEAD + b"Content-Type: multipart/mixed; boundary=B\r\n\r\n"
TEXT_PART = b"--B\r\nContent-Type: text/plain\r\n\r\nYes, we are interested.\r\n"
MB = 1024 * 1024


def _relay_headers() -> bytes:
    line = (b"Received: from relay.example (relay.example [198.51.100.1]) by mx.example with "
            b"ESMTP id 4F2A81C0B3; Tue, 3 Mar 2026 10:00:00 +0100\r\n")
    return (line * (25 * MB // len(line)) + HEAD
            + b"Content-Type: text/plain\r\n\r\nYes, we are interested.\r\n")


def _tiny_headers() -> bytes:
    return (HEAD + b"X: y\r\n" * (25 * MB // 6)
            + b"Content-Type: text/plain\r\n\r\nYes, we are interested.\r\n")


def _part_header_bomb() -> bytes:
    part = b"--B\r\nContent-Type: text/plain\r\n" + b"X: y\r\n" * 4400 + b"\r\nbody\r\n"
    return MIXED + TEXT_PART + part * 990 + b"--B--\r\n"


def _short_line_attachment() -> bytes:
    rows = b"12;ab\r\n" * (25 * MB // 7)
    return (MIXED + TEXT_PART + b"--B\r\nContent-Type: text/csv; name=rates.csv\r\n"
            b"Content-Disposition: attachment\r\n\r\n" + rows + b"--B--\r\n")


def _many_parts() -> bytes:
    part = (b"--B\r\nContent-Type: text/plain; name=a.txt\r\n"
            b"Content-Disposition: attachment\r\n\r\n" + b"x" * 76 + b"\r\n")
    return MIXED + TEXT_PART + part * (25 * MB // len(part)) + b"--B--\r\n"


def _quoted_printable_attachment() -> bytes:
    lines = (b"=00=01=02" * 8 + b"=\r\n") * (25 * MB // 75)
    return (MIXED + TEXT_PART + b"--B\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Transfer-Encoding: quoted-printable\r\n\r\n" + lines + b"--B--\r\n")


def _dense_html() -> bytes:
    return (HEAD + b"Content-Type: multipart/alternative; boundary=B\r\n\r\n--B\r\n"
            b"Content-Type: text/html\r\n\r\n<div>Yes, we are interested.</div>"
            + b"<div><blockquote><span>x</span>" * (25 * MB // 31) + b"\r\n--B--\r\n")


@pytest.mark.parametrize("build, kind", [
    # A relay loop's worth of Received lines: the writer's headers come last and are kept.
    (_relay_headers, "human_reply"),
    (_tiny_headers, "human_reply"),
    # A thousand parts, each with thousands of header lines.
    (_part_header_bomb, "human_reply"),
    # Five million short lines in an attachment: parsed up to the budget, the text comes first.
    (_short_line_attachment, "human_reply"),
    # More parts than any real message: a bomb.
    (_many_parts, "malformed"),
    (_quoted_printable_attachment, "human_reply"),
    # Tag soup nested tens of thousands deep.
    (_dense_html, "human_reply"),
])
def test_25_mb_messages_under_a_second(build, kind: str):
    message = build()
    assert len(message) >= 24 * MB
    record = within_cpu_budget(lambda: inspect_bytes(message, "big.eml"), 1.0)
    assert record["kind"] == kind, record.get("reason")
    if kind == "human_reply":
        assert record["reply_text"] == "Yes, we are interested."
