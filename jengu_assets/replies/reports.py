"""Delivery reports and feedback reports in a parsed message: bounces and complaints.

``bounce_of`` reads an RFC 3464 report (its machine-readable part first) or the plain-text and
localised notices of Postfix, Exim, Sendmail, qmail, Exchange, Gmail, Domino and the rest: the
recipient, the RFC 3463 status (derived from the SMTP reply and its words when none is given)
and a category by the same rules as a refusal at send time (``sending.bounces``).
``complaint_of`` reads an ARF feedback report (RFC 5965).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

from jengu_assets.phrases import Phrases
from jengu_assets.replies.parsing import ADDRESS, Parsed, message_id_of
from jengu_assets.replies.quoting import REPLY_PREFIX
from jengu_assets.sending.bounces import ENHANCED_PATTERN, MAILBOX_FULL_WORDS, enhanced_status
from jengu_assets.sending.bounces import classify as classify_send_outcome
from jengu_resources.smtp import SendOutcome

BounceCategory = Literal["hard", "soft", "policy"]


@dataclass(frozen=True, slots=True)
class Bounce:
    recipient: str | None
    """Original-Recipient when the report gives one, else Final-Recipient (lower-cased)."""
    status: str | None
    """RFC 3463 code, e.g. "5.1.1"; derived from the SMTP reply or its text when none is given."""
    category: BounceCategory
    action: str | None
    """"failed" or "delayed" (a delay warning: the remote side is still trying)."""
    diagnostic: str | None
    original_message_id: str | None
    """Message-ID of the message that bounced: the sent-mail matcher's key."""
    standard: bool
    """True for an RFC 3464 report, False for a notice read from its text."""


@dataclass(frozen=True, slots=True)
class Complaint:
    feedback_type: str
    recipient: str | None
    original_message_id: str | None
    reporter: str | None


# -- complaints -----------------------------------------------------------------------------------


def complaint_of(parsed: Parsed) -> Complaint | None:
    report = parsed.feedback_report
    if report is None and parsed.report_type != "feedback-report":
        ses = ses_notification(parsed)
        if ses is not None and ses.kind == "Complaint":
            return Complaint(feedback_type=(ses.field("complaintFeedbackType") or "abuse")[:40],
                             recipient=ses.recipient("complainedRecipients"),
                             original_message_id=ses.message_id(),
                             reporter=ses.field("userAgent") or parsed.from_address)
        return _microsoft_complaint(parsed)
    report = report or {}
    original = parsed.original_headers or {}
    recipient = _first_address(report.get("original-rcpt-to")) \
        or _first_address(report.get("removal-recipient")) or _first_address(original.get("to"))
    return Complaint(
        feedback_type=(report.get("feedback-type") or "abuse").strip().lower()[:40],
        recipient=recipient,
        original_message_id=message_id_of(original.get("message-id")),
        reporter=(report.get("user-agent") or parsed.from_address or None),
    )


# Microsoft's Junk Mail Reporting Program: the reported message attached whole, under "complaint
# about message from <ip>", with the complaining mailbox in X-HmXmrOriginalRecipient.
_JMRP_SUBJECT = re.compile(r"^\s*complaint about message from\b", re.IGNORECASE)


def _microsoft_complaint(parsed: Parsed) -> Complaint | None:
    original = parsed.original_headers
    if not original or not (original.get("x-hmxmroriginalrecipient")
                            or _JMRP_SUBJECT.match(parsed.subject or "")):
        return None
    return Complaint(
        feedback_type="abuse",
        recipient=_first_address(original.get("x-hmxmroriginalrecipient"))
        or _first_address(original.get("to")),
        original_message_id=message_id_of(original.get("message-id")),
        reporter=parsed.from_address,
    )


# -- Amazon SES notifications ---------------------------------------------------------------------

_SES_KIND = re.compile(r'"(?:notificationType|eventType)"\s*:\s*"(Bounce|Complaint|Delivery)"')


@dataclass(frozen=True, slots=True)
class SesNotification:
    """An Amazon SES event notification mailed through SNS: JSON, bare or inside SNS's envelope,
    and often cut short by the mail that carries it, so it is read field by field."""
    kind: str
    """Bounce, Complaint or Delivery."""
    json: str

    def field(self, name: str, within: str | None = None) -> str | None:
        text = self.json
        if within is not None:
            start = text.find(f'"{within}"')
            if start < 0:
                return None
            text = text[start: start + 20_000]
        match = re.search(rf'"{name}"\s*:\s*"((?:[^"\\]|\\.){{0,2000}})"', text)
        return match.group(1) if match else None

    def recipient(self, within: str) -> str | None:
        return _first_address(self.field("emailAddress", within))

    def message_id(self) -> str | None:
        match = re.search(r'"name"\s*:\s*"Message-ID"\s*,\s*"value"\s*:\s*"([^"]{1,500})"',
                          self.json, re.IGNORECASE)
        return message_id_of(match.group(1)) if match else None


_JSON_START = re.compile(r"\s*\{")


def ses_notification(parsed: Parsed) -> SesNotification | None:
    """The SES notification ``parsed`` carries, or None. Cheap for any other message (each of
    the bounce, complaint and auto-reply readers asks)."""
    if not _JSON_START.match(parsed.text):
        return None
    text = parsed.text[:200_000]
    if '\\"notificationType\\"' in text or '\\"eventType\\"' in text:
        # SNS's envelope carries the notification as a JSON string: unquote it once.
        text = text.replace('\\"', '"')
    match = _SES_KIND.search(text)
    return SesNotification(match.group(1), text) if match else None


def _ses_bounce(ses: SesNotification) -> Bounce:
    permanent = (ses.field("bounceType") or "").lower() == "permanent"
    diagnostic = _strip_type(ses.field("diagnosticCode", "bouncedRecipients")) or None
    status = enhanced_status(ses.field("status", "bouncedRecipients") or "") \
        or _reply_enhanced(diagnostic or "") or ("5.0.0" if permanent else "4.0.0")
    code = _smtp_code(diagnostic or "")
    return Bounce(
        recipient=ses.recipient("bouncedRecipients"),
        status=status,
        category=_category(status, code, diagnostic or "", diagnostic),
        action="failed",
        diagnostic=diagnostic and diagnostic[:500],
        original_message_id=ses.message_id(),
        standard=True,
    )


def _first_address(value: str | None) -> str | None:
    if not value:
        return None
    match = ADDRESS.search(value)
    return _clean_address(match.group()) if match else None


def _clean_address(found: str) -> str:
    # A quote may be part of a local part ("o'brien@"), but one around the whole address is
    # punctuation: Exchange 2007 lists "'user@example.com' on 26/03/2026 16:12".
    return found.lower().rstrip(".").strip("'")


# -- bounces ---------------------------------------------------------------------------------------

_DAEMON_LOCALS = frozenset({
    "mailer-daemon", "mailer_daemon", "mailerdaemon", "mail-daemon", "postmaster", "mdaemon",
    "mail.daemon", "maildelivery", "mail-delivery", "post_master",
})
_DAEMON_NAME = Phrases(
    r"mail delivery (subsystem|system|service)|mailer.?daemon|postmaster|mail administrator"
    r"|microsoft outlook|mail system|e-?mail-?system|systemadministrator", re.IGNORECASE)
_BOUNCE_SUBJECT = Phrases(
    r"undeliver|undelivered mail|returned mail|return(ed|ing)? to sender|delivery status notification"
    r"|delivery (failure|has failed|failed|problem|notification: delivery has failed)"
    r"|mail delivery (failed|failure)|failure notice|could not be delivered|message not delivered"
    r"|not delivered|non.?deliverable|delivery report|mail system error|delivery delayed"
    r"|message delayed|warning: message|could not send (message|mail)|still undelivered"
    r"|mail failure|error sending your (mail|message)|failed mail|non.?delivery|delivery warning"
    r"|user unknown|unknown user"
    r"|unzustellbar|nicht zustellbar|zustellung fehlgeschlagen|unzustellbare|nichtzustellbar"
    r"|non remis|non distribuable|échec de (la )?(remise|distribution)|message non (remis|délivré)"
    r"|no se (puede|pudo) entregar|no entregad|error de entrega|entrega fallida"
    r"|non recapitabile|non recapitat|mancato recapito|impossibile recapitare|recapito non riuscito"
    r"|onbestelbaar|niet afgeleverd|kan niet worden bezorgd"
    r"|não (foi possível )?entregue|mensagem não entregue|falha na entrega|returned message"
    r"|zustellungsbenachrichtigung|notificación de estado de entrega"
    r"|notification d'état de (la )?remise|notifica (sullo |di )?stato (di|della) consegna"
    r"|status van de bezorging|notificação de status de entrega|olevererbar|kan ikke leveres"
    r"|ei voitu toimittaa|niedostarczaln|nedoručiteln|недоставля|не доставлено|teslim edilemeyen"
    r"|配信不能|配信エラー|配信できませんでした|送信できませんでした|メールエラー"
    r"|无法投递|无法传递|未能传递|無法傳遞|退信|传输失败|发送失败",
    re.IGNORECASE)
_BOUNCE_BODY = Phrases(
    r"could not be delivered|couldn't be delivered|could not deliver|wasn't delivered"
    r"|was not delivered|undeliverable|delivery (has )?failed|permanent (fatal )?error"
    r"|delivery to the following recipients? failed|unable to deliver|not be delivered"
    r"|this is the mail system at host|created automatically by mail delivery software"
    r"|wasn't able to deliver|qmail-send program|following address(es)? failed"
    r"|unable to deliver your message|delivery has failed to these recipients"
    r"|message could not be delivered|address couldn't be found|returned to sender"
    r"|this is a warning (message )?only|message still undelivered|hasn't been delivered yet"
    r"|not (yet )?been delivered yet|did not reach (the following recipient|some or all)"
    r"|(there was an|had) (error|trouble) delivering your (mail|message)|had delivery errors"
    r"|failed addresses follow|requested action not taken|has been returned because"
    r"|will (continue|keep) (to )?(try|trying) to deliver"
    r"|nicht zugestellt werden|konnte nicht zugestellt|zustellung .{0,40}fehlgeschlagen"
    r"|n'a pas pu être (remis|distribué|délivré)|n'a pas été remis|impossible de remettre"
    r"|no se (ha )?pudo entregar|no pudo ser entregado|non è stato possibile (recapitare|consegnare)"
    r"|non (è stato|può essere) recapitat|kon niet (worden )?(bezorgd|afgeleverd)"
    r"|não (pôde|foi possível) (ser )?entreg|has not yet been delivered"
    r"|no se ha podido entregar|error en la entrega|recapito non riuscito"
    r"|bezorging .{0,60}mislukt|leveransen .{0,60}misslyckades"
    r"|levering(en)? .{0,60}(mislykkedes|mislyktes)|toimitus .{0,60}epäonnistui"
    r"|dostarczenie .{0,60}nie powiodło się|doručení .{0,60}nezdařilo|не удалось доставить"
    r"|не может быть доставлено|teslim (edilemedi|başarısız)|配信に失敗|配信できませんでした"
    r"|送信できませんでした"
    r"|传递.{0,30}失败|无法投递|無法傳遞|无法发送|无法送达",
    re.IGNORECASE)
_DELAY = Phrases(
    r"\bdelay(ed)?\b|will (continue|keep) (to )?(try|trying|retry)|still (trying|retrying)"
    r"|(?:temporär|vorübergehend)|verzögert|différé|retardé|retrasad|ritardat|vertraagd|atrasad",
    re.IGNORECASE)
# A notice that says the message is still on its way: a warning, not a failure.
_DELAY_NOTICE = re.compile(
    r"this is a warning (message )?only|you do not need to resend|will (continue|keep) (to )?"
    r"(try|trying|retry)|still undelivered|(not|n't) (yet )?been delivered yet|not yet been delivered",
    re.IGNORECASE)
# Where the notice stops explaining and quotes the returned message.
_RETURNED_COPY = re.compile(
    # Sendmail opens with "The original message was received at ...": the notice, not the copy.
    r"^[ \t]*(?:\|?-{2,}[ \t]*)?(?:this is a copy of|below this line is a copy of"
    r"|(?:the )?original message(?![ \t]+was[ \t]+received)"
    r"|returned message|undelivered message|message headers? follows?|headers of the original"
    r"|returned mail follows|message text follows|unsent message below|header of the source mail"
    r"|the first \d+ lines of (?:your |the )?original message"
    r"|ursprüngliche nachricht|message d'origine"
    r"|mensaje original|messaggio originale)",
    re.IGNORECASE | re.MULTILINE)
_SMTP_REPLY = re.compile(
    r"(?:^|said:|returned|response|reply|error|responded|answered|[:#'\"(])[ \t]*['\"(#]?"
    r"([245][0-5]\d)(?=[ \t\-:'\"#)]|$)",
    re.IGNORECASE | re.MULTILINE)
_ENHANCED_45 = re.compile(ENHANCED_PATTERN.format(classes="[45]"))
_RECIPIENT_PATTERNS = tuple(re.compile(p, re.IGNORECASE | re.MULTILINE) for p in (
    # Sendmail and Exim name the address the message was sent to after the one it became.
    r"\((?:expanded|generated) from:?[ \t]*<?([^<>\s@]+@[^<>\s]+?)>?[ \t]*\)",
    r"^[ \t]*<([^<>\s@]+@[^<>\s]+)>[ \t]*:",
    r"^[ \t]*(?:undeliverable|failed|invalid|unknown|intended) (?:e-?mail )?"
    r"(?:address|recipient)(?:es|s)?[ \t]*:[ \t]*<?([^<>\s@]+@[^<>\s]+?)>?[ \t]*$",
    # Exchange's X.400 form: "c=US;a= ;p=IKON;o=Nexus2;dda:SMTP=DJBENNETT@IKON.COM;"
    r"\bdda:smtp=([^<>\s;@]+@[^<>\s;]+)",
    r"^[ \t]*(?:final|original)-recipient:[ \t]*(?:rfc822;)?[ \t]*<?([^<>\s;]+@[^<>\s;]+?)>?[ \t]*$",
    r"rcpt to:[ \t]*<([^<>\s]+@[^<>\s]+)>",
    r"(?:wasn't|was not|couldn't be|could not be|not be) delivered to[ \t]+<?([^<>\s]+@[^<>\s]+?)>?[\s,.]",
    r"your message to[ \t]+<?([^<>\s]+@[^<>\s]+?)>?[ \t]+(?:couldn't|could not|can't|cannot|was)",
    r"error delivering your (?:mail|message) to[ \t]+<?([^<>\s]+@[^<>\s]+?)>?[\s,.]",
    r"(?:following|these) (?:recipients?|address(?:es)?|recipients or groups|users?)[^:\n]{0,60}:"
    r"\s*(?:[*\u2022-][ \t]*)?<?([^<>\s@]+@[^<>\s]+?)>?\s",
    # "Delivery to the following recipients failed." and the address alone on a line below.
    r"(?:following|these) (?:recipients?|address(?:es)?|users?)[^:.\n]{0,60}\.[ \t]*\n\s*"
    r"(?:[*\u2022-][ \t]*)?<?([^<>\s@]+@[^<>\s]+?)>?[ \t]*$",
    r"(?:empfänger|destinataires?|destinatari[oa]?s?|ontvangers?|destinatários?)[^:\n]{0,60}:\s*"
    r"<?([^<>\s@]+@[^<>\s]+?)>?\s",
    r"(?:nachricht an|message à|mensaje a|messaggio a|bericht aan|mensagem para)[ \t]+"
    r"<?([^<>\s@]+@[^<>\s]+?)>?[\s,.]",
))
_DSN_MSGID = re.compile(r"^[ \t>]*message-id:[ \t]*(<[^<>\s]{1,500}>)", re.IGNORECASE | re.MULTILINE)

# Text of a reply without an enhanced status code -> the code it means. Order matters: the
# first that matches wins, so the specific come before the general.
_DERIVED_STATUS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), detail) for pattern, detail in (
        # A notice's words may be looser than a server's reply: any quota, any storage.
        (MAILBOX_FULL_WORDS + r"|quota|mailbox size limit|speicherplatz"
         r"|mail ?folder (is )?full|mailbox (is )?vol|caixa (postal )?cheia"
         r"|mail ?box space not enough", "2.2"),
        (r"(connection|connect) (timed out|time.?out)|timed out|time.?out|retry time"
         r"|expired|too long in queue|delivery time|failing for a long time"
         r"|did not accept our requests? to connect|connection refused|failed \d+ attempts"
         r"|not reachable within|queue period|could not initiate smtp conversation"
         r"|connection dropped", "4.1"),
        (r"spam|black.?list|block.?list|\bblocked\b|\bpolicy\b|reputation|dmarc|\bspf\b|dkim"
         r"|unsolicited|\brbl\b|dnsbl|relay(ing)? (access )?(denied|not permitted)"
         r"|not authori[sz]ed", "7.1"),
        (r"too (large|big)|size (limit|exceed)|exceeds (the )?(maximum|size)|message size", "3.4"),
        (r"host (or domain name )?not found|domain (not found|does not exist|doesn't exist)"
         r"|no (mx|mail exchanger)|name or service not known|nxdomain|unrout(e)?able"
         r"|couldn't find any host|no such domain|unknown domain|domain unknown|host unknown"
         r"|unknown host|host [^\s]{1,255} not found|dns lookup fail|domain (is )?not reachable"
         r"|domain name not found"
         # Exim: the domain's MX names hosts that do not exist.
         r"|point to non-?existent hosts?|non-?existent (host|domain)"
         r"|domaine inconnu|domain existiert nicht", "1.2"),
        (r"disabled|deactivated|inactive|suspended|gesperrt|désactivé|deshabilitad|disattivat"
         r"|account (has been )?(closed|terminated)|not been collected", "2.1"),
        (r"user unknown|unknown user|no such (user|mailbox|recipient|address)"
         r"|does ?n[o']t exist|not exist|mailbox (unavailable|not found)|unknown (recipient|mailbox)"
         r"|recipient (rejected|unknown|not found|address rejected)|invalid (recipient|mailbox)"
         r"|address rejected|no mailbox|user not found|couldn't be found|could not be found"
         r"|not a valid|doesn't have an? .{0,40}account|no longer (valid|active|available)"
         r"|not listed in (the )?(domino )?directory|not listed in (the )?public name"
         r"|(recipient|user) name is not recognized|invalid (final delivery )?userid"
         r"|no valid recipients?|user not known|not have a final (e-?mail )?delivery point"
         r"|existiert nicht|unbekannt|nicht gefunden|inconnu|n'existe pas|introuvable"
         r"|no existe|desconocido|inexistente|non esiste|sconosciut|inesistente"
         r"|bestaat niet|onbekend|não existe|desconhecido", "1.1"),
        # "Mailbox unavailable" is RFC 5321's own text for a 550, and the servers that send it
        # bare mean the recipient: Outlook.com (5.5.0) and GMX/web.de for an address that does
        # not exist, QQ ("mailbox unavailable or access denied") for one that is shut, Microsoft
        # ("Recipient address rejected: Access denied", 5.4.1) for one its tenant does not
        # have. Blocks name their reason (spam, policy, a block list, relaying) and are read
        # above; so "access denied" is policy only when no mailbox is named.
        (r"access denied", "7.1"),
    ))
_TEMPORARY = Phrases(
    r"temporar|try again later|greylist|deferred|will (be )?retr|still (trying|retrying)"
    r"|vorübergehend|temporaire|temporal|temporane|tijdelijk", re.IGNORECASE)


def unwrapped(parsed: Parsed) -> Parsed:
    """``parsed`` read by the delivery report it carries attached, when mail software sent it.

    Some gateways and forwarding rules pass a bounce on wrapped in a message of their own: the
    report is then inside the first attached message, not at the top. It is read as the
    message's own when the wrapper is automatic (a daemon's address or name, a null return
    path, ``Auto-Submitted``, or a subject that names a failed delivery); a person forwarding a
    bounce wrote a message of their own and is read as one.
    """
    if parsed.delivery_status or not parsed.attached_delivery_status:
        return parsed
    auto_submitted = (parsed.headers.get("auto-submitted") or "no").strip().lower()
    subject = parsed.subject or ""
    if not (_from_daemon(parsed) or not auto_submitted.startswith("no")
            or (_BOUNCE_SUBJECT.search(subject) and not REPLY_PREFIX.match(subject))):
        return parsed
    return replace(parsed, delivery_status=parsed.attached_delivery_status,
                   original_headers=parsed.attached_original_headers,
                   report_type="delivery-status")


def bounce_of(parsed: Parsed) -> Bounce | None:
    """The bounce in ``parsed``, or None when it is not a non-delivery notice."""
    ses = ses_notification(parsed)
    if ses is not None:
        return _ses_bounce(ses) if ses.kind == "Bounce" else None
    if parsed.delivery_status or parsed.report_type == "delivery-status":
        if only_successes(parsed):
            return None
        standard = _standard_bounce(parsed)
        if standard is not None:
            return standard
    if not _looks_like_bounce(parsed):
        return None
    return _text_bounce(parsed)


# "deliverable" is Postfix's answer to an address check (sendmail -bv): nothing failed.
_SUCCESS_ACTIONS = frozenset({"delivered", "relayed", "expanded", "deliverable"})


def only_successes(parsed: Parsed) -> bool:
    """A delivery report that says every recipient got the message (a requested receipt)."""
    actions = {b.get("action", "").strip().lower() for b in parsed.delivery_status
               if "action" in b}
    return bool(actions) and actions <= _SUCCESS_ACTIONS


def _standard_bounce(parsed: Parsed) -> Bounce | None:
    recipients = [b for b in parsed.delivery_status
                  if "final-recipient" in b or "original-recipient" in b or "action" in b
                  or "status" in b]
    if not recipients:
        return None if not parsed.delivery_status else _text_bounce(parsed, standard=True)
    order = {"failed": 0, "delayed": 1}
    block = min(recipients, key=lambda b: order.get(b.get("action", "").strip().lower(), 2))
    action = (block.get("action") or "").strip().lower() or None
    if action in _SUCCESS_ACTIONS:
        # A success notice is no bounce; it reads as an automatic message.
        return None
    recipient = _recipient_field(block.get("original-recipient")) \
        or _recipient_field(block.get("final-recipient"))
    diagnostic = _strip_type(block.get("diagnostic-code")) or None
    explanation = _explanation(parsed.text)
    code = _smtp_code(diagnostic or "")
    given = enhanced_status(block.get("status") or "")
    status = _best_status(given, diagnostic, code, explanation, action)
    return Bounce(
        recipient=recipient or _text_recipient(parsed, explanation),
        status=status,
        category=_category(status, code, f"{diagnostic or ''} {explanation[:2000]}", diagnostic),
        action=action or ("delayed" if status and status[0] == "4" and
                          _DELAY.search(parsed.subject or "") else "failed"),
        diagnostic=(diagnostic or None) and diagnostic[:500],
        original_message_id=_original_message_id(parsed),
        standard=True,
    )


def _text_bounce(parsed: Parsed, standard: bool = False) -> Bounce:
    explanation = _explanation(parsed.text)
    diagnostic = _diagnostic_line(explanation)
    code = _smtp_code(explanation)
    # A warning that the remote side is still being tried makes a reply without a code of its
    # own temporary: MDaemon's "not yet been delivered ... mailbox is over quota" is 4.2.2.
    warned = bool(_DELAY.search(parsed.subject or "") or _DELAY_NOTICE.search(explanation))
    status = _best_status(None, diagnostic, code, explanation,
                          "delayed" if warned and (code is None or code // 100 == 4) else None)
    delayed = warned and (status is None or status[0] == "4")
    if status is None and delayed:
        status = "4.0.0"
    return Bounce(
        recipient=_text_recipient(parsed, explanation),
        status=status,
        category=_category(status, code, explanation[:4000], diagnostic),
        action="delayed" if delayed else "failed",
        diagnostic=diagnostic,
        original_message_id=_original_message_id(parsed),
        standard=standard,
    )


def _from_daemon(parsed: Parsed) -> bool:
    """Sent by mail software: a daemon's address or name, or the null return path of a notice."""
    local = (parsed.from_address or "").split("@", 1)[0]
    null_sender = "return-path" in parsed.headers \
        and parsed.headers["return-path"].strip() in ("<>", "")
    return (local in _DAEMON_LOCALS or local.startswith("microsoftexchange")
            or bool(_DAEMON_NAME.search(parsed.from_name or "")) or null_sender)


def _looks_like_bounce(parsed: Parsed) -> bool:
    subject = parsed.subject or ""
    head = parsed.text[:20_000]
    daemon = _from_daemon(parsed)
    if "x-failed-recipients" in parsed.headers:
        return True
    if parsed.headers.get("x-ms-exchange-message-is-ndr") is not None:
        return True
    subject_says = bool(_BOUNCE_SUBJECT.search(subject)) and not REPLY_PREFIX.match(subject)
    body_says = bool(_BOUNCE_BODY.search(head))
    return (daemon and (subject_says or body_says)) or (subject_says and body_says)


def _explanation(text: str) -> str:
    """The notice's own words: the text before the copy of the returned message."""
    match = _RETURNED_COPY.search(text, 0, 60_000)
    return text[: match.start()] if match and match.start() > 40 else text[:60_000]


def _diagnostic_line(text: str) -> str | None:
    for pattern in (_ENHANCED_45, _SMTP_REPLY):
        match = pattern.search(text)
        if match:
            start = text.rfind("\n", 0, match.start()) + 1
            end = text.find("\n", match.end())
            line = text[start: end if end >= 0 else None].strip()
            return line[:500] or None
    return None


def _strip_type(value: str | None) -> str:
    if not value:
        return ""
    value = value.strip()
    prefix, sep, rest = value.partition(";")
    if sep and re.fullmatch(r"[A-Za-z0-9-]{1,20}", prefix.strip()):
        return rest.strip()
    return value


def _recipient_field(value: str | None) -> str | None:
    address = _first_address(_strip_type(value)) if value else None
    if address and ("imceaex-" in value.lower() or "_o=" in address or "_cn=" in address):
        # An Exchange-internal (X.500) address: no mailbox anyone can write to.
        return None
    return address


def _text_recipient(parsed: Parsed, explanation: str) -> str | None:
    failed = parsed.headers.get("x-failed-recipients")
    if failed and (address := _first_address(failed)):
        return address
    for pattern in _RECIPIENT_PATTERNS:
        match = pattern.search(explanation)
        if match and (address := _first_address(match.group(1))):
            return address
    ours = set(parsed.to_addresses) | {parsed.from_address or ""}
    original = parsed.original_headers or {}
    if original.get("to") and (address := _first_address(original.get("to"))):
        return address
    for match in ADDRESS.finditer(explanation):
        address = _clean_address(match.group())
        local = address.split("@", 1)[0]
        # "... not accepting mail from <sender>": the sender, not the recipient.
        before = explanation[max(0, match.start() - 12):match.start()].rstrip(' <"').lower()
        if address not in ours and local not in _DAEMON_LOCALS and not before.endswith("mail from"):
            return address
    return None


def _smtp_code(text: str) -> int | None:
    match = _SMTP_REPLY.search(text[:20_000])
    return int(match.group(1)) if match else None


def _best_status(given: str | None, diagnostic: str | None, code: int | None,
                 explanation: str, action: str | None) -> str | None:
    in_diagnostic = _reply_enhanced(diagnostic or "")
    if given and given[0] in "45":
        # The remote server's own reply outranks the reporting MTA's summary of it: Sendmail
        # reports "550 5.7.1 IP address blacklisted" and "552 5.2.2 Over quota" as 5.1.1.
        if in_diagnostic and in_diagnostic[0] == given[0] and not in_diagnostic.endswith(".0.0"):
            return in_diagnostic
        if given.endswith(".0.0") and not diagnostic:
            # A generic status with no Diagnostic-Code: the notice quotes the reply instead.
            in_text = _reply_enhanced(explanation[:20_000])
            if in_text and in_text[0] == given[0] and not in_text.endswith(".0.0"):
                return in_text
        return given
    found = in_diagnostic or _first_enhanced(explanation)
    if found:
        return found
    # The server's own words first: the notice around them has boilerplate ("Giving up on ...").
    derived = _derived_status(diagnostic or "", code, action)
    if derived and not derived.endswith(".0.0"):
        return derived
    return _derived_status(f"{diagnostic or ''}\n{explanation[:8000]}", code, action)


# An enhanced status right after the SMTP reply code it belongs to ("550-'5.7.1", "550 5.2.2"):
# the remote server's words, where a relay wraps them in its own ("5.1.0 - Unknown address
# error 550-'5.7.1 ... Access denied'").
_REPLY_ENHANCED = re.compile(r"(?<!\d)([45])\d\d[ \t\-]['\"]?(\1\.\d{1,3}\.\d{1,3})(?!\.?\d)")


def _reply_enhanced(text: str) -> str | None:
    """The enhanced status of the SMTP reply quoted in ``text``, else its first one."""
    match = _REPLY_ENHANCED.search(text[:60_000])
    return enhanced_status(match.group(2)) if match else _first_enhanced(text)


def _first_enhanced(text: str) -> str | None:
    match = _ENHANCED_45.search(text[:60_000])
    return enhanced_status(match.group()) if match else None


def _derived_status(text: str, code: int | None, action: str | None) -> str | None:
    """The RFC 3463 code a reply without one means, from its SMTP code and wording."""
    klass = str(code // 100) if code and code // 100 in (4, 5) else None
    if klass is None:
        if action == "delayed" or _TEMPORARY.search(text):
            klass = "4"
        elif action == "failed" or re.search(r"permanent|fatal|failed|undeliverable", text, re.I):
            klass = "5"
    for pattern, detail in _DERIVED_STATUS:
        if pattern.search(text):
            if detail == "4.1":
                # Timeouts are the remote side's trouble: temporary, whatever the final verdict.
                return "4.4.7" if re.search(r"expired|too long", text, re.I) else "4.4.1"
            return f"{klass or '5'}.{detail}"
    if klass:
        return f"{klass}.0.0"
    return None


def _category(status: str | None, code: int | None, text: str,
              diagnostic: str | None = None) -> BounceCategory:
    """hard, soft or policy, by the same rules as a refusal at send time (``sending.bounces``).

    A status that names no reason (5.0.0, and 5.5.0, which Outlook.com gives for a mailbox that
    does not exist) is read together with the words around it: "User ... not listed in Domino
    Directory" under 5.0.0 is an unknown user, whatever the status says."""
    if code is not None and (code // 100 not in (4, 5)
                             or (status is not None and str(code)[0] != status[0])):
        # The report's Status field is authoritative over a reply code of another class.
        code = None
    if status is not None and status[0] in "45" and (
            status.endswith(".5.0") or re.fullmatch(r"\d\.[0-3]\.0", status)):
        # The server's own words first, as for the status: the notice around them is boilerplate.
        for words in (diagnostic, text):
            derived = _derived_status(words or "", code or int(status[0]) * 100, None)
            if derived is not None and not derived.endswith(".0.0"):
                status = derived
                break
    stage = _reply_stage(diagnostic or "") or _reply_stage(text) or "rcpt"
    klass = status[0] if status else str(code // 100) if code else None
    if stage == "connect" and klass == "5":
        # Refused at the greeting or HELO, before any recipient was named: our server was.
        return "policy"
    outcome = SendOutcome(delivered=False, stage=stage, code=code,
                          message=f"{status or ''} {text}"[:2000], maybe_delivered=False)
    category = classify_send_outcome(outcome).category
    if category in ("hard", "soft", "policy"):
        return category  # type: ignore[return-value]
    # A 421, or nothing readable: the remote side will be tried again, as for a soft failure.
    return "soft"


# The command an SMTP reply answered, as the notices say it: Postfix "(in reply to end of DATA
# command)" and "refused to talk to me", Exim "SMTP error from remote mail server after MAIL
# FROM:", 1&1 "for TEXT command", DragonFly "did not like our final DATA:", a Sendmail
# transcript's ">>> DATA" before "<<< 554". The commands are matched in capitals, as the
# programs write them, so prose ("a mailbox for mail") names no stage.
_STAGE_WORDS = re.compile(
    r"(?:\bin reply to|\bafter|\bdid not like our(?: final)?)[ \t]+(end of DATA|end of data|DATA"
    r"|MAIL FROM|RCPT TO|HELO|EHLO|LHLO|initial connection)\b"
    r"|\bfor (TEXT|DATA|RCPT|MAIL) command\b"
    r"|^>>>[ \t]*(DATA|MAIL|RCPT|HELO|EHLO)\b[^\n]*\n(?:[^\n]*\n){0,2}?<<<[ \t]*5\d\d"
    r"|\b(refused to talk to me)\b",
    re.MULTILINE)
_STAGES = {"end of data": "data", "data": "data", "text": "data", "mail from": "mail",
           "mail": "mail", "rcpt to": "rcpt", "rcpt": "rcpt"}


def _reply_stage(text: str) -> str | None:
    """The stage of the SMTP session a refusal came at (``SendOutcome.stage``), when the text
    says; the greeting and HELO are "connect"."""
    match = _STAGE_WORDS.search(text[:20_000])
    if match is None:
        return None
    words = next(group for group in match.groups() if group)
    return _STAGES.get(" ".join(words.lower().split()), "connect")


def _original_message_id(parsed: Parsed) -> str | None:
    original = parsed.original_headers or {}
    found = message_id_of(original.get("message-id"))
    if found:
        return found
    match = _DSN_MSGID.search(parsed.text[:200_000])
    if match:
        return message_id_of(match.group(1))
    return parsed.in_reply_to


__all__ = [
    "Bounce",
    "BounceCategory",
    "Complaint",
    "SesNotification",
    "bounce_of",
    "complaint_of",
    "only_successes",
    "ses_notification",
    "unwrapped",
]
