"""Prospects who answer: the mail that comes back to Jengu's sending inboxes, scripted.

``answer(original, kind)`` writes one inbound message answering a sent outreach email, the way it
arrives in real inboxes: human replies from the prospect in the style of the mail client they use
(Gmail, Outlook, Thunderbird, Apple Mail: each quotes the history and prefixes the subject its own
way, in the prospect's language), out-of-office notices, bounces from the prospect's mail server
(RFC 3464 reports as Postfix writes them, and the plain-text kind Exchange and qmail write),
feedback-loop complaints (RFC 5965 ARF) and mail too broken to read. Each comes with ``expected``:
what a correct reader concludes from it, for the tests to compare with.

``script_for(recipient, seed)`` decides, stably per address, whether and how a prospect answers,
with the mix cold outreach sees (most never do). ``Responder`` plugs that into the sandbox's SMTP
server: for every accepted outreach message it files the scripted answer, if any, in the sending
inbox's INBOX on the sandbox Dovecot, over LMTP as a mail server would.

Everything is derived from the seed, the original's Message-ID and the kind: the same inputs give
the same bytes, so an end-to-end test can say in advance what the reader has to find.
"""

from __future__ import annotations

import base64
import email.header
import email.message
import email.policy
import hashlib
import html
import random
import re
import smtplib
import threading
import unicodedata
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

KINDS = ("interested", "not_interested", "delegated", "needs_more_info", "meeting_request",
         "unsubscribe", "out_of_office", "departed", "bounce_hard", "bounce_soft", "complaint",
         "garbage")
HUMAN_KINDS = ("interested", "not_interested", "delegated", "needs_more_info", "meeting_request",
               "unsubscribe")
LANGUAGES = ("en", "de", "fr", "es", "it")
SILENT = "silent"

# Of the prospects who answer at all, in percent; the rest of a cold list never does.
ANSWER_RATE = 0.25
MIX: tuple[tuple[str, int], ...] = (
    ("interested", 22), ("meeting_request", 11), ("not_interested", 15), ("delegated", 10),
    ("needs_more_info", 10), ("unsubscribe", 5), ("out_of_office", 12), ("departed", 3),
    ("bounce_hard", 6),
    ("bounce_soft", 2), ("complaint", 1), ("garbage", 3),
)

# Headers we write ourselves are kept as written: the default policy would RFC 2047-encode a long
# Message-ID in References, which breaks threading for every reader.
_POLICY = email.policy.SMTP.clone(refold_source="none")
_PARSER = BytesParser(policy=email.policy.default)
_MSG_ID = re.compile(r"<[^<>\s]+>")
_REPLY_PREFIX = re.compile(r"^\s*(re|aw|sv|r|rif|antw|wg|fw|fwd|tr)\s?:", re.IGNORECASE)
_TLD_LANGUAGE = {"de": "de", "at": "de", "ch": "de", "li": "de", "fr": "fr", "lu": "fr",
                 "mc": "fr", "es": "es", "it": "it", "sm": "it"}


@dataclass(frozen=True)
class Scripted:
    kind: str
    raw: bytes
    """The message as delivered, CRLF line ends."""
    expected: dict[str, Any]
    """What a correct reader concludes. ``kind`` is one of ``human_reply`` (with ``intent``, one
    of ``HUMAN_KINDS``), ``auto_reply``, ``bounce`` (``status``, ``category`` hard or soft,
    ``recipient``), ``complaint`` (``feedback_type``, ``recipient``) or ``unknown`` (unreadable:
    route it to a person). ``prospect`` is the address answered for; ``in_reply_to`` is the
    original's Message-ID when the headers thread to it, else None; ``original_message_id`` is
    always the original's."""


# -- the message being answered -------------------------------------------------------------------

@dataclass(frozen=True)
class _Sent:
    raw: bytes
    message_id: str
    references: tuple[str, ...]
    subject: str
    from_addr: str
    from_name: str
    to_addr: str
    to_name: str
    date: datetime | None
    text: str

    @property
    def header_block(self) -> bytes:
        head, _, _ = self.raw.partition(b"\r\n\r\n")
        return head + b"\r\n"


def _crlf(raw: bytes) -> bytes:
    return re.sub(rb"\r?\n", b"\r\n", raw)


def _parse_sent(original: bytes | email.message.Message) -> _Sent:
    if isinstance(original, email.message.Message):
        raw = original.as_bytes(policy=original.policy.clone(linesep="\r\n"))
    else:
        raw = bytes(original)
    raw = _crlf(raw)
    msg = _PARSER.parsebytes(raw)
    message_id = "".join(str(msg.get("Message-ID", "")).split())
    references = tuple(_MSG_ID.findall(str(msg.get("References", ""))))
    sender = _first_address(msg, "From")
    recipient = _first_address(msg, "To")
    try:
        date_header = msg["Date"]
        sent_at = date_header.datetime if date_header is not None else None
    except (TypeError, ValueError, AttributeError):
        sent_at = None
    body = msg.get_body(preferencelist=("plain", "html"))
    text = ""
    if body is not None:
        try:
            text = body.get_content()
        except (LookupError, ValueError):
            text = ""
        if body.get_content_subtype() == "html":
            text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return _Sent(
        raw=raw, message_id=message_id, references=references,
        subject=" ".join(str(msg.get("Subject", "")).split()),
        from_addr=sender.addr_spec if sender else "",
        from_name=sender.display_name if sender else "",
        to_addr=recipient.addr_spec if recipient else "",
        to_name=recipient.display_name if recipient else "",
        date=sent_at, text=text.replace("\r\n", "\n").strip("\n"),
    )


def _first_address(msg: email.message.Message, name: str) -> Address | None:
    header = msg.get(name)
    addresses = getattr(header, "addresses", ()) if header is not None else ()
    return addresses[0] if addresses else None


# -- people and places ----------------------------------------------------------------------------

_ZONES = {"en": "Europe/London", "de": "Europe/Berlin", "fr": "Europe/Paris",
          "es": "Europe/Madrid", "it": "Europe/Rome"}
_WINTER_OFFSETS = {"en": 0, "de": 1, "fr": 1, "es": 1, "it": 1}

_FIRST = {
    "en": (("James", "m"), ("Sarah", "f"), ("Oliver", "m"), ("Emma", "f"), ("Daniel", "m"),
           ("Charlotte", "f"), ("Thomas", "m"), ("Hannah", "f")),
    "de": (("Thomas", "m"), ("Katharina", "f"), ("Stefan", "m"), ("Julia", "f"), ("Markus", "m"),
           ("Sabine", "f"), ("Jürgen", "m"), ("Anja", "f")),
    "fr": (("Nicolas", "m"), ("Camille", "f"), ("Julien", "m"), ("Émilie", "f"), ("Mathieu", "m"),
           ("Céline", "f"), ("François", "m"), ("Hélène", "f")),
    "es": (("Javier", "m"), ("Lucía", "f"), ("Alejandro", "m"), ("Carmen", "f"), ("Pablo", "m"),
           ("Marta", "f"), ("Andrés", "m"), ("Inés", "f")),
    "it": (("Marco", "m"), ("Giulia", "f"), ("Luca", "m"), ("Francesca", "f"), ("Matteo", "m"),
           ("Chiara", "f"), ("Niccolò", "m"), ("Elena", "f")),
}
_LAST = {
    "en": ("Walker", "Bennett", "Hughes", "Foster", "Carter", "Morgan", "Price", "Ellis"),
    "de": ("Huber", "Weber", "Gruber", "Wagner", "Steiner", "Hofmann", "Müller", "Krämer"),
    "fr": ("Lefèvre", "Moreau", "Girard", "Fournier", "Rousseau", "Lambert", "Chevalier", "Roux"),
    "es": ("García", "Martínez", "López", "Fernández", "Ruiz", "Navarro", "Jiménez", "Muñoz"),
    "it": ("Rossi", "Bianchi", "Ferrari", "Romano", "Colombo", "Ricci", "Galli", "Fabbri"),
}
# (for a man, for a woman); the first is whoever writes back, the others whom they delegate to.
_TITLES = {
    "en": (("General Manager", "General Manager"), ("Front Office Manager", "Front Office Manager"),
           ("HR Manager", "HR Manager"), ("Director of Sales", "Director of Sales")),
    "de": (("Direktor", "Direktorin"), ("Leiter Rezeption", "Leiterin Rezeption"),
           ("Personalleiter", "Personalleiterin"), ("Verkaufsleiter", "Verkaufsleiterin")),
    "fr": (("Directeur général", "Directrice générale"),
           ("Chef de réception", "Cheffe de réception"), ("Responsable RH", "Responsable RH"),
           ("Directeur commercial", "Directrice commerciale")),
    "es": (("Director general", "Directora general"), ("Jefe de recepción", "Jefa de recepción"),
           ("Responsable de RR. HH.", "Responsable de RR. HH."),
           ("Director comercial", "Directora comercial")),
    "it": (("Direttore", "Direttrice"), ("Capo ricevimento", "Capo ricevimento"),
           ("Responsabile risorse umane", "Responsabile risorse umane"),
           ("Direttore commerciale", "Direttrice commerciale")),
}
_HOTEL_WORD = {"en": "Hotel", "de": "Hotel", "fr": "Hôtel", "es": "Hotel", "it": "Hotel"}
_PHONE_LABEL = {"en": "T:", "de": "Tel.", "fr": "Tél. :", "es": "Tel.:", "it": "Tel."}


@dataclass(frozen=True)
class _Person:
    first: str
    last: str
    gender: str
    title: str
    email: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}".strip()


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    return re.sub(r"[^a-z]", "", "".join(c for c in folded if not unicodedata.combining(c)).lower())


def _domain(address: str) -> str:
    return address.rpartition("@")[2].lower() or "hotel.example"


def _hotel_name(domain: str, language: str) -> str:
    label = domain.split(".")[0]
    words = [w.capitalize() for w in re.split(r"[-_]+", label) if w]
    name = " ".join(words) or "Hotel"
    if not any(w in label for w in ("hotel", "hostel", "inn", "resort", "albergo", "pension")):
        name = f"{_HOTEL_WORD[language]} {name}"
    return name


def _phone(rng: random.Random, language: str) -> str:
    digits = lambda n: "".join(str(rng.randint(0, 9)) for _ in range(n))  # noqa: E731
    return {
        "en": f"+44 20 7946 {digits(4)}",
        "de": f"+49 89 {rng.randint(2, 9)}{digits(3)} {digits(3)}",
        "fr": f"+33 1 {digits(2)} {digits(2)} {digits(2)} {digits(2)}",
        "es": f"+34 91 {digits(3)} {digits(2)} {digits(2)}",
        "it": f"+39 06 {digits(4)} {digits(4)}",
    }[language]


def _prospect(rng: random.Random, sent: _Sent, recipient: str, language: str) -> _Person:
    first, gender = rng.choice(_FIRST[language])
    last = rng.choice(_LAST[language])
    name = sent.to_name if recipient.lower() == sent.to_addr.lower() else ""
    if name:
        # The address was found with a name: that person answers.
        first, _, last = name.partition(" ")
    title = _TITLES[language][0][gender == "f"]
    return _Person(first, last, gender, title, recipient)


def _colleague(rng: random.Random, prospect: _Person, language: str,
               role: int | None = None) -> _Person:
    """Someone else at the hotel; ``role`` indexes ``_TITLES`` (any but the manager's when None)."""
    first, gender = rng.choice([f for f in _FIRST[language] if f[0] != prospect.first])
    last = rng.choice([name for name in _LAST[language] if name != prospect.last])
    title = (_TITLES[language][role] if role is not None
             else rng.choice(_TITLES[language][1:]))[gender == "f"]
    local = rng.choice((f"{_ascii(first)}.{_ascii(last)}", f"{_ascii(first)[0]}.{_ascii(last)}",
                        _ascii(first)))
    return _Person(first, last, gender, title, f"{local}@{_domain(prospect.email)}")


# -- dates in words -------------------------------------------------------------------------------

_WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "it": ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"),
}
# As Gmail abbreviates them in its "On ... wrote:" line.
_WEEKDAYS_SHORT = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "de": ("Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."),
    "fr": ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."),
    "es": ("lun", "mar", "mié", "jue", "vie", "sáb", "dom"),
    "it": ("lun", "mar", "mer", "gio", "ven", "sab", "dom"),
}
_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
           "Oktober", "November", "Dezember"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
           "octubre", "noviembre", "diciembre"),
    "it": ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
           "settembre", "ottobre", "novembre", "dicembre"),
}
_MONTHS_SHORT = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec"),
    "de": ("Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.",
           "Dez."),
    "fr": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
           "nov.", "déc."),
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"),
    "it": ("gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"),
}


def _long_date(day: date, language: str, *, weekday: bool = False) -> str:
    name = _WEEKDAYS[language][day.weekday()]
    month = _MONTHS[language][day.month - 1]
    text = {
        "en": f"{day.day} {month} {day.year}",
        "de": f"{day.day}. {month} {day.year}",
        "fr": f"{'1er' if day.day == 1 else day.day} {month} {day.year}",
        "es": f"{day.day} de {month} de {day.year}",
        "it": f"{day.day} {month} {day.year}",
    }[language]
    if not weekday:
        return text
    return f"{name} {text}" if language in ("fr", "it") else f"{name}, {text}"


def _numeric_date(day: date, language: str) -> str:
    if language == "de":
        return f"{day.day:02d}.{day.month:02d}.{day.year}"
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def _meeting_words(at: datetime, language: str) -> str:
    name = _WEEKDAYS[language][at.weekday()]
    month = _MONTHS[language][at.month - 1]
    if language == "en":
        hour = at.hour % 12 or 12
        clock = f"{hour}{':%02d' % at.minute if at.minute else ''} {'am' if at.hour < 12 else 'pm'}"
        return f"{name} {at.day} {month} at {clock}"
    if language == "de":
        return f"{name}, {at.day}. {month}, um {at:%H:%M} Uhr"
    if language == "fr":
        clock = f"{at.hour} h {at.minute:02d}" if at.minute else f"{at.hour} h"
        return f"{name} {at.day} {month} à {clock}"
    if language == "es":
        return f"{name} {at.day} de {month} a las {at:%H:%M}"
    return f"{name} {at.day} {month} alle {at:%H:%M}"


def _zone(language: str) -> timezone | ZoneInfo:
    try:
        return ZoneInfo(_ZONES[language])
    except ZoneInfoNotFoundError:
        # Without the tz database the winter offset is close enough for a sandbox.
        return timezone(timedelta(hours=_WINTER_OFFSETS[language]))


# -- what prospects write -------------------------------------------------------------------------

_GREETINGS = {
    "en": ("Hi {first},", "Dear {first},", "Hello {first},"),
    "de": ("Hallo {first},", "Guten Tag {name},", "Hallo {name},"),
    "fr": ("Bonjour {first},", "Bonjour {name},", "Bonjour {first},"),
    "es": ("Hola, {first}:", "Buenos días, {first}:", "Estimado/a {name}:"),
    "it": ("Buongiorno {first},", "Gentile {name},", "Ciao {first},"),
}
_GREETINGS_NO_NAME = {"en": "Hello,", "de": "Guten Tag,", "fr": "Bonjour,", "es": "Buenos días:",
                      "it": "Buongiorno,"}
_CLOSINGS = {
    "en": ("Best regards,", "Kind regards,", "Thanks,"),
    "de": ("Viele Grüße", "Mit freundlichen Grüßen", "Beste Grüße"),
    "fr": ("Cordialement,", "Bien cordialement,", "Belle journée,"),
    "es": ("Un saludo,", "Saludos cordiales,", "Atentamente,"),
    "it": ("Cordiali saluti,", "Un saluto,", "Grazie e buona giornata,"),
}
# Placeholders: {dname} {dfirst} {dtitle} {demail} of a colleague, {meeting}, {phone}.
_BODIES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "interested": (
            "Thanks for getting in touch. This sounds interesting - we have been short of staff "
            "at the front desk since the summer. Please send me your proposal.",
            "Good timing, we were just talking about this. Yes, we are interested. What would "
            "the next steps be?"),
        "not_interested": (
            "Thank you for your email, but we are not interested at the moment. We already work "
            "with a local agency and are happy with them.",
            "No thanks, the position has been filled."),
        "delegated": (
            "Thanks for your message. I'm not the right person for this - please get in touch "
            "with {dname}, our {dtitle}, at {demail}. I have copied {dfirst} in.",
            "Recruiting is handled by {dname} ({dtitle}). Please write to {dfirst} directly at "
            "{demail}."),
        "needs_more_info": (
            "Before we go any further: how does this work exactly, and what does it cost per "
            "month? Do you have references from hotels in our area?",
            "Could you send me some more information? I would mainly like to know about prices "
            "and the minimum contract length."),
        "meeting_request": (
            "Sounds good. Would you have time for a short call on {meeting}? Otherwise let me "
            "know what suits you.",
            "Happy to talk. How about {meeting}? You can reach me on {phone}."),
        "unsubscribe": (
            "Please remove us from your mailing list. We do not wish to receive any further "
            "emails.",
            "Unsubscribe. Please stop emailing this address."),
    },
    "de": {
        "interested": (
            "vielen Dank für Ihre Nachricht. Das klingt interessant – wir suchen tatsächlich seit "
            "dem Sommer Verstärkung an der Rezeption. Schicken Sie mir gerne ein Angebot.",
            "das kommt zur richtigen Zeit, wir haben gerade darüber gesprochen. Ja, wir sind "
            "interessiert. Wie wären die nächsten Schritte?"),
        "not_interested": (
            "danke für Ihre Anfrage, aber wir haben derzeit keinen Bedarf. Wir arbeiten bereits "
            "mit einer Agentur aus der Region zusammen.",
            "kein Interesse, danke. Die Stelle ist bereits besetzt."),
        "delegated": (
            "danke für Ihre E-Mail. Dafür bin ich nicht die richtige Ansprechperson – bitte "
            "wenden Sie sich an {dname} ({dtitle}) unter {demail}. Ich habe {dfirst} in Kopie "
            "gesetzt.",
            "um Personalthemen kümmert sich bei uns {dname}, {dtitle}. Bitte schreiben Sie "
            "direkt an {demail}."),
        "needs_more_info": (
            "bevor wir weitermachen: Wie funktioniert das genau, und was kostet es im Monat? "
            "Haben Sie Referenzen von Hotels in unserer Region?",
            "können Sie mir bitte weitere Informationen schicken? Vor allem Preise und "
            "Mindestlaufzeit würden mich interessieren."),
        "meeting_request": (
            "klingt gut. Hätten Sie am {meeting} Zeit für ein kurzes Telefonat? Sonst schlagen "
            "Sie gerne einen anderen Termin vor.",
            "gerne können wir sprechen. Passt Ihnen {meeting}? Sie erreichen mich unter {phone}."),
        "unsubscribe": (
            "bitte nehmen Sie uns aus Ihrem Verteiler. Wir möchten keine weiteren E-Mails "
            "erhalten.",
            "bitte senden Sie keine weiteren Nachrichten an diese Adresse. Abmelden."),
    },
    "fr": {
        "interested": (
            "Merci pour votre message. Cela nous intéresse : nous cherchons justement du renfort "
            "à la réception depuis l'été. N'hésitez pas à m'envoyer une proposition.",
            "Vous tombez bien, nous en parlions justement. Oui, nous sommes intéressés. Quelles "
            "seraient les prochaines étapes ?"),
        "not_interested": (
            "Merci pour votre e-mail, mais nous ne sommes pas intéressés pour le moment. Nous "
            "travaillons déjà avec une agence locale.",
            "Non merci, le poste est déjà pourvu."),
        "delegated": (
            "Merci pour votre message. Je ne suis pas la bonne personne pour ce sujet : merci "
            "de contacter {dname}, {dtitle}, à l'adresse {demail}. Je mets {dfirst} en copie.",
            "Le recrutement est géré par {dname} ({dtitle}). Merci d'écrire directement à "
            "{demail}."),
        "needs_more_info": (
            "Avant d'aller plus loin : comment cela fonctionne-t-il exactement, et quel en est le "
            "coût mensuel ? Avez-vous des références d'hôtels dans notre région ?",
            "Pourriez-vous m'envoyer plus d'informations ? Je voudrais surtout connaître les "
            "tarifs et la durée minimale d'engagement."),
        "meeting_request": (
            "Cela me paraît intéressant. Seriez-vous disponible {meeting} pour un court appel ? "
            "Sinon, proposez-moi un autre créneau.",
            "Volontiers, parlons-en. Que diriez-vous de {meeting} ? Vous pouvez me joindre au "
            "{phone}."),
        "unsubscribe": (
            "Merci de nous retirer de votre liste de diffusion. Nous ne souhaitons plus recevoir "
            "vos e-mails.",
            "Désinscription. Merci de ne plus écrire à cette adresse."),
    },
    "es": {
        "interested": (
            "Gracias por su mensaje. Nos interesa: desde el verano buscamos personal para la "
            "recepción. Envíeme una propuesta, por favor.",
            "Llega en buen momento, justo lo estábamos hablando. Sí, estamos interesados. "
            "¿Cuáles serían los siguientes pasos?"),
        "not_interested": (
            "Gracias por su correo, pero de momento no estamos interesados. Ya trabajamos con "
            "una agencia de la zona.",
            "No, gracias. El puesto ya está cubierto."),
        "delegated": (
            "Gracias por su mensaje. No soy la persona adecuada para este tema: por favor, "
            "contacte con {dname}, {dtitle}, en {demail}. Pongo a {dfirst} en copia.",
            "De la selección de personal se encarga {dname} ({dtitle}). Escriba directamente a "
            "{demail}."),
        "needs_more_info": (
            "Antes de seguir: ¿cómo funciona exactamente y cuánto cuesta al mes? ¿Tienen "
            "referencias de hoteles de nuestra zona?",
            "¿Podría enviarme más información? Sobre todo me interesan los precios y la duración "
            "mínima del contrato."),
        "meeting_request": (
            "Me parece bien. ¿Tendría tiempo para una llamada breve el {meeting}? Si no, "
            "propóngame otro momento.",
            "Con gusto lo hablamos. ¿Le viene bien el {meeting}? Puede llamarme al {phone}."),
        "unsubscribe": (
            "Por favor, elimínennos de su lista de distribución. No deseamos recibir más "
            "correos.",
            "Baja. Por favor, no escriban más a esta dirección."),
    },
    "it": {
        "interested": (
            "Grazie per il messaggio. Ci interessa: dall'estate cerchiamo personale per il "
            "ricevimento. Mi mandi pure una proposta.",
            "Arriva al momento giusto, ne stavamo proprio parlando. Sì, siamo interessati. Quali "
            "sarebbero i prossimi passi?"),
        "not_interested": (
            "Grazie per la sua e-mail, ma al momento non siamo interessati. Collaboriamo già con "
            "un'agenzia della zona.",
            "No, grazie. La posizione è già stata coperta."),
        "delegated": (
            "Grazie per il messaggio. Non sono la persona giusta: la prego di contattare "
            "{dname}, {dtitle}, all'indirizzo {demail}. Metto {dfirst} in copia.",
            "Della selezione del personale si occupa {dname} ({dtitle}). Scriva direttamente a "
            "{demail}."),
        "needs_more_info": (
            "Prima di procedere: come funziona esattamente e quanto costa al mese? Avete "
            "referenze di hotel nella nostra zona?",
            "Potrebbe inviarmi maggiori informazioni? Mi interessano soprattutto i prezzi e la "
            "durata minima del contratto."),
        "meeting_request": (
            "Mi sembra interessante. Avrebbe tempo per una breve telefonata {meeting}? "
            "Altrimenti mi proponga un altro orario.",
            "Volentieri, parliamone. Le andrebbe bene {meeting}? Può chiamarmi al {phone}."),
        "unsubscribe": (
            "Vi prego di rimuoverci dalla vostra lista di distribuzione. Non desideriamo ricevere "
            "altre e-mail.",
            "Cancellazione. Per favore non scrivete più a questo indirizzo."),
    },
}
# The "copied in" wording of the first delegation text goes with a Cc; the second names whoever
# does the hiring.
_DELEGATION_WITH_CC = 0
_HR_ROLE = 2


# -- mail clients ---------------------------------------------------------------------------------

_CLIENTS = ("gmail", "outlook", "thunderbird", "apple")
# Outlook localises its reply prefix; the others write "Re:" and do not stack it.
_OUTLOOK_PREFIX = {"en": "RE: ", "de": "AW: ", "fr": "RE : ", "es": "RE: ", "it": "R: "}
_OUTLOOK_LABELS = {
    "en": ("From", "Sent", "To", "Subject"),
    "de": ("Von", "Gesendet", "An", "Betreff"),
    "fr": ("De", "Envoyé", "À", "Objet"),
    "es": ("De", "Enviado el", "Para", "Asunto"),
    "it": ("Da", "Inviato", "A", "Oggetto"),
}
_CONTENT_LANGUAGE = {"en": "en-GB", "de": "de-DE", "fr": "fr-FR", "es": "es-ES", "it": "it-IT"}


def _attribution(client: str, language: str, at: datetime, name: str, address: str) -> str:
    wd, wds = _WEEKDAYS[language][at.weekday()], _WEEKDAYS_SHORT[language][at.weekday()]
    mon, mons = _MONTHS[language][at.month - 1], _MONTHS_SHORT[language][at.month - 1]
    hm, d, y = f"{at:%H:%M}", at.day, at.year
    if client == "gmail":
        return {
            "en": f"On {wds}, {d} {mons} {y} at {hm}, {name} <{address}> wrote:",
            "de": f"Am {wds}, {d}. {mon} {y} um {hm} Uhr schrieb {name} <{address}>:",
            "fr": f"Le {wds} {d} {mons} {y} à {hm}, {name} <{address}> a écrit :",
            "es": f"El {wds}, {d} {mons} {y} a las {at.hour}:{at.minute:02d}, {name} (<{address}>) "
                  "escribió:",
            "it": f"Il giorno {wds} {d} {mons} {y} alle ore {hm} {name} <{address}> ha scritto:",
        }[language]
    if client == "thunderbird":
        return {
            "en": f"On {at:%d/%m/%Y} {hm}, {name} wrote:",
            "de": f"Am {at:%d.%m.%y} um {hm} schrieb {name}:",
            "fr": f"Le {at:%d/%m/%Y} à {hm}, {name} a écrit :",
            "es": f"El {at:%d/%m/%y} a las {hm}, {name} escribió:",
            "it": f"Il {at:%d/%m/%y} {hm}, {name} ha scritto:",
        }[language]
    if client == "apple":
        return {
            "en": f"On {d} {mon} {y}, at {hm}, {name} <{address}> wrote:",
            "de": f"Am {at:%d.%m.%Y} um {hm} schrieb {name} <{address}>:",
            "fr": f"Le {d} {mon} {y} à {hm}, {name} <{address}> a écrit :",
            "es": f"El {d} {mons} {y}, a las {hm}, {name} <{address}> escribió:",
            "it": f"Il giorno {d} {mons} {y}, alle ore {hm}, {name} <{address}> ha scritto:",
        }[language]
    # Outlook's "Sent" line
    return {
        "en": f"{wd}, {d} {mon} {y} {hm}",
        "de": f"{wd}, {d}. {mon} {y} {hm}",
        "fr": f"{wd} {d} {mon} {y} {hm}",
        "es": f"{wd}, {d} de {mon} de {y} {hm}",
        "it": f"{wd} {d} {mon} {y} {hm}",
    }[language]


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))


def _reply_subject(subject: str, client: str, language: str) -> str:
    if client == "outlook":
        return _OUTLOOK_PREFIX[language] + subject
    return subject if _REPLY_PREFIX.match(subject) else f"Re: {subject}"


def _message_id(rng: random.Random, client: str, domain: str) -> str:
    if client == "gmail":
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+_-="
        return f"<CA{''.join(rng.choice(alphabet) for _ in range(44))}@{domain}>"
    if client == "outlook":
        return f"<{_token(rng, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 36)}@{domain}>"
    value = uuid.UUID(int=rng.getrandbits(128), version=4)
    return f"<{str(value).upper() if client == 'apple' else value}@{domain}>"


def _token(rng: random.Random, alphabet: str, length: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


def _references(sent: _Sent) -> str:
    ids = [i for i in sent.references if i != sent.message_id] + [sent.message_id]
    # Folded between ids only, as _POLICY keeps it.
    return "\r\n ".join(ids)


def _text_part(text: str, charset: str, cte: str, subtype: str = "plain") -> MIMEPart:
    part = MIMEPart(policy=_POLICY)
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        charset = "utf-8"
    part.set_content(text, subtype=subtype, charset=charset, cte=cte)
    return part


def _html(paragraphs: list[str]) -> str:
    return "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)


@dataclass
class _Context:
    sent: _Sent
    kind: str
    language: str
    rng: random.Random
    at: datetime
    """When the answer is written, in the prospect's zone."""
    recipient: str
    prospect: _Person

    @property
    def domain(self) -> str:
        return _domain(self.recipient)

    @property
    def sent_local(self) -> datetime:
        return (self.sent.date or self.at).astimezone(self.at.tzinfo)

    def base_expected(self, kind: str, threaded: bool) -> dict[str, Any]:
        return {"kind": kind, "language": self.language, "prospect": self.recipient,
                "original_message_id": self.sent.message_id or None,
                "in_reply_to": (self.sent.message_id or None) if threaded else None}


def _sender_first(sent: _Sent) -> str:
    return sent.from_name.split()[0] if sent.from_name.split() else ""


def _signature(ctx: _Context, phone: str) -> list[str]:
    person = ctx.prospect
    return [person.name, person.title, _hotel_name(ctx.domain, ctx.language),
            f"{_PHONE_LABEL[ctx.language]} {phone}", f"www.{ctx.domain}"]


def _human_reply(ctx: _Context) -> Scripted:
    rng, language, sent = ctx.rng, ctx.language, ctx.sent
    client = rng.choice(_CLIENTS)
    phone = _phone(rng, language)
    expected = ctx.base_expected("human_reply", threaded=True)
    expected.update(intent=ctx.kind, client=client)
    fill: dict[str, str] = {"phone": phone}
    cc: _Person | None = None
    variant = rng.randrange(2)
    if ctx.kind == "delegated":
        colleague = _colleague(rng, ctx.prospect, language,
                               None if variant == _DELEGATION_WITH_CC else _HR_ROLE)
        fill.update(dname=colleague.name, dfirst=colleague.first, dtitle=colleague.title,
                    demail=colleague.email)
        expected.update(delegate_email=colleague.email, delegate_name=colleague.name)
        if variant == _DELEGATION_WITH_CC:
            cc = colleague
    if ctx.kind == "meeting_request":
        day = ctx.at.date() + timedelta(days=rng.randint(2, 8))
        while day.weekday() >= 5:
            day += timedelta(days=1)
        slot = datetime.combine(day, rng.choice((time(10), time(11, 30), time(14), time(15, 30))),
                                tzinfo=ctx.at.tzinfo)
        fill["meeting"] = _meeting_words(slot, language)
        expected["proposed_time"] = slot.isoformat(timespec="minutes")
    body = _BODIES[language][ctx.kind][variant].format(**fill)
    first = _sender_first(sent)
    greeting = (rng.choice(_GREETINGS[language]).format(first=first, name=sent.from_name)
                if first else _GREETINGS_NO_NAME[language])
    closing = rng.choice(_CLOSINGS[language])
    signature = _signature(ctx, phone)
    answer_lines = [greeting, "", body, "", closing]

    sender_name = sent.from_name or sent.from_addr
    if client == "outlook":
        # French puts a space before the colon.
        labels = [f"{label}{' :' if language == 'fr' else ':'}"
                  for label in _OUTLOOK_LABELS[language]]
        separator = ("-----Ursprüngliche Nachricht-----" if language == "de" and rng.random() < 0.4
                     else "_" * 32)
        history = [separator,
                   f"{labels[0]} {sender_name} <{sent.from_addr}>",
                   f"{labels[1]} {_attribution('outlook', language, ctx.sent_local, '', '')}",
                   f"{labels[2]} {sent.to_addr}",
                   f"{labels[3]} {sent.subject}", "", sent.text]
        plain = "\n".join(answer_lines + signature + ["", *history])
    else:
        line = _attribution(client, language, ctx.sent_local, sender_name, sent.from_addr)
        if client == "thunderbird":
            # Bottom-posting: the history first, the answer under it, the signature after "-- ".
            plain = "\n".join([line, _quoted(sent.text), "", *answer_lines, "", "-- ",
                               *signature])
        elif client == "apple":
            plain = "\n".join([*answer_lines, *signature, "", _quoted(line), ">",
                               _quoted(sent.text)])
        else:
            plain = "\n".join([*answer_lines, *signature, "", line, "", _quoted(sent.text)])
    plain += "\n"

    msg = EmailMessage(policy=_POLICY)
    msg["From"] = Address(f"{ctx.prospect.name} | {_hotel_name(ctx.domain, language)}"
                          if client == "outlook" else ctx.prospect.name, addr_spec=ctx.recipient)
    msg["To"] = Address(sent.from_name, addr_spec=sent.from_addr) if sent.from_addr else ""
    if cc is not None:
        msg["Cc"] = Address(cc.name, addr_spec=cc.email)
    msg["Subject"] = _reply_subject(sent.subject, client, language)
    msg.set_raw("Date", format_datetime(ctx.at))
    msg.set_raw("Message-ID", _message_id(rng, client, ctx.domain))
    if sent.message_id:
        msg.set_raw("In-Reply-To", sent.message_id)
        msg.set_raw("References", _references(sent))
    if client == "outlook":
        msg["Thread-Topic"] = sent.subject
        msg.set_raw("Thread-Index", base64.b64encode(rng.randbytes(22)).decode())
        msg.set_raw("Accept-Language", f"{_CONTENT_LANGUAGE[language]}, en-US")
        msg.set_raw("Content-Language", _CONTENT_LANGUAGE[language])
        msg.set_raw("X-MS-Has-Attach", "")
    elif client == "thunderbird":
        msg.set_raw("User-Agent", "Mozilla Thunderbird")
        msg.set_raw("Content-Language", _CONTENT_LANGUAGE[language])
    elif client == "apple":
        msg.set_raw("X-Mailer", rng.choice(("iPhone Mail (22D82)",
                                            "Apple Mail (2.3826.400.131.1.6)")))
    msg.set_raw("MIME-Version", "1.0")

    paragraphs = [greeting, body, closing + "\n" + "\n".join(signature)]
    if client == "gmail":
        quote = (f'<div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
                 f"{html.escape(line)}<br></div><blockquote class=\"gmail_quote\" "
                 f'style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);'
                 f'padding-left:1ex">{_html(sent.text.split(chr(10) * 2))}</blockquote></div>')
        html_text = f'<div dir="ltr">{_html(paragraphs)}</div><br>{quote}\n'
        _alternative(msg, _text_part(plain, "utf-8", _qp_or_7bit(plain)),
                     _text_part(html_text, "utf-8", _qp_or_7bit(html_text), "html"),
                     f"000000000000{_token(rng, '0123456789abcdef', 16)}")
    elif client == "outlook":
        charset = "us-ascii" if plain.isascii() else "windows-1252"
        html_text = (f"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; "
                     f"charset={charset}\"></head><body>{_html(paragraphs)}<hr>"
                     f"{_html(history[1:5])}{_html(sent.text.split(chr(10) * 2))}</body></html>\n")
        _alternative(msg, _text_part(plain, charset, "quoted-printable"),
                     _text_part(html_text, charset, rng.choice(("quoted-printable", "base64")),
                                "html"),
                     f"_000_{_token(rng, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 40)}_")
    elif client == "thunderbird":
        msg.set_content(plain, charset="utf-8", cte="8bit" if not plain.isascii() else "7bit")
        msg.set_param("format", "flowed")
    else:
        msg.set_content(plain, charset="utf-8", cte=rng.choice(("quoted-printable", "base64")))
    return Scripted(ctx.kind, _serialise(msg), expected)


def _qp_or_7bit(text: str) -> str:
    return "7bit" if text.isascii() and all(len(x) < 78 for x in text.split("\n")) else \
        "quoted-printable"


def _alternative(msg: EmailMessage, plain: MIMEPart, rich: MIMEPart, boundary: str) -> None:
    # Built by hand: add_alternative() puts a MIME-Version header into the parts, which no mail
    # client does, and draws the boundary from the global random generator.
    msg.set_raw("Content-Type", f'multipart/alternative; boundary="{boundary}"')
    msg.attach(plain)
    msg.attach(rich)


def _serialise(msg: EmailMessage) -> bytes:
    return _crlf(msg.as_bytes(policy=_POLICY))


# -- out of office --------------------------------------------------------------------------------

_OOO_SUBJECT_AUTO = {"en": "Automatic reply: ", "de": "Automatische Antwort: ",
                     "fr": "Réponse automatique : ", "es": "Respuesta automática: ",
                     "it": "Risposta automatica: "}
_OOO_SUBJECT_PLAIN = {"en": "Out of office", "de": "Abwesenheitsnotiz", "fr": "Absence du bureau",
                      "es": "Fuera de la oficina", "it": "Fuori sede"}
_OOO_TEXT = {
    "en": ("Thank you for your email. I am out of the office until {last} with limited access to "
           "email and will be back on {back}.", "For urgent matters please contact {alt}."),
    "de": ("Vielen Dank für Ihre Nachricht. Ich bin bis einschließlich {last} nicht im Haus und "
           "ab dem {back} wieder erreichbar.", "In dringenden Fällen wenden Sie sich bitte an "
           "{alt}."),
    "fr": ("Merci pour votre message. Je suis {absent} jusqu'au {last} inclus et serai de retour "
           "le {back}.", "Pour toute urgence, merci de contacter {alt}."),
    "es": ("Gracias por su mensaje. Estoy fuera de la oficina hasta el {last} y estaré de vuelta "
           "el {back}.", "Para asuntos urgentes, contacte con {alt}."),
    "it": ("Grazie per il messaggio. Sono fuori sede fino {al}{last} compreso e rientrerò "
           "{il}{back}.", "Per urgenze può scrivere a {alt}."),
}


def _out_of_office(ctx: _Context) -> Scripted:
    rng, language, sent = ctx.rng, ctx.language, ctx.sent
    back = ctx.at.date() + timedelta(days=rng.randint(3, 21))
    while back.weekday() >= 5:
        back += timedelta(days=1)
    last = back - timedelta(days=1)
    numeric = language != "en" and rng.random() < 0.4
    # A weekday reads naturally in English only; elsewhere it changes the preposition before it.
    words = (lambda d: _numeric_date(d, language)) if numeric else (
        lambda d: _long_date(d, language, weekday=language == "en" and rng.random() < 0.5))
    rfc3834 = rng.random() < 0.7
    colleague = _colleague(rng, ctx.prospect, language) if rng.random() < 0.5 else None
    text, urgent = _OOO_TEXT[language]
    last_words, back_words = words(last), words(back)
    # Italian elides the article before a vowel sound: "all'8 marzo", "l'11 marzo".
    elided = ("8", "11 ")
    lines = [text.format(last=last_words, back=back_words,
                         absent="absente" if ctx.prospect.gender == "f" else "absent",
                         al="all'" if last_words.startswith(elided) else "al ",
                         il="l'" if back_words.startswith(elided) else "il ")]
    if colleague is not None:
        lines.append(urgent.format(alt=f"{colleague.name} ({colleague.email})"))
    paragraphs = [" ".join(lines), "\n".join([ctx.prospect.name, ctx.prospect.title,
                                              _hotel_name(ctx.domain, language)])]
    if language != "en" and rng.random() < 0.3:
        english = _OOO_TEXT["en"][0].format(last=_long_date(last, "en"),
                                            back=_long_date(back, "en"))
        paragraphs.insert(1, f"--- English ---\n{english}")
    expected = ctx.base_expected("auto_reply", threaded=rfc3834)
    expected.update(return_date=back.isoformat(), rfc3834=rfc3834)
    if colleague is not None:
        expected["alternate_email"] = colleague.email

    plain = "\n\n".join(paragraphs) + "\n"
    if rfc3834:
        # RFC 3834 as Exchange and Sieve vacation write it: marked, threaded, the subject kept.
        raw = _rule_answer(ctx, _OOO_SUBJECT_AUTO[language] + sent.subject, plain,
                           {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"})
    else:
        # A hosting panel's autoresponder: no marking, no threading, only the wording says it.
        raw = _rule_answer(ctx, _OOO_SUBJECT_PLAIN[language], plain, {})
    return Scripted(ctx.kind, raw, expected)


def _rule_answer(ctx: _Context, subject: str, plain: str, marks: Mapping[str, str]) -> bytes:
    """What a mailbox rule writes from the prospect's address: marked with ``marks`` (RFC 3834
    and vendor headers) and threaded to our email when marked, a plain message otherwise."""
    sent = ctx.sent
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = Address(ctx.prospect.name, addr_spec=ctx.recipient)
    msg["To"] = Address(sent.from_name, addr_spec=sent.from_addr) if sent.from_addr else ""
    msg["Subject"] = subject
    for name, value in marks.items():
        msg.set_raw(name, value)
    msg.set_raw("Date", format_datetime(ctx.at))
    msg.set_raw("Message-ID", _message_id(ctx.rng, "outlook", ctx.domain))
    if marks and sent.message_id:
        msg.set_raw("In-Reply-To", sent.message_id)
        msg.set_raw("References", _references(sent))
    msg.set_raw("MIME-Version", "1.0")
    msg.set_content(plain, charset="utf-8", cte=_qp_or_7bit(plain))
    return _serialise(msg)


# -- departed -------------------------------------------------------------------------------------

# The rule a mailbox keeps after its owner left: {name} is the one who left; with a successor,
# the second sentence names them.
_DEPARTED_TEXT = {
    "en": ("Thank you for your email. {name} no longer works at {hotel}.",
           "Please send your message to {successor}, our {title}, at {email}.",
           "This mailbox is no longer monitored."),
    "de": ("Vielen Dank für Ihre Nachricht. {name} ist nicht mehr im {hotel} tätig.",
           "Bitte wenden Sie sich an {successor}, {title}, unter {email}.",
           "Dieses Postfach wird nicht mehr gelesen."),
    "fr": ("Merci pour votre message. {name} a quitté l'hôtel {hotel}.",
           "Merci d'écrire à {successor}, {title}, à l'adresse {email}.",
           "Cette adresse n'est plus consultée."),
    "es": ("Gracias por su mensaje. {name} ya no trabaja en {hotel}.",
           "Por favor, escriba a {successor}, {title}, en {email}.",
           "Este buzón ya no está monitorizado."),
    "it": ("Grazie per il messaggio. {name} non lavora più presso {hotel}.",
           "La preghiamo di scrivere a {successor}, {title}, all'indirizzo {email}.",
           "Questa casella non è più monitorata."),
}


def _departed(ctx: _Context) -> Scripted:
    """The rule of a mailbox whose owner left the hotel: marked automatic (RFC 3834) and
    threaded, as Exchange and Google write it; most name a successor."""
    rng, language, sent = ctx.rng, ctx.language, ctx.sent
    hotel = _hotel_name(ctx.domain, language)
    left, handover, unread = _DEPARTED_TEXT[language]
    successor = _colleague(rng, ctx.prospect, language) if rng.random() < 0.7 else None
    lines = [left.format(name=ctx.prospect.name, hotel=hotel)]
    lines.append(handover.format(successor=successor.name, title=successor.title,
                                 email=successor.email) if successor else unread)
    expected = ctx.base_expected("auto_reply", threaded=True)
    expected.update(return_date=None, departed=True, rfc3834=True,
                    successor_email=successor.email if successor else None,
                    successor_name=successor.name if successor else None)
    plain = " ".join(lines) + "\n\n" + hotel + "\n"
    return Scripted(ctx.kind, _rule_answer(ctx, _OOO_SUBJECT_AUTO[language] + sent.subject, plain,
                                           {"Auto-Submitted": "auto-replied"}), expected)


# -- bounces --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Failure:
    status: str
    action: str
    styles: tuple[str, ...]
    """Who writes such a report: Exchange's own codes come from Exchange, delay warnings from
    queueing MTAs such as Postfix only."""
    postfix: str
    """Diagnostic-Code; {local} and {address} are the recipient's."""
    qmail: str
    exchange: str
    """Exchange's "Remote Server returned" line."""


_ALL_STYLES = ("rfc3464", "qmail", "exchange")
_BOUNCES = {
    "bounce_hard": (
        _Failure("5.1.1", "failed", _ALL_STYLES, 'x-unix; unknown user: "{local}"',
                 "Sorry, no mailbox here by that name. (#5.1.1)",
                 "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"),
        _Failure("5.2.1", "failed", _ALL_STYLES,
                 "smtp; 550 5.2.1 <{address}>: mailbox disabled, not accepting messages",
                 "This mailbox is disabled (#5.2.1)",
                 "550 5.2.1 mailbox disabled; STOREDRV.Deliver; mailbox is disabled"),
        _Failure("5.1.10", "failed", ("exchange",), "", "",
                 "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP "
                 "address lookup"),
    ),
    "bounce_soft": (
        _Failure("5.2.2", "failed", _ALL_STYLES, "x-unix; maildrop: maildir over quota.",
                 "The users mailfolder is over the allowed quota (size). (#5.2.2)",
                 "554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException"),
        _Failure("4.2.2", "delayed", ("rfc3464",), "smtp; 452 4.2.2 <{address}>: Mailbox full",
                 "", ""),
    ),
}
_EXCHANGE = {
    # subject prefix, intro, hard explanation, soft explanation, diagnostics, server, headers
    "en": ("Undeliverable: ", "Delivery has failed to these recipients or groups:",
           "The email address you entered couldn't be found. Please check the recipient's email "
           "address and try to resend the message. If the problem continues, please contact your "
           "helpdesk.",
           "The recipient's mailbox is full and can't accept messages now. Please try resending "
           "your message later, or contact the recipient directly.",
           "Diagnostic information for administrators:", "Generating server:",
           "Original message headers:"),
    "de": ("Unzustellbar: ", "Die Zustellung an folgende Empfänger oder Gruppen ist "
           "fehlgeschlagen:",
           "Die eingegebene E-Mail-Adresse wurde nicht gefunden. Überprüfen Sie die E-Mail-Adresse "
           "des Empfängers, und versuchen Sie dann erneut, die Nachricht zu senden. Wenn das "
           "Problem weiterhin besteht, wenden Sie sich an Ihr Helpdesk.",
           "Das Postfach des Empfängers ist voll und kann zurzeit keine Nachrichten annehmen. "
           "Senden Sie die Nachricht später erneut, oder wenden Sie sich direkt an den Empfänger.",
           "Diagnoseinformationen für Administratoren:", "Generierender Server:",
           "Ursprüngliche Nachrichtenkopfzeilen:"),
    "fr": ("Non remis : ", "La remise a échoué pour ces destinataires ou groupes :",
           "L'adresse de messagerie que vous avez entrée est introuvable. Vérifiez l'adresse de "
           "messagerie du destinataire et essayez de renvoyer le message. Si le problème persiste, "
           "contactez votre support technique.",
           "La boîte aux lettres du destinataire est pleine et ne peut pas accepter de messages "
           "pour l'instant. Renvoyez votre message plus tard ou contactez directement le "
           "destinataire.",
           "Informations de diagnostic pour les administrateurs :", "Serveur de génération :",
           "En-têtes de message d'origine :"),
    "es": ("No se puede entregar: ", "Error en la entrega a estos destinatarios o grupos:",
           "No se encontró la dirección de correo electrónico que especificó. Compruebe la "
           "dirección de correo electrónico del destinatario e intente volver a enviar el "
           "mensaje. Si el problema continúa, póngase en contacto con el departamento de soporte "
           "técnico.",
           "El buzón del destinatario está lleno y ahora no puede aceptar mensajes. Intente volver "
           "a enviar el mensaje más tarde o póngase en contacto directamente con el destinatario.",
           "Información de diagnóstico para administradores:", "Servidor de generación:",
           "Encabezados de mensaje original:"),
    "it": ("Non recapitabile: ", "Recapito non riuscito per i destinatari o i gruppi seguenti:",
           "Impossibile trovare l'indirizzo di posta elettronica immesso. Verificare l'indirizzo "
           "di posta elettronica del destinatario e provare a inviare di nuovo il messaggio. Se "
           "il problema persiste, contattare il supporto tecnico.",
           "La cassetta postale del destinatario è piena e al momento non può accettare messaggi. "
           "Provare a inviare di nuovo il messaggio più tardi o contattare direttamente il "
           "destinatario.",
           "Informazioni di diagnostica per gli amministratori:", "Server di generazione:",
           "Intestazioni messaggio originale:"),
}
_SENDER_IP = "192.0.2.25"  # RFC 5737 documentation range: never a real sender


def _encoded_header(text: str) -> str:
    if text.isascii():
        return text
    return email.header.Header(text, "utf-8").encode(linesep="\r\n")


def _as_received(ctx: _Context, host: str, style: str, queue_id: str = "") -> bytes:
    """The original's headers as the prospect's server stored them, its trace lines on top."""
    arrived = format_datetime(ctx.sent_local)
    origin = f"mail.{_domain(ctx.sent.from_addr)}"
    if style == "qmail":
        trace = (f"Received: (qmail {int(ctx.sent_local.timestamp()) % 30000 + 1000} invoked "
                 f"from network); {arrived}\r\n"
                 f"Received: from {origin} (HELO {origin}) ({_SENDER_IP})\r\n"
                 f"  by {host} with ESMTPS; {arrived}\r\n")
    elif style == "exchange":
        trace = (f"Received: from {origin} ({_SENDER_IP}) by {host} with Microsoft SMTP Server "
                 f"(version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.2.1544.4;"
                 f"\r\n {arrived}\r\n")
    else:
        trace = (f"Received: from {origin} ({origin} [{_SENDER_IP}])\r\n"
                 f"\tby {host} (Postfix) with ESMTPS id {queue_id}\r\n"
                 f"\tfor <{ctx.recipient}>; {arrived}\r\n")
    return f"Return-Path: <{ctx.sent.from_addr}>\r\n{trace}".encode() + ctx.sent.header_block


def _bounce(ctx: _Context) -> Scripted:
    rng = ctx.rng
    # "gateway": a filtering gateway in front of the hotel's server passes the report on attached
    # to a message of its own.
    style = rng.choice(("rfc3464", "rfc3464", "exchange", "qmail", "gateway"))
    writer = "rfc3464" if style == "gateway" else style
    failure = rng.choice([f for f in _BOUNCES[ctx.kind] if writer in f.styles])
    host = f"{rng.choice(('mx1', 'mx', 'mail'))}.{ctx.domain}"
    queue_id = _token(rng, "0123456789ABCDEF", 10)
    expected = ctx.base_expected("bounce", threaded=style == "exchange")
    expected.update(status=failure.status,
                    category="hard" if ctx.kind == "bounce_hard" else "soft",
                    action=failure.action, recipient=ctx.recipient, style=style)
    when = format_datetime(ctx.at)
    message_id = f"<{ctx.at:%Y%m%d%H%M%S}.{queue_id}@{host}>"
    if writer == "rfc3464":
        diagnostic = failure.postfix.format(local=ctx.recipient.partition("@")[0],
                                            address=ctx.recipient)
        raw = _postfix_report(ctx, host, queue_id, failure.status, failure.action, diagnostic,
                              when, message_id)
        if style == "gateway":
            raw = _gateway_wrapped(ctx, raw, when)
    elif style == "qmail":
        raw = _qmail_report(ctx, host, failure.qmail, when, message_id)
    else:
        raw = _exchange_report(ctx, host, failure.exchange, when)
    return Scripted(ctx.kind, raw, expected)


def _postfix_report(ctx: _Context, host: str, queue_id: str, status: str, action: str,
                    diagnostic: str, when: str, message_id: str) -> bytes:
    boundary = f"{queue_id}.{int(ctx.at.timestamp())}/{host}"
    arrival = format_datetime(ctx.sent_local)
    if action == "delayed":
        subject = "Delayed Mail (still being retried)"
        notice = (
            "####################################################################\n"
            "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n"
            "####################################################################\n\n"
            f"This is the mail system at host {host}.\n\n"
            "Your message could not be delivered for more than 4 hour(s).\n"
            "It will be retried until it is 5 day(s) old.\n\n"
            "For further assistance, please send mail to postmaster.\n\n"
            "If you do so, please include this problem report. You can\n"
            "delete your own text from the attached returned message.\n\n"
            "                   The mail system\n\n"
            f"<{ctx.recipient}>: {diagnostic.partition('; ')[2]}\n")
        extra = f"Will-Retry-Until: {format_datetime(ctx.sent_local + timedelta(days=5))}\n"
    else:
        subject = "Undelivered Mail Returned to Sender"
        notice = (
            f"This is the mail system at host {host}.\n\n"
            "I'm sorry to have to inform you that your message could not\n"
            "be delivered to one or more recipients. It's attached below.\n\n"
            "For further assistance, please send mail to postmaster.\n\n"
            "If you do so, please include this problem report. You can\n"
            "delete your own text from the attached returned message.\n\n"
            "                   The mail system\n\n"
            f"<{ctx.recipient}>: {diagnostic.partition('; ')[2]}\n")
        extra = ""
    head = (
        f"Date: {when}\n"
        f"From: MAILER-DAEMON@{host} (Mail Delivery System)\n"
        f"Subject: {subject}\n"
        f"To: {ctx.sent.from_addr}\n"
        "Auto-Submitted: auto-replied\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=delivery-status;\n"
        f'\tboundary="{boundary}"\n'
        "Content-Transfer-Encoding: 8bit\n"
        f"Message-Id: {message_id}\n\n"
        "This is a MIME-encapsulated message.\n\n"
        f"--{boundary}\n"
        "Content-Description: Notification\n"
        "Content-Type: text/plain; charset=us-ascii\n\n"
        f"{notice}\n"
        f"--{boundary}\n"
        "Content-Description: Delivery report\n"
        "Content-Type: message/delivery-status\n\n"
        f"Reporting-MTA: dns; {host}\n"
        f"X-Postfix-Queue-ID: {queue_id}\n"
        f"X-Postfix-Sender: rfc822; {ctx.sent.from_addr}\n"
        f"Arrival-Date: {arrival}\n\n"
        f"Final-Recipient: rfc822; {ctx.recipient}\n"
        f"Original-Recipient: rfc822;{ctx.recipient}\n"
        f"Action: {action}\n"
        f"Status: {status}\n"
        f"{extra}"
        f"Diagnostic-Code: {diagnostic}\n\n"
        f"--{boundary}\n"
        "Content-Description: Undelivered Message Headers\n"
        "Content-Type: text/rfc822-headers\n\n"
    )
    return (_crlf(head.encode()) + _as_received(ctx, host, "rfc3464", queue_id)
            + f"\r\n--{boundary}--\r\n".encode())


def _gateway_wrapped(ctx: _Context, report: bytes, when: str) -> bytes:
    """``report`` attached to the gateway's own automatic message, as a mail security gateway
    passes on what the server behind it returned."""
    gateway = f"gw.{ctx.domain}"
    boundary = f"=_gw_{_token(ctx.rng, 'abcdef0123456789', 16)}"
    head = (
        f"Date: {when}\n"
        f'From: "Secure Mail Gateway" <notifications@{gateway}>\n'
        f"To: {ctx.sent.from_addr}\n"
        "Subject: Message returned by the recipient's server\n"
        "Auto-Submitted: auto-generated\n"
        f"Message-ID: <{_token(ctx.rng, 'abcdef0123456789', 24)}@{gateway}>\n"
        "MIME-Version: 1.0\n"
        f'Content-Type: multipart/mixed; boundary="{boundary}"\n\n'
        f"--{boundary}\n"
        "Content-Type: text/plain; charset=us-ascii\n\n"
        f"The mail server behind {gateway} returned the attached report about a message\n"
        "you sent. This notification was generated automatically.\n\n"
        f"--{boundary}\n"
        "Content-Type: message/rfc822\n"
        "Content-Disposition: attachment\n\n"
    )
    return _crlf(head.encode()) + report + f"\r\n--{boundary}--\r\n".encode()


def _qmail_report(ctx: _Context, host: str, text: str, when: str, message_id: str) -> bytes:
    # qmail writes no MIME at all: the copy of the message simply follows a marker line.
    head = (
        f"Date: {when}\n"
        f"From: MAILER-DAEMON@{host}\n"
        f"To: {ctx.sent.from_addr}\n"
        "Subject: failure notice\n"
        f"Message-ID: {message_id}\n\n"
        f"Hi. This is the qmail-send program at {host}.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
        f"<{ctx.recipient}>:\n"
        f"{text}\n\n"
        "--- Below this line is a copy of the message.\n\n"
    )
    _, _, body = ctx.sent.raw.partition(b"\r\n\r\n")
    return _crlf(head.encode()) + _as_received(ctx, host, "qmail") + b"\r\n" + body


def _exchange_report(ctx: _Context, host: str, remote: str, when: str) -> bytes:
    rng, language, sent = ctx.rng, ctx.language, ctx.sent
    prefix, intro, hard, soft, diagnostics, server, headers = _EXCHANGE[language]
    explanation = hard if ctx.kind == "bounce_hard" else soft
    received = _as_received(ctx, host, "exchange").decode("ascii", "replace").replace("\r\n", "\n")
    text = (f"{intro}\n\n{ctx.recipient}\n{explanation}\n\n\n\n\n\n{diagnostics}\n\n"
            f"{server} {host}\n\n{ctx.recipient}\nRemote Server returned '{remote}'\n\n"
            f"{headers}\n\n{received}")
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = Address("Microsoft Outlook", addr_spec=f"postmaster@{ctx.domain}")
    msg["To"] = Address(sent.from_name, addr_spec=sent.from_addr)
    msg["Subject"] = prefix + sent.subject
    msg.set_raw("Date", when)
    msg.set_raw("Message-ID", f"<{_token(rng, 'abcdef0123456789', 32)}@{host}>")
    if sent.message_id:
        msg.set_raw("In-Reply-To", sent.message_id)
        msg.set_raw("References", _references(sent))
    msg.set_raw("Auto-Submitted", "auto-replied")
    msg.set_raw("Content-Language", _CONTENT_LANGUAGE[language])
    msg.set_raw("X-MS-Exchange-Message-Is-Ndr", "")
    msg.set_raw("MIME-Version", "1.0")
    msg.set_content(text, charset="utf-8", cte=rng.choice(("base64", "quoted-printable")))
    return _serialise(msg)


# -- complaints -----------------------------------------------------------------------------------

def _complaint(ctx: _Context) -> Scripted:
    rng, sent = ctx.rng, ctx.sent
    host = f"fbl.{ctx.domain}"
    boundary = f"----=_ARF_{_token(rng, '0123456789abcdef', 24)}"
    arrival = format_datetime(ctx.sent_local)
    sender_domain = _domain(sent.from_addr)
    head = (
        f"From: Feedback Loop <feedback@{host}>\n"
        f"To: {sent.from_addr}\n"
        f"Subject: Abuse report: {_encoded_header(sent.subject)}\n"
        f"Date: {format_datetime(ctx.at)}\n"
        f"Message-ID: <arf.{_token(rng, '0123456789abcdef', 20)}@{host}>\n"
        "Auto-Submitted: auto-generated\n"
        "MIME-Version: 1.0\n"
        f'Content-Type: multipart/report; report-type=feedback-report;\n\tboundary="{boundary}"\n\n'
        "This is a multi-part message in MIME format.\n\n"
        f"--{boundary}\n"
        "Content-Type: text/plain; charset=us-ascii\n"
        "Content-Transfer-Encoding: 7bit\n\n"
        f"This is an email abuse report for an email message received from IP {_SENDER_IP} on "
        f"{arrival}.\n"
        "A user of ours marked it as spam. For more information about this format please see\n"
        "https://www.rfc-editor.org/rfc/rfc5965\n\n"
        f"--{boundary}\n"
        "Content-Type: message/feedback-report\n\n"
        "Feedback-Type: abuse\n"
        f"User-Agent: {host}-FBL/1.0\n"
        "Version: 1\n"
        f"Original-Mail-From: <{sent.from_addr}>\n"
        f"Original-Rcpt-To: <{ctx.recipient}>\n"
        f"Arrival-Date: {arrival}\n"
        f"Reporting-MTA: dns; {host}\n"
        f"Source-IP: {_SENDER_IP}\n"
        f"Reported-Domain: {sender_domain}\n\n"
        f"--{boundary}\n"
        "Content-Type: message/rfc822\n"
        "Content-Disposition: inline\n\n"
    )
    raw = _crlf(head.encode()) + sent.raw
    if not raw.endswith(b"\r\n"):
        raw += b"\r\n"
    raw += f"\r\n--{boundary}--\r\n".encode()
    expected = ctx.base_expected("complaint", threaded=False)
    expected.update(feedback_type="abuse", recipient=ctx.recipient)
    return Scripted(ctx.kind, raw, expected)


# -- garbage --------------------------------------------------------------------------------------

_GARBAGE_TEXT = {
    "en": "Thanks for the note, we will look at it after the season.",
    "de": "Danke für die Info, wir schauen uns das nach der Saison an. Grüße aus München",
    "fr": "Merci pour l'info, nous regarderons cela après la saison. À bientôt",
    "es": "Gracias por la información, lo miraremos después de la temporada. Un saludo",
    "it": "Grazie per l'informazione, ci guarderemo dopo la stagione. Saluti da Perugia",
}


def _garbage(ctx: _Context) -> Scripted:
    rng, sent = ctx.rng, ctx.sent
    variant = rng.choice(("bad_charset", "unknown_charset", "broken_multipart", "truncated"))
    text = _GARBAGE_TEXT[ctx.language]
    subject_words = f"Re: {sent.subject}"
    threaded = variant != "broken_multipart"
    common = (f"From: {ctx.prospect.name.encode('latin-1', 'replace').decode('latin-1')} "
              f"<{ctx.recipient}>\r\n"
              f"To: {sent.from_addr}\r\n"
              f"Date: {format_datetime(ctx.at)}\r\n"
              f"Message-ID: <{_token(rng, '0123456789abcdef', 24)}@{ctx.domain}>\r\n")
    if threaded and sent.message_id:
        common += f"In-Reply-To: {sent.message_id}\r\nReferences: {_references(sent)}\r\n"
    head = common.encode("latin-1", "replace")
    # Each variant loses the words on the way, for people and programs alike: what is left to
    # read is binary, shifted bytes, MIME source or nothing. (A wrong label on intact text is
    # not garbage: readers decode that, as they should.)
    if variant == "bad_charset":
        # Declared UTF-8 text, subject unencoded 8-bit, but an old webmail filled the body with
        # the binary of the document its editor saved: no charset makes words of it.
        body = base64.encodebytes(rng.randbytes(600)).replace(b"\n", b"\r\n")
        raw = (head + b"Subject: " + subject_words.encode("latin-1", "replace") + " – Grüße"
               .encode("latin-1", "replace") + b"\r\nMIME-Version: 1.0\r\n"
               b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n"
               b"\r\n" + body)
    elif variant == "unknown_charset":
        # A charset nobody knows, and base64 that lost its first character in transit: every
        # byte after it decodes shifted.
        body = base64.b64encode(text.encode("utf-16-le"))[1:-3] + b"*#!"
        raw = (head + f"Subject: {_encoded_header(subject_words)}\r\n".encode()
               + b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=\"x-mac-klingon\"\r\n"
               b"Content-Transfer-Encoding: base64\r\n\r\n" + body + b"\r\n")
    elif variant == "broken_multipart":
        # A header line without a colon ends the header early, so the parts (base64, as webmails
        # write UTF-8) show as MIME source; they use another boundary besides.
        plain = base64.encodebytes(text.encode()).replace(b"\n", b"\r\n")
        rich = base64.encodebytes(f"<p>{html.escape(text)}</p>".encode()).replace(b"\n", b"\r\n")
        raw = (head + f"Subject: {_encoded_header(subject_words)}\r\n".encode()
               + b"MIME-Version: 1.0\r\nX-Mailer WebMail Pro 2.1 (build 118)\r\n"
               b"Content-Type: multipart/alternative; boundary=\"=_part_A\"\r\n\r\n"
               b"--=_part_B\r\nContent-Type: text/plain; charset=utf-8\r\n"
               b"Content-Transfer-Encoding: base64\r\n\r\n" + plain
               + b"--=_part_B\r\nContent-Type: text/html; charset=utf-8\r\n"
               b"Content-Transfer-Encoding: base64\r\n\r\n" + rich)
    else:
        # Cut off in the middle of the attachment, which came before the text (as Apple Mail
        # orders them), by a relay that gave up: the text never arrived.
        attachment = base64.encodebytes(rng.randbytes(3000)).replace(b"\n", b"\r\n")
        raw = (head + f"Subject: {_encoded_header(subject_words)}\r\n".encode()
               + b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"cut\"\r\n\r\n"
               b"--cut\r\nContent-Type: application/pdf; name=\"prices 2027.pdf\"\r\n"
               b"Content-Disposition: attachment; filename=\"prices 2027.pdf\"\r\n"
               b"Content-Transfer-Encoding: base64\r\n\r\n" + attachment[:1531] + b"\r\n")
    expected = ctx.base_expected("unknown", threaded=threaded and bool(sent.message_id))
    expected["variant"] = variant
    return Scripted(ctx.kind, raw, expected)


# -- the public face ------------------------------------------------------------------------------

_BUILDERS: dict[str, Callable[[_Context], Scripted]] = {
    **{kind: _human_reply for kind in HUMAN_KINDS},
    "out_of_office": _out_of_office,
    "departed": _departed,
    "bounce_hard": _bounce,
    "bounce_soft": _bounce,
    "complaint": _complaint,
    "garbage": _garbage,
}
# How long after the original each kind typically comes back: (shortest, longest) in seconds.
_DELAYS = {"out_of_office": (2, 60), "departed": (2, 60), "bounce_hard": (1, 30),
           "bounce_soft": (4 * 3600, 4 * 3600 + 600), "complaint": (3600, 3 * 86400),
           "garbage": (600, 2 * 86400)}
_HUMAN_DELAY = (20 * 60, 2 * 86400)


def _answer(sent: _Sent, kind: str, language: str, seed: int, now: datetime | None,
            recipient: str) -> Scripted:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; one of {', '.join(LANGUAGES)}")
    identity = sent.message_id or hashlib.sha256(sent.raw).hexdigest()
    rng = random.Random(f"{seed}|{identity}|{recipient.lower()}|{kind}|{language}")
    derived = now is None
    if now is None:
        # Derived from the original, not the clock: the same inputs give the same bytes.
        low, high = _DELAYS.get(kind, _HUMAN_DELAY)
        base = sent.date or datetime(2026, 1, 1, tzinfo=timezone.utc)
        now = base + timedelta(seconds=rng.randint(low, high))
    elif now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    at = now.astimezone(_zone(language)).replace(microsecond=0)
    if derived and kind in HUMAN_KINDS and not 8 <= at.hour < 19:
        # People answer in working hours: the next morning, then.
        morning = at if at.hour < 8 else at + timedelta(days=1)
        at = morning.replace(hour=8, minute=rng.randint(0, 59), second=rng.randint(0, 59))
    ctx = _Context(sent=sent, kind=kind, language=language, rng=rng, at=at, recipient=recipient,
                   prospect=_prospect(rng, sent, recipient, language))
    return _BUILDERS[kind](ctx)


def answer(original: bytes | email.message.Message, kind: str, *, language: str = "en",
           seed: int = 0, now: datetime | None = None) -> Scripted:
    """The message that comes back for ``original`` (a sent message): see the module docstring.

    Human replies and auto-replies come from the original's To and go to its From; bounces and
    complaints come from the recipient's mail server. ``now`` (timezone-aware) is when the answer
    is written; without it, a delay typical of the kind after the original's Date. Raises
    ``ValueError`` for an unknown kind or language."""
    sent = _parse_sent(original)
    return _answer(sent, kind, language, seed, now, sent.to_addr)


def _unit(seed: int, recipient: str, salt: str) -> float:
    digest = hashlib.sha256(f"{seed}|{salt}|{recipient.strip().lower()}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0 ** 64


def script_for(recipient: str, seed: int) -> str:
    """How the prospect at ``recipient`` answers (a kind of ``KINDS``), or ``"silent"``: stable
    for the same address and seed, in the proportions of ``ANSWER_RATE`` and ``MIX``."""
    if _unit(seed, recipient, "answers") >= ANSWER_RATE:
        return SILENT
    point = _unit(seed, recipient, "kind") * sum(weight for _, weight in MIX)
    for kind, weight in MIX:
        if point < weight:
            return kind
        point -= weight
    return MIX[-1][0]


def language_for(recipient: str) -> str:
    """The language a hotel at ``recipient`` answers in, from its country's domain; English
    where the domain does not say."""
    return _TLD_LANGUAGE.get(_domain(recipient).rpartition(".")[2], "en")


class Responder:
    """Plugs into ``SandboxSMTP(on_accept=...)``: for each accepted outreach message decides
    (``script_for``, or ``kinds`` for a recipient) whether and how the prospect answers, and
    delivers the answer into the sending inbox's INBOX on Dovecot (``dovecot.deliver``).

    The sending inbox is the envelope sender. One answer per recipient and Message-ID: a message
    the sender tries again after an error is not answered twice. A sending inbox Dovecot refuses
    for good (no mailbox there) gets nothing, and ``undeliverable`` lists those answers; any other
    delivery failure propagates, so the SMTP server refuses the message with a 451 and the retry
    is answered.

    Chain it with another ``on_accept`` (the sandbox's filing into Sent) by calling both."""

    def __init__(self, dovecot: Any, *, seed: int = 7, kinds: Mapping[str, str] | None = None,
                 languages: Mapping[str, str] | None = None,
                 now: datetime | Callable[[], datetime] | None = None) -> None:
        self.dovecot = dovecot
        self.seed = seed
        self.kinds = {address.lower(): kind for address, kind in (kinds or {}).items()}
        for kind in self.kinds.values():
            if kind != SILENT and kind not in KINDS:
                raise ValueError(f"unknown kind {kind!r}")
        self.languages = {address.lower(): lang for address, lang in (languages or {}).items()}
        self.now = now
        self.sent: list[Scripted] = []
        self.undeliverable: list[Scripted] = []
        self._answered: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def kind_for(self, recipient: str) -> str:
        return self.kinds.get(recipient.lower()) or script_for(recipient, self.seed)

    def __call__(self, message: Any) -> None:
        mailbox = (message.mail_from or "").strip().lower()
        if not mailbox:
            return  # a bounce of our own: nobody answers those
        sent = _parse_sent(message.raw)
        now = self.now() if callable(self.now) else self.now
        for recipient in message.rcpt_tos:
            kind = self.kind_for(recipient)
            key = (sent.message_id or hashlib.sha256(sent.raw).hexdigest(), recipient.lower())
            with self._lock:
                if kind == SILENT or key in self._answered:
                    continue
                self._answered.add(key)
            language = self.languages.get(recipient.lower()) or language_for(recipient)
            scripted = _answer(sent, kind, language, self.seed, now, recipient)
            # Bounces and complaints come from a mailer daemon (empty envelope sender); people
            # answer from their own address, which is what Return-Path then says.
            sender = "" if scripted.expected.get("kind") in ("bounce", "complaint") else recipient
            try:
                self.dovecot.deliver(mailbox, scripted.raw, sender=sender)
            except smtplib.SMTPRecipientsRefused as exc:
                if any(code < 500 for code, _ in exc.recipients.values()):
                    with self._lock:
                        self._answered.discard(key)
                    raise
                with self._lock:
                    self.undeliverable.append(scripted)
                continue
            except BaseException:
                with self._lock:
                    self._answered.discard(key)
                raise
            with self._lock:
                self.sent.append(scripted)
