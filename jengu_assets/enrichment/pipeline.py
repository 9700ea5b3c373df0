"""Enrichment of one partition: website, website analysis and a verified email for each prospect.

The work is async and bounded only by the providers' own limits (``jengu_resources.throttle``):
many prospects are in flight at once, and each provider (search, web, verifier) paces itself.
The store is touched only between network calls, in short batched transactions:

1. claim: prospects of the partition that are ``new``, failed with a retry now due, or stuck in
   ``enriching`` for longer than ``STALE_CLAIM`` move to ``enriching``;
2. enrich each one (network only, no connection open);
3. flush results in batches: columns, verdicts, stage moves and the retry queue, one transaction.

A provider outage is a transient failure: the prospect goes to ``failed`` with the reason and a
retry is queued (1 min doubling, 5 attempts). Finding nothing at all (no website and no email) is a
permanent failure with its reason. Anything found is ``enriched``; what is missing says why.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from jengu_assets import retry_queue, stages
from jengu_assets.acquisition import rules
from jengu_assets.claims import claim_partition
from jengu_assets.enrichment.email_finder import EmailPick, find_email
from jengu_assets.enrichment.site_analysis import SiteAnalysis, analyze_html
from jengu_assets.enrichment.website_finder import choose_website, search_query
from jengu_resources.crm_store import CRMStore, fetch_dicts
from jengu_resources.fetcher import FetchError, FetchResult, SafeFetcher
from jengu_resources.search import WebSearch
from jengu_resources.throttle import ProviderError
from jengu_resources.verifier import EmailVerifier, Verification, VerificationUnavailable

TASK = "enrich"
FLUSH_EVERY = 200
IN_FLIGHT = 256  # prospects worked on at once; the providers' own limits do the real pacing
EXTRA_PAGES = 3  # contact / imprint pages fetched besides the home page
SITE_TRIES = 3  # candidate sites tried when the best one does not answer
VERDICT_MAX_AGE = timedelta(days=30)


@dataclass
class Prospect:
    id: str
    company_name: str
    contact_name: str | None
    city: str | None
    country: str | None
    website: str | None
    email: str | None


@dataclass
class Result:
    prospect_id: str
    website: str | None = None
    website_final_url: str | None = None
    website_kind: str | None = None
    website_score: float | None = None
    website_reason: str | None = None
    analysis: dict[str, Any] | None = None
    email: EmailPick | None = None
    verifications: list[Verification] = field(default_factory=list)
    transient: retry_queue.Failure | None = None

    @property
    def found_anything(self) -> bool:
        return bool(self.website_final_url or (self.email and self.email.email))

    def failure_reason(self) -> str | None:
        if self.transient:
            return f"{self.transient.reason}: {self.transient.error}"
        if not self.found_anything:
            email_reason = self.email.reason if self.email else "not searched"
            return f"no website ({self.website_reason}); no email ({email_reason})"
        return None


@dataclass
class Tools:
    """The open provider sessions of one run."""

    search: Any
    fetch: Any
    verify: Callable[[str], Awaitable[Verification]]
    picker: Any = None


# -- claiming and flushing (the only places that touch the store) ---------------------------------


def claim(crm: CRMStore, day: date, now: datetime, actor: str) -> list[Prospect]:
    with crm.transaction() as con:
        ids = claim_partition(
            con, day=day, waiting=stages.Stage.NEW, working=stages.Stage.ENRICHING,
            task=TASK, now=now, actor=actor, reason="enrichment started",
        )
        rows = fetch_dicts(
            con,
            "SELECT id, company_name, contact_name, city, country, website, email FROM prospects "
            "WHERE id IN (SELECT unnest(?::VARCHAR[])) ORDER BY id",
            [ids],
        )
    return [
        Prospect(r["id"], r["company_name"], r["contact_name"], r["city"], r["country"],
                 r["website"], r["email"])
        for r in rows
    ]


def cached_verdicts(crm: CRMStore, now: datetime) -> dict[str, Verification]:
    rows = crm.query(
        "SELECT email, status, score, is_role, is_free, mx_found, source, detail "
        "FROM email_verifications WHERE verified_at >= ?",
        [now - VERDICT_MAX_AGE],
    )
    return {r["email"]: Verification(**r) for r in rows}


def flush(crm: CRMStore, results: list[Result], day: date, now: datetime, actor: str) -> None:
    if not results:
        return
    with crm.transaction() as con:
        verdicts = {v.email: v for r in results for v in r.verifications}
        for v in verdicts.values():
            con.execute(
                "INSERT INTO email_verifications (email, status, score, is_role, is_free, mx_found,"
                " source, detail, verified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (email) DO UPDATE SET status = excluded.status, score = excluded.score,"
                " is_role = excluded.is_role, is_free = excluded.is_free, mx_found = excluded.mx_found,"
                " source = excluded.source, detail = excluded.detail, verified_at = excluded.verified_at",
                [v.email, v.status, v.score, v.is_role, v.is_free, v.mx_found, v.source, v.detail, now],
            )
        for r in results:
            pick = r.email
            con.execute(
                "UPDATE prospects SET website = coalesce(?, website), website_final_url = ?,"
                " website_kind = ?, website_score = ?, website_reason = ?,"
                " domain = coalesce(?, domain), email = coalesce(?, email), email_status = ?,"
                " email_score = ?, email_kind = ?, email_origin = ?, email_sendable = ?,"
                " email_reason = ?, website_analysis = ?, enrichment_reason = ?, enriched_at = ?,"
                " updated_at = ? WHERE id = ?",
                [
                    r.website, r.website_final_url, r.website_kind, r.website_score,
                    r.website_reason, _own_domain(r.website_final_url),
                    pick.email if pick else None, pick.status if pick else None,
                    pick.score if pick else None, pick.kind if pick else None,
                    pick.origin if pick else None, bool(pick and pick.sendable),
                    pick.reason if pick else None,
                    json.dumps(r.analysis, ensure_ascii=False) if r.analysis else None,
                    r.failure_reason(), now, now, r.prospect_id,
                ],
            )
        done = [r.prospect_id for r in results if r.failure_reason() is None]
        failed = [r for r in results if r.failure_reason() is not None]
        stages.transition_many(con, done, stages.Stage.ENRICHED, reason="enriched", actor=actor)
        for r in failed:
            stages.transition(con, r.prospect_id, stages.Stage.FAILED, reason=r.failure_reason(),
                              actor=actor)
        retry_queue.record_failures(
            con, TASK, [r.transient for r in failed if r.transient], partition_date=day, now=now
        )
        retry_queue.resolve(con, TASK, [r.prospect_id for r in results if not r.transient], now=now)


def _own_domain(url: str | None) -> str | None:
    domain = rules.domain_of(url)
    return None if domain is None or rules.is_generic_domain(domain) else domain


# -- one prospect --------------------------------------------------------------------------------


async def enrich_one(p: Prospect, tools: Tools) -> Result:
    result = Result(p.id)
    try:
        candidates = await _site_candidates(p, tools, result)
    except ProviderError as exc:
        result.transient = retry_queue.Failure(p.id, "search_unavailable", str(exc))
        return result

    site_emails: list[tuple[str, str | None]] = []
    if p.email:
        site_emails.append((p.email, None))
    dead: list[str] = []
    for url, kind, score in candidates[:SITE_TRIES]:
        try:
            home = await tools.fetch.fetch(url)
        except FetchError as exc:
            dead.append(f"{url} did not answer ({exc.reason})")
            continue
        result.website, result.website_kind, result.website_score = url, kind, score
        result.website_final_url = home.final_url
        chosen = "from the import" if kind == "csv" else result.website_reason
        result.website_reason = "; ".join([*dead, chosen])
        analysis, emails = await _analyse_site(home, p.country, tools)
        site_emails += emails
        result.analysis = analysis.to_json(url)
        break
    else:
        if dead:
            result.website_reason = "; ".join(dead)

    # A site that is down still names the hotel's mail domain: guessed addresses are verified there.
    unanswered = candidates[0][0] if candidates and not result.website_final_url else None
    domain = (
        rules.domain_of(result.website_final_url)
        or rules.domain_of(unanswered)
        or rules.domain_of(p.email)
    )
    verifications: dict[str, Verification] = {}

    async def verify(address: str) -> Verification:
        verdict = await tools.verify(address)
        verifications[address] = verdict
        return verdict

    try:
        result.email = await find_email(
            p.contact_name, domain, site_emails, verify,
            property_domain=result.website_kind == "chain_property",
        )
    except (VerificationUnavailable, ProviderError) as exc:
        result.transient = retry_queue.Failure(p.id, "verifier_unavailable", str(exc))
    result.verifications = list(verifications.values())
    return result


async def _analyse_site(home, country: str | None, tools: Tools):
    """The home page's analysis, enriched with the phones, address and emails of the contact and
    imprint pages it links to; returns it with every (email, page) found."""
    # Decoding and parsing are CPU work: in a thread, so that the event loop keeps every
    # provider's pace. ``.text`` (not ``.body``) so the HTTP header's charset is honoured.
    analysis = await asyncio.to_thread(_analyse_page, home, country)
    emails = [(e, home.final_url) for e in analysis.emails]
    for page_url in list(dict.fromkeys(analysis.links.values()))[:EXTRA_PAGES]:
        try:
            page = await tools.fetch.fetch(page_url)
        except FetchError:
            continue
        extra = await asyncio.to_thread(_analyse_page, page, country)
        emails += [(e, page.final_url) for e in extra.emails]
        analysis.phones = list(dict.fromkeys(analysis.phones + extra.phones))
        analysis.address = analysis.address or extra.address
    return analysis, emails


def _analyse_page(page: FetchResult, country: str | None) -> SiteAnalysis:
    return analyze_html(page.text, page.final_url, default_region=country)


async def _site_candidates(
    p: Prospect, tools: Tools, result: Result
) -> list[tuple[str, str, float | None]]:
    """(url, kind, score) to try in order: the imported website, else the search's picks (the
    site's home page: search results often point at an inner page)."""
    if p.website:
        url = p.website if "://" in p.website else f"https://{p.website}"
        return [(url, "csv", None)]
    results = await tools.search.search(search_query(p.company_name, p.city, p.country))
    choice = await choose_website(
        results, company_name=p.company_name, city=p.city, country=p.country, picker=tools.picker
    )
    result.website_reason = choice.reason
    if not choice.url:
        return []
    ordered = [(choice.home_url, choice.kind, choice.score)]
    for c in choice.candidates:
        runner_up = c.kind in ("candidate", "chain_property") and c.score >= choice.min_score
        if runner_up and c.home_url not in {url for url, _, _ in ordered}:
            ordered.append((c.home_url, c.kind, c.score))
    return ordered


# -- the run -------------------------------------------------------------------------------------


@dataclass
class RunReport:
    claimed: int
    results: list[Result]
    provider_stats: dict[str, dict[str, Any]]
    seconds: float


async def enrich_partition(
    *,
    crm: CRMStore,
    search: WebSearch,
    fetcher: SafeFetcher,
    verifier: EmailVerifier,
    day: date,
    actor: str,
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    picker: Any = None,
) -> RunReport:
    loop = asyncio.get_running_loop()
    started = loop.time()
    prospects = claim(crm, day, now(), actor)
    cache = cached_verdicts(crm, now()) if prospects else {}
    done: list[Result] = []
    pending: list[Result] = []
    async with AsyncExitStack() as stack:
        search_client = await stack.enter_async_context(search.client())
        fetch_session = await stack.enter_async_context(fetcher.session())
        verify_client = await stack.enter_async_context(verifier.client())

        async def verify(address: str) -> Verification:
            if address in cache:
                return cache[address]
            verdict = await verify_client.verify(address)
            cache[address] = verdict
            return verdict

        tools = Tools(search_client, fetch_session, verify, picker)
        gate = asyncio.Semaphore(IN_FLIGHT)
        writing = asyncio.Lock()  # one batch written at a time, off the event loop

        async def run(p: Prospect) -> None:
            async with gate:
                result = await enrich_one(p, tools)
            pending.append(result)
            if len(pending) >= FLUSH_EVERY:
                batch = pending[:]
                pending.clear()
                async with writing:
                    await asyncio.to_thread(flush, crm, batch, day, now(), actor)
                done.extend(batch)

        await asyncio.gather(*(run(p) for p in prospects))
        async with writing:
            await asyncio.to_thread(flush, crm, pending, day, now(), actor)
        done.extend(pending)
        stats = {
            "search": search_client.provider.stats,
            "web": fetch_session.provider.stats,
            "verifier": verify_client.provider.stats,
        }
        limits = {
            "search": search_client.provider.limits,
            "web": fetch_session.provider.limits,
            "verifier": verify_client.provider.limits,
        }
    provider_stats = {
        name: {
            "requests": s.requests,
            "retries": s.retries,
            "failures": s.failures,
            "achieved_rps": round(s.achieved_rate(), 2),
            "limit_rps": limits[name].requests_per_second,
        }
        for name, s in stats.items()
    }
    return RunReport(len(prospects), done, provider_stats, loop.time() - started)
