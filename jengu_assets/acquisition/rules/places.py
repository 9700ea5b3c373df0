"""Where is it: countries, regions, their time zones, and free-text locations read into
(city, region, country)."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

from jengu_assets.acquisition.rules.addresses import domain_of
from jengu_assets.acquisition.rules.names import city_key
from jengu_assets.acquisition.rules.text import fold

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


# Keep the loop variables of the table builders out of the module namespace.
del _iso2, _iso3, _names, _alias, _region
