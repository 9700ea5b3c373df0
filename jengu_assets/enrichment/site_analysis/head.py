"""The page's head: meta tags, title, description, language, canonical and base URLs, and the URL
and host helpers the other extractors share.
"""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from jengu_assets.enrichment.site_analysis.models import _Page


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
