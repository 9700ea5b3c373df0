"""Read a CSV of leads (Sales Navigator export or a hand-made hotel list) into rows.

Pure file I/O: no database, no Dagster. Files come from people, so they arrive in any Western
encoding, with any of four delimiters, with title lines above the header and with column names in
several languages. The reader's contract is that nothing is dropped silently:

* a file it cannot read at all raises :class:`LeadFileError` with one message naming the file;
* otherwise every non-blank record after the header comes back as a :class:`LeadRow`, either with
  a :class:`Lead` or with a human ``reason`` saying why not.

Duplicates are deliberately not decided here; admission does that against the whole store.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from jengu_assets.acquisition.models import Lead
from jengu_assets.acquisition.rules import (
    country_code,
    is_valid_email,
    normalise_email,
    parse_location,
)
from jengu_resources.text_decoding import (
    BOMS,
    file_signature,
    guess_legacy_encoding,
    is_utf8,
    text_stream,
    utf16_without_bom,
)

SALES_NAVIGATOR = "sales_navigator"
PLAIN_LIST = "plain_list"

DELIMITERS = (",", ";", "\t", "|")  # order breaks ties: comma is by far the most common
SAMPLE_CHARS = 64 * 1024
MAX_PREAMBLE = 5  # title lines tolerated above the header; more looks like headerless data
PREAMBLE_MAX_CELLS = 2  # "Exported on,2026-01-01" is a title; three values look like a data row


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
        "account name", "organization", "organisation", "organization name", "firma",
        "firmenname", "unternehmen", "hôtel", "empresa", "entreprise", "société",
        "current company", "business name",
    ),
    "contact_name": (
        "name", "full name", "contact", "contact name", "contact person", "ansprechpartner",
    ),
    "first_name": ("first name", "firstname", "given name", "vorname", "prénom"),
    "last_name": (
        "last name", "surname", "family name", "nachname", "nom", "apellido", "apellidos",
    ),
    "contact_title": (
        "title", "job title", "position", "role", "headline", "current title", "titel",
        "funktion", "poste", "cargo",
    ),
    "email": (
        "email", "e-mail", "email address", "e-mail address", "mail", "work email",
        "business email", "e-mail-adresse", "courriel", "correo", "correo electrónico",
    ),
    "phone": (
        "phone", "telephone", "téléphone", "phone number", "tel", "telefon", "telefonnummer",
        "teléfono", "work phone", "mobile", "mobile phone",
    ),
    "linkedin_url": (
        "linkedin", "linkedin url", "linkedin profile", "linkedin profile url", "profile url",
        "person linkedin url", "sales navigator url",
    ),
    "website": (
        "website", "company website", "website url", "url", "domain", "company domain", "web",
        "homepage", "webseite", "site web", "sitio web",
    ),
    "city": ("city", "town", "stadt", "ort", "ville", "ciudad"),
    "region": ("state", "region", "province", "provincia", "county", "bundesland", "kanton"),
    "country": ("country", "country code", "land", "pays", "país"),
    "location": (
        "location", "geography", "company location", "address", "company address", "adresse",
        "dirección", "standort",
    ),
    "industry": ("industry", "company industry", "branche", "sector", "secteur"),
}


def _norm_header(text: str) -> str:
    # Accents are folded so "Prénom"/"prenom" and "Hôtel"/"Hotel" match whatever the export did.
    folded = unicodedata.normalize("NFKD", text.replace("\ufeff", "").casefold())
    return "".join(ch for ch in folded if ch.isalnum() and not unicodedata.combining(ch))


_ALIAS_TO_FIELD: dict[str, str] = {
    _norm_header(alias): canonical for canonical, aliases in _ALIASES.items() for alias in aliases
}


def _map_columns(cells: Sequence[str]) -> dict[str, int]:
    """Canonical field -> column index; the first column claiming a field wins."""
    mapping: dict[str, int] = {}
    for i, cell in enumerate(cells):
        canonical = _ALIAS_TO_FIELD.get(_norm_header(cell))
        if canonical and canonical not in mapping:
            mapping[canonical] = i
    return mapping


def _unique_headers(cells: Sequence[str]) -> list[str]:
    # Row data is stored as a dict, so blank or repeated names must not overwrite each other.
    headers: list[str] = []
    seen: set[str] = set()
    for i, cell in enumerate(cells, start=1):
        name = cell.replace("\ufeff", "").strip() or f"column {i}"
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


def _detect_encoding(raw: bytes, path: Path) -> str:
    for bom, encoding in BOMS:
        if raw.startswith(bom):
            return encoding
    signature = file_signature(raw)
    if signature:
        raise LeadFileError(f"{path}: not a CSV file (looks like {signature[1]})")
    if raw.startswith(_RTF):
        raise LeadFileError(f"{path}: not a CSV file (looks like an RTF document; save it as CSV)")
    utf16 = utf16_without_bom(raw)
    if utf16:
        return utf16  # Excel's "Unicode text" without its BOM
    if b"\x00" in raw:
        raise LeadFileError(f"{path}: not a CSV file (binary content: contains NUL bytes)")
    if is_utf8(raw):
        return "utf-8"
    return guess_legacy_encoding(raw)


# Long hotel descriptions pasted into a cell pass the csv module's 128 KiB default; a runaway
# quote still stops at this bound with a clear error instead of swallowing the whole file.
FIELD_SIZE_LIMIT = 16 * 1024 * 1024
csv.field_size_limit(max(csv.field_size_limit(), FIELD_SIZE_LIMIT))


# --- structure -----------------------------------------------------------------------------------


def _is_blank(cells: Sequence[str]) -> bool:
    return not any(cell.strip() for cell in cells)


def _records(lines: Iterable[str], delimiter: str) -> Iterator[tuple[int, int, list[str]]]:
    """(first line, last line, cells) of every record, blank ones included."""
    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True,
                        skipinitialspace=True, strict=False)
    previous = 0
    for cells in reader:
        yield previous + 1, reader.line_num, cells
        previous = reader.line_num


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
            -DELIMITERS.index(self.delimiter),
        )


def _fits(cells: Sequence[str], width: int) -> bool:
    return len(cells) == width or (len(cells) > width and _is_blank(cells[width:]))


def _layout_for(sample: str, delimiter: str) -> _Layout | None:
    records: list[tuple[int, list[str]]] = []
    try:
        for start, _end, cells in _records(io.StringIO(sample, newline=""), delimiter):
            if not _is_blank(cells):
                records.append((start, cells))
            if len(records) > 60:
                break
    except csv.Error:
        return None
    for k, (start, cells) in enumerate(records[: MAX_PREAMBLE + 1]):
        mapping = _map_columns(cells)
        if "company_name" in mapping:
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
            break  # a full row without a company column: data or a header we cannot use
    return None


def _sample_text(raw: bytes, encoding: str) -> str:
    with text_stream(raw, encoding) as stream:
        text = stream.read(SAMPLE_CHARS + 1)
    if len(text) > SAMPLE_CHARS:
        # A cut-off last line would skew the field counts, so keep whole lines only.
        cut = max(text.rfind("\n"), text.rfind("\r"))
        text = text[: cut + 1] if cut > 0 else text
    return text


def _no_header_error(path: Path, sample: str, encoding: str) -> LeadFileError:
    if sample and len(_CONTROL.findall(sample)) > 0.01 * len(sample):
        return LeadFileError(f"{path}: not a CSV file (binary content)")
    if sample and sample.count("\ufffd") > 0.01 * len(sample):
        return LeadFileError(f"{path}: unreadable encoding (not valid text as {encoding})")
    first = next((ln.strip() for ln in sample.splitlines() if ln.strip(" \t,;|")), "")
    shown = first if len(first) <= 120 else first[:117] + "..."
    return LeadFileError(
        f"{path}: no recognisable header: no column names a company or hotel "
        f"(expected e.g. 'Company' or 'Hotel Name'; first line: {shown!r})"
    )


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

# What people and spreadsheets type into a cell that has no value; "#N/A" is Excel's own.
_PLACEHOLDERS = frozenset(
    {"", "n/a", "na", "n.a.", "#n/a", "-", "--", "none", "null", "nil", "nan", "unknown", "?"}
)


def _present(value: str) -> str | None:
    if len(value) <= 7 and value.casefold() in _PLACEHOLDERS:
        return None
    return value


class _LeadBuilder:
    """Turns one record's trimmed values into a Lead, or a reason; per-file caches live here."""

    def __init__(self, path: Path, sha256: str, headers: list[str], mapping: dict[str, int]):
        self.path = path
        self.sha256 = sha256
        self.headers = headers
        self.mapping = mapping
        mapped = set(mapping.values())
        self.unmapped = [i for i in range(len(headers)) if i not in mapped]
        # Exports repeat the same few places thousands of times.
        self._locations: dict[str, tuple[str | None, str | None, str | None]] = {}
        self._countries: dict[str, str | None] = {}

    def _get(self, values: list[str], name: str) -> str | None:
        i = self.mapping.get(name)
        return None if i is None else _present(values[i])

    def _location(self, text: str) -> tuple[str | None, str | None, str | None]:
        if text not in self._locations:
            self._locations[text] = parse_location(text)
        return self._locations[text]

    def _country(self, text: str) -> str | None:
        if text not in self._countries:
            self._countries[text] = country_code(text)
        return self._countries[text]

    def build(self, values: list[str], row: int) -> tuple[Lead | None, str | None]:
        company = self._get(values, "company_name")
        if company is None:
            return None, "missing required field: company name"

        email = None
        if (i := self.mapping.get("email")) is not None and values[i]:
            # The same definition admission applies, so a bad address is reported here, by row.
            email = normalise_email(values[i])
            if email is not None and not is_valid_email(email):
                return None, f"invalid email '{values[i]}'"

        contact = self._get(values, "contact_name")
        if contact is None:
            parts = [self._get(values, "first_name"), self._get(values, "last_name")]
            contact = " ".join(p for p in parts if p) or None

        extra: dict[str, str] = {}
        for i in self.unmapped:
            if _present(values[i]) is not None:
                extra[self.headers[i]] = values[i]

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
                loc_city, loc_region, loc_country = self._location(location)
                city, region = city or loc_city, region or loc_region
                country = country or loc_country

        lead = Lead(
            company_name=company,
            source="csv",
            source_key=f"csv:{self.sha256}:{row}",
            source_ref=f"{self.path.name} row {row}",
            contact_name=contact,
            contact_title=self._get(values, "contact_title"),
            email=email,
            phone=self._get(values, "phone"),
            linkedin_url=self._get(values, "linkedin_url"),
            website=self._get(values, "website"),
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


def _record_to_row(
    number: int,
    start: int,
    end: int,
    cells: list[str],
    layout: _Layout,
    headers: list[str],
    builder: _LeadBuilder,
) -> LeadRow:
    width = len(headers)
    values = [cell.strip() for cell in cells]
    data = dict(zip(headers, values))
    reason = None
    if not _fits(values, width):
        # Surplus values are stored under positional names so the row can be repaired by hand.
        for i, value in enumerate(values[width:], start=width + 1):
            data[f"column {i}"] = value
        # A short single-line row is just missing trailing values; a short record spanning lines
        # is an open quote that swallowed the records after it.
        if len(values) > width or end > start:
            reason = f"row has {len(values)} fields, header has {width}"
            if end > start:
                reason += f" (record spans lines {start}-{end}: unbalanced quote?)"
    if len(values) < width:
        values += [""] * (width - len(values))
        data.update((h, "") for h in headers[len(cells) :])
    if reason is None and _is_header_again(values, layout):
        reason = "repeated header row"
    lead = None
    if reason is None:
        lead, reason = builder.build(values, number)
    return LeadRow(row=number, line=start, data=data, lead=lead, reason=reason)


def _is_header_again(values: list[str], layout: _Layout) -> bool:
    # Concatenated exports repeat the header mid-file; it must not become a hotel called "Company".
    company = layout.mapping["company_name"]
    if values[company] != layout.header[company].replace("\ufeff", "").strip():
        return False  # the cheap test first: normalising every row would cost a third of the run
    return [_norm_header(v) for v in values[: len(layout.header)]] == [
        _norm_header(cell) for cell in layout.header
    ]


def read_lead_file(path: str | Path) -> LeadFile:
    """Read ``path`` into a :class:`LeadFile`; :class:`LeadFileError` if it is no lead CSV."""
    path = Path(path)
    raw = _read_bytes(path)
    if not raw:
        raise LeadFileError(f"{path}: file is empty")
    encoding = _detect_encoding(raw, path)
    sample = _sample_text(raw, encoding)
    if not sample.strip(" \t\r\n,;|\ufeff"):
        raise LeadFileError(f"{path}: file is empty (only blank lines)")

    layouts = [lay for d in DELIMITERS if (lay := _layout_for(sample, d)) is not None]
    if not layouts:
        raise _no_header_error(path, sample, encoding)
    layout = max(layouts, key=_Layout.score)

    sha256 = hashlib.sha256(raw).hexdigest()
    headers = _unique_headers(layout.header)
    builder = _LeadBuilder(path, sha256, headers, layout.mapping)
    rows: list[LeadRow] = []
    end = 0
    try:
        with text_stream(raw, encoding) as stream:
            for start, end, cells in _records(stream, layout.delimiter):
                if start > layout.header_line and not _is_blank(cells):
                    rows.append(
                        _record_to_row(len(rows) + 1, start, end, cells, layout, headers, builder)
                    )
    except csv.Error as exc:
        # Only a runaway quoted field gets here (longer than FIELD_SIZE_LIMIT).
        raise LeadFileError(
            f"{path}: cannot parse the record starting on line {end + 1}: {exc} (unbalanced quote?)"
        ) from exc

    mapped_headers = {headers[i] for i in layout.mapping.values()}
    return LeadFile(
        path=path,
        sha256=sha256,
        size_bytes=len(raw),
        encoding=encoding,
        delimiter=layout.delimiter,
        format=_detect_format(layout),
        columns={name: headers[i] for name, i in layout.mapping.items()},
        unmapped_columns=[h for h in headers if h not in mapped_headers],
        rows=rows,
    )
