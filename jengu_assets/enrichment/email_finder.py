"""Finding a hotel contact's email address: pure rules, no I/O.

Three sources, in the order we trust them: addresses published on the hotel's own site (they
exist), the contact's name in the patterns hotels actually use (``anna.mueller@``, ``anna@``,
``amueller@`` ...), and generic mailboxes (``info@``, ``reservierung@``) as a last resort that is
kept but never sent to. ``find_email`` verifies candidates one at a time through an injected
``verify`` callable and stops at the first address it may send to, because every verification
costs a credit.

Every outcome carries a reason a human can read in the CRM: why this address, or why none.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from jengu_assets.acquisition.rules import (
    domain_of,
    fold,
    is_generic_domain,
    is_valid_email,
    normalise_email,
)

if TYPE_CHECKING:  # the verifier imports this module; at run time only duck typing is needed
    from jengu_resources.verifier import Verification

Origin = Literal["site", "pattern"]
Kind = Literal["personal", "generic"]

# --------------------------------------------------------------------------------------------------
# Role (generic) mailboxes
# --------------------------------------------------------------------------------------------------

# Mailboxes that belong to a function, not a person, in the languages of the markets we sell to.
# A word here makes an address generic when it is the whole local part, its first word or its last
# word ("info@", "reservations.berlin@", "hotel-adler.info@").
_ROLE_WORDS = frozenset("""
    info infos information informations enquiries enquiry inquiries inquiry contact contacts
    contactus hello welcome reservations reservation booking bookings frontdesk frontoffice
    reception concierge guestservices guestservice guestrelations sales events meetings groups
    weddings catering banquet banqueting marketing press media jobs careers career recruiting
    recruitment hiring talent humanresources admin administrator administration office management
    generalmanager director accounting accounts billing invoice invoices finance payroll
    purchasing procurement support helpdesk service services customerservice webmaster postmaster
    hostmaster abuse noreply donotreply mailerdaemon security privacy gdpr legal restaurant
    kitchen housekeeping maintenance revenue nightaudit feedback newsletter orders shop giftcards
    vouchers hotel hotels team staff
    reservierung reservierungen buchung buchungen rezeption empfang kontakt anfrage anfragen
    verwaltung buero buchhaltung rechnung rechnungen personal bewerbung bewerbungen karriere
    verkauf vertrieb veranstaltungen bankett tagung tagungen hochzeit hochzeiten zentrale
    direktion geschaeftsleitung gutschein gutscheine datenschutz
    accueil direction commercial evenements seminaires compta comptabilite facturation factures
    emploi recrutement bonjour
    reservas reserva recepcion informacion contacto ventas eventos administracion contabilidad
    facturas empleo rrhh comercial direccion gerencia reservaciones bienvenidos
    prenotazioni prenotazione ricevimento informazioni contatti amministrazione commerciale
    eventi direzione contabilita fatture lavoro ufficio segreteria
    receptie reserveringen reservering boekingen kantoor administratie verkoop evenementen
    vacatures directie welkom
    rececao recepcao informacoes geral eventos administracao contabilidade faturacao direcao
    emprego recrutamento
""".split())
# Short or name-like words ("Post" is a surname, "gm" an abbreviation anything could contain)
# count only as the whole local part or its first word: "post@", "gm@", "hr.berlin@".
_ROLE_WORDS_LEADING = frozenset("""
    post gm hr it pr res mail email team bar spa hi hola ola book stay job news dpo rh
    reserve rooms
""".split())
# Long role words are also recognised glued to a name: "hoteladler@", "infohotelpost@".
_ROLE_PREFIXES = tuple(sorted(
    {w for w in _ROLE_WORDS if len(w) >= 5} | {"info"}, key=len, reverse=True
))
# A chain property's coded mailbox (Accor's H1234@, a bare number): the hotel's, not a person's.
_PROPERTY_CODE = re.compile(r"^[a-z]{0,2}\d{3,}$")


def _local_tokens(email: str) -> list[str]:
    local = email.rsplit("@", 1)[0].strip().lower().split("+", 1)[0]
    return [t.rstrip("0123456789") for t in fold(local).split() if t.rstrip("0123456789")]


def is_role_address(email: str) -> bool:
    """Whether the address is a function's mailbox (info@, reservierung@, front.desk@, a chain's
    H1234@) rather than a person's. Accepts a full address or a bare local part."""
    if _PROPERTY_CODE.match(email.rsplit("@", 1)[0].strip().lower()):
        return True
    tokens = _local_tokens(email)
    if not tokens:
        return False
    compact = "".join(tokens)
    if compact in _ROLE_WORDS or compact in _ROLE_WORDS_LEADING:
        return True
    if tokens[0] in _ROLE_WORDS or tokens[0] in _ROLE_WORDS_LEADING or tokens[-1] in _ROLE_WORDS:
        return True
    return compact.startswith(_ROLE_PREFIXES)


# --------------------------------------------------------------------------------------------------
# Free mail
# --------------------------------------------------------------------------------------------------

# Narrower than rules.is_generic_domain, which also counts OTAs and hotel chains as shared: an
# address at marriott.com is a work address, one at gmail.com is not.
_FREE_MAIL = frozenset("""
    gmail.com googlemail.com msn.com ymail.com aol.com icloud.com me.com mac.com proton.me pm.me
    zoho.com web.de t-online.de freenet.de posteo.de mail.de arcor.de orange.fr free.fr
    wanadoo.fr laposte.net sfr.fr neuf.fr libero.it virgilio.it alice.it tiscali.it tin.it
    telefonica.net terra.es bluewin.ch hispeed.ch sunrise.ch aon.at chello.at a1.net
    btinternet.com sky.com virginmedia.com talktalk.net ntlworld.com seznam.cz wp.pl o2.pl
    onet.pl interia.pl mail.ru qq.com 163.com 126.com sapo.pt ziggo.nl kpnmail.nl planet.nl
    home.nl hetnet.nl telenet.be skynet.be eircom.net comcast.net verizon.net att.net
    sbcglobal.net cox.net charter.net bellsouth.net
""".split())
# The same providers under every country TLD (hotmail.de, yahoo.co.uk, gmx.at).
_FREE_MAIL_BRANDS = frozenset(
    "gmail googlemail hotmail outlook live yahoo ymail aol gmx yandex protonmail".split()
)
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "or", "ne"})


def is_free_mail(domain: str | None) -> bool:
    """Whether the domain is a consumer mail provider (gmail.com, web.de, hotmail.fr)."""
    if not domain:
        return False
    domain = domain.strip().lower().removeprefix("www.")
    if domain in _FREE_MAIL:
        return True
    labels = domain.split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        brand = labels[-3]
    else:
        brand = labels[-2] if len(labels) >= 2 else labels[0]
    return brand in _FREE_MAIL_BRANDS


# --------------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------------

# "Don", "Phil" and "Ma" are also names, so they are not here.
_HONORIFICS = frozenset("""
    dr prof professor mr mrs ms miss mx sir dame herr frau hr m mme mlle monsieur madame
    mademoiselle sr sra srta senor senora sig sigra signor signora dott dottssa dottoressa ing mag
    dipl dipl-ing dipl-kfm dipl-kff dhr mevr mw ir drs
""".split())
# What follows a doctorate ("Dr. med.", "Dr. rer. nat.", "Dr. h.c.").
_DOCTORATE_QUALIFIERS = frozenset("med phil rer nat jur oec dent vet h c hc habil".split())
_SUFFIXES = frozenset("""
    jr jnr sr snr ii iii iv phd mba msc bsc mphil llm md esq cpa cha chm mih frics
""".split())
# Words that start a surname ("von Berg", "van den Berg", "De Luca", "Ó Briain").
_PARTICLES = frozenset("""
    von van der den de del della dello dei degli di da das dos du des la le lo ten ter zu zum zur
    af av st bin ibn al el o ó ní ni nic mac ui uí
""".split())
_NAME_NOISE = re.compile(r"\([^)]*\)|\[[^\]]*\]|\"[^\"]*\"|“[^”]*”|„[^“”]*[“”]")
_NAME_TAIL = re.compile(r"\s+[-–—|/]\s+.*$")  # "Anna Müller - General Manager"


def _bare(token: str) -> str:
    return fold(token.replace(".", "")).replace(" ", "-")


def _strip_titles(tokens: list[str]) -> list[str]:
    doctor = False
    while len(tokens) > 1 and (
        _bare(tokens[0]) in _HONORIFICS or (doctor and _bare(tokens[0]) in _DOCTORATE_QUALIFIERS)
    ):
        doctor = doctor or _bare(tokens[0]) in ("dr", "prof")
        tokens = tokens[1:]
    while len(tokens) > 1 and _bare(tokens[-1]) in _SUFFIXES:
        tokens = tokens[:-1]
    return tokens


def _name_tokens(text: str) -> list[str]:
    # "Dr.Anna" and "Dr. Anna" alike; a lone trailing comma from a suffix list is noise.
    return [t.strip(",;") for t in re.sub(r"(?<=\.)(?=\w)", " ", text).split() if t.strip(",;")]


def name_parts(contact_name: str | None) -> tuple[str, str] | None:
    """(first, last) from a contact name as people type it, or None when there is no last name.

    Titles and suffixes go ("Dr.", "Prof.", "Herr", "MBA"), "Last, First" is turned round, a
    surname keeps its particles ("von Berg", "van den Berg", "De Luca") and middle names are
    dropped ("John Paul Smith" -> John, Smith). A double surname survives only in "Last, First" form
    ("García López, María"): without the comma it cannot be told from a middle name. The spelling
    is kept as typed; ``patterns`` derives the ASCII forms.
    """
    if not contact_name:
        return None
    text = _NAME_TAIL.sub("", _NAME_NOISE.sub(" ", contact_name)).strip()
    if "," in text:
        before, after = (part.strip() for part in text.split(",", 1))
        after_tokens = _name_tokens(after)
        if after_tokens and all(_bare(t) in _SUFFIXES | _HONORIFICS for t in after_tokens):
            text = before  # "Anna Müller, MBA"
        elif after_tokens:
            last_tokens = _strip_titles(_name_tokens(before))
            first_tokens = _strip_titles(after_tokens)
            if last_tokens and first_tokens and _has_letters(last_tokens + first_tokens):
                return " ".join(first_tokens), " ".join(last_tokens)
            return None
    tokens = _strip_titles(_name_tokens(text))
    if len(tokens) < 2 or not _has_letters(tokens):
        return None
    first, rest = tokens[0], tokens[1:]
    particle_at = next(
        (i for i, t in enumerate(rest[:-1]) if _bare(t).rstrip("'’") in _PARTICLES), None
    )
    last = " ".join(rest[particle_at:]) if particle_at is not None else rest[-1]
    return first.rstrip("."), last


def _has_letters(tokens: Iterable[str]) -> bool:
    return any(ch.isalpha() for t in tokens for ch in t)


# How a German (and a Dane) writes an umlaut when the keyboard or the mail server will not take it.
_NATIVE_TRANSLITERATION = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ø": "oe", "å": "aa", "æ": "ae", "ß": "ss"}
)
_TRANSLITERATED_LETTERS = frozenset("äöüøåæß")
_LOCAL_CHARS = re.compile(r"[^a-z0-9-]+")


def _ascii(word: str, native: bool) -> str:
    word = word.casefold().replace("'", "").replace("’", "")
    if native:
        word = word.translate(_NATIVE_TRANSLITERATION)
    # fold() also knows the letters NFKD cannot take apart (ł, đ, ...); hyphens are kept.
    return _LOCAL_CHARS.sub("", "-".join(fold(part).replace(" ", "") for part in word.split("-")))


def _spellings(name: str, *, surname: bool) -> list[tuple[str, float]]:
    """ASCII spellings of one name as it appears in a local part, with a rough likelihood each.

    Umlauts: "ue" is how most German-speaking hotels spell Müller in an address, plain "u" the
    minority. Particles: "vonberg" and "deluca" more often than "berg" and "luca". Two names:
    a Spaniard's first surname alone, a double first name ("María José") by its first half;
    a hyphenated name ("Anna-Lena", "Schmidt-Weber") joined or with its hyphen.
    """
    transliterations = [(True, 1.0)]
    if any(ch in _TRANSLITERATED_LETTERS for ch in name.casefold()):
        transliterations = [(True, 0.7), (False, 0.3)]
    out: dict[str, float] = {}
    for native, t_weight in transliterations:
        words = [w for w in (_ascii(w, native) for w in name.split()) if w.strip("-")]
        if not words:
            continue
        shapes: list[tuple[str, float]]
        if len(words) > 1 and surname and words[0].strip("-") in _PARTICLES:
            core = [w for w in words if w not in _PARTICLES] or words[-1:]
            shapes = [("".join(words), 0.7), ("".join(core), 0.3)]
        elif len(words) > 1:
            shapes = [(words[0], 0.5), ("".join(words), 0.35), ("-".join(words), 0.15)]
        else:
            shapes = [(words[0], 1.0)]
        for shape, s_weight in shapes:
            for spelled, h_weight in _hyphen_forms(shape):
                if spelled:
                    out[spelled] = out.get(spelled, 0.0) + t_weight * s_weight * h_weight
    return sorted(out.items(), key=lambda item: -item[1])


def _hyphen_forms(word: str) -> list[tuple[str, float]]:
    parts = [p for p in word.split("-") if p]
    if len(parts) < 2:
        return [("".join(parts), 1.0)]
    return [("".join(parts), 0.45), ("-".join(parts), 0.4), (parts[0], 0.15)]


# (pattern, rough share among hotels), most common first. With one spelling of a name this is the
# order tried; the weights decide where a second spelling slots in ("anna.muller" after "anna",
# before "amueller").
_PATTERNS: tuple[tuple[str, float], ...] = (
    ("first.last", 0.40), ("first", 0.16), ("flast", 0.12), ("f.last", 0.09),
    ("firstlast", 0.07), ("last", 0.05), ("first_last", 0.04), ("last.first", 0.03),
    ("first-last", 0.02), ("lastf", 0.02),
)
_INITIAL_ONLY = frozenset({"flast", "f.last", "last", "lastf"})
_VALID_LOCAL = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$")


def _locals_for(first: str, last: str) -> list[str]:
    firsts = _spellings(first, surname=False)
    lasts = _spellings(last, surname=True)
    if not firsts or not lasts:
        return []
    initial_only = len(firsts[0][0].replace("-", "")) == 1  # "A. Müller"
    initials: dict[str, float] = {}
    for spelled, weight in firsts:
        initials[spelled[0]] = initials.get(spelled[0], 0.0) + weight
    scored: list[tuple[float, int, str]] = []

    def add(local: str, weight: float) -> None:
        if _VALID_LOCAL.match(local) and ".." not in local:
            scored.append((weight, len(scored), local))

    for name, p_weight in _PATTERNS:
        if initial_only and name not in _INITIAL_ONLY:
            continue
        if name == "first":
            for fn, f_weight in firsts:
                add(fn, p_weight * f_weight)
            continue
        for ln, l_weight in lasts:
            if name == "last":
                add(ln, p_weight * l_weight)
            elif name in ("flast", "f.last", "lastf"):
                for f, i_weight in initials.items():
                    local = {"flast": f + ln, "f.last": f"{f}.{ln}", "lastf": ln + f}[name]
                    add(local, p_weight * l_weight * i_weight)
            else:
                for fn, f_weight in firsts:
                    local = {
                        "first.last": f"{fn}.{ln}", "firstlast": fn + ln,
                        "first_last": f"{fn}_{ln}", "last.first": f"{ln}.{fn}",
                        "first-last": f"{fn}-{ln}",
                    }[name]
                    add(local, p_weight * l_weight * f_weight)
    # Rounding keeps float noise from reordering equally likely forms.
    scored.sort(key=lambda item: (-round(item[0], 9), item[1]))
    return list(dict.fromkeys(local for _, _, local in scored))


def patterns(first: str, last: str, domain: str | None) -> list[str]:
    """The addresses a person of this name is likely to have at ``domain``, most likely first.

    first.last, first, flast, f.last, firstlast, last, first_last, last.first, first-last, lastf,
    each in every ASCII spelling of the name (Müller: mueller, muller), ordered by how often
    hotels use the pattern times how likely the spelling is. No duplicates.
    """
    host = domain_of(domain) if domain else None
    if not host:
        return []
    return [f"{local}@{host}" for local in _locals_for(first, last)]


# --------------------------------------------------------------------------------------------------
# Candidates
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmailCandidate:
    email: str
    origin: Origin
    page_url: str | None
    kind: Kind
    matches_contact: bool = False
    """The local part is the contact's name in one of the patterns (not someone else's)."""


class _ContactMatcher:
    def __init__(self, parts: tuple[str, str] | None):
        self.locals: set[str] = set()
        self.firsts: set[str] = set()
        self.initials: set[str] = set()
        self.lasts: set[str] = set()
        if parts:
            first, last = parts
            self.locals = set(_locals_for(first, last))
            firsts = [s for s, _ in _spellings(first, surname=False)]
            self.firsts = set(firsts) | {s.replace("-", "") for s in firsts}
            self.initials = {s[0] for s in firsts}
            self.lasts = {s.replace("-", "") for s, _ in _spellings(last, surname=True)}

    def __call__(self, email: str) -> bool:
        if not self.locals:
            return False
        local = email.rsplit("@", 1)[0]
        if local in self.locals:
            return True
        # Longer forms: "anna.maria.mueller@", "mueller.anna@", "a.mueller-gm@".
        tokens = [t for t in re.split(r"[._-]+", local) if t]
        has_last = any(t in self.lasts for t in tokens)
        return has_last and any(t in self.firsts or t in self.initials
                                for t in tokens if t not in self.lasts)


_NAME_STYLE = re.compile(r"^[a-z]{1,}(?:[._-][a-z]{2,})+$")


def _on_domain(email_domain: str, domain: str | None) -> bool:
    return bool(domain) and (email_domain == domain or email_domain.endswith("." + str(domain)))


def patterns_allowed(domain: str | None) -> bool:
    """Guessing is only worth it on the hotel's own domain: at gmail.com, booking.com or a chain's
    shared domain a guessed name may well reach a namesake who has nothing to do with the hotel."""
    return bool(domain) and not is_free_mail(domain) and not is_generic_domain(domain)


def candidates(
    contact_name: str | None,
    domain: str | None,
    site_emails: list[tuple[str, str | None]],
    *,
    property_domain: bool = False,
) -> list[EmailCandidate]:
    """Every address worth verifying, in the order to verify them.

    1. addresses from the site (or the import: ``page_url`` None) on the hotel's domain or a
       subdomain: the contact's own first, then other people's (``first.last`` style before the
       rest), then generic mailboxes; an address elsewhere (agency, booking engine, gmail) only
       when it is the contact's name;
    2. the contact's name in the usual patterns, when the name and the hotel's own domain are known;
       on a chain's shared domain whose property page is the hotel's site (``property_domain``),
       only the full ``first.last`` form: staff of managed hotels use it, and it is the one guess
       specific enough not to reach a namesake elsewhere in the chain.
    """
    host = domain_of(domain) if domain else None
    parts = name_parts(contact_name)
    matches = _ContactMatcher(parts)
    ranked: list[tuple[int, int, EmailCandidate]] = []
    seen: set[str] = set()
    for position, (raw, page_url) in enumerate(site_emails):
        address = normalise_email(raw)
        # Junk would only spend one of the few verifications find_email allows itself.
        if not address or address in seen or not is_valid_email(address):
            continue
        seen.add(address)
        local, email_domain = address.rsplit("@", 1)
        role = is_role_address(address)
        mine = not role and matches(address)
        own = _on_domain(email_domain, host)
        if not own and not mine:
            continue
        kind: Kind = "generic" if role else "personal"
        if mine:
            group = 0 if own else 1
        elif role:
            group = 4
        else:
            group = 2 if _NAME_STYLE.match(local) else 3
        ranked.append((group, position, EmailCandidate(address, "site", page_url, kind, mine)))
    ranked.sort(key=lambda item: (item[0], item[1]))
    out = [candidate for _, _, candidate in ranked]
    if parts and host and patterns_allowed(host):
        guesses = patterns(*parts, host)
    elif parts and host and property_domain and not is_free_mail(host):
        guesses = patterns(*parts, host)[:1]  # first.last, in the name's most likely spelling
    else:
        guesses = []
    for address in guesses:
        if address not in seen:
            seen.add(address)
            out.append(EmailCandidate(address, "pattern", None, "personal", True))
    return out



def explain_empty(
    contact_name: str | None, domain: str | None, site_emails: list[tuple[str, str | None]]
) -> str:
    """Why ``candidates`` came back empty, in words for the CRM."""
    host = domain_of(domain) if domain else None
    parts = name_parts(contact_name)
    if not host:
        if site_emails:
            return "no website domain, and no address found matches the contact's name"
        return "no website domain"
    if parts and not patterns_allowed(host):
        return f"{host} is a shared domain: a guessed address could reach a namesake"
    if not contact_name or not contact_name.strip():
        if site_emails:
            return f"no contact name, and no address from the site is on {host}"
        return "no contact name and no address on the site"
    if not parts:
        return f"contact name {contact_name.strip()!r} has no last name, and no address on the site"
    return "no usable address"  # a name whose letters do not survive ASCII (e.g. only CJK)


# --------------------------------------------------------------------------------------------------
# Picking
# --------------------------------------------------------------------------------------------------

_DEAD = frozenset({"invalid", "disposable", "syntax_error", "no_mx"})


@dataclass(frozen=True)
class EmailPick:
    email: str | None
    status: str
    score: float
    kind: Kind | None
    origin: Origin | None
    sendable: bool
    reason: str
    matches_contact: bool = False
    """False for a sendable address of someone other than the named contact: greet accordingly."""
    page_url: str | None = None


def _sendable(candidate: EmailCandidate, verdict: Verification) -> bool:
    if candidate.kind != "personal":
        return False
    if verdict.status == "valid":
        return True
    # A published address exists whatever the mail server says about strangers; only a guess
    # needs the server's yes, which a catch-all server (or no verifier at all) cannot give.
    return candidate.origin == "site" and verdict.status in ("catch_all", "unverified")


def _describe(candidate: EmailCandidate) -> str:
    if candidate.origin == "pattern":
        return "guessed from the contact's name"
    where = f"published on {candidate.page_url}" if candidate.page_url else "from the import"
    who = "the contact's address" if candidate.matches_contact else "another person's address"
    return f"{who}, {where}"


def _choose(candidate: EmailCandidate, verdict: Verification | None, sendable: bool,
            reason: str) -> EmailPick:
    return EmailPick(
        email=candidate.email,
        status=verdict.status if verdict else "unverified",
        score=verdict.score if verdict else 0.0,
        kind=candidate.kind,
        origin=candidate.origin,
        sendable=sendable,
        reason=reason,
        matches_contact=candidate.matches_contact,
        page_url=candidate.page_url,
    )


def _nothing(reason: str) -> EmailPick:
    return EmailPick(None, "not_found", 0.0, None, None, False, reason)


def pick(candidates: list[EmailCandidate], verifications: dict[str, Verification]) -> EmailPick:
    """The address to use, from candidates in order and the verdicts gathered so far.

    The first personal address the verifier calls valid wins. On a catch-all domain a published
    personal address is accepted (it exists; the lower score says the server could not confirm
    it), a guessed one is not. A generic mailbox is kept, never sendable. Otherwise: why not.
    """
    if not candidates:
        return _nothing("no candidate address")
    held: tuple[EmailCandidate, Verification, str] | None = None
    generic: tuple[EmailCandidate, Verification | None] | None = None
    dead: dict[str, list[EmailCandidate]] = {}
    unchecked = 0
    no_mail = {e.rsplit("@", 1)[1] for e, v in verifications.items() if v.status == "no_mx"}
    for candidate in candidates:
        verdict = verifications.get(candidate.email)
        if candidate.kind == "generic":
            alive = verdict.status not in _DEAD if verdict else (
                candidate.email.rsplit("@", 1)[1] not in no_mail)
            if generic is None and alive:
                generic = (candidate, verdict)
            continue
        if verdict is None:
            unchecked += 1
            continue
        if _sendable(candidate, verdict):
            quality = {
                "valid": "verified",
                "catch_all": "catch-all domain, accepted because it is published",
            }.get(verdict.status, "not verified (offline checks only), accepted because it is "
                                  "published")
            return _choose(candidate, verdict, True, f"{quality}: {_describe(candidate)}")
        if verdict.status in _DEAD:
            dead.setdefault(verdict.status, []).append(candidate)
        elif held is None:
            why = {
                "catch_all": "catch-all domain: pattern cannot be verified",
                "unknown": "the mail server did not answer the verifier; try again later",
                "unverified": "pattern not verified (offline checks only, no verifier key)",
            }.get(verdict.status, f"verifier said {verdict.status}")
            held = (candidate, verdict, why)

    if held is not None:
        candidate, verdict, why = held
        if generic is not None:
            why += f"; generic {generic[0].email} also found"
        return _choose(candidate, verdict, False, why)
    misses = _misses(dead, unchecked)
    if generic is not None:
        candidate, verdict = generic
        local = candidate.email.split("@", 1)[0]
        reason = f"only a generic address ({local}@...)"
        if misses:
            reason += f"; {misses}"
        return _choose(candidate, verdict, False, reason)
    if not dead and unchecked:
        return _nothing(f"{unchecked} candidates not verified (verifier unavailable)")
    return _nothing(misses or "no candidate address")


def _misses(dead: dict[str, list[EmailCandidate]], unchecked: int) -> str:
    if "no_mx" in dead:
        domain = dead["no_mx"][0].email.split("@", 1)[1]
        return f"{domain} receives no mail (no MX record)"
    failed = [c for group in dead.values() for c in group]
    if not failed:
        return ""
    guessed = sum(c.origin == "pattern" for c in failed)
    published = len(failed) - guessed
    if published and guessed:
        text = f"{published} site addresses and {guessed} patterns invalid"
    elif guessed:
        text = f"all {guessed} patterns invalid" if not unchecked else f"{guessed} patterns invalid"
    else:
        text = f"{published} site addresses invalid"
    if unchecked:
        text += f"; {unchecked} more not checked (verification limit)"
    return text


async def find_email(
    contact_name: str | None,
    domain: str | None,
    site_emails: list[tuple[str, str | None]],
    verify: Callable[[str], Awaitable[Verification]],
    *,
    max_verifications: int = 6,
    property_domain: bool = False,
) -> EmailPick:
    """Verify candidates in order and stop at the first one that may be sent to.

    Generic mailboxes are verified last and only when no personal address worked. Once the
    verifier calls a guessed address catch-all, the other guesses on that domain are skipped (the
    server says yes to all of them); after "no MX", nothing else on that domain is tried. At most
    ``max_verifications`` calls. ``VerificationUnavailable`` from ``verify`` propagates: the caller
    queues a retry rather than storing a verdict the verifier never gave.
    """
    found = candidates(contact_name, domain, site_emails, property_domain=property_domain)
    if not found:
        return _nothing(explain_empty(contact_name, domain, site_emails))
    verdicts: dict[str, Verification] = {}
    catch_all: set[str] = set()
    no_mail: set[str] = set()
    for candidate in found:
        if candidate.kind == "generic":
            continue
        email_domain = candidate.email.rsplit("@", 1)[1]
        if email_domain in no_mail or (candidate.origin == "pattern" and email_domain in catch_all):
            continue
        if len(verdicts) >= max_verifications:
            break
        verdict = await verify(candidate.email)
        verdicts[candidate.email] = verdict
        if _sendable(candidate, verdict):
            return pick(found, verdicts)
        if verdict.status == "catch_all":
            catch_all.add(email_domain)
        elif verdict.status == "no_mx":
            no_mail.add(email_domain)
    generic = next((c for c in found if c.kind == "generic"
                    and c.email.rsplit("@", 1)[1] not in no_mail), None)
    if generic is not None and len(verdicts) < max_verifications:
        verdicts[generic.email] = await verify(generic.email)
    return pick(found, verdicts)
