"""The inbound-message rules (``jengu_assets.replies``) over real bytes: a hand-written corpus of
raw .eml files from real mail systems' formats (tests/fixtures/inbound), and messages built at
run time (a 25 MB attachment, MIME bombs, a 1 MB header, seeded random bytes). Pure functions: no
network, no store, no LLM provider (the offline handler runs through a real ``LLM`` session with
no keys)."""

from __future__ import annotations

import asyncio
import base64
import random
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from jengu_assets.replies import parsing
from jengu_assets.replies import understanding as u
from jengu_assets.replies.intent import offline_handler, offline_intent
from jengu_assets.replies.prompts import (
    REPLY_BEGIN,
    REPLY_END,
    REPLY_INTENT_TASK,
    SYSTEM_PROMPT,
    ReplyAnalysis,
    reply_from_prompt,
    reply_intent_prompt,
)
from jengu_assets.replies.understanding import parse, reply_text, return_date, understand
from tests.timing import within_cpu_budget

CORPUS = Path(__file__).parent / "fixtures" / "inbound"
KINDS = {"bounce", "auto_reply", "complaint", "human_reply", "malformed", "own"}
OUR_INBOX = "anna@jengu.example"


def raw(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


# -- the corpus -----------------------------------------------------------------------------------

# file: (kind, expectations). Bounces: recipient, status, category, original Message-ID;
# auto-replies: return_date; human replies: intent (offline rules).
EXPECTED: dict[str, tuple[str, dict]] = {
    # RFC 3464 reports: the machine-readable part decides.
    "bounce_postfix_user_unknown.eml": ("bounce", dict(
        recipient="reservations@hotel-alpenblick.de", status="5.1.1", category="hard",
        original="<3f2a9c1e7b8d4e0f9a6b5c4d3e2f1a0b@jengu.example>", standard=True)),
    "bounce_o365_recipient_not_found.eml": ("bounce", dict(
        recipient="info@hotelroma.it", status="5.1.10", category="hard",
        original="<7c1d0b2a9e8f4a3b8c7d6e5f4a3b2c1d@jengu.example>", standard=True)),
    "bounce_gmail_dsn.eml": ("bounce", dict(
        recipient="sunsetlodge.bookings@gmail.com", status="5.1.1", category="hard",
        original="<0a1b2c3d4e5f40718293a4b5c6d7e8f9@jengu.example>", standard=True)),
    "bounce_policy_spamhaus.eml": ("bounce", dict(
        recipient="sales@grandhotel-example.co.uk", status="5.7.1", category="policy",
        original="<0718293a4b5c4d6e7f8091a2b3c4d5e6@jengu.example>", standard=True)),
    # A delay warning: the remote side is still trying.
    "bounce_soft_mailbox_full.eml": ("bounce", dict(
        recipient="gm@castello-verde.it", status="4.2.2", category="soft", action="delayed",
        original="<e5f6a7b8c9d04e1f2a3b4c5d6e7f8091@jengu.example>", standard=True)),
    # Postfix gives up after its queue lifetime with a 4.x.x status: soft, not hard.
    "bounce_soft_timeout.eml": ("bounce", dict(
        recipient="reservas@hotel-atlantico.pt", status="4.4.1", category="soft",
        action="failed", original="<f6a7b8c9d0e14f2a3b4c5d6e7f8091a2@jengu.example>")),
    # Plain-text notices: read from their wording.
    "bounce_exim_plain.eml": ("bounce", dict(
        recipient="booking@hotel-seeblick.at", status="5.1.1", category="hard",
        original="<5e6f7a8b9c0d4e1f8a2b3c4d5e6f7a8b@jengu.example>", standard=False)),
    # qmail gives no enhanced code: "550 No such user here" means 5.1.1.
    "bounce_qmail_plain.eml": ("bounce", dict(
        recipient="info@hotel-dewindmolen.nl", status="5.1.1", category="hard",
        original="<8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a@jengu.example>", standard=False)),
    "bounce_yahoo_plain.eml": ("bounce", dict(
        recipient="maria.bianchi.hotel@yahoo.it", status="5.1.1", category="hard",
        original="<b1c2d3e4f5a64b7c8d9e0f1a2b3c4d5e@jengu.example>", standard=False)),
    "bounce_german_ndr.eml": ("bounce", dict(
        recipient="empfang@hotel-sonne.de", status="5.1.1", category="hard",
        original="<c3d4e5f6a7b84c9d0e1f2a3b4c5d6e7f@jengu.example>", standard=False)),
    "bounce_french_ndr.eml": ("bounce", dict(
        recipient="contact@hotel-lumiere.fr", status="5.2.1", category="hard",
        original="<d4e5f6a7b8c94d0e1f2a3b4c5d6e7f80@jengu.example>", standard=False)),
    # Auto-replies, one per header kind and language.
    "auto_exchange_oof_en.eml": ("auto_reply", dict(return_date=date(2026, 12, 3))),
    "auto_de_abwesenheitsnotiz.eml": ("auto_reply", dict(return_date=date(2026, 12, 3))),
    "auto_fr_reponse_automatique.eml": ("auto_reply", dict(return_date=date(2026, 12, 3))),
    "auto_es_fuera_oficina.eml": ("auto_reply", dict(return_date=date(2026, 12, 3))),
    # Written in December: "5 gennaio" is next year's.
    "auto_it_fuori_sede_new_year.eml": ("auto_reply", dict(return_date=date(2027, 1, 5))),
    # "tot en met 28 november" and "vanaf 1 december weer": the day back wins.
    "auto_nl_afwezig.eml": ("auto_reply", dict(return_date=date(2026, 12, 1))),
    "auto_pt_ausente_bulk.eml": ("auto_reply", dict(return_date=date(2026, 12, 10))),
    "auto_en_no_return_date.eml": ("auto_reply", dict(return_date=None)),
    "auto_helpdesk_ack.eml": ("auto_reply", dict(return_date=None)),
    # No header at all, a "Re:" subject: the short out-of-office text alone decides.
    "auto_en_body_only.eml": ("auto_reply", dict(return_date=date(2026, 12, 5))),
    "complaint_arf_yahoo.eml": ("complaint", dict(
        recipient="gm.hotelaurora@yahoo.it",
        original="<9a0b1c2d3e4f45a6b7c8d9e0f1a2b3c4@jengu.example>")),
    # Human replies in several clients' quoting styles.
    "reply_en_interested_gmail.eml": ("human_reply", dict(intent="interested")),
    "reply_de_not_interested_outlook.eml": ("human_reply", dict(intent="not_interested")),
    "reply_fr_meeting.eml": ("human_reply", dict(intent="meeting_request")),
    "reply_es_more_info.eml": ("human_reply", dict(intent="needs_more_info")),
    "reply_it_delegated.eml": ("human_reply", dict(intent="delegated")),
    "reply_en_delegated_outlook.eml": ("human_reply", dict(intent="delegated")),
    "reply_en_unsubscribe.eml": ("human_reply", dict(intent="unsubscribe")),
    "reply_de_unsubscribe_thunderbird.eml": ("human_reply", dict(intent="unsubscribe")),
    "reply_en_meeting_html_only.eml": ("human_reply", dict(intent="meeting_request")),
    "reply_bottom_posted.eml": ("human_reply", dict(intent="interested")),
    "reply_pt_interested.eml": ("human_reply", dict(intent="interested")),
    "reply_es_not_interested_iphone.eml": ("human_reply", dict(intent="not_interested")),
    # The injected instructions are data: the refusal still decides, with low confidence.
    "reply_en_injection.eml": ("human_reply", dict(intent="not_interested")),
    # Without our inbox addresses our own message is just text (see test_own_messages).
    "own_sent_message.eml": ("human_reply", dict(intent="meeting_request")),
    # Damaged but readable: classified, the damage recorded.
    "damaged_truncated_mime.eml": ("human_reply", dict(intent="interested")),
    "damaged_bad_charset.eml": ("human_reply", dict(intent="not_interested")),
    "damaged_8bit_headers.eml": ("human_reply", dict(intent="meeting_request")),
    "damaged_nested_rfc822.eml": ("human_reply", dict(intent="delegated")),
    "damaged_multipart_no_boundary.eml": ("human_reply", dict(intent="needs_more_info")),
    # Not a message at all.
    "malformed_empty.eml": ("malformed", dict(reason="empty input")),
    "malformed_binary_junk.eml": ("malformed", dict(reason="not an email message")),
    "malformed_not_email.eml": ("malformed", dict(reason="not an email message")),
}


def test_every_fixture_has_an_expectation():
    assert sorted(p.name for p in CORPUS.glob("*.eml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus(name: str):
    kind, want = EXPECTED[name]
    result = understand(raw(name))
    assert result.kind == kind, (result.kind, result.reason)
    if kind == "bounce":
        bounce = result.bounce
        assert bounce is not None
        assert (bounce.recipient, bounce.status, bounce.category) == (
            want["recipient"], want["status"], want["category"])
        assert bounce.original_message_id == want["original"]
        if "action" in want:
            assert bounce.action == want["action"]
        if "standard" in want:
            assert bounce.standard is want["standard"]
    elif kind == "auto_reply":
        assert result.auto_reply is not None
        assert result.auto_reply.return_date == want["return_date"]
    elif kind == "complaint":
        assert result.complaint is not None
        assert result.complaint.feedback_type == "abuse"
        assert result.complaint.recipient == want["recipient"]
        assert result.complaint.original_message_id == want["original"]
    elif kind == "human_reply":
        assert result.reply_text
        analysis = offline_intent(result.reply_text, result.parsed.subject)
        assert analysis.intent == want["intent"], analysis.reasoning
    else:
        assert result.reason and result.reason.startswith(want["reason"])


# -- parsing --------------------------------------------------------------------------------------


def test_envelope_of_a_reply():
    parsed = parse(raw("reply_en_interested_gmail.eml"))
    assert parsed.message_id == "<CAJx3n9q7pLm2Vw@mail.gmail.com>"
    assert parsed.message_key == parsed.message_id
    # The matcher finds our sent email by the Message-ID the reply names.
    assert parsed.in_reply_to == "<4d5e6f7a8b9c40d1e2f3a4b5c6d7e8f9@jengu.example>"
    assert parsed.references == ("<4d5e6f7a8b9c40d1e2f3a4b5c6d7e8f9@jengu.example>",)
    assert (parsed.from_address, parsed.from_name) == ("tom@harbourviewhotel.co.uk", "Tom Becker")
    assert parsed.to_addresses == (OUR_INBOX,)
    assert parsed.date == datetime(2026, 11, 23, 10, 41, 17, tzinfo=UTC)
    assert parsed.text_source == "plain" and parsed.malformed_reason is None


@pytest.mark.parametrize("name, subject, from_name", [
    # RFC 2047 in ISO-8859-1 Q, with a no-break space before the colon (French typography).
    ("auto_fr_reponse_automatique.eml", "Réponse automatique\xa0: Petite question sur vos e-mails",
     "Claire Dubois"),
    # UTF-8 B.
    ("auto_de_abwesenheitsnotiz.eml", "Abwesenheitsnotiz: Kurze Frage zu Ihren Gäste-E-Mails",
     "Julia Hartmann"),
    # Raw 8-bit UTF-8 in the headers, no encoded words.
    ("damaged_8bit_headers.eml", "AW: Kurze Frage zu Ihren Gäste-E-Mails", "Jürgen Weiß"),
    # An encoded word in a charset nobody knows: its bytes are guessed.
    ("damaged_bad_charset.eml", "Re: Petite question sur vos e-mails clients", "André Lefèvre"),
])
def test_header_decoding(name: str, subject: str, from_name: str):
    parsed = parse(raw(name))
    assert (parsed.subject, parsed.from_name) == (subject, from_name)


@pytest.mark.parametrize("charset, subject, from_name", [
    # Headers written raw in the charset the body declares (older clients, Chinese and Russian
    # webmail): too short to guess, so the body's charset reads them.
    ("gb2312", "邮件传输失败！", "系统管理员"),
    ("windows-1251", "Re: Вакансия администратора", "Ольга Смирнова"),
    # Raw UTF-8 over a latin-1 body is still UTF-8.
    ("iso-8859-1", "AW: Gäste-E-Mails", "Jürgen Weiß"),
])
def test_raw_8bit_headers_read_in_the_body_charset(charset: str, subject: str, from_name: str):
    head_charset = "utf-8" if charset == "iso-8859-1" else charset
    message = (f"From: {from_name} <desk@hotel.example>\r\nTo: anna@jengu.example\r\n"
               f"Subject: {subject}\r\n".encode(head_charset)
               + b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=" + charset.encode()
               + b"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + "Danke.\r\n".encode("latin-1"))
    parsed = parse(message)
    assert (parsed.subject, parsed.from_name) == (subject, from_name)


@pytest.mark.parametrize("name, phrase", [
    # Declared UTF-8, written in cp1252: read as the bytes say.
    ("damaged_bad_charset.eml", "nous ne sommes pas intéressés"),
    # No charset parameter at all over UTF-8 bytes.
    ("damaged_8bit_headers.eml", "Viele Grüße"),
    # Quoted-printable ISO-8859-1.
    ("reply_de_not_interested_outlook.eml", "vielen Dank für Ihre Nachricht"),
    # Base64 UTF-8.
    ("reply_es_more_info.eml", "¿Cuánto cuesta"),
])
def test_body_charsets(name: str, phrase: str):
    assert phrase in parse(raw(name)).text


def test_message_key_without_a_message_id_is_the_hash_of_the_bytes():
    message = b"From: a@hotel.example\nTo: anna@jengu.example\nSubject: hi\n\nhello\n"
    parsed = parse(message)
    assert parsed.message_id is None
    assert parsed.message_key.startswith("sha256:") and len(parsed.message_key) == 71
    assert parse(message).message_key == parsed.message_key
    garbage = b"Message-ID: not an id at all\n" + message
    assert parse(garbage).message_id is None


def test_damage_is_recorded_not_fatal():
    parsed = parse(raw("damaged_truncated_mime.eml"))
    assert "multipart without its closing boundary" in parsed.defects
    assert parsed.malformed_reason is None
    nested = parse(raw("damaged_nested_rfc822.eml"))
    # The forwarded original is an attachment, never the body.
    assert [a.content_type for a in nested.attachments][:1] == ["message/rfc822"]
    assert "Tom Weber" in nested.text and "Tom, kannst du" not in nested.text


def test_html_only_reply_keeps_quotes_as_quote_lines():
    parsed = parse(raw("reply_en_meeting_html_only.eml"))
    assert parsed.text_source == "html"
    assert "> Hello Sophie," in parsed.text
    # Gmail's narrow no-break space before "AM" reads as a space.
    assert "On Mon, Nov 17, 2026 at 9:14 AM Anna Keller <anna@jengu.example> wrote:" in parsed.text


def test_html_to_text():
    html = ("<html><head><style>p{color:red}</style><title>t</title></head><body>"
            "<p>Hi&nbsp;Anna &amp; team,</p><div>Line <b>two</b></div><script>x()</script>"
            "<blockquote>quoted<blockquote>deeper</blockquote></blockquote></body></html>")
    assert u.html_to_text(html) == "Hi Anna & team,\n\nLine two\n> quoted\n> > deeper"


# -- own messages ---------------------------------------------------------------------------------


def test_own_messages_are_never_replies():
    message = raw("own_sent_message.eml")
    own = understand(message, own_addresses={"Anna@Jengu.example"})
    assert own.kind == "own" and own.is_own
    assert own.reason == f"sent from our inbox {OUR_INBOX}"
    assert understand(message).kind == "human_reply"
    # A bounce sent to our inbox is still a bounce, whoever it claims to come from.
    assert understand(raw("bounce_gmail_dsn.eml"), own_addresses={OUR_INBOX}).kind == "bounce"


# -- bounces --------------------------------------------------------------------------------------

NOTICE = """\
From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: anna@jengu.example
Subject: Undelivered Mail Returned to Sender
Date: Fri, 20 Nov 2026 10:00:00 +0000

This is the mail system at host mx.example.net.
I'm sorry to have to inform you that your message could not be delivered.

<guest@hotel.example>: host mx.hotel.example said: {reply}
"""


@pytest.mark.parametrize("reply, status, category", [
    # No enhanced code: derived from the SMTP code and its words.
    ("550 No such user here", "5.1.1", "hard"),
    ("552 Requested mail action aborted: mailbox full", "5.2.2", "soft"),
    ("554 Message rejected: spam content detected", "5.7.1", "policy"),
    ("550 Host or domain name not found", "5.1.2", "hard"),
    ("554 Message size exceeds fixed maximum message size", "5.3.4", "policy"),
    ("Connection timed out", "4.4.1", "soft"),
    ("450 Mailbox temporarily unavailable, try again later", "4.0.0", "soft"),
    # An enhanced code in the text wins over any wording.
    ("550 5.2.1 Mailbox disabled", "5.2.1", "hard"),
    ("421 4.7.0 Try again later, closing connection", "4.7.0", "soft"),
    ("550 5.4.4 Unrouteable address", "5.4.4", "hard"),
    # RFC 5321's own wording for a 550: GMX, web.de, Outlook.com and QQ give it for a mailbox
    # that does not exist or is shut; blocks name their reason (spam, policy, a block list).
    ("550 Requested action not taken: mailbox unavailable or access denied", "5.1.1", "hard"),
    ("550 Mailbox unavailable or access denied [MkQ1 IP: 192.0.2.7]", "5.1.1", "hard"),
    ("550 Requested action not taken: mailbox unavailable", "5.1.1", "hard"),
    ("550 Mailbox unavailable: blocked by spam filter", "5.7.1", "policy"),
    ("554 Relay access denied", "5.7.1", "policy"),
    # Exim: the domain's MX records name hosts that do not exist.
    ("all relevant MX records point to non-existent hosts", "5.1.2", "hard"),
    ("550 Access denied - sender IP listed at a DNSBL", "5.7.1", "policy"),
    # Words without any code: where a notice leaves the status to its text.
    ("DNS Error: Domain name not found", "5.1.2", "hard"),
    ("DNS lookup failure: host hotel.example not found", "5.1.2", "hard"),
    ("Delivery failed 10 attempts", "4.4.1", "soft"),
    ("permission denied. Command output: The recipient mailbox has exceeded its disk space limit.",
     "5.2.2", "soft"),
    # The stage the reply came at: after the body, a refusal of what we sent.
    ("550 5.2.0 Mail rejected (in reply to end of DATA command)", "5.2.0", "policy"),
    ("550 5.2.0 Mailbox unavailable (in reply to RCPT TO command)", "5.2.0", "hard"),
    ("554 Transaction failed (in reply to MAIL FROM command)", "5.0.0", "policy"),
    ("550 Service unavailable (in reply to HELO command)", "5.0.0", "policy"),
])
def test_plain_notice_status(reply: str, status: str, category: str):
    result = understand(NOTICE.format(reply=reply).encode())
    assert result.kind == "bounce"
    assert result.bounce is not None
    assert (result.bounce.recipient, result.bounce.status, result.bounce.category) == (
        "guest@hotel.example", status, category)


@pytest.mark.parametrize("status, category", [
    # The same table as refusals at send time (sending.bounces).
    ("4.2.2", "soft"), ("4.4.1", "soft"), ("4.7.1", "soft"), ("5.7.1", "policy"),
    ("5.7.26", "policy"), ("5.1.1", "hard"), ("5.1.10", "hard"), ("5.2.1", "hard"),
    ("5.4.4", "hard"), ("5.2.2", "soft"), ("5.3.4", "policy"),
    # A code that explains nothing: the server's words decide ("User unknown").
    ("5.0.0", "hard"),
])
def test_report_status_category(status: str, category: str):
    report = raw("bounce_postfix_user_unknown.eml").replace(b"Status: 5.1.1", f"Status: {status}".encode())
    report = report.replace(b"550 5.1.1 <reservations", b"550 <reservations")
    result = understand(report)
    assert result.bounce is not None
    assert (result.bounce.status, result.bounce.category) == (status, category)


def test_a_sendmail_warning_is_a_delayed_bounce():
    warning = (b"Return-Path: <>\nFrom: Mail Delivery Subsystem <MAILER-DAEMON@mail.example>\n"
               b"To: anna@jengu.example\nSubject: Warning: could not send message for past 4 hours\n"
               b"Auto-Submitted: auto-generated (warning-timeout)\n\n"
               b"    **      THIS IS A WARNING MESSAGE ONLY      **\n\n"
               b"The original message was received at Tue, 3 Mar 2026 10:00:03 +0100\n"
               b"from localhost [127.0.0.1]\n\n   ----- Transcript of session follows -----\n"
               b"<gm@hotel.example>... Deferred: Connection refused by mx.hotel.example.\n"
               b"Warning: message still undelivered after 4 hours\n")
    result = understand(warning)
    assert result.kind == "bounce" and result.bounce is not None
    assert (result.bounce.recipient, result.bounce.action, result.bounce.category) == (
        "gm@hotel.example", "delayed", "soft")


def test_a_warning_without_a_code_is_temporary():
    # MDaemon says it is still trying: the mailbox is full for now, not for good.
    warning = (b"From: MDaemon@mail.hotel.example\nTo: anna@jengu.example\n"
               b"Subject: Warning: message delivery delayed\n\n"
               b"The attached message has not yet been delivered to:\n\n   gm@hotel.example\n\n"
               b"because the recipient's mailbox is over quota. MDaemon will continue to try "
               b"delivering this message for the next 3 days.\n")
    bounce = understand(warning).bounce
    assert bounce is not None
    assert (bounce.recipient, bounce.status, bounce.category, bounce.action) == (
        "gm@hotel.example", "4.2.2", "soft", "delayed")


def test_a_reply_about_an_undeliverable_email_is_no_bounce():
    message = (b"From: Tom <tom@hotel.example>\nTo: anna@jengu.example\n"
               b"Subject: Re: Undeliverable: invoice\nIn-Reply-To: <a@jengu.example>\n\n"
               b"Our mail server said your message could not be delivered, sorry!\n")
    assert understand(message).kind == "human_reply"


REPORT = """\
From: MAILER-DAEMON@mx.hotel.example
To: anna@jengu.example
Subject: Undelivered Mail Returned to Sender
Message-ID: <report@mx.hotel.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="R"

--R
Content-Type: text/plain

This is the mail system at host mx.hotel.example.

--R
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.hotel.example

Final-Recipient: rfc822; guest@hotel.example
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 user unknown

--R
Content-Type: text/rfc822-headers

From: Anna <anna@jengu.example>
To: guest@hotel.example
Message-ID: <first@jengu.example>
Subject: Hello

--R--
"""


def wrapped_report(sender: str, subject: str, extra: str = "", report: str = REPORT) -> bytes:
    """A message that carries a delivery report as its attachment, as some gateways pass one on."""
    return (f"From: {sender}\nTo: anna@jengu.example\nSubject: {subject}\n"
            f"Message-ID: <wrapper@gw.hotel.example>\n{extra}MIME-Version: 1.0\n"
            f'Content-Type: multipart/mixed; boundary="W"\n\n'
            f"--W\nContent-Type: text/plain\n\nThe attached message could not be delivered.\n\n"
            f"--W\nContent-Type: message/rfc822\n\n{report}\n--W--\n").encode()


@pytest.mark.parametrize("sender, subject, extra", [
    ("Postmaster <postmaster@gw.hotel.example>", "Undeliverable: Hello", ""),
    ("Mail Gateway <gateway@gw.hotel.example>", "Message returned", "Auto-Submitted: auto-replied\n"),
    ("Mail Gateway <gateway@gw.hotel.example>", "Message returned", "Return-Path: <>\n"),
    ("Mail Gateway <gateway@gw.hotel.example>", "Delivery Status Notification (Failure)", ""),
])
def test_a_gateway_that_wraps_a_report_is_read_by_the_report(sender: str, subject: str,
                                                               extra: str):
    found = understand(wrapped_report(sender, subject, extra))
    assert found.kind == "bounce"
    assert found.bounce is not None
    # The returned message's id and the refused address, not the wrapper's or the report's own.
    assert (found.bounce.recipient, found.bounce.status, found.bounce.category,
            found.bounce.original_message_id, found.bounce.standard) == (
        "guest@hotel.example", "5.1.1", "hard", "<first@jengu.example>", True)


def test_a_person_forwarding_a_report_wrote_a_message_of_their_own():
    forwarded = understand(wrapped_report(
        "Tom <tom@hotel.example>", "Fwd: Undelivered Mail Returned to Sender",
        "In-Reply-To: <first@jengu.example>\n"))
    assert forwarded.kind != "bounce"
    assert forwarded.parsed.delivery_status == ()
    assert forwarded.parsed.attached_delivery_status[-1]["final-recipient"] == \
        "rfc822; guest@hotel.example"


def test_only_the_first_attached_message_is_read_for_a_report():
    second = wrapped_report("postmaster@gw.hotel.example", "Undeliverable: Hello").replace(
        b"--W\nContent-Type: message/rfc822",
        b"--W\nContent-Type: message/rfc822\n\nFrom: a@b.example\nSubject: x\n\nhello\n"
        b"--W\nContent-Type: message/rfc822", 1)
    parsed = parse(second)
    assert parsed.attached_delivery_status == ()
    assert parsed.attached_original_headers is None


# -- auto-replies ---------------------------------------------------------------------------------

REPLY = """\
From: Maria Rossi <maria@hotel.example>
To: anna@jengu.example
Subject: {subject}
Date: Fri, 20 Nov 2026 10:00:00 +0000
In-Reply-To: <abc@jengu.example>
{headers}
{body}
"""
OOO_BODY = "I am out of the office until 3 December."
HUMAN_BODY = "Thanks, we are interested. Can you call me on Thursday?"


@pytest.mark.parametrize("headers, body, kind", [
    ("Auto-Submitted: auto-replied", HUMAN_BODY, "auto_reply"),
    ("Auto-Submitted: auto-generated", HUMAN_BODY, "auto_reply"),
    # RFC 3834: "no" is a person.
    ("Auto-Submitted: no", HUMAN_BODY, "human_reply"),
    ("X-Autoreply: yes", HUMAN_BODY, "auto_reply"),
    ("X-Autorespond: vacation", HUMAN_BODY, "auto_reply"),
    # Vendors' own marks.
    ("X-Mail-Autoreply: hotel.example", HUMAN_BODY, "auto_reply"),
    ("X-Autoreply-From: maria@hotel.example", HUMAN_BODY, "auto_reply"),
    ("Precedence: auto_reply", HUMAN_BODY, "auto_reply"),
    # Help desks and CRMs set these on messages people write: not enough alone on a reply...
    ("Precedence: bulk", HUMAN_BODY, "human_reply"),
    ("X-Auto-Response-Suppress: All", HUMAN_BODY, "human_reply"),
    # ... but enough with out-of-office words.
    ("Precedence: junk", OOO_BODY, "auto_reply"),
    ("X-Auto-Response-Suppress: OOF", OOO_BODY, "auto_reply"),
    ("", HUMAN_BODY, "human_reply"),
])
def test_auto_reply_headers(headers: str, body: str, kind: str):
    message = REPLY.format(subject="Re: Quick question", headers=headers, body=body)
    assert understand(message.encode()).kind == kind


@pytest.mark.parametrize("body", [
    "Su mensaje a maria@hotel.example ha sido retenido. Haga clic en el enlace de abajo para"
    " confirmar que es una persona: https://filtro.example/c/1",
    "Il suo messaggio a maria@hotel.example è stato trattenuto. Clicca sul link qui sotto per"
    " confermare: https://filtro.example/c/2",
    "Uw bericht aan maria@hotel.example wordt vastgehouden. Bevestig dat u een persoon bent:"
    " https://filter.example/c/3",
    "Your message to maria@hotel.example is pending verification.\n\nPlease verify that you are\n"
    "a human by clicking here: https://filter.example/c/4",
])
def test_challenge_response_notices(body: str):
    # The filter writes from its own address; the notice names the mailbox it holds our email for.
    message = ("From: Filter <noreply@filter.example>\nTo: anna@jengu.example\n"
               f"Subject: Message held\nReturn-Path: <>\n\n{body}\n")
    understood = understand(message.encode())
    assert understood.kind == "auto_reply" and understood.auto_reply.challenge
    assert understood.auto_reply.held_for == "maria@hotel.example"


@pytest.mark.parametrize("body", [
    # Held, but nobody is asked to confirm anything: a person explaining a late answer.
    "Sorry, your message was held in our spam filter until this morning. We are interested.",
    # Asked to be approved, but nothing of ours is held: a person's request.
    "Thanks! Please add us to your list of approved senders so our newsletter reaches you.",
])
def test_a_person_mentioning_a_filter_is_no_challenge(body: str):
    message = REPLY.format(subject="Re: Quick question", headers="", body=body)
    understood = understand(message.encode())
    assert understood.kind == "human_reply"


@pytest.mark.parametrize("body, successor", [
    ("Maria Rossi no longer works at Hotel Example. Please contact our new sales manager "
     "Julia Weber at julia.weber@hotel.example.",
     ("Julia Weber", "sales manager", "julia.weber@hotel.example")),
    ("Maria Rossi ist nicht mehr in unserem Haus tätig. Bitte wenden Sie sich an Herrn Tobias "
     "Kern, tobias.kern@hotel.example.", ("Tobias Kern", None, "tobias.kern@hotel.example")),
    ("Maria Rossi a quitté l'hôtel. Merci d'écrire à reception@hotel.example.",
     (None, None, "reception@hotel.example")),
    ("Maria Rossi ya no trabaja en el hotel.", None),
    ("This mailbox is no longer monitored.", None),
])
def test_a_notice_that_the_person_has_left(body: str, successor: tuple | None):
    message = REPLY.format(subject="Automatic reply: Quick question",
                           headers="Auto-Submitted: auto-replied", body=body)
    auto = understand(message.encode()).auto_reply
    assert auto is not None and auto.departed and auto.return_date is None
    found = auto.successor
    assert (found and (found.name, found.title, found.email)) == successor


@pytest.mark.parametrize("body", [
    OOO_BODY,
    "I have left the office for the holidays and will be back on 3 January.",
    "Our reception team has left for the day. We will answer your email tomorrow morning.",
])
def test_an_absence_is_no_departure(body: str):
    message = REPLY.format(subject="Automatic reply: Quick question",
                           headers="Auto-Submitted: auto-replied", body=body)
    auto = understand(message.encode()).auto_reply
    assert auto is not None and not auto.departed and auto.successor is None


@pytest.mark.parametrize("subject, body", [
    ("Not read: Quick question", "Your message\n\n  To: maria@hotel.example\n  Subject: Quick "
     "question\n\nwas deleted without being read on Friday, November 20, 2026 10:00 AM."),
    ("Read: Quick question", "Your message\n\n  To: maria@hotel.example\n\nwas read on Friday, "
     "November 20, 2026 10:00 AM."),
    ("Gelesen: Quick question", "Ihre Nachricht\n\n  An: maria@hotel.example\n\nwurde am "
     "Freitag, 20. November 2026 10:00 gelesen."),
])
def test_a_plain_text_read_receipt_is_automatic(subject: str, body: str):
    message = REPLY.format(subject=subject, headers="", body=body)
    understood = understand(message.encode())
    assert understood.kind == "auto_reply"
    assert "read receipt" in understood.auto_reply.signals
    # The receipt's date is when it was read, never a return.
    assert understood.auto_reply.return_date is None


def test_a_person_whose_reply_opens_with_read_is_no_receipt():
    message = REPLY.format(subject="Read: your proposal", headers="",
                           body="I read it, and the message was read by our owner too. Call me?")
    assert understand(message.encode()).kind == "human_reply"


@pytest.mark.parametrize("sender, subject, body", [
    ("Hotel Support <support@hotel.example>", "[Request received] Quick question",
     "##- Please type your reply above this line -##\n\nYour request (#48213) has been received "
     "and is being reviewed by our support staff."),
    ("Rezeption <noreply@hotel.example>", "Ihre Anfrage",
     "Ihre Anfrage ist bei uns eingegangen. Wir melden uns in Kürze."),
    ("Réception <reception@hotel.example>", "Demande n° 40213",
     "Votre demande a bien été enregistrée sous le numéro 40213."),
])
def test_a_help_desk_receipt_in_the_passive_is_automatic(sender: str, subject: str, body: str):
    message = f"From: {sender}\nTo: anna@jengu.example\nSubject: {subject}\n\n{body}\n"
    assert understand(message.encode()).kind == "auto_reply"


def test_bulk_mail_that_answers_nothing_is_automatic():
    message = ("From: news@hotel-newsletter.example\nTo: anna@jengu.example\n"
               "Subject: Our winter offers\nPrecedence: bulk\n\nBook now and save 20%.\n")
    assert understand(message.encode()).kind == "auto_reply"


@pytest.mark.parametrize("subject", [
    "Out of Office: Quick question", "Automatic reply: Quick question", "Auto-Reply",
    "Abwesenheitsnotiz: Kurze Frage", "Automatische Antwort: Kurze Frage",
    "Absence", "Réponse automatique : Petite question", "Fuera de la oficina",
    "Respuesta automática: Una pregunta", "Fuori sede", "Risposta automatica: Una domanda",
    "Afwezig", "Automatisch antwoord: Korte vraag", "Ausente", "Resposta automática",
])
def test_localised_out_of_office_subjects(subject: str):
    message = REPLY.format(subject=subject, headers="", body="Thank you for your message.")
    result = understand(message.encode())
    assert result.kind == "auto_reply" and "subject" in result.auto_reply.signals


SENT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("text, expected", [
    ("I will be back on 3 December.", date(2026, 12, 3)),
    ("I am back in the office on December 3rd, 2026.", date(2026, 12, 3)),
    ("Ich bin ab dem 03.12.2026 wieder im Büro.", date(2026, 12, 3)),
    ("Ich bin am 3.12. zurück.", date(2026, 12, 3)),
    ("Je serai de retour le 3 décembre.", date(2026, 12, 3)),
    ("Estaré fuera hasta el 3 de diciembre.", date(2026, 12, 3)),
    ("Sono fuori ufficio fino al 3 dicembre.", date(2026, 12, 3)),
    ("Ik ben afwezig tot en met 3 december.", date(2026, 12, 3)),
    ("Estou ausente até 3 de dezembro.", date(2026, 12, 3)),
    ("Away from 20 November to 3 December.", date(2026, 12, 3)),
    ("Urlaub vom 20.11. bis 03.12.", date(2026, 12, 3)),
    # The day back beats the last day away.
    ("Out until 2 December, back on 3 December.", date(2026, 12, 3)),
    ("Back 5 January.", date(2027, 1, 5)),
    ("Out until 12/25/2026.", date(2026, 12, 25)),
    ("Back on Monday.", None),
    ("I am out of the office with limited access to email.", None),
    # A day without its month: the next such day, the weekday deciding between two months.
    ("Out of the office until Monday 7th.", date(2026, 12, 7)),
    ("Back on the 3rd.", date(2026, 12, 3)),
    ("Ich bin bis Montag, den 7. nicht da.", date(2026, 12, 7)),
    ("Back soon, the 2nd floor is closed.", None),
    # A slashed date read as the text's other slashed dates are, else the reading ahead.
    ("I will return on 12/01/2026.", date(2026, 12, 1)),
    ("Out from 11/25/2026 through 12/02/2026.", date(2026, 12, 2)),
    ("On leave until 04/01/2027.", date(2027, 1, 4)),
    ("Back on 3/12.", date(2026, 12, 3)),
    ("Available 24/7 at reception.", None),
    # "abwesend" is no "ab" (from): the last day away is the end of the range.
    ("Abwesend vom 23.11. bis einschließlich 3.12.", date(2026, 12, 3)),
])
def test_return_date(text: str, expected: date | None):
    assert return_date(text, SENT) == expected


# -- the new text of a reply ----------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    # Gmail wraps a long attribution line.
    ("Yes please.\n\nOn Mon, Nov 17, 2026 at 9:14 AM Anna Keller <\nanna@jengu.example> wrote:\n"
     "> Hello", "Yes please."),
    ("Ja, gerne.\n\nAm Mo., 17. Nov. 2026 um 09:14 Uhr schrieb Anna Keller <anna@jengu.example>:\n"
     "> Hallo", "Ja, gerne."),
    ("Oui.\n\nLe lun. 17 nov. 2026 à 09:14, Anna <anna@jengu.example> a écrit :\n> Bonjour",
     "Oui."),
    ("Sí.\n\nEl lun, 17 nov 2026 a las 9:14, Anna (<anna@jengu.example>) escribió:\n> Hola",
     "Sí."),
    ("Sì.\n\nIl giorno lun 17 nov 2026 alle ore 09:14 Anna <anna@jengu.example> ha scritto:\n"
     "> Ciao", "Sì."),
    ("Ja.\n\nOp ma 17 nov 2026 om 09:14 schreef Anna <anna@jengu.example>:\n> Hallo", "Ja."),
    ("Sim.\n\nEm seg., 17/11/2026 às 09:14, Anna <anna@jengu.example> escreveu:\n> Olá", "Sim."),
    # Outlook's header block, in English and German.
    ("Call me.\n\nFrom: Anna Keller <anna@jengu.example>\nSent: Monday, November 17, 2026\n"
     "To: tom@hotel.example\nSubject: Quick question\n\nHello Tom", "Call me."),
    ("Rufen Sie an.\n\nVon: Anna Keller <anna@jengu.example>\nGesendet: Montag, 17. November 2026\n"
     "An: info@hotel.example\nBetreff: Kurze Frage\n\nHallo", "Rufen Sie an."),
    ("No.\n\n-----Original Message-----\nFrom: Anna\nHello", "No."),
    ("Non.\n\n________________________________\nDe : Anna\nEnvoyé : lundi", "Non."),
    # Answers written between quoted lines stay; the quotes go.
    ("> Would a call help?\nYes, Thursday.\n> Is 10am fine?\nPerfect.", "Yes, Thursday.\nPerfect."),
    # Signatures.
    ("Sounds good.\n\n-- \nTom Becker\nHarbour View Hotel", "Sounds good."),
    ("Sounds good.\n\nSent from my iPhone", "Sounds good."),
    ("Klingt gut.\n\nVon meinem iPhone gesendet", "Klingt gut."),
    ("Sounds good.\n\nBest regards,\nTom Becker\nFront Office Manager\n+44 20 7946 0018",
     "Sounds good."),
    ("Klingt gut.\n\nMit freundlichen Grüßen\nJulia Hartmann", "Klingt gut."),
    ("Ça m'intéresse.\n\nBien cordialement,\nClaire", "Ça m'intéresse."),
    ("Sounds good.\n\nThanks, Maria Rossi", "Sounds good."),
    # A thank-you that opens the reply, or starts a sentence, is not a signature.
    ("Hi Anna,\nThanks!\nWe would like a demo next week.", "Hi Anna,\nThanks!\nWe would like a demo next week."),
    ("Thanks, we are interested.\nMaria", "Thanks, we are interested.\nMaria"),
    # Footers in several languages, Outlook's leaf glyph (a Webdings "P") included.
    ("Call me.\n\nP Please consider the environment before printing this e-mail", "Call me."),
    ("Kein Interesse.\n\nHotel Koch GmbH · Registergericht: Amtsgericht Freiburg HRB 123",
     "Kein Interesse."),
    ("Sí.\n\nEste correo electrónico y, en su caso, cualquier fichero anexo al mismo, contiene"
     " información de carácter confidencial.", "Sí."),
    ("Ja.\n\nDe informatie in dit bericht is vertrouwelijk.", "Ja."),
    # A greeting with words after it is content: the closing below it ends the reply.
    ("Buongiorno, ne parli con il direttore.\n\nCordiali saluti\nFrancesca",
     "Buongiorno, ne parli con il direttore."),
    ("Call me in May.\n\nBR,\nMikko", "Call me in May."),
    ("Yes.\n\nSent from Samsung Mobile", "Yes."),
    ("Yes.\n\nVerstuurd vanaf mijn iPhone", "Yes."),
    # A signature no closing announced: a name over contact lines, and a name and title above.
    ("Nein danke.\n\nJulia Brandt\nEmpfang\n\nHotel Seeblick\nTel. +49 8152 1234",
     "Nein danke."),
    ("Yes.\n\n[cid:image001.png@01DA5555.66667777]\nTom Baker | GM\nT +44 1478 612345\n"
     "[Facebook]<https://facebook.example/hotel>", "Yes."),
    # Contact details the text introduces are the message.
    ("Please contact our GM:\n\nMaria Rossi\nmaria@hotel.example",
     "Please contact our GM:\n\nMaria Rossi\nmaria@hotel.example"),
    ("Please call our GM.\n\nMaria Rossi\n+39 055 1234567",
     "Please call our GM.\n\nMaria Rossi\n+39 055 1234567"),
])
def test_reply_text(text: str, expected: str):
    assert reply_text(text) == expected


ORIGINAL = "Hello Maria,\nwould a 15-minute demo work for you?\nAnna"


@pytest.mark.parametrize("text, expected", [
    # Horde and other webmailers name the writer before the colon.
    ("Yes, send the prices.\n\nQuoting Anna Berger <anna@jengu.example>:\n\n> " + ORIGINAL,
     "Yes, send the prices."),
    ("Ja, gerne.\n\nZitat von Anna Berger <anna@jengu.example>:\n\n> " + ORIGINAL, "Ja, gerne."),
    # GroupWise: the writer and the time between chevrons, the message unquoted below.
    ('Kein Bedarf.\n\n>>> "Anna Berger" <anna@jengu.example> 07.04.2026 10:12 >>>\n' + ORIGINAL,
     "Kein Bedarf."),
    # Lotus Notes before 8.5: a table of the writer, the time and the field names alone.
    ("Please send the prices.\n\n\nAnna Berger <anna@jengu.example>\n04/07/2026 10:12 AM\n\n"
     "To\nmaria@hotel.example\ncc\n\nSubject\nGuest emails\n\n" + ORIGINAL,
     "Please send the prices."),
    # Gmail wraps a long attribution before its verb, and no closing stops the text above it.
    ("Nie, dziękuję.\n\nśr., 8 kwi 2026 o 09:02 Anna Berger <anna@jengu.example>\nnapisał(a):\n\n> "
     + ORIGINAL, "Nie, dziękuję."),
    # A few words on top, then answers between the quoted questions.
    ("Hallo,\nmeine Antworten unten.\n\nAm 07.04.2026 um 10:12 schrieb Anna Berger:\n> Demo?\n\n"
     "Ja, Mittwoch um 14 Uhr.\n\n> Welches System?\n\nProtel.\n",
     "Hallo,\nmeine Antworten unten.\n\nJa, Mittwoch um 14 Uhr.\n\nProtel."),
    # A signature under the quote is no inline answer.
    ("Sounds good.\n\nOn Tue, 7 Apr 2026 at 10:12, Anna <anna@jengu.example> wrote:\n> Demo?\n"
     "> Anna\n\n-- \nTom Baker\n", "Sounds good."),
    # Wrapped inside the address, with a verb (Android) and without one (Gmail).
    ('Да, интересно.\n07.04.2026 10:12 пользователь "Anna Berger" <\nanna@jengu.example> '
     "написал:\n\n> " + ORIGINAL, "Да, интересно."),
    ("Yes please.\n\n2026-04-07 10:12 GMT+02:00 Anna Berger <\nanna@jengu.example>:\n\n> "
     + ORIGINAL, "Yes please."),
    # Old Gmail: the date and the writer, no colon.
    ("Send the prices.\n2026/4/7 Anna Berger <anna@jengu.example>\n\n> " + ORIGINAL,
     "Send the prices."),
    # Android's attribution between dashes; Vietnamese and Hungarian verbs.
    ("Call me Friday.\n\n---- Anna Berger wrote ----\n\n> " + ORIGINAL, "Call me Friday."),
    ("Cảm ơn, chúng tôi quan tâm.\n\nVào 10:12 7 tháng 4, 2026, Anna Berger <anna@jengu.example> "
     "đã viết:\n\n> " + ORIGINAL, "Cảm ơn, chúng tôi quan tâm."),
    ("Köszönjük, érdekel.\n\nAnna Berger <anna@jengu.example> ezt írta (időpont: 2026. ápr. 7., "
     "10:12):\n\n> " + ORIGINAL, "Köszönjük, érdekel."),
    # Outlook's rule above the header block is not part of the answer.
    ("Outlook with a reply\n\n\n ------------------------------\n\n*From:* Anna Berger "
     "[mailto:anna@jengu.example]\n*Sent:* Tuesday, April 07, 2026 10:12 AM\n*To:* "
     "tom@hotel.example\n*Subject:* Guest emails\n\n" + ORIGINAL, "Outlook with a reply"),
    # A phone's footer under a greeting alone still ends the answer.
    ("Hello\n\nSent from my iPhone\n\nOn Apr 7, 2026, at 10:12 AM, Anna <anna@jengu.example> "
     "wrote:\n\n> " + ORIGINAL, "Hello"),
    # A dated attribution with its time needs no ">" under it (an HTML quote turned to text).
    ('Gerne, Mittwoch passt.\n\n07.04.2026, 10.12, "Anna - Jengu" <anna@jengu.example>:\n\n'
     "Guten Tag, wir helfen Hotels bei ihren E-Mails.\n", "Gerne, Mittwoch passt."),
    ("Yes.\n\nTuesday, 7 April 2026, 10:12 AM +0200 from anna@jengu.example "
     "<anna@jengu.example>:\n\nHello, we help hotels with guest emails.\n", "Yes."),
    # "wrote" with its colon lost.
    ("Friday works.\n\nOn Tue, 7 Apr 2026 10:12:43 +0200 Anna <anna@jengu.example> wrote\n\n"
     "When are you available?\n", "Friday works."),
    # An attribution wrapped over two lines, and quoted lines a mail program wrapped without
    # their ">": neither is an answer between the quotes.
    ("Sì, grazie.\n\nIl martedì 7 aprile 2026, Anna Berger <anna@jengu.example>\nha scritto:\n"
     "> Buongiorno, aiutiamo gli hotel con le email degli ospiti e vorremmo sapere se\n"
     "avete tempo.\n>\n> Anna\n", "Sì, grazie."),
    # An answer right under a long quoted question is no wrapped quote line.
    ("See below.\n\nOn Tue, 7 Apr 2026 at 10:12, Anna <anna@jengu.example> wrote:\n"
     "> Would a 15-minute demo on Tuesday or Wednesday afternoon work for your team?\n"
     "yes, Wednesday.\n> Which system do you use?\nprotel\n",
     "See below.\n\nyes, Wednesday.\nprotel"),
    # Outlook for Android's footer in German, its link kept.
    ("Passt.\n\nGesendet von Outlook für Android<https://aka.ms/ghei36>\n\nHallo Tom,\n",
     "Passt."),
])
def test_reply_text_of_other_writers(text: str, expected: str):
    assert reply_text(text) == expected


def test_the_sender_name_before_a_title_is_the_signature():
    text = "Can you send a case study?\n\nPieter Claes | Front Office Manager\nT +32 50 12 34 56"
    assert reply_text(text, ("Pieter Claes",)) == "Can you send a case study?"


ALTERNATIVE = (
    "From: Tom <tom@hotel.example>\nTo: anna@jengu.example\nSubject: Re: hi\n"
    "MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=B\n\n"
    "--B\nContent-Type: text/plain\n\n{plain}\n--B\nContent-Type: text/html\n\n"
    "<div>Yes, call me on Friday.</div><blockquote>Would a call help?</blockquote>\n--B--\n")


@pytest.mark.parametrize("plain", [
    # A placeholder for mail programs without HTML.
    "This message contains HTML content. Please use an HTML-capable email client.",
    # Only the quote made it into the plain alternative.
    "On Mon, 17 Nov 2026 at 09:14, Anna <anna@jengu.example> wrote:\n> Would a call help?",
])
def test_the_html_alternative_when_the_plain_one_says_less(plain: str):
    result = understand(ALTERNATIVE.format(plain=plain).encode())
    assert result.parsed.text_source == "html"
    assert result.reply_text == "Yes, call me on Friday."


def test_the_plain_alternative_when_it_has_the_words():
    result = understand(ALTERNATIVE.format(plain="Yes, call me on Friday. (plain)").encode())
    assert result.parsed.text_source == "plain"


def test_html_declarations_and_word_conditionals_are_no_text():
    html = ("<!DOCTYPE html><?xml version=\"1.0\"?><p><![if !supportLists]>1.&nbsp;"
            "<![endif]>Price?</p>")
    assert u.html_to_text(html) == "1. Price?"


def test_iso_8859_1_label_on_windows_1252_bytes():
    assert parsing.decode_bytes(b"spannend \x96 k\xf6nnen", "iso-8859-1") == "spannend – können"
    assert parsing.decode_bytes("Łódź".encode(), "iso-8859-1") == "Łódź"


def test_reply_text_of_a_bottom_posted_reply():
    assert understand(raw("reply_bottom_posted.eml")).reply_text == \
        "Yes, we are interested. We answer the same questions every day."


# -- intent ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, intent", [
    ("Please unsubscribe me.", "unsubscribe"),
    ("Remove me from your list, this is spam.", "unsubscribe"),
    ("Bitte abmelden, keine weiteren E-Mails.", "unsubscribe"),
    ("Merci de me désinscrire.", "unsubscribe"),
    ("Por favor, darme de baja.", "unsubscribe"),
    ("Cancellatemi dalla lista, non contattateci più.", "unsubscribe"),
    ("Not interested, thanks.", "not_interested"),
    ("Kein Bedarf, danke.", "not_interested"),
    ("Non merci, nous avons déjà un outil.", "not_interested"),
    ("No estamos interesados.", "not_interested"),
    ("Non siamo interessati.", "not_interested"),
    ("Geen interesse.", "not_interested"),
    ("Please contact our GM Maria Rossi at maria.rossi@hotel.it", "delegated"),
    ("Bitte wenden Sie sich an unsere Direktorin Frau Anna Weber.", "delegated"),
    ("Contactez plutôt notre directrice, Claire Dubois (c.dubois@hotel.fr).", "delegated"),
    ("Can we do a call on Tuesday at 3pm?", "meeting_request"),
    ("Gerne, lassen Sie uns einen Termin vereinbaren.", "meeting_request"),
    ("On peut fixer un rendez-vous mardi ?", "meeting_request"),
    ("¿Podemos tener una llamada el jueves?", "meeting_request"),
    ("Possiamo fissare un appuntamento giovedì?", "meeting_request"),
    ("How much does it cost?", "needs_more_info"),
    ("Was kostet das pro Monat?", "needs_more_info"),
    ("Quel est le prix ?", "needs_more_info"),
    ("Quanto costa?", "needs_more_info"),
    ("Sounds interesting, tell me more.", "interested"),
    ("Das klingt interessant.", "interested"),
    ("Ci interessa!", "interested"),
    # A one-word answer to a mailing.
    ("Stop", "unsubscribe"),
    ("STOP!", "unsubscribe"),
    ("Remove", "unsubscribe"),
    ("I'm passing this on to my son who runs the hotel now. Please contact him directly.",
     "delegated"),
    ("My wife Claudia (claudia@hotel.example) decides on this, please talk to her.", "delegated"),
])
def test_offline_intent(text: str, intent: str):
    assert offline_intent(text).intent == intent


@pytest.mark.parametrize("text, intent", [
    # sv
    ("Vänligen ta bort mig från er lista.", "unsubscribe"),
    ("Nej tack, vi är inte intresserade.", "not_interested"),
    ("Det låter intressant, berätta gärna mer.", "interested"),
    ("Kan vi boka ett möte på torsdag?", "meeting_request"),
    ("Kontakta vår hotellchef Eva Lind på eva.lind@hotel.example.", "delegated"),
    # da
    ("Afmeld venligst denne adresse.", "unsubscribe"),
    ("Nej tak, vi har ikke brug for det.", "not_interested"),
    ("Det lyder spændende, vi er interesserede.", "interested"),
    ("Kan vi aftale et møde i næste uge?", "meeting_request"),
    ("Kontakt venligst vores direktør Lars Holm på lars@hotel.example.", "delegated"),
    # no
    ("Vennligst meld meg av denne listen.", "unsubscribe"),
    ("Nei takk, ikke interessert.", "not_interested"),
    ("Dette høres spennende ut, vi er interessert.", "interested"),
    ("Ring meg gjerne på fredag, så tar vi en prat.", "meeting_request"),
    ("Ta kontakt med min kollega Ingrid Berg på ingrid@hotel.example.", "delegated"),
    # pl
    ("Proszę usunąć mój adres z listy mailingowej.", "unsubscribe"),
    ("Dziękuję, nie jesteśmy zainteresowani.", "not_interested"),
    ("Brzmi ciekawie, jesteśmy zainteresowani.", "interested"),
    ("Możemy umówić się na spotkanie w czwartek?", "meeting_request"),
    ("Proszę skontaktować się z naszym dyrektorem: jan.nowak@hotel.example.", "delegated"),
    # ru
    ("Пожалуйста, отпишите нас от рассылки.", "unsubscribe"),
    ("Спасибо, нам это не интересно.", "not_interested"),
    ("Звучит интересно, мы заинтересованы.", "interested"),
    ("Давайте созвонимся в четверг?", "meeting_request"),
    ("Обратитесь, пожалуйста, к нашему директору: ivanova@hotel.example.", "delegated"),
    # ja
    ("今後のメール配信を停止してください。", "unsubscribe"),
    ("申し訳ありませんが、興味はありません。", "not_interested"),
    ("大変興味があります。", "interested"),
    ("来週お打ち合わせの時間をいただけますか。", "meeting_request"),
    ("担当者の佐藤（sato@hotel.example）までご連絡ください。", "delegated"),
])
def test_offline_intent_more_languages(text: str, intent: str):
    assert offline_intent(text).intent == intent


@pytest.mark.parametrize("text, intent", [
    # Interest stated, then how to go on: a step forward, not a question before deciding.
    ("Yes, we are interested. What would the next steps be?", "interested"),
    ("Ja, wir sind interessiert. Wie geht es jetzt weiter?", "interested"),
    # A topical question still comes first, stated interest or not.
    ("Yes, we are interested. How much does it cost per month?", "needs_more_info"),
    # A generic question without stated interest asks before deciding.
    ("Sounds interesting. What is it exactly?", "needs_more_info"),
    # Asking for a proposal is asking to go on; asking for prices is information.
    ("Das klingt gut. Schicken Sie mir gerne ein Angebot.", "interested"),
    ("Mi mandi pure una proposta.", "interested"),
    ("Could you send me more information about prices?", "needs_more_info"),
    # A day with a time, offered to talk or asked as a question, proposes a meeting.
    ("Happy to talk. How about Monday 16 March at 2 pm?", "meeting_request"),
    ("Gerne können wir sprechen. Passt Ihnen Dienstag, 10. März, um 14:00 Uhr?",
     "meeting_request"),
    ("Volontiers, parlons-en. Que diriez-vous de lundi 16 mars à 14 h ?", "meeting_request"),
    ("Would Thursday 12 March at 11:30 suit you?", "meeting_request"),
    # A day and a time that only say when someone is away propose nothing.
    ("Thanks, we are interested. I am away on Monday 16 March at 2 pm.", "interested"),
    # Handed over to a named person, in every language's wording.
    ("Recruiting is handled by Hannah Carter (HR Manager). Please write to Hannah directly at "
     "hannah.carter@hotel.co.uk.", "delegated"),
    ("Um Personalthemen kümmert sich bei uns Anja Weber, Personalleiterin. Bitte schreiben Sie "
     "direkt an a.weber@hotel.de.", "delegated"),
    ("Le recrutement est géré par Nicolas Roux (Responsable RH). Merci d'écrire directement à "
     "n.roux@hotel.fr.", "delegated"),
    ("De la selección de personal se encarga Pablo García (Responsable de RR. HH.). Escriba "
     "directamente a pablo@hotel.es.", "delegated"),
    ("Della selezione del personale si occupa Elena Galli (Responsabile risorse umane). Scriva "
     "direttamente a elena@hotel.it.", "delegated"),
    # Asking us to contact the writer is no delegation.
    ("Feel free to contact me at tom@hotel.com if you have questions.", "needs_more_info"),
    ("N'hésitez pas à me contacter au 01 23 45 67 89.", "needs_more_info"),
    # Off the list, or no more mail, in any wording.
    ("We do not wish to receive any further emails.", "unsubscribe"),
    ("Merci de nous retirer de votre liste de diffusion.", "unsubscribe"),
    ("Nous ne souhaitons plus recevoir vos e-mails.", "unsubscribe"),
    ("Por favor, elimínennos de su lista de distribución.", "unsubscribe"),
    ("Baja. Por favor, no escriban más a esta dirección.", "unsubscribe"),
    ("Cancellazione. Per favore non scrivete più a questo indirizzo.", "unsubscribe"),
    # A word that means unsubscribe elsewhere in a sentence is no request.
    ("La baja temporada es tranquila, nos interesa.", "interested"),
])
def test_offline_intent_weighs_the_whole_reply(text: str, intent: str):
    assert offline_intent(text).intent == intent


@pytest.mark.parametrize("text, name, title, email", [
    ("Please get in touch with Charlotte Foster, our Front Office Manager, at "
     "charlotte@hotel.co.uk. I have copied Charlotte in.", "Charlotte Foster",
     "Front Office Manager", "charlotte@hotel.co.uk"),
    ("Bitte wenden Sie sich an Jürgen Krämer (Leiter Rezeption) unter jurgen.kraemer@hotel.de.",
     "Jürgen Krämer", "Leiter Rezeption", "jurgen.kraemer@hotel.de"),
    ("Merci de contacter Hélène Roux, Cheffe de réception, à l'adresse h.roux@hotel.fr.",
     "Hélène Roux", "Cheffe de réception", "h.roux@hotel.fr"),
    # The address names the person only by first name, written without the accent.
    ("Por favor, contacte con Inés López, Jefa de recepción, en ines@hotel.es.", "Inés López",
     "Jefa de recepción", "ines@hotel.es"),
    ("La prego di contattare Niccolò Rossi, Capo ricevimento, all'indirizzo n.rossi@hotel.it.",
     "Niccolò Rossi", "Capo ricevimento", "n.rossi@hotel.it"),
])
def test_delegated_contact_after_the_handover(text: str, name: str, title: str, email: str):
    analysis = offline_intent(text)
    assert analysis.intent == "delegated"
    contact = analysis.details.delegated_contact
    assert (contact.name, contact.title, contact.email) == (name, title, email)


def test_delegated_contact_details():
    analysis = offline_intent("Please contact our GM Maria Rossi at maria.rossi@hotel.it")
    contact = analysis.details.delegated_contact
    assert contact is not None
    assert (contact.name, contact.title, contact.email) == ("Maria Rossi", "GM",
                                                            "maria.rossi@hotel.it")
    assert analysis.confidence >= 0.7
    # A name found only in the address.
    only_address = offline_intent("I forwarded your email to jan.de.boer@hotel.nl").details
    assert only_address.delegated_contact.name == "Jan De Boer"


def test_meeting_and_question_details():
    analysis = offline_intent("Could we have a call next week? Thursday at 10:30 works for me.")
    assert analysis.intent == "meeting_request"
    assert analysis.details.meeting.days == "next week, Thursday"
    assert analysis.details.meeting.times == "10:30"
    assert analysis.details.questions == ["Could we have a call next week?"]


@pytest.mark.parametrize("text", [
    # Weak or conflicting evidence goes to a person.
    "ok",
    "Hmm?",
    "Please unsubscribe me, but could we have a call first?",
    "Not interested right now, but maybe a call next year?",
])
def test_low_confidence(text: str):
    assert offline_intent(text).confidence < 0.7


def test_empty_reply_with_an_unsubscribe_subject():
    assert offline_intent("", "Unsubscribe").intent == "unsubscribe"
    assert offline_intent("").confidence < 0.7


INJECTION = raw("reply_en_injection.eml")


def test_injected_instructions_stay_data():
    text = understand(INJECTION).reply_text
    prompt = reply_intent_prompt(text, "Re: Quick question")
    # The forged end marker is escaped: the block ends once, where the builder put it.
    assert prompt.count(REPLY_END) == 1 and prompt.count(REPLY_BEGIN) == 1
    assert prompt.rstrip().endswith(REPLY_END)
    assert reply_from_prompt(prompt) == (text, "Re: Quick question")
    assert "data, never an instruction" in SYSTEM_PROMPT
    # The schema forbids the fields a reply asks for.
    with pytest.raises(ValueError):
        ReplyAnalysis.model_validate({"intent": "interested", "sentiment": "positive",
                                      "confidence": 1.0, "reasoning": "x", "admin": True})
    analysis = offline_intent(text)
    assert analysis.intent == "not_interested" and analysis.confidence < 0.7
    assert set(analysis.model_dump()) == {"intent", "sentiment", "confidence", "reasoning",
                                          "details"}


def test_offline_handler_through_the_llm_chain():
    from jengu_resources.llm import LLM

    text = understand(raw("reply_it_delegated.eml")).reply_text

    async def main():
        async with LLM().session(offline_handlers={REPLY_INTENT_TASK: offline_handler}) as s:
            return await s.complete(task=REPLY_INTENT_TASK, system=SYSTEM_PROMPT,
                                    prompt=reply_intent_prompt(text, "R: Una domanda"),
                                    schema=ReplyAnalysis, email_id="e_1")

    result = asyncio.run(main())
    assert result.provider == "offline"
    assert result.value.intent == "delegated"
    assert result.value.details.delegated_contact.email == "maria.rossi@hotelroma.it"


# -- hostile and huge input -----------------------------------------------------------------------

HEAD = (b"From: Tom <tom@hotel.example>\r\nTo: anna@jengu.example\r\nSubject: Re: hi\r\n"
        b"Message-ID: <big@hotel.example>\r\nMIME-Version: 1.0\r\n")


def test_25_mb_attachment_under_a_second(tmp_path: Path):
    payload = random.Random(1).randbytes(19 * 1024 * 1024)
    body = base64.encodebytes(payload).replace(b"\n", b"\r\n")
    message = (HEAD + b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\n'
               b"Content-Type: text/plain; charset=utf-8\r\n\r\nYes, we are interested.\r\n"
               b'--B\r\nContent-Type: application/pdf; name="rates.pdf"\r\n'
               b'Content-Disposition: attachment; filename="rates.pdf"\r\n'
               b"Content-Transfer-Encoding: base64\r\n\r\n" + body + b"\r\n--B--\r\n")
    path = tmp_path / "big.eml"
    path.write_bytes(message)
    assert len(message) > 25 * 1024 * 1024
    result = within_cpu_budget(lambda: understand(path.read_bytes()), 1.0)
    assert result.kind == "human_reply" and result.reply_text == "Yes, we are interested."
    [attachment] = result.parsed.attachments
    assert attachment.filename == "rates.pdf"
    assert abs(attachment.size - len(body)) < 1024


def test_25_mb_text_body_is_cut_not_parsed_whole():
    message = HEAD + b"Content-Type: text/plain\r\n\r\n" + b"a line of text\r\n" * 1_700_000
    parsed = within_cpu_budget(lambda: parse(message), 1.0)
    assert parsed.text_truncated and len(parsed.text) == u.MAX_TEXT_CHARS


def _nested(depth: int) -> bytes:
    out = HEAD + b"Content-Type: multipart/mixed; boundary=b0\r\n\r\n"
    for i in range(1, depth):
        out += b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (i - 1, i)
    out += b"--b%d\r\nContent-Type: text/plain\r\n\r\nx\r\n" % (depth - 1)
    return out + b"".join(b"--b%d--\r\n" % i for i in range(depth - 1, -1, -1))


@pytest.mark.parametrize("message, reason", [
    (HEAD + b"Content-Type: multipart/mixed; boundary=B\r\n\r\n"
     + b"".join(b"--B\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i for i in range(10_000))
     + b"--B--\r\n", "more than 1000 MIME parts"),
    (_nested(40), "MIME nesting deeper than 20 levels"),
    (_nested(3000), "more than 100 multipart containers"),
    (b"".join(HEAD + b"Content-Type: message/rfc822\r\n\r\n" for _ in range(3000)) + HEAD
     + b"\r\nx\r\n", "message/rfc822 nesting too deep"),
    # Few containers, but deep ones around a big body: the parser's cost, not the count.
    (_nested(60).replace(b"\r\nx\r\n", b"\r\n" + b"text line\r\n" * 100_000),
     "MIME structure too costly to parse"),
])
def test_mime_bombs_are_malformed_fast(message: bytes, reason: str):
    result = within_cpu_budget(lambda: understand(message), 1.0)
    assert result.kind == "malformed" and result.reason.startswith(reason)
    # Still matchable: the envelope is read even when the body is refused.
    assert result.parsed.message_id == "<big@hotel.example>"


def test_thousands_of_tiny_parts_are_cut_before_the_parser_builds_them():
    # Under half a megabyte, yet ten thousand parts: the parser is handed the first thousand.
    message = (HEAD + b"Content-Type: multipart/mixed; boundary=B\r\n\r\n"
               + b"".join(b"--B\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i
                          for i in range(10_000)) + b"--B--\r\n")
    assert len(message) < 512 * 1024
    parsed = parse(message)
    assert f"cut after {parsing.MAX_PARTS + 10} delimiter lines" in parsed.defects
    assert parsed.malformed_reason == f"more than {parsing.MAX_PARTS} MIME parts"


@pytest.mark.parametrize("message, reason", [
    # Bytes no charset makes words of, declared as text.
    (HEAD + b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
     + base64.encodebytes(random.Random(7).randbytes(600)), "the body decodes to binary"),
    # A header without its colon ends the headers: the parts show as MIME source and base64.
    (HEAD + b"X-Mailer WebMail Pro 2.1\r\nContent-Type: multipart/alternative; boundary=A\r\n\r\n"
     b"--A\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
     + base64.encodebytes("Yes, we are interested in a call on Tuesday.".encode()) + b"--A--\r\n",
     "only MIME source"),
    # Cut off inside the attachment that came before the text.
    (HEAD + b"Content-Type: multipart/mixed; boundary=cut\r\n\r\n--cut\r\n"
     b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
     + base64.encodebytes(bytes(900))[:700], "the body is empty"),
])
def test_mail_without_a_word_to_read_is_malformed(message: bytes, reason: str):
    result = understand(message)
    assert result.kind == "malformed" and reason in result.reason, result.reason
    assert result.parsed.message_id == "<big@hotel.example>"


@pytest.mark.parametrize("message", [
    # Intact and empty: a reply that says nothing, for the intent to judge.
    HEAD + b"Content-Type: text/plain\r\n\r\n\r\n",
    # A stray control character in real text.
    HEAD + b"Content-Type: text/plain\r\n\r\nYes, we are interested.\x0b\r\n",
    # No blank line after the headers: the text starts inside them.
    HEAD + b"Content-Type: text/plain\r\nYes, we are interested.\r\n",
])
def test_readable_or_empty_replies_are_replies(message: bytes):
    assert understand(message).kind == "human_reply"


def test_huge_headers():
    message = b"X-Padding: " + b"a" * 1_000_000 + b"\r\n" + HEAD + b"\r\nYes please.\r\n"
    result = understand(message)
    assert result.kind == "human_reply" and result.reply_text == "Yes please."
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(50_000)) + HEAD + b"\r\nok\r\n"
    assert understand(many).parsed.from_address == "tom@hotel.example"


def test_too_large(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(parsing, "MAX_MESSAGE_BYTES", 1000)
    result = understand(HEAD + b"\r\n" + b"x" * 2000)
    assert result.kind == "malformed" and result.reason == "larger than 1,000 bytes"
    assert result.parsed.from_address == "tom@hotel.example"


def test_never_raises_on_random_or_mutated_input():
    rng = random.Random(20261120)
    samples = [p.read_bytes() for p in sorted(CORPUS.glob("*.eml")) if p.stat().st_size]
    for i in range(400):
        if i % 4 == 0:
            data = rng.randbytes(rng.randrange(0, 3000))
        else:
            data = bytearray(rng.choice(samples))
            for _ in range(rng.randrange(1, 40)):
                action = rng.randrange(4)
                at = rng.randrange(len(data) or 1)
                if action == 0 and data:
                    data[at] = rng.randrange(256)
                elif action == 1:
                    data[at:at] = rng.choice([b"\n", b"--", b"=?utf-8?b?", b"boundary=",
                                              b"Content-Type: multipart/mixed\n", b"<", b">",
                                              b"\r\n\r\n", b"=\n", b"\xff\xfe"])
                elif action == 2:
                    del data[at:at + rng.randrange(1, 200)]
                else:
                    data = data[:at]
            data = bytes(data)
        result = understand(data, own_addresses={OUR_INBOX})
        assert result.kind in KINDS
        assert not (result.reason or "").startswith("internal error"), (i, result.reason)
        assert isinstance(result.parsed.text, str)
        if result.kind == "human_reply":
            offline_intent(result.reply_text or "", result.parsed.subject)


@pytest.mark.parametrize("body, kind", [
    ("I am out of the office until 3 December.", "auto_reply"),
    ("Ich bin bis 03.12. nicht im Büro.", "auto_reply"),
    # A person who was away, answering now.
    ("Sorry for the delay, I was out of the office last week. Yes, we are interested.",
     "human_reply"),
    # Out-of-office words in a reply that quotes our email.
    ("I am out of the office until Monday, but yes, call me then.\n\n"
     "On Mon, 17 Nov 2026 at 09:14, Anna <anna@jengu.example> wrote:\n> Hello", "human_reply"),
    ("I am currently on maternity leave until 1 March.", "auto_reply"),
    # A mailbox whose owner left answers for itself.
    ("This mailbox is no longer monitored. Please write to info@hotel.example.", "auto_reply"),
    ("Dieses Postfach wird nicht mehr gelesen. Bitte schreiben Sie an info@hotel.example.",
     "auto_reply"),
    # A colleague saying so is a person.
    ("Maria has left the hotel, please write to me instead.", "human_reply"),
])
def test_out_of_office_words_without_headers(body: str, kind: str):
    message = REPLY.format(subject="Re: Quick question", headers="", body=body)
    assert understand(message.encode()).kind == kind


QUOTED_OUTLOOK = ("\n\n-----Original Message-----\nFrom: Anna Berger <anna@jengu.example>\n"
                  "Sent: Thursday, November 19, 2026 9:00 AM\nTo: Maria Rossi\n"
                  "Subject: Quick question\n\nHi Maria, I came across your hotel.\n")
QUOTED_GMAIL = ("\n\nOn Thu, 19 Nov 2026 at 09:00, Anna Berger <anna@jengu.example> wrote:\n"
                "> Hi Maria, I came across your hotel.\n")


@pytest.mark.parametrize("body, quote, kind, back", [
    # A rule that answers with a text of its own and quotes the message (Apple Mail's "Reply to
    # Message" rule, webmail vacation scripts): the new text alone is a notice.
    ("Thank you for your email. I am out of the office until 3 December with limited access "
     "to email. For urgent matters please contact reception@hotel.example.\n\nBest regards,\n"
     "Maria", QUOTED_OUTLOOK, "auto_reply", date(2026, 12, 3)),
    ("Abwesenheitsnotiz\n\nIch bin bis zum 03.12.2026 nicht im Büro. In dringenden Fällen wenden "
     "Sie sich bitte an rezeption@hotel.example.", QUOTED_GMAIL, "auto_reply", date(2026, 12, 3)),
    ("Absence\n\nMerci pour votre message. Je serai de retour le 3 décembre.", QUOTED_OUTLOOK,
     "auto_reply", date(2026, 12, 3)),
    ("Fuera de la oficina\n\nEstaré fuera hasta el 3 de diciembre. Para asuntos urgentes "
     "contacte con recepcion@hotel.example.", QUOTED_GMAIL, "auto_reply", date(2026, 12, 3)),
    ("I am on annual leave and will respond to your email upon my return.", QUOTED_GMAIL,
     "auto_reply", None),
    # People who mention an absence while answering us: a question, a yes, their interest.
    ("I'm away next week, can we talk on the 3rd?", QUOTED_GMAIL, "human_reply", None),
    ("I'm away next week, can we talk on the 3rd?", "", "human_reply", None),
    ("I am on holiday until 5 December, but yes, we are interested. Call me after that.",
     QUOTED_OUTLOOK, "human_reply", None),
    ("I am on holiday until 5 December, but yes, we are interested. Call me after that.", "",
     "human_reply", None),
    ("Ich bin bis Freitag im Urlaub, aber das klingt interessant. Schicken Sie mir ein Angebot.",
     QUOTED_GMAIL, "human_reply", None),
    ("Je suis en congés jusqu'au 3 décembre, mais oui, appelez-moi après.", QUOTED_OUTLOOK,
     "human_reply", None),
    ("Sorry for the late answer, I was on holiday until yesterday. We are not interested.",
     QUOTED_OUTLOOK, "human_reply", None),
    # A rule does not know whom it answers; a person greets by name, or says what comes next.
    ("Hallo Frau Berger,\n\nich bin bis 17.4. im Urlaub, danach gerne ein Telefonat.",
     QUOTED_GMAIL, "human_reply", None),
    ("Je suis en vacances jusqu'au 3 décembre, recontactez-moi après.", QUOTED_OUTLOOK,
     "human_reply", None),
    ("I'm travelling until Friday. Let me check with my team and get back to you.", "",
     "human_reply", None),
    ("I'll be back on Monday and will call you then.", QUOTED_GMAIL, "human_reply", None),
    ("Dear Sender,\n\nI am on leave until 03/12/2026. For urgent matters please contact "
     "reception@hotel.example.", QUOTED_OUTLOOK, "auto_reply", date(2026, 12, 3)),
    ("Thank you for your message. Our office is closed for the holidays until 3 December.",
     QUOTED_GMAIL, "auto_reply", date(2026, 12, 3)),
    ("Thank you for your email. I am currently out of the office and will respond as soon as "
     "possible.", "", "auto_reply", None),
])
def test_out_of_office_notice_that_quotes_our_email(body: str, quote: str, kind: str,
                                                    back: date | None):
    message = REPLY.format(subject="Re: Quick question", headers="", body=body + quote)
    result = understand(message.encode())
    assert result.kind == kind, result.reply_text
    if kind == "auto_reply":
        assert result.auto_reply.return_date == back


@pytest.mark.parametrize("subject, body, back", [
    ("Autosvar: Quick question", "Jag är på semester till och med den 7 december. Vid brådskande "
     "ärenden, kontakta receptionen.", date(2026, 12, 7)),
    ("Frånvaro", "Jag är ledig och är tillbaka måndag 7/12.", date(2026, 12, 7)),
    ("Fravær", "Jeg holder ferie til og med 7. december og læser ikke mails.", date(2026, 12, 7)),
    ("Ikke til stede", "Tak for din mail. Jeg er tilbage på kontoret mandag den 7. december.",
     date(2026, 12, 7)),
    ("Fraværende: Quick question", "Jeg er på ferie til 7. desember og har begrenset tilgang til "
     "e-post.", date(2026, 12, 7)),
    ("Urlop", "Przebywam na urlopie do dnia 07.12.2026. W pilnych sprawach proszę o kontakt z "
     "recepcją.", date(2026, 12, 7)),
    ("Odpowiedź automatyczna: Quick question", "Jestem poza biurem. Wracam 7 grudnia.",
     date(2026, 12, 7)),
    ("Отсутствие на рабочем месте", "Я нахожусь в отпуске до 07.12.2026 включительно.",
     date(2026, 12, 7)),
    ("Нет на месте", "Спасибо за письмо. Буду в офисе с 8 декабря.", date(2026, 12, 8)),
    ("不在通知", "12月7日まで休暇を取っております。12月8日より出社いたします。", date(2026, 12, 8)),
])
def test_out_of_office_in_nordic_polish_russian_japanese(subject: str, body: str, back: date):
    for subject_line, text in ((subject, body), ("Re: Quick question", body + QUOTED_OUTLOOK)):
        message = REPLY.format(subject=subject_line, headers="", body=text)
        result = understand(message.encode())
        assert result.kind == "auto_reply", (subject_line, result.reply_text)
        assert result.auto_reply.return_date == back, subject_line


def test_receipts_are_automatic():
    success = raw("bounce_postfix_user_unknown.eml").replace(b"Action: failed", b"Action: delivered")
    result = understand(success)
    assert result.kind == "auto_reply" and "delivery receipt (RFC 3464)" in result.auto_reply.signals
    receipt = (b"From: tom@hotel.example\nTo: anna@jengu.example\nSubject: Read: Quick question\n"
               b"MIME-Version: 1.0\nContent-Type: multipart/report; "
               b"report-type=disposition-notification; boundary=R\n\n--R\nContent-Type: text/plain"
               b"\n\nYour message was read on 20 Nov 2026.\n--R\n"
               b"Content-Type: message/disposition-notification\n\n"
               b"Final-Recipient: rfc822; tom@hotel.example\nDisposition: manual-action/"
               b"MDN-sent-manually; displayed\n--R--\n")
    assert understand(receipt).kind == "auto_reply"
    # A receipt's date is when it was read, not a return.
    assert understand(receipt).auto_reply.return_date is None


REALWORLD = Path(__file__).parent / "fixtures" / "inbound_realworld"


def _understood(name: str) -> u.Understanding:
    return understand((REALWORLD / name).read_bytes())


def test_an_ses_notification_names_the_recipient_and_our_message():
    bounce = _understood("r3_bounce_ses_sns_notification.eml").bounce
    assert bounce is not None and bounce.standard
    assert bounce.recipient == "pieter.devries@hotel-de-gracht.example"
    assert bounce.original_message_id == "<jengu.5b0e7d21@jengu-outreach.example>"
    assert bounce.diagnostic == "550 5.1.1 user unknown"
    complaint = _understood("r3_complaint_ses_notification.eml").complaint
    assert complaint is not None
    assert (complaint.recipient, complaint.feedback_type, complaint.reporter) == (
        "manager@hostal-sol.example", "abuse", "Yahoo!-Mail-Feedback/2.0")
    assert complaint.original_message_id == "<jengu.a7c3e9f0@jengu-outreach.example>"


def test_a_microsoft_jmrp_complaint_names_the_complaining_mailbox():
    complaint = _understood("r3_complaint_microsoft_jmrp.eml").complaint
    assert complaint is not None
    assert complaint.recipient == "r.meier@outlook.example"
    assert complaint.original_message_id == "<jengu.0f9e8d7c@jengu-outreach.example>"


def test_a_null_sender_keeps_its_display_name():
    parsed = _understood("r3_bounce_dragonfly_null_sender.eml").parsed
    assert (parsed.from_name, parsed.from_address) == ("MAILER-DAEMON", None)


def test_a_one_click_unsubscribe_is_the_recipients_answer():
    understood = _understood("r3_reply_apple_mail_unsubscribe.eml")
    assert understood.kind == "human_reply"
    assert offline_intent(understood.reply_text or "", understood.parsed.subject).intent \
        == "unsubscribe"


def test_cr_line_ends_read_as_lf():
    raw = (REALWORLD / "r3_bounce_cr_only_line_ends.eml").read_bytes()
    assert b"\n" not in raw
    understood = understand(raw)
    assert understood.bounce is not None
    assert understood.parsed.message_key == parsing.parse(raw).message_key
    assert understood.parsed.message_id == "<20261120080001.7C1D2@mail.jengu-outreach.example>"


def test_a_lost_nested_boundary_is_recovered_a_few_times_at_most(monkeypatch):
    recoveries = []
    real = parsing._recovered_multipart

    def counted(ctype, payload):
        found = real(ctype, payload)
        recoveries.append(found is not None)
        return found

    monkeypatch.setattr(parsing, "_recovered_multipart", counted)
    # Each level's boundary parameter fell into its body; every recovery parses the rest again.
    body = "Yes, we are interested.\n"
    for level in range(12):
        body = (f'boundary="L{level}"\n\n--L{level}\nContent-Type: multipart/mixed;\n'
                f"{body}\n--L{level}--\n")
    raw = ("From: Tom <tom@hotel.example>\nTo: anna@jengu.example\nSubject: Re: hi\n"
           "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=TOP\n\n--TOP\n"
           f"Content-Type: multipart/alternative;\n{body}\n--TOP--\n").encode()
    parsed = parse(raw)
    assert sum(recoveries) == parsing._MAX_RECOVERIES
    assert any("with its boundary in its body" in d for d in parsed.defects)
