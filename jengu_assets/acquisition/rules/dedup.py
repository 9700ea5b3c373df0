"""Have we seen it before: the in-memory index that finds the prospect a new lead duplicates."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from itertools import islice

from rapidfuzz import fuzz, process

from jengu_assets.acquisition.rules.addresses import domain_of, normalise_email
from jengu_assets.acquisition.rules.names import CITY_ALIASES

FUZZY_THRESHOLD = 90
# A domain seen in more places than this is a chain's; the first places seen decide.
_DOMAIN_CITIES_CHECKED = 64

# See is_generic_domain.
_SHARED_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
    "yahoo.com", "ymail.com", "aol.com", "icloud.com", "me.com", "mac.com", "protonmail.com",
    "proton.me", "zoho.com", "web.de", "gmx.de", "gmx.net", "gmx.at", "gmx.ch", "t-online.de",
    "freenet.de", "posteo.de", "mail.de", "orange.fr", "free.fr", "wanadoo.fr", "laposte.net",
    "sfr.fr", "libero.it", "virgilio.it", "alice.it", "tiscali.it", "telefonica.net",
    "bluewin.ch", "hispeed.ch", "aon.at", "chello.at", "btinternet.com", "sky.com",
    "virginmedia.com", "seznam.cz", "wp.pl", "o2.pl", "onet.pl", "interia.pl", "yandex.ru",
    "mail.ru", "qq.com", "163.com",
    "booking.com", "expedia.com", "hotels.com", "airbnb.com", "tripadvisor.com", "agoda.com",
    "trivago.com", "hrs.com", "hrs.de", "hostelworld.com", "kayak.com", "google.com", "goo.gl",
    "facebook.com", "fb.com", "instagram.com", "linkedin.com", "twitter.com", "x.com",
    "youtube.com", "tiktok.com", "yelp.com", "wikipedia.org", "linktr.ee", "indeed.com",
    "glassdoor.com", "stepstone.de", "xing.com", "hosco.com", "hcareers.com", "caterer.com",
    "hotelcareer.de", "wixsite.com", "wix.com", "squarespace.com", "wordpress.com", "jimdo.com",
    "marriott.com", "hilton.com", "hyatt.com", "ihg.com", "accor.com", "all.accor.com",
    "radissonhotels.com", "kempinski.com", "fourseasons.com", "mandarinoriental.com",
    "bestwestern.com", "wyndhamhotels.com", "melia.com", "nh-hotels.com", "motel-one.com",
    "25hours-hotels.com", "premierinn.com", "steigenberger.com", "hrewards.com",
    "choicehotels.com", "ennismore.com", "hotelbeds.com",
})
# The same brands under every country TLD (yahoo.de, tripadvisor.co.uk, booking.de).
_SHARED_BRANDS = frozenset({
    "gmail", "googlemail", "hotmail", "outlook", "live", "yahoo", "gmx", "icloud", "booking",
    "expedia", "tripadvisor", "trivago", "agoda", "airbnb", "facebook", "instagram", "linkedin",
    "indeed", "google", "glassdoor", "marriott", "hilton", "hyatt", "ihg", "accor",
})
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "or", "ne"})


def is_generic_domain(domain: str | None) -> bool:
    """Whether many unrelated businesses share this domain, so sharing it proves nothing.

    Free mail (gmail.com, web.de, yahoo.fr), OTAs and listing sites (booking.com,
    tripadvisor.co.uk), social sites and job boards, site builders (x.wixsite.com), and hotel
    chains whose properties all live under one domain (hilton.com/en/hotels/...). Subdomains count
    as their parent.
    """
    if not domain:
        return False
    domain = domain.strip().lower().removeprefix("www.")
    if domain in _SHARED_DOMAINS:
        return True
    labels = domain.split(".")
    if any(".".join(labels[i:]) in _SHARED_DOMAINS for i in range(1, len(labels) - 1)):
        return True  # a subdomain: mail.yahoo.com, myhotel.wixsite.com
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        brand = labels[-3]
    else:
        brand = labels[-2] if len(labels) >= 2 else labels[0]
    return brand in _SHARED_BRANDS


# Words that separate two hotels of the same name in the same city. "Hotel Europa" and "Hotel
# Europa Airport" are two buildings, and "Europa Ost" / "Europa West" score 91 on spelling alone.
_DISTINGUISHING = frozenset(
    "airport flughafen aeroport aeroporto aeropuerto station bahnhof hauptbahnhof hbf gare "
    "estacion stazione central centre center centrum centro zentrum city downtown midtown uptown "
    "altstadt oldtown north south east west nord sud ost norte sur est ouest beach strand playa "
    "plage spiaggia lake see lago lac harbor harbour hafen port porto marina pier bay river "
    "riverside park messe fair convention conference congress kongress expo mall university "
    "campus hospital express garden gardens suites residence residences apartments aparthotel "
    "tower towers square i ii iii iv".split()
)
# Dropped before comparing names within one city: they are in half the names and tell none apart.
# The descriptors a hotel adds or drops at will go too: "Hotel Schweizerhof Bern & Spa" is the
# "Hotel Schweizerhof", and "Hotel Garni Alpenrose" the "Alpenrose".
_FILLER = frozenset(
    "hotel the and by of at de du des la le les l d el los las das der die den am an im zum zur "
    "di del della il lo y und et spa wellness garni boutique".split()
)
_SINGLE_WORD_ALIASES = {alias: key for alias, key in CITY_ALIASES.items() if " " not in alias}
# German umlauts are written out in ASCII exports: "Bär" / "Baer", "Lübeck" / "Luebeck". Folding
# makes the first "bar", so inside the index the second becomes "bar" too. Stored keys keep their
# spelling; admission applies the same rewrite (DEDUP_SPELLING_SQL) when it loads candidates.
DEDUP_SPELLING_SQL = r"regexp_replace({column}, '([aou])e', '\1', 'g')"


def dedup_spelling(key: str) -> str:
    """``key`` (a name or city key) with written-out umlauts ("ae", "oe", "ue") contracted, the
    form the index compares; SQL gets the same from DEDUP_SPELLING_SQL. (Three plain replaces
    do what the one-pass regular expression does, and in a third of the time.)"""
    return key.replace("ae", "a").replace("oe", "o").replace("ue", "u")


def _compare_key(name: str, city: str) -> str:
    """The name as compared inside one city: no city words ("... Berlin" in Berlin), no filler."""
    words = name.split()
    city_words = set(city.split())
    if not city_words.issubset(words):  # "New World" in New York keeps its "new"
        city_words = set()
    named = [t for t in words if t not in _FILLER]
    kept = [t for t in named if t not in city_words and _SINGLE_WORD_ALIASES.get(t) != city]
    # "Das Tegernsee" in Tegernsee is named after its town: then the town is the name.
    return " ".join(sorted(dedup_spelling(" ".join(kept or named) or name).split()))


def _names_city(name: str, city: str) -> bool:
    """Whether a name key mentions a (spelling-normalised) city key: "sacher wien" names Wien."""
    if not name or not city:
        return False
    words = {dedup_spelling(w) for w in name.split()}
    if set(city.split()) <= words:
        return True
    return any(
        dedup_spelling(_SINGLE_WORD_ALIASES.get(w, "")) == city for w in name.split()
    )


def _cities_compatible(a: str, b: str) -> bool:
    """Whether two (spelling-normalised) city keys can be one place: equal, unknown on one side,
    or one a district of the other ("berlin" / "berlin mitte")."""
    if not a or not b or a == b:
        return True
    short, long = sorted((a.split(), b.split()), key=len)
    return long[: len(short)] == short


def _is_decisive(token: str) -> bool:
    return token in _DISTINGUISHING or any(ch.isdigit() for ch in token)


def _decisive_words(key: str) -> frozenset[str]:
    return frozenset(t for t in key.split() if _is_decisive(t))


def _max_edits(size: int, other: int) -> int:
    """The most insertions and deletions between keys of these lengths that fuzz.ratio, which
    is 100 * (1 - edits / (size + other)), still scores at FUZZY_THRESHOLD."""
    return (size + other) * (100 - FUZZY_THRESHOLD) // 100


@functools.cache
def _sizes_within_reach(size: int) -> range:
    """The lengths a key of ``size`` characters can score FUZZY_THRESHOLD with: the length
    difference alone costs that many edits."""
    low = size
    while low > 0 and size - (low - 1) <= _max_edits(size, low - 1):
        low -= 1
    high = size
    while (high + 1) - size <= _max_edits(size, high + 1):
        high += 1
    return range(low, high + 1)


@functools.cache
def _pieces(size: int) -> tuple[tuple[int, int], ...]:
    """(start, length) of the pieces a key of ``size`` characters is cut into: one more than
    the most edits any key within reach may be away, so one piece always survives whole."""
    count = 1 + max(_max_edits(size, other) for other in _sizes_within_reach(size))
    base, longer = divmod(size, count)
    lengths = [base] * (count - longer) + [base + 1] * longer
    starts = [sum(lengths[:i]) for i in range(count)]
    return tuple(zip(starts, lengths))


# Below this many names a group is scored whole: the piece lookups would cost more.
_SCAN_ALL_BELOW = 64


class _FuzzyGroup:
    """The names of one city with the same decisive words, in the order they were added, and
    an index that finds the few a new name could score FUZZY_THRESHOLD with.

    Scoring every name against every other is quadratic: 40,000 names in one city took a
    minute. The index loses nothing (the idea of "pass-join", Li et al. 2011): a name within
    ``e`` edits of another and cut into ``e + 1`` pieces keeps one piece whole, and that piece
    turns up in the other name close to where it was. So every stored name is cut into pieces
    by its length, and a new name looks up its substrings only there. The candidates are then
    scored in the order they were added, which gives exactly what scoring the whole group
    gives (rapidfuzz keeps the first of equal best scores).
    """

    __slots__ = ("_by_size", "ids", "keys")

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.ids: list[str] = []
        # key length -> for each piece of that length's cut: piece text -> positions in keys.
        # Built once the group is big enough to need it.
        self._by_size: dict[int, list[dict[str, list[int]]]] | None = None

    def add(self, key: str, prospect_id: str) -> None:
        self.keys.append(key)
        self.ids.append(prospect_id)
        if self._by_size is not None:
            self._index(self._by_size, len(self.keys) - 1)
        elif len(self.keys) >= _SCAN_ALL_BELOW:
            self._by_size = {}
            for position in range(len(self.keys)):
                self._index(self._by_size, position)

    def _index(self, by_size: dict[int, list[dict[str, list[int]]]], position: int) -> None:
        key = self.keys[position]
        pieces = _pieces(len(key))
        indexes = by_size.get(len(key))
        if indexes is None:
            indexes = by_size[len(key)] = [{} for _ in pieces]
        for (start, length), index in zip(pieces, indexes):
            index.setdefault(key[start : start + length], []).append(position)

    def best(self, key: str) -> tuple[str, float] | None:
        """(prospect id, score) of the first best name scoring FUZZY_THRESHOLD, else None."""
        if self._by_size is None:
            order = None
            names: list[str] = self.keys
        else:
            order = sorted(self._candidates(key, self._by_size))
            names = list(map(self.keys.__getitem__, order))
        # Plain ratio over sorted words (token_sort_ratio, without re-sorting every candidate).
        # token_set_ratio and WRatio would score "Marriott" against "Courtyard by Marriott", or
        # "Europa" against "Europa Airport", as a perfect match because one is a subset.
        found = process.extractOne(key, names, scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD)
        if found is None:
            return None
        _name, score, index = found
        return self.ids[index if order is None else order[index]], score

    @staticmethod
    def _candidates(key: str, by_size: dict[int, list[dict[str, list[int]]]]) -> set[int]:
        size = len(key)
        found: set[int] = set()
        for other in _sizes_within_reach(size):
            indexes = by_size.get(other)
            if indexes is None:
                continue
            edits = _max_edits(size, other)
            change = size - other
            # Of the first edits + 1 pieces, one is whole with at most as many edits before it
            # as pieces before it (i), and at most edits - i after it. It has moved by the
            # insertions minus the deletions before it, and those after it make up the rest of
            # the length difference.
            for i, ((start, length), index) in enumerate(
                zip(_pieces(other)[: edits + 1], indexes)
            ):
                low = max(-i, change - (edits - i), -start)
                high = min(i, change + (edits - i), size - length - start)
                for at in range(start + low, start + high + 1):
                    hit = index.get(key[at : at + length])
                    if hit:
                        found.update(hit)
        return found


@dataclass
class _CityBucket:
    exact: dict[str, str] = field(default_factory=dict)
    # Two names differ decisively exactly when their decisive words differ, so only names with
    # the same ones are fuzzy candidates. That keeps a list of "Hotel 1" ... "Hotel 90000" in
    # one city linear instead of comparing every number with every other.
    groups: dict[frozenset[str], _FuzzyGroup] = field(default_factory=dict)


# Cities sharing a first word that a lookup compares: a few districts per place, not a country's
# worth of "San ..." or "Bad ...".
_CITY_FAMILY_CHECKED = 64


class DedupIndex:
    """Finds the prospect a new lead duplicates, in memory, fast enough for 100k of each.

    Checks, strongest first: the same email address; the same website or email domain (unless it
    is one that unrelated businesses share: free mail, OTAs, social sites, hotel chains); the same
    `name_key` in the same `city_key`; then a near-identical name in the same city (rapidfuzz,
    `FUZZY_THRESHOLD`), never across a word like "airport" or "west" that tells two hotels apart;
    then the identical `name_key` in a city that is the other with more words ("Chamonix" and
    "Chamonix-Mont-Blanc").
    When either side has no city, only an identical `name_key` matches (why = 'name'). A shared
    domain in another city matches only a lead of the same name (see `_same_domain`). Cities and
    names compare with written-out umlauts contracted (`dedup_spelling`).

    The first prospect added under a key keeps it. Names are compared only within their city's
    bucket, which is what keeps fuzzy matching cheap.
    """

    def __init__(self) -> None:
        self._emails: dict[str, str] = {}
        # domain -> city (spelling-normalised, "" when unknown) -> (prospect, name_key)
        self._domains: dict[str, dict[str, tuple[str, str]]] = {}
        self._names: dict[str, str] = {}
        self._names_without_city: dict[str, str] = {}
        self._cities: dict[str, _CityBucket] = {}
        # first word of a city -> the cities starting with it ("chamonix" -> "chamonix",
        # "chamonix mont blanc"): where a name is looked up in a district of the same place.
        self._city_families: dict[str, list[str]] = {}
        # A lead is looked up and then added: the keys of the last one are not computed twice.
        self._last: tuple[str, str, str, str] = ("", "", "", "")

    def _city_and_key(self, name_key: str, city_key: str) -> tuple[str, str]:
        """The city's and the name's keys as the index compares them (spelling-normalised)."""
        last = self._last
        if last[0] == name_key and last[1] == city_key:
            return last[2], last[3]
        city = dedup_spelling(city_key) if city_key else ""
        key = _compare_key(name_key, city_key) if name_key and city_key else ""
        self._last = (name_key, city_key, city, key)
        return city, key

    def add(
        self, prospect_id: str, *, name_key: str, city_key: str, domain: str | None,
        email: str | None,
    ) -> None:
        email = normalise_email(email)
        if email:
            self._emails.setdefault(email, prospect_id)
        city, key = self._city_and_key(name_key, city_key)
        for found in self._domains_of(domain, email):
            self._domains.setdefault(found, {}).setdefault(city, (prospect_id, name_key))
        if not name_key:
            return
        self._names.setdefault(name_key, prospect_id)
        if not city_key:
            self._names_without_city.setdefault(name_key, prospect_id)
            return
        bucket = self._cities.get(city)
        if bucket is None:
            bucket = self._cities[city] = _CityBucket()
            family = self._city_families.setdefault(city.partition(" ")[0], [])
            if len(family) < _CITY_FAMILY_CHECKED:
                family.append(city)
        if key not in bucket.exact:
            bucket.exact[key] = prospect_id
            bucket.groups.setdefault(_decisive_words(key), _FuzzyGroup()).add(key, prospect_id)

    def match(
        self, *, name_key: str, city_key: str, domain: str | None, email: str | None
    ) -> tuple[str, str] | None:
        """(prospect_id, why) for the prospect this lead duplicates, or None if it is new.

        why is 'email', 'domain', 'name+city', 'name' (one side has no city) or
        'fuzzy name+city (score 93)'.
        """
        email = normalise_email(email)
        if email and email in self._emails:
            return self._emails[email], "email"
        city, key = self._city_and_key(name_key, city_key)
        for found in self._domains_of(domain, email):
            if found in self._domains:
                hit = self._same_domain(self._domains[found], city, name_key)
                if hit:
                    return hit, "domain"
        if not name_key:
            return None
        if not city_key:
            hit = self._names.get(name_key)
            return (hit, "name") if hit else None
        if name_key in self._names_without_city:
            return self._names_without_city[name_key], "name"
        bucket = self._cities.get(city)
        if bucket is not None:
            if key in bucket.exact:
                return bucket.exact[key], "name+city"
            group = bucket.groups.get(_decisive_words(key))
            best = group.best(key) if group is not None else None
            if best is not None:
                prospect_id, score = best
                return prospect_id, f"fuzzy name+city (score {int(score)})"
        # The same name where one city is the other with more words: "Chamonix" and
        # "Chamonix-Mont-Blanc", "Berlin" and "Berlin Mitte" (the identical name only).
        for other in self._city_families.get(city.partition(" ")[0], ()):
            if other != city and _cities_compatible(city, other):
                hit = self._cities[other].exact.get(_compare_key(name_key, other))
                if hit:
                    return hit, "name+city (same place)"
        return None

    @staticmethod
    def _same_domain(by_city: dict[str, tuple[str, str]], city: str, name: str) -> str | None:
        """The prospect under a shared domain that this lead can be. A website says which hotel
        only together with its place: small groups run all their hotels under one domain (one
        in Vienna, one in Salzburg), while a hotel's own domain turns up with a contact's home
        town. So another city counts only when the name (city words and all) is the same too,
        or when one name says it is in the other's city ("Bayerischer Hof München" listed with
        a contact in Augsburg)."""
        if not city:
            return next(iter(by_city.values()))[0]
        if city in by_city:
            return by_city[city][0]
        if "" in by_city:
            return by_city[""][0]
        key = _compare_key(name, "") if name else ""
        for other, (prospect_id, other_name) in islice(by_city.items(), _DOMAIN_CITIES_CHECKED):
            if (
                _cities_compatible(city, other)
                or (key and other_name and key == _compare_key(other_name, ""))
                or _names_city(name, other)
                or _names_city(other_name, city)
            ):
                return prospect_id
        return None

    @staticmethod
    def _domains_of(domain: str | None, email: str | None) -> list[str]:
        """The website's domain and the email's, minus those that unrelated businesses share."""
        found: list[str] = []
        for value in (domain, email):
            host = domain_of(value)
            if host and host not in found and not is_generic_domain(host):
                found.append(host)
        return found
