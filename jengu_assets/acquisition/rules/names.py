"""Keys for names: "Hotel Adlon Kempinski" and "Kempinski Hotel Adlon" are one company,
"Munich" and "München" one city."""

from __future__ import annotations

import re

from jengu_assets.acquisition.rules.text import fold

# Legal forms that can also be ordinary words ("Sa Punta" is Mallorcan for "the point", "Co Op")
# are only dropped from the end of a name; the rest are dropped wherever they appear.
_LEGAL_ANYWHERE = frozenset(
    "gmbh mbh ggmbh ltd limited llc llp inc incorporated corp corporation plc sarl sarlu srl sprl "
    "bv bvba nv kgaa ohg gbr ug pty lda ltda sas sasu sro doo kft zrt ooo betriebs "
    "betriebsgesellschaft hotelbetriebs hotelbetriebsgesellschaft gesellschaft".split()
)
_LEGAL_AT_END = frozenset("sa sl slu ag kg co se as ab oy aps asa eg ek ev cie og".split())
# Dotted forms are written so many ways ("S.p.A.", "S. p. A") that they are removed before
# folding, as are the Polish and Czech ones made of ordinary letters ("Sp. z o.o.", "spol. s r.o.").
_DOTTED_SPA = re.compile(
    r"\bS\.\s?p\.\s?A\b\.?|\bsp\.?\s?z\s?o\.\s?o\b\.?|\bspol\.\s?s\s?r\.\s?o\b\.?", re.IGNORECASE
)
# Chains append the brand a hotel belongs to: "Hotel Cipriani, A Belmond Hotel, Venice", "Hotel
# Bristol, a Luxury Collection Hotel", "The Dilly, Autograph Collection", "X, Curio Collection by
# Hilton", "X, an IHG Hotel". Such a part says whose it is, not which hotel it is.
_AFFILIATION = re.compile(
    r"^(?:(?:a|an)\s.*\b(?:hotels?|resorts?|collection|portfolio|member)|part\s+of\s.+|"
    r"member\s+of\s.+|.*\b(?:collection|portfolio)(?:\s+by\s+\w+)?)$",
    re.IGNORECASE,
)
_DOTTED_ABBREVIATION = re.compile(r"\b(?:[^\W\d_]\.\s?){2,}")
# Star ratings written into a name: "Hotel Adler ****", "Hotel Sonne ***S", "4* Hotel Post",
# "Hotel Krone (4 Sterne Superior)", "★★★★". They rate the hotel; they do not name it.
_STARS = re.compile(
    r"[★☆⭐]+|(?<![\w*])\d?\s*\*+(?:\s*(?:s|sup|superior)\b)?"
    r"|\b\d(?:[.,]5)?[\s-]*(?:sterne?|stars?|étoiles?|etoiles?|estrellas?|stelle)"
    r"(?:[\s-]*(?:superior|sup|plus|s)\b)?",
    re.IGNORECASE,
)
# The trading name is the hotel's: "Acme Ltd t/a The Swan Inn", "Acme LLC dba Hotel Sun".
_TRADING_AS = re.compile(r"\s(?:t/a|trading\s+as|d/b/a|dba|doing\s+business\s+as)\s+(?=\S)",
                         re.IGNORECASE)
_NAME_SYNONYMS = {
    "centre": "center", "ctr": "center", "st": "saint", "ste": "sainte", "intl": "international",
    "hotels": "hotel",
}
# German and Dutch glue "hotel" onto the word before it: "Grandhotel" is the "Grand Hotel".
_HOTEL_COMPOUND = re.compile(r"^(\w{3,})hotel$")


def name_key(company_name: str) -> str:
    """The company name reduced to what identifies it, for deduplication.

    Folded, legal forms and "the"/"and" dropped, common spellings unified (centre/center, St/Saint,
    Grandhotel/Grand Hotel) and the words sorted, because the same hotel is listed as "Hotel Adlon
    Kempinski" on one board and "Kempinski Hotel Adlon" on another. Words like hotel, inn or resort
    are kept: "Park Inn" and "Park Hotel" are different businesses.
    """
    text = company_name
    trading = _TRADING_AS.split(text, maxsplit=1)
    if len(trading) == 2:
        text = trading[1]
    text = _STARS.sub(" ", _DOTTED_SPA.sub(" ", text))
    if "," in text or " - " in text:
        parts = re.split(r"\s*,\s*|\s+[-–—]\s+", text)
        kept = [p for p in parts[1:] if not _AFFILIATION.match(p.strip())]
        if len(kept) < len(parts) - 1:
            text = " ".join([parts[0], *kept])
    text = _DOTTED_ABBREVIATION.sub(lambda m: re.sub(r"[.\s]", "", m.group(0)) + " ", text)
    tokens: list[str] = []
    for token in fold(text).split():
        token = _NAME_SYNONYMS.get(token, token)
        compound = _HOTEL_COMPOUND.match(token)
        tokens.extend([compound.group(1), "hotel"] if compound else [token])
    # "Hotel + Spa" and "Hotel & Spa" are one name, so "and" goes with "the".
    tokens = [t for t in tokens if t not in _LEGAL_ANYWHERE and t not in ("the", "and")]
    while tokens and tokens[-1] in _LEGAL_AT_END:  # "GmbH & Co. KG"
        tokens.pop()
    if not tokens:  # a name that is nothing but a legal form is still a name
        return fold(company_name)
    return " ".join(sorted(tokens))


# One key per city whatever language the posting was written in; the key is the local name.
_CITY_EXONYMS: dict[str, tuple[str, ...]] = {
    "munchen": ("munich", "muenchen", "monaco di baviera"),
    "koln": ("cologne", "koeln", "colonia"),
    "dusseldorf": ("duesseldorf",),
    "nurnberg": ("nuremberg", "nuernberg"),
    "frankfurt": ("frankfurt am main", "frankfurt a m", "frankfurt main"),
    "hannover": ("hanover",),
    "wien": ("vienna", "vienne", "viena"),
    "zurich": ("zuerich", "zurigo"),
    "geneve": ("geneva", "genf", "ginevra", "ginebra"),
    "basel": ("bale", "basle", "basilea"),
    "bern": ("berne",),
    "luzern": ("lucerne", "lucerna"),
    "lisboa": ("lisbon", "lisbonne", "lissabon"),
    "porto": ("oporto",),
    "roma": ("rome", "rom"),
    "firenze": ("florence", "florenz"),
    "milano": ("milan", "mailand"),
    "venezia": ("venice", "venedig", "venise"),
    "napoli": ("naples", "neapel"),
    "torino": ("turin",),
    "genova": ("genoa", "genua"),
    "bolzano": ("bozen",),
    "merano": ("meran",),
    "praha": ("prague", "prag"),
    "warszawa": ("warsaw", "warschau", "varsovie"),
    "krakow": ("cracow", "krakau", "cracovie"),
    "wroclaw": ("breslau",),
    "gdansk": ("danzig",),
    "den haag": ("the hague", "s gravenhage", "la haye", "den hague"),
    "den bosch": ("s hertogenbosch",),
    "bruxelles": ("brussels", "brussel", "bruessel"),
    "antwerpen": ("antwerp", "anvers"),
    "gent": ("ghent", "gand"),
    "brugge": ("bruges",),
    "kobenhavn": ("copenhagen", "kopenhagen", "copenhague"),
    "goteborg": ("gothenburg", "goeteborg"),
    "helsinki": ("helsingfors",),
    "athina": ("athens", "athen", "athenes", "atenas", "atene"),
    "thessaloniki": ("salonica", "saloniki"),
    "bucuresti": ("bucharest", "bukarest"),
    "beograd": ("belgrade", "belgrad"),
    "sevilla": ("seville",),
    "zaragoza": ("saragossa",),
    "a coruna": ("la coruna", "coruna", "corunna"),
    "donostia": ("san sebastian", "donostia san sebastian"),
    "palma": ("palma de mallorca",),
    "eivissa": ("ibiza",),
    "marseille": ("marseilles",),
    "lyon": ("lyons",),
    "nice": ("nizza",),
    "new york": ("new york city", "nyc", "manhattan"),
    "ciudad de mexico": ("mexico city", "cdmx"),
}
CITY_ALIASES: dict[str, str] = {
    fold(alias): key for key, aliases in _CITY_EXONYMS.items() for alias in (key, *aliases)
}


def city_key(city: str | None) -> str:
    """The city reduced to one key per place: "Munich", "München" and "Muenchen" are one city."""
    if not city:
        return ""
    folded = fold(city)
    if folded in CITY_ALIASES:
        return CITY_ALIASES[folded]
    words = folded.split()
    if any(ch.isdigit() for ch in folded):
        # "80331 München", "D-80331 München", "London SW1A 1AA": the postcode is no part of it.
        while len(words) > 1 and (any(ch.isdigit() for ch in words[0]) or (
            len(words[0]) <= 2 and any(ch.isdigit() for ch in words[1])
        )):
            words.pop(0)
        while len(words) > 1 and any(ch.isdigit() for ch in words[-1]):
            words.pop()
        if " ".join(words) in CITY_ALIASES:
            return CITY_ALIASES[" ".join(words)]
    if words and words[0] in ("st", "ste", "sankt"):  # St. Moritz, Sankt Moritz, Saint-Moritz
        words[0] = "saint"
    return " ".join(words)
