"""Is this a hotel, and which company is it: the verdicts on a posting's employer, a lead list's
company name and its industry."""

from __future__ import annotations

import re

from jengu_assets.acquisition.rules.places import parse_location
from jengu_assets.acquisition.rules.roles import TECH_TITLE, hotel_role
from jengu_assets.acquisition.rules.text import find, fold, phrases

_LODGING = phrases([
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
_CHAINS = phrases([
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
    ("a staffing agency or job board", phrases([
        "staffing", "staff solutions", "recruitment", "recruiting", "recruiters", "recruiter",
        "personnel", "personalvermittlung", "personaldienstleistung", "personaldienstleistungen",
        "personalservice", "zeitarbeit", "arbeitnehmeruberlassung", "executive search",
        "headhunter", "headhunters", "headhunting", "talent", "manpower", "adecco", "randstad",
        "hays", "michael page", "page personnel", "hosco", "hcareers", "hotelcareer",
        "caterer com", "indeed", "glassdoor", "stepstone", "jobs", "careers", "employment",
        "temps", "jobboard", "job board"])),
    ("a software or technology vendor", phrases([
        "software", "technologies", "technology", "tech", "saas", "labs", "systems", "digital",
        "cloud", "analytics", "it services", "oracle", "sabre", "amadeus", "infor", "mews",
        "cloudbeds", "siteminder", "duetto", "apaleo", "protel", "shiji", "agilysys",
        "hotelbeds", "hotelrunner", "revinate", "trustyou"])),
    ("an online travel agency or listing site", phrases([
        "booking", "booking com", "booking holdings", "expedia", "hotels com", "trivago",
        "tripadvisor", "airbnb", "agoda", "hrs", "kayak", "hostelworld", "trip com",
        "lastminute", "opodo", "ebookers"])),
    ("a hotel school", phrases([
        "hotel school", "hotel management school", "hospitality school", "hotelfachschule",
        "ecole hoteliere", "business school", "culinary institute"])),
    ("a cruise line, airline or car rental", phrases([
        "cruise", "cruises", "cruise line", "kreuzfahrt", "reederei", "royal caribbean",
        "airline", "airlines", "airways", "car rental", "rent a car"])),
    ("a pension fund", phrases([
        "pension fund", "pension funds", "pension scheme", "pension plan", "pension trust",
        "pensions", "pension services", "pensionskasse", "pensionsfonds"])),
    ("a club", phrases(["masonic", "freemasons"])),
)
# These lose to a hotel word ("University Arms Hotel", "Hotel & Restaurant Zur Post") and to a
# posting that says it is a hotel, but otherwise mean the role is not at a hotel.
_NOT_HOTEL_SOFT: _Vocabulary = (
    ("a restaurant", phrases([
        "restaurant", "restaurants", "ristorante", "restaurante", "trattoria", "osteria",
        "pizzeria", "bistro", "brasserie", "cafe", "coffee", "bakery", "backerei", "bar", "pub",
        "brewery", "brauerei", "kitchen", "grill", "steakhouse", "diner", "catering", "caterer",
        "food service", "foodservice", "gastronomie", "gastro", "taverna", "tapas", "sushi",
        "burger"])),
    ("a spa, gym or salon", phrases([
        "spa", "day spa", "fitness", "gym", "salon", "beauty", "massage", "wellness"])),
    ("a healthcare provider", phrases([
        "hospital", "hospitals", "clinic", "clinics", "klinik", "klinikum", "krankenhaus",
        "medical", "dental", "dentist", "dentistry", "health", "healthcare", "senior living",
        "care home", "nursing", "pflege", "pflegeheim", "seniorenresidenz", "assisted living",
        "retirement home", "pharmacy", "apotheke", "zahnarzt", "zahnarztpraxis", "zahnklinik",
        "arztpraxis", "tierarzt", "tierarztpraxis", "orthodontist", "orthodontics",
        "physiotherapy", "physiotherapie"])),
    ("a school", phrases([
        "school", "schule", "university", "universitat", "universite", "universidad", "college",
        "academy", "akademie", "hochschule", "institute", "ecole", "escuela", "scuola"])),
    ("a bank, insurer or fund", phrases([
        "bank", "insurance", "versicherung", "asset management", "investments"])),
)
# A hotel-management or -ownership company often calls itself "... Hospitality" — but so do
# restaurant groups, so this word alone only backs up a front-of-house role.
_HOSPITALITY_WORD = phrases(["hospitality", "hotellerie", "hotelerie", "gastgewerbe",
                              "hosteleria"])
# First-person mentions only: a vendor's posting talks about "hotels", a hotel's about "our hotel".
_DESCRIPTION_SAYS_HOTEL = re.compile(
    r"(?<!\S)(?:our|the|this|unser|unserem|unseres|unserer|notre|nuestro|il nostro)"
    r"(?:\s\w+){0,2}\s(?:hotel|resort|inn|hostel|lodge|gasthof)"
    r"(?!\s(?:industry|industries|sector|market|software|tech|technology|clients|customers|"
    r"partners|chains|brands|companies|businesses))(?!\S)"
    r"|(?<!\S)(?:guest rooms|hotel guests|rooms and suites|zimmer und suiten)(?!\S)"
)


def looks_like_lodging(name: str | None) -> bool:
    """Whether a name says it is a hotel, inn, guesthouse or a known chain's."""
    return bool(name) and _lodging_signal(fold(name or "")) is not None


def _lodging_signal(folded_name: str) -> str | None:
    """The word that makes a (folded) company name look like a hotel, if any."""
    return (
        find(_LODGING, folded_name)
        or find(_LODGING_COMPOUND, folded_name)
        or find(_CHAINS, folded_name)
    )


def _first_kind(vocabulary: _Vocabulary, folded: str) -> tuple[str, str] | None:
    """(what the name looks like, the word that says so) for the first vocabulary that matches."""
    for kind, pattern in vocabulary:
        word = find(pattern, folded)
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
    if find(TECH_TITLE, folded_title):
        return False, f"not a hospitality business: {shown} (a tech job)"
    role = hotel_role(title)
    says_hotel = bool(
        find(_LODGING, folded_title)
        or _DESCRIPTION_SAYS_HOTEL.search(fold(description or "")[:20_000])
    )
    calls_itself_hospitality = bool(find(_HOSPITALITY_WORD, folded_name))

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


_HOSPITALITY_INDUSTRY = phrases([
    "hospitality", "hotels", "hotel", "motels", "hotels and motels", "lodging",
    "accommodation", "accommodation services", "leisure travel and tourism", "tourism",
    "hotellerie", "hotelerie", "gastgewerbe", "beherbergung", "hosteleria", "hoteleria",
    "bed and breakfasts hostels homestays", "resorts", "travel accommodation",
])
_NOT_HOSPITALITY_INDUSTRY = phrases([
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
    blocked = find(_NOT_HOSPITALITY_INDUSTRY, folded)
    if blocked:
        return False, f"industry '{industry}' is not hospitality ('{blocked}')"
    hit = find(_HOSPITALITY_INDUSTRY, folded)
    if hit:
        return True, f"industry '{industry}' is hospitality ('{hit}')"
    return False, f"industry '{industry}' is not hospitality"


# What a company name in a lead list must not look like. A list is meant to be hotels, and a
# hotel's name often has no hotel word ("Claridge's", "Schloss Elmau"), so only a name that says
# it is something else is refused: a vendor, agency, OTA or school (as for postings), a doctor, a
# clinic or an insurer. Restaurants, spas and cafés stay: they let rooms often enough.
_NOT_HOTEL_COMPANY: _Vocabulary = (
    *_NOT_HOTEL_HARD,
    ("a healthcare provider", phrases([
        "hospital", "hospitals", "clinic", "clinics", "klinik", "klinikum", "krankenhaus",
        "dental", "dentist", "dentistry", "zahnarzt", "zahnarztpraxis", "zahnklinik", "arztpraxis",
        "tierarzt", "tierarztpraxis", "orthodontist", "orthodontics", "physiotherapy",
        "physiotherapie", "pharmacy", "apotheke", "nursing", "pflegeheim", "care home",
        "senior living", "assisted living", "retirement home"])),
    ("an insurer or fund", phrases(["insurance", "versicherung", "asset management"])),
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
