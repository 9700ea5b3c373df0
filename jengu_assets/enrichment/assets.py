"""Enrichment: each new prospect gets its official website, a website analysis and, where one can be
found and verified, a personal email address."""

import asyncio
from collections import Counter

import dagster as dg

from jengu_assets.acquisition.assets import prospects
from jengu_assets.acquisition.reporting import markdown_table
from jengu_assets.enrichment.pipeline import enrich_partition
from jengu_assets.partitions import daily_partitions
from jengu_resources.crm_store import CRMStore
from jengu_resources.fetcher import SafeFetcher
from jengu_resources.search import WebSearch
from jengu_resources.verifier import EmailVerifier

GROUP = "enrichment"


@dg.asset(
    partitions_def=daily_partitions,
    group_name=GROUP,
    kinds={"duckdb", "http"},
    owners=["team:data-engineering"],
    deps=[prospects],
    pool="web_api",
)
def enriched_contacts(
    context: dg.AssetExecutionContext,
    crm: CRMStore,
    web_search: WebSearch,
    fetcher: SafeFetcher,
    email_verifier: EmailVerifier,
) -> dg.MaterializeResult:
    """Website (search, scoring, verified by fetching it), site analysis (phones, address, social,
    booking engine, CMS, schema.org) and a verified email for the partition's new prospects, and
    retries of failures that are due. Re-running touches only what is new, stuck or due."""
    day = context.partition_time_window.start.date()
    report = asyncio.run(
        enrich_partition(
            crm=crm,
            search=web_search,
            fetcher=fetcher,
            verifier=email_verifier,
            day=day,
            actor=f"enriched_contacts/{context.run.run_id}",
        )
    )
    results = report.results
    failures = Counter(
        (r.transient.reason if r.transient else "nothing_found")
        for r in results
        if r.failure_reason()
    )
    website_misses = Counter(
        (r.website_reason or "").split(" (")[0] for r in results if not r.website_final_url
    )
    email_misses = Counter(r.email.reason for r in results if r.email and not r.email.sendable)
    with crm.connect() as con:
        stage_counts = dict(
            con.execute(
                "SELECT stage, count(*) FROM prospects WHERE discovered_on = ? GROUP BY 1 ORDER BY 1",
                [day],
            ).fetchall()
        )
        preview = con.execute(
            "SELECT company_name, website_final_url, email, email_status, email_sendable, stage "
            "FROM prospects WHERE discovered_on = ? AND enriched_at IS NOT NULL "
            "ORDER BY email_sendable DESC, company_name LIMIT 10",
            [day],
        ).fetchall()
    columns = ["company_name", "website_final_url", "email", "email_status", "email_sendable", "stage"]
    return dg.MaterializeResult(
        metadata={
            "processed": report.claimed,
            "enriched": sum(1 for r in results if r.failure_reason() is None),
            "failed": sum(failures.values()),
            "failures_by_reason": dict(failures),
            "websites_found": sum(1 for r in results if r.website_final_url),
            "sendable_emails": sum(1 for r in results if r.email and r.email.sendable),
            "website_misses": dict(website_misses.most_common(10)),
            "email_misses": dict(email_misses.most_common(10)),
            "stages_in_partition": stage_counts,
            "providers": report.provider_stats,
            "seconds": round(report.seconds, 2),
            "preview": dg.MetadataValue.md(
                markdown_table([dict(zip(columns, row)) for row in preview], columns)
            ),
        }
    )
