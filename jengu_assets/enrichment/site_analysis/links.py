"""The page's anchors: social profiles (with redirectors unwrapped), the site's own contact,
imprint and booking pages, and the consent dialogs whose vendors' links are not the hotel's.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from jengu_assets.enrichment.site_analysis.head import _attr, _host_matches, _join, _site_host
from jengu_assets.enrichment.site_analysis.limits import MAX_ANCHORS
from jengu_assets.enrichment.site_analysis.models import _Page
from jengu_assets.enrichment.site_analysis.technology import _WHATSAPP_CHAT

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
