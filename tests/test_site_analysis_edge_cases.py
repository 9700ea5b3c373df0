"""Site analysis on the edges of real pages: the real ``analyze_html`` (lexbor parsing, JSON-LD
repair and selection, script-state reading, text language, phone regions, social links) over
small inline pages. No network, no files.

Each case is one behaviour the saved-page corpus (tests/fixtures/sites_realworld/) shows only
in passing; the line above each case says why it matters.
"""

from __future__ import annotations

import json

import pytest

from jengu_assets.enrichment.site_analysis import analyze_file, analyze_html
from tests.timing import within_cpu_budget


def page(body: str, head: str = "", lang: str | None = None) -> str:
    lang_attr = f' lang="{lang}"' if lang else ""
    return f"<html{lang_attr}><head><title>Hotel</title>{head}</head><body>{body}</body></html>"


def ld(document: dict | list | str) -> str:
    text = document if isinstance(document, str) else json.dumps(document)
    return f'<script type="application/ld+json">{text}</script>'


GERMAN = (
    "<p>Herzlich willkommen in unserem Haus! Wir freuen uns auf Ihren Besuch und sind gerne "
    "für Sie da. Das Frühstück ist im Preis inbegriffen, die Zimmer haben alle einen Balkon "
    "mit Blick auf die Berge. Im Winter sind die Loipen direkt vor der Tür.</p>"
)


# --- language ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html, expected",
    [
        # Nothing declared: clear German text names the language.
        pytest.param(page(GERMAN), "de", id="undeclared-german-text"),
        # What the page declares wins over what its text looks like (themes mislabel too, but
        # the declaration is the site's own statement).
        pytest.param(page(GERMAN, lang="en"), "en", id="declared-language-wins"),
        # Danish and Norwegian share their function words: no guess rather than a wrong one.
        pytest.param(page("<p>Velkommen til vores hotel. Vi har værelser med udsigt over havet, "
                          "og morgenmaden er inkluderet i prisen. Ring til os eller send en "
                          "mail, hvis du har spørgsmål om ophold og priser for sommeren.</p>"),
                     None, id="danish-is-not-guessed"),
        # A language menu is no text.
        pytest.param(page("<nav>Deutsch | English | Italiano | Français</nav>"), None,
                     id="language-menu-only"),
        # One script, one language.
        pytest.param(page("<p>Καλώς ήρθατε στο ξενοδοχείο μας στη Νάξο. Όλα τα δωμάτια έχουν "
                          "θέα στη θάλασσα και το πρωινό περιλαμβάνεται στην τιμή. Για κρατήσεις "
                          "επικοινωνήστε μαζί μας τηλεφωνικά ή με email.</p>"),
                     "el", id="greek-script"),
        # hreflang alternates describe other pages, never this one.
        pytest.param(page("<p>Hotel</p>", '<link rel="alternate" hreflang="fr" href="/fr/">'),
                     None, id="hreflang-is-not-the-page-language"),
    ],
)
def test_language(html: str, expected: str | None) -> None:
    assert analyze_html(html).language == expected


# --- script state -----------------------------------------------------------------------------


def test_state_is_only_a_fallback_for_contacts_the_page_shows() -> None:
    # A rendered page's own contacts win; its store's partner and owner details stay out.
    state = {"hotel": {"phone": "+43 512 123456", "partner": {"phone": "+43 1 9876543"}},
             "ownerEmail": "owner@gmail.com"}
    html = page('<p>Tel. <a href="tel:+43512123456">0512 123456</a> · info@hotel-adler.at</p>'
                f"<script>window.__INITIAL_STATE__={json.dumps(state)};</script>", lang="de-AT")
    result = analyze_html(html)
    assert result.phones == ["+43512123456"]
    assert result.emails == ["info@hotel-adler.at"]


@pytest.mark.parametrize(
    "script, phones, emails",
    [
        # Nuxt 3 keeps its state as a flat array of values referenced by index.
        pytest.param('<script type="application/json" id="__NUXT_DATA__">[["Reactive",1],'
                     '{"settings":2},{"contactPhone":3,"contactEmail":4,"fax":5},'
                     '"+49 89 1234567","info@hotel-adler.de","+49 89 1234568"]</script>',
                     ["+49891234567"], ["info@hotel-adler.de"], id="nuxt3-devalue"),
        # Next.js App Router streams its props as an escaped string.
        pytest.param('<script>self.__next_f.push([1,"2:[\\"$\\",\\"footer\\",null,'
                     '{\\"phone\\":\\"+43 512 123456\\",\\"email\\":\\"hallo@hotel.at\\"}]\\n"])'
                     "</script>", ["+43512123456"], ["hallo@hotel.at"], id="next-app-router"),
        # Keys naming someone else (support, developer) and technical mailboxes are not contacts.
        pytest.param('<script type="application/json">{"supportEmail":"help@cms-vendor.com",'
                     '"email":"devops@hotel.com","sentryDsn":"https://k@o1.ingest.sentry.io/2",'
                     '"telefax":"+43 512 123457"}</script>', [], [], id="foreign-keys-ignored"),
        # Room ids under a "tel" key are no numbers; the real one further on still counts.
        pytest.param('<script type="application/json">{"rooms":['
                     + ",".join(f'{{"tel":"{i:04d}"}}' for i in range(300))
                     + '],"hotelPhone":"+34 971 35 12 84"}</script>',
                     ["+34971351284"], [], id="short-codes-are-not-numbers"),
    ],
)
def test_contacts_from_script_state(script: str, phones: list[str], emails: list[str]) -> None:
    result = analyze_html(page(f'<div id="app"></div>{script}'))
    assert (result.phones, result.emails) == (phones, emails)


def test_three_megabyte_state_stays_fast() -> None:
    # A store with thousands of rooms before its contact block, saved before hydration.
    rooms = [{"id": i, "name": f"Room {i}", "tel": f"{i:06d}", "text": "Sea view. " * 12}
             for i in range(16_000)]
    state = {"rooms": rooms, "contact": {"phone": "+34 971 35 12 84",
                                         "email": "reservas@hotelcalablava.com"}}
    html = page(f'<div id="__next"></div><script id="__NEXT_DATA__" type="application/json">'
                f"{json.dumps(state)}</script>", lang="es")
    assert len(html) > 2_500_000
    result = within_cpu_budget(lambda: analyze_html(html), 1.5)
    assert result.phones == ["+34971351284"]
    assert result.emails == ["reservas@hotelcalablava.com"]


# --- structured data --------------------------------------------------------------------------

HOTEL_A = {"@type": "Hotel", "name": "Seehotel Lindau", "url": "https://example-group.de/lindau/",
           "telephone": "+49 8382 943100"}
HOTEL_B = {"@type": "Hotel", "name": "Seehotel Meersburg",
           "url": "https://example-group.de/meersburg/", "telephone": "+49 7532 804400"}
GROUP = {"@type": "Organization", "name": "Seehotels GmbH", "telephone": "+49 7531 365900"}


@pytest.mark.parametrize(
    "head, name",
    [
        # A hotel page naming its sister hotels: the first, the page's own, is the business.
        pytest.param(ld([HOTEL_A, HOTEL_B]), "Seehotel Lindau", id="sister-hotels-first-wins"),
        # A property page of a group: the hotel at the page's own address.
        pytest.param(ld([GROUP, HOTEL_A, HOTEL_B])
                     + '<link rel="canonical" href="https://www.example-group.de/meersburg">',
                     "Seehotel Meersburg", id="hotel-at-the-page-address"),
        # A group's overview (an ItemList of its hotels) belongs to the group.
        pytest.param(ld({"@type": "ItemList", "itemListElement": [
            {"@type": "ListItem", "position": 1, "item": HOTEL_A},
            {"@type": "ListItem", "position": 2, "item": HOTEL_B}]}) + ld(GROUP),
            "Seehotels GmbH", id="itemlist-overview-is-the-group"),
        # Without a group node the list's first hotel is all there is.
        pytest.param(ld({"@type": "ItemList", "itemListElement": [HOTEL_A, HOTEL_B]}),
                     "Seehotel Lindau", id="itemlist-without-group"),
        # A typed reference ({"@type", "@id"}) comes before the node it points to.
        pytest.param(ld({"@graph": [
            {"@type": "WebSite", "publisher": {"@type": "Hotel", "@id": "#h"}},
            {"@type": "Hotel", "@id": "#h", "name": "Hotel Post"}]}),
            "Hotel Post", id="typed-reference-resolved"),
    ],
)
def test_which_node_is_the_business(head: str, name: str) -> None:
    assert analyze_html(page("", head)).schema_org["name"] == name


@pytest.mark.parametrize(
    "script, expected",
    [
        # A CMS field cut the JSON-LD off mid-value: the complete part is kept.
        pytest.param('{"@type":"Hotel","name":"Hotel Post","telephone":"+43 512 123456",'
                     '"amenityFeature":[{"name":"Pool","value":tr',
                     {"name": "Hotel Post", "telephone": "+43 512 123456"}, id="truncated"),
        # Hand-written, one property per line, commas forgotten.
        pytest.param('{\n"@type": "Hotel"\n"name": "Hotel Post"\n"telephone": "+43 512 123456"\n}',
                     {"name": "Hotel Post", "telephone": "+43 512 123456"}, id="missing-commas"),
        # Quotes inside a value left unescaped.
        pytest.param('{\n"@type": "Hotel",\n"name": "Gasthof "Zur Post"",\n"telephone": "1"\n}',
                     {"name": 'Gasthof "Zur Post"', "telephone": "1"}, id="inner-quotes"),
        # A byte order mark and an HTML comment around the JSON.
        pytest.param('\ufeff<!--\n{"@type": "Hotel", "name": "Hotel Post"}\n-->',
                     {"name": "Hotel Post"}, id="bom-and-comment"),
        # Prefixed keys from a context ("schema:name") mean the plain property.
        pytest.param('{"@context":{"schema":"http://schema.org/"},"@type":"schema:Hotel",'
                     '"schema:name":"Hotel Post","schema:url":{"@id":"https://hotel-post.at/"}}',
                     {"name": "Hotel Post", "url": "https://hotel-post.at/"}, id="prefixed-keys"),
        # Phones and e-mails given only as contact points.
        pytest.param('{"@type":"Organization","name":"Hotel Post","contactPoint":{"@type":'
                     '"ContactPoint","telephone":"+43 512 123456","email":"info@hotel-post.at"}}',
                     {"telephone": "+43 512 123456", "email": "info@hotel-post.at"},
                     id="contact-point"),
    ],
)
def test_structured_data_repairs(script: str, expected: dict) -> None:
    schema = analyze_html(page("", ld(script))).schema_org
    assert {key: schema[key] for key in expected} == expected


def test_every_schema_number_is_a_phone() -> None:
    # A telephone array and contact points all list the business's numbers.
    head = ld({"@type": "Hotel", "name": "Riad", "telephone": ["+212 524 38 52 11",
                                                               "+212 661 23 45 67"],
               "contactPoint": [{"telephone": "+44 20 3608 1234"}]})
    assert analyze_html(page("", head)).phones == [
        "+212524385211", "+212661234567", "+442036081234"]


# --- contacts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html, phones",
    [
        # Vanity letters in a tel: link dial their keypad digits, wherever the page is.
        pytest.param(page('<a href="tel:1-888-OLD-RECT">Call</a>', lang="en-GB"),
                     ["+18886537328"], id="vanity-tel-link"),
        # A lower-case "ext" is an extension, not letters to dial.
        pytest.param(page('<a href="tel:+1 212 246 5520 ext 12">Call</a>', lang="en-US"),
                     ["+12122465520"], id="extension-is-not-vanity"),
        # A country label reads the national number in that country, not the page's.
        pytest.param(page("<p>Deutschland: 089 123456<br>Österreich: 0662 123456</p>",
                          lang="en"), ["+4989123456", "+43662123456"], id="country-labels"),
        # Greek labels are phone cues too.
        pytest.param(page("<p>Τηλ.: 22850 24567</p>", lang="el"), ["+302285024567"],
                     id="greek-label"),
        # Full-width digits and labels (Japanese pages).
        pytest.param(page("<p>ＴＥＬ：０５５５－７２－１２３４　ＦＡＸ：０５５５－７２－１２３５</p>",
                          lang="ja"), ["+81555721234"], id="full-width"),
    ],
)
def test_phones(html: str, phones: list[str]) -> None:
    assert analyze_html(html).phones == phones


@pytest.mark.parametrize(
    "href, expected",
    [
        # Link shims wrap the profile.
        pytest.param("https://l.facebook.com/l.php?u=https%3A%2F%2Fwww.instagram.com%2Fhotel%2F",
                     {"instagram": "https://www.instagram.com/hotel"}, id="facebook-link-shim"),
        pytest.param("https://www.google.com/url?q=https://www.facebook.com/hotelpost&sa=D",
                     {"facebook": "https://www.facebook.com/hotelpost"}, id="google-redirect"),
        # Old Twitter links put the name after "#!".
        pytest.param("https://twitter.com/#!/HotelPost",
                     {"twitter": "https://twitter.com/HotelPost"}, id="twitter-hashbang"),
        # A TikTok video is a post, often by someone else.
        pytest.param("https://www.tiktok.com/@traveller/video/7234567890123456789", {},
                     id="tiktok-video"),
        # The old "/pg/" address of a Facebook page.
        pytest.param("https://www.facebook.com/pg/HotelPost/about/",
                     {"facebook": "https://www.facebook.com/HotelPost"}, id="facebook-pg"),
    ],
)
def test_social_links(href: str, expected: dict[str, str]) -> None:
    assert analyze_html(page(f'<a href="{href}">x</a>')).social == expected


@pytest.mark.parametrize(
    "body, emails",
    [
        # Every recipient of a mailto: link, its query's included.
        pytest.param('<a href="mailto:?to=a@hotel-post.at&amp;cc=b@hotel-post.at&amp;'
                     'bcc=c@hotel-post.at&amp;subject=Hi">x</a>',
                     ["a@hotel-post.at", "b@hotel-post.at", "c@hotel-post.at"], id="mailto-query"),
        # Themes that build the link in JavaScript keep the address in a data attribute.
        pytest.param('<span data-email="gruppen@hotel-post.at">E-Mail</span>',
                     ["gruppen@hotel-post.at"], id="data-email"),
        # An address a script joins from literals is on the page for every visitor: joining
        # literals runs nothing and guesses nothing.
        pytest.param("<script>document.write('info' + '@' + 'hotel-post.at')</script>",
                     ["info@hotel-post.at"], id="script-concatenation"),
        pytest.param("<script>var u = 'rezeption', d = \"hotel-post.at\";\n"
                     "el.innerHTML = u + '&#64;' + d;</script>",
                     ["rezeption@hotel-post.at"], id="script-variables"),
        pytest.param("<script>var m = String.fromCharCode(105,110,102,111,64,104,111,116,101,108,"
                     "45,112,111,115,116,46,97,116);</script>", ["info@hotel-post.at"],
                     id="script-char-codes"),
        # A whole address in one literal is configuration (a developer's, a vendor's), unless
        # the script makes a mailto: link of it; a Sentry DSN is never an address.
        pytest.param("<script>var dev = 'dev@agency-web.de'; log('by ' + dev + ' v2');</script>",
                     [], id="script-config-literal"),
        pytest.param("<script>var a = 'buchung@hotel-post.at'; "
                     "link.href = 'mailto:' + a;</script>", ["buchung@hotel-post.at"],
                     id="script-mailto-of-literal"),
        pytest.param("<script>Sentry.init({dsn: 'https://' + key + '@' + "
                     "'o1.ingest.sentry.io/2'});</script>", [], id="script-sentry-dsn"),
        # Cloudflare's protected link may carry the mailto's query after the hex.
        pytest.param('<a href="/cdn-cgi/l/email-protection#0b6265654b636478667e6c256f6e'
                     '?subject=Hi">[email protected]</a>', ["inn@hosmug.de"],
                     id="cfemail-with-query"),
    ],
)
def test_emails(body: str, emails: list[str]) -> None:
    assert analyze_html(page(body)).emails == emails


@pytest.mark.parametrize(
    "head, cms",
    [
        # Drupal repeats its X-Generator header as a meta http-equiv.
        pytest.param('<meta http-equiv="X-Generator" content="Drupal 9 (https://www.drupal.org)">',
                     "Drupal", id="x-generator"),
        # Internet Explorer stamps every page it saves: the browser, not the site's system.
        pytest.param('<meta name="GENERATOR" content="MSHTML 11.00.10570.1001">', None,
                     id="saving-browser-is-no-cms"),
    ],
)
def test_cms_from_meta(head: str, cms: str | None) -> None:
    assert analyze_html(page("", head)).cms == cms


@pytest.mark.parametrize(
    "html, cms",
    [
        # Hardened sites remove the generator tag; each system still leaves its traces.
        pytest.param(page("", '<link href="/media/templates/site/cassiopeia/css/template.min.css"'
                              ' rel="stylesheet">'), "Joomla", id="joomla4-media-path"),
        pytest.param(page('<a href="/zimmer" data-drupal-link-system-path="node/3">Zimmer</a>'),
                     "Drupal", id="drupal-attributes"),
        pytest.param(page("", "<!--\n\tThis website is powered by TYPO3 - inspiring people to "
                              "share!\n-->"), "TYPO3", id="typo3-comment"),
        # Naming TYPO3 in the text is no trace.
        pytest.param(page("<p>Our agency builds sites with TYPO3 and WordPress.</p>"), None,
                     id="cms-named-in-text"),
    ],
)
def test_cms_without_generator(html: str, cms: str | None) -> None:
    assert analyze_html(html).cms == cms


@pytest.mark.parametrize(
    "body, engine",
    [
        # A tracking redirect carries the booking link percent-encoded in its query.
        pytest.param('<a href="/out?u=https%3A%2F%2Fbe.synxis.com%2F%3Fhotel%3D1">Book</a>',
                     "SynXis (Sabre)", id="percent-encoded-redirect"),
        # Profitroom serves its booking panel from upperbooking.com.
        pytest.param('<script src="https://wis.upperbooking.com/hotelpost/be-panel"></script>',
                     "Profitroom", id="profitroom-upperbooking"),
    ],
)
def test_booking_engines(body: str, engine: str) -> None:
    assert analyze_html(page(body)).booking_engine == engine


def test_consent_dialogs_are_not_the_hotel() -> None:
    # A consent manager lists its vendors' addresses and contacts; the hotel's footer counts.
    dialog = ('<div id="CybotCookiebotDialog"><p>Google Ireland Limited, Gordon House, Barrow '
              "Street, Dublin 4. Fragen: privacy@cookie-vendor.com, Tel. +45 50 12 34 56</p>"
              '<a href="https://www.facebook.com/cookievendor">Vendor</a></div>')
    footer = "<footer>Talstraße 14, 79822 Titisee · Tel. 07651 93870 · info@hotel-linde.de</footer>"
    result = analyze_html(page(dialog + footer, lang="de"))
    assert result.phones == ["+49765193870"]
    assert result.emails == ["info@hotel-linde.de"]
    assert result.social == {}
    assert result.address == "Talstraße 14, 79822 Titisee"


def test_a_theme_wrapping_the_page_in_a_consent_container_keeps_the_page() -> None:
    body = '<div id="cookie-notice"><main><p>Tel. +49 30 1234567</p></main></div>'
    assert analyze_html(page(body)).phones == ["+49301234567"]


def test_open_graph_business_tags_are_a_contact_card() -> None:
    head = "".join(
        f'<meta property="business:contact_data:{key}" content="{value}">'
        for key, value in (("street_address", "Lieu-dit Le Moulin"), ("locality", "Montignac"),
                           ("postal_code", "24290"), ("country_name", "France"),
                           ("phone_number", "05 53 12 34 56"),
                           ("email", "contact@chambres-moulin.fr"))
    )
    result = analyze_html(page("", head))
    # The country names the region its national number is read in.
    assert result.phones == ["+33553123456"]
    assert result.emails == ["contact@chambres-moulin.fr"]
    assert result.address == "Lieu-dit Le Moulin, 24290 Montignac, France"


@pytest.mark.parametrize(
    "document, expected",
    [
        # A telephone given as a ContactPoint object stands for its number.
        pytest.param({"@type": "Hotel", "name": "Hotel Post", "telephone": {
            "@type": "ContactPoint", "telephone": "+43 512 123456"}},
            {"telephone": "+43 512 123456"}, id="telephone-contactpoint-object"),
        # ["LodgingBusiness", "Hotel"]: the specific type names the business.
        pytest.param({"@type": ["LodgingBusiness", "Hotel"], "name": "Hotel Post"},
                     {"type": "Hotel"}, id="specific-type-wins"),
    ],
)
def test_structured_data_values(document: dict, expected: dict) -> None:
    schema = analyze_html(page("", ld(document))).schema_org
    assert {key: schema[key] for key in expected} == expected


@pytest.mark.parametrize(
    "body, address",
    [
        # The tail of a phone number on the line above is no house number.
        pytest.param("<p>Tél. 04 90 12 34 56</p><p>Chemin des Oliviers, 13210 Saint-Rémy</p>",
                     None, id="phone-digits-are-no-house-number"),
        # Polish postcodes ("34-500") mark an address line too.
        pytest.param("<p>ul. Kościuszki 15, 34-500 Zakopane</p>",
                     "ul. Kościuszki 15, 34-500 Zakopane", id="polish-postcode"),
    ],
)
def test_addresses(body: str, address: str | None) -> None:
    assert analyze_html(page(body)).address == address


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\xef\xbb\xbf\r\n", id="utf8-bom-and-line-break"),
        pytest.param(b"\xff\xfe\n\x00 \x00", id="utf16-bom-and-spaces"),
    ],
)
def test_a_byte_order_mark_alone_is_an_empty_file(tmp_path, data: bytes) -> None:
    saved = tmp_path / "index.html"
    saved.write_bytes(data)
    assert analyze_file(saved) == {"input": str(saved), "error": "empty file"}
