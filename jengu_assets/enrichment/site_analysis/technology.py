"""What the site runs on: its CMS, analytics tags, chat widget and booking engine, each recognised
by markers in the markup, the scripts and the hosts they load from.
"""

from __future__ import annotations

import re

from jengu_assets.enrichment.site_analysis.head import _clean_text, _host
from jengu_assets.enrichment.site_analysis.limits import (
    MAX_BOOKING_HOSTS,
    MAX_SCRIPT_HAYSTACK_CHARS,
)
from jengu_assets.enrichment.site_analysis.models import _Page
from jengu_assets.enrichment.site_analysis.scripts import _unescape_slashes

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
