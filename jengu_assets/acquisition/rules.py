"""The rules that turn job postings and CSV rows into prospects: pure functions, no I/O, no Dagster.

Everything here answers a narrow question about text a human typed somewhere else — is this a
hotel, where is it, which company is it, have we seen it before — and answers it the same way every
time, so that a run can be replayed and a surprising decision explained. Functions that decide
something return a human reason alongside the verdict; that reason ends up in the run log and is
what an operator reads when a hotel is missing from (or wrongly in) the pipeline.

The vocabularies below are deliberately explicit lists rather than clever heuristics: when a false
positive turns up, the fix is one word in one list, with a test case next to it.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import Literal
from urllib.parse import urlsplit

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE
from rapidfuzz import fuzz, process

# --------------------------------------------------------------------------------------------------
# Text folding
# --------------------------------------------------------------------------------------------------

# Letters that NFKD leaves alone because they are not "letter + accent" (ø, æ, ł, ...).
_UNDECOMPOSABLE = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)
# "Claridge's" and "Claridges" are the same hotel; an elided "l'Europe" is two words.
_POSSESSIVE = re.compile(r"(?<=\w)['’`´]s\b")
_NOT_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Reduce text to lower-case ASCII-ish words separated by single spaces.

    Used everywhere two spellings of the same thing must compare equal: "Hôtel Müller & Söhne" and
    "hotel muller and sohne" fold to the same string.
    """
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_UNDECOMPOSABLE)
    text = _POSSESSIVE.sub("s", text).replace("&", " and ")
    return _NOT_WORD.sub(" ", text).strip()


def _phrases(words: Iterable[str]) -> re.Pattern[str]:
    """A matcher for whole words or word sequences inside folded text (longest phrase wins)."""
    alternatives = sorted({fold(w) for w in words}, key=len, reverse=True)
    return re.compile(r"(?<!\S)(?:" + "|".join(map(re.escape, alternatives)) + r")(?!\S)")


def _find(pattern: re.Pattern[str], folded: str) -> str | None:
    match = pattern.search(folded)
    return match.group(0) if match else None


# --------------------------------------------------------------------------------------------------
# Company names
# --------------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------------
# Cities
# --------------------------------------------------------------------------------------------------

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
_CITY_ALIASES: dict[str, str] = {
    fold(alias): key for key, aliases in _CITY_EXONYMS.items() for alias in (key, *aliases)
}


def city_key(city: str | None) -> str:
    """The city reduced to one key per place: "Munich", "München" and "Muenchen" are one city."""
    if not city:
        return ""
    folded = fold(city)
    if folded in _CITY_ALIASES:
        return _CITY_ALIASES[folded]
    words = folded.split()
    if any(ch.isdigit() for ch in folded):
        # "80331 München", "D-80331 München", "London SW1A 1AA": the postcode is no part of it.
        while len(words) > 1 and (any(ch.isdigit() for ch in words[0]) or (
            len(words[0]) <= 2 and any(ch.isdigit() for ch in words[1])
        )):
            words.pop(0)
        while len(words) > 1 and any(ch.isdigit() for ch in words[-1]):
            words.pop()
        if " ".join(words) in _CITY_ALIASES:
            return _CITY_ALIASES[" ".join(words)]
    if words and words[0] in ("st", "ste", "sankt"):  # St. Moritz, Sankt Moritz, Saint-Moritz
        words[0] = "saint"
    return " ".join(words)


# --------------------------------------------------------------------------------------------------
# Domains and email addresses
# --------------------------------------------------------------------------------------------------

_HOST = re.compile(r"^(?:[\w](?:[\w-]*[\w])?\.)+(?:[^\W\d_]{2,}|xn--[a-z0-9-]+)$")
_EMAIL_HOST_END = re.compile(r"[\s>/?#;,]")
_URL_PUNCTUATION = re.compile(r"[/:?#\[\]]")


def domain_of(url_or_email: str | None) -> str | None:
    """The lower-case host of a URL ("https://www.Hotel.de/x" -> "hotel.de") or of an email address.

    None for anything that does not look like a public host name (empty, "n/a", an IP address).
    """
    if not url_or_email:
        return None
    value = url_or_email.strip().lower()
    value = value.removeprefix("mailto:")
    if "://" not in value and "@" in value:
        host = _EMAIL_HOST_END.split(value.rsplit("@", 1)[1], maxsplit=1)[0]
    elif "://" in value or _URL_PUNCTUATION.search(value):
        try:
            host = urlsplit(value if "://" in value else "//" + value).hostname or ""
        except ValueError:  # e.g. an unbalanced "[" that urlsplit reads as an IPv6 literal
            return None
    else:  # already a bare host, the common case when re-normalising a stored domain
        host = value
    host = host.strip(". ").removeprefix("www.")
    if not host.isascii():
        host = _punycode(host) or ""  # "hotel-müller.de" is written either way
    return host if _HOST.match(host) else None


def _punycode(host: str) -> str | None:
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return None


_MAILTO = re.compile(r"^mailto:", re.IGNORECASE)
_BRACKETED = re.compile(r"<([^<>]+)>")
_EMAIL_SEPARATOR = re.compile(r"\s*[;,\s]\s*")
_EMAIL_PLACEHOLDERS = frozenset(
    {"", "-", "--", "n/a", "na", "n.a.", "none", "null", "nil", "unknown", "tbd", "tba", "?",
     "no email", "keine", "nan", "0", "x"}
)
_EMAIL = re.compile(
    r"^(?=.{3,254}$)(?!\.)(?!.*\.\.)[a-z0-9!#$%&'*+/=?^_`{|}~.-]+(?<!\.)"
    r"@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$",
    re.IGNORECASE,
)


def normalise_email(value: str | None) -> str | None:
    """The address as we store and compare it: trimmed, no "mailto:", no query, lower-case.

    A display name ("Jane Doe <jane@hotel.de>") is dropped, and of several addresses in one cell
    the first is kept.

    None when the cell is empty or a placeholder ("n/a", "-", "unknown"...). Anything else is
    returned even if it is not a valid address; `is_valid_email` is the separate check, so that a
    bad address can be reported rather than silently dropped.
    """
    if value is None:
        return None
    text = value.strip()
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)  # full-width "ｉｎｆｏ＠ｈｏｔｅｌ．ｊｐ"
    bracketed = _BRACKETED.search(text)  # "Jane Doe <jane@hotel.de>"
    if bracketed:
        text = bracketed.group(1)
    text = _MAILTO.sub("", text.strip()).split("?", 1)[0].strip().lower()
    if text in _EMAIL_PLACEHOLDERS:
        return None
    # A cell with several addresses: the first is the one the list's author put first.
    address = _EMAIL_SEPARATOR.split(text, maxsplit=1)[0]
    local, at, host = address.rpartition("@")
    if at and not host.isascii() and local.isascii() and (ascii_host := _punycode(host)):
        address = f"{local}@{ascii_host}"  # an umlaut domain, sent as its ASCII form
    return address


def is_valid_email(value: str) -> bool:
    """A pragmatic syntax check: local@domain.tld, one @, no spaces, a letters-only TLD of 2+.

    Deliverability is another question; this only keeps obvious junk out of the send queue.
    """
    return bool(value) and _EMAIL.match(value) is not None


# --------------------------------------------------------------------------------------------------
# Countries, regions, locations
# --------------------------------------------------------------------------------------------------

# ISO-2, ISO-3, main time zone, then names in English, the local language(s) and the neighbours'.
_COUNTRIES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("US", "USA", "America/New_York", ("united states", "united states of america", "us", "u s",
     "america", "estados unidos", "vereinigte staaten", "etats unis", "stati uniti")),
    ("GB", "GBR", "Europe/London", ("united kingdom", "uk", "u k", "great britain", "britain",
     "england", "scotland", "wales", "northern ireland", "vereinigtes konigreich",
     "grossbritannien", "royaume uni", "reino unido", "regno unito")),
    ("IE", "IRL", "Europe/Dublin", ("ireland", "republic of ireland", "eire", "irland",
     "irlande", "irlanda")),
    ("DE", "DEU", "Europe/Berlin", ("germany", "deutschland", "allemagne", "alemania", "germania",
     "duitsland", "niemcy", "brd")),
    ("AT", "AUT", "Europe/Vienna", ("austria", "osterreich", "oesterreich", "autriche")),
    ("CH", "CHE", "Europe/Zurich", ("switzerland", "schweiz", "suisse", "svizzera", "suiza",
     "svizra")),
    ("FR", "FRA", "Europe/Paris", ("france", "frankreich", "francia", "frankrijk")),
    ("ES", "ESP", "Europe/Madrid", ("spain", "espana", "espanya", "spanien", "espagne", "spagna",
     "spanje", "espanha")),
    ("PT", "PRT", "Europe/Lisbon", ("portugal", "portogallo")),
    ("IT", "ITA", "Europe/Rome", ("italy", "italia", "italien", "italie")),
    ("NL", "NLD", "Europe/Amsterdam", ("netherlands", "the netherlands", "nederland", "holland",
     "niederlande", "pays bas", "paises bajos", "paesi bassi")),
    ("BE", "BEL", "Europe/Brussels", ("belgium", "belgique", "belgie", "belgien", "belgica",
     "belgio")),
    ("LU", "LUX", "Europe/Luxembourg", ("luxembourg", "luxemburg", "letzebuerg")),
    ("DK", "DNK", "Europe/Copenhagen", ("denmark", "danmark", "danemark", "dinamarca",
     "danimarca")),
    ("SE", "SWE", "Europe/Stockholm", ("sweden", "sverige", "schweden", "suede", "suecia",
     "svezia")),
    ("NO", "NOR", "Europe/Oslo", ("norway", "norge", "noreg", "norwegen", "norvege", "noruega",
     "norvegia")),
    ("FI", "FIN", "Europe/Helsinki", ("finland", "suomi", "finnland", "finlande", "finlandia")),
    ("IS", "ISL", "Atlantic/Reykjavik", ("iceland", "island", "islande", "islandia")),
    ("PL", "POL", "Europe/Warsaw", ("poland", "polska", "polen", "pologne", "polonia")),
    ("CZ", "CZE", "Europe/Prague", ("czech republic", "czechia", "cesko", "ceska republika",
     "tschechien", "republique tcheque", "republica checa", "repubblica ceca")),
    ("SK", "SVK", "Europe/Bratislava", ("slovakia", "slovensko", "slowakei", "slovaquie")),
    ("HU", "HUN", "Europe/Budapest", ("hungary", "magyarorszag", "ungarn", "hongrie", "hungria",
     "ungheria")),
    ("SI", "SVN", "Europe/Ljubljana", ("slovenia", "slovenija", "slowenien", "slovenie")),
    ("HR", "HRV", "Europe/Zagreb", ("croatia", "hrvatska", "kroatien", "croatie", "croacia",
     "croazia")),
    ("GR", "GRC", "Europe/Athens", ("greece", "hellas", "ellada", "ελλαδα", "ελλας",
     "griechenland", "grece", "grecia")),
    ("CY", "CYP", "Asia/Nicosia", ("cyprus", "kypros", "zypern", "chypre", "chipre", "cipro")),
    ("MT", "MLT", "Europe/Malta", ("malta", "malte")),
    ("RO", "ROU", "Europe/Bucharest", ("romania", "rumanien", "roumanie", "rumania")),
    ("BG", "BGR", "Europe/Sofia", ("bulgaria", "bulgarien", "bulgarie")),
    ("EE", "EST", "Europe/Tallinn", ("estonia", "eesti", "estland", "estonie")),
    ("LV", "LVA", "Europe/Riga", ("latvia", "latvija", "lettland", "lettonie", "letonia")),
    ("LT", "LTU", "Europe/Vilnius", ("lithuania", "lietuva", "litauen", "lituanie", "lituania")),
    ("MC", "MCO", "Europe/Monaco", ("monaco",)),
    ("LI", "LIE", "Europe/Vaduz", ("liechtenstein",)),
    ("AD", "AND", "Europe/Andorra", ("andorra", "andorre")),
    ("SM", "SMR", "Europe/San_Marino", ("san marino", "saint marin")),
    ("RS", "SRB", "Europe/Belgrade", ("serbia", "srbija", "serbien", "serbie")),
    ("ME", "MNE", "Europe/Podgorica", ("montenegro", "crna gora")),
    ("AL", "ALB", "Europe/Tirane", ("albania", "shqiperia", "albanien", "albanie")),
    ("BA", "BIH", "Europe/Sarajevo", ("bosnia and herzegovina", "bosnia", "bosna i hercegovina",
     "bosnien und herzegowina", "bosnie herzegovine")),
    ("TR", "TUR", "Europe/Istanbul", ("turkey", "turkiye", "turkei", "turquie", "turquia",
     "turchia")),
    ("CA", "CAN", "America/Toronto", ("canada", "kanada")),
    ("AU", "AUS", "Australia/Sydney", ("australia", "australien", "australie")),
    ("NZ", "NZL", "Pacific/Auckland", ("new zealand", "aotearoa", "neuseeland",
     "nouvelle zelande", "nueva zelanda", "nuova zelanda")),
    ("AE", "ARE", "Asia/Dubai", ("united arab emirates", "uae", "u a e", "emirates",
     "vereinigte arabische emirate", "emirats arabes unis", "emiratos arabes unidos")),
    ("MX", "MEX", "America/Mexico_City", ("mexico", "mexiko", "mexique", "messico",
     "estados unidos mexicanos")),
    ("ZA", "ZAF", "Africa/Johannesburg", ("south africa", "sudafrika", "afrique du sud",
     "sudafrica")),
    ("MA", "MAR", "Africa/Casablanca", ("morocco", "maroc", "marokko", "marruecos", "marocco")),
    ("QA", "QAT", "Asia/Qatar", ("qatar", "katar")),
    ("SG", "SGP", "Asia/Singapore", ("singapore", "singapur")),
    ("TH", "THA", "Asia/Bangkok", ("thailand", "thailande", "tailandia", "ประเทศไทย")),
    ("JP", "JPN", "Asia/Tokyo", ("japan", "nippon", "japon", "giappone", "日本")),
    ("BR", "BRA", "America/Sao_Paulo", ("brazil", "brasil", "brasilien", "bresil")),
    ("AR", "ARG", "America/Argentina/Buenos_Aires", ("argentina", "argentinien", "argentine")),
    ("CL", "CHL", "America/Santiago", ("chile", "chili")),
    ("CO", "COL", "America/Bogota", ("colombia", "kolumbien", "colombie")),
    ("PE", "PER", "America/Lima", ("peru", "perou")),
    ("CR", "CRI", "America/Costa_Rica", ("costa rica",)),
    ("UY", "URY", "America/Montevideo", ("uruguay",)),
    ("EC", "ECU", "America/Guayaquil", ("ecuador", "equateur")),
    ("CU", "CUB", "America/Havana", ("cuba", "kuba")),
    ("DO", "DOM", "America/Santo_Domingo", ("dominican republic", "republica dominicana",
     "dominikanische republik", "republique dominicaine")),
    ("JM", "JAM", "America/Jamaica", ("jamaica", "jamaika", "jamaique")),
    ("BS", "BHS", "America/Nassau", ("bahamas", "the bahamas")),
    ("BB", "BRB", "America/Barbados", ("barbados", "barbade")),
    ("CN", "CHN", "Asia/Shanghai", ("china", "chine", "cina", "中国", "中華人民共和國")),
    ("HK", "HKG", "Asia/Hong_Kong", ("hong kong", "香港")),
    ("TW", "TWN", "Asia/Taipei", ("taiwan", "台灣", "台湾")),
    ("KR", "KOR", "Asia/Seoul", ("south korea", "korea", "republic of korea", "sudkorea",
     "coree du sud", "대한민국")),
    ("VN", "VNM", "Asia/Ho_Chi_Minh", ("vietnam", "viet nam")),
    ("ID", "IDN", "Asia/Jakarta", ("indonesia", "indonesien", "indonesie")),
    ("MY", "MYS", "Asia/Kuala_Lumpur", ("malaysia", "malaisie", "malasia")),
    ("PH", "PHL", "Asia/Manila", ("philippines", "philippinen", "filipinas", "pilipinas")),
    ("IN", "IND", "Asia/Kolkata", ("india", "indien", "inde", "bharat")),
    ("LK", "LKA", "Asia/Colombo", ("sri lanka",)),
    ("MV", "MDV", "Indian/Maldives", ("maldives", "malediven", "maldivas")),
    ("NP", "NPL", "Asia/Kathmandu", ("nepal",)),
    ("IL", "ISR", "Asia/Jerusalem", ("israel", "israël")),
    ("JO", "JOR", "Asia/Amman", ("jordan", "jordanien", "jordanie")),
    ("EG", "EGY", "Africa/Cairo", ("egypt", "agypten", "egypte", "egipto", "egitto")),
    ("TN", "TUN", "Africa/Tunis", ("tunisia", "tunisie", "tunesien", "tunez")),
    ("KE", "KEN", "Africa/Nairobi", ("kenya", "kenia")),
    ("TZ", "TZA", "Africa/Dar_es_Salaam", ("tanzania", "tansania", "tanzanie")),
    ("NA", "NAM", "Africa/Windhoek", ("namibia", "namibie")),
    ("MU", "MUS", "Indian/Mauritius", ("mauritius", "maurice", "ile maurice")),
    ("SC", "SYC", "Indian/Mahe", ("seychelles", "seychellen")),
    ("KH", "KHM", "Asia/Phnom_Penh", ("cambodia", "kambodscha", "cambodge", "kampuchea")),
    ("OM", "OMN", "Asia/Muscat", ("oman",)),
    ("SA", "SAU", "Asia/Riyadh", ("saudi arabia", "kingdom of saudi arabia", "ksa",
     "saudi arabien", "arabie saoudite")),
    ("PA", "PAN", "America/Panama", ("panama",)),
    ("PR", "PRI", "America/Puerto_Rico", ("puerto rico",)),
    ("FO", "FRO", "Atlantic/Faroe", ("faroe islands", "faroes", "foroyar", "faeroer",
     "faroer inseln")),
    ("MK", "MKD", "Europe/Skopje", ("north macedonia", "macedonia", "nordmazedonien",
     "makedonija")),
    ("AM", "ARM", "Asia/Yerevan", ("armenia", "armenien", "armenie", "hayastan")),
    # Also a US state: parse_location reads "Georgia" after a city by _STATE_OR_COUNTRY.
    ("GE", "GEO", "Asia/Tbilisi", ("georgia", "republic of georgia", "sakartvelo", "georgien",
     "georgie", "საქართველო")),
    ("UA", "UKR", "Europe/Kyiv", ("ukraine", "ukraina", "україна")),
    ("RU", "RUS", "Europe/Moscow", ("russia", "russian federation", "russland", "russie",
     "rusia", "россия")),
    ("FJ", "FJI", "Pacific/Fiji", ("fiji", "fidschi", "fidji")),
    ("PF", "PYF", "Pacific/Tahiti", ("french polynesia", "polynesie francaise", "tahiti")),
    ("BT", "BTN", "Asia/Thimphu", ("bhutan", "bhoutan")),
    ("BZ", "BLZ", "America/Belize", ("belize",)),
    ("GT", "GTM", "America/Guatemala", ("guatemala",)),
)
_COUNTRY_ZONE = {iso2: zone for iso2, _, zone, _ in _COUNTRIES}
_COUNTRY_BY_NAME: dict[str, str] = {}
for _iso2, _iso3, _, _names in _COUNTRIES:
    for _alias in (_iso2, _iso3, *_names):
        if _alias != "AND":   # Andorra's ISO-3 is a word every folded "&" becomes
            _COUNTRY_BY_NAME[fold(_alias)] = _iso2
_GB_NATIONS = frozenset({"england", "scotland", "wales", "northern ireland"})


def country_code(name: str | None) -> str | None:
    """ISO 3166-1 alpha-2 for a country name in English or its own language, or an ISO-2/3 code.

    None for anything not in the table: an unknown country is better left empty than guessed.
    """
    if not name:
        return None
    return _COUNTRY_BY_NAME.get(fold(name.replace(".", "")))


@dataclass(frozen=True)
class _Region:
    country: str
    name: str
    zone: str | None = None
    abbreviation: str | None = None
    aliases: tuple[str, ...] = ()


def _regions(country: str, rows: Iterable[tuple[str | None, str, str | None]]) -> list[_Region]:
    return [_Region(country, name, zone, abbreviation) for abbreviation, name, zone in rows]


_NY, _CHI = "America/New_York", "America/Chicago"
_DEN, _LA = "America/Denver", "America/Los_Angeles"
_US_STATES = _regions("US", [
    ("AL", "Alabama", _CHI), ("AK", "Alaska", "America/Anchorage"), ("AZ", "Arizona",
    "America/Phoenix"), ("AR", "Arkansas", _CHI), ("CA", "California", _LA),
    ("CO", "Colorado", _DEN), ("CT", "Connecticut", _NY), ("DE", "Delaware", _NY),
    ("DC", "District of Columbia", _NY), ("FL", "Florida", _NY), ("GA", "Georgia", _NY),
    ("HI", "Hawaii", "Pacific/Honolulu"), ("ID", "Idaho", "America/Boise"),
    ("IL", "Illinois", _CHI),
    ("IN", "Indiana", "America/Indiana/Indianapolis"), ("IA", "Iowa", _CHI), ("KS", "Kansas", _CHI),
    ("KY", "Kentucky", _NY), ("LA", "Louisiana", _CHI), ("ME", "Maine", _NY),
    ("MD", "Maryland", _NY), ("MA", "Massachusetts", _NY), ("MI", "Michigan", "America/Detroit"),
    ("MN", "Minnesota", _CHI), ("MS", "Mississippi", _CHI), ("MO", "Missouri", _CHI),
    ("MT", "Montana", _DEN), ("NE", "Nebraska", _CHI), ("NV", "Nevada", _LA),
    ("NH", "New Hampshire", _NY), ("NJ", "New Jersey", _NY), ("NM", "New Mexico", _DEN),
    ("NY", "New York", _NY), ("NC", "North Carolina", _NY), ("ND", "North Dakota", _CHI),
    ("OH", "Ohio", _NY), ("OK", "Oklahoma", _CHI), ("OR", "Oregon", _LA),
    ("PA", "Pennsylvania", _NY), ("RI", "Rhode Island", _NY), ("SC", "South Carolina", _NY),
    ("SD", "South Dakota", _CHI), ("TN", "Tennessee", _CHI), ("TX", "Texas", _CHI),
    ("UT", "Utah", _DEN), ("VT", "Vermont", _NY), ("VA", "Virginia", _NY),
    ("WA", "Washington", _LA), ("WV", "West Virginia", _NY), ("WI", "Wisconsin", _CHI),
    ("WY", "Wyoming", _DEN), ("PR", "Puerto Rico", "America/Puerto_Rico"),
])
_CA_PROVINCES = _regions("CA", [
    ("ON", "Ontario", "America/Toronto"), ("QC", "Quebec", "America/Toronto"),
    ("BC", "British Columbia", "America/Vancouver"), ("AB", "Alberta", "America/Edmonton"),
    ("MB", "Manitoba", "America/Winnipeg"), ("SK", "Saskatchewan", "America/Regina"),
    ("NS", "Nova Scotia", "America/Halifax"), ("NB", "New Brunswick", "America/Moncton"),
    ("NL", "Newfoundland and Labrador", "America/St_Johns"),
    ("PE", "Prince Edward Island", "America/Halifax"), ("YT", "Yukon", "America/Whitehorse"),
    ("NT", "Northwest Territories", "America/Edmonton"), ("NU", "Nunavut", "America/Iqaluit"),
])
_AU_STATES = _regions("AU", [
    ("NSW", "New South Wales", "Australia/Sydney"), ("VIC", "Victoria", "Australia/Melbourne"),
    ("QLD", "Queensland", "Australia/Brisbane"), ("WA", "Western Australia", "Australia/Perth"),
    ("SA", "South Australia", "Australia/Adelaide"), ("TAS", "Tasmania", "Australia/Hobart"),
    ("ACT", "Australian Capital Territory", "Australia/Sydney"),
    ("NT", "Northern Territory", "Australia/Darwin"),
])
# Regions of single-zone countries matter only for guessing the country when it is missing, except
# the islands that keep their own clocks (Canaries, Madeira, Azores) and Mexico's resort coasts.
_OTHER_REGIONS = [
    _Region("GB", "England"), _Region("GB", "Scotland"), _Region("GB", "Wales"),
    _Region("GB", "Northern Ireland"),
    _Region("DE", "Bayern", aliases=("bavaria",)), _Region("DE", "Berlin"),
    _Region("DE", "Hamburg"), _Region("DE", "Bremen"), _Region("DE", "Hessen", aliases=("hesse",)),
    _Region("DE", "Baden-Württemberg"), _Region("DE", "Brandenburg"), _Region("DE", "Saarland"),
    _Region("DE", "Nordrhein-Westfalen", aliases=("north rhine westphalia", "nrw")),
    _Region("DE", "Niedersachsen", aliases=("lower saxony",)),
    _Region("DE", "Sachsen", aliases=("saxony",)),
    _Region("DE", "Sachsen-Anhalt", aliases=("saxony anhalt",)),
    _Region("DE", "Thüringen", aliases=("thuringia",)),
    _Region("DE", "Mecklenburg-Vorpommern", aliases=("mecklenburg western pomerania",)),
    _Region("DE", "Schleswig-Holstein"),
    _Region("DE", "Rheinland-Pfalz", aliases=("rhineland palatinate",)),
    _Region("AT", "Wien"), _Region("AT", "Tirol", aliases=("tyrol",)), _Region("AT", "Salzburg"),
    _Region("AT", "Steiermark", aliases=("styria",)),
    _Region("AT", "Kärnten", aliases=("carinthia",)),
    _Region("AT", "Oberösterreich", aliases=("upper austria",)),
    _Region("AT", "Niederösterreich", aliases=("lower austria",)), _Region("AT", "Vorarlberg"),
    _Region("AT", "Burgenland"),
    _Region("FR", "Île-de-France"), _Region("FR", "Provence-Alpes-Côte d'Azur", aliases=("paca",)),
    _Region("FR", "Auvergne-Rhône-Alpes"), _Region("FR", "Nouvelle-Aquitaine"),
    _Region("FR", "Occitanie"), _Region("FR", "Bretagne", aliases=("brittany",)),
    _Region("FR", "Normandie", aliases=("normandy",)), _Region("FR", "Grand Est"),
    _Region("FR", "Hauts-de-France"), _Region("FR", "Pays de la Loire"),
    _Region("FR", "Centre-Val de Loire"), _Region("FR", "Bourgogne-Franche-Comté"),
    _Region("FR", "Corse", aliases=("corsica",)),
    _Region("ES", "Cataluña", aliases=("catalonia", "catalunya", "cataluna")),
    _Region("ES", "Andalucía", aliases=("andalusia",)),
    _Region("ES", "Comunidad de Madrid", aliases=("community of madrid",)),
    _Region("ES", "Comunidad Valenciana", aliases=("valencian community",)),
    _Region("ES", "Islas Baleares", aliases=("balearic islands", "illes balears", "baleares")),
    _Region("ES", "País Vasco", aliases=("basque country", "euskadi")), _Region("ES", "Galicia"),
    _Region("ES", "Canarias", "Atlantic/Canary", aliases=("canary islands", "islas canarias")),
    _Region("PT", "Madeira", "Atlantic/Madeira"),
    _Region("PT", "Açores", "Atlantic/Azores", aliases=("azores",)), _Region("PT", "Algarve"),
    _Region("IT", "Lombardia", aliases=("lombardy",)), _Region("IT", "Lazio"),
    _Region("IT", "Toscana", aliases=("tuscany",)), _Region("IT", "Veneto"),
    _Region("IT", "Campania"), _Region("IT", "Sicilia", aliases=("sicily",)),
    _Region("IT", "Piemonte", aliases=("piedmont",)), _Region("IT", "Emilia-Romagna"),
    _Region("IT", "Liguria"), _Region("IT", "Puglia", aliases=("apulia",)),
    _Region("IT", "Sardegna", aliases=("sardinia",)),
    _Region("IT", "Trentino-Alto Adige", aliases=("south tyrol", "sudtirol", "alto adige")),
    _Region("NL", "Noord-Holland", aliases=("north holland",)),
    _Region("NL", "Zuid-Holland", aliases=("south holland",)),
    _Region("NL", "Noord-Brabant", aliases=("north brabant",)), _Region("NL", "Gelderland"),
    _Region("NL", "Utrecht"),
    _Region("MX", "Quintana Roo", "America/Cancun"),
    _Region("MX", "Baja California", "America/Tijuana"),
    _Region("MX", "Baja California Sur", "America/Mazatlan"),
    _Region("MX", "Sonora", "America/Hermosillo"), _Region("MX", "Sinaloa", "America/Mazatlan"),
    _Region("MX", "Ciudad de México", aliases=("mexico city", "cdmx")), _Region("MX", "Jalisco"),
]
_ALL_REGIONS = [*_US_STATES, *_CA_PROVINCES, *_AU_STATES, *_OTHER_REGIONS]
# (country, folded name or abbreviation) -> region; and folded full name -> region for when the
# country is unknown (the first country listed wins, which puts the US first).
_REGION_IN_COUNTRY: dict[tuple[str, str], _Region] = {}
_REGION_ANYWHERE: dict[str, _Region] = {}
for _region in _ALL_REGIONS:
    for _alias in (_region.name, *_region.aliases):
        _REGION_IN_COUNTRY.setdefault((_region.country, fold(_alias)), _region)
        _REGION_ANYWHERE.setdefault(fold(_alias), _region)
    if _region.abbreviation:
        _REGION_IN_COUNTRY.setdefault((_region.country, fold(_region.abbreviation)), _region)
# Abbreviations are only read as such when they stand alone ("Denver, CO", "Sydney NSW").
_ABBREVIATIONS: dict[str, _Region] = {}
for _region in _ALL_REGIONS:
    if _region.abbreviation:
        _ABBREVIATIONS.setdefault(_region.abbreviation, _region)
# The countries with a region of each name, alias or abbreviation (folded).
_REGION_NAME_COUNTRIES: dict[str, set[str]] = {}
for _region in _ALL_REGIONS:
    for _alias in (_region.name, *_region.aliases, *filter(None, (_region.abbreviation,))):
        _REGION_NAME_COUNTRIES.setdefault(fold(_alias), set()).add(_region.country)


def region_country(region: str | None) -> str | None:
    """The country a region's name alone tells, when exactly one country has a region so named and
    the name is no country itself: "Bayern" and "Bavaria" -> DE, "TX" -> US; "WA" (a US and an
    Australian state), "Georgia" and "CA" (a state and a country) -> None."""
    countries = _REGION_NAME_COUNTRIES.get(fold(region or ""), set())
    if len(countries) != 1 or country_code(region) is not None:
        return None
    return next(iter(countries))

# A trailing code or name that is both a state/province and a country. The first reading is the
# default; the second wins for the cities listed (or when the part before it is a region of that
# country), and either wins when the rest of the record points to its country (see _clash_reading).
_STATE_OR_COUNTRY: dict[str, tuple[tuple[str, str | None], tuple[str, str | None], frozenset[str]]]
_STATE_OR_COUNTRY = {
    key: (default, other, frozenset(map(city_key, cities)))
    for key, default, other, cities in [
        ("CA", ("US", "California"), ("CA", None), (
            "toronto", "montreal", "vancouver", "calgary", "ottawa", "edmonton", "winnipeg",
            "quebec", "halifax", "victoria", "whistler", "banff", "mississauga", "kelowna",
            "niagara falls")),
        ("DE", ("DE", None), ("US", "Delaware"), (
            "wilmington", "dover", "newark", "lewes", "rehoboth beach", "dewey beach",
            "bethany beach", "middletown", "milford", "georgetown", "new castle", "smyrna")),
        ("MA", ("US", "Massachusetts"), ("MA", None), (
            "marrakech", "marrakesh", "casablanca", "rabat", "fes", "agadir", "tangier",
            "essaouira")),
        ("MT", ("US", "Montana"), ("MT", None), (
            "valletta", "sliema", "saint julians", "st julians", "mellieha", "gozo", "mdina")),
        ("NL", ("NL", None), ("CA", "Newfoundland and Labrador"), (
            "saint johns", "st johns", "corner brook", "gander")),
        ("SK", ("SK", None), ("CA", "Saskatchewan"), ("saskatoon", "regina")),
        ("WA", ("US", "Washington"), ("AU", "Western Australia"), (
            "perth", "fremantle", "broome", "margaret river", "albany", "bunbury")),
        ("NT", ("AU", "Northern Territory"), ("CA", "Northwest Territories"), (
            "yellowknife", "inuvik", "hay river")),
        ("GEORGIA", ("US", "Georgia"), ("GE", None), (
            "tbilisi", "tiflis", "batumi", "kutaisi", "rustavi", "gudauri", "sighnaghi", "signagi",
            "mestia", "borjomi", "bakuriani", "kazbegi", "stepantsminda", "telavi", "kobuleti",
            "zugdidi", "poti", "gori", "mtskheta", "kvareli", "tskaltubo", "anaklia", "ureki")),
        ("IN", ("US", "Indiana"), ("IN", None), (
            "mumbai", "bombay", "delhi", "new delhi", "bangalore", "bengaluru", "chennai",
            "kolkata", "hyderabad", "pune", "jaipur", "goa", "agra", "udaipur", "jodhpur", "kochi",
            "cochin", "ahmedabad", "gurgaon", "gurugram", "noida", "varanasi", "amritsar",
            "shimla", "mysore", "mysuru")),
        ("AL", ("US", "Alabama"), ("AL", None), (
            "tirana", "tirane", "durres", "vlore", "vlora", "sarande", "saranda", "shkoder",
            "berat", "gjirokaster", "ksamil", "himare")),
        ("AR", ("US", "Arkansas"), ("AR", None), (
            "buenos aires", "cordoba", "mendoza", "bariloche", "san carlos de bariloche", "salta",
            "ushuaia", "el calafate", "rosario", "puerto iguazu", "mar del plata")),
        ("CO", ("US", "Colorado"), ("CO", None), (
            "bogota", "medellin", "cartagena", "cali", "barranquilla", "santa marta", "pereira",
            "bucaramanga", "san andres")),
        ("ID", ("US", "Idaho"), ("ID", None), (
            "jakarta", "bali", "denpasar", "ubud", "seminyak", "kuta", "nusa dua", "yogyakarta",
            "surabaya", "bandung", "lombok", "canggu", "sanur", "jimbaran")),
        ("IL", ("US", "Illinois"), ("IL", None), (
            "tel aviv", "tel aviv yafo", "jerusalem", "haifa", "eilat", "nazareth", "herzliya",
            "netanya", "tiberias")),
        ("ME", ("US", "Maine"), ("ME", None), (
            "podgorica", "budva", "kotor", "tivat", "herceg novi", "ulcinj", "cetinje", "zabljak",
            "sveti stefan", "petrovac")),
        ("PA", ("US", "Pennsylvania"), ("PA", None), (
            "panama", "panama city", "boquete", "bocas del toro", "pedasi", "coronado")),
        ("SC", ("US", "South Carolina"), ("SC", None), (
            "victoria", "mahe", "praslin", "la digue", "beau vallon", "eden island")),
        ("TN", ("US", "Tennessee"), ("TN", None), (
            "tunis", "sousse", "hammamet", "djerba", "monastir", "sfax", "tozeur", "mahdia",
            "sidi bou said", "gammarth", "la marsa", "port el kantaoui", "nabeul", "kairouan")),
        ("PE", ("CA", "Prince Edward Island"), ("PE", None), (
            "lima", "cusco", "cuzco", "arequipa", "trujillo", "puno", "iquitos", "paracas",
            "mancora", "urubamba", "aguas calientes", "machu picchu", "piura", "chiclayo")),
        ("SA", ("AU", "South Australia"), ("SA", None), (
            "riyadh", "jeddah", "jiddah", "mecca", "makkah", "medina", "madinah", "dammam",
            "khobar", "al khobar", "alula", "al ula", "abha", "taif", "tabuk")),
    ]
}
# Postcode shapes of the countries above: a postcode next to the city that fits one reading's
# country and not the other's decides between them ("Tbilisi 0105" against "Atlanta, GA 30303").
_POSTCODES: dict[str, re.Pattern[str]] = {
    iso: re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.IGNORECASE)
    for iso, pattern in {
        "US": r"\d{5}(?:-\d{4})?", "CA": r"[a-z]\d[a-z] ?\d[a-z]\d", "AU": r"\d{4}",
        "DE": r"\d{5}", "MA": r"\d{5}", "MT": r"[a-z]{3} ?\d{4}", "NL": r"\d{4} ?[a-z]{2}",
        "SK": r"\d{3} ?\d{2}", "GE": r"\d{4}", "IN": r"\d{6}|\d{3} \d{3}", "AL": r"\d{4}",
        "AR": r"[a-z]\d{4}[a-z]{3}|\d{4}", "CO": r"\d{6}", "ID": r"\d{5}", "IL": r"\d{7}",
        "ME": r"\d{5}", "PA": r"\d{4}", "TN": r"\d{4}", "PE": r"\d{5}", "SA": r"\d{5}",
    }.items()
}


def postcode_countries(text: str | None) -> frozenset[str]:
    """The countries of `_STATE_OR_COUNTRY` whose postcode shape occurs in ``text``."""
    if not text or not any(ch.isdigit() for ch in text):
        return frozenset()
    return frozenset(iso for iso, shape in _POSTCODES.items() if shape.search(text))


_INTERNATIONAL_PHONE = re.compile(r"^\s*(?:\+|00)\s*(\d{1,3})")


def phone_countries(phone: str | None) -> frozenset[str]:
    """The countries an international number's calling code belongs to ("+995 ..." is Georgia,
    "+1 ..." the US, Canada and the Caribbean); nothing for a national number."""
    match = _INTERNATIONAL_PHONE.match(phone or "")
    if not match:
        return frozenset()
    digits = match.group(1)
    for size in range(1, len(digits) + 1):  # calling codes are a prefix code: one length fits
        regions = COUNTRY_CODE_TO_REGION_CODE.get(int(digits[:size]))
        if regions:
            return frozenset(r for r in regions if r != "001")
    return frozenset()


# Country domains sold to anyone as a word ("bar.me", "studio.co", "hotel.la"): they say nothing
# about where the business is.
_GENERIC_COUNTRY_DOMAINS = frozenset(
    "ac ad ai am as bz cc cd co fm gg io la ly me mu nu sh so tk to tv vc ws".split()
)


def domain_countries(domain: str | None) -> frozenset[str]:
    """The country of a website's or an address's country domain ("hotel.ge" is Georgia,
    "hotel.co.in" India), nothing for .com and the country domains sold as words."""
    host = domain_of(domain)
    tld = host.rsplit(".", 1)[-1] if host else ""
    if len(tld) != 2 or tld in _GENERIC_COUNTRY_DOMAINS:
        return frozenset()
    return frozenset({"GB" if tld == "uk" else tld.upper()})


_WORK_MODE = re.compile(
    r"^(?:fully\s+)?(?:remote|hybrid|on-?site|onsite|home\s*office|work\s+from\s+home|wfh|"
    r"anywhere|worldwide|flexible|various|multiple)\b.*$"
    r"|^(?:europe|eu|emea|dach|apac|latam|north\s+america|latin\s+america|global)$",
    re.IGNORECASE,
)
_WORK_MODE_PREFIX = re.compile(
    r"^(?:temporarily\s+|fully\s+)?(?:hybrid\s+)?(?:remote|hybrid|on-?site)\s+(?:in|from|-)\s+",
    re.IGNORECASE,
)
_METRO = re.compile(r"^greater\s+|\s+(?:metropolitan|metro)\s+(?:area|region)$", re.IGNORECASE)
_PARENTHESIS = re.compile(r"\(([^()]*)\)")
_SEPARATOR = re.compile(r"\s*[,;|·]\s*|\s+[-–—/]\s+")
_POSTCODE_NL = re.compile(r"^\d{4}\s?[A-Z]{2}\s+")
_DOTTED = re.compile(r"^(?:[A-Za-z]\.\s?){2,}$")
_TRAILING_CODE = re.compile(r"^(.+?)\s+([A-Z]{2,3})$")
# Italian addresses name the province by its code after the town: "00186 Roma (RM)",
# "Sorrento (NA), Campania", "20121 Milano MI, Italia".
_IT_PROVINCES = frozenset("""
    AG AL AN AO AP AQ AR AT AV BA BG BI BL BN BO BR BS BT BZ CA CB CE CH CL CN CO CR CS CT CZ EN
    FC FE FG FI FM FR GE GO GR IM IS KR LC LE LI LO LT LU MB MC ME MI MN MO MS MT NA NO NU OR PA
    PC PD PE PG PI PN PO PR PT PU PV PZ RA RC RE RG RI RM RN RO SA SI SO SP SR SS SU SV TA TE TN
    TO TP TR TS TV UD VA VB VC VE VI VR VT VV""".split())
_PROVINCE_IN_BRACKETS = re.compile(r"\s*\(([A-Z]{2})\)")


# A street: a word saying so, first ("Calle Mayor", "Rue de Rivoli") or last ("Oxford Street",
# "5th Ave", "Kärntner Ring", "Bahnhofstraße"), or a house number after the name ("Unter den
# Linden 77"; four digits after a name are a postcode: "Tbilisi 0105"). "St" is a street only
# last: first it is a saint ("St. Moritz").
_STREET_FIRST = frozenset(
    "rue allee chemin quai impasse route place boulevard avenue calle avenida av avda paseo plaza "
    "carrer carretera via viale piazza piazzale corso largo vicolo rua travessa praca ulica ul "
    "aleja namesti".split()
)
_STREET_LAST = frozenset(
    "street st road rd avenue ave blvd boulevard drive dr lane ln way highway hwy parkway pkwy "
    "square sq terrace court ct straat laan plein gracht steeg gatan gata vej gade strasse str "
    "gasse weg platz ring damm ufer chaussee".split()
)
_STREET_SUFFIX = re.compile(r"..(?:strasse|str|gasse|weg|platz|allee|damm|ufer|straat|gatan|vej)$")
_HOUSE_NUMBER = re.compile(r"^\d{1,3}[a-z]?(?:[-/]\d{1,3}[a-z]?)?$")


def _is_street(part: str) -> bool:
    words = fold(part).split()
    named = [w for w in words if not any(ch.isdigit() for ch in w)]
    if not named:
        return False
    if _STREET_SUFFIX.search(named[-1]) or (len(named) > 1 and (
        named[-1] in _STREET_LAST or named[0] in _STREET_FIRST
    )):
        return True
    return len(words) > 1 and bool(_HOUSE_NUMBER.match(words[-1]))


def _location_parts(text: str) -> list[str]:
    """Split a free-text location into its comma parts, minus postcodes, remote/hybrid noise and
    the street of a full address ("Unter den Linden 77, 10117 Berlin" is in Berlin)."""
    text = _WORK_MODE_PREFIX.sub("", text.strip())
    italy = country_code(_SEPARATOR.split(text)[-1].strip(" .")) == "IT"
    text = _PROVINCE_IN_BRACKETS.sub(lambda m: _bracketed_province(m, italy), text)
    # "Berlin (DE)" is a part; "Berlin (Hybrid)" is noise, which the part filter below drops.
    text = _PARENTHESIS.sub(lambda m: ", " + m.group(1), text)
    raws = _SEPARATOR.split(text)
    while len(raws) > 1 and _is_street(raws[0]):
        raws.pop(0)
    parts: list[str] = []
    for raw in raws:
        part = raw.strip()
        if _DOTTED.match(part):  # "U.S.A.", "D.C."
            part = part.replace(".", "").replace(" ", "")
        part = _POSTCODE_NL.sub("", _METRO.sub("", part.strip(" .-–")))
        words = part.split()
        while words and any(ch.isdigit() for ch in words[0]):  # "10117 Berlin"
            words.pop(0)
        while words and any(ch.isdigit() for ch in words[-1]):  # "CO 80202", "London SW1A 1AA"
            words.pop()
        part = " ".join(words)
        if not part or _WORK_MODE.match(part):
            continue
        trailing = _TRAILING_CODE.match(part)  # "Sydney NSW" written without a comma
        province = _province(trailing.group(2), italy) if trailing else None
        if trailing and province is not None:
            parts.extend(filter(None, (trailing.group(1), province)))  # "Roma RM"
        elif trailing and (
            trailing.group(2) in _ABBREVIATIONS or trailing.group(2) in _STATE_OR_COUNTRY
            or country_code(trailing.group(2))
        ):
            parts.extend(trailing.groups())
        else:
            parts.append(part)
    return parts


def _province(code: str, italy: bool) -> str | None:
    """What an Italian province code after a town stands for: nothing ("") in a location that
    says Italy; "Italia" when the code is no country's and no other state's ("RM"); None when it
    is no province here ("Asti (AT)" without Italy may be Austria)."""
    if code not in _IT_PROVINCES:
        return None
    if italy:
        return ""
    if country_code(code) is None and code not in _ABBREVIATIONS and code not in _STATE_OR_COUNTRY:
        return "Italia"
    return None


def _bracketed_province(match: re.Match[str], italy: bool) -> str:
    province = _province(match.group(1), italy)
    if province is None:
        return match.group(0)   # left for the parenthesis rule: "Berlin (DE)"
    return f", {province}" if province else ""


def _read_code(code: str) -> tuple[str, str | None] | None:
    """(country, region) for a stand-alone state/province code that is no country, else None."""
    region = _ABBREVIATIONS.get(code.upper())
    return (region.country, region.name) if region else None


def _clash_reading(
    key: str, before: list[str], tail: str, context: Iterable[Collection[str]]
) -> tuple[str, str | None]:
    """(country, region) for a trailing `_STATE_OR_COUNTRY` code or name after the parts
    ``before`` it. The place itself decides first: a city listed for either reading, or a region
    of the other reading's country before it. Then each piece of evidence votes for the reading
    whose country it names and not the other's: the postcode in ``tail`` (the last two parts as
    written) and the ``context`` parse_location was given. A tie is the default reading."""
    default, other, cities = _STATE_OR_COUNTRY[key]
    places = [city_key(part) for part in before]
    if any((default[0], place) in _CITY_ZONES for place in places):
        return default  # "Atlanta, Georgia"
    if any(place in cities for place in places) or (
        before and (other[0], fold(before[-1])) in _REGION_IN_COUNTRY
    ):
        return other
    votes = 0
    for evidence in (postcode_countries(tail), *context):
        if other[0] in evidence and default[0] not in evidence:
            votes += 1
        elif default[0] in evidence and other[0] not in evidence:
            votes -= 1
    return other if votes > 0 else default


def ends_in_state_or_country(text: str | None) -> bool:
    """Whether ``text`` ends in a name or code that is a state and also a country, so that
    parse_location reads it by its ``context``."""
    parts = _location_parts(text) if text else []
    return bool(parts) and _clash_key(parts[-1], single=len(parts) == 1) is not None


def _clash_key(last: str, single: bool) -> str | None:
    """The `_STATE_OR_COUNTRY` key ``last`` is, else None. A code alone ("CA") is a country; a
    name alone ("Georgia") keeps its default reading."""
    if len(last) <= 3:
        key = last.upper() if last.isalpha() and not single else ""
    else:
        key = fold(last).upper()
    return key if key in _STATE_OR_COUNTRY else None


# Names that are both a region and the city people mean when they write them alone.
_CITY_NAMED_REGIONS = frozenset(
    {"berlin", "hamburg", "bremen", "wien", "salzburg", "new york", "quebec", "utrecht",
     "washington", "ciudad de mexico", "mexico city"}
)


def parse_location(
    text: str | None, context: Iterable[Collection[str]] = ()
) -> tuple[str | None, str | None, str | None]:
    """(city, region, country ISO-2) from a job board's or a CSV's free-text location.

    Reads from the end, the way locations are written: a country, then a region, then a city.
    "Denver, CO" -> ("Denver", "Colorado", "US"); "München, Bayern, Deutschland" -> ("München",
    "Bayern", "DE"); "Remote" -> (None, None, None). Parts that are not recognised are kept in
    order as city and region rather than dropped; leading extra parts (street, district) are.
    City names keep the spelling they came with: `city_key` is what compares them.

    A last part that is a state and also a country ("Tbilisi, Georgia", "Mumbai, IN") is read
    by the city, the postcode and ``context``: the countries each other piece of the record
    points to (a country column, the phone's calling code, the website's country domain; see
    `phone_countries`, `domain_countries`, `postcode_countries`).
    """
    if not text:
        return None, None, None
    parts = _location_parts(text)
    if not parts:
        return None, None, None
    city: str | None = None
    region: str | None = None
    country: str | None = None

    last = parts[-1]
    clash = _clash_key(last, single=len(parts) == 1)
    if clash:
        tail = " ".join(_SEPARATOR.split(text)[-2:])
        code: tuple[str, str | None] | None = _clash_reading(clash, parts[:-1], tail, context)
    else:
        code = _read_code(last) if len(parts) > 1 and len(last) <= 3 and last.isalpha() else None
    if code:
        country, region = code
        parts.pop()
    elif (found := country_code(last)) is not None:
        country = found
        if fold(last) in _GB_NATIONS:
            region = last
        parts.pop()

    if region is None and len(parts) >= 2:
        region = parts.pop()
    if parts:
        city = parts[-1]

    if region is not None:
        known = _known_region(region, country)
        if known:
            country = country or known.country
            if fold(region) == fold(known.abbreviation or ""):
                region = known.name
    elif city is not None and (known := _known_region(city, country)):
        country = country or known.country  # "Berlin" alone is still in Germany
        if fold(city) not in _CITY_NAMED_REGIONS:  # but "California" alone is a state
            city, region = None, city
    return city, region, country


def _known_region(name: str, country: str | None) -> _Region | None:
    folded = fold(name)
    if country:
        return _REGION_IN_COUNTRY.get((country, folded))
    return _REGION_ANYWHERE.get(folded)


# Where a multi-zone country's region is missing, a famous city still settles the zone.
_CITY_ZONES: dict[tuple[str, str], str] = {
    **{("US", c): _NY for c in ("new york", "boston", "washington", "miami", "orlando",
                                "atlanta", "philadelphia")},
    **{("US", c): _CHI for c in ("chicago", "dallas", "houston", "austin", "new orleans",
                                 "nashville", "san antonio")},
    **{("US", c): _DEN for c in ("denver", "salt lake city", "aspen", "vail")},
    **{("US", c): _LA for c in ("los angeles", "san francisco", "san diego", "las vegas",
                                "seattle", "portland")},
    ("US", "phoenix"): "America/Phoenix", ("US", "honolulu"): "Pacific/Honolulu",
    ("US", "detroit"): "America/Detroit", ("US", "anchorage"): "America/Anchorage",
    **{("CA", c): "America/Toronto" for c in ("toronto", "montreal", "ottawa", "quebec")},
    **{("CA", c): "America/Vancouver" for c in ("vancouver", "victoria", "whistler")},
    **{("CA", c): "America/Edmonton" for c in ("calgary", "edmonton", "banff")},
    ("CA", "winnipeg"): "America/Winnipeg", ("CA", "halifax"): "America/Halifax",
    **{("AU", c): "Australia/Sydney" for c in ("sydney", "canberra")},
    **{("AU", c): "Australia/Brisbane" for c in ("brisbane", "gold coast", "cairns")},
    ("AU", "melbourne"): "Australia/Melbourne", ("AU", "perth"): "Australia/Perth",
    ("AU", "adelaide"): "Australia/Adelaide", ("AU", "hobart"): "Australia/Hobart",
    ("AU", "darwin"): "Australia/Darwin",
    **{("MX", c): "America/Cancun" for c in ("cancun", "tulum", "playa del carmen", "cozumel")},
    **{("MX", c): "America/Mazatlan" for c in ("los cabos", "cabo san lucas", "san jose del cabo",
                                               "mazatlan")},
    ("MX", "tijuana"): "America/Tijuana",
    **{("ES", c): "Atlantic/Canary" for c in (
        "las palmas", "las palmas de gran canaria", "santa cruz de tenerife", "tenerife",
        "gran canaria", "lanzarote", "fuerteventura", "maspalomas", "puerto de la cruz",
        "costa adeje", "adeje", "arrecife", "la palma")},
    ("PT", "funchal"): "Atlantic/Madeira", ("PT", "ponta delgada"): "Atlantic/Azores",
}


def timezone_for(
    country: str | None, region: str | None = None, city: str | None = None
) -> str | None:
    """The IANA time zone a prospect most likely lives in, so mail lands in office hours.

    Single-zone countries by country; the US by state, Canada and Australia by province/state
    (full name or abbreviation), and a few islands and resort coasts that keep their own clocks.
    When the region is missing or unknown, a famous city, then the country's main zone. `country`
    may be an ISO-2 code or a name. None when the country is unknown and cannot be told from the
    region.
    """
    iso = country_code(country) if country else None
    if iso is None and region:
        known = _REGION_ANYWHERE.get(fold(region))
        iso = known.country if known else None
    if iso is None:
        return None
    if region:
        known = _REGION_IN_COUNTRY.get((iso, fold(region)))
        if known and known.zone:
            return known.zone
    if city:
        zone = _CITY_ZONES.get((iso, city_key(city)))
        if zone:
            return zone
    return _COUNTRY_ZONE.get(iso)


# --------------------------------------------------------------------------------------------------
# Is this a hotel?
# --------------------------------------------------------------------------------------------------

_LODGING = _phrases([
    "hotel", "hotels", "hoteles", "hoteis", "hotell", "hotellet", "inn", "inns", "resort",
    "resorts", "lodge", "lodges", "hostel", "hostels", "motel", "motels", "suites", "b and b",
    "bed and breakfast", "guesthouse", "guesthouses", "guest house", "gastehaus", "gasthof",
    "gasthaus", "pension", "pensione", "albergo", "alberghi", "locanda", "agriturismo", "hostal",
    "hostales", "parador", "paradores", "posada", "pousada", "pousadas", "auberge",
    "chambres d hotes", "apartotel", "serviced apartments", "boardinghouse", "boarding house",
    "ryokan", "jugendherberge", "hotelgruppe", "hotelgesellschaft", "hotelbetrieb",
    "hotelbetriebe", "hotelbetriebsgesellschaft", "hotelkette",
])
# "Landhotel", "Brauereigasthof", "Jugendherberge": the lodging word glued to the end of another.
_LODGING_COMPOUND = re.compile(r"(?<!\S)\w{2,}(?:hotel|hotels|gasthof|gasthaus|herberge)(?!\S)")
_CHAINS = _phrases([
    "marriott", "hilton", "hyatt", "ihg", "intercontinental", "crowne plaza", "kimpton",
    "staybridge", "candlewood", "accor", "novotel", "ibis", "mercure", "sofitel", "pullman",
    "fairmont", "raffles", "swissotel", "movenpick", "mgallery", "adagio", "mama shelter",
    "25hours", "radisson", "park plaza", "kempinski", "four seasons", "mandarin oriental",
    "best western", "wyndham", "ramada", "travelodge", "whitbread", "nh collection", "nhow",
    "melia", "innside", "steigenberger", "deutsche hospitality", "moxy", "ritz", "ritz carlton",
    "st regis", "westin", "sheraton", "le meridien", "aloft", "courtyard", "doubletree",
    "waldorf astoria", "andaz", "jumeirah", "rotana", "shangri la", "rosewood", "belmond",
    "six senses", "club med", "center parcs", "scandic", "sonesta", "dorint", "maritim",
    "barcelo", "iberostar", "pestana", "anantara", "citizenm", "yotel", "meininger", "selina",
    "campanile", "kyriad", "relais and chateaux", "oetker collection", "ennismore", "limehome",
])
# Chain names that are also ordinary words: a restaurant, clinic or spa of that name is not a hotel.
_AMBIGUOUS_CHAINS = frozenset(
    {"courtyard", "ritz", "adagio", "aloft", "moxy", "selina", "pullman", "raffles", "park plaza",
     "club med", "innside"}
)
# (what a name then looks like, the words that say so)
_Vocabulary = tuple[tuple[str, re.Pattern[str]], ...]

# These beat any hotel word in the name: they sell to, place staff in, or list hotels.
_NOT_HOTEL_HARD: _Vocabulary = (
    ("a staffing agency or job board", _phrases([
        "staffing", "staff solutions", "recruitment", "recruiting", "recruiters", "recruiter",
        "personnel", "personalvermittlung", "personaldienstleistung", "personaldienstleistungen",
        "personalservice", "zeitarbeit", "arbeitnehmeruberlassung", "executive search",
        "headhunter", "headhunters", "headhunting", "talent", "manpower", "adecco", "randstad",
        "hays", "michael page", "page personnel", "hosco", "hcareers", "hotelcareer",
        "caterer com", "indeed", "glassdoor", "stepstone", "jobs", "careers", "employment",
        "temps", "jobboard", "job board"])),
    ("a software or technology vendor", _phrases([
        "software", "technologies", "technology", "tech", "saas", "labs", "systems", "digital",
        "cloud", "analytics", "it services", "oracle", "sabre", "amadeus", "infor", "mews",
        "cloudbeds", "siteminder", "duetto", "apaleo", "protel", "shiji", "agilysys",
        "hotelbeds", "hotelrunner", "revinate", "trustyou"])),
    ("an online travel agency or listing site", _phrases([
        "booking", "booking com", "booking holdings", "expedia", "hotels com", "trivago",
        "tripadvisor", "airbnb", "agoda", "hrs", "kayak", "hostelworld", "trip com",
        "lastminute", "opodo", "ebookers"])),
    ("a hotel school", _phrases([
        "hotel school", "hotel management school", "hospitality school", "hotelfachschule",
        "ecole hoteliere", "business school", "culinary institute"])),
    ("a cruise line, airline or car rental", _phrases([
        "cruise", "cruises", "cruise line", "kreuzfahrt", "reederei", "royal caribbean",
        "airline", "airlines", "airways", "car rental", "rent a car"])),
    ("a pension fund", _phrases([
        "pension fund", "pension funds", "pension scheme", "pension plan", "pension trust",
        "pensions", "pension services", "pensionskasse", "pensionsfonds"])),
    ("a club", _phrases(["masonic", "freemasons"])),
)
# These lose to a hotel word ("University Arms Hotel", "Hotel & Restaurant Zur Post") and to a
# posting that says it is a hotel, but otherwise mean the role is not at a hotel.
_NOT_HOTEL_SOFT: _Vocabulary = (
    ("a restaurant", _phrases([
        "restaurant", "restaurants", "ristorante", "restaurante", "trattoria", "osteria",
        "pizzeria", "bistro", "brasserie", "cafe", "coffee", "bakery", "backerei", "bar", "pub",
        "brewery", "brauerei", "kitchen", "grill", "steakhouse", "diner", "catering", "caterer",
        "food service", "foodservice", "gastronomie", "gastro", "taverna", "tapas", "sushi",
        "burger"])),
    ("a spa, gym or salon", _phrases([
        "spa", "day spa", "fitness", "gym", "salon", "beauty", "massage", "wellness"])),
    ("a healthcare provider", _phrases([
        "hospital", "hospitals", "clinic", "clinics", "klinik", "klinikum", "krankenhaus",
        "medical", "dental", "dentist", "dentistry", "health", "healthcare", "senior living",
        "care home", "nursing", "pflege", "pflegeheim", "seniorenresidenz", "assisted living",
        "retirement home", "pharmacy", "apotheke", "zahnarzt", "zahnarztpraxis", "zahnklinik",
        "arztpraxis", "tierarzt", "tierarztpraxis", "orthodontist", "orthodontics",
        "physiotherapy", "physiotherapie"])),
    ("a school", _phrases([
        "school", "schule", "university", "universitat", "universite", "universidad", "college",
        "academy", "akademie", "hochschule", "institute", "ecole", "escuela", "scuola"])),
    ("a bank, insurer or fund", _phrases([
        "bank", "insurance", "versicherung", "asset management", "investments"])),
)
# A hotel-management or -ownership company often calls itself "... Hospitality" — but so do
# restaurant groups, so this word alone only backs up a front-of-house role.
_HOSPITALITY_WORD = _phrases(["hospitality", "hotellerie", "hotelerie", "gastgewerbe",
                              "hosteleria"])
# A title with these is a job at a vendor, whatever else it mentions ("Hotel Software Engineer").
_TECH_TITLE = _phrases([
    "software", "developer", "programmer", "devops", "frontend", "front end developer",
    "backend", "fullstack", "full stack", "data scientist", "data engineer", "machine learning",
    "saas", "account executive", "customer success", "sales development", "product manager",
    "product owner", "ux", "ui designer", "qa engineer", "scrum master", "solutions engineer",
    "implementation consultant", "software engineer"])
# First-person mentions only: a vendor's posting talks about "hotels", a hotel's about "our hotel".
_DESCRIPTION_SAYS_HOTEL = re.compile(
    r"(?<!\S)(?:our|the|this|unser|unserem|unseres|unserer|notre|nuestro|il nostro)"
    r"(?:\s\w+){0,2}\s(?:hotel|resort|inn|hostel|lodge|gasthof)"
    r"(?!\s(?:industry|industries|sector|market|software|tech|technology|clients|customers|"
    r"partners|chains|brands|companies|businesses))(?!\S)"
    r"|(?<!\S)(?:guest rooms|hotel guests|rooms and suites|zimmer und suiten)(?!\S)"
)


@dataclass(frozen=True)
class HotelRole:
    """One kind of hotel job, the title phrases that mean it, and how much it tells us.

    ``kind`` is how sure the title alone makes us that the employer is a hotel: 'hotel' roles exist
    almost only in hotels (night auditor); 'front' roles also exist at gyms and dentists (front
    desk); 'management' roles exist everywhere (general manager) and need the posting to say hotel.
    ``senior`` roles are decision-makers, so hiring one is a strong buying signal.
    """

    name: str
    phrases: tuple[str, ...]
    kind: Literal["hotel", "front", "management"]
    senior: bool = False
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", _phrases(self.phrases))


# Order matters: the first role whose phrase appears in the title wins, so specific roles
# ("front office manager", "night receptionist") come before the general ones they contain.
HOSPITALITY_ROLES: tuple[HotelRole, ...] = (
    HotelRole("assistant general manager", (
        "assistant general manager", "agm", "deputy general manager", "assistant hotel manager",
        "deputy hotel manager", "stellvertretender hoteldirektor",
        "stellvertretende hoteldirektorin",
    ), "management"),
    HotelRole("revenue manager", (
        "revenue manager", "revenue management", "director of revenue", "revenue director",
        "head of revenue", "revenue strategy", "revenue strategist", "yield manager",
        "revenue managerin", "responsable revenue", "directeur des revenus",
    ), "hotel", senior=True),
    HotelRole("rooms division manager", (
        "rooms division", "director of rooms", "rooms director", "rooms manager",
    ), "hotel", senior=True),
    HotelRole("front office manager", (
        "front office manager", "front desk manager", "director of front office",
        "front office director", "empfangschef", "empfangschefin", "chef de reception",
        "rezeptionsleiter", "rezeptionsleiterin", "rezeptionsleitung", "leiter rezeption",
        "leitung rezeption", "jefe de recepcion", "responsable de reception",
    ), "hotel", senior=True),
    HotelRole("general manager", (
        "general manager", "gm", "hotel manager", "hotel director", "hoteldirektor",
        "hoteldirektorin", "hotelmanager", "hotelmanagerin", "resort manager", "managing director",
        "directeur general", "director general", "direttore generale", "direttore d albergo",
        "geschaftsfuhrer", "geschaftsfuhrerin",
    ), "management", senior=True),
    HotelRole("director of operations", (
        "director of operations", "operations director", "hotel operations manager",
        "operations manager", "head of operations", "betriebsleiter", "betriebsleiterin",
        "director de operaciones",
    ), "management", senior=True),
    HotelRole("director of sales", (
        "director of sales and marketing", "director of sales", "sales director", "dosm",
        "head of sales", "commercial director", "director of sales marketing",
    ), "management", senior=True),
    HotelRole("sales manager", (
        "sales manager", "sales executive", "sales and marketing manager", "verkaufsleiter",
    ), "management"),
    HotelRole("distribution manager", (
        "e commerce manager", "ecommerce manager", "distribution manager",
        "digital distribution", "online distribution",
    ), "management"),
    HotelRole("revenue analyst", ("revenue analyst", "revenue coordinator"), "hotel"),
    HotelRole("guest relations", (
        "guest relations", "guest experience manager", "guest experience agent",
        "guest relations manager", "guest relations agent",
    ), "hotel"),
    HotelRole("reservations", (
        "reservations", "reservation", "reservation agent", "reservierung", "reservierungen",
        "reservierungsmitarbeiter", "reservierungsmitarbeiterin", "reservas",
        "sales and reservations",
    ), "hotel"),
    HotelRole("night auditor", (
        "night auditor", "night audit", "nachtaudit", "nachtauditor", "night porter",
        "nachtportier", "night manager", "night receptionist", "nachtrezeptionist",
        "nachtrezeptionistin", "night clerk",
    ), "hotel"),
    HotelRole("concierge", (
        "concierge", "chef concierge", "bellman", "bellhop", "bell attendant", "bell captain",
        "doorman", "door attendant",
    ), "front"),
    HotelRole("executive housekeeper", (
        "executive housekeeper", "director of housekeeping", "housekeeping manager",
        "head housekeeper", "hausdame", "hausdamen", "gouvernante generale", "gobernanta",
    ), "hotel"),
    HotelRole("housekeeping", (
        "housekeeping", "housekeeper", "room attendant", "zimmermadchen", "zimmerfrau",
        "roomboy", "camarera de pisos", "femme de chambre", "valet de chambre",
        "cameriera ai piani", "public area attendant",
    ), "front"),
    HotelRole("front desk agent", (
        "front desk", "front office", "guest service agent", "guest services agent",
        "guest service", "guest services", "receptionist", "hotel receptionist", "rezeption",
        "rezeptionist", "rezeptionistin", "empfangsmitarbeiter", "empfangsmitarbeiterin",
        "receptionniste", "recepcionista", "receptionista", "hotelfachmann", "hotelfachfrau",
        "hotelfachleute", "hotelkaufmann", "hotelkauffrau",
    ), "front"),
)
_ROLE_BY_NAME = {role.name: role for role in HOSPITALITY_ROLES}
SENIOR_ROLES = frozenset(role.name for role in HOSPITALITY_ROLES if role.senior)


def _hotel_role(title: str | None) -> HotelRole | None:
    folded = fold(title or "")
    if not folded or _find(_TECH_TITLE, folded):
        return None
    return next((role for role in HOSPITALITY_ROLES if role.pattern.search(folded)), None)


def looks_like_lodging(name: str | None) -> bool:
    """Whether a name says it is a hotel, inn, guesthouse or a known chain's."""
    return bool(name) and _lodging_signal(fold(name or "")) is not None


def _lodging_signal(folded_name: str) -> str | None:
    """The word that makes a (folded) company name look like a hotel, if any."""
    return (
        _find(_LODGING, folded_name)
        or _find(_LODGING_COMPOUND, folded_name)
        or _find(_CHAINS, folded_name)
    )


def _first_kind(vocabulary: _Vocabulary, folded: str) -> tuple[str, str] | None:
    """(what the name looks like, the word that says so) for the first vocabulary that matches."""
    for kind, pattern in vocabulary:
        word = _find(pattern, folded)
        if word:
            return kind, word
    return None


def is_hospitality_posting(
    title: str, company: str | None, description: str | None
) -> tuple[bool, str]:
    """(True, why) when the posting is from a hotel or similar lodging business.

    In order: a name that marks a vendor, agency, OTA or cruise line refuses ("Oracle
    Hospitality"); a lodging word or a known chain in the company name accepts ("Gasthof zur
    Post", "Adlon Kempinski"); a title for a job that exists almost only in hotels accepts (night
    auditor, revenue manager) unless the company reads as a restaurant, spa, clinic, school or
    bank; a front-of-house title (front desk, concierge, housekeeping) accepts when nothing else is
    known about the company, the company calls itself "hospitality", or the posting says "our
    hotel"; a management title (general manager) accepts only when the posting says hotel.
    Everything else is refused with the company and title quoted in the reason.
    """
    name = extract_company(title, company, description) or ""
    folded_name = fold(name)
    shown = f"'{name or '-'}' / '{title}'"  # what an operator needs to judge the verdict

    blocked = _first_kind(_NOT_HOTEL_HARD, folded_name)
    if blocked:
        kind, word = blocked
        return False, f"not a hospitality business: {shown} (looks like {kind}: '{word}')"
    soft = _first_kind(_NOT_HOTEL_SOFT, folded_name)
    signal = _lodging_signal(folded_name)
    if signal and not (signal in _AMBIGUOUS_CHAINS and soft):
        return True, f"hotel business: '{name}' ('{signal}')"

    folded_title = fold(title or "")
    if _find(_TECH_TITLE, folded_title):
        return False, f"not a hospitality business: {shown} (a tech job)"
    role = _hotel_role(title)
    says_hotel = bool(
        _find(_LODGING, folded_title)
        or _DESCRIPTION_SAYS_HOTEL.search(fold(description or "")[:20_000])
    )
    calls_itself_hospitality = bool(_find(_HOSPITALITY_WORD, folded_name))

    if says_hotel and (role or soft or calls_itself_hospitality):
        what = f"role '{role.name}'" if role else f"'{name}'"
        return True, f"{what} and the posting says it is a hotel: {shown}"
    if soft:
        kind, word = soft
        return False, f"not a hospitality business: {shown} (looks like {kind}: '{word}')"
    if role and role.kind == "hotel":
        return True, f"hotel role '{role.name}': {shown}"
    if role and role.kind == "front" and (not name or calls_itself_hospitality):
        return True, f"front-of-house role '{role.name}': {shown}"
    if role:
        return False, (
            f"not a hospitality business: {shown} (role '{role.name}' is not hotel-specific "
            "and nothing says the company is a hotel)"
        )
    return False, f"not a hospitality business: {shown}"


_HOSPITALITY_INDUSTRY = _phrases([
    "hospitality", "hotels", "hotel", "motels", "hotels and motels", "lodging",
    "accommodation", "accommodation services", "leisure travel and tourism", "tourism",
    "hotellerie", "hotelerie", "gastgewerbe", "beherbergung", "hosteleria", "hoteleria",
    "bed and breakfasts hostels homestays", "resorts", "travel accommodation",
])
_NOT_HOSPITALITY_INDUSTRY = _phrases([
    "software", "computer", "internet", "it services", "information technology", "staffing",
    "recruiting", "human resources", "marketing", "advertising", "financial", "banking",
    "insurance", "hospital", "hospitals", "health care", "healthcare", "real estate",
])


def is_hospitality_industry(industry: str | None) -> tuple[bool, str]:
    """(True, why) when a CSV row's industry column (LinkedIn's vocabulary) is hotels or tourism.

    An empty industry passes: most hand-made lists have no such column, and the posting or the
    enrichment step gets another look at the company anyway.
    """
    if industry is None or not industry.strip():
        return True, "no industry given"
    folded = fold(industry)
    blocked = _find(_NOT_HOSPITALITY_INDUSTRY, folded)
    if blocked:
        return False, f"industry '{industry}' is not hospitality ('{blocked}')"
    hit = _find(_HOSPITALITY_INDUSTRY, folded)
    if hit:
        return True, f"industry '{industry}' is hospitality ('{hit}')"
    return False, f"industry '{industry}' is not hospitality"


# What a company name in a lead list must not look like. A list is meant to be hotels, and a
# hotel's name often has no hotel word ("Claridge's", "Schloss Elmau"), so only a name that says
# it is something else is refused: a vendor, agency, OTA or school (as for postings), a doctor, a
# clinic or an insurer. Restaurants, spas and cafés stay: they let rooms often enough.
_NOT_HOTEL_COMPANY: _Vocabulary = (
    *_NOT_HOTEL_HARD,
    ("a healthcare provider", _phrases([
        "hospital", "hospitals", "clinic", "clinics", "klinik", "klinikum", "krankenhaus",
        "dental", "dentist", "dentistry", "zahnarzt", "zahnarztpraxis", "zahnklinik", "arztpraxis",
        "tierarzt", "tierarztpraxis", "orthodontist", "orthodontics", "physiotherapy",
        "physiotherapie", "pharmacy", "apotheke", "nursing", "pflegeheim", "care home",
        "senior living", "assisted living", "retirement home"])),
    ("an insurer or fund", _phrases(["insurance", "versicherung", "asset management"])),
)
# Vendor and agency words that are also ordinary words, and so names of hotels: "The Mews",
# "Hays House", "Cloud 9", "Kayak Point". They refuse a posting's employer, not a listed name.
_ORDINARY_WORDS = frozenset({
    "mews", "tech", "digital", "cloud", "labs", "systems", "talent", "jobs", "careers",
    "employment", "temps", "personnel", "hays", "kayak", "infor", "sabre", "oracle", "booking",
    "cruise", "cruises", "manpower",
})


_ANY_NOT_HOTEL_COMPANY = re.compile(
    "|".join(f"(?:{pattern.pattern})" for _kind, pattern in _NOT_HOTEL_COMPANY)
)


def is_hospitality_company(company_name: str | None) -> tuple[bool, str]:
    """(True, why) unless a lead list's company name says it is no hotel ("Acme Software GmbH",
    "Smile Dental Clinic", "Booking.com B.V.").

    A lodging word or a chain in the name wins ("Hotel Restaurant Zur Post"), unless the word
    that refuses contains it: "Hotels.com" and "Hotel Management School" are no hotels.
    """
    folded = fold(company_name or "")
    if not folded:
        return True, "no company name to judge"
    if not _ANY_NOT_HOTEL_COMPANY.search(folded):  # the common case, in one search
        return True, f"nothing in '{company_name}' says it is not a hotel"
    refused = next(
        (
            (kind, match.group(0))
            for kind, pattern in _NOT_HOTEL_COMPANY
            for match in pattern.finditer(folded)
            if match.group(0) not in _ORDINARY_WORDS
        ),
        None,
    )
    if refused is None:
        return True, f"nothing in '{company_name}' says it is not a hotel"
    kind, word = refused
    signal = _lodging_signal(folded)
    if signal and signal not in word:
        return True, f"hotel business: '{company_name}' ('{signal}')"
    return False, f"not a hospitality business: '{company_name}' (looks like {kind}: '{word}')"


# --------------------------------------------------------------------------------------------------
# Which company is it?
# --------------------------------------------------------------------------------------------------

_QUOTES = "\"'“”„‘’«»‹› \t\r\n"
_COMPANY_NOISE_TAIL = re.compile(
    r"\s*(?:[-–—|:·/,]\s*)?[(\[]?\s*(?:careers?|jobs?|job\s+board|karriere|stellenangebote|"
    r"(?:is\s+|now\s+|we\s*(?:'|’)?re\s+|we\s+are\s+)?hiring(?:\s+now)?!?|recruiting|recruitment|"
    r"talent\s+acquisition|emplois?|empleos?|lavora\s+con\s+noi)\s*[)\]]?\s*$",
    re.IGNORECASE,
)
_COMPANY_NOISE_HEAD = re.compile(
    r"^(?:careers|jobs|karriere|working|work)\s+(?:at|bei|@|with)\s+", re.IGNORECASE
)
_COMPANY_PLACEHOLDERS = frozenset(
    {"", "n a", "na", "none", "null", "unknown", "confidential", "company confidential",
     "anonymous", "undisclosed", "private", "not specified", "vertraulich", "employer",
     "our client", "a client", "client"}
)
# "(m/w/d)", "(Full-time)", "[Remote]": noise in a title, never part of a company name.
_TITLE_BRACKETS = re.compile(r"[(\[][^()\[\]]*[)\]]")
_TITLE_AT = re.compile(r"\s(?:at|bei|chez)\s+(.+)$|\s@\s*(.+)$", re.IGNORECASE)
_TITLE_SEGMENTS = re.compile(r"\s+[-–—|·]\s+|\s*,\s+|\s+\|\s*")
# A run of capitalised words (joined by the small words hotel names use) after "at", "join"...
_NAME_GLUE = r"by|am|an|de|del|della|di|du|des|la|le|zum|zur|of|und"
_DESCRIPTION_NAME = re.compile(
    r"(?:\b(?i:at|join|joining|about|welcome\s+to|bei|im|willkommen\s+im|willkommen\s+in)\s+)"
    r"((?:(?:The|Das|Der|Die|Le|La|Il|El)\s+)?[A-ZÀ-ÖØ-Þ0-9][\w'’&.-]*"
    r"(?:\s+(?:[A-ZÀ-ÖØ-Þ0-9&][\w'’&.-]*|" + _NAME_GLUE + r")){1,7})"
)
_TRAILING_GLUE = re.compile(r"(?:\s+(?:" + _NAME_GLUE + r"))+$")


def _clean_company(value: str | None) -> str | None:
    if not value:
        return None
    text = " ".join(value.split()).strip(_QUOTES)
    text = _COMPANY_NOISE_HEAD.sub("", text)
    previous = None
    while previous != text:
        previous = text
        text = _COMPANY_NOISE_TAIL.sub("", text).strip(_QUOTES + "-–—|:·,")
    return None if fold(text) in _COMPANY_PLACEHOLDERS else text


def extract_company(title: str, company: str | None, description: str | None) -> str | None:
    """The hiring company's name, cleaned of job-board noise.

    The company field wins when it holds a name ("Hilton Careers" -> "Hilton"; "Confidential" is
    not a name). Otherwise the title: "Night Auditor at The Ritz London" always names one, but
    "Front Desk Agent - X" only counts when X looks like a hotel, because the part after a dash is
    as often a city or a shift. Last, the description's "Join the team at Hotel Adlon" — again only
    a name that looks like a hotel.
    """
    cleaned = _clean_company(company)
    if cleaned:
        return cleaned
    bare_title = " ".join(_TITLE_BRACKETS.sub(" ", title or "").split())

    at = _TITLE_AT.search(bare_title)
    if at:
        name = re.split(r"\s+[-–—|·]\s+|\s+\|\s*", at.group(1) or at.group(2))[0]
        head, _, tail = name.partition(", ")
        if tail and parse_location(tail)[2]:  # "at Hotel X, Munich, Germany"
            name = head
        found = _clean_company(name)
        if found:
            return found
    for segment in _TITLE_SEGMENTS.split(bare_title)[1:]:
        if _lodging_signal(fold(segment)):
            return _clean_company(segment)
    for match in _DESCRIPTION_NAME.finditer((description or "")[:20_000]):
        name = _TRAILING_GLUE.sub("", match.group(1)).rstrip(".,")
        if len(name.split()) >= 2 and _lodging_signal(fold(name)):
            return _clean_company(name)
    return None


# --------------------------------------------------------------------------------------------------
# Hiring signals and tiers
# --------------------------------------------------------------------------------------------------


_UNDERSTUDY = _phrases([
    "assistant", "asst", "junior", "jr", "trainee", "intern", "deputy", "stellvertretender",
    "stellvertretende", "stellv", "commis", "apprentice", "azubi",
])


def hiring_signal(title: str | None) -> tuple[bool, str | None]:
    """(True, role) when a posting's title is a hotel role we care about, e.g. "night auditor".

    The role is the canonical name from `HOSPITALITY_ROLES`, so that "Rezeptionist (m/w/d)" and
    "Front Desk Agent" count as the same opening; an assistant to a senior role comes back as
    "junior <role>" ("Assistant Revenue Manager" -> "junior revenue manager").
    """
    role = _hotel_role(title)
    if role is None:
        return False, None
    if role.senior and _find(_UNDERSTUDY, fold(title or "")):
        return True, f"junior {role.name}"  # not in SENIOR_ROLES, so no 'hot' for an assistant
    return True, role.name


_DECISION_MAKER = _phrases([
    "general manager", "gm", "hotel manager", "hoteldirektor", "hoteldirektorin", "hotelier",
    "managing director", "director", "directora", "directeur", "directrice", "direktor",
    "direktorin", "direttore", "direttrice", "owner", "co owner", "proprietor", "founder",
    "co founder", "ceo", "coo", "cco", "chief", "president", "vice president", "vp",
    "managing partner", "geschaftsfuhrer", "geschaftsfuhrerin", "inhaber", "inhaberin",
    "eigentumer", "gastgeber", "gastgeberin", "head of", "revenue manager",
    "operations manager", "betriebsleiter", "betriebsleiterin", "gerente", "propietario",
    "propietaria", "proprietaire", "titolare", "revenue director",
])
# "Assistant to the General Manager" is not the general manager.
_JUNIOR = _phrases([
    "assistant", "asst", "assistent", "assistentin", "intern", "internship", "trainee",
    "apprentice", "azubi", "auszubildende", "auszubildender", "werkstudent", "werkstudentin",
    "student", "coordinator", "secretary", "sekretar", "sekretarin", "praktikant",
    "praktikantin", "receptionist", "agent",
])


def is_decision_maker(contact_title: str | None) -> bool:
    """Whether a contact's job title can say yes to a purchase (GM, director, owner, revenue...)."""
    folded = fold(contact_title or "")
    return bool(folded) and bool(_find(_DECISION_MAKER, folded)) and not _find(_JUNIOR, folded)


def tier_for(*, hiring_role: str | None, has_email: bool, contact_title: str | None) -> str:
    """'hot', 'warm' or 'cold': how soon a prospect is worth a human's attention.

    hot:  we can email a decision-maker (general manager, director, owner, revenue or operations
          manager — not their assistant), or the hotel is hiring one (`SENIOR_ROLES`);
    warm: the hotel is hiring any hotel role, or we have some contact (an email address, or a
          named person's title);
    cold: neither.

    ``hiring_role`` may be a canonical role from `hiring_signal` or a raw posting title.
    """
    role = hiring_role
    if role and role not in _ROLE_BY_NAME:
        role = hiring_signal(role)[1] or role
    if (has_email and is_decision_maker(contact_title)) or role in SENIOR_ROLES:
        return "hot"
    if role or has_email or (contact_title and contact_title.strip()):
        return "warm"
    return "cold"


# --------------------------------------------------------------------------------------------------
# Deduplication
# --------------------------------------------------------------------------------------------------

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
_SINGLE_WORD_ALIASES = {alias: key for alias, key in _CITY_ALIASES.items() if " " not in alias}
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


__all__ = [
    "DEDUP_SPELLING_SQL", "FUZZY_THRESHOLD", "HOSPITALITY_ROLES", "SENIOR_ROLES", "DedupIndex",
    "HotelRole", "city_key", "country_code", "dedup_spelling", "domain_countries", "domain_of",
    "ends_in_state_or_country", "extract_company", "fold", "hiring_signal", "is_decision_maker", "is_generic_domain",
    "is_hospitality_company", "is_hospitality_industry", "is_hospitality_posting",
    "is_valid_email", "looks_like_lodging", "name_key", "normalise_email", "parse_location", "phone_countries",
    "postcode_countries", "region_country", "timezone_for", "tier_for",
]

# Keep the loop variables of the table builders out of the module namespace.
del _iso2, _iso3, _names, _alias, _region
