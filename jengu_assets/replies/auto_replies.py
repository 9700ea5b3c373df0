"""Whether a parsed message is an automatic answer, and the return date it states.

RFC 3834 headers and their vendor cousins decide alone; the weak ones (``Precedence: bulk``,
``X-Auto-Response-Suppress``) count with automatic wording. Without any header, out-of-office
wording in the subject or the new text (in the languages hotels write), a help desk's receipt, or
a mailbox no longer read, as long as the new text answers nothing of ours: a person who mentions
a holiday while answering greets by name, asks, agrees or says what comes next.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from jengu_assets.phrases import Phrases
from jengu_assets.replies.dates import find_dates, return_date
from jengu_assets.replies.intent import delegated_contact
from jengu_assets.replies.parsing import ADDRESS, Parsed
from jengu_assets.replies.prompts import DelegatedContact
from jengu_assets.replies.quoting import GREETING, REPLY_PREFIX, history_start, reply_text
from jengu_assets.replies.reports import only_successes, ses_notification


@dataclass(frozen=True, slots=True)
class AutoReply:
    return_date: date | None
    signals: tuple[str, ...]
    """What gave it away, e.g. ``("Auto-Submitted: auto-replied", "subject")``."""
    challenge: bool = False
    """A challenge-response filter holds our email until someone confirms the sender: the
    prospect has not seen it."""
    held_for: str | None = None
    """A challenge's recipient as the notice names it (a filter service writes from its own
    address): the address our email was for."""
    departed: bool = False
    """The person the address was for has left, or nobody reads it any more: a notice that will
    say the same to every email, so none should follow."""
    successor: DelegatedContact | None = None
    """Whom a departed notice sends us to instead (name, title, address as written)."""


_OOO_SUBJECT = Phrases(
    r"out of (the )?office|\booo\b|automatic reply|auto[- ]?reply|auto[- ]?response|autoreply"
    r"|auto[- ]?respon|\bauto:|away from (the )?office|on (vacation|holiday|leave|annual leave)"
    r"|abwesenheit|abwesend|automatische antwort|außer haus|ausser haus|nicht im büro"
    r"|\burlaub\b|réponse automatique|\babsen(ce|t|te)\b|message d'absence|hors du bureau"
    r"|fuera de (la )?oficina|respuesta automática|ausencia|\bausente\b|de vacaciones"
    r"|fuori (sede|ufficio)|risposta automatica|\bassen(za|te)\b|in ferie"
    r"|afwezig|automatisch antwoord|afwezigheid|niet aanwezig|met vakantie"
    r"|resposta automática|fora do escritório|ausência|de férias"
    # sv, da, no, fi, pl, cs, ru, tr, ja, zh: the subjects their mail programs write
    r"|autosvar|automatiskt svar|automatisk svar|automatisk besvarelse|frånvarande|fraværende"
    r"|ikke på kontoret|inte på kontoret|automaattinen vastaus|poissa toimistolta|lomalla"
    r"|odpowiedź automatyczna|automatyczna odpowiedź|poza biurem|nieobecn"
    r"|automatická odpověď|mimo kancelář|nepřítomn|автоматический ответ|автоответ|вне офиса"
    r"|в отпуске|otomatik (yanıt|cevap)|ofis dışında|自動応答|自動返信|不在|自动回复|自动答复"
    r"|休假|外出|frånvaro|fravær|ikke til ?stede|\burlop\b|отсутств|нет на месте|休暇",
    re.IGNORECASE)
_OOO_BODY = Phrases(
    r"out of (the )?office|away from (the|my) (office|desk)|limited access to (my )?e-?mail"
    r"|\b(i am|i'm|i will be|i'll be|we are)\b.{0,50}\b(away|on (\w+ )?leave"
    r"|on (vacation|holiday)|travell?ing)\b"
    r"|\b(bin|sind|ist)\b.{0,50}\b(abwesend|im urlaub|nicht im (büro|haus)|außer haus)"
    r"|nicht im büro|außer haus|ausser haus|abwesenheit|keinen zugriff auf (meine )?e-?mails"
    r"|\b(suis|serai|sommes|serons)\b.{0,50}\b(absente?s?|en congés?|en vacances)\b"
    r"|absente? du bureau|hors du bureau"
    r"|\b(estoy|estaré|estamos|estaremos)\b.{0,50}\b(fuera|de vacaciones|ausente)"
    r"|fuera de (la )?oficina"
    r"|\b(sono|sarò|siamo|saremo)\b.{0,50}\b(fuori (sede|ufficio)|in ferie|assente)"
    r"|fuori (sede|ufficio)"
    r"|\b(ben|zijn)\b.{0,50}\b(afwezig|met vakantie|niet aanwezig|niet op kantoor)"
    r"|\b(estou|estarei|estamos)\b.{0,50}\b(ausente|fora do escritório|de férias)"
    r"|fora do escritório"
    r"|\b(jag är|jag har|vi är)\b.{0,50}\b(på semester|ledig|inte på kontoret|frånvarande"
    r"|tjänstledig|föräldraledig|bortrest)"
    r"|\b(jeg er|vi er)\b.{0,50}\b(på ferie|fraværende|ikke på kontoret|borte|på reise|syg|syk)"
    r"|\bolen\b.{0,50}\b(lomalla|poissa|matkoilla|sairauslomalla|vapaalla)"
    r"|\bjestem\b.{0,50}\b(na urlopie|poza biurem|nieobecn)"
    r"|\bjsem\b.{0,50}\b(mimo kancelář|na dovolené|nepřítomn)|mimo kancelář"
    r"|\bя\b.{0,50}(в отпуске|вне офиса|отсутствую|в командировке)|вне офиса"
    r"|ofis dışında|izindeyim|izinde olacağım"
    r"|不在にして|休暇を|出張中|休假|不在办公室|出差"
    # Nordic, Polish, Russian and Japanese notices as their writers phrase them without "I am"
    r"|\b(holder|har) ferie\b|\bude af (huset|kontoret)\b|\bute av kontoret\b|\bär ledig\b"
    r"|\bprzebywam na (urlopie|zwolnieniu|delegacji|l4)\b|\bnie mam dostępu do (poczty|e-?maila"
    r"|skrzynki)|\bнахожусь в (отпуске|командировке)|\bотсутствую\b|нет на рабочем месте"
    r"|休暇中|お休みを(いただ|頂)いて|不在(です|となります|にしております)"
    # A stated return in the first person and the future: "I will be back in the office on",
    # "je serai de retour le". A person writes it too, with an answer beside it
    # (``_answers_us``).
    r"|\b(i will|i'll|i shall) (be back|return)\b.{0,30}\b(on|from|after)\b"
    r"|\bback in the office (on|from)\b|\bab\b.{0,30}\bwieder (im büro|erreichbar|für sie da)"
    r"|\bje serai de retour\b|\bestaré de (vuelta|regreso)\b|\bsarò di nuovo (in ufficio|disponibile)"
    r"|\brientrerò\b|\b(ben|zijn) (vanaf|weer)\b.{0,30}\b(terug|bereikbaar|aanwezig)\b"
    r"|\b(jeg er|jag är|jeg kommer|jag kommer) (tilbage|tilbake|tillbaka)\b|\bwracam\b"
    r"|\bbędę (dostępn|w biurze|z powrotem)|\bвернусь\b|\bбуду (в офисе|на работе|на связи)"
    r"|出社(いたします|します|予定)"
    # A place closed for a while: the notice is the hotel's, not a person's.
    r"|\b(office|hotel|reception|lodge|inn|we|our (office|hotel|team))\b.{0,20}\b(is|are) (currently |now )?"
    r"closed\b|\bclosed (for|until|over) (the )?(holidays?|season|christmas|easter|winter|summer)"
    r"|\bbetriebsferien\b|\b(ist|sind) (bis|vom) .{0,30}geschlossen\b"
    r"|\b(est|sommes) fermée?s? (jusqu|pour|du)|\b(está|estamos) cerrad[oa]s? (hasta|por|del)"
    r"|\b(è|siamo) chius[oi] (fino|per|dal)|\b(is|zijn) gesloten (tot|van)",
    re.IGNORECASE)
_AUTO_ACK = Phrases(
    r"this is an automat(ed|ic) (message|response|reply|e-?mail)|do not reply to this"
    r"|we have received your (e-?mail|message|request|enquiry|inquiry)"
    r"|thank you for (your|contacting).{0,80}(will|we'll) (get back|respond|reply|contact)"
    r"|automatisch (generiert|erstellte?)|diese (e-?mail|nachricht) wurde automatisch"
    r"|wir haben ihre (e-?mail|nachricht|anfrage) erhalten"
    r"|message automatique|réponse automatique|nous avons (bien )?reçu votre"
    r"|mensaje automático|respuesta automática|hemos recibido su"
    r"|messaggio automatico|risposta automatica|abbiamo ricevuto la (sua|tua)"
    r"|automatisch (gegenereerd|bericht)|mensagem automática|recebemos (a sua|o seu)"
    # A help desk's receipt in the passive: "Your request (#48213) has been received".
    r"|\b(your|this) (request|ticket|message|e-?mail|enquiry|inquiry|case)\b.{0,40}"
    r"\b(has been|was|is) (received|created|logged|opened|registered)\b"
    r"|\bihre (anfrage|nachricht|e-?mail)\b.{0,40}\b(ist (bei uns )?eingegangen|wurde (erfasst"
    r"|registriert|aufgenommen|empfangen))|\bvotre (demande|message)\b.{0,40}\ba (bien )?été"
    r" (reçue?|enregistrée?)|\bsu (solicitud|mensaje)\b.{0,40}\bha sido (recibid|registrad)"
    r"|\bla (sua|tua) (richiesta|messaggio)\b.{0,40}\bè stat[oa] (ricevut|registrat)",
    re.IGNORECASE)
# A read receipt a mail program writes as plain text (Outlook's "Read:" and "Not read:"): the
# subject's prefix, the "Your message" it opens with and the sentence under it, all in the
# program's words.
_RECEIPT_SUBJECT = re.compile(
    r"^\s*(read|not read|gelesen|ungelesen|nicht gelesen|lu|non lu|leído|no leído|letto"
    r"|non letto|gelezen|niet gelezen|lida|não lida|läst|inte läst)\s*:", re.IGNORECASE)
_RECEIPT_OPENING = re.compile(
    r"^\s*(your message|ihre nachricht|votre message|su mensaje|il (suo )?messaggio|uw bericht"
    r"|(a sua )?mensagem|ditt meddelande)\b", re.IGNORECASE)
_RECEIPT_BODY = Phrases(
    r"\bwas (read|deleted without being read|not read)\b|\bwurde (am .{0,40})?(gelesen"
    r"|ungelesen gelöscht|ohne (es )?zu lesen gelöscht)|\ba été (lu|supprimé sans avoir été lu)"
    r"|\bha sido (leído|eliminado sin (ser )?leer)|\bè stato (letto|eliminato senza essere letto)"
    r"|\bis (gelezen|verwijderd zonder (te zijn |dat het is )?gelezen)"
    r"|\bfoi (lida|excluída sem ser lida)|\blästes\b|\bhar tagits bort utan att ha lästs",
    re.IGNORECASE)

# A mailbox nobody reads any more, in the words of the rule it keeps.
_UNREAD_MAILBOX = (
    r"this (mailbox|inbox|e-?mail (address|account)|(e-?mail )?address|account) is no longer"
    r" (being )?(monitored|checked|read|in use|active|used)"
    r"|(dieses postfach|diese (e-?mail-?)?adresse) wird nicht mehr (überwacht|gelesen|genutzt"
    r"|abgerufen|bearbeitet)|(dieses postfach|diese (e-?mail-?)?adresse) ist nicht mehr (aktiv"
    r"|besetzt|in gebrauch)"
    r"|(cette (adresse|boîte)[^.]{0,30}|ce compte) n'est plus (consultée?|active?|utilisée?|lue?)"
    r"|(este buzón|esta (dirección|cuenta)[^.]{0,20}) (ya )?no (está|es|se) (monitorizad|supervisad"
    r"|activ|revisad|en uso|utiliza)"
    r"|(questa (casella|casella di posta|e-?mail|indirizzo)|questo indirizzo)[^.]{0,20} non è più"
    r" (monitorat|attiv|in uso|lett|controllat)"
    r"|(deze mailbox|dit (e-?mail)?adres) wordt niet (meer|langer) (gelezen|gecontroleerd|gebruikt)"
)

# Words a program writes about itself, and that people do not write to each other.
_SAYS_AUTOMATIC = Phrases(
    r"this is an? automat(ed|ic|ically generated) (message|response|reply|e-?mail|notification"
    r"|confirmation|acknowledge?ment)"
    r"|this (e-?mail|message) (is|was|has been) (sent|generated|created) automatically"
    r"|\bauto(matically)?[- ]generated (message|e-?mail|response|reply)"
    r"|(please )?do not reply (to )?this (e-?mail|message)"
    r"|ceci est (un message|une réponse|un e-?mail|un courriel) automatique"
    r"|merci de ne pas répondre à ce|dies ist eine automatisch|diese (e-?mail|nachricht) wurde"
    r" automatisch|bitte antworten sie nicht auf diese"
    r"|este es un (mensaje|correo|e-?mail) automático|por favor,? no responda a este"
    r"|questo è un messaggio automatico|si prega di non rispondere a questo"
    r"|dit is een automatisch|este é um e-?mail automático|esta é uma mensagem automática"
    # A mailbox nobody reads any more answers for itself (its owner left): the words are the
    # rule's, not a person's.
    r"|" + _UNREAD_MAILBOX,
    re.IGNORECASE)
# The person an address was for has gone (left the hotel), or the address is no longer read.
_DEPARTED = Phrases(
    r"\bno longer (works?|working|employed|with|at|part of|a member of"
    r"|in (the|our) (employ|team))\b"
    r"|\b(has|have|had|'ve) left (the |our )?(company|hotel|team|organi[sz]ation|business|firm"
    r"|property|group|resort|us)\b|\bis no longer (available|reachable) at this"
    r"|\b(ist|sind) nicht mehr\b.{0,50}\b(tätig|beschäftigt|angestellt|mitarbeiter(in)?|bei uns)\b"
    r"|\b(ist|sind) nicht mehr (im|in unserem) (haus|hotel|unternehmen|team)\b"
    r"|\b(hat|haben) (unser|das|unseren) (haus|hotel|unternehmen|team|betrieb) verlassen"
    r"|\barbeitet(e)? nicht mehr\b|\bn'est plus (en poste|employée?|au sein|chez|parmi)"
    r"|\bne (fait|travaille) plus (partie|chez|au sein|pour)"
    r"|\b(a|ont) quitté (l'|notre |la |le )?(hôtel|entreprise|société|équipe|établissement)"
    r"|\bya no (trabaja|forma parte|está en|pertenece)|\bha dejado (la empresa|el hotel|nuestro)"
    r"|\bnon (lavora|fa) più\b"
    r"|\bha lasciato (l'|la |il |la nostra )?(hotel|azienda|società|struttura)"
    r"|\b(werkt|is) niet (meer|langer) (bij|werkzaam|in dienst)"
    r"|\bheeft (ons|het (hotel|bedrijf)|onze organisatie) verlaten\b"
    r"|\bnão (trabalha|faz parte) mais\b|\bjá não (trabalha|faz parte)|" + _UNREAD_MAILBOX,
    re.IGNORECASE)
# A help desk's subject: a ticket or reference number, or "request received".
_TICKET_SUBJECT = re.compile(
    r"\b(ticket|case|request|incident|ref|reference|anfrage|vorgang|demande|solicitud|richiesta)"
    r"\b\W{0,3}(#|no\.?|nr\.?|n[°º]|number|id)?\W{0,3}[A-Z]{0,6}-?\d{3,}"
    r"|\[[^\]]{0,20}\d{3,}[^\]]{0,20}\]|\b(request|message|e-?mail|enquiry|inquiry) (has been )?"
    r"received\b|\breceived your (e-?mail|message|request|enquiry|inquiry)"
    r"|\b(ticket|case|request) (received|created|opened|logged)\b",
    re.IGNORECASE)
_NO_REPLY_SENDER = re.compile(
    r"^(no-?reply|do-?not-?reply|donotreply|auto-?reply|autoresponder|auto-?response)\b",
    re.IGNORECASE)


# Challenge-response filters (guest lists, approved senders): the message is held, and the
# sender is asked to confirm it is a person. Both must be said.
_HELD = Phrases(
    r"\b(message|e-?mail|mail)\b.{0,80}\b(was|has been|is being|is|have been|were)"
    r" (held|waitlisted|quarantined|put on hold|placed (on|in) (hold|a waiting list|the waiting list"
    r"|their waiting list|my waiting list))\b"
    r"|\bwaitlisted\b|\bpending (sender )?(verification|confirmation|approval)\b"
    r"|\b(e-?mails?|messages|mail) only from (senders|people|addresses) (i|we|they|he|she)"
    r" (have )?(approved|verified|confirmed|know)"
    r"|\bonly (accept|allow|receive|deliver)s? (incoming )?(e-?mails?|messages|mail )?from"
    r" (approved|verified|confirmed|known|trusted) (senders|people|addresses)"
    r"|\bnot (yet )?(on|in) (my|the|their|his|her) (guest ?list|approved senders|allow ?list"
    r"|white ?list|list of approved senders)"
    r"|\b(will|shall) (receive|deliver|get|see) (your|the) (original )?(message|e-?mail)\b.{0,60}"
    r"\b(once|after|as soon as|when)\b"
    r"|\b(nachricht|e-?mail|mail)\b.{0,80}\bwurde (zurückgehalten|angehalten|in quarantäne)"
    r"|\berst (zugestellt|ausgeliefert|weitergeleitet)\b.{0,40}\b(nachdem|wenn|sobald)"
    r"|\b(votre )?(message|e-?mail|courriel)\b.{0,60}\ba été (retenu|mis en attente|bloqué en attente)"
    r"|\ben attente de (validation|vérification|confirmation)\b"
    r"|\b(su|tu) (mensaje|correo)\b.{0,60}\b(ha sido|fue|está) (retenido|en espera)"
    r"|\bpendiente de (verificación|confirmación|aprobación)\b"
    r"|\b(il (suo|tuo) )?messaggio\b.{0,60}\b(è stato|è) (trattenuto|in attesa)"
    r"|\b(uw|je) (bericht|e-?mail)\b.{0,60}\b(is|wordt) (vastgehouden|in de wacht)",
    re.IGNORECASE)
_CONFIRM_SENDER = Phrases(
    r"\b(confirm|verify|prove|show)( that)? (you are|you're) (a )?(real |human|person|not a "
    r"(robot|spammer|machine|bot))"
    r"|\b(click|follow|open|visit|use) (on )?the (link|button) below to (confirm|verify|approve"
    r"|validate|deliver|be added|request|release)"
    r"|\b(added|add you) to (my|the|their|his|her|our) (list of )?(approved senders|guest ?list"
    r"|allow ?list|white ?list|safe senders|trusted senders)"
    r"|\b(fill (out|in)|complete) (the|a|this) (short )?(request|verification|approval)? ?form\b"
    r"|\bbitte bestätigen sie\b.{0,40}\b(adresse|absender|dass sie)"
    r"|\bbestätigen sie,? dass sie (ein mensch|kein (roboter|spammer))"
    r"|\bconfirmer que vous (êtes|n'êtes pas)\b|\bcliquez sur le lien ci-dessous pour (confirmer|valider)"
    r"|\bconfirme que (eres|es|usted es) (una persona|humano)|\bhaga clic en el enlace (de abajo|siguiente)"
    r" para (confirmar|verificar)"
    r"|\bconfermare che (sei|è) (una persona|umano)|\bclicca sul link (qui )?sotto per (confermare|verificare)"
    r"|\bbevestig (dat u|dat je|uw|je) .{0,30}(persoon|mens|adres)",
    re.IGNORECASE)


def challenge_of(parsed: Parsed) -> AutoReply | None:
    """A challenge-response filter's notice: our message is held until someone confirms the
    sender (by a link or a form). It reads like a bounce ("not delivered") or a person's answer
    ("Re: ..."), but the mailbox exists and nothing refused us; nobody clicks for us."""
    # One line: a wrapped notice breaks its phrases anywhere.
    head = " ".join(f"{parsed.subject or ''}\n{parsed.text[:3000]}".split())
    # The ask first: it is rare, while "message ... was/is" is in most mail.
    confirm = _CONFIRM_SENDER.search(head)
    if confirm is None:
        return None
    held = _HELD.search(head)
    if held is None:
        return None
    ours = {parsed.from_address, *parsed.to_addresses, *parsed.cc_addresses}
    named = (a.lower() for a in ADDRESS.findall(head))
    return AutoReply(
        return_date=None, challenge=True, held_for=next((a for a in named if a not in ours), None),
        signals=(f"challenge-response: {held.group(0)[:60]!r}, {confirm.group(0)[:60]!r}",))


def auto_reply_of(parsed: Parsed, text: str | None = None) -> AutoReply | None:
    """Why ``parsed`` is an automatic answer, with the return date it states; None for a person.

    RFC 3834 ``Auto-Submitted`` (any value but ``no``), ``X-Autoreply``, ``X-Autorespond`` and
    ``Precedence: auto_reply`` decide alone. ``Precedence: bulk|junk|list`` and
    ``X-Auto-Response-Suppress`` are set by help desks and CRMs on messages people write too, so
    they count only with automatic wording, or on a message that answers nothing of ours.
    """
    headers = parsed.headers
    if unsubscribe_request(parsed):
        return None
    text = reply_text(parsed.text) if text is None else text
    strong: list[str] = []
    weak: list[str] = []
    submitted = headers.get("auto-submitted", "").strip().lower()
    if submitted and not submitted.startswith("no"):
        strong.append(f"Auto-Submitted: {submitted[:40]}")
    # Vendors' own marks (Domain Technologies Control, FirstClass among them): only programs
    # set them.
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder", "x-autogenerated",
                 "x-autoreply-from", "x-mail-autoreply", "x-fc-machinegenerated"):
        value = headers.get(name)
        if value is not None and value.strip().lower() not in ("no", "false", "0"):
            strong.append(f"{name}: {value[:40]}")
    precedence = (headers.get("precedence") or headers.get("x-precedence") or "").strip().lower()
    if precedence == "auto_reply":
        strong.append("Precedence: auto_reply")
    elif precedence in ("bulk", "junk", "list"):
        weak.append(f"Precedence: {precedence}")
    read_receipt = parsed.report_type == "disposition-notification"
    if read_receipt:
        strong.append("read receipt (RFC 8098)")
    elif _RECEIPT_SUBJECT.match(parsed.subject or "") and _RECEIPT_OPENING.match(parsed.text) \
            and _RECEIPT_BODY.search(parsed.text[:2000]):
        read_receipt = True
        strong.append("read receipt")
    if parsed.delivery_status and only_successes(parsed):
        strong.append("delivery receipt (RFC 3464)")
    ses = ses_notification(parsed)
    if ses is not None and ses.kind == "Delivery":
        strong.append("delivery notification (Amazon SES)")
    if "x-auto-response-suppress" in headers:
        weak.append(f"X-Auto-Response-Suppress: {headers['x-auto-response-suppress'][:40]}")
    subject = parsed.subject or ""
    wording: list[str] = []
    # "Re: ..." is a person answering, whatever the words after it.
    if _OOO_SUBJECT.search(subject) and not REPLY_PREFIX.match(subject):
        wording.append("subject")
    body_head = text[:3000]
    if _OOO_BODY.search(body_head) or _titled_notice(body_head):
        wording.append("out-of-office text")
    elif _AUTO_ACK.search(body_head):
        wording.append("automatic acknowledgement")
    answers_nothing = not parsed.in_reply_to and not parsed.references \
        and not REPLY_PREFIX.match(subject)
    if strong:
        signals = strong + weak + wording
    elif weak and (wording or answers_nothing):
        signals = weak + wording
    elif "subject" in wording or ("out-of-office text" in wording and _standalone_notice(
            body_head, parsed.text)):
        signals = wording
    elif _automatic_notice(parsed, body_head, "automatic acknowledgement" in wording):
        signals = ["automatic wording"]
    else:
        return None
    # A receipt's dates say when the message was read or delivered, never a return.
    receipt = read_receipt or (bool(parsed.delivery_status) and only_successes(parsed)) \
        or ses is not None
    departed = not receipt and bool(_DEPARTED.search(body_head))
    return AutoReply(
        return_date=None if receipt or departed
        else return_date(f"{subject}\n{body_head}", parsed.date),
        signals=tuple(signals), departed=departed,
        successor=delegated_contact(body_head) if departed else None)


# The subject our List-Unsubscribe mailto link writes (``sending.unsubscribe.mailto_link``).
_UNSUBSCRIBE_SUBJECT = re.compile(r"^\W*unsubscribe\W*$", re.IGNORECASE)


def unsubscribe_request(parsed: Parsed) -> bool:
    """Whether ``parsed`` is a mail program's one-click unsubscribe: the mail our List-Unsubscribe
    mailto link asks for. Apple Mail marks it ``Auto-Submitted: auto-replied`` and
    ``X-Apple-Unsubscribe: true``, Gmail writes "This message was automatically generated";
    the program wrote it, but the recipient asked for it, so it is their answer, never an
    automatic one."""
    if (parsed.headers.get("x-apple-unsubscribe") or "").strip().lower() == "true":
        return True
    return bool(_UNSUBSCRIBE_SUBJECT.match(parsed.subject or ""))


_PAST_ABSENCE = re.compile(
    r"\b(was|were|have been|had been|war|waren|étais|étions|ai été|estaba|estuve|ero"
    r"|sono stat[oaie]|ben .{0,20}geweest|estive)\b.{0,30}\b(out|away|abwesend|absente?|fuera|assente"
    r"|afwezig|ausente|im urlaub|en congés?|de vacaciones|in ferie|off)\b", re.IGNORECASE)
_ABSENCE_SPAN = Phrases(
    r"\bas soon as (possible|i can)|so (bald|schnell) wie möglich|dès que possible"
    r"|lo antes posible|il prima possibile|zo snel mogelijk|snarast|snarest|hurtigst muligt"
    r"|\b(until|till|through|return|back|bis|zurück|wieder|jusqu|retour|hasta|regres|volver"
    r"|fino|rientr|tot|terug|até|regresso|limited access|no access|keinen zugriff|sans accès"
    r"|sin acceso|senza accesso|tillbaka|tilbage|tilbake|asti|saakka|palaan|wracam|powrót|zpět"
    r"|вернусь|до|kadar|döne)|まで|戻|返回|至", re.IGNORECASE)


def _automatic_notice(parsed: Parsed, head: str, acknowledges: bool) -> bool:
    """Whether a message without any header is a program's notice (a help desk's receipt): it
    says it is automatic, or acknowledges receipt under a ticket subject or from a no-reply
    address, and is short and quotes nothing, as a person answering would."""
    if not (_SAYS_AUTOMATIC.search(head) or (acknowledges and (
            _TICKET_SUBJECT.search(parsed.subject or "")
            or _NO_REPLY_SENDER.match(parsed.from_address or "")))):
        return False
    if len(head) >= 1500:
        return False
    lines = parsed.text[:20_000].splitlines()
    return not any(line.startswith(">") for line in lines) and history_start(lines) is None


def _standalone_notice(head: str, text: str) -> bool:
    """Whether out-of-office words without any header are a notice, not a person's reply.

    ``head`` is the new text (quoted history and signature removed), ``text`` the whole body.
    A notice is short, speaks in the present ("I am out of the office", not "I was away last
    week"), says until when or how reachable the sender is, and answers nothing: no question
    to us, no yes, no interest or refusal. Rules that quote the message they answer (Apple
    Mail's "Reply to Message", webmail vacation scripts, phones) write a notice above the
    quote, so quoting alone proves no person; a person who mentions a holiday while answering
    ("I'm away next week, can we talk on the 3rd?") still answers.
    """
    if len(head) >= 1500 or _PAST_ABSENCE.search(head) or _answers_us(head):
        return False
    lines = text[:20_000].splitlines()
    quoted = any(line.startswith(">") for line in lines) or history_start(lines) is not None
    if quoted and len(head) >= _QUOTED_NOTICE_CHARS:
        return False
    return bool(_ABSENCE_SPAN.search(head) or find_dates(head))


# A notice above a quote is a few lines; a person's reply that long says more than "I'm away".
_QUOTED_NOTICE_CHARS = 1000
# What a person answering us writes and a program's notice does not: yes, interest or its
# refusal, a request to stop, "sounds good", asking us to send something.
_ANSWER_WORDS = Phrases(
    r"\b(?:yes|yeah|oui|sí|sì|jawohl|gladly)\b|(?:^|[.!?]\s+)(?:ja|jo|jep)\s*[,!]"
    r"|\b(?:we|i)(?:'re| are|'m| am| would be|'d be) (?:very |really |definitely |quite )?"
    r"interested\b|\bnot interested\b|\binterested in (?:your|this|it|learning)\b"
    r"|\bsounds (?:good|great|interesting|promising)\b|\blet'?s (?:talk|speak|chat|meet|do)\b"
    r"|\b(?:please )?send (?:me|us) (?:the|a|an|more|some|your)\b|\bunsubscrib|\bremove (?:me|us)\b"
    # The first person only: a hotel's notice may well say "if you are interested in a room".
    r"|\b(?:wir sind|ich bin|wären|wäre) (?:sehr |durchaus |grundsätzlich )?interessiert\b"
    r"|\bkein(?:en)? (?:interesse|bedarf)\b|\bklingt (?:gut|interessant|spannend)\b"
    r"|\b(?:schicken|senden) sie (?:mir|uns)\b|\b(?:ça|cela) (?:m'|nous )intéresse"
    r"|\b(?:nous sommes|je suis|nous serions|je serais) (?:très |vraiment )?(?:pas )?intéress"
    r"|\benvoyez[- ](?:moi|nous)\b|\b(?:estamos|estoy|estaríamos) (?:muy )?interesad"
    r"|\b(?:me|nos) interesa\b|\b(?:siamo|sono|saremmo) (?:molto )?interessat"
    r"|\b(?:mi|ci) interessa\b|\b(?:wij zijn|we zijn|ik ben) (?:zeer |erg )?ge[iï]nteresseerd\b"
    r"|\b(?:vi är|jag är|vi er|jeg er) (?:meget |veldig |mycket )?(?:ikke |inte )?interesse?ra?"
    r"|\b(?:jesteśmy|jestem) (?:bardzo )?zainteresowan|\b(?:мы|я) (?:очень )?заинтересован"
    r"|\bинтересно\b|興味"
    # Asked to come back later, or told what happens next: a person's plan, not a rule's.
    r"|\b(?:contact|call|ring|write(?: to)?|e-?mail|get back to|reach out to|ping|try) (?:me|us)"
    r" (?:again )?(?:after|then|afterwards|later|next|when|once|on my return"
    r"|in (?:a few|two|three) (?:days|weeks|months))\b|\btry again (?:then|later|after|in)\b|\blet me (?:check|see|discuss"
    r"|talk|ask|think|know)\b|\bwill (?:call|ring|phone) you\b"
    r"|\b(?:decides?|is responsible|handles?|is in charge) (?:on |for |of )?(?:this|that|these)\b"
    r"|\bgerne (?:ein|einen) (?:telefonat|gespräch|termin|austausch|call)\b"
    r"|\bmelden sie sich (?:gerne |bitte )?(?:danach|nach|wieder|im|ab)\b"
    r"|\b(?:kontaktieren|rufen) sie mich (?:gerne |bitte )?(?:danach|nach|wieder|ab)\b"
    r"|\b(?:re)?contactez[- ]moi (?:après|plus tard|à mon retour)|\b(?:recontactez|rappelez|"
    r"réécrivez)[- ](?:moi|nous)\b|\bescríba(?:me|nos) (?:después|más tarde|a la vuelta)"
    r"|\bvuelva a (?:escribirme|contactarme|llamarme)|\bcontácte(?:me|nos) (?:después|más tarde)"
    r"|\bmi (?:ricontatti|riscriva|richiami)\b|\bricontattate(?:mi|ci)\b"
    r"|\bneem (?:daarna|dan|later) .{0,20}contact op\b|\bbel (?:me|ons) (?:daarna|later)\b",
    re.IGNORECASE)
# A question a notice asks itself ("Need urgent help? Call reception."): not one to us.
_NOTICE_QUESTION = Phrases(
    r"urgent|immediate|asap|dringend|eilig|sofort|urgence|urgente?s?|immédiat|inmediat|urgenza"
    r"|spoed|brådskande|hastende|haster|pilne|pilnych|срочн|至急|急ぎ|emergency|notfall",
    re.IGNORECASE)
_QUESTION = re.compile(r"[^.!?。！？\n]{0,300}[?？]")


def _answers_us(head: str) -> bool:
    """Whether the new text answers our message: a greeting by name (a rule does not know whom
    it answers: "Dear Sender", "Sehr geehrte Damen und Herren"), a question to us, or the words
    of a person's answer (``_ANSWER_WORDS``)."""
    if _ANSWER_WORDS.search(head) or _greets_by_name(head):
        return True
    return any(not _NOTICE_QUESTION.search(q.group()) for q in _QUESTION.finditer(head))


# Whom a rule greets: everyone, or nobody by name ("Dear Sender", "Sehr geehrte Damen und
# Herren", "Thank you for your message").
_GENERIC_ADDRESSEES = frozenset({
    "sender", "sir", "sirs", "madam", "all", "everyone", "team", "guest", "guests", "customer",
    "customers", "client", "clients", "colleague", "colleagues", "partner", "partners", "friend",
    "friends", "valued", "user", "hotel", "damen", "gäste", "gast", "kunde", "kunden", "kundin",
    "geschäftspartner", "absender", "absenderin", "expéditeur", "mesdames", "messieurs",
    "cliente", "clientes", "señores", "remitente", "mittente", "signori", "afzender", "relatie",
    "klant", "avsändare", "avsender", "afsender", "kund", "państwo", "коллеги",
    "for", "your", "für", "ihre", "ihr", "ihnen", "sie", "pour", "votre", "vous", "por", "su",
    "per", "la", "voor", "uw", "för", "din", "er", "za", "за",
})
# Titles before a name: "Hallo Frau Berger", "Dear Ms. Berger".
_HONORIFICS = frozenset({
    "mr", "mrs", "ms", "miss", "dr", "frau", "herr", "herrn", "madame", "monsieur", "mme", "m",
    "señor", "señora", "sr", "sra", "signor", "signora", "sig", "dott", "heer", "mevrouw", "dhr",
    "mevr", "hr", "fr", "pan", "pani", "господин", "госпожа",
})
# Greetings of the languages ``GREETING`` leaves out, for a name after them.
_NAME_GREETING = re.compile(
    r"^\s*(?:hej|hei|hallå|dzień dobry|witam|здравствуйте|добрый день|thanks|thank you|danke"
    r"|vielen dank|merci|gracias|grazie|bedankt|tack|takk|tak|dziękuję|спасибо)\b",
    re.IGNORECASE)


def _greets_by_name(head: str) -> bool:
    first = head.lstrip().split("\n", 1)[0][:80]
    opener = GREETING.match(first) or _NAME_GREETING.match(first)
    if opener is None:
        return False
    # The name follows the greeting at once ("Hi Anna,"); "Hello, I am away" greets nobody.
    named = re.split(r"[,.!:;?]", first[opener.end():], maxsplit=1)[0]
    words = [w for w in re.findall(r"[^\W\d_]+", named)[:4] if w.lower() not in _HONORIFICS]
    return bool(words) and words[0][0].isupper() and words[0].lower() not in _GENERIC_ADDRESSEES


def _titled_notice(head: str) -> bool:
    """Whether the text opens with an out-of-office title line of its own ("Abwesenheitsnotiz",
    "Absence", "Out of Office"), as rules that write no such subject put it in the body."""
    first = head.lstrip().split("\n", 1)[0].strip().rstrip(":.!")
    return 0 < len(first) <= 40 and len(first.split()) <= 5 and bool(_OOO_SUBJECT.search(first)) \
        and not REPLY_PREFIX.match(first)


__all__ = [
    "AutoReply",
    "auto_reply_of",
    "unsubscribe_request",
]
