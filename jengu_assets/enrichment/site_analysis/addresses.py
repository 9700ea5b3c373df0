"""The postal address: schema.org's when the page has one, else an address block in the text
(a street, a postcode and a town on neighbouring lines).
"""

from __future__ import annotations

import re
from typing import Any

from jengu_assets.enrichment.site_analysis.limits import MAX_ADDRESS_LINES
from jengu_assets.enrichment.site_analysis.models import _Page
from jengu_assets.enrichment.site_analysis.phones import _PHONE_CUE
from jengu_assets.enrichment.site_analysis.regions import _region_code

_CITY = r"[^\W\d_][\w'’.\-]*(?:[ ][^\W\d_][\w'’.\-]*){0,3}"
# "Hauptstraße 5a", "Via Roma, 12", "Calle Mayor 5-7"
# A house number is never the head of a longer digit run: "Chemin des Oliviers, 84160" is a
# street and a postcode, "Am Waldrand 7 - 79822" a number and a postcode; nor the tail of a
# phone number on the line before ("Tél. 04 90 12 34 56" / "Chemin des Oliviers, 13210 ...").
_STREET_NUMBER_LAST = (
    r"[^\W\d_][^\n,;|·•]{1,60}?,?[ ]\d{1,4}(?!\d)(?:[ ]?[a-zA-Z](?!\w))?"
    r"(?:[ ]?[-/][ ]?\d{1,4}(?!\d)[a-zA-Z]?)?"
)
_STREET_NUMBER_FIRST = r"(?<!\d)(?<!\d[ ./-])\d{1,4}(?:[ ]?(?:bis|ter|[a-zA-Z]))?,?[ ][^\W\d_][^\n,;|·•\d]{2,60}?"
# "D-10115", "1012 AB" (NL), "1100-048" (PT), "00-950" (PL), "113 51" (SE/CZ), "6020", "10115"
_POSTCODE = (
    r"(?:[A-Z]{1,2}-)?"
    r"(?:\d{4}[ ]?[A-Z]{2}(?!\w)|\d{4}-\d{3}|\d{2}-\d{3}|\d{3}[ ]\d{2}|\d{4,5})"
)
_CONTINENTAL_ADDRESS = re.compile(
    rf"(?P<street>{_STREET_NUMBER_LAST}|{_STREET_NUMBER_FIRST})[ ]*(?:,|\||·|•|–|—| - )?[ ]*"
    rf"(?P<postcode>{_POSTCODE})[ ]+(?P<city>{_CITY})"
)
_UK_TOWN = r"[^\W\d_][^\n,;|\d·]{1,40}?(?:,[ ]*[^\W\d_][^\n,;|\d·]{1,40}?)?"
_UK_ADDRESS = re.compile(
    r"(?P<street>\d{1,4}[a-zA-Z]?[ ][^\W\d_][^\n,;|]{2,60}?),[ ]*"
    rf"(?:(?P<town>{_UK_TOWN}),?[ ]+)?"
    r"(?P<postcode>[A-Z]{1,2}\d[A-Z\d]?[ ]?\d[A-Z]{2})\b"
)
# British and Irish streets often have no number ("West Quay Road, Southampton SO15 1AG").
_UK_NAMED_STREET = re.compile(
    r"(?P<street>(?<![^\W\d_])[^\W\d_][^\n,;|·\d]{1,50}?[ ](?:Road|Rd|Street|St|Lane|Ln|Avenue|"
    r"Ave|Square|Sq|Terrace|Place|Pl|Way|Quay|Row|Hill|Close|Drive|Gardens|Crescent|Walk|"
    r"Parade|Green|Court|Mews|Wharf|Esplanade|Promenade|Bridge|Gate|Yard)\.?),[ ]*"
    rf"(?:(?P<town>{_UK_TOWN}),?[ ]+)?"
    r"(?P<postcode>[A-Z]{1,2}\d[A-Z\d]?[ ]?\d[A-Z]{2})\b"
)
_CA_ADDRESS = re.compile(
    r"(?P<street>\d{1,6}[a-zA-Z]?[ ]\w[^\n,;|]{1,60}?),[ ]*(?P<city>[^\W\d_][^\n,;|\d]{1,40}?),?[ ]+"
    r"(?P<province>AB|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|SK|YT)[ ]+(?P<zip>[A-Z]\d[A-Z][ ]?\d[A-Z]\d)\b"
)
_ADDRESS_LABEL = re.compile(r"^(?:[^\W\d_]+[ ]?){1,2}:[ ]*")
_US_ADDRESS = re.compile(
    r"(?P<street>\d{1,6}[ ][^\W\d_][^\n,;|]{2,60}?),[ ]*(?P<city>[^\W\d_][^\n,;|\d]{1,40}?),[ ]*"
    r"(?P<state>[A-Z]{2})[ ]+(?P<zip>\d{5}(?:-\d{4})?)\b"
)
_POSTAL_HINT = re.compile(
    r"\d{4,5}|\d{3} \d{2}|\d{2}-\d{3}|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|[A-Z]\d[A-Z] ?\d[A-Z]\d"
)
# Words that end a city name when the footer runs on into contact details.
_CITY_STOP = re.compile(
    r"\s+(?:tel|telefon|telephone|phone|fon|fax|e-?mail|mail|www|web|t|f|e|tél|info|"
    r"öffnungszeiten|check-in|ust|uid|vat|iva|hrb|registergericht)\b.*$",
    re.IGNORECASE,
)
_NOT_A_CITY = {
    "uhr", "euro", "eur", "zimmer", "personen", "nächte", "gäste", "jahre", "rooms", "guests",
    "nights", "people", "years", "chf", "usd", "gbp", "km", "m", "min", "minuten", "minutes",
    "betten", "beds", "sterne", "stars", "camere", "chambres", "habitaciones", "qm", "m²",
}
_FOOTERISH = (
    "footer, address, [class*=footer i], [id*=footer i], [class*=impressum i], "
    "[id*=impressum i], [class*=imprint i], [id*=imprint i], [class*=contact i], "
    "[id*=contact i], [class*=kontakt i], [id*=kontakt i], [class*=address i], "
    "[id*=address i], [class*=adresse i], [class*=anschrift i]"
)


def _address(page: _Page, schema: dict[str, Any] | None) -> str | None:
    for declared in (schema.get("address") if schema else None, page.meta_address):
        formatted = _format_schema_address(declared) if declared else None
        if formatted:
            return formatted
    for node in page.tree.css("address")[:10]:
        text = node.text(deep=True, separator="")
        found = _address_in_text(text) or _address_block(text)
        if found:
            return found
    for node in page.tree.css(_FOOTERISH)[:40]:
        found = _address_in_text(node.text(deep=True, separator="")[:50_000])
        if found:
            return found
    return _address_in_text(page.text)


# Where the postcode follows the town, with or after the state or province.
_STATE_AND_POSTCODE = frozenset({"US", "CA", "AU", "BR"})
_POSTCODE_LAST = frozenset({"GB", "IE", "NZ", "ZA", "IN", "TH", "SG", "MY", "ID", "PH", "KE"})


def _format_schema_address(address: dict[str, Any] | str) -> str | None:
    if isinstance(address, str):
        return address
    postcode, city = address.get("postalCode"), address.get("addressLocality")
    region = address.get("addressRegion")
    if region and region == city:
        region = None
    country = _region_code(address.get("addressCountry"))
    if country in _STATE_AND_POSTCODE:
        # "348 West 46th Street, New York, NY 10036"
        tail = " ".join(part for part in (region, postcode) if part)
        parts = [address.get("streetAddress"), city, tail]
    elif country in _POSTCODE_LAST:
        # "15 Bedford Street, London, WC2E 9HE"
        parts = [address.get("streetAddress"), city, region, postcode]
    else:
        # "Dorfstraße 24, 6352 Ellmau, Tirol"
        locality = " ".join(part for part in (postcode, city) if part)
        parts = [address.get("streetAddress"), locality, region]
    parts.append(address.get("addressCountry"))
    joined = ", ".join(part for part in parts if part)
    return joined or None


def _address_block(text: str) -> str | None:
    """An <address> element without a recognisable postcode: its postal-looking lines."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    kept = [
        line for line in lines
        if line and "@" not in line and "www." not in line.lower() and "http" not in line.lower()
        and not _PHONE_CUE.match(line)
    ]
    joined = ", ".join(kept)[:300]
    return joined if any(ch.isdigit() for ch in joined) else None


def _address_in_text(text: str) -> str | None:
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line][:20_000]
    hinted = [
        index for index, line in enumerate(lines)
        if len(line) <= 300 and _POSTAL_HINT.search(line)
    ]
    if len(hinted) > MAX_ADDRESS_LINES:
        # Price lists and tables are full of numbers; the address is in the header or footer.
        half = MAX_ADDRESS_LINES // 2
        hinted = hinted[:half] + hinted[-half:]
    for index in hinted:
        line = lines[index]
        candidates = [line]
        if index > 0 and len(lines[index - 1]) <= 120:
            candidates.append(f"{lines[index - 1]}, {line}")
            # "Lower Swell Road" / "Stow-on-the-Wold" / "Gloucestershire GL54 1JX"
            if index > 1 and len(lines[index - 2]) <= 120:
                candidates.append(f"{lines[index - 2]}, {lines[index - 1]}, {line}")
        for candidate in candidates:
            found = _match_address(candidate)
            if found:
                return found
    return None


def _match_address(text: str) -> str | None:
    for pattern in (_US_ADDRESS, _CA_ADDRESS, _UK_ADDRESS, _UK_NAMED_STREET):
        match = pattern.search(text)
        if match:
            found = " ".join(match.group().split()).strip(" ,")
            return _ADDRESS_LABEL.sub("", found) or None
    for match in _CONTINENTAL_ADDRESS.finditer(text):
        city = _CITY_STOP.sub("", match.group("city")).strip(" .,-")
        if not city or city.lower() in _NOT_A_CITY:
            continue
        # "Pension Waldesruh - Familie Kürz - Am Waldrand 7": the street is the last piece.
        street = re.split(r"[ ]+[-–—][ ]+", match.group("street").strip(" ,"))[-1]
        street = _ADDRESS_LABEL.sub("", street)
        if not street or _PHONE_CUE.match(street):
            continue
        return f"{street}, {match.group('postcode')} {city}"
    return None
