"""The inbound reader (``understand`` and the offline intent rules) against the sandbox's
prospects (``sandbox.responders``): for every kind of answer in every language, the answers to
40 different sends must read the way their script says (``Scripted.expected``).

The sends are built with Jengu's own ``build_message``: different Message-IDs, senders,
recipients, subjects (some non-ASCII, some follow-ups in a thread) and dates. The sandbox seeds
its wording with the send's Message-ID, so 40 sends reach the phrasing, mail-client and
bounce-format variants one send never would. Pure functions, run in spawned worker processes (one
per core) for speed: no network, no store, no LLM provider. A failure shows the kind's row of the
agreement table (agreed/total per language) and the first disagreements.
"""

from __future__ import annotations

import collections
import functools
import hashlib
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest

from jengu_assets.replies.intent import offline_intent
from jengu_assets.replies.understanding import Understanding, understand
from jengu_resources.smtp import OutgoingEmail, build_message
from sandbox.responders import HUMAN_KINDS, KINDS, LANGUAGES, Scripted, answer

SENDS_PER_CELL = 40
SEED = 11
FIRST_SEND = datetime(2026, 3, 2, 8, 30, tzinfo=timezone.utc)
SENDERS = (("Anna Berger", "anna@jengu.example"), ("Tom Reid", "tom.reid@mail.jengu.example"),
           (None, "outreach3@jengu.example"), ("Léa Moreau", "lea@jengu.example"))
OUR_INBOXES = frozenset(address for _, address in SENDERS)
TLDS = {"en": ("co.uk", "com", "ie"), "de": ("de", "at", "ch"), "fr": ("fr", "be", "lu"),
        "es": ("es", "com.es", "com"), "it": ("it", "com", "sm")}
HOTELS = ("alpenblick", "seeblick", "grand-hotel-central", "villa-marina", "la-pergola",
          "sonnenhof", "castello-verde", "hostal-del-sol", "auberge-du-lac", "the-harbour-inn",
          "parkhotel-stern", "albergo-roma")
MAILBOXES = ("info", "gm", "reservations", "direktion", "m.rossi", "booking", "contact")
# {hotel} is the hotel's name as words.
SUBJECTS = {
    "en": ("Front desk cover for {hotel}", "Quick question about your night shift",
           "Seasonal staff for {hotel} this summer"),
    "de": ("Verstärkung an der Rezeption im {hotel}", "Kurze Frage zu Ihrer Nachtschicht",
           "Saisonkräfte für das {hotel}"),
    "fr": ("Renfort à la réception de l'{hotel}", "Une question sur vos veilleurs de nuit",
           "Personnel saisonnier pour l'{hotel}"),
    "es": ("Personal de recepción para {hotel}", "Una pregunta sobre su turno de noche",
           "Personal de temporada para {hotel}"),
    "it": ("Personale per il ricevimento di {hotel}", "Una domanda sul vostro turno di notte",
           "Personale stagionale per {hotel}"),
}
# What a correct reader files an answer under, when the script's word differs from ours.
READER_KIND = {"unknown": "malformed"}


def _message_id(language: str, n: int) -> str:
    return f"<{hashlib.sha256(f'{language}/{n}'.encode()).hexdigest()[:32]}@jengu.example>"


def _send(language: str, n: int) -> bytes:
    """The n-th outreach email to a hotel answering in ``language``, as Jengu sends it."""
    slug = HOTELS[n % len(HOTELS)]
    hotel = " ".join(word.capitalize() for word in slug.split("-"))
    domain = f"{slug}-{n}.{TLDS[language][n % 3]}"
    from_name, from_email = SENDERS[n % len(SENDERS)]
    subject = SUBJECTS[language][n % 3].format(hotel=hotel)
    thread: dict = {}
    if n % 4 == 3:
        # A follow-up: the answer threads to the follow-up, not to the first email.
        first = _message_id(language, n + 1000)
        subject, thread = f"Re: {subject}", {"in_reply_to": first, "references": (first,)}
    return build_message(OutgoingEmail(
        message_id=_message_id(language, n), from_email=from_email, from_name=from_name,
        to_email=f"{MAILBOXES[n % len(MAILBOXES)]}@{domain}", subject=subject,
        body=(f"Hello,\n\nI saw that {hotel} is looking for front desk staff. We place trained "
              "people within a week.\n\nWould a short call be useful?\n\nBest regards\n"
              f"{from_name or 'Jengu'}"),
        date=FIRST_SEND + timedelta(hours=7 * n, minutes=13 * n),
        unsubscribe_mailto="mailto:unsubscribe@jengu.example?subject=unsubscribe",
        **thread)).as_bytes()


@dataclass(frozen=True)
class _Reading:
    language: str
    send: int
    scripted: Scripted
    reply_text: str | None
    disagreements: tuple[str, ...]
    """Where the reader and the script part ways; empty when they agree."""


def _readings(kind: str) -> tuple[_Reading, ...]:
    return _all_readings()[kind]


@functools.cache
def _all_readings() -> dict[str, tuple[_Reading, ...]]:
    # Writing 2,200 answers is most of the work: one process per core (spawned, so no fork of a
    # process with threads) brings the module to a few seconds.
    workers = min(len(KINDS), os.cpu_count() or 1)
    if workers == 1:
        return {kind: _read(kind) for kind in KINDS}
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return dict(zip(KINDS, pool.map(_read, KINDS), strict=True))


def _read(kind: str) -> tuple[_Reading, ...]:
    readings = []
    for language in LANGUAGES:
        for n in range(SENDS_PER_CELL):
            scripted = answer(_send(language, n), kind, language=language, seed=SEED)
            result = understand(scripted.raw, own_addresses=OUR_INBOXES)
            readings.append(_Reading(language, n, scripted, result.reply_text,
                                     tuple(_disagreements(scripted.expected, result))))
    return tuple(readings)


def _disagreements(want: dict, result: Understanding) -> list[str]:
    kind = READER_KIND.get(want["kind"], want["kind"])
    if result.kind != kind:
        return [f"kind {result.kind} ({result.reason}), expected {kind}"]
    found: dict[str, object] = {}
    if want["in_reply_to"]:
        found["in_reply_to"] = result.parsed.in_reply_to
    if kind == "bounce":
        bounce = result.bounce
        found.update(recipient=bounce.recipient, status=bounce.status, category=bounce.category,
                     action=bounce.action, original_message_id=bounce.original_message_id)
    elif kind == "complaint":
        complaint = result.complaint
        found.update(recipient=complaint.recipient, feedback_type=complaint.feedback_type,
                     original_message_id=complaint.original_message_id)
    elif kind == "auto_reply" and want.get("return_date"):
        found["return_date"] = result.auto_reply.return_date
    elif kind == "auto_reply" and want.get("departed"):
        successor = result.auto_reply.successor
        found.update(departed=result.auto_reply.departed, return_date=result.auto_reply.return_date,
                     successor_email=successor.email if successor else None,
                     successor_name=successor.name if successor else None)
    elif kind == "human_reply":
        analysis = offline_intent(result.reply_text or "", result.parsed.subject)
        found["intent"] = analysis.intent
        contact = analysis.details.delegated_contact
        if "delegate_email" in want:
            found["delegate_email"] = contact.email if contact else None
            found["delegate_name"] = contact.name if contact else None
    expected = {key: (date.fromisoformat(want[key]) if key == "return_date" and want[key]
                      else want[key])
                for key in found}
    return [f"{key} {found[key]!r}, expected {expected[key]!r}"
            for key in found if found[key] != expected[key]]


def _table(kinds: tuple[str, ...]) -> tuple[str, list[str]]:
    """The agreement table (agreed/total per kind and language) and the first disagreements."""
    agreed: collections.Counter[tuple[str, str]] = collections.Counter()
    total: collections.Counter[tuple[str, str]] = collections.Counter()
    examples: list[str] = []
    for kind in kinds:
        for reading in _readings(kind):
            total[kind, reading.language] += 1
            agreed[kind, reading.language] += not reading.disagreements
            if reading.disagreements and len(examples) < 10:
                want = reading.scripted.expected
                form = want.get("client") or want.get("style") or want.get("variant") or ""
                examples.append(f"{kind}/{reading.language}/send {reading.send} {form}: "
                                f"{'; '.join(reading.disagreements)}")
    rows = ["kind".ljust(16) + "".join(language.rjust(8) for language in LANGUAGES)]
    rows += [kind.ljust(16) + "".join(f"{agreed[kind, language]}/{total[kind, language]}".rjust(8)
                                      for language in LANGUAGES) for kind in kinds]
    return "\n".join(rows), examples


@pytest.mark.parametrize("kind", KINDS)
def test_the_reader_agrees_with_every_scripted_answer(kind: str):
    table, examples = _table((kind,))
    assert not examples, "\n" + table + "\n" + "\n".join(examples)


def test_the_sends_reach_the_sandbox_variants():
    # Without variety the agreement above would prove little: different sends must get
    # different wording, mail clients and formats.
    sends = [_send(language, n) for language in LANGUAGES for n in range(SENDS_PER_CELL)]
    assert len(set(sends)) == len(sends)
    for kind in HUMAN_KINDS:
        for language in LANGUAGES:
            cell = [r for r in _readings(kind) if r.language == language]
            # The body is the reply's longest line; its first words tell its wording apart.
            openings = {" ".join(max((r.reply_text or "").splitlines(), key=len).split()[:3])
                        for r in cell}
            assert len(openings) > 1, (kind, language, openings)
            assert len({r.scripted.expected["client"] for r in cell}) == 4, (kind, language)

    def seen(kind: str, key: str) -> set:
        return {r.scripted.expected[key] for r in _readings(kind)}

    assert seen("bounce_hard", "style") == {"rfc3464", "qmail", "exchange", "gateway"}
    assert seen("garbage", "variant") == {"bad_charset", "unknown_charset", "broken_multipart",
                                          "truncated"}
    assert seen("out_of_office", "rfc3834") == {True, False}
