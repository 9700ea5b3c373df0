"""The safe fetcher against real loopback HTTP servers (the sandbox hotel websites and a small
probe server) with a fake resolver; nothing here touches the outside network.

Non-route loopback servers stand in for internal services: a test that must be refused also
checks that such a server never saw a request.
"""

from __future__ import annotations

import asyncio
import html
import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from jengu_resources.fetcher import (
    FetchError,
    FetchResult,
    SafeFetcher,
    is_public_address,
    normalise_url,
    parse_numeric_host,
    parse_routes,
)
from jengu_resources.paths import JenguHome
from jengu_resources.text_decoding import decode_html
from sandbox.websites import (
    CP1252,
    DEAD_503,
    DEAD_CLOSED,
    HUGE,
    NORMAL,
    PDF,
    REDIRECT,
    REDIRECT_LOOP,
    SLOW,
    HotelWebsites,
)

SLOW_SECONDS = 1.0


# -- servers -------------------------------------------------------------------------------------


class Probe:
    """A loopback server with test endpoints: ``/redirect?to=URL``, ``/sleep?s=SECONDS`` (counts
    requests in flight), anything else a small HTML page."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._httpd = _ProbeServer(("127.0.0.1", 0), _ProbeHandler)
        self._httpd.probe = self
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> "Probe":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    def enter(self, host: str, path: str) -> None:
        with self._lock:
            self.requests.append((host, path))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        with self._lock:
            self.in_flight -= 1


class _ProbeServer(ThreadingHTTPServer):
    daemon_threads = True
    probe: Probe

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class _ProbeHandler(BaseHTTPRequestHandler):
    server: _ProbeServer

    def do_GET(self) -> None:
        probe = self.server.probe
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        probe.enter(self.headers.get("Host", ""), self.path)
        try:
            if parts.path == "/redirect":
                self._send(302, b"", {"Location": query["to"]})
                return
            if parts.path == "/sleep":
                time.sleep(float(query.get("s", "0.1")))
            self._send(200, b"<!doctype html><title>probe</title><p>hello</p>",
                       {"Content-Type": "text/html; charset=utf-8"})
        finally:
            probe.leave()

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FakeResolver:
    """Hostname -> addresses from a table; records every lookup."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table, self.calls = table, []

    async def __call__(self, host: str) -> list[str]:
        self.calls.append(host)
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.table[host]


RESOLVER_TABLE = {
    "intranet.example": ["10.0.0.5"],
    "mixed.example": ["93.184.215.14", "10.0.0.5"],
    "loopback6.example": ["::1"],
    "mapped.example": ["::ffff:169.254.169.254"],
    "nat64.example": ["64:ff9b::a00:5"],
    "shared.example": ["100.64.1.1"],
    "public.example": ["93.184.215.14"],
}


@pytest.fixture(scope="module")
def websites() -> Iterator[HotelWebsites]:
    with HotelWebsites(slow_seconds=SLOW_SECONDS) as sites:
        yield sites


@pytest.fixture(scope="module")
def probe() -> Iterator[Probe]:
    with Probe() as server:
        yield server


@pytest.fixture(scope="module")
def victim() -> Iterator[Probe]:
    """An 'internal service' on loopback that no route points to."""
    with Probe() as server:
        yield server


@pytest.fixture
def make_fetcher(home: JenguHome, websites: HotelWebsites, probe: Probe):
    routes = f"{websites.routes()},probe.test=127.0.0.1:{probe.port}"

    def make(**overrides: Any) -> SafeFetcher:
        settings: dict[str, Any] = {
            "sandbox_routes": routes, "requests_per_second": 500.0, "max_attempts": 2,
            "backoff_seconds": 0.01, "total_timeout_seconds": 5.0,
        }
        settings.update(overrides)
        return SafeFetcher(**settings)

    return make


def fetch_all(fetcher: SafeFetcher, urls: list[str], *, resolver: FakeResolver | None = None,
              clock: Any = None, use_cache: bool = True) -> list[FetchResult | FetchError]:
    """Fetch in one session; each outcome is the result or the FetchError."""

    async def main() -> list[FetchResult | FetchError]:
        kwargs: dict[str, Any] = {"resolver": resolver or FakeResolver(RESOLVER_TABLE)}
        if clock is not None:
            kwargs["clock"] = clock
        async with fetcher.session(**kwargs) as session:
            return list(await asyncio.gather(
                *(session.fetch(u, use_cache=use_cache) for u in urls), return_exceptions=True
            ))

    outcomes = asyncio.run(main())
    for outcome in outcomes:
        if isinstance(outcome, BaseException) and not isinstance(outcome, FetchError):
            raise outcome
    return outcomes  # type: ignore[return-value]


def fetch_one(fetcher: SafeFetcher, url: str, **kwargs: Any) -> FetchResult | FetchError:
    return fetch_all(fetcher, [url], **kwargs)[0]


def reasons(outcomes: list[FetchResult | FetchError]) -> list[str]:
    return [o.reason if isinstance(o, FetchError) else "ok" for o in outcomes]


def ok(outcome: FetchResult | FetchError) -> FetchResult:
    assert isinstance(outcome, FetchResult), f"expected a page, got {outcome!r}"
    return outcome


def error(outcome: FetchResult | FetchError, reason: str) -> FetchError:
    assert isinstance(outcome, FetchError), f"expected {reason}, got a page: {outcome!r}"
    assert outcome.reason == reason, str(outcome)
    return outcome


# -- SSRF ----------------------------------------------------------------------------------------


def test_literal_private_addresses_are_refused_without_lookup_or_connection(
    make_fetcher, victim: Probe
):
    port = victim.port
    urls = [
        f"http://127.0.0.1:{port}/", f"http://[::1]:{port}/", f"http://2130706433:{port}/",
        f"http://0x7f.1:{port}/", f"http://0177.0.0.1:{port}/", f"http://127.1:{port}/",
        f"http://0x7f000001:{port}/", f"http://[::ffff:127.0.0.1]:{port}/",
        f"http://[::ffff:7f00:1]:{port}/", f"https://127.0.0.1.:{port}/",
        "http://10.1.2.3/", "http://192.168.0.1:8080/admin", "http://172.16.5.4/",
        "http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://[fc00::1]/",
        "http://[fd12:3456::1]/", "http://[64:ff9b::a9fe:a9fe]/", "http://[2002:a00:1::]/",
        "http://100.64.0.1/", "http://0.0.0.0/", "http://0/", "http://224.0.0.1/",
        "http://240.0.0.1/", "http://[::]/", "http://[ff02::1]/",
    ]
    resolver = FakeResolver({})
    outcomes = fetch_all(make_fetcher(), urls, resolver=resolver)
    assert reasons(outcomes) == ["blocked_address"] * len(urls)
    assert resolver.calls == []
    assert victim.request_count == 0
    assert "169.254.169.254" in str(outcomes[13])


@pytest.mark.parametrize("host", sorted(set(RESOLVER_TABLE) - {"public.example"}))
def test_hostnames_resolving_to_private_addresses_are_refused(make_fetcher, host):
    resolver = FakeResolver(RESOLVER_TABLE)
    failure = error(fetch_one(make_fetcher(), f"https://{host}/page", resolver=resolver),
                    "blocked_address")
    assert resolver.calls == [host]
    assert host in str(failure)


def test_one_private_address_among_public_ones_is_enough_to_refuse(make_fetcher):
    failure = error(fetch_one(make_fetcher(), "http://mixed.example/"), "blocked_address")
    assert "10.0.0.5" in str(failure)


def test_unknown_hostname_is_a_dns_error(make_fetcher):
    error(fetch_one(make_fetcher(), "https://no-such-hotel.example/"), "dns_error")


@pytest.mark.parametrize("url", [
    "ftp://example.com/file", "javascript:alert(1)", "http://user:pw@example.com/",
    "http://example.com@127.0.0.1/", "http:///nohost", "http://999.1.1.1/",
    "http://1.2.3.4.5/", "http://example.com:99999/", "http://exa mple.com/", "mailto:a@b.c",
])
def test_malformed_urls_are_bad_urls(make_fetcher, url):
    error(fetch_one(make_fetcher(), url), "bad_url")


def test_connects_to_the_checked_address_with_host_header_and_sni(make_fetcher):
    """The hostname is resolved once and the connection goes to that address: a second lookup
    (DNS rebinding) has no chance to substitute another one."""
    seen: list[httpx.Request] = []
    resolver = FakeResolver(RESOLVER_TABLE)

    async def main() -> FetchResult:
        async with make_fetcher().session(resolver=resolver) as session:
            async def send(request: httpx.Request, **kwargs: Any) -> httpx.Response:
                seen.append(request)
                return httpx.Response(200, headers={"Content-Type": "text/html"},
                                      content=b"<p>ok</p>", request=request)

            session.client.send = send  # type: ignore[method-assign]
            return await session.fetch("https://Public.Example/path?q=1#frag")

    result = asyncio.run(main())
    assert resolver.calls == ["public.example"]
    (request,) = seen
    assert request.url.host == "93.184.215.14" and request.url.scheme == "https"
    assert request.headers["Host"] == "public.example"
    assert request.extensions["sni_hostname"] == "public.example"
    assert request.url.raw_path == b"/path?q=1"
    assert result.final_url == "https://public.example/path?q=1"


def test_redirect_from_a_route_to_an_unrouted_loopback_server_is_refused(
    make_fetcher, victim: Probe
):
    targets = [f"http://127.0.0.1:{victim.port}/", f"http://localhost.test:{victim.port}/",
               "http://169.254.169.254/latest/meta-data/", "http://intranet.example/",
               f"http://[::ffff:127.0.0.1]:{victim.port}/"]
    resolver = FakeResolver({**RESOLVER_TABLE, "localhost.test": ["127.0.0.1"]})
    outcomes = fetch_all(make_fetcher(), [f"http://probe.test/redirect?to={t}" for t in targets],
                         resolver=resolver)
    assert reasons(outcomes) == ["blocked_address"] * len(targets)
    assert "redirect to" in str(outcomes[0])
    assert victim.request_count == 0


def test_redirect_to_a_non_http_scheme_is_a_bad_url(make_fetcher):
    error(fetch_one(make_fetcher(), "http://probe.test/redirect?to=file:///etc/passwd"), "bad_url")


def test_redirect_to_a_sandbox_route_host_is_followed(make_fetcher, websites: HotelWebsites):
    hotel = websites.with_variant(NORMAL)[0]
    target = f"https://www.{hotel.domain}/"
    result = ok(fetch_one(make_fetcher(), f"https://probe.test/redirect?to={target}"))
    assert result.final_url == target
    assert result.redirects == [f"https://probe.test/redirect?to={target}"]
    assert hotel.name in html.unescape(result.text)


def test_sandbox_routes_must_name_an_address_and_port():
    assert parse_routes(" a.test=127.0.0.1:8080 , B.test=[::1]:81,") == {
        "a.test": ("127.0.0.1", 8080), "b.test": ("::1", 81)}
    for spec in ("a.test", "a.test=localhost:80", "a.test=127.0.0.1"):
        with pytest.raises(ValueError):
            parse_routes(spec)


def test_address_and_host_helpers():
    assert parse_numeric_host("2130706433") == ipaddress.ip_address("127.0.0.1")
    assert parse_numeric_host("0x7f.0.0.1") == ipaddress.ip_address("127.0.0.1")
    assert parse_numeric_host("0177.0.0.01") == ipaddress.ip_address("127.0.0.1")
    assert parse_numeric_host("10.1") == ipaddress.ip_address("10.0.0.1")
    assert parse_numeric_host("hotel.de") is None
    with pytest.raises(ValueError):
        parse_numeric_host("1.256.1.1")
    for public in ("8.8.8.8", "93.184.215.14", "2606:4700::1111", "64:ff9b::808:808"):
        assert is_public_address(ipaddress.ip_address(public)), public
    for private in ("100.127.255.255", "198.18.0.1", "::ffff:10.0.0.1", "2002:c0a8:101::",
                    "fec0::1", "64:ff9b:1::1", "::7f00:1"):
        assert not is_public_address(ipaddress.ip_address(private)), private
    assert normalise_url("HTTPS://WWW.Hotel.DE:443/a b?x=1#top") == "https://www.hotel.de/a%20b?x=1"
    assert normalise_url("http://münchen.example") == "http://xn--mnchen-3ya.example/"


# -- redirects -----------------------------------------------------------------------------------


def test_redirect_chains_are_followed_and_the_final_url_recorded(make_fetcher, websites):
    hotels = websites.with_variant(REDIRECT)
    outcomes = fetch_all(make_fetcher(), [h.website for h in hotels])
    hops = set()
    for hotel, outcome in zip(hotels, outcomes):
        result, profile = ok(outcome), websites.profile(hotel.id)
        assert result.url == hotel.website
        assert result.final_url == profile.home_url
        assert len(result.redirects) == profile.redirect_hops
        assert result.redirects[0] == hotel.website + "/"
        assert hotel.name in html.unescape(result.text)
        hops.add(profile.redirect_hops)
    assert hops == {1, 2, 3}


def test_redirect_loop_and_redirect_limit(make_fetcher, websites):
    (looping,) = websites.with_variant(REDIRECT_LOOP)
    failure = error(fetch_one(make_fetcher(), looping.website), "too_many_redirects")
    assert looping.website in str(failure)
    three = next(h for h in websites.with_variant(REDIRECT)
                 if websites.profile(h.id).redirect_hops == 3)
    error(fetch_one(make_fetcher(max_redirects=2), three.website), "too_many_redirects")
    assert len(ok(fetch_one(make_fetcher(max_redirects=3), three.website)).redirects) == 3


# -- limits --------------------------------------------------------------------------------------


def test_huge_pages_are_cut_off_with_or_without_content_length(make_fetcher, websites):
    hotels = websites.with_variant(HUGE)
    assert {websites.profile(h.id).content_length for h in hotels} == {True, False}
    outcomes = fetch_all(make_fetcher(), [h.website for h in hotels])
    assert reasons(outcomes) == ["too_large"] * len(hotels)
    small = websites.with_variant(NORMAL)[1]
    error(fetch_one(make_fetcher(max_bytes=500), small.website), "too_large")


def test_slow_page_hits_the_total_timeout(make_fetcher, websites):
    hotel = websites.with_variant(SLOW)[0]
    started = time.monotonic()
    failure = error(fetch_one(make_fetcher(total_timeout_seconds=0.3), hotel.website), "timeout")
    assert time.monotonic() - started < SLOW_SECONDS
    assert "0.3 s" in str(failure)
    assert ok(fetch_one(make_fetcher(total_timeout_seconds=SLOW_SECONDS + 2), hotel.website))


def test_pdf_home_page_is_refused_by_content_type(make_fetcher, websites):
    outcomes = fetch_all(make_fetcher(), [h.website for h in websites.with_variant(PDF)])
    assert reasons(outcomes) == ["content_type"] * 3
    assert "application/pdf" in str(outcomes[0])


def test_dead_sites(make_fetcher, websites):
    closed, unavailable = websites.with_variant(DEAD_CLOSED), websites.with_variant(DEAD_503)
    outcomes = fetch_all(make_fetcher(), [h.website for h in closed + unavailable])
    assert reasons(outcomes) == ["connect_error"] * len(closed) + ["http_status"] * len(unavailable)
    assert {o.status for o in outcomes[len(closed):]} == {503}  # type: ignore[union-attr]


def test_missing_page_is_an_http_status_error(make_fetcher, websites):
    hotel = websites.with_variant(NORMAL)[0]
    failure = error(fetch_one(make_fetcher(), f"{hotel.website}/no-such-page"), "http_status")
    assert failure.status == 404


# -- decoding ------------------------------------------------------------------------------------


def test_cp1252_pages_with_wrong_or_missing_charset_decode(make_fetcher, websites):
    hotels = websites.with_variant(CP1252)
    declared = {websites.profile(h.id).declared_charset for h in hotels}
    assert declared == {"utf-8", None}
    outcomes = fetch_all(make_fetcher(), [h.website for h in hotels])
    for hotel, outcome in zip(hotels, outcomes):
        result = ok(outcome)
        assert result.charset == websites.profile(hotel.id).declared_charset
        text = html.unescape(result.text)
        assert hotel.name in text
        assert "€" in text and "–" in text and "café" in text
        with pytest.raises(UnicodeDecodeError):
            result.body.decode("utf-8")


def _page(body: bytes, charset: str | None) -> FetchResult:
    return FetchResult(url="http://hotel.test/", final_url="http://hotel.test/", status=200,
                       content_type="text/html", charset=charset, body=body)


@pytest.mark.parametrize("decode", [decode_html, lambda body, charset: _page(body, charset).text],
                         ids=["decode_html", "FetchResult.text"])
def test_decode_order(decode):
    text = "Zimmer ab 89 € – Frühstück im Café, à la carte"
    assert decode(text.encode("cp1252"), "utf-8") == text
    assert decode(text.encode("cp1252"), None) == text
    assert decode(b"\xef\xbb\xbf" + text.encode("utf-8"), "iso-8859-1") == text
    assert decode(b"\xff\xfe" + text.encode("utf-16-le"), None) == text
    meta = b'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-15">'
    assert decode(meta + "€".encode("iso-8859-15"), None).endswith("€")
    assert decode(text.encode("utf-8"), "no-such-charset") == text
    assert decode(text.encode("utf-8"), "base64") == text
    assert decode(bytes(range(256)), "utf-8")  # never raises


# -- cache ---------------------------------------------------------------------------------------


def test_second_fetch_comes_from_the_disk_cache(make_fetcher, websites, home: JenguHome):
    hotel = websites.with_variant(NORMAL)[2]
    host = f"www.{hotel.domain}"
    fetcher = make_fetcher()
    first = ok(fetch_one(fetcher, hotel.website))
    count = websites.requests_for(host)
    second = ok(fetch_one(fetcher, hotel.website))
    assert not first.from_cache and second.from_cache
    assert websites.requests_for(host) == count
    assert second.body == first.body and second.final_url == first.final_url
    assert second.text == first.text and second.fetched_at == first.fetched_at
    blobs = [p for p in (home.cache_dir / "http" / "blobs").rglob("*") if p.is_file()]
    assert any(p.read_bytes() == first.body for p in blobs)
    assert not list((home.cache_dir / "http").rglob(".tmp-*"))
    ok(fetch_one(fetcher, hotel.website, use_cache=False))
    assert websites.requests_for(host) == count + 1


def test_cache_entry_under_the_final_url_too(make_fetcher, websites):
    hotel = websites.with_variant(REDIRECT)[0]
    fetcher = make_fetcher()
    first = ok(fetch_one(fetcher, hotel.website))
    before = websites.request_count
    again = ok(fetch_one(fetcher, first.final_url))
    assert again.from_cache and again.redirects == [] and again.url == first.final_url
    assert websites.request_count == before


def test_cache_expires_after_the_ttl(make_fetcher, websites, tmp_path: Path):
    hotel = websites.with_variant(NORMAL)[3]
    host = f"www.{hotel.domain}"
    now = [1_000_000.0]
    fetcher = make_fetcher(cache_ttl_seconds=3600, cache_dir=str(tmp_path / "http"))

    def fetch() -> FetchResult:
        return ok(fetch_one(fetcher, hotel.website, clock=lambda: now[0]))

    assert not fetch().from_cache
    count = websites.requests_for(host)
    now[0] += 3599
    assert fetch().from_cache
    now[0] += 2
    refreshed = fetch()
    assert not refreshed.from_cache
    assert websites.requests_for(host) == count + 1
    assert refreshed.fetched_at.timestamp() == now[0]
    assert not ok(fetch_one(make_fetcher(cache_ttl_seconds=0), hotel.website)).from_cache


def test_errors_are_not_cached(make_fetcher, websites):
    hotel = websites.with_variant(PDF)[0]
    fetcher = make_fetcher()
    before = websites.request_count
    error(fetch_one(fetcher, hotel.website), "content_type")
    error(fetch_one(fetcher, hotel.website), "content_type")
    assert websites.request_count == before + 2


# -- throttle ------------------------------------------------------------------------------------


def test_concurrency_is_bounded(make_fetcher, probe: Probe):
    probe.max_in_flight = 0
    urls = [f"http://probe.test/sleep?s=0.15&n={i}" for i in range(12)]
    outcomes = fetch_all(make_fetcher(max_concurrency=3), urls, use_cache=False)
    assert reasons(outcomes) == ["ok"] * 12
    assert 2 <= probe.max_in_flight <= 3


def test_rate_limit_is_respected(make_fetcher, probe: Probe):
    urls = [f"http://probe.test/page?n={i}" for i in range(10)]

    async def main() -> tuple[float, Any]:
        async with make_fetcher(requests_per_second=25.0).session() as session:
            started = time.monotonic()
            await asyncio.gather(*(session.fetch(u, use_cache=False) for u in urls))
            return time.monotonic() - started, session.provider.stats

    elapsed, stats = asyncio.run(main())
    assert stats.requests == 10
    assert elapsed >= 9 / 25 * 0.9
    assert stats.achieved_rate() <= 25 * 1.05


def test_fetch_sync_for_the_cli(make_fetcher, websites):
    hotel = websites.with_variant(NORMAL)[4]
    result = make_fetcher().fetch_sync(hotel.website)
    assert result.status == 200 and result.content_type == "text/html"
    assert f'lang="{websites.profile(hotel.id).lang}"' in result.text
    with pytest.raises(FetchError) as failure:
        make_fetcher().fetch_sync("http://127.0.0.1/")
    assert failure.value.reason == "blocked_address"
    assert "http://127.0.0.1/" in str(failure.value)
