"""Web search, for finding a hotel's own website when all we have is its name and city.

``WebSearch`` is the Dagster resource; ``async with web_search.client() as search`` yields a client
whose ``search(query, region=...)`` returns ranked ``SearchResult``s or raises ``ProviderError``.
Every request goes through a ``throttle.Provider`` (strict rate limit, bounded concurrency,
retries with backoff, circuit breaker), so a batch of a few thousand hotels cannot hammer the
search engine however many of them run at once.

Providers are classes registered by name in ``SEARCH_PROVIDERS`` (``@register_provider``); the
resource's ``provider`` setting picks one. A new provider (Brave, SerpApi, ...) is one subclass of
``SearchClient`` with a ``name``, a ``default_base_url`` and a ``search`` method; it gets the shared
``httpx.AsyncClient``, the ``Provider`` and the settings (``api_key`` included) from the resource.

DuckDuckGo (the only built-in) has no API: the client speaks the HTML endpoint a browser without
JavaScript uses, ``POST {base_url}/html/`` with the form fields ``q`` and ``kl`` (region, e.g.
``de-de``), and reads the result markup:

- each organic result is a ``div.result`` holding ``a.result__a`` (title and link) and
  ``.result__snippet``; ads are the same markup with ``result--ad`` and are skipped;
- links usually point at DuckDuckGo's redirector, ``//duckduckgo.com/l/?uddg=<target>&rut=...``,
  and are unwrapped to the target;
- a search without hits answers 200 with ``div.no-results``, which is an empty list, not an error.

DuckDuckGo does not send 429. When it thinks it is talking to a bot it answers HTTP 202 (sometimes
403, sometimes even 200) with an "anomaly" page (a challenge form, "Unfortunately, bots use
DuckDuckGo too.") instead of results. The client hands such an answer to the throttle as a
synthetic 429, so it is retried with exponential backoff like any other rate limit; when the
retries run out the ``ProviderError`` says it was the bot challenge (``status`` 202 or 403). A 200
page with neither results nor the no-results marker raises too: it means the markup changed, and
an empty list would silently read as "this hotel has no website".
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import ClassVar, TypeVar
from urllib.parse import parse_qs, urljoin, urlsplit

import dagster as dg
import httpx
from pydantic import Field
from selectolax.lexbor import LexborHTMLParser

from jengu_resources.throttle import Provider, ProviderError, ProviderLimits

DEFAULT_DUCKDUCKGO_URL = "https://html.duckduckgo.com"

# DuckDuckGo serves the no-JavaScript page to browsers; an obvious library user agent is the
# quickest way to the bot challenge.
_BROWSER_HEADERS = {
    "User-Agent": (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0 Safari/537.36"
    ),
    "Accept": "text/html,application/xhtml+xml",
    "Accept-Language": "en;q=0.8, *;q=0.5",
}
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class SearchResult:
    rank: int
    """1-based position among the organic results (ads are not counted)."""
    title: str
    url: str
    snippet: str


@dataclass(frozen=True)
class SearchSettings:
    """What a provider class gets from the resource besides the HTTP client and the throttle."""

    base_url: str
    region: str = ""
    max_results: int = 10
    api_key: str | None = None


class SearchClient(ABC):
    """One search provider. Subclasses register with ``@register_provider``."""

    name: ClassVar[str]
    default_base_url: ClassVar[str]

    def __init__(self, http: httpx.AsyncClient, provider: Provider, settings: SearchSettings):
        self.http, self.provider, self.settings = http, provider, settings

    @abstractmethod
    async def search(self, query: str, *, region: str | None = None) -> list[SearchResult]:
        """Ranked organic results for ``query``; [] when the engine found nothing.

        ``region`` overrides the resource's default for this query: the provider's own code
        (DuckDuckGo ``de-de``) or an ISO country code that the provider translates.
        Raises ``ProviderError`` when the search failed.
        """


_C = TypeVar("_C", bound=type[SearchClient])
SEARCH_PROVIDERS: dict[str, type[SearchClient]] = {}


def register_provider(cls: _C) -> _C:
    """Class decorator: make a provider selectable by its ``name``."""
    SEARCH_PROVIDERS[cls.name.lower()] = cls
    return cls


def provider_class(name: str) -> type[SearchClient]:
    """The provider registered as ``name`` (case-insensitive); ValueError names the known ones."""
    key = name.strip().lower()
    if key not in SEARCH_PROVIDERS:
        known = ", ".join(sorted(SEARCH_PROVIDERS)) or "none"
        raise ValueError(f"unknown search provider {name!r} (known: {known})")
    return SEARCH_PROVIDERS[key]


# -- DuckDuckGo ---------------------------------------------------------------------------------

# DuckDuckGo's ``kl`` codes for the countries we work in; anything else passes through unchanged.
DUCKDUCKGO_REGIONS = {
    "US": "us-en", "GB": "uk-en", "IE": "ie-en", "DE": "de-de", "AT": "at-de", "CH": "ch-de",
    "FR": "fr-fr", "ES": "es-es", "IT": "it-it", "NL": "nl-nl", "PT": "pt-pt", "BE": "be-nl",
    "DK": "dk-da", "SE": "se-sv", "NO": "no-no", "FI": "fi-fi", "PL": "pl-pl", "CZ": "cz-cs",
    "GR": "gr-el", "CA": "ca-en", "AU": "au-en", "NZ": "nz-en",
}
_ANOMALY_MARKERS = ("anomaly-modal", "challenge-form", "bots use duckduckgo")


@register_provider
class DuckDuckGo(SearchClient):
    """DuckDuckGo's no-JavaScript HTML endpoint (see the module docstring for the markup)."""

    name = "duckduckgo"
    default_base_url = DEFAULT_DUCKDUCKGO_URL

    async def search(self, query: str, *, region: str | None = None) -> list[SearchResult]:
        query = _WHITESPACE.sub(" ", query).strip()
        if not query:
            return []
        form = {"q": query, "b": ""}
        kl = self.region_code(self.settings.region if region is None else region)
        if kl:
            form["kl"] = kl
        url = self.settings.base_url.rstrip("/") + "/html/"
        challenged: list[int] = []

        async def send() -> httpx.Response:
            response = await self.http.post(url, data=form, headers={"Referer": url})
            if _is_bot_challenge(response):
                challenged.append(response.status_code)
                # The throttle retries 429s with backoff; a challenge is a rate limit in disguise.
                return httpx.Response(429, request=response.request)
            return response

        try:
            response = await self.provider.call(send)
        except ProviderError as exc:
            if challenged and exc.status == 429:
                raise ProviderError(
                    self.provider.name,
                    f"bot challenge (HTTP {challenged[-1]} anomaly page) after "
                    f"{exc.attempts} attempts",
                    status=challenged[-1], attempts=exc.attempts,
                ) from None
            raise
        if response.status_code != 200:
            raise ProviderError(
                self.provider.name, f"HTTP {response.status_code} for query {query!r}",
                status=response.status_code, attempts=1,
            )
        try:
            return parse_duckduckgo_html(response.text, max_results=self.settings.max_results)
        except ValueError as exc:
            raise ProviderError(self.provider.name, str(exc), status=200) from None

    @staticmethod
    def region_code(region: str) -> str:
        """``kl`` for an ISO country code ("DE" -> "de-de"); a DuckDuckGo code passes through."""
        region = region.strip()
        return DUCKDUCKGO_REGIONS.get(region.upper(), region.lower()) if region else ""


def _is_bot_challenge(response: httpx.Response) -> bool:
    if response.status_code not in (200, 202, 403):
        return False
    text = response.text.lower()
    if "result__a" in text or "no-results" in text:
        return False  # a real answer, even if a snippet happens to talk about bots
    # A 202 or 403 without result markup is the same throttle even if the page's wording changes.
    return response.status_code != 200 or any(marker in text for marker in _ANOMALY_MARKERS)


def parse_duckduckgo_html(html: str, *, max_results: int = 10) -> list[SearchResult]:
    """The organic results of a DuckDuckGo HTML page, ads skipped and redirect links unwrapped.

    [] for the no-results page; ValueError for a page that is neither (the markup changed).
    """
    tree = LexborHTMLParser(html)
    results: list[SearchResult] = []
    seen: set[str] = set()
    found_any = False
    for node in tree.css("div.result"):
        classes = (node.attributes.get("class") or "").split()
        if "result--ad" in classes:
            continue
        link = node.css_first("a.result__a")
        if link is None:
            continue
        found_any = True
        url = unwrap_duckduckgo_url(link.attributes.get("href") or "")
        if url is None or url in seen:
            continue
        seen.add(url)
        snippet = node.css_first(".result__snippet")
        results.append(SearchResult(
            rank=len(results) + 1,
            title=_text(link.text(deep=True)),
            url=url,
            snippet=_text(snippet.text(deep=True)) if snippet is not None else "",
        ))
        if len(results) >= max_results:
            break
    if not found_any and tree.css_first("div.no-results") is None:
        raise ValueError("DuckDuckGo page has neither results nor a no-results marker")
    return results


def unwrap_duckduckgo_url(href: str) -> str | None:
    """The target of a result link: ``//duckduckgo.com/l/?uddg=<target>`` is unwrapped, an ad
    (``/y.js``) or anything that is not http(s) is None."""
    href = href.strip()
    if not href:
        return None
    absolute = urljoin("https://duckduckgo.com/", href)
    parts = urlsplit(absolute)
    host = (parts.hostname or "").lower()
    if host == "duckduckgo.com" or host.endswith(".duckduckgo.com"):
        if parts.path.startswith("/l/"):
            target = parse_qs(parts.query).get("uddg", [""])[0]
            return unwrap_duckduckgo_url(target) if target else None
        return None  # ads (/y.js) and DuckDuckGo's own pages
    return absolute if parts.scheme in ("http", "https") and host else None


def _text(value: str) -> str:
    return _WHITESPACE.sub(" ", value).strip()


# -- the resource -------------------------------------------------------------------------------


class WebSearch(dg.ConfigurableResource):
    """Web search through one provider, within that provider's limits."""

    provider: str = Field(
        default="duckduckgo",
        description="Search provider by name; see jengu_resources.search.SEARCH_PROVIDERS.",
    )
    base_url: str = Field(
        default=DEFAULT_DUCKDUCKGO_URL,
        description="Provider endpoint; the loopback sandbox in tests and demos. Set it together "
        "with provider when switching to another provider.",
    )
    api_key: str | None = Field(
        default=None, description="Key for providers that need one (DuckDuckGo does not)."
    )
    region: str = Field(
        default="",
        description="Default region: the provider's code (DuckDuckGo 'de-de') or an ISO country "
        "code; empty for none.",
    )
    requests_per_second: float = Field(
        default=1.0, description="Client-side limit, never exceeded, not even in a burst."
    )
    max_concurrency: int = Field(default=4, description="Requests in flight at most.")
    timeout_seconds: float = Field(default=15.0, description="Total deadline per request.")
    max_results: int = Field(default=10, description="Results kept per query.")
    max_attempts: int = Field(default=4, description="Attempts per query before giving up.")
    backoff_seconds: float = Field(
        default=2.0,
        description="First retry wait; doubles. DuckDuckGo's bot challenge lifts slowly, so "
        "short waits only earn more challenges.",
    )

    def limits(self) -> ProviderLimits:
        return ProviderLimits(
            requests_per_second=self.requests_per_second,
            max_concurrency=self.max_concurrency,
            max_attempts=self.max_attempts,
            backoff_seconds=self.backoff_seconds,
        )

    @asynccontextmanager
    async def client(
        self, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> AsyncIterator[SearchClient]:
        """A search client for use inside one event loop (the throttle belongs to that loop)."""
        cls = provider_class(self.provider)
        settings = SearchSettings(
            base_url=self.base_url or cls.default_base_url,
            region=self.region,
            max_results=self.max_results,
            api_key=self.api_key,
        )
        timeout = httpx.Timeout(self.timeout_seconds, connect=min(5.0, self.timeout_seconds))
        limits = httpx.Limits(max_connections=max(1, self.max_concurrency))
        async with httpx.AsyncClient(
            timeout=timeout, limits=limits, headers=_BROWSER_HEADERS, transport=transport,
            follow_redirects=True,
        ) as http:
            yield cls(http, Provider(cls.name, self.limits()), settings)


__all__ = [
    "DEFAULT_DUCKDUCKGO_URL", "DUCKDUCKGO_REGIONS", "SEARCH_PROVIDERS", "DuckDuckGo",
    "ProviderError", "SearchClient", "SearchResult", "SearchSettings", "WebSearch",
    "parse_duckduckgo_html", "provider_class", "register_provider", "unwrap_duckduckgo_url",
]
