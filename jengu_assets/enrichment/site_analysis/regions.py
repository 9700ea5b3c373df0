"""The country a page's national phone numbers are read in, from the hints it gives: the
schema.org country, the URL's TLD, the language's region, international numbers, the postal
address and the mail domains.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import phonenumbers

from jengu_assets.acquisition.rules import country_code
from jengu_assets.enrichment.site_analysis.head import _host
from jengu_assets.enrichment.site_analysis.models import SiteAnalysis, _Page

# Country-code TLDs sold as generic names: their country says nothing about the business.
_VANITY_TLDS = {
    "io", "co", "tv", "me", "ai", "ly", "fm", "am", "to", "cc", "ws", "gg", "nu", "sh", "ac",
    "la", "so", "vc", "gd", "ms", "sc", "im", "is", "st", "tk", "ml", "ga", "cf", "gq",
}
_LANGUAGE_REGIONS = {
    "de": "DE", "fr": "FR", "it": "IT", "es": "ES", "nl": "NL", "pt": "PT", "pl": "PL",
    "cs": "CZ", "sk": "SK", "da": "DK", "sv": "SE", "nb": "NO", "nn": "NO", "no": "NO",
    "fi": "FI", "el": "GR", "hu": "HU", "hr": "HR", "sl": "SI", "ro": "RO", "bg": "BG",
    "tr": "TR", "ja": "JP", "ko": "KR", "et": "EE", "lv": "LV", "lt": "LT", "is": "IS",
}
# Schema.org addresses and hand-written footers also use ISO 3166 alpha-3 codes.
# "A-5542 Flachau", "CH-3855 Brienz": the old European country prefixes on postcodes.
_POSTCODE_COUNTRY_PREFIX = {
    "A": "AT", "CH": "CH", "D": "DE", "F": "FR", "I": "IT", "E": "ES", "NL": "NL", "B": "BE",
    "L": "LU", "FL": "LI", "DK": "DK", "S": "SE", "N": "NO", "FIN": "FI", "P": "PT",
    "PL": "PL", "CZ": "CZ", "SK": "SK", "H": "HU", "SLO": "SI", "HR": "HR", "GR": "GR",
}


def _country_named(text: str) -> str | None:
    """The country a name (in English or its own language) stands for; two letters are a code
    only where a code is expected, never at the end of an address ("Springfield, IN")."""
    return country_code(text) if len(text) > 2 or text.lower() == "uk" else None


def _region_code(value: str | None) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    code = value.strip().strip(".,;")
    named = _country_named(code)
    if named:
        return named
    # Names, "UK" and ISO-3 codes are the table's; any other region phonenumbers knows by ISO-2.
    code = code.upper()
    return code if code in phonenumbers.SUPPORTED_REGIONS else None


def _schema_country(schema: dict[str, Any]) -> str | None:
    address = schema.get("address")
    if isinstance(address, dict):
        return _region_code(address.get("addressCountry"))
    if isinstance(address, str):
        return _address_region(address)
    return None


def _international_region(page: _Page, schema: dict[str, Any] | None) -> str | None:
    """The country most international numbers the page marks as phone numbers (tel: links,
    schema.org) belong to; a sales office abroad is usually the odd one out."""
    raws = list(page.tel_hrefs[:20])
    if schema and schema.get("telephone"):
        raws.insert(0, schema["telephone"])
    counts: dict[str, int] = {}
    for raw in raws:
        raw = raw.strip()
        if not raw.startswith(("+", "00")):
            continue
        try:
            number = phonenumbers.parse("+" + raw[2:] if raw.startswith("00") else raw, None)
        except phonenumbers.NumberParseException:
            continue
        region = phonenumbers.region_code_for_number(number)
        if region and region != "001":
            counts[region] = counts.get(region, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else None


_ADDRESS_TAIL = re.compile(r"[,\n]\s*([^\W\d_][^\W\d_ .'’-]*(?:[ .'’-]+[^\W\d_]+){0,4})\.?\s*$")
_PREFIXED_POSTCODE = re.compile(r"(?<![\w-])([A-Z]{1,3})-\d{4,5}\b")
_UK_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}\b")
_CA_POSTCODE = re.compile(r"\b(?:AB|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|SK|YT)\s+[A-Z]\d[A-Z] ?\d[A-Z]\d\b")
_US_STATE_ZIP = re.compile(r",\s*[A-Z]{2},?\s+\d{5}(?:-\d{4})?\s*(?:,|$)")


def _address_region(address: str | None) -> str | None:
    """The country an address names: a trailing country name, a prefixed postcode
    ("A-5542") or a postcode format only one country uses."""
    if not address:
        return None
    tail = _ADDRESS_TAIL.search(address)
    if tail:
        region = _country_named(tail.group(1).strip())
        if region:
            return region
    prefixed = _PREFIXED_POSTCODE.search(address)
    if prefixed and prefixed.group(1) in _POSTCODE_COUNTRY_PREFIX:
        return _POSTCODE_COUNTRY_PREFIX[prefixed.group(1)]
    if _CA_POSTCODE.search(address):
        return "CA"
    if _UK_POSTCODE.search(address):
        return "GB"
    if _US_STATE_ZIP.search(address):
        return "US"
    return None


def _text_region(text: str) -> str | None:
    """The country the page's own lines name: a line ending in ", Country" (or just the
    country), a prefixed postcode or a postcode format only one country uses."""
    for index, line in enumerate(text.splitlines()):
        if index > 50_000:
            break
        line = " ".join(line.split())
        if not line or len(line) > 150 or not (line[-1:].isalnum() or line[-1:] == "."):
            continue
        tail = _ADDRESS_TAIL.search("\n" + line)
        if tail and not tail.group(1)[:1].isupper():
            line = line[: tail.start(1) - 1] if tail.start(1) > 1 else ""
        region = _address_region("\n" + line) if line else None
        if region:
            return region
    return None


def _email_region(emails: list[str]) -> str | None:
    """The country-code TLD most of the page's addresses use (a saved page without its URL
    still names its own domain in ``info@...``)."""
    counts: dict[str, int] = {}
    for email in emails:
        tld = email.rsplit(".", 1)[-1]
        if len(tld) == 2 and tld not in _VANITY_TLDS:
            region = _region_code(tld)
            if region:
                counts[region] = counts.get(region, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else None


def _infer_region(default_region: str | None, result: SiteAnalysis, page: _Page) -> str | None:
    host = _host(result.url) or _host(page.base)
    tld_region = None
    if host and "." in host:
        tld = host.rsplit(".", 1)[1]
        if tld not in _VANITY_TLDS:
            tld_region = _region_code(tld) if len(tld) == 2 else None
    language = result.language or ""
    subtags = language.split("-")
    language_region = next((s for s in subtags[1:] if len(s) == 2), None)
    # A bare language is the weakest hint: "de" is spoken in DE, AT and CH, "fr" in FR, BE,
    # CH and CA, so the address and the page's own mail domain come first.
    hints: tuple[Callable[[], str | None], ...] = (
        lambda: default_region,
        lambda: page.schema_country,
        lambda: tld_region,
        lambda: language_region,
        lambda: _international_region(page, result.schema_org),
        lambda: _address_region(result.address),
        lambda: _text_region(page.text),
        lambda: _email_region(result.emails),
        lambda: _LANGUAGE_REGIONS.get(subtags[0]) if subtags else None,
    )
    for hint in hints:
        region = _region_code(hint())
        if region:
            return region
    return None
