"""Enrichment throughput against the sandbox with a fixed added latency, printed as one JSON object.

    .venv/bin/python benchmarks/enrichment.py [--prospects 2000] [--latency 0.1]
        [--search-rps 20] [--web-rps 200] [--verifier-rps 50]

N prospects (the 200 sample hotels, repeated) go through the real enrichment code: search, web
fetches (cache off, so every prospect fetches its pages), analysis and verification, each provider
behind its own rate limit. Every sandbox answer is delayed by ``--latency`` seconds. The output
gives prospects/s and, per provider, the achieved request rate against its limit. The limited
provider (the one with the lowest headroom) should use at least 90% of its limit and none may
exceed theirs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jengu_assets import stages  # noqa: E402
from jengu_assets.acquisition import rules  # noqa: E402
from jengu_assets.enrichment.pipeline import enrich_partition  # noqa: E402
from jengu_resources.crm_store import CRMStore, insert_rows  # noqa: E402
from jengu_resources.fetcher import SafeFetcher  # noqa: E402
from jengu_resources.search import WebSearch  # noqa: E402
from jengu_resources.verifier import EmailVerifier  # noqa: E402
from sandbox import sample_data  # noqa: E402
from sandbox.world import SANDBOX_KEY, Sandbox  # noqa: E402

DAY = date(2026, 11, 20)


def seed_prospects(crm: CRMStore, n: int) -> None:
    hotels = sample_data.hotels()
    rows = []
    for i in range(n):
        h = hotels[i % len(hotels)]
        rows.append({
            "id": f"b{i:06d}", "company_name": h.name,
            "contact_name": f"{h.contact_first} {h.contact_last}", "city": h.city,
            "country": h.country, "name_key": rules.name_key(h.name),
            "city_key": rules.city_key(h.city), "tier": "warm", "source": "csv",
            "source_ref": f"benchmark row {i}", "discovered_on": DAY, "stage": "new",
        })
    with crm.transaction() as con:
        insert_rows(con, "prospects", rows)
        stages.log_creation(con, [r["id"] for r in rows], reason="benchmark", actor="benchmark")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prospects", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--search-rps", type=float, default=20.0)
    parser.add_argument("--web-rps", type=float, default=200.0)
    parser.add_argument("--verifier-rps", type=float, default=50.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, Sandbox(day=DAY, latency_seconds=args.latency) as box:
        crm = CRMStore(path=str(Path(tmp) / "crm.duckdb"))
        seed_prospects(crm, args.prospects)
        fetcher = SafeFetcher(
            sandbox_routes=box.websites.routes(), cache_dir=str(Path(tmp) / "http"),
            cache_ttl_seconds=0, requests_per_second=args.web_rps, max_concurrency=128,
            total_timeout_seconds=5,
        )
        search = WebSearch(base_url=box.search.url, requests_per_second=args.search_rps,
                           max_concurrency=64)
        verifier = EmailVerifier(base_url=box.verifier.url, api_key=SANDBOX_KEY,
                                 requests_per_second=args.verifier_rps, max_concurrency=64,
                                 check_mx=False)
        started = time.perf_counter()
        report = asyncio.run(enrich_partition(
            crm=crm, search=search, fetcher=fetcher, verifier=verifier, day=DAY, actor="benchmark"
        ))
        seconds = time.perf_counter() - started
        stages_count = {
            r["stage"]: r["n"]
            for r in crm.query("SELECT stage, count(*) AS n FROM prospects GROUP BY 1 ORDER BY 1")
        }

    providers = {}
    for name, stats in report.provider_stats.items():
        share = stats["achieved_rps"] / stats["limit_rps"] if stats["limit_rps"] else 0.0
        providers[name] = {**stats, "share_of_limit": round(share, 3)}
    limited = max(providers, key=lambda name: providers[name]["share_of_limit"])
    print(json.dumps({
        "prospects": args.prospects,
        "latency_seconds": args.latency,
        "seconds": round(seconds, 2),
        "prospects_per_s": round(args.prospects / seconds, 1),
        "stages": stages_count,
        "providers": providers,
        "limited_provider": limited,
        "limited_share_of_limit": providers[limited]["share_of_limit"],
        "any_provider_above_limit": any(p["share_of_limit"] > 1.0 for p in providers.values()),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }, indent=2))


if __name__ == "__main__":
    main()
