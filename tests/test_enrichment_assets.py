"""enriched_contacts materialised in-process against a real DuckDB file and the sandbox's loopback
servers (hotel websites, search, verifier) through the production clients; hit rates are checked
against the sandbox's ground truth."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import dagster as dg
import pytest

from jengu_assets.acquisition.assets import job_postings, lead_imports, prospects
from jengu_assets.acquisition.rules import domain_of
from jengu_assets.enrichment.assets import enriched_contacts
from jengu_assets.enrichment.website_finder import classify_url
from sandbox import sample_data
from tests.conftest import PARTITION

ASSETS = [job_postings, lead_imports, prospects, enriched_contacts]
NOT_A_HOTEL_SITE = {"ota", "review", "social", "directory", "job_board", "chain_wide"}


@pytest.fixture
def hotel_list(tmp_path):
    path = tmp_path / "hotels.csv"
    path.write_text(sample_data.sample_hotel_list_csv(), encoding="utf-8")
    return dg.RunConfig({"lead_imports": {"config": {"files": [str(path)]}}})


def _enrich(resources, run_config=None):
    return dg.materialize(
        ASSETS, partition_key=PARTITION, resources=resources, run_config=run_config
    )


def test_all_sample_hotels_hit_rates_and_reasons(resources, crm, sandbox, hotel_list):
    result = _enrich(resources, hotel_list)
    assert result.success
    rows = {
        (r["company_name"], r["city"]): r
        for r in crm.query(
            "SELECT company_name, city, stage, website_final_url, email, email_sendable,"
            " email_kind, email_reason, enrichment_reason, website_reason FROM prospects"
            " WHERE source = 'csv'"
        )
    }
    hotels = sample_data.hotels()
    by_key = {(h.name, h.city): h for h in hotels}
    assert set(rows) <= set(by_key)
    assert len(rows) >= 180  # every sample hotel, less the few the dedup merges

    # Websites: found for >= 90% of the hotels whose site search can find and that answer.
    reachable = [
        h for h in hotels
        if (h.name, h.city) in rows and h.id not in sandbox.search.no_official_site
        and sandbox.websites.profile(h.id).serves_pages
    ]
    found = [h for h in reachable if rows[h.name, h.city]["website_final_url"]]
    assert len(found) / len(reachable) >= 0.90
    right = [
        h for h in found if domain_of(rows[h.name, h.city]["website_final_url"]) == domain_of(h.website)
    ]
    assert len(right) / len(found) >= 0.95
    # Never a booking portal, review site, social page or the chain's brand page.
    picked = [r["website_final_url"] for r in rows.values() if r["website_final_url"]]
    assert not [url for url in picked if classify_url(url) in NOT_A_HOTEL_SITE]

    # Personal verified emails for >= 75% of the prospects with a named contact (all of them).
    sendable = [r for r in rows.values() if r["email_sendable"] and r["email_kind"] == "personal"]
    assert len(sendable) / len(rows) >= 0.75
    # Sendable means the contact's real address wherever the sandbox knows it.
    wrong = [r for r in sendable if r["email"] != by_key[r["company_name"], r["city"]].contact_email]
    assert len(wrong) <= 0.02 * len(sendable)

    # Every miss is explained in the store.
    assert all(r["email_reason"] for r in rows.values() if not r["email_sendable"])
    assert all(r["enrichment_reason"] for r in rows.values() if r["stage"] == "failed")
    assert all(r["website_reason"] for r in rows.values() if not r["website_final_url"])
    assert {r["stage"] for r in rows.values()} <= {"enriched", "failed"}

    metadata = result.asset_materializations_for_node("enriched_contacts")[0].metadata
    assert metadata["processed"].value == crm.scalar("SELECT count(*) FROM prospects")
    assert metadata["providers"].value["search"]["requests"] > 0


def test_rerunning_touches_only_what_is_new_or_due(resources, crm, hotel_list):
    assert _enrich(resources, hotel_list).success
    before = crm.query("SELECT id, stage, email, enriched_at FROM prospects ORDER BY id")
    transitions = crm.scalar("SELECT count(*) FROM state_transitions")
    again = dg.materialize([enriched_contacts], partition_key=PARTITION, resources=resources)
    assert again.asset_materializations_for_node("enriched_contacts")[0].metadata[
        "processed"
    ].value == 0
    assert crm.query("SELECT id, stage, email, enriched_at FROM prospects ORDER BY id") == before
    assert crm.scalar("SELECT count(*) FROM state_transitions") == transitions


def test_verifier_outage_queues_retries_that_succeed_later(resources, crm, hotel_list):
    from jengu_resources.verifier import EmailVerifier

    down = dict(resources)
    down["email_verifier"] = EmailVerifier(
        base_url="http://127.0.0.1:9", api_key="sandbox-key", requests_per_second=1000.0,
        check_mx=False, max_attempts=1, breaker_failures=1000,
    )
    assert _enrich(down, hotel_list).success
    failed = crm.query(
        "SELECT p.id, p.enrichment_reason, f.attempts, f.next_attempt_at, f.status "
        "FROM prospects p JOIN failed_tasks f ON f.prospect_id = p.id WHERE p.stage = 'failed'"
    )
    assert len(failed) >= 100
    assert all("verifier_unavailable" in r["enrichment_reason"] for r in failed)
    assert {(r["attempts"], r["status"]) for r in failed} == {(1, "pending")}
    now = datetime.now(timezone.utc)
    assert all(timedelta(seconds=30) < r["next_attempt_at"] - now <= timedelta(minutes=1)
               for r in failed)

    # Not due yet: a re-run leaves them alone.
    meta = dg.materialize([enriched_contacts], partition_key=PARTITION, resources=resources)
    assert meta.asset_materializations_for_node("enriched_contacts")[0].metadata["processed"].value == 0

    # Due: the verifier is back, the retry succeeds and the queue entry is resolved.
    with crm.transaction() as con:
        con.execute("UPDATE failed_tasks SET next_attempt_at = now() - INTERVAL 1 SECOND")
    retried = dg.materialize([enriched_contacts], partition_key=PARTITION, resources=resources)
    assert retried.asset_materializations_for_node("enriched_contacts")[0].metadata[
        "processed"
    ].value == len(failed)
    assert crm.scalar(
        "SELECT count(*) FROM failed_tasks WHERE status = 'pending'"
    ) == crm.scalar("SELECT count(*) FROM prospects WHERE stage = 'failed' AND enrichment_reason LIKE 'verifier%'")
    assert crm.scalar("SELECT count(*) FROM failed_tasks WHERE status = 'resolved'") >= 0.9 * len(failed)


def test_retry_schedule_requests_partitions_with_due_retries(home, crm):
    from jengu_assets import retry_queue
    from sensors.schedules import enrichment_retry_schedule

    tick = datetime(2026, 11, 21, 23, 0, tzinfo=timezone.utc)
    context = dg.build_schedule_context(scheduled_execution_time=tick)
    assert isinstance(enrichment_retry_schedule(context), dg.SkipReason)
    with crm.transaction() as con:
        retry_queue.record_failures(
            con, "enrich", [retry_queue.Failure("p1", "search_unavailable", "HTTP 503")],
            partition_date=datetime(2026, 11, 20).date(), now=tick - timedelta(minutes=5),
        )
    requests = enrichment_retry_schedule(dg.build_schedule_context(scheduled_execution_time=tick))
    assert [(r.partition_key, r.run_key) for r in requests] == [
        ("2026-11-20", "2026-11-20@2026-11-21T23:00")
    ]
