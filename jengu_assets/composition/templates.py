"""The offline provider of the ``first_email`` task: deterministic template emails.

When no LLM answers (no key, an outage, an open breaker), a template writes the email from the
research report alone: the provenance sentence, one pain signal or review item, the hiring
signal when there is one (and it is not the posting the provenance already names), a fixed
pitch and one call to action, in English, German, French, Spanish or Italian (English for any
other language).

The report's texts are English: the English template uses them as they are, the others say the
report's values in their own language (``fact_phrases``) and leave out an item that has none,
so that no email mixes two languages. A report without structured provenance (stored before it
existed) falls back to its ``found_via`` text.

Research items are scraped text, so an item is only quoted when it is plain: one short sentence
with no link, no email address and nothing that reads like an instruction to a model. Each
variant (both facts, one, none) is run through the text gates, and the first one that passes is
the answer, so a fact that reads badly is dropped rather than sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jengu_assets.composition import gates
from jengu_assets.composition.fact_phrases import item_clause, provenance_sentence
from jengu_assets.composition.prompts import EmailDraft, language_of, report_from_prompt
from jengu_assets.research.models import ResearchItem, ResearchReport
from jengu_resources.llm import PromptContext

MAX_ITEM_WORDS = 30

_INSTRUCTION = re.compile(
    r"(?i)\b(?:ignore|disregard|forget|override)\b[^.]{0,40}\b(?:instructions?|rules?|prompts?)\b"
    r"|\b(?:system prompt|you are now|act as|new instructions?|send (?:this|it|the email) to)\b"
)
_LINK_OR_ADDRESS = re.compile(r"(?i)https?://|\bwww\.|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_NAME = re.compile(r"^[^\W\d_]+(?:[ '’.-][^\W\d_]+){0,4}$")


def unsafe_reasons(text: str) -> list[str]:
    """Why ``text`` must not be repeated in an email: links, addresses, instructions."""
    reasons = []
    if _LINK_OR_ADDRESS.search(text):
        reasons.append("contains a link or an email address")
    if _INSTRUCTION.search(text):
        reasons.append("reads like an instruction to a model")
    return reasons


def _quotable(text: str) -> str | None:
    """The item text as it can stand in a sentence, or None when it must not be quoted."""
    cleaned = " ".join(text.split()).rstrip(" .!?;:")
    if not cleaned or unsafe_reasons(cleaned) or "\n" in text:
        return None
    if len(gates.sentences(cleaned)) != 1 or gates.word_count(cleaned) > MAX_ITEM_WORDS:
        return None
    if gates.placeholders(cleaned, "").details:
        return None
    return cleaned


def fact_text(item: ResearchItem, language: str) -> str | None:
    """The item as it can stand in an email in ``language`` (a key of ``PHRASES``), or None."""
    if language == "en":
        return _quotable(item.text)
    clause = item_clause(item, language)
    return _quotable(clause) if clause else None


def template_language(report: ResearchReport) -> str:
    """The language the templates write to ``report``: its own when they have it, else English."""
    code = language_of(report)
    return code if code in PHRASES else "en"


def contact_name(report: ResearchReport) -> str | None:
    """The contact's name when it looks like a name (scraped fields can hold anything)."""
    name = " ".join((report.contact_name or "").split())
    return name if name and len(name) <= 60 and _NAME.match(name) else None


@dataclass(frozen=True)
class Phrases:
    subject: str
    subject_fallback: str
    greeting_named: str
    greeting: str
    provenance: str
    provenance_fallback: str
    pain: str
    hiring: str
    pitch: str
    extra: str
    call_to_action: str
    sign_off: str
    first_name_only: bool = False


PHRASES: dict[str, Phrases] = {
    "en": Phrases(
        subject="A question for {company}",
        subject_fallback="A question about your hotel",
        greeting_named="Hi {name},",
        greeting="Hello,",
        provenance="I am writing because of {found_via}.",
        provenance_fallback="I am writing because of your public job posting.",
        pain="One thing stood out to us: {item}.",
        hiring="We also saw this: {item}.",
        pitch="Jengu helps hotels answer guest emails and booking questions fast. "
              "That gives your team more time for the guests in front of them.",
        extra="It is quick to set up and works with the tools you use today.",
        call_to_action="Would you be open to a short call next week?",
        sign_off="Best wishes,\nThe Jengu team",
        first_name_only=True,
    ),
    "de": Phrases(
        subject="Eine Frage an {company}",
        subject_fallback="Eine kurze Frage zu Ihrem Hotel",
        greeting_named="Hallo {name},",
        greeting="Guten Tag,",
        provenance="Ich schreibe Ihnen wegen {found_via}.",
        provenance_fallback="Ich schreibe Ihnen wegen Ihrer Stellenanzeige.",
        pain="Uns ist das aufgefallen: {item}.",
        hiring="Und wir sahen auch das: {item}.",
        pitch="Jengu hilft Hotels, Mails von Gästen schnell zu beantworten. "
              "So hat Ihr Team mehr Zeit für die Gäste im Haus.",
        extra="Es ist schnell da und passt zu den Tools, die Sie schon nutzen.",
        call_to_action="Haben Sie nächste Woche Zeit für ein kurzes Gespräch?",
        sign_off="Viele Grüße\nIhr Jengu Team",
    ),
    "fr": Phrases(
        subject="Une question pour {company}",
        subject_fallback="Une question sur votre hôtel",
        greeting_named="Bonjour {name},",
        greeting="Bonjour,",
        provenance="Je vous écris au sujet de {found_via}.",
        provenance_fallback="Je vous écris au sujet de votre offre d'emploi.",
        pain="Un point nous a frappés : {item}.",
        hiring="Nous avons vu ceci aussi : {item}.",
        pitch="Jengu aide les hôtels à répondre vite aux mails des clients. "
              "Votre équipe a donc plus de temps pour les gens sur place.",
        extra="Cela se met en place vite et va avec vos outils.",
        call_to_action="Avez-vous le temps pour un court appel la semaine prochaine ?",
        sign_off="Bien à vous,\nL'équipe Jengu",
    ),
    "es": Phrases(
        subject="Una pregunta para {company}",
        subject_fallback="Una pregunta sobre su hotel",
        greeting_named="Hola {name},",
        greeting="Hola,",
        provenance="Le escribo por {found_via}.",
        provenance_fallback="Le escribo por su oferta de empleo.",
        pain="Nos llamó la atención esto: {item}.",
        hiring="También vimos esto: {item}.",
        pitch="Jengu ayuda a los hoteles a responder rápido los correos de sus clientes. "
              "Así su equipo tiene más tiempo para la gente que está en el hotel.",
        extra="Se pone en marcha en poco tiempo y va bien con lo que ya usa.",
        call_to_action="¿Tiene tiempo para una llamada corta la semana que viene?",
        sign_off="Un saludo,\nEl equipo de Jengu",
    ),
    "it": Phrases(
        subject="Una domanda per {company}",
        subject_fallback="Una domanda sul vostro hotel",
        greeting_named="Buongiorno {name},",
        greeting="Buongiorno,",
        provenance="Le scrivo per {found_via}.",
        provenance_fallback="Le scrivo per il vostro annuncio di lavoro.",
        pain="Una cosa ci ha colpito: {item}.",
        hiring="Abbiamo visto anche questo: {item}.",
        pitch="Jengu aiuta gli hotel a dare una risposta veloce alle mail dei clienti. "
              "Così il team ha più tempo per chi è in hotel.",
        extra="Si usa in poco tempo e va bene con gli strumenti che già avete.",
        call_to_action="Avete tempo per una breve chiamata la settimana prossima?",
        sign_off="Cordiali saluti,\nIl team di Jengu",
    ),
}


def _first(report: ResearchReport, language: str, *kinds: str) -> ResearchItem | None:
    for kind in kinds:
        for item in report.of_kind(kind):  # type: ignore[arg-type]
            if fact_text(item, language) and not _restates_provenance(report, item):
                return item
    return None


def _restates_provenance(report: ResearchReport, item: ResearchItem) -> bool:
    """Whether ``item`` is the posting the provenance sentence already names: said twice, it
    reads as padding."""
    said = report.provenance
    return bool(said and said.kind == "job_posting" and said.role and item.kind == "hiring_signal"
                and item.role == said.role)


def _provenance(report: ResearchReport, phrases: Phrases, language: str) -> tuple[str, bool]:
    """The provenance sentence, and whether it states the report's provenance (rather than the
    generic fallback)."""
    said = report.provenance
    if language != "en" and said is not None:
        role = _quotable(said.role) if said.role else None
        board = _quotable(said.board) if said.board else None
        # Without the scraped values the sentence is only the template's words, and still true.
        for values in ({"role": role, "board": board}, {"role": None, "board": None}):
            sentence = provenance_sentence(said.model_copy(update=values), language)
            if sentence and _quotable(sentence):
                return sentence, True
    found_via = _quotable(report.found_via)
    if found_via:
        return phrases.provenance.format(found_via=found_via), True
    return phrases.provenance_fallback, False


def _subject(phrases: Phrases, company: str) -> str:
    subject = phrases.subject.format(company=" ".join(company.split()))
    words = gates.word_count(subject)
    if (len(subject) > gates.DEFAULT_LIMITS.subject_max_chars
            or words > gates.DEFAULT_LIMITS.subject_max_words or unsafe_reasons(company)
            or gates.placeholders(company, "").details):
        return phrases.subject_fallback
    return subject


def _render(report: ResearchReport, language: str, items: list[tuple[str, ResearchItem]]
            ) -> EmailDraft:
    phrases = PHRASES[language]
    name = contact_name(report)
    if name and phrases.first_name_only:
        name = name.split()[0]
    greeting = phrases.greeting_named.format(name=name) if name else phrases.greeting
    provenance, stated = _provenance(report, phrases, language)
    facts = [t.format(item=fact_text(item, language)) for t, item in items]
    body_lines = [
        greeting,
        "",
        " ".join([provenance, *facts]),
        "",
        f"{phrases.pitch} {phrases.extra}",
        "",
        phrases.call_to_action,
        "",
        phrases.sign_off,
    ]
    used = ([report.found_via] if stated else []) + [item.text for _, item in items]
    return EmailDraft(subject=_subject(phrases, report.company_name),
                      body="\n".join(body_lines), facts_used=used)


def _passes_text_gates(draft: EmailDraft, report: ResearchReport) -> bool:
    facts = [gates.Fact(text, source) for text, source in report.facts()]
    results = [
        gates.placeholders(draft.subject, draft.body),
        gates.length(draft.subject, draft.body),
        gates.links(draft.body),
        gates.readability(draft.body),
        gates.claims(draft.body, facts),
    ]
    return all(r.passed for r in results) and not unsafe_reasons(draft.body)


def first_email(report: ResearchReport) -> EmailDraft:
    """The template email for ``report``: the richest variant that passes the text gates."""
    language = template_language(report)
    phrases = PHRASES[language]
    pain = _first(report, language, "pain_signal", "review")
    hiring = _first(report, language, "hiring_signal")
    options: list[list[tuple[str, ResearchItem]]] = []
    both = [(phrases.pain, pain)] if pain else []
    both += [(phrases.hiring, hiring)] if hiring else []
    options.append(both)
    options += [[pair] for pair in both] if len(both) == 2 else []
    options.append([])
    drafts = [_render(report, language, option) for option in options]
    return next((d for d in drafts if _passes_text_gates(d, report)), drafts[0])


def offline_first_email(context: PromptContext) -> EmailDraft:
    """The offline handler: the report is read back from the prompt's research block."""
    return first_email(report_from_prompt(context.prompt))


__all__ = [
    "PHRASES",
    "contact_name",
    "fact_text",
    "first_email",
    "offline_first_email",
    "template_language",
    "unsafe_reasons",
]
