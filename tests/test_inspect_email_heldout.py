"""`jengu inspect-email` over a second corpus written apart from the first
(tests/fixtures/inbound_heldout), in shapes the first lacks: Office 365 reports in German,
French, Dutch, Spanish and Italian (5.1.10, 5.2.2, 5.4.1, 5.7.1, delays), Gmail 5.2.2, 4.2.2,
5.2.1, 5.7.26 and its German text, Postfix with three recipients (relayed, failed, delayed),
RFC 5321's bare "mailbox unavailable" from web.de, QQ, IONOS, Exim's "retry timeout exceeded"
and RBL refusals, qmail's "couldn't find any host" and "in the queue too long", Domino, Sendmail
with the reason in the text alone, Mimecast, Proofpoint, Barracuda, Yahoo, AOL, iCloud, mail.ru
(KOI8-R) and Yandex notices, a gateway that base64-encodes the report; ARF complaints from five
providers; out-of-office notices from Exchange, Gmail, Zimbra, cPanel and in Swedish, Danish,
Norwegian, Polish, Russian and Japanese (ISO-2022-JP), rules that quote our message under their
notice (Apple Mail, a German "Abwesenheitsnotiz", a French "Absence"), help desks, Mailman, a
booking engine, a German read receipt; replies from Outlook in eight languages, Outlook for Mac,
OWA, Gmail, Apple Mail, Thunderbird and Lotus Notes, inline answers, HTML only, wrong and
missing charsets, 8-bit headers, a forward with the message attached; people who mention a
holiday while answering; and files that are no mail.

expected.json gives each file's kind, a bounce's recipient, status (one value or the values a
reader may defensibly give) and category, an auto-reply's return date, and for a reply words its
text must keep, quoted history or signature it must not, and the intent where it is plain. The
real ``inspect_file`` reads every file in process (parser, rules, offline intent; no network);
the test reports agreement per field and fails on any disagreement, and holds each file to a
tenth of the second budget.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jengu.inspect_email import inspect_bytes, inspect_file

CORPUS = Path(__file__).parent / "fixtures" / "inbound_heldout"
EXPECTED: dict[str, dict] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
# CPU seconds per file: the budget is a second, these messages are small.
PER_FILE_SECONDS = 0.1


def field_checks(expected: dict, record: dict[str, Any]) -> dict[str, bool]:
    """Agreement of one file's record with its expectation, per field."""
    kind = expected["kind"]
    checks = {"kind": record.get("kind") == kind}
    if kind == "bounce":
        want, got = expected["bounce"], record.get("bounce") or {}
        statuses = want["status"] if isinstance(want["status"], list) else [want["status"]]
        checks["bounce.recipient"] = got.get("recipient") == want["recipient"]
        checks["bounce.status"] = got.get("status") in statuses
        checks["bounce.category"] = got.get("category") == want["category"]
    elif kind == "auto_reply":
        got = record.get("auto_reply") or {}
        checks["auto_reply.return_date"] = (
            record.get("kind") == "auto_reply"
            and got.get("return_date") == expected["auto_reply"]["return_date"])
    elif kind == "human_reply":
        text = record.get("reply_text") or ""
        checks["reply_text.contains"] = all(w in text for w in expected["reply_contains"])
        checks["reply_text.excludes"] = all(w not in text for w in expected["reply_excludes"])
        if "intent" in expected:
            checks["intent"] = record.get("intent") == expected["intent"]
    elif kind == "malformed":
        checks["reason"] = bool(record.get("reason"))
    return checks


def agreement(corpus: Path, expected: dict[str, dict],
              inspect: Callable[[Path], dict[str, Any]] = inspect_file,
              ) -> tuple[dict[str, tuple[int, int]], dict[str, list[str]], dict[str, float]]:
    """Per field: (agreed, total); per file: the fields that disagree; per file: CPU seconds."""
    table: dict[str, tuple[int, int]] = {}
    wrong: dict[str, list[str]] = {}
    seconds: dict[str, float] = {}
    for name in sorted(expected):
        started = time.process_time()
        record = inspect(corpus / name)
        seconds[name] = time.process_time() - started
        for field, ok in field_checks(expected[name], record).items():
            agreed, total = table.get(field, (0, 0))
            table[field] = (agreed + ok, total + 1)
            if not ok:
                wrong.setdefault(name, []).append(field)
    return table, wrong, seconds


def report(table: dict[str, tuple[int, int]], wrong: dict[str, list[str]]) -> str:
    lines = [f"{field:<24} {agreed:>4}/{total:<4} {100 * agreed / total:5.1f}%"
             for field, (agreed, total) in table.items()]
    lines += [f"  {name}: {', '.join(fields)}" for name, fields in sorted(wrong.items())]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def measured():
    # The first call imports the rules; that is the program's start, not a file's cost.
    inspect_bytes(b"From: a@hotel.example\n\nHello", "warm-up")
    return agreement(CORPUS, EXPECTED)


def test_the_manifest_covers_every_file():
    assert sorted(EXPECTED) == sorted(p.name for p in CORPUS.glob("*.eml"))
    assert len(EXPECTED) >= 120
    kinds = {e["kind"] for e in EXPECTED.values()}
    assert kinds == {"bounce", "auto_reply", "complaint", "human_reply", "malformed"}


def test_every_field_agrees(measured):
    table, wrong, _ = measured
    assert not wrong, "\n" + report(table, wrong)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_file(measured, name: str):
    _, wrong, seconds = measured
    assert name not in wrong, wrong.get(name)
    assert seconds[name] < PER_FILE_SECONDS


def test_the_report_names_each_disagreement():
    # The report a failure prints: a wrong kind and a wrong date are named with their file.
    expected = {"a.eml": {"kind": "auto_reply", "auto_reply": {"return_date": "2026-04-20"}},
                "b.eml": {"kind": "bounce", "bounce": {"recipient": "x@h.example",
                                                        "status": ["5.0.0", "5.1.1"],
                                                        "category": "hard"}}}
    records = {"a.eml": {"kind": "human_reply", "auto_reply": None},
               "b.eml": {"kind": "bounce", "bounce": {"recipient": "x@h.example",
                                                      "status": "5.1.1", "category": "soft"}}}
    table, wrong, _ = agreement(Path("."), expected, lambda path: records[path.name])
    assert wrong == {"a.eml": ["kind", "auto_reply.return_date"], "b.eml": ["bounce.category"]}
    assert table["bounce.status"] == (1, 1)
    assert "b.eml: bounce.category" in report(table, wrong)
