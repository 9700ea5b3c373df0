"""The email finder's pure rules: role mailboxes, names, patterns, candidates, the pick, and
find_email's verification order against a scripted verifier (no network)."""

from __future__ import annotations

import asyncio

import pytest

from jengu_assets.acquisition.rules import is_generic_domain
from jengu_assets.enrichment.email_finder import (
    EmailCandidate,
    candidates,
    find_email,
    is_free_mail,
    is_role_address,
    name_parts,
    patterns,
    pick,
)
from jengu_resources.throttle import ProviderError
from jengu_resources.verifier import Verification, VerificationUnavailable
from sandbox import sample_data

SCORES = {"valid": 0.95, "catch_all": 0.5, "unknown": 0.3, "unverified": 0.4}


def verdict(email: str, status: str) -> Verification:
    source = "offline" if status in ("unverified", "no_mx", "syntax_error") else "millionverifier"
    return Verification(email, status, SCORES.get(status, 0.0), is_role_address(email), False,
                        None, source, status)  # type: ignore[arg-type]


class ScriptedVerifier:
    """Answers from a dict (default: invalid) and records what was asked, in order."""

    def __init__(self, answers: dict[str, str] | None = None, default: str = "invalid",
                 domain_status: dict[str, str] | None = None) -> None:
        self.answers = answers or {}
        self.default = default
        self.domain_status = domain_status or {}
        self.asked: list[str] = []

    async def __call__(self, email: str) -> Verification:
        self.asked.append(email)
        domain = email.rsplit("@", 1)[1]
        status = self.answers.get(email) or self.domain_status.get(domain) or self.default
        return verdict(email, status)


def run_find(contact, domain, site, verifier, **kw):
    return asyncio.run(find_email(contact, domain, site, verifier, **kw))


# -- role addresses -------------------------------------------------------------------------------


@pytest.mark.parametrize("email, role", [
    ("info@hotel.de", True),  # the classic
    ("Reservierung@hotel.de", True),  # German, and case does not matter
    ("front.desk@hotel.com", True),  # separators inside a role word
    ("frontdesk@hotel.com", True),  # ... or none
    ("rezeption@hotel.at", True),  # German reception
    ("prenotazioni@hotel.it", True),  # Italian reservations
    ("reservas@hotel.es", True),  # Spanish reservations
    ("gm@hotel.com", True),  # the GM's mailbox is a function, read by whoever holds it
    ("gm.berlin@hotel.com", True),  # a short role word leading the local part
    ("no-reply@hotel.com", True),  # never read by anyone
    ("sales.berlin@hotel.com", True),  # role word first, place second
    ("berlin.reservations@hotel.com", True),  # place first, role word last
    ("info2@hotel.com", True),  # numbered copies of a role mailbox
    ("H1234@accor.com", True),  # a chain property's coded mailbox
    ("welkom@hotel.nl", True),  # Dutch welcome
    ("hoteladler@hotel-adler.de", True),  # a long role word glued to the hotel's name
    ("post@hotel.de", True),  # German generic mailbox when alone...
    ("anna.post@hotel.de", False),  # ...but Post is also a surname
    ("anna.mueller@hotel.de", False),  # a person
    ("anna@hotel.de", False),  # a person by first name
    ("hrvoje@hotel.hr", False),  # starts with "hr" but is a name
    ("phil@hotel.com", False),  # a name, not a title
    ("mueller+info@hotel.de", False),  # the tag after + does not make a person generic
])
def test_is_role_address(email, role):
    assert is_role_address(email) is role


@pytest.mark.parametrize("domain, free", [
    ("gmail.com", True),  # the biggest free provider
    ("yahoo.co.uk", True),  # a free brand under a country TLD
    ("hotmail.de", True),  # same brand, other TLD
    ("web.de", True),  # German free mail
    ("marriott.com", False),  # shared by a chain but a work address
    ("hotel-adler.de", False),  # a hotel's own domain
])
def test_is_free_mail(domain, free):
    assert is_free_mail(domain) is free


# -- names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, expected", [
    ("Anna Müller", ("Anna", "Müller")),  # the plain case keeps the spelling as typed
    ("Dr. Anna-Lena von Berg", ("Anna-Lena", "von Berg")),  # title dropped, particle kept
    ("García López, María", ("María", "García López")),  # "Last, First" keeps a double surname
    ("Prof. Dr. med. Hans Meier", ("Hans", "Meier")),  # stacked German titles
    ("Herr Jörg Schäfer", ("Jörg", "Schäfer")),  # German salutation
    ("Mme Hélène Durand", ("Hélène", "Durand")),  # French salutation
    ("John Paul Smith", ("John", "Smith")),  # a middle name is dropped
    ("Jan van den Berg", ("Jan", "van den Berg")),  # a two-word Dutch particle
    ("Davide De Luca", ("Davide", "De Luca")),  # an Italian surname with its particle
    ("Seán Ó Briain", ("Seán", "Ó Briain")),  # an Irish surname with its particle
    ("Ryan O'Brien", ("Ryan", "O'Brien")),  # the apostrophe stays in the name
    ("Anna Müller, MBA", ("Anna", "Müller")),  # a comma before a degree is not "Last, First"
    ("Anna Müller - General Manager", ("Anna", "Müller")),  # a job title after a dash
    ("Don Johnson", ("Don", "Johnson")),  # Don is a first name here, not a Spanish title
    ("Phil Collins", ("Phil", "Collins")),  # Phil is not "Dr. phil."
    ("Li Ma", ("Li", "Ma")),  # Ma is a surname, not a degree
    ("A. Müller", ("A", "Müller")),  # an initial is still a first name
    ("Madonna", None),  # a single name has no last name to build patterns from
    ("Dr. Müller", None),  # a title and a surname: no first name
    ("", None),  # nothing
    (None, None),  # nothing at all
])
def test_name_parts(name, expected):
    assert name_parts(name) == expected


# -- patterns -------------------------------------------------------------------------------------


def test_patterns_follow_the_fixed_order_for_a_plain_name():
    # One spelling only, so the order is exactly the pattern order.
    assert patterns("Anna", "Smith", "https://www.Hotel-Adler.de/kontakt") == [
        f"{local}@hotel-adler.de" for local in (
            "anna.smith", "anna", "asmith", "a.smith", "annasmith", "smith", "anna_smith",
            "smith.anna", "anna-smith", "smitha",
        )
    ]


@pytest.mark.parametrize("first, last, expected_head", [
    # German hotels mostly write ü as ue; the plain fold comes right after the top pattern.
    ("Anna", "Krüger", ["anna.krueger", "anna", "anna.kruger", "akrueger", "a.krueger"]),
    # ß is ss either way, so there is one spelling only.
    ("Anna", "Strauß", ["anna.strauss", "anna", "astrauss", "a.strauss"]),
    # A particle is usually written into the surname, sometimes left out.
    ("Jan", "van den Berg", ["jan.vandenberg", "jan", "jan.berg", "jvandenberg", "j.vandenberg"]),
    # A Spaniard's first surname alone is the likelier address.
    ("María", "García López", ["maria.garcia", "maria.garcialopez", "maria", "mgarcia"]),
    # A hyphenated first name, joined or with its hyphen.
    ("Anna-Lena", "Berg", ["annalena.berg", "anna-lena.berg", "aberg", "a.berg", "annalena"]),
    # Apostrophes disappear from local parts.
    ("Ryan", "O'Brien", ["ryan.obrien", "ryan", "robrien"]),
])
def test_patterns_spell_names_the_ways_addresses_do(first, last, expected_head):
    locals_ = [a.split("@")[0] for a in patterns(first, last, "hotel.de")]
    assert locals_[: len(expected_head)] == expected_head
    assert len(locals_) == len(set(locals_))


def test_patterns_for_an_initial_use_only_initial_forms():
    locals_ = [a.split("@")[0] for a in patterns("A", "Smith", "hotel.com")]
    assert locals_ == ["asmith", "a.smith", "smith", "smitha"]


def test_patterns_need_a_domain():
    assert patterns("Anna", "Smith", None) == []
    assert patterns("Anna", "Smith", "n/a") == []


def test_every_sample_contact_is_among_the_first_six_patterns():
    # The sample hotels use first.last, f.last and first, spelled as their country would.
    hotels = [h for h in sample_data.hotels() if not is_generic_domain(h.domain)]
    assert len(hotels) > 100
    for hotel in hotels:
        found = patterns(hotel.contact_first, hotel.contact_last, hotel.domain)
        assert hotel.contact_email in found[:6], (hotel.contact_first, hotel.contact_last, found)


# -- candidates -----------------------------------------------------------------------------------


def emails(found: list[EmailCandidate]) -> list[str]:
    return [c.email for c in found]


def test_candidates_order_site_addresses_then_patterns():
    site = [
        ("info@hotel-adler.de", "https://hotel-adler.de/"),
        ("peter.schmidt@hotel-adler.de", "https://hotel-adler.de/team"),
        ("hausmeister7@hotel-adler.de", "https://hotel-adler.de/team"),
        ("anna.mueller@hotel-adler.de", "https://hotel-adler.de/team"),
        ("events@agentur.de", "https://hotel-adler.de/"),  # the web agency: dropped
        ("a.mueller@gmail.com", None),  # her private address, from the import: kept
        ("ANNA.MUELLER@hotel-adler.de", None),  # the same address twice: once
    ]
    found = candidates("Anna Müller", "www.hotel-adler.de", site)
    assert emails(found)[:5] == [
        "anna.mueller@hotel-adler.de",  # the contact, on the hotel's domain
        "a.mueller@gmail.com",  # the contact, elsewhere
        "peter.schmidt@hotel-adler.de",  # another person, first.last style
        "hausmeister7@hotel-adler.de",  # another personal-looking address
        "info@hotel-adler.de",  # generic last among the site's addresses
    ]
    assert [c.kind for c in found[:5]] == ["personal"] * 4 + ["generic"]
    assert [c.matches_contact for c in found[:5]] == [True, True, False, False, False]
    assert found[0].page_url == "https://hotel-adler.de/team"
    rest = found[5:]
    assert rest and all(c.origin == "pattern" and c.matches_contact for c in rest)
    assert "anna.mueller@hotel-adler.de" not in emails(rest)  # never twice
    assert rest[0].email == "anna@hotel-adler.de"


def test_candidates_keep_subdomains_and_drop_junk():
    site = [("anna@mail.hotel-adler.de", "https://hotel-adler.de/"), ("not an email", None),
            ("reservations@booking-engine.com", "https://hotel-adler.de/book")]
    assert emails(candidates(None, "hotel-adler.de", site)) == ["anna@mail.hotel-adler.de"]


@pytest.mark.parametrize("contact, domain, site, expected", [
    # No website: only an address that is the contact's own name is kept.
    ("Anna Müller", None, [("anna.mueller@gmail.com", None), ("info@x.de", None)],
     ["anna.mueller@gmail.com"]),
    # No contact name: the site's addresses only, no patterns.
    (None, "hotel.de", [("info@hotel.de", "https://hotel.de")], ["info@hotel.de"]),
    # A single name cannot be turned into patterns.
    ("Madonna", "hotel.de", [], []),
    # A chain's shared domain: a guess could reach a namesake elsewhere in the company.
    ("Sarah Clarke", "hilton.com", [], []),
    # A free-mail "domain" is nobody's employer.
    ("Sarah Clarke", "gmail.com", [], []),
])
def test_candidates_edge_cases(contact, domain, site, expected):
    assert emails(candidates(contact, domain, site)) == expected


# -- pick -----------------------------------------------------------------------------------------


def site(email: str, kind: str = "personal", mine: bool = True) -> EmailCandidate:
    page = "https://hotel.de/team"
    return EmailCandidate(email, "site", page, kind, mine)  # type: ignore[arg-type]


def guess(email: str) -> EmailCandidate:
    return EmailCandidate(email, "pattern", None, "personal", True)


def test_pick_first_valid_personal_wins():
    found = [site("info@hotel.de", "generic", False), guess("anna.b@hotel.de"),
             guess("anna@hotel.de")]
    verdicts = {e: verdict(e, s) for e, s in [("info@hotel.de", "valid"),
                                             ("anna.b@hotel.de", "invalid"),
                                             ("anna@hotel.de", "valid")]}
    chosen = pick(found, verdicts)
    assert (chosen.email, chosen.status, chosen.sendable, chosen.origin) == (
        "anna@hotel.de", "valid", True, "pattern")
    assert chosen.score == pytest.approx(0.95)
    assert chosen.reason.startswith("verified")


@pytest.mark.parametrize("candidate, status, sendable, reason_start", [
    # A published address exists; the catch-all server just cannot confirm it.
    (site("anna@hotel.de"), "catch_all", True,
     "catch-all domain, accepted because it is published"),
    # A guess on a catch-all domain may bounce: the server says yes to anything.
    (guess("anna@hotel.de"), "catch_all", False, "catch-all domain: pattern cannot be verified"),
    # Without a verifier key a published address is still real.
    (site("anna@hotel.de"), "unverified", True, "not verified (offline checks only)"),
    # Without a verifier key a guess is only a guess.
    (guess("anna@hotel.de"), "unverified", False, "pattern not verified"),
    # The mail server did not answer: neither yes nor no, and worth another try.
    (site("anna@hotel.de"), "unknown", False, "the mail server did not answer"),
])
def test_pick_when_the_server_cannot_confirm(candidate, status, sendable, reason_start):
    chosen = pick([candidate], {candidate.email: verdict(candidate.email, status)})
    assert (chosen.email, chosen.status, chosen.sendable) == (candidate.email, status, sendable)
    assert chosen.reason.startswith(reason_start)


def test_pick_keeps_a_generic_address_but_never_sends_to_it():
    found = [site("info@hotel.de", "generic", False), guess("anna@hotel.de")]
    chosen = pick(found, {"info@hotel.de": verdict("info@hotel.de", "valid"),
                          "anna@hotel.de": verdict("anna@hotel.de", "invalid")})
    assert (chosen.email, chosen.kind, chosen.sendable) == ("info@hotel.de", "generic", False)
    assert chosen.reason.startswith("only a generic address (info@...)")


@pytest.mark.parametrize("statuses, unchecked, reason", [
    # Every guess bounced.
    (["invalid"] * 6, 0, "all 6 patterns invalid"),
    # The budget ran out before the list did, and the reason says so.
    (["invalid"] * 6, 4, "6 patterns invalid; 4 more not checked (verification limit)"),
    # The domain takes no mail at all.
    (["no_mx"], 0, "hotel.de receives no mail (no MX record)"),
    # Nothing could be checked: the verifier was down.
    ([], 3, "3 candidates not verified (verifier unavailable)"),
])
def test_pick_explains_every_miss(statuses, unchecked, reason):
    found = [guess(f"p{i}@hotel.de") for i in range(len(statuses) + unchecked)]
    verdicts = {c.email: verdict(c.email, s) for c, s in zip(found, statuses)}
    chosen = pick(found, verdicts)
    assert (chosen.email, chosen.status, chosen.sendable) == (None, "not_found", False)
    assert chosen.reason == reason


# -- find_email -----------------------------------------------------------------------------------


def test_find_email_stops_at_the_first_hit():
    verifier = ScriptedVerifier({"a.mueller@hotel.de": "valid"})
    chosen = run_find("Anna Müller", "hotel.de", [], verifier)
    assert chosen.email == "a.mueller@hotel.de" and chosen.sendable
    assert verifier.asked == ["anna.mueller@hotel.de", "anna@hotel.de", "anna.muller@hotel.de",
                              "amueller@hotel.de", "a.mueller@hotel.de"]


def test_find_email_tries_published_addresses_before_guessing():
    verifier = ScriptedVerifier({"anna.mueller@hotel.de": "valid"})
    chosen = run_find("Anna Müller", "hotel.de",
                      [("info@hotel.de", "https://hotel.de"),
                       ("anna.mueller@hotel.de", "https://hotel.de/team")], verifier)
    assert (chosen.email, chosen.origin, chosen.page_url) == (
        "anna.mueller@hotel.de", "site", "https://hotel.de/team")
    assert verifier.asked == ["anna.mueller@hotel.de"]  # not info@, not a single pattern


def test_find_email_skips_guesses_on_a_catch_all_domain():
    verifier = ScriptedVerifier(domain_status={"hotel.de": "catch_all"})
    chosen = run_find("Anna Smith", "hotel.de", [], verifier)
    assert verifier.asked == ["anna.smith@hotel.de"]  # one answer tells about all of them
    assert (chosen.email, chosen.status, chosen.sendable) == ("anna.smith@hotel.de", "catch_all",
                                                              False)
    assert chosen.reason == "catch-all domain: pattern cannot be verified"


def test_find_email_respects_the_verification_budget():
    verifier = ScriptedVerifier()
    chosen = run_find("Anna Smith", "hotel.de", [], verifier, max_verifications=3)
    assert len(verifier.asked) == 3
    assert chosen.reason == "3 patterns invalid; 7 more not checked (verification limit)"


def test_find_email_checks_a_generic_address_only_when_no_person_was_found():
    verifier = ScriptedVerifier({"info@hotel.de": "valid"})
    chosen = run_find("Anna Smith", "hotel.de", [("info@hotel.de", "https://hotel.de")], verifier,
                      max_verifications=11)
    assert verifier.asked[-1] == "info@hotel.de" and len(verifier.asked) == 11  # 10 guesses first
    assert (chosen.email, chosen.kind, chosen.status, chosen.sendable) == (
        "info@hotel.de", "generic", "valid", False)
    assert chosen.reason == "only a generic address (info@...); all 10 patterns invalid"


def test_find_email_spends_no_credit_on_a_generic_address_when_the_budget_is_gone():
    verifier = ScriptedVerifier({"info@hotel.de": "valid"})
    chosen = run_find("Anna Smith", "hotel.de", [("info@hotel.de", "https://hotel.de")], verifier,
                      max_verifications=4)
    assert "info@hotel.de" not in verifier.asked and len(verifier.asked) == 4
    assert (chosen.email, chosen.kind, chosen.status, chosen.sendable) == (
        "info@hotel.de", "generic", "unverified", False)
    assert chosen.reason == ("only a generic address (info@...); "
                             "4 patterns invalid; 6 more not checked (verification limit)")


def test_find_email_gives_up_on_a_domain_without_mail():
    verifier = ScriptedVerifier(domain_status={"hotel.de": "no_mx"})
    chosen = run_find("Anna Smith", "hotel.de", [("info@hotel.de", None)], verifier)
    assert verifier.asked == ["anna.smith@hotel.de"]
    assert chosen.reason == "hotel.de receives no mail (no MX record)"


@pytest.mark.parametrize("contact, domain, site_emails, reason", [
    ("Anna Smith", None, [], "no website domain"),  # nothing to guess at
    (None, "hotel.de", [], "no contact name and no address on the site"),  # nobody to look for
    ("Madonna", "hotel.de", [],
     "contact name 'Madonna' has no last name, and no address on the site"),  # one name only
    ("Sarah Clarke", "hilton.com", [],
     "hilton.com is a shared domain: a guessed address could reach a namesake"),  # chain domain
])
def test_find_email_without_candidates_says_why(contact, domain, site_emails, reason):
    verifier = ScriptedVerifier()
    chosen = run_find(contact, domain, site_emails, verifier)
    assert (chosen.email, chosen.reason, verifier.asked) == (None, reason, [])


def test_find_email_lets_an_unavailable_verifier_through():
    async def down(email: str) -> Verification:
        raise VerificationUnavailable("millionverifier", "HTTP 503 after 4 attempts", status=503)

    with pytest.raises(VerificationUnavailable) as caught:
        run_find("Anna Smith", "hotel.de", [], down)
    assert isinstance(caught.value, ProviderError)  # callers catching ProviderError see it too
