"""The public entry points, ``analyze_html`` and ``analyze_file``, and the order in which one page's
extractors run: each one guarded, so a broken part costs only itself.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any, TypeVar

from selectolax.lexbor import LexborHTMLParser

from jengu_assets.enrichment.site_analysis.addresses import _address
from jengu_assets.enrichment.site_analysis.emails import (
    _clean_email,
    _cloaked_emails,
    _cloudflare_emails,
    _emails,
)
from jengu_assets.enrichment.site_analysis.head import (
    _base_url,
    _canonical_url,
    _clean_text,
    _clean_url,
    _language,
    _meta_address,
    _read_metas,
    _site_host,
    _title,
)
from jengu_assets.enrichment.site_analysis.inputs import (
    _JSON_START,
    _as_text,
    _binary_kind,
    _saved_from_url,
    _structured_data_page,
    _unwrap_saved_page,
)
from jengu_assets.enrichment.site_analysis.limits import MAX_FILE_BYTES, MAX_HTML_CHARS
from jengu_assets.enrichment.site_analysis.links import (
    _drop_consent_dialogs,
    _embedded_profiles,
    _scan_anchors,
    _social_profile,
)
from jengu_assets.enrichment.site_analysis.markup import _tame_markup, _visible_text
from jengu_assets.enrichment.site_analysis.models import SiteAnalysis, _Page
from jengu_assets.enrichment.site_analysis.phones import _parse_phone, _phones
from jengu_assets.enrichment.site_analysis.regions import (
    _infer_region,
    _region_code,
    _schema_country,
)
from jengu_assets.enrichment.site_analysis.scripts import _collect_code
from jengu_assets.enrichment.site_analysis.state import _read_state, _State, _state_text
from jengu_assets.enrichment.site_analysis.structured_data import _schema_org
from jengu_assets.enrichment.site_analysis.technology import (
    _detect_analytics,
    _detect_booking_engine,
    _detect_chat,
    _detect_cms,
)
from jengu_assets.language import text_language
from jengu_resources.text_decoding import decode_html

log = logging.getLogger(__name__)


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


# --- orchestration --------------------------------------------------------------------------------

T = TypeVar("T")


def _guarded(step: str, compute: Callable[[], T], fallback: T) -> T:
    try:
        return compute()
    except Exception:  # noqa: BLE001 - one broken extractor must not cost the rest of the page
        log.warning("site analysis: %s failed", step, exc_info=True)
        return fallback


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
