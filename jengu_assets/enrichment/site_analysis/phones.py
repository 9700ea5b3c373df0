"""Phone numbers, normalised to E.164 with ``phonenumbers``: tel: links, schema.org and meta tags,
and numbers in the text that a cue ("Tel.", "☎") or their shape marks, fax numbers left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import phonenumbers

from jengu_assets.enrichment.site_analysis.head import _META_PHONES, _meta_values
from jengu_assets.enrichment.site_analysis.limits import MAX_PHONE_PARSES
from jengu_assets.enrichment.site_analysis.models import _Page
from jengu_assets.enrichment.site_analysis.regions import _country_named

# Starts with a plain alternative so the scan skips non-candidates quickly; the lookbehind then
# rejects starts inside a longer digit run (IBANs, order numbers) in one step.
_PHONE_CANDIDATE = re.compile(r"(?:\+|\((?=\d)|\d)(?<![\d+].)[\d ().\/–-]{4,40}\d(?!\d)")
_PHONE_CUE = re.compile(
    r"(?<![^\W\d_])(?:t[ée]l(?:[ée]f(?:on[eo]?|ono)|[ée]phone)?\.?|phone|fon|ph|mobil[a-z]*|mob|"
    r"(?:telefon|handy|tel|phone)(?:nummer|nr|number)\.?|"
    r"m[óo]vil|handy|cell(?:ulare)?|cel(?:ular)?|telem[óo]vel|gsm|portable|hotline|whatsapp|"
    r"call|anrufen|rufnummer|tfno|tlf|s[íi]mi|puh(?:elin)?|toll[- ]?free|free(?:phone|call)|"
    r"t|kontakt|contact|r[ée]serv[a-zé]*|prenotazion[ei]|rezeption|r[ée]ception|recepci[óo]n|"
    # Greek, Cyrillic and East Asian labels.
    r"τηλ[α-ωά-ώ]*\.?|κιν[α-ωά-ώ]*\.?|тел[а-я]*\.?|моб[а-я]*\.?|電話|电话|전화|"
    r"fax|telefax|t[ée]l[ée]copie|faks|fx|f|φαξ|факс|☎|☏|📞|📱|✆)"
    r"(?![^\W\d_])",
    re.IGNORECASE,
)
_CUE_START = re.compile(r"[^\W\d_]|[☎☏📞📱✆]")
_FAX_CUE = re.compile(r"^(?:fax|telefax|t[ée]l[ée]copie|faks|fx|f|φαξ|факс)$", re.IGNORECASE)
_TEL_AND_FAX = re.compile(r"tel[a-zé]*\.?\s*(?:/|&|\+|und|and|et|e|y)\s*$", re.IGNORECASE)
_CUE_GAP = re.compile(r"[\W\d_]*(?:[^\W\d_]+[\W\d_]*){0,2}")
_DATE_OR_HOURS = re.compile(
    r"\d{1,2}[.:]\d{2}\s?[-–]\s?\d{1,2}[.:]\d{2}"  # opening hours 08.00 - 18.00
    r"|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}[-/]\d{2}[-/]\d{2}"  # dates
    r"|(?:19|20)\d{2}\s?[-–/]\s?(?:19|20)?\d{2}"  # year ranges 2019-2021
)
# A number without any cue ("Domkloster 4 · 0221 272580 · info@...") is only taken when it is
# written the way phone numbers are: grouped, with the trunk prefix, or in the NANP layout.
_NANP_LAYOUT = re.compile(r"^(?:1[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}$")
_NANP_REGIONS = frozenset(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(1, ()))
# Registration, tax, bank and order numbers are grouped like phone numbers too: a number after
# one of these labels (on the same line, close before it) is never taken without a phone cue.
_REGISTRY_LABEL = re.compile(
    r"(?<![^\W\d_])(?:vat|ust|uid|mwst|iva|tva|btw|moms|nif|nipc|cif|siret|siren|rcs|hrb|hra|"
    r"kvk|iban|bic|swift|konto|kontonr|abn|acn|nzbn|gst|hst|ein|steuer[a-z]*|regon|krs|nip|"
    r"p\.\s?iva|cvr|orgnr|org\.?\s?nr|y-?tunnus|kennitala|i[čc]o|di[čc]|oib|afm|amka|pib|ogrn|"
    r"okpo|kbo|ondernemingsnummer|sku|isbn|ean|gtin|licen[cs][a-z]*|registr[a-z]*|handelsregister|"
    r"firmenbuch|companies\s?house)(?![^\W\d_])",
    re.IGNORECASE,
)
# Short or common words only count right before the number ("Nr. 0815 4711", "Ref 0123-45").
_LAST_WORD = re.compile(r"([^\W\d_]+)[\s.:#°º-]{0,4}$")
_ID_WORDS = frozenset({
    "no", "n", "nº", "num", "id", "ref", "code", "order", "invoice", "art", "fn", "reg", "lic",
    "tin", "tax", "cr", "cin", "cir", "rnet", "rnal", "ama", "kt", "cf", "account", "acct",
})
_ID_WORD_ENDINGS = ("nr", "nummer", "number", "numero", "número")
_CURRENCY_BEFORE = re.compile(
    r"(?:€|\$|£|¥|₺|₹|(?<![^\W\d_])(?:eur|usd|gbp|chf|czk|pln|huf|sek|nok|dkk|try|ron|mxn|"
    r"brl|aud|nzd|cad|thb|r\$|nz\$|a\$|ca\$))\s?$",
    re.IGNORECASE,
)
_CURRENCY_NEAR = re.compile(
    r"^\s?(?:€|\$|£|¥|₺|₹|eur|euro|usd|gbp|chf|kč|czk|zł|pln|ft|huf|kr|sek|nok|dkk|tl|try|"
    r"lei|ron|lv|bgn|kn|hrk|mxn|brl|aud|nzd|cad|thb|baht)(?![^\W\d_])",
    re.IGNORECASE,
)
_PHONE_SPLIT = re.compile(r"\s+[/–-]\s+|\s{2,}")


_VANITY_NUMBER = re.compile(r"\+?[\d ().-]{1,20}[A-Z][A-Z\d.-]{2,12}")


def _parse_phone(raw: str, region: str | None, *, explicit: bool) -> str | None:
    """E.164 for a valid number; ``explicit`` numbers (tel: links, schema.org) may also be
    merely possible ones, since the page itself says they are phone numbers."""
    raw = raw.strip()
    if not raw or len(raw) > 40:
        return None
    if explicit and _VANITY_NUMBER.fullmatch(raw):
        # Vanity numbers in tel: links ("1-888-OLD-RECT") dial the keypad digits.
        raw = phonenumbers.convert_alpha_characters_in_number(raw)
    digits = sum(ch.isdigit() for ch in raw)
    if not 6 <= digits <= 17:
        return None
    if region is None and raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number) and region not in _NANP_REGIONS:
        # "USA & Canada: 1 888 555 0122" on a Mexican or Caribbean site.
        if _NANP_LAYOUT.match(raw) and raw.startswith("1"):
            return _parse_phone("+" + raw, None, explicit=explicit)
    if phonenumbers.is_valid_number(number) or (
        explicit and phonenumbers.is_possible_number(number)
    ):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def _phone_shaped(text: str, match: re.Match[str], candidate: str, region: str | None) -> bool:
    """Whether a national number with no cue before it is still plainly a phone number."""
    if region is None:
        return False
    start, end = match.start(), match.end()
    before = text[max(0, start - 30) : start]
    line_before = before.rsplit("\n", 1)[-1]
    if before[-1:].isalnum() or before[-1:] in "#№$€£¥-/.":
        return False
    after = text[end : end + 12]
    if after[:1].isalnum() or _CURRENCY_NEAR.match(after):
        return False
    if _CUE_START.search(line_before):
        if _CURRENCY_BEFORE.search(line_before[-6:]) or _REGISTRY_LABEL.search(line_before):
            return False
        last = _LAST_WORD.search(line_before[-24:])
        word = last.group(1).lower() if last else ""
        if word in _ID_WORDS or word.endswith(_ID_WORD_ENDINGS):
            return False
    elif _CURRENCY_BEFORE.search(line_before[-6:]):
        return False
    if _DATE_OR_HOURS.search(candidate) or sum(ch.isdigit() for ch in candidate) > 12:
        return False
    if region in _NANP_REGIONS:
        return bool(_NANP_LAYOUT.match(candidate))
    groups = len(re.findall(r"\d+", candidate))
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    prefix = metadata.national_prefix if metadata else None
    if prefix:
        digits = "".join(ch for ch in candidate if ch.isdigit())
        return groups >= 2 and digits.startswith(prefix)
    # Without a trunk prefix ("958 76 54 32", "62 52 12 34") only a fully grouped number.
    return groups >= 3


def _phone_context(text: str, start: int) -> str | None:
    """"phone", "fax" or None: what the words right before a number call it."""
    window = text[max(0, start - 40) : start]
    if not _CUE_START.search(window):
        return None
    cue = None
    for cue in _PHONE_CUE.finditer(window):
        pass
    if cue is None:
        return None
    gap = window[cue.end() :]
    if len(gap) > 30 or not _CUE_GAP.fullmatch(gap):
        return None
    if _FAX_CUE.match(cue.group()):
        return "phone" if _TEL_AND_FAX.search(window[: cue.start()]) else "fax"
    return "phone"


def _text_phones(text: str, region: str | None) -> Iterator[str]:
    tried: set[str] = set()
    for match in _PHONE_CANDIDATE.finditer(text):
        candidate = match.group().strip()
        opening = candidate.rfind("(")
        if opening > 0 and ")" not in candidate[opening:]:
            # "01805 123456 (14 ct/min)": the bracket starts a remark, not an area code.
            candidate = candidate[:opening].rstrip(" -/.–")
        if candidate in tried or _DATE_OR_HOURS.fullmatch(candidate):
            continue
        international = candidate.startswith(("+", "00"))
        context = _phone_context(text, match.start())
        number_region = region
        if not international:
            # "United Kingdom: 020 3608 1234" on a Thai resort's list of reservation lines.
            labelled = _labelled_region(text, match.start())
            if labelled:
                number_region, context = labelled, context or "phone"
        # Fax numbers are left out: nobody answers them.
        if context == "fax" or (
            context is None
            and not international
            and not _phone_shaped(text, match, candidate, region)
        ):
            continue
        tried.add(candidate)
        if len(tried) > MAX_PHONE_PARSES:
            return
        parsed = _parse_phone(candidate, number_region, explicit=False)
        if parsed:
            yield parsed
            continue
        # Two numbers run together ("030 123456 / 030 654321").
        for piece in _PHONE_SPLIT.split(candidate):
            parsed = _parse_phone(piece, number_region, explicit=False)
            if parsed:
                yield parsed


_COUNTRY_LABEL = re.compile(
    r"([^\W\d_][^\W\d_'’-]*(?:[ .&'’-]+[^\W\d_]+){0,4})\.?[ ]*(?:\([^()\n]{0,30}\))?[ ]*:[ ]*$"
)
_LABEL_JOINERS = re.compile(r"\s*(?:&|/|,|\+|\band\b|\bund\b|\bet\b|\by\b|\be\b)\s*")


def _labelled_region(text: str, start: int) -> str | None:
    """The country a "Country:" label right before a number names."""
    line = text[max(0, start - 60) : start].rsplit("\n", 1)[-1]
    if ":" not in line:
        return None
    match = _COUNTRY_LABEL.search(line)
    if not match:
        return None
    for piece in _LABEL_JOINERS.split(match.group(1))[:4]:
        piece = piece.strip(" .")
        cue = _PHONE_CUE.match(piece)
        for name in (piece, piece[cue.end() :].strip(" .") if cue else ""):
            region = _country_named(name) if name else None
            if region:
                return region
    return None


def _phones(page: _Page, schema: dict[str, Any] | None, region: str | None) -> list[str]:
    found: list[str] = []

    def add(number: str | None) -> None:
        if number and number not in found:
            found.append(number)

    for raw in page.tel_hrefs[:100]:
        add(_parse_phone(raw.split("?", 1)[0].split(";", 1)[0], region, explicit=True))
    explicit = list(page.schema_phones)
    if schema and schema.get("telephone") and schema["telephone"] not in explicit:
        explicit.insert(0, schema["telephone"])
    explicit += _meta_values(page.metas, _META_PHONES)
    for raw in explicit[:20]:
        add(_parse_phone(raw, region, explicit=True))
    for number in _text_phones(page.text, region):
        add(number)
        if len(found) >= 50:
            break
    return found
