"""Research and composition throughput against the sandbox LLM, printed as one JSON object.

    .venv/bin/python benchmarks/composition.py [--prospects 1000] [--latency 0.3]
        [--llm-rps 5] [--search-rps 50] [--spamd]

N enriched prospects (the sample hotels, repeated, each with a sendable address and a website
analysis) go through the real ``research_reports`` and ``composed_emails`` assets, materialised
in-process: review and news searches, the report, then the LLM chain (Grok first, Claude behind
it, both on the sandbox's loopback endpoints, which write real drafts), the gates, regeneration
and the flush. Every sandbox answer is delayed by ``--latency`` seconds and each LLM provider is
held to ``--llm-rps``. The spam gate uses its heuristic unless ``--spamd`` starts a private spamd.
The sandbox LLM runs in a process of its own, so that its work does not slow the client measured.

The default limit is 5 requests/s: on a 2-core machine the composing client itself (text gates,
response validation) tops out near 8 emails/s, so a higher limit measures the CPU, not the pacing.

The output gives emails/s, per LLM provider the achieved request rate against its limit (the
limited provider should use at least 90% of it and none may exceed it), gate pass rates,
regenerations per email, holds by reason and the peak RSS (under 1 GiB).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import dagster as dg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jengu_assets import stages  # noqa: E402
from jengu_assets.acquisition import rules  # noqa: E402
from jengu_assets.composition.assets import composed_emails  # noqa: E402
from jengu_assets.research.assets import research_reports  # noqa: E402
from jengu_resources.crm_store import CRMStore, insert_rows  # noqa: E402
from jengu_resources.llm import LLM, LLMSession  # noqa: E402
from jengu_resources.search import WebSearch  # noqa: E402
from jengu_resources.spamd import SpamChecker  # noqa: E402
from sandbox import sample_data  # noqa: E402
from sandbox.llm_api import ANTHROPIC_API, OPENAI_API, SANDBOX_ANTHROPIC_KEY, SANDBOX_XAI_KEY  # noqa: E402
from sandbox.world import Sandbox  # noqa: E402

DAY = date(2026, 11, 20)
PARTITION = DAY.isoformat()
SERVER_API = {"grok": OPENAI_API, "claude": ANTHROPIC_API}

# The asset opens its LLM session itself and keeps it to itself; its statistics (the achieved
# rate per provider, measured where the limiter lets requests through) are the number this
# benchmark exists for, so the resource hands every session it opens to this list as well.
_SESSIONS: list[LLMSession] = []


class RecordingLLM(LLM):
    def session(self, crm=None, offline_handlers=None, *, clock=time.monotonic) -> LLMSession:
        opened = super().session(crm, offline_handlers, clock=clock)
        _SESSIONS.append(opened)
        return opened


def _languages() -> dict[tuple[str, str], str]:
    # What the site analysis would have read from the page: the city's language where the
    # country has several (Geneva), the country's otherwise.
    out = {}
    for country in sample_data.COUNTRIES:
        for city in country.cities:
            out[(country.code, city.name)] = city.lang or country.lang
    return out


def _analysis(h: sample_data.SampleHotel, i: int, language: str) -> dict[str, Any]:
    # Varied per row so the reports (and the drafts written from them) are not all alike: some
    # sites lack a booking engine, a chat widget or analytics, as in a real crawl.
    return {
        "input": h.website, "url": h.website, "phones": [h.phone], "emails": [h.contact_email],
        "social": {} if i % 3 == 0 else {"instagram": f"https://instagram.com/{h.domain}"},
        "booking_engine": None if i % 2 == 0 else "SiteMinder", "cms": "WordPress",
        "schema_org": None if i % 4 == 0 else {"@type": "Hotel", "starRating": h.stars,
                                               "numberOfRooms": h.rooms},
        "title": h.name, "language": language, "description": None, "address": None,
        "chat_widget": None if i % 5 else "Intercom", "analytics": [] if i % 3 == 1 else ["GA4"],
        "links": {},
    }


def seed_prospects(crm: CRMStore, n: int) -> None:
    hotels = sample_data.hotels()
    languages = _languages()
    rows = []
    for i in range(n):
        h = hotels[i % len(hotels)]
        rows.append({
            "id": f"c{i:06d}", "company_name": h.name,
            "contact_name": f"{h.contact_first} {h.contact_last}",
            "contact_title": h.contact_title, "email": h.contact_email, "phone": h.phone,
            "website": h.website, "website_final_url": h.website, "domain": h.domain,
            "city": h.city, "region": h.region, "country": h.country, "timezone": h.timezone,
            "name_key": rules.name_key(h.name), "city_key": rules.city_key(h.city),
            "tier": "warm", "source": "csv", "source_ref": f"benchmark row {i}",
            "discovered_on": DAY, "stage": "enriched", "email_status": "valid",
            "email_kind": "personal", "email_origin": "csv", "email_sendable": True,
            "website_analysis": json.dumps(
                _analysis(h, i, languages.get((h.country, h.city), "en"))),
        })
    with crm.transaction() as con:
        insert_rows(con, "prospects", rows)
        stages.log_creation(con, [r["id"] for r in rows], reason="benchmark", actor="benchmark")


def _metadata(result: dg.ExecuteInMemoryResult, node: str) -> dict[str, Any]:
    [materialization] = result.asset_materializations_for_node(node)
    return {key: value.value for key, value in materialization.metadata.items()}


def _serve_llm(latency: float, conn: Connection) -> None:
    """The sandbox LLM in a process of its own: its "model" writes each email with real CPU work,
    which must not compete with the client being measured for one interpreter's lock."""
    from sandbox.llm_api import LLMServer
    from sandbox.llm_writer import sandbox_writer

    with LLMServer(latency_seconds=latency, responder=sandbox_writer) as server:
        conn.send((server.url, server.openai_base_url))
        conn.recv()  # until the benchmark is done
        conn.send({api: sorted(r.at for r in server.requests_for(api)) for api in SERVER_API.values()})


@contextmanager
def llm_server_process(latency: float) -> Iterator[tuple[str, str, Connection]]:
    parent, child = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=_serve_llm, args=(latency, child), daemon=True
    )
    process.start()
    try:
        url, openai_url = parent.recv()
        yield url, openai_url, parent
    finally:
        process.join(timeout=10)
        if process.is_alive():
            process.kill()


def _server_rate(arrivals: list[float]) -> float:
    """Requests per second as the server saw them arrive, the same span formula as the client's."""
    if len(arrivals) < 2 or arrivals[-1] <= arrivals[0]:
        return 0.0
    return (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prospects", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--llm-rps", type=float, default=5.0)
    parser.add_argument("--search-rps", type=float, default=50.0)
    parser.add_argument("--spamd", action="store_true",
                        help="score with a private spamd instead of the heuristic")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, Sandbox(
        day=DAY, latency_seconds=args.latency, spamd=args.spamd
    ) as box, llm_server_process(args.latency) as (llm_url, openai_url, llm_conn):
        crm = CRMStore(path=str(Path(tmp) / "crm.duckdb"))
        seed_prospects(crm, args.prospects)
        search = WebSearch(base_url=box.search.url, requests_per_second=args.search_rps,
                           max_concurrency=64)
        llm = RecordingLLM(
            xai_api_key=SANDBOX_XAI_KEY, xai_base_url=openai_url,
            anthropic_api_key=SANDBOX_ANTHROPIC_KEY, anthropic_base_url=llm_url,
            requests_per_second=args.llm_rps,
        )
        spam_checker = SpamChecker(port=box.spamd.port if box.spamd else 0)

        started = time.perf_counter()
        researched = dg.materialize([research_reports], partition_key=PARTITION,
                                    resources={"crm": crm, "web_search": search})
        research_seconds = time.perf_counter() - started
        assert researched.success

        started = time.perf_counter()
        composed = dg.materialize(
            [composed_emails], partition_key=PARTITION,
            resources={"crm": crm, "llm": llm, "spam_checker": spam_checker},
        )
        seconds = time.perf_counter() - started
        assert composed.success

        research_meta = _metadata(researched, "research_reports")
        meta = _metadata(composed, "composed_emails")
        emails = crm.query("SELECT status, attempts, gates FROM emails")
        llm_conn.send("done")
        arrivals = llm_conn.recv()
        server_rates = {name: _server_rate(arrivals[api]) for name, api in SERVER_API.items()}
        spam_source = "spamd" if box.spamd else "heuristic"
        spamd_missing = box.spamd_missing

    gate_runs: Counter[str] = Counter()
    gate_passes: Counter[str] = Counter()
    for row in emails:
        for gate in json.loads(row["gates"] or "[]"):
            gate_runs[gate["name"]] += 1
            gate_passes[gate["name"]] += bool(gate["passed"])

    [session] = _SESSIONS
    providers: dict[str, dict[str, Any]] = {}
    for name, stats in session.stats().items():
        if name not in SERVER_API:
            providers[name] = {"requests": stats["requests"]}
            continue
        share = stats["achieved_rps"] / args.llm_rps
        providers[name] = {
            "requests": stats["requests"], "retries": stats["retries"],
            "failures": stats["failures"], "achieved_rps": stats["achieved_rps"],
            "server_observed_rps": round(server_rates[name], 3), "limit_rps": args.llm_rps,
            "share_of_limit": round(share, 3),
        }
    remote = {n: p for n, p in providers.items() if "limit_rps" in p}
    limited = max(remote, key=lambda n: remote[n]["share_of_limit"])
    n_emails = len(emails)
    print(json.dumps({
        "prospects": args.prospects,
        "latency_seconds": args.latency,
        "research_seconds": round(research_seconds, 2),
        "research_ready": research_meta["ready"],
        "research_failed": research_meta["failed"],
        "emails": n_emails,
        "seconds": round(seconds, 2),
        "emails_per_s": round(n_emails / seconds, 2),
        "status": dict(Counter(r["status"] for r in emails)),
        "providers": providers,
        "limited_provider": limited,
        "limited_share_of_limit": remote[limited]["share_of_limit"],
        "any_provider_above_limit": any(p["share_of_limit"] > 1.0 for p in remote.values()),
        "spam_checker": spam_source,
        **({"spamd_missing": spamd_missing} if spamd_missing else {}),
        "gate_pass_rates": {name: round(gate_passes[name] / gate_runs[name], 3)
                            for name in sorted(gate_runs)},
        "gate_pass_rates_all_drafts": meta["gate_pass_rates"],
        "regenerations_per_email": round(
            sum(max((r["attempts"] or 1) - 1, 0) for r in emails) / n_emails, 3
        ) if n_emails else 0.0,
        "held_by_reason": meta["held_by_reason"],
        "failed": len(meta["failed"]),
        "left_ready": meta["left_ready"],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }, indent=2))


if __name__ == "__main__":
    main()
