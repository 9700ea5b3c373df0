"""Job board clients: Adzuna's job search API and Google Jobs through SerpApi.

Both speak the public APIs exactly (Adzuna ``GET /v1/api/jobs/{country}/search/{page}``, SerpApi
``GET /search.json?engine=google_jobs``), so pointing the base URLs at the loopback sandbox or at
the real services is the only difference between a demo and production.

Configuration, wired with Dagster ``EnvVar`` in ``jengu_resources/definitions.py``:

==================== ==========================================================================
``JENGU_JOB_SOURCES`` comma list of sources (``adzuna``, ``google_jobs``); empty means every source
                      whose credentials are set
``ADZUNA_BASE_URL``   default ``https://api.adzuna.com``
``ADZUNA_APP_ID``     Adzuna application id
``ADZUNA_APP_KEY``    Adzuna application key (secret)
``SERPAPI_BASE_URL``  default ``https://serpapi.com``
``SERPAPI_KEY``       SerpApi key (secret)
==================== ==========================================================================

Every request goes through the source's own ``throttle.Provider`` (a strict rate limit, retries
with backoff on 429/5xx and connection failures honouring ``Retry-After``, a circuit breaker) and a
total deadline; when the provider gives up, a ``JobBoardError`` names the source and the status.
The sources are fetched side by side on one event loop, behind a synchronous ``fetch_postings``.
Both APIs take their keys as query parameters, so every URL that reaches a message or a log line is
redacted first, including httpx's own request log.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import dagster as dg
import httpx
from pydantic import Field

from jengu_resources.redaction import redact
from jengu_resources.throttle import Provider, ProviderError, ProviderLimits

log = dg.get_dagster_logger("jengu.job_boards")

ADZUNA = "adzuna"
GOOGLE_JOBS = "google_jobs"
SOURCES = (ADZUNA, GOOGLE_JOBS)
_SOURCE_ALIASES = {"serpapi": GOOGLE_JOBS, "google": GOOGLE_JOBS}

DEFAULT_ADZUNA_BASE_URL = "https://api.adzuna.com"
DEFAULT_SERPAPI_BASE_URL = "https://serpapi.com"

# The countries Adzuna runs an index for; a request for any other country is an error there.
ADZUNA_COUNTRIES = frozenset(
    "gb us at au be br ca ch de es fr in it mx nl nz pl sg za".split()
)

MAX_BODY_BYTES = 20 * 1024 * 1024



@dataclass(frozen=True)
class JobPosting:
    source: str
    external_id: str
    title: str
    company: str
    location: str
    description: str
    url: str
    posted_at: datetime | None
    # The board's own record, for anything not mapped above; kept out of eq/hash/repr.
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)


class JobBoardError(RuntimeError):
    """A job board request failed for good: a non-retryable status, or retries exhausted."""

    def __init__(self, source: str, message: str, *, status: int | None = None,
                 attempts: int = 1) -> None:
        self.source = source
        self.status = status
        self.attempts = attempts
        super().__init__(redact(message))


# -- the shared HTTP helper ---------------------------------------------------------------------


def board_client(
    *, timeout_seconds: float = 20.0, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The HTTP client the job boards share; ``transport`` lets tests use httpx.MockTransport."""
    return httpx.AsyncClient(
        transport=transport,
        timeout=httpx.Timeout(timeout_seconds, connect=min(5.0, timeout_seconds)),
        headers={"Accept": "application/json", "User-Agent": "jengu/0.1"},
        # A redirect would carry the key in the query string to wherever it points.
        follow_redirects=False,
    )


@dataclass(frozen=True)
class JsonReply:
    status: int
    headers: httpx.Headers
    data: Any


class BoardHttp:
    """GET JSON from one job board through its ``Provider``; failures become ``JobBoardError``.

    The provider belongs to the event loop it was created in, so a ``BoardHttp`` does too.
    """

    def __init__(self, source: str, client: httpx.AsyncClient, provider: Provider, *,
                 timeout_seconds: float = 20.0) -> None:
        self.source = source
        self.client = client
        self.provider = provider
        self.timeout_seconds = timeout_seconds

    async def get_json(self, url: str, params: Mapping[str, Any]) -> JsonReply:
        params = dict(params)
        shown = redact(str(httpx.URL(url, params=params)))
        attempts = 0
        # The provider closes and drops a failed response, so the last body is kept here for the
        # board's own error text.
        body = b""

        async def send() -> httpx.Response:
            nonlocal attempts, body
            attempts += 1
            response, body = await self._receive(url, params)
            return response

        try:
            response = await self.provider.call(send)
        except ProviderError as exc:
            detail = _error_detail(body) if exc.status is not None else ""
            raise JobBoardError(self.source, f"{exc}{detail} for GET {shown}",
                                status=exc.status, attempts=exc.attempts) from None
        except httpx.HTTPError as exc:
            raise JobBoardError(self.source, f"{self.source}: {type(exc).__name__}: {exc} "
                                f"for GET {shown}", attempts=attempts) from None
        status = response.status_code
        if not 200 <= status < 300:
            raise JobBoardError(self.source, f"{self.source}: HTTP {status}{_error_detail(body)} "
                                f"for GET {shown}", status=status, attempts=attempts)
        try:
            return JsonReply(status, response.headers, json.loads(body))
        except ValueError:
            raise JobBoardError(
                self.source, f"{self.source}: HTTP {status} with a body that is not JSON for GET "
                f"{shown}", status=status, attempts=attempts,
            ) from None

    async def _receive(self, url: str, params: dict[str, Any]) -> tuple[httpx.Response, bytes]:
        # httpx timeouts apply per phase (connect, each read); the deadline bounds the whole
        # response, so a server trickling bytes cannot hold a run for longer than configured.
        try:
            async with asyncio.timeout(self.timeout_seconds):
                async with self.client.stream("GET", url, params=params) as response:
                    chunks: list[bytes] = []
                    size = 0
                    async for chunk in response.aiter_bytes():
                        chunks.append(chunk)
                        size += len(chunk)
                        if size > MAX_BODY_BYTES:
                            raise httpx.DecodingError(
                                f"response larger than {MAX_BODY_BYTES} bytes",
                                request=response.request,
                            )
        except TimeoutError:
            # As an httpx timeout the provider retries it and counts it against the breaker.
            raise httpx.ReadTimeout(
                f"no complete response within {self.timeout_seconds:g} s"
            ) from None
        return response, b"".join(chunks)


def _error_detail(body: bytes) -> str:
    """The provider's own error text (Adzuna ``display``/``exception``, SerpApi ``error``)."""
    try:
        data = json.loads(body)
    except ValueError:
        text = body[:200].decode("utf-8", "replace").strip()
        return f": {redact(text)}" if text else ""
    if isinstance(data, dict):
        for key in ("error", "display", "exception", "message"):
            if isinstance(data.get(key), str) and data[key].strip():
                return f": {redact(data[key].strip()[:200])}"
    return ""


# -- parsing helpers ----------------------------------------------------------------------------

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def _clean(value: Any) -> str:
    """Plain text: Adzuna wraps matched words in <strong> and escapes entities."""
    if value is None:
        return ""
    return _SPACE.sub(" ", html.unescape(_TAG.sub("", str(value)))).strip()


def _parse_iso(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


_AGE = re.compile(
    r"\b(?P<n>\d+|an?|one)\+?\s*(?P<unit>minute|min|hour|hr|day|week|month)s?\s+ago", re.I
)
_UNITS = {
    "minute": timedelta(minutes=1), "min": timedelta(minutes=1),
    "hour": timedelta(hours=1), "hr": timedelta(hours=1),
    "day": timedelta(days=1), "week": timedelta(weeks=1), "month": timedelta(days=30),
}


def parse_relative_age(text: str, reference: datetime) -> tuple[datetime, datetime] | None:
    """The interval ``(earliest, latest]`` a relative age such as "2 days ago" allows.

    Google prints ages rounded down to whole units, so "2 days ago" means anything from 2 to 3
    days before the page was rendered; "30+ days ago" has no earliest bound.
    """
    lowered = text.strip().lower()
    if not lowered:
        return None
    if lowered in ("just posted", "just now", "now"):
        return reference - timedelta(hours=1), reference
    if lowered == "today":
        return reference - timedelta(days=1), reference
    if lowered == "yesterday":
        return reference - timedelta(days=2), reference - timedelta(days=1)
    match = _AGE.search(lowered)
    if not match:
        return None
    raw_n = match.group("n")
    n = 1 if raw_n in ("a", "an", "one") else int(raw_n)
    unit = _UNITS[match.group("unit")]
    latest = reference - n * unit
    if "+" in lowered:
        return datetime.min.replace(tzinfo=timezone.utc), latest
    return latest - unit, latest


def _reference_time(headers: httpx.Headers) -> datetime:
    """When the server rendered the page: relative ages count back from its clock, not ours."""
    value = headers.get("date")
    if value:
        try:
            parsed = parsedate_to_datetime(value)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
        except (TypeError, ValueError, IndexError):
            pass
    return datetime.now(timezone.utc)


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    return start, start + timedelta(days=1)


# -- Adzuna -------------------------------------------------------------------------------------


class AdzunaClient:
    """Adzuna's job search API: ``GET /v1/api/jobs/{country}/search/{page}``."""

    source = ADZUNA

    def __init__(
        self,
        http: BoardHttp,
        *,
        app_id: str,
        app_key: str,
        base_url: str = DEFAULT_ADZUNA_BASE_URL,
        results_per_page: int = 50,
        max_pages: int = 3,
    ) -> None:
        self.http = http
        self.app_id = app_id
        self.app_key = app_key
        self.base_url = base_url.rstrip("/")
        self.results_per_page = max(1, min(50, results_per_page))
        self.max_pages = max(1, max_pages)

    async def search(
        self,
        country: str,
        what: str,
        *,
        where: str | None = None,
        max_days_old: int | None = None,
        day: date | None = None,
    ) -> list[JobPosting]:
        """Up to ``max_pages`` pages of results; with ``day``, only postings created that day
        (UTC)."""
        country = country.strip().lower()
        found: list[JobPosting] = []
        for page in range(1, self.max_pages + 1):
            params: dict[str, Any] = {
                "app_id": self.app_id,
                "app_key": self.app_key,
                "what": what,
                "results_per_page": self.results_per_page,
                "content-type": "application/json",
            }
            if where:
                params["where"] = where
            if max_days_old is not None:
                params["max_days_old"] = max_days_old
            url = f"{self.base_url}/v1/api/jobs/{country}/search/{page}"
            data = (await self.http.get_json(url, params)).data
            if not isinstance(data, dict):
                raise JobBoardError(self.source, f"{self.source}: unexpected response shape "
                                                 f"for {country} page {page}")
            results = data.get("results") or []
            found.extend(p for p in (self._posting(r) for r in results) if p is not None)
            count = data.get("count")
            if len(results) < self.results_per_page:
                break
            if isinstance(count, int) and page * self.results_per_page >= count:
                break
        if day is None:
            return found
        start, end = _day_bounds(day)
        return [p for p in found if p.posted_at is None or start <= p.posted_at < end]

    def _posting(self, result: Any) -> JobPosting | None:
        if not isinstance(result, dict) or result.get("id") in (None, ""):
            return None
        company = result.get("company") if isinstance(result.get("company"), dict) else {}
        location = result.get("location") if isinstance(result.get("location"), dict) else {}
        return JobPosting(
            source=self.source,
            external_id=str(result["id"]),
            title=_clean(result.get("title")),
            company=_clean(company.get("display_name")),
            location=_clean(location.get("display_name")),
            description=_clean(result.get("description")),
            url=str(result.get("redirect_url") or ""),
            posted_at=_parse_iso(result.get("created")),
            raw=result,
        )


# -- Google Jobs through SerpApi ----------------------------------------------------------------


class GoogleJobsClient:
    """Google Jobs through SerpApi: ``GET /search.json?engine=google_jobs``, paged by
    ``next_page_token``."""

    source = GOOGLE_JOBS

    def __init__(
        self,
        http: BoardHttp,
        *,
        api_key: str,
        base_url: str = DEFAULT_SERPAPI_BASE_URL,
        max_pages: int = 3,
    ) -> None:
        self.http = http
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.max_pages = max(1, max_pages)

    async def search(self, query: str, location: str | None = None, *,
                     day: date | None = None) -> list[JobPosting]:
        """Up to ``max_pages`` pages; with ``day``, only postings whose age allows that day.

        Ages are whole units ("3 days ago"), so a posting near midnight can match two days; the
        store keys postings by board and id, so seeing one twice adds nothing.
        """
        found: list[JobPosting] = []
        token: str | None = None
        for _ in range(self.max_pages):
            params: dict[str, Any] = {
                "engine": "google_jobs",
                "q": query,
                # English ages ("2 days ago") whatever the location, so they can be parsed.
                "hl": "en",
                "api_key": self.api_key,
            }
            if location:
                params["location"] = location
            if token:
                params["next_page_token"] = token
            reply = await self.http.get_json(f"{self.base_url}/search.json", params)
            data = reply.data
            if not isinstance(data, dict):
                raise JobBoardError(self.source, f"{self.source}: unexpected response shape")
            results = data.get("jobs_results")
            if not results:
                error = data.get("error")
                # SerpApi answers an empty search with 200 and this error text.
                if error and "hasn't returned any results" not in str(error):
                    raise JobBoardError(self.source, f"{self.source}: {error}",
                                        status=reply.status)
                break
            reference = _reference_time(reply.headers)
            for result in results:
                posting = self._posting(result, reference, day)
                if posting is not None:
                    found.append(posting)
            pagination = data.get("serpapi_pagination") or {}
            token = pagination.get("next_page_token") if isinstance(pagination, dict) else None
            if not token:
                break
        return found

    def _posting(self, result: Any, reference: datetime, day: date | None) -> JobPosting | None:
        if not isinstance(result, dict) or not result.get("job_id"):
            return None
        extensions = result.get("detected_extensions")
        age = extensions.get("posted_at") if isinstance(extensions, dict) else None
        window = parse_relative_age(str(age), reference) if age else None
        if day is not None and window is not None:
            start, end = _day_bounds(day)
            earliest, latest = window
            if not (earliest < end and latest >= start):
                return None
        apply_options = result.get("apply_options")
        link = ""
        if isinstance(apply_options, list):
            link = next((o["link"] for o in apply_options
                         if isinstance(o, dict) and o.get("link")), "")
        return JobPosting(
            source=self.source,
            external_id=str(result["job_id"]),
            title=_clean(result.get("title")),
            company=_clean(result.get("company_name")),
            location=_clean(result.get("location")),
            description=_clean(result.get("description")),
            url=str(link or result.get("share_link") or ""),
            posted_at=window[1] if window else None,
            raw=result,
        )


# -- the Dagster resource -----------------------------------------------------------------------


def _split(value: str, separator: str = ",") -> list[str]:
    return [part.strip() for part in value.split(separator) if part.strip()]


def _canonical_source(name: str) -> str:
    key = name.strip().lower().replace("-", "_")
    return _SOURCE_ALIASES.get(key, key)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


class JobBoards(dg.ConfigurableResource):
    """The job boards Jengu searches for hotels that are hiring."""

    sources: str = Field(
        default="",
        description="Comma list of sources (adzuna, google_jobs); empty: every source whose "
        "credentials are set.",
    )
    adzuna_base_url: str = DEFAULT_ADZUNA_BASE_URL
    adzuna_app_id: str | None = None
    adzuna_app_key: str | None = None
    adzuna_countries: str = Field(
        default="us,gb,de,at,ch,fr,es,it,nl,pt,ie",
        description="Countries of interest (ISO codes). Those Adzuna runs no index for, such as "
        "pt and ie, are skipped there; Google Jobs covers them through serpapi_locations.",
    )
    serpapi_base_url: str = DEFAULT_SERPAPI_BASE_URL
    serpapi_key: str | None = None
    serpapi_locations: str = Field(
        default="United States;United Kingdom;Germany;Austria;Switzerland;France;Spain;Italy;"
        "Netherlands;Portugal;Ireland",
        description="Semicolon list of SerpApi locations (they contain commas themselves, as in "
        "'Denver, Colorado, United States').",
    )
    queries: str = Field(
        default="hotel front desk,hotel night auditor,hotel revenue manager,hotel reservations,"
        "hotel general manager",
        description="Comma list of search queries, each run against every country/location.",
    )
    requests_per_second: float = Field(
        default=2.0, description="Client-side limit per source, never exceeded."
    )
    max_pages: int = Field(default=3, description="Pages fetched at most per query and place.")
    timeout_seconds: float = Field(default=20.0, description="Total deadline per request.")
    results_per_page: int = Field(default=50, description="Adzuna page size (at most 50).")
    max_attempts: int = Field(default=4, description="Attempts per request before giving up.")
    backoff_seconds: float = Field(default=1.0, description="First retry backoff; doubles.")
    max_retry_wait_seconds: float = Field(
        default=60.0, description="Cap on any single wait, Retry-After included."
    )

    def configured_sources(self) -> list[str]:
        """The sources a fetch will use: the explicit list, or every source with credentials."""
        if self.sources.strip():
            return _unique(s for s in map(_canonical_source, _split(self.sources))
                           if s in SOURCES)
        return [source for source in SOURCES if self._credentials_missing(source) is None]

    def limits(self) -> ProviderLimits:
        """Each source's provider limits; the retry wait cap covers backoff and Retry-After."""
        if not self.requests_per_second > 0:
            raise ValueError(
                f"requests_per_second must be positive, got {self.requests_per_second!r}"
            )
        return ProviderLimits(
            requests_per_second=self.requests_per_second,
            max_attempts=max(1, self.max_attempts),
            backoff_seconds=self.backoff_seconds,
            max_backoff_seconds=self.max_retry_wait_seconds,
            max_retry_wait_seconds=self.max_retry_wait_seconds,
        )

    def fetch_postings(
        self, day: date, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> tuple[list[JobPosting], list[str]]:
        """Postings from every configured source for ``day``, each (source, id) once, and one
        message per failed source. A failing source does not stop the others; what it fetched
        before failing is kept. Synchronous: it runs its own event loop."""
        errors = [
            f"unknown job source {name!r} (known: {', '.join(SOURCES)})"
            for name in _split(self.sources)
            if _canonical_source(name) not in SOURCES
        ]
        sources = self.configured_sources()
        if not sources:
            return [], errors
        outcomes = asyncio.run(self._fetch_sources(sources, day, transport))

        postings: list[JobPosting] = []
        seen: set[tuple[str, str]] = set()
        for found, error in outcomes:
            for posting in found:
                key = (posting.source, posting.external_id)
                if key not in seen:
                    seen.add(key)
                    postings.append(posting)
            if error:
                errors.append(error)
        return postings, errors

    # -- per source -----------------------------------------------------------------------------

    def _credentials_missing(self, source: str) -> str | None:
        if source == ADZUNA and not ((self.adzuna_app_id or "").strip()
                                     and (self.adzuna_app_key or "").strip()):
            return "ADZUNA_APP_ID and ADZUNA_APP_KEY must both be set"
        if source == GOOGLE_JOBS and not (self.serpapi_key or "").strip():
            return "SERPAPI_KEY is not set"
        return None

    async def _fetch_sources(
        self, sources: list[str], day: date, transport: httpx.AsyncBaseTransport | None
    ) -> list[tuple[list[JobPosting], str | None]]:
        async with board_client(timeout_seconds=self.timeout_seconds, transport=transport) as http:
            # Independent providers with independent limits: fetch them side by side.
            return await asyncio.gather(*(self._fetch_source(s, day, http) for s in sources))

    async def _fetch_source(
        self, source: str, day: date, client: httpx.AsyncClient
    ) -> tuple[list[JobPosting], str | None]:
        missing = self._credentials_missing(source)
        if missing:
            return [], f"{source}: {missing}"
        found: list[JobPosting] = []
        started = time.monotonic()
        try:
            provider = Provider(source, self.limits())
            http = BoardHttp(source, client, provider, timeout_seconds=self.timeout_seconds)
            if source == ADZUNA:
                await self._fetch_adzuna(http, day, found)
            else:
                await self._fetch_google(http, day, found)
        except JobBoardError as exc:
            return found, str(exc)
        except Exception as exc:  # one broken source must not take the others down
            log.exception("%s: unexpected failure", source)
            return found, redact(f"{source}: unexpected {type(exc).__name__}: {exc}")
        log.info("%s: %d postings for %s in %.1f s (%d requests, %d retries)", source,
                 len({p.external_id for p in found}), day, time.monotonic() - started,
                 provider.stats.requests, provider.stats.retries)
        return found, None

    async def _fetch_adzuna(self, http: BoardHttp, day: date, found: list[JobPosting]) -> None:
        client = AdzunaClient(
            http,
            app_id=(self.adzuna_app_id or "").strip(),
            app_key=(self.adzuna_app_key or "").strip(),
            base_url=self.adzuna_base_url,
            results_per_page=self.results_per_page,
            max_pages=self.max_pages,
        )
        countries = _unique(c.lower() for c in _split(self.adzuna_countries))
        skipped = [c for c in countries if c not in ADZUNA_COUNTRIES]
        if skipped:
            log.info("adzuna: no Adzuna index for %s; skipped", ", ".join(skipped))
        # max_days_old counts back from the provider's today, so cover the day asked for and
        # drop anything newer by its creation time.
        today = datetime.now(timezone.utc).date()
        max_days_old = max(1, (today - day).days + 1)
        for country in (c for c in countries if c in ADZUNA_COUNTRIES):
            for query in _split(self.queries):
                found.extend(await client.search(country, query, max_days_old=max_days_old,
                                                 day=day))

    async def _fetch_google(self, http: BoardHttp, day: date, found: list[JobPosting]) -> None:
        client = GoogleJobsClient(
            http,
            api_key=(self.serpapi_key or "").strip(),
            base_url=self.serpapi_base_url,
            max_pages=self.max_pages,
        )
        for location in _split(self.serpapi_locations, ";") or [""]:
            for query in _split(self.queries):
                found.extend(await client.search(query, location or None, day=day))
