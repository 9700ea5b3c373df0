"""Email verification: offline checks, then MillionVerifier's single-address API.

Offline, for free and first: syntax (email-validator), role mailbox (info@, reservierung@), free
mail (gmail.com, web.de) and, when DNS answers, whether the domain accepts mail at all (MX, or the
A record a sender falls back to). An address that fails offline never costs a credit.

Online, ``GET {base_url}/api/v3/?api=KEY&email=ADDRESS&timeout=10`` through a throttle ``Provider``
(rate limit, concurrency, retries honouring ``Retry-After``, circuit breaker). MillionVerifier
answers HTTP 200 even to a bad key, with the reason in ``error``; that is a configuration error
for the whole run (``VerifierConfigurationError``), never a verdict. A provider that cannot be
reached raises ``VerificationUnavailable`` so that the caller queues a retry instead of storing
a verdict nobody gave.

Configuration, wired with Dagster ``EnvVar`` in ``jengu_resources/definitions.py``:

============================ ====================================================================
``MILLIONVERIFIER_API_KEY``  secret; without it verdicts are offline only ("unverified")
``MILLIONVERIFIER_BASE_URL`` default ``https://api.millionverifier.com``
``JENGU_VERIFIER_RPS``       requests per second, never exceeded
``JENGU_CHECK_MX``           ``false`` skips DNS (air-gapped runs)
============================ ====================================================================

The key travels as a query parameter, so every URL that can reach a log line or an error message
is redacted first (``api=***``), httpx's own request log included.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

import dagster as dg
import dns.asyncresolver
import dns.exception
import dns.name
import dns.resolver
import httpx
from email_validator import EmailNotValidError, validate_email
from pydantic import Field

from jengu_assets.acquisition.rules import normalise_email
from jengu_assets.enrichment.email_finder import is_free_mail, is_role_address
from jengu_resources.redaction import redact
from jengu_resources.throttle import Provider, ProviderError, ProviderLimits

DEFAULT_BASE_URL = "https://api.millionverifier.com"
PROVIDER = "millionverifier"

Status = Literal[
    "valid", "invalid", "catch_all", "unknown", "disposable", "syntax_error", "no_mx", "unverified"
]
Source = Literal["millionverifier", "offline"]

# MillionVerifier's result names, and the resultcode for answers that carry only the number.
_RESULTS: dict[str, Status] = {
    "ok": "valid", "catch_all": "catch_all", "unknown": "unknown",
    # "error" without an error message: the check itself failed for this address, which says
    # nothing about the mailbox; like unknown it is worth another try later.
    "error": "unknown",
    "disposable": "disposable", "invalid": "invalid",
}
_RESULT_CODES = {1: "ok", 2: "catch_all", 3: "unknown", 4: "error", 5: "disposable", 6: "invalid"}
_SCORES: dict[str, float] = {"valid": 0.95, "catch_all": 0.5, "unknown": 0.3, "unverified": 0.4}
_QUALITY = {"good": 1.0, "risky": 0.85, "bad": 0.6}


_KEY_PROBLEM = re.compile(r"(?i)api\s*-?key|apikey|unauthori[sz]ed|not\s+authori[sz]ed")
_CREDIT_PROBLEM = re.compile(r"(?i)credit")
# Consecutive unanswered DNS lookups after which the session stops asking: a dead resolver would
# otherwise add its full timeout to every new domain.
_DNS_DOWN_AFTER = 3
# Domains that certainly receive mail. Sandboxed and air-gapped networks often run a resolver that
# answers NXDOMAIN to everything; trusting it would turn every address into "no_mx".
CANARY_DOMAINS = ("gmail.com", "outlook.com")




@dataclass(frozen=True)
class Verification:
    email: str
    status: Status
    score: float
    """0..1, how likely a message to this address is delivered to a real mailbox."""
    is_role: bool
    is_free: bool
    mx_found: bool | None
    """None when DNS could not be asked (disabled, unreachable, timed out)."""
    source: Source
    detail: str = ""


class VerificationUnavailable(ProviderError):
    """No verdict this time (provider down, rate-limited past the retries, circuit open, a reply
    that makes no sense): retry later, and store nothing about the address meanwhile."""


class VerifierConfigurationError(RuntimeError):
    """The provider refused the account (bad key, no credits): every address would fail the same
    way, so the run should stop and an operator fix the setting."""


def _offline(email: str, status: Status, *, is_role: bool, is_free: bool, mx_found: bool | None,
             detail: str) -> Verification:
    return Verification(email, status, _SCORES.get(status, 0.0), is_role, is_free, mx_found,
                        "offline", detail)


def verdict_from_response(
    email: str, data: dict[str, Any], *, is_role: bool = False, is_free: bool = False,
    mx_found: bool | None = None,
) -> Verification:
    """A MillionVerifier answer as a ``Verification``. Raises ``VerifierConfigurationError`` for an
    account problem and ``VerificationUnavailable`` for any other answer that is not a verdict."""
    error = str(data.get("error") or "").strip()
    if error:
        if _KEY_PROBLEM.search(error):
            raise VerifierConfigurationError(
                f"MillionVerifier rejected the API key (MILLIONVERIFIER_API_KEY): {redact(error)}"
            )
        if _CREDIT_PROBLEM.search(error):
            raise VerifierConfigurationError(
                f"MillionVerifier refused to verify: {redact(error)} (top up the account)"
            )
        raise VerificationUnavailable(PROVIDER, f"error answer: {redact(error)}")
    result = str(data.get("result") or "").strip().lower()
    if result not in _RESULTS:
        code = data.get("resultcode")
        result = _RESULT_CODES.get(code, "") if isinstance(code, int) else ""
    if result not in _RESULTS:
        raise VerificationUnavailable(
            PROVIDER, f"answer without a result: {redact(str(data))[:200]}"
        )
    status = _RESULTS[result]
    quality = str(data.get("quality") or "").strip().lower()
    score = _SCORES.get(status, 0.0)
    if status == "valid":
        score = round(score * _QUALITY.get(quality, 1.0), 3)
    parts = [result]
    subresult = str(data.get("subresult") or "").strip()
    if subresult and subresult != result:
        parts.append(subresult)
    if quality:
        parts.append(f"quality {quality}")
    if data.get("didyoumean"):
        parts.append(f"did you mean {data['didyoumean']}")
    return Verification(
        email=email,
        status=status,
        score=score,
        is_role=is_role or bool(data.get("role")),
        is_free=is_free or bool(data.get("free")),
        mx_found=mx_found,
        source="millionverifier",
        detail=", ".join(parts),
    )


# -- DNS ------------------------------------------------------------------------------------------


class MxChecker:
    """Whether a domain accepts mail: True, False, or None when DNS did not answer.

    One answer per domain per session (also shared by concurrent lookups). Never raises: a
    missing or silent resolver means "don't know", not "no mail". Nor is a resolver believed
    before it has found the mail servers of a canary domain that certainly has them.
    """

    def __init__(self, *, enabled: bool = True, timeout_seconds: float = 2.0,
                 nameservers: list[str] | None = None, port: int = 53,
                 max_concurrency: int = 20,
                 canary_domains: tuple[str, ...] = CANARY_DOMAINS) -> None:
        self.timeout_seconds = timeout_seconds
        self.canary_domains = canary_domains
        self._trusted: asyncio.Task[bool] | None = None
        self._resolver: dns.asyncresolver.Resolver | None = None
        if enabled:
            try:
                resolver = dns.asyncresolver.Resolver(configure=not nameservers)
            except (dns.resolver.NoResolverConfiguration, OSError):
                resolver = None
            if resolver is not None:
                if nameservers:
                    resolver.nameservers = list(nameservers)
                    resolver.port = port
                resolver.timeout = resolver.lifetime = timeout_seconds
            self._resolver = resolver
        self._answers: dict[str, asyncio.Task[bool | None]] = {}
        self._gate = asyncio.Semaphore(max_concurrency)
        self._unanswered = 0

    @property
    def enabled(self) -> bool:
        return self._resolver is not None

    async def has_mail(self, domain: str) -> bool | None:
        domain = domain.strip().lower().rstrip(".")
        if self._resolver is None or not domain:
            return None
        task = self._answers.get(domain)
        if task is None:
            task = asyncio.ensure_future(self._lookup(domain))
            self._answers[domain] = task
        return await asyncio.shield(task)

    async def _lookup(self, domain: str) -> bool | None:
        if self._trusted is None:
            self._trusted = asyncio.ensure_future(self._resolver_works())
        if not await asyncio.shield(self._trusted) or self._unanswered >= _DNS_DOWN_AFTER:
            return None
        async with self._gate:
            answer = await self._mx(domain)
        self._unanswered = self._unanswered + 1 if answer is None else 0
        return answer

    async def _resolver_works(self) -> bool:
        for canary in self.canary_domains:
            if await self._mx(canary):
                return True
        return not self.canary_domains

    @property
    def trusted(self) -> bool | None:
        """Whether the resolver passed the canary check; None before the first lookup."""
        if self._trusted is None or not self._trusted.done() or self._trusted.cancelled():
            return None
        return self._trusted.result()

    async def _mx(self, domain: str) -> bool | None:
        assert self._resolver is not None
        try:
            answer = await self._resolver.resolve(domain, "MX", search=False,
                                                  lifetime=self.timeout_seconds)
        except dns.resolver.NXDOMAIN:
            return False
        except dns.resolver.NoAnswer:
            # No MX: a sender delivers to the domain's own address (RFC 5321 section 5.1).
            return await self._address(domain)
        except (dns.exception.DNSException, OSError, ValueError):
            return None
        # A "null MX" (RFC 7505, a single MX of ".") is a domain saying it takes no mail.
        return any(r.exchange != dns.name.root for r in answer)

    async def _address(self, domain: str) -> bool | None:
        assert self._resolver is not None
        unanswered = False
        for rdtype in ("A", "AAAA"):
            try:
                await self._resolver.resolve(domain, rdtype, search=False,
                                             lifetime=self.timeout_seconds)
                return True
            except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
                continue
            except (dns.exception.DNSException, OSError, ValueError):
                unanswered = True
        return None if unanswered else False

    async def aclose(self) -> None:
        tasks = [*self._answers.values(), *([self._trusted] if self._trusted else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


# -- the session ----------------------------------------------------------------------------------


class VerifierClient:
    """One run's verifier: ``await verify(address)``, one answer per address per session.

    Get it from ``EmailVerifier.client()``. ``provider`` holds the request statistics and
    ``credits`` the balance MillionVerifier reported last (None before the first answer).
    """

    def __init__(self, http: httpx.AsyncClient, provider: Provider, mx: MxChecker, *,
                 api_key: str | None, endpoint: str, server_timeout: int) -> None:
        self.provider = provider
        self.mx = mx
        self.credits: int | None = None
        self._http = http
        self._api_key = api_key or None
        self._endpoint = endpoint
        self._server_timeout = server_timeout
        self._verdicts: dict[str, asyncio.Task[Verification]] = {}
        self._configuration_error: VerifierConfigurationError | None = None

    def __repr__(self) -> str:
        mode = "online" if self._api_key else "offline"
        return f"VerifierClient({redact(self._endpoint)!r}, {mode})"

    @property
    def online(self) -> bool:
        return self._api_key is not None

    async def verify(self, email: str) -> Verification:
        """The verdict for one address. Raises ``VerificationUnavailable`` when the provider
        cannot give one now, ``VerifierConfigurationError`` when it never will with this key."""
        key = normalise_email(email) or email.strip().lower()
        task = self._verdicts.get(key)
        if task is None:
            task = asyncio.ensure_future(self._verify(key))
            self._verdicts[key] = task
            # A failure is not an answer: the next call for the address asks again.
            task.add_done_callback(lambda t, k=key: self._forget_failure(k, t))
        return await asyncio.shield(task)

    def _forget_failure(self, key: str, task: asyncio.Task[Verification]) -> None:
        failed = task.cancelled() or task.exception() is not None
        if failed and self._verdicts.get(key) is task:
            del self._verdicts[key]

    async def _verify(self, address: str) -> Verification:
        try:
            checked = validate_email(address, check_deliverability=False)
        except EmailNotValidError as exc:
            return _offline(address, "syntax_error", is_role=False, is_free=False, mx_found=None,
                            detail=str(exc))
        normalised = checked.normalized.lower()
        ascii_email = (checked.ascii_email or checked.normalized).lower()
        domain = checked.ascii_domain.lower()
        is_role, is_free = is_role_address(normalised), is_free_mail(domain)
        mx_found = await self.mx.has_mail(domain)
        if mx_found is False:
            return _offline(normalised, "no_mx", is_role=is_role, is_free=is_free, mx_found=False,
                            detail=f"{domain} accepts no mail (no MX or address record)")
        if not self.online:
            dns_note = "MX found" if mx_found else "MX unknown"
            return _offline(normalised, "unverified", is_role=is_role, is_free=is_free,
                            mx_found=mx_found, detail=f"syntax ok, {dns_note}; no verifier key")
        data = await self._ask(ascii_email)
        try:
            return verdict_from_response(normalised, data, is_role=is_role, is_free=is_free,
                                         mx_found=mx_found)
        except VerifierConfigurationError as exc:
            self._configuration_error = exc  # no more requests with a key known to be refused
            raise

    async def _ask(self, ascii_email: str) -> dict[str, Any]:
        if self._configuration_error is not None:
            raise self._configuration_error
        params = {"api": self._api_key, "email": ascii_email, "timeout": self._server_timeout}
        try:
            response = await self.provider.call(
                lambda: self._http.get(self._endpoint, params=params)
            )
        except ProviderError as exc:
            raise VerificationUnavailable(
                PROVIDER, redact(str(exc).split(": ", 1)[-1]), status=exc.status,
                attempts=exc.attempts,
            ) from None
        try:
            if response.status_code in (401, 402, 403):
                self._configuration_error = VerifierConfigurationError(
                    f"MillionVerifier refused the account: HTTP {response.status_code} "
                    "(check MILLIONVERIFIER_API_KEY and the balance)"
                )
                raise self._configuration_error
            if response.status_code != 200:
                raise VerificationUnavailable(PROVIDER, f"HTTP {response.status_code}",
                                              status=response.status_code, attempts=1)
            try:
                data = response.json()
            except ValueError:
                raise VerificationUnavailable(PROVIDER, "reply is not JSON",
                                              status=response.status_code) from None
        finally:
            await response.aclose()
        if not isinstance(data, dict):
            raise VerificationUnavailable(PROVIDER, "reply is not a JSON object")
        if isinstance(data.get("credits"), int):
            self.credits = data["credits"]
        return data

    async def aclose(self) -> None:
        for task in self._verdicts.values():
            task.cancel()
        await asyncio.gather(*self._verdicts.values(), return_exceptions=True)
        await self.mx.aclose()


class EmailVerifier(dg.ConfigurableResource):
    """Email verification through MillionVerifier, with offline checks first."""

    base_url: str = Field(default=DEFAULT_BASE_URL, description="MillionVerifier API base URL.")
    api_key: str | None = Field(
        default=None, repr=False,
        description="MillionVerifier API key (secret); without it verdicts are offline only.",
    )
    requests_per_second: float = Field(default=10.0, description="Never exceeded, not in a burst.")
    max_concurrency: int = Field(default=10, description="Requests in flight at once.")
    timeout_seconds: float = Field(
        default=15.0,
        description="Deadline per request; MillionVerifier is asked to answer within two thirds "
        "of it (10 s at most) so its answer arrives before we give up.",
    )
    check_mx: bool = Field(default=True, description="Look up MX records before paying a credit.")
    dns_nameservers: str = Field(
        default="", description="Comma list of resolver IPs; empty: the system's resolvers."
    )
    dns_port: int = Field(default=53, description="Port of the resolvers in dns_nameservers.")
    dns_timeout_seconds: float = Field(default=2.0, description="Deadline per DNS lookup.")
    max_attempts: int = Field(default=4, description="Attempts per request before giving up.")
    backoff_seconds: float = Field(default=0.5, description="First retry backoff; doubles.")
    breaker_failures: int = Field(
        default=5, description="Consecutive failed requests after which the verifier is rested."
    )
    breaker_reset_seconds: float = Field(default=60.0, description="How long it is rested.")

    def limits(self) -> ProviderLimits:
        return ProviderLimits(
            requests_per_second=self.requests_per_second,
            max_concurrency=self.max_concurrency,
            max_attempts=self.max_attempts,
            backoff_seconds=self.backoff_seconds,
            breaker_failures=self.breaker_failures,
            breaker_reset_seconds=self.breaker_reset_seconds,
        )

    @asynccontextmanager
    async def client(self) -> AsyncIterator[VerifierClient]:
        """A verifier session; open it inside the event loop that will use it."""
        nameservers = [s.strip() for s in self.dns_nameservers.split(",") if s.strip()]
        mx = MxChecker(enabled=self.check_mx, timeout_seconds=self.dns_timeout_seconds,
                       nameservers=nameservers or None, port=self.dns_port)
        http = httpx.AsyncClient(
            timeout=httpx.Timeout(self.timeout_seconds, connect=min(5.0, self.timeout_seconds)),
            headers={"Accept": "application/json", "User-Agent": "jengu/0.1"},
            # A redirect would carry the key in the query string to wherever it points.
            follow_redirects=False,
            limits=httpx.Limits(max_connections=max(1, self.max_concurrency)),
        )
        session = VerifierClient(
            http, Provider(PROVIDER, self.limits()), mx,
            api_key=(self.api_key or "").strip() or None,
            endpoint=self.base_url.rstrip("/") + "/api/v3/",
            server_timeout=max(2, min(10, int(self.timeout_seconds * 2 / 3))),
        )
        try:
            yield session
        finally:
            try:
                await session.aclose()
            finally:
                await http.aclose()

