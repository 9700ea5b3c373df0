"""Hotel website analysis: contact details, technology and structured data from one HTML page.

Everything here is a pure function over an already fetched page (no network), so the same code
serves the crawler, saved pages and test fixtures. Hotel sites are hand-made, old and often
broken, so every extractor is defensive and bounded: ``analyze_html`` returns whatever it could
read instead of raising, and hostile input (megabytes of nesting, huge JSON-LD, binary garbage)
costs a bounded amount of work.

Output is a :class:`SiteAnalysis`; ``to_json`` gives the record shape stored by the enrichment
step, and ``analyze_file`` produces the same record (or ``{"input", "error"}``) for a file.
"""

from __future__ import annotations

import base64
import binascii
import copy
import html as html_lib
import json
import logging
import operator
import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email import policy as email_policy
from itertools import accumulate
from typing import Any, TypeVar
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

import phonenumbers
from selectolax.lexbor import LexborHTMLParser, LexborNode

from jengu_assets.acquisition.rules import country_code
from jengu_assets.language import text_language

# decode_html is part of this module's API too: bytes given to analyze_html go through it.
from jengu_resources.text_decoding import BOMS, decode_html, file_signature, utf16_without_bom

log = logging.getLogger(__name__)

# --- limits ---------------------------------------------------------------------------------------
# Real hotel pages stay far below all of these; they exist so that one hostile or broken page
# cannot stall a batch.

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_HTML_CHARS = 8_000_000
MAX_TEXT_CHARS = 3_000_000
MAX_JSONLD_CHARS = 1_000_000
MAX_JSONLD_SCRIPTS = 50
MAX_JSON_NODES = 20_000
MAX_JSON_DEPTH = 40
MAX_JSON_LIST = 2_000
MAX_INLINE_SCRIPT_CHARS = 200_000
MAX_CONCATENATION_SCRIPT_CHARS = 20_000
MAX_JOINED_SCRIPT_CHARS = 200_000
MAX_SCRIPT_HAYSTACK_CHARS = 3_000_000
MAX_ANCHORS = 6_000
MAX_ITEMSCOPES = 100
MAX_ITEMPROPS = 300
MAX_PHONE_PARSES = 500
MAX_ADDRESS_LINES = 2_000
MAX_EMAIL_CANDIDATES = 5_000
MAX_BOOKING_HOSTS = 5_000
# lexbor checks element scopes by walking the open-element stack, so parse time grows with
# nesting depth times element count; no real page nests anywhere near this deep.
MAX_TREE_DEPTH = 512
# lexbor also slows down quadratically with the number of options in one <select>.
MAX_OPTIONS_PER_SELECT = 1_500


# --- result ---------------------------------------------------------------------------------------


@dataclass
class SiteAnalysis:
    """What one page says about the business behind it; empty fields mean "not found"."""

    url: str | None = None
    title: str | None = None
    description: str | None = None
    language: str | None = None
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    social: dict[str, str] = field(default_factory=dict)
    booking_engine: str | None = None
    cms: str | None = None
    chat_widget: str | None = None
    analytics: list[str] = field(default_factory=list)
    schema_org: dict[str, Any] | None = None
    address: str | None = None
    links: dict[str, str] = field(default_factory=dict)

    def to_json(self, input_label: str) -> dict[str, Any]:
        """The stored record; ``input_label`` names what was analysed (a URL or a path)."""
        return {
            "input": input_label,
            "url": self.url,
            "phones": list(self.phones),
            "emails": list(self.emails),
            "social": dict(self.social),
            "booking_engine": self.booking_engine,
            "cms": self.cms,
            "schema_org": copy.deepcopy(self.schema_org),
            "title": self.title,
            "language": self.language,
            "description": self.description,
            "address": self.address,
            "chat_widget": self.chat_widget,
            "analytics": list(self.analytics),
            "links": dict(self.links),
        }


# --- public API -----------------------------------------------------------------------------------


def analyze_html(
    html: str | bytes, url: str | None = None, *, default_region: str | None = None
) -> SiteAnalysis:
    """Analyse one page. Never raises; a part that cannot be read is simply left empty.

    ``url`` is the address the page was fetched from; it resolves relative links and hints the
    phone region. Without it the address a saved page records (MHTML, a browser's "saved from
    url" comment, SingleFile's header), else its canonical URL (or og:url) stands in. Bytes
    may also be a gzip body saved undecoded, an MHTML archive or a bare JSON-LD document.

    National phone numbers are read in ``default_region`` (ISO 3166 alpha-2, e.g. "DE") when
    given, else in the first region these name: the schema.org address country, the URL's
    country TLD, the language's region ("de-AT"), an international number in a tel: link or
    schema.org, the postal address (a country name, "A-5542", a UK or Canadian postcode), the
    page's mail domains, and last the bare language ("de"). Without any of these only
    international (+...) numbers are found. A number labelled with a country ("UK: 020 ...")
    is read in that country.

    A page that shows no phone or e-mail (a client-rendered app saved before its scripts ran)
    gives those of its script state (Next.js, Nuxt, Vue/React stores), read under contact-like
    keys only. A page that declares no language gets the one its text is clearly written in
    (``jengu_assets.language``). Open Graph business tags are contact data like schema.org's.
    An address a script joins from pieces counts; a whole address in a script's literal is
    configuration and does not, nor does anything in a consent manager's dialog (its vendors'
    addresses and numbers).
    Of several lodging nodes in its structured data, the business is the one at the page's own
    address; a list of them (a group's overview) belongs to the group's Organization.
    """
    result = SiteAnalysis(url=_clean_url(url))
    try:
        if isinstance(html, (bytes, bytearray, memoryview)):
            html, saved_url = _unwrap_saved_page(bytes(html))
            result.url = result.url or saved_url
        text = _as_text(html)[:MAX_HTML_CHARS]
        if _JSON_START.match(text):
            text = _structured_data_page(text)
        if text.strip():
            result.url = result.url or _saved_from_url(text)
            _analyze_tree(LexborHTMLParser(_tame_markup(text)), text, result, default_region)
    except Exception:  # noqa: BLE001 - the contract is a (partial) result, never an exception
        log.warning("site analysis failed; returning what was read", exc_info=True)
    return result


def analyze_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Analyse a saved page; the record's ``input`` is ``path`` as given.

    A file that cannot be read, is empty or is clearly not HTML (an image, a PDF, an archive,
    binary data) gives ``{"input": path, "error": "..."}`` instead of an empty analysis, so a
    batch can tell "nothing found" from "nothing to look at". Gzip-compressed pages, MHTML
    archives and ``.jsonld``/``.json`` structured-data files are read like pages.
    """
    label = os.fsdecode(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES)
    except FileNotFoundError:
        return {"input": label, "error": f"file not found: {label}"}
    except IsADirectoryError:
        return {"input": label, "error": f"is a directory, not a file: {label}"}
    except PermissionError:
        return {"input": label, "error": f"permission denied: {label}"}
    except OSError as exc:
        return {"input": label, "error": f"cannot read file: {exc.strerror or exc}"}
    if _blank(data):
        return {"input": label, "error": "empty file"}
    page, saved_url = _unwrap_saved_page(data)
    if isinstance(page, bytes):
        if _blank(page):
            return {"input": label, "error": "empty file"}
        kind = _binary_kind(page)
        if kind:
            return {"input": label, "error": f"not an HTML document (looks like {kind})"}
    return analyze_html(page, saved_url).to_json(label)


def _blank(data: bytes) -> bool:
    """Whether a file holds nothing but whitespace, a byte order mark included (editors save
    an "empty" page as a BOM and a line break, in UTF-8 or UTF-16)."""
    if not data.strip():
        return True
    return len(data) <= 64 and not decode_html(data).strip(" \t\r\n\f\v\ufeff")


# --- input ----------------------------------------------------------------------------------------


def _as_text(html: object) -> str:
    if html is None:
        return ""
    if isinstance(html, (bytes, bytearray, memoryview)):
        return decode_html(bytes(html))
    text = html if isinstance(html, str) else str(html)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates (from surrogateescape decoding) cannot reach the parser.
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


_MHTML_HEAD = re.compile(rb"multipart/related", re.IGNORECASE)
_SAVED_FROM = re.compile(
    r"<!--\s*saved from url=\(\d+\)(\S+?)\s*-->"  # browsers' "Save page as" mark of the web
    r"|Page saved with SingleFile\s+url:\s*(\S+)",
    re.IGNORECASE,
)
_JSON_START = re.compile(r"^[\ufeff\s]*[\[{]")


def _unwrap_saved_page(data: bytes) -> tuple[bytes | str, str | None]:
    """The page inside a saved file: a gzip body saved without decoding, or the HTML part of
    an MHTML archive ("Webpage, single file") with the address it was saved from."""
    if data.startswith(b"\x1f\x8b"):
        try:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            inflated = inflater.decompress(data, MAX_FILE_BYTES)
        except zlib.error:
            return data, None
        return (inflated, None) if inflated.strip() else (data, None)
    head = data[:4096]
    if _MHTML_HEAD.search(head) and b"MIME-Version" in head[:2048]:
        return _mhtml_page(data) or (data, None)
    return data, None


def _mhtml_page(data: bytes) -> tuple[str, str | None] | None:
    try:
        archive = message_from_bytes(data, policy=email_policy.compat32)
        location = archive.get("Snapshot-Content-Location")
        page: tuple[str, str | None] | None = None
        # Chrome saves each frame as its own part and points the <iframe> at "cid:frame-...";
        # the part's Content-Location is the address the frame was loaded from (a booking
        # engine, a map), which is what the page really embeds.
        frames: dict[str, str] = {}
        for part in archive.walk():
            content_id = str(part.get("Content-ID") or "").strip().strip("<>")
            part_location = _absolute_http(str(part.get("Content-Location") or ""))
            if content_id and part_location and len(frames) < 200:
                frames[content_id] = part_location
            if page is not None or part.get_content_type() != "text/html":
                continue
            payload = part.get_payload(decode=True)
            if not isinstance(payload, bytes):
                continue
            text = decode_html(payload, part.get_content_charset())
            page = text, _absolute_http(location or part.get("Content-Location"))
        if page is not None and frames and "cid:" in page[0]:
            text = _CID_REFERENCE.sub(
                lambda m: frames.get(m.group(1), m.group()), page[0][:MAX_HTML_CHARS]
            )
            page = text, page[1]
        return page
    except Exception:  # noqa: BLE001 - an archive that does not parse is read as plain markup
        log.info("MHTML archive could not be parsed; reading it as markup", exc_info=True)
    return None


_CID_REFERENCE = re.compile(r"cid:([^\s\"'<>]{1,200})")


def _saved_from_url(text: str) -> str | None:
    match = _SAVED_FROM.search(text[:4096])
    if not match:
        return None
    return _absolute_http(match.group(1) or match.group(2))


def _structured_data_page(text: str) -> str:
    """A bare JSON-LD document (a ``.jsonld`` or ``.json`` file) as the page it came from."""
    values = _lenient_json(text.lstrip("\ufeff"))
    if not any(isinstance(value, (dict, list)) for value in values):
        return text
    # "</" cannot occur outside JSON strings and "<\/" means the same inside them. The text is
    # also the body, so a plain JSON file still gives the contacts written in it.
    data = text.lstrip("\ufeff")
    script = data.replace("</", "<\\/")
    # Other JSON (an API response, an app's state) is read like a page's state script.
    kind = "application/ld+json" if _LINKED_DATA_HINT.search(data[:200_000]) else "application/json"
    return (f'<html><head><script type="{kind}">{script}</script></head>'
            f"<body><pre>{html_lib.escape(data, quote=False)}</pre></body></html>")


_LINKED_DATA_HINT = re.compile(r'"@(?:context|type|graph|id)"|"properties"\s*:')


def _binary_kind(data: bytes) -> str | None:
    """A short name for a file that is certainly not an HTML page, else None."""
    signature = file_signature(data)
    if signature:
        return signature[0]
    if any(data.startswith(bom) for bom, _ in BOMS) or utf16_without_bom(data):
        return None
    head = data[:8192]
    control = sum(head.count(bytes([b])) for b in (*range(9), *range(14, 32)))
    if b"\x00" in head or control > 0.1 * len(head):
        return "binary data"
    return None


# --- markup guard ---------------------------------------------------------------------------------

# Elements that never nest: void elements, and those whose end tag is implied by a sibling.
_FLAT_ELEMENTS = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr", "keygen", "frame",
    "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody", "tfoot",
    "colgroup", "caption", "rb", "rt", "rp", "rtc", "html", "head", "body",
})
# The tag up to its ">" (or up to the next "<" when a truncated page leaves it open).
_WHOLE_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)([^<>]*)>?")
_FOREIGN_ROOTS = frozenset({"svg", "math"})


def _tag_depth_changes(text: str) -> list[tuple[int, int, str, bool, int]]:
    """(start, end, lower-case name, is end tag, change of nesting depth) for every tag.
    Inside <svg> and <math>, "<path/>" closes itself; in HTML only void elements do."""
    tags = [
        (match.start(), match.end(), match.group(2).lower(), bool(match.group(1)),
         match.group(3).endswith("/"))
        for match in _WHOLE_TAG.finditer(text)
    ]
    if not any(name in _FOREIGN_ROOTS for _, _, name, _, _ in tags):
        return [
            (start, end, name, closing, 0 if name in _FLAT_ELEMENTS else (-1 if closing else 1))
            for start, end, name, closing, _ in tags
        ]
    changes = []
    foreign = 0
    for start, end, name, closing, self_closing in tags:
        if name in _FOREIGN_ROOTS and not self_closing:
            foreign = max(foreign - 1, 0) if closing else foreign + 1
        if name in _FLAT_ELEMENTS or (self_closing and foreign and not closing):
            change = 0
        else:
            change = -1 if closing else 1
        changes.append((start, end, name, closing, change))
    return changes


def _tame_markup(text: str) -> str:
    """Drop tags (never text) that would make the parser quadratic: nesting beyond
    ``MAX_TREE_DEPTH`` and options beyond ``MAX_OPTIONS_PER_SELECT`` in one select."""
    if text.count("<") <= MAX_TREE_DEPTH:
        return text
    tags = _tag_depth_changes(text)
    heights = list(accumulate(change for _, _, _, _, change in tags if change))
    # Depth is the height above the lowest point so far: stray end tags must not hide a deep
    # run that follows them.
    floors = accumulate(heights, min, initial=0)
    peak = max(map(operator.sub, heights, floors), default=0)
    options = sum(1 for _, _, name, closing, _ in tags if name == "option" and not closing)
    if peak <= MAX_TREE_DEPTH and options <= MAX_OPTIONS_PER_SELECT:
        return text
    pieces: list[str] = []
    last = depth = options = 0
    for start, end, name, closing, change in tags:
        drop = False
        if name == "select":
            options = 0
        elif name == "option" and not closing:
            options += 1
            drop = options > MAX_OPTIONS_PER_SELECT
        elif change < 0:
            drop = depth > MAX_TREE_DEPTH
            depth = max(depth - 1, 0)
        elif change > 0:
            depth += 1
            drop = depth > MAX_TREE_DEPTH
        if drop:
            pieces.append(text[last:start])
            last = end
    pieces.append(text[last:])
    return "".join(pieces)


# --- orchestration --------------------------------------------------------------------------------

T = TypeVar("T")


def _guarded(step: str, compute: Callable[[], T], fallback: T) -> T:
    try:
        return compute()
    except Exception:  # noqa: BLE001 - one broken extractor must not cost the rest of the page
        log.warning("site analysis: %s failed", step, exc_info=True)
        return fallback


@dataclass
class _Page:
    tree: LexborHTMLParser
    raw: str
    base: str | None = None
    host: str | None = None
    metas: dict[str, str] = field(default_factory=dict)
    generators: list[str] = field(default_factory=list)
    script_text: str = ""
    embedded_urls: list[str] = field(default_factory=list)
    tel_hrefs: list[str] = field(default_factory=list)
    mail_hrefs: list[str] = field(default_factory=list)
    cf_emails: list[str] = field(default_factory=list)
    cloaked_emails: list[str] = field(default_factory=list)
    whatsapp: bool = False
    text: str = ""
    schema_country: str | None = None
    url: str | None = None
    schema_phones: list[str] = field(default_factory=list)
    schema_emails: list[str] = field(default_factory=list)
    meta_address: dict[str, str | None] | None = None


def _analyze_tree(
    tree: LexborHTMLParser, raw: str, result: SiteAnalysis, default_region: str | None
) -> None:
    page = _Page(tree=tree, raw=raw)
    page.metas, page.generators = _guarded("meta tags", lambda: _read_metas(tree), ({}, []))
    result.title = _guarded("title", lambda: _title(page), None)
    result.description = _clean_text(
        page.metas.get("description") or page.metas.get("og:description")
    )
    result.language = _guarded("language", lambda: _language(page), None)
    if result.url is None:
        result.url = _guarded("canonical url", lambda: _canonical_url(page), None)
    page.base = _guarded("base url", lambda: _base_url(page, result.url), result.url)
    page.url = result.url
    page.host = _site_host(page.base)

    result.schema_org = _guarded("schema.org", lambda: _schema_org(page), None)
    if result.schema_org:
        page.schema_country = _schema_country(result.schema_org)
    page.meta_address = _meta_address(page.metas)
    if page.schema_country is None and page.meta_address:
        page.schema_country = _region_code(page.meta_address.get("addressCountry"))

    page.script_text, page.embedded_urls = _guarded(
        "scripts", lambda: _collect_code(tree), ("", [])
    )
    result.cms = _guarded("cms", lambda: _detect_cms(page), None)
    result.analytics = _guarded("analytics", lambda: _detect_analytics(page), [])
    result.booking_engine = _guarded("booking engine", lambda: _detect_booking_engine(page), None)
    _guarded("consent dialogs", lambda: _drop_consent_dialogs(tree), None)

    social, links = _guarded("links", lambda: _scan_anchors(page), ({}, {}))
    profile_urls = list(result.schema_org.get("sameAs") or []) if result.schema_org else []
    profile_urls += _guarded("embedded profiles", lambda: _embedded_profiles(tree), [])
    for url in profile_urls:
        profile = _social_profile(url)
        if profile and profile[0] not in social:
            social[profile[0]] = profile[1]
    result.social, result.links = social, links
    result.chat_widget = _guarded("chat widget", lambda: _detect_chat(page), None)
    page.cf_emails += _guarded("cloudflare emails", lambda: _cloudflare_emails(tree), [])
    page.cloaked_emails = _guarded("cloaked emails", lambda: _cloaked_emails(tree), [])

    state = _guarded("script state", lambda: _read_state(_state_text(tree)), _State())
    if not result.social:
        for url in state.profiles:
            profile = _social_profile(url)
            if profile and profile[0] not in result.social:
                result.social[profile[0]] = profile[1]

    page.text = _guarded("visible text", lambda: _visible_text(tree), "")
    result.emails = _guarded("emails", lambda: _emails(page, result.schema_org), [])
    if not result.emails:
        result.emails = list(dict.fromkeys(filter(None, map(_clean_email, state.emails))))[:20]
    result.address = _guarded("address", lambda: _address(page, result.schema_org), None)
    if result.language is None:
        result.language = _guarded(
            "text language", lambda: text_language(f"{result.title or ''}\n{page.text}"), None
        )
    # Phones last: a page without any other country hint is placed by its address and emails.
    region = _infer_region(default_region, result, page)
    result.phones = _guarded("phones", lambda: _phones(page, result.schema_org, region), [])
    if not result.phones:
        parsed = (_parse_phone(raw, region, explicit=False) for raw in dict.fromkeys(state.phones))
        result.phones = list(dict.fromkeys(filter(None, parsed)))[:20]


# --- head metadata --------------------------------------------------------------------------------


def _attr(node: LexborNode, name: str) -> str:
    value = node.attributes.get(name)
    return value.strip() if isinstance(value, str) else ""


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean_text(value: object, limit: int = 1000) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    if "&" in text and ";" in text:
        text = " ".join(html_lib.unescape(text).split())
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # JSON-LD may escape half a surrogate pair ("\ud83d"); no output could carry it.
        text = _LONE_SURROGATE.sub("\ufffd", text)
    return text[:limit] or None


def _read_metas(tree: LexborHTMLParser) -> tuple[dict[str, str], list[str]]:
    metas: dict[str, str] = {}
    generators: list[str] = []
    for node in tree.css("meta")[:1000]:
        key = (
            _attr(node, "name") or _attr(node, "property") or _attr(node, "http-equiv")
        ).lower()
        content = _attr(node, "content")
        if not key or not content:
            continue
        # Drupal and some builders repeat their X-Generator header as a meta http-equiv.
        if key in {"generator", "x-generator"}:
            generators.append(content)
        metas.setdefault(key, content)
    return metas, generators


def _title(page: _Page) -> str | None:
    for node in page.tree.css("title")[:20]:
        parent = node.parent
        if parent is not None and parent.tag == "svg":
            continue
        title = _clean_text(node.text(deep=True), 500)
        if title:
            return title
    return _clean_text(page.metas.get("og:title") or page.metas.get("twitter:title"), 500)


# Open Graph's business tags (Facebook's business pages, local SEO plugins) and the older og:
# contact tags: the whole contact card of a page that may show nothing else.
_META_PHONES = ("business:contact_data:phone_number", "og:phone_number")
_META_EMAILS = ("business:contact_data:email", "og:email")
_META_ADDRESS = (
    ("streetAddress", "business:contact_data:street_address", "og:street-address"),
    ("postalCode", "business:contact_data:postal_code", "og:postal-code"),
    ("addressLocality", "business:contact_data:locality", "og:locality"),
    ("addressRegion", "business:contact_data:region", "og:region"),
    ("addressCountry", "business:contact_data:country_name", "og:country-name"),
)


def _meta_values(metas: dict[str, str], keys: tuple[str, ...]) -> list[str]:
    return [value for value in (_clean_text(metas.get(key), 200) for key in keys) if value]


def _meta_address(metas: dict[str, str]) -> dict[str, str | None] | None:
    address = {
        field_name: next(iter(_meta_values(metas, keys)), None)
        for field_name, *keys in _META_ADDRESS
    }
    return address if address["streetAddress"] or address["addressLocality"] else None


_LANGUAGE_TAG = re.compile(
    r"^([a-zA-Z]{2,3})(?:[-_]([a-zA-Z]{4}))?(?:[-_]([a-zA-Z]{2}|\d{3}))?(?:[-_][a-zA-Z0-9]{1,8})*$"
)


def _normalize_language(value: str | None) -> str | None:
    """BCP 47-style "de", "en-GB", "zh-Hant-TW"; anything else (templates, "x-default") is None."""
    if not value:
        return None
    first = value.replace(",", " ").replace(";", " ").split()
    if not first:
        return None
    match = _LANGUAGE_TAG.match(first[0])
    if not match:
        return None
    primary, script, region = match.groups()
    if primary.lower() in {"und", "mul", "zxx", "mis"}:  # undetermined, multiple, none
        return None
    parts = [primary.lower()]
    if script:
        parts.append(script.title())
    if region:
        parts.append(region.upper())
    return "-".join(parts)


def _language(page: _Page) -> str | None:
    root = page.tree.css_first("html")
    candidates = []
    if root is not None:
        candidates += [_attr(root, "lang"), _attr(root, "xml:lang")]
    # Content-Language is declared for the page; og:locale is often a theme's default.
    candidates += [
        page.metas.get("content-language", ""),
        page.metas.get("og:locale", ""),
        page.metas.get("language", ""),
    ]
    for candidate in candidates:
        language = _normalize_language(candidate)
        if language:
            return language
    return None


def _clean_url(url: str | None) -> str | None:
    if not isinstance(url, str):
        return None
    return url.strip() or None


def _absolute_http(url: str | None) -> str | None:
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() in {"http", "https"} and parts.netloc:
        return url.strip()
    return None


def _canonical_url(page: _Page) -> str | None:
    for node in page.tree.css("link[rel][href]")[:200]:
        if "canonical" in _attr(node, "rel").lower().split():
            url = _absolute_http(_attr(node, "href"))
            if url:
                return url
    return _absolute_http(page.metas.get("og:url"))


def _base_url(page: _Page, url: str | None) -> str | None:
    page_url = url if url and "//" in url else (f"http://{url}" if url else None)
    node = page.tree.css_first("base[href]")
    if node is not None:
        joined = _absolute_http(_join(page_url, _attr(node, "href")))
        if joined:
            return joined
    return page_url


def _join(base: str | None, href: str) -> str:
    """``href`` resolved against ``base``; unchanged when there is no base or it is malformed."""
    if not base:
        return href
    try:
        return urljoin(base, href)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return href


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname
    except ValueError:
        return None
    return host.lower().rstrip(".") if host else None


def _site_host(url: str | None) -> str | None:
    host = _host(url)
    if host and host.startswith("www."):
        host = host[4:]
    return host


def _host_matches(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


# --- scripts and embeds ---------------------------------------------------------------------------

_URL_IN_CODE = re.compile(r"""//[a-zA-Z0-9][a-zA-Z0-9.-]{0,250}\.[a-zA-Z]{2,24}[^\s"'<>)\\]*""")


_ESCAPED_SLASH = re.compile(r"\\(?:/|u002[fF])")


def _unescape_slashes(code: str) -> str:
    if "\\/" not in code and "\\u002" not in code:
        return code
    return _ESCAPED_SLASH.sub("/", code)


def _collect_code(tree: LexborHTMLParser) -> tuple[str, list[str]]:
    """Text the technology detectors read (script sources and bodies, embeds, stylesheets,
    pixels) and the URLs the page itself loads, in document order."""
    parts: list[str] = []
    embedded: list[str] = []
    budget = MAX_SCRIPT_HAYSTACK_CHARS
    for node in tree.css("script")[:2000]:
        src = _attr(node, "src")
        if src:
            parts.append(src)
            embedded.append(src)
            continue
        if _is_jsonld_type(_attr(node, "type")) or budget <= 0:
            continue
        body = node.text(deep=True)[:MAX_INLINE_SCRIPT_CHARS]
        budget -= len(body)
        parts.append(body)
        # JSON in scripts escapes slashes ("https:\/\/be.synxis.com", Nuxt "\u002F").
        unescaped = _unescape_slashes(body)
        embedded.extend(_URL_IN_CODE.findall(unescaped)[:300])
    for node in tree.css("iframe[src], frame[src], embed[src], object[data], form[action]")[:500]:
        url = _attr(node, "src") or _attr(node, "data") or _attr(node, "action")
        parts.append(url)
        embedded.append(url)
    for node in tree.css("link[href]")[:500]:
        parts.append(_attr(node, "href"))
    for node in tree.css("img[src]")[:1000]:
        parts.append(_attr(node, "src"))
    return "\n".join(parts), embedded


# --- CMS ------------------------------------------------------------------------------------------

# (name, lower-case generator prefixes/fragments); page-builder and SEO plugins only run on
# WordPress, so their generator tags identify it too.
_GENERATORS = (
    ("WordPress", ("wordpress", "elementor", "wpbakery", "woocommerce", "yoast", "wpml",
                   "slider revolution", "site kit by google", "divi v", "visual composer",
                   "all in one seo")),
    ("Wix", ("wix.com",)),
    ("Squarespace", ("squarespace",)),
    ("Joomla", ("joomla",)),
    ("Drupal", ("drupal",)),
    ("TYPO3", ("typo3",)),
    ("Webflow", ("webflow",)),
    ("Shopify", ("shopify",)),
    ("Ghost", ("ghost",)),
    ("HubSpot", ("hubspot",)),
    ("Duda", ("duda",)),
    ("Jimdo", ("jimdo",)),
    ("Weebly", ("weebly",)),
    ("GoDaddy Website Builder", ("go daddy", "godaddy", "starfield technologies")),
    ("Contao", ("contao",)),
    ("Umbraco", ("umbraco",)),
    ("Sitecore", ("sitecore",)),
    ("Adobe Experience Manager", ("adobe experience manager",)),
    ("Framer", ("framer",)),
    ("Craft CMS", ("craft cms",)),
    ("Mobirise", ("mobirise",)),
    ("1C-Bitrix", ("bitrix",)),
    ("Concrete CMS", ("concrete5", "concrete cms")),
    ("Kentico", ("kentico",)),
)
_CMS_MARKERS = (
    ("WordPress", ("/wp-content/", "/wp-includes/", "wp-json", "wp-emoji")),
    ("Wix", ("wixstatic.com", "parastorage.com", "wix-code", "x-wix-")),
    ("Squarespace", ("squarespace.com", "squarespace-cdn.com", "squarespace_context")),
    # Joomla 4 and 5 keep their templates and scripts under /media/templates/site/ and
    # /media/system/js/*.min.js; Drupal 8+ its own scripts under /core/misc/.
    ("Joomla", ("/media/jui/", "/components/com_", "/media/system/js/core.js", "joomla-script",
                "/media/system/js/core.min.js", "/media/templates/site/",
                "/media/vendor/joomla-custom-elements/")),
    ("Drupal", ("drupal-settings-json", "drupal.settings", "/sites/default/files/", "drupal.js",
                "/core/misc/drupal")),
    ("TYPO3", ("/typo3conf/", "/typo3temp/", "/typo3/", "/fileadmin/")),
    ("Webflow", ("website-files.com", "webflow.js", "webflow.com/")),
    ("Shopify", ("cdn.shopify.com", "myshopify.com", "shopify.theme")),
    ("Ghost", ("/ghost/api/", "ghost.io", "ghost-portal")),
    ("HubSpot", ("hubspotusercontent", "/hubfs/", ".hs-sites.com", "hs-sites.com")),
    ("Duda", ("irp.cdn-website.com", "multiscreensite.com", "dudaone", "cdn-website.com")),
    ("Jimdo", ("jimcdn.com", "jimdo.com", "jimstatic.com")),
    ("Weebly", ("editmysite.com", "weebly.com")),
    ("GoDaddy Website Builder", ("img1.wsimg.com", "websites.godaddy.com")),
    ("Contao", ("assets/contao/", "bundles/contao")),
    ("Umbraco", ("/umbraco/",)),
    ("Sitecore", ("/-/media/", "sitecore")),
    ("Adobe Experience Manager", ("/etc.clientlibs/", "/content/dam/")),
    ("Framer", ("framerusercontent.com", "framer.com/m/")),
    ("1C-Bitrix", ("/bitrix/",)),
)
# Markers specific enough to trust anywhere in the markup, not only in what the page loads.
_MARKUP_CMS_MARKERS = (
    ("WordPress", ("/wp-content/", "/wp-includes/", "/wp-json/")),
    ("Wix", ("static.wixstatic.com", "static.parastorage.com")),
    ("Squarespace", ("squarespace-cdn.com", "static1.squarespace.com")),
    ("Webflow", ("website-files.com",)),
    ("TYPO3", ("/typo3conf/", "/typo3temp/")),
    ("Shopify", ("cdn.shopify.com",)),
    ("Jimdo", ("jimcdn.com", "jimstatic.com")),
    ("Duda", ("irp.cdn-website.com",)),
    ("Weebly", ("editmysite.com",)),
    ("Joomla", ("/media/jui/", "index.php?option=com_")),
    ("Drupal", ("/sites/default/files/",)),
    ("HubSpot", ("/hubfs/",)),
)
# Only inside an attribute or CSS url(...): a page may well mention "/wp-content/" in its text.
_MARKUP_CMS_PATTERNS = tuple(
    (name, re.compile(
        r"""["'(=]\s*[^"'\s()<>]{0,300}?(?:%s)""" % "|".join(map(re.escape, markers)),
        re.IGNORECASE,
    ))
    for name, markers in _MARKUP_CMS_MARKERS
)
_DRUPAL_ATTRIBUTES = "[data-drupal-selector], [data-drupal-link-system-path], [data-drupal-messages]"
# Comments the systems write into every page, kept when the generator tag is removed.
_CMS_COMMENTS = (
    ("TYPO3", "this website is powered by typo3"),
    ("Squarespace", "<!-- this is squarespace. -->"),
)
_POWERED_BY = re.compile(r"^powered by\s+", re.IGNORECASE)
# Internet Explorer stamps "MSHTML 6.00..." on every page it saves, Netscape Composer its
# user agent: they name the browser that saved the page, not the site's system.
_SAVING_TOOL = re.compile(r"\s*(?:microsoft\s+)?mshtml\b|\s*mozilla/\d")
_VERSION_SUFFIX = re.compile(r"[\s_-]*v?(?:ver\.?|version)?\s*\d[\w.\-]*$", re.IGNORECASE)


def _detect_cms(page: _Page) -> str | None:
    unknown: str | None = None
    for generator in page.generators:
        lowered = generator.lower()
        if _SAVING_TOOL.match(lowered):
            continue
        for name, fragments in _GENERATORS:
            if any(fragment in lowered for fragment in fragments):
                return name
        if unknown is None:
            cleaned = _VERSION_SUFFIX.sub("", _POWERED_BY.sub("", generator))
            unknown = _clean_text(cleaned, 80)
    haystack = page.script_text.lower()
    root = page.tree.css_first("html")
    if root is not None and {"data-wf-site", "data-wf-page"} & set(root.attributes):
        return "Webflow"
    # Drupal's form and menu markup carries its own attributes, generator tag or not.
    if "data-drupal-" in page.raw and page.tree.css_first(_DRUPAL_ATTRIBUTES) is not None:
        return "Drupal"
    for name, markers in _CMS_MARKERS:
        if any(marker in haystack for marker in markers):
            return name
    if unknown is None:
        # A page saved with "Webpage, complete" loads its assets from "./Page_files/", but its
        # links, srcsets and inline styles still point at the builder's paths and CDNs.
        markup = page.raw[:MAX_SCRIPT_HAYSTACK_CHARS]
        lowered = markup.lower()
        for name, comment in _CMS_COMMENTS:
            if comment in lowered:
                return name
        for (name, pattern), (_, markers) in zip(_MARKUP_CMS_PATTERNS, _MARKUP_CMS_MARKERS):
            # The pattern is slow over megabytes of quoted JSON: only run it on a page that
            # names one of its markers at all.
            if any(marker.lower() in lowered for marker in markers) and pattern.search(markup):
                return name
    return unknown


# --- analytics ------------------------------------------------------------------------------------

# Matched against script sources and bodies, never against visible text: privacy policies
# name every tracker without the page loading any of them.
_ANALYTICS = tuple(
    (name, re.compile(pattern, flags))
    for name, pattern, flags in (
        ("Google Analytics 4",
         (r"""gtag/js\?id=G-|['"]config['"]\s*,\s*['"]G-[A-Z0-9]{4,}|"""
          r"""measurement_?id['"]?\s*[:=]\s*['"]G-"""),
         re.IGNORECASE),
        ("Google Analytics (Universal)",
         r"\bUA-\d{4,10}-\d{1,4}\b|google-analytics\.com/(?:analytics|ga|urchin)\.js", 0),
        ("Google Tag Manager",
         r"\bGTM-[A-Z0-9]{4,9}\b|googletagmanager\.com/(?:gtm\.js|ns\.html)", 0),
        ("Google Ads", r"googleadservices\.com/pagead/conversion|['\"]AW-\d{6,}", 0),
        ("Meta Pixel",
         r"connect\.facebook\.net/[^'\"\s]*/fbevents\.js|fbq\(\s*['\"]init|facebook\.com/tr\?",
         re.IGNORECASE),
        ("Hotjar", r"static\.hotjar\.com|\bhjid\s*:|_hjSettings", re.IGNORECASE),
        ("Matomo", r"matomo\.js|piwik\.js|_paq\.push", re.IGNORECASE),
        ("Plausible", r"plausible\.io/js", re.IGNORECASE),
        ("Microsoft Clarity", r"clarity\.ms/tag", re.IGNORECASE),
        ("LinkedIn Insight Tag", r"snap\.licdn\.com|_linkedin_partner_id|px\.ads\.linkedin\.com",
         re.IGNORECASE),
        ("TikTok Pixel", r"analytics\.tiktok\.com", re.IGNORECASE),
        ("Pinterest Tag", r"s\.pinimg\.com/ct/|pintrk\(", re.IGNORECASE),
        ("Microsoft Advertising (UET)", r"bat\.bing\.com", re.IGNORECASE),
        ("X (Twitter) Pixel", r"static\.ads-twitter\.com|\btwq\(", re.IGNORECASE),
        ("Snap Pixel", r"sc-static\.net/scevent", re.IGNORECASE),
        ("Adobe Analytics", r"\.omtrdc\.net|appmeasurement(?:\.min)?\.js|\.2o7\.net",
         re.IGNORECASE),
        ("Yandex Metrica", r"mc\.yandex\.ru", re.IGNORECASE),
        ("Segment", r"cdn\.segment\.com", re.IGNORECASE),
        ("Mixpanel", r"cdn\.mxpnl\.com|mixpanel\.init", re.IGNORECASE),
        ("Heap", r"heapanalytics\.com|heap\.load\(", re.IGNORECASE),
        ("Fathom", r"usefathom\.com", re.IGNORECASE),
        ("Simple Analytics", r"simpleanalyticscdn\.com", re.IGNORECASE),
        ("Cloudflare Web Analytics", r"static\.cloudflareinsights\.com", re.IGNORECASE),
        ("HubSpot", r"js\.hs-scripts\.com|js\.hs-analytics\.net", re.IGNORECASE),
        ("Mouseflow", r"cdn\.mouseflow\.com", re.IGNORECASE),
        ("Crazy Egg", r"script\.crazyegg\.com", re.IGNORECASE),
        ("etracker", r"code\.etracker\.com|\bet_pagename\b", re.IGNORECASE),
        ("Sojern", r"sojern\.com", re.IGNORECASE),
    )
)


# Literal fragments (lower case) one of which every match of the tag's pattern contains: the
# patterns themselves only run when one is there, so megabytes of inline state stay cheap.
_ANALYTICS_KEYWORDS = {
    "Google Analytics 4": ("gtag/js", "config", "measurement"),
    "Google Analytics (Universal)": ("ua-", "google-analytics.com"),
    "Google Tag Manager": ("gtm-", "googletagmanager.com"),
    "Google Ads": ("googleadservices.com", "aw-"),
    "Meta Pixel": ("fbevents.js", "fbq(", "facebook.com/tr"),
    "Hotjar": ("hotjar", "hjid", "_hjsettings"),
    "Matomo": ("matomo.js", "piwik.js", "_paq.push"),
    "Plausible": ("plausible.io",),
    "Microsoft Clarity": ("clarity.ms",),
    "LinkedIn Insight Tag": ("licdn.com", "_linkedin_partner_id", "ads.linkedin.com"),
    "TikTok Pixel": ("analytics.tiktok.com",),
    "Pinterest Tag": ("pinimg.com/ct/", "pintrk("),
    "Microsoft Advertising (UET)": ("bat.bing.com",),
    "X (Twitter) Pixel": ("ads-twitter.com", "twq("),
    "Snap Pixel": ("sc-static.net",),
    "Adobe Analytics": ("omtrdc.net", "appmeasurement", "2o7.net"),
    "Yandex Metrica": ("mc.yandex.ru",),
    "Segment": ("cdn.segment.com",),
    "Mixpanel": ("mxpnl.com", "mixpanel.init"),
    "Heap": ("heapanalytics.com", "heap.load("),
    "Fathom": ("usefathom.com",),
    "Simple Analytics": ("simpleanalyticscdn.com",),
    "Cloudflare Web Analytics": ("cloudflareinsights.com",),
    "HubSpot": ("hs-scripts.com", "hs-analytics.net"),
    "Mouseflow": ("mouseflow.com",),
    "Crazy Egg": ("crazyegg.com",),
    "etracker": ("etracker.com", "et_pagename"),
    "Sojern": ("sojern.com",),
}


def _detect_analytics(page: _Page) -> list[str]:
    lowered = page.script_text.lower()
    return [
        name for name, pattern in _ANALYTICS
        if any(keyword in lowered for keyword in _ANALYTICS_KEYWORDS.get(name, ("",)))
        and pattern.search(page.script_text)
    ]


# --- chat -----------------------------------------------------------------------------------------

_CHAT_WIDGETS = (
    ("Intercom", ("widget.intercom.io", "js.intercomcdn.com", "intercomsettings")),
    ("Drift", ("js.driftt.com", "js.drift.com", "drift.load(")),
    ("Zendesk Chat", ("static.zdassets.com", "zopim", "zendesk.com/embeddable")),
    ("Tawk.to", ("embed.tawk.to", "tawk_api")),
    ("LiveChat", ("livechatinc.com",)),
    ("Crisp", ("client.crisp.chat", "$crisp")),
    ("HubSpot Chat", ("js.usemessages.com", "hubspotconversations")),
    ("Tidio", ("code.tidio.co", "tidiochatapi")),
    ("Olark", ("static.olark.com", "olark.identify")),
    ("Quicktext", ("quicktext",)),
    ("HiJiffy", ("hijiffy",)),
    ("Asksuite", ("asksuite",)),
    ("Bookboost", ("bookboost",)),
    ("Freshchat", ("wchat.freshchat.com", "fcwidget")),
    ("Userlike", ("userlike-cdn-widgets", "userlike.com")),
    ("Smartsupp", ("smartsuppchat.com",)),
    ("JivoChat", ("jivosite.com", "code.jivo.ru")),
    ("Chatra", ("chatra.io",)),
    ("Zoho SalesIQ", ("salesiq.zoho",)),
    ("Facebook Messenger", ("customerchat",)),
    ("Trengo", ("trengo",)),
    ("Gorgias", ("gorgias",)),
    ("Comm100", ("comm100",)),
    ("Pure Chat", ("purechat",)),
)
# A chat link carries the business's number; "wa.me/?text=..." is a share button.
_WHATSAPP_CHAT = re.compile(
    r"wa\.me/\+?\d|whatsapp\.com/send/?\?(?:[^\s\"'<>]*&)?phone=\+?\d|"
    r"whatsapp://send\?(?:[^\s\"'<>]*&)?phone=\+?\d"
)


def _detect_chat(page: _Page) -> str | None:
    haystack = page.script_text.lower()
    for name, markers in _CHAT_WIDGETS:
        if any(marker in haystack for marker in markers):
            return name
    if page.whatsapp or _WHATSAPP_CHAT.search(haystack):
        return "WhatsApp"
    return None


# --- booking engines ------------------------------------------------------------------------------

# (name, host pattern). Booking.com only counts when embedded: a plain link to the hotel's
# Booking.com listing is a sales channel, not the hotel's own booking engine.
_BOOKING_ENGINES = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("SynXis (Sabre)", r"(?:^|\.)synxis\.com$"),
        ("Little Hotelier", r"(?:^|\.)littlehotelier\.com$"),
        ("SiteMinder", (r"(?:^|\.)(?:thebookingbutton\.[a-z.]+|siteminder\.com|"
                        r"direct-book\.com|book-directonline\.com)$")),
        ("Cloudbeds", r"(?:^|\.)cloudbeds\.com$"),
        ("Mews", r"(?:^|\.)mews\.(?:com|li)$"),
        ("D-EDGE", (r"(?:^|\.)(?:d-edge\.com|availpro\.com|secure-hotel-booking\.com|"
                    r"fastbooking\.(?:com|net))$")),
        ("Simple Booking", r"(?:^|\.)simplebooking\.(?:it|travel)$"),
        ("iHotelier (Amadeus/TravelClick)", r"(?:^|\.)(?:ihotelier\.com|travelclick\.com)$"),
        ("Bookassist", r"(?:^|\.)bookassist\.(?:com|org)$"),
        ("Profitroom", r"(?:^|\.)(?:profitroom\.(?:com|pl)|upperbooking\.com)$"),
        ("Net Affinity", r"(?:^|\.)netaffinity\.(?:com|io)$"),
        ("RoomRaccoon", r"(?:^|\.)roomraccoon\.[a-z.]+$"),
        ("HotelRunner", r"(?:^|\.)hotelrunner\.com$"),
        ("GuestCentric", r"(?:^|\.)guestcentric\.(?:com|net)$"),
        ("Seekom", r"(?:^|\.)seekom\.com$"),
        ("eviivo", r"(?:^|\.)eviivo\.com$"),
        ("Beds24", r"(?:^|\.)beds24\.com$"),
        ("Lodgify", r"(?:^|\.)lodgify\.com$"),
        ("STAAH", r"(?:^|\.)staah\.(?:com|net)$"),
        ("Vertical Booking", r"(?:^|\.)vertical-?booking\.com$"),
        ("HotelNetSolutions", r"(?:^|\.)hotelnetsolutions\.[a-z.]+$"),
        ("DIRS21", r"(?:^|\.)(?:dirs21\.de|onepagebooking\.com)$"),
        ("Seekda", r"(?:^|\.)seekda\.com$"),
        ("Omnibees", r"(?:^|\.)omnibees\.com$"),
        ("Avvio", r"(?:^|\.)avvio\.com$"),
        ("Freetobook", r"(?:^|\.)freetobook\.com$"),
        ("ResNexus", r"(?:^|\.)resnexus\.com$"),
        ("WebRezPro", r"(?:^|\.)webrezpro\.com$"),
        ("ThinkReservations", r"(?:^|\.)thinkreservations\.com$"),
        ("Sirvoy", r"(?:^|\.)sirvoy\.com$"),
        ("Reservit", r"(?:^|\.)reservit\.com$"),
        ("Smoobu", r"(?:^|\.)smoobu\.com$"),
        ("WuBook", r"(?:^|\.)wubook\.net$"),
        ("Octorate", r"(?:^|\.)octorate\.com$"),
        ("RoomCloud", r"(?:^|\.)roomcloud\.net$"),
        ("Blastness", r"(?:^|\.)blastness\.com$"),
        ("Neobookings", r"(?:^|\.)neobookings\.com$"),
        ("Mirai", r"(?:^|\.)mirai\.com$"),
        ("Roiback", r"(?:^|\.)roiback\.com$"),
        ("Paraty Tech", r"(?:^|\.)paratytech\.com$"),
        ("Witbooking", r"(?:^|\.)witbooking\.com$"),
        ("Hotetec", r"(?:^|\.)hotetec\.com$"),
        ("eZee (Yanolja)", r"(?:^|\.)(?:ipms247\.com|ezeetechnosys\.com)$"),
        ("Cubilis", r"(?:^|\.)(?:cubilis\.eu|stardekk\.com)$"),
        ("Guesty", r"(?:^|\.)guesty\.com$"),
        ("Hostaway", r"(?:^|\.)hostaway\.com$"),
        ("Bókun", r"(?:^|\.)bokun\.(?:io|is)$"),
        ("Guestline", r"(?:^|\.)(?:guestline\.(?:com|net|app)|rezlynx\.net)$"),
        ("RMS Cloud", r"(?:^|\.)rmscloud\.com$"),
        ("Newbook", r"(?:^|\.)newbook\.cloud$"),
        ("Campspot", r"(?:^|\.)campspot\.com$"),
        ("Windsurfer CRS (SHR)", r"(?:^|\.)windsurfercrs\.com$"),
        ("RezTrip (Pegasus)", r"(?:^|\.)reztrip\.com$"),
        ("Hotelogix", r"(?:^|\.)hotelogix\.(?:com|net)$"),
        ("OwnerRez", r"(?:^|\.)ownerrez\.com$"),
        ("Checkfront", r"(?:^|\.)checkfront\.(?:com|co\.uk)$"),
        ("Bookvisit", r"(?:^|\.)bookvisit\.com$"),
        ("Booking Experts", r"(?:^|\.)bookingexperts\.(?:nl|com|de|be)$"),
        ("SabeeApp", r"(?:^|\.)sabeeapp\.com$"),
        ("Previo", r"(?:^|\.)previo\.(?:cz|app)$"),
        ("Feratel", r"(?:^|\.)(?:feratel\.(?:com|at)|deskline\.net)$"),
        ("Amenitiz", r"(?:^|\.)amenitiz\.(?:io|com)$"),
        ("Misterbooking", r"(?:^|\.)misterbooking\.(?:com|net)$"),
        ("Elloha", r"(?:^|\.)elloha\.com$"),
        ("Avirato", r"(?:^|\.)avirato\.com$"),
        ("innRoad", r"(?:^|\.)innroad\.com$"),
        ("RoomKey", r"(?:^|\.)roomkeypms\.com$"),
        ("BookingCenter", r"(?:^|\.)bookingcenter\.com$"),
        ("Staylist", r"(?:^|\.)staylist\.com$"),
        ("Firefly Reservations", r"(?:^|\.)fireflyreservations\.com$"),
        ("Hotel-Spider", r"(?:^|\.)hotel-spider\.(?:com|ch)$"),
        ("Nobeds", r"(?:^|\.)nobeds\.com$"),
        ("Caterbook", r"(?:^|\.)caterbook\.(?:net|com)$"),
        ("Inn Style", r"(?:^|\.)innstyle\.co\.uk$"),
        ("Inntopia", r"(?:^|\.)inntopia\.(?:travel|com)$"),
        ("Escapia", r"(?:^|\.)escapia\.com$"),
        ("Hostfully", r"(?:^|\.)hostfully\.com$"),
        ("YieldPlanet", r"(?:^|\.)yieldplanet\.com$"),
        ("Clock PMS", r"(?:^|\.)clock-software\.com$"),
        ("Cultuzz", r"(?:^|\.)cultuzz\.(?:de|com)$"),
        ("Phobs", r"(?:^|\.)phobs\.net$"),
        ("WebHotelier", r"(?:^|\.)(?:webhotelier\.net|reserve-online\.net)$"),
        ("NightsBridge", r"(?:^|\.)nightsbridge\.(?:co\.za|com)$"),
        ("iPerbooking", r"(?:^|\.)iperbooking\.(?:net|com|it)$"),
        ("SuperControl", r"(?:^|\.)supercontrol\.co\.uk$"),
    )
)
_ANY_BOOKING_VENDOR = re.compile("|".join(f"(?:{regex.pattern})" for _, regex in _BOOKING_ENGINES))
_BOOKING_COM_WIDGET = re.compile(r"(?:^|\.)(?:booking\.com|bstatic\.com)$")
# Hosts like ibe.example-hotel.com or booking.example-hotel.com are booking engines we cannot
# name (usually a white-labelled vendor); they are reported with their host.
_GENERIC_IBE_HOST = re.compile(
    r"^(?:ibe|ibe\d|booking|buchung|buchen|book|reservations?|reserve|reservas|reservar|"
    r"prenota|prenotazioni|reserver|onlinebooking|online-booking)[.-][a-z0-9-]+\.[a-z0-9.-]+$"
)
_NOT_BOOKING_HOSTS = re.compile(
    r"(?:^|\.)(?:google\.[a-z.]+|facebook\.com|instagram\.com|tripadvisor\.[a-z.]+|"
    r"booking\.com|expedia\.[a-z.]+|hotels\.com|airbnb\.[a-z.]+)$"
)
# A literal first character keeps the scan over megabytes of markup fast. Tracking redirects
# carry the booking link percent-encoded in their query ("?dest=https%3A%2F%2Fbe.synxis.com").
_HOST_IN_MARKUP = re.compile(
    r"(?://|%2[fF]%2[fF])([a-zA-Z0-9][a-zA-Z0-9.-]{0,250}\.[a-zA-Z]{2,24})\b"
)


def _detect_booking_engine(page: _Page) -> str | None:
    embedded = list(dict.fromkeys(host for host in map(_host, page.embedded_urls) if host))
    for host in embedded:
        name = _booking_vendor(host)
        if name:
            return name
        if _BOOKING_COM_WIDGET.search(host):
            return "Booking.com widget"
    # Links, buttons and data attributes anywhere in the markup ("Book now" -> vendor page).
    markup = _unescape_slashes(page.raw)
    linked = list(dict.fromkeys(host.lower() for host in _HOST_IN_MARKUP.findall(markup)))
    linked = linked[:MAX_BOOKING_HOSTS]
    for host in linked:
        name = _booking_vendor(host)
        if name:
            return name
    for host in embedded + linked:
        if _GENERIC_IBE_HOST.match(host) and not _NOT_BOOKING_HOSTS.search(host):
            return f"Other ({host})"
    return None


def _booking_vendor(host: str) -> str | None:
    if not _ANY_BOOKING_VENDOR.search(host):
        return None
    for name, pattern in _BOOKING_ENGINES:
        if pattern.search(host):
            return name
    return None


# --- anchors: social profiles, site pages, contact hrefs ------------------------------------------

_SOCIAL_PLATFORMS = (
    ("facebook", re.compile(r"(?:^|\.)(?:facebook\.com|fb\.com|fb\.me)$")),
    ("instagram", re.compile(r"(?:^|\.)(?:instagram\.com|instagr\.am)$")),
    ("linkedin", re.compile(r"(?:^|\.)linkedin\.com$")),
    ("twitter", re.compile(r"(?:^|\.)(?:twitter\.com|x\.com)$")),
    ("youtube", re.compile(r"(?:^|\.)youtube\.com$")),
    ("tiktok", re.compile(r"(?:^|\.)tiktok\.com$")),
    ("tripadvisor", re.compile(r"(?:^|\.)tripadvisor\.[a-z]{2,3}(?:\.[a-z]{2})?$")),
    ("pinterest", re.compile(r"(?:^|\.)pinterest\.[a-z]{2,3}(?:\.[a-z]{2})?$")),
)
# First path segments that are platform features (share dialogs, login, posts), not profiles.
_NOT_A_PROFILE = {
    "facebook": {
        "sharer", "sharer.php", "share.php", "share", "dialog", "plugins", "tr", "login",
        "login.php", "home.php", "privacy", "policy", "policies", "help", "legal", "l.php",
        "photo.php", "story.php", "permalink.php", "hashtag", "watch", "ads", "business",
        "settings", "marketplace", "gaming", "events", "about", "terms", "cookies", "v2.0",
    },
    "instagram": {
        "p", "reel", "reels", "explore", "accounts", "about", "legal", "direct", "stories",
        "tv", "developer", "share",
    },
    "twitter": {
        "intent", "share", "home", "search", "hashtag", "i", "login", "signup", "tos",
        "privacy", "settings", "explore", "widgets.js", "widgets", "compose",
    },
    "youtube": {
        "watch", "embed", "results", "playlist", "shorts", "feed", "t", "about", "premium",
        "account", "redirect", "live", "iframe_api", "player_api", "s", "howyoutubeworks",
        "signin", "logout",
    },
    "pinterest": {"pin", "search", "ideas", "_", "business", "explore", "login", "today"},
}
_LINKEDIN_PROFILE_KINDS = {"company", "in", "school", "showcase", "pub"}
_TRIPADVISOR_PAGE = re.compile(r"_Review|Reviews-|/Profile/", re.IGNORECASE)


_REDIRECTORS = re.compile(
    r"^(?:l|lm)\.facebook\.com$|^(?:www\.)?google\.[a-z.]{2,6}$|^l\.instagram\.com$"
)


def _social_profile(url: str | None, hops: int = 0) -> tuple[str, str] | None:
    """(platform, clean profile URL) for a link to a business profile; share and intent
    links, posts and platform pages are None."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if url.startswith("//"):
        url = "https:" + url
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if _REDIRECTORS.search(host) and hops < 2:
        # Link shims ("l.facebook.com/l.php?u=...", "google.com/url?q=...") wrap the profile.
        try:
            query = parse_qs(parts.query, max_num_fields=30)
        except ValueError:
            return None
        target = next((query[key][0] for key in ("u", "q", "url") if query.get(key)), None)
        return _social_profile(target, hops + 1) if target else None
    platform = next((key for key, pattern in _SOCIAL_PLATFORMS if pattern.search(host)), None)
    if platform is None:
        return None
    path = parts.path
    if path.strip("/") == "" and parts.fragment.startswith("!/"):
        path = parts.fragment[1:]  # old Twitter links: "twitter.com/#!/name"
    segments = [unquote(s) for s in path.split("/") if s]
    if not segments:
        return None
    first = segments[0].lower()
    if first in _NOT_A_PROFILE.get(platform, ()):
        return None
    keep = 1
    if platform == "facebook":
        if first == "profile.php":
            ids = parse_qs(parts.query).get("id")
            if not ids:
                return None
            return platform, f"https://{host}/profile.php?id={ids[0]}"
        if first == "pg":
            # "facebook.com/pg/Name/about/" is the old address of the page "facebook.com/Name".
            segments = segments[1:]
            if not segments:
                return None
        elif first in {"pages", "people", "groups"}:
            keep = 3
    elif platform == "linkedin":
        if first not in _LINKEDIN_PROFILE_KINDS or len(segments) < 2:
            return None
        keep = 2
    elif platform == "youtube":
        if first in {"channel", "c", "user"}:
            if len(segments) < 2:
                return None
            keep = 2
    elif platform == "tiktok":
        # "/@someone/video/123" is a post, often by someone else than the business.
        if not first.startswith("@") or len(segments) > 1:
            return None
    elif platform == "tripadvisor":
        if not _TRIPADVISOR_PAGE.search(parts.path):
            return None
        keep = len(segments)
    elif platform == "twitter" and host.startswith("platform."):
        return None
    path = "/".join(segments[:keep])
    return platform, f"https://{host}/{path}"


# Checked in this order: "mentions-legales" is the imprint, not the terms.
_PAGE_KINDS = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("imprint", (r"impressum|imprint|mentions-l[eé]gales|aviso-legal|note-legali|"
                     r"legal-notice|informazioni-legali|colofon|site-notice|offenlegung")),
        ("privacy", (r"datenschutz|privacy|privacidad|confidentialit|donn[eé]es-personnelles|"
                     r"protezione-dati|riservatezza|dsgvo|gdpr|rgpd")),
        ("legal", (r"(?:^|-)legal(?:$|-)|(?:^|-)agb(?:$|-)|terms|conditions|(?:^|-)cgv(?:$|-)|"
                   r"condizioni|condiciones|t[eé]rminos|rechtliches")),
        ("contact", r"kontakt|contact|contatt|contacto|contato|(?:^|-)anfahrt(?:$|-)"),
        # Team pages name the people to write to, so they get their own key.
        ("team", (r"(?:^|-)team(?:$|-)|[eé]quipe|equipo|equipa|mitarbeiter|(?:^|-)staff(?:$|-)|"
                  r"personale|medewerkers")),
        ("about", (r"about|[uü]ber-uns|ueber-uns|a-propos|chi-siamo|qui-sommes|"
                   r"qui[eé]nes-somos|sobre-nosotros|sobre-n[oó]s|quem-somos|over-ons|"
                   r"das-hotel|l-h[oô]tel|(?:^|-)histor")),
    )
)
_ANY_PAGE_KIND = re.compile("|".join(f"(?:{pattern.pattern})" for _, pattern in _PAGE_KINDS))
_SLUG_SEPARATORS = re.compile(r"[\s/_.\-–—'’&+,:;|()=?]+")
_SOCIAL_HINT = re.compile(
    r"facebook|fb\.(?:com|me)|instagr|linkedin|twitter|x\.com|youtube|tiktok|tripadvisor|pinterest"
)


def _page_kind(value: str) -> str | None:
    slug = _SLUG_SEPARATORS.sub("-", unquote(value).lower()).strip("-")
    if not slug or not _ANY_PAGE_KIND.search(slug):
        return None
    return next((kind for kind, pattern in _PAGE_KINDS if pattern.search(slug)), None)


def _path_and_query(href: str) -> str:
    href = href.split("#", 1)[0]
    if "//" in href[:12]:
        return href.split("//", 1)[1].partition("/")[2]
    return href


def _scan_anchors(page: _Page) -> tuple[dict[str, str], dict[str, str]]:
    anchors = page.tree.css("a[href], area[href]")
    if len(anchors) > MAX_ANCHORS:
        # Contact details and legal links live in the footer: keep both ends of the page.
        half = MAX_ANCHORS // 2
        anchors = anchors[:half] + anchors[-half:]
    social: dict[str, str] = {}
    links: dict[str, str] = {}
    for node in anchors:
        href = _attr(node, "href")
        lowered = href.lower()
        if lowered.startswith(("tel:", "callto:")):
            page.tel_hrefs.append(unquote(href.split(":", 1)[1]).lstrip("/"))
            continue
        if lowered.startswith("mailto:"):
            page.mail_hrefs.append(href[7:])
            continue
        if "/cdn-cgi/l/email-protection#" in lowered:
            page.cf_emails.append(href.rsplit("#", 1)[1])
            continue
        if lowered.startswith(("javascript:", "#", "data:", "sms:")) or not href:
            continue
        if _WHATSAPP_CHAT.search(lowered):
            page.whatsapp = True
            continue
        if _SOCIAL_HINT.search(lowered):
            profile = _social_profile(_join(page.base, href))
            if profile:
                social.setdefault(*profile)
                continue
        if len(links) < len(_PAGE_KINDS):
            _add_site_link(page, node, href, links)
    return social, links


def _add_site_link(page: _Page, node: LexborNode, href: str, links: dict[str, str]) -> None:
    kind = _page_kind(_path_and_query(href))
    if kind is None:
        text = node.text(deep=True, separator=" ")
        kind = _page_kind(text) if len(text) <= 80 else None
    if kind is None or kind in links:
        return
    absolute = _join(page.base, href).split("#", 1)[0]
    try:
        parts = urlsplit(absolute)
    except ValueError:
        return
    if parts.scheme or parts.netloc:
        if parts.scheme.lower() not in {"http", "https"}:
            return
        host = _site_host(absolute)
        if not page.host or not host or not (
            _host_matches(host, page.host) or _host_matches(page.host, host)
        ):
            return
    links[kind] = absolute


# The containers of the consent managers hotel sites use (Cookiebot, OneTrust, Usercentrics,
# Borlabs, Complianz, CookieYes, Didomi, Quantcast, TrustArc, iubenda, Klaro, Osano,
# consentmanager.net, Axeptio, tarteaucitron, Cookie Notice, Moove GDPR, Sourcepoint). They list
# their vendors with postal addresses, privacy contacts and policy links: none is the hotel's.
_CONSENT_DIALOGS = (
    "#CybotCookiebotDialog, #CookiebotWidget, #onetrust-consent-sdk, #onetrust-banner-sdk, "
    "#onetrust-pc-sdk, #usercentrics-root, #uc-banner, #BorlabsCookieBox, "
    "#cmplz-cookiebanner-container, .cmplz-cookiebanner, #cookie-law-info-bar, "
    "#cliSettingsPopup, .cky-consent-container, .cky-modal, #didomi-host, #qc-cmp2-container, "
    "#truste-consent-track, #consent_blackbar, #iubenda-cs-banner, #klaro, .osano-cm-window, "
    "#cmpbox, #cmpbox2, #axeptio_overlay, #tarteaucitronRoot, #cookie-notice, "
    "#moove_gdpr_cookie_info_bar, #moove_gdpr_cookie_modal, [id^=sp_message_container]"
)
# A theme that wraps the whole page in such a container keeps it.
_PAGE_PARTS = "main, footer, header, h1, article, [itemscope], [typeof]"


def _drop_consent_dialogs(tree: LexborHTMLParser) -> None:
    dialogs = [
        node for node in tree.css(_CONSENT_DIALOGS)[:50]
        if node.tag not in {"html", "body"} and node.css_first(_PAGE_PARTS) is None
    ]
    chosen = {node.mem_id for node in dialogs}
    for node in dialogs:
        parent, nested = node.parent, False
        while parent is not None:
            if parent.mem_id in chosen:
                nested = True  # goes with its container
                break
            parent = parent.parent
        if not nested:
            node.decompose()


def _embedded_profiles(tree: LexborHTMLParser) -> list[str]:
    """Profiles shown by embeds rather than links: the Facebook page plugin (an iframe whose
    ``href`` parameter is the page, or a ``fb-page`` div with ``data-href``)."""
    urls: list[str] = []
    for node in tree.css("iframe[src*='facebook.com/plugins/'], [data-href*='facebook.com']")[:50]:
        src = _attr(node, "src") or _attr(node, "data-href")
        if "/plugins/" in src:
            try:
                src = parse_qs(urlsplit(src).query).get("href", [""])[0]
            except ValueError:
                continue
        urls.append(src)
    return urls


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


# --- script state -------------------------------------------------------------------------------

# Pages rendered in the browser (Next.js, Nuxt, Gatsby, Vue/React stores, Wix) ship their data as
# JSON or a JavaScript object in a script; saved before the scripts ran, that is the only place
# the contacts are. Only values under contact-like keys are read ("phone", "contactEmail"), and
# only when the page itself shows none: state also carries partners', owners' and developers'
# details.
_STATE_MARKERS = (
    "__NEXT_DATA__", "__next_f", "__NUXT__", "__NUXT_DATA__", "__INITIAL_STATE__",
    "__APOLLO_STATE__", "__PRELOADED_STATE__", "__INITIAL_DATA__", "__INITIAL_PROPS__",
    "__remixContext", "__SERVER_DATA__", "__STATE__", "__DATA__", "__APP_DATA__",
    "__staticRouterHydrationData",
)
# A contact-like word, the rest of its key and a quoted value; the whole key is read backwards.
_STATE_CONTACT_PAIR = re.compile(
    r"""(?:phone|tel|fon|mobil|cell|whats|mail)[\w$-]{0,40}["']?[ \t]*:[ \t]*["']([^"'\\\n]{3,160})["']""",
    re.IGNORECASE,
)
_KEY_HEAD = re.compile(r"[\w$-]{0,50}$")
_STATE_PHONE_VALUE = re.compile(r"(?:\+|00|\()?\d[\d ()./–-]{5,24}\d")
_STATE_ESCAPES = re.compile(r"\\(?:u00(?:2[fF]|40|22)|[\\/\"])")
_STATE_UNESCAPED = {"u002f": "/", "u0040": "@", "u0022": '"', "\\": "\\", "/": "/", '"': '"'}
_KEY_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_PHONE_KEY_WORDS = frozenset({
    "phone", "telephone", "tel", "telefon", "telefono", "telefone", "telf", "tfno", "fon",
    "mobile", "mobil", "cell", "cellphone", "whatsapp", "landline", "hotline",
})
# Keys naming someone else's address: accounts, developers, tools.
_FOREIGN_KEY_WORDS = frozenset({
    "owner", "user", "member", "admin", "login", "author", "developer", "dev", "support",
    "sender", "from", "noreply", "account", "customer", "guest", "billing", "webmaster",
    "sentry", "test", "partner", "agency", "fax", "telefax",
})
_TECHNICAL_LOCALS = frozenset({
    "devops", "dev", "developer", "webmaster", "admin", "root", "postmaster", "hostmaster",
    "abuse", "security", "sentry", "bugs", "support",
})
_STATE_URL = re.compile(r"https?://[^\s\"'<>\\)]{4,300}")


@dataclass
class _State:
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)


def _state_text(tree: LexborHTMLParser) -> str:
    """The page's state scripts, JavaScript string escapes undone, within a budget."""
    parts: list[str] = []
    budget = MAX_SCRIPT_HAYSTACK_CHARS
    for node in tree.css("script")[:2000]:
        if _attr(node, "src"):
            continue
        kind = _attr(node, "type").lower()
        if _is_jsonld_type(kind):
            continue
        body = node.text(deep=True)
        if "json" not in kind and not any(marker in body[:400] for marker in _STATE_MARKERS):
            continue
        if len(body) > budget:
            # Contact blocks sit at either end of a store (settings first, footer last).
            body = body[: budget // 2] + "\n" + body[-(budget // 2) :]
        budget -= len(body)
        if "\\" in body:
            body = _STATE_ESCAPES.sub(
                lambda m: _STATE_UNESCAPED.get(m.group()[1:].lower(), m.group()), body
            )
        parts.append(body)
        if _attr(node, "id") == "__NUXT_DATA__":
            parts.append(_devalue_pairs(body))
        if budget <= 0:
            break
    return "\n".join(parts)


def _devalue_pairs(body: str) -> str:
    """Nuxt 3 state is one flat array whose objects hold indices into it ({"phone": 12}): the
    contact-like pairs written out as "key":"value" lines."""
    try:
        values = json.loads(body)
    except (ValueError, RecursionError):
        return ""
    if not isinstance(values, list):
        return ""
    lines: list[str] = []
    for item in values[:MAX_JSON_NODES]:
        if not isinstance(item, dict):
            continue
        for key, index in item.items():
            if (isinstance(key, str) and isinstance(index, int) and 0 <= index < len(values)
                    and isinstance(values[index], str)):
                lines.append(json.dumps({key: values[index]})[1:-1])
    return "\n".join(lines)


def _key_words(key: str) -> list[str]:
    return [word.lower() for word in _KEY_WORDS.findall(key)]


def _read_state(text: str) -> _State:
    state = _State()
    if not text:
        return state
    for match in _STATE_CONTACT_PAIR.finditer(text):
        value = match.group(1)
        head = _KEY_HEAD.search(text, max(0, match.start() - 50), match.start())
        key = (head.group() if head else "") + re.match(r"[\w$-]*", match.group()).group()
        lowered = key.lower()
        words = _key_words(key)
        if any(word in _FOREIGN_KEY_WORDS for word in words) or "fax" in lowered:
            continue
        if "@" in value:
            if any(word.startswith("email") or word.endswith("email") or word == "mail"
                   for word in words) and len(state.emails) < 50:
                local = value.split("@", 1)[0].strip().lower()
                if local not in _TECHNICAL_LOCALS:
                    state.emails.append(value.strip())
        elif (
            len(state.phones) < 200
            and _STATE_PHONE_VALUE.fullmatch(value.strip())
            and any(word in _PHONE_KEY_WORDS or word.startswith("phone") or word.endswith("phone")
                    for word in words)
        ):
            state.phones.append(value.strip())
    if _SOCIAL_HINT.search(text):
        state.profiles = [url for url in _STATE_URL.findall(text) if _SOCIAL_HINT.search(url)][:200]
    return state


# --- visible text ---------------------------------------------------------------------------------

_INVISIBLE = [
    "script", "style", "noscript", "template", "svg", "canvas", "object", "iframe", "select",
]
_BLOCKS = (
    "address, article, aside, blockquote, br, dd, details, div, dl, dt, fieldset, figcaption, "
    "figure, footer, form, h1, h2, h3, h4, h5, h6, header, hr, li, main, nav, ol, p, pre, "
    "section, summary, table, td, th, tr, ul, button"
)


# Typographic spaces and hyphens inside numbers ("+49\u200930\u2009123", "0221\u2011123"), and
# the full-width forms of Japanese and Chinese pages, read as their plain ASCII forms.
_TEXT_SPACES = str.maketrans({
    # Full-width ASCII ("ＴＥＬ：０５５５－７２", "info＠...") first, the rest may override it.
    **{chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)},
    **dict.fromkeys(["\xa0", "\u202f", "\u205f", "\u3000", *map(chr, range(0x2000, 0x200B))], " "),
    **dict.fromkeys(["\u2010", "\u2011", "\u2012", "\uff0d"], "-"),
})


def _visible_text(tree: LexborHTMLParser) -> str:
    """Body text with one line per block, so numbers and addresses in separate paragraphs or
    cells never run together while inline markup (<b>, <span>) stays within its line."""
    tree.strip_tags(_INVISIBLE)
    for node in tree.css(_BLOCKS):
        node.insert_before("\n")
        if node.tag != "br":
            node.insert_after("\n")
    root = tree.body or tree.root
    if root is None:
        return ""
    text = root.text(deep=True, separator="").translate(_TEXT_SPACES)
    if len(text) > MAX_TEXT_CHARS:
        head = MAX_TEXT_CHARS * 2 // 3
        text = text[:head] + "\n" + text[-(MAX_TEXT_CHARS - head) :]
    return text


# --- structured data ------------------------------------------------------------------------------

_LODGING_TYPES = {
    "hotel", "lodgingbusiness", "resort", "bedandbreakfast", "hostel", "motel", "campground",
    "vacationrental", "skiresort",
}
_BUSINESS_TYPES = {"localbusiness"}
_ORGANIZATION_TYPES = {"organization", "corporation"}
_SCHEMA_RANKS = (_LODGING_TYPES, _BUSINESS_TYPES, _ORGANIZATION_TYPES)
_GENERIC_TYPES = frozenset({"lodgingbusiness", "localbusiness", "organization"})
# Strings (kept as they are), comments and trailing commas (dropped), unquoted keys (quoted).
# Every alternative always matches once started (an unterminated string or comment runs to the
# end, a trailing backslash included): a failed scan retried from each later position would make
# hostile input quadratic.
_JSON_REPAIRS = re.compile(
    r'("(?:[^"\\]++|\\.?)*+(?:"|$))'
    r"|//[^\n]*|/\*.*?(?:\*/|$)|,(?=\s*[\]}])"
    r"|(?<=[{,])(\s*)([A-Za-z_$][\w$-]*)(?=\s*:)"
    # JavaScript habits: 'single-quoted strings'.
    r"|'((?:[^'\\\n]|\\.)*)'",
    re.DOTALL,
)
_JSON_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)


def _fix_escape(match: re.Match[str]) -> str:
    escaped = match.group(1)
    if escaped[0] in '"\\/bfnrt' or len(escaped) == 5:
        return match.group()
    return escaped  # "\'" and other escapes JSON does not know: the character itself
_JSON_SEPARATORS = re.compile(r"[\s,;]*")
_HTML_COMMENT_WRAPPER = re.compile(
    r"^\s*(?://\s*)?(?:<!--|<!\[CDATA\[)|(?://\s*)?(?:-->|\]\]>)\s*$"
)


def _schema_types(node: dict[str, Any]) -> list[str]:
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    types = []
    for value in values[:20]:
        if isinstance(value, str) and value.strip():
            types.append(re.split(r"[/#:]", value.strip())[-1])
    return types


def _json_values(text: str) -> tuple[list[Any], bool]:
    """Every JSON value in ``text`` (pages concatenate objects) and whether all of it parsed."""
    decoder = json.JSONDecoder(strict=False)
    values: list[Any] = []
    position = _JSON_SEPARATORS.match(text, 0).end()
    while position < len(text) and len(values) < 100:
        try:
            value, position = decoder.raw_decode(text, position)
        except (ValueError, RecursionError):
            return values, False
        values.append(value)
        position = _JSON_SEPARATORS.match(text, position).end()
    return values, True


def _repair_json_token(match: re.Match[str]) -> str:
    string, space, bare_key, quoted = match.groups()
    if string is not None:
        return _JSON_ESCAPE.sub(_fix_escape, string) if "\\" in string else string
    if bare_key is not None:
        return f'{space}"{bare_key}"'
    if quoted is not None:
        inner = _JSON_ESCAPE.sub(_fix_escape, quoted) if "\\" in quoted else quoted
        return '"' + re.sub(r'(?<!\\)"', '\\"', inner) + '"'
    return ""


def _lenient_json(script: str) -> list[Any]:
    """JSON-LD as written by hand: comments, trailing commas, unquoted keys, raw newlines in
    strings, HTML entities instead of quotes and several objects in one script are accepted."""
    # A byte order mark pasted in with the script (or left by a CMS field) is not JSON.
    text = _HTML_COMMENT_WRAPPER.sub("", script.strip().lstrip("\ufeff").strip())
    values, complete = _json_values(text)
    if complete and values:
        return values
    best = values
    candidates = [text]
    if "&" in text:
        candidates.append(html_lib.unescape(text))
    if "\n" in text:
        # Last resorts for hand-written JSON: one property per line lets a missing comma
        # or an unescaped quote inside a value be seen.
        candidates.append(_repair_lines(text))
    repaired = text
    for candidate in candidates:
        repaired = _JSON_REPAIRS.sub(_repair_json_token, candidate)
        values, complete = _json_values(repaired)
        if complete and values:
            return values
        if len(values) > len(best):
            best = values
    if not best:
        # Cut off (a field length limit, a truncated save): the complete part is kept.
        for closed in _closed_truncation(repaired):
            values, complete = _json_values(closed)
            if complete and values:
                return values
    return best


_MISSING_COMMA = re.compile(r'("|\d|\btrue|\bfalse|\bnull|[}\]])([ \t]*\r?\n\s*)(?=")')
_STRING_PROPERTY_LINE = re.compile(r'^([ \t]*"[^"\n]{1,100}"[ \t]*:[ \t]*")(.*)("[ \t]*,?[ \t]*)$', re.M)


def _escape_inner_quotes(match: re.Match[str]) -> str:
    inner = match.group(2)
    if '"' not in inner or re.search(r'"\s*[,:]\s*"', inner):
        return match.group()  # several properties on the line: not one value
    return match.group(1) + re.sub(r'(?<!\\)"', '\\"', inner) + match.group(3)


def _repair_lines(text: str) -> str:
    text = _MISSING_COMMA.sub(r"\1,\2", text)
    return _STRING_PROPERTY_LINE.sub(_escape_inner_quotes, text)


_JSON_STRUCTURE = re.compile(r'"(?:[^"\\]++|\\.)*+("?)|[\[\]{},]', re.DOTALL)


def _closed_truncation(text: str) -> list[str]:
    """``text`` completed with the brackets it leaves open: as it ends, and cut back to its
    last comma (dropping a half-written member)."""
    closers: list[str] = []
    in_string = False
    last_comma: tuple[int, str] | None = None
    for match in _JSON_STRUCTURE.finditer(text):
        token = match.group()
        if token[0] == '"':
            in_string = not match.group(1)  # a string still open at the end of the text
        elif token in "[{":
            closers.append("]" if token == "[" else "}")
        elif token in "]}":
            if closers:
                closers.pop()
        elif closers:
            last_comma = (match.start(), "".join(reversed(closers)))
    if not closers:
        return []
    attempts = []
    if not in_string:
        attempts.append(text.rstrip().rstrip(",:") + "".join(reversed(closers)))
    if last_comma:
        attempts.append(text[: last_comma[0]] + last_comma[1])
    return attempts


def _is_jsonld_type(value: str) -> bool:
    # Hand-written pages also say "application/json-ld", "application/ld-json" or "json+ld".
    lowered = value.lower()
    return any(kind in lowered for kind in ("ld+json", "json+ld", "ld-json", "json-ld"))


def _jsonld_documents(tree: LexborHTMLParser) -> list[Any]:
    documents: list[Any] = []
    scripts = 0
    budget = [MAX_JSON_NODES]
    for node in tree.css("script"):
        if not _is_jsonld_type(_attr(node, "type")):
            continue
        scripts += 1
        if scripts > MAX_JSONLD_SCRIPTS:
            break
        body = node.text(deep=True)
        if len(body) > MAX_JSONLD_CHARS:
            continue
        documents.extend(_normalized(value, budget) for value in _lenient_json(body))
    return documents


def _local_name(key: str) -> str:
    # "schema:name" (a prefix from @context) and "http://schema.org/name" (expanded JSON-LD)
    # name the same property as "name".
    if key.startswith("@") or not any(ch in key for ch in ":/#"):
        return key
    return re.split(r"[/#:]", key.rstrip("/#"))[-1] or key


def _normalized(value: Any, budget: list[int], depth: int = 0) -> Any:
    """JSON-LD with plain property names: prefixed and full-IRI keys become local names, and
    microdata written as JSON ({"type": [...], "properties": {...}}) becomes a node."""
    if budget[0] <= 0 or depth > MAX_JSON_DEPTH:
        return value
    if isinstance(value, list):
        budget[0] -= 1
        return [_normalized(item, budget, depth + 1) for item in value[:MAX_JSON_LIST]]
    if not isinstance(value, dict):
        return value
    budget[0] -= 1
    properties = value.get("properties")
    if "@type" not in value and isinstance(properties, dict) and isinstance(
        value.get("type"), (str, list)
    ):
        node: dict[str, Any] = {"@type": value["type"]}
        if isinstance(value.get("id"), str):
            node["@id"] = value["id"]
        node.update(properties)
        value = node
    out: dict[str, Any] = {}
    for key, child in list(value.items())[:MAX_JSON_LIST]:
        name = _local_name(key) if isinstance(key, str) else key
        if name not in out:
            out[name] = _normalized(child, budget, depth + 1)
    return out


def _walk_json(roots: list[Any]) -> Iterator[dict[str, Any]]:
    """Every object in document order, iteratively and within node and depth budgets."""
    stack: list[tuple[Any, int]] = [(root, 0) for root in reversed(roots)]
    visited = 0
    while stack and visited < MAX_JSON_NODES:
        value, depth = stack.pop()
        visited += 1
        if isinstance(value, dict):
            yield value
            children: Iterable[Any] = list(value.values())[:MAX_JSON_LIST]
        elif isinstance(value, list):
            children = value[:MAX_JSON_LIST]
        else:
            continue
        if depth < MAX_JSON_DEPTH:
            stack.extend(
                (child, depth + 1)
                for child in reversed(list(children))
                if isinstance(child, (dict, list))
            )


def _microdata_types(itemtype: str) -> list[str]:
    return [re.split(r"[/#:]", token)[-1] for token in itemtype.split() if token][:10]


@dataclass(frozen=True)
class _Vocabulary:
    """Attribute names of an HTML structured-data syntax: microdata or RDFa Lite."""

    scope: str
    types: str
    prop: str


_MICRODATA = _Vocabulary(scope="itemscope", types="itemtype", prop="itemprop")
_RDFA = _Vocabulary(scope="typeof", types="typeof", prop="property")


def _nearest_scope_id(node: LexborNode, vocab: _Vocabulary = _MICRODATA) -> int | None:
    parent = node.parent
    steps = 0
    while parent is not None and steps < 200:
        if vocab.scope in parent.attributes:
            return parent.mem_id
        parent = parent.parent
        steps += 1
    return None


def _microdata_value(
    node: LexborNode, depth: int, vocab: _Vocabulary = _MICRODATA,
    tree: LexborHTMLParser | None = None,
) -> Any:
    attrs = node.attributes
    if vocab.scope in attrs:
        return _microdata_item(node, depth + 1, vocab, tree) if depth < 4 else None
    tag = node.tag
    if tag == "meta":
        return _attr(node, "content")
    if vocab is _RDFA and _attr(node, "content"):
        return _attr(node, "content")
    if tag in {"a", "area", "link"}:
        return _attr(node, "href")
    if tag in {"img", "audio", "video", "source", "iframe", "embed"}:
        return _attr(node, "src")
    if tag == "time" and _attr(node, "datetime"):
        return _attr(node, "datetime")
    if tag in {"data", "meter"} and _attr(node, "value"):
        return _attr(node, "value")
    if _attr(node, "content"):
        return _attr(node, "content")
    return " ".join(node.text(deep=True, separator=" ").split())


def _property_names(value: str) -> list[str]:
    # RDFa writes "schema:name" or a full IRI; microdata a plain "name".
    return [re.split(r"[/#:]", token)[-1] for token in value.split() if token][:10]


def _referenced_properties(
    scope: LexborNode, vocab: _Vocabulary, tree: LexborHTMLParser | None
) -> list[LexborNode]:
    """Properties that ``itemref`` pulls in from elements elsewhere on the page."""
    if tree is None or vocab is not _MICRODATA:
        return []
    nodes: list[LexborNode] = []
    for ref in _attr(scope, "itemref").split()[:20]:
        if not re.fullmatch(r"[\w.:-]{1,200}", ref):
            continue
        target = tree.css_first(f'[id="{ref}"]')
        if target is None:
            continue
        if vocab.prop in target.attributes:
            nodes.append(target)
        if vocab.scope in target.attributes:
            continue  # its descendants belong to its own item
        for node in target.css(f"[{vocab.prop}]")[:MAX_ITEMPROPS]:
            parent, inside = node.parent, True
            while parent is not None and parent.mem_id != target.mem_id:
                if vocab.scope in parent.attributes:
                    inside = False
                    break
                parent = parent.parent
            if inside:
                nodes.append(node)
    return nodes


def _microdata_item(
    scope: LexborNode, depth: int = 0, vocab: _Vocabulary = _MICRODATA,
    tree: LexborHTMLParser | None = None,
) -> dict[str, Any]:
    item: dict[str, Any] = {"@type": _microdata_types(_attr(scope, vocab.types))}
    scope_id = scope.mem_id
    own = [
        node for node in scope.css(f"[{vocab.prop}]")[:MAX_ITEMPROPS]
        if _nearest_scope_id(node, vocab) == scope_id
    ]
    for node in own + _referenced_properties(scope, vocab, tree):
        value = _microdata_value(node, depth, vocab, tree)
        if value in (None, ""):
            continue
        for name in _property_names(_attr(node, vocab.prop)):
            if name in item:
                existing = item[name]
                item[name] = (existing if isinstance(existing, list) else [existing]) + [value]
            else:
                item[name] = value
    return item


_SCOPE_TYPES = (
    "Hotel", "Lodging", "Resort", "BedAndBreakfast", "Hostel", "Motel", "Campground",
    "VacationRental", "LocalBusiness", "Organization", "Corporation",
)
_MICRODATA_CANDIDATES = ", ".join(
    f"[itemscope][itemtype*={name} i]" for name in _SCOPE_TYPES
)
_RDFA_CANDIDATES = ", ".join(f"[typeof*={name} i]" for name in _SCOPE_TYPES)


def _schema_org(page: _Page) -> dict[str, Any] | None:
    documents = _jsonld_documents(page.tree)
    nodes = list(_walk_json(documents))
    id_index: _IdIndex = {}
    for node in nodes:
        node_id = node.get("@id")
        if isinstance(node_id, str) and not _is_reference(node):
            id_index.setdefault(node_id, node)
    lodgings: list[tuple[dict[str, Any], str]] = []
    best: list[tuple[dict[str, Any], str] | None] = [None] * len(_SCHEMA_RANKS)
    for node in nodes:
        # A typed reference ({"@type": "Hotel", "@id": "#hotel"}, e.g. a WebSite's publisher)
        # stands for a node described elsewhere in the graph.
        if _is_reference(node) and node.get("@id") in id_index:
            continue
        _rank_candidate(node, best, lodgings)
    for selector, vocab in ((_MICRODATA_CANDIDATES, _MICRODATA), (_RDFA_CANDIDATES, _RDFA)):
        if best[0] is not None:
            break
        for scope in page.tree.css(selector)[:MAX_ITEMSCOPES]:
            _rank_candidate(_microdata_item(scope, 0, vocab, page.tree), best, lodgings)
            if best[0] is not None:
                break
    chosen = _chosen_business(lodgings, best, _list_members(nodes), page.url or page.base)
    if chosen is None:
        return None
    schema = _flatten_schema(chosen[0], chosen[1], id_index, page.base)
    page.schema_phones, page.schema_emails = _schema_contacts(chosen[0], id_index)
    # Site builders split one business over several blocks (Squarespace: a LocalBusiness
    # with the address, an unnamed Organization with the phone and email).
    for candidate in best:
        if candidate is None or candidate is chosen:
            continue
        node, type_name = candidate
        other = _flatten_schema(node, type_name, id_index, page.base)
        if _same_business(schema, other, node):
            for key in _MERGED_FIELDS:
                if schema.get(key) in (None, "", []) and other.get(key) not in (None, "", []):
                    schema[key] = other[key]
    return schema


def _is_reference(node: dict[str, Any]) -> bool:
    return "@id" in node and set(node) <= {"@id", "@type"}


def _list_members(nodes: list[dict[str, Any]]) -> set[int]:
    """Identities of the nodes that are entries of an ItemList."""
    members: set[int] = set()
    for node in nodes:
        if not any(t.lower() == "itemlist" for t in _schema_types(node)):
            continue
        elements = node.get("itemListElement")
        for element in (elements if isinstance(elements, list) else [elements])[:MAX_JSON_LIST]:
            if isinstance(element, dict):
                members.add(id(element))
                if isinstance(element.get("item"), dict):
                    members.add(id(element["item"]))
    return members


def _chosen_business(
    lodgings: list[tuple[dict[str, Any], str]],
    best: list[tuple[dict[str, Any], str] | None],
    list_members: set[int],
    page_url: str | None,
) -> tuple[dict[str, Any], str] | None:
    """The node that describes the business behind the page. Several different properties:
    the one at the page's own address; on a list of them (a group's overview) the group's
    own Organization or LocalBusiness; else the first."""
    names = {_business_name(_first_text(node.get("name"))) for node, _ in lodgings}
    if len(lodgings) > 1 and len(names) > 1:
        page_key = _page_key(page_url)
        if page_key:
            for candidate in lodgings:
                if _page_key(_link_text(candidate[0].get("url"))) == page_key:
                    return candidate
        if id(lodgings[0][0]) in list_members:
            for candidate in best[1:]:
                if candidate is not None and id(candidate[0]) not in list_members:
                    return candidate
    return next((candidate for candidate in best if candidate), None)


def _page_key(url: str | None) -> str | None:
    """A URL reduced to what tells two pages apart: host without "www." and path."""
    if not url or "//" not in url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}".lower() if host else None


_MERGED_FIELDS = ("telephone", "email", "url", "address", "geo", "sameAs")


def _business_name(value: str | None) -> str:
    return "".join(ch for ch in (value or "").casefold() if ch.isalnum())


def _same_business(
    chosen: dict[str, Any], other: dict[str, Any], other_node: dict[str, Any]
) -> bool:
    mine, theirs = _business_name(chosen.get("name")), _business_name(other.get("name"))
    if theirs:
        return theirs == mine
    # A nameless block is the site owner's, unless its legal name says otherwise.
    legal = _business_name(_first_text(other_node.get("legalName")))
    return not legal or not mine or legal.startswith(mine) or mine.startswith(legal)


def _rank_candidate(
    node: dict[str, Any],
    best: list[tuple[dict[str, Any], str] | None],
    lodgings: list[tuple[dict[str, Any], str]] | None = None,
) -> None:
    # ["LodgingBusiness", "Hotel"]: the business is named by its most specific type.
    types = sorted(_schema_types(node), key=lambda t: t.lower() in _GENERIC_TYPES)
    for rank, accepted in enumerate(_SCHEMA_RANKS):
        matched = next((t for t in types if t.lower() in accepted), None)
        if not matched:
            continue
        if rank == 0 and lodgings is not None and len(lodgings) < 50:
            lodgings.append((node, matched))
        if best[rank] is None:
            best[rank] = (node, matched)
            return


def _resolve(value: Any, id_index: _IdIndex) -> Any:
    if isinstance(value, list):
        value = next((v for v in value if v not in (None, "", [], {})), None)
    if isinstance(value, dict) and set(value) <= {"@id", "@type"} and "@id" in value:
        return id_index.get(value["@id"], value)
    return value


def _first_text(value: Any, limit: int = 500) -> str | None:
    if isinstance(value, list):
        for item in value[:20]:
            text = _first_text(item, limit)
            if text:
                return text
        return None
    if isinstance(value, dict):
        return _first_text(value.get("@value") or value.get("name"), limit)
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return str(value)
    return _clean_text(value, limit)


def _text_list(value: Any, limit: int = 50) -> list[str]:
    values = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in values[: limit * 2]:
        text = _first_text(item)
        if text and text not in out:
            out.append(text)
    return out[:limit]


_ADDRESS_FIELDS = (
    "streetAddress", "postalCode", "addressLocality", "addressRegion", "addressCountry",
)
_IdIndex = dict[str, dict[str, Any]]


def _flatten_address(value: Any, id_index: _IdIndex) -> dict[str, Any] | str | None:
    value = _resolve(value, id_index)
    if isinstance(value, str):
        # Builders store the address as lines ("1412 Mountain Road\nStowe, VT, 05672").
        lines = [" ".join(line.split()).strip(" ,") for line in value.splitlines()]
        return _clean_text(", ".join(line for line in lines if line), 500)
    if not isinstance(value, dict):
        return None
    address = {key: _first_text(_resolve(value.get(key), id_index), 200) for key in _ADDRESS_FIELDS}
    if not any(address.values()):
        return _first_text(value.get("name"))
    return address


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        match = re.search(r"-?\d+(?:[.,]\d+)?", value)
        if match:
            return float(match.group().replace(",", "."))
    return None


def _flatten_geo(node: dict[str, Any], id_index: _IdIndex) -> dict[str, float] | None:
    geo = _resolve(node.get("geo"), id_index)
    source = geo if isinstance(geo, dict) else node
    lat = _number(_resolve(source.get("latitude"), id_index))
    lon = _number(_resolve(source.get("longitude"), id_index))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return {"lat": lat, "lon": lon}


def _star_rating(value: Any) -> int | float | None:
    if isinstance(value, dict):
        value = value.get("ratingValue")
    number = _number(_resolve(value, {}))
    if number is None or not 0 < number <= 10:
        return None
    return int(number) if number.is_integer() else number


def _link_text(value: Any) -> str | None:
    """A URL property: a string, or a node reference {"@id": "https://..."} (expanded and
    prefixed JSON-LD write links that way)."""
    if isinstance(value, list):
        return next((text for text in map(_link_text, value[:20]) if text), None)
    if isinstance(value, dict) and isinstance(value.get("@id"), str):
        target = value["@id"].strip()
        if target.lower().startswith(("http://", "https://", "//")):
            return target
    return _first_text(value)


def _contact_points(node: dict[str, Any], id_index: _IdIndex) -> list[dict[str, Any]]:
    points = node.get("contactPoint")
    points = points if isinstance(points, list) else [points]
    resolved = (_resolve(point, id_index) for point in points[:20])
    return [point for point in resolved if isinstance(point, dict)]


def _strip_scheme(value: str | None, schemes: tuple[str, ...]) -> str | None:
    # Microdata on a link gives its href: "tel:+39031950123", "mailto:info@...".
    if value and value.lower().startswith(schemes):
        value = unquote(value.split(":", 1)[1].split("?", 1)[0]).lstrip("/").strip()
    return value or None


def _schema_contacts(node: dict[str, Any], id_index: _IdIndex) -> tuple[list[str], list[str]]:
    """Every telephone and e-mail the business node gives, its contact points' included."""
    phones: list[str] = []
    emails: list[str] = []
    for source in [node, *_contact_points(node, id_index)]:
        for raw in _text_list(_contact_values(source, "telephone", id_index), 10):
            phone = _strip_scheme(raw, ("tel:", "callto:"))
            if phone and phone not in phones:
                phones.append(phone)
        for raw in _text_list(_contact_values(source, "email", id_index), 10):
            email = _strip_scheme(raw, ("mailto:",))
            if email and email not in emails:
                emails.append(email)
    return phones, emails


def _resolve_all(value: Any, id_index: _IdIndex) -> list[Any]:
    values = value if isinstance(value, list) else [value]
    return [_resolve(item, id_index) for item in values[:20]]


def _contact_values(node: dict[str, Any], key: str, id_index: _IdIndex) -> list[Any]:
    """The values of ``key``; a value that is itself a node holding ``key`` (a telephone
    given as a ContactPoint) stands for its own value."""
    return [
        _resolve(item.get(key), id_index) if isinstance(item, dict) and key in item else item
        for item in _resolve_all(node.get(key), id_index)
    ]


def _flatten_schema(
    node: dict[str, Any], type_name: str, id_index: _IdIndex, base: str | None
) -> dict[str, Any]:
    def text(key: str) -> str | None:
        return _first_text(_resolve(node.get(key), id_index))

    url = _link_text(_resolve(node.get("url"), id_index))
    if url and base and "://" not in url:
        url = _join(base, url)
    email = _strip_scheme(_first_text(_contact_values(node, "email", id_index)), ("mailto:",))
    telephone = _strip_scheme(
        _first_text(_contact_values(node, "telephone", id_index)), ("tel:", "callto:")
    )
    # Organizations often give their numbers only as contact points ("reservations").
    for point in _contact_points(node, id_index):
        telephone = telephone or _strip_scheme(
            _first_text(_resolve(point.get("telephone"), id_index)), ("tel:", "callto:")
        )
        email = email or _strip_scheme(
            _first_text(_resolve(point.get("email"), id_index)), ("mailto:",)
        )
    same_as = [
        u for u in (_link_text(item) for item in _as_list(node.get("sameAs"))[:100])
        if u and u.lower().startswith(("http", "//"))
    ]
    geo = _flatten_geo(node, id_index)
    if geo is None:
        # Rank Math puts the coordinates on a Place the business names as its location.
        location = _resolve(node.get("location"), id_index)
        if isinstance(location, dict) and location is not node:
            geo = _flatten_geo(location, id_index)
    return {
        "type": type_name,
        "name": text("name"),
        "telephone": telephone,
        "email": email,
        "url": url,
        "address": _flatten_address(node.get("address"), id_index),
        "geo": geo,
        "starRating": _star_rating(_resolve(node.get("starRating"), id_index)),
        "priceRange": text("priceRange"),
        "sameAs": list(dict.fromkeys(same_as))[:50],
    }


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# --- phone region ---------------------------------------------------------------------------------

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


# --- phones ---------------------------------------------------------------------------------------

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


# --- emails ---------------------------------------------------------------------------------------

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


# --- postal address -------------------------------------------------------------------------------

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
