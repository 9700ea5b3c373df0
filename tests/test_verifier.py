"""The email verifier against a real loopback HTTP server (``sandbox.verifier_api.VerifierServer``)
with the real client: real sockets, the throttle's real retries and circuit breaker.

DNS never leaves the machine: MX lookups are disabled, pointed at a port where nothing listens,
or pointed at a tiny loopback DNS server defined here.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import threading
import time

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

from jengu_assets.enrichment.email_finder import find_email
from jengu_resources.throttle import ProviderError
from jengu_resources.verifier import (
    EmailVerifier,
    MxChecker,
    VerificationUnavailable,
    VerifierConfigurationError,
    redact,
)
from sandbox.verifier_api import SANDBOX_KEY, VerifierServer

SECRET = "s3cr3t-k3y-do-not-log"


@pytest.fixture
def server():
    with VerifierServer() as srv:
        yield srv


def verifier(srv: VerifierServer, **overrides) -> EmailVerifier:
    config = {"base_url": srv.url, "api_key": SANDBOX_KEY, "requests_per_second": 200.0,
              "check_mx": False, "backoff_seconds": 0.01, **overrides}
    return EmailVerifier(**config)


def verify_all(resource: EmailVerifier, *addresses: str):
    async def main():
        async with resource.client() as client:
            return [await client.verify(a) for a in addresses], client
    return asyncio.run(main())


def plain_hotels(srv: VerifierServer):
    """Hotels on their own domain that answers normally (not catch-all, not unknown)."""
    shared = {h.domain for h in srv.hotels if sum(o.domain == h.domain for o in srv.hotels) > 1}
    odd = srv.catch_all_domains | srv.unknown_domains | shared
    return [h for h in srv.hotels if h.domain not in odd]


# -- verdicts -------------------------------------------------------------------------------------


def test_each_result_maps_to_a_verdict(server):
    hotel = plain_hotels(server)[0]
    catch_all = min(server.catch_all_domains)
    unknown = min(server.unknown_domains)
    cases = [
        # (address, status, role, why)
        (hotel.contact_email, "valid", False),  # resultcode 1: the contact's mailbox exists
        (f"info@{hotel.domain}", "valid", True),  # 1 again, flagged as a role mailbox
        (f"anna@{catch_all}", "catch_all", False),  # 2: the server accepts anything
        (f"anna@{unknown}", "unknown", False),  # 3: the mail server timed out
        (f"error@{hotel.domain}", "unknown", False),  # 4 without an error message: ask again later
        ("someone@mailinator.com", "disposable", False),  # 5: a throwaway inbox
        (f"nobody@{hotel.domain}", "invalid", False),  # 6: no such mailbox
        ("anna@no-such-hotel.example.org", "invalid", False),  # 6: domain without mail
    ]
    server.force[f"error@{hotel.domain}"] = "error"
    verdicts, client = verify_all(verifier(server), *(c[0] for c in cases))
    for (address, status, role), got in zip(cases, verdicts):
        assert (got.email, got.status, got.is_role) == (address, status, role), got
        assert got.source == "millionverifier" and got.mx_found is None
    scores = {v.status: v.score for v in verdicts}
    assert scores["valid"] == pytest.approx(0.95)
    assert scores["catch_all"] == 0.5 and scores["unknown"] == 0.3
    assert scores["invalid"] == scores["disposable"] == 0.0
    assert "mailbox_not_found" in verdicts[6].detail
    assert server.request_count == len(cases)
    assert client.credits == server.credits  # the balance the service reported last


def test_offline_checks_spend_no_credit(server):
    verdicts, _ = verify_all(verifier(server), "not an address", "anna..b@hotel.de")
    assert [v.status for v in verdicts] == ["syntax_error", "syntax_error"]
    assert all(v.source == "offline" and v.score == 0 for v in verdicts)
    assert server.request_count == 0


def test_each_address_is_asked_once_per_session(server):
    hotel = plain_hotels(server)[0]

    async def main():
        async with verifier(server).client() as client:
            return await asyncio.gather(*(client.verify(a) for a in
                                          [hotel.contact_email, hotel.contact_email.upper()] * 3))

    verdicts = asyncio.run(main())
    assert {v.status for v in verdicts} == {"valid"}
    assert server.request_count == 1


# -- configuration and secrets --------------------------------------------------------------------


def test_an_invalid_key_is_a_configuration_error_not_a_verdict(server):
    async def main():
        async with verifier(server, api_key="wrong-key").client() as client:
            with pytest.raises(VerifierConfigurationError) as first:
                await client.verify(plain_hotels(server)[0].contact_email)
            # The next address fails the same way without asking again.
            with pytest.raises(VerifierConfigurationError):
                await client.verify("someone@hotel.de")
            return first.value

    error = asyncio.run(main())
    assert "Invalid API key" in str(error) and "MILLIONVERIFIER_API_KEY" in str(error)
    assert "wrong-key" not in str(error)
    assert not isinstance(error, ProviderError)  # not something a retry would fix
    assert server.request_count == 1


def test_the_key_never_reaches_logs_errors_or_reprs(caplog):
    caplog.set_level(logging.DEBUG)
    with VerifierServer(api_key=SECRET, fail_first=10, fail_status=503) as srv:
        resource = verifier(srv, api_key=SECRET, max_attempts=2)

        async def main():
            async with resource.client() as client:
                with pytest.raises(VerificationUnavailable) as caught:
                    await client.verify(plain_hotels(srv)[0].contact_email)
                return client, caught.value

        client, error = asyncio.run(main())
        paths = [r.path for r in srv.requests]
    assert SECRET not in caplog.text and "api=***" in caplog.text  # httpx's request log
    assert SECRET not in str(error) and SECRET not in repr(error)
    assert SECRET not in repr(resource) and SECRET not in str(resource)
    assert SECRET not in repr(client)
    assert all(SECRET not in p and "api=***" in p for p in paths)
    assert redact(f"https://x/api/v3/?api={SECRET}&email=a@b.de") == (
        "https://x/api/v3/?api=***&email=a@b.de")


# -- provider limits ------------------------------------------------------------------------------


def test_a_429_is_retried_after_the_wait_it_asks_for():
    with VerifierServer(fail_first=1, fail_status=429, retry_after="1") as srv:
        hotel = plain_hotels(srv)[0]
        started = time.monotonic()
        (verdict,), client = verify_all(verifier(srv), hotel.contact_email)
        elapsed = time.monotonic() - started
        statuses = [r.status for r in srv.requests]
    assert verdict.status == "valid"
    assert statuses == [429, 200]
    assert elapsed >= 0.9  # Retry-After: 1 was honoured, not the 10 ms backoff
    assert client.provider.stats.retries == 1


def test_the_circuit_opens_after_repeated_503s():
    with VerifierServer(fail_first=1000, fail_status=503) as srv:
        resource = verifier(srv, max_attempts=2, breaker_failures=2, breaker_reset_seconds=60)

        async def main():
            errors = []
            async with resource.client() as client:
                for i in range(3):
                    with pytest.raises(VerificationUnavailable) as caught:
                        await client.verify(f"person{i}@hotel.de")
                    errors.append(caught.value)
            return errors

        errors = asyncio.run(main())
        requests = srv.request_count
    assert [e.status for e in errors[:2]] == [503, 503]
    assert "open after 2 consecutive failures" in str(errors[2])
    assert requests == 4  # two calls of two attempts; the third never left the machine
    assert all(isinstance(e, ProviderError) for e in errors)


# -- offline only and DNS -------------------------------------------------------------------------


def test_without_a_key_verdicts_are_offline_only(server):
    verdicts, _ = verify_all(
        verifier(server, api_key=None),
        "anna.mueller@hotel-adler.de", "info@hotel-adler.de", "anna@gmail.com", "broken@",
    )
    assert [v.status for v in verdicts] == ["unverified", "unverified", "unverified",
                                            "syntax_error"]
    assert [v.is_role for v in verdicts] == [False, True, False, False]
    assert [v.is_free for v in verdicts] == [False, False, True, False]
    assert verdicts[0].score == 0.4 and verdicts[0].source == "offline"
    assert server.request_count == 0


def _closed_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_dns_never_fails_a_verification(server):
    hotel = plain_hotels(server)[0]
    (verdict,), client = verify_all(
        verifier(server, check_mx=True, dns_nameservers="127.0.0.1",
                 dns_port=_closed_udp_port(), dns_timeout_seconds=0.3),
        hotel.contact_email,
    )
    assert (verdict.status, verdict.mx_found) == ("valid", None)
    assert client.mx.trusted is False


class LoopbackDns:
    """Answers A/AAAA/MX queries from a dict on 127.0.0.1 over UDP; NXDOMAIN for other names."""

    def __init__(self, zone: dict[str, dict[str, list[str]]]) -> None:
        self.zone = zone
        self.queries: list[tuple[str, str]] = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.settimeout(0.05)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> LoopbackDns:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self._sock.recvfrom(4096)
            except OSError:  # includes the timeout that lets the loop see stop
                continue
            query = dns.message.from_wire(data)
            question = query.question[0]
            name = question.name.to_text().rstrip(".").lower()
            rdtype = dns.rdatatype.to_text(question.rdtype)
            self.queries.append((name, rdtype))
            reply = dns.message.make_response(query)
            if name not in self.zone:
                reply.set_rcode(dns.rcode.NXDOMAIN)
            elif rdtype in self.zone[name]:
                reply.answer.append(dns.rrset.from_text_list(
                    question.name, 300, "IN", rdtype, self.zone[name][rdtype]))
            self._sock.sendto(reply.to_wire(), peer)


def test_mx_lookups_decide_before_a_credit_is_spent(server):
    hotel = plain_hotels(server)[0]
    zone = {
        "gmail.com": {"MX": ["5 gmail-smtp-in.l.google.com."]},  # the canary
        hotel.domain: {"MX": [f"10 mx.{hotel.domain}."]},
        "a-record-only.de": {"A": ["192.0.2.10"]},  # mail goes to the address itself
        "null-mx.de": {"MX": ["0 ."]},  # RFC 7505: this domain takes no mail
    }
    with LoopbackDns(zone) as dns_server:
        verdicts, _ = verify_all(
            verifier(server, check_mx=True, dns_nameservers="127.0.0.1", dns_port=dns_server.port),
            hotel.contact_email, "anna@no-such-domain.de", "anna@null-mx.de",
            "anna@a-record-only.de", f"zz@{hotel.domain}",
        )
        asked_mx_for_hotel = dns_server.queries.count((hotel.domain, "MX"))
    assert [(v.status, v.mx_found, v.source) for v in verdicts] == [
        ("valid", True, "millionverifier"),
        ("no_mx", False, "offline"),
        ("no_mx", False, "offline"),
        ("invalid", True, "millionverifier"),
        ("invalid", True, "millionverifier"),
    ]
    assert asked_mx_for_hotel == 1  # cached per domain
    assert [r.email for r in server.requests] == [hotel.contact_email, "anna@a-record-only.de",
                                                 f"zz@{hotel.domain}"]


def test_a_resolver_that_denies_everything_is_not_believed():
    # Sandboxed networks answer NXDOMAIN to every name; that must not read as "no mail anywhere".
    with LoopbackDns({}) as dns_server:
        async def main():
            checker = MxChecker(nameservers=["127.0.0.1"], port=dns_server.port)
            try:
                return await checker.has_mail("hotel-adler.de"), checker.trusted
            finally:
                await checker.aclose()

        assert asyncio.run(main()) == (None, False)


# -- find_email end to end ------------------------------------------------------------------------


def find(srv: VerifierServer, contact, domain, site_emails, **overrides):
    async def main():
        async with verifier(srv, **overrides).client() as client:
            return await find_email(contact, domain, site_emails, client.verify)
    return asyncio.run(main())


def test_the_contact_is_found_by_pattern(server):
    # An f.last address, so that a few guesses bounce first; the website URL stands for the domain.
    hotel = next(h for h in plain_hotels(server) if re.match(r"^[a-z]\.", h.contact_email))
    chosen = find(server, f"{hotel.contact_first} {hotel.contact_last}", hotel.website, [])
    assert (chosen.email, chosen.status, chosen.origin, chosen.sendable) == (
        hotel.contact_email, "valid", "pattern", True)
    # Guesses stop at the hit; each bounce before it cost a credit.
    assert [r.email for r in server.requests][-1] == hotel.contact_email
    assert 1 < server.request_count <= 6


def test_a_catch_all_domain_costs_one_question(server):
    hotel = next(h for h in server.hotels if h.domain in server.catch_all_domains)
    chosen = find(server, f"{hotel.contact_first} {hotel.contact_last}", hotel.domain, [])
    assert (chosen.status, chosen.sendable, chosen.origin) == ("catch_all", False, "pattern")
    assert chosen.reason == "catch-all domain: pattern cannot be verified"
    assert server.request_count == 1


def test_a_published_address_needs_no_guessing(server):
    hotel = plain_hotels(server)[1]
    page = f"{hotel.website}/team"
    chosen = find(server, f"{hotel.contact_first} {hotel.contact_last}", hotel.domain,
                  [(f"info@{hotel.domain}", hotel.website), (hotel.contact_email, page)])
    assert (chosen.email, chosen.origin, chosen.page_url, chosen.sendable) == (
        hotel.contact_email, "site", page, True)
    assert server.request_count == 1


def test_a_published_address_on_a_catch_all_domain_is_accepted(server):
    hotel = next(h for h in server.hotels if h.domain in server.catch_all_domains)
    chosen = find(server, f"{hotel.contact_first} {hotel.contact_last}", hotel.domain,
                  [(hotel.contact_email, hotel.website)])
    assert (chosen.email, chosen.status, chosen.sendable) == (hotel.contact_email, "catch_all",
                                                              True)
    assert chosen.score < 0.95


def test_only_a_generic_address(server):
    hotel = plain_hotels(server)[2]
    chosen = find(server, None, hotel.domain, [(f"Info@{hotel.domain}", hotel.website)])
    assert (chosen.email, chosen.kind, chosen.status, chosen.sendable) == (
        f"info@{hotel.domain}", "generic", "valid", False)
    assert chosen.reason == "only a generic address (info@...)"


def test_no_contact_and_nothing_on_the_site(server):
    hotel = plain_hotels(server)[3]
    chosen = find(server, None, hotel.domain, [])
    assert (chosen.email, chosen.sendable) == (None, False)
    assert chosen.reason == "no contact name and no address on the site"
    assert server.request_count == 0


def test_an_unavailable_verifier_means_retry_later():
    with VerifierServer(fail_first=1000, fail_status=503) as srv:
        hotel = plain_hotels(srv)[0]
        with pytest.raises(VerificationUnavailable):
            find(srv, f"{hotel.contact_first} {hotel.contact_last}", hotel.domain, [],
                 max_attempts=2)
