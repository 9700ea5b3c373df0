"""The page's e-mail addresses: mailto links, Open Graph and schema.org contacts, text ("info [at]
hotel [dot] com" too), and the addresses sites hide (Cloudflare, Joomla and TYPO3 cloaking,
addresses a script builds from pieces); placeholders and no-reply senders are left out.
"""

from __future__ import annotations

import base64
import binascii
import html as html_lib
import re
from typing import Any
from urllib.parse import parse_qs, unquote

import phonenumbers
from selectolax.lexbor import LexborHTMLParser

from jengu_assets.enrichment.site_analysis.head import _META_EMAILS, _attr, _meta_values
from jengu_assets.enrichment.site_analysis.limits import (
    MAX_CONCATENATION_SCRIPT_CHARS,
    MAX_EMAIL_CANDIDATES,
    MAX_INLINE_SCRIPT_CHARS,
    MAX_JOINED_SCRIPT_CHARS,
    MAX_SCRIPT_HAYSTACK_CHARS,
)
from jengu_assets.enrichment.site_analysis.models import _Page
from jengu_assets.enrichment.site_analysis.structured_data import _is_jsonld_type

_AT_WORD = r"(?:at|@|ät|arroba|chiocciola|klammeraffe)"
_DOT_WORD = r"(?:dot|punkt|point|punto|ponto)"
# Bracket first, so the scan over megabytes of text only stops at brackets.
_BRACKETED_AT = re.compile(rf"[\[({{][ ]{{0,3}}{_AT_WORD}[ ]{{0,3}}[\])}}][ ]*", re.IGNORECASE)
_BRACKETED_DOT = re.compile(rf"[\[({{][ ]{{0,3}}{_DOT_WORD}[ ]{{0,3}}[\])}}][ ]*", re.IGNORECASE)
_SPELLED_OUT = re.compile(
    rf"(?<![\w.%+-])([\w.%+-]{{1,64}}) {{1,3}}at {{1,3}}"
    rf"((?:[\w-]{{1,63}} {{1,3}}{_DOT_WORD} {{1,3}}){{1,4}}[a-z]{{2,24}})\b",
    re.IGNORECASE,
)
_SPELLED_DOT = re.compile(rf" {{1,3}}{_DOT_WORD} {{1,3}}", re.IGNORECASE)
_EMAIL_CANDIDATE = re.compile(
    r"(?<![\w.%+-])([\w.%+-]{1,64})[ \t]{0,3}@[ \t]{0,3}"
    r"([^\W_][\w-]{0,62}(?:[ \t]{0,3}\.[ \t]{0,3}[^\W_][\w-]{0,62}){1,5})"
)
# ASCII local part and TLD (internationalised domain labels are allowed): decoded binary
# garbage is full of letter@letter.letter runs in other scripts.
_EMAIL_SHAPE = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@"
    r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[a-z]{2,24}$"
)
_ASSET_SUFFIXES = (
    ".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".avif", ".ico", ".bmp", ".tif",
    ".tiff", ".css", ".js", ".json", ".woff", ".woff2", ".mp4", ".pdf",
)
# Documentation domains and error-reporting endpoints (Sentry DSNs in Wix and SPA bundles).
_PLACEHOLDER_DOMAINS = re.compile(
    r"(?:^|\.)(?:example\.[a-z.]+|yourdomain\.[a-z]+|your-domain\.[a-z]+|mydomain\.[a-z]+|"
    r"sentry\.io|wixpress\.com|localhost|beispiel\.[a-z]{2,3}|mustermann\.de|muster\.[a-z]{2,3}|"
    r"domain\.(?:com|tld|[a-z]{2})|test\.(?:com|[a-z]{2}))$"
    # Form placeholders ("you@yoursite.com", "vorname@musterfirma.de").
    r"|^(?:your-?(?:site|website|company|hotel|email|mail)|musterfirma|muster-?domain|"
    r"tudominio|votre-?domaine|dominio-?ejemplo)\.[a-z]{2,6}$"
)
_PLACEHOLDER_LOCALS = {"you", "your", "yourname", "youremail", "vorname.nachname",
                       "max.mustermann", "john.doe", "jane.doe", "firstname.lastname",
                       "first.last", "vorname", "ihre.email", "tu.email", "votre.email"}
# Senders nobody reads.
_NO_REPLY_LOCAL = re.compile(r"^(?:no-?reply|do-?not-?reply|donotreply|mailer-daemon)(?:[+.-].*)?$")
_COMMON_TLDS = {
    "com", "net", "org", "info", "biz", "eu", "uk", "hotel", "hotels", "travel", "online", "site",
    "app", "swiss", "berlin", "bayern", "wien", "tirol", "koeln", "hamburg", "paris", "london",
    "email", "holiday", "club", "world", "group", "pro", "gmbh", "ag", "cat", "gal", "scot",
}


def _known_tld(label: str) -> bool:
    label = label.lower()
    if len(label) == 2:
        return label.upper() in phonenumbers.SUPPORTED_REGIONS or label in {"uk", "eu"}
    return label in _COMMON_TLDS


def _replace_token(pattern: re.Pattern[str], text: str, replacement: str) -> str:
    """Replace ``pattern`` and the spaces before it (outside the pattern to keep its scan fast)."""
    pieces: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        pieces.append(text[last : match.start()].rstrip(" "))
        pieces.append(replacement)
        last = match.end()
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


def _deobfuscate(text: str) -> str:
    text = _replace_token(_BRACKETED_AT, text, "@")
    text = _replace_token(_BRACKETED_DOT, text, ".")
    return _SPELLED_OUT.sub(
        lambda m: f"{m.group(1)}@{_SPELLED_DOT.sub('.', m.group(2))}", text
    )


def _email_from_match(match: re.Match[str]) -> str | None:
    local, domain = match.group(1), match.group(2)
    spaced = any(ch in match.group() for ch in " \t")
    if not spaced:
        # Inline elements run together: "info@hotel.de" + "Tel: ..." reads "info@hotel.deTel".
        head, _, last = domain.rpartition(".")
        run_on = re.match(r"([a-z]{2,24}?)[A-Z]", last)
        if head and run_on and _known_tld(run_on.group(1)):
            domain = f"{head}.{run_on.group(1)}"
        return f"{local}@{domain}"
    # "name @ domain . com" is an obfuscation, but "info@hotel.de. Wir freuen" is a sentence:
    # a capitalised word after ". " starts the next sentence, and the domain must end in a TLD.
    raw_labels = re.split(r"([ \t]*\.[ \t]*)", domain)
    labels = [raw_labels[0]]
    for separator, label in zip(raw_labels[1::2], raw_labels[2::2]):
        if separator.strip() != separator and label[:1].isupper() and label[1:].islower():
            break
        labels.append(label)
    while len(labels) > 2 and not _known_tld(labels[-1]):
        labels.pop()
    if len(labels) < 2 or not _known_tld(labels[-1]):
        return None
    return f"{local.strip()}@{'.'.join(labels)}"


def _clean_email(value: str | None) -> str | None:
    if not value:
        return None
    email = unquote(value).strip().strip(".,;:<>()[]\"'").lower().removeprefix("mailto:")
    if len(email) > 254 or not _EMAIL_SHAPE.match(email):
        return None
    local, domain = email.rsplit("@", 1)
    if (
        domain.endswith(_ASSET_SUFFIXES)
        or _PLACEHOLDER_DOMAINS.search(domain)
        or local in _PLACEHOLDER_LOCALS
        or _NO_REPLY_LOCAL.match(local)
        or re.fullmatch(r"[0-9a-f]{24,}", local)
        or ".." in local
    ):
        return None
    return email


def _mailto_recipients(href: str) -> list[str]:
    """Every address of a mailto: link: "a@x,b@x", and the to/cc/bcc of its query."""
    head, _, query = href.partition("?")
    recipients = re.split(r"[,;]", unquote(head))
    if query:
        try:
            fields = parse_qs(query, max_num_fields=20)
        except ValueError:
            fields = {}
        for key in ("to", "cc", "bcc"):
            for value in fields.get(key, fields.get(key.upper(), []))[:10]:
                recipients += re.split(r"[,;]", value)
    return recipients


def _emails(page: _Page, schema: dict[str, Any] | None) -> list[str]:
    found: list[str] = []

    def add(value: str | None) -> None:
        email = _clean_email(value)
        if email and email not in found:
            found.append(email)

    for href in page.mail_hrefs[:100]:
        for address in _mailto_recipients(href):
            add(html_lib.unescape(address))
    for encoded in page.cf_emails[:100]:
        add(_decode_cfemail(encoded))
    for email in page.cloaked_emails[:100]:
        add(email)
    if schema:
        add(schema.get("email"))
    for email in page.schema_emails[:20] + _meta_values(page.metas, _META_EMAILS):
        add(email)
    text = _deobfuscate(page.text)
    if "@" in text:
        for attempt, match in enumerate(_EMAIL_CANDIDATE.finditer(text)):
            add(_email_from_match(match))
            if len(found) >= 50 or attempt >= MAX_EMAIL_CANDIDATES:
                break
    return found


# --- hidden addresses -----------------------------------------------------------------------------

def _cloudflare_emails(tree: LexborHTMLParser) -> list[str]:
    return [_attr(node, "data-cfemail") for node in tree.css("[data-cfemail]")[:200]]


_CF_HEX = re.compile(r"\s*((?:[0-9a-fA-F]{2}){4,})")


def _decode_cfemail(encoded: str) -> str | None:
    """Cloudflare's email obfuscation: hex bytes, the first one XOR-ing all the others. A link
    may carry a query after them ("#a1c8...?subject=Anfrage")."""
    match = _CF_HEX.match(encoded)
    if not match:
        return None
    data = bytes.fromhex(match.group(1))
    if len(data) < 4:
        return None
    key = data[0]
    return bytes(byte ^ key for byte in data[1:]).decode("utf-8", "replace")


# CMS spam protection that a browser undoes with JavaScript:
# TYPO3 shifts the characters of "mailto:..." (data-mailto-token, or linkTo_UnCryptMailto('...')
# in older versions); Joomla 3 concatenates entity-encoded pieces into "addy<id>" variables;
# Joomla 4 keeps base64 halves in <joomla-hidden-mail first="..." last="...">.
_TYPO3_UNCRYPT = re.compile(r"""linkTo_UnCryptMailto\(\s*(?:%27|')([^'%]+(?:%[0-9A-Fa-f]{2}[^'%]*)*)(?:%27|')""")
_JOOMLA_ADDY = re.compile(
    r"(?:var\s+)?(addy[0-9a-f]+)\s*=\s*(?:addy[0-9a-f]+\s*\+\s*)?((?:'[^'\\]*'\s*\+?\s*)+);"
)
_JS_STRING = re.compile(r"'([^'\\]*)'")


def _typo3_shift(token: str, offset: int) -> str:
    out = []
    for ch in token:
        code = ord(ch)
        for low, high in ((0x2B, 0x3A), (0x40, 0x5A), (0x61, 0x7A)):
            if low <= code <= high:
                code += offset
                if code > high:
                    code = low + (code - high - 1)
                elif code < low:
                    code = high - (low - code - 1)
                break
        out.append(chr(code))
    return "".join(out)


def _decode_typo3_mailto(token: str, vector: str = "") -> str | None:
    """The address behind a TYPO3 token; the vector is tried as given, then every small shift
    (older sites bake it into their JavaScript), with and without range wrapping."""
    token = unquote(token.strip())
    if not token or len(token) > 300:
        return None
    offsets = list(range(-26, 27))
    try:
        given = int(vector)
        offsets.remove(-given)
        offsets.insert(0, -given)
    except ValueError:
        pass
    for offset in offsets:
        if offset == 0:
            continue
        for decoded in (
            _typo3_shift(token, offset),
            "".join(chr(ord(ch) + offset) if 32 < ord(ch) + offset < 0x110000 else ch
                    for ch in token),
        ):
            if decoded.lower().startswith("mailto:"):
                return decoded[7:]
    return None


def _b64_text(value: str) -> str:
    try:
        return base64.b64decode(value.strip() + "==", validate=False).decode("utf-8", "replace")
    except (ValueError, binascii.Error):
        return ""


def _cloaked_emails(tree: LexborHTMLParser) -> list[str]:
    found: list[str] = []
    for node in tree.css("[data-mailto-token]")[:100]:
        email = _decode_typo3_mailto(_attr(node, "data-mailto-token"),
                                     _attr(node, "data-mailto-vector"))
        if email:
            found.append(email)
    for node in tree.css("a[href*=UnCryptMailto]")[:100]:
        match = _TYPO3_UNCRYPT.search(_attr(node, "href"))
        email = _decode_typo3_mailto(match.group(1)) if match else None
        if email:
            found.append(email)
    # Themes that build the link in JavaScript keep the whole address in a data attribute.
    for node in tree.css("[data-email], [data-mail], [data-mailto]")[:100]:
        for name in ("data-email", "data-mail", "data-mailto"):
            value = _attr(node, name).removeprefix("mailto:")
            if "@" in value and len(value) < 255:
                found.append(value)
    for node in tree.css("joomla-hidden-mail")[:100]:
        first, last = _b64_text(_attr(node, "first")), _b64_text(_attr(node, "last"))
        if first and last:
            found.append(f"{first}@{last}")
    for node in tree.css("script")[:2000]:
        if _attr(node, "src"):
            continue
        body = node.text(deep=True)
        if "addy" not in body or len(body) > MAX_INLINE_SCRIPT_CHARS:
            continue
        pieces: dict[str, str] = {}
        for name, expression in _JOOMLA_ADDY.findall(body):
            pieces[name] = pieces.get(name, "") + "".join(_JS_STRING.findall(expression))
        found += [html_lib.unescape(value) for name, value in pieces.items()
                  if not name.startswith("addy_text")]
    budget, join_budget = MAX_SCRIPT_HAYSTACK_CHARS, MAX_JOINED_SCRIPT_CHARS
    for node in tree.css("script")[:2000]:
        if budget <= 0:
            break
        if not _attr(node, "src") and not _is_jsonld_type(_attr(node, "type")):
            code = node.text(deep=True)[:MAX_INLINE_SCRIPT_CHARS]
            budget -= len(code)
            # A script that writes an address is a few lines; a bundle of libraries is no
            # such script and would cost the join scan its whole length.
            join = len(code) <= MAX_CONCATENATION_SCRIPT_CHARS and join_budget > 0
            found += _script_built_emails(code, join=join)
            join_budget -= len(code) if join else 0
    return found


# Addresses a script assembles so that harvesters reading the markup miss them: pieces joined
# with "+" (literals and variables holding literals), String.fromCharCode(...) and
# unescape('%69%6e...'). A literal that already holds a whole address is configuration (a
# vendor's, a developer's) unless the script makes a mailto: link of it.
_JS_OPERAND = r"""(?:'[^'\\\n]*'|"[^"\\\n]*"|(?<![\w$.])[A-Za-z_$][\w$]*)"""
_JS_CONCATENATION = re.compile(rf"{_JS_OPERAND}(?:[ \t]*\+[ \t]*{_JS_OPERAND})+")
_JS_PIECE = re.compile(r"""'([^'\\\n]*)'|"([^"\\\n]*)"|([A-Za-z_$][\w$]*)""")
_JS_ASSIGNMENT = re.compile(
    r"""(?<![\w$.])([A-Za-z_$][\w$]*)[ \t]*=[ \t]*(?:'([^'\\\n]*)'|"([^"\\\n]*)")[ \t]*[;,\n]"""
)
_FROM_CHAR_CODE = re.compile(r"fromCharCode\(\s*(\d{1,7}(?:\s*,\s*\d{1,7}){4,300})\s*\)")
_UNESCAPE_CALL = re.compile(r"""(?:unescape|decodeURIComponent)\(\s*['"]([^'"\n]{6,4000})['"]\s*\)""")
_AT_SIGNS = ("@", "&#64;", "&#x40;", "%40", "fromCharCode")


def _script_built_emails(code: str, *, join: bool = True) -> list[str]:
    """The addresses ``code`` assembles; ``join`` runs the "+" scan (bounded per page)."""
    if not any(sign in code for sign in _AT_SIGNS):
        return []
    found: list[str] = []
    if "fromCharCode" in code:
        for match in _FROM_CHAR_CODE.finditer(code):
            codes = [int(number) for number in match.group(1).split(",")]
            found += _addresses_in("".join(chr(c) for c in codes if 0 < c < 0x110000))
    if "unescape" in code or "decodeURIComponent" in code:
        for match in _UNESCAPE_CALL.finditer(code):
            found += _addresses_in(unquote(match.group(1)))
    if not join or "+" not in code:
        return found
    variables: dict[str, str] = {}
    for match in _JS_ASSIGNMENT.finditer(code):
        variables[match.group(1)] = match.group(2) if match.group(2) is not None else match.group(3)
    for attempt, match in enumerate(_JS_CONCATENATION.finditer(code)):
        if attempt >= 200:
            break
        pieces = [
            piece.group(1) if piece.group(1) is not None
            else piece.group(2) if piece.group(2) is not None
            else variables.get(piece.group(3), " ")
            for piece in _JS_PIECE.finditer(match.group())
        ]
        joined = "".join(pieces)
        for email in _addresses_in(joined):
            folded = email.lower()
            if "mailto:" + folded in joined.lower() or not any(
                folded in html_lib.unescape(piece).lower() for piece in pieces
            ):
                found.append(email)
    return found


def _addresses_in(text: str) -> list[str]:
    text = html_lib.unescape(text) if "&" in text else text
    if "@" not in text:
        return []
    return [email for email in map(_email_from_match, _EMAIL_CANDIDATE.finditer(text)) if email][:20]
