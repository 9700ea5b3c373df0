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

import copy
import html as html_lib
import json
import logging
import operator
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, TypeVar
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

import phonenumbers
from selectolax.lexbor import LexborHTMLParser, LexborNode

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
MAX_SCRIPT_HAYSTACK_CHARS = 3_000_000
MAX_ANCHORS = 6_000
MAX_ITEMSCOPES = 100
MAX_ITEMPROPS = 300
MAX_PHONE_PARSES = 500
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
    phone region. Without it the page's canonical URL (or og:url) stands in. National phone
    numbers are read in ``default_region`` (ISO 3166 alpha-2, e.g. "DE") when given, else in the
    region of the schema.org address country, the URL's country TLD or the page language, in
    that order; without any of these only international (+...) numbers are found.
    """
    result = SiteAnalysis(url=_clean_url(url))
    try:
        text = _as_text(html)[:MAX_HTML_CHARS]
        if text.strip():
            _analyze_tree(LexborHTMLParser(_tame_markup(text)), text, result, default_region)
    except Exception:  # noqa: BLE001 - the contract is a (partial) result, never an exception
        log.warning("site analysis failed; returning what was read", exc_info=True)
    return result


def analyze_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Analyse a saved page; the record's ``input`` is ``path`` as given.

    A file that cannot be read, is empty or is clearly not HTML (an image, a PDF, an archive,
    binary data) gives ``{"input": path, "error": "..."}`` instead of an empty analysis, so a
    batch can tell "nothing found" from "nothing to look at".
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
    if not data.strip():
        return {"input": label, "error": "empty file"}
    kind = _binary_kind(data)
    if kind:
        return {"input": label, "error": f"not an HTML document (looks like {kind})"}
    return analyze_html(data).to_json(label)


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
_TAG_NAME = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)")
_WHOLE_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)[^>]*>?")


def _tame_markup(text: str) -> str:
    """Drop tags (never text) that would make the parser quadratic: nesting beyond
    ``MAX_TREE_DEPTH`` and options beyond ``MAX_OPTIONS_PER_SELECT`` in one select."""
    if text.count("<") <= MAX_TREE_DEPTH:
        return text
    names = [(slash, name.lower()) for slash, name in _TAG_NAME.findall(text)]
    heights = list(
        accumulate(-1 if slash else 1 for slash, name in names if name not in _FLAT_ELEMENTS)
    )
    # Depth is the height above the lowest point so far: stray end tags must not hide a deep
    # run that follows them.
    floors = accumulate(heights, min, initial=0)
    peak = max(map(operator.sub, heights, floors), default=0)
    options = sum(1 for slash, name in names if name == "option" and not slash)
    if peak <= MAX_TREE_DEPTH and options <= MAX_OPTIONS_PER_SELECT:
        return text
    pieces: list[str] = []
    last = depth = options = 0
    for match in _WHOLE_TAG.finditer(text):
        closing, name = match.group(1), match.group(2).lower()
        drop = False
        if name == "select":
            options = 0
        elif name == "option" and not closing:
            options += 1
            drop = options > MAX_OPTIONS_PER_SELECT
        elif name not in _FLAT_ELEMENTS:
            if closing:
                drop = depth > MAX_TREE_DEPTH
                depth = max(depth - 1, 0)
            else:
                depth += 1
                drop = depth > MAX_TREE_DEPTH
        if drop:
            pieces.append(text[last : match.start()])
            last = match.end()
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
    whatsapp: bool = False
    text: str = ""
    schema_country: str | None = None


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
    page.host = _site_host(page.base)

    result.schema_org = _guarded("schema.org", lambda: _schema_org(page), None)
    if result.schema_org:
        page.schema_country = _schema_country(result.schema_org)

    page.script_text, page.embedded_urls = _guarded(
        "scripts", lambda: _collect_code(tree), ("", [])
    )
    result.cms = _guarded("cms", lambda: _detect_cms(page), None)
    result.analytics = _guarded("analytics", lambda: _detect_analytics(page), [])
    result.booking_engine = _guarded("booking engine", lambda: _detect_booking_engine(page), None)

    social, links = _guarded("links", lambda: _scan_anchors(page), ({}, {}))
    if result.schema_org:
        for url in result.schema_org.get("sameAs") or []:
            profile = _social_profile(url)
            if profile and profile[0] not in social:
                social[profile[0]] = profile[1]
    result.social, result.links = social, links
    result.chat_widget = _guarded("chat widget", lambda: _detect_chat(page), None)
    page.cf_emails += _guarded("cloudflare emails", lambda: _cloudflare_emails(tree), [])

    page.text = _guarded("visible text", lambda: _visible_text(tree), "")
    region = _infer_region(default_region, result, page)
    result.phones = _guarded("phones", lambda: _phones(page, result.schema_org, region), [])
    result.emails = _guarded("emails", lambda: _emails(page, result.schema_org), [])
    result.address = _guarded("address", lambda: _address(page, result.schema_org), None)


# --- head metadata --------------------------------------------------------------------------------


def _attr(node: LexborNode, name: str) -> str:
    value = node.attributes.get(name)
    return value.strip() if isinstance(value, str) else ""


def _clean_text(value: object, limit: int = 1000) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    if "&" in text and ";" in text:
        text = " ".join(html_lib.unescape(text).split())
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
        if key == "generator":
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
    candidates += [
        page.metas.get("og:locale", ""),
        page.metas.get("content-language", ""),
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
        if "ld+json" in _attr(node, "type").lower() or budget <= 0:
            continue
        body = node.text(deep=True)[:MAX_INLINE_SCRIPT_CHARS]
        budget -= len(body)
        parts.append(body)
        # JSON in scripts escapes slashes ("https:\/\/be.synxis.com").
        unescaped = body.replace("\\/", "/") if "\\/" in body else body
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
    ("Squarespace", ("squarespace.com", "squarespace-cdn.com")),
    ("Joomla", ("/media/jui/", "/components/com_", "/media/system/js/core.js", "joomla-script")),
    ("Drupal", ("drupal-settings-json", "drupal.settings", "/sites/default/files/", "drupal.js")),
    ("TYPO3", ("/typo3conf/", "/typo3temp/", "/typo3/", "/fileadmin/")),
    ("Webflow", ("website-files.com", "webflow.js", "webflow.com/")),
    ("Shopify", ("cdn.shopify.com", "myshopify.com", "shopify.theme")),
    ("Ghost", ("/ghost/api/", "ghost.io", "ghost-portal")),
    ("HubSpot", ("hubspotusercontent", "/hubfs/", ".hs-sites.com", "hs-sites.com")),
    ("Duda", ("irp.cdn-website.com", "multiscreensite.com", "dudaone", "cdn-website.com")),
    ("Jimdo", ("jimcdn.com", "jimdo.com", "jimstatic.com")),
    ("Weebly", ("editmysite.com", "weebly.com")),
    ("GoDaddy Website Builder", ("img1.wsimg.com", "websites.godaddy.com")),
    ("Contao", ("/assets/contao/", "/bundles/contao")),
    ("Umbraco", ("/umbraco/",)),
    ("Sitecore", ("/-/media/", "sitecore")),
    ("Adobe Experience Manager", ("/etc.clientlibs/", "/content/dam/")),
    ("Framer", ("framerusercontent.com", "framer.com/m/")),
    ("1C-Bitrix", ("/bitrix/",)),
)
_POWERED_BY = re.compile(r"^powered by\s+", re.IGNORECASE)
_VERSION_SUFFIX = re.compile(r"[\s_-]*v?(?:ver\.?|version)?\s*\d[\w.\-]*$", re.IGNORECASE)


def _detect_cms(page: _Page) -> str | None:
    unknown: str | None = None
    for generator in page.generators:
        lowered = generator.lower()
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
    for name, markers in _CMS_MARKERS:
        if any(marker in haystack for marker in markers):
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


def _detect_analytics(page: _Page) -> list[str]:
    return [name for name, pattern in _ANALYTICS if pattern.search(page.script_text)]


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
        ("Profitroom", r"(?:^|\.)profitroom\.(?:com|pl)$"),
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
        ("DIRS21", r"(?:^|\.)dirs21\.de$"),
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
# A literal first character keeps the scan over megabytes of markup fast.
_HOST_IN_MARKUP = re.compile(r"//([a-zA-Z0-9][a-zA-Z0-9.-]{0,250}\.[a-zA-Z]{2,24})\b")


def _detect_booking_engine(page: _Page) -> str | None:
    embedded = list(dict.fromkeys(host for host in map(_host, page.embedded_urls) if host))
    for host in embedded:
        name = _booking_vendor(host)
        if name:
            return name
        if _BOOKING_COM_WIDGET.search(host):
            return "Booking.com widget"
    # Links, buttons and data attributes anywhere in the markup ("Book now" -> vendor page).
    markup = page.raw.replace("\\/", "/") if "\\/\\/" in page.raw else page.raw
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


def _social_profile(url: str | None) -> tuple[str, str] | None:
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
    platform = next((key for key, pattern in _SOCIAL_PLATFORMS if pattern.search(host)), None)
    if platform is None:
        return None
    segments = [unquote(s) for s in parts.path.split("/") if s]
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
        if first in {"pages", "people", "groups", "pg"}:
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
        if not first.startswith("@"):
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


def _cloudflare_emails(tree: LexborHTMLParser) -> list[str]:
    return [_attr(node, "data-cfemail") for node in tree.css("[data-cfemail]")[:200]]


def _decode_cfemail(encoded: str) -> str | None:
    """Cloudflare's email obfuscation: hex bytes, the first one XOR-ing all the others."""
    try:
        data = bytes.fromhex(encoded.strip())
    except ValueError:
        return None
    if len(data) < 4:
        return None
    key = data[0]
    return bytes(byte ^ key for byte in data[1:]).decode("utf-8", "replace")


# --- visible text ---------------------------------------------------------------------------------

_INVISIBLE = [
    "script", "style", "noscript", "template", "svg", "canvas", "object", "iframe", "select",
]
_BLOCKS = (
    "address, article, aside, blockquote, br, dd, details, div, dl, dt, fieldset, figcaption, "
    "figure, footer, form, h1, h2, h3, h4, h5, h6, header, hr, li, main, nav, ol, p, pre, "
    "section, summary, table, td, th, tr, ul, button"
)


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
    text = root.text(deep=True, separator="").replace("\xa0", " ").replace("\u202f", " ")
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
# Strings (kept as they are), comments and trailing commas (dropped), unquoted keys (quoted).
# Every alternative always matches once started (an unterminated string or comment runs to the
# end, a trailing backslash included): a failed scan retried from each later position would make
# hostile input quadratic.
_JSON_REPAIRS = re.compile(
    r'("(?:[^"\\]++|\\.?)*+(?:"|$))'
    r"|//[^\n]*|/\*.*?(?:\*/|$)|,(?=\s*[\]}])"
    r"|(?<=[{,])(\s*)([A-Za-z_$][\w$-]*)(?=\s*:)",
    re.DOTALL,
)
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
    string, space, bare_key = match.group(1), match.group(2), match.group(3)
    if string is not None:
        return string
    if bare_key is not None:
        return f'{space}"{bare_key}"'
    return ""


def _lenient_json(script: str) -> list[Any]:
    """JSON-LD as written by hand: comments, trailing commas, unquoted keys, raw newlines in
    strings, HTML entities instead of quotes and several objects in one script are accepted."""
    text = _HTML_COMMENT_WRAPPER.sub("", script.strip())
    values, complete = _json_values(text)
    if complete and values:
        return values
    best = values
    candidates = [text]
    if "&" in text:
        candidates.append(html_lib.unescape(text))
    for candidate in candidates:
        repaired = _JSON_REPAIRS.sub(_repair_json_token, candidate)
        values, complete = _json_values(repaired)
        if complete and values:
            return values
        if len(values) > len(best):
            best = values
    return best


def _jsonld_documents(tree: LexborHTMLParser) -> list[Any]:
    documents: list[Any] = []
    scripts = 0
    for node in tree.css("script"):
        if "ld+json" not in _attr(node, "type").lower():
            continue
        scripts += 1
        if scripts > MAX_JSONLD_SCRIPTS:
            break
        body = node.text(deep=True)
        if len(body) > MAX_JSONLD_CHARS:
            continue
        documents.extend(_lenient_json(body))
    return documents


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


def _nearest_scope_id(node: LexborNode) -> int | None:
    parent = node.parent
    steps = 0
    while parent is not None and steps < 200:
        if "itemscope" in parent.attributes:
            return parent.mem_id
        parent = parent.parent
        steps += 1
    return None


def _microdata_value(node: LexborNode, depth: int) -> Any:
    attrs = node.attributes
    if "itemscope" in attrs:
        return _microdata_item(node, depth + 1) if depth < 4 else None
    tag = node.tag
    if tag == "meta":
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


def _microdata_item(scope: LexborNode, depth: int = 0) -> dict[str, Any]:
    item: dict[str, Any] = {"@type": _microdata_types(_attr(scope, "itemtype"))}
    scope_id = scope.mem_id
    for node in scope.css("[itemprop]")[:MAX_ITEMPROPS]:
        if _nearest_scope_id(node) != scope_id:
            continue
        value = _microdata_value(node, depth)
        if value in (None, ""):
            continue
        for name in _attr(node, "itemprop").split():
            if name in item:
                existing = item[name]
                item[name] = (existing if isinstance(existing, list) else [existing]) + [value]
            else:
                item[name] = value
    return item


_MICRODATA_CANDIDATES = ", ".join(
    f"[itemscope][itemtype*={name} i]"
    for name in (
        "Hotel", "Lodging", "Resort", "BedAndBreakfast", "Hostel", "Motel", "Campground",
        "VacationRental", "LocalBusiness", "Organization", "Corporation",
    )
)


def _schema_org(page: _Page) -> dict[str, Any] | None:
    documents = _jsonld_documents(page.tree)
    id_index: _IdIndex = {}
    best: list[tuple[dict[str, Any], str] | None] = [None] * len(_SCHEMA_RANKS)
    for node in _walk_json(documents):
        node_id = node.get("@id")
        if isinstance(node_id, str) and len(node) > 1:
            id_index.setdefault(node_id, node)
        _rank_candidate(node, best)
    if best[0] is None:
        for scope in page.tree.css(_MICRODATA_CANDIDATES)[:MAX_ITEMSCOPES]:
            _rank_candidate(_microdata_item(scope), best)
            if best[0] is not None:
                break
    chosen = next((candidate for candidate in best if candidate), None)
    if chosen is None:
        return None
    return _flatten_schema(chosen[0], chosen[1], id_index, page.base)


def _rank_candidate(
    node: dict[str, Any], best: list[tuple[dict[str, Any], str] | None]
) -> None:
    for rank, accepted in enumerate(_SCHEMA_RANKS):
        if best[rank] is not None:
            continue
        matched = next((t for t in _schema_types(node) if t.lower() in accepted), None)
        if matched:
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
        return _clean_text(value, 500)
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


def _flatten_schema(
    node: dict[str, Any], type_name: str, id_index: _IdIndex, base: str | None
) -> dict[str, Any]:
    def text(key: str) -> str | None:
        return _first_text(_resolve(node.get(key), id_index))

    url = text("url")
    if url and base and "://" not in url:
        url = _join(base, url)
    email = text("email")
    if email and email.lower().startswith("mailto:"):
        email = email[7:]
    same_as = [u for u in _text_list(node.get("sameAs")) if u.lower().startswith(("http", "//"))]
    return {
        "type": type_name,
        "name": text("name"),
        "telephone": text("telephone"),
        "email": email,
        "url": url,
        "address": _flatten_address(node.get("address"), id_index),
        "geo": _flatten_geo(node, id_index),
        "starRating": _star_rating(_resolve(node.get("starRating"), id_index)),
        "priceRange": text("priceRange"),
        "sameAs": same_as,
    }


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
_COUNTRY_NAMES = {
    "germany": "DE", "deutschland": "DE", "austria": "AT", "österreich": "AT",
    "oesterreich": "AT", "switzerland": "CH", "schweiz": "CH", "suisse": "CH",
    "svizzera": "CH", "france": "FR", "italy": "IT", "italia": "IT", "spain": "ES",
    "españa": "ES", "espana": "ES", "united kingdom": "GB", "uk": "GB", "great britain": "GB",
    "england": "GB", "scotland": "GB", "wales": "GB", "united states": "US", "usa": "US",
    "united states of america": "US", "netherlands": "NL", "nederland": "NL",
    "portugal": "PT", "belgium": "BE", "belgique": "BE", "belgië": "BE", "ireland": "IE",
}


def _region_code(value: str | None) -> str | None:
    if not value:
        return None
    code = value.strip()
    lowered = code.lower()
    if lowered in _COUNTRY_NAMES:
        return _COUNTRY_NAMES[lowered]
    code = code.upper()
    if code == "UK":
        code = "GB"
    return code if code in phonenumbers.SUPPORTED_REGIONS else None


def _schema_country(schema: dict[str, Any]) -> str | None:
    address = schema.get("address")
    if isinstance(address, dict):
        return _region_code(address.get("addressCountry"))
    return None


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
    for candidate in (
        default_region,
        page.schema_country,
        tld_region,
        language_region,
        _LANGUAGE_REGIONS.get(subtags[0]) if subtags else None,
    ):
        region = _region_code(candidate)
        if region:
            return region
    return None


# --- phones ---------------------------------------------------------------------------------------

# Starts with a plain alternative so the scan skips non-candidates quickly; the lookbehind then
# rejects starts inside a longer digit run (IBANs, order numbers) in one step.
_PHONE_CANDIDATE = re.compile(r"(?:\+|\((?=\d)|\d)(?<![\d+].)[\d ().\/–-]{4,26}\d(?!\d)")
_PHONE_CUE = re.compile(
    r"(?<![^\W\d_])(?:t[ée]l(?:[ée]f(?:on[eo]?|ono)|[ée]phone)?\.?|phone|fon|ph|mobil[a-z]*|"
    r"m[óo]vil|handy|cell(?:ulare)?|portable|hotline|whatsapp|call|anrufen|rufnummer|tfno|tlf|"
    r"t|kontakt|contact|reserv[a-zé]*|prenotazion[ei]|fax|telefax|t[ée]l[ée]copie|☎|📞|✆)"
    r"(?![^\W\d_])",
    re.IGNORECASE,
)
_FAX_CUE = re.compile(r"^(?:fax|telefax|t[ée]l[ée]copie)$", re.IGNORECASE)
_TEL_AND_FAX = re.compile(r"tel[a-zé]*\.?\s*(?:/|&|\+|und|and|et|e|y)\s*$", re.IGNORECASE)
_CUE_GAP = re.compile(r"[\W\d_]*(?:[^\W\d_]+[\W\d_]*){0,2}")
_DATE_OR_HOURS = re.compile(
    r"\d{1,2}[.:]\d{2}\s?[-–]\s?\d{1,2}[.:]\d{2}"  # opening hours 08.00 - 18.00
    r"|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}[-/]\d{2}[-/]\d{2}"  # dates
)
_PHONE_SPLIT = re.compile(r"\s+[/–-]\s+|\s{2,}")


def _parse_phone(raw: str, region: str | None, *, explicit: bool) -> str | None:
    """E.164 for a valid number; ``explicit`` numbers (tel: links, schema.org) may also be
    merely possible ones, since the page itself says they are phone numbers."""
    raw = raw.strip()
    if not raw or len(raw) > 40:
        return None
    digits = sum(ch.isdigit() for ch in raw)
    if not 6 <= digits <= 17:
        return None
    if region is None and raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_valid_number(number) or (
        explicit and phonenumbers.is_possible_number(number)
    ):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def _phone_context(text: str, start: int) -> str | None:
    """"phone", "fax" or None: what the words right before a number call it."""
    window = text[max(0, start - 40) : start]
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
        if candidate in tried or _DATE_OR_HOURS.fullmatch(candidate):
            continue
        international = candidate.startswith(("+", "00"))
        context = _phone_context(text, match.start())
        # Fax numbers are left out: nobody answers them.
        if context == "fax" or (context is None and not international):
            continue
        tried.add(candidate)
        if len(tried) > MAX_PHONE_PARSES:
            return
        parsed = _parse_phone(candidate, region, explicit=False)
        if parsed:
            yield parsed
            continue
        # Two numbers run together ("030 123456 / 030 654321").
        for piece in _PHONE_SPLIT.split(candidate):
            parsed = _parse_phone(piece, region, explicit=False)
            if parsed:
                yield parsed


def _phones(page: _Page, schema: dict[str, Any] | None, region: str | None) -> list[str]:
    found: list[str] = []

    def add(number: str | None) -> None:
        if number and number not in found:
            found.append(number)

    for raw in page.tel_hrefs[:100]:
        add(_parse_phone(raw.split("?", 1)[0].split(";", 1)[0], region, explicit=True))
    if schema and schema.get("telephone"):
        add(_parse_phone(schema["telephone"], region, explicit=True))
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
    r"sentry\.io|wixpress\.com|localhost|beispiel\.de|mustermann\.de)$"
)
_PLACEHOLDER_LOCALS = {"you", "your", "yourname", "youremail", "vorname.nachname",
                       "max.mustermann", "john.doe", "jane.doe"}
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
        or re.fullmatch(r"[0-9a-f]{24,}", local)
        or ".." in local
    ):
        return None
    return email


def _emails(page: _Page, schema: dict[str, Any] | None) -> list[str]:
    found: list[str] = []

    def add(value: str | None) -> None:
        email = _clean_email(value)
        if email and email not in found:
            found.append(email)

    for href in page.mail_hrefs[:100]:
        for address in re.split(r"[,;]", unquote(href.split("?", 1)[0])):
            add(html_lib.unescape(address))
    for encoded in page.cf_emails[:100]:
        add(_decode_cfemail(encoded))
    if schema:
        add(schema.get("email"))
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
_STREET_NUMBER_LAST = (
    r"[^\W\d_][^\n,;|·•]{1,60}?,?[ ]\d{1,4}(?:[ ]?[a-zA-Z](?!\w))?"
    r"(?:[ ]?[-/][ ]?\d{1,4}[a-zA-Z]?)?"
)
_STREET_NUMBER_FIRST = r"\d{1,4}(?:[ ]?(?:bis|ter|[a-zA-Z]))?,?[ ][^\W\d_][^\n,;|·•\d]{2,60}?"
# "D-10115", "1012 AB" (NL), "1100-048" (PT), "00-950" (PL), "113 51" (SE/CZ), "6020", "10115"
_POSTCODE = (
    r"(?:[A-Z]{1,2}-)?"
    r"(?:\d{4}[ ]?[A-Z]{2}(?!\w)|\d{4}-\d{3}|\d{2}-\d{3}|\d{3}[ ]\d{2}|\d{4,5})"
)
_CONTINENTAL_ADDRESS = re.compile(
    rf"(?P<street>{_STREET_NUMBER_LAST}|{_STREET_NUMBER_FIRST})[ ]*(?:,|\||·|•|–|—| - )?[ ]*"
    rf"(?P<postcode>{_POSTCODE})[ ]+(?P<city>{_CITY})"
)
_UK_ADDRESS = re.compile(
    r"(?P<street>\d{1,4}[a-zA-Z]?[ ][^\W\d_][^\n,;|]{2,60}?),[ ]*"
    r"(?:(?P<town>[^\W\d_][^\n,;|\d]{1,40}?),?[ ]+)?"
    r"(?P<postcode>[A-Z]{1,2}\d[A-Z\d]?[ ]?\d[A-Z]{2})\b"
)
_US_ADDRESS = re.compile(
    r"(?P<street>\d{1,6}[ ][^\W\d_][^\n,;|]{2,60}?),[ ]*(?P<city>[^\W\d_][^\n,;|\d]{1,40}?),[ ]*"
    r"(?P<state>[A-Z]{2})[ ]+(?P<zip>\d{5}(?:-\d{4})?)\b"
)
_POSTAL_HINT = re.compile(r"\d{4,5}|\d{3} \d{2}|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}")
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
    if schema and schema.get("address"):
        formatted = _format_schema_address(schema["address"])
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


def _format_schema_address(address: dict[str, Any] | str) -> str | None:
    if isinstance(address, str):
        return address
    locality = " ".join(
        part for part in (address.get("postalCode"), address.get("addressLocality")) if part
    )
    region = address.get("addressRegion")
    parts = [address.get("streetAddress"), locality]
    if region and region != address.get("addressLocality"):
        parts.append(region)
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
    for index, line in enumerate(lines):
        if len(line) > 300 or not _POSTAL_HINT.search(line):
            continue
        candidates = [line]
        if index > 0 and len(lines[index - 1]) <= 120:
            candidates.append(f"{lines[index - 1]}, {line}")
        for candidate in candidates:
            found = _match_address(candidate)
            if found:
                return found
    return None


def _match_address(text: str) -> str | None:
    for pattern in (_US_ADDRESS, _UK_ADDRESS):
        match = pattern.search(text)
        if match:
            return " ".join(match.group().split()).strip(" ,")
    for match in _CONTINENTAL_ADDRESS.finditer(text):
        city = _CITY_STOP.sub("", match.group("city")).strip(" .,-")
        if not city or city.lower() in _NOT_A_CITY:
            continue
        street = match.group("street").strip(" ,")
        if _PHONE_CUE.match(street):
            continue
        return f"{street}, {match.group('postcode')} {city}"
    return None
