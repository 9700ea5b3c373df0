"""Loopback hotel websites: one HTTP server playing the websites of the ~200 sample hotels.

Every site is virtual-hosted by the Host header (each hotel's ``domain`` and ``www.domain``; chain
properties on the chain's own site are pages under that site, such as
``https://www.marriott.com/hotels/abcde-courtyard-...``). ``routes()`` gives the
``host=127.0.0.1:PORT`` list for ``SafeFetcher.sandbox_routes``, so Jengu's real fetcher reaches
these sites as if they were on the internet. An unknown Host gets a 404.

What a site looks like is chosen deterministically per hotel (seed 7 by default), and
``profile(hotel_id)`` tells which variant a hotel got. The mix over the ~170 hotels with their own
domain:

==================  =====  ==================================================================
variant             count  behaviour
==================  =====  ==================================================================
``normal``          ~133   a working site (see below)
``dead_closed``       5    every request: connection closed without an answer
``dead_503``          5    every request: 503
``redirect``         10    1-3 hops to the home page: www -> apex, then path redirects (``/``
                           -> ``/home/`` -> ``/{lang}/``), one of them relative
``redirect_loop``     1    www -> apex -> www -> ... forever
``slow``              3    home page answers after 2-3 s (``slow_seconds`` overrides)
``huge``              3    home page of 3 MB (one with Content-Length, the others without)
``pdf``               3    home page is ``application/pdf``
``cp1252``            4    every page in windows-1252, declared as UTF-8 or not declared at all
``broken_html``       4    sloppy markup: unclosed and stray tags, unquoted attributes
==================  =====  ==================================================================

The 29 chain properties on a chain site get ``chain_page``: a property page with JSON-LD, the
hotel's phone, a chain booking link and a property contact page.

A working site has a home page (``<html lang>``, title, meta description, nav links to a contact
page, a team page and the local legal page: Impressum, mentions légales, aviso legal, ...) and
those pages. Chosen per hotel with the weights in ``_soft_profile``: the contact person with their
email on the team, contact or legal page for about half the hotels, written as a mailto link, as
``name [at] domain [dot] tld`` text or Cloudflare ``data-cfemail`` encoded; a generic address
(info@, reservations@, rezeption@ ...) on most sites; the phone in international or national
format; schema.org Hotel as JSON-LD (plain, inside ``@graph``, or invalid JSON) and/or microdata;
a booking engine (SynXis, SiteMinder, Cloudbeds, Mews, D-EDGE); CMS markers (WordPress, Wix,
TYPO3, Squarespace, Joomla); a chat widget; analytics; social links.
"""

from __future__ import annotations

import html
import json
import threading
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache
from random import Random
from typing import Any, Self
from urllib.parse import urlsplit

from sandbox import sample_data
from sandbox.sample_data import COUNTRY_BY_CODE, SampleHotel
from sandbox.server import LoopbackServer, QuietHandler

NORMAL = "normal"
DEAD_CLOSED = "dead_closed"
DEAD_503 = "dead_503"
REDIRECT = "redirect"
REDIRECT_LOOP = "redirect_loop"
SLOW = "slow"
HUGE = "huge"
PDF = "pdf"
CP1252 = "cp1252"
BROKEN_HTML = "broken_html"
CHAIN_PAGE = "chain_page"

# The hard cases, in the order they are dealt out over the shuffled own-domain hotels.
HARD_CASES: tuple[tuple[str, int], ...] = (
    (DEAD_CLOSED, 5), (DEAD_503, 5), (REDIRECT, 10), (REDIRECT_LOOP, 1), (SLOW, 3), (HUGE, 3),
    (PDF, 3), (CP1252, 4), (BROKEN_HTML, 4),
)
HUGE_BYTES = 3 * 1024 * 1024

_L10N: dict[str, dict[str, str]] = {
    "en": dict(contact="contact", contact_label="Contact", legal="legal-notice",
               legal_label="Legal notice", team="about-us", team_label="Our team",
               home="Home", rooms="Rooms", book="Book now", welcome="Welcome to {name}",
               intro="A {stars}-star hotel with {rooms} rooms in the heart of {city}.",
               phone="Phone", email="Email", address="Address", follow="Follow us",
               reach="Get in touch", manager="Management",
               price="Rooms from €89 – breakfast in our café included",
               description="{name}: {stars}-star hotel in {city}. Book direct for the best rate.",
               not_found="Page not found"),
    "de": dict(contact="kontakt", contact_label="Kontakt", legal="impressum",
               legal_label="Impressum", team="ueber-uns", team_label="Über uns",
               home="Start", rooms="Zimmer", book="Jetzt buchen",
               welcome="Willkommen im {name}",
               intro="Unser {stars}-Sterne-Hotel mit {rooms} Zimmern mitten in {city}.",
               phone="Telefon", email="E-Mail", address="Adresse", follow="Folgen Sie uns",
               reach="So erreichen Sie uns", manager="Geschäftsführung",
               price="Zimmer ab 89 € – Frühstück im Café inklusive",
               description="{name} – Ihr {stars}-Sterne-Hotel in {city}. Direkt buchen.",
               not_found="Seite nicht gefunden"),
    "fr": dict(contact="contact", contact_label="Contact", legal="mentions-legales",
               legal_label="Mentions légales", team="equipe", team_label="Notre équipe",
               home="Accueil", rooms="Chambres", book="Réserver",
               welcome="Bienvenue à l'{name}",
               intro="Un hôtel {stars} étoiles de {rooms} chambres au cœur de {city}.",
               phone="Téléphone", email="E-mail", address="Adresse", follow="Suivez-nous",
               reach="Nous contacter", manager="Directeur de la publication",
               price="Chambres à partir de 89 € – petit-déjeuner au café compris",
               description="{name}, hôtel {stars} étoiles à {city}. Réservez en direct.",
               not_found="Page introuvable"),
    "es": dict(contact="contacto", contact_label="Contacto", legal="aviso-legal",
               legal_label="Aviso legal", team="equipo", team_label="Nuestro equipo",
               home="Inicio", rooms="Habitaciones", book="Reservar",
               welcome="Bienvenidos al {name}",
               intro="Un hotel de {stars} estrellas con {rooms} habitaciones en {city}.",
               phone="Teléfono", email="Correo", address="Dirección", follow="Síguenos",
               reach="Contáctenos", manager="Dirección",
               price="Habitaciones desde 89 € – desayuno en la cafetería incluido",
               description="{name}, hotel de {stars} estrellas en {city}. Reserva directa.",
               not_found="Página no encontrada"),
    "it": dict(contact="contatti", contact_label="Contatti", legal="note-legali",
               legal_label="Note legali", team="chi-siamo", team_label="Chi siamo",
               home="Home", rooms="Camere", book="Prenota ora",
               welcome="Benvenuti all'{name}",
               intro="Un hotel {stars} stelle con {rooms} camere nel cuore di {city}.",
               phone="Telefono", email="E-mail", address="Indirizzo", follow="Seguici",
               reach="Contattaci", manager="Direzione",
               price="Camere da 89 € – colazione al caffè inclusa, è tutto compreso",
               description="{name}: hotel {stars} stelle a {city}. Prenota direttamente.",
               not_found="Pagina non trovata"),
    "nl": dict(contact="contact", contact_label="Contact", legal="colofon",
               legal_label="Colofon", team="over-ons", team_label="Over ons",
               home="Home", rooms="Kamers", book="Nu boeken",
               welcome="Welkom bij {name}",
               intro="Een {stars}-sterrenhotel met {rooms} kamers in hartje {city}.",
               phone="Telefoon", email="E-mail", address="Adres", follow="Volg ons",
               reach="Neem contact op", manager="Directie",
               price="Kamers vanaf € 89 – ontbijt in ons café inbegrepen",
               description="{name}, {stars}-sterrenhotel in {city}. Direct boeken.",
               not_found="Pagina niet gevonden"),
    "pt": dict(contact="contactos", contact_label="Contactos", legal="aviso-legal",
               legal_label="Aviso legal", team="equipa", team_label="A nossa equipa",
               home="Início", rooms="Quartos", book="Reservar",
               welcome="Bem-vindo ao {name}",
               intro="Um hotel de {stars} estrelas com {rooms} quartos no centro de {city}.",
               phone="Telefone", email="E-mail", address="Morada", follow="Siga-nos",
               reach="Contacte-nos", manager="Direção",
               price="Quartos desde 89 € – pequeno-almoço no café incluído",
               description="{name}, hotel de {stars} estrelas em {city}. Reserve direto.",
               not_found="Página não encontrada"),
}
_GENERIC_LOCAL = {
    "en": ("info", "reservations", "reception", "hello", "stay"),
    "de": ("info", "rezeption", "reservierung", "kontakt", "hotel"),
    "fr": ("info", "reservation", "contact", "accueil", "bonjour"),
    "es": ("info", "reservas", "recepcion", "hola"),
    "it": ("info", "prenotazioni", "reception", "booking"),
    "nl": ("info", "reserveringen", "receptie", "welkom"),
    "pt": ("info", "reservas", "geral", "rececao"),
}
_STREETS = {
    "en": ("Main Street", "High Street", "Market Street", "Church Lane", "Station Road"),
    "de": ("Hauptstraße", "Bahnhofstraße", "Marktplatz", "Kirchgasse", "Schlossallee"),
    "fr": ("rue de la République", "avenue Victor Hugo", "place du Marché", "quai des Arts"),
    "es": ("Calle Mayor", "Avenida de la Constitución", "Plaza Nueva", "Calle del Sol"),
    "it": ("Via Roma", "Corso Italia", "Piazza del Duomo", "Via Garibaldi"),
    "nl": ("Kerkstraat", "Herengracht", "Grote Markt", "Stationsweg"),
    "pt": ("Rua Augusta", "Avenida da Liberdade", "Rua do Carmo", "Largo do Chiado"),
}
# Countries whose national numbers are written with a leading trunk 0.
_TRUNK_ZERO = frozenset({"GB", "DE", "AT", "CH", "FR", "NL", "IE"})

_BOOKING_ENGINES = (("synxis", 12), ("siteminder", 14), ("cloudbeds", 12), ("mews", 10),
                    ("d-edge", 8), (None, 44))
_CMS = (("wordpress", 40), ("wix", 12), ("typo3", 8), ("squarespace", 8), ("joomla", 5),
        (None, 27))
_CHAT = (("tawk", 10), ("intercom", 5), ("crisp", 5), (None, 80))
_ANALYTICS = (("ga4", 50), ("gtm", 20), ("matomo", 10), (None, 20))
_JSONLD = (("plain", 40), ("graph", 20), ("invalid", 8), (None, 32))
_EMAIL_STYLES = (("mailto", 50), ("obfuscated", 25), ("cfemail", 25))
_SOCIAL = ("facebook", "instagram", "tripadvisor", "linkedin")

_PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


@dataclass(frozen=True)
class SiteProfile:
    hotel_id: str
    variant: str
    hosts: tuple[str, ...]
    """Hostnames this hotel's pages answer on (a chain site's hosts for ``chain_page``)."""
    home_url: str
    """Where the home page is finally served (after any redirects): ``hotel.website`` or the
    end of the redirect chain."""
    lang: str
    publishes_contact: bool
    """The contact person's name and email appear on the site."""
    contact_page: str | None
    """``team``, ``contact`` or ``legal``: where the contact person is published."""
    email_style: str | None
    """``mailto``, ``obfuscated`` or ``cfemail``, for the contact person's email."""
    generic_email: str | None
    phone_style: str
    """``international`` (as in sample data) or ``national``."""
    jsonld: str | None
    microdata: bool
    booking_engine: str | None
    cms: str | None
    chat: str | None
    analytics: str | None
    social: tuple[str, ...]
    redirect_hops: int = 0
    slow_seconds: float = 0.0
    declared_charset: str | None = None
    """For ``cp1252`` sites: the (wrong) charset declared, or None when none is."""
    content_length: bool = True
    """False when the home page is sent without a Content-Length (one of the huge pages)."""

    @property
    def serves_pages(self) -> bool:
        """False for sites whose home page a default ``SafeFetcher`` cannot read (dead, looping,
        PDF, over the 2 MB cap): whatever the profile says they publish stays out of reach."""
        return self.variant not in (DEAD_CLOSED, DEAD_503, REDIRECT_LOOP, PDF, HUGE)


@dataclass
class _Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    hang_up: bool = False
    content_length: bool = True


def _lang(hotel: SampleHotel) -> str:
    country = COUNTRY_BY_CODE[hotel.country]
    city = next((c for c in country.cities if c.name == hotel.city), None)
    return (city.lang if city and city.lang else country.lang) or "en"


def _weighted(rng: Random, options: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options], k=1)[0]


def _national_phone(phone: str, country: str) -> str:
    if country == "US":
        area, rest = phone.removeprefix("+1 ").split("-", 1)
        return f"({area}) {rest}"
    rest = phone.split(" ", 1)[1]
    return "0" + rest if country in _TRUNK_ZERO else rest


def _on_chain_site(hotel: SampleHotel) -> bool:
    return urlsplit(hotel.website).path.startswith("/hotels/")


def cloudflare_encode(email: str, key: int) -> str:
    """Cloudflare's email obfuscation: the key byte, then each byte XOR the key, in hex."""
    return f"{key:02x}" + "".join(f"{b ^ key:02x}" for b in email.encode("utf-8"))


class HotelWebsites(LoopbackServer):
    """The sample hotels' websites on 127.0.0.1 and a free port. Use as a context manager or call
    ``start()`` and ``stop()``. ``slow_seconds`` replaces the 2-3 s delay of the slow sites."""

    def __init__(self, seed: int = sample_data.DEFAULT_SEED, *,
                 slow_seconds: float | None = None, latency_seconds: float = 0.0) -> None:
        super().__init__(_Handler, thread_name="sandbox-websites", label="websites server")
        self.seed = seed
        self.slow_seconds = slow_seconds
        self.latency_seconds = latency_seconds  # added to every answer, for benchmarks
        self.hotels = sample_data.hotels(seed)
        self._by_id = {h.id: h for h in self.hotels}
        self._profiles: dict[str, SiteProfile] = {}
        self._by_host: dict[str, list[SampleHotel]] = {}
        self._assign()
        self._count = 0
        self._host_counts: Counter[str] = Counter()
        self._stopping = threading.Event()

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> Self:
        if self._httpd is None:
            self._stopping.clear()
        return super().start()

    def stop(self) -> None:
        if self._httpd is not None:
            self._stopping.set()  # wakes the slow pages
        super().stop()

    @property
    def request_count(self) -> int:
        with self._lock:
            return self._count

    def requests_for(self, host: str) -> int:
        with self._lock:
            return self._host_counts[host.lower()]

    # -- what is served -------------------------------------------------------------------------

    def hosts(self) -> list[str]:
        return sorted(self._by_host)

    def routes(self) -> str:
        """``host=127.0.0.1:PORT,...`` for every hostname served, for ``sandbox_routes``."""
        return ",".join(f"{host}=127.0.0.1:{self.port}" for host in self.hosts())

    def profile(self, hotel_id: str) -> SiteProfile:
        return self._profiles[hotel_id]

    def profiles(self) -> list[SiteProfile]:
        return [self._profiles[h.id] for h in self.hotels]

    def page_path(self, hotel_id: str, page: str) -> str:
        """The local path of an independent site's ``contact``, ``team`` or ``legal`` page
        (``/kontakt``, ``/impressum``, ``/mentions-legales`` ...)."""
        return "/" + _L10N[self._profiles[hotel_id].lang][page]

    def hotel(self, hotel_id: str) -> SampleHotel:
        return self._by_id[hotel_id]

    def with_variant(self, variant: str) -> list[SampleHotel]:
        return [h for h in self.hotels if self._profiles[h.id].variant == variant]

    def _assign(self) -> None:
        own = [h for h in self.hotels if not _on_chain_site(h)]
        dealt = own[:]
        Random(f"websites:{self.seed}").shuffle(dealt)
        # Exactly half publish their contact person, spread independently of the hard cases.
        publishing = own[:]
        Random(f"contacts:{self.seed}").shuffle(publishing)
        self._publishing = {h.id for h in publishing[:len(own) // 2]}
        variants: dict[str, str] = {}
        position = 0
        for variant, count in HARD_CASES:
            for hotel in dealt[position:position + count]:
                variants[hotel.id] = variant
            position += count
        slow_index = huge_index = 0
        for hotel in self.hotels:
            if _on_chain_site(hotel):
                profile = self._chain_profile(hotel)
            else:
                variant = variants.get(hotel.id, NORMAL)
                slow = 0.0
                if variant == SLOW:
                    slow = 2.0 + 0.5 * (slow_index % 3)
                    slow_index += 1
                profile = self._soft_profile(hotel, variant, slow)
                if variant == HUGE:
                    # The first huge page announces its size; the others only show it by streaming.
                    profile = replace(profile, content_length=huge_index == 0)
                    huge_index += 1
            self._profiles[hotel.id] = profile
            for host in profile.hosts:
                self._by_host.setdefault(host, []).append(hotel)

    def _soft_profile(self, hotel: SampleHotel, variant: str, slow: float) -> SiteProfile:
        rng = Random(f"site:{self.seed}:{hotel.id}")
        lang = _lang(hotel)
        publishes = hotel.id in self._publishing
        if lang == "de":
            where = _weighted(rng, (("legal", 45), ("team", 35), ("contact", 20)))
        else:
            where = _weighted(rng, (("team", 45), ("contact", 40), ("legal", 15)))
        email_style = _weighted(rng, _EMAIL_STYLES)
        generic = None
        if rng.random() < 0.85:
            generic = f"{rng.choice(_GENERIC_LOCAL[lang])}@{hotel.domain}"
        phone_style = "national" if rng.random() < 0.5 else "international"
        jsonld = _weighted(rng, _JSONLD)
        microdata = rng.random() < 0.2
        booking = _weighted(rng, _BOOKING_ENGINES)
        cms = _weighted(rng, _CMS)
        if lang == "de" and cms in ("wix", "squarespace"):
            cms = "typo3"  # the German-speaking market's favourite; US builders are rarer there
        elif cms == "typo3" and lang != "de":
            cms = "wordpress"
        chat = _weighted(rng, _CHAT)
        analytics = _weighted(rng, _ANALYTICS)
        social = tuple(s for s in _SOCIAL if rng.random() < (0.7 if s != "linkedin" else 0.2))
        hops = 1 + int(hotel.id[-4:]) % 3 if variant == REDIRECT else 0
        declared = None
        if variant == CP1252:
            declared = "utf-8" if int(hotel.id[-4:]) % 2 else None
        home = hotel.website.rstrip("/") + "/"
        if variant == REDIRECT:
            home = self._redirect_chain(hotel, hops, lang)[-1]
        return SiteProfile(
            hotel_id=hotel.id, variant=variant,
            hosts=(hotel.domain, f"www.{hotel.domain}"), home_url=home, lang=lang,
            publishes_contact=publishes, contact_page=where if publishes else None,
            email_style=email_style if publishes else None, generic_email=generic,
            phone_style=phone_style, jsonld=jsonld, microdata=microdata,
            booking_engine=booking, cms=cms, chat=chat, analytics=analytics, social=social,
            redirect_hops=hops, slow_seconds=slow, declared_charset=declared,
        )

    def _chain_profile(self, hotel: SampleHotel) -> SiteProfile:
        site = urlsplit(hotel.website).hostname or ""
        hosts = tuple(dict.fromkeys((site, hotel.domain, f"www.{hotel.domain}")))
        generic = None
        if hotel.domain == "accor.com":
            generic = f"h{int(hotel.id[-4:]) + 1000}@accor.com"
        return SiteProfile(
            hotel_id=hotel.id, variant=CHAIN_PAGE, hosts=hosts, home_url=hotel.website,
            lang="en", publishes_contact=False, contact_page=None, email_style=None,
            generic_email=generic, phone_style="international", jsonld="plain",
            microdata=False, booking_engine="synxis" if hotel.chain != "Accor" else None,
            cms=None, chat=None, analytics="gtm", social=("facebook", "instagram"),
        )

    @staticmethod
    def _redirect_chain(hotel: SampleHotel, hops: int, lang: str) -> list[str]:
        apex = f"https://{hotel.domain}"
        steps = [f"https://www.{hotel.domain}/", f"{apex}/", f"{apex}/home/", f"{apex}/{lang}/"]
        return steps[:hops + 1]

    # -- answering ------------------------------------------------------------------------------

    def handle(self, host_header: str, raw_path: str) -> _Reply:
        host = host_header.strip().lower()
        if host.startswith("["):
            host = host.split("]", 1)[0] + "]"
        else:
            host = host.split(":", 1)[0]
        host = host.rstrip(".")
        path = urlsplit(raw_path).path or "/"
        with self._lock:
            self._count += 1
            self._host_counts[host] += 1
        hotels = self._by_host.get(host)
        if not hotels:
            return _Reply(404, b"<!doctype html><title>404</title><h1>Unknown host</h1>")
        first = self._profiles[hotels[0].id]
        if first.variant == CHAIN_PAGE:
            return self._chain(host, path, hotels)
        return self._site(hotels[0], first, host, path)

    def _site(self, hotel: SampleHotel, profile: SiteProfile, host: str, path: str) -> _Reply:
        variant = profile.variant
        if variant == DEAD_CLOSED:
            return _Reply(hang_up=True)
        if variant == DEAD_503:
            return _Reply(503, b"<!doctype html><title>503 Service Unavailable</title>"
                               b"<h1>Service Unavailable</h1>")
        www, apex = f"www.{hotel.domain}", hotel.domain
        if variant == REDIRECT_LOOP and path == "/":
            other = apex if host == www else www
            return _Reply(301, b"", headers=(("Location", f"https://{other}/"),))
        if path == "/robots.txt":
            return _Reply(200, b"User-agent: *\nAllow: /\n", "text/plain; charset=utf-8")
        if variant == REDIRECT:
            chain = self._redirect_chain(hotel, profile.redirect_hops, profile.lang)
            here = f"https://{host}{path}"
            if here in chain[:-1]:
                target = chain[chain.index(here) + 1]
                # One relative Location, as many servers send for same-host redirects.
                if urlsplit(target).hostname == host:
                    target = urlsplit(target).path
                return _Reply(302 if path != "/" else 301, b"", headers=(("Location", target),))
            if here == chain[-1] or path == urlsplit(chain[-1]).path:
                path = "/"
        page = _SitePage(hotel, profile)
        text = page.render(path)
        if text is None:
            return _Reply(404, page.not_found().encode("utf-8"))
        if path == "/" and variant == PDF:
            return _Reply(200, _PDF, "application/pdf")
        if path == "/" and variant == HUGE:
            return _Reply(200, _huge_page(text), content_length=profile.content_length)
        delay = 0.0
        if path == "/" and variant == SLOW:
            delay = self.slow_seconds if self.slow_seconds is not None else profile.slow_seconds
        if variant == CP1252:
            body = text.encode("cp1252", errors="xmlcharrefreplace")
            content_type = "text/html" + (f"; charset={profile.declared_charset}"
                                          if profile.declared_charset else "")
            return _Reply(200, body, content_type, delay=delay)
        return _Reply(200, text.encode("utf-8"), delay=delay)

    def _chain(self, host: str, path: str, hotels: list[SampleHotel]) -> _Reply:
        brand_root = f"https://{urlsplit(hotels[0].website).hostname}"
        if path == "/robots.txt":
            return _Reply(200, b"User-agent: *\nDisallow: /reservation/\n",
                          "text/plain; charset=utf-8")
        if path in ("/", ""):
            items = "".join(
                f'<li><a href="{html.escape(urlsplit(h.website).path)}">{html.escape(h.name)}'
                f"</a> – {html.escape(h.city)}</li>"
                for h in hotels
            )
            chain = html.escape(hotels[0].chain or "")
            body = (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
                    f"<title>{chain} Hotels</title></head><body><h1>{chain}</h1>"
                    f"<ul>{items}</ul></body></html>")
            return _Reply(200, body.encode("utf-8"))
        for hotel in hotels:
            base = urlsplit(hotel.website).path.rstrip("/")
            if path.rstrip("/") == base:
                return _Reply(200, _chain_page(hotel, self._profiles[hotel.id], brand_root,
                                               contact=False).encode("utf-8"))
            if path.rstrip("/") == f"{base}/contact":
                return _Reply(200, _chain_page(hotel, self._profiles[hotel.id], brand_root,
                                               contact=True).encode("utf-8"))
        return _Reply(404, b"<!doctype html><title>Not found</title><h1>Not found</h1>")

    def wait(self, seconds: float) -> None:
        """Sleep for a slow page; returns early when the server stops."""
        self._stopping.wait(seconds)


@lru_cache(maxsize=8)
def _huge_page_cached(text: str) -> bytes:
    head, _, tail = text.partition("</body>")
    filler = ("<p class=\"filler\">" + "Lorem ipsum dolor sit amet, consectetur adipiscing elit. "
              * 8 + "</p>\n")
    count = HUGE_BYTES // len(filler) + 1
    return (head + filler * count + "</body>" + tail).encode("utf-8")


def _huge_page(text: str) -> bytes:
    return _huge_page_cached(text)


# -- page templates ------------------------------------------------------------------------------


def _e(text: str) -> str:
    return html.escape(text, quote=True)


class _SitePage:
    """The pages of one independent hotel site."""

    def __init__(self, hotel: SampleHotel, profile: SiteProfile) -> None:
        self.hotel, self.p = hotel, profile
        self.t = _L10N[profile.lang]
        self.rng = Random(f"page:{hotel.id}")
        self.broken = profile.variant == BROKEN_HTML
        street, number = self.rng.choice(_STREETS[profile.lang]), self.rng.randint(1, 120)
        self.street = f"{number} {street}" if profile.lang == "en" else f"{street} {number}"
        self.postcode = _postcode(self.rng, hotel.country)
        self.phone = (_national_phone(hotel.phone, hotel.country)
                      if profile.phone_style == "national" else hotel.phone)
        self.slug = hotel.domain.split(".")[0]

    def render(self, path: str) -> str | None:
        t = self.t
        pages = {
            "/": self.home,
            f"/{t['contact']}": self.contact,
            f"/{t['legal']}": self.legal,
            f"/{t['team']}": self.team,
        }
        stripped = path.rstrip("/") or "/"
        render = pages.get(stripped)
        return render() if render else None

    # -- the pages --

    def home(self) -> str:
        h, t = self.hotel, self.t
        body = [
            f"<h1>{_e(t['welcome'].format(name=h.name))}</h1>",
            self._p(_e(t["intro"].format(stars=h.stars, rooms=h.rooms, city=h.city))),
            self._p(_e(t["price"])),
            self._booking(),
        ]
        if self.p.microdata:
            body.append(self._microdata())
        return self._document(h.name, body)

    def contact(self) -> str:
        h, t = self.hotel, self.t
        body = [f"<h1>{_e(t['reach'])}</h1>", self._address_block()]
        if self.p.contact_page == "contact":
            body.append(self._person())
        return self._document(f"{t['contact_label']} – {h.name}", body)

    def team(self) -> str:
        h, t = self.hotel, self.t
        body = [f"<h1>{_e(t['team_label'])}</h1>",
                self._p(_e(t["intro"].format(stars=h.stars, rooms=h.rooms, city=h.city)))]
        if self.p.contact_page == "team":
            body.append(self._person())
        return self._document(f"{t['team_label']} – {h.name}", body)

    def legal(self) -> str:
        h, t = self.hotel, self.t
        body = [f"<h1>{_e(t['legal_label'])}</h1>", f"<h2>{_e(h.name)}</h2>",
                self._address_block()]
        if self.p.contact_page == "legal":
            body.append(f"<h3>{_e(t['manager'])}</h3>")
            body.append(self._person())
        if h.country in ("DE", "AT", "CH"):
            body.append(self._p(f"USt-IdNr.: {h.country}{self.rng.randint(100000000, 999999999)}"))
        return self._document(f"{t['legal_label']} – {h.name}", body)

    def not_found(self) -> str:
        return self._document(self.t["not_found"], [f"<h1>{_e(self.t['not_found'])}</h1>"])

    # -- pieces --

    def _p(self, inner: str) -> str:
        # Sloppy sites leave paragraphs open; parsers close them at the next block.
        return f"<p>{inner}" if self.broken else f"<p>{inner}</p>"

    def _link(self, href: str, label: str, extra: str = "") -> str:
        if self.broken and "?" not in href and " " not in href:
            return f"<a href={href}{extra}>{_e(label)}</a>"
        return f'<a href="{_e(href)}"{extra}>{_e(label)}</a>'

    def _email_html(self, address: str, style: str) -> str:
        if style == "obfuscated":
            local, _, domain = address.partition("@")
            return _e(f"{local} [at] {domain.replace('.', ' [dot] ')}")
        if style == "cfemail":
            encoded = cloudflare_encode(address, self.rng.randint(1, 255))
            return (f'<a href="/cdn-cgi/l/email-protection#{encoded}">'
                    f'<span class="__cf_email__" data-cfemail="{encoded}">'
                    f"[email&#160;protected]</span></a>")
        return self._link(f"mailto:{address}", address)

    def _person(self) -> str:
        h = self.hotel
        name = f"{h.contact_first} {h.contact_last}"
        email = self._email_html(h.contact_email, self.p.email_style or "mailto")
        return (f'<div class="team-member"><h3>{_e(name)}</h3>'
                f'<p class="role">{_e(h.contact_title)}</p>'
                f"<p>{_e(self.t['email'])}: {email}</p></div>")

    def _address_block(self) -> str:
        h, t = self.hotel, self.t
        lines = [
            (f"<strong>{_e(h.name)}</strong><br>{_e(self.street)}<br>"
             f"{_e(self.postcode)} {_e(h.city)}<br>{_e(COUNTRY_BY_CODE[h.country].name_local)}"),
            f"{_e(t['phone'])}: " + self._link(f"tel:{h.phone.replace(' ', '')}", self.phone),
        ]
        if self.p.generic_email:
            lines.append(f"{_e(t['email'])}: "
                         + self._link(f"mailto:{self.p.generic_email}", self.p.generic_email))
        return "<address>" + "<br>".join(lines) + "</address>"

    def _nav(self) -> str:
        t = self.t
        items = [("/", t["home"]), (f"/{t['team']}", t["team_label"]),
                 (f"/{t['contact']}", t["contact_label"]), (f"/{t['legal']}", t["legal_label"])]
        if self.broken:
            return "<nav><ul>" + "".join(f"<li>{self._link(href, label)}"
                                         for href, label in items) + "</ul>"
        return "<nav><ul>" + "".join(f"<li>{self._link(href, label)}</li>"
                                     for href, label in items) + "</ul></nav>"

    def _footer(self) -> str:
        parts = [self._address_block()]
        if self.p.social:
            links = " ".join(self._link(_social_url(s, self.slug, self.hotel), s.title(),
                                        ' rel="noopener"') for s in self.p.social)
            parts.append(f'<div class="social">{_e(self.t["follow"])}: {links}</div>')
        parts.append(f"<small>© 2026 {_e(self.hotel.name)}</small>")
        close = "" if self.broken else "</footer>"
        return "<footer>" + "".join(parts) + close

    def _booking(self) -> str:
        engine, h, t = self.p.booking_engine, self.hotel, self.t
        number = int(h.id[-4:])
        if engine == "synxis":
            return self._link(f"https://be.synxis.com/?chain=2{number:04d}&hotel={number + 50000}"
                              f"&locale=en-US", t["book"], ' class="btn-book"')
        if engine == "siteminder":
            return (self._link(f"https://app.thebookingbutton.com/properties/{self.slug}direct",
                               t["book"], ' class="btn-book"')
                    + '<script src="https://widget.siteminder.com/ibe.min.js" async></script>')
        if engine == "cloudbeds":
            return (self._link(f"https://hotels.cloudbeds.com/reservation/{self.slug[:6].upper()}"
                               f"{number}", t["book"], ' class="btn-book"')
                    + '<script src="https://static1.cloudbeds.com/booking-engine/latest/'
                      'bundle.js"></script>')
        if engine == "mews":
            return ('<script src="https://api.mews.com/distributor/distributor.min.js"></script>'
                    f"<script>Mews.Distributor({{configurationIds: ['{_uuid(number)}']}}, "
                    "function (api) { window.mewsApi = api; });</script>"
                    f'<button class="distributor-open">{_e(t["book"])}</button>')
        if engine == "d-edge":
            return self._link(f"https://www.secure-hotel-booking.com/{self.slug}/2{number:04d}/"
                              f"{self.p.lang}/", t["book"], ' class="btn-book"')
        return self._p(f"{_e(t['book'])}: {_e(self.phone)}")

    def _microdata(self) -> str:
        h = self.hotel
        return (f'<div itemscope itemtype="https://schema.org/Hotel">'
                f'<span itemprop="name">{_e(h.name)}</span>'
                f'<div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">'
                f'<span itemprop="streetAddress">{_e(self.street)}</span>, '
                f'<span itemprop="postalCode">{_e(self.postcode)}</span> '
                f'<span itemprop="addressLocality">{_e(h.city)}</span></div>'
                f'<span itemprop="telephone">{_e(h.phone)}</span></div>')

    def _jsonld(self) -> str:
        kind = self.p.jsonld
        if kind is None:
            return ""
        h = self.hotel
        site = f"https://www.{h.domain}/"
        hotel: dict[str, Any] = {
            "@type": "Hotel", "name": h.name, "url": site, "telephone": h.phone,
            "address": {"@type": "PostalAddress", "streetAddress": self.street,
                        "postalCode": self.postcode, "addressLocality": h.city,
                        "addressRegion": h.region, "addressCountry": h.country},
            "numberOfRooms": h.rooms,
            "starRating": {"@type": "Rating", "ratingValue": str(h.stars)},
        }
        if self.p.generic_email:
            hotel["email"] = self.p.generic_email
        if kind == "invalid":
            # Hand-written JSON-LD with a trailing comma and an unquoted key, as seen in the wild.
            text = (f'{{"@context": "https://schema.org", "@type": "Hotel", '
                    f'name: {json.dumps(h.name, ensure_ascii=False)}, '
                    f'"telephone": {json.dumps(h.phone)},}}')
        elif kind == "graph":
            text = json.dumps({"@context": "https://schema.org", "@graph": [
                {"@type": "WebSite", "@id": f"{site}#website", "url": site, "name": h.name},
                {**hotel, "@id": f"{site}#hotel"},
                {"@type": "WebPage", "@id": f"{site}#webpage", "url": site,
                 "isPartOf": {"@id": f"{site}#website"}},
            ]}, ensure_ascii=False)
        else:
            text = json.dumps({"@context": "https://schema.org", **hotel}, ensure_ascii=False)
        safe = text.replace("</", "<\\/")
        return f'<script type="application/ld+json">{safe}</script>'

    def _head_extras(self) -> list[str]:
        cms, p = self.p.cms, self.p
        out: list[str] = []
        if cms == "wordpress":
            out += ['<meta name="generator" content="WordPress 6.5.2">',
                    f'<link rel="stylesheet" href="/wp-content/themes/{self.slug[:12]}/style.css">',
                    '<script src="/wp-includes/js/jquery/jquery.min.js"></script>']
        elif cms == "wix":
            out += ['<meta name="generator" content="Wix.com Website Builder">',
                    '<link rel="preconnect" href="https://static.wixstatic.com">']
        elif cms == "typo3":
            out += ['<meta name="generator" content="TYPO3 CMS">',
                    ('<link rel="stylesheet" href="/typo3conf/ext/site_package/Resources/Public/'
                     'Css/main.css">')]
        elif cms == "squarespace":
            out += ["<!-- This is Squarespace. -->",
                    ('<link rel="stylesheet" href="https://static1.squarespace.com/static/'
                     'versioned-site-css/site.css">')]
        elif cms == "joomla":
            out += ['<meta name="generator" content="Joomla! - Open Source Content Management">',
                    '<script src="/media/jui/js/jquery.min.js"></script>']
        number = int(self.hotel.id[-4:])
        if p.analytics == "ga4":
            tag = f"G-{number:06d}X"
            src = f"https://www.googletagmanager.com/gtag/js?id={tag}"
            out += [f'<script async src="{src}"></script>',
                    ("<script>window.dataLayer=window.dataLayer||[];"
                     "function gtag(){dataLayer.push(arguments);}gtag('js',new Date());"
                     f"gtag('config','{tag}');</script>")]
        elif p.analytics == "gtm":
            tag = f"GTM-{number:05d}"
            src = f"https://www.googletagmanager.com/gtm.js?id={tag}"
            out += [("<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':"
                     "new Date().getTime(),event:'gtm.js'});})(window,document,'script',"
                     f"'dataLayer','{tag}');</script>"),
                    f'<script async src="{src}"></script>']
        elif p.analytics == "matomo":
            out += [("<script>var _paq=window._paq=window._paq||[];_paq.push(['trackPageView']);"
                     f"_paq.push(['setSiteId','{number}']);</script>"),
                    ('<script async src="https://analytics.example-matomo.cloud/matomo.js">'
                     "</script>")]
        return out

    def _chat(self) -> str:
        number = int(self.hotel.id[-4:])
        if self.p.chat == "tawk":
            return f'<script async src="https://embed.tawk.to/{number:024x}/default"></script>'
        if self.p.chat == "intercom":
            return (f'<script>window.intercomSettings={{app_id:"ic{number:06d}"}};</script>'
                    f'<script async src="https://widget.intercom.io/widget/ic{number:06d}">'
                    "</script>")
        if self.p.chat == "crisp":
            return (f'<script>window.$crisp=[];window.CRISP_WEBSITE_ID="{_uuid(number)}";'
                    '</script><script async src="https://client.crisp.chat/l.js"></script>')
        return ""

    def _document(self, title: str, body: list[str]) -> str:
        h, p, t = self.hotel, self.p, self.t
        if p.variant == CP1252:
            charset_meta = (f'<meta charset="{p.declared_charset}">' if p.declared_charset
                            else "")
        else:
            charset_meta = '<meta charset="utf-8">'
        description = t["description"].format(name=h.name, stars=h.stars, city=h.city)
        head = [charset_meta, f"<title>{_e(title)}</title>",
                f'<meta name="description" content="{_e(description)}">',
                '<meta name="viewport" content="width=device-width, initial-scale=1">',
                *self._head_extras(), self._jsonld()]
        main = "".join(body)
        if self.broken:
            # Stray closing tags, a table never closed, and no </body></html>.
            return (f"<html lang={p.lang}><head>{''.join(head)}</head><body>"
                    f"<div id=page><font face=Arial>{self._nav()}</td>"
                    f"<table><tr><td>{main}</div></span>{self._footer()}{self._chat()}")
        return (f'<!DOCTYPE html>\n<html lang="{p.lang}">\n<head>{"".join(head)}</head>\n'
                f'<body>\n<header>{self._nav()}</header>\n<main>{main}</main>\n'
                f"{self._footer()}\n{self._chat()}\n</body>\n</html>\n")


def _chain_page(hotel: SampleHotel, profile: SiteProfile, brand_root: str, *,
                contact: bool) -> str:
    base = urlsplit(hotel.website).path.rstrip("/")
    data: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "Hotel", "name": hotel.name,
        "url": hotel.website, "telephone": hotel.phone,
        "address": {"@type": "PostalAddress", "addressLocality": hotel.city,
                    "addressRegion": hotel.region, "addressCountry": hotel.country},
        "brand": {"@type": "Brand", "name": hotel.chain},
        "numberOfRooms": hotel.rooms,
    }
    if profile.generic_email:
        data["email"] = profile.generic_email
    code = base.rsplit("/", 1)[-1].split("-", 1)[0].upper()
    book = f"{brand_root}/reservation/availability?propertyCode={code}"
    if profile.booking_engine == "synxis":
        book = f"https://be.synxis.com/?chain=1003&hotel={int(hotel.id[-4:]) + 70000}"
    lines = [f"<h1>{_e(hotel.name)}</h1>",
             f"<p>{_e(hotel.city)}, {_e(hotel.region)}</p>",
             f'<p>Phone: <a href="tel:{hotel.phone.replace(" ", "")}">{_e(hotel.phone)}</a></p>']
    if profile.generic_email:
        lines.append(f'<p>Email: <a href="mailto:{profile.generic_email}">'
                     f"{_e(profile.generic_email)}</a></p>")
    if contact:
        lines.insert(1, "<h2>Contact us</h2>")
    else:
        lines.append(f'<p><a class="book" href="{_e(book)}">Book now</a></p>')
    nav = (f'<nav><a href="/">{_e(hotel.chain or "")}</a> '
           f'<a href="{base}">Overview</a> <a href="{base}/contact">Contact</a></nav>')
    jsonld = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    title = f"{hotel.name} | {'Contact' if contact else 'Hotel'}"
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{_e(title)}</title>"
            f'<meta name="description" content="{_e(hotel.name)} in {_e(hotel.city)}.">'
            f'<script type="application/ld+json">{jsonld}</script></head>'
            f"<body>{nav}<main>{''.join(lines)}</main></body></html>")


def _social_url(network: str, slug: str, hotel: SampleHotel) -> str:
    number = int(hotel.id[-4:])
    if network == "tripadvisor":
        name = "_".join(hotel.name.split())
        return (f"https://www.tripadvisor.com/Hotel_Review-g{180000 + number}-d{900000 + number}"
                f"-Reviews-{name}.html")
    if network == "linkedin":
        return f"https://www.linkedin.com/company/{slug}"
    return f"https://www.{network}.com/{slug}"


def _uuid(number: int) -> str:
    digits = f"{number * 2654435761 % 16 ** 32:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def _postcode(rng: Random, country: str) -> str:
    if country == "GB":
        return (f"{rng.choice(('SW', 'EH', 'BA', 'YO', 'M', 'BN', 'CF', 'OX'))}"
                f"{rng.randint(1, 20)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}"
                f"{rng.choice('LNPQRSTUW')}")
    if country == "IE":
        return f"D{rng.randint(1, 24):02d} {rng.choice('ACEFHKNPRTVWXY')}{rng.randint(100, 999)}"
    if country == "NL":
        return f"{rng.randint(1000, 9999)} {rng.choice('ABCDEFGH')}{rng.choice('JKLMNPRS')}"
    if country == "PT":
        return f"{rng.randint(1000, 9999)}-{rng.randint(0, 999):03d}"
    if country in ("AT", "CH"):
        return str(rng.randint(1000, 9999))
    return f"{rng.randint(1000, 99999):05d}"


class _Handler(QuietHandler):
    server_version = "SandboxWebsites/1.0"

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, *, send_body: bool) -> None:
        sites: HotelWebsites = self.server.owner
        reply = sites.handle(self.headers.get("Host", ""), self.path)
        if sites.latency_seconds:
            sites.wait(sites.latency_seconds)
        if reply.hang_up:
            self.close_connection = True
            return
        if reply.delay:
            sites.wait(reply.delay)
        self.send_reply(reply.status, reply.body, reply.content_type,
                        (*reply.headers, ("Connection", "close")),
                        content_length=reply.content_length, write_body=send_body)
