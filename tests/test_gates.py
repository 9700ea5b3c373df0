"""The composition gates over drafts: pure functions, no sockets (the spam verdict is made here)."""

from __future__ import annotations

import email
import email.policy

import pytest

from jengu_assets.composition.gates import (
    Draft,
    Fact,
    GateLimits,
    claims,
    failures_for_regeneration,
    is_claim,
    length,
    links,
    placeholders,
    readability,
    readability_language,
    run_gates,
    spam_gate,
    supporting_facts,
    word_count,
)
from jengu_resources.spamd import SpamVerdict

FACTS = [
    Fact("Job posting: Night Receptionist (m/w/d) at Hotel Alpenblick, posted 2026-11-18",
         "adzuna:4711"),
    Fact("TripAdvisor rating 4.8 from 1,203 reviews", "https://www.tripadvisor.example/alpenblick"),
    Fact("Renovated spa in 2024; 12 new lake-view suites", "https://alpenblick.example/news"),
    Fact("Family-run since 1962 by the Huber family", "https://alpenblick.example/about"),
    Fact("Stellenanzeige: Nachtportier (m/w/d) im Hotel Alpenblick", "karriere.at:99"),
]

GOOD_BODY = (
    "Hello Mr. Huber,\n\n"
    "I noticed that Hotel Alpenblick is hiring a night receptionist. Many family hotels in Tyrol "
    "get guest emails late in the evening, when the desk is busy. We help small teams answer "
    "those emails fast, in the guest's own language, without extra staff. Your 4.8 rating on "
    "TripAdvisor shows how much your guests value a quick reply.\n\n"
    "Would a short 15-minute call next week be useful? I can show you how it works with your own "
    "inbox.\n\nBest regards,\nAnna"
)
GOOD = Draft("Night shift at Hotel Alpenblick", GOOD_BODY)
CLEAN_VERDICT = SpamVerdict(0.3, 5.0, ["HTML_MESSAGE"], "spamd", "spamd at 127.0.0.1:783")


def words(n: int) -> str:
    return " ".join(["room"] * n)


# -- readability ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "passed", "formula"),
    [
        # short sentences, short words: what a busy hotel manager reads to the end
        (GOOD_BODY, True, "Flesch reading ease is"),
        # one long sentence of abstract nouns: what gets deleted
        (("Notwithstanding considerable organisational heterogeneity, hospitality establishments "
          "increasingly necessitate comprehensive operational optimisation methodologies "
          "facilitating multichannel communication infrastructure standardisation."),
         False, "Flesch reading ease is"),
        # German is scored with Amstad's adaptation, and the reason says so
        (("Sehr geehrter Herr Huber, ich habe gesehen, dass Sie einen Nachtportier suchen. Wir "
          "helfen kleinen Hotels, Mails am Abend schnell zu beantworten. Haben Sie nächste Woche "
          "kurz Zeit?"), True, "Amstad's German Flesch reading ease (German body)"),
        # French: Kandel-Moles
        (("Bonjour Monsieur Huber, j'ai vu que vous cherchez un réceptionniste de nuit. Nous "
          "aidons les petits hôtels à répondre vite aux mails des clients. Avez-vous un peu de "
          "temps la semaine prochaine ?"), True, "Kandel-Moles French"),
        # nothing to read is no pass
        ("   ", False, "the body has no text"),
    ],
)
def test_readability(body: str, passed: bool, formula: str) -> None:
    result = readability(body)

    assert result.passed is passed, result
    assert formula in result.reason
    assert result.threshold == 60


def test_readability_language_can_be_forced() -> None:
    # A German body scored with the English formula scores lower: the forced choice is honoured.
    german = ("Wir helfen kleinen Hotels, Gästeanfragen am Abend schnell und freundlich zu "
              "beantworten.")

    forced = readability(german, language="en")
    detected = readability(german)

    assert forced.reason.startswith("Flesch reading ease is")
    assert "German body" in detected.reason
    assert forced.score != detected.score


def test_links_do_not_count_as_hard_words() -> None:
    # A long URL would otherwise be one word of many "syllables".
    plain = "We can talk next week. It will be short."
    with_link = plain + " https://www.example.com/very/long/path/with-many-segments-and-words"

    assert readability(with_link).score == readability(plain).score


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (GOOD_BODY, "en"),  # the default outreach language
        ("Ich habe gesehen, dass Sie einen Nachtportier suchen. Wir helfen Ihnen gerne.", "de"),
        ("Nous avons vu que vous cherchez un réceptionniste pour la nuit.", "fr"),
        ("Hemos visto que usted busca un recepcionista para el turno de noche.", "es"),
        ("Abbiamo visto che cercate un receptionist per il turno di notte.", "it"),
        ("Wij zagen dat u een receptionist zoekt voor de nacht.", "nl"),
        ("Hallo", "en"),  # too little to tell: English
        # Clearly Portuguese, but the gate has no Portuguese formula: English.
        ("Vimos que a sua equipa está a recrutar um rececionista para o turno da noite.", "en"),
    ],
)
def test_readability_language(text: str, language: str) -> None:
    assert readability_language(text) == language


# -- length and links -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "body", "passed", "problem"),
    [
        ("Night shift at Hotel Alpenblick", words(120), True, ""),  # well inside every limit
        ("Hello", words(120), False, "the subject has 1 word(s), fewer than 2"),  # too vague
        ("One two three four five six seven eight nine ten", words(120), False,
         "the subject has 10 words, more than 9"),  # a sentence, not a subject
        ("Abcdefghijklmnopqrstuvwxyz abcdefghijklmnopqrstuvwxyz abcdefghijklmnopqrstuvw",
         words(120), False, "the subject has 77 characters, more than 70"),  # cut off on phones
        ("Night shift", words(49), False, "the body has 49 words, fewer than 50"),  # too thin
        ("Night shift", words(181), False, "the body has 181 words, more than 180"),  # too long
        ("Night shift", words(50), True, ""),  # the lower bound is inclusive
        ("Night shift", words(180), True, ""),  # and so is the upper one
    ],
)
def test_length(subject: str, body: str, passed: bool, problem: str) -> None:
    result = length(subject, body)

    assert result.passed is passed, result
    if problem:
        assert problem in result.reason


def test_word_count_counts_a_url_or_address_as_one_word() -> None:
    # Readers see one thing; splitting on punctuation would make a link five "words".
    assert word_count("Write to anna@jengu.example or see https://jengu.example/a-b/c-d.") == 6


@pytest.mark.parametrize(
    ("body", "html", "count", "passed"),
    [
        ("No link at all.", None, 0, True),  # the safest email
        ("See https://jengu.example/demo.", None, 1, True),  # one link is allowed
        ("See www.jengu.example and https://jengu.example/demo", None, 2, False),  # two are not
        ("https://jengu.example/a and again https://jengu.example/a", None, 1, True),  # same link
        ("See https://jengu.example/", "<a href='https://jengu.example'>x</a>", 1, True),  # twin
        ("Text", "<a href='https://a.example'>a</a> <a href='https://b.example'>b</a>", 2,
         False),  # the HTML part counts too
        ("Write to anna@jengu.example", "<a href='mailto:anna@jengu.example'>me</a>", 0, True),
    ],
)
def test_links(body: str, html: str | None, count: int, passed: bool) -> None:
    result = links(body, html=html)

    assert (result.score, result.passed) == (count, passed), result


def test_draft_extracts_its_links() -> None:
    draft = Draft("Demo", "See https://jengu.example/demo, then reply.",
                  html="<p><a href='https://jengu.example/video'>video</a></p>")

    assert draft.links == ["https://jengu.example/demo", "https://jengu.example/video"]


# -- placeholders ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Hello {first_name},", "{first_name}"),  # Python format field
        ("Hello {{ first_name }},", "{{ first_name }}"),  # Jinja/Handlebars
        ("Hello ${name},", "{name}"),  # shell/JS template
        ("Hello [Name],", "[Name]"),  # the LLM's favourite
        ("Greetings from [Your Company]", "[Your Company]"),  # with a space
        ("Hello <FIRST_NAME>,", "<FIRST_NAME>"),  # mail-merge tag
        ("Hello <<Name>>,", "<<Name>>"),  # Word mail merge
        ("Hello %s,", "%s"),  # printf
        ("We save you XXX hours a week.", "XXX"),  # number to fill in
        ("TODO: add the hotel's award", "TODO"),  # a note to self
        ("Lorem ipsum dolor sit amet", "Lorem ipsum"),  # filler text
        ("Insert hotel name here.", "Insert hotel name here"),  # instruction left in
    ],
)
def test_placeholders_found(text: str, found: str) -> None:
    result = placeholders("Subject", text)

    assert not result.passed
    assert found in result.details


@pytest.mark.parametrize(
    "text",
    [
        GOOD_BODY,  # an ordinary finished email
        "Todo el equipo del hotel.",  # Spanish "todo" ("all") is not TODO
        "As shown in [1], guests reply faster.",  # a footnote number is no name field
        "Prices in EUR, taxes incl.",  # capitals without brackets
    ],
)
def test_placeholders_clean(text: str) -> None:
    assert placeholders("Night shift", text).passed


def test_placeholders_in_subject_and_html() -> None:
    result = placeholders("Hi [Name]", "Body", html="<p>Hello {{name}}</p>")

    assert result.details == ("[Name]", "{{name}}")


# -- claims ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "source"),
    [
        # the job posting, in other words
        ("I noticed that Hotel Alpenblick is hiring a night receptionist.", "adzuna:4711"),
        # the rating, followed by an opinion that needs no source
        ("Your 4.8 rating on TripAdvisor shows how much your guests value a quick reply.",
         "https://www.tripadvisor.example/alpenblick"),
        # two numbers, both in the same fact, written differently
        ("I saw you renovated the spa in 2024 and added 12 new suites.",
         "https://alpenblick.example/news"),
        # "your website says" plus a year
        ("Your website says the hotel has been family-run since 1962.",
         "https://alpenblick.example/about"),
        # German sentence, German fact
        ("Ich habe gesehen, dass Sie einen Nachtportier suchen.", "karriere.at:99"),
        # thousands separator written the other way
        ("More than 1.203 reviews on TripAdvisor is a lot.",
         "https://www.tripadvisor.example/alpenblick"),
    ],
)
def test_sourced_claims(sentence: str, source: str) -> None:
    assert is_claim(sentence)
    assert source in [f.source for f in supporting_facts(sentence, FACTS)]


@pytest.mark.parametrize(
    "sentence",
    [
        "Your 4.9 rating on TripAdvisor is impressive.",  # wrong number
        "Congratulations on 1,500 reviews on TripAdvisor.",  # invented count
        "I saw you won the HolidayCheck Award.",  # invented award
        "Your TripAdvisor reviews praise the rooftop bar and the sauna.",  # embellished
        "Hotels like yours lose 30% of bookings at night.",  # an unsourced statistic
        "Your competitors in Innsbruck already answer within minutes.",  # invented competitors
        "Your website says you have a rooftop pool.",  # invented observation
        'Your website says "we treat every guest like family".',  # invented quotation
        "Mir ist aufgefallen, dass Sie einen Koch suchen.",  # German, wrong job
    ],
)
def test_unsourced_claims(sentence: str) -> None:
    assert is_claim(sentence)
    assert supporting_facts(sentence, FACTS) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "Would a short 15-minute call next week be useful?",  # the call's length, not a fact
        "Would Tuesday, 3 December at 10:00 work for you?",  # a date and time for the call
        "You can reach me at +43 512 123 456.",  # a phone number
        "We help small teams answer guest emails fast.",  # the pitch, with nothing specific
        "Best regards, Anna",  # the sign-off
    ],
)
def test_not_claims(sentence: str) -> None:
    assert not is_claim(sentence)


# A research report states its facts in English; a draft may say them in the hotel's language.
REPORT_FACTS = [
    Fact("Rated 4.1 on TripAdvisor; guests mention slow check-in", "https://tripadvisor.example/1"),
    Fact("4-star hotel", "https://adler.example/"),
    Fact("48 rooms", "https://adler.example/"),
    Fact("your Front Desk Manager posting on Indeed", "provenance"),
]


@pytest.mark.parametrize(
    ("sentence", "source"),
    [
        # the rating, with a decimal comma and the German word for it
        ("Uns ist das aufgefallen: Auf TripAdvisor hat Ihr Haus die Bewertung 4,1.",
         "https://tripadvisor.example/1"),
        # stars in French
        ("Un point nous a frappés : votre hôtel a 4 étoiles.", "https://adler.example/"),
        # rooms in Spanish
        ("Nos llamó la atención esto: su hotel tiene 48 habitaciones.", "https://adler.example/"),
        # what guests mention, quoted as they wrote it, in Italian
        ("Su TripAdvisor gli ospiti segnalano «slow check-in».", "https://tripadvisor.example/1"),
        # the posting's title quoted verbatim in a German provenance sentence
        ("Ich schreibe Ihnen, weil wir Ihre Stellenanzeige „Front Desk Manager“ auf Indeed "
         "gesehen haben.", "provenance"),
    ],
)
def test_english_facts_back_their_translations(sentence: str, source: str) -> None:
    assert is_claim(sentence)
    assert source in [f.source for f in supporting_facts(sentence, REPORT_FACTS)]


@pytest.mark.parametrize(
    "sentence",
    [
        "Auf TripAdvisor hat Ihr Haus die Bewertung 4,7.",  # wrong number
        "Votre hôtel a 5 étoiles.",  # wrong stars
        "Su hotel tiene 48 habitaciones y un spa premiado.",  # an invented award beside a fact
        "Su TripAdvisor gli ospiti segnalano «la colazione fredda».",  # an invented quotation
        "Wir haben Ihre Stellenanzeige „Executive Chef de Cuisine“ gesehen.",  # another posting
        "Ihre Mitbewerber in München antworten schneller.",  # invented competitors
    ],
)
def test_translations_of_absent_facts_are_unsourced(sentence: str) -> None:
    assert is_claim(sentence)
    assert supporting_facts(sentence, REPORT_FACTS) == []


def test_claims_gate_lists_each_unsourced_sentence() -> None:
    body = GOOD_BODY.replace(
        "Would a short", "I saw you won the HolidayCheck Award. Hotels like yours lose 30% at "
        "night. Would a short"
    )

    result = claims(body, FACTS)

    assert not result.passed
    assert result.score == 2 and result.threshold == 0
    assert result.details == ("I saw you won the HolidayCheck Award.",
                              "Hotels like yours lose 30% at night.")
    assert result.reason.startswith("2 of 4 specific statement(s) have no source")


def test_claims_without_facts_fail_and_facts_may_be_plain_strings() -> None:
    sentence = "Your 4.8 rating on TripAdvisor is great."

    assert not claims(sentence, []).passed
    assert claims(sentence, ["TripAdvisor rating: 4.8 of 5"]).passed


# -- spam, all gates, and the regeneration prompt -------------------------------------------------


@pytest.mark.parametrize(
    ("verdict", "passed", "reason"),
    [
        (CLEAN_VERDICT, True, "SpamAssassin spam score 0.3, below 5; rules: HTML_MESSAGE"),
        (SpamVerdict(5.0, 5.0, ["X"], "spamd"), False, "at or above 5"),  # the limit is spam
        (SpamVerdict(6.2, 5.0, ["JH_FREE"], "heuristic", "spamd disabled (port 0)"), False,
         "heuristic (spamd disabled (port 0)) spam score 6.2"),  # the guess says it is a guess
    ],
)
def test_spam_gate(verdict: SpamVerdict, passed: bool, reason: str) -> None:
    result = spam_gate(verdict)

    assert result.passed is passed
    assert reason in result.reason


def test_a_good_draft_passes_every_gate() -> None:
    results = run_gates(GOOD, FACTS, CLEAN_VERDICT)

    assert [r.name for r in results] == [
        "placeholders", "length", "links", "readability", "claims", "spam"
    ]
    assert all(r.passed for r in results), [r for r in results if not r.passed]
    assert failures_for_regeneration(results) == ""


def test_failures_are_named_for_the_next_attempt() -> None:
    body = GOOD_BODY.replace("Hello Mr. Huber", "Hello [Name]").replace(
        "Would a short", "I saw you won the HolidayCheck Award. Would a short"
    )
    draft = Draft("Hi", body)

    text = failures_for_regeneration(run_gates(draft, FACTS, CLEAN_VERDICT))

    lines = text.splitlines()
    assert lines[0] == "The previous draft failed 3 check(s); fix them in the new draft."
    assert lines[1].startswith("Placeholders: unfilled placeholders: [Name]; replace each")
    assert lines[2].startswith("Length: the subject has 1 word(s), fewer than 2;")
    assert lines[3].startswith("Unsourced claims: 1 of 3 specific statement(s) have no source")
    assert '"I saw you won the HolidayCheck Award."' in lines[3]


def test_limits_are_configurable() -> None:
    strict = GateLimits(max_links=0, min_reading_ease=90.0)
    draft = Draft("Night shift", GOOD_BODY + " https://jengu.example/demo")

    failed = {r.name for r in run_gates(draft, FACTS, CLEAN_VERDICT, limits=strict)
              if not r.passed}

    assert failed == {"links", "readability"}


def test_draft_as_message() -> None:
    draft = Draft("Nachtdienst im Hotel Alpenblick", "Grüße aus Innsbruck.", html="<p>Grüße</p>")

    raw = draft.to_message(sender="Anna <anna@jengu.example>", recipient="info@hotel.example")
    msg = email.message_from_bytes(raw, policy=email.policy.default)

    assert msg["Subject"] == "Nachtdienst im Hotel Alpenblick"
    assert msg["Date"] and msg["Message-ID"].endswith("@jengu.example>")
    assert msg.get_body(("plain",)).get_content().strip() == "Grüße aus Innsbruck."
    assert msg.get_body(("html",)).get_content().strip() == "<p>Grüße</p>"
