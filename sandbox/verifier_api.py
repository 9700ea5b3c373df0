"""A loopback MillionVerifier: ``GET /api/v3/?api=KEY&email=ADDRESS&timeout=10``.

It answers from the seeded sample hotels (``sample_data.hotels(seed)``), deterministically:

- a hotel's contact address exists: ``ok``, quality good;
- a role mailbox (info@, reservations@, rezeption@ ...) on a hotel's domain exists: ``ok`` with
  ``role`` true; so does a chain property's coded mailbox (H1234@accor.com);
- any other address on a hotel's domain does not: ``invalid`` / ``mailbox_not_found``;
- about 8% of the hotels' own domains are catch-all (every address ``catch_all``) and about 3%
  time out at the mail server (``unknown``); ``catch_all_domains`` and ``unknown_domains`` say
  which;
- disposable-mail domains are ``disposable``; any other domain has no mail server (``invalid`` /
  ``no_mx``), except free-mail providers, where an unknown mailbox is ``mailbox_not_found``.

Like the real service it answers HTTP 200 to a wrong key, with ``"error": "Invalid API key"``, and
charges a credit only for ok, invalid and disposable answers. Its role list is its own, as a real
provider's would be, not Jengu's.

Test hooks: ``fail_first`` fails the first N requests with 429 and ``Retry-After`` or with 503;
``latency_seconds`` delays every answer (benchmarks); ``known_addresses`` adds mailboxes that
exist (staff a sandbox website publishes); ``force`` fixes the result for given addresses;
``requests`` records every request with the key redacted.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from random import Random
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox import sample_data
from sandbox.server import LoopbackServer, QuietHandler

SANDBOX_KEY = "sandbox-key"
CATCH_ALL_SHARE = 0.08
UNKNOWN_SHARE = 0.03

_SECRET = re.compile(r"(?i)\b(api=)[^&\s]+")
_RESULT_CODES = {"ok": 1, "catch_all": 2, "unknown": 3, "error": 4, "disposable": 5, "invalid": 6}
_QUALITY = {"ok": "good", "catch_all": "risky", "unknown": "risky", "error": "",
            "disposable": "bad", "invalid": "bad"}
_CHARGED = frozenset({"ok", "invalid", "disposable"})
_ROLE_LOCALS = frozenset("""
    info information contact kontakt hello welcome reservations reservation reservierung booking
    bookings frontdesk front.desk reception rezeption empfang sales events office admin support
    service marketing jobs careers hr accounting billing noreply no-reply webmaster postmaster
    reservas recepcion prenotazioni accueil receptie gm hotel stay bonjour hola reserveringen
    welkom geral rececao
""".split())
# Chains give each property a coded mailbox (Accor's H1234@accor.com); it exists, and is no person.
_PROPERTY_CODE = re.compile(r"^[a-z]{1,2}\d{3,5}$")
_FREE_MAIL = frozenset({"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "yahoo.com",
                        "icloud.com", "gmx.de", "web.de", "t-online.de", "orange.fr", "libero.it"})
_DISPOSABLE = frozenset({"mailinator.com", "yopmail.com", "10minutemail.com", "guerrillamail.com",
                         "trashmail.com", "tempmail.com"})
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)


@dataclass(frozen=True)
class VerifierRequest:
    path: str
    """Path and query as received, with the api value replaced by ***."""
    email: str
    status: int
    result: str
    at: float
    """time.monotonic() when the request arrived."""


@dataclass(frozen=True)
class _Reply:
    status: int
    body: dict[str, Any]
    headers: tuple[tuple[str, str], ...] = ()


class VerifierServer(LoopbackServer):
    """MillionVerifier's single-address API on 127.0.0.1 and a free port. Use as a context
    manager or call ``start()`` and ``stop()``; ``url`` is the base URL for the client."""

    def __init__(
        self,
        seed: int = sample_data.DEFAULT_SEED,
        api_key: str = SANDBOX_KEY,
        *,
        fail_first: int = 0,
        fail_status: int = 429,
        retry_after: str | None = "1",
        latency_seconds: float = 0.0,
        credits: int = 100_000,
        known_addresses: Iterable[str] = (),
        force: Mapping[str, str] | None = None,
    ) -> None:
        if fail_status not in (429, 503):
            raise ValueError("fail_status must be 429 or 503")
        unknown_results = {r for r in (force or {}).values() if r not in _RESULT_CODES}
        if unknown_results:
            raise ValueError(f"force results must be among {sorted(_RESULT_CODES)}")
        super().__init__(_Handler, thread_name="sandbox-verifier", label="sandbox verifier")
        self.seed = seed
        self.api_key = api_key
        self.fail_first, self.fail_status, self.retry_after = fail_first, fail_status, retry_after
        self.latency_seconds = latency_seconds
        self.credits = credits
        self.hotels = sample_data.hotels(seed)
        self.domains = frozenset(h.domain for h in self.hotels)
        self.existing = frozenset(
            [h.contact_email.lower() for h in self.hotels] + [a.lower() for a in known_addresses]
        )
        self.force = {k.lower(): v for k, v in (force or {}).items()}
        self.catch_all_domains, self.unknown_domains = self._misbehaving_domains()
        self.requests: list[VerifierRequest] = []
        self._failed = 0

    def _misbehaving_domains(self) -> tuple[frozenset[str], frozenset[str]]:
        # Only a hotel's own domain: a chain's shared domain (marriott.com) runs proper mail
        # servers, and making it catch-all would swamp the shares with one company.
        counts: dict[str, int] = {}
        for hotel in self.hotels:
            counts[hotel.domain] = counts.get(hotel.domain, 0) + 1
        own = sorted(d for d, n in counts.items() if n == 1)
        Random(f"verifier-{self.seed}").shuffle(own)
        n_catch_all = max(1, round(len(own) * CATCH_ALL_SHARE))
        n_unknown = max(1, round(len(own) * UNKNOWN_SHARE))
        return (frozenset(own[:n_catch_all]),
                frozenset(own[n_catch_all:n_catch_all + n_unknown]))

    # -- answers --------------------------------------------------------------------------------

    def handle(self, raw_path: str) -> _Reply:
        arrived = time.monotonic()
        parts = urlsplit(raw_path)
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        email = params.get("email", "").strip().lower()
        if self.latency_seconds > 0:
            time.sleep(self.latency_seconds)
        reply = self._injected_failure()
        if reply is None:
            if parts.path.rstrip("/") != "/api/v3":
                reply = _Reply(404, {"error": f"No route for {parts.path}"})
            else:
                try:
                    reply = self._verify(params, email)
                except Exception as exc:  # a sandbox bug should read as a server error, not a hang
                    reply = _Reply(500, {"error": f"sandbox failure: {type(exc).__name__}: {exc}"})
        with self._lock:
            self.requests.append(VerifierRequest(
                _SECRET.sub(r"\1***", raw_path), email, reply.status,
                str(reply.body.get("result", "")), arrived,
            ))
        return reply

    def _injected_failure(self) -> _Reply | None:
        with self._lock:
            if self._failed >= self.fail_first:
                return None
            self._failed += 1
        if self.fail_status == 429:
            headers = (("Retry-After", self.retry_after),) if self.retry_after else ()
            return _Reply(429, {"error": "Too many requests"}, headers)
        return _Reply(503, {"error": "Service temporarily unavailable"})

    def _verify(self, params: dict[str, str], email: str) -> _Reply:
        if params.get("api") != self.api_key:
            return _Reply(200, self._body(email, "error", error="Invalid API key", live=False))
        if not email:
            return _Reply(200, self._body(email, "error", error="Missing email parameter"))
        result, subresult = self.result_for(email)
        return _Reply(200, self._body(email, result, subresult))

    def result_for(self, email: str) -> tuple[str, str]:
        """(result, subresult) this server gives for an address, for assertions."""
        email = email.strip().lower()
        if email in self.force:
            result = self.force[email]
            return result, result
        if not _EMAIL.match(email):
            return "invalid", "invalid_syntax"
        local, domain = email.rsplit("@", 1)
        if domain in _DISPOSABLE:
            return "disposable", "disposable"
        if domain in self.catch_all_domains:
            return "catch_all", "catch_all"
        if domain in self.unknown_domains:
            return "unknown", "timeout"
        if email in self.existing or (domain in self.domains and (
                local in _ROLE_LOCALS or _PROPERTY_CODE.match(local))):
            return "ok", "ok"
        if domain in self.domains or domain in _FREE_MAIL:
            return "invalid", "mailbox_not_found"
        return "invalid", "no_mx"

    def _body(self, email: str, result: str, subresult: str = "", *, error: str = "",
              live: bool = True) -> dict[str, Any]:
        local, _, domain = email.partition("@")
        with self._lock:
            if result in _CHARGED and not error:
                self.credits = max(0, self.credits - 1)
            credits = self.credits
        return {
            "email": email,
            "quality": "" if error else _QUALITY[result],
            "result": result,
            "resultcode": _RESULT_CODES[result],
            "subresult": "" if error else subresult,
            "free": domain in _FREE_MAIL,
            "role": not error and local in _ROLE_LOCALS,
            "didyoumean": "",
            "credits": 0 if error else credits,
            "executiontime": 0 if error else 1,
            "error": error,
            "livemode": live,
        }


class _Handler(QuietHandler):
    server_version = "SandboxMillionVerifier/1.0"

    def do_GET(self) -> None:
        reply = self.server.owner.handle(self.path)
        self.send_json(reply.status, reply.body, reply.headers)
