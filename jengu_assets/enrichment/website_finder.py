"""Which search result is a hotel's own website: pure rules over search results, no I/O.

A search for "Hotel Adler München official website" comes back with the hotel's site somewhere
among booking.com, Tripadvisor, Facebook, the city's tourism portal, the chain's brand home page
and, often enough, a hotel of the same name in another town. Outreach to the wrong one of those is
worse than no outreach at all, so the rules are strict:

- every result gets a kind from its host and path (`classify_url`); OTAs, review sites, social
  pages, directories, job boards and a chain's brand-wide pages are never chosen;
- the rest are scored (`score_candidate`) on how well the domain (or a chain page's slug) and the
  title spell the hotel's name, whether the city is mentioned at all, the country TLD, whether it
  is a home page, the search rank and https; a site that never mentions the city or whose domain
  spells another name is marked down hard, because that is what a namesake elsewhere looks like;
- `choose_website` takes the best one over a threshold, or asks a `WebsitePicker` (an LLM) to
  choose among the allowed ones only, and says in words why nothing was chosen when nothing is.

The vocabularies are explicit lists: a misclassified site is fixed by one entry and one test.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

from rapidfuzz import fuzz

from jengu_assets.acquisition.rules import city_key, country_code, fold
from jengu_resources.search import SearchResult

OTA = "ota"
REVIEW = "review"
SOCIAL = "social"
DIRECTORY = "directory"
JOB_BOARD = "job_board"
CHAIN_PROPERTY = "chain_property"
CHAIN_WIDE = "chain_wide"
CANDIDATE = "candidate"

# Never a hotel's own website, whatever the score.
EXCLUDED_KINDS = frozenset({OTA, REVIEW, SOCIAL, DIRECTORY, JOB_BOARD, CHAIN_WIDE})
ALLOWED_KINDS = frozenset({CANDIDATE, CHAIN_PROPERTY})

MIN_SCORE = 0.5

# --------------------------------------------------------------------------------------------------
# Search query
# --------------------------------------------------------------------------------------------------

# Legal forms say nothing to a search engine and push the hotel's own site down the results.
_LEGAL_TAIL = re.compile(
    r"[\s,]+(?:gmbh(?:\s*(?:&|und)\s*co\.?\s*kg)?|mbh|ltd\.?|limited|llc|inc\.?|plc|"
    r"s\.\s?a\.\s?r\.\s?l\.?|sarl|s\.\s?r\.\s?l\.?|srl|s\.\s?l\.?|s\.\s?a\.?|b\.\s?v\.?|bv|ag|"
    r"lda\.?|sas|kg|& co\.?)\s*$",
    re.IGNORECASE,
)
_QUOTES = re.compile(r"[\"“”„«»]")


def _strip_legal(name: str) -> str:
    previous = None
    while previous != name:
        previous, name = name, _LEGAL_TAIL.sub("", name).strip()
    return name


def search_query(company_name: str, city: str | None, country: str | None) -> str:
    """A short web query for the hotel's own site: "Hotel Adler München official website".

    No quotes (an exact-phrase search misses "Adler Hotel" and "Hotel Adler GmbH"), no legal
    form, and the city only when the name does not already contain it, as chain names do. The
    country is used only when there is no city; the region setting of the search narrows it.
    """
    name = _QUOTES.sub(" ", _strip_legal(company_name or "")).strip()
    place = (city or "").strip()
    if place and _mentions_city(fold(name), place) is None:
        name = f"{name} {place}"
    elif not place and country:
        name = f"{name} {country.strip()}"
    return " ".join(f"{name} official website".split())


# --------------------------------------------------------------------------------------------------
# URL classification
# --------------------------------------------------------------------------------------------------

# Brands are matched on the registrable label, so booking.com, tripadvisor.co.uk and
# de.hotels.com are caught under every country TLD; short or ambiguous ones are listed as domains.
_BRANDS: dict[str, str] = {}
_DOMAINS: dict[str, str] = {}


def _vocabulary(kind: str, brands: str, domains: str = "") -> None:
    _BRANDS.update(dict.fromkeys(brands.split(), kind))
    _DOMAINS.update(dict.fromkeys(domains.split(), kind))


_vocabulary(
    OTA,
    "booking expedia hotels agoda trivago hrs kayak priceline lastminute ebookers opodo ctrip "
    "hostelworld hostelbookers airbnb vrbo homeaway orbitz travelocity edreams momondo "
    "skyscanner hotwire wotif laterooms hotelscombined destinia centraldereservas atrapalo "
    "logitravel rumbo checkfelix hoteltonight makemytrip goibibo ostrovok hotelopia secretescapes "
    "travelzoo tiket traveloka hotelsclick holidaylettings fewo-direkt tui",
    "trip.com weg.de otel.com",
)
_vocabulary(
    REVIEW,
    "tripadvisor holidaycheck yelp zoover trustpilot foursquare tophotels hotelstars",
)
_vocabulary(
    SOCIAL,
    "facebook instagram linkedin twitter youtube tiktok pinterest threads snapchat xing vk",
    "x.com fb.com fb.me youtu.be t.co",
)
_vocabulary(
    JOB_BOARD,
    "indeed stepstone glassdoor monster hosco hcareers caterer hotelcareer adzuna karriere "
    "infojobs totaljobs ziprecruiter simplyhired jooble careerjet hospitalityonline "
    "welcometothejungle jobware gastrojobs yourhotelcareer hoteljob jobs",
    "reed.co.uk jobs.ch jobscout24.ch",
)
_vocabulary(
    DIRECTORY,
    "wikipedia wikivoyage wikidata wikitravel yellowpages yell gelbeseiten dasoertliche "
    "pagesjaunes paginegialle paginasamarillas goldenpages herold cylex hotfrog infobel "
    "europages kompass northdata firmenwissen mapquest lonelyplanet michelin timeout cntraveler "
    "fodors frommers mrandmrssmith tablethotels slh relaischateaux designhotels historichotels "
    "leadinghotels preferredhotels opentable bedandbreakfast bbplanet hotelguide hotelsguide "
    "tourispo hotelkompass falstaff gaultmillau guide-michelin",
    "hotel.de hotel.info hotel.ch hotel.at hotel.com 11880.com local.ch search.ch "
    "maps.apple.com bing.com",
)
# Brand domains whose pages are either the whole chain or one property under a path.
_CHAIN_BRANDS = frozenset(
    "marriott ritzcarlton hilton hyatt ihg holidayinn crowneplaza hotelindigo accor "
    "radissonhotels radissonblu wyndhamhotels wyndham bestwestern choicehotels kempinski "
    "fourseasons mandarinoriental nh-hotels nh-collection melia motel-one premierinn travelodge "
    "hotel-bb pestana maldronhotels claytonhotels steigenberger hrewards 25hours-hotels "
    "leonardo-hotels meininger-hotels a-o ennismore sofitel novotel ibis mercure "
    "shangri-la peninsula rosewoodhotels belmond lhw dorchestercollection jumeirah "
    "minorhotels anantara iberostar riu barcelo h10hotels eurostarshotels ac-hotels "
    "scandichotels strawberry nordicchoicehotels lindner dormero achat-hotels intercityhotel "
    "atlantic-hotels vienna-house dalata".split()
)
_SITE_BUILDERS = frozenset(
    "wixsite.com jimdosite.com jimdo.com wordpress.com squarespace.com business.site "
    "webnode.page weebly.com blogspot.com".split()
)
# Tourism boards and city portals have endless domains but a recognisable vocabulary. "Hotel
# Turismo" and "Agriturismo Le Vigne" are lodgings, so a label that starts (or has a hyphenated
# part that starts) with a kind of lodging is not a board; "turismosevilla" still is one.
_TOURISM = re.compile(
    r"^visit(?!or)|tourism|touristinfo|tourist-info|turism|toerisme|stadtinfo|cityguide|"
    r"inyourpocket"
)
_LODGING = re.compile(
    r"(?:^|-)(?:hotel|hostal|hostel|albergo|pension|inn\b|lodge|casa|residen|locanda|pousada|"
    r"posada|gasthof|gasthaus|landgasthof|auberge|herberg|chambres|bnb|motel|resort|suites|"
    r"apartment|agritur|rural|quinta|villa|palazzo|palacio|relais|chalet|camping)"
)
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "or", "ne", "gv", "ltd"})
_CAREERS_HOSTS = frozenset({"careers", "jobs", "karriere", "career", "job", "talent"})

# Path segments that are language or country switches on brand sites: /en/, /en-us/, /de_DE/.
_LOCALE = re.compile(r"^[a-z]{2}(?:[-_][a-z]{2,4})?$", re.IGNORECASE)
# Segments that say nothing about which property: dropped before deciding.
_PATH_FILLER = frozenset(
    "hotels hotel travel book booking overview index home default main start details "
    "hoteldetail hotel-overview rooms".split()
)
# Sections of a brand site that are about the whole chain, wherever they appear in the path.
_CHAIN_SECTIONS = frozenset(
    "brands brand offers offer deals deal search loyalty rewards bonvoy honors hhonors about "
    "about-us careers jobs destinations explore meetings events find-a-hotel find-hotels "
    "hotel-search newsroom news press help faq contact sign-in signin login account join "
    "gift-cards partners developers franchise hotel-deals special-offers sustainability "
    "investors corporate reservation reservations locations all-hotels our-hotels "
    "hotels-resorts discover inspiration".split()
)
# Brand names used as a section of the parent's site (hilton.com/en/hampton/ is a brand page).
_BRAND_SEGMENTS = frozenset(
    "hampton hampton-by-hilton hilton-garden-inn doubletree curio canopy tru embassy "
    "waldorf-astoria conrad moxy courtyard residence-inn fairfield-inn fairfield springhill-suites "
    "sheraton westin ac-hotels aloft element four-points ritz-carlton jw-marriott "
    "holidayinnexpress holidayinn crowneplaza hotelindigo intercontinental kimpton staybridge "
    "candlewood ibis ibis-styles ibis-budget novotel mercure sofitel pullman mgallery adagio "
    "radisson-blu radisson park-inn park-plaza radisson-red hyatt-place hyatt-house "
    "hyatt-regency grand-hyatt andaz comfort-inn quality-inn best-western-plus nh "
    "nh-collection nhow melia innside sol motel-one premier-inn".split()
)
# Query parameters that name one property: Hilton's ctyhocn, Best Western's propertyCode...
_PROPERTY_PARAMS = frozenset(
    "propertycode propertyid hotelcode hotelid hotel ctyhocn marshacode property".split()
)


def _host(url: str) -> str:
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    return host.lower().rstrip(".").removeprefix("www.")


def registered_domain(host: str) -> str:
    """The registrable part of a host: "de.hotels.com" -> "hotels.com", "x.co.uk" kept whole."""
    labels = host.lower().removeprefix("www.").split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _brand_label(host: str) -> str:
    return registered_domain(host).split(".")[0]


def _site_label(host: str) -> str:
    """The label that carries the business's name: the registrable one, or the subdomain on a
    site builder (myhotel.wixsite.com)."""
    registered = registered_domain(host)
    if registered in _SITE_BUILDERS and host != registered:
        return host.removesuffix("." + registered).split(".")[-1]
    return registered.split(".")[0]


def _segments(path: str) -> list[str]:
    return [s for s in path.lower().split("/") if s]


def _strip_extension(segment: str) -> str:
    return re.sub(r"\.(?:html?|php|aspx?|jsp|shtml|mi)$", "", segment)


def _property_segments(path: str) -> list[str]:
    """The path segments that could name a property, locale switches and filler dropped."""
    kept = []
    for segment in _segments(path):
        segment = _strip_extension(segment)
        if len(segment) <= 2 or _LOCALE.match(segment) or segment in _PATH_FILLER:
            continue  # /a/en.html on Accor is the home page, not a property called "a"
        if segment in _BRAND_SEGMENTS:
            continue
        if re.fullmatch(r"index(?:\.\w+)?", segment):
            continue
        kept.append(segment)
    return kept


def _chain_kind(url: str) -> str:
    parts = urlsplit(url)
    segments = [_strip_extension(s) for s in _segments(parts.path)]
    if any(s in _CHAIN_SECTIONS for s in segments):
        return CHAIN_WIDE
    params = {k.lower() for k in parse_qs(parts.query)}
    if params & _PROPERTY_PARAMS or _property_segments(parts.path):
        return CHAIN_PROPERTY
    return CHAIN_WIDE


def classify_url(url: str) -> str:
    """What kind of site a result is: 'ota', 'review', 'social', 'directory', 'job_board',
    'chain_property' (one property on a chain's site), 'chain_wide' (the chain's home, search or
    brand pages) or 'candidate' (anything else: possibly the hotel's own site)."""
    host = _host(url)
    if not host:
        return DIRECTORY  # not a web page we could ever call the hotel's website
    registered = registered_domain(host)
    brand = registered.split(".")[0]
    path = urlsplit(url).path.lower()

    if host.split(".")[0] in _CAREERS_HOSTS and host != registered:
        return JOB_BOARD
    if brand in ("linkedin", "xing") and path.startswith("/jobs"):
        return JOB_BOARD
    if brand == "google" or registered in ("goo.gl", "app.goo.gl"):
        # Maps and the travel vertical are where Google shows reviews of a hotel.
        maps = host.startswith("maps.") or path.startswith(("/maps", "/travel"))
        return REVIEW if maps or registered == "goo.gl" else DIRECTORY
    if registered in _DOMAINS:
        return _DOMAINS[registered]
    if host in _DOMAINS:
        return _DOMAINS[host]
    if brand in _BRANDS:
        return _BRANDS[brand]
    if brand in _CHAIN_BRANDS:
        return _chain_kind(url)
    if registered.endswith(".travel") or any(
        _TOURISM.search(label) and not _LODGING.search(label) for label in host.split(".")[:-1]
    ):
        return DIRECTORY
    return CANDIDATE


# --------------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------------


@dataclass
class ScoredCandidate:
    url: str
    kind: str
    score: float
    reasons: list[str]
    title: str = ""
    snippet: str = ""
    rank: int = 0

    @property
    def home_url(self) -> str:
        """The site's home page; a chain property page is its own home."""
        return _home_url(self.url, self.kind)

    @property
    def domain(self) -> str:
        return _host(self.url)


@dataclass
class WebsiteChoice:
    url: str | None
    kind: str | None
    score: float
    reason: str
    candidates: list[ScoredCandidate] = field(default_factory=list)
    """Every result scored, best first, excluded kinds included (with score 0)."""
    min_score: float = MIN_SCORE
    """The threshold the choice was made with, for callers that try runners-up."""

    @property
    def home_url(self) -> str | None:
        """scheme://host/ for a hotel's own site; the full URL for a page on a chain's site."""
        return _home_url(self.url, self.kind) if self.url else None

    @property
    def domain(self) -> str | None:
        return (_host(self.url) or None) if self.url else None


def _home_url(url: str, kind: str | None) -> str:
    if kind == CHAIN_PROPERTY:
        return url
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


# Dropped when comparing a name with a domain or title: in half of all names, telling none apart.
_FILLER = frozenset(
    "hotel hotels the and by of at de du des la le les l d el los las das der die den am an im "
    "zum zur di del della dei il lo y und et a".split()
)
_LEGAL_WORDS = frozenset(
    "gmbh mbh ltd limited llc inc plc sarl srl sl sa bv ag lda sas kg co ug ohg spa nv".split()
)
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue",
                         "ß": "ss"})
# ccTLDs that are sold as generic names and say nothing about a country.
_VANITY_TLDS = frozenset("io co me tv ai cc fm ly to eu ws gg app".split())
_GENERIC_TLDS = frozenset("com net org info biz eu travel hotel hotels site online".split())


def _compact(text: str) -> str:
    return text.replace(" ", "")


@dataclass(frozen=True)
class _Name:
    tokens: tuple[str, ...]
    core: tuple[str, ...]
    """The tokens without filler words: what tells this hotel's name from others."""
    compacts: tuple[str, ...]
    """Spellings without spaces, as a domain would write the name."""
    spellings: frozenset[str]
    """The tokens plus their German transliterations (Bär -> baer)."""


@lru_cache(maxsize=4096)
def _name(company_name: str) -> _Name:
    tokens = fold(_strip_legal(company_name)).split()
    while len(tokens) > 1 and (tokens[-1] in _LEGAL_WORDS or len(tokens[-1]) == 1):
        tokens.pop()
    core = tuple(t for t in tokens if t not in _FILLER) or tuple(tokens)
    german = fold(_strip_legal(company_name).translate(_GERMAN)).split()
    # Franchise domains leave out the endorsement: courtyarddenver.com for "Courtyard by Marriott
    # Denver", parkinnviennacity.at for "Park Inn by Radisson Vienna City".
    unendorsed = re.sub(r"\bby \w+\s*", "", " ".join(tokens))
    variants = {
        _compact(" ".join(tokens)),
        _compact(" ".join(t for t in tokens if t != "and")),
        _compact(" ".join(core)),
        _compact(" ".join(german)),
        _compact(unendorsed),
    }
    return _Name(tuple(tokens), core, tuple(v for v in variants if v),
                 frozenset(tokens) | frozenset(german))


@lru_cache(maxsize=1024)
def _city_forms(city: str) -> tuple[str, tuple[str, ...], str | None]:
    """(city key, compact spellings for domains, a long distinctive word for partial matches)."""
    folded = fold(city)
    key = city_key(city)
    forms = {_compact(folded), _compact(key), _compact(fold(city.translate(_GERMAN)))}
    words = sorted(folded.split(), key=len, reverse=True)
    partial = words[0] if len(words) > 1 and len(words[0]) >= 6 else None
    return key, tuple(f for f in forms if len(f) >= 3), partial


@lru_cache(maxsize=65536)
def _key_of(phrase: str) -> str:
    return city_key(phrase)


def _mentions_city(folded_text: str, city: str) -> str | None:
    """'full' when the text names the city (in any spelling city_key knows), 'partial' when it
    names its distinctive word ("Freiburg" for Freiburg im Breisgau), else None."""
    if not city or not folded_text:
        return None
    key, _, partial = _city_forms(city)
    if not key:
        return None
    words = folded_text.split()
    size = len(key.split()) + 2
    for n in range(1, size + 1):
        for i in range(len(words) - n + 1):
            if _key_of(" ".join(words[i:i + n])) == key:
                return "full"
    if partial and partial in words:
        return "partial"
    return None


def _city_in_label(label: str, city: str) -> bool:
    if not city:
        return False
    _, forms, _ = _city_forms(city)
    squashed = label.replace("-", "")
    if any(form in squashed for form in forms):
        return True
    return _mentions_city(label.replace("-", " "), city) == "full"


def _domain_similarity(name: _Name, label: str, city: str) -> float:
    """How well a domain label spells the name, 0..1: the best of a plain ratio against several
    spellings (with and without the city glued on) and a token cover score for labels that drop
    or reorder words ("courtyardgrazcity" for "Courtyard by Marriott Graz City")."""
    squashed = label.replace("-", "")
    if not squashed:
        return 0.0
    _, city_forms, _ = _city_forms(city) if city else ("", (), None)
    ratio = 0.0
    for variant in name.compacts:
        ratio = max(ratio, fuzz.ratio(variant, squashed) / 100)
        for form in city_forms:
            ratio = max(ratio, fuzz.ratio(variant + form, squashed) / 100)
    # Two unrelated strings of similar length already share ~40% by this measure.
    best = max(0.0, (ratio - 0.4) / 0.6)
    # Token cover: which characters of the label are explained by the name's words (precision),
    # and how much of the name's distinctive words appear in the label (recall).
    covered = [False] * len(squashed)
    for token in name.spellings | set(city_forms):
        if len(token) < 2:
            continue
        start = squashed.find(token)
        while start != -1:
            for i in range(start, start + len(token)):
                covered[i] = True
            start = squashed.find(token, start + 1)
    core = [t for t in name.core if len(t) >= 3] or list(name.core)
    found = sum(len(t) for t in core if t in squashed)
    total = sum(len(t) for t in core)
    precision = sum(covered) / len(squashed)
    recall = found / total if total else 0.0
    if precision and recall:
        best = max(best, 2 * precision * recall / (precision + recall))
    return best


def _title_similarity(name: _Name, folded_title: str) -> float:
    """Share of the name's distinctive words (weighted by length) that the title contains.

    Recall rather than a symmetric ratio: titles carry "Official Site | Munich" and the like,
    and a travel blog's "Best Hotels in Lübeck" shares a word with "B&B Hotel Lübeck Ost" but
    not the ones that make it this hotel.
    """
    words = folded_title.split()
    if not words:
        return 0.0
    tokens = {t for t in name.core if len(t) >= 2} or set(name.core)
    total = sum(len(t) for t in tokens)
    found = 0
    for token in tokens:
        if token in words or (
            len(token) >= 5 and any(fuzz.ratio(token, w) >= 85 for w in words)
        ):
            found += len(token)
    return found / total if total else 0.0


def _slug_similarity(name: _Name, url: str) -> float:
    segments = _property_segments(urlsplit(url).path)
    if not segments:
        return 0.0
    slug = fold(" ".join(segments).replace("-", " ").replace("_", " "))
    return fuzz.token_set_ratio(" ".join(name.core), slug) / 100


def _path_depth(url: str) -> int:
    segments = [_strip_extension(s) for s in _segments(urlsplit(url).path)]
    segments = [s for s in segments if not _LOCALE.match(s) and s not in ("index", "home")]
    return len(segments)


def _tld_fit(host: str, country: str | None) -> tuple[float, str]:
    tld = host.rsplit(".", 1)[-1] if "." in host else ""
    if not country or not tld:
        return 0.5, ""
    expected = {"GB": "uk"}.get(country, country.lower())
    if tld == expected or (country == "US" and tld in ("com", "us")):
        return 1.0, f"TLD .{tld} fits {country}"
    if tld in _GENERIC_TLDS or tld in _VANITY_TLDS or len(tld) != 2:
        return 0.5, f"generic TLD .{tld}"
    return 0.0, f"TLD .{tld} is another country's"


def score_candidate(
    result: SearchResult, *, company_name: str, city: str | None, country: str | None
) -> ScoredCandidate:
    """How likely ``result`` is the hotel's own website, 0..1, with the reasons in words.

    Results of an excluded kind (OTA, review, social, directory, job board, chain-wide page)
    score 0 and say why; they are listed for the record but never chosen.
    """
    kind = classify_url(result.url)
    scored = ScoredCandidate(result.url, kind, 0.0, [], result.title, result.snippet, result.rank)
    if kind in EXCLUDED_KINDS:
        scored.reasons.append(f"{_KIND_WORDS[kind][0]}: never the hotel's own site")
        return scored
    name = _name(company_name or "")
    city = (city or "").strip()
    iso = country_code(country) if country else None
    host = _host(result.url)
    reasons = scored.reasons

    if kind == CHAIN_PROPERTY:
        site = _slug_similarity(name, result.url)
        reasons.append(f"page slug matches name ({site:.2f})")
    else:
        site = _domain_similarity(name, _site_label(host), city)
        reasons.append(f"domain matches name ({site:.2f})")
    folded_title = fold(result.title)
    title = _title_similarity(name, folded_title)
    reasons.append(f"title matches name ({title:.2f})")
    identity = 0.65 * site + 0.35 * title

    place = None
    if city:
        if kind == CHAIN_PROPERTY:
            in_site = _mentions_city(fold(urlsplit(result.url).path.replace("-", " ")), city)
        else:
            in_site = "full" if _city_in_label(_site_label(host), city) else None
        in_title = _mentions_city(folded_title, city)
        in_snippet = _mentions_city(fold(result.snippet), city)
        if in_site == "full" or in_title == "full":
            place, city_part = "city in " + ("domain" if in_site == "full" else "title"), 1.0
        elif in_snippet == "full":
            place, city_part = "city in snippet", 0.8
        elif "partial" in (in_site, in_title, in_snippet):
            place, city_part = "part of the city's name mentioned", 0.6
        else:
            city_part = 0.0
        if place:
            reasons.append(place)
    else:
        city_part = 0.5
    tld_part, tld_reason = _tld_fit(host, iso)
    if tld_reason:
        reasons.append(tld_reason)
    if kind == CHAIN_PROPERTY:
        # As much of a home as a chain lets a hotel have, but a franchise's own domain is more
        # the hotel's (and its contacts' addresses live there).
        home_part = 0.6
        reasons.append("property page on the chain's site")
    else:
        depth = _path_depth(result.url)
        home_part = {0: 1.0, 1: 0.6, 2: 0.3}.get(depth, 0.0)
        reasons.append("home page" if depth == 0 else f"path depth {depth}")
    rank_part = max(0.0, 1 - (max(result.rank, 1) - 1) / 10)
    https_part = 1.0 if result.url.lower().startswith("https://") else 0.0
    if not https_part:
        reasons.append("not https")

    score = (0.55 * identity + 0.2 * city_part + 0.05 * tld_part + 0.1 * home_part
             + 0.05 * rank_part + 0.05 * https_part)
    # A namesake elsewhere spells the name perfectly; only the place gives it away.
    if city and not place:
        score *= 0.5
        reasons.append("city not mentioned (x0.5)")
    if tld_part == 0.0:
        score *= 0.8
        reasons.append("another country's TLD (x0.8)")
    if identity < 0.5:
        score *= 0.5
        reasons.append("name does not match (x0.5)")
    scored.score = round(score, 4)
    return scored


def score_results(
    results: Iterable[SearchResult], *, company_name: str, city: str | None, country: str | None
) -> list[ScoredCandidate]:
    """Every result scored, best first (ties by search rank)."""
    scored = [
        score_candidate(r, company_name=company_name, city=city, country=country) for r in results
    ]
    return sorted(scored, key=lambda c: (-c.score, c.rank))


# --------------------------------------------------------------------------------------------------
# Choosing
# --------------------------------------------------------------------------------------------------


class WebsitePicker(Protocol):
    """Chooses among the allowed candidates, e.g. an LLM reading titles and snippets. Returns one
    of the candidates' URLs, or None when none is the hotel's site."""

    async def pick(
        self, company_name: str, city: str | None, country: str | None,
        candidates: list[ScoredCandidate],
    ) -> str | None:
        ...


# (plural for reasons, order in a reason)
_KIND_WORDS = {
    CHAIN_WIDE: ("the chain's brand site", 0),
    OTA: ("OTAs", 1),
    REVIEW: ("review sites", 2),
    SOCIAL: ("social pages", 3),
    DIRECTORY: ("directories", 4),
    JOB_BOARD: ("job boards", 5),
}


def _only_excluded(scored: Sequence[ScoredCandidate]) -> str:
    kinds = sorted({c.kind for c in scored}, key=lambda k: _KIND_WORDS[k][1])
    domains: list[str] = []
    for candidate in sorted(scored, key=lambda c: (_KIND_WORDS[c.kind][1], c.rank)):
        domain = registered_domain(candidate.domain) if candidate.domain else candidate.url
        if domain not in domains:
            domains.append(domain)
    shown = ", ".join(domains[:5]) + (", ..." if len(domains) > 5 else "")
    return f"only {'/'.join(_KIND_WORDS[k][0] for k in kinds)} ({shown})"


def _url_key(url: str) -> str:
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}?{parts.query}"


def choose_by_score(
    results: Sequence[SearchResult], *, company_name: str, city: str | None,
    country: str | None, min_score: float = MIN_SCORE,
) -> WebsiteChoice:
    """The best-scoring allowed result at or over ``min_score``, or None with the reason."""
    if not results:
        return WebsiteChoice(None, None, 0.0, "no search results", [], min_score)
    scored = score_results(results, company_name=company_name, city=city, country=country)
    return _by_score(scored, min_score)


def _by_score(scored: list[ScoredCandidate], min_score: float) -> WebsiteChoice:
    allowed = [c for c in scored if c.kind in ALLOWED_KINDS]
    if not allowed:
        return WebsiteChoice(None, None, 0.0, _only_excluded(scored), scored, min_score)
    best = allowed[0]
    if best.score < min_score:
        return WebsiteChoice(
            None, None, best.score,
            f"best candidate scored {best.score:.2f} < {min_score:g} ({best.domain})", scored,
            min_score,
        )
    return WebsiteChoice(
        best.url, best.kind, best.score,
        f"scored {best.score:.2f}: " + "; ".join(best.reasons), scored, min_score,
    )


async def choose_website(
    results: Sequence[SearchResult], *, company_name: str, city: str | None,
    country: str | None, picker: WebsitePicker | None = None, min_score: float = MIN_SCORE,
) -> WebsiteChoice:
    """The hotel's own website among ``results``, or None with the reason in words.

    Never an OTA, review site, social page, directory, job board or a chain's brand-wide page; a
    chain's page for this one property is fine. With a ``picker`` it is asked first, shown only
    the allowed candidates, and its answer counts only if it is one of them (the URL or its home
    page); when it declines, answers something else or fails, the scores decide. Async because a
    picker is an LLM call.
    """
    if not results:
        return WebsiteChoice(None, None, 0.0, "no search results", [], min_score)
    scored = score_results(results, company_name=company_name, city=city, country=country)
    allowed = [c for c in scored if c.kind in ALLOWED_KINDS]
    if picker is None or not allowed:
        return _by_score(scored, min_score)

    picker_name = type(picker).__name__
    try:
        answer = await picker.pick(company_name, city, country, list(allowed))
    except Exception as exc:  # a flaky LLM must not cost us the rule-based answer
        note = f"{picker_name} failed ({type(exc).__name__}: {exc})"
    else:
        if answer is None:
            note = f"{picker_name} chose none"
        else:
            wanted = _url_key(answer)
            for candidate in allowed:
                if wanted in (_url_key(candidate.url), _url_key(candidate.home_url)):
                    return WebsiteChoice(
                        candidate.url, candidate.kind, candidate.score,
                        f"picked by {picker_name} among {len(allowed)} candidates "
                        f"(score {candidate.score:.2f})",
                        scored, min_score,
                    )
            note = f"{picker_name} answered {answer!r}, which is not an allowed candidate"
    fallback = _by_score(scored, min_score)
    fallback.reason = f"{note}; by score: {fallback.reason}"
    return fallback


__all__ = [
    "ALLOWED_KINDS", "CANDIDATE", "CHAIN_PROPERTY", "CHAIN_WIDE", "DIRECTORY", "EXCLUDED_KINDS",
    "JOB_BOARD", "MIN_SCORE", "OTA", "REVIEW", "SOCIAL", "ScoredCandidate", "WebsiteChoice",
    "WebsitePicker", "choose_by_score", "choose_website", "classify_url", "registered_domain",
    "score_candidate", "score_results", "search_query",
]
