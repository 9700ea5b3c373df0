"""Site analysis: pure functions over HTML strings and files in a temp dir; no network.

Pages are small but realistic hotel sites (imprint footers, tel links, obfuscated addresses,
hand-written JSON-LD); the robustness cases feed broken, hostile and binary input and only
require a result without an exception.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

import pytest

from jengu_assets.enrichment import site_analysis
from jengu_assets.enrichment.site_analysis import (
    SiteAnalysis,
    analyze_file,
    analyze_html,
    decode_html,
)
from tests.timing import within_cpu_budget

JSON_KEYS = [
    "input", "url", "phones", "emails", "social", "booking_engine", "cms", "schema_org",
    "title", "language", "description", "address", "chat_widget", "analytics", "links",
]


def html_page(body: str, head: str = "", lang: str = "en") -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{head}</head>'
        f"<body>{body}</body></html>"
    )


def cfemail(address: str, key: int = 0x5A) -> str:
    return f"{key:02x}" + "".join(f"{byte ^ key:02x}" for byte in address.encode())


def ld_json(payload: str) -> str:
    return f'<script type="application/ld+json">{payload}</script>'


def assert_subset(result: SiteAnalysis, expected: dict[str, Any]) -> None:
    for key, value in expected.items():
        assert getattr(result, key) == value, f"{key}: {getattr(result, key)!r} != {value!r}"


# --- realistic pages ------------------------------------------------------------------------------

GERMAN_PAGE = """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8">
<title>Hotel Linde Berlin | Stadthotel in Mitte</title>
<meta name="description" content="Ruhiges Stadthotel   in Berlin-Mitte.">
<meta name="generator" content="TYPO3 CMS">
<link rel="stylesheet" href="/typo3temp/assets/css/main.css">
<script src="https://www.googletagmanager.com/gtm.js?id=GTM-ABCD123"></script>
</head><body>
<nav><a href="/zimmer/">Zimmer</a> <a href="/kontakt/">Kontakt</a></nav>
<iframe src="https://hotel-linde.thebookingbutton.com/properties/lindedirect"></iframe>
<footer id="footer">
  <div class="col">Hotel Linde GmbH<br>Lindenallee 12<br>10115 Berlin</div>
  <div class="col">Tel.: <a href="tel:+49%20(0)%2030%201234567">+49 (0) 30 1234567</a><br>
  Fax: +49 (0) 30 1234568<br>E-Mail: info(at)hotel-linde.de</div>
  <a href="/impressum.html">Impressum</a> | <a href="/datenschutz.html">Datenschutz</a>
  <a href="https://www.facebook.com/HotelLindeBerlin/">Facebook</a>
  <a href="https://www.facebook.com/sharer/sharer.php?u=https://hotel-linde.de">Teilen</a>
</footer></body></html>"""

FRENCH_PAGE = """<!DOCTYPE html>
<html lang="fr-FR"><head><meta charset="utf-8"><title>Hôtel du Lac – Annecy</title>
<meta property="og:description" content="Hôtel de charme au bord du lac d'Annecy.">
<script src="https://www.secure-hotel-booking.com/smart/Hotel-du-Lac/widget.js"></script>
<script src="https://static.hotjar.com/c/hotjar-123.js?sv=6"></script>
</head><body>
<div class="contact-bloc"><p>12 rue du Lac<br>74000 Annecy</p>
<p>Tél. : 04 50 12 34 56</p>
<p>Écrivez-nous : contact [at] hoteldulac [point] fr</p></div>
<footer><a href="/mentions-legales">Mentions légales</a>
<a href="https://www.instagram.com/hoteldulac.annecy/">Instagram</a></footer>
</body></html>"""

ENGLISH_PAGE = f"""<!DOCTYPE html>
<html lang="en-gb"><head><meta charset="utf-8"><title>The Harbour Inn, Falmouth</title>
<meta name="description" content="Rooms with a view over Falmouth harbour.">
<link rel="stylesheet" href="https://static1.squarespace.com/static/site.css">
<script src="https://connect.facebook.net/en_US/fbevents.js"></script>
</head><body>
<a class="btn" href="https://hotels.cloudbeds.com/reservation/AbCdEf">Book now</a>
<footer><address>The Harbour Inn<br>10 Quay Street, Falmouth TR11 3HH<br>
Call us on 01326 312345</address>
<p>Email: <a href="/cdn-cgi/l/email-protection" class="__cf_email__"
data-cfemail="{cfemail('stay@harbourinn.co.uk')}">[email&#160;protected]</a></p>
<a href="/about-us">About us</a> <a href="/contact">Contact</a>
<a href="https://x.com/harbourinn">X</a></footer>
</body></html>"""

SPANISH_PAGE = """<!DOCTYPE html>
<html lang="es"><head><meta charset="utf-8"><title>Hotel Sol Madrid</title>
<script src="https://www.mirai.com/engine/loader.js"></script>
</head><body>
<section id="contacto"><h2>Contacto</h2>
<p>Calle Mayor 5, 28013 Madrid</p>
<p>Teléfono: 912 345 678 · Móvil: 612 345 678</p>
<p>reservas @ hotelsolmadrid . es</p></section>
<footer><a href="/aviso-legal">Aviso legal</a> <a href="/politica-de-privacidad">Privacidad</a>
<a href="https://api.whatsapp.com/send?phone=34612345678">WhatsApp</a></footer>
</body></html>"""

ITALIAN_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta property="og:locale" content="it_IT">
<title>Hotel Bellavista Roma</title>
<meta name="generator" content="Joomla! - Open Source Content Management">
<script src="https://www.simplebooking.it/search-box-script.axd?IDA=1234"></script>
</head><body>
<div itemscope itemtype="https://schema.org/Hotel">
  <h1 itemprop="name">Hotel Bellavista</h1>
  <div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">
    <span itemprop="streetAddress">Via Roma 12</span>,
    <span itemprop="postalCode">00184</span> <span itemprop="addressLocality">Roma</span>
    <meta itemprop="addressCountry" content="IT">
  </div>
  <span itemprop="telephone">06 1234 5678</span>
  <div itemprop="geo" itemscope itemtype="https://schema.org/GeoCoordinates">
    <meta itemprop="latitude" content="41.8902"><meta itemprop="longitude" content="12.4922">
  </div>
  <a itemprop="sameAs"
     href="https://www.tripadvisor.it/Hotel_Review-g187791-d1-Reviews-Bellavista.html">TA</a>
</div>
<p>Scrivici: info&#64;hotelbellavista.it</p>
<footer><a href="/note-legali">Note legali</a> <a href="/chi-siamo">Chi siamo</a></footer>
</body></html>"""

BELLAVISTA_TRIPADVISOR = (
    "https://www.tripadvisor.it/Hotel_Review-g187791-d1-Reviews-Bellavista.html"
)

AMERICAN_PAGE = """<html><head><title>Mile High Lodge</title>
<meta name="generator" content="Wix.com Website Builder">
<script src="https://widget.intercom.io/widget/abc123"></script></head><body>
<footer><p>1234 Main Street, Denver, CO 80202</p><p>Phone: (303) 555-0123</p>
<a href="mailto:Front.Desk@MileHighLodge.com?subject=Booking%20request">Email us</a></footer>
</body></html>"""


@pytest.mark.parametrize(
    "html, url, region, expected",
    [
        pytest.param(
            GERMAN_PAGE, "https://www.hotel-linde.de/", None,
            {
                "title": "Hotel Linde Berlin | Stadthotel in Mitte",
                "description": "Ruhiges Stadthotel in Berlin-Mitte.",
                "language": "de",
                "phones": ["+49301234567"],
                "emails": ["info@hotel-linde.de"],
                "address": "Lindenallee 12, 10115 Berlin",
                "cms": "TYPO3",
                "booking_engine": "SiteMinder",
                "analytics": ["Google Tag Manager"],
                "social": {"facebook": "https://www.facebook.com/HotelLindeBerlin"},
                "links": {
                    "contact": "https://www.hotel-linde.de/kontakt/",
                    "imprint": "https://www.hotel-linde.de/impressum.html",
                    "privacy": "https://www.hotel-linde.de/datenschutz.html",
                },
            },
            id="de-imprint-footer-fax-excluded-share-link-ignored",
        ),
        pytest.param(
            FRENCH_PAGE, "https://www.hoteldulac.fr/", None,
            {
                "language": "fr-FR",
                "description": "Hôtel de charme au bord du lac d'Annecy.",
                "phones": ["+33450123456"],
                "emails": ["contact@hoteldulac.fr"],
                "address": "12 rue du Lac, 74000 Annecy",
                "booking_engine": "D-EDGE",
                "analytics": ["Hotjar"],
                "links": {"imprint": "https://www.hoteldulac.fr/mentions-legales"},
                "social": {"instagram": "https://www.instagram.com/hoteldulac.annecy"},
            },
            id="fr-region-from-tld-bracket-point-mentions-legales",
        ),
        pytest.param(
            ENGLISH_PAGE, "https://www.harbourinn.co.uk/", None,
            {
                "language": "en-GB",
                "phones": ["+441326312345"],
                "emails": ["stay@harbourinn.co.uk"],
                "address": "10 Quay Street, Falmouth TR11 3HH",
                "cms": "Squarespace",
                "booking_engine": "Cloudbeds",
                "analytics": ["Meta Pixel"],
                "social": {"twitter": "https://x.com/harbourinn"},
                "links": {
                    "about": "https://www.harbourinn.co.uk/about-us",
                    "contact": "https://www.harbourinn.co.uk/contact",
                },
            },
            id="en-gb-cloudflare-email-uk-postcode-call-us-cue",
        ),
        pytest.param(
            SPANISH_PAGE, "https://hotelsolmadrid.es/", None,
            {
                "language": "es",
                "phones": ["+34912345678", "+34612345678"],
                "emails": ["reservas@hotelsolmadrid.es"],
                "address": "Calle Mayor 5, 28013 Madrid",
                "booking_engine": "Mirai",
                "chat_widget": "WhatsApp",
                "links": {
                    "imprint": "https://hotelsolmadrid.es/aviso-legal",
                    "privacy": "https://hotelsolmadrid.es/politica-de-privacidad",
                },
            },
            id="es-spaced-email-movil-cue-whatsapp-link",
        ),
        pytest.param(
            ITALIAN_PAGE, "https://www.hotelbellavista.it/", None,
            {
                "language": "it-IT",
                "phones": ["+390612345678"],
                "emails": ["info@hotelbellavista.it"],
                "address": "Via Roma 12, 00184 Roma, IT",
                "cms": "Joomla",
                "booking_engine": "Simple Booking",
                "social": {"tripadvisor": BELLAVISTA_TRIPADVISOR},
                "links": {
                    "imprint": "https://www.hotelbellavista.it/note-legali",
                    "about": "https://www.hotelbellavista.it/chi-siamo",
                },
            },
            id="it-microdata-og-locale-entity-email",
        ),
        pytest.param(
            AMERICAN_PAGE, "https://milehighlodge.com/", "US",
            {
                "phones": ["+13035550123"],
                "emails": ["front.desk@milehighlodge.com"],
                "address": "1234 Main Street, Denver, CO 80202",
                "cms": "Wix",
                "chat_widget": "Intercom",
                "language": None,
            },
            id="us-region-given-mailto-query-lowercased",
        ),
    ],
)
def test_realistic_pages(html: str, url: str, region: str | None, expected: dict) -> None:
    assert_subset(analyze_html(html, url, default_region=region), expected)


def test_italian_microdata_is_flattened_with_nested_items() -> None:
    # Nested itemscopes (PostalAddress, GeoCoordinates) belong to their own item, not the hotel.
    schema = analyze_html(ITALIAN_PAGE, "https://www.hotelbellavista.it/").schema_org
    assert schema == {
        "type": "Hotel",
        "name": "Hotel Bellavista",
        "telephone": "06 1234 5678",
        "email": None,
        "url": None,
        "address": {
            "streetAddress": "Via Roma 12",
            "postalCode": "00184",
            "addressLocality": "Roma",
            "addressRegion": None,
            "addressCountry": "IT",
        },
        "geo": {"lat": 41.8902, "lon": 12.4922},
        "starRating": None,
        "priceRange": None,
        "sameAs": [BELLAVISTA_TRIPADVISOR],
    }


# --- phones ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, url, region, expected",
    [
        pytest.param('<a href="tel:+49 (0) 30 1234567">Anrufen</a>', None, None,
                     ["+49301234567"], id="tel-link-with-trunk-zero-in-brackets"),
        pytest.param('<a href="tel:030/1234567">030/1234567</a>', None, "DE",
                     ["+49301234567"], id="national-slash-format-needs-region"),
        pytest.param("<p>Phone: (303) 555-0123</p>", None, "US",
                     ["+13035550123"], id="us-brackets-format"),
        pytest.param("<p>Telefon 0049 30 1234567</p>", "https://hotel.de", None,
                     ["+49301234567"], id="double-zero-international-prefix"),
        pytest.param("<p>Tel. 030 1234567</p>", "https://hotel.de", None,
                     ["+49301234567"], id="region-from-de-tld"),
        pytest.param("<p>Tel. 0512 123456</p>", "https://hotel.com", "AT",
                     ["+43512123456"], id="explicit-region-beats-generic-tld"),
        pytest.param("<p>Tel. 030 1234567</p>", "https://hotel.com", None,
                     [], id="no-region-no-national-numbers"),
        pytest.param("<p>Fax: +49 30 1234568</p>", None, None, [], id="fax-is-not-a-phone"),
        pytest.param("<p>Tel./Fax: 030 1234567</p>", None, "DE",
                     ["+49301234567"], id="shared-tel-fax-line-counts"),
        pytest.param("<p>Buchungsnummer 0301234567</p>", None, "DE",
                     [], id="national-number-without-phone-cue-ignored"),
        pytest.param("<p>Reach us: +44 20 7946 0958</p>", None, None,
                     ["+442079460958"], id="international-number-needs-no-cue"),
        pytest.param("<p>Tel: <span>+49 30</span> <span>1234567</span></p>", None, None,
                     ["+49301234567"], id="inline-spans-stay-on-one-line"),
        pytest.param("<p>Tel. 030 1234567 / 030 7654321</p>", None, "DE",
                     ["+49301234567", "+49307654321"], id="two-numbers-joined-by-slash"),
        pytest.param("<p>IBAN DE89 3704 0044 0532 0130 00, USt-IdNr. DE123456789</p>", None,
                     "DE", [], id="bank-and-tax-ids-are-not-phones"),
        pytest.param("<p>Telefonisch erreichbar: 08.00 - 18.00</p><p>Tel. Stand 12.05.2024</p>",
                     None, "DE", [], id="opening-hours-and-dates-are-not-phones"),
        pytest.param('<a href="tel:+999 1234567">x</a><a href="tel:+49301234567">y</a>'
                     "<p>Tel +49 30 1234567</p>", None, None,
                     ["+49301234567"], id="unknown-country-code-dropped-duplicates-merged"),
    ],
)
def test_phones(body: str, url: str | None, region: str | None, expected: list[str]) -> None:
    assert analyze_html(html_page(body), url, default_region=region).phones == expected


def test_schema_telephone_is_a_phone_source() -> None:
    # The only number on the page is in JSON-LD; its country comes from the schema address.
    head = ld_json('{"@type":"Hotel","telephone":"0512 123456","address":{"addressCountry":"AT"}}')
    assert analyze_html(html_page("", head)).phones == ["+43512123456"]


# --- emails ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, expected",
    [
        pytest.param("<p>rezeption [at] hotel-krone [dot] com</p>", ["rezeption@hotel-krone.com"],
                     id="bracketed-at-and-dot"),
        pytest.param("<p>rezeption(at)hotel-krone.de</p>", ["rezeption@hotel-krone.de"],
                     id="parenthesised-at"),
        pytest.param("<p>rezeption @ hotel-krone . com</p>", ["rezeption@hotel-krone.com"],
                     id="spaced-at-and-dot"),
        pytest.param("<p>info at hotel-adler dot de</p>", ["info@hotel-adler.de"],
                     id="spelled-out-at-and-dot"),
        pytest.param("<p>&#105;&#110;&#102;&#111;&#64;hotel&#46;de</p>", ["info@hotel.de"],
                     id="html-entities"),
        pytest.param(f'<span class="__cf_email__" data-cfemail="{cfemail("rezeption@hotel.at")}">'
                     "[email&#160;protected]</span>", ["rezeption@hotel.at"],
                     id="cloudflare-data-cfemail"),
        pytest.param(f'<a href="/cdn-cgi/l/email-protection#{cfemail("info@hotel.it", 0x13)}">'
                     "Mail</a>", ["info@hotel.it"], id="cloudflare-protected-href"),
        pytest.param('<a href="mailto:%20Info%40Hotel.DE?subject=Anfrage">Mail</a>',
                     ["info@hotel.de"], id="mailto-percent-encoded-with-query"),
        pytest.param('<a href="mailto:a@hotel.de,b@hotel.de">Mail</a>',
                     ["a@hotel.de", "b@hotel.de"], id="mailto-several-recipients"),
        pytest.param("<p>Schreiben Sie an info@hotel.de. Wir freuen uns!</p>", ["info@hotel.de"],
                     id="sentence-full-stop-is-not-part-of-domain"),
        pytest.param("<p>Kontakt: info @ hotel . de . Wir antworten schnell</p>", ["info@hotel.de"],
                     id="spaced-email-stops-at-next-sentence"),
        pytest.param("<p>E-Mail: info<span>@</span>hotel-sonne.ch</p>", ["info@hotel-sonne.ch"],
                     id="at-sign-in-its-own-span"),
        pytest.param('<img src="logo@2x.png" alt="x"><p>logo@2x.png icon@3x.webp</p>', [],
                     id="retina-image-filenames"),
        pytest.param("<p>user@example.com 8f14e45fceea167a5a36dedd4bea2543@o12345.ingest.sentry.io"
                     "</p>", [], id="placeholder-and-sentry-addresses"),
        # The usual form placeholders, and senders nobody reads.
        pytest.param("<p>email@domain.com test@test.com noreply@hotel.de no-reply@hotel.de</p>",
                     [], id="placeholder-domains-and-no-reply-senders"),
        pytest.param('<a href="mailto:info@hotel.de">INFO@HOTEL.DE</a>', ["info@hotel.de"],
                     id="case-insensitive-dedup"),
    ],
)
def test_emails(body: str, expected: list[str]) -> None:
    assert analyze_html(html_page(body)).emails == expected


# --- JSON-LD --------------------------------------------------------------------------------------

GRAPH_HOTEL = """{
  "@context": "https://schema.org",
  "@graph": [
    {"@type": "Organization", "@id": "#org", "name": "Adler Hotels AG"},
    {"@type": "WebPage", "@id": "#page", "about": {"@id": "#hotel"}},
    {"@type": ["Hotel", "LocalBusiness"], "@id": "#hotel", "name": "Hotel Adler",
     "telephone": "+49 761 123456", "email": "mailto:info@hotel-adler.de",
     "url": "/", "address": {"@id": "#address"},
     "geo": {"@type": "GeoCoordinates", "latitude": "47.995", "longitude": 7.85},
     "starRating": {"@type": "Rating", "ratingValue": "4"}, "priceRange": "€€",
     "sameAs": ["https://www.facebook.com/hoteladler", "https://www.instagram.com/hoteladler"]},
    {"@type": "PostalAddress", "@id": "#address", "streetAddress": "Hauptstraße 5",
     "postalCode": "79098", "addressLocality": "Freiburg",
     "addressCountry": {"@type": "Country", "name": "DE"}}
  ]
}"""


def test_jsonld_hotel_inside_graph_with_id_references() -> None:
    # The Organization comes first, but a lodging type always wins over the fallback.
    result = analyze_html(html_page("", ld_json(GRAPH_HOTEL)), "https://www.hotel-adler.de/")
    assert result.schema_org == {
        "type": "Hotel",
        "name": "Hotel Adler",
        "telephone": "+49 761 123456",
        "email": "info@hotel-adler.de",
        "url": "https://www.hotel-adler.de/",
        "address": {
            "streetAddress": "Hauptstraße 5",
            "postalCode": "79098",
            "addressLocality": "Freiburg",
            "addressRegion": None,
            "addressCountry": "DE",
        },
        "geo": {"lat": 47.995, "lon": 7.85},
        "starRating": 4,
        "priceRange": "€€",
        "sameAs": ["https://www.facebook.com/hoteladler", "https://www.instagram.com/hoteladler"],
    }
    assert result.address == "Hauptstraße 5, 79098 Freiburg, DE"
    assert result.social == {
        "facebook": "https://www.facebook.com/hoteladler",
        "instagram": "https://www.instagram.com/hoteladler",
    }
    assert result.emails == ["info@hotel-adler.de"]
    assert result.phones == ["+49761123456"]


@pytest.mark.parametrize(
    "payload, expected_name",
    [
        pytest.param('{"@type": "Hotel", "name": "Trailing",}', "Trailing", id="trailing-comma"),
        pytest.param('{"@type": "Hotel", // the brand name\n "name": "Commented"}', "Commented",
                     id="line-comment"),
        pytest.param('/* generated */ {"@type": "Hotel", "name": "Block /* not a comment */"}',
                     "Block /* not a comment */", id="block-comment-outside-strings-only"),
        pytest.param('{"@type": "Hotel", "name": "Line\nbreak"}', "Line break",
                     id="unescaped-newline-in-string"),
        pytest.param("{&quot;@type&quot;: &quot;Hotel&quot;, &quot;name&quot;: &quot;Ents&quot;}",
                     "Ents", id="html-entities-instead-of-quotes"),
        pytest.param('{"@type": "Hotel", name: "Unquoted", "telephone": "+49 30 1234567",}',
                     "Unquoted", id="unquoted-key-and-trailing-comma"),
        pytest.param('<!-- {"@type": "Hotel", "name": "Wrapped"} -->', "Wrapped",
                     id="html-comment-wrapper"),
        pytest.param('{"@type": "WebSite"}\n{"@type": "Resort", "name": "Second"}', "Second",
                     id="two-concatenated-objects"),
        pytest.param('[[{"@type": "http://schema.org/BedAndBreakfast", "name": "Nested"}]]',
                     "Nested", id="nested-arrays-and-type-url"),
        pytest.param('{"@type": "LocalBusiness", "name": "Shop"}', "Shop",
                     id="local-business-fallback"),
        pytest.param('{"@type": "Organization", "name": "Group"}', "Group",
                     id="organization-fallback"),
        pytest.param('{"@type": "Hotel", "name": "Broken" "x"}', None, id="unrepairable-skipped"),
        pytest.param('"just a string"', None, id="non-object-root"),
        pytest.param("null", None, id="null-root"),
        pytest.param("[" * 50_000 + "]" * 50_000, None, id="deep-nesting"),
        pytest.param('{"a": ' * 5_000 + "1" + "}" * 5_000, None, id="deep-objects"),
        pytest.param("[" + ",".join(["1"] * 200_000) + "]", None, id="huge-array"),
        pytest.param('{"@type": "Hotel", "name": ' + "9" * 5_000 + "}", None,
                     id="number-beyond-int-digit-limit"),
        pytest.param("{{{{", None, id="garbage"),
    ],
)
def test_jsonld_is_lenient_and_never_raises(payload: str, expected_name: str | None) -> None:
    schema = analyze_html(html_page("", ld_json(payload))).schema_org
    assert (schema or {}).get("name") == expected_name


def test_jsonld_larger_than_a_megabyte_is_skipped() -> None:
    # The cap protects the batch; the microdata on the same page is still read.
    big = '{"@type": "Hotel", "name": "Huge", "description": "' + "x" * 1_100_000 + '"}'
    body = (
        '<div itemscope itemtype="http://schema.org/Hotel"><span itemprop="name">Small</span></div>'
    )
    assert analyze_html(html_page(body, ld_json(big))).schema_org["name"] == "Small"


def test_jsonld_string_address_is_kept_as_string() -> None:
    head = ld_json('{"@type": "Hostel", "name": "H", "address": "Rua Augusta 1, 1100-048 Lisboa"}')
    result = analyze_html(html_page("", head))
    assert result.schema_org["address"] == "Rua Augusta 1, 1100-048 Lisboa"
    assert result.address == "Rua Augusta 1, 1100-048 Lisboa"


# --- technology -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "markup, expected",
    [
        pytest.param('<script src="https://gc.synxis.com/rez.aspx"></script>', "SynXis (Sabre)",
                     id="synxis-script"),
        pytest.param('<a href="https://book-directonline.com/properties/x">Book</a>', "SiteMinder",
                     id="siteminder-link"),
        pytest.param('<iframe src="https://app.mews.com/distributor/abc"></iframe>', "Mews",
                     id="mews-iframe"),
        pytest.param('<script src="https://api.mews.li/distributor/distributor.min.js"></script>',
                     "Mews", id="mews-li-domain"),
        pytest.param('<a href="https://www.availpro.com/hotel/123">Buchen</a>', "D-EDGE",
                     id="availpro-is-d-edge"),
        pytest.param('<form action="https://reservations.travelclick.com/12345"></form>',
                     "iHotelier (Amadeus/TravelClick)", id="travelclick-form"),
        pytest.param('<a href="https://booking.bookassist.org/x">Book</a>', "Bookassist",
                     id="bookassist"),
        pytest.param('<script src="https://booking.profitroom.com/widget.js"></script>',
                     "Profitroom", id="profitroom"),
        pytest.param('<a href="https://secure.netaffinity.com/book">Book</a>', "Net Affinity",
                     id="net-affinity"),
        pytest.param('<a href="https://booking.roomraccoon.com/hotel">Book</a>', "RoomRaccoon",
                     id="roomraccoon"),
        pytest.param('<a href="https://book.littlehotelier.com/x">Book</a>', "Little Hotelier",
                     id="little-hotelier"),
        pytest.param('<button onclick="location.href=\'https://www.beds24.com/booking2.php\'">'
                     "Book</button>", "Beds24", id="url-in-onclick"),
        pytest.param('<script>var url = "https:\\/\\/direct-book.com\\/properties\\/x";</script>',
                     "SiteMinder", id="json-escaped-url-in-inline-script"),
        pytest.param('<iframe src="https://www.booking.com/general.html?aid=1"></iframe>',
                     "Booking.com widget", id="booking-com-embedded"),
        pytest.param('<a href="https://www.booking.com/hotel/de/adler.html">Booking.com</a>', None,
                     id="booking-com-listing-link-is-a-channel"),
        pytest.param('<a href="https://ibe.hotel-adler.de/de/">Buchen</a>',
                     "Other (ibe.hotel-adler.de)", id="unknown-ibe-host"),
        pytest.param('<p>Wir empfehlen synxis.com nicht</p>', None, id="plain-text-mention"),
    ],
)
def test_booking_engine(markup: str, expected: str | None) -> None:
    assert analyze_html(html_page(markup)).booking_engine == expected


@pytest.mark.parametrize(
    "head, body, expected",
    [
        pytest.param('<meta name="generator" content="WordPress 6.5.2">', "", "WordPress",
                     id="generator"),
        pytest.param('<meta name="generator" content="Elementor 3.20.0">', "", "WordPress",
                     id="wordpress-plugin-generator"),
        pytest.param('<meta name="generator" content="Drupal 10 (https://www.drupal.org)">'
                     '<link rel="stylesheet" href="/wp-content/x.css">', "", "Drupal",
                     id="generator-beats-markers"),
        pytest.param("", '<img src="/wp-content/uploads/2024/01/room.jpg">', "WordPress",
                     id="wp-content-uploads"),
        pytest.param('<script src="https://static.parastorage.com/services/x.js"></script>', "",
                     "Wix", id="wix-assets"),
        pytest.param('<link href="/sites/default/files/css/a.css" rel="stylesheet">', "", "Drupal",
                     id="drupal-files"),
        pytest.param('<script src="/typo3conf/ext/site/main.js"></script>', "", "TYPO3",
                     id="typo3-ext"),
        pytest.param('<script src="https://cdn.shopify.com/s/x.js"></script>', "", "Shopify",
                     id="shopify"),
        pytest.param('<link rel="stylesheet" href="https://assets.jimcdn.com/a.css">', "", "Jimdo",
                     id="jimdo"),
        pytest.param('<script src="https://irp.cdn-website.com/x.js"></script>', "", "Duda",
                     id="duda"),
        pytest.param('<meta name="generator" content="Ghost 5.80">', "", "Ghost", id="ghost"),
        pytest.param('<meta name="generator" content="HubSpot">', "", "HubSpot", id="hubspot"),
        pytest.param('<meta name="generator" content="Hugo 0.123.4">', "", "Hugo",
                     id="unknown-generator-without-version"),
        pytest.param("", "<p>We love WordPress and /wp-content/ paths</p>", None,
                     id="visible-text-is-not-evidence"),
    ],
)
def test_cms(head: str, body: str, expected: str | None) -> None:
    assert analyze_html(html_page(body, head)).cms == expected


def test_webflow_from_html_attribute() -> None:
    html = '<html data-wf-site="5f1" lang="en"><head></head><body></body></html>'
    assert analyze_html(html).cms == "Webflow"


@pytest.mark.parametrize(
    "markup, expected",
    [
        pytest.param('<script src="https://embed.tawk.to/5f/default"></script>', "Tawk.to",
                     id="tawk"),
        pytest.param('<script>window.intercomSettings = {app_id: "x"};</script>', "Intercom",
                     id="intercom-inline"),
        pytest.param('<script src="https://js.driftt.com/include/drift.js"></script>', "Drift",
                     id="drift"),
        pytest.param('<script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js">'
                     "</script>", "Zendesk Chat", id="zendesk"),
        pytest.param('<script src="https://code.tidio.co/abc.js"></script>', "Tidio", id="tidio"),
        pytest.param('<script src="https://cdn.quicktext.im/js/velma.js"></script>', "Quicktext",
                     id="quicktext"),
        pytest.param('<script src="https://webchat.hijiffy.com/w.js"></script>', "HiJiffy",
                     id="hijiffy"),
        pytest.param('<script src="https://cdn.asksuite.com/infochat.js"></script>', "Asksuite",
                     id="asksuite"),
        pytest.param('<a href="https://wa.me/491711234567">WhatsApp</a>', "WhatsApp",
                     id="whatsapp-link"),
        pytest.param('<a href="https://api.whatsapp.com/send?text=Look%20at%20this">Share</a>',
                     None, id="whatsapp-share-button-is-not-a-chat"),
        pytest.param("<p>Chat with us on Intercom</p>", None, id="mention-in-text"),
    ],
)
def test_chat_widget(markup: str, expected: str | None) -> None:
    assert analyze_html(html_page(markup)).chat_widget == expected


def test_analytics_are_listed_from_scripts_only() -> None:
    head = """
    <script async src="https://www.googletagmanager.com/gtag/js?id=G-XYZ123ABC"></script>
    <script>gtag('config', 'G-XYZ123ABC'); ga('create', 'UA-1234567-1', 'auto');</script>
    <script>(function(w,d,s,l,i){})(window,document,'script','dataLayer','GTM-5XYZ12');</script>
    <script>!function(f,b,e,v,n,t,s){}(window,document,'script',
      'https://connect.facebook.net/en_US/fbevents.js'); fbq('init', '123');</script>
    <script>var _paq = window._paq = []; _paq.push(['trackPageView']);</script>
    <script defer data-domain="hotel.de" src="https://plausible.io/js/script.js"></script>
    <script>(function(c,l,a,r,i,t,y){})(window, document, "clarity", "script", "abc");
      var s = "https://www.clarity.ms/tag/abc";</script>
    <script>_linkedin_partner_id = "123";</script>
    <script>(function(h,o,t,j,a,r){h._hjSettings={hjid:1,hjsv:6};})()</script>
    """
    body = "<p>Wir nutzen Matomo, Hotjar und Google Analytics (UA-0000000-1 in a text).</p>"
    assert analyze_html(html_page(body, head)).analytics == [
        "Google Analytics 4",
        "Google Analytics (Universal)",
        "Google Tag Manager",
        "Meta Pixel",
        "Hotjar",
        "Matomo",
        "Plausible",
        "Microsoft Clarity",
        "LinkedIn Insight Tag",
    ]


def test_privacy_policy_text_alone_gives_no_analytics() -> None:
    body = "<p>Wir setzen Google Tag Manager (GTM-ABC123), Hotjar und den Meta Pixel ein.</p>"
    assert analyze_html(html_page(body)).analytics == []


# --- social and site links ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "href, expected",
    [
        pytest.param("https://www.facebook.com/hoteladler/",
                     {"facebook": "https://www.facebook.com/hoteladler"}, id="facebook-page"),
        pytest.param("https://www.facebook.com/profile.php?id=1000123&ref=x",
                     {"facebook": "https://www.facebook.com/profile.php?id=1000123"},
                     id="facebook-numeric-profile"),
        pytest.param("https://www.facebook.com/sharer/sharer.php?u=x", {}, id="facebook-share"),
        pytest.param("https://www.facebook.com/dialog/share?app_id=1", {}, id="facebook-dialog"),
        pytest.param("https://www.instagram.com/hoteladler/?hl=de",
                     {"instagram": "https://www.instagram.com/hoteladler"},
                     id="instagram-query-dropped"),
        pytest.param("https://www.instagram.com/p/Cx12/", {}, id="instagram-post"),
        pytest.param("https://de.linkedin.com/company/adler-hotels/about/",
                     {"linkedin": "https://de.linkedin.com/company/adler-hotels"},
                     id="linkedin-company"),
        pytest.param("https://www.linkedin.com/shareArticle?mini=true&url=x", {},
                     id="linkedin-share"),
        pytest.param("https://twitter.com/intent/tweet?text=x", {}, id="twitter-intent"),
        pytest.param("https://twitter.com/share?url=x", {}, id="twitter-share"),
        pytest.param("https://twitter.com/hoteladler/status/123",
                     {"twitter": "https://twitter.com/hoteladler"}, id="tweet-gives-its-profile"),
        pytest.param("https://x.com/hoteladler", {"twitter": "https://x.com/hoteladler"},
                     id="x-domain"),
        pytest.param("https://www.youtube.com/@hoteladler",
                     {"youtube": "https://www.youtube.com/@hoteladler"}, id="youtube-handle"),
        pytest.param("https://www.youtube.com/channel/UC123/videos",
                     {"youtube": "https://www.youtube.com/channel/UC123"}, id="youtube-channel"),
        pytest.param("https://www.youtube.com/watch?v=abc", {}, id="youtube-video"),
        pytest.param("https://www.tiktok.com/@hoteladler?lang=de",
                     {"tiktok": "https://www.tiktok.com/@hoteladler"}, id="tiktok"),
        pytest.param("https://www.pinterest.de/hoteladler/",
                     {"pinterest": "https://www.pinterest.de/hoteladler"}, id="pinterest-cctld"),
        pytest.param("https://www.pinterest.com/pin/create/button/?url=x", {},
                     id="pinterest-share"),
        pytest.param("https://www.tripadvisor.co.uk/", {}, id="tripadvisor-home"),
        pytest.param("//www.facebook.com/hoteladler",
                     {"facebook": "https://www.facebook.com/hoteladler"}, id="protocol-relative"),
    ],
)
def test_social_profiles(href: str, expected: dict[str, str]) -> None:
    assert analyze_html(html_page(f'<a href="{href}">x</a>')).social == expected


def test_first_profile_per_platform_wins() -> None:
    body = (
        '<a href="https://www.facebook.com/first">a</a>'
        '<a href="https://www.facebook.com/second">b</a>'
    )
    assert analyze_html(html_page(body)).social == {"facebook": "https://www.facebook.com/first"}


def test_site_links_are_absolute_same_site_and_honour_base() -> None:
    body = """
    <a href="#kontakt">Kontakt</a>
    <a href="https://other-hotel.de/impressum">Impressum</a>
    <a href="kontakt.html">Schreiben Sie uns</a>
    <a href="https://booking.hotel.de/legal/agb">AGB</a>
    <a href="/unternehmen/ueber-uns?x=1#team">Über uns</a>
    <a href="/rechtliches/impressum">Impressum</a>
    <a href="http://[::1">broken</a>
    <a href="/unser-team">Ihre Gastgeber</a>
    """
    result = analyze_html(
        html_page(body, '<base href="https://www.hotel.de/de/">'), "https://www.hotel.de/de/start"
    )
    assert result.links == {
        "contact": "https://www.hotel.de/de/kontakt.html",
        "legal": "https://booking.hotel.de/legal/agb",
        "about": "https://www.hotel.de/unternehmen/ueber-uns?x=1",
        "imprint": "https://www.hotel.de/rechtliches/impressum",
        "team": "https://www.hotel.de/unser-team",
    }


def test_links_by_anchor_text_and_relative_without_url() -> None:
    # Without any URL the site is unknown: relative links are kept as written, absolute skipped.
    body = '<a href="/p/17">Mentions légales</a><a href="https://x.fr/contact">Contact</a>'
    assert analyze_html(html_page(body)).links == {"imprint": "/p/17"}


# --- metadata -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html, expected",
    [
        pytest.param('<html lang="DE"><title>x</title></html>', "de", id="lower-cased-primary"),
        pytest.param('<html lang="en_us"></html>', "en-US", id="underscore-region"),
        pytest.param('<html lang="zh-hant-tw"></html>', "zh-Hant-TW", id="script-subtag"),
        pytest.param('<html lang="{{ lang }}"><meta property="og:locale" content="fr_FR"></html>',
                     "fr-FR", id="template-placeholder-falls-back-to-og-locale"),
        pytest.param('<html><meta http-equiv="content-language" content="it, en"></html>', "it",
                     id="content-language-first-of-list"),
        pytest.param("<html><p>x</p></html>", None, id="no-language"),
    ],
)
def test_language(html: str, expected: str | None) -> None:
    assert analyze_html(html).language == expected


def test_title_ignores_svg_titles_and_falls_back_to_og_title() -> None:
    html = (
        '<html><head><meta property="og:title" content="Hotel OG"></head>'
        "<body><svg><title>icon</title></svg></body></html>"
    )
    assert analyze_html(html).title == "Hotel OG"


def test_canonical_url_is_used_when_no_url_is_given() -> None:
    head = '<link rel="canonical" href="https://www.hotel-linde.de/kontakt/">'
    body = '<a href="/impressum">Impressum</a><p>Tel. 030 1234567</p>'
    result = analyze_html(html_page(body, head))
    assert result.url == "https://www.hotel-linde.de/kontakt/"
    assert result.links == {"imprint": "https://www.hotel-linde.de/impressum"}
    assert result.phones == ["+49301234567"]


@pytest.mark.parametrize(
    "body, expected",
    [
        pytest.param("<footer><p>Hotel Post · Dorfstraße 3 · 6020 Innsbruck · Tel 0512 1234</p>"
                     "</footer>", "Dorfstraße 3, 6020 Innsbruck",
                     id="one-line-with-dots-and-trailing-contact"),
        pytest.param("<footer><p>Hotel Post<br>Dorfstraße 3<br>A-6020 Innsbruck<br>Österreich</p>"
                     "</footer>", "Dorfstraße 3, A-6020 Innsbruck",
                     id="country-prefixed-postcode-over-lines"),
        pytest.param("<footer><p>© 2024 Hotel Post. Alle Rechte vorbehalten.</p></footer>", None,
                     id="copyright-year-is-not-a-postcode"),
        pytest.param("<div class='impressum'>Via Garibaldi, 21<br>20121 Milano MI</div>",
                     "Via Garibaldi, 21, 20121 Milano MI", id="italian-comma-before-number"),
        pytest.param("<p>Zimmer 12, 2 Personen, 120 Euro</p>", None,
                     id="room-text-is-not-an-address"),
        pytest.param("<address>Hotel Am See<br>Seeweg<br>Telefon 08821 1234</address>", None,
                     id="address-element-without-numbers-in-postal-lines"),
    ],
)
def test_address_heuristics(body: str, expected: str | None) -> None:
    assert analyze_html(html_page(body)).address == expected


# --- robustness -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        pytest.param("", id="empty-string"),
        pytest.param("   \n\t", id="whitespace-only"),
        pytest.param(b"", id="empty-bytes"),
        pytest.param("<html><head><title>Hotel", id="truncated-in-title"),
        pytest.param('<div><a href="tel:+4930', id="truncated-in-attribute"),
        pytest.param("<p>Tel: +49 30 1234567<div><span><table><tr><td>x</p></span></a></b>",
                     id="misnested-tags"),
        pytest.param("<<<>>><!-- <!-- -->>< /a><a href=>", id="tag-soup"),
        pytest.param(bytes(range(256)) * 64, id="binary-garbage"),
        pytest.param(os.urandom(0) + b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, id="png-bytes"),
        pytest.param("<p>\ud800 lone surrogate</p>", id="lone-surrogate"),
        pytest.param("<p>nul\x00byte</p>", id="nul-character"),
        pytest.param('<a href="http://[::1">x</a><a href="mailto:">y</a><a href="tel:">z</a>',
                     id="malformed-urls"),
        pytest.param('<div itemscope itemtype="http://schema.org/Hotel">' * 300
                     + '<span itemprop="name">Deep</span>', id="deeply-nested-microdata"),
    ],
)
def test_broken_input_never_raises(document: str | bytes) -> None:
    result = analyze_html(document, "https://hotel.de")
    assert isinstance(result.to_json("x"), dict)
    json.dumps(result.to_json("x"))


def test_truncated_page_keeps_what_was_read() -> None:
    html = GERMAN_PAGE[: GERMAN_PAGE.index("Fax:")]
    result = analyze_html(html, "https://www.hotel-linde.de/")
    assert result.phones == ["+49301234567"]
    assert result.address == "Lindenallee 12, 10115 Berlin"


@pytest.mark.parametrize(
    "document",
    [
        pytest.param("<div>" * 200_000 + "<p>Tel. +49 30 1234567</p>", id="deep-divs"),
        pytest.param("<div><b>" * 60_000 + "<p>Tel. +49 30 1234567</p>", id="deep-formatting"),
        pytest.param("<select>" + "<option>x</option>" * 60_000 + "</select>"
                     "<p>Tel. +49 30 1234567</p>", id="huge-select"),
    ],
)
def test_pathological_markup_is_bounded(document: str) -> None:
    # Parsers are quadratic in nesting depth here; the guard keeps the text and drops tags.
    result = within_cpu_budget(lambda: analyze_html(document), 2.0)
    assert result.phones == ["+49301234567"]


def test_two_megabyte_page_is_fast() -> None:
    block = (
        '<div class="room"><h3>Zimmer {i}</h3><p>Schönes <b>Zimmer</b> mit Blick, '
        '<a href="/zimmer/{i}">mehr</a> ab 120 €, 2 Personen.</p>'
        '<ul><li>WLAN</li><li>TV</li></ul><img src="/wp-content/uploads/{i}.jpg"></div>\n'
    )
    body = "".join(block.format(i=i) for i in range(11_000))
    footer = "<footer>Lindenallee 12, 10115 Berlin · Tel. 030 1234567</footer>"
    html = html_page(body + footer, lang="de")
    assert len(html) > 2_000_000
    result = within_cpu_budget(lambda: analyze_html(html, "https://www.hotel-linde.de/"), 2.0)
    assert result.phones == ["+49301234567"]
    assert result.address == "Lindenallee 12, 10115 Berlin"
    assert result.cms == "WordPress"


# --- decoding -------------------------------------------------------------------------------------

GERMAN_TEXT = "Grüße aus München – Straße, Größe, Öffnungszeiten"


@pytest.mark.parametrize(
    "data, declared, expected",
    [
        pytest.param(f"<p>{GERMAN_TEXT}</p>".encode("cp1252"), None, GERMAN_TEXT,
                     id="cp1252-without-charset-meta"),
        pytest.param(f'<meta charset="utf-8"><p>{GERMAN_TEXT}</p>'.encode("cp1252"), None,
                     GERMAN_TEXT, id="declares-utf8-but-is-cp1252"),
        pytest.param(f'<meta charset="iso-8859-1"><p>{GERMAN_TEXT}</p>'.encode(), None,
                     GERMAN_TEXT, id="declares-latin1-but-is-utf8"),
        pytest.param(f'<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
                     f"<p>{GERMAN_TEXT}</p>".encode("cp1252"), None, GERMAN_TEXT,
                     id="http-equiv-charset"),
        pytest.param(f"<p>{GERMAN_TEXT}</p>".encode("cp1252"), "utf-8", GERMAN_TEXT,
                     id="wrong-declared-header"),
        pytest.param('<meta charset="utf-8"><p>Привет, гостиница</p>'.encode("cp1251"), "cp1251",
                     "Привет, гостиница", id="declared-header-beats-meta"),
        pytest.param(f'<meta charset="no-such-charset"><p>{GERMAN_TEXT}</p>'.encode(), None,
                     GERMAN_TEXT, id="unknown-charset-label"),
        pytest.param(f"<p>{GERMAN_TEXT}</p>".encode("utf-16"), None, GERMAN_TEXT, id="utf16-bom"),
        pytest.param(f"<p>{GERMAN_TEXT}</p>".encode("utf-16-le"), None, GERMAN_TEXT,
                     id="utf16-without-bom"),
        pytest.param("<p>Grüße</p>".encode() + " <p>Größe</p>".encode("cp1252"), None,
                     "<p>Grüße</p> <p>Größe</p>", id="utf8-with-stray-cp1252"),
        pytest.param(b"\xef\xbb\xbf<p>BOM</p>", "cp1252", "<p>BOM</p>", id="bom-beats-declaration"),
        pytest.param(f"<p>{GERMAN_TEXT}</p>".encode(), "base64", GERMAN_TEXT,
                     id="non-text-codec-label-ignored"),
        pytest.param(b"<p>+ADw-script+AD4-</p>", "utf-7", "+ADw-script+AD4-",
                     id="utf7-declaration-read-as-utf8"),
    ],
)
def test_decode_html(data: bytes, declared: str | None, expected: str) -> None:
    assert expected in decode_html(data, declared)


def test_decode_html_never_raises_on_garbage() -> None:
    for data in (bytes(range(256)) * 100, b"\x81\x8d\x8f\x90\x9d" * 50, b"\xff\xfe\x00"):
        assert isinstance(decode_html(data), str)


def test_bytes_input_is_decoded_before_analysis() -> None:
    html = "<html lang='de'><title>Gästehaus Müller</title><p>Tel. 030 1234567</p></html>"
    result = analyze_html(html.encode("cp1252"), "https://gaestehaus-mueller.de")
    assert result.title == "Gästehaus Müller"
    assert result.phones == ["+49301234567"]


# --- files and the JSON shape ---------------------------------------------------------------------


def test_to_json_has_exactly_the_record_shape() -> None:
    record = analyze_html(GERMAN_PAGE, "https://www.hotel-linde.de/").to_json("hotel-linde.de")
    assert list(record) == JSON_KEYS
    assert record["input"] == "hotel-linde.de"
    assert json.loads(json.dumps(record)) == record


def test_analyze_file_reads_a_saved_page(tmp_path: Path) -> None:
    path = tmp_path / "linde.html"
    path.write_bytes(GERMAN_PAGE.replace('<meta charset="utf-8">', "").encode("cp1252"))
    record = analyze_file(str(path))
    assert list(record) == JSON_KEYS
    assert record["input"] == str(path)
    assert record["title"] == "Hotel Linde Berlin | Stadthotel in Mitte"
    assert record["emails"] == ["info@hotel-linde.de"]


def test_analyze_file_accepts_path_objects(tmp_path: Path) -> None:
    path = tmp_path / "p.html"
    path.write_text(ITALIAN_PAGE, encoding="utf-8")
    assert analyze_file(path)["input"] == str(path)


@pytest.mark.parametrize(
    "make, expected_error",
    [
        pytest.param(lambda d: d / "missing.html", "file not found", id="missing"),
        pytest.param(lambda d: d, "is a directory", id="directory"),
        pytest.param(lambda d: _write(d / "empty.html", b""), "empty file", id="empty"),
        pytest.param(lambda d: _write(d / "x.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
                     "not an HTML document (looks like PNG)", id="png"),
        pytest.param(lambda d: _write(d / "x.html", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
                     "not an HTML document (looks like PDF)", id="pdf-with-html-extension"),
        pytest.param(lambda d: _write(d / "x.bin", bytes(range(256)) * 4),
                     "not an HTML document (looks like binary data)", id="binary"),
    ],
)
def test_analyze_file_errors(tmp_path: Path, make, expected_error: str) -> None:
    path = make(tmp_path)
    record = analyze_file(str(path))
    assert set(record) == {"input", "error"}
    assert record["input"] == str(path)
    assert expected_error in record["error"]


@pytest.mark.parametrize(
    "error, expected",
    [
        pytest.param(PermissionError(13, "Permission denied"), "permission denied: {path}",
                     id="permission"),
        pytest.param(OSError(5, "Input/output error"), "cannot read file: Input/output error",
                     id="io-error"),
    ],
)
def test_analyze_file_unreadable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: OSError, expected: str
) -> None:
    # Simulated: the test may run as root, which reads any file whatever its mode.
    path = _write(tmp_path / "page.html", b"<p>x</p>")

    def refuse(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(site_analysis.analysis, "open", refuse, raising=False)
    assert analyze_file(str(path)) == {"input": str(path), "error": expected.format(path=path)}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --- heuristics for real-world pages --------------------------------------------------------------


@pytest.mark.parametrize(
    "body, url, expected",
    [
        pytest.param("<p>Hotel Sonne · 0221 123456 · info@hotel-sonne.de</p>",
                     "https://www.hotel-sonne.de/", ["+49221123456"],
                     id="footer-number-without-cue-but-with-trunk-prefix"),
        pytest.param("<p>Ihre Auftragsnr. 0221 123 456</p>", "https://www.hotel-sonne.de/", [],
                     id="order-number-label-blocks-an-uncued-number"),
        pytest.param("<p>IBAN DE89 3704 0044 0532 0130 00 · USt-IdNr. DE 0123 456 789</p>",
                     "https://www.hotel-sonne.de/", [], id="bank-and-vat-numbers"),
        pytest.param("<table><tr><td>02.01.2024 – 31.03.2024</td><td>89 €</td></tr></table>",
                     "https://www.hotel-sonne.de/", [], id="date-range-in-a-price-table"),
        pytest.param("<p>Hotline 01805 123456 (14 ct/min)</p>", "https://www.hotel-sonne.de/",
                     ["+491805123456"], id="remark-in-brackets-is-not-part-of-the-number"),
        pytest.param("<p>T +43 1 587 32 89 · F +43 1 587 32 89-11</p>", None, ["+4315873289"],
                     id="single-letter-fax-cue"),
        pytest.param("<p>Local: (250) 344-2345 · Toll-free: 1-877-344-2345</p>",
                     "https://www.lodge.ca/", ["+12503442345", "+18773442345"],
                     id="nanp-layout-needs-no-cue"),
        pytest.param("<p>Reservaciones: 998 123 4567 · USA &amp; Canada: 1 888 555 0122</p>",
                     "https://www.resort.mx/", ["+529981234567", "+18885550122"],
                     id="us-toll-free-on-a-mexican-site"),
        pytest.param("<p>Réservations 04 90 12 34 56 / 06 12 34 56 78</p>",
                     "https://www.mas.fr/", ["+33490123456", "+33612345678"],
                     id="accented-cue-and-two-numbers-in-a-row"),
        pytest.param("<p>Ph: (02) 4784 1234 · Mob: 0412 345 678</p>", "https://www.bnb.com.au/",
                     ["+61247841234", "+61412345678"], id="mob-cue"),
    ],
)
def test_phone_heuristics(body: str, url: str | None, expected: list[str]) -> None:
    assert analyze_html(html_page(body, lang="de"), url).phones == expected


@pytest.mark.parametrize(
    "html, expected",
    [
        pytest.param(html_page("<p>Tel. 076 330 123</p>", ld_json(
            '{"@type": "Resort", "address": {"addressCountry": "Thailand"}}')), ["+6676330123"],
            id="schema-country-name"),
        pytest.param(html_page("<p>Sconser, Isle of Skye IV48 8TD</p><p>Tel: 01478 650 123</p>"),
                     ["+441478650123"], id="uk-postcode-in-the-text"),
        pytest.param(html_page("<p>Tel 09924 / 1234 · gasthof@t-online.de</p>"),
                     ["+4999241234"], id="mail-domain-country"),
        pytest.param(html_page('<a href="tel:+436641234567">Handy</a><p>Tel. 06457 2345</p>',
                               lang="de"), ["+436641234567", "+4364572345"],
                     id="international-tel-link-beats-bare-language"),
        pytest.param(html_page("<p>Lackengasse 3, A-5542 Flachau</p><p>Tel. 06457 2345</p>",
                               lang="de"), ["+4364572345"], id="prefixed-postcode"),
    ],
)
def test_phone_region_hints(html: str, expected: list[str]) -> None:
    assert analyze_html(html).phones == expected


def _typo3_token(text: str, vector: int) -> str:
    out = []
    for char in text:
        code = ord(char)
        for low, high in ((0x2B, 0x3A), (0x40, 0x5A), (0x61, 0x7A)):
            if low <= code <= high:
                code = low + (code - low + vector) % (high - low + 1)
                break
        out.append(chr(code))
    return "".join(out)


@pytest.mark.parametrize(
    "body, expected",
    [
        pytest.param(f'<a data-mailto-token="{_typo3_token("mailto:info@zur-post.at", 1)}" '
                     'data-mailto-vector="1">E-Mail</a>', ["info@zur-post.at"],
                     id="typo3-token"),
        pytest.param(f'<a data-mailto-token="{_typo3_token("mailto:hotel@kronen.de", -3)}" '
                     'data-mailto-vector="-3">E-Mail</a>', ["hotel@kronen.de"],
                     id="typo3-negative-vector"),
        pytest.param('<a href="javascript:linkTo_UnCryptMailto(%27'
                     f'{_typo3_token("mailto:info@alpenhof.it", 2)}%27);">Mail</a>',
                     ["info@alpenhof.it"], id="typo3-legacy-javascript-link"),
        pytest.param("<span id='cloak12'>protected</span><script>var addy12 = 'info' + '&#64;';"
                     " addy12 = addy12 + 'hotel-mare' + '&#46;' + 'it'; var addy_text12 = 'x';"
                     "</script>", ["info@hotel-mare.it"], id="joomla3-cloak-script"),
        pytest.param('<joomla-hidden-mail is-link="1" first="aW5mbw==" last="aG90ZWwuaXQ=">'
                     "protected</joomla-hidden-mail>", ["info@hotel.it"],
                     id="joomla4-hidden-mail"),
        pytest.param("<p><span>info@hotel-sonne.de</span><span>Tel: 0221 123</span></p>",
                     ["info@hotel-sonne.de"], id="inline-text-running-into-the-domain"),
    ],
)
def test_cloaked_emails(body: str, expected: list[str]) -> None:
    assert analyze_html(html_page(body)).emails == expected


@pytest.mark.parametrize(
    "html, expected",
    [
        pytest.param(
            html_page('<div itemscope itemtype="https://schema.org/Hotel" itemref="a c">'
                      '<span itemprop="name">Villa Ortensia</span></div>'
                      '<p id="a" itemprop="telephone">+39 031 950123</p>'
                      '<div id="c"><a itemprop="email" href="mailto:info@ortensia.it">Mail</a>'
                      '<div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">'
                      '<span itemprop="addressLocality">Bellagio</span></div></div>'),
            {"name": "Villa Ortensia", "telephone": "+39 031 950123",
             "email": "info@ortensia.it", "address": {
                 "streetAddress": None, "postalCode": None, "addressLocality": "Bellagio",
                 "addressRegion": None, "addressCountry": None}},
            id="microdata-itemref"),
        pytest.param(
            html_page('<div vocab="https://schema.org/" typeof="BedAndBreakfast">'
                      '<h1 property="name">Groene Huys</h1>'
                      '<span property="schema:telephone">+32 50 12 34 56</span></div>'),
            {"type": "BedAndBreakfast", "name": "Groene Huys", "telephone": "+32 50 12 34 56"},
            id="rdfa-lite"),
        pytest.param(
            html_page("", ld_json("{'@type': 'Hotel', 'name': 'Hotel d\\'Angleterre'}")),
            {"name": "Hotel d'Angleterre"}, id="jsonld-single-quotes"),
        pytest.param(
            html_page("", '<script type="application/json-ld">{"@type": "Hotel", '
                          '"name": "Misnamed Type"}</script>'),
            {"name": "Misnamed Type"}, id="jsonld-type-attribute-variant"),
        pytest.param(
            html_page("", ld_json('{"@type": "LocalBusiness", "name": "Maple Inn", '
                                  '"address": "1412 Mountain Road\\nStowe, VT 05672"}')
                      + ld_json('{"@type": "Organization", "legalName": "Maple Inn LLC", '
                                '"telephone": "802-253-4417"}')),
            {"telephone": "802-253-4417", "address": "1412 Mountain Road, Stowe, VT 05672"},
            id="unnamed-organization-completes-the-business"),
        pytest.param(
            html_page("", ld_json('{"@type": "Hotel", "name": "Marlowe Covent Garden"}')
                      + ld_json('{"@type": "Organization", "name": "Marlowe Hotels", '
                                '"telephone": "+44 20 3514 9000"}')),
            {"name": "Marlowe Covent Garden", "telephone": None},
            id="brand-organization-is-another-business"),
    ],
)
def test_structured_data_variants(html: str, expected: dict[str, Any]) -> None:
    schema = analyze_html(html).schema_org
    assert schema is not None
    assert {key: schema[key] for key in expected} == expected


def test_svg_sprite_does_not_hide_the_footer() -> None:
    # Hundreds of self-closing <path/> icons are not nesting; counted as such they made the
    # markup guard drop every tag after the sprite (links, mailto, social profiles).
    sprite = "<svg>" + "<path d='M0 0L1 1'/>" * 800 + "</svg>"
    footer = ('<footer><a href="mailto:info@hotel.de">Mail</a>'
              '<a href="https://www.instagram.com/hotelsonne/">Instagram</a></footer>')
    result = analyze_html(html_page(sprite + footer))
    assert result.emails == ["info@hotel.de"]
    assert result.social == {"instagram": "https://www.instagram.com/hotelsonne"}


def test_facebook_page_plugin_is_a_profile() -> None:
    body = ('<iframe src="https://www.facebook.com/plugins/page.php?href=https%3A%2F%2F'
            'www.facebook.com%2Fhotelsonne&amp;tabs=timeline"></iframe>'
            '<div class="fb-like" data-href="https://www.hotel-sonne.de/"></div>')
    assert analyze_html(html_page(body)).social == {
        "facebook": "https://www.facebook.com/hotelsonne"
    }


@pytest.mark.parametrize(
    "data, expected_url, expected_name",
    [
        pytest.param(gzip.compress(html_page("<p>Tel. +49 30 1234567</p>",
                                             "<title>Gzipped</title>").encode()),
                     None, None, id="gzip-body-saved-undecoded"),
        pytest.param(b'<!-- saved from url=(0025)https://www.hotel.de/ -->\n'
                     + html_page("<p>Tel. +49 30 1234567</p>").encode(),
                     "https://www.hotel.de/", None, id="saved-from-comment"),
        pytest.param(b'\xef\xbb\xbf{"@type": "Hotel", "name": "Bare JSON-LD", '
                     b'"telephone": "+49 30 1234567",}', None, "Bare JSON-LD",
                     id="jsonld-file-with-bom-and-trailing-comma"),
    ],
)
def test_saved_file_formats(
    tmp_path: Path, data: bytes, expected_url: str | None, expected_name: str | None
) -> None:
    record = analyze_file(_write(tmp_path / "page.html", data))
    assert record["phones"] == ["+49301234567"]
    assert record["url"] == expected_url
    assert (record["schema_org"] or {}).get("name") == expected_name
