"""Scripted prospects' answers (``sandbox.responders``): parsed with Python's email package, and
delivered for real.

The message tests are pure: originals are built with Jengu's own ``build_message`` and every answer
is parsed with ``email.policy.default``. The delivery tests run the sandbox's SMTP server
(aiosmtpd on loopback) with a ``Responder`` behind it, filing answers into the session's Dovecot
(``dovecot_server`` in conftest: IMAP and LMTP on 127.0.0.1), and read them back with
``fetch_new``. In CI (``CI=true``) a missing Dovecot fails those; elsewhere they are skipped.
"""

from __future__ import annotations

import collections
import functools
import itertools
import re
import secrets
import smtplib
from datetime import datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime

import pytest

from jengu_resources.imap import ImapSettings, append_message, fetch_new
from jengu_resources.smtp import OutgoingEmail, build_message
from sandbox.dovecot import Dovecot
from sandbox.responders import (
    ANSWER_RATE,
    HUMAN_KINDS,
    KINDS,
    LANGUAGES,
    MIX,
    Responder,
    Scripted,
    answer,
    language_for,
    script_for,
)
from sandbox.smtp_server import SandboxSMTP

CLEAN_KINDS = tuple(kind for kind in KINDS if kind != "garbage")
SEEDS = range(6)
PARSER = BytesParser(policy=policy.default)
SENT_AT = datetime(2026, 3, 3, 8, 15, tzinfo=timezone.utc)
FIRST_ID = "<7c1d0e2f9a8b4c3d@jengu-demo.example>"


def _first_email(to: str = "info@hotel-alpenblick.at", message_id: str = FIRST_ID) -> EmailMessage:
    return build_message(OutgoingEmail(
        message_id=message_id, from_email="outreach1@jengu-demo.example",
        from_name="Anna Berger", to_email=to,
        subject="Night shift cover for Hotel Alpenblick",
        body=("Hello,\n\nI saw that you are looking for a night auditor. We place trained night "
              "staff at hotels in Tyrol within a week.\n\nWould a short call be useful?\n\n"
              "Best regards\nAnna Berger\nJengu"),
        date=SENT_AT,
        unsubscribe_mailto="mailto:unsubscribe@jengu-demo.example?subject=unsubscribe",
        unsubscribe_url="https://jengu-demo.example/u/7c1d0e2f"))


def _follow_up() -> EmailMessage:
    # Non-ASCII subject, an HTML alternative, and a thread to continue.
    return build_message(OutgoingEmail(
        message_id="<0a9b8c7d6e5f4a3b@jengu-demo.example>",
        from_email="outreach1@jengu-demo.example",
        from_name="Anna Berger", to_email="info@hotel-alpenblick.at",
        subject="Re: Nachtschicht im Hotel Alpenblick – kurze Frage",
        body="Guten Tag,\n\ndarf ich noch einmal nachfragen?\n\nViele Grüße\nAnna Berger",
        html_body="<p>Guten Tag,</p><p>darf ich noch einmal nachfragen?</p>",
        date=SENT_AT + timedelta(days=4), in_reply_to=FIRST_ID, references=(FIRST_ID,)))


ORIGINALS = {"first": _first_email(), "follow_up": _follow_up()}


def _problems(raw: bytes) -> list[str]:
    """Everything the email package objects to: parse defects, header defects, undecodable
    payloads and text that its declared charset cannot read."""
    msg = PARSER.parsebytes(raw)
    found: list[str] = []
    for part in msg.walk():
        found += [repr(d) for d in part.defects]
        for name, value in part.items():
            found += [f"{name}: {d!r}" for d in getattr(value, "defects", ())]
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        found += [repr(d) for d in part.defects]
        if part.get_content_maintype() == "text":
            try:
                payload.decode(part.get_content_charset("us-ascii"))
            except (LookupError, UnicodeDecodeError) as exc:
                found.append(repr(exc))
    return found


@functools.cache
def _all(kinds=KINDS, languages=LANGUAGES, seeds=SEEDS) -> list[tuple[str, EmailMessage, Scripted]]:
    # Cached: answers are deterministic, and several tests read the same few hundred.
    return [(name, original, answer(original, kind, language=language, seed=seed))
            for kind in kinds for language in languages for seed in seeds
            for name, original in ORIGINALS.items()]


def _plain(raw: bytes) -> str:
    msg = PARSER.parsebytes(raw)
    body = msg.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else msg.get_payload()
    return text.replace("\r\n", "\n")


# -- every answer is well-formed ------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", CLEAN_KINDS)
def test_every_kind_parses_without_defects(kind: str, language: str) -> None:
    for name, _, scripted in _all((kind,), (language,)):
        assert _problems(scripted.raw) == [], (name, scripted.expected)
        assert scripted.kind == kind and scripted.expected["language"] == language
        assert b"\n" not in scripted.raw.replace(b"\r\n", b""), "CRLF line ends throughout"
        msg = PARSER.parsebytes(scripted.raw)
        assert msg["Date"].datetime.tzinfo is not None
        assert re.fullmatch(r"<[!-;=?-~]+@[!-;=?-~]+>", str(msg["Message-ID"]))


@pytest.mark.parametrize("language", LANGUAGES)
def test_garbage_is_something_the_email_package_objects_to(language: str) -> None:
    variants = set()
    for seed in range(16):
        scripted = answer(ORIGINALS["first"], "garbage", language=language, seed=seed)
        assert _problems(scripted.raw), scripted.expected
        assert scripted.expected["kind"] == "unknown"
        variants.add(scripted.expected["variant"])
    assert variants == {"bad_charset", "unknown_charset", "broken_multipart", "truncated"}


def test_answers_are_deterministic_and_seeded() -> None:
    one = answer(ORIGINALS["first"], "interested", language="de", seed=3)
    again = answer(ORIGINALS["first"], "interested", language="de", seed=3)
    other = answer(ORIGINALS["first"], "interested", language="de", seed=4)

    assert one == again
    assert one.raw != other.raw


def test_a_message_object_and_its_bytes_get_the_same_answer() -> None:
    original = ORIGINALS["follow_up"]
    raw = original.as_bytes(policy=original.policy.clone(linesep="\r\n"))

    assert answer(original, "meeting_request", seed=1) == answer(raw, "meeting_request", seed=1)


@pytest.mark.parametrize(("kind", "language"), [("banter", "en"), ("interested", "pt")])
def test_an_unknown_kind_or_language_is_refused(kind: str, language: str) -> None:
    with pytest.raises(ValueError, match="unknown"):
        answer(ORIGINALS["first"], kind, language=language)


# -- replies thread and look like their client's ---------------------------------------------------


def test_replies_thread_to_the_original() -> None:
    threaded = 0
    for name, original, scripted in _all():
        msg = PARSER.parsebytes(scripted.raw)
        expected_id = scripted.expected["in_reply_to"]
        assert scripted.expected["original_message_id"] == original["Message-ID"]
        if expected_id is None:
            continue
        threaded += 1
        assert expected_id == original["Message-ID"]
        assert str(msg["In-Reply-To"]).strip() == expected_id
        references = str(msg["References"]).split()
        assert references[-1] == expected_id
        if name == "follow_up":
            assert references == [FIRST_ID, expected_id], "the whole thread, oldest first"
    assert threaded > 300


def test_human_replies_come_from_the_prospect_to_the_sender() -> None:
    for _, original, scripted in _all(kinds=(*HUMAN_KINDS, "out_of_office")):
        msg = PARSER.parsebytes(scripted.raw)
        assert msg["From"].addresses[0].addr_spec == original["To"].addresses[0].addr_spec
        assert msg["To"].addresses[0].addr_spec == "outreach1@jengu-demo.example"
        assert str(msg["Message-ID"]).endswith("@hotel-alpenblick.at>")
        if scripted.expected["kind"] == "human_reply":
            assert scripted.expected["intent"] == scripted.kind
            assert str(original["Subject"]) in str(msg["Subject"])


@pytest.mark.parametrize(("client", "language", "prefix"), [
    ("outlook", "de", "AW: "),  # Outlook localises the prefix ...
    ("outlook", "it", "R: "),
    ("outlook", "fr", "RE : "),  # ... with French spacing
    ("outlook", "en", "RE: "),
    ("gmail", "de", "Re: "),  # the others write "Re:" whatever the language
    ("thunderbird", "es", "Re: "),
])
def test_the_subject_prefix_is_the_clients(client: str, language: str, prefix: str) -> None:
    scripted = _with_client(ORIGINALS["first"], client, language)
    follow_up = _with_client(ORIGINALS["follow_up"], client, language)

    assert str(PARSER.parsebytes(scripted.raw)["Subject"]) == (
        prefix + "Night shift cover for Hotel Alpenblick")
    stacked = PARSER.parsebytes(follow_up.raw)["Subject"]
    # Outlook stacks its prefix on a "Re:", the others keep a single one.
    assert str(stacked) == (prefix if client == "outlook" else "") + str(
        ORIGINALS["follow_up"]["Subject"])


def _with_client(original: EmailMessage, client: str, language: str,
                 kind: str = "interested") -> Scripted:
    for seed in range(200):
        scripted = answer(original, kind, language=language, seed=seed)
        if scripted.expected["client"] == client:
            return scripted
    raise AssertionError(f"no {client} reply in 200 seeds")


@pytest.mark.parametrize(("client", "language", "pattern"), [
    ("gmail", "en", r"On Tue, 3 Mar 2026 at 08:15, Anna Berger <outreach1@jengu-demo\.example> "
                    r"wrote:"),
    ("gmail", "de", r"Am Di\., 3\. März 2026 um 09:15 Uhr schrieb Anna Berger <outreach1@"),
    ("thunderbird", "de", r"Am 03\.03\.26 um 09:15 schrieb Anna Berger:"),
    ("gmail", "fr", r"Le mar\. 3 mars 2026 à 09:15, Anna Berger <[^>]+> a écrit :"),
    ("apple", "es", r"> El 3 mar 2026, a las 09:15, Anna Berger <[^>]+> escribió:"),
    ("gmail", "it", r"Il giorno mar 3 mar 2026 alle ore 09:15 Anna Berger <[^>]+> ha scritto:"),
    ("outlook", "en", r"From: Anna Berger <[^>]+>\nSent: Tuesday, 3 March 2026 08:15\nTo: info@"),
    ("outlook", "de", r"Von: Anna Berger <[^>]+>\nGesendet: Dienstag, 3\. März 2026 09:15\nAn: "),
    ("outlook", "fr", r"De : Anna Berger <[^>]+>\nEnvoyé : mardi 3 mars 2026 09:15\nÀ : "),
])
def test_the_history_is_quoted_in_the_clients_style(client: str, language: str,
                                                     pattern: str) -> None:
    scripted = _with_client(ORIGINALS["first"], client, language)
    text = _plain(scripted.raw)

    assert re.search(pattern, text), text
    line = "I saw that you are looking for a night auditor."
    assert f"> {line}" in text or (client == "outlook" and line in text)


def test_bodies_come_in_several_transfer_encodings_and_charsets() -> None:
    seen = collections.Counter()
    for _, _, scripted in _all(kinds=(*HUMAN_KINDS, "out_of_office", "bounce_hard")):
        for part in PARSER.parsebytes(scripted.raw).walk():
            if part.get_content_maintype() == "text":
                seen[(part.get("Content-Transfer-Encoding", "7bit").lower())] += 1
                seen[part.get_content_charset("us-ascii")] += 1
    assert {"quoted-printable", "base64", "8bit", "7bit"} <= set(seen)
    assert {"utf-8", "windows-1252", "us-ascii"} <= set(seen)


def test_delegations_name_a_colleague_at_the_hotel() -> None:
    with_cc = 0
    for _, _, scripted in _all(kinds=("delegated",)):
        delegate = scripted.expected["delegate_email"]
        assert delegate.endswith("@hotel-alpenblick.at") and delegate != "info@hotel-alpenblick.at"
        text = _plain(scripted.raw)
        assert delegate in text and scripted.expected["delegate_name"] in text
        cc = PARSER.parsebytes(scripted.raw)["Cc"]
        if cc is not None:
            with_cc += 1
            assert cc.addresses[0].addr_spec == delegate
    assert with_cc > 0


def test_meeting_requests_propose_a_working_day_ahead() -> None:
    for _, _, scripted in _all(kinds=("meeting_request",)):
        msg = PARSER.parsebytes(scripted.raw)
        proposed = datetime.fromisoformat(scripted.expected["proposed_time"])
        assert proposed > msg["Date"].datetime and proposed.weekday() < 5
        assert 8 <= proposed.hour < 18


@pytest.mark.parametrize(("language", "months"), [
    ("en", ("November", "December")), ("de", ("November", "Dezember")),
    ("fr", ("novembre", "décembre")), ("es", ("noviembre", "diciembre")),
    ("it", ("novembre", "dicembre")),
])
def test_out_of_office_says_when_they_are_back_in_their_language(
        language: str, months: tuple[str, str]) -> None:
    now = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
    forms = collections.Counter()
    for seed in range(40):
        scripted = answer(ORIGINALS["first"], "out_of_office", language=language, seed=seed,
                          now=now)
        msg = PARSER.parsebytes(scripted.raw)
        back = datetime.fromisoformat(scripted.expected["return_date"]).date()
        assert now.date() < back <= now.date() + timedelta(days=25) and back.weekday() < 5
        text = _plain(scripted.raw)
        numeric = f"{back.day:02d}{'.' if language == 'de' else '/'}{back.month:02d}"
        day = "1er" if language == "fr" and back.day == 1 else str(back.day)
        joiner = {"de": ". ", "es": " de "}.get(language, " ")
        words = f"{day}{joiner}{months[back.month - 11]}"
        assert words in text or numeric in text, text
        forms["numeric" if numeric in text else "words"] += 1
        if scripted.expected["rfc3834"]:
            assert msg["Auto-Submitted"] == "auto-replied"
        else:
            assert msg["Auto-Submitted"] is None and msg["In-Reply-To"] is None
            assert "Night shift" not in str(msg["Subject"]), "only the wording tells"
    assert forms["words"] and (language == "en" or forms["numeric"])


# -- bounces and complaints -----------------------------------------------------------------------


def test_bounces_carry_the_original_recipient_and_status() -> None:
    styles = collections.Counter()
    for _, original, scripted in _all(kinds=("bounce_hard", "bounce_soft"), seeds=range(12)):
        expected = scripted.expected
        status, recipient = expected["status"], expected["recipient"]
        assert recipient == "info@hotel-alpenblick.at"
        assert expected["category"] == ("hard" if scripted.kind == "bounce_hard" else "soft")
        assert status[0] == ("4" if expected["action"] == "delayed" else "5")
        msg = PARSER.parsebytes(scripted.raw)
        assert msg["To"].addresses[0].addr_spec == "outreach1@jengu-demo.example"
        styles[(expected["style"], expected["action"])] += 1
        if expected["style"] == "gateway":
            # The gateway's own automatic message carries the server's report as its attachment.
            assert msg["From"].addresses[0].addr_spec == "notifications@gw.hotel-alpenblick.at"
            assert msg["Auto-Submitted"] == "auto-generated"
            _, attached = msg.get_payload()
            assert attached.get_content_type() == "message/rfc822"
            msg = attached.get_payload()[0]
        sender = msg["From"].addresses[0].addr_spec
        assert sender.split("@")[0] in ("MAILER-DAEMON", "postmaster")
        assert sender.endswith("hotel-alpenblick.at")
        if expected["style"] in ("rfc3464", "gateway"):
            assert msg.get_content_type() == "multipart/report"
            assert msg.get_param("report-type") == "delivery-status"
            notice, report, headers = msg.get_payload()
            per_message, per_recipient = report.get_payload()
            assert per_message["Reporting-MTA"].startswith("dns; ")
            assert per_recipient["Final-Recipient"] == f"rfc822; {recipient}"
            assert per_recipient["Status"] == status
            assert per_recipient["Action"] == expected["action"]
            assert headers.get_content_type() == "text/rfc822-headers"
            assert original["Message-ID"] in headers.get_content()
        else:
            text = _plain(scripted.raw)
            assert recipient in text and status in text
            assert original["Message-ID"] in text, "the original can be matched"
    assert {style for style, _ in styles} == {"rfc3464", "exchange", "qmail", "gateway"}
    assert styles[("rfc3464", "delayed")] > 0


def test_complaints_are_arf_reports_with_the_original_attached() -> None:
    for _, original, scripted in _all(kinds=("complaint",)):
        msg = PARSER.parsebytes(scripted.raw)
        assert msg.get_content_type() == "multipart/report"
        assert msg.get_param("report-type") == "feedback-report"
        _, report, attached = msg.get_payload()
        (fields,) = report.get_payload()
        assert fields["Feedback-Type"] == "abuse" and fields["Version"] == "1"
        assert fields["Original-Rcpt-To"] == f"<{scripted.expected['recipient']}>"
        assert attached.get_content_type() == "message/rfc822"
        (copy,) = attached.get_payload()
        assert copy["Message-ID"] == original["Message-ID"]
        assert original.as_bytes(policy=original.policy.clone(linesep="\r\n")) in scripted.raw


# -- who answers ----------------------------------------------------------------------------------


def test_script_for_gives_a_stable_realistic_mix() -> None:
    addresses = [f"contact{n}@hotel{n % 997}.example" for n in range(10_000)]
    kinds = [script_for(address, 7) for address in addresses]
    counts = collections.Counter(kinds)

    assert kinds == [script_for(address.upper(), 7) for address in addresses], "stable, any case"
    answering = 10_000 - counts["silent"]
    assert abs(answering / 10_000 - ANSWER_RATE) < 0.02, counts
    total = sum(weight for _, weight in MIX)
    for kind, weight in MIX:
        # Binomial spread over ~2,500 answers: four standard deviations plus one point.
        share = weight / total
        tolerance = 4 * (share * (1 - share) / answering) ** 0.5 + 0.01
        assert abs(counts[kind] / answering - share) < tolerance, (kind, counts)
    assert set(counts) == {"silent", *KINDS}
    other_seed = [script_for(address, 8) for address in addresses]
    assert sum(a != b for a, b in zip(kinds, other_seed)) > 2_000, "the seed reshuffles"


@pytest.mark.parametrize(("address", "language"), [
    ("info@hotel-alpenblick.at", "de"),  # Austria
    ("reception@hotel-rosa.it", "it"),
    ("contact@hotel-lumiere.fr", "fr"),
    ("reservas@hotelmar.es", "es"),
    ("frontdesk@harbourview.co.uk", "en"),
    ("info@hotel-zuid.nl", "en"),  # a language we do not write: English, as hotels answer
])
def test_language_follows_the_country_domain(address: str, language: str) -> None:
    assert language_for(address) == language


# -- delivered for real ---------------------------------------------------------------------------

_logins = itertools.count(1)


def _sending_inbox(dovecot: Dovecot) -> ImapSettings:
    login = f"outreach-r{next(_logins)}@jengu-demo.example"
    password = secrets.token_urlsafe(12)
    dovecot.add_user(login, password)
    return ImapSettings(host=dovecot.host, port=dovecot.imap_port, tls_mode="none",
                        username=login, password=password, timeout_seconds=10.0)


def _send(smtp: SandboxSMTP, sender: str, original: EmailMessage) -> None:
    raw = original.as_bytes(policy=original.policy.clone(linesep="\r\n"))
    with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as client:
        client.sendmail(sender, [str(original["To"])], raw)


def test_the_responder_files_each_answer_in_the_sending_inbox(dovecot_server: Dovecot) -> None:
    inbox = _sending_inbox(dovecot_server)
    domains = ("hotel-alpenblick.at", "hotel-lumiere.fr", "hotelmar.es", "hotel-rosa.it",
               "harbourview.co.uk")
    forced = {f"{kind.replace('_', '.')}@{domains[n % len(domains)]}": kind
              for n, kind in enumerate(KINDS)}
    forced["nobody.answers@hotel-rosa.it"] = "silent"
    responder = Responder(dovecot_server, seed=11, kinds=forced)
    originals = [_first_email(to=address,
                              message_id=f"<r{n}.{secrets.token_hex(4)}@jengu-demo.example>")
                 for n, address in enumerate(forced)]

    with SandboxSMTP(on_accept=responder) as smtp:
        for original in originals:
            _send(smtp, inbox.username, original)
        _send(smtp, inbox.username, originals[0])  # a retry of the same message: one answer

    assert [s.kind for s in responder.sent] == list(KINDS)
    assert [s.expected["language"] for s in responder.sent] == [
        language_for(address) for address in list(forced)[:len(KINDS)]]
    batch = fetch_new(inbox, "INBOX", uidvalidity=None, last_uid=0)
    assert len(batch.messages) == len(KINDS)
    for fetched, scripted in zip(batch.messages, responder.sent):
        # Byte for byte, under the trace headers Dovecot's LMTP puts on top.
        assert fetched.raw.endswith(scripted.raw), scripted.expected
        trace = PARSER.parsebytes(fetched.raw[:-len(scripted.raw)] + b"\r\n")
        assert set(trace.keys()) <= {"Return-Path", "Delivered-To", "Received"}


def test_every_answer_survives_an_imap_round_trip_byte_for_byte(dovecot_server: Dovecot) -> None:
    inbox = _sending_inbox(dovecot_server)
    scripted = [s for _, _, s in _all(seeds=range(2))][::3]
    for one in scripted:
        append_message(inbox, "Answers", one.raw, seen=False)

    batch = fetch_new(inbox, "Answers", uidvalidity=None, last_uid=0)

    assert [m.raw for m in batch.messages] == [s.raw for s in scripted]


def test_the_responder_follows_script_for_and_skips_inboxes_without_a_mailbox(
        dovecot_server: Dovecot) -> None:
    inbox = _sending_inbox(dovecot_server)
    responder = Responder(dovecot_server, seed=5, kinds={"x@hotel-x.de": "interested"},
                          now=lambda: datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc))
    recipients = [f"gm{n}@hotel-number-{n}.de" for n in range(60)]

    with SandboxSMTP(on_accept=responder) as smtp:
        for n, recipient in enumerate(recipients):
            original = _first_email(to=recipient, message_id=f"<s{n}@jengu-demo.example>")
            _send(smtp, inbox.username, original)
        # A sender Dovecot has no mailbox for: its answer has nowhere to go, the send still works.
        _send(smtp, "stranger@jengu-demo.example",
              _first_email(to="x@hotel-x.de", message_id="<stranger@jengu-demo.example>"))
        accepted = len(smtp.accepted)

    answering = [r for r in recipients if script_for(r, 5) != "silent"]
    assert accepted == 61
    assert [s.expected["prospect"] for s in responder.sent] == answering
    assert all(s.expected["language"] == "de" for s in responder.sent)
    assert all(parsedate_to_datetime(PARSER.parsebytes(s.raw)["Date"]).date().isoformat()
               == "2026-11-24" for s in responder.sent if s.expected["kind"] != "unknown")
    fetched = fetch_new(inbox, "INBOX", uidvalidity=None, last_uid=0).messages
    assert len(fetched) == len(answering)
    assert [s.expected["prospect"] for s in responder.undeliverable] == ["x@hotel-x.de"]
