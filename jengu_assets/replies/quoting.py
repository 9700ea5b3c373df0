"""The new words of a reply: quoted history and the signature cut away, pure text rules.

``reply_text`` finds where the history starts (attribution lines such as "On ... wrote:" in the
languages and wrappings mail clients write them, Outlook's header blocks, separators, GroupWise
and Lotus Notes headers, ``>`` lines) and where the writer's words end (sign-offs, mobile
footers, legal footers, a contact block, the writer's own name). Answers written between quoted
questions, or below the quote, are kept. ``REPLY_PREFIX`` recognises a subject that answers
("Re:", "AW:", "SV:", "Odp:", "返信:").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

REPLY_PREFIX = re.compile(
    r"^\s*(?:re|aw|antw|sv|vs|ref|rif|r|res|odp|wg|fw|fwd|tr|ynt|ilt|ответ|отв|pd"
    r"|返信|回复|答复|转发)\s*(?:\[\d+\])?\s*[:：]", re.IGNORECASE)


_QUOTE_OPENER = re.compile(r"^(?:>\s*)*(On|Am|Le|El|Il|Op|Em|No dia|Den|W dniu)\s", re.IGNORECASE)
_QUOTE_HEADERS = tuple(re.compile(p, re.IGNORECASE) for p in (
    r"^On\b.{0,400}\bwrote\s*:\s*$",
    r"^Am\b.{0,400}\bschrieb\b.{0,300}:\s*$",
    r"^Le\b.{0,400}\ba\s+écrit\s*:\s*$",
    r"^El\b.{0,400}\bescribió\s*:\s*$",
    r"^Il\b.{0,400}\bha\s+scritto\s*:\s*$",
    r"^Op\b.{0,400}\bschreef\b.{0,300}:\s*$",
    r"^(?:Em|No dia)\b.{0,400}\bescreveu\s*:\s*$",
    # Gmail in Japanese and Chinese: a date, the writer's address and a colon, no verb.
    r"^20\d\d\s*年.{0,200}<[^<>\s]+@[^<>\s]+>\s*[:：]\s*$",
    # Horde, SquirrelMail and other webmailers name the writer first: "Quoting Anna Berger
    # <anna@...>:", "Zitat von ...:".
    r"^(?:quoting|zitat von|citando(?: a)?|citation de|citazione di|cytując|cytat)\b"
    r"(?=[^\n]{0,300}@)[^\n]{0,300}[:：]\s*$",
))
# GroupWise opens the quote with the writer and the time between chevrons:
# '>>> "Anna Berger" <anna@jengu.example> 4/7/2026 10:12 AM >>>'.
_GROUPWISE = re.compile(r"^\s*>>>[ \t].{1,300}\d{1,2}[:.]\d{2}.{0,20}>>>\s*$")
# Lotus Notes (before 8.5) sets the header out as a table: the writer with the address, the date
# and time, then the field names alone on their lines ("An", "Kopie", "Thema").
_NOTES_WRITER = re.compile(r"^[^<>@\n]{0,80}<?[^<>\s@]+@[^<>\s@]+>?\s*$")
_NOTES_DATE = re.compile(r"^\s*\d{1,4}[./-]\d{1,2}[./-]\d{2,4}\s+\d{1,2}[:.]\d{2}(?:\s*[AP]M)?\s*$",
                         re.IGNORECASE)
_NOTES_FIELD = re.compile(r"^\s*(?:To|An|À|A|Para|Aan|Till|Til|Do|Komu|Кому|Cc|Kopie|Copie)\s*$",
                          re.IGNORECASE)
_QUOTE_MARKS = re.compile(r"^(?:\s*>)+")
_WROTE_VERBS = ("wrote", "schrieb", "geschrieben", "écrit", "escribió", "scritto", "schreef",
                "geschreven", "escreveu", "skrev", "kirjoitti", "pisze", "napisał", "napsal",
                "написал", "yazdı", "写道", "寫道", "viết", "írta", "a scris", "έγραψε",
                "napisao", "napisala", "napísal", "написа", "rašė", "rakstīja", "kirjutas")
# "Name <addr> schrieb am 17.11.2026:", "Anna a écrit le ... :", "Anna wrote on 03/03/2026
# 10:15:00:": with an address, a time or a year before the verb.
_WROTE_END = re.compile(
    r"(?:\b(?:wrote|schrieb|geschrieben|a écrit|escribió|ha scritto|schreef|geschreven|escreveu"
    r"|skrev|kirjoitti|pisze|napisał|napisała|napsal|napsala|написал|написала|yazdı"
    # vi, hu, ro, el, hr/sr/bs, sk, bg, lt, lv, et
    r"|đã viết|írta|a scris|έγραψε|napisao|napisala|napísal|napísala|написа|rašė|rakstīja"
    r"|kirjutas)\b|写道|寫道)[^\n]{0,200}[:：]\s*$",
    re.IGNORECASE)
_DATE_OR_ADDRESS = re.compile(r"@|\d{1,2}:\d{2}|\b\d{4}\b")
_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(?:original message|original-nachricht|ursprüngliche nachricht"
    r"|message d'origine|message original|mensaje original|messaggio originale"
    r"|oorspronkelijk bericht|mensagem original|forwarded message|weitergeleitete nachricht"
    r"|message transféré|mensaje reenviado|messaggio inoltrato|doorgestuurd bericht"
    r"|mensagem encaminhada|oprindelig meddelelse|ursprungligt meddelande|opprinnelig melding"
    r"|alkuperäinen viesti|oryginalna wiadomość|wiadomość oryginalna|původní zpráva"
    r"|исходное сообщение|orijinal ileti|orijinal mesaj|元のメッセージ|原始邮件|原始郵件"
    r"|videresendt meddelelse|vidarebefordrat meddelande|välitetty viesti"
    r"|przekazana wiadomość|přeposlaná zpráva|пересылаемое сообщение)\s*-{2,}\s*$"
    r"|^\s*-{2,}\s*(?:ursprüngliche mail|mail original|original mail|e-mail original)\s*-{2,}\s*$"
    # Android's and some webmailers' attribution between dashes: "---- Anna wrote ----".
    r"|^\s*-{2,}\s*[^\n]{1,200}\b(?:wrote|schrieb|a écrit|escribió|ha scritto|schreef|escreveu"
    r"|skrev|napisał|написал)\s*:?\s*-{2,}\s*$"
    r"|^\s*_{10,}\s*$",
    re.IGNORECASE)
_HEADER_FROM = re.compile(
    r"^\s*\*?(?:From|Von|De|Da|Van|Fra|Od|Absender|Från|Lähettäjä|Nadawca|Odesílatel|От"
    r"|Kimden|Gönderen|差出人|发件人|寄件者|Expéditeur|Remitente|Mittente|Afzender|Remetente)"
    r"\s*[:：]\*?\s*\S", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\*?(?:Sent|Gesendet|Envoyé|Enviado|Inviato|Verzonden|Date|Datum|Fecha|Data|Sendt"
    r"|To|An|À|A|Para|Aan|Subject|Betreff|Objet|Asunto|Oggetto|Onderwerp|Assunto|Cc|Kopie"
    r"|Skickat|Till|Til|Emne|Ämne|Lähetetty|Päivämäärä|Vastaanottaja|Aihe|Wysłano|Wysłane"
    r"|Do|Temat|Odesláno|Komu|Předmět|Отправлено|Дата|Кому|Тема|Gönderildi|Tarih|Kime|Konu"
    r"|送信日時|日付|宛先|件名|发送时间|日期|收件人|主题|寄件日期|收件者|主旨)"
    r"\s*[:：]", re.IGNORECASE)
# Webmailers (GMX, web.de, mail.ru) open the block with the date: "Gesendet: ...", then "Von: ...".
_HEADER_SENT = re.compile(
    r"^\s*\*?(?:Sent|Gesendet|Date|Datum|Envoyé|Enviado|Inviato|Verzonden|Data|Fecha|Дата"
    r"|Отправлено)\s*[:：]\*?\s*\S", re.IGNORECASE)
# The header block run together on one line, as HTML without line breaks between the fields
# turns into text: "From: Anna ... Sent: Tuesday ... To: ... Subject: ...".
_LINE_BLOCK_FROM = re.compile(r"^\s*\*?(?:From|Von|De|Da|Van|Fra|Od|Från|От)\s*:", re.IGNORECASE)
_LINE_BLOCK_SENT = re.compile(
    r"\s\*?(?:Sent|Date|Gesendet|Datum|Envoyé|Enviado|Inviato|Verzonden|Data|Fecha|Sendt|Skickat"
    r"|Wysłano|Отправлено)\s*:", re.IGNORECASE)
_LINE_BLOCK_SUBJECT = re.compile(
    r"\s\*?(?:Subject|Betreff|Objet|Asunto|Oggetto|Onderwerp|Assunto|Emne|Ämne|Temat|Тема)\s*:",
    re.IGNORECASE)
# Legal footers: where the writer's words have ended.
_ENVIRONMENT = (
    r"please consider the environment|think before you print|(bitte )?denken sie an die umwelt"
    r"|pensez à l'environnement|merci de penser à l'environnement|antes de imprimir (este|el)"
    r" (correo|mensaje|e-?mail)|prima di stampare,? (questa|pensa|rifletti)|pensa all'ambiente"
    r"|denk aan het milieu|pense no meio ambiente")
_DISCLAIMER = re.compile(
    # A symbol font's glyph ahead of the words (Outlook's green leaf is a Webdings "P") reads as
    # one letter and a space.
    rf"^\w\s{{1,3}}(?:{_ENVIRONMENT})"
    rf"|^\W{{0,3}}(?:{_ENVIRONMENT}|confidentiality notice|disclaimer"
    r"|privileged (and|&) confidential"
    r"|this (e-?mail|message|communication)( and any (files|attachments)[^.]{0,40})?"
    r" (is|are|may be) (confidential|intended)"
    r"|the (information|contents?) (contained )?in this (e-?mail|message|communication)[^.]{0,200}"
    r"(confidential|privileged|intended)"
    r"|der inhalt dieser e-?mail ist vertraulich|vertraulichkeitshinweis|haftungsausschluss"
    r"|diese (e-?mail|nachricht)[^.]{0,200}(enthält|kann|ist) [^.]{0,60}vertraulich"
    r"|ce (message|courriel|e-?mail)( et [^.]{0,60})? (est|sont) (confidentiel|strictement)"
    r"|(les )?informations contenues[^.]{0,200}confidenti|avis de confidentialité"
    r"|questo messaggio[^.]{0,200}riservat|(le )?informazioni contenute[^.]{0,200}"
    r"(riservat|confidenzial)|avviso di riservatezza"
    r"|este (mensaje|correo)[^.]{0,200}confidencial|aviso (legal|de confidencialidad)"
    r"|(de )?informatie[^.]{0,200}vertrouwelijk|dit (bericht|e-?mailbericht)[^.]{0,200}vertrouwelijk"
    r"|esta mensagem[^.]{0,200}confidencia)",
    re.IGNORECASE)
# A company's registration details (German Pflichtangaben, UK company footers): the end of the
# signature, never the writer's own words.
_LEGAL_FOOTER = re.compile(
    r"\b(sitz der gesellschaft|registergericht|handelsregister|amtsgericht \w+,? hr[ab]\b"
    r"|registered (office|in england)|company registration (no|number))",
    re.IGNORECASE)
_SIG_DELIMITER = re.compile(r"^(?:-- ?|--|__)\s*$")
_MOBILE = re.compile(
    # "Sent from" opening a short line is a program's footer ("Sent from Samsung Mobile",
    # "Sent from BlueMail"), as is an invitation to download a mail app.
    r"^sent from\b(?:\s+\S+){1,6}\s*$"
    r"|^(?:télécharger|herunterladen|download|descargar|scarica|downloaden) (?:de )?outlook\b"
    r"|^(?:sent from my|sent from mail for|sent from outlook|get outlook for|sent with|sent via"
    r"|sent from yahoo|von meinem .{1,40} gesendet|gesendet von meinem|gesendet mit"
    r"|envoyé de mon|envoyé depuis|envoyé à partir de|enviado desde mi|enviado desde|inviato da"
    r"|inviato dal mio|verzonden (vanaf|met) mijn|verstuurd (vanaf|met|via)|enviado do meu"
    r"|enviado a partir do|skickat från|sendt fra"
    r"|lähetetty (iphonesta|android|puhelimesta)|wysłane z|odesláno z|отправлено с"
    r"|(obtenir|obtener|scarica|hanki|skaffa|få|hent|pobierz|baixe|obter) outlook"
    r"|(gesendet von|envoyé de|enviado de|inviato da|verzonden met) outlook"
    r"|outlook (für|voor|pour|para|per) (ios|android))\b"
    r"|^(?:\S{1,20}'(?:umdan|imden|dan|den) gönderildi|iphoneから送信|androidから送信|发自我的"
    r"|寄自我的)", re.IGNORECASE)
_SIGNOFF_WORDS = (
    "best regards", "kind regards", "warm regards", "warmest regards", "with best regards",
    "with kind regards", "regards", "best wishes", "all the best", "best", "cheers",
    "sincerely", "yours sincerely", "yours faithfully", "yours truly", "respectfully",
    "mit freundlichen grüßen", "mit freundlichen grüssen", "mit freundlichem gruß",
    "freundliche grüße", "freundliche grüsse", "viele grüße", "viele grüsse", "beste grüße",
    "beste grüsse", "liebe grüße", "liebe grüsse", "herzliche grüße", "herzliche grüsse",
    "schöne grüße", "grüße", "grüsse", "gruß", "gruss", "lg", "mfg", "vg",
    "cordialement", "bien cordialement", "bien à vous", "salutations", "meilleures salutations",
    "sincères salutations", "amicalement", "bien amicalement", "respectueusement",
    "bonne journée", "saludos", "un saludo", "saludos cordiales", "atentamente", "cordialmente",
    "un cordial saludo", "un abrazo", "cordiali saluti", "distinti saluti", "saluti",
    "un cordiale saluto", "a presto", "buona giornata", "met vriendelijke groet",
    "met vriendelijke groeten", "vriendelijke groet", "vriendelijke groeten", "groeten", "groet",
    "hartelijke groet", "mvg", "atenciosamente", "cumprimentos", "melhores cumprimentos",
    "com os melhores cumprimentos", "saudações", "abraço", "abraços",
    "thanks and regards", "thanks & regards", "many thanks and best regards", "warmly",
    "take care", "talk soon", "speak soon", "mit besten grüßen", "mit besten grüssen",
    # the short forms people type on phones and in Nordic and Dutch English
    "br", "brgds", "rgds", "best rgds", "kind rgds", "kr", "thx", "ciao", "bises", "bisous",
    "tschüss", "grüessli",
    "à bientôt", "belle journée", "un saludo cordial", "atte", "saluti cordiali",
    "un caro saluto", "met hartelijke groet", "hartelijke groeten",
    # sv, da, no, fi, pl, cs, ru, tr
    "med vänlig hälsning", "med vänliga hälsningar", "vänliga hälsningar", "vänlig hälsning",
    "bästa hälsningar", "hälsningar", "mvh", "med venlig hilsen", "venlig hilsen",
    "venlige hilsner", "bedste hilsner", "de bedste hilsner", "hilsen", "med vennlig hilsen",
    "vennlig hilsen", "beste hilsen", "ystävällisin terveisin", "parhain terveisin", "terveisin",
    "pozdrawiam", "pozdrawiam serdecznie", "serdecznie pozdrawiam", "z poważaniem",
    "z wyrazami szacunku", "s pozdravem", "s přátelským pozdravem", "с уважением",
    "всего доброго", "с наилучшими пожеланиями", "saygılarımla", "saygılar", "iyi çalışmalar",
)
_THANKS_WORDS = (
    "thanks", "thank you", "many thanks", "thanks again", "thanks in advance", "danke",
    "vielen dank", "besten dank", "danke schön", "merci", "merci beaucoup", "gracias",
    "muchas gracias", "grazie", "grazie mille", "bedankt", "dank je", "alvast bedankt",
    "obrigado", "obrigada", "muito obrigado", "tack", "tack så mycket", "tak", "mange tak",
    "takk", "kiitos", "dziękuję", "děkuji", "спасибо", "teşekkürler",
)


# The closing alone, or followed by up to three capitalised words on its line ("Thanks, Maria").
_NAME_WORDS = r"(?:[A-ZÀ-ÖØ-ÞŁŚŠŽČŘĆŃŹŻ][\w.'’-]*(?:\s+[A-ZÀ-ÖØ-ÞŁŚŠŽČŘĆŃŹŻ][\w.'’-]*){0,2}\s*)?"


def _closing(words: Iterable[str]) -> re.Pattern[str]:
    alternatives = "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))
    return re.compile(rf"^(?i:{alternatives})\s*[,.!]?\s*{_NAME_WORDS}$")


_SIGNOFF = _closing(_SIGNOFF_WORDS)
_THANKS = _closing(_THANKS_WORDS)
GREETING = re.compile(
    r"^(?:hi|hello|hey|dear|good (morning|afternoon|evening)|hallo|guten (tag|morgen)|liebe|lieber"
    r"|sehr geehrte|moin|servus|bonjour|bonsoir|cher|chère|madame|monsieur|hola|buenos días"
    r"|estimad[oa]|buongiorno|buonasera|gentile|egregi|ciao|salve|beste|geachte|goedemorgen"
    r"|goedemiddag|olá|ola|bom dia|boa tarde|prezad[oa]|car[oa])\b", re.IGNORECASE)
_MAX_REPLY_LINES = 4000
MAX_REPLY_CHARS = 200_000
"""Text read for the new words; ``parse`` never gives more (``parsing.MAX_TEXT_CHARS``)."""


# Where a text rendering had an inline picture (a signature's logo, a social icon):
# "[cid:image001.png@01DA...]", Gmail's "[image: logo.png]", Outlook's "[Logo]<https://...>".
_IMAGE_PLACEHOLDER = re.compile(
    r"^\s*(?:\[(?:cid:|image:\s?)[^\]\n]{0,300}\]|\[[^\]\n]{1,60}\]<https?://[^>\s]{1,500}>)"
    r"(?:\s*\[(?:cid:|image:\s?)[^\]\n]{0,300}\]|\s*\[[^\]\n]{1,60}\]<https?://[^>\s]{1,500}>)*"
    r"\s*$", re.IGNORECASE)


_RULE_LINE = re.compile(r"^\s*(?:-{5,}|_{5,}|={5,}|\*{5,})\s*$")


def reply_text(text: str, sender: Iterable[str | None] = ()) -> str:
    """The new words of a reply: quoted history ("On ... wrote:" and its localised forms, Outlook
    header blocks, "-----Original Message-----", ``>`` lines) and the signature removed.

    ``sender`` is the writer's name as the message gives it (the From display name, the local
    part of the address): a last line that is that name, alone or over a title and contact block,
    is the signature too ("Daniel", "J. Fuchs")."""
    if not text:
        return ""
    lines = _rewrapped_quotes([_IMAGE_PLACEHOLDER.sub("", line).rstrip()
                               for line in text[:MAX_REPLY_CHARS].split("\n")[:_MAX_REPLY_LINES]])
    start = history_start(lines)
    head = lines if start is None else lines[:start]
    if start is not None:
        # A rule drawn above the quoted header block (Outlook's "______" or "------" line).
        end = len(head)
        while end and (not head[end - 1].strip() or _RULE_LINE.match(head[end - 1])):
            end -= 1
        head = head[:end]
    kept = [line for line in head if not line.lstrip().startswith(">")]
    if start is not None:
        rest = lines[_attribution_end(lines, start) + 1:]
        end = history_start(rest)
        below = [line for line in (rest if end is None else rest[:end])
                 if not line.lstrip().startswith(">") and not _HEADER_NEXT.match(line)]
        if not any(line.strip() for line in kept):
            # Written below the quote (bottom-posting): keep the unquoted lines after it, up to
            # the next history marker.
            kept = below
        elif _interleaved(rest if end is None else rest[:end]):
            # "My answers are below": a few words on top, then answers between the quoted
            # questions.
            kept = kept + [""] + below
    kept = _without_signature(kept)
    kept = _without_contact_block(kept)
    kept = _without_own_name(kept, sender)
    out: list[str] = []
    for line in kept:
        if not line.strip():
            if out and out[-1]:
                out.append("")
            continue
        out.append(line.strip())
    return "\n".join(out).strip()


def _rewrapped_quotes(lines: list[str]) -> list[str]:
    """``lines`` with the tail of a quoted line that a mail program wrapped without its ">"
    marked as quoted again: a lower-case continuation under a long quoted line that does not
    end a sentence, with the quote going on below it."""
    out = list(lines)
    for i in range(1, len(lines) - 1):
        line, above, below = lines[i], out[i - 1].lstrip(), lines[i + 1].lstrip()
        if (line[:1].islower() and above.startswith(">") and below.startswith(">")
                and len(above) >= _WRAPPED_WIDTH and above[-1:] not in ".!?:;"):
            out[i] = "> " + line
    return out


# Where mail programs wrap quoted lines (72 to 78 characters, the ">" marks included).
_WRAPPED_WIDTH = 65


def _attribution_end(lines: list[str], start: int) -> int:
    """The last line of the attribution at ``start``: one wrapped over the next lines ends on
    the line with its colon ("Il giovedì 8 dicembre 2026, Anna <anna@example.com>" over "ha
    scritto:")."""
    first = lines[start].rstrip()
    if first.endswith((":", "：")) or not (_QUOTE_OPENER.match(first) or first.endswith("<")):
        return start
    for j in range(start + 1, min(start + 3, len(lines))):
        line = lines[j].rstrip()
        if not line or line.lstrip().startswith(">"):
            break
        if line.endswith((":", "：")):
            return j
    return start


def _interleaved(lines: list[str]) -> bool:
    """Whether written lines stand between two quoted blocks: answers given inline, not a
    signature or a footer under the quote."""
    blocks = 0
    answered = False
    previous = ""
    for line in lines:
        if not line.strip():
            continue
        kind = "quote" if line.lstrip().startswith(">") else "text"
        if kind != previous:
            if kind == "quote":
                blocks += 1
                if answered:
                    return True
            elif blocks:
                answered = True
            previous = kind
    return False


def _unquote(line: str) -> str:
    return _QUOTE_MARKS.sub("", line).strip()


def history_start(lines: list[str]) -> int | None:
    """Index of the first line of quoted history (a separator, an Outlook header block, or an
    attribution line such as "On ... wrote:", which mail clients wrap over up to three lines)."""
    for i, line in enumerate(lines):
        if len(line) > 1000:
            continue
        if (line.lstrip().startswith(">>>") and _GROUPWISE.match(line)) or (
                len(line) <= 120 and "@" in line and _NOTES_WRITER.match(line)
                and _notes_header(lines, i)):
            return i
        bare = _unquote(line)
        if not bare:
            continue
        if _SEPARATOR.match(bare) or (_LINE_BLOCK_FROM.match(bare) and len(bare) <= 800
                                      and _LINE_BLOCK_SENT.search(bare)
                                      and _LINE_BLOCK_SUBJECT.search(bare)):
            return i
        if _HEADER_FROM.match(bare) and any(
                _HEADER_NEXT.match(_unquote(nxt)) for nxt in lines[i + 1:i + 5]):
            return i
        if _HEADER_SENT.match(bare) and any(
                _HEADER_FROM.match(_unquote(nxt)) for nxt in lines[i + 1:i + 3]) and any(
                _HEADER_NEXT.match(_unquote(nxt)) for nxt in lines[i + 2:i + 6]):
            return i
        if _verbless_attribution(bare, lines, i):
            return i
        if i and len(bare) <= 400 and lines[i - 1].endswith("<"):
            joined = f"{_unquote(lines[i - 1])}{bare}"
            if _is_attribution(joined) or _verbless_attribution(joined, lines, i):
                # Wrapped inside the address: '02.04.2012 14:20 пользователь "bob@x.org" <' over
                # "bob@x.org> написал:", "2014-10-17 11:28 GMT+03:00 Anna <" over "anna@x.org>:".
                return i - 1
        if i and len(bare) <= 40 and not _is_attribution(bare) \
                and _is_attribution(f"{_unquote(lines[i - 1])} {bare}"):
            # Gmail wraps a long attribution before its verb: "wt., 7 kwi 2026 o 10:12 Anna
            # Berger <anna@jengu.example>" over "napisał(a):".
            return i - 1
        opener = _QUOTE_OPENER.match(line) is not None
        joined = bare
        for extra in range(3 if opener else 1):
            if extra:
                if i + extra >= len(lines):
                    break
                joined = f"{joined} {_unquote(lines[i + extra])}"
            if _is_attribution(joined):
                return i
    return None


def _notes_header(lines: list[str], i: int) -> bool:
    """Whether the writer's line at ``i`` opens a Lotus Notes header table: a date and time on
    the next line, and a field name alone on a line a few lines below."""
    following = [line for line in lines[i + 1:i + 9] if line.strip()]
    return bool(following) and _NOTES_DATE.match(following[0]) is not None and any(
        _NOTES_FIELD.match(line) for line in following[1:4])


_ADDRESS_AT_END = re.compile(r"[<(\[][^<>()\[\]\s@]+@[^<>()\[\]\s@]+[>)\]]\s*[:：]\s*$")
_TIME_OR_YEAR = re.compile(r"\d{1,2}[:.]\d{2}|\b20\d\d\b")
_CLOCK = re.compile(r"(?<![\d.])\d{1,2}[:.]\d{2}(?![\d.])")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


# Old Gmail: "2011/4/7 Anna Berger <anna@example.com>" over the quote, with no colon.
_DATED_WRITER = re.compile(r"^(?:19|20)\d\d[/.-]\d{1,2}[/.-]\d{1,2}\b[^\n]{0,200}<[^<>\s@]+@[^<>\s]+>$")


def _verbless_attribution(bare: str, lines: list[str], i: int) -> bool:
    """Gmail's attribution in languages where it has no verb ("пт, 20 мар. 2026 г. в 09:15, Anna
    <anna@example.com>:") or from before it had one, over quoted lines; with a full date and
    time it needs no quoted lines below."""
    if len(bare) > 400:
        return False
    if bare[-1:] in ":：":
        if not (_ADDRESS_AT_END.search(bare) and _TIME_OR_YEAR.search(bare)):
            return False
        # With a date and its time, the quote below may have lost its ">" marks (an HTML quote
        # turned into text).
        return bool(_CLOCK.search(bare) and _YEAR.search(bare)) or _quoted_next(lines, i)
    return bare[-1:] == ">" and bool(_DATED_WRITER.match(bare)) and _quoted_next(lines, i)


def _quoted_next(lines: list[str], i: int) -> bool:
    for line in lines[i + 1:i + 4]:
        if line.strip():
            return line.lstrip().startswith(">")
    return False


# "On ... Anna <anna@example.com> wrote", its colon lost.
_WROTE_AT_END = re.compile(r"\b(?:wrote|schrieb|a écrit|escribió|ha scritto|schreef|escreveu)$",
                           re.IGNORECASE)


def _is_attribution(line: str) -> bool:
    if not line.rstrip().endswith((":", "：")):
        return "@" in line and _QUOTE_OPENER.match(line) is not None \
            and _WROTE_AT_END.search(line.rstrip()) is not None
    if any(p.match(line) for p in _QUOTE_HEADERS):
        return True
    lowered = line.lower()
    if not any(verb in lowered for verb in _WROTE_VERBS):
        return False
    match = _WROTE_END.search(line)
    return bool(match and match.start() <= 700 and _DATE_OR_ADDRESS.search(line, 0, match.start()))


def _without_signature(lines: list[str]) -> list[str]:
    content_seen = written = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if (_SIG_DELIMITER.match(line) or _MOBILE.match(stripped) or _DISCLAIMER.match(stripped)
                or _LEGAL_FOOTER.search(stripped)):
            # A footer under any written line ends the reply, under a lone "Hello" too.
            if written:
                return lines[:i]
            continue
        written = True
        if content_seen and len(stripped) <= 60:
            if _SIGNOFF.match(stripped):
                return lines[:i]
            if _THANKS.match(stripped) and _name_block(lines[i + 1:]):
                return lines[:i]
        # "Hi Anna," alone greets; "Buongiorno, si occupa di questo..." already says something.
        if not (GREETING.match(stripped) and len(stripped.split()) <= 5):
            content_seen = True
    return lines


_NAME_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)


def _fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower())
                   if not unicodedata.combining(c))


def _without_own_name(lines: list[str], sender: Iterable[str | None]) -> list[str]:
    names = {_fold(t) for value in sender if value
             for t in _NAME_TOKEN.findall(value[:200]) if len(t) >= 2}
    if not names:
        return lines
    filled = [i for i, line in enumerate(lines) if line.strip()]
    for i in filled[1:][-8:]:
        if _is_own_name(lines[i], names) and _name_block(lines[i + 1:]):
            return lines[:i]
    return lines


# "Pieter Claes | Front Office Manager", "Anna Berger · Inhaberin": the name, then a title.
_NAME_TITLE_SEPARATOR = re.compile(r"\s[|·•/–—-]\s|,\s|\s\|")


def _is_own_name(line: str, names: set[str]) -> bool:
    line, *title = _NAME_TITLE_SEPARATOR.split(line.strip().lstrip("-–—~ "), maxsplit=1)
    if title and (len(title[0].split()) > 6 or "?" in title[0]):
        return False
    words = line.strip().rstrip(",.!").split()
    if not 1 <= len(words) <= 4:
        return False
    whole = 0
    for word in words:
        folded = _fold(word.rstrip(",."))
        if folded in names:
            whole += 1
        elif not (len(folded) == 1 and any(n[0] == folded for n in names)):
            return False  # an initial ("J. Fuchs") counts only with the name it stands for
    return whole > 0


# Lines of a signature's contact block: a phone number, a web or mail address, a labelled field.
_CONTACT_LINE = re.compile(
    r"(?:^|\s|:)\+?\(?\d[\d ()./-]{6,}\d\b|\bwww\.|https?://|[^\s@]+@[^\s@]+\.\w{2,}"
    r"|^\W{0,2}(?:tel|phone|mobile|mob|cell|fax|t|m|f|e|p)\b\.?\s*[:.]", re.IGNORECASE)
_NAME_LINE = re.compile(
    r"^[A-ZÀ-ÖØ-ÞŁŚŠŽČŘĆŃŹŻ][\w.'’-]*(?:\s+(?:[A-ZÀ-ÖØ-ÞŁŚŠŽČŘĆŃŹŻ&][\w.'’&-]*|de|van|von|der"
    r"|di|da|del|dos|le|la|du|\||·|-|–))*$")


# Words that announce the contact details that follow as the message itself ("please contact
# our GM:", "you can reach her at").
_INTRODUCES_CONTACT = re.compile(
    r"\b(?:contact\w*|reach|call|phone|ring|write( to)?|e-?mail|speak (to|with)|talk (to|with)"
    r"|kontaktier\w*|wenden sie sich an|erreichen|anrufen|schreiben sie|joindre|appele[rz]"
    r"|écrire à|contatt\w*|rivolg\w*|chiam\w*|scriv\w*|llam\w*|escrib\w*|contacte\w*|bel\w*"
    r"|schrijf|ligue|escrev\w*)\b.{0,30}\b(?:our|my|her|him|his|them|the|unser\w*|mein\w*"
    r"|ihr\w*|frau|herrn?|notre|mon|ma|nostr[oa]|mi[oa]|nuestr[oa]|mi|onze|mijn|nosso|nossa)\b"
    r"|\b(?:below|unten|folgend\w*|ci-dessous|sotto|abajo|hieronder|abaixo)\b|:\s*$",
    re.IGNORECASE)


def _without_contact_block(lines: list[str]) -> list[str]:
    """The lines without a trailing signature that no closing words announced: a paragraph of
    short lines that opens with a name ("Julia Brandt", "Hotel Seeblick") and holds a phone
    number, a web or mail address; and then a name-and-title paragraph just above it. Contact
    details the text before introduces ("please contact our GM:") are the message, and stay."""
    end = len(lines)
    for first in (True, False):
        block_start = _last_paragraph(lines, end)
        if block_start is None:
            break
        block = [x.strip() for x in lines[block_start:end] if x.strip()]
        before = [x.strip() for x in lines[:block_start] if x.strip()]
        if not before or _INTRODUCES_CONTACT.search(before[-1]) or not 1 <= len(block) <= 10:
            break
        if any(len(x) > 80 or x.endswith("?") for x in block):
            break
        names = _NAME_LINE.match(block[0]) is not None and len(block[0].split()) <= 6
        contacts = sum(1 for x in block if _CONTACT_LINE.search(x))
        if first:
            if not (names and contacts and len(block) >= 2):
                break
        elif not (names and not contacts and len(block) <= 3
                  and all(not x.endswith((".", "!", ",")) for x in block)):
            break
        end = block_start
    return lines[:end]


def _last_paragraph(lines: list[str], end: int) -> int | None:
    """Where the last paragraph before ``end`` starts (after a blank line), or None."""
    i = end - 1
    while i >= 0 and not lines[i].strip():
        i -= 1
    while i >= 0 and lines[i].strip():
        i -= 1
    return i + 1 if i >= 0 else None


def _name_block(lines: list[str]) -> bool:
    """Whether the lines after a closing look like a name, title and contact block."""
    filled = [x for x in lines[:40] if x.strip()]
    if len(filled) > 8 or any(x.strip() for x in lines[40:41]):
        return False
    return all(len(x) <= 80 and not x.rstrip().endswith("?") and len(x.split()) <= 8
               for x in filled)


__all__ = [
    "GREETING",
    "MAX_REPLY_CHARS",
    "REPLY_PREFIX",
    "history_start",
    "reply_text",
]
