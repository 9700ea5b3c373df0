"""Research: a sourced report per enriched prospect (site pain signals, reviews, news, competitors,
the hiring signal), stored in ``research_reports``; the prospect moves on to ``ready``.

Same shape as enrichment: claim in one short transaction (``enriched`` prospects, failed ones
with a due ``research`` retry, and ``researching`` claims older than ``STALE_CLAIM``), search with
no store connection open, then flush reports, stage moves and the retry queue in batches. A search
outage fails the prospect with its reason and queues a retry; re-running a partition touches only
what is new, stuck or due.
"""

import asyncio
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import dagster as dg

from jengu_assets import retry_queue, stages
from jengu_assets.acquisition.reporting import markdown_table
from jengu_assets.claims import claim_partition
from jengu_assets.enrichment.assets import enriched_contacts
from jengu_assets.partitions import daily_partitions
from jengu_assets.research.models import ResearchReport
from jengu_assets.research.report import build_report
from jengu_resources.crm_store import CRMStore, fetch_dicts
from jengu_resources.search import SearchResult, WebSearch
from jengu_resources.throttle import ProviderError

GROUP = "research"
TASK = "research"
FLUSH_EVERY = 200
IN_FLIGHT = 64  # prospects searched at once; the search provider's own limits pace the requests
MAX_COMPETITORS = 3


@dataclass
class Claimed:
    prospect: dict[str, Any]
    analysis: dict[str, Any] | None
    competitors: list[dict[str, Any]]
    posting: dict[str, Any] | None


@dataclass
class Outcome:
    prospect_id: str
    report: ResearchReport | None = None
    failure: retry_queue.Failure | None = None


@dataclass
class RunReport:
    claimed: int
    outcomes: list[Outcome] = field(default_factory=list)
    search_stats: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


def claim(crm: CRMStore, day: date, now: datetime, actor: str) -> list[Claimed]:
    with crm.transaction() as con:
        ids = claim_partition(
            con, day=day, waiting=stages.Stage.ENRICHED, working=stages.Stage.RESEARCHING,
            task=TASK, now=now, actor=actor, reason="research started",
        )
        rows = fetch_dicts(
            con,
            "SELECT id, company_name, contact_name, contact_title, linkedin_url, website,"
            " website_final_url, city, city_key, country, hiring_signal, hiring_role, source,"
            " source_ref, website_analysis, stage FROM prospects"
            " WHERE id IN (SELECT unnest(?::VARCHAR[])) ORDER BY id",
            [ids],
        )
        postings = {
            p["prospect_id"]: p
            for p in fetch_dicts(
                con,
                "SELECT prospect_id, id, source, title, url FROM job_postings"
                " WHERE prospect_id IN (SELECT unnest(?::VARCHAR[]))"
                " ORDER BY prospect_id, posted_at NULLS FIRST, id",
                [ids],
            )
        }
        neighbours = fetch_dicts(
            con,
            "SELECT p.id AS prospect_id, o.id, o.company_name FROM prospects p JOIN prospects o"
            " ON o.city_key = p.city_key AND o.country IS NOT DISTINCT FROM p.country"
            " AND o.id <> p.id WHERE p.id IN (SELECT unnest(?::VARCHAR[])) AND p.city_key <> ''"
            " AND o.stage NOT IN ('suppressed', 'archived') ORDER BY p.id, o.id",
            [ids],
        )
    by_prospect: dict[str, list[dict[str, Any]]] = {}
    for n in neighbours:
        bucket = by_prospect.setdefault(n["prospect_id"], [])
        if len(bucket) < MAX_COMPETITORS:
            bucket.append({"id": n["id"], "company_name": n["company_name"]})
    return [
        Claimed(
            prospect=r,
            analysis=_analysis(r.pop("website_analysis")),
            competitors=by_prospect.get(r["id"], []),
            posting=postings.get(r["id"]),
        )
        for r in rows
    ]


def _analysis(raw: Any) -> dict[str, Any] | None:
    if isinstance(raw, dict):
        return raw
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def flush(crm: CRMStore, outcomes: list[Outcome], day: date, now: datetime, actor: str) -> None:
    if not outcomes:
        return
    done = [o for o in outcomes if o.report is not None]
    failed = [o for o in outcomes if o.failure is not None]
    with crm.transaction() as con:
        for o in done:
            con.execute(
                "INSERT INTO research_reports (id, prospect_id, partition_date, report, created_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
                " partition_date = excluded.partition_date, report = excluded.report,"
                " created_at = excluded.created_at",
                [report_id(o.prospect_id), o.prospect_id, day, o.report.model_dump_json(), now],
            )
        stages.transition_many(con, [o.prospect_id for o in done], stages.Stage.READY,
                               reason="research report written", actor=actor)
        for o in failed:
            stages.transition(con, o.prospect_id, stages.Stage.FAILED,
                              reason=f"{o.failure.reason}: {o.failure.error}", actor=actor)
        retry_queue.record_failures(con, TASK, [o.failure for o in failed],
                                    partition_date=day, now=now)
        retry_queue.resolve(con, TASK, [o.prospect_id for o in done], now=now)


def report_id(prospect_id: str) -> str:
    return f"r_{prospect_id}"


async def research_one(item: Claimed, search: Any) -> Outcome:
    p = item.prospect
    place = " ".join(x for x in (p["company_name"], p.get("city")) if x)
    region = p.get("country") or None
    try:
        reviews: list[SearchResult]
        news: list[SearchResult]
        reviews, news = await asyncio.gather(
            search.search(f"{place} reviews", region=region),
            search.search(f"{place} news", region=region),
        )
    except ProviderError as exc:
        return Outcome(p["id"], failure=retry_queue.Failure(p["id"], "search_unavailable", str(exc)))
    report = build_report(p, item.analysis, reviews, news, item.competitors, item.posting)
    return Outcome(p["id"], report=report)


async def research_partition(
    *, crm: CRMStore, search: WebSearch, day: date, actor: str,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> RunReport:
    loop = asyncio.get_running_loop()
    started = loop.time()
    claimed = claim(crm, day, now(), actor)
    run = RunReport(len(claimed))
    if not claimed:
        return run
    pending: list[Outcome] = []
    async with search.client() as client:
        gate = asyncio.Semaphore(IN_FLIGHT)
        writing = asyncio.Lock()

        async def work(item: Claimed) -> None:
            async with gate:
                outcome = await research_one(item, client)
            pending.append(outcome)
            if len(pending) >= FLUSH_EVERY:
                batch = pending[:]
                pending.clear()
                async with writing:
                    await asyncio.to_thread(flush, crm, batch, day, now(), actor)
                run.outcomes.extend(batch)

        await asyncio.gather(*(work(item) for item in claimed))
        async with writing:
            await asyncio.to_thread(flush, crm, pending, day, now(), actor)
        run.outcomes.extend(pending)
        s = client.provider.stats
        run.search_stats = {"requests": s.requests, "retries": s.retries, "failures": s.failures}
    run.seconds = loop.time() - started
    return run


def preview(outcomes: list[Outcome], limit: int = 10) -> str:
    rows = [
        {
            "company_name": o.report.company_name,
            "found_via": o.report.found_via,
            "language": o.report.language,
            "items": len(o.report.items),
            "first items": "; ".join(i.text for i in o.report.items[:2]),
        }
        for o in sorted(
            (o for o in outcomes if o.report), key=lambda o: (-len(o.report.items), o.prospect_id)
        )[:limit]
    ]
    return markdown_table(rows, ["company_name", "found_via", "language", "items", "first items"])


@dg.asset(
    partitions_def=daily_partitions,
    group_name=GROUP,
    kinds={"duckdb", "http"},
    owners=["team:data-engineering"],
    deps=[enriched_contacts],
    pool="web_api",
)
def research_reports(
    context: dg.AssetExecutionContext, crm: CRMStore, web_search: WebSearch
) -> dg.MaterializeResult:
    """A sourced research report (site pain signals, reviews, news, competitors, hiring signal) for
    each enriched prospect of the partition, and retries that are due; the prospect becomes
    ``ready``. Re-running touches only what is new, stuck or due."""
    day = context.partition_time_window.start.date()
    run = asyncio.run(
        research_partition(crm=crm, search=web_search, day=day,
                           actor=f"research_reports/{context.run.run_id}")
    )
    reports = [o.report for o in run.outcomes if o.report]
    failures = Counter(o.failure.reason for o in run.outcomes if o.failure)
    kinds = Counter(item.kind for r in reports for item in r.items)
    return dg.MaterializeResult(
        metadata={
            "processed": run.claimed,
            "ready": len(reports),
            "failed": sum(failures.values()),
            "failures_by_reason": dict(failures),
            "items_by_kind": dict(sorted(kinds.items())),
            "items": sum(kinds.values()),
            "search": run.search_stats,
            "seconds": round(run.seconds, 2),
            "preview": dg.MetadataValue.md(preview(run.outcomes)),
        }
    )
