"""What a send attempt means for the recipient and for the sending inbox: pure rules, no I/O.

``classify(outcome)`` sorts a ``SendOutcome`` into one category; the caller acts on it:

============  =====================================================  ===============================
category      when                                                   the caller
============  =====================================================  ===============================
delivered     the server accepted the message (250 after the body)   records it as sent
unknown       the connection broke after the whole body was handed   records "unknown", never resends
              over and before the reply: it may have been delivered
inbox         no reply at connect/auth; any failure at connect or    backs the sending inbox off; the
              auth (a 535 included); a 421 at any stage; no reply    recipient is not at fault and
              at MAIL, RCPT or DATA before the body went; a 4xx to   the email is tried again later
              MAIL FROM (our sender, deferred)
policy        5.7.x (blocked, spam, relaying denied, authentication  counts against the inbox's
              required); 5.3.4 and 5.2.3 too big; 5.6.x content;     health; no recipient
              5.5.x protocol; 5.1.7/5.1.8 our sender address; any    suppression
              5xx to MAIL FROM; a 5xx without a specific enhanced
              code whose text says the sender is blocked, spam,
              blacklisted, a virus or refused by policy; one after
              the body (DATA) that names no mailbox; other
              unexplained 5xx (554 ...)
soft          any other 4xx (greylisting 450 4.7.1 included: a 4xx   retries after
              is always temporary); 5.2.2 mailbox full, and a 5xx    ``soft_retry_delay``; after the
              without a specific code whose text says the mailbox    third soft failure it treats the
              is full; 5.3.1/5.3.2/5.3.5 and 5.4.7 (the receiving    address as hard
              side's own trouble); 552 at RCPT (RFC 5321
              4.5.3.1.10 says: temporary)
hard          5.1.x (5.1.1 unknown user, 5.1.10 null MX ...), 5.2.1  suppresses the address
              disabled, 5.2.4, 5.4.x routing (5.4.4, and
              Microsoft's 5.4.1 "recipient address rejected"),
              5.6.7 a non-ASCII address we cannot carry; 5.1.0,
              5.2.0 and 550/551/553/521/556 without an enhanced code
              before the body, unless the text says otherwise; text
              saying the user or mailbox does not exist
============  =====================================================  ===============================

The reply code decides temporary against permanent (a 450 whose text says 5.1.1 is still a 4xx);
the enhanced status (RFC 3463) says why. An outcome without a reply code but with an enhanced
status in its text is a refusal the client made itself (an address it cannot send to), and is
classified by that status.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from jengu_assets.phrases import Phrases
from jengu_resources.smtp import SendOutcome

Category = Literal["delivered", "soft", "hard", "policy", "inbox", "unknown"]

SOFT_RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(hours=24), timedelta(hours=48), timedelta(hours=72))

# RFC 3463: class.subject.detail; class 2, 4 or 5, subject 0 to 7, detail up to three digits. Not
# preceded by a digit or dot, nor by "version ", and not followed by a digit, so IP addresses and
# versions ("Exim 4.96.2", "version 4.2.1") do not match.
ENHANCED_PATTERN = r"(?<![\d.])(?<![Vv]ersion )({classes})\.([0-7])\.(\d{{1,3}})(?!\.?\d)"
_ENHANCED = re.compile(ENHANCED_PATTERN.format(classes="[245]"))

_SENDER_BLOCKED = Phrases(
    r"spam|black ?list|block ?list|deny ?list|\bblocked\b|\bpolicy\b|reputation|\bbanned\b"
    r"|\brbl\b|dnsbl|spamhaus|spamcop|barracuda|unsolicited|relay(ing)? (access )?(denied|not)"
    r"|\bsender\b.{0,40}\b(rejected|refused|denied|not allowed)|\bvirus|malware"
    r"|protocol violation|unauthenticated|frequency limit|rate limit"
    # Our server must be confirmed or allow-listed first: the mailbox is fine.
    r"|your server requires confirmation|confirm this mail server|white ?list|allow ?list",
    re.IGNORECASE)
_NO_MAILBOX = Phrases(
    r"user unknown|unknown user|no such (user|mailbox|recipient|address)|does ?n[o']t exist"
    r"|not exist|mailbox (unavailable|not found|is disabled|disabled)|unknown (recipient|mailbox)"
    r"|recipient (rejected|unknown|not found|address rejected)|invalid (recipient|mailbox)"
    r"|address rejected|no mailbox|user not found|account (is )?(disabled|does not exist)"
    r"|doesn't have an? .{0,40}account",
    re.IGNORECASE)
# A full mailbox in words; the delivery-report reader derives 5.2.2 from the same words.
MAILBOX_FULL_WORDS = (
    r"mailbox (is )?full|full mailbox|(does not|doesn't) have enough space|over ?quota"
    r"|quota exceeded|exceeded (its|the|their) (storage|disk space|quota)|insufficient (storage"
    r"|space)|disk space limit|too many (messages|mails) on the server"
    r"|postfach (ist )?voll|zu ?viele mails|boîte (aux lettres )?(est )?pleine|buzón (está )?lleno"
    r"|casella (è )?piena")
_MAILBOX_FULL = Phrases(MAILBOX_FULL_WORDS, re.IGNORECASE)
_ACCESS_DENIED = re.compile(r"access denied", re.IGNORECASE)

# Enhanced statuses of a permanent (5xx) reply that are not the recipient's address: the subject
# ("x.7") or the full subject.detail.
_POLICY_SUBJECTS = frozenset({"5", "6", "7"})
_POLICY_DETAILS = frozenset({"1.7", "1.8", "2.3", "3.3", "3.4"})
_SOFT_DETAILS = frozenset({"2.2", "3.1", "3.2", "3.5", "4.7"})
_HARD_DETAILS = frozenset({"6.7", "2.1", "2.4"})
_HARD_SUBJECTS = frozenset({"1", "4"})

_NAMES = {
    "5.1.1": "mailbox does not exist",
    "5.1.2": "domain does not exist",
    "5.1.3": "bad recipient address syntax",
    "5.1.6": "mailbox has moved",
    "5.1.7": "bad sender address",
    "5.1.8": "sender's domain refused",
    "5.1.10": "domain accepts no mail (null MX)",
    "5.2.1": "mailbox disabled",
    "5.2.2": "mailbox full",
    "5.2.3": "message too big for the mailbox",
    "5.3.4": "message too big",
    "5.4.1": "recipient rejected by the domain",
    "5.4.4": "domain cannot be routed",
    "5.4.7": "delivery time expired",
    "5.6.7": "address needs SMTPUTF8",
    "5.7.1": "refused by policy",
    "4.2.2": "mailbox full",
    "4.7.1": "deferred (greylisting or rate)",
}


@dataclass(frozen=True)
class Classification:
    category: Category
    enhanced_status: str | None
    """The RFC 3463 code in the reply, e.g. "5.1.1"."""
    reason: str
    """Short text for people, e.g. "5.1.1 mailbox does not exist"."""


def enhanced_status(text: str) -> str | None:
    """The first RFC 3463 enhanced status code in a server reply, e.g. ``"5.1.1"``."""
    match = _ENHANCED.search(text or "")
    if match is None:
        return None
    return ".".join(str(int(part)) for part in match.groups())


def classify(outcome: SendOutcome) -> Classification:
    status = enhanced_status(outcome.message)
    category = _category(outcome, status)
    return Classification(category, status, _reason(outcome, status, category))


def soft_retry_delay(soft_failures: int) -> timedelta | None:
    """How long to wait after the n-th soft failure in a row (this one counted); None once the
    retries are spent, when the caller treats the address as hard."""
    if soft_failures < 1:
        raise ValueError(f"soft_failures counts this failure, so it is at least 1: {soft_failures}")
    if soft_failures > len(SOFT_RETRY_DELAYS):
        return None
    return SOFT_RETRY_DELAYS[soft_failures - 1]


def _category(outcome: SendOutcome, status: str | None) -> Category:
    if outcome.delivered:
        return "delivered"
    if outcome.maybe_delivered:
        return "unknown"
    if outcome.stage in ("connect", "auth") or outcome.code == 421:
        return "inbox"
    if outcome.code is None:
        if status is None:
            return "inbox"
        klass = int(status[0])
    else:
        klass = outcome.code // 100
    if klass == 4:
        return "inbox" if outcome.stage == "mail" else "soft"
    if klass != 5:
        # A 2xx or 3xx where a refusal was expected: the server misbehaves, so claim nothing.
        return "unknown"
    if outcome.stage == "mail":
        return "policy"
    return _permanent(outcome, status)


def _permanent(outcome: SendOutcome, status: str | None) -> Category:
    subject = detail = None
    if status is not None and status[0] == "5":
        _, subject, detail = status.split(".")
        subject_detail = f"{subject}.{detail}"
        if subject_detail in _POLICY_DETAILS:
            return "policy"
        if subject_detail in _SOFT_DETAILS:
            return "soft"
        if subject_detail in _HARD_DETAILS:
            return "hard"
        if subject in _POLICY_SUBJECTS:
            return "policy"
        if subject in _HARD_SUBJECTS and detail != "0":
            return "hard"
    # No enhanced code, or one that explains little (5.0.0, 5.3.0, and the "other" of a subject:
    # 5.1.0, 5.2.0): read the text, then the stage, then the code.
    if _SENDER_BLOCKED.search(outcome.message):
        return "policy"
    if _NO_MAILBOX.search(outcome.message):
        return "hard"
    if _MAILBOX_FULL.search(outcome.message):
        # "550 User has too many messages on the server" (web.de): full, as 5.2.2 says it.
        return "soft"
    if outcome.stage == "data":
        # The recipient was accepted and the message was not ("550 5.2.0 Mail rejected" after
        # the body, as Orange writes it): a refusal of what we sent, not of the address.
        return "policy"
    if detail == "0" and (subject in _HARD_SUBJECTS or subject == "2"):
        return "hard"
    # "Access denied" that names no mailbox is a refusal of us, not of the address (the replies'
    # delivery-report reader agrees: jengu_assets/replies/reports.py).
    if _ACCESS_DENIED.search(outcome.message):
        return "policy"
    if outcome.code in (550, 551, 553, 521, 556):
        return "hard"
    if outcome.code == 552:
        return "soft" if outcome.stage == "rcpt" else "policy"
    return "policy"


def _reason(outcome: SendOutcome, status: str | None, category: Category) -> str:
    text = outcome.message.strip()
    if category == "unknown" and outcome.maybe_delivered:
        return f"no reply after the message was sent ({text})"
    if outcome.code is None and status is None:
        return f"no reply at {outcome.stage} ({text})" if text else f"no reply at {outcome.stage}"
    if status is not None and status in _NAMES:
        return f"{status} {_NAMES[status]}"
    first_line = text.splitlines()[0] if text else ""
    prefix = "" if outcome.code is None else f"{outcome.code} "
    return f"{prefix}{first_line}".strip()[:200]
