"""Job board clients and the sandbox that plays the boards.

Most tests touch a real loopback HTTP server (``sandbox.job_board.JobBoardServer`` on 127.0.0.1),
so requests, paging, retries and rate limits go through real sockets. Error shapes that server
cannot easily produce (a dropped connection, a far-off ``Retry-After`` date, a provider failing on
every attempt, a response slower than the deadline) use ``httpx.MockTransport`` with tiny waits.
The clients are async; ``on_board`` runs one on a fresh event loop, as ``fetch_postings`` does.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import time
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from jengu_resources.job_boards import (
    ADZUNA,
    GOOGLE_JOBS,
    AdzunaClient,
    BoardHttp,
    GoogleJobsClient,
    JobBoardError,
    JobBoards,
    JobPosting,
    board_client,
    parse_relative_age,
    redact,
)
from jengu_resources.throttle import Provider
from sandbox import sample_data
from sandbox.job_board import JobBoardServer

DAY = date(2026, 11, 20)
APP_ID, APP_KEY, SERP_KEY = "sandbox", "sandbox-key", "sandbox-key"
SECRET = "s3cr3t-k3y-do-not-log"
REQUIRED_COUNTRIES = {"US", "GB", "DE", "AT", "CH", "FR", "ES", "IT", "NL", "PT", "IE"}


@pytest.fixture
def server():
    with JobBoardServer(day=DAY) as srv:
        yield srv


def boards(srv: JobBoardServer, **overrides) -> JobBoards:
    config = dict(
        adzuna_base_url=srv.url,
        adzuna_app_id=APP_ID,
        adzuna_app_key=APP_KEY,
        serpapi_base_url=srv.url,
        serpapi_key=SERP_KEY,
        queries="hotel front desk,hotel night auditor",
        requests_per_second=200.0,
        backoff_seconds=0.01,
    )
    config.update(overrides)
    return JobBoards(**config)


def on_board(source, search, *, transport=None, **settings):
    """``await search(http)`` with a ``BoardHttp`` for ``source`` limited as a ``JobBoards`` with
    ``settings`` would limit it (fast by default), on a fresh event loop."""
    resource = JobBoards(**{"requests_per_second": 200.0, "backoff_seconds": 0.01, **settings})

    async def main():
        async with board_client(timeout_seconds=resource.timeout_seconds,
                                transport=transport) as client:
            provider = Provider(source, resource.limits())
            return await search(BoardHttp(source, client, provider,
                                          timeout_seconds=resource.timeout_seconds))

    return asyncio.run(main())


def keys(postings: list[JobPosting]) -> list[tuple[str, str]]:
    return [(p.source, p.external_id) for p in postings]


# -- sample data ---------------------------------------------------------------------------------


def test_sample_hotels_are_deterministic_and_realistic():
    hotels = sample_data.hotels()
    assert hotels == sample_data.hotels(7)
    assert hotels != sample_data.hotels(8)
    assert 190 <= len(hotels) <= 210
    assert len({h.id for h in hotels}) == len(hotels)

    countries = Counter(h.country for h in hotels)
    assert len(countries) >= 8 and REQUIRED_COUNTRIES <= set(countries)
    for hotel in hotels:
        assert ZoneInfo(hotel.timezone).key == hotel.timezone
        assert hotel.website.startswith("https://") and hotel.domain in hotel.website
        assert hotel.contact_email.endswith("@" + hotel.domain)
        assert hotel.contact_email.isascii() and " " not in hotel.contact_email
        assert 1 <= hotel.stars <= 5 and hotel.rooms > 0 and hotel.phone.startswith("+")
    independent = [h for h in hotels if h.chain is None]
    chains = [h for h in hotels if h.chain]
    assert len(chains) >= 30 and len(independent) >= 100
    # Most sites sit on the hotel's own domain under the country's TLD.
    own_site = [h for h in independent if h.website == f"https://www.{h.domain}"]
    assert len(own_site) == len(independent)
    assert any(h.domain.endswith(".de") for h in hotels if h.country == "DE")


def test_sample_postings_are_deterministic_per_day_and_imperfect():
    postings = sample_data.postings(DAY)
    assert postings == sample_data.postings(DAY)
    assert keys(postings) != keys(sample_data.postings(DAY + timedelta(days=1)))
    assert 25 <= len(postings) <= 40
    assert len(set(keys(postings))) == len(postings)
    assert {p.source for p in postings} == {ADZUNA, GOOGLE_JOBS}
    assert all(p.posted_at.date() == DAY for p in postings)
    # Adzuna has no index for Portugal or Ireland.
    assert not [p for p in postings if p.source == ADZUNA and p.country in ("PT", "IE")]

    noise = [p for p in postings if p.hotel_id is None]
    assert 0.05 <= len(noise) / len(postings) <= 0.3
    per_hotel = Counter(p.hotel_id for p in postings if p.hotel_id)
    twice = [hotel for hotel, n in per_hotel.items() if n == 2]
    assert twice
    for hotel_id in twice:
        assert {p.source for p in postings if p.hotel_id == hotel_id} == {ADZUNA, GOOGLE_JOBS}

    week = [p for d in range(7) for p in sample_data.postings(DAY + timedelta(days=d))]
    by_id = {h.id: h for h in sample_data.hotels()}
    variants = [p for p in week if p.hotel_id and p.company != by_id[p.hotel_id].name]
    assert len(variants) >= 10
    assert any(p.company == "Hospitality Staffing Solutions" or p.company == "Oracle Hospitality"
               for p in week)
    for p in week:
        if p.hotel_id:
            assert by_id[p.hotel_id].name in p.description


def test_sample_leads_csv_has_the_sales_navigator_columns_and_a_few_messy_rows():
    text = sample_data.sample_leads_csv()
    assert text == sample_data.sample_leads_csv(7)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(sample_data.LEAD_COLUMNS)
    assert 28 <= len(rows) <= 35
    assert any(not row["Company"] for row in rows)
    as_tuples = [tuple(row.values()) for row in rows]
    assert len(set(as_tuples)) == len(as_tuples) - 1


# -- clients against the loopback server ---------------------------------------------------------


def test_fetch_postings_returns_every_posting_of_the_day_exactly_once(server):
    resource = boards(server, results_per_page=3, max_pages=20)
    postings, errors = resource.fetch_postings(DAY)

    assert errors == []
    assert len(keys(postings)) == len(set(keys(postings)))
    assert set(keys(postings)) == set(keys(server.postings))
    # Several queries return the same postings, and Adzuna had to page (3 per page).
    assert server.request_count > len(postings)
    assert any("/search/2?" in path for path in server.paths)

    sample = {(p.source, p.external_id): p for p in server.postings}
    for posting in postings:
        expected = sample[(posting.source, posting.external_id)]
        assert (posting.title, posting.company, posting.location, posting.url) == (
            expected.title, expected.company, expected.location, expected.url)
        assert posting.description[:80] == expected.description[:80]
        assert posting.raw
        hash(posting)
        if posting.source == ADZUNA:
            assert posting.posted_at == expected.posted_at
        else:
            # Google's ages are whole units counted back from the server's clock.
            assert posting.posted_at is not None
            assert posting.posted_at >= expected.posted_at - timedelta(seconds=1)


def test_adzuna_filters_by_country_and_pages_up_to_max_pages(server):
    us = server.expected(ADZUNA, "US")
    assert len(us) > 4

    async def search(http):
        client = AdzunaClient(http, app_id=APP_ID, app_key=APP_KEY, base_url=server.url,
                              results_per_page=2, max_pages=2)
        found = await client.search("us", "hotel front desk", max_days_old=3650)
        everything = await AdzunaClient(http, app_id=APP_ID, app_key=APP_KEY, base_url=server.url,
                                        results_per_page=2, max_pages=50).search("gb", "hotel")
        return found, everything

    found, everything = on_board(ADZUNA, search)

    assert len(found) == 4 and len(set(keys(found))) == 4
    assert {p.external_id for p in found} <= {p.external_id for p in us}
    assert [p for p in server.paths if "/us/search/" in p] == [
        p for p in server.paths if "/us/search/1?" in p or "/us/search/2?" in p]
    assert sum("/us/search/" in p for p in server.paths) == 2
    assert {p.external_id for p in everything} == {
        p.external_id for p in server.expected(ADZUNA, "GB")}
    assert all(p.location.endswith(("Scotland", "Somerset", "London", "Sussex", "Yorkshire",
                                    "Manchester", "Wales", "Oxfordshire", "Highlands", "Cumbria"))
               for p in everything)
    assert "<strong>" not in "".join(p.title for p in everything)


def test_google_jobs_filters_by_location_and_follows_next_page_token():
    with JobBoardServer(day=DAY, serpapi_page_size=2) as srv:

        async def search(http):
            client = GoogleJobsClient(http, api_key=SERP_KEY, base_url=srv.url, max_pages=20)
            return (
                await client.search("hotel front desk", "France", day=DAY),
                await client.search("hotel", "Atlantis", day=DAY),
                await GoogleJobsClient(http, api_key=SERP_KEY, base_url=srv.url,
                                       max_pages=1).search("hotel", None, day=DAY),
            )

        france, unknown, bounded = on_board(GOOGLE_JOBS, search)

        expected_fr = {p.external_id for p in srv.postings
                       if p.source == GOOGLE_JOBS and p.country == "FR"}
        assert len(expected_fr) > 2
        assert {p.external_id for p in france} == expected_fr
        assert len(france) == len(expected_fr)
        assert any("next_page_token=" in path for path in srv.paths)
        # A location the board cannot place narrows nothing.
        assert {p.external_id for p in unknown} == {
            p.external_id for p in srv.expected(GOOGLE_JOBS)}
        assert len(bounded) == 2


def test_429_waits_for_retry_after_then_succeeds():
    with JobBoardServer(day=DAY, fail_first=1, fail_status=429) as srv:
        # A tiny backoff: only Retry-After can explain a wait of about a second.
        started = time.monotonic()
        found = on_board(ADZUNA, lambda http: AdzunaClient(
            http, app_id=APP_ID, app_key=APP_KEY, base_url=srv.url).search("us", "hotel"),
            backoff_seconds=0.01)
        elapsed = time.monotonic() - started
        assert [r.status for r in srv.requests] == [429, 200]
    assert 0.95 <= elapsed < 3.0
    assert found


def test_503_is_retried_with_backoff_then_succeeds():
    with JobBoardServer(day=DAY, fail_first=2, fail_status=503) as srv:
        found = on_board(GOOGLE_JOBS, lambda http: GoogleJobsClient(
            http, api_key=SERP_KEY, base_url=srv.url).search("hotel", None, day=DAY),
            backoff_seconds=0.02)
        statuses = [r.status for r in srv.requests]
    assert statuses[:3] == [503, 503, 200] and set(statuses[3:]) <= {200}
    assert {p.external_id for p in found} == {p.external_id for p in srv.expected(GOOGLE_JOBS)}


def test_exhausted_retries_raise_a_job_board_error_without_the_key(caplog):
    caplog.set_level(logging.INFO)
    calls: list[httpx.Request] = []

    def always_busy(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503, json={"error": "upstream busy"})

    with pytest.raises(JobBoardError) as raised:
        on_board(ADZUNA, lambda http: AdzunaClient(http, app_id="my-app", app_key=SECRET).search(
            "gb", "hotel"), transport=httpx.MockTransport(always_busy), max_attempts=3)

    error = raised.value
    assert (error.source, error.status, error.attempts) == (ADZUNA, 503, 3)
    assert "adzuna" in str(error) and "503" in str(error) and "upstream busy" in str(error)
    assert SECRET not in str(error) and SECRET not in repr(error.args)
    assert "app_key=***" in str(error) and "after 3 attempts" in str(error)
    assert len(calls) == 3 and SECRET in str(calls[0].url)
    assert "HTTP Request" in caplog.text and SECRET not in caplog.text


def test_retry_after_http_date_is_honoured_and_capped():
    replies = iter([
        httpx.Response(429, headers={"Retry-After": format_datetime(
            datetime.now(timezone.utc) + timedelta(minutes=10), usegmt=True)}),
        httpx.Response(200, json={"count": 0, "results": []}),
    ])
    started = time.monotonic()
    assert on_board(ADZUNA, lambda http: AdzunaClient(http, app_id="a", app_key="b").search(
        "us", "hotel"), transport=httpx.MockTransport(lambda request: next(replies)),
        max_retry_wait_seconds=0.3) == []
    # Ten minutes asked for, the configured cap waited.
    assert 0.25 <= time.monotonic() - started < 2.0
    limits = JobBoards(max_retry_wait_seconds=5.0).limits()
    assert limits.max_retry_wait_seconds == limits.max_backoff_seconds == 5.0


def test_a_response_slower_than_the_deadline_is_retried_then_reported():
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, json={"count": 0, "results": []})

    started = time.monotonic()
    with pytest.raises(JobBoardError) as raised:
        on_board(ADZUNA, lambda http: AdzunaClient(http, app_id="a", app_key=SECRET).search(
            "us", "hotel"), transport=httpx.MockTransport(slow), timeout_seconds=0.1,
            max_attempts=2)
    assert time.monotonic() - started < 2.0
    error = raised.value
    assert (error.status, error.attempts) == (None, 2)
    assert "ReadTimeout" in str(error) and "0.1 s" in str(error) and SECRET not in str(error)


def test_connection_errors_are_retried_and_other_statuses_are_not():
    attempts = {"n": 0}

    def flaky(request: httpx.Request) -> httpx.Response:
        attempts["n"] += 1
        if attempts["n"] == 1:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json={"jobs_results": [{
            "job_id": "abc", "title": "Night Auditor", "company_name": "Hotel Krone",
            "location": "Berlin, Germany", "description": "Nights.",
            "share_link": "https://www.google.com/search?ibp=htl;jobs#htidocid=abc",
            "detected_extensions": {"posted_at": "3 hours ago"}}]})

    [posting] = on_board(GOOGLE_JOBS, lambda http: GoogleJobsClient(
        http, api_key=SECRET).search("hotel", "Germany"), transport=httpx.MockTransport(flaky))
    assert attempts["n"] == 2
    assert posting.url.startswith("https://www.google.com/") and posting.posted_at is not None

    def not_found(request: httpx.Request) -> httpx.Response:
        attempts["n"] += 1
        return httpx.Response(404, text="no such page")

    attempts["n"] = 0
    with pytest.raises(JobBoardError, match="HTTP 404: no such page") as raised:
        on_board(GOOGLE_JOBS, lambda http: GoogleJobsClient(http, api_key=SECRET).search("hotel"),
                 transport=httpx.MockTransport(not_found))
    assert attempts["n"] == 1 and raised.value.status == 404
    assert SECRET not in str(raised.value)


def test_wrong_keys_are_rejected_with_the_source_and_status(server):
    with pytest.raises(JobBoardError) as adzuna:
        on_board(ADZUNA, lambda http: AdzunaClient(
            http, app_id=APP_ID, app_key=SECRET, base_url=server.url).search("us", "hotel"))
    with pytest.raises(JobBoardError) as google:
        on_board(GOOGLE_JOBS, lambda http: GoogleJobsClient(
            http, api_key=SECRET, base_url=server.url).search("hotel"))

    assert adzuna.value.status == 401 and google.value.status == 401
    assert "adzuna" in str(adzuna.value) and "Authorisation failed" in str(adzuna.value)
    assert "google_jobs" in str(google.value) and "Invalid API key" in str(google.value)
    assert SECRET not in str(adzuna.value) + str(google.value)
    assert SECRET not in "".join(server.paths)
    assert [r.status for r in server.requests] == [401, 401]


def test_rate_limit_is_never_exceeded_by_concurrent_searches(server):
    rate = 10.0

    async def search(http):
        client = AdzunaClient(http, app_id=APP_ID, app_key=APP_KEY, base_url=server.url)

        async def work() -> None:
            for _ in range(3):
                await client.search("de", "hotel")

        await asyncio.gather(*(work() for _ in range(4)))

    on_board(ADZUNA, search, requests_per_second=rate)

    arrivals = sorted(r.at for r in server.requests)
    assert len(arrivals) == 12
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
    # Requests start 1/rate apart; the server sees them with a few ms of scheduling noise.
    assert min(gaps) >= 1 / rate - 0.03
    for i, start in enumerate(arrivals):
        assert sum(1 for t in arrivals[i:] if t < start + 1.0) <= rate + 1


def test_a_failing_source_does_not_stop_the_other(server):
    postings, errors = boards(server, serpapi_key=SECRET).fetch_postings(DAY)
    assert set(keys(postings)) == set(keys(server.expected(ADZUNA)))
    assert len(errors) == 1
    assert errors[0].startswith("google_jobs:") and "401" in errors[0]
    assert SECRET not in errors[0]

    with JobBoardServer(day=DAY, fail_first=10_000, fail_status=503, fail_api="adzuna") as srv:
        postings, errors = boards(srv, max_attempts=2).fetch_postings(DAY)
        assert set(keys(postings)) == set(keys(srv.expected(GOOGLE_JOBS)))
    assert len(errors) == 1 and errors[0].startswith("adzuna:")
    assert "503" in errors[0] and "after 2 attempts" in errors[0]


def test_sources_are_fetched_side_by_side_through_the_given_transport():
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/search.json":
            seen.append(GOOGLE_JOBS)
            return httpx.Response(200, json={"jobs_results": []})
        seen.append(ADZUNA)
        return httpx.Response(200, json={"count": 0, "results": []})

    resource = JobBoards(adzuna_app_id="a", adzuna_app_key=SECRET, serpapi_key=SECRET,
                         adzuna_countries="us,gb,de", serpapi_locations="France;Spain;Italy",
                         queries="hotel", requests_per_second=20.0)
    assert resource.fetch_postings(DAY, transport=httpx.MockTransport(handler)) == ([], [])
    assert Counter(seen) == {ADZUNA: 3, GOOGLE_JOBS: 3}
    # Each source waits 1/rate between its own requests only, so both have started at once.
    assert set(seen[:2]) == {ADZUNA, GOOGLE_JOBS}

    postings, errors = JobBoards(adzuna_app_id="a", adzuna_app_key="b",
                                 requests_per_second=0).fetch_postings(DAY)
    assert postings == [] and "requests_per_second must be positive" in errors[0]


def test_configured_sources_follow_credentials_unless_listed():
    assert JobBoards().configured_sources() == []
    assert JobBoards(adzuna_app_id="a", adzuna_app_key="").configured_sources() == []
    assert JobBoards(adzuna_app_id="a", adzuna_app_key="b").configured_sources() == [ADZUNA]
    both = JobBoards(adzuna_app_id="a", adzuna_app_key="b", serpapi_key="c")
    assert both.configured_sources() == [ADZUNA, GOOGLE_JOBS]
    assert JobBoards(sources="serpapi", adzuna_app_id="a", adzuna_app_key="b",
                     serpapi_key="c").configured_sources() == [GOOGLE_JOBS]

    postings, errors = JobBoards(sources="adzuna, indeed").fetch_postings(DAY)
    assert postings == []
    assert any("indeed" in e for e in errors)
    assert any(e.startswith("adzuna:") and "ADZUNA_APP_KEY" in e for e in errors)
    assert JobBoards().fetch_postings(DAY) == ([], [])


def test_redaction_and_relative_ages():
    url = f"https://api.adzuna.com/v1/api/jobs/gb/search/1?app_id=x&app_key={SECRET}&what=a"
    assert redact(url).endswith("/search/1?app_id=x&app_key=***&what=a")
    assert SECRET not in redact(f"GET /search.json?q=hotel&api_key={SECRET}")

    ref = datetime(2026, 11, 21, 10, 0, tzinfo=timezone.utc)
    assert parse_relative_age("2 days ago", ref) == (ref - timedelta(days=3),
                                                     ref - timedelta(days=2))
    assert parse_relative_age("an hour ago", ref) == (ref - timedelta(hours=2),
                                                      ref - timedelta(hours=1))
    assert parse_relative_age("30+ days ago", ref)[1] == ref - timedelta(days=30)
    assert parse_relative_age("just posted", ref)[1] == ref
    assert parse_relative_age("Full-time", ref) is None
