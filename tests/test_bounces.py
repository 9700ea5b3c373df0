"""The bounce rules: pure functions on SendOutcome values, no server and no files."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jengu_assets.sending.bounces import (
    SOFT_RETRY_DELAYS,
    Classification,
    classify,
    enhanced_status,
    soft_retry_delay,
)
from jengu_resources.smtp import SendOutcome


def outcome(stage: str, code: int | None, message: str, *, delivered: bool = False,
            maybe: bool = False) -> SendOutcome:
    return SendOutcome(delivered=delivered, stage=stage, code=code, message=message,  # type: ignore[arg-type]
                       maybe_delivered=maybe)


CASES = [
    # (stage, code, message, maybe_delivered, category, why)
    ("done", 250, "2.0.0 OK queued as 12345", False, "delivered",
     "the server took the message"),
    ("data", None, "disconnected", True, "unknown",
     "the body went out and no reply came: it may be in the mailbox, never send it twice"),
    ("data", None, "timeout", True, "unknown",
     "a timeout after the body is as uncertain as a drop"),
    ("connect", None, "connection failed: Connect call failed", False, "inbox",
     "nothing listens: our inbox's server is down, the recipient is not at fault"),
    ("connect", None, "connect timeout", False, "inbox",
     "no greeting: the inbox's server is slow, back off"),
    ("connect", 554, "5.7.1 Client host rejected: blocked using zen.spamhaus.org", False, "inbox",
     "a refusal at the greeting is about our connection, not about any recipient"),
    ("connect", None, "STARTTLS not offered", False, "inbox",
     "a TLS setup problem is the inbox's configuration"),
    ("auth", 535, "5.7.8 Authentication credentials invalid", False, "inbox",
     "a wrong password stops the inbox, not the recipient; AUTH beats the 5.7.x rule"),
    ("auth", None, "AUTH not offered", False, "inbox",
     "no AUTH on the server is the inbox's configuration"),
    ("rcpt", 421, "4.3.2 Service not available, closing channel", False, "inbox",
     "421 at RCPT: the server is busy, back off the inbox"),
    ("data", 421, "4.7.0 Too many connections", False, "inbox",
     "421 at any stage means the server closes the channel"),
    ("mail", None, "disconnected", False, "inbox",
     "dropped before the body was handed over: nothing was sent, retry later"),
    ("rcpt", None, "timeout", False, "inbox",
     "no reply at RCPT: nothing was sent"),
    ("data", None, "disconnected", False, "inbox",
     "dropped before the 354: the body never went"),
    ("mail", 451, "4.7.1 Sender rate limited, slow down", False, "inbox",
     "a 4xx to MAIL FROM defers our sender, not the recipient"),
    ("rcpt", 451, "4.2.0 Mailbox temporarily unavailable", False, "soft",
     "a 4xx at RCPT is temporary"),
    ("rcpt", 450, "4.7.1 Greylisted, please try again later", False, "soft",
     "greylisting is a 4.7.x but a 4xx is always temporary, never policy"),
    ("data", 452, "4.3.1 Insufficient system storage", False, "soft",
     "the receiving system is full for now"),
    ("rcpt", 450, "5.1.1 user unknown", False, "soft",
     "the reply code decides: a 450 is temporary whatever its text says"),
    ("rcpt", 550, "5.1.1 The email account that you tried to reach does not exist", False, "hard",
     "5.1.1 is the textbook unknown mailbox"),
    ("rcpt", 550, "5.1.10 Recipient address rejected: domain has null MX", False, "hard",
     "RFC 7505 null MX: the domain takes no mail, ever"),
    ("rcpt", 550, "5.2.1 Mailbox disabled, not accepting messages", False, "hard",
     "a disabled mailbox will not come back"),
    ("rcpt", 550, "5.4.4 Unable to route", False, "hard",
     "the domain cannot be routed at all"),
    ("rcpt", 550, "5.4.1 Recipient address rejected: Access denied", False, "hard",
     "Microsoft's directory check: the recipient does not exist in that tenant"),
    ("rcpt", 553, "5.1.3 Bad recipient address syntax", False, "hard",
     "an address that cannot even be parsed"),
    ("rcpt", 550, "Requested action not taken: mailbox unavailable", False, "hard",
     "a plain 550 without an enhanced code is an unknown mailbox"),
    ("rcpt", 550, "Requested action not taken: mailbox unavailable or access denied", False,
     "hard", "RFC 5321's own 550 wording names the mailbox"),
    ("rcpt", 550, "Access denied", False, "policy",
     "access denied that names no mailbox refuses us, not the address"),
    ("rcpt", 551, "User not local; please try <forward@example.net>", False, "hard",
     "551: the user is not here"),
    ("rcpt", 553, "Requested action not taken: mailbox name not allowed", False, "hard",
     "553 without a code: the mailbox name is refused"),
    ("rcpt", 554, "delivery error: dd This user doesn't have a yahoo.com account", False, "hard",
     "a 554 whose text says the account does not exist"),
    ("rcpt", None, "5.1.3 invalid recipient address", False, "hard",
     "the client's own refusal of an unparseable address carries its own status"),
    ("rcpt", None, "5.6.7 non-ASCII local part needs SMTPUTF8", False, "hard",
     "an address this client cannot carry at all is as good as unknown"),
    ("rcpt", 552, "5.2.2 Mailbox full", False, "soft",
     "a full mailbox may be emptied: soft, although the code is permanent"),
    ("rcpt", 550, "Delivery failed due to a full mailbox", False, "soft",
     "a full mailbox in other words"),
    ("rcpt", 552, "Requested mail action aborted: exceeded storage allocation", False, "soft",
     "RFC 5321 4.5.3.1.10: a 552 at RCPT is to be treated as temporary"),
    ("data", 552, "Message size exceeds fixed maximum message size", False, "policy",
     "a 552 after the body is our message's size"),
    ("data", 552, "5.3.4 Message too big for system", False, "policy",
     "5.3.4: our message is too big, the recipient is fine"),
    ("data", 550, "5.7.1 Message rejected as spam by content filter", False, "policy",
     "5.7.x is policy: a sender-side problem, no suppression"),
    ("rcpt", 550, "5.7.1 Relaying denied", False, "policy",
     "relaying denied is our server's configuration"),
    ("data", 554, "5.7.1 Service unavailable; Client host [192.0.2.1] blocked using Spamhaus",
     False, "policy", "a blocklisted sending IP is policy"),
    ("data", 550, "5.6.0 Message content rejected", False, "policy",
     "5.6.x is about our content"),
    ("rcpt", 550, "Message rejected: sender blacklisted", False, "policy",
     "no enhanced code, but the text says our sender is blacklisted"),
    ("data", 554, "Transaction failed: spam message rejected", False, "policy",
     "no enhanced code and the text says spam"),
    ("rcpt", 550, "Rejected by policy", False, "policy",
     "a policy refusal is about us, even under a 550"),
    ("rcpt", 550, "5.0.0 Your IP is listed on an RBL", False, "policy",
     "5.0.0 explains nothing, so the text decides"),
    ("mail", 550, "5.1.0 Sender address rejected: Domain not found", False, "policy",
     "a refused MAIL FROM is our sender's problem; the recipient was never named"),
    ("rcpt", 553, "5.1.8 Sender address domain does not exist", False, "policy",
     "5.1.8 names our sender's domain, not the recipient"),
    ("rcpt", 500, "5.5.2 Syntax error, command unrecognized", False, "policy",
     "a protocol error is ours"),
    ("data", 554, "Transaction failed", False, "policy",
     "an unexplained 554 claims nothing about the recipient: no suppression"),
    ("rcpt", 550, "5.4.7 Delivery time expired", False, "soft",
     "the receiving side gave up retrying; the address may work tomorrow"),
    ("data", 250, "2.0.0 OK", False, "unknown",
     "a 250 where a refusal was recorded: the server misbehaved, claim nothing"),
    ("data", 550, "5.2.0 Mail rejete. Mail rejected. OFR_506 [506]", False, "policy",
     "the recipient was accepted and the message refused after the body: not the address"),
    ("rcpt", 550, "5.2.0 Mailbox unavailable", False, "hard",
     "the same generic 5.2.0 at RCPT names the mailbox"),
    ("data", 550, "Rejected", False, "policy",
     "a bare 550 after the body is a refusal of what we sent"),
    ("data", 550, "5.1.1 <anna@hotel.example>: Recipient address rejected", False, "hard",
     "a specific unknown-user status decides, whenever the server gives it"),
    ("rcpt", 550, "5.1.0 <bounce@jengu.example> sender rejected", False, "policy",
     "5.1.0 is the generic address status: the words say it is our sender"),
    ("rcpt", 550, "5.1.0 Address rejected: no such user", False, "hard",
     "and here the words name the recipient"),
    ("data", 550, "Virus Detected; Content Rejected", False, "policy",
     "a virus verdict is about our message"),
    ("rcpt", 550, "Unauthenticated senders not allowed", False, "policy",
     "the refusal names our sender"),
    ("rcpt", 550, "<gast@web.example> Benutzer hat zuviele Mails auf dem Server. / User has too "
     "many messages on the server.", False, "soft", "a full mailbox in words, under a bare 550"),
    ("rcpt", 550, "Your server requires confirmation. Visit http://mx.example/Whitelist.aspx to "
     "confirm this mail server.", False, "policy", "our server must be allow-listed first"),
]


@pytest.mark.parametrize(
    ("stage", "code", "message", "maybe", "category"),
    [case[:5] for case in CASES],
    ids=[case[5] for case in CASES],
)
def test_classify(stage: str, code: int | None, message: str, maybe: bool, category: str) -> None:
    delivered = stage == "done"
    result = classify(outcome(stage, code, message, delivered=delivered, maybe=maybe))
    assert result.category == category


@pytest.mark.parametrize(
    ("result", "reason"),
    [
        (classify(outcome("rcpt", 550, "5.1.1 <x@h.test>: Recipient address rejected")),
         "5.1.1 mailbox does not exist"),
        (classify(outcome("rcpt", 421, "4.3.2 Service not available")),
         "421 4.3.2 Service not available"),
        (classify(outcome("data", None, "disconnected", maybe=True)),
         "no reply after the message was sent (disconnected)"),
        (classify(outcome("connect", None, "connect timeout")),
         "no reply at connect (connect timeout)"),
    ],
    ids=["a known status gets its plain name", "otherwise the code and the server's first line",
         "the uncertain case says why it is uncertain", "a missing reply says where it was missing"],
)
def test_reason_is_short_text_for_people(result: Classification, reason: str) -> None:
    assert result.reason == reason


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("5.1.1 The email account does not exist", "5.1.1"),
        ("<x@h.test>: Recipient address rejected 5.1.10 null MX", "5.1.10"),
        ("#5.1.0 Address rejected.", "5.1.0"),
        ("4.7.1 Greylisted\n4.7.1 try later", "4.7.1"),
        ("Service unavailable; Client host [10.5.1.1] blocked", None),
        ("Python 3.11.7 says no", None),
        ("2.0.0 Ok: queued as 4F2", "2.0.0"),
        ("6.1.1 is not a class", None),
        ("421 mx.hotel.test Exim 4.96.2 Service not available", None),
        ("Version 4.2.1 of our rules: 550 5.7.1 denied", "5.7.1"),
        ("", None),
    ],
    ids=["at the start", "a three-digit detail", "after Exchange's hash", "first of many",
         "an IP address is no status", "a version is no status", "success codes too",
         "only classes 2, 4 and 5 exist", "only subjects 0 to 7 exist", "a named version is none",
         "empty"],
)
def test_enhanced_status(text: str, status: str | None) -> None:
    assert enhanced_status(text) == status


def test_classification_keeps_the_enhanced_status() -> None:
    assert classify(outcome("rcpt", 550, "5.1.1 no such user")).enhanced_status == "5.1.1"
    assert classify(outcome("rcpt", 550, "no such user")).enhanced_status is None


@pytest.mark.parametrize(
    ("failures", "delay"),
    [(1, timedelta(hours=24)), (2, timedelta(hours=48)), (3, timedelta(hours=72)), (4, None),
     (9, None)],
    ids=["first soft failure: a day", "second: two days", "third: three days",
         "fourth: retries spent, the caller treats it as hard", "long past: still none"],
)
def test_soft_retry_delay(failures: int, delay: timedelta | None) -> None:
    assert soft_retry_delay(failures) == delay


def test_soft_retry_delays_are_the_documented_schedule() -> None:
    assert SOFT_RETRY_DELAYS == (timedelta(hours=24), timedelta(hours=48), timedelta(hours=72))
    with pytest.raises(ValueError):
        soft_retry_delay(0)
