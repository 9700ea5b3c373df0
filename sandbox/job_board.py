"""A loopback job board that speaks both Adzuna's job search API and SerpApi's Google Jobs API.

It serves the seeded sample postings of one day (``sample_data.postings(day, seed)``): the Adzuna
ones under ``/v1/api/jobs/{country}/search/{page}``, the Google Jobs ones under
``/search.json?engine=google_jobs``, with the providers' response shapes, paging, credential
checks and error bodies. Keywords (``what``, ``q``) are accepted but do not narrow the results:
real search ranks loosely too, and the clients must cope with the same posting coming back for
several queries.

The clock is real: Adzuna's ``max_days_old`` and Google's "2 days ago" are relative to now, so a
server for a past day serves its postings only to a query whose window reaches back that far.

Test hooks: ``fail_first`` fails the first N requests (optionally for one API only) with 429 and
``Retry-After`` or with 503; ``requests`` records every request with keys redacted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import json
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from sandbox import sample_data
from sandbox.sample_data import ADZUNA, COUNTRIES, GOOGLE_JOBS, SamplePosting
from sandbox.server import LoopbackServer, QuietHandler

ADZUNA_API = "adzuna"
SERPAPI = "serpapi"

# The countries Adzuna indexes; anything else gets the error the real API gives an unknown site.
ADZUNA_COUNTRIES = frozenset(
    "gb us at au be br ca ch de es fr in it mx nl nz pl sg za".split()
)
_AREA_COUNTRY = {"US": "US", "GB": "UK", "DE": "Deutschland", "AT": "Österreich",
                 "CH": "Schweiz", "FR": "France", "ES": "España", "IT": "Italia",
                 "NL": "Nederland"}
_SECRET = re.compile(r"(?i)\b((?:app_key|api_key)=)[^&\s]+")
_ADZUNA_PATH = re.compile(r"^/v1/api/jobs/([A-Za-z]{2})/search/(\d+)/?$")
_DESCRIPTION_LIMIT = 500


@dataclass(frozen=True)
class SandboxRequest:
    api: str
    path: str
    """Path and query as received, with app_key/api_key values replaced by ***."""
    status: int
    at: float
    """time.monotonic() when the request arrived."""


@dataclass(frozen=True)
class _Reply:
    status: int
    body: dict[str, Any]
    headers: tuple[tuple[str, str], ...] = ()


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


class JobBoardServer(LoopbackServer):
    """Both job board APIs on 127.0.0.1 and a free port. Use as a context manager or call
    ``start()`` and ``stop()``; ``url`` is the base URL for both clients."""

    def __init__(
        self,
        day: date | None = None,
        seed: int = sample_data.DEFAULT_SEED,
        app_id: str = "sandbox",
        app_key: str = "sandbox-key",
        serpapi_key: str = "sandbox-key",
        *,
        fail_first: int = 0,
        fail_status: int = 429,
        fail_api: str | None = None,
        retry_after: str | None = "1",
        serpapi_page_size: int = 10,
    ) -> None:
        if fail_status not in (429, 503):
            raise ValueError("fail_status must be 429 or 503")
        if fail_api not in (None, ADZUNA_API, SERPAPI):
            raise ValueError(f"fail_api must be None, {ADZUNA_API!r} or {SERPAPI!r}")
        super().__init__(_Handler, thread_name="sandbox-job-board", label="sandbox job board")
        self.day = day or datetime.now(timezone.utc).date()
        self.seed = seed
        self.app_id, self.app_key, self.serpapi_key = app_id, app_key, serpapi_key
        self.fail_first, self.fail_status, self.fail_api = fail_first, fail_status, fail_api
        self.retry_after = retry_after
        self.serpapi_page_size = max(1, serpapi_page_size)
        self.postings = sample_data.postings(self.day, seed)
        self.requests: list[SandboxRequest] = []
        self._failed = 0
        self._cities = {(c.code, city.name): (c, city) for c in COUNTRIES for city in c.cities}

    # -- for assertions -------------------------------------------------------------------------

    @property
    def paths(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.requests]

    def expected(self, source: str, country: str | None = None) -> list[SamplePosting]:
        """The postings this server holds for one board (and country), for assertions."""
        return [p for p in self.postings
                if p.source == source and (country is None or p.country == country.upper())]

    # -- dispatch -------------------------------------------------------------------------------

    def handle(self, raw_path: str) -> _Reply:
        arrived = time.monotonic()
        parts = urlsplit(raw_path)
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        api = ADZUNA_API if parts.path.startswith("/v1/api/") else SERPAPI
        reply = self._injected_failure(api)
        if reply is None:
            try:
                if _ADZUNA_PATH.match(parts.path):
                    reply = self._adzuna(parts.path, params)
                elif parts.path.rstrip("/") == "/search.json":
                    reply = self._serpapi(params)
                else:
                    reply = _Reply(404, {"error": f"No route for {parts.path}"})
            except Exception as exc:  # a sandbox bug should read as a server error, not a hang
                reply = _Reply(500, {"error": f"sandbox failure: {type(exc).__name__}: {exc}"})
        with self._lock:
            self.requests.append(
                SandboxRequest(api, _SECRET.sub(r"\1***", raw_path), reply.status, arrived)
            )
        return reply

    def _injected_failure(self, api: str) -> _Reply | None:
        if self.fail_api not in (None, api):
            return None
        with self._lock:
            if self._failed >= self.fail_first:
                return None
            self._failed += 1
        if self.fail_status == 429:
            headers = (("Retry-After", self.retry_after),) if self.retry_after else ()
            body = ({"display": "Too many requests", "exception": "RATE_LIMITED"}
                    if api == ADZUNA_API else {"error": "Too many requests, slow down."})
            return _Reply(429, body, headers)
        return _Reply(503, {"error": "Service temporarily unavailable"})

    # -- Adzuna ---------------------------------------------------------------------------------

    def _adzuna(self, path: str, params: dict[str, str]) -> _Reply:
        match = _ADZUNA_PATH.match(path)
        assert match is not None
        country, page = match.group(1).lower(), int(match.group(2))
        if params.get("app_id") != self.app_id or params.get("app_key") != self.app_key:
            return _Reply(401, {"__CLASS__": "Adzuna::API::Response::Exception",
                                "display": "Authorisation failed", "exception": "AUTH_FAIL",
                                "doc": "https://api.adzuna.com/v1/doc"})
        if country not in ADZUNA_COUNTRIES:
            return _Reply(400, {"__CLASS__": "Adzuna::API::Response::Exception",
                                "display": f"Unknown country '{country}'",
                                "exception": "INVALID_COUNTRY"})
        try:
            per_page = int(params.get("results_per_page", "10"))
            max_days_old = int(params["max_days_old"]) if params.get("max_days_old") else None
        except ValueError:
            return _Reply(400, {"display": "Invalid parameter", "exception": "BAD_REQUEST"})
        if page < 1 or not 1 <= per_page <= 50:
            return _Reply(400, {"display": "Invalid page or results_per_page",
                                "exception": "BAD_REQUEST"})

        matching = [
            p for p in self.postings if p.source == ADZUNA and p.country == country.upper()
        ] if self._within(max_days_old) else []
        matching.sort(key=lambda p: (p.posted_at, p.external_id), reverse=True)
        window = matching[(page - 1) * per_page: page * per_page]
        what = params.get("what", "")
        return _Reply(200, {
            "__CLASS__": "Adzuna::API::Response::JobSearchResults",
            "count": len(matching),
            "mean": 0,
            "results": [self._adzuna_result(p, what) for p in window],
        })

    def _within(self, max_days_old: int | None) -> bool:
        if max_days_old is None:
            return True
        today = datetime.now(timezone.utc).date()
        return (today - self.day).days < max_days_old

    def _adzuna_result(self, posting: SamplePosting, what: str) -> dict[str, Any]:
        # Adzuna returns titles as HTML with the matched words in <strong>.
        title = html.escape(posting.title, quote=False)
        words = sorted({w for w in re.findall(r"\w+", what.lower()) if len(w) >= 3})
        if words:
            pattern = "|".join(re.escape(w) for w in words)
            title = re.sub(rf"(?i)\b({pattern})\b", r"<strong>\1</strong>", title)
        description = posting.description
        if len(description) > _DESCRIPTION_LIMIT:
            description = description[:_DESCRIPTION_LIMIT].rstrip() + "…"
        area = [_AREA_COUNTRY.get(posting.country, posting.country), posting.region, posting.city]
        if posting.region == posting.city:
            area = area[:2]
        hospitality = posting.hotel_id is not None
        return {
            "__CLASS__": "Adzuna::API::Response::Job",
            "id": posting.external_id,
            "adref": base64.b64encode(posting.external_id.encode()).decode(),
            "title": title,
            "description": description,
            "redirect_url": posting.url,
            "created": posting.posted_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "company": {"__CLASS__": "Adzuna::API::Response::Company",
                        "display_name": posting.company},
            "location": {"__CLASS__": "Adzuna::API::Response::Location",
                         "display_name": posting.location, "area": area},
            "category": {"__CLASS__": "Adzuna::API::Response::Category",
                         "label": "Hospitality & Catering Jobs" if hospitality
                         else "Other/General Jobs",
                         "tag": "hospitality-catering-jobs" if hospitality
                         else "other-general-jobs"},
            "contract_time": "part_time" if "part time" in posting.title.lower()
            else "full_time",
            "salary_is_predicted": "1",
        }

    # -- SerpApi Google Jobs --------------------------------------------------------------------

    def _serpapi(self, params: dict[str, str]) -> _Reply:
        if params.get("engine") != "google_jobs":
            return _Reply(400, {"error": "Unsupported `engine` parameter."})
        if params.get("api_key") != self.serpapi_key:
            return _Reply(401, {"error": "Invalid API key. Your API key should be here: "
                                         "https://serpapi.com/manage-api-key"})
        query = params.get("q", "").strip()
        if not query:
            return _Reply(400, {"error": "Missing query `q` parameter."})
        location = params.get("location", "")
        offset = 0
        if params.get("next_page_token"):
            decoded = self._read_token(params["next_page_token"], query, location)
            if decoded is None:
                return _Reply(400, {"error": "Invalid `next_page_token` parameter."})
            offset = decoded

        candidates = [p for p in self.postings if p.source == GOOGLE_JOBS]
        keep = self._location_filter(location, candidates)
        matching = [p for p in candidates if keep(p)]
        matching.sort(key=lambda p: (p.posted_at, p.external_id), reverse=True)
        window = matching[offset: offset + self.serpapi_page_size]
        now = datetime.now(timezone.utc)
        metadata = {
            "id": hashlib.sha1(f"{query}|{location}|{offset}".encode()).hexdigest()[:24],
            "status": "Success",
            "json_endpoint": f"{self.url}/searches/{offset}.json",
            "created_at": now.strftime("%Y-%m-%d %H:%M:%S UTC"),
            "google_jobs_url": "https://www.google.com/search?" + urlencode(
                {"q": query, "ibp": "htl;jobs", "hl": params.get("hl", "en")}),
            "total_time_taken": 0.01,
        }
        search_parameters = {"engine": "google_jobs", "q": query, "hl": params.get("hl", "en")}
        if location:
            search_parameters["location_requested"] = location
        if not window:
            return _Reply(200, {
                "search_metadata": metadata,
                "search_parameters": search_parameters,
                "error": "Google hasn't returned any results for this query.",
            })
        body: dict[str, Any] = {
            "search_metadata": metadata,
            "search_parameters": search_parameters,
            "jobs_results": [self._google_result(p, query, now) for p in window],
        }
        if offset + self.serpapi_page_size < len(matching):
            token = self._make_token(offset + self.serpapi_page_size, query, location)
            next_params = {"engine": "google_jobs", "q": query, "next_page_token": token}
            if location:
                next_params["location"] = location
            body["serpapi_pagination"] = {
                "next_page_token": token,
                "next": f"{self.url}/search.json?{urlencode(next_params)}",
            }
        return _Reply(200, body)

    def _location_filter(
        self, location: str, candidates: list[SamplePosting]
    ) -> Callable[[SamplePosting], bool]:
        """A country name narrows to that country, a city name to that city; a string that
        matches nothing this board knows is ignored rather than answered with nothing."""
        wanted = _fold(location).strip()
        if not wanted:
            return lambda p: True
        cities = {
            key for key, (_, city) in self._cities.items()
            if re.search(rf"\b{re.escape(_fold(city.name))}\b", wanted)
            or re.search(rf"\b{re.escape(_fold(city.name_en))}\b", wanted)
        }
        countries = {
            c.code for c in COUNTRIES
            if any(re.search(rf"\b{re.escape(_fold(name))}\b", wanted)
                   for name in (c.name_en, c.name_local))
        }
        if countries:
            cities = {key for key in cities if key[0] in countries}
        if cities:
            return lambda p: (p.country, p.city) in cities
        if countries:
            return lambda p: p.country in countries
        if any(wanted in _fold(p.location) for p in candidates):
            return lambda p: wanted in _fold(p.location)
        return lambda p: True

    def _google_result(self, posting: SamplePosting, query: str,
                       now: datetime) -> dict[str, Any]:
        age = _relative_age(now, posting.posted_at)
        schedule = "Part-time" if "part time" in posting.title.lower() else "Full-time"
        host = urlsplit(posting.url).hostname or ""
        via = ("Indeed" if "indeed." in host else "LinkedIn" if "linkedin." in host
               else f"{posting.company} Careers")
        doc_id = hashlib.sha1(posting.external_id.encode()).hexdigest()[:22]
        return {
            "title": posting.title,
            "company_name": posting.company,
            "location": posting.location,
            "via": via,
            "share_link": ("https://www.google.com/search?ibp=htl;jobs&q=" + quote(query)
                           + f"#htivrt=jobs&htidocid={doc_id}"),
            "extensions": [age, schedule],
            "detected_extensions": {"posted_at": age, "schedule_type": schedule},
            "description": posting.description,
            "apply_options": [{"title": via, "link": posting.url}],
            "job_id": posting.external_id,
        }

    def _make_token(self, offset: int, query: str, location: str) -> str:
        raw = json.dumps({"o": offset, "q": query, "l": location}, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def _read_token(self, token: str, query: str, location: str) -> int | None:
        try:
            padded = token + "=" * (-len(token) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        except (ValueError, binascii.Error):
            return None
        if not isinstance(data, dict) or data.get("q") != query or data.get("l") != location:
            return None
        offset = data.get("o")
        return offset if isinstance(offset, int) and offset >= 0 else None


def _relative_age(now: datetime, posted_at: datetime) -> str:
    """Google's coarse age, rounded down to whole units; a future time reads as just posted."""
    seconds = (now - posted_at).total_seconds()
    if seconds < 60:
        return "just posted"
    minutes, hours, days = int(seconds // 60), int(seconds // 3600), int(seconds // 86400)
    if hours < 1:
        return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    if days < 1:
        return f"{hours} hour{'s' if hours != 1 else ''} ago"
    if days < 30:
        return f"{days} day{'s' if days != 1 else ''} ago"
    return "30+ days ago"


class _Handler(QuietHandler):
    server_version = "SandboxJobBoard/1.0"

    def do_GET(self) -> None:
        reply = self.server.owner.handle(self.path)
        self.send_json(reply.status, reply.body, reply.headers)
