"""Seeded sample data for the sandbox: about 200 hotels in eleven countries, their daily job
postings and a small Sales Navigator style lead export.

Everything derives from ``random.Random`` seeded with the seed (and the day, for postings), so one
seed gives identical hotels, postings and CSV text on every machine and every run; nothing touches
the network and only the standard library is used. Hotel names, people, phone numbers and domains
are invented. Chain brands are real because telling a chain property from an independent hotel, and
matching "Courtyard Denver Downtown" to "Courtyard by Marriott Denver Downtown", is part of what the
pipeline has to get right.

The postings are deliberately imperfect in the ways real boards are: a company name that is a
spelling variant of the hotel's name, the same hotel on both boards on the same day, titles in the
local language, and a share of non-hotel postings (software vendors, restaurants, hospitals, a
staffing agency) that a hospitality filter should reject.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from random import Random

DEFAULT_SEED = 7

ADZUNA = "adzuna"
GOOGLE_JOBS = "google_jobs"

# Adzuna runs no index for these two; their postings reach us through Google Jobs only.
ADZUNA_UNSUPPORTED = ("PT", "IE")


@dataclass(frozen=True)
class SampleHotel:
    id: str
    name: str
    city: str
    region: str
    country: str
    timezone: str
    website: str
    domain: str
    contact_first: str
    contact_last: str
    contact_title: str
    contact_email: str
    phone: str
    rooms: int
    stars: int
    chain: str | None


@dataclass(frozen=True)
class SamplePosting:
    source: str
    external_id: str
    title: str
    company: str
    location: str
    description: str
    url: str
    posted_at: datetime
    country: str
    region: str
    city: str
    hotel_id: str | None
    """None for the non-hospitality noise postings."""


# -- geography ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _City:
    name: str
    name_en: str
    region: str
    timezone: str
    dial: str
    state: str = ""
    lang: str = ""


@dataclass(frozen=True)
class _Country:
    code: str
    name_en: str
    name_local: str
    tld: str
    dial_prefix: str
    national_digits: int
    lang: str
    hotel_count: int
    cities: tuple[_City, ...]


def _c(name: str, region: str, tz: str, dial: str, *, en: str = "", state: str = "",
       lang: str = "") -> _City:
    return _City(name, en or name, region, tz, dial, state, lang)


_NY, _CHI = "America/New_York", "America/Chicago"
_DEN, _LA = "America/Denver", "America/Los_Angeles"

COUNTRIES: tuple[_Country, ...] = (
    _Country("US", "United States", "United States", "com", "+1", 10, "en", 42, (
        _c("Denver", "Colorado", _DEN, "303", state="CO"),
        _c("Austin", "Texas", _CHI, "512", state="TX"),
        _c("Chicago", "Illinois", _CHI, "312", state="IL"),
        _c("Boston", "Massachusetts", _NY, "617", state="MA"),
        _c("New York", "New York", _NY, "212", state="NY"),
        _c("Savannah", "Georgia", _NY, "912", state="GA"),
        _c("Charleston", "South Carolina", _NY, "843", state="SC"),
        _c("Nashville", "Tennessee", _CHI, "615", state="TN"),
        _c("San Diego", "California", _LA, "619", state="CA"),
        _c("Seattle", "Washington", _LA, "206", state="WA"),
        _c("Portland", "Oregon", _LA, "503", state="OR"),
        _c("Santa Fe", "New Mexico", _DEN, "505", state="NM"),
        _c("Phoenix", "Arizona", "America/Phoenix", "602", state="AZ"),
        _c("Asheville", "North Carolina", _NY, "828", state="NC"),
        _c("Honolulu", "Hawaii", "Pacific/Honolulu", "808", state="HI"),
        _c("Burlington", "Vermont", _NY, "802", state="VT"),
        _c("Miami", "Florida", _NY, "305", state="FL"),
        _c("New Orleans", "Louisiana", _CHI, "504", state="LA"),
        _c("Anchorage", "Alaska", "America/Anchorage", "907", state="AK"),
    )),
    _Country("GB", "United Kingdom", "United Kingdom", "co.uk", "+44", 10, "en", 24, (
        _c("London", "London", "Europe/London", "20"),
        _c("Edinburgh", "Scotland", "Europe/London", "131"),
        _c("Bath", "Somerset", "Europe/London", "1225"),
        _c("York", "North Yorkshire", "Europe/London", "1904"),
        _c("Manchester", "Greater Manchester", "Europe/London", "161"),
        _c("Brighton", "East Sussex", "Europe/London", "1273"),
        _c("Cardiff", "Wales", "Europe/London", "29"),
        _c("Oxford", "Oxfordshire", "Europe/London", "1865"),
        _c("Inverness", "Scottish Highlands", "Europe/London", "1463"),
        _c("Keswick", "Cumbria", "Europe/London", "17687"),
    )),
    _Country("DE", "Germany", "Deutschland", "de", "+49", 10, "de", 22, (
        _c("Berlin", "Berlin", "Europe/Berlin", "30"),
        _c("München", "Bayern", "Europe/Berlin", "89", en="Munich"),
        _c("Hamburg", "Hamburg", "Europe/Berlin", "40"),
        _c("Köln", "Nordrhein-Westfalen", "Europe/Berlin", "221", en="Cologne"),
        _c("Dresden", "Sachsen", "Europe/Berlin", "351"),
        _c("Freiburg im Breisgau", "Baden-Württemberg", "Europe/Berlin", "761",
           en="Freiburg"),
        _c("Heidelberg", "Baden-Württemberg", "Europe/Berlin", "6221"),
        _c("Garmisch-Partenkirchen", "Bayern", "Europe/Berlin", "8821"),
        _c("Rothenburg ob der Tauber", "Bayern", "Europe/Berlin", "9861"),
        _c("Lübeck", "Schleswig-Holstein", "Europe/Berlin", "451"),
    )),
    _Country("AT", "Austria", "Österreich", "at", "+43", 10, "de", 12, (
        _c("Wien", "Wien", "Europe/Vienna", "1", en="Vienna"),
        _c("Salzburg", "Salzburg", "Europe/Vienna", "662"),
        _c("Innsbruck", "Tirol", "Europe/Vienna", "512"),
        _c("Kitzbühel", "Tirol", "Europe/Vienna", "5356"),
        _c("Graz", "Steiermark", "Europe/Vienna", "316"),
        _c("Hallstatt", "Oberösterreich", "Europe/Vienna", "6134"),
    )),
    _Country("CH", "Switzerland", "Schweiz", "ch", "+41", 9, "de", 12, (
        _c("Zürich", "Zürich", "Europe/Zurich", "44", en="Zurich"),
        _c("Genève", "Genève", "Europe/Zurich", "22", en="Geneva", lang="fr"),
        _c("Luzern", "Luzern", "Europe/Zurich", "41", en="Lucerne"),
        _c("Zermatt", "Wallis", "Europe/Zurich", "27"),
        _c("Interlaken", "Bern", "Europe/Zurich", "33"),
        _c("Lugano", "Ticino", "Europe/Zurich", "91", lang="it"),
        _c("St. Moritz", "Graubünden", "Europe/Zurich", "81"),
    )),
    _Country("FR", "France", "France", "fr", "+33", 9, "fr", 20, (
        _c("Paris", "Île-de-France", "Europe/Paris", "1"),
        _c("Lyon", "Auvergne-Rhône-Alpes", "Europe/Paris", "4"),
        _c("Nice", "Provence-Alpes-Côte d'Azur", "Europe/Paris", "4"),
        _c("Bordeaux", "Nouvelle-Aquitaine", "Europe/Paris", "5"),
        _c("Annecy", "Auvergne-Rhône-Alpes", "Europe/Paris", "4"),
        _c("Strasbourg", "Grand Est", "Europe/Paris", "3"),
        _c("Colmar", "Grand Est", "Europe/Paris", "3"),
        _c("Avignon", "Provence-Alpes-Côte d'Azur", "Europe/Paris", "4"),
        _c("Chamonix-Mont-Blanc", "Auvergne-Rhône-Alpes", "Europe/Paris", "4",
           en="Chamonix"),
        _c("Biarritz", "Nouvelle-Aquitaine", "Europe/Paris", "5"),
    )),
    _Country("ES", "Spain", "España", "es", "+34", 9, "es", 18, (
        _c("Madrid", "Comunidad de Madrid", "Europe/Madrid", "91"),
        _c("Barcelona", "Cataluña", "Europe/Madrid", "93"),
        _c("Sevilla", "Andalucía", "Europe/Madrid", "954", en="Seville"),
        _c("Granada", "Andalucía", "Europe/Madrid", "958"),
        _c("Málaga", "Andalucía", "Europe/Madrid", "952", en="Malaga"),
        _c("Valencia", "Comunitat Valenciana", "Europe/Madrid", "96"),
        _c("San Sebastián", "País Vasco", "Europe/Madrid", "943", en="San Sebastian"),
        _c("Palma", "Illes Balears", "Europe/Madrid", "971"),
        _c("Santa Cruz de Tenerife", "Canarias", "Atlantic/Canary", "922"),
    )),
    _Country("IT", "Italy", "Italia", "it", "+39", 10, "it", 18, (
        _c("Roma", "Lazio", "Europe/Rome", "06", en="Rome"),
        _c("Milano", "Lombardia", "Europe/Rome", "02", en="Milan"),
        _c("Firenze", "Toscana", "Europe/Rome", "055", en="Florence"),
        _c("Venezia", "Veneto", "Europe/Rome", "041", en="Venice"),
        _c("Napoli", "Campania", "Europe/Rome", "081", en="Naples"),
        _c("Bologna", "Emilia-Romagna", "Europe/Rome", "051"),
        _c("Bolzano", "Trentino-Alto Adige", "Europe/Rome", "0471"),
        _c("Positano", "Campania", "Europe/Rome", "089"),
        _c("Taormina", "Sicilia", "Europe/Rome", "0942"),
    )),
    _Country("NL", "Netherlands", "Nederland", "nl", "+31", 9, "nl", 12, (
        _c("Amsterdam", "Noord-Holland", "Europe/Amsterdam", "20"),
        _c("Rotterdam", "Zuid-Holland", "Europe/Amsterdam", "10"),
        _c("Utrecht", "Utrecht", "Europe/Amsterdam", "30"),
        _c("Maastricht", "Limburg", "Europe/Amsterdam", "43"),
        _c("Den Haag", "Zuid-Holland", "Europe/Amsterdam", "70", en="The Hague"),
        _c("Haarlem", "Noord-Holland", "Europe/Amsterdam", "23"),
    )),
    _Country("PT", "Portugal", "Portugal", "pt", "+351", 9, "pt", 10, (
        _c("Lisboa", "Lisboa", "Europe/Lisbon", "21", en="Lisbon"),
        _c("Porto", "Porto", "Europe/Lisbon", "22"),
        _c("Funchal", "Madeira", "Atlantic/Madeira", "291"),
        _c("Faro", "Algarve", "Europe/Lisbon", "289"),
        _c("Sintra", "Lisboa", "Europe/Lisbon", "21"),
        _c("Ponta Delgada", "Açores", "Atlantic/Azores", "296"),
        _c("Évora", "Alentejo", "Europe/Lisbon", "266", en="Evora"),
    )),
    _Country("IE", "Ireland", "Ireland", "ie", "+353", 9, "en", 10, (
        _c("Dublin", "Leinster", "Europe/Dublin", "1"),
        _c("Galway", "Connacht", "Europe/Dublin", "91"),
        _c("Cork", "Munster", "Europe/Dublin", "21"),
        _c("Killarney", "Munster", "Europe/Dublin", "64"),
        _c("Kilkenny", "Leinster", "Europe/Dublin", "56"),
    )),
)
COUNTRY_BY_CODE = {country.code: country for country in COUNTRIES}

# -- people -------------------------------------------------------------------------------------

_FIRST = {
    "en": ("James", "Sarah", "Michael", "Emily", "David", "Jessica", "Daniel", "Laura", "Chris",
           "Megan", "Ryan", "Olivia", "Tom", "Hannah", "Mark", "Rachel", "Kevin", "Amanda",
           "Brian", "Nicole", "Marcus", "Priya", "Carlos", "Grace"),
    "GB": ("Oliver", "Charlotte", "Harry", "Sophie", "George", "Amelia", "Jack", "Lucy",
           "William", "Eleanor", "Alistair", "Fiona", "Rhys", "Imogen", "Callum", "Hannah"),
    "IE": ("Aoife", "Siobhán", "Ciarán", "Niamh", "Seán", "Declan", "Orla", "Pádraig",
           "Eimear", "Conor", "Gráinne", "Cian"),
    "de": ("Anna", "Thomas", "Stefan", "Katharina", "Markus", "Julia", "Andreas", "Sabine",
           "Michael", "Lena", "Jürgen", "Claudia", "Florian", "Sophie", "Matthias", "Christina",
           "Tobias", "Birgit", "Lukas", "Martina", "Jörg", "Bärbel"),
    "fr": ("Camille", "Julien", "Marie", "Nicolas", "Claire", "Thomas", "Élodie", "Pierre",
           "Sophie", "Antoine", "Céline", "Mathieu", "Aurélie", "François", "Manon", "Olivier",
           "Isabelle", "Guillaume", "Hélène", "Jérôme"),
    "es": ("Lucía", "Javier", "María", "Carlos", "Elena", "Pablo", "Carmen", "Alejandro",
           "Laura", "Sergio", "Ana", "Miguel", "Paula", "David", "Marta", "José", "Cristina",
           "Álvaro"),
    "it": ("Giulia", "Marco", "Francesca", "Luca", "Chiara", "Alessandro", "Sara", "Matteo",
           "Valentina", "Andrea", "Elena", "Davide", "Martina", "Lorenzo", "Federica", "Simone",
           "Paola", "Giovanni"),
    "nl": ("Sanne", "Daan", "Lotte", "Bram", "Eva", "Thijs", "Fleur", "Jeroen", "Anouk", "Ruben",
           "Maud", "Sander", "Iris", "Joost", "Femke", "Wouter"),
    "pt": ("Inês", "João", "Ana", "Tiago", "Beatriz", "Rui", "Mariana", "Pedro", "Catarina",
           "Miguel", "Sofia", "Nuno", "Joana", "Ricardo", "Marta", "André"),
}
_LAST = {
    "en": ("Smith", "Johnson", "Williams", "Brown", "Miller", "Davis", "Wilson", "Anderson",
           "Taylor", "Thomas", "Moore", "Martin", "Clark", "Lewis", "Walker", "Hall", "Young",
           "King", "Wright", "Baker", "Carter", "Mitchell", "Turner", "Parker", "Collins",
           "Patel", "Nguyen", "Garcia", "Rodriguez", "O'Brien", "Kowalski", "Chen"),
    "GB": ("Clarke", "Hughes", "Patel", "Wood", "Thompson", "Roberts", "Jones", "Davies",
           "Evans", "Campbell", "Stewart", "MacLeod", "Fletcher", "Ashworth", "Pritchard"),
    "IE": ("Murphy", "Kelly", "O'Sullivan", "Walsh", "O'Connor", "Byrne", "Ryan", "McCarthy",
           "Doyle", "Gallagher", "Fitzgerald", "Ó Briain"),
    "de": ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
           "Hofmann", "Schäfer", "Koch", "Bauer", "Huber", "Gruber", "Steiner", "Brunner",
           "Keller", "Meier", "Zimmermann", "Krüger", "Wolf", "Oberhauser"),
    "fr": ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
           "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garnier", "Fournier",
           "Girard", "Rousseau"),
    "es": ("García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez",
           "Pérez", "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno",
           "Álvarez", "Romero", "Navarro"),
    "it": ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
           "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Costa", "Giordano",
           "Mancini", "Rizzo"),
    "nl": ("de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser",
           "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters",
           "Hendriks"),
    "pt": ("Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Martins",
           "Sousa", "Fernandes", "Gonçalves", "Gomes", "Lopes", "Marques", "Almeida", "Carvalho"),
}

# (title, weight): independent hotels have owners; chain properties do not.
_TITLES_INDEPENDENT = (
    ("General Manager", 24), ("Owner", 16), ("Director of Sales", 8), ("Revenue Manager", 10),
    ("Front Office Manager", 12), ("Hotel Manager", 8), ("Co-Owner", 4),
    ("Sales & Marketing Manager", 6), ("Reservations Manager", 5), ("Managing Director", 4),
    ("Guest Relations Manager", 3),
)
_TITLES_CHAIN = (
    ("General Manager", 30), ("Director of Sales", 14), ("Revenue Manager", 14),
    ("Front Office Manager", 14), ("Hotel Manager", 8), ("Director of Operations", 8),
    ("Area Sales Manager", 5), ("Assistant General Manager", 7),
)

# -- hotel names --------------------------------------------------------------------------------

_EN_GRAND = ("Whitfield", "Marlowe", "Ashby", "Harrington", "Carlisle", "Pemberton", "Langley",
             "Winslow", "Beaumont", "Thornbury", "Ellery", "Hollis", "Sterling", "Bellamy",
             "Radcliffe", "Aldridge", "Hawthorne", "Fairbanks", "Kingsley", "Montague")
_EN_NOUNS = ("Foundry", "Granary", "Lantern", "Ironworks", "Cannery", "Printworks", "Wren",
             "Alder", "Linden", "Quarry", "Heron", "Juniper", "Ivy", "Anchor", "Saltbox",
             "Larkspur", "Driftwood", "Copperline", "Millrace", "Bluebell")
_EN_PLACES = ("Harbor Point", "Mill Creek", "Willow Bend", "Cedar Ridge", "Stone Bridge",
              "Fox Hollow", "Lake Shore", "Old Town Square", "Bramble Hill", "Rosewood Park")
_GB_INNS = ("The Red Lion", "The Black Swan", "The White Hart", "The Golden Fleece",
            "The Blue Boar", "The Green Dragon", "The Royal Oak", "The King's Arms",
            "The Rose & Crown", "The George", "The Three Tuns", "The Fox & Hounds")
_GB_OLD = ("Rectory", "Vicarage", "Bakehouse", "Schoolhouse", "Coach House", "Mill House",
           "Manor", "Priory", "Granary", "Forge")
_DE_ANIMAL = ("Schwarzer Adler", "Goldener Hirsch", "Weißes Rössl", "Roter Ochse",
              "Blauer Bock", "Grüner Baum", "Goldene Krone", "Weißes Lamm", "Goldener Löwe",
              "Schwarzer Bär", "Drei Mohren", "Goldener Engel")
_DE_GASTHOF = ("zur Post", "Krone", "zum Löwen", "zum Hirschen", "Adler", "Sonne", "zur Linde",
               "zum Ochsen", "Rose", "zum Stern")
_DE_PLACE = ("Markt", "Dom", "Schlossberg", "See", "Stadtpark", "Rathaus", "Kanal", "Hafen",
             "Burgtor", "Weinberg")
_DE_NOUN = ("Nordlicht", "Kranich", "Weitblick", "Edelweiss", "Blaue Stunde", "Stadtgeflüster",
            "Alpenglühen", "Bergkristall", "Zirbe", "Lindenblüte")
_DE_HOF = ("Sonnenhof", "Alpenhof", "Lindenhof", "Seehof", "Birkenhof", "Waldhof", "Rosenhof",
           "Tannenhof")
_FR_DE = ("du Parc", "des Arts", "de la Paix", "du Lac", "des Remparts", "de la Poste",
          "du Théâtre", "des Tilleuls", "de l'Horloge", "du Vieux Port", "des Glycines",
          "de la Cathédrale")
_FR_LE = ("Le Petit Moulin", "Le Cloître", "Les Jardins", "La Bastide", "Le Belvédère",
          "La Villa Florentine", "Le Pavillon", "Les Terrasses", "La Maison Blanche",
          "Le Clos Fleuri")
_FR_AUBERGE = ("Auberge du Vieux Moulin", "Auberge de la Forge", "Auberge du Château",
               "Le Relais du Marché", "Le Relais des Alpes", "Auberge des Trois Pigeons")
_ES_NOUN = ("Alameda", "Los Olivos", "Las Arenas", "El Mirador", "La Giralda", "Casa Azul",
            "Santa Cruz", "Puerta del Sol", "Los Naranjos", "La Alhambra", "Marqués",
            "El Patio")
_ES_POSADA = ("Posada del Río", "Posada del Molino", "Posada de la Villa", "Hostal La Fuente",
              "Casa Rural El Encinar", "La Casona del Pinar")
_IT_NOUN = ("Miramare", "Bellavista", "Panorama", "Al Ponte", "Dei Fiori", "Del Sole",
            "La Pergola", "San Marco", "Villa Rosa", "Della Torre", "Il Chiostro", "Santa Croce")
_IT_SMALL = ("Locanda al Ponte", "Locanda dei Fiori", "Albergo del Sole", "Albergo Roma",
             "Pensione Vittoria", "Agriturismo Le Vigne", "Locanda della Luna")
_NL_NOUN = ("De Gouden Leeuw", "De Zwaan", "De Keizerskroon", "De Witte Raaf",
            "De Oude Brouwerij", "'t Hart", "'t Sluisje", "De Pauw", "De Hofnar", "De Jonker")
_PT_NOUN = ("Alfama", "Ribeira", "Do Mar", "Da Serra", "Dos Descobrimentos", "Sete Colinas",
            "Azulejo", "Bairro Alto", "Da Baixa", "Lusitano")
_PT_SMALL = ("Quinta da Serra", "Quinta do Vale", "Pousada do Castelo", "Casa da Ribeira",
             "Residencial Flor", "Solar dos Arcos")


def _independent_name(rng: Random, country: _Country, lang: str, family: bool) -> str:
    cc = country.code
    if lang == "en":
        last = rng.choice(_LAST["IE" if cc == "IE" else "GB" if cc == "GB" else "en"])
        if family:
            if cc == "GB":
                return rng.choice((
                    rng.choice(_GB_INNS), rng.choice(_GB_INNS) + " Inn",
                    f"The Old {rng.choice(_GB_OLD)}", f"{last}'s Guest House",
                ))
            if cc == "IE":
                return rng.choice((
                    f"{last}'s Hotel", f"The {rng.choice(_EN_NOUNS)} Lodge",
                    f"{last}'s Townhouse", f"The {rng.choice(_EN_GRAND)} Arms Hotel",
                ))
            return rng.choice((
                f"{last}'s Inn", f"{rng.choice(_EN_NOUNS)} Creek Lodge",
                f"The {last} House Bed & Breakfast", f"{rng.choice(_EN_NOUNS)} Motor Lodge",
                f"The Inn at {rng.choice(_EN_PLACES)}",
            ))
        return rng.choice((
            f"The {rng.choice(_EN_GRAND)}", f"The {rng.choice(_EN_NOUNS)} Hotel",
            f"Hotel {rng.choice(_EN_GRAND)}", f"The {rng.choice(_EN_GRAND)} House",
            f"{rng.choice(_EN_NOUNS)} & {rng.choice(_EN_NOUNS)}",
            f"The {rng.choice(_EN_NOUNS)} at {rng.choice(_EN_PLACES)}",
        ))
    if lang == "de":
        last = rng.choice(_LAST["de"])
        if family:
            return rng.choice((
                f"Gasthof {rng.choice(_DE_GASTHOF)}", f"Landgasthof {last}",
                f"Pension {last}", f"Hotel Garni {last}", f"Hotel {rng.choice(_DE_ANIMAL)}",
                f"Hotel {rng.choice(_DE_HOF)}",
            ))
        return rng.choice((
            f"Hotel {rng.choice(_DE_ANIMAL)}", f"Hotel am {rng.choice(_DE_PLACE)}",
            f"Boutique Hotel {rng.choice(_DE_NOUN)}", f"Das {rng.choice(_DE_NOUN)}",
            f"Romantik Hotel {rng.choice(_DE_HOF)}", f"Hotel {last}",
            f"Villa {rng.choice(_FIRST['de'])}",
        ))
    if lang == "fr":
        if family:
            return rng.choice((rng.choice(_FR_AUBERGE), f"Hôtel {rng.choice(_FR_DE)}",
                               f"Chambres d'hôtes {rng.choice(_LAST['fr'])}"))
        return rng.choice((
            f"Hôtel {rng.choice(_FR_DE)}", rng.choice(_FR_LE),
            f"La Maison {rng.choice(_LAST['fr'])}", f"Hôtel {rng.choice(_FR_LE)}",
            f"Hôtel {rng.choice(_LAST['fr'])}",
        ))
    if lang == "es":
        last = rng.choice(_LAST["es"])
        if family:
            return rng.choice((rng.choice(_ES_POSADA), f"Hostal {last}", f"Casa {last}"))
        return rng.choice((
            f"Hotel {rng.choice(_ES_NOUN)}", f"Hotel Boutique {rng.choice(_ES_NOUN)}",
            f"Palacio {last}", f"Hotel Casa {rng.choice(_ES_NOUN)}",
        ))
    if lang == "it":
        last = rng.choice(_LAST["it"])
        if family:
            return rng.choice((rng.choice(_IT_SMALL), f"Pensione {last}",
                               f"Albergo {rng.choice(_IT_NOUN)}"))
        return rng.choice((
            f"Hotel {rng.choice(_IT_NOUN)}", f"Palazzo {last}",
            f"Relais {rng.choice(_IT_NOUN)}", f"Residenza {rng.choice(_IT_NOUN)}",
        ))
    if lang == "nl":
        last = rng.choice(_LAST["nl"])
        if family:
            return rng.choice((f"Herberg {rng.choice(_NL_NOUN)}", f"Hotel {rng.choice(_NL_NOUN)}",
                               f"Pension {last.split()[-1]}"))
        return rng.choice((
            f"Hotel {rng.choice(_NL_NOUN)}", f"Boutique Hotel {rng.choice(_NL_NOUN)}",
            f"Grachtenhotel {rng.choice(_FIRST['nl'])}", f"Hotel {last.split()[-1]}",
        ))
    last = rng.choice(_LAST["pt"])
    if family:
        return rng.choice((rng.choice(_PT_SMALL), f"Casa {last}", f"Residencial {last}"))
    return rng.choice((
        f"Hotel {rng.choice(_PT_NOUN)}", f"Hotel Boutique {rng.choice(_PT_NOUN)}",
        f"Pousada {rng.choice(_PT_NOUN)}", f"Palácio {last}",
    ))


@dataclass(frozen=True)
class _Brand:
    template: str
    chain: str
    site: str
    domain: str
    countries: tuple[str, ...]
    english: bool
    rooms: tuple[int, int]
    stars: int


_EU = ("GB", "DE", "AT", "CH", "FR", "ES", "IT", "NL", "PT", "IE")
_ALL = ("US",) + _EU

_BRANDS = (
    _Brand("Courtyard by Marriott {city} {area}", "Marriott", "www.marriott.com", "marriott.com",
           _ALL, True, (120, 260), 4),
    _Brand("Residence Inn by Marriott {city} {area}", "Marriott", "www.marriott.com",
           "marriott.com", ("US", "GB", "DE"), True, (90, 200), 3),
    _Brand("Fairfield Inn & Suites {city} {area}", "Marriott", "www.marriott.com",
           "marriott.com", ("US",), True, (80, 150), 3),
    _Brand("Moxy {city} {area}", "Marriott", "www.marriott.com", "marriott.com", _ALL, True,
           (100, 300), 3),
    _Brand("Hampton Inn & Suites {city}-{area}", "Hilton", "www.hilton.com", "hilton.com",
           ("US",), True, (90, 180), 3),
    _Brand("Hilton Garden Inn {city} {area}", "Hilton", "www.hilton.com", "hilton.com",
           ("US", "GB", "DE", "IT", "IE"), True, (120, 250), 4),
    _Brand("DoubleTree by Hilton {city}", "Hilton", "www.hilton.com", "hilton.com", _ALL, True,
           (150, 320), 4),
    _Brand("Holiday Inn Express {city} {area}", "IHG", "www.ihg.com", "ihg.com", _ALL, True,
           (90, 200), 3),
    _Brand("Hotel Indigo {city} {area}", "IHG", "www.ihg.com", "ihg.com", _ALL, True,
           (60, 160), 4),
    _Brand("Crowne Plaza {city} {area}", "IHG", "www.ihg.com", "ihg.com", _ALL, True,
           (180, 350), 4),
    _Brand("ibis {city} {area}", "Accor", "all.accor.com", "accor.com", _EU, False, (90, 220), 2),
    _Brand("ibis Styles {city} {area}", "Accor", "all.accor.com", "accor.com", _EU, False,
           (80, 180), 3),
    _Brand("Novotel {city} {area}", "Accor", "all.accor.com", "accor.com", _EU, False,
           (130, 280), 4),
    _Brand("Mercure {city} {area}", "Accor", "all.accor.com", "accor.com", _EU, False,
           (90, 220), 4),
    _Brand("Best Western Plus {city} {area}", "Best Western", "www.bestwestern.com",
           "bestwestern.com", _ALL, True, (60, 160), 3),
    _Brand("Motel One {city}-{area}", "Motel One", "www.motel-one.com", "motel-one.com",
           ("DE", "AT", "CH", "GB", "NL"), False, (180, 400), 3),
    _Brand("Premier Inn {city} {area}", "Whitbread", "www.premierinn.com", "premierinn.com",
           ("GB", "DE"), True, (100, 250), 3),
    _Brand("NH {city} {area}", "Minor Hotels", "www.nh-hotels.com", "nh-hotels.com",
           ("ES", "IT", "DE", "NL", "AT", "CH", "PT"), False, (100, 250), 4),
    _Brand("NH Collection {city} {area}", "Minor Hotels", "www.nh-hotels.com", "nh-hotels.com",
           ("ES", "IT", "DE", "NL", "PT"), False, (120, 260), 4),
    _Brand("Meliá {city}", "Meliá", "www.melia.com", "melia.com", ("ES", "PT", "IT", "FR", "DE"),
           False, (150, 330), 4),
    _Brand("B&B HOTEL {city} {area}", "B&B Hotels", "www.hotel-bb.com", "hotel-bb.com",
           ("FR", "DE", "IT", "ES", "AT", "NL", "PT"), False, (70, 160), 2),
    _Brand("Hyatt Place {city} {area}", "Hyatt", "www.hyatt.com", "hyatt.com",
           ("US", "GB", "NL", "DE"), True, (120, 220), 3),
    _Brand("Comfort Inn {city} {area}", "Choice Hotels", "www.choicehotels.com",
           "choicehotels.com", ("US",), True, (50, 120), 2),
    _Brand("Radisson Blu Hotel, {city}", "Radisson", "www.radissonhotels.com",
           "radissonhotels.com", _EU, True, (150, 400), 4),
    _Brand("Park Inn by Radisson {city} {area}", "Radisson", "www.radissonhotels.com",
           "radissonhotels.com", _EU, True, (120, 300), 3),
    _Brand("Pestana {city} {area}", "Pestana", "www.pestana.com", "pestana.com", ("PT",), False,
           (90, 250), 4),
    _Brand("Maldron Hotel {area} {city}", "Dalata Hotel Group", "www.maldronhotels.com",
           "maldronhotels.com", ("IE", "GB"), True, (100, 300), 4),
    _Brand("Clayton Hotel {city} {area}", "Dalata Hotel Group", "www.claytonhotels.com",
           "claytonhotels.com", ("IE", "GB"), True, (150, 350), 4),
)

_AREAS = {
    "US": ("Downtown", "Airport", "Convention Center", "Midtown", "Riverfront", "Uptown",
           "Historic District"),
    "GB": ("City Centre", "Airport", "Central", "Waterfront", "Station"),
    "IE": ("City Centre", "Airport", "Docklands", "Central"),
    "de": ("Hauptbahnhof", "City", "Messe", "Altstadt", "Flughafen", "Ost", "Zentrum"),
    "fr": ("Centre", "Gare", "Aéroport", "Vieux Port", "Opéra", "Centre Historique"),
    "es": ("Centro", "Aeropuerto", "Estación", "Plaza Mayor", "Casco Antiguo"),
    "it": ("Centro", "Stazione Centrale", "Aeroporto", "Centro Storico", "Fiera"),
    "nl": ("Centrum", "Centraal Station", "Airport", "Zuid", "Oude Stad"),
    "pt": ("Centro", "Aeroporto", "Baixa", "Ribeira", "Marina"),
}


# -- text helpers -------------------------------------------------------------------------------

_GERMAN_FOLD = (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue"),
                ("ß", "ss"))


def fold_ascii(text: str, lang: str = "") -> str:
    """ASCII spelling as a German (ü -> ue) or anyone else (é -> e) would type it in an address."""
    if lang == "de":
        for src, dst in _GERMAN_FOLD:
            text = text.replace(src, dst)
    text = text.replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _words(text: str, lang: str) -> list[str]:
    text = fold_ascii(text, lang).lower().replace("'", "")
    text = text.replace("&", " and " if lang == "en" else " ")
    return re.findall(r"[a-z0-9]+", text)


def _local_part(name: str, lang: str) -> str:
    return "".join(_words(name, lang))


def _lang_of(country: _Country, city: _City) -> str:
    return city.lang or country.lang


def _phone(rng: Random, country: _Country, city: _City) -> str:
    if country.code == "US":
        # 555-01xx is reserved for fiction, so no sample number can ring a real hotel.
        return f"+1 {city.dial}-555-01{rng.randint(0, 99):02d}"
    rest = "".join(str(rng.randint(0, 9)) for _ in range(country.national_digits - len(city.dial)))
    rest = str(rng.randint(2, 9)) + rest[1:]
    # French numbers are written in pairs; elsewhere groups of three read naturally enough.
    size = 2 if country.code == "FR" else 3
    groups = [rest[i:i + size] for i in range(0, len(rest), size)]
    if len(groups) > 1 and len(groups[-1]) == 1:
        groups[-2:] = [groups[-2] + groups[-1]]
    return f"{country.dial_prefix} {city.dial} {' '.join(groups)}"


def _weighted(rng: Random, options: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options], k=1)[0]


def _email(rng: Random, first: str, last: str, domain: str, lang: str) -> str:
    f, ln = _local_part(first, lang), _local_part(last, lang)
    pattern = rng.choices(("first.last", "f.last", "first"), weights=(55, 25, 20), k=1)[0]
    local = {"first.last": f"{f}.{ln}", "f.last": f"{f[0]}.{ln}", "first": f}[pattern]
    return f"{local}@{domain}"


# -- hotels -------------------------------------------------------------------------------------


def hotels(seed: int = DEFAULT_SEED) -> list[SampleHotel]:
    """About 200 hotels, identical for the same seed. The list is a fresh copy on every call."""
    return list(_hotels(seed))


@lru_cache(maxsize=8)
def _hotels(seed: int) -> tuple[SampleHotel, ...]:
    rng = Random(seed)
    out: list[SampleHotel] = []
    seen_names: set[tuple[str, str]] = set()
    seen_domains: set[str] = set()
    for country in COUNTRIES:
        kinds = _kind_plan(rng, country.hotel_count)
        for kind in kinds:
            hotel = _make_hotel(rng, country, kind, len(out) + 1, seen_names, seen_domains)
            out.append(hotel)
    return tuple(out)


def _kind_plan(rng: Random, count: int) -> list[str]:
    chains = max(1, round(count * 0.3))
    families = max(1, round(count * 0.3))
    plan = ["chain"] * chains + ["family"] * families + ["boutique"] * (count - chains - families)
    rng.shuffle(plan)
    return plan


def _make_hotel(
    rng: Random,
    country: _Country,
    kind: str,
    number: int,
    seen_names: set[tuple[str, str]],
    seen_domains: set[str],
) -> SampleHotel:
    brand: _Brand | None = None
    for _ in range(50):
        city = rng.choice(country.cities)
        lang = _lang_of(country, city)
        if kind == "chain":
            brand = rng.choice([b for b in _BRANDS if country.code in b.countries])
            area_key = country.code if country.code in ("US", "GB", "IE") else lang
            area = rng.choice(_AREAS.get(area_key, _AREAS["GB"]))
            city_name = city.name_en if brand.english else city.name
            name = brand.template.format(city=city_name, area=area)
        else:
            name = _independent_name(rng, country, lang, family=kind == "family")
        if (name, city.name) not in seen_names:
            break
    seen_names.add((name, city.name))

    if brand is not None:
        rooms = rng.randint(*brand.rooms)
        stars = brand.stars
    elif kind == "family":
        rooms = rng.randint(6, 40)
        stars = rng.choices((2, 3, 4), weights=(3, 6, 1), k=1)[0]
    else:
        rooms = rng.randint(12, 90)
        stars = rng.choices((3, 4, 5), weights=(2, 6, 2), k=1)[0]

    on_chain_site = brand is not None and rng.random() < 0.45
    if brand is not None and on_chain_site:
        slug = "-".join(_words(name, "en"))
        code = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(5))
        website = f"https://{brand.site}/hotels/{code}-{slug}"
        domain = brand.domain
    else:
        base = _domain_slug(rng, name, lang)
        domain = f"{base}.{country.tld}"
        if domain in seen_domains:
            domain = f"{base}-{'-'.join(_words(city.name, lang))}.{country.tld}"
        website = f"https://www.{domain}"
    seen_domains.add(domain)

    people_key = country.code if country.code in ("GB", "IE") else lang
    first = rng.choice(_FIRST.get(people_key, _FIRST["en"]))
    if people_key in ("GB", "IE") and rng.random() < 0.4:
        first = rng.choice(_FIRST["en"])
    last = rng.choice(_LAST.get(people_key, _LAST["en"]))
    title = _weighted(rng, _TITLES_CHAIN if brand else _TITLES_INDEPENDENT)
    email = _email(rng, first, last, domain, lang)

    return SampleHotel(
        id=f"htl-{number:04d}",
        name=name,
        city=city.name,
        region=city.region,
        country=country.code,
        timezone=city.timezone,
        website=website,
        domain=domain,
        contact_first=first,
        contact_last=last,
        contact_title=title,
        contact_email=email,
        phone=_phone(rng, country, city),
        rooms=rooms,
        stars=stars,
        chain=brand.chain if brand else None,
    )


def _domain_slug(rng: Random, name: str, lang: str) -> str:
    # Franchise sites shorten the brand ("courtyarddenverdowntown"), as do most independents.
    trimmed = re.sub(r"\bby (Marriott|Hilton|Radisson)\b|& Suites|,", "", name)
    words = _words(trimmed, lang)
    if len(words) > 1 and words[0] == "the" and rng.random() < 0.5:
        words = words[1:]
    sep = "-" if rng.random() < 0.3 else ""
    return sep.join(words)[:48].strip("-")


# -- postings -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Role:
    key: str
    english: str
    local: dict[str, str]
    duties: str


_ROLES = (
    _Role("front_desk", "Front Desk Agent",
          {"de": "Rezeptionist (m/w/d)", "fr": "Réceptionniste H/F", "es": "Recepcionista",
           "it": "Receptionist", "nl": "Receptionist", "pt": "Rececionista"},
          "check guests in and out, look after reservations and be the first smile our "
          "guests see"),
    _Role("night_auditor", "Night Auditor",
          {"de": "Night Auditor (m/w/d)", "fr": "Veilleur de nuit / Night Auditor H/F",
           "es": "Auditor/a nocturno/a", "it": "Portiere di notte", "nl": "Nachtreceptionist",
           "pt": "Auditor noturno"},
          "run the night audit, balance the day's revenue in the PMS and look after late "
          "arrivals"),
    _Role("revenue", "Revenue Manager",
          {"de": "Revenue Manager (m/w/d)", "fr": "Revenue Manager H/F",
           "es": "Revenue Manager", "it": "Revenue Manager", "nl": "Revenue Manager",
           "pt": "Revenue Manager"},
          "own pricing and distribution across our channels, forecast demand and grow RevPAR"),
    _Role("reservations", "Reservations Agent",
          {"de": "Reservierungsmitarbeiter (m/w/d)", "fr": "Agent de réservation H/F",
           "es": "Agente de reservas", "it": "Addetto/a prenotazioni",
           "nl": "Medewerker Reserveringen", "pt": "Técnico de reservas"},
          "answer booking enquiries by phone and email and keep our inventory accurate"),
    _Role("housekeeping", "Housekeeping Supervisor",
          {"de": "Hausdame (m/w/d)", "fr": "Gouvernante H/F", "es": "Gobernanta",
           "it": "Governante", "nl": "Supervisor Housekeeping", "pt": "Governanta"},
          "lead the housekeeping team, inspect rooms and keep our standards spotless"),
    _Role("guest_relations", "Guest Relations Manager",
          {"de": "Guest Relations Manager (m/w/d)", "fr": "Responsable relations clients H/F",
           "es": "Guest Relations Manager", "it": "Guest Relations Manager",
           "nl": "Guest Relations Manager", "pt": "Guest Relations Manager"},
          "look after VIPs and returning guests and turn feedback into better stays"),
    _Role("front_office", "Front Office Manager",
          {"de": "Empfangschef / Front Office Manager (m/w/d)", "fr": "Chef de réception H/F",
           "es": "Jefe/a de recepción", "it": "Capo ricevimento", "nl": "Front Office Manager",
           "pt": "Chefe de receção"},
          "lead the reception and reservations teams, plan rotas and own guest satisfaction"),
    _Role("concierge", "Concierge",
          {"de": "Concierge (m/w/d)", "fr": "Concierge H/F", "es": "Conserje",
           "it": "Concierge", "nl": "Concierge", "pt": "Concierge"},
          "arrange tables, tickets and transfers and know the city better than anyone"),
    _Role("sales", "Sales Manager",
          {"de": "Sales Manager (m/w/d)", "fr": "Responsable commercial H/F",
           "es": "Sales Manager", "it": "Sales Manager", "nl": "Sales Manager",
           "pt": "Sales Manager"},
          "win corporate, group and events business and look after our key accounts"),
    _Role("guest_service", "Guest Service Agent",
          {"de": "Guest Service Agent (m/w/d)", "fr": "Agent d'accueil H/F",
           "es": "Agente de atención al huésped", "it": "Addetto/a accoglienza",
           "nl": "Medewerker Guest Service", "pt": "Agente de atendimento"},
          "welcome guests, handle requests around the clock and keep the lobby running"),
)

_ENGLISH_SUFFIXES = ("", "", "", " - Full Time", " (Part Time)", " - Weekends", " - Nights")

_LOCAL_INTRO = {
    "de": "{hotel} in {city} sucht ab sofort Verstärkung: {title}. Unser {stars}-Sterne-Haus mit "
          "{rooms} Zimmern freut sich auf Ihre Bewerbung. Wir bieten ein herzliches Team, "
          "Mitarbeiterverpflegung und Vergünstigungen.",
    "fr": "{hotel} à {city} recrute : {title}. Notre hôtel {stars} étoiles de {rooms} chambres "
          "vous propose un CDI, des repas sur place et une équipe chaleureuse.",
    "es": "{hotel} en {city} busca {title}. Nuestro hotel de {stars} estrellas y {rooms} "
          "habitaciones ofrece contrato indefinido, manutención y buen ambiente de equipo.",
    "it": "{hotel} a {city} cerca {title}. Il nostro hotel {stars} stelle con {rooms} camere "
          "offre contratto a tempo indeterminato, vitto e un team accogliente.",
    "nl": "{hotel} in {city} zoekt een {title}. Ons {stars}-sterrenhotel met {rooms} kamers "
          "biedt een vast contract, personeelsmaaltijden en een gezellig team.",
    "pt": "{hotel} em {city} procura {title}. O nosso hotel de {stars} estrelas com {rooms} "
          "quartos oferece contrato sem termo, refeições e uma equipa acolhedora.",
}

_PERKS = {
    "US": ("Medical, dental and 401(k) for full-time team members.",
           "Hotel discounts across the brand and free parking.",
           "Weekly pay and flexible scheduling."),
    "GB": ("28 days holiday plus your birthday off.", "Free meals on shift and a uniform.",
           "Staff rates across the group and a cycle-to-work scheme."),
    "IE": ("Staff meals, uniform and a Bike to Work scheme.", "Paid training and staff rates."),
    "": ("Staff meals, uniform and hotel discounts.", "Paid training and a friendly team."),
}

_LEGAL_SUFFIX = {
    "US": (" LLC", " Inc."), "GB": (" Ltd", " Limited"), "IE": (" Ltd",), "DE": (" GmbH",
    " GmbH & Co. KG"), "AT": (" GmbH",), "CH": (" AG", " GmbH"), "FR": (" SARL", " SAS"),
    "ES": (" S.L.", ", S.A."), "IT": (" S.r.l.",), "NL": (" B.V.",), "PT": (", Lda",),
}

_INDEED_HOST = {"US": "www.indeed.com", "GB": "uk.indeed.com"}

# (company, titles, description, preferred countries or () for any)
_NOISE = (
    ("Oracle Hospitality",
     ("Senior Software Engineer - OPERA Cloud", "Implementation Consultant (Hotel PMS)",
      "Product Manager, Hospitality Cloud"),
     "Oracle Hospitality builds OPERA Cloud, the property management system used by hotels "
     "worldwide. Join our engineering team in {city} to build software for hotel front desks.",
     ()),
    ("Hospitality Staffing Solutions",
     ("Front Desk Agent (Temp)", "Housekeeping Attendant - Agency",
      "Banquet Server - Temp to Hire"),
     "Hospitality Staffing Solutions places temporary staff with hotels and event venues in "
     "{city}. Weekly pay, flexible shifts, immediate start.",
     ("US", "GB")),
    ("Brightwave Software", ("Backend Developer (Python)", "Data Engineer",
                             "Customer Success Manager"),
     "Brightwave Software builds analytics for retailers. We are hiring in {city}; hybrid "
     "working and a learning budget.", ()),
    ("Nordlicht Digital GmbH", ("Frontend Developer (m/w/d)", "DevOps Engineer (m/w/d)"),
     "Nordlicht Digital entwickelt E-Commerce-Lösungen. Für unser Team in {city} suchen wir "
     "Verstärkung.", ("DE", "AT", "CH")),
    ("Trattoria Da Marco", ("Line Cook", "Restaurant Manager", "Host/Hostess"),
     "Busy family restaurant in {city} looking for a reliable team member. Evenings and "
     "weekends.", ()),
    ("The Golden Fork Bistro", ("Sous Chef", "Server", "Dishwasher"),
     "Neighbourhood bistro in {city}, seasonal menu, tips shared.", ("US", "GB", "IE")),
    ("St. Mary's Medical Center", ("Registered Nurse - Night Shift",
                                   "Patient Services Representative",
                                   "Front Desk Receptionist - Outpatient Clinic"),
     "St. Mary's Medical Center in {city} is a 300-bed teaching hospital. Join our patient "
     "access team.", ("US",)),
    ("Klinikum Nord", ("Gesundheits- und Krankenpfleger (m/w/d)",
                       "Empfangsmitarbeiter Patientenaufnahme (m/w/d)"),
     "Das Klinikum Nord in {city} versorgt jährlich 40.000 Patienten.", ("DE", "AT")),
    ("Harborview Residences", ("Front Desk Concierge (Residential)", "Leasing Consultant"),
     "Luxury apartment community in {city}; our concierge team serves residents, not hotel "
     "guests.", ("US",)),
)


def postings(day: date, seed: int = DEFAULT_SEED) -> list[SamplePosting]:
    """The day's postings on both boards, identical for the same (day, seed)."""
    return list(_postings(day, seed))


@lru_cache(maxsize=64)
def _postings(day: date, seed: int) -> tuple[SamplePosting, ...]:
    # A string seed goes through SHA-512 in Random, so it is stable across runs and platforms.
    rng = Random(f"{seed}:postings:{day.isoformat()}")
    pool = _hotels(seed)
    total = rng.randint(25, 40)
    noise = round(total * 0.15)
    pairs = max(1, round(total * 0.05))
    singles = total - noise - 2 * pairs

    both_boards = [h for h in pool if h.country not in ADZUNA_UNSUPPORTED]
    paired = rng.sample(both_boards, pairs)
    rest = [h for h in pool if h not in paired]
    single = rng.sample(rest, singles)

    made: list[SamplePosting] = []
    counter = iter(range(1000))
    for hotel in paired:
        role = rng.choice(_ROLES)
        posted = _posted_at(rng, day)
        for source in (ADZUNA, GOOGLE_JOBS):
            made.append(_hotel_posting(rng, hotel, role, source, day, next(counter), posted))
    for hotel in single:
        source = GOOGLE_JOBS if hotel.country in ADZUNA_UNSUPPORTED else rng.choice(
            (ADZUNA, GOOGLE_JOBS))
        made.append(_hotel_posting(rng, hotel, rng.choice(_ROLES), source, day, next(counter),
                                   _posted_at(rng, day)))
    for _ in range(noise):
        made.append(_noise_posting(rng, day, next(counter)))
    made.sort(key=lambda p: (p.posted_at, p.source, p.external_id))
    return tuple(made)


def _posted_at(rng: Random, day: date) -> datetime:
    start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    return start + timedelta(seconds=rng.randint(0, 86399))


def _external_id(rng: Random, source: str, day: date, index: int, title: str, company: str,
                 city: str) -> str:
    if source == ADZUNA:
        # Ten digits, unique per (day, index), in the shape Adzuna's ids have.
        return str(4_000_000_000 + day.toordinal() * 1000 + index)
    # Google's job_id is base64 of a small JSON document; htidocid makes it unique.
    doc_id = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
                     for _ in range(22))
    payload = {"job_title": title, "company_name": company, "address_city": city,
               "htidocid": doc_id, "hl": "en", "fc": "1"}
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(raw).decode("ascii")


def _board_location(source: str, country: _Country, city: _City) -> str:
    if source == GOOGLE_JOBS:
        if country.code == "US":
            return f"{city.name_en}, {city.state}"
        return f"{city.name_en}, {country.name_en}"
    if city.region == city.name:
        return city.name
    return f"{city.name}, {city.region}"


def _company_variant(rng: Random, name: str, country: str) -> str:
    """The hotel's name as an employer account on a board might spell it."""
    if rng.random() >= 0.45:
        return name
    options: list[str] = []
    if name.startswith("The "):
        options.append(name[4:])
    elif country in ("US", "GB", "IE"):
        options.append("The " + name)
    options.append(name + rng.choice(_LEGAL_SUFFIX.get(country, (" Ltd",))))
    first, _, rest = name.partition(" ")
    if first in ("Hotel", "Hôtel") and rest:
        options.append(f"{rest} {first}")
    if "&" in name:
        options.append(name.replace("&", "and"))
    if " and " in name:
        options.append(name.replace(" and ", " & "))
    if "'" in name:
        options.append(name.replace("'", ""))
    if "," in name:
        options.append(name.replace(",", ""))
    if "-" in name:
        options.append(name.replace("-", " "))
    folded = fold_ascii(name)
    if folded != name:
        options.append(folded)
    options.append(name.upper())
    return rng.choice(options)


def _hotel_posting(rng: Random, hotel: SampleHotel, role: _Role, source: str, day: date,
                   index: int, posted_at: datetime) -> SamplePosting:
    country = COUNTRY_BY_CODE[hotel.country]
    city = next(c for c in country.cities if c.name == hotel.city)
    lang = _lang_of(country, city)
    local = lang != "en" and rng.random() < 0.55
    title = role.local[lang] if local else role.english + rng.choice(_ENGLISH_SUFFIXES)
    company = _company_variant(rng, hotel.name, hotel.country)

    if local:
        description = _LOCAL_INTRO[lang].format(hotel=hotel.name, city=hotel.city, title=title,
                                                stars=hotel.stars, rooms=hotel.rooms)
    else:
        if hotel.chain:
            intro = (f"{hotel.name} is a {hotel.rooms}-room {hotel.stars}-star property in "
                     f"{city.name_en}, part of {hotel.chain}.")
        elif hotel.rooms <= 40 and hotel.stars <= 3:
            intro = (f"{hotel.name} is a family-run {hotel.rooms}-room hotel that has welcomed "
                     f"guests to {city.name_en} for three generations.")
        else:
            intro = (f"{hotel.name} is an independent {hotel.stars}-star boutique hotel with "
                     f"{hotel.rooms} individually designed rooms in {city.name_en}.")
        perks = _PERKS.get(hotel.country, _PERKS[""])
        description = (f"{intro} We are looking for a {role.english} to {role.duties}. "
                       f"{rng.choice(perks)} Experience with Opera, Mews or a similar PMS is a "
                       f"plus. Apply today and join the team at {hotel.name}.")

    external_id = _external_id(rng, source, day, index, title, company, hotel.city)
    if source == ADZUNA:
        url = f"https://www.adzuna.{_adzuna_tld(hotel.country)}/jobs/land/ad/{external_id}"
    elif rng.random() < 0.5:
        host = hotel.website.split("/")[2]
        slug = "-".join(_words(role.english, "en"))
        if hotel.website.count("/") > 2:
            url = f"https://careers.{hotel.domain}/job/{slug}-{rng.randint(10000, 99999)}"
        else:
            url = f"https://{host}/careers/{slug}"
    elif rng.random() < 0.6:
        host = _INDEED_HOST.get(hotel.country, f"{hotel.country.lower()}.indeed.com")
        url = f"https://{host}/viewjob?jk={rng.getrandbits(64):016x}"
    else:
        url = f"https://www.linkedin.com/jobs/view/{rng.randint(3_000_000_000, 3_999_999_999)}"

    return SamplePosting(
        source=source,
        external_id=external_id,
        title=title,
        company=company,
        location=_board_location(source, country, city),
        description=description,
        url=url,
        posted_at=posted_at,
        country=hotel.country,
        region=hotel.region,
        city=hotel.city,
        hotel_id=hotel.id,
    )


def _adzuna_tld(country: str) -> str:
    return {"US": "com", "GB": "co.uk"}.get(country, country.lower())


def _noise_posting(rng: Random, day: date, index: int) -> SamplePosting:
    company, titles, blurb, where = rng.choice(_NOISE)
    country = COUNTRY_BY_CODE[rng.choice(where)] if where else rng.choice(COUNTRIES)
    city = rng.choice(country.cities)
    if country.code in ADZUNA_UNSUPPORTED:
        source = GOOGLE_JOBS
    else:
        source = rng.choice((ADZUNA, GOOGLE_JOBS))
    title = rng.choice(titles)
    external_id = _external_id(rng, source, day, index, title, company, city.name)
    if source == ADZUNA:
        url = f"https://www.adzuna.{_adzuna_tld(country.code)}/jobs/land/ad/{external_id}"
    else:
        url = f"https://www.linkedin.com/jobs/view/{rng.randint(3_000_000_000, 3_999_999_999)}"
    return SamplePosting(
        source=source,
        external_id=external_id,
        title=title,
        company=company,
        location=_board_location(source, country, city),
        description=blurb.format(city=city.name_en),
        url=url,
        posted_at=_posted_at(rng, day),
        country=country.code,
        region=city.region,
        city=city.name,
        hotel_id=None,
    )


# -- lead export --------------------------------------------------------------------------------

LEAD_COLUMNS = ("First Name", "Last Name", "Title", "Company", "Company Website", "Geography",
                "Email", "Person Linkedin Url")


def sample_leads_csv(seed: int = DEFAULT_SEED) -> str:
    """A small Sales Navigator style export for ~30 of the hotels, with a few messy rows:
    one without a company, one exact duplicate, one shouting email with stray spaces and one
    website without a scheme."""
    rng = Random(f"{seed}:leads")
    chosen = rng.sample(hotels(seed), 30)
    rows: list[list[str]] = []
    for hotel in chosen:
        country = COUNTRY_BY_CODE[hotel.country]
        city = next(c for c in country.cities if c.name == hotel.city)
        if hotel.country == "US":
            geography = f"{city.name_en}, {city.region}, United States"
        else:
            geography = f"{city.name_en}, {country.name_en}"
        handle = "-".join(_words(f"{hotel.contact_first} {hotel.contact_last}", country.lang))
        rows.append([
            hotel.contact_first, hotel.contact_last, hotel.contact_title, hotel.name,
            hotel.website, geography, hotel.contact_email,
            f"https://www.linkedin.com/in/{handle}-{rng.getrandbits(24):06x}",
        ])
    rows[4][3] = ""
    rows[9][6] = f"  {rows[9][6].upper()} "
    rows[13][4] = rows[13][4].removeprefix("https://")
    rows.insert(18, list(rows[17]))

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(LEAD_COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue()


HOTEL_LIST_COLUMNS = ["Hotel", "City", "Country", "Contact", "Title"]


def sample_hotel_list_csv(seed: int = DEFAULT_SEED) -> str:
    """A plain list of every sample hotel with its contact's name and title but no website and no
    email: enrichment has to find both, so the demo shows its hit rates over all 200 hotels."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HOTEL_LIST_COLUMNS)
    for hotel in hotels(seed):
        country = COUNTRY_BY_CODE[hotel.country]
        writer.writerow([hotel.name, hotel.city, country.name_en,
                         f"{hotel.contact_first} {hotel.contact_last}", hotel.contact_title])
    return buffer.getvalue()
