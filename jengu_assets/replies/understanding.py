"""What an inbound message is: pure functions over raw bytes, no I/O.

``understand(raw)`` parses the bytes (``parsing.parse``, which never raises) and sorts the
message into one kind:

===========  =====================================================================================
kind         when
===========  =====================================================================================
malformed    empty input, not an email at all, a MIME bomb (nesting, part count, size), or a
             reply without a word to read (binary, undecodable, MIME source, cut before its
             text)
own          sent from one of our inboxes (``own_addresses``): never a reply, only the pipeline
             sees it
complaint    an ARF feedback report (RFC 5965), a Microsoft JMRP report, an Amazon SES complaint
bounce       an RFC 3464 delivery report (also one a gateway passes on as the attachment of an
             automatic message of its own), an Amazon SES bounce notification, or the common
             plain-text and localised non-delivery notices (Postfix, Exim, qmail, Exchange,
             Gmail, Yahoo, DragonFly...)
auto_reply   RFC 3834 headers and their vendor cousins, or out-of-office wording in the subject
             or the new text (en, de, fr, es, it, nl, pt, sv, da, no, fi, pl, cs, ru, tr, ja,
             zh) that answers nothing of ours, or a help desk's receipt that says it is automatic
human_reply  everything else, with the new text cut from the quoted history and the signature; a
             mail program's one-click unsubscribe is one (the recipient asked for it)
===========  =====================================================================================

The rules live beside this module, one role each: ``parsing`` (bytes to a ``Parsed`` record,
bounded against hostile input), ``reports`` (bounces and complaints), ``auto_replies``
(automatic answers), ``dates`` (return dates) and ``quoting`` (the new text of a reply). This
module keeps the entry points and re-exports what callers use.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from jengu_assets.replies.auto_replies import AutoReply, auto_reply_of, challenge_of
from jengu_assets.replies.dates import find_dates, return_date
from jengu_assets.replies.parsing import (
    MAX_MESSAGE_BYTES,
    MAX_TEXT_CHARS,
    Attachment,
    Parsed,
    header_text,
    html_to_text,
    message_key,
    parse,
)
from jengu_assets.replies.quoting import reply_text
from jengu_assets.replies.reports import (
    Bounce,
    BounceCategory,
    Complaint,
    bounce_of,
    complaint_of,
    unwrapped,
)

Kind = Literal["bounce", "auto_reply", "complaint", "human_reply", "malformed", "own"]


@dataclass(frozen=True, slots=True)
class Understanding:
    kind: Kind
    parsed: Parsed
    bounce: Bounce | None = None
    auto_reply: AutoReply | None = None
    complaint: Complaint | None = None
    reply_text: str | None = None
    """The new text of a human reply (quoted history and signature removed)."""
    reason: str | None = None
    """Why a message is malformed, or whose inbox an ``own`` message came from."""

    @property
    def is_own(self) -> bool:
        return self.kind == "own"


# -- understanding --------------------------------------------------------------------------------


def understand(raw: bytes, own_addresses: Collection[str] = frozenset()) -> Understanding:
    """What ``raw`` is. ``own_addresses`` are our inbox addresses: a message from one of them
    (that is not a delivery or feedback report) is ``own``, never a reply. Never raises."""
    parsed = parse(raw)
    try:
        return understand_parsed(parsed, own_addresses)
    except Exception as exc:  # never raise on input: a rule bug must not stop the inbox
        return Understanding("malformed", parsed,
                             reason=f"internal error while analysing: {type(exc).__name__}")


def understand_parsed(parsed: Parsed,
                      own_addresses: Collection[str] = frozenset()) -> Understanding:
    if parsed.malformed_reason:
        return Understanding("malformed", parsed, reason=parsed.malformed_reason)
    parsed = unwrapped(parsed)
    own = {a.strip().lower() for a in own_addresses}
    is_report = parsed.content_type == "multipart/report" or bool(parsed.delivery_status) \
        or parsed.feedback_report is not None
    if parsed.from_address and parsed.from_address in own and not is_report:
        return Understanding("own", parsed, reason=f"sent from our inbox {parsed.from_address}")
    complaint = complaint_of(parsed)
    if complaint is not None:
        return Understanding("complaint", parsed, complaint=complaint)
    # A filter holding our message reads like a bounce ("not delivered") but refused nothing.
    challenge = None if is_report else challenge_of(parsed)
    bounce = None if challenge else bounce_of(parsed)
    if bounce is not None:
        return Understanding("bounce", parsed, bounce=bounce)
    text = reply_text(parsed.text, _sender_names(parsed))
    auto = challenge or auto_reply_of(parsed, text)
    if auto is not None:
        return Understanding("auto_reply", parsed, auto_reply=auto, reply_text=text)
    unreadable = unreadable_reason(parsed)
    if unreadable:
        return Understanding("malformed", parsed, reason=unreadable)
    return Understanding("human_reply", parsed, reply_text=text)


def _sender_names(parsed: Parsed) -> tuple[str | None, ...]:
    local = (parsed.from_address or "").split("@", 1)[0]
    # "info@" or "reservations@" names a desk, not a person.
    return (parsed.from_name, local if "." in local or "_" in local else None)


# -- unreadable bodies ----------------------------------------------------------------------------

# Control characters (other than line ends and tabs) and replacement characters: text has next to
# none, while binary or wrongly decoded bytes are full of them.
_JUNK_SAMPLE_CHARS = 4000
_JUNK_SHARE = 0.05
_JUNK_MIN = 8
_MIME_SOURCE = re.compile(
    r"^[ \t]*--[^\s]{1,200}[ \t]*$"                                    # a boundary line
    r"|^[ \t]*(?:content-[a-z-]+|mime-version)[ \t]*:.*$"               # a part header
    # base64: full lines, and the short line that ends a block
    r"|^(?:[A-Za-z0-9+/]{16,}={0,2}[ \t]*(?:\n|$))+(?:[A-Za-z0-9+/]+={0,2}[ \t]*$)?",
    re.IGNORECASE | re.MULTILINE)
_WORD = re.compile(r"[^\W\d_]{2,}")
_HEADER_LINE = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,75}[ \t]*:")


def unreadable_reason(parsed: Parsed) -> str | None:
    """Why nobody can read the text of ``parsed``, or None when there is text to read.

    Damaged mail that still carries its words is read (a wrong charset, a lost closing
    boundary); this is for mail whose words did not survive: bytes that decode to control
    characters, and a damaged message with nothing left once its MIME source (boundaries, part
    headers, base64) is set aside, or no body at all. A reply that is empty but intact is no
    such message: it says nothing, which is for the intent to judge."""
    text = parsed.text
    sample = text[:_JUNK_SAMPLE_CHARS]
    junk = sum(1 for c in sample if c == "\ufffd" or (c < " " and c not in "\t\n\r\f")
               or "\x7f" <= c <= "\x9f")
    if junk >= max(_JUNK_MIN, _JUNK_SHARE * len(sample)):
        return "no readable text: the body decodes to binary (a wrong or unknown charset)"
    if not parsed.defects:
        return None
    rest = sample.partition("\n")[2]
    if "a non-header line inside the headers" in parsed.defects and _HEADER_LINE.match(rest):
        # Headers go on after the line that ended them: it is a header that lost its colon, not
        # the first line of the text.
        sample = rest
    if _WORD.search(_MIME_SOURCE.sub("", sample)):
        return None
    if not text.strip():
        return f"no readable text: the body is empty ({parsed.defects[0]})"
    return f"no readable text: only MIME source and encoded data ({parsed.defects[0]})"


__all__ = [
    "MAX_MESSAGE_BYTES",
    "MAX_TEXT_CHARS",
    "Attachment",
    "AutoReply",
    "Bounce",
    "BounceCategory",
    "Complaint",
    "Kind",
    "Parsed",
    "Understanding",
    "auto_reply_of",
    "bounce_of",
    "complaint_of",
    "find_dates",
    "header_text",
    "html_to_text",
    "message_key",
    "parse",
    "reply_text",
    "return_date",
    "understand",
    "understand_parsed",
    "unreadable_reason",
]
