"""A loopback web search that answers like DuckDuckGo's HTML endpoint, about the sample hotels.

``POST /html/`` (form ``q``, ``kl``) and ``GET /html/?q=`` return the markup the real no-JavaScript
page has: ``div.result`` blocks with ``a.result__a`` and ``a.result__snippet``, some links wrapped
in DuckDuckGo's ``//duckduckgo.com/l/?uddg=`` redirector, now and then an ad (``result--ad``) on
top, and ``div.no-results`` when nothing matches.

A query is matched to a sample hotel by its name's words and its city (local or English name);
anything else gets the no-results page. Each hotel has a fixed, seeded page of 6 to 10 results of
the kind a real search returns for "<hotel> <city> official website": the hotel's own site (often
outranked by booking.com or Tripadvisor), OTA listings, review pages, Facebook and Instagram, the
city's tourism portal, for chain hotels the chain's home page next to the property page, and for
some hotels a namesake in another city — the real one when the sample has two hotels of that name.
About 5% of the hotels have no site of their own in their results at all (``no_official_site``);
``official_urls`` says which result URLs count as the hotel's site for the others.

A query ending in "reviews" gets review sites whose snippets give a rating and a typical complaint
(``review_results_for``); one ending in "news" gets zero to two local news items about the hotel
(``news_results_for``), the same ones every time.

Test hooks: ``fail_first`` answers the first N requests with DuckDuckGo's bot challenge (HTTP 202
and the anomaly page, or 403); ``latency_seconds`` delays every answer; ``requests`` records every
request and ``peak_in_flight`` the most requests it was answering at once.
"""

from __future__ import annotations

import html
import re
import time
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cached_property
from random import Random
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from sandbox import sample_data
from sandbox.sample_data import COUNTRY_BY_CODE, SampleHotel
from sandbox.server import LoopbackServer, QuietHandler

NO_SITE_SHARE = 0.05


@dataclass(frozen=True)
class SearchRequest:
    method: str
    path: str
    query: str
    region: str
    status: int
    at: float
    """time.monotonic() when the request arrived."""


@dataclass(frozen=True)
class Hit:
    url: str
    title: str
    snippet: str
    kind: str
    """What the sandbox made it as: official, chain_home, ota, review, social, directory,
    job_board, blog or namesake. For assertions; not part of the page."""


@dataclass(frozen=True)
class _Reply:
    status: int
    body: str


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"['’`]", "", text).replace("&", " and ")
    return " ".join(re.findall(r"[a-z0-9]+", text))


def _slug(text: str, sep: str = "-") -> str:
    return sep.join(sample_data._words(text, "en"))


# Chain name -> (site host, home page title, tagline) for the chains in the sample.
_CHAIN_SITES = {
    "Marriott": ("www.marriott.com", "Marriott Bonvoy | Hotels & Resorts Worldwide",
                 "Book hotels with Marriott Bonvoy and earn points at 30 brands worldwide."),
    "Hilton": ("www.hilton.com", "Hilton Hotels & Resorts | Book Direct",
               "Find and book Hilton hotels and resorts worldwide. Lowest price guaranteed."),
    "IHG": ("www.ihg.com", "IHG Hotels & Resorts | Official Site",
            "Book your stay at one of 6,000 IHG hotels. Join IHG One Rewards for member rates."),
    "Accor": ("all.accor.com", "ALL - Accor Live Limitless | Hotel booking",
              "Book a hotel among 5,500 Accor hotels: ibis, Novotel, Mercure, Sofitel..."),
    "Best Western": ("www.bestwestern.com", "Best Western Hotels & Resorts | Official Site",
                     "Best Western Hotels & Resorts: book direct for the best rate."),
    "Motel One": ("www.motel-one.com", "Motel One | Design hotels at budget prices",
                  "Motel One: design for little money, central locations in 70 cities."),
    "Whitbread": ("www.premierinn.com", "Premier Inn | Cheap Hotels & Budget Hotel Rooms",
                  "Book a great value hotel room at one of 800+ Premier Inn hotels."),
    "Minor Hotels": ("www.nh-hotels.com", "NH Hotels | Official Website",
                     "Hotels in Europe and Latin America. Best price guaranteed with NH."),
    "Meliá": ("www.melia.com", "Meliá Hotels International | Official Website",
              "Hotels and resorts in 40 countries. Book on the official Meliá website."),
    "B&B Hotels": ("www.hotel-bb.com", "B&B HOTELS | Budget hotels in Europe",
                   "B&B HOTELS: comfortable, affordable hotels across Europe."),
    "Hyatt": ("www.hyatt.com", "Hyatt Hotels & Resorts | World of Hyatt",
              "Discover Hyatt hotels and resorts worldwide and book the best rates."),
    "Choice Hotels": ("www.choicehotels.com", "Choice Hotels | Book Hotels Online",
                      "Comfort, Quality, Clarion and more: book direct with Choice Hotels."),
    "Radisson": ("www.radissonhotels.com", "Radisson Hotels | Official Site",
                 "Book Radisson Blu, Park Inn by Radisson and more at the best rate."),
    "Pestana": ("www.pestana.com", "Pestana Hotel Group | Official Website",
                "Hotels and pousadas in Portugal and beyond."),
    "Dalata Hotel Group": ("www.maldronhotels.com", "Maldron Hotels | Official Site",
                           "Maldron Hotels in Ireland and the UK. Best rates guaranteed."),
}

_HOTEL_IN = {
    "en": "Hotel in {city}", "de": "Hotel in {city}", "fr": "Hôtel à {city}",
    "es": "Hotel en {city}", "it": "Hotel a {city}", "nl": "Hotel in {city}",
    "pt": "Hotel em {city}",
}
_WELCOME = {
    "en": "Welcome to {name} in {city}: {rooms} rooms, a {stars}-star welcome and the best rate "
          "when you book direct.",
    "de": "Willkommen im {name} in {city}. {rooms} Zimmer, {stars} Sterne und der beste Preis "
          "bei Direktbuchung.",
    "fr": "Bienvenue à {name}, {city}. {rooms} chambres, {stars} étoiles et le meilleur tarif "
          "en réservant en direct.",
    "es": "Bienvenido a {name} en {city}. {rooms} habitaciones y el mejor precio reservando en "
          "nuestra web oficial.",
    "it": "Benvenuti al {name} a {city}. {rooms} camere, {stars} stelle e il miglior prezzo "
          "prenotando direttamente.",
    "nl": "Welkom bij {name} in {city}. {rooms} kamers en de beste prijs als u direct boekt.",
    "pt": "Bem-vindo ao {name} em {city}. {rooms} quartos e o melhor preço ao reservar "
          "diretamente.",
}
_BLOGS = ("wanderlust-diaries.com", "citybreakjournal.com", "thetravelnotebook.net",
          "slowtravelguide.com")
_OTA_TLD = {"US": "com", "GB": "co.uk", "IE": "ie", "DE": "de", "AT": "at", "CH": "ch",
            "FR": "fr", "ES": "es", "IT": "it", "NL": "nl", "PT": "pt"}
_TA_TLD = {"US": "com", "GB": "co.uk", "IE": "ie", "DE": "de", "AT": "at", "CH": "ch",
           "FR": "fr", "ES": "es", "IT": "it", "NL": "nl", "PT": "pt"}


_COMPLAINTS = ("slow check-in", "thin walls", "a dated breakfast room", "slow replies to emails",
               "expensive parking", "hard-to-reach reception by phone", "small rooms",
               "slow Wi-Fi")
_COMPLAINTS_DE = ("langsamer Check-in", "hellhörige Zimmer", "veralteter Frühstücksraum",
                  "langsame Antworten auf E-Mails", "teures Parken",
                  "telefonisch schwer erreichbare Rezeption", "kleine Zimmer", "langsames WLAN")
_PAPERS = ("chronicle", "herald", "gazette", "courier")
_NEWS = (
    ("{name} unveils renovated rooms",
     "{name} in {city} has reopened its {rooms} renovated rooms after a winter refurbishment."),
    ("{name} named among {city}'s best small hotels",
     "Readers voted {name} one of the best small hotels in {city} this year."),
    ("New general manager at {name}",
     ("{name} in {city} has appointed a new general manager ahead of the summer season.")),
    ("{name} opens rooftop bar", "{name} has opened a rooftop bar overlooking {city}'s old town."),
)


def _intent(query: str) -> str:
    """"reviews" or "news" when the query asks for them (its last word), else "website"."""
    words = _fold(query).split()
    return words[-1] if words and words[-1] in ("reviews", "news") else "website"


class SearchServer(LoopbackServer):
    """The DuckDuckGo HTML endpoint on 127.0.0.1 and a free port. Use as a context manager or
    call ``start()`` and ``stop()``; ``url`` is the base URL for ``WebSearch(base_url=...)``."""

    def __init__(
        self,
        seed: int = sample_data.DEFAULT_SEED,
        *,
        fail_first: int = 0,
        fail_status: int = 202,
        latency_seconds: float = 0.0,
        ads: bool = True,
    ) -> None:
        if fail_status not in (202, 403):
            raise ValueError("fail_status must be 202 or 403 (DuckDuckGo's bot challenge)")
        super().__init__(_Handler, thread_name="sandbox-search", label="sandbox search server")
        self.seed = seed
        self.fail_first, self.fail_status = fail_first, fail_status
        self.latency_seconds = latency_seconds
        self.ads = ads
        self.hotels = sample_data.hotels(seed)
        self.requests: list[SearchRequest] = []
        self._by_id = {h.id: h for h in self.hotels}
        self.peak_in_flight = 0
        self._in_flight = 0
        self._failed = 0
        self._pages: dict[str, list[Hit]] = {}

    # -- what the world looks like, for assertions ----------------------------------------------

    @cached_property
    def no_official_site(self) -> frozenset[str]:
        """Ids of the hotels whose results hold no site of their own (OTAs and the like only)."""
        ids = sorted(self._by_id)
        count = max(1, round(len(ids) * NO_SITE_SHARE))
        return frozenset(Random(f"{self.seed}:search:no-site").sample(ids, count))

    def has_official_site(self, hotel_id: str) -> bool:
        return hotel_id not in self.no_official_site

    def official_urls(self, hotel_id: str) -> tuple[str, ...]:
        """The result URLs that are this hotel's own site (its domain or its chain page)."""
        return tuple(h.url for h in self.results_for(hotel_id) if h.kind == "official")

    def results_for(self, hotel_id: str) -> list[Hit]:
        """The hotel's result page in rank order, ads excluded."""
        with self._lock:
            page = self._pages.get(hotel_id)
        if page is None:
            page = self._make_page(self._by_id[hotel_id])
            with self._lock:
                self._pages.setdefault(hotel_id, page)
        return list(page)

    def review_results_for(self, hotel_id: str) -> list[Hit]:
        """What "<hotel> <city> reviews" finds: review sites, each snippet with a rating and the
        complaint guests make most, then an OTA listing."""
        hotel = self._by_id[hotel_id]
        rng = Random(f"{self.seed}:search:reviews:{hotel.id}")
        rating = round(rng.uniform(3.4, 4.8), 1)
        complaint = rng.choice(_COMPLAINTS)
        count = rng.randint(40, 2500)
        ta = self._tripadvisor(hotel, rng)
        hits = [Hit(ta.url, ta.title,
                    f"Rated {rating} of 5 by {count} travellers. Guests mention {complaint}.",
                    "review")]
        if hotel.country in ("DE", "AT", "CH"):
            hc = self._holidaycheck(hotel, rng)
            score = round(min(6.0, rating * 1.2), 1)
            hits.append(Hit(hc.url, hc.title,
                            f"{score}/6 Punkte bei {rng.randint(10, 400)} Bewertungen. "
                            f"Gäste bemängeln: {_COMPLAINTS_DE[_COMPLAINTS.index(complaint)]}.",
                            "review"))
        if rng.random() < 0.5:
            maps = self._google_maps(hotel, rng)
            other = rng.choice([c for c in _COMPLAINTS if c != complaint])
            hits.append(Hit(maps.url, maps.title,
                            f"{round(min(5.0, rating + rng.uniform(-0.3, 0.3)), 1)} stars "
                            f"({rng.randint(50, 3000)} Google reviews): \"{other}\"", "review"))
        hits.append(self._booking(hotel, rng))
        return hits

    def news_results_for(self, hotel_id: str) -> list[Hit]:
        """What "<hotel> <city> news" finds: nothing for most hotels, one or two local news
        items about the hotel for some."""
        hotel = self._by_id[hotel_id]
        rng = Random(f"{self.seed}:search:news:{hotel.id}")
        roll = rng.random()
        count = 0 if roll < 0.55 else 1 if roll < 0.85 else 2
        city = self._city(hotel)
        paper = f"www.{_slug(city.name_en, '')}{rng.choice(_PAPERS)}.com"
        hits = []
        for headline, snippet in rng.sample(_NEWS, count):
            title = headline.format(name=hotel.name, city=city.name_en)
            hits.append(Hit(f"https://{paper}/business/{_slug(title)}", title,
                            snippet.format(name=hotel.name, city=city.name_en,
                                           rooms=hotel.rooms),
                            "news"))
        return hits

    def match(self, query: str) -> SampleHotel | None:
        """The sample hotel a query is about: most of its name's words, and its city if the query
        names one; None for anything else."""
        words = set(_fold(query).split())
        folded_query = f" {_fold(query)} "
        best: tuple[float, str] | None = None
        for hotel in self.hotels:
            name_words = _fold(hotel.name).split()
            if not name_words:
                continue
            cover = sum(1 for w in name_words if w in words) / len(name_words)
            if cover < 0.75:
                continue
            city = self._city(hotel)
            in_city = any(f" {_fold(n)} " in folded_query for n in (city.name, city.name_en))
            score = cover + (0.5 if in_city else 0.0) - 0.01 * (len(words) - len(name_words))
            if best is None or score > best[0]:
                best = (score, hotel.id)
        return self._by_id[best[1]] if best else None

    # -- dispatch -------------------------------------------------------------------------------

    def handle(self, method: str, raw_path: str, form: dict[str, str]) -> _Reply:
        arrived = time.monotonic()
        with self._lock:
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
        try:
            return self._handle(method, raw_path, form, arrived)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _handle(self, method: str, raw_path: str, form: dict[str, str], arrived: float) -> _Reply:
        if self.latency_seconds > 0:
            time.sleep(self.latency_seconds)
        parts = urlsplit(raw_path)
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        params.update(form)
        query, region = params.get("q", "").strip(), params.get("kl", "")
        reply = self._injected_failure(query)
        if reply is None:
            try:
                if parts.path.rstrip("/") != "/html":
                    reply = _Reply(404, "<html><body><h1>Not Found</h1></body></html>")
                elif not query:
                    reply = _Reply(200, _page("", "", ads=""))
                else:
                    reply = self._search(query)
            except Exception as exc:  # a sandbox bug should read as a server error, not a hang
                message = html.escape(f"{type(exc).__name__}: {exc}")
                reply = _Reply(500, f"sandbox failure: {message}")
        with self._lock:
            self.requests.append(
                SearchRequest(method, raw_path, query, region, reply.status, arrived)
            )
        return reply

    def _injected_failure(self, query: str) -> _Reply | None:
        with self._lock:
            if self._failed >= self.fail_first:
                return None
            self._failed += 1
        return _Reply(self.fail_status, _anomaly_page(query))

    def _search(self, query: str) -> _Reply:
        hotel = self.match(query)
        if hotel is None:
            return _Reply(200, _page(query, _NO_RESULTS, ads=""))
        intent = _intent(query)
        if intent == "reviews":
            hits = self.review_results_for(hotel.id)
        elif intent == "news":
            hits = self.news_results_for(hotel.id)
            if not hits:
                return _Reply(200, _page(query, _NO_RESULTS, ads=""))
        else:
            hits = self.results_for(hotel.id)
        rng = Random(f"{self.seed}:search:markup:{hotel.id}")
        blocks = [_result_block(hit, query, wrap=rng.random() < 0.6, rng=rng) for hit in hits]
        ads = _ad_block(hotel, self._city(hotel).name_en) if self.ads and rng.random() < 0.4 else ""
        return _Reply(200, _page(query, "\n".join(blocks), ads=ads))

    # -- result pages ---------------------------------------------------------------------------

    def _city(self, hotel: SampleHotel) -> Any:
        country = COUNTRY_BY_CODE[hotel.country]
        return next(c for c in country.cities if c.name == hotel.city)

    def _lang(self, hotel: SampleHotel) -> str:
        return self._city(hotel).lang or COUNTRY_BY_CODE[hotel.country].lang

    def _namesakes(self, hotel: SampleHotel) -> list[SampleHotel]:
        name = _fold(hotel.name)
        return [
            other for other in self.hotels
            if other.id != hotel.id and other.city != hotel.city
            and SequenceMatcher(None, name, _fold(other.name)).ratio() >= 0.88
        ]

    def _make_page(self, hotel: SampleHotel) -> list[Hit]:
        rng = Random(f"{self.seed}:search:{hotel.id}")
        has_site = self.has_official_site(hotel.id)
        official = self._official(hotel, rng) if has_site else []
        chain_home = [self._chain_home(hotel, rng)] if hotel.chain else []
        namesakes = [self._official(other, rng, kind="namesake")[0]
                     for other in self._namesakes(hotel)]
        if not namesakes and rng.random() < 0.25:
            namesakes = [self._made_up_namesake(hotel, rng)]

        listings = [self._booking(hotel, rng), self._tripadvisor(hotel, rng)]
        optional = [self._expedia(hotel, rng), self._hotels_com(hotel, rng),
                    self._facebook(hotel, rng), self._instagram(hotel, rng),
                    self._tourism(hotel, rng), self._agoda(hotel, rng)]
        if hotel.country in ("DE", "AT", "CH"):
            optional.append(self._holidaycheck(hotel, rng))
        if hotel.country == "US":
            optional.append(self._yelp(hotel, rng))
        if rng.random() < 0.3:
            optional.append(self._indeed(hotel, rng))
        if rng.random() < 0.3:
            optional.append(self._blog(hotel, rng))
        if rng.random() < 0.2:
            optional.append(self._google_maps(hotel, rng))

        fixed = official + chain_home + namesakes
        total = max(len(fixed) + len(listings), rng.randint(6, 10))
        extra = rng.sample(optional, max(0, min(len(optional), total - len(fixed) - len(listings))))
        others = listings + extra
        rng.shuffle(others)
        rng.shuffle(chain_home)
        # OTAs and Tripadvisor often outrank the hotel itself.
        page = others
        for hit in official:
            page.insert(0 if rng.random() < 0.4 else rng.randint(1, min(3, len(page))), hit)
        for hit in chain_home + namesakes:
            page.insert(rng.randint(1, len(page)), hit)
        return page[:10] if len(page) > 10 else page

    def _official(self, hotel: SampleHotel, rng: Random, kind: str = "official") -> list[Hit]:
        city = self._city(hotel)
        lang = self._lang(hotel)
        place = city.name_en if rng.random() < 0.35 else city.name
        snippet = _WELCOME.get(lang, _WELCOME["en"]).format(
            name=hotel.name, city=place, rooms=hotel.rooms, stars=hotel.stars)
        on_chain_site = hotel.chain is not None and hotel.website.count("/") > 2
        if on_chain_site:
            title = rng.choice((f"{hotel.name} | {hotel.chain}", f"{hotel.name} - Hotel Details",
                                f"{hotel.name} | Official Site"))
            return [Hit(hotel.website, title, snippet, kind)]
        # Now and then the engine prefers an inner page; the site is still the hotel's own.
        url = hotel.website + ("/" if rng.random() < 0.85 else rng.choice((f"/{lang}/", "/rooms")))
        hotel_in = _HOTEL_IN.get(lang, _HOTEL_IN["en"]).format(city=place)
        title = rng.choice((f"{hotel.name} | Official Site | {place}", f"{hotel.name} – {hotel_in}",
                            f"{hotel.name} - Official Website"))
        hits = [Hit(url, title, snippet, kind)]
        if hotel.chain and kind == "official" and rng.random() < 0.5:
            host = self._chain_host(hotel)
            code = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(5))
            page = f"https://{host}/hotels/{code}-{_slug(hotel.name)}"
            hits.append(Hit(page, f"{hotel.name} | {hotel.chain}",
                            f"Book {hotel.name} in {city.name_en} on the official "
                            f"{hotel.chain} website.", kind))
        return hits

    def _chain_host(self, hotel: SampleHotel) -> str:
        if hotel.website.count("/") > 2:
            return urlsplit(hotel.website).netloc
        host = _CHAIN_SITES.get(hotel.chain or "", ("www.hotels-group.com",))[0]
        if hotel.name.startswith("Clayton"):
            host = "www.claytonhotels.com"
        return host

    def _chain_home(self, hotel: SampleHotel, rng: Random) -> Hit:
        _, title, tagline = _CHAIN_SITES.get(hotel.chain or "", ("", hotel.chain or "", ""))
        path = rng.choice(("/", "/", "/en/", "/en-us/"))
        return Hit(f"https://{self._chain_host(hotel)}{path}", title, tagline, "chain_home")

    def _made_up_namesake(self, hotel: SampleHotel, rng: Random) -> Hit:
        country = COUNTRY_BY_CODE[hotel.country]
        here = self._city(hotel)
        elsewhere = rng.choice([c for c in country.cities if c.name != here.name])
        lang = elsewhere.lang or country.lang
        name = hotel.name
        for spelling in (here.name_en, here.name):
            if spelling in name:
                name = name.replace(spelling, elsewhere.name_en if spelling == here.name_en
                                    else elsewhere.name)
        words = sample_data._words(name, lang)
        city_words = sample_data._words(elsewhere.name, lang)
        base = "".join(words) if name != hotel.name else "-".join(words + city_words)
        url = f"https://www.{base[:60]}.{country.tld}/"
        hotel_in = _HOTEL_IN.get(lang, _HOTEL_IN["en"]).format(city=elsewhere.name)
        snippet = _WELCOME.get(lang, _WELCOME["en"]).format(
            name=name, city=elsewhere.name, rooms=rng.randint(10, 80), stars=rng.randint(3, 4))
        return Hit(url, f"{name} – {hotel_in}", snippet, "namesake")

    def _booking(self, hotel: SampleHotel, rng: Random) -> Hit:
        city = self._city(hotel)
        url = (f"https://www.booking.com/hotel/{hotel.country.lower()}/{_slug(hotel.name)}"
               f".{self._lang(hotel)}.html")
        return Hit(url, f"{hotel.name}, {city.name_en} – Updated 2026 Prices",
                   f"Located in {city.name_en}, {hotel.name} offers free WiFi, a 24-hour front "
                   f"desk and rooms from {rng.randint(60, 240)} €.", "ota")

    def _expedia(self, hotel: SampleHotel, rng: Random) -> Hit:
        city = self._city(hotel)
        url = (f"https://www.expedia.{_OTA_TLD[hotel.country]}/{_slug(city.name_en)}-Hotels-"
               f"{_slug(hotel.name)}.h{rng.randint(100000, 99999999)}.Hotel-Information")
        return Hit(url, f"{hotel.name} in {city.name_en} | Expedia",
                   f"Book {hotel.name} with free cancellation. Compare prices and reviews.",
                   "ota")

    def _hotels_com(self, hotel: SampleHotel, rng: Random) -> Hit:
        city = self._city(hotel)
        sub = "www" if hotel.country == "US" else hotel.country.lower()
        url = f"https://{sub}.hotels.com/ho{rng.randint(100000, 9999999)}/"
        return Hit(url, f"{hotel.name}, {city.name_en} | Hotels.com",
                   f"{hotel.name} in {city.name_en}: see {rng.randint(20, 900)} reviews.", "ota")

    def _agoda(self, hotel: SampleHotel, rng: Random) -> Hit:
        city = self._city(hotel)
        url = f"https://www.agoda.com/{_slug(hotel.name)}/hotel/{_slug(city.name_en)}.html"
        return Hit(url, f"{hotel.name} - Deals, Photos & Reviews",
                   f"Best price guarantee for {hotel.name}, {city.name_en}.", "ota")

    def _tripadvisor(self, hotel: SampleHotel, rng: Random) -> Hit:
        city = self._city(hotel)
        country = COUNTRY_BY_CODE[hotel.country]
        url = (f"https://www.tripadvisor.{_TA_TLD[hotel.country]}/Hotel_Review-"
               f"g{rng.randint(10000, 999999)}-d{rng.randint(100000, 9999999)}-Reviews-"
               f"{_slug(hotel.name, '_')}-{_slug(city.name_en, '_')}.html")
        return Hit(url, f"{hotel.name.upper()} - Updated 2026 Prices & Hotel Reviews "
                        f"({city.name_en}, {country.name_en})",
                   f"{hotel.name}, {city.name_en}: {rng.randint(20, 2000)} traveller reviews, "
                   f"candid photos and great deals.", "review")

    def _holidaycheck(self, hotel: SampleHotel, rng: Random) -> Hit:
        url = (f"https://www.holidaycheck.{hotel.country.lower()}/hi/{_slug(hotel.name)}/"
               f"{rng.getrandbits(64):016x}")
        return Hit(url, f"{hotel.name} ({hotel.city}) • HolidayCheck",
                   f"{hotel.name}: Bewertungen, Fotos und Preise vergleichen.", "review")

    def _yelp(self, hotel: SampleHotel, rng: Random) -> Hit:
        city = self._city(hotel)
        url = f"https://www.yelp.com/biz/{_slug(hotel.name)}-{_slug(city.name_en)}"
        return Hit(url, f"{hotel.name} - Updated 2026 - {city.name_en}, {city.state} - Yelp",
                   f"{rng.randint(5, 300)} reviews of {hotel.name}.", "review")

    def _google_maps(self, hotel: SampleHotel, rng: Random) -> Hit:
        url = f"https://www.google.com/maps/place/{quote(hotel.name)}/@{rng.random():.6f}"
        return Hit(url, f"{hotel.name} - Google Maps", f"{hotel.name}, {hotel.city}", "review")

    def _facebook(self, hotel: SampleHotel, rng: Random) -> Hit:
        handle = _slug(hotel.name, "")
        return Hit(f"https://www.facebook.com/{handle}/", f"{hotel.name} | {hotel.city} | Facebook",
                   f"{hotel.name}, {hotel.city}. {rng.randint(200, 20000)} likes.", "social")

    def _instagram(self, hotel: SampleHotel, rng: Random) -> Hit:
        handle = _slug(hotel.name, "_")
        return Hit(f"https://www.instagram.com/{handle}/",
                   f"{hotel.name} (@{handle}) • Instagram photos and videos",
                   f"{rng.randint(300, 40000)} followers · {hotel.name} in {hotel.city}",
                   "social")

    def _tourism(self, hotel: SampleHotel, rng: Random) -> Hit:
        city = self._city(hotel)
        country = COUNTRY_BY_CODE[hotel.country]
        city_slug = _slug(city.name_en, "")
        if country.lang == "de":
            host = f"www.{_slug(sample_data.fold_ascii(city.name, 'de'))}-tourismus.{country.tld}"
        elif country.lang in ("fr",):
            host = f"www.{_slug(city.name)}-tourisme.{country.tld}"
        elif country.lang in ("es", "it"):
            host = f"www.turismo{_slug(city.name, '')}.{country.tld}"
        else:
            host = f"www.visit{city_slug}.{country.tld}"
        return Hit(f"https://{host}/hotels/{_slug(hotel.name)}",
                   f"{hotel.name} - Visit {city.name_en}",
                   f"Stay at {hotel.name}, one of {rng.randint(40, 400)} places to stay in "
                   f"{city.name_en}.", "directory")

    def _indeed(self, hotel: SampleHotel, rng: Random) -> Hit:
        host = {"US": "www.indeed.com", "GB": "uk.indeed.com"}.get(
            hotel.country, f"{hotel.country.lower()}.indeed.com")
        return Hit(f"https://{host}/cmp/{_slug(hotel.name)}/jobs",
                   f"{hotel.name} jobs in {hotel.city} | Indeed",
                   f"{rng.randint(1, 12)} open jobs at {hotel.name}.", "job_board")

    def _blog(self, hotel: SampleHotel, rng: Random) -> Hit:
        city = self._city(hotel)
        blog = rng.choice(_BLOGS)
        return Hit(f"https://www.{blog}/{_slug(city.name_en)}/best-boutique-hotels",
                   f"The {rng.randint(8, 25)} Best Boutique Hotels in {city.name_en} (2026)",
                   f"From grand old names to small family places: where to stay in "
                   f"{city.name_en}, including {hotel.name}.", "blog")


# -- markup ---------------------------------------------------------------------------------------

_NO_RESULTS = (
    '<div class="result results_links results_links_deep result--no-result">\n'
    '  <div class="no-results">No  results.</div>\n</div>'
)


def _bold(text: str, query: str) -> str:
    """HTML-escaped text with the query's words in <b>, as DuckDuckGo highlights them."""
    escaped = html.escape(text, quote=False)
    words = sorted({w for w in re.findall(r"\w+", query) if len(w) >= 3}, key=len, reverse=True)
    if not words:
        return escaped
    pattern = "|".join(re.escape(html.escape(w, quote=False)) for w in words)
    return re.sub(rf"(?i)\b({pattern})\b", r"<b>\1</b>", escaped)


def _redirect(url: str, rng: Random) -> str:
    return f"//duckduckgo.com/l/?uddg={quote(url, safe='')}&rut={rng.getrandbits(128):032x}"


def _result_block(hit: Hit, query: str, *, wrap: bool, rng: Random) -> str:
    href = html.escape(_redirect(hit.url, rng) if wrap else hit.url)
    shown = html.escape(hit.url.split("://", 1)[-1].rstrip("/"))
    host = html.escape(urlsplit(hit.url).netloc)
    return f"""<div class="result results_links results_links_deep web-result ">
  <div class="links_main links_deep result__body">
    <h2 class="result__title">
      <a rel="nofollow" class="result__a" href="{href}">{_bold(hit.title, query)}</a>
    </h2>
    <div class="result__extras">
      <div class="result__extras__url">
        <span class="result__icon"><a rel="nofollow" href="{href}"><img class="result__icon__img" width="16" height="16" alt="" src="//external-content.duckduckgo.com/ip3/{host}.ico" name="i15" /></a></span>
        <a class="result__url" href="{href}">{shown}</a>
      </div>
    </div>
    <a class="result__snippet" href="{href}">{_bold(hit.snippet, query)}</a>
    <div class="clear"></div>
  </div>
</div>"""  # noqa: E501


def _ad_block(hotel: SampleHotel, city: str) -> str:
    href = html.escape(
        "https://duckduckgo.com/y.js?ad_domain=booking.com&ad_provider=bingv7aa&ad_type=txad"
        f"&u3={quote('https://www.booking.com/city.html', safe='')}"
    )
    return f"""<div class="result results_links results_links_deep result--ad result--ad--small">
  <div class="links_main links_deep result__body">
    <h2 class="result__title">
      <a rel="nofollow" class="result__a" href="{href}">Hotels in {html.escape(city)} | Booking.com</a>
    </h2>
    <div class="result__extras"><div class="result__extras__url">
      <a class="result__url" href="{href}">booking.com</a>
      <span class="badge--ad">Ad</span>
    </div></div>
    <a class="result__snippet" href="{href}">Great rates near {html.escape(hotel.name)}. Book now, pay at the hotel.</a>
  </div>
</div>"""  # noqa: E501


def _page(query: str, results: str, *, ads: str) -> str:
    q = html.escape(query)
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="content-type" content="text/html; charset=UTF-8" />
<meta name="referrer" content="origin" />
<title>{q} at DuckDuckGo</title>
<link rel="stylesheet" href="/dist/h.css" type="text/css" />
</head>
<body class="body--html">
<div class="header--aside"></div>
<div id="header" class="header cw header--html">
  <form name="x" class="header__form" action="/html/" method="post">
    <div class="search search--header">
      <input name="q" autocomplete="off" class="search__input" id="search_form_input_homepage" type="text" value="{q}" />
      <input name="b" id="search_button_homepage" class="search__button search__button--html" value="" title="Search" alt="Search" type="submit" />
    </div>
  </form>
</div>
<div>
<div class="serp__results">
<div id="links" class="results">
{ads}
{results}
</div>
</div>
</div>
</body>
</html>
"""  # noqa: E501


def _anomaly_page(query: str) -> str:
    q = html.escape(quote(query))
    return f"""<!DOCTYPE html>
<html lang="en-US">
<head><meta charset="utf-8" /><title>DuckDuckGo</title></head>
<body>
<div class="anomaly-modal__mask">
  <div class="anomaly-modal__modal" data-testid="anomaly-modal">
    <div class="anomaly-modal__title">Unfortunately, bots use DuckDuckGo too.</div>
    <div class="anomaly-modal__description">Please complete the following challenge to confirm this search was made by a human.</div>
    <form id="challenge-form" action="//duckduckgo.com/anomaly.js?sv=html&amp;cc=sre&amp;q={q}" method="POST">
      <div class="anomaly-modal__instructions">Select all squares containing a duck:</div>
      <button class="anomaly-modal__submit" type="submit">Submit</button>
    </form>
  </div>
</div>
</body>
</html>
"""  # noqa: E501


class _Handler(QuietHandler):
    server_version = "SandboxSearch/1.0"

    def do_GET(self) -> None:
        self._answer("GET", {})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        self._answer("POST", form)

    def _answer(self, method: str, form: dict[str, str]) -> None:
        reply = self.server.owner.handle(method, self.path, form)
        self.send_reply(reply.status, reply.body.encode("utf-8"), "text/html; charset=UTF-8")
