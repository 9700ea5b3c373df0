"""Read a CSV of leads (Sales Navigator export or a hand-made hotel list) into rows.

Pure file I/O: no database, no Dagster. Files come from people, so they arrive in any Western
encoding, with any of four delimiters, with title lines above the header and with column names in
several languages. The reader's contract is that nothing is dropped silently:

* a file it cannot read at all (binary, JSON, a web page, no column naming a company) raises
  :class:`LeadFileError` with one message naming the file;
* otherwise every non-blank record after the header comes back as a :class:`LeadRow`, either with
  a :class:`Lead` or with a human ``reason`` saying why not. A quote left open costs only its own
  line: that line comes back rejected and reading resumes on the next one.

Duplicates are deliberately not decided here; admission does that against the whole store.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from jengu_assets.acquisition.models import Lead
from jengu_assets.acquisition.rules import (
    country_code,
    domain_countries,
    domain_of,
    ends_in_state_or_country,
    is_valid_email,
    looks_like_lodging,
    normalise_email,
    parse_location,
    phone_countries,
    postcode_countries,
    region_country,
)
from jengu_resources.text_decoding import (
    BOMS,
    file_signature,
    guess_legacy_encoding,
    is_utf8,
    text_stream,
    usual_code_page,
    utf16_by_zero_bytes,
    utf16_without_bom,
)

SALES_NAVIGATOR = "sales_navigator"
PLAIN_LIST = "plain_list"

DELIMITERS = (",", ";", "\t", "|")  # order breaks ties: comma is by far the most common
SAMPLE_CHARS = 64 * 1024
MAX_PREAMBLE = 10  # title lines tolerated above the header; more looks like headerless data
# Reports list their filters above the header, one "Name: value" line each; past MAX_PREAMBLE
# only such narrow lines are passed over, up to this many.
MAX_NARROW_PREAMBLE = 40
MAX_COMPANY_NAME = 250  # the longest real hotel names run to about a hundred characters
PREAMBLE_MAX_CELLS = 2  # "Exported on,2026-01-01" is a title; three values look like a data row


def display_path(path: str | Path) -> str:
    """``path`` as text that can be stored and printed. A file name that is not UTF-8 (copied from
    an old Windows share or a ZIP) reaches Python as lone surrogates, which no database, JSON
    writer or terminal accepts."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


class LeadFileError(ValueError):
    """The file as a whole cannot be read as a lead list; the message names the file."""


@dataclass
class LeadRow:
    """One non-blank record after the header. ``reason`` is set exactly when ``lead`` is None."""

    row: int  # 1-based among non-blank records after the header
    line: int  # physical 1-based line where the record starts
    data: dict[str, str]  # original header -> value as written (whitespace-trimmed)
    lead: Lead | None
    reason: str | None


@dataclass
class LeadFile:
    """What was read and how: enough to store the file's provenance next to its rows."""

    path: Path
    sha256: str
    size_bytes: int
    encoding: str
    delimiter: str
    format: str  # SALES_NAVIGATOR | PLAIN_LIST
    columns: dict[str, str]  # canonical field -> original header
    unmapped_columns: list[str]
    rows: list[LeadRow] = field(default_factory=list)


# --- column aliases ------------------------------------------------------------------------------

_ALIASES: dict[str, tuple[str, ...]] = {
    "company_name": (
        "company", "company name", "hotel", "hotel name", "property", "property name",
        "account name", "organization", "organisation", "organization name", "organisation name",
        "firma", "firmenname", "unternehmen", "hôtel", "empresa", "entreprise", "société",
        "current company", "business name", "employer", "establishment", "accommodation",
        "nom de l'hôtel", "nombre del hotel", "raison sociale", "razón social", "azienda",
        "albergo", "ragione sociale", "bedrijf", "bedrijfsnaam", "name of hotel",
        "name of company", "associated company", "associated company name", "nazwa firmy",
        "nazwa hotelu", "název firmy", "název hotelu", "společnost", "název společnosti",
        "företag", "företagsnamn", "virksomhed", "bedrift", "yritys", "компания",
        "название компании", "организация", "отель", "гостиница", "название отеля",
        "会社名", "企業名", "法人名", "ホテル名", "施設名", "宿泊施設名", "公司名称", "公司名稱", "公司",
        "企业名称", "企業名稱", "酒店名称", "酒店名稱", "酒店", "饭店",
        "name des unternehmens", "unternehmensname", "betriebsname", "name der unterkunft",
        "unterkunft", "nom de l'entreprise", "nom entreprise", "nom de la société",
        "nom commercial", "enseigne", "nom de l'établissement", "établissement",
        "nombre de la empresa", "nombre de empresa", "nombre comercial",
        "nombre del establecimiento", "establecimiento", "alojamiento", "nome da empresa",
        "nome azienda", "nome dell'azienda", "nome struttura", "struttura", "naam bedrijf",
        "accommodatie", "name of property", "establishment name",
    ),
    "contact_name": (
        "name", "full name", "contact", "contact name", "contact person", "ansprechpartner",
        "imię i nazwisko", "osoba kontaktowa", "kontaktperson", "контактное лицо",
        "фио", "担当者", "担当者名", "氏名", "联系人", "聯絡人", "姓名",
        "nom du contact", "nom complet", "nom et prénom", "prénom et nom", "interlocuteur",
        "persona de contacto", "nombre completo", "nombre y apellidos", "vollständiger name",
        "persona di contatto", "persona di riferimento", "referente", "nome completo",
        "nome e cognome", "pessoa de contato", "contato", "contactpersoon",
    ),
    "first_name": (
        "first name", "firstname", "given name", "vorname", "prénom", "voornaam", "nome",
        "imię", "jméno", "förnamn", "fornavn", "etunimi", "имя", "nombre",
    ),
    "last_name": (
        "last name", "surname", "family name", "nachname", "nom", "apellido", "apellidos",
        "cognome", "achternaam", "sobrenome", "nazwisko", "příjmení", "efternamn",
        "efternavn", "etternavn", "sukunimi", "фамилия",
    ),
    "contact_title": (
        "title", "job title", "position", "role", "headline", "current title", "titel",
        "funktion", "poste", "cargo", "designation", "ruolo", "functie", "occupation", "job",
        "stanowisko", "pozice", "funkce", "stilling", "befattning", "должность", "役職", "肩書き",
        "职位", "職位", "职务",
    ),
    "email": (
        "email", "e-mail", "email address", "e-mail address", "mail", "work email",
        "business email", "e-mail-adresse", "courriel", "correo", "correo electrónico", "emails",
        "mail address", "email id", "pro email", "professional email", "email pro", "e-mail pro",
        "email professionnel", "work email address", "business email address", "secondary email",
        "other email", "alternate email", "additional email", "supplemental email",
        "perso email", "personal email", "private email", "adres e-mail", "e-post", "epost",
        "sähköposti", "эл. почта", "электронная почта", "почта", "メールアドレス", "メール", "電子メール",
        "邮箱", "电子邮件", "電子郵件", "电子邮箱", "電郵",
        "adresse e-mail", "adresse email", "adresse mail", "adresse électronique",
        "adresse courriel", "courriel professionnel", "e-mailadres", "emailadres",
        "indirizzo email", "indirizzo e-mail", "indirizzo di posta elettronica",
        "posta elettronica", "dirección de correo electrónico", "dirección de correo",
        "dirección de email", "correo electrónico de trabajo", "endereço de e-mail",
        "endereço de email", "e-mail geschäftlich", "geschäftliche e-mail", "firmen-e-mail",
    ),
    "phone": (
        "phone", "telephone", "téléphone", "phone number", "tel", "telefon", "telefonnummer",
        "teléfono", "work phone", "mobile", "mobile phone", "phone no", "telephone number",
        "mobile number", "cell phone", "direct phone", "work direct phone", "first phone",
        "corporate phone", "telefono", "telefoon", "puhelin", "телефон", "電話番号", "電話",
        "电话", "電話號碼", "电话号码",
        "telefone", "telefoonnummer", "numéro de téléphone", "número de teléfono",
        "numero di telefono", "número de telefone", "mobiltelefon", "handy", "handynummer",
        "portable", "téléphone mobile", "téléphone portable", "móvil", "teléfono móvil",
        "cellulare", "telefono cellulare", "telemóvel", "mobiel", "telefon geschäftlich",
    ),
    "linkedin_url": (
        "linkedin", "linkedin url", "linkedin profile", "linkedin profile url", "profile url",
        "person linkedin url", "sales navigator url", "linkedin profile link", "profile link",
        "default profile url",
    ),
    "website": (
        "website", "company website", "website url", "url", "domain", "company domain", "web",
        "homepage", "webseite", "site web", "sitio web", "domain name", "company domain name",
        "site", "web page", "sito web", "strona www", "strona internetowa", "webové stránky",
        "сайт", "веб-сайт", "ウェブサイト", "ホームページ", "网站", "網站", "官网",
        "url du site web", "site internet", "nom de domaine de l'entreprise",
        "domain-name des unternehmens", "sitio web de la empresa",
        "nombre de dominio de la empresa", "sito internet", "internetseite", "webadresse",
    ),
    "city": (
        "city", "town", "stadt", "ort", "ville", "ciudad", "città", "miasto", "locality", "plaats",
        "cidade", "localidad", "localité", "miejscowość", "město", "obec", "stad", "kaupunki",
        "город", "市区町村", "市町村", "城市",
        "localidade", "gemeinde", "municipio", "comune", "woonplaats", "city name", "town name",
    ),
    "region": (
        "state", "region", "province", "provincia", "county", "bundesland", "kanton",
        "state/region", "state/province", "province/state", "województwo", "регион", "область",
        "stato/regione", "regione", "état", "état/province", "departamento", "comunidad autónoma",
        "estado", "distrito",
        "都道府県", "省份",
    ),
    "country": ("country", "country code", "land", "pays", "país", "paese", "country/region",
                "country name", "nazione", "kraj", "země", "maa", "страна", "国", "国名", "国家",
                "國家"),
    "location": (
        "location", "geography", "company location", "address", "company address", "adresse",
        "dirección", "standort", "adres", "adresa", "адрес", "住所", "所在地", "地址",
    ),
    "industry": ("industry", "company industry", "branche", "sector", "secteur",
                 "secteur d'activité", "settore", "sector de actividad", "setor", "bedrijfstak"),
}

# Exports name the same field with a prefix saying whose it is: "Company City", "Hotel Email"
# (HubSpot, Apollo, hand-made lists) or "Contact Email", "Person Title" (CRMs). The hotel's own
# place is what identifies it, so it beats the person's; the person's email and phone beat the
# hotel's front desk.
_COMPANY_PREFIXES = (
    "company", "hotel", "property", "account", "organization", "organisation", "business",
    "billing", "shipping",
)
_PERSON_PREFIXES = ("contact", "person", "lead", "primary", "work", "main", "prospect", "mailing")
_HOTEL_PLACE = frozenset({"city", "region", "country", "location"})
_COMPANY_FIELDS = _HOTEL_PLACE | {"email", "phone", "website", "industry"}
_PERSON_FIELDS = _HOTEL_PLACE | {
    "contact_name", "first_name", "last_name", "contact_title", "email", "phone", "linkedin_url",
}


# Names that say less than another column may: "profileUrl" is the Sales Navigator link where
# "linkedinProfileUrl" is the public one, a bare "URL" can be anything, and next to a "Job Title"
# (Outlook) a "Title" is "Ms.".
_WEAK_ALIASES = frozenset({
    "profileurl", "profilelink", "url", "web", "title", "associatedcompany",
    "associatedcompanyname", "secondaryemail", "otheremail", "alternateemail", "additionalemail",
    "supplementalemail", "persoemail", "personalemail", "privateemail",
})
# Where the first column for these is empty in a row, the next one for the same field is read:
# HubSpot's "Company Name" is often blank where "Associated Company" is not, and tools give a
# second address ("Email 2", "Personal Email") for when there is no first.
_ALTERNATE_FIELDS = ("company_name", "email", "phone", "website")

# Columns only a listing of businesses has (Google Maps scrapes, directories): there the hotel's
# name is in a column called just "name" or "title".
_LISTING_COLUMNS = frozenset({
    "category", "categoryname", "categories", "subtypes", "rating", "reviews", "reviewscount",
    "totalscore", "stars", "starrating", "placeid", "googleid", "latitude", "longitude",
    "fulladdress", "googlemapsurl", "mapsurl",
})

# A company column with a note in its name: "Company Name (Legal)", "Hotel name / Nom".
_NAMED_COMPANY = (
    "companyname", "hotelname", "propertyname", "accountname", "businessname", "organizationname",
    "organisationname",
)


_NOT_ASCII_ALNUM = re.compile(r"[^0-9a-z]+")


def _norm_header(text: str) -> str:
    if text.isascii():
        return _NOT_ASCII_ALNUM.sub("", text.lower())
    # Accents are folded so "Prénom"/"prenom" and "Hôtel"/"Hotel" match whatever the export did.
    folded = unicodedata.normalize("NFKD", text.replace("\ufeff", "").casefold())
    return "".join(ch for ch in folded if ch.isalnum() and not unicodedata.combining(ch))


_ALIAS_TO_FIELD: dict[str, str] = {
    _norm_header(alias): canonical for canonical, aliases in _ALIASES.items() for alias in aliases
}


_BILINGUAL = re.compile(r"\s*[/|]\s*")
# A note on a header name: "E-mail (work)", "City [HQ]", "Phone\n(direct)".
_HEADER_NOTE = re.compile(r"\s*[(\[][^()\[\]]*[)\]]\s*")


def _header_field(cell: str) -> tuple[str, int] | None:
    """(canonical field, rank) a header names, or None; the lowest rank wins a field."""
    found = _header_name_field(cell)
    if found is None and (note := _HEADER_NOTE.search(cell)):
        bare = _HEADER_NOTE.sub(" ", cell)
        if bare.strip():
            found = _header_name_field(bare)
        # "Name (Hotel)": the note says whose name it is.
        if _norm_header(bare) == "name" and _ALIAS_TO_FIELD.get(_norm_header(note.group())) == (
            "company_name"
        ):
            found = ("company_name", 1)
    if found is None and _BILINGUAL.search(cell):
        # "Stadt / Ville", "E-Mail | Courriel": the first language that names a field.
        for part in _BILINGUAL.split(cell):
            if part.strip() and (found := _header_name_field(part)):
                break
    return found


def _header_name_field(cell: str) -> tuple[str, int] | None:
    key = _norm_header(cell)
    if not key:
        return None
    canonical = _ALIAS_TO_FIELD.get(key)
    if canonical:
        if key in _WEAK_ALIASES:
            return canonical, 2
        hotels_own = canonical in _HOTEL_PLACE and key.startswith(_COMPANY_PREFIXES)
        return canonical, 0 if hotels_own else 1
    # "Email 1", "Phone 2", Google's "E-mail 1 - Value".
    numbered = re.sub(r"[0-9]+", "", key).removesuffix("value")
    for prefix in _COMPANY_PREFIXES:
        if numbered.startswith(prefix):
            canonical = _ALIAS_TO_FIELD.get(numbered[len(prefix) :])
            if canonical in _COMPANY_FIELDS:
                return canonical, 0 if canonical in _HOTEL_PLACE else 2
    for prefix in _PERSON_PREFIXES:
        if numbered.startswith(prefix):
            canonical = _ALIAS_TO_FIELD.get(numbered[len(prefix) :])
            if canonical in _PERSON_FIELDS:
                return canonical, 1
    if numbered != key and (canonical := _ALIAS_TO_FIELD.get(numbered)):
        return canonical, 1
    return None


def _alternates(cells: Sequence[str], mapping: dict[str, int]) -> dict[str, list[int]]:
    """For the fields in _ALTERNATE_FIELDS: the other columns naming them, best first."""
    found: dict[str, list[tuple[int, int]]] = {}
    for i, cell in enumerate(cells):
        named = _header_field(cell)
        if named and named[0] in _ALTERNATE_FIELDS and mapping.get(named[0]) not in (None, i):
            found.setdefault(named[0], []).append((named[1], i))
    return {name: [i for _rank, i in sorted(columns)] for name, columns in found.items()}


def _map_columns(cells: Sequence[str]) -> dict[str, int]:
    """Canonical field -> column index; the best-ranked column wins, then the first."""
    best: dict[str, tuple[int, int]] = {}
    for i, cell in enumerate(cells):
        found = _header_field(cell)
        if found and (found[0] not in best or found[1] < best[found[0]][0]):
            best[found[0]] = (found[1], i)
    mapping = {name: i for name, (_rank, i) in best.items()}
    if "company_name" not in mapping:
        for i, cell in enumerate(cells):
            key = _norm_header(cell)
            if key.startswith(_NAMED_COMPANY) and i not in mapping.values():
                mapping["company_name"] = i
                return mapping
        names = [_norm_header(cell) for cell in cells]
        person = {"first_name", "last_name"} & mapping.keys()
        if _LISTING_COLUMNS.intersection(names) and not person:
            for key in ("name", "title"):
                if key in names:
                    column = names.index(key)
                    mapping = {f: i for f, i in mapping.items() if i != column}
                    mapping["company_name"] = column
                    break
    return mapping


# Invisible characters that survive str.strip(): byte order marks of files pasted together and
# zero-width spaces copied from web pages.
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"


def _clean(cell: str) -> str:
    value = cell.strip()
    if value[:1] in _INVISIBLE or value[-1:] in _INVISIBLE:
        value = value.strip(_INVISIBLE + " \t\r\n\u00a0").strip()
    return value


def _unique_headers(cells: Sequence[str]) -> list[str]:
    # Row data is stored as a dict, so blank or repeated names must not overwrite each other.
    headers: list[str] = []
    seen: set[str] = set()
    for i, cell in enumerate(cells, start=1):
        name = _clean(cell) or f"column {i}"
        candidate, n = name, 2
        while candidate in seen:
            candidate, n = f"{name} ({n})", n + 1
        seen.add(candidate)
        headers.append(candidate)
    return headers


# --- bytes -> text -------------------------------------------------------------------------------

# Not a binary format, but a word processor's text: its lines are markup, never rows.
_RTF = b"{\\rtf"

# Text has next to no control characters besides tabs and line breaks; binary data is full of them.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")
BINARY_CONTROL_SHARE = 0.01

# Database dumps and crashed copies leave a few NUL bytes in otherwise good text, and some tools
# pad a file with them; past this share of the bytes the file is binary (or UTF-16 we cannot read).
MAX_NUL_SHARE = 0.05

# Files given by mistake that are text but not a table. JSON opens with a bracket and a quote or
# another bracket; markup opens with a tag. No header of a lead list starts either way.
_JSON_START = re.compile(r"\s*[\[{]\s*(?:[\"\[{\]}]|$)")
_MARKUP_START = re.compile(r"\s*<[!?a-zA-Z]")


def _detect_encoding(raw: bytes, path: Path) -> str:
    for bom, encoding in BOMS:
        if raw.startswith(bom):
            return encoding
    signature = file_signature(raw)
    if signature:
        raise LeadFileError(f"{path}: not a CSV file (looks like {signature[1]})")
    if raw.startswith(_RTF):
        raise LeadFileError(f"{path}: not a CSV file (looks like an RTF document; save it as CSV)")
    utf16 = utf16_without_bom(raw) or utf16_by_zero_bytes(raw)
    if utf16:
        return utf16  # Excel's "Unicode text" without its BOM
    if b"\x00" in raw:
        body = raw.rstrip(b"\x00")
        if body.count(0) > MAX_NUL_SHARE * len(body):
            raise LeadFileError(f"{path}: not a CSV file (binary content: contains NUL bytes)")
    if is_utf8(raw):
        return "utf-8"
    return usual_code_page(raw, guess_legacy_encoding(raw))


def _decode(raw: bytes, encoding: str) -> str:
    with text_stream(raw, encoding) as stream:
        text = stream.read()
    if text.endswith("\x1a"):
        text = text.rstrip("\x1a")  # DOS programs end a file with ^Z
    # Cells never mean a NUL; dropping them keeps the rest of the value.
    return text.replace("\x00", "") if "\x00" in text else text


# Long hotel descriptions pasted into a cell pass the csv module's 128 KiB default; a quote left
# open in a big file stops at this bound, and its line is then rejected on its own.
FIELD_SIZE_LIMIT = 16 * 1024 * 1024
csv.field_size_limit(max(csv.field_size_limit(), FIELD_SIZE_LIMIT))


# --- structure -----------------------------------------------------------------------------------


def _is_blank(cells: Sequence[str]) -> bool:
    return not any(cell.strip() for cell in cells)


# Physical lines as the csv module counts them: "\r\n", "\r" and "\n" each end one.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def _physical_lines(text: str) -> list[str]:
    return _LINE.findall(text)


class _LineFeed:
    """The lines of a file for csv.reader, remembering how many were consumed, so that reading
    can start again on any line."""

    __slots__ = ("lines", "pos")

    def __init__(self, lines: list[str]):
        self.lines = lines
        self.pos = 0

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        pos = self.pos
        if pos >= len(self.lines):
            raise StopIteration
        self.pos = pos + 1
        return self.lines[pos]


def _reader(lines: Iterable[str], delimiter: str) -> Iterator[list[str]]:
    return csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True,
                      skipinitialspace=True, strict=False)


@dataclass
class _Record:
    start: int  # 1-based line where the record starts
    end: int  # line where it ends
    cells: list[str]
    broken: str | None = None  # set when an unbalanced quote cut the record back to one line


def _records(
    lines: list[str], delimiter: str, width: int | Callable[[], int] | None = None
) -> Iterator[_Record]:
    """Every record, blank ones included.

    With the header's ``width`` known, a quote that never closes does not swallow the records
    after it: its line comes back alone, ``broken``, and reading starts again on the next line.
    ``width`` may be a callable when a header further down changes it.
    """
    feed = _LineFeed(lines)
    reader = _reader(feed, delimiter)
    current = width if callable(width) else (lambda: width)
    while True:
        first = feed.pos
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            if width is None:
                raise
            # Only a quoted field longer than FIELD_SIZE_LIMIT gets here: a quote left open in
            # a big file.
            yield _broken_record(lines, first, delimiter)
            feed.pos = first + 1
            reader = _reader(feed, delimiter)
            continue
        last = feed.pos
        if width is not None and _runs_away(lines, first, last, cells, delimiter, current()):
            yield _broken_record(lines, first, delimiter)
            if last - first > 1:
                feed.pos = first + 1
                reader = _reader(feed, delimiter)
            continue
        yield _Record(first + 1, last, cells)


def _runs_away(
    lines: list[str], first: int, last: int, cells: list[str], delimiter: str, width: int
) -> bool:
    """Whether the record on lines ``first``..``last - 1`` (0-based) holds an unbalanced quote."""
    if last == len(lines) and any('"' in line for line in lines[first:last]):
        # Two more line breaks end any record, unless it is still inside an open quote.
        probe = _reader([*lines[first:last], "\n", "\n"], delimiter)
        if sum(1 for _ in probe) == 1:
            return True
    if last - first < 2 or width < 2:
        return False
    # A line break inside quotes continues a value; a following line that reads as a whole record
    # of its own was swallowed by a quote left open above it. That quote then closes on another
    # stray one, which a well-formed record never has text right after.
    following = lines[first + 1]
    if not _fits(_split_line(following, delimiter), width):
        return False
    if not _fits(cells, width) and '"' not in following:
        return True
    return _malformed(lines[first:last], delimiter)


def _malformed(lines: list[str], delimiter: str) -> bool:
    try:
        for _ in csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True,
                            skipinitialspace=True, strict=True):
            pass
    except csv.Error:
        return True
    return False


def _split_line(line: str, delimiter: str) -> list[str]:
    """One line's cells, quotes taken literally except around a whole cell."""
    cells = []
    for cell in line.rstrip("\r\n").split(delimiter):
        bare = cell.strip()
        if len(bare) > 1 and bare[0] == bare[-1] == '"':
            cell = bare[1:-1].replace('""', '"')
        cells.append(cell)
    return cells


def _broken_record(lines: list[str], first: int, delimiter: str) -> _Record:
    return _Record(
        first + 1,
        first + 1,
        _split_line(lines[first], delimiter),
        broken=f"unbalanced quote: a field on line {first + 1} opens a quote that does not close",
    )


@dataclass
class _Layout:
    delimiter: str
    header_line: int
    header: list[str]
    mapping: dict[str, int]
    preamble: list[str]
    consistency: float

    def score(self) -> tuple[int, bool, float, int]:
        # Merged header names map nothing, so the true delimiter maps the most columns; the
        # rest only breaks ties (a one-column list of hotel names parses the same either way).
        return (
            len(self.mapping),
            len(self.header) > 1,
            self.consistency,
            -DELIMITERS.index(self.delimiter) if self.delimiter in DELIMITERS else 0,
        )


def _fits(cells: Sequence[str], width: int) -> bool:
    return len(cells) == width or (len(cells) > width and _is_blank(cells[width:]))


def _layout_for(sample_lines: list[str], delimiter: str, strict: bool = True) -> _Layout | None:
    records: list[tuple[int, list[str]]] = []
    try:
        for record in _records(sample_lines, delimiter):
            if not _is_blank(record.cells):
                records.append((record.start, record.cells))
            if len(records) > 60:
                break
    except csv.Error:
        pass  # a quote left open: the records before it still show the layout
    wide_preamble = False
    for k, (start, cells) in enumerate(records[: MAX_NARROW_PREAMBLE + 1]):
        if k > MAX_PREAMBLE and wide_preamble:
            break  # past MAX_PREAMBLE only narrow lines are passed over
        mapping = _map_columns(cells)
        if "company_name" not in mapping:
            column = _hotel_names_column(cells, mapping, [c for _, c in records[k + 1 :]])
            if column is not None:
                mapping = {name: i for name, i in mapping.items() if i != column}
                mapping["company_name"] = column
        # Past a full line without a company column, only a header naming more than the
        # company is trusted: a data row with "Hotel" in a type column is no header.
        if "company_name" in mapping and not (wide_preamble and len(mapping) < 2):
            after = [c for _, c in records[k + 1 :]]
            fitting = sum(_fits(c, len(cells)) for c in after)
            return _Layout(
                delimiter=delimiter,
                header_line=start,
                header=cells,
                mapping=mapping,
                preamble=[delimiter.join(c) for _, c in records[:k]],
                consistency=fitting / len(after) if after else 1.0,
            )
        if sum(1 for c in cells if c.strip()) > PREAMBLE_MAX_CELLS:
            if strict:
                break  # a full row without a company column: data or a header we cannot use
            wide_preamble = True
    return None


def _hotel_names_column(
    cells: Sequence[str], mapping: dict[str, int], below: list[list[str]]
) -> int | None:
    """The column of a hand-made list headed just "Name" when the names below it are mostly
    hotels ("Name, City, Email" over "Hotel Adler, Wien, ..."), else None: there a "Name" is
    the hotel's, not a person's."""
    names = [_norm_header(cell) for cell in cells]
    if "name" not in names or {"first_name", "last_name"} & mapping.keys():
        return None
    column = names.index("name")
    values = [row[column].strip() for row in below if len(row) > column and row[column].strip()]
    values = values[:50]
    hotels = sum(1 for value in values if looks_like_lodging(value))
    return column if values and 2 * hotels >= len(values) else None


def _sample_lines(text: str) -> list[str]:
    sample = text[: SAMPLE_CHARS + 1]
    if len(sample) > SAMPLE_CHARS:
        # A cut-off last line would skew the field counts, so keep whole lines only.
        cut = max(sample.rfind("\n"), sample.rfind("\r"))
        sample = sample[: cut + 1] if cut > 0 else sample
    return _physical_lines(sample)


# Excel writes "sep=;" as the first line when asked to: it names the delimiter outright.
_SEP_LINE = re.compile(r"\A\ufeff?\"?sep=(.)\"?[ \t]*(?:\r\n|\r|\n|\Z)", re.IGNORECASE)


def _find_layout(path: Path, sample_lines: list[str], encoding: str) -> _Layout:
    declared = _SEP_LINE.match(sample_lines[0]) if sample_lines else None
    delimiters = [declared.group(1)] if declared else list(DELIMITERS)
    for strict in (True, False):
        layouts = [lay for d in delimiters if (lay := _layout_for(sample_lines, d, strict))]
        if layouts:
            return max(layouts, key=_Layout.score)
        if declared:  # a wrong declaration is no reason to give up on the file
            layouts = [lay for d in DELIMITERS if (lay := _layout_for(sample_lines, d, strict))]
            if layouts:
                return max(layouts, key=_Layout.score)
    raise _no_header_error(path, "".join(sample_lines), encoding)


def _no_header_error(path: Path, sample: str, encoding: str) -> LeadFileError:
    if sample.count("\ufffd") > 0.01 * len(sample):
        return LeadFileError(f"{path}: unreadable encoding (not valid text as {encoding})")
    first = next((ln.strip() for ln in sample.splitlines() if ln.strip(" \t,;|")), "")
    shown = first if len(first) <= 120 else first[:117] + "..."
    return LeadFileError(
        f"{path}: no recognisable header: no column names a company or hotel "
        f"(expected e.g. 'Company' or 'Hotel Name'; first line: {shown!r})"
    )


def _not_a_table_error(path: Path, sample: str) -> LeadFileError | None:
    """The error for text that is certainly no CSV (binary, JSON, markup), else None."""
    if len(_CONTROL.findall(sample)) > BINARY_CONTROL_SHARE * len(sample):
        return LeadFileError(f"{path}: not a CSV file (binary content)")
    if _JSON_START.match(sample):
        return LeadFileError(f"{path}: not a CSV file (looks like JSON; export the list as CSV)")
    if _MARKUP_START.match(sample):
        return LeadFileError(
            f"{path}: not a CSV file (looks like an HTML or XML document; export the list as CSV)"
        )
    return None


def _detect_format(layout: _Layout) -> str:
    mapping = layout.mapping
    names = {_norm_header(cell) for cell in layout.header}
    if "salesnavigatorurl" in names or any("sales navigator" in p.lower() for p in layout.preamble):
        return SALES_NAVIGATOR
    if {"first_name", "last_name", "linkedin_url"} <= mapping.keys():
        return SALES_NAVIGATOR
    if {"company_name", "contact_title"} <= mapping.keys() and "geography" in names:
        return SALES_NAVIGATOR
    return PLAIN_LIST


# --- values -> Lead ------------------------------------------------------------------------------

# What people and spreadsheets type into a cell that has no value; "#N/A" and the other error
# values are what Excel and Google Sheets show for a formula that failed.
_PLACEHOLDERS = frozenset(
    {"", "n/a", "na", "n.a.", "#n/a", "-", "--", "none", "null", "nil", "nan", "unknown", "?",
     "#ref!", "#value!", "#name?", "#div/0!", "#null!", "#num!", "#spill!", "#calc!", "#field!",
     "#error!", "#getting_data"}
)
PLACEHOLDER_MAX = max(map(len, _PLACEHOLDERS))
# Excel's way to keep leading zeros: ="00491234" is a text, not a formula to refuse.
_TEXT_FORMULA = re.compile(r'="[^"]*"')


# Lists scraped from web pages keep their entities ("Hotel &amp; Spa"). Only complete ones are
# decoded: html.unescape alone would also turn the "&not" of "B&notes" into a sign.
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")


def _unescape(value: str) -> str:
    if "&" not in value:
        return value
    return _ENTITY.sub(lambda m: html.unescape(m.group()), value).strip()


def _present(value: str) -> str | None:
    if len(value) <= PLACEHOLDER_MAX and value.casefold() in _PLACEHOLDERS:
        return None
    if value[:2] == '="' and _TEXT_FORMULA.fullmatch(value):
        value = value[2:-1].strip()
    if value[:1] == "'" and value[1:2] in _TEXT_MARKED:
        value = value[1:]
    return _unescape(value) or None


# Excel's mark for "this is text, not a number": exports write phones as "'+49 89 ...". Before
# "=" it defuses a formula, so it stays there.
_TEXT_MARKED = frozenset("+0123456789")


_ADDRESS_LIST = re.compile(r"[\s;,|/]+")


def _email(value: str) -> str | None:
    value = _unescape(value)
    if not value.isascii():
        value = unicodedata.normalize("NFKC", value)  # "ｉｎｆｏ＠ｈｏｔｅｌ．ｊｐ" typed in Japanese
    if "<" not in value and (value.count("@") > 1 or " " in value):
        # Several addresses in one cell, also without spaces ("a@x.de|b@x.de"), or one with a
        # note around it ("Jane (jane@x.de)"): the first address.
        parts = [p.strip("()[]\"'") for p in _ADDRESS_LIST.split(value) if "@" in p]
        value = parts[0] if parts else value
    email = normalise_email(value)
    if email and email[-1] in ".,;:" and is_valid_email(email.rstrip(".,;:")):
        email = email.rstrip(".,;:")  # copied from the end of a sentence
    return email


_PHONE_LIKE = re.compile(r"\+?[\d\s()./-]{6,}")


def _misplaced_in_email(value: str) -> str | None:
    """'website' or 'phone' when an email cell holds one of those instead, else None."""
    value = value.strip()
    if "@" in value:
        return None
    if _PHONE_LIKE.fullmatch(value) and sum(ch.isdigit() for ch in value) >= 6:
        return "phone"
    return "website" if " " not in value and "." in value and domain_of(value) else None


# A cell a spreadsheet would run instead of show: "=HYPERLINK(...)", "+SUM(...)", "@cmd|...".
# Phone numbers ("+49 89 ...") and placeholders ("-") start with the same signs but not like this.
_FORMULA = re.compile(r"=|[+\-@]\s*(?:[A-Za-z_][\w.]*\(|[A-Za-z]+\s*\|)")
_FORMULA_SIGNS = frozenset("=+-@")


def _shown(value: str) -> str:
    # A reason quotes the value it is about, but a runaway cell must not make it a megabyte.
    return value if len(value) <= 80 else value[:77] + "..."


# Postcode columns: the short names alone ("Zip", "PLZ", "CAP"), the long ones after anything
# ("Mailing Postal Code"), and "Zip" after a prefix saying whose it is ("Billing Zip").
_POSTCODE_NAMES = frozenset({"zip", "plz", "cp", "cap", "psc", "npa"})
_POSTCODE_SUFFIXES = (
    "zipcode", "postalcode", "postcode", "postleitzahl", "codepostal", "codigopostal",
    "postnummer", "postinumero", "kodpocztowy",
)


def _is_postcode_header(cell: str) -> bool:
    key = _norm_header(cell)
    if key in _POSTCODE_NAMES or key.endswith(_POSTCODE_SUFFIXES):
        return True
    return key.endswith("zip") and key.startswith(_COMPANY_PREFIXES + _PERSON_PREFIXES)


class _LeadBuilder:
    """Turns one record's trimmed values into a Lead, or a reason; per-file caches live here."""

    def __init__(self, path: Path, sha256: str, headers: list[str], mapping: dict[str, int],
                 alternates: dict[str, list[int]] | None = None):
        self.path = path
        self.name = display_path(path.name)
        self.sha256 = sha256
        self.headers = headers
        self.mapping = mapping
        self.alternates = alternates or {}
        mapped = set(mapping.values())
        self.unmapped = [i for i in range(len(headers)) if i not in mapped]
        # A postcode column is no field of a Lead, but its shape tells "Tbilisi, Georgia" from
        # "Athens, Georgia"; it stays among the extra values.
        self.postcode = next((i for i in self.unmapped if _is_postcode_header(headers[i])), None)
        # Exports repeat the same few places thousands of times.
        self._locations: dict[str, tuple[tuple[str | None, str | None, str | None], bool]] = {}
        self._countries: dict[str, str | None] = {}

    def _get(self, values: list[str], name: str) -> str | None:
        i = self.mapping.get(name)
        value = None if i is None else _present(values[i])
        if value is None and name in self.alternates:
            for j in self.alternates[name]:
                if (value := self._safe(values, j)) is not None:
                    break
        return value

    def _safe(self, values: list[str], i: int) -> str | None:
        # An alternate column is only read when the first is empty, so its formula or junk
        # makes it unusable, not the row.
        value = values[i]
        if value[:1] in _FORMULA_SIGNS and _FORMULA.match(value) and not _TEXT_FORMULA.fullmatch(
            value
        ):
            return None
        return _present(value)

    def _place(
        self, values: list[str], extra: dict[str, str], clues: tuple[str | None, ...]
    ) -> tuple[str | None, str | None, str | None]:
        """(city, region, country ISO-2) from the place columns; ``clues`` (phone, website,
        email) only settle a name that is a state and also a country ("Tbilisi, Georgia")."""
        city, region = self._get(values, "city"), self._get(values, "region")
        country = None
        if (raw_country := self._get(values, "country")) is not None:
            country = self._country(raw_country)
            if country is None:
                # Lead.country holds ISO codes only; keep what we could not resolve.
                extra[self.headers[self.mapping["country"]]] = raw_country
        if (location := self._get(values, "location")) is not None:
            # The combined string may carry a street address nothing else holds.
            extra[self.headers[self.mapping["location"]]] = location
            if city is None or region is None or country is None:
                loc_city, loc_region, loc_country = self._location(
                    location, lambda: self._evidence(values, country, clues)
                )
                city = city or loc_city
                if country is None or loc_country in (None, country):
                    region = region or loc_region  # another country's region is none of this one's
                country = country or loc_country
        if country is None and city and region and ends_in_state_or_country(region):
            # A state column saying "Georgia" next to "Tbilisi" names the country, next to
            # "Atlanta" the US state.
            _city, as_region, country = parse_location(
                f"{city}, {region}", self._evidence(values, country, clues)
            )
            region = as_region
        if country is None and (named := region_country(region)) and all(
                named in clue for clue in self._evidence(values, None, clues) if clue):
            # A region column alone ("Bayern") names its country, unless the record says another:
            # the jurisdiction rules and business hours go by the country.
            country = named
        return city, region, country

    def _evidence(
        self, values: list[str], country: str | None, clues: tuple[str | None, ...]
    ) -> list[frozenset[str]]:
        """What the rest of a record says about its country, one set of countries per clue."""
        phone, website, email = clues
        found = [phone_countries(phone), domain_countries(website), domain_countries(email)]
        if country:
            found.append(frozenset({country}))
        if self.postcode is not None and (postcode := _present(values[self.postcode])):
            found.append(postcode_countries(postcode))
        return found

    def _location(
        self, text: str, evidence: Callable[[], list[frozenset[str]]]
    ) -> tuple[str | None, str | None, str | None]:
        if text not in self._locations:
            self._locations[text] = (parse_location(text), ends_in_state_or_country(text))
        parsed, ambiguous = self._locations[text]
        # Only a location ending in a state that is also a country depends on the record.
        return parse_location(text, evidence()) if ambiguous else parsed

    def _country(self, text: str) -> str | None:
        if text not in self._countries:
            self._countries[text] = country_code(text)
        return self._countries[text]

    def _formula(self, values: list[str]) -> str | None:
        for i in self.mapping.values():
            value = values[i]
            if value[:1] in _FORMULA_SIGNS and _FORMULA.match(value) and not (
                _TEXT_FORMULA.fullmatch(value)
            ):
                return f"spreadsheet formula in column '{self.headers[i]}': {_shown(value)!r}"
        return None

    def build(self, values: list[str], row: int) -> tuple[Lead | None, str | None]:
        # Such a cell is an attack or a broken export, never a hotel's data; stored as a lead it
        # would run again in whichever spreadsheet a list of prospects is next opened with.
        formula = self._formula(values)
        if formula:
            return None, formula
        company = self._get(values, "company_name")
        if company is None:
            return None, "missing required field: company name"
        if not any(ch.isalpha() for ch in company):
            return None, f"company name has no letters: {_shown(company)!r}"
        if len(company) > MAX_COMPANY_NAME:
            # A description or a swallowed row landed in the column, not a hotel's name.
            return None, f"company name is {len(company)} characters long: {_shown(company)!r}"
        if "@" in company and is_valid_email(normalise_email(company) or ""):
            return None, f"company name is an email address: {_shown(company)!r}"

        email = None
        misplaced: dict[str, str] = {}
        if (i := self.mapping.get("email")) is not None and values[i]:
            # The same definition admission applies, so a bad address is reported here, by row.
            email = _email(values[i])
            if email is not None and not is_valid_email(email):
                field_name = _misplaced_in_email(values[i])
                if field_name is None:
                    return None, f"invalid email '{_shown(values[i])}'"
                # A website or a phone number typed into the email column: the lead is good.
                misplaced[field_name], email = values[i].strip(), None
        if email is None:
            for j in self.alternates.get("email", ()):
                other = self._safe(values, j)
                if other and (found := _email(other)) and is_valid_email(found):
                    email = found
                    break

        contact = self._get(values, "contact_name")
        if contact is None:
            parts = [self._get(values, "first_name"), self._get(values, "last_name")]
            contact = " ".join(p for p in parts if p) or None

        extra: dict[str, str] = {}
        for i in self.unmapped:
            if (value := _present(values[i])) is not None:
                extra[self.headers[i]] = value

        website, linkedin = self._get(values, "website"), self._get(values, "linkedin_url")
        website = website or misplaced.get("website")
        if website and "linkedin.com/" in website.casefold():
            if linkedin is None:
                # LinkedIn's own connections export calls the profile link just "URL".
                website, linkedin = None, website
            else:
                # A scraper's "companyUrl" is the company's LinkedIn page, not its website.
                extra[self.headers[self.mapping["website"]]] = website
                website = None

        phone = self._get(values, "phone") or misplaced.get("phone")
        city, region, country = self._place(values, extra, (phone, website, email))

        lead = Lead(
            company_name=company,
            source="csv",
            source_key=f"csv:{self.sha256}:{row}",
            source_ref=f"{self.name} row {row}",
            contact_name=contact,
            contact_title=self._get(values, "contact_title"),
            email=email,
            phone=phone,
            linkedin_url=linkedin,
            website=website,
            city=city,
            region=region,
            country=country,
            industry=self._get(values, "industry"),
            extra=extra,
        )
        return lead, None


# --- entry points --------------------------------------------------------------------------------


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise LeadFileError(f"file not found: {path}")
    if path.is_dir():
        raise LeadFileError(f"{path}: is a directory, not a CSV file")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise LeadFileError(f"{path}: cannot read file ({exc.strerror or exc})") from exc


def file_sha256(path: str | Path) -> str:
    """SHA-256 of the file's bytes: the identity of an import, whatever its name."""
    path = Path(path)
    if not path.exists():
        raise LeadFileError(f"file not found: {path}")
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except IsADirectoryError as exc:
        raise LeadFileError(f"{path}: is a directory, not a CSV file") from exc
    except OSError as exc:
        raise LeadFileError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    return digest.hexdigest()


# Lines a report tool writes below (or between) the rows: totals, "generated by", copyright and
# confidentiality notes, page counters. Only a line of one or two values is read this way.
_SUMMARY = re.compile(
    r"^(?:grand\s+|sub)?totals?\s*(?:[:=(]|(?:leads?|records?|rows?|count|rooms?)\b|\d|$)"
    r"|^(?:summe|gesamt|insgesamt|anzahl|count|sum|somme|totale)\s*[:=]?\s*\d"
    r"|^\d[\d.,\s]*\s+(?:leads?|records?|rows?|results?|contacts?|companies|accounts?|entries|"
    r"prospects?|datensätze|einträge|kontakte)\b"
    r"|^(?:generated|exported|created|downloaded|printed|extracted|report\s+generated|run)\s+"
    r"(?:by|on|at|from|with|via)\b"
    r"|^(?:erstellt|exportiert|generiert)\s+(?:von|am|mit|durch)\b"
    r"|\bcopyright\b|©|\(c\)\s*(?:\d{4}|[a-z])|\ball rights reserved\b"
    r"|\bconfidential information\b|\bdo not distribute\b"
    r"|\bne pas (?:distribuer|diffuser)\b|\bnicht (?:weitergeben|zur weitergabe)\b"
    r"|\bno distribuir\b|\bnon distribuire\b|\btous droits réservés\b"
    r"|\balle rechte vorbehalten\b|\btodos los derechos reservados\b"
    r"|\btutti i diritti riservati\b"
    r"|^page\s+\d+\s*(?:of|/)\s*\d+|^(?:showing|displaying)\s+\d+"
    r"|^end\s+of\s+(?:report|file|list|data|export)\b",
    re.IGNORECASE,
)
SUMMARY_MAX_CHARS = 160


def _summary_line(values: Sequence[str]) -> str | None:
    """The text of a report's total or footer line, else None."""
    filled = [v for v in values if v]
    if not 1 <= len(filled) <= 2:
        return None
    text = " ".join(filled)
    if len(text) > SUMMARY_MAX_CHARS or not _SUMMARY.search(text):
        return None
    return text


# What templates and data dictionaries put under the header instead of a hotel: the type or the
# unit of each column ("string", "varchar(255)", "(text)", "[EUR]"), or an example to copy.
_TYPE_WORDS = frozenset(
    "string str text varchar nvarchar char int integer bigint number numeric decimal float double "
    "bool boolean date datetime timestamp time email e-mail url uri phone tel required optional "
    "mandatory pflichtfeld pflicht obligatoire facultatif obligatorio list enum id uuid json "
    "yyyy-mm-dd dd.mm.yyyy mm/dd/yyyy".split()
)
_BRACKETED = re.compile(r"[(\[<{][^()\[\]<>{}]*[)\]>}]")
_TYPE_SIZE = re.compile(r"\(\d+(?:,\s*\d+)?\)")
_EXAMPLE = re.compile(
    r"^(?:e\.\s?g\.|z\.\s?b\.|i\.\s?e\.|"
    r"(?:example|beispiel|exemple|ejemplo|esempio|sample)\s*[:\-–])",
    re.IGNORECASE,
)


def _is_type_cell(value: str) -> bool:
    if _BRACKETED.fullmatch(value):
        return True
    words = [w for w in re.split(r"[\s/|,;:]+", _TYPE_SIZE.sub("", value.casefold())) if w]
    return bool(words) and all(w in _TYPE_WORDS for w in words)


def _description_row(values: Sequence[str], company: str) -> str | None:
    """Why the record right under a header describes the columns instead of being a lead."""
    filled = [v for v in values if v]
    if len(filled) >= 2 and all(_is_type_cell(v) for v in filled):
        return "column description under the header (types or units), not a lead"
    if _EXAMPLE.match(company):
        return f"an example row, not a lead: {_shown(company)!r}"
    return None


@dataclass
class _Reading:
    """The header in force while the records are read; a header further down replaces it."""

    path: Path
    sha256: str
    layout: _Layout
    headers: list[str]
    builder: _LeadBuilder
    fresh: bool = True  # no record read under this header yet

    @classmethod
    def start(cls, path: Path, sha256: str, layout: _Layout) -> _Reading:
        headers = _unique_headers(layout.header)
        alternates = _alternates(layout.header, layout.mapping)
        return cls(path, sha256, layout, headers,
                   _LeadBuilder(path, sha256, headers, layout.mapping, alternates))

    def width(self) -> int:
        return len(self.headers)

    def switch(self, cells: list[str], mapping: dict[str, int], line: int) -> None:
        layout = _Layout(
            delimiter=self.layout.delimiter, header_line=line, header=cells, mapping=mapping,
            preamble=self.layout.preamble, consistency=self.layout.consistency,
        )
        switched = _Reading.start(self.path, self.sha256, layout)
        self.layout, self.headers = switched.layout, switched.headers
        self.builder = switched.builder
        self.fresh = True


def _record_to_row(number: int, record: _Record, reading: _Reading) -> LeadRow:
    start, end = record.start, record.end
    layout, headers = reading.layout, reading.headers
    width = len(headers)
    values = [_clean(cell) for cell in record.cells]
    reason = record.broken
    if reason is None and (mapping := _another_header(values, layout)) is not None:
        # Exports pasted together whose columns come in another order: the rows below are read
        # by their own header.
        data = dict(zip(headers, values))
        for i, value in enumerate(values[width:], start=width + 1):
            data[f"column {i}"] = value
        reading.switch(record.cells, mapping, start)
        return LeadRow(row=number, line=start, data=data, lead=None,
                       reason="header row: the rows below are read by its column names")
    data = dict(zip(headers, values))
    if not _fits(values, width):
        # Surplus values are stored under positional names so the row can be repaired by hand.
        for i, value in enumerate(values[width:], start=width + 1):
            data[f"column {i}"] = value
        # A short single-line row is just missing trailing values; a short record spanning lines
        # is an open quote that swallowed the records after it.
        if reason is None and (len(values) > width or end > start):
            reason = f"row has {len(values)} fields, header has {width}"
            if end > start:
                reason += f" (record spans lines {start}-{end}: unbalanced quote?)"
    if len(values) < width:
        values += [""] * (width - len(values))
        data.update((h, "") for h in headers[len(record.cells) :])
    if reason is None and _is_header_again(values, layout):
        reason = "repeated header row"
    if reason is None and (summary := _summary_line(values)):
        reason = f"a total or footer line, not a lead: {_shown(summary)!r}"
    if reason is None and reading.fresh:
        reason = _description_row(values, values[layout.mapping["company_name"]])
    reading.fresh = False
    lead = None
    if reason is None:
        lead, reason = reading.builder.build(values, number)
    return LeadRow(row=number, line=start, data=data, lead=lead, reason=reason)


def _is_header_again(values: list[str], layout: _Layout) -> bool:
    # Concatenated exports repeat the header mid-file; it must not become a hotel called "Company".
    company = layout.mapping["company_name"]
    if values[company] != _clean(layout.header[company]):
        return False  # the cheap test first: normalising every row would cost a third of the run
    return [_norm_header(v) for v in values[: len(layout.header)]] == [
        _norm_header(cell) for cell in layout.header
    ]


HEADER_NAME_MAX = 40
_PREFIXED = re.compile(f"^(?:{'|'.join(_COMPANY_PREFIXES + _PERSON_PREFIXES)})(.+)$")
_DIGITS = re.compile(r"[0-9]+")


def _names_a_column(value: str) -> bool:
    """A quick `_header_field` for every record: whether ``value`` could be a column name."""
    key = _DIGITS.sub("", _norm_header(value)).removesuffix("value")
    if key in _ALIAS_TO_FIELD:
        return True
    prefixed = _PREFIXED.match(key)
    if prefixed and prefixed.group(1) in _ALIAS_TO_FIELD:
        return True
    return "(" in value or "[" in value  # a note after the name: the full test decides


def _another_header(values: list[str], layout: _Layout) -> dict[str, int] | None:
    """The column mapping of a header with other columns than the one in force, else None.

    A header names a company column and at least two more of ours, and most of its values are
    column names. Only a record whose value in the company column names a column is looked at.
    """
    company = values[layout.mapping["company_name"]] if len(values) > layout.mapping[
        "company_name"] else ""
    if not company or len(company) > HEADER_NAME_MAX or "@" in company:
        return None
    if not _names_a_column(company):
        return None
    mapping = _map_columns(values)
    if "company_name" not in mapping or len(mapping) < 3:
        return None
    filled = [v for v in values if v]
    named = sum(1 for v in filled if _header_field(v) is not None)
    if named < 0.6 * len(filled):
        return None
    same = [_norm_header(v) for v in values] == [_norm_header(c) for c in layout.header]
    return None if same else mapping


# --- files that are tables only once reshaped -------------------------------------------------

_QUOTE_IN_CELL = re.compile(r"^\s*'.*'\s*$", re.DOTALL)


def _single_quote_delimiter(sample_lines: list[str]) -> str | None:
    """The delimiter of a file whose text delimiter is ' (LibreOffice lets one choose it), else
    None: the first full line has every value in single quotes and no double quote anywhere."""
    lines = [ln for ln in sample_lines[: 4 * (MAX_PREAMBLE + 1)] if ln.strip()]
    if not lines or any('"' in ln for ln in lines):
        return None
    for line in lines[: MAX_PREAMBLE + 1]:
        for delimiter in DELIMITERS:
            cells = [c for c in line.rstrip("\r\n").split(delimiter) if c.strip()]
            if len(cells) >= 2:
                if all(_QUOTE_IN_CELL.match(c) and len(c.strip()) >= 2 for c in cells):
                    return delimiter
                break
    return None


def _requote(text: str, delimiter: str) -> str:
    """``text`` read with ' as the quote and written back with ", record for record, so that line
    numbers stay those of the file."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quotechar='"', lineterminator="")
    feed = _LineFeed(_physical_lines(text))
    reader = csv.reader(feed, delimiter=delimiter, quotechar="'", doublequote=True,
                        skipinitialspace=True, strict=False)
    while True:
        first = feed.pos
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:  # an endless quoted value: keep that line as it was
            out.write(feed.lines[first])
            feed.pos = first + 1
            reader = csv.reader(feed, delimiter=delimiter, quotechar="'", doublequote=True,
                                skipinitialspace=True, strict=False)
            continue
        ending = feed.lines[feed.pos - 1][len(feed.lines[feed.pos - 1].rstrip("\r\n")):]
        if cells:
            writer.writerow(cells)
        out.write(ending or "\n")
    return out.getvalue()


def _unwrapped_lines(text: str) -> str | None:
    """A file whose every line is one quoted value holding a whole row (a tool that saved each
    line as one text field), unwrapped; None for any other file."""
    lines = _physical_lines(text)
    filled = [ln for ln in lines[:200] if ln.strip()]
    if len(filled) < 2:
        return None
    wrapped = 0
    for line in filled:
        bare = line.strip()
        if len(bare) > 1 and bare[0] == bare[-1] == '"':
            wrapped += 1
    if wrapped < 0.9 * len(filled):
        return None
    out = []
    for line in lines:
        bare = line.strip()
        ending = line[len(line.rstrip("\r\n")):]
        if len(bare) > 1 and bare[0] == bare[-1] == '"':
            cells = next(csv.reader([bare], delimiter="\x1f", quotechar='"', doublequote=True))
            if len(cells) == 1:
                out.append(cells[0].replace("\r", " ").replace("\n", " ") + ending)
                continue
        out.append(line)
    return "".join(out)


_FIXED_CELL = re.compile(r"\S+(?: \S+)*")
_GAP = re.compile(r"\s+")


def _fixed_width(text: str) -> str | None:
    """A fixed-width text export (columns padded with spaces) as tab-separated text with the same
    lines, when a line near the top reads as such a header; else None."""
    lines = _physical_lines(text)
    filled = 0
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        filled += 1
        if filled > MAX_PREAMBLE + 1:
            return None
        body = line.rstrip("\r\n").expandtabs()
        cells = list(_FIXED_CELL.finditer(body))
        mapping = _map_columns([m.group() for m in cells])
        if len(cells) >= 2 and "company_name" in mapping and len(mapping) >= 2:
            starts = [m.start() for m in cells]
            return "".join(
                lines[:index] + [_fixed_to_tabs(ln, starts) for ln in lines[index:]]
            )
    return None


def _fixed_to_tabs(line: str, starts: list[int]) -> str:
    ending = line[len(line.rstrip("\r\n")):]
    body = line.rstrip("\r\n").expandtabs()
    if not body.strip():
        return line
    bounds = [0]
    for start in starts[1:]:
        # A value longer than its column pushes the next one right: move to the next gap.
        pos = max(start, bounds[-1])
        if 0 < pos < len(body) and not body[pos - 1].isspace() and not body[pos].isspace():
            gap = _GAP.search(body, pos)
            pos = gap.end() if gap else len(body)
        bounds.append(pos)
    bounds.append(len(body))
    cells = [body[a:b].strip() for a, b in zip(bounds, bounds[1:])]
    out = io.StringIO()
    csv.writer(out, delimiter="\t", lineterminator="").writerow(cells)
    return out.getvalue() + (ending or "\n")


FIXED_WIDTH = "fixed-width"


def read_lead_file(path: str | Path) -> LeadFile:
    """Read ``path`` into a :class:`LeadFile`; :class:`LeadFileError` if it is no lead CSV.

    Rows are numbered 1..n among the non-blank records after the header (``LeadRow.row``), and
    each keeps the physical line it starts on (``LeadRow.line``): the two numbers a person can
    look up in the file.
    """
    path = Path(path)
    raw = _read_bytes(path)
    if not raw:
        raise LeadFileError(f"{path}: file is empty")
    encoding = _detect_encoding(raw, path)
    text = _decode(raw, encoding)
    sample_lines = _sample_lines(text)
    sample = "".join(sample_lines)
    if not sample.strip(" \t\r\n,;|\ufeff"):
        raise LeadFileError(f"{path}: file is empty (only blank lines)")
    error = _not_a_table_error(path, sample.lstrip("\ufeff"))
    if error:
        raise error
    quoted = _single_quote_delimiter(sample_lines)
    if quoted:
        text = _requote(text, quoted)
        sample_lines = _sample_lines(text)
    shown_delimiter = None
    try:
        layout = _find_layout(path, sample_lines, encoding)
    except LeadFileError:
        # Two layouts no delimiter reveals: each line quoted whole, and columns padded with spaces.
        for reshape, name in ((_unwrapped_lines, None), (_fixed_width, FIXED_WIDTH)):
            reshaped = reshape(text)
            if reshaped is None:
                continue
            try:
                layout = _find_layout(path, _sample_lines(reshaped), encoding)
            except LeadFileError:
                continue
            text, shown_delimiter = reshaped, name
            break
        else:
            raise

    sha256 = hashlib.sha256(raw).hexdigest()
    reading = _Reading.start(path, sha256, layout)
    first_headers = reading.headers
    rows: list[LeadRow] = []
    for record in _records(_physical_lines(text), layout.delimiter, width=reading.width):
        if record.start > layout.header_line and not _is_blank(record.cells):
            rows.append(_record_to_row(len(rows) + 1, record, reading))

    mapped_headers = {first_headers[i] for i in layout.mapping.values()}
    return LeadFile(
        path=path,
        sha256=sha256,
        size_bytes=len(raw),
        encoding=encoding,
        delimiter=shown_delimiter or layout.delimiter,
        format=_detect_format(layout),
        columns={name: first_headers[i] for name, i in layout.mapping.items()},
        unmapped_columns=[h for h in first_headers if h not in mapped_headers],
        rows=rows,
    )
