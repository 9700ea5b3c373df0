"""The sandbox hotel websites: the variety mix is deterministic and as documented, and the pages
carry what the enrichment has to find. Mostly through ``HotelWebsites.handle`` (no sockets), plus
one real HTTP round trip."""

from __future__ import annotations

import html
from collections import Counter

import httpx
import pytest

from sandbox.sample_data import hotels
from sandbox.websites import (
    BROKEN_HTML,
    CHAIN_PAGE,
    HARD_CASES,
    NORMAL,
    HotelWebsites,
    cloudflare_encode,
)


@pytest.fixture(scope="module")
def sites() -> HotelWebsites:
    return HotelWebsites()


def _page(sites: HotelWebsites, hotel_id: str, path: str) -> str:
    hotel = sites.hotel(hotel_id)
    reply = sites.handle(f"www.{hotel.domain}", path)
    assert reply.status == 200, (hotel_id, path, reply.status)
    return reply.body.decode("utf-8")


def test_variant_counts_match_the_documented_mix(sites):
    counts = Counter(p.variant for p in sites.profiles())
    on_chain_sites = sum(1 for h in hotels() if "/hotels/" in h.website)
    assert counts[CHAIN_PAGE] == on_chain_sites == 29
    for variant, expected in HARD_CASES:
        assert counts[variant] == expected, variant
    assert counts[NORMAL] == len(hotels()) - on_chain_sites - sum(n for _, n in HARD_CASES)
    assert counts[NORMAL] > 120


def test_soft_variety(sites):
    own = [p for p in sites.profiles() if p.variant != CHAIN_PAGE]
    assert sum(p.publishes_contact for p in own) == len(own) // 2
    styles = Counter(p.email_style for p in own if p.publishes_contact)
    assert set(styles) == {"mailto", "obfuscated", "cfemail"} and min(styles.values()) >= 10
    assert Counter(p.contact_page for p in own if p.publishes_contact).keys() == {
        "team", "contact", "legal"}
    assert 0.75 < sum(p.generic_email is not None for p in own) / len(own) < 0.95
    assert {p.jsonld for p in own} == {"plain", "graph", "invalid", None}
    assert 10 < sum(p.microdata for p in own) < 60
    assert {"synxis", "siteminder", "cloudbeds", "mews", "d-edge"} <= {p.booking_engine
                                                                       for p in own}
    assert {"wordpress", "wix", "typo3", "squarespace", "joomla"} <= {p.cms for p in own}
    assert {p.phone_style for p in own} == {"national", "international"}
    assert {p.lang for p in own} == {"en", "de", "fr", "es", "it", "nl", "pt"}


def test_profiles_are_deterministic():
    assert HotelWebsites().profiles() == HotelWebsites().profiles()
    assert HotelWebsites(seed=8).profiles() != HotelWebsites().profiles()


def test_routes_cover_every_website_host(sites):
    with sites:
        routes = dict(entry.split("=") for entry in sites.routes().split(","))
        assert set(routes.values()) == {f"127.0.0.1:{sites.port}"}
    for hotel in hotels():
        assert httpx.URL(hotel.website).host in routes
        assert hotel.domain in routes and f"www.{hotel.domain}" in routes


def test_contact_person_is_published_in_the_chosen_style(sites):
    checked: Counter[str] = Counter()
    for profile in sites.profiles():
        if not profile.publishes_contact or profile.variant != NORMAL:
            continue
        hotel = sites.hotel(profile.hotel_id)
        assert profile.contact_page is not None
        path = sites.page_path(hotel.id, profile.contact_page)
        page = html.unescape(_page(sites, hotel.id, path))
        assert f"{hotel.contact_first} {hotel.contact_last}" in page
        local, _, domain = hotel.contact_email.partition("@")
        if profile.email_style == "mailto":
            assert f"mailto:{hotel.contact_email}" in page
        elif profile.email_style == "obfuscated":
            assert f"{local} [at] {domain.replace('.', ' [dot] ')}" in page
        else:
            assert hotel.contact_email not in page
            encoded = page.split('data-cfemail="', 1)[1].split('"', 1)[0]
            key = int(encoded[:2], 16)
            assert cloudflare_encode(hotel.contact_email, key) == encoded
        checked[profile.email_style] += 1
    assert len(checked) == 3


def test_home_pages_carry_title_lang_nav_and_markers(sites):
    hotel = sites.with_variant(NORMAL)[0]
    profile = sites.profile(hotel.id)
    page = _page(sites, hotel.id, "/")
    assert f'<html lang="{profile.lang}">' in page
    assert "<title>" in page and 'name="description"' in page
    assert 'href="/contact"' in page and 'href="/legal-notice"' in page
    german = next(h for h in sites.with_variant(NORMAL) if sites.profile(h.id).lang == "de")
    assert sites.page_path(german.id, "legal") == "/impressum"
    assert 'href="/impressum"' in _page(sites, german.id, "/")
    assert "Impressum" in _page(sites, german.id, "/impressum")
    broken = sites.with_variant(BROKEN_HTML)[0]
    assert "</html>" not in _page(sites, broken.id, "/")


def test_chain_property_pages_and_unknown_hosts(sites):
    hotel = next(h for h in hotels() if "/hotels/" in h.website)
    url = httpx.URL(hotel.website)
    reply = sites.handle(url.host, url.path)
    assert reply.status == 200 and html.escape(hotel.name) in reply.body.decode()
    assert sites.handle(url.host, url.path + "/contact").status == 200
    assert sites.handle("unknown.example", "/").status == 404
    assert sites.handle(f"www.{sites.with_variant(NORMAL)[0].domain}", "/nope").status == 404


def test_served_over_http_by_host_header():
    hotel = hotels()[0]
    with HotelWebsites() as sites, httpx.Client(base_url=sites.url) as client:
        response = client.get("/", headers={"Host": f"www.{hotel.domain}"})
        assert sites.request_count == 1
    assert response.status_code == 200
    assert html.escape(hotel.name) in response.text
