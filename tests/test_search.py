"""Web search end to end: the real ``WebSearch`` client against the loopback DuckDuckGo sandbox
(``sandbox.search_api.SearchServer`` on 127.0.0.1), over real sockets and the real throttle.

The accuracy test is the one that matters: across every sample hotel, the search plus
``choose_website`` finds the hotel's own site and never settles for an OTA, review site, social
page or directory.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from jengu_assets.enrichment.website_finder import (
    CHAIN_PROPERTY,
    EXCLUDED_KINDS,
    choose_website,
    classify_url,
    registered_domain,
    search_query,
)
from jengu_resources.search import (
    SEARCH_PROVIDERS,
    DuckDuckGo,
    ProviderError,
    SearchClient,
    SearchResult,
    WebSearch,
    parse_duckduckgo_html,
    provider_class,
    unwrap_duckduckgo_url,
)
from sandbox.search_api import SearchServer

FAST = dict(requests_per_second=500.0, max_concurrency=16, backoff_seconds=0.01)


@pytest.fixture(scope="module")
def server():
    with SearchServer() as srv:
        yield srv


def web_search(srv: SearchServer, **overrides) -> WebSearch:
    return WebSearch(base_url=srv.url, **{**FAST, **overrides})


def search(resource: WebSearch, query: str, **kw) -> list[SearchResult]:
    async def main():
        async with resource.client() as client:
            return await client.search(query, **kw)

    return asyncio.run(main())


# -- parsing ------------------------------------------------------------------------------------

PAGE = """<html><body><div id="links" class="results">
<div class="result results_links results_links_deep result--ad">
  <h2 class="result__title"><a class="result__a"
     href="https://duckduckgo.com/y.js?ad_domain=booking.com&amp;u3=x">Hotels | Booking.com</a></h2>
  <a class="result__snippet" href="#">Ad</a>
</div>
<div class="result results_links results_links_deep web-result ">
  <h2 class="result__title"><a rel="nofollow" class="result__a"
     href="//duckduckgo.com/l/?uddg=https%3A%2F%2Fwww.hotel-adler.de%2Fde%2F%3Fa%3D1%26b%3D2&amp;rut=abc"
     >Hotel <b>Adler</b>   München</a></h2>
  <a class="result__snippet" href="#">Willkommen im <b>Hotel Adler</b>.</a>
</div>
<div class="result results_links results_links_deep web-result ">
  <h2 class="result__title"><a class="result__a" href="https://www.booking.com/hotel/de/adler.html"
     >Hotel Adler, Munich</a></h2>
  <div class="result__snippet">Located in Munich.</div>
</div>
<div class="result results_links web-result">
  <h2><a class="result__a" href="/about">DDG</a></h2>
</div>
</div></body></html>"""


def test_parse_unwraps_redirects_skips_ads_and_collapses_text():
    results = parse_duckduckgo_html(PAGE)
    assert results == [
        SearchResult(1, "Hotel Adler München", "https://www.hotel-adler.de/de/?a=1&b=2",
                     "Willkommen im Hotel Adler."),
        SearchResult(2, "Hotel Adler, Munich", "https://www.booking.com/hotel/de/adler.html",
                     "Located in Munich."),
    ]


@pytest.mark.parametrize(
    "href, expected",
    [
        ("//duckduckgo.com/l/?uddg=https%3A%2F%2Fa.de%2F&rut=1", "https://a.de/"),
        ("https://duckduckgo.com/l/?uddg=http%3A%2F%2Fa.de%2Fx", "http://a.de/x"),
        ("/l/?uddg=https%3A%2F%2Fa.de%2F", "https://a.de/"),
        ("https://duckduckgo.com/y.js?ad_domain=a.de", None),  # an ad
        ("javascript:void(0)", None),
        ("https://a.de/", "https://a.de/"),
    ],
)
def test_unwrap_duckduckgo_url(href, expected):
    assert unwrap_duckduckgo_url(href) == expected


def test_a_page_without_results_or_no_results_marker_is_an_error():
    # a silent [] would read as "this hotel has no website" when the markup changed
    with pytest.raises(ValueError, match="neither results nor a no-results marker"):
        parse_duckduckgo_html("<html><body><p>Welcome</p></body></html>")


def test_results_match_the_servers_page_in_order(server):
    # find a page with an ad and both wrapped and plain links, as the real page mixes them
    resource = web_search(server)
    for hotel in server.hotels:
        query = search_query(hotel.name, hotel.city, hotel.country)
        raw = httpx.post(server.url + "/html/", data={"q": query}).text
        if "result--ad" in raw and "uddg=" in raw and 'class="result__a" href="https' in raw:
            break
    else:
        pytest.fail("the sandbox never mixes ads, wrapped and plain links")
    results = search(resource, query)
    assert [r.url for r in results] == [h.url for h in server.results_for(hotel.id)]
    # the GET form of the endpoint answers the same page
    page = httpx.get(server.url + "/html/", params={"q": query}).text
    assert parse_duckduckgo_html(page) == results
    assert [r.rank for r in results] == list(range(1, len(results) + 1))
    assert all(r.title and "<b>" not in r.title and r.snippet for r in results)
    assert not any("duckduckgo.com" in r.url for r in results)


def test_max_results(server):
    hotel = server.hotels[0]
    results = search(web_search(server, max_results=3),
                     search_query(hotel.name, hotel.city, hotel.country))
    assert len(results) == 3


def test_no_results_page(server):
    assert search(web_search(server), "Grand Hotel Nowhere Atlantis official website") == []
    assert server.requests[-1].status == 200


@pytest.mark.parametrize(
    "default, override, sent",
    [
        ("", None, ""),  # no region: DuckDuckGo's worldwide results
        ("de-de", None, "de-de"),  # the resource default
        ("", "DE", "de-de"),  # an ISO country code is translated
        ("us-en", "GB", "uk-en"),  # a per-query region overrides the default
        ("", "fr-fr", "fr-fr"),  # a DuckDuckGo code passes through
    ],
)
def test_region_is_sent_as_kl(server, default, override, sent):
    search(web_search(server, region=default), "Hotel Adler München", region=override)
    assert server.requests[-1].region == sent
    assert server.requests[-1].method == "POST"


# -- rate limiting ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [202, 403])
def test_bot_challenge_is_retried(status):
    with SearchServer(fail_first=2, fail_status=status) as srv:
        hotel = srv.hotels[0]

        async def main():
            async with web_search(srv).client() as client:
                found = await client.search(search_query(hotel.name, hotel.city, hotel.country))
                return found, client.provider.stats

        results, stats = asyncio.run(main())
    assert [r.url for r in results] == [h.url for h in srv.results_for(hotel.id)]
    assert [r.status for r in srv.requests] == [status, status, 200]
    assert stats.retries == 2 and stats.failures == 0


def test_persistent_bot_challenge_fails_with_a_clear_error():
    with SearchServer(fail_first=10) as srv:
        with pytest.raises(ProviderError) as caught:
            search(web_search(srv, max_attempts=3), "Hotel Adler München")
    assert caught.value.status == 202 and caught.value.attempts == 3
    assert "bot challenge (HTTP 202 anomaly page) after 3 attempts" in str(caught.value)
    assert srv.request_count == 3


def test_other_client_errors_are_not_retried(server):
    resource = WebSearch(base_url=server.url + "/nothing-here", **FAST)
    with pytest.raises(ProviderError) as caught:
        search(resource, "Hotel Adler")
    assert caught.value.status == 404


# -- providers ----------------------------------------------------------------------------------


def test_unknown_provider_names_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown search provider 'bing' \(known: duckduckgo\)"):
        search(WebSearch(provider="bing"), "Hotel Adler")


def test_provider_lookup_is_case_insensitive():
    assert provider_class(" DuckDuckGo ") is DuckDuckGo


def test_another_provider_is_one_class(monkeypatch):
    class Canned(SearchClient):
        name = "canned"
        default_base_url = "https://search.example"

        async def search(self, query, *, region=None):
            response = await self.provider.call(
                lambda: self.http.get(self.settings.base_url + "/q", params={"q": query})
            )
            return [SearchResult(1, query, response.json()["url"], self.settings.api_key or "")]

    monkeypatch.setitem(SEARCH_PROVIDERS, "canned", Canned)
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"url": "https://a.de/"}))
    resource = WebSearch(provider="canned", base_url="https://search.example", api_key="k", **FAST)

    async def main():
        async with resource.client(transport=transport) as client:
            return await client.search("Hotel Adler"), client.provider.name

    results, provider_name = asyncio.run(main())
    assert results == [SearchResult(1, "Hotel Adler", "https://a.de/", "k")]
    assert provider_name == "canned"


# -- accuracy over the whole sample -------------------------------------------------------------


def _is_official(url: str, official: tuple[str, ...]) -> bool:
    """Same registered domain as the hotel's own site, or exactly its page on the chain's site."""
    for expected in official:
        if classify_url(expected) == CHAIN_PROPERTY:
            if url.rstrip("/") == expected.rstrip("/"):
                return True
        elif registered_domain(httpx.URL(url).host) == registered_domain(httpx.URL(expected).host):
            return True
    return False


def test_finds_the_official_site_of_every_sample_hotel(server):
    resource = web_search(server)

    async def main():
        async with resource.client() as client:
            async def one(hotel):
                results = await client.search(
                    search_query(hotel.name, hotel.city, hotel.country), region=hotel.country
                )
                choice = await choose_website(
                    results, company_name=hotel.name, city=hotel.city, country=hotel.country
                )
                return hotel, results, choice

            return await asyncio.gather(*(one(h) for h in server.hotels))

    outcomes = asyncio.run(main())
    with_site = [o for o in outcomes if server.has_official_site(o[0].id)]
    without_site = [o for o in outcomes if not server.has_official_site(o[0].id)]

    # the sandbox is as hard as promised: namesakes, OTAs above the hotel, no site at all
    assert 5 <= len(without_site) <= 15
    assert sum(1 for _, results, _ in with_site
               if classify_url(results[0].url) != "candidate") > len(with_site) // 3
    assert any(h.kind == "namesake" for o in with_site for h in server.results_for(o[0].id))

    right = [h.id for h, _, choice in with_site
             if choice.url and _is_official(choice.url, server.official_urls(h.id))]
    wrong = {h.id: (choice.url, choice.reason) for h, _, choice in with_site
             if h.id not in right}
    assert len(right) >= 0.95 * len(with_site), wrong
    assert all(choice.kind not in EXCLUDED_KINDS for _, _, choice in outcomes)
    assert all(classify_url(choice.url) not in EXCLUDED_KINDS
               for _, _, choice in outcomes if choice.url)
    # with only OTAs and namesakes to choose from, nothing is the right answer
    assert {h.id: choice.url for h, _, choice in without_site} == {
        h.id: None for h, _, _ in without_site
    }
    assert all(choice.reason for _, _, choice in without_site)


def test_concurrency_stays_within_the_limit_under_latency():
    with SearchServer(latency_seconds=0.1) as srv:
        hotels = srv.hotels[:12]
        resource = WebSearch(base_url=srv.url, requests_per_second=200.0, max_concurrency=4)

        async def main():
            async with resource.client() as client:
                return await asyncio.gather(*(
                    client.search(search_query(h.name, h.city, h.country)) for h in hotels
                ))

        pages = asyncio.run(main())
    assert all(pages) and srv.request_count == 12
    # slow answers overlap, but never more of them than the resource allows
    assert 2 <= srv.peak_in_flight <= 4


def test_query_quoting_survives_the_wire(server):
    # a name with an apostrophe and an ampersand reaches the server as typed
    search(web_search(server), "Rose & Crown O'Brien's Inn")
    assert server.requests[-1].query == "Rose & Crown O'Brien's Inn"
