"""The safe fetcher: every web page Jengu downloads goes through ``SafeFetcher``.

Hotel websites come from CSV imports and search results, so a URL is untrusted input. The fetcher
therefore refuses to reach anything but the public internet (no SSRF into the machine it runs on
or its network), bounds what a page may cost, and keeps a disk cache so a rerun does not download
the same pages again.

Rules, per request and again for every redirect hop:

- http and https only, no user:password in the URL, any port;
- numeric hosts are normalised the way a socket library would read them (``2130706433``,
  ``0x7f.1`` and ``0177.0.0.1`` are all 127.0.0.1) and checked like resolved addresses;
- a hostname is resolved once; if any address is private, loopback, link-local, multicast,
  reserved, unspecified, shared (100.64/10), or an IPv4-mapped / 6to4 / NAT64 wrapper of one, the
  request is refused. The connection then goes to the checked address itself, with the Host
  header and TLS SNI and certificate verification for the hostname, so a second lookup cannot
  swap in another address (DNS rebinding);
- redirects are followed by hand, at most ``max_redirects`` of them;
- the content type is checked from the headers before the body is read, and the body is read
  as a stream and abandoned once it passes ``max_bytes``;
- connect timeout per connection, total timeout per exchange (one hop, one attempt).

Pacing, concurrency, retries (honouring ``Retry-After``) and the circuit breaker come from one
``throttle.Provider`` per session. The breaker opens only after many consecutive failures: a few
dead hotel sites in a row are normal, all of them failing means our own network is down.

``sandbox_routes`` (``host=127.0.0.1:PORT,...``) sends requests for exactly those hostnames over
plain HTTP to that address, keeping the Host header; it is the only way a loopback or private
address is ever reached, and exists for the loopback sandbox.

The disk cache (``cache_dir``, default ``JENGU_HOME/cache/http``) stores bodies by content
(``blobs/ab/cdef...``, the sha256 of the body) and metadata JSON in ``index/``, one entry under
the normalised requested URL and one under the final URL, so fetching either later is a hit.
Entries older than ``cache_ttl_seconds`` are ignored. Files are written to a temporary name and
renamed, so a concurrent reader (another process included) sees a whole file or none. Only 2xx
HTML/text responses are cached.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ipaddress
import json
import logging
import os
import re
import socket
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import dagster as dg
import httpx
from pydantic import Field

from jengu_resources.paths import jengu_home
from jengu_resources.text_decoding import BOMS, decode_html, file_signature
from jengu_resources.throttle import (
    RETRYABLE_STATUS,
    CircuitOpenError,
    Provider,
    ProviderError,
    ProviderLimits,
)

log = logging.getLogger("jengu.fetcher")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], Awaitable[Sequence[str]]]
"""Async hostname -> IP address strings. Raises ``OSError`` (``socket.gaierror``) for a name that
does not resolve."""

REASONS = frozenset({
    "blocked_address", "dns_error", "timeout", "too_large", "content_type",
    "too_many_redirects", "http_status", "connect_error", "bad_url", "circuit_open",
})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
DEFAULT_PORTS = {"http": 80, "https": 443}

_SHARED = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_HOST_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_NUMERIC_LABEL = re.compile(r"^(?:0[xX][0-9a-fA-F]*|[0-9]+)$")
_ACCEPT = "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1"


class FetchError(Exception):
    """A page could not be fetched, or was refused. ``reason`` is a short code (see ``REASONS``),
    ``url`` the URL asked for, ``status`` the HTTP status when there was one."""

    def __init__(self, url: str, reason: str, detail: str, *, status: int | None = None) -> None:
        self.url, self.reason, self.status, self.detail = url, reason, status, detail
        super().__init__(f"{url}: {detail} [{reason}]")


@dataclass
class FetchResult:
    url: str
    """The URL as requested."""
    final_url: str
    """Where the content came from, after redirects (normalised)."""
    status: int
    content_type: str
    """The media type without parameters; sniffed when the server sent none."""
    charset: str | None
    """As declared in the Content-Type header, if at all."""
    body: bytes = field(repr=False)
    redirects: list[str] = field(default_factory=list)
    """Every URL that answered with a redirect, in order; empty when there was none."""
    from_cache: bool = False
    fetched_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @cached_property
    def text(self) -> str:
        """The body as text: the header charset is one hint among several (see
        ``decode_html``), since hotel sites often declare the wrong one."""
        return decode_html(self.body, self.charset)


# -- content sniffing ----------------------------------------------------------------------------

_HTML_START = re.compile(
    rb"^\s*(?:<!doctype\s+html|<html|<head|<body|<!--|<title|<meta|<div|<p[\s>]|<script)", re.I
)


def sniff_content_type(body: bytes) -> str | None:
    """``text/html``, ``text/plain`` or None (binary) for a body sent without a content type."""
    head = body[:1024]
    for bom, _ in BOMS:
        if head.startswith(bom):
            rest = body[len(bom):len(bom) + 1024]
            return "text/html" if _HTML_START.match(rest) else "text/plain"
    if file_signature(head) or b"\x00" in head:
        return None
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    if head and controls / len(head) > 0.05:
        return None
    return "text/html" if _HTML_START.match(head) else "text/plain"


# -- addresses and URLs --------------------------------------------------------------------------


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public_address(ip: IPAddress) -> bool:
    """True when ``ip`` is an ordinary internet address a fetch may connect to."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return False
        inner = _embedded_ipv4(ip)
        if inner is not None:
            # The wrapper reaches whatever it wraps: judge the IPv4 address inside.
            return is_public_address(inner)
        if ip in _NAT64_LOCAL or ip in _IPV4_COMPATIBLE or ip.is_site_local:
            return False
    elif ip in _SHARED:
        return False
    return ip.is_global and not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
        or ip.is_reserved or ip.is_unspecified
    )


def _parse_ipv4_number(label: str) -> int:
    if label[:2].lower() == "0x":
        return int(label[2:] or "0", 16)
    if len(label) > 1 and label.startswith("0"):
        return int(label[1:], 8)
    return int(label, 10)


def parse_numeric_host(host: str) -> IPAddress | None:
    """The address a numeric host stands for, or None for a name. Accepts what inet_aton does:
    1-4 parts, each decimal, 0x-hex or 0-octal, the last filling the remaining bytes. Raises
    ValueError for a host that is numeric but no valid address."""
    if ":" in host:
        return ipaddress.IPv6Address(host)
    labels = host.split(".")
    if not _NUMERIC_LABEL.match(labels[-1]):
        return None
    if len(labels) > 4 or not all(_NUMERIC_LABEL.match(label) for label in labels):
        raise ValueError(f"{host!r} is not a valid IPv4 address")
    numbers = [_parse_ipv4_number(label) for label in labels]
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise ValueError(f"{host!r} is not a valid IPv4 address")
    value = 0
    for n in numbers[:-1]:
        value = value * 256 + n
    value = value * 256 ** (5 - len(numbers)) + numbers[-1]
    return ipaddress.IPv4Address(value)


@dataclass(frozen=True)
class Target:
    """One URL, parsed, checked for form and normalised."""

    scheme: str
    host: str
    """ASCII (IDNA) hostname, or the canonical text of an IP address."""
    port: int
    explicit_port: bool
    path: str
    """Path and query, never empty."""
    ip: IPAddress | None
    """Set when the URL names an address instead of a hostname."""

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if isinstance(self.ip, ipaddress.IPv6Address) else self.host
        port = f":{self.port}" if self.explicit_port else ""
        return f"{self.scheme}://{host}{port}{self.path}"

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if isinstance(self.ip, ipaddress.IPv6Address) else self.host
        return f"{host}:{self.port}" if self.explicit_port else host


_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


def parse_target(url: str) -> Target:
    """Parse and normalise ``url``. Raises ValueError for anything but a plain http(s) URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"malformed URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"scheme {parts.scheme or '(none)'!r} is not http or https")
    if "@" in parts.netloc:
        raise ValueError("credentials in URLs are not allowed")
    raw_host = parts.hostname or ""
    if not raw_host:
        raise ValueError("no host")
    if "%" in raw_host:
        raise ValueError("percent signs and IPv6 zone ids are not allowed in the host")
    host = raw_host if ":" in raw_host else raw_host.rstrip(".")
    try:
        ip = parse_numeric_host(host)
    except ValueError as exc:
        raise ValueError(str(exc)) from None
    if ip is not None:
        host = str(ip)
    else:
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            raise ValueError(f"invalid hostname {raw_host!r}") from None
        labels = host.split(".")
        if len(host) > 253 or not all(_HOST_LABEL.match(label) for label in labels):
            raise ValueError(f"invalid hostname {raw_host!r}")
    default = DEFAULT_PORTS[scheme]
    explicit = port is not None and port != default
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_QUERY_SAFE)
    return Target(scheme, host, port if port is not None else default, explicit, path, ip)


def normalise_url(url: str) -> str:
    """Canonical form used for cache keys and ``final_url``: lower-case scheme and host, IDNA
    host, no default port, no fragment, ``/`` for an empty path."""
    return parse_target(url).url


def parse_routes(spec: str) -> dict[str, tuple[str, int]]:
    """``host=IP:PORT,...`` -> {host: (ip, port)}. Targets must be IP addresses."""
    routes: dict[str, tuple[str, int]] = {}
    for entry in (e.strip() for e in spec.split(",")):
        if not entry:
            continue
        host, sep, target = entry.partition("=")
        if not sep or not host.strip():
            raise ValueError(f"sandbox route {entry!r} is not host=IP:PORT")
        try:
            parts = urlsplit(f"http://{target.strip()}")
            ip = ipaddress.ip_address(parts.hostname or "")
            port = parts.port
        except ValueError:
            raise ValueError(f"sandbox route {entry!r}: target must be IP:PORT") from None
        if port is None:
            raise ValueError(f"sandbox route {entry!r}: target needs a port")
        name = host.strip().rstrip(".").encode("idna").decode("ascii").lower()
        routes[name] = (str(ip), port)
    return routes


async def system_resolver(host: str) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


# -- disk cache ----------------------------------------------------------------------------------


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class HttpCache:
    """Content-addressed page cache on disk; safe to share between processes."""

    def __init__(self, root: Path, ttl_seconds: float, clock: Callable[[], float] = time.time):
        self.root, self.ttl_seconds, self.clock = root, ttl_seconds, clock

    def _index_path(self, url: str) -> Path:
        key = _sha256(url.encode("utf-8"))
        return self.root / "index" / key[:2] / f"{key[2:]}.json"

    def _blob_path(self, digest: str) -> Path:
        return self.root / "blobs" / digest[:2] / digest[2:]

    def get(self, url: str) -> FetchResult | None:
        """The fresh entry for the normalised ``url``, or None."""
        if self.ttl_seconds <= 0:
            return None
        try:
            meta = json.loads(self._index_path(url).read_bytes())
            age = self.clock() - float(meta["fetched_at_epoch"])
            if not 0 <= age < self.ttl_seconds:
                return None
            body = self._blob_path(meta["blob"]).read_bytes()
            if _sha256(body) != meta["blob"]:
                return None
            return FetchResult(
                url=url, final_url=meta["final_url"], status=int(meta["status"]),
                content_type=meta["content_type"], charset=meta["charset"], body=body,
                redirects=list(meta["redirects"]), from_cache=True,
                fetched_at=datetime.fromisoformat(meta["fetched_at"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, requested: str, result: FetchResult) -> None:
        """Store ``result`` under the normalised requested URL and under its final URL."""
        if self.ttl_seconds <= 0:
            return
        digest = _sha256(result.body)
        blob = self._blob_path(digest)
        if not blob.exists():
            _atomic_write(blob, result.body)
        meta: dict[str, Any] = {
            "requested_url": requested,
            "final_url": result.final_url,
            "status": result.status,
            "content_type": result.content_type,
            "charset": result.charset,
            "redirects": result.redirects,
            "fetched_at": result.fetched_at.isoformat(),
            "fetched_at_epoch": result.fetched_at.timestamp(),
            "blob": digest,
            "size": len(result.body),
        }
        _atomic_write(self._index_path(requested), json.dumps(meta).encode("utf-8"))
        if result.final_url != requested:
            meta.update(requested_url=result.final_url, redirects=[])
            _atomic_write(self._index_path(result.final_url), json.dumps(meta).encode("utf-8"))


# -- the session ---------------------------------------------------------------------------------


@dataclass
class _Exchange:
    status: int
    location: str | None = None
    content_type: str = ""
    charset: str | None = None
    body: bytes = b""


class FetchSession:
    """One client, one throttle and one cache; open it with ``SafeFetcher.session()``."""

    def __init__(
        self,
        config: SafeFetcher,
        client: httpx.AsyncClient,
        provider: Provider,
        cache: HttpCache | None,
        resolver: Resolver,
        clock: Callable[[], float],
    ) -> None:
        self.config, self.client, self.provider = config, client, provider
        self.cache, self.resolver, self.clock = cache, resolver, clock
        self.routes = parse_routes(config.sandbox_routes)
        self.allowed_types = frozenset(
            t.strip().lower() for t in config.allowed_content_types.split(",") if t.strip()
        )

    async def fetch(self, url: str, *, use_cache: bool = True) -> FetchResult:
        """GET ``url`` under every rule of the module docstring. ``use_cache=False`` skips the
        cache lookup; the fresh answer is still stored. Raises ``FetchError``."""
        target = self._target(url, url)
        if use_cache and self.cache is not None:
            hit = await asyncio.to_thread(self.cache.get, target.url)
            if hit is not None:
                hit.url = url
                return hit

        redirects: list[str] = []
        current = target
        while True:
            exchange = await self._exchange(url, current, bool(redirects))
            if exchange.status in REDIRECT_STATUSES and exchange.location:
                if len(redirects) >= self.config.max_redirects:
                    raise FetchError(
                        url, "too_many_redirects",
                        f"more than {self.config.max_redirects} redirects (last at {current.url})",
                    )
                redirects.append(current.url)
                current = self._target(url, urljoin(current.url, exchange.location.strip()))
                continue
            break

        if not 200 <= exchange.status < 300:
            where = f" (at {current.url})" if redirects else ""
            raise FetchError(url, "http_status", f"HTTP {exchange.status}{where}",
                             status=exchange.status)
        result = FetchResult(
            url=url, final_url=current.url, status=exchange.status,
            content_type=exchange.content_type, charset=exchange.charset, body=exchange.body,
            redirects=redirects, from_cache=False,
            fetched_at=datetime.fromtimestamp(self.clock(), timezone.utc),
        )
        if self.cache is not None:
            try:
                await asyncio.to_thread(self.cache.put, target.url, result)
            except OSError as exc:
                log.warning("could not cache %s: %s", target.url, exc)
        return result

    def _target(self, requested: str, url: str) -> Target:
        hop = "" if url == requested else f" (redirect to {url})"
        try:
            target = parse_target(url)
        except ValueError as exc:
            raise FetchError(requested, "bad_url", f"{exc}{hop}") from None
        if target.ip is not None and not is_public_address(target.ip):
            raise FetchError(requested, "blocked_address",
                             f"{target.host} is not a public address{hop}")
        return target

    async def _connect_address(self, requested: str, target: Target, hop: str
                               ) -> tuple[str, str, int]:
        """(scheme, ip, port) to connect to for ``target``."""
        route = self.routes.get(target.host)
        if route is not None:
            return "http", route[0], route[1]
        if target.ip is not None:
            return target.scheme, target.host, target.port
        try:
            async with asyncio.timeout(self.config.connect_timeout_seconds):
                answers = await self.resolver(target.host)
        except TimeoutError:
            raise FetchError(requested, "timeout",
                             f"DNS lookup of {target.host} timed out{hop}") from None
        except (OSError, UnicodeError) as exc:
            raise FetchError(requested, "dns_error",
                             f"{target.host} does not resolve: {exc}{hop}") from None
        addresses: list[IPAddress] = []
        for answer in answers:
            try:
                addresses.append(ipaddress.ip_address(str(answer).split("%", 1)[0]))
            except ValueError:
                raise FetchError(requested, "dns_error",
                                 f"{target.host} resolved to {answer!r}{hop}") from None
        if not addresses:
            raise FetchError(requested, "dns_error", f"{target.host} has no address{hop}")
        refused = [str(a) for a in addresses if not is_public_address(a)]
        if refused:
            raise FetchError(requested, "blocked_address",
                             f"{target.host} resolves to {', '.join(refused)}, "
                             f"which is not a public address{hop}")
        return target.scheme, str(addresses[0]), target.port

    async def _exchange(self, requested: str, target: Target, redirected: bool) -> _Exchange:
        hop = f" (redirect to {target.url})" if redirected else ""
        scheme, ip, port = await self._connect_address(requested, target, hop)
        host = f"[{ip}]" if ":" in ip else ip
        connect_url = f"{scheme}://{host}:{port}{target.path}"
        headers = {"Host": target.host_header, "Accept": _ACCEPT}
        extensions: dict[str, Any] = {}
        if scheme == "https" and target.ip is None:
            extensions["sni_hostname"] = target.host
        outcome: dict[str, _Exchange] = {}

        async def send() -> httpx.Response:
            request = self.client.build_request(
                "GET", connect_url, headers=headers, extensions=extensions
            )
            async with asyncio.timeout(self.config.total_timeout_seconds):
                response = await self.client.send(request, stream=True)
                if response.status_code in RETRYABLE_STATUS:
                    return response  # the provider closes it and retries
                try:
                    outcome["exchange"] = await self._read(requested, hop, response)
                finally:
                    await response.aclose()
                return response

        breaker = self.provider.breaker
        try:
            await self.provider.call(send)
        except TimeoutError:
            # Not retried (a server that used the whole deadline will most likely do so again),
            # but it is the site failing, so the breaker hears about it.
            self.provider.stats.failures += 1
            breaker.record_failure()
            raise FetchError(
                requested, "timeout",
                f"no complete answer within {self.config.total_timeout_seconds:g} s{hop}",
            ) from None
        except FetchError:
            # The server answered; what it sent is not for us. That is no outage.
            breaker.record_success()
            raise
        except CircuitOpenError as exc:
            raise FetchError(requested, "circuit_open", str(exc)) from None
        except ProviderError as exc:
            if exc.status is not None:
                raise FetchError(requested, "http_status",
                                 f"HTTP {exc.status} after {exc.attempts} attempts{hop}",
                                 status=exc.status) from None
            cause = exc.__context__
            reason = "timeout" if isinstance(cause, httpx.TimeoutException) else "connect_error"
            raise FetchError(requested, reason, f"{exc}{hop}") from None
        except httpx.HTTPError as exc:
            breaker.record_failure()
            raise FetchError(requested, "connect_error",
                             f"{type(exc).__name__}: {exc}{hop}") from None
        return outcome["exchange"]

    async def _read(self, requested: str, hop: str, response: httpx.Response) -> _Exchange:
        status = response.status_code
        if status in REDIRECT_STATUSES:
            return _Exchange(status, location=response.headers.get("location"))
        if not 200 <= status < 300:
            return _Exchange(status)
        raw_type = response.headers.get("content-type", "")
        media_type = raw_type.split(";", 1)[0].strip().lower()
        charset = _header_charset(raw_type)
        if media_type and media_type not in self.allowed_types:
            raise FetchError(requested, "content_type",
                             f"content type {media_type} is not accepted{hop}")
        limit = self.config.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.strip().isdigit() and int(declared) > limit:
            raise FetchError(requested, "too_large",
                             f"announces {int(declared)} bytes, over the limit of {limit}{hop}")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise FetchError(requested, "too_large",
                                 f"body larger than the limit of {limit} bytes{hop}")
            chunks.append(chunk)
        body = b"".join(chunks)
        if not media_type:
            sniffed = sniff_content_type(body)
            if sniffed is None or sniffed not in self.allowed_types:
                raise FetchError(requested, "content_type",
                                 f"no content type, and the body does not look like text{hop}")
            media_type = sniffed
        return _Exchange(status, content_type=media_type, charset=charset, body=body)


def _header_charset(content_type: str) -> str | None:
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


# -- the resource --------------------------------------------------------------------------------


class SafeFetcher(dg.ConfigurableResource):
    """Downloads web pages safely (see the module docstring)."""

    max_bytes: int = Field(default=2_000_000, description="Largest body accepted, in bytes.")
    connect_timeout_seconds: float = Field(default=5.0, description="Per TCP/TLS connection.")
    total_timeout_seconds: float = Field(
        default=15.0, description="Deadline for one exchange: connect, headers and body."
    )
    max_redirects: int = Field(default=5, description="Redirects followed at most.")
    allowed_content_types: str = Field(
        default="text/html,application/xhtml+xml,text/plain",
        description="Comma list of media types accepted; a missing type is sniffed.",
    )
    cache_ttl_seconds: float = Field(
        default=7 * 86400, description="Age after which a cached page is fetched again; 0: off."
    )
    cache_dir: str = Field(default="", description="Empty: JENGU_HOME/cache/http.")
    user_agent: str = "JenguBot/0.1 (+https://jengu.ai/bot)"
    requests_per_second: float = Field(
        default=20.0, description="Across all sites, never exceeded."
    )
    max_concurrency: int = Field(default=16, description="Exchanges in flight at once.")
    max_attempts: int = Field(default=3, description="Attempts on connection errors and 429/5xx.")
    backoff_seconds: float = Field(default=0.5, description="First retry backoff; doubles.")
    max_retry_wait_seconds: float = Field(
        default=10.0, description="Cap on any single wait, Retry-After included."
    )
    breaker_failures: int = Field(
        default=50, description="Consecutive failed requests (any sites) that open the circuit."
    )
    sandbox_routes: str = Field(
        default="",
        description="Comma list host=IP:PORT: these hostnames are fetched over plain HTTP from "
        "that address (the loopback sandbox). The only way to reach a non-public address.",
    )

    def cache_path(self) -> Path:
        return Path(self.cache_dir) if self.cache_dir else jengu_home().cache_dir / "http"

    def provider_limits(self) -> ProviderLimits:
        return ProviderLimits(
            requests_per_second=self.requests_per_second,
            max_concurrency=self.max_concurrency,
            max_attempts=self.max_attempts,
            backoff_seconds=self.backoff_seconds,
            max_backoff_seconds=max(self.backoff_seconds, 8.0),
            max_retry_wait_seconds=self.max_retry_wait_seconds,
            breaker_failures=self.breaker_failures,
        )

    @contextlib.asynccontextmanager
    async def session(
        self,
        *,
        resolver: Resolver | None = None,
        clock: Callable[[], float] = time.time,
    ) -> AsyncIterator[FetchSession]:
        """A fetch session. ``resolver`` replaces DNS (tests); ``clock`` (epoch seconds) dates
        fetches and ages cache entries."""
        cache = (
            HttpCache(self.cache_path(), self.cache_ttl_seconds, clock)
            if self.cache_ttl_seconds > 0 else None
        )
        timeout = httpx.Timeout(
            connect=self.connect_timeout_seconds,
            # The exchange deadline is enforced around each exchange; these only back it up.
            read=self.total_timeout_seconds + 1,
            write=self.total_timeout_seconds + 1,
            pool=self.total_timeout_seconds + 1,
        )
        # No keep-alive: connections are keyed by IP, and a pooled TLS connection made for one
        # hostname must never carry a request for another name on the same address.
        limits = httpx.Limits(max_connections=max(self.max_concurrency * 2, 10),
                              max_keepalive_connections=0)
        async with httpx.AsyncClient(
            timeout=timeout, limits=limits, follow_redirects=False, trust_env=False,
            headers={"User-Agent": self.user_agent},
        ) as client:
            provider = Provider("web", self.provider_limits())
            yield FetchSession(self, client, provider, cache, resolver or system_resolver, clock)

    def fetch_sync(self, url: str, *, use_cache: bool = True) -> FetchResult:
        """One fetch from synchronous code (the CLI). Raises ``FetchError``."""

        async def one() -> FetchResult:
            async with self.session() as session:
                return await session.fetch(url, use_cache=use_cache)

        return asyncio.run(one())
