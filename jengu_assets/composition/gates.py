"""The gates an outreach draft must pass before it may be sent; pure functions, no I/O.

Each gate returns a ``GateResult`` (name, passed, score, threshold, reason, details):

- ``placeholders``: no template leftovers (``{first_name}``, ``{{x}}``, ``[Name]``,
  ``<FIRST_NAME>``, ``XXX``, ``TODO``, lorem ipsum).
- ``length``: subject of 2-9 words and at most 70 characters; body of 50-180 words.
- ``links``: at most one link (every extra link costs deliverability and looks like marketing).
- ``readability``: Flesch reading ease of at least 60. English by default; German, French,
  Spanish, Italian and Dutch bodies are scored with their language's adaptation of the formula
  (Amstad, Kandel-Moles, Fernández Huerta, Flesch-Vacca, Flesch-Douma), and the reason says which.
- ``claims``: every sentence that states something specific about the hotel (numbers,
  percentages, reviews, awards, competitors, "I noticed ..."/"your website says ...") must be
  traceable to a ``Fact`` of the research report; the rest are listed as unsourced. A model that
  invents a 4.9 rating or an award sinks the sender's credibility with a single email.
- ``spam_gate``: the ``SpamVerdict`` of ``jengu_resources.spamd.SpamChecker`` (computed by the
  caller, since it needs a socket), as a gate.

``run_gates`` runs them all; ``failures_for_regeneration`` turns the failures into instructions
for the next LLM attempt.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import cache

from rapidfuzz import fuzz
from textstat.textstat import textstatistics

from jengu_assets.language import function_words, text_language
from jengu_resources.spamd import SpamVerdict, extract_urls, html_text_and_links


@dataclass(frozen=True)
class Fact:
    """One statement of the research report and where it was found (a URL, "job posting", ...)."""

    text: str
    source: str = ""


@dataclass(frozen=True)
class GateResult:
    name: str
    passed: bool
    score: float
    threshold: float
    reason: str
    details: tuple[str, ...] = ()
    """The offending items (placeholders, unsourced sentences, spam rules), for the next prompt."""


@dataclass
class Draft:
    """An email draft. ``links`` is filled from the body and HTML when not given.

    ``facts_used`` is what the model says it relied on; the ``claims`` gate does not trust it and
    checks the text against the research report itself."""

    subject: str
    body: str
    html: str | None = None
    links: list[str] = field(default_factory=list)
    facts_used: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.links:
            self.links = draft_links(self.body, self.html)

    def to_message(self, *, sender: str, recipient: str) -> bytes:
        """The draft as the RFC 5322 message it would be sent as, for the spam check.

        Date and Message-ID are set because SpamAssassin scores their absence; what is left to
        score is the text itself."""
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = recipient
        msg["Subject"] = self.subject
        msg["Date"] = formatdate(localtime=False)
        domain = sender.rpartition("@")[2].strip("> ") or None
        msg["Message-ID"] = make_msgid(domain=domain)
        msg.set_content(self.body)
        if self.html:
            msg.add_alternative(self.html, subtype="html")
        return msg.as_bytes()


@dataclass(frozen=True)
class GateLimits:
    min_reading_ease: float = 60.0
    subject_min_words: int = 2
    subject_max_words: int = 9
    subject_max_chars: int = 70
    body_min_words: int = 50
    body_max_words: int = 180
    max_links: int = 1
    claim_min_overlap: float = 0.6


DEFAULT_LIMITS = GateLimits()


# -- text helpers ---------------------------------------------------------------------------------

URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"'()\[\]]+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_WORDS = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")


def draft_links(body: str, html: str | None = None) -> list[str]:
    """Distinct links of the plain-text body and, when given, of the HTML (hrefs and text)."""
    found = extract_urls(body)
    if html:
        text, hrefs = html_text_and_links(html)
        found += [h for h in hrefs if not h.lower().startswith(("mailto:", "tel:", "#"))]
        found += extract_urls(text)
    distinct: dict[str, str] = {}
    for url in found:
        distinct.setdefault(url.rstrip("/").lower(), url)
    return list(distinct.values())


def word_count(text: str) -> int:
    """Words as a reader counts them: a URL or an email address is one word."""
    urls = len(URL.findall(text)) + len(_EMAIL.findall(text))
    return urls + len(_WORDS.findall(_EMAIL.sub(" ", URL.sub(" ", text))))


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("ß", "ss").replace("’", "'"))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# -- readability ----------------------------------------------------------------------------------

# textstat's language settings and the name of the formula each one applies.
_READING_EASE: dict[str, tuple[str, str]] = {
    "en": ("en_US", "Flesch reading ease"),
    "de": ("de", "Amstad's German Flesch reading ease"),
    "fr": ("fr", "Kandel-Moles French Flesch reading ease"),
    "es": ("es", "Fernández Huerta Spanish reading ease"),
    "it": ("it", "Flesch-Vacca Italian reading ease"),
    "nl": ("nl", "Flesch-Douma Dutch reading ease"),
}
_LANGUAGE_NAMES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish",
                   "it": "Italian", "nl": "Dutch"}


def readability_language(text: str) -> str:
    """The language whose formula scores ``text``: the one it is clearly written in when the
    gate has a formula for it, else English (the outreach default)."""
    language = text_language(text)
    return language if language in _READING_EASE else "en"


# textstat reads the CMU pronouncing dictionary (about 1 s of CPU) and its hyphenation tables on
# first use and caches them without a lock: scored by several threads at once, each would read
# them again, holding the interpreter lock for seconds while an event loop's deadlines run out.
# Scoring is pure-Python CPU work, so one at a time costs nothing.
_TEXTSTAT_LOCK = threading.Lock()


@cache
def _textstat(lang: str) -> textstatistics:
    stats = textstatistics()
    stats.set_lang(lang)
    return stats


def readability(body: str, *, min_score: float = DEFAULT_LIMITS.min_reading_ease,
                language: str | None = None) -> GateResult:
    """Reading ease of the body; ``language`` (en, de, fr, es, it, nl) is detected when None."""
    # URLs and addresses are no prose, and count as monsters of syllables.
    text = _EMAIL.sub(" ", URL.sub(" ", body)).strip()
    wanted = (language or "")[:2].lower()
    lang = wanted if wanted in _READING_EASE else readability_language(text)
    ts_lang, formula = _READING_EASE[lang]
    if not _WORDS.search(text):
        return GateResult("readability", False, 0.0, min_score, "the body has no text")
    with _TEXTSTAT_LOCK:
        score = round(float(_textstat(ts_lang).flesch_reading_ease(text)), 1)
    passed = score >= min_score
    label = formula if lang == "en" else f"{formula} ({_LANGUAGE_NAMES[lang]} body)"
    comparison = "at least" if passed else "below"
    return GateResult("readability", passed, score, min_score,
                      f"{label} is {score:g}, {comparison} {min_score:g}")


# -- length and links -----------------------------------------------------------------------------


def length(subject: str, body: str, *, limits: GateLimits = DEFAULT_LIMITS) -> GateResult:
    """Subject words and characters, body words. ``score`` is the body's word count."""
    subject_words = word_count(subject)
    subject_chars = len(subject.strip())
    body_words = word_count(body)
    problems = []
    if subject_words < limits.subject_min_words:
        problems.append(f"the subject has {subject_words} word(s), "
                        f"fewer than {limits.subject_min_words}")
    elif subject_words > limits.subject_max_words:
        problems.append(f"the subject has {subject_words} words, "
                        f"more than {limits.subject_max_words}")
    if subject_chars > limits.subject_max_chars:
        problems.append(f"the subject has {subject_chars} characters, "
                        f"more than {limits.subject_max_chars}")
    if body_words < limits.body_min_words:
        problems.append(f"the body has {body_words} words, fewer than {limits.body_min_words}")
    elif body_words > limits.body_max_words:
        problems.append(f"the body has {body_words} words, more than {limits.body_max_words}")
    reason = "; ".join(problems) or (
        f"subject of {subject_words} words and {subject_chars} characters, "
        f"body of {body_words} words"
    )
    return GateResult("length", not problems, float(body_words), float(limits.body_max_words),
                      reason, tuple(problems))


def links(body: str, *, html: str | None = None,
          max_links: int = DEFAULT_LIMITS.max_links) -> GateResult:
    found = draft_links(body, html)
    passed = len(found) <= max_links
    reason = f"{len(found)} link(s), {'within' if passed else 'more than'} the limit of {max_links}"
    return GateResult("links", passed, float(len(found)), float(max_links), reason, tuple(found))


# -- placeholders ---------------------------------------------------------------------------------

# The template syntaxes of Python, Jinja, JavaScript, Word mail merge and printf, the bracketed
# fields models leave ("[Name]") and the notes writers leave ("XXX", "TODO"). A bracket must start
# with a letter so that a footnote "[1]" passes; TODO must be in capitals because "todo" is
# Spanish for "all".
_PLACEHOLDERS = re.compile(
    r"\{\{[^{}\n]{0,60}\}\}|\{[^{}\n]{0,60}\}"
    r"|\[\s*[A-Za-z][\w .'/-]{0,38}\]"
    r"|<<[^<>\n]{1,40}>>|<[A-Z][A-Z0-9_ ]{1,38}>"
    r"|%\(\w+\)s|(?<!\w)%s(?!\w)"
    r"|\b[Xx]{3,}\b|\b(?:TODO|FIXME|TBD)\b"
    r"|(?i:lorem ipsum)|(?i:\binsert\s+[\w ]{1,30}?\s+here\b)"
)


def placeholders(subject: str, body: str, html: str | None = None) -> GateResult:
    found: dict[str, None] = {}
    for text in (subject, body, html_text_and_links(html)[0] if html else ""):
        for match in _PLACEHOLDERS.finditer(text):
            found.setdefault(match.group(0), None)
    items = tuple(found)
    reason = ("unfilled placeholders: " + ", ".join(items)) if items else "no placeholders left"
    return GateResult("placeholders", not items, float(len(items)), 0.0, reason, items)


# -- claims ---------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
_MONTHS = (
    r"(?:jan|feb|fév|fev|m[aä]r|mrt|apr|avr|abr|ma[iy]|mag|mei|jun|juin|giu|jul|juil|lug|aug|"
    r"août|aout|ago|sep|set|o[ck]t|ott|nov|de[cz]|déc|dic)"
)
# Numbers that describe the proposal, not the hotel: "a 15-minute call", a phone number, a time
# of day, a date for the call, "24/7".
_NOT_CLAIM_NUMBERS = re.compile(
    r"(?i)\b\d+\s?-?\s?(?:minutes?|mins?|minuten|minutos|minuti)\b"
    r"|\+?\d[\d ()/.-]{6,}\d"
    r"|\b\d{1,2}:\d{2}\b|\b\d{1,2}\s?(?:am|pm|uhr)\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th|er|\.)?\s(?:of\s|de\s)?{_MONTHS}(?![\w.]*\s*\d{{4}})[\w.]*"
    r"|\b24/7\b"
)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CLAIM_WORDS = re.compile(
    r"(?i)(?<!\w)(?:"
    # percentages
    r"percent|per cent|prozent|pour cent|por ciento|per cento|procent"
    # reviews, ratings, awards, rankings
    r"|reviews?|reviewed|ratings?|rated|stars?|awards?|awarded|winners?|ranked|ranking"
    r"|tripadvisor|booking\.com|google reviews|holidaycheck|expedia|trustpilot|yelp|michelin"
    r"|travell?ers'? choice|guest ?favou?rite"
    r"|bewertung\w*|rezension\w*|auszeichnung\w*|ausgezeichnet\w*|sterne|preistr[aä]ger\w*"
    r"|avis|r[ée]compens\w*|prim[ée]\w*|[ée]toiles"
    r"|rese[ñn]as?|opiniones|valoraci\w+|premiad\w+|galard[oó]n\w*|estrellas"
    r"|recensioni?|premiat\w+|stelle"
    r"|beoordeling\w*|recensies?|onderscheiding\w*|sterren"
    # competitors
    r"|competitors?|competition|hotels? (?:like|such as)|your neighbou?rs?|nearby hotels?"
    r"|wettbewerb\w*|mitbewerber\w*|konkurren\w*|concurren\w*|competidor\w*|competencia"
    r")(?!\w)"
)
_OBSERVATIONS = re.compile(
    r"(?i)(?<!\w)(?:"
    r"i (?:have |'ve )?(?:noticed|saw|seen|read|came across|found|heard|learned|learnt)"
    r"|i see|i understand (?:that )?you|noticed (?:that|you)"
    r"|your (?:website|site|homepage|home page|page|listing|profile|job (?:posting|ad|advert))"
    r" (?:says|said|mentions|mentioned|states|shows|lists|highlights)"
    r"|on your (?:website|site|homepage|home page|instagram|facebook|linkedin|blog)"
    r"|according to|you recently|you(?: have|'ve) (?:just |recently )?(?:opened|launched|"
    r"renovated|won|expanded|added|reopened|been named)|congratulations on"
    r"|ich habe (?:\w+ )?(?:gesehen|gelesen|bemerkt|erfahren)|habe ich (?:\w+ )?(?:gesehen|gelesen)"
    r"|mir ist aufgefallen|wie ich sehe|ich sehe,? dass"
    r"|auf ihrer (?:website|webseite|homepage|seite)|laut ihrer|glückwunsch zu"
    r"|sie haben (?:kürzlich|gerade|vor kurzem)"
    r"|j'ai (?:vu|remarqué|lu|appris)|sur votre site|selon votre|vous avez récemment"
    r"|félicitations pour"
    r"|he (?:visto|notado|leído)|vi que|en su (?:web|página|sitio)|según su"
    r"|(?:felicidades|enhorabuena) por"
    r"|ho (?:visto|notato|letto)|sul (?:vostro|suo) sito|secondo il (?:vostro|suo)"
    r"|(?:complimenti|congratulazioni) per"
    r"|ik (?:zag|heb gezien|merkte|las)|op uw website|gefeliciteerd met"
    r")(?!\w)"
)
_QUOTE = re.compile(r"[\"“„«]([^\"“”„«»\n]{12,})[\"”“»]")

# Words that carry no fact: function words of the six languages, the observation verbs
# themselves and what every hotel email mentions anyway.
_NO_FACT_WORDS = frozenset(
    {_fold(word) for word in function_words(_READING_EASE)}
    | _words(
        "noticed notice saw seen see read came across found heard learned learnt understand "
        "website site homepage home page online com www http https profile listing "
        "hotel hotels your yours you our they their there that this these those which what "
        "just recently currently also very really about into onto over under than then when "
        "has had was were been being does did dear hello thanks thank regards best "
        "how much many more most some any all each every other such only own same too "
        "can could should would may might must shall not who whom whose why where here "
        "its his her him she them out off well both few once again from with "
        "ihrem ihres ihrer einen einem einer eines sich sehr noch nur schon oder aber wenn weil "
        "dass als nach vor uber unter durch gegen ohne hat hatte wird werden wurde kann konnen "
        "mochte mochten gibt gesehen gelesen bemerkt webseite haus hauses "
        "votre vous vos notre nos site remarque avez sont ont mais aussi tres "
        "usted nuestro nuestra visto notado vuestro tiene tienen pero tambien "
        "vostro vostra nostro nostra sito notato avete hanno anche molto "
        "uw onze gezien heeft hebben maar "
        "aufgefallen frappe frappes llamo atencion esto colpito"
    )
)
# A job posting is Jengu's most common fact, and the draft rarely repeats its wording: "you are
# hiring" for "Job posting", "Sie suchen" for "Stellenanzeige". These words count as one. So do
# the words of the other facts the report states in English and a draft says in its own
# language: a rating, stars, rooms, what guests mention.
_HIRING = "=hiring"
_CONCEPT_WORDS = {
    _HIRING: "hiring hire hires hired recruiting recruit recruits recruitment seeking seeks vacancy "
             "vacancies job jobs posting postings posted advert advertised "
             "sucht suchen gesucht stellenanzeige stellenangebot stellenausschreibung jobangebot "
             "cherche cherchez cherchent recrute recrutez recrutement emploi "
             "busca buscan buscando contrata contratando vacante empleo "
             "cerca cercate cercano assume assumete annuncio "
             "zoekt zoeken vacature werven",
    "=rating": "rated rating ratings bewertet bewertung bewertungen note notes notee "
               "valoracion valoraciones valorado valorada valutazione valutazioni valutato "
               "valutata beoordeeld beoordeling",
    "=stars": "star stars stern sterne etoile etoiles estrella estrellas stella stelle ster sterren",
    "=rooms": "room rooms zimmer chambre chambres habitacion habitaciones camera camere kamer "
              "kamers",
    "=guests": "guest guests gast gaste gasten client clients cliente clientes huesped huespedes "
               "ospite ospiti",
    "=mention": "mention mentions mentioned erwahnen erwahnt evoquent evoque mencionan menciona "
                "segnalano segnala noemen noemt",
}
_CONCEPTS = {word: concept for concept, words in _CONCEPT_WORDS.items() for word in _words(words)}


@dataclass(frozen=True)
class _Keys:
    numbers: frozenset[str]
    tokens: frozenset[str]
    quoted: frozenset[str] = frozenset()


def _number_key(raw: str) -> str:
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", raw):
        return re.sub(r"[.,]", "", raw)
    value = raw.replace(",", ".")
    if value.count(".") > 1:
        value = value.replace(".", "")
    return value.rstrip("0").rstrip(".") if "." in value else value.lstrip("0") or "0"


_TOKEN = re.compile(r"[^\W\d_]+")
_CLAIM_WINDOW = 3
_OBSERVED_WORDS = 8


def _key_tokens(text: str) -> frozenset[str]:
    return frozenset(
        _CONCEPTS.get(t, t) for t in _TOKEN.findall(_fold(text))
        if len(t) >= 3 and t not in _NO_FACT_WORDS
    )


def _fact_keys(text: str) -> _Keys:
    text = URL.sub(" ", text)
    return _Keys(frozenset(_number_key(n) for n in _NUMBER.findall(_fold(text))), _key_tokens(text))


def claim_keys(sentence: str) -> _Keys | None:
    """The numbers and key words a source must back, or None when the sentence states nothing
    specific.

    Key words are taken near what makes the sentence a claim (three words either side of a
    number or a review/award/competitor word, the eight words after "I noticed", the words of a
    quotation), so that a sourced fact followed by an opinion ("Your 4.8 on TripAdvisor shows how
    much guests value ...") is judged by the fact, while an embellishment next to it is not."""
    text = _NOT_CLAIM_NUMBERS.sub(" ", URL.sub(" ", sentence))
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]

    def index(offset: int) -> int:
        return next((i for i, (_, end) in enumerate(words) if offset < end), len(words) - 1)

    windows: list[tuple[int, int]] = []
    for match in (*_NUMBER.finditer(text), *_CLAIM_WORDS.finditer(text)):
        first, last = index(match.start()), index(match.end() - 1)
        windows.append((first - _CLAIM_WINDOW, last + _CLAIM_WINDOW))
    for match in _OBSERVATIONS.finditer(text):
        last = index(match.end() - 1)
        windows.append((last + 1, last + _OBSERVED_WORDS))
    quoted: set[str] = set()
    for match in _QUOTE.finditer(text):
        windows.append((index(match.start(1)), index(match.end(1) - 1)))
        quoted |= _key_tokens(match.group(1))
    if not windows:
        return None
    picked = sorted({i for lo, hi in windows
                     for i in range(max(lo, 0), min(hi, len(words) - 1) + 1)})
    near = " ".join(text[words[i][0]:words[i][1]] for i in picked)
    keys = _Keys(frozenset(_number_key(n) for n in _NUMBER.findall(_fold(text))),
                 _key_tokens(near), frozenset(quoted))
    return keys if keys.numbers or keys.tokens else None


def _same_word(a: str, b: str) -> bool:
    if a == b:
        return True
    # Inflections and plurals ("receptionist"/"receptionists", "renovated"/"renovation").
    if min(len(a), len(b)) >= 5 and a[:5] == b[:5]:
        return True
    return min(len(a), len(b)) >= 6 and fuzz.ratio(a, b) >= 85


def is_claim(sentence: str) -> bool:
    """Whether the sentence states something specific that needs a source."""
    return claim_keys(sentence) is not None


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def supporting_facts(sentence: str, facts: Sequence[Fact], *,
                     min_overlap: float = DEFAULT_LIMITS.claim_min_overlap) -> list[Fact]:
    """The facts that back ``sentence``; empty when it is unsourced or states nothing specific.

    A sentence is backed when a fact's text appears in it verbatim, or when the facts that share
    a number or key word with it hold every number in it, every key word of a quotation in it
    (a quotation is someone's words: an invented one must not pass on its neighbours' strength)
    and at least ``min_overlap`` of its other key words (same word, same five-letter stem, or a
    close spelling)."""
    claim = claim_keys(sentence)
    if claim is None:
        return []
    folded = " ".join(_fold(sentence).split())
    related: list[tuple[Fact, _Keys]] = []
    for fact in facts:
        fact_text = " ".join(_fold(fact.text).split())
        keys = _fact_keys(fact.text)
        if len(fact_text) >= 12 and fact_text in folded and claim.numbers <= keys.numbers:
            return [fact]
        if claim.numbers & keys.numbers or any(
                _same_word(t, f) for t in claim.tokens for f in keys.tokens):
            related.append((fact, keys))
    known_numbers = frozenset().union(*(k.numbers for _, k in related))
    if not claim.numbers <= known_numbers:
        return []

    def known(token: str) -> bool:
        return any(_same_word(token, f) for _, k in related for f in k.tokens)

    if not all(known(t) for t in claim.quoted):
        return []
    if claim.tokens and sum(map(known, claim.tokens)) / len(claim.tokens) < min_overlap:
        return []
    return [fact for fact, _ in related]


def claims(body: str, facts: Iterable[Fact | str], *,
           min_overlap: float = DEFAULT_LIMITS.claim_min_overlap) -> GateResult:
    """Every specific statement in ``body`` must be backed by a fact of the research report."""
    known = [f if isinstance(f, Fact) else Fact(str(f)) for f in facts]
    stated = [s for s in sentences(body) if is_claim(s)]
    unsourced = tuple(s for s in stated if not supporting_facts(s, known, min_overlap=min_overlap))
    if unsourced:
        quoted = "; ".join(f'"{s}"' for s in unsourced)
        reason = (f"{len(unsourced)} of {len(stated)} specific statement(s) have no source in "
                  f"the research report: {quoted}")
    else:
        reason = f"all {len(stated)} specific statement(s) are backed by the research report"
    return GateResult("claims", not unsourced, float(len(unsourced)), 0.0, reason, unsourced)


# -- spam and the whole run -----------------------------------------------------------------------


def spam_gate(verdict: SpamVerdict) -> GateResult:
    scorer = "SpamAssassin" if verdict.source == "spamd" else f"heuristic ({verdict.detail})"
    passed = not verdict.is_spam
    comparison = "below" if passed else "at or above"
    rules = f"; rules: {', '.join(verdict.rules)}" if verdict.rules else ""
    return GateResult(
        "spam", passed, verdict.score, verdict.threshold,
        f"{scorer} spam score {verdict.score:g}, {comparison} {verdict.threshold:g}{rules}",
        tuple(verdict.rules),
    )


def run_gates(draft: Draft, facts: Iterable[Fact | str], spam: SpamVerdict, *,
              limits: GateLimits = DEFAULT_LIMITS) -> list[GateResult]:
    """All gates over one draft, in a fixed order (cheap and certain first)."""
    return [
        placeholders(draft.subject, draft.body, draft.html),
        length(draft.subject, draft.body, limits=limits),
        links(draft.body, html=draft.html, max_links=limits.max_links),
        readability(draft.body, min_score=limits.min_reading_ease),
        claims(draft.body, facts, min_overlap=limits.claim_min_overlap),
        spam_gate(spam),
    ]


_ADVICE = {
    "placeholders": "replace each with real text from the research or drop it",
    "length": "keep the subject to 2-9 words (at most 70 characters) and the body to 50-180 words",
    "links": "keep at most one link and write the others out of the email",
    "readability": "use shorter sentences and everyday words",
    "claims": "remove these statements or state only facts that are in the research report",
    "spam": "drop salesy phrases, capitals, exclamation marks, money amounts and extra links",
}
_LABELS = {
    "placeholders": "Placeholders",
    "length": "Length",
    "links": "Links",
    "readability": "Readability",
    "claims": "Unsourced claims",
    "spam": "Spam score",
}


def failures_for_regeneration(results: Iterable[GateResult]) -> str:
    """What the next LLM attempt must fix, one sentence per failed gate; "" when all passed."""
    failed = [r for r in results if not r.passed]
    if not failed:
        return ""
    lines = [f"The previous draft failed {len(failed)} check(s); fix them in the new draft."]
    for result in failed:
        label = _LABELS.get(result.name, result.name.capitalize())
        advice = _ADVICE.get(result.name, "fix this")
        lines.append(f"{label}: {result.reason}; {advice}.")
    return "\n".join(lines)
