"""``jengu demo``: today's partition of the whole graph, run against the sandbox, then a summary.

The run goes through the real Dagster instance under JENGU_HOME, so it shows up in the UI
afterwards, and through the same clients production uses, pointed at loopback servers.
Running it twice on the same day sends nothing twice and adds no duplicate; it only carries on
with the contacts the first run's delegations created. The demo's inboxes are paused when it ends
(their sandbox servers stop with it, so neither the send schedule nor `jengu doctor` tries them)
and resumed by the next demo.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone
from typing import Any

from jengu.instance import open_instance
from jengu_resources.crm_store import CRMStore
from jengu_resources.paths import jengu_home

DEMO_JOB = "daily_pipeline_job"
# name -> sandbox.sample_data function writing it
SAMPLE_FILES = {
    "sample_sales_navigator_export.csv": "sample_leads_csv",
    "sample_hotel_list.csv": "sample_hotel_list_csv",
}

EXAMPLE_SQL = (
    "SELECT country, tier, count(*) AS prospects, count(email) AS with_email "
    "FROM prospects GROUP BY ALL ORDER BY prospects DESC;"
)


LLM_KEYS = ("XAI_API_KEY", "ANTHROPIC_API_KEY")


def run_demo(llm: str = "sandbox") -> dict[str, Any]:
    """``llm``: "sandbox" composes through the real SDKs against the sandbox's LLM endpoints,
    "offline" through the offline provider (rules and templates) with no key set."""
    from sandbox import sample_data
    from sandbox.world import sandbox_env

    started = time.monotonic()
    home = jengu_home().ensure()
    day = datetime.now(timezone.utc).date()
    for name, make in SAMPLE_FILES.items():
        sample = home.imports_dir / name
        if not sample.exists():
            sample.write_text(getattr(sample_data, make)(), encoding="utf-8")

    instance = open_instance(home)
    try:
        with sandbox_env(day=day, spamd=True, mailboxes=True) as box:
            saved = {key: os.environ.pop(key) for key in LLM_KEYS if llm == "offline"}
            # Imported only now: resource wiring reads which env vars are set.
            from jengu_assets.definitions import defs

            job = defs.resolve_job_def(DEMO_JOB)
            result = job.execute_in_process(
                partition_key=day.isoformat(),
                instance=instance,
                # Step-by-step events stay in the instance (and the UI); the terminal gets warnings.
                run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
                raise_on_error=True,
            )
            requests = box.job_board.request_count
            truth = website_truth(CRMStore(), box)
            spam_scorer = "spamd" if box.spamd else f"heuristic ({box.spamd_missing})"
            os.environ.update(saved)
            sending = send_demo_day(CRMStore(), box, day)
            # One send run through Dagster on the real clock, so the UI shows the asset and what
            # the schedule would do right now (often: outside the recipients' business hours).
            send_run = defs.resolve_job_def("send_job").execute_in_process(
                instance=instance,
                run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
                raise_on_error=True,
            )
            sending["send_job_run_id"] = send_run.run_id
            replies = read_demo_replies(CRMStore(), box, instance, defs)
            integrity = run_demo_integrity(instance, defs)
    finally:
        instance.dispose()
        pause_demo_inboxes(CRMStore())

    store = CRMStore()
    stages = {
        row["stage"]: row["n"]
        for row in store.query("SELECT stage, count(*) AS n FROM prospects GROUP BY 1 ORDER BY 1")
    }
    today = store.query(
        "SELECT source, count(*) AS n FROM prospects WHERE discovered_on = ? GROUP BY 1 ORDER BY 1",
        [day],
    )
    postings = store.query(
        "SELECT status, count(*) AS n FROM job_postings WHERE discovered_on = ? GROUP BY 1 ORDER BY 1",
        [day],
    )
    import_rows = store.query(
        "SELECT status, count(*) AS n FROM import_rows WHERE imported_on = ? GROUP BY 1 ORDER BY 1",
        [day],
    )
    return {
        "sending": sending,
        "replies": replies,
        "integrity": integrity,
        "enrichment": {**enrichment_summary(store), "sandbox_truth": truth},
        "composition": composition_summary(store, llm=llm, spam_scorer=spam_scorer),
        "partition": day.isoformat(),
        "run_id": result.run_id,
        "prospects": sum(stages.values()),
        "stages": stages,
        "prospects_today_by_source": {row["source"]: row["n"] for row in today},
        "job_postings_today": {row["status"]: row["n"] for row in postings},
        "import_rows_today": {row["status"]: row["n"] for row in import_rows},
        "sandbox_requests": requests,
        "crm_path": str(store.db_path),
        "dagster_home": str(home.dagster_home),
        "example_sql": EXAMPLE_SQL,
        "ui": "make ui  (then open http://127.0.0.1:3000)",
        "seconds": round(time.monotonic() - started, 1),
    }


DEMO_INBOXES = 8
DEMO_PAUSE_REASON = "demo inbox: its sandbox mail server stopped with the demo (the next demo resumes it)"


def pause_demo_inboxes(store: CRMStore) -> None:
    """Pause the demo's inboxes that are active: their servers are gone once the demo ends."""
    from jengu_assets.sending.inboxes import load_inboxes, set_paused

    with store.transaction() as con:
        for inbox in load_inboxes(con, include_paused=False):
            if inbox.password_env == DEMO_PASSWORD_ENV:
                set_paused(con, inbox.id, True, DEMO_PAUSE_REASON)


def resume_demo_inboxes(store: CRMStore) -> None:
    """Resume the inboxes the last demo paused as it ended; a pause for any other reason (a
    bounce rate, a person) stays."""
    from jengu_assets.sending.inboxes import load_inboxes, set_paused

    with store.transaction() as con:
        for inbox in load_inboxes(con):
            if inbox.paused and inbox.pause_reason == DEMO_PAUSE_REASON:
                set_paused(con, inbox.id, False, None)
DEMO_PASSWORD_ENV = "JENGU_DEMO_INBOX_PASSWORD"
DEMO_PASSWORD = "sandbox-only"   # the sandbox's own mailboxes: no real account behind it
# One recipient in 30 hard-bounces, one in 40 is "busy, try later": the demo shows both paths.
HARD_BOUNCE_EVERY, SOFT_BOUNCE_EVERY = 30, 40


def send_demo_day(store: CRMStore, box, day) -> dict[str, Any]:
    """The send schedule's last business day, compressed: every 5-minute tick from 06:00 to 22:00
    UTC through the real sender, SMTP client and ledger, against the sandbox's mail server."""
    import asyncio
    import zlib
    from datetime import timedelta

    from jengu_assets.sending.inboxes import add_inbox
    from jengu_assets.sending.sender import SendSettings, TickClock, run_tick
    from sandbox.smtp_server import Rule

    os.environ.setdefault(DEMO_PASSWORD_ENV, DEMO_PASSWORD)
    with store.transaction() as con:
        for n in range(1, DEMO_INBOXES + 1):
            login = f"outreach{n}@jengu-demo.example"
            mailbox = box.add_mailbox(login, os.environ[DEMO_PASSWORD_ENV])
            add_inbox(con, email=login, display_name="Jengu", smtp_host=box.smtp.host,
                      smtp_port=box.smtp.port, tls_mode="none", password_env=DEMO_PASSWORD_ENV,
                      imap_host=box.dovecot.host if mailbox else None,
                      imap_port=box.dovecot.imap_port if mailbox else None,
                      imap_tls_mode="none" if mailbox else None)
    resume_demo_inboxes(store)
    for row in store.query("SELECT DISTINCT lower(to_email) AS a FROM emails WHERE status = 'queued'"):
        bucket = zlib.crc32(row["a"].encode())
        if bucket % HARD_BOUNCE_EVERY == 0:
            box.smtp.set_rule(row["a"], Rule("rcpt", "reply", 550, "5.1.1 no such mailbox here"))
        elif bucket % SOFT_BOUNCE_EVERY == 1:
            box.smtp.set_rule(row["a"], Rule("rcpt", "reply", 451, "4.2.0 mailbox busy, try later"))

    # The business day before today: every send happens before the replies, bounces and
    # complaints the demo then reads on the real clock, so one timeline holds for the whole store
    # (the nightly checks compare suppression and send times).
    send_day = day - timedelta(days=1)
    while send_day.weekday() >= 5:
        send_day -= timedelta(days=1)
    start = datetime(send_day.year, send_day.month, send_day.day, 6, tzinfo=timezone.utc)
    settings = SendSettings.from_env(seed=7)
    totals: dict[str, int] = {}
    ticks = 0
    for ticks in range(1, 16 * 12 + 1):
        at = start + timedelta(minutes=5 * (ticks - 1))
        report = asyncio.run(run_tick(store, clock=TickClock(at), settings=settings, actor="demo"))
        for outcome, n in report.outcomes.items():
            totals[outcome] = totals.get(outcome, 0) + n
        if not report.due:   # nothing left that a later tick of the day could send
            break
    inbox_rows = store.query(
        "SELECT i.email, count(a.message_id) AS sends FROM inboxes i LEFT JOIN send_attempts a "
        "ON a.inbox_id = i.id GROUP BY 1 ORDER BY 1")
    return {
        "simulated_day": send_day.isoformat(),
        "ticks": ticks,
        "outcomes": totals,
        "accepted_by_server": len(box.smtp.accepted),
        "suppressed_by_bounces": store.scalar(
            "SELECT count(*) FROM suppression_list WHERE source = 'smtp'"),
        "unknown": store.scalar("SELECT count(*) FROM send_ledger WHERE state = 'unknown'"),
        "mailboxes": "dovecot" if box.dovecot else f"none ({box.dovecot_missing})",
        "sends_per_inbox": {r["email"]: r["sends"] for r in inbox_rows},
    }


def read_demo_replies(store: CRMStore, box, instance, defs) -> dict[str, Any]:
    """What the sandbox's prospects answered: read over IMAP as the reply sensor does, then one
    ``reply_processing_job`` run through Dagster (so the UI shows it) understands and acts on it."""
    from jengu_assets.replies.polling import poll_inbox
    from jengu_assets.sending.inboxes import load_inboxes

    if box.dovecot is None:
        return {"skipped": f"no mailboxes: {box.dovecot_missing}"}
    with store.connect() as con:
        inboxes = [i for i in load_inboxes(con) if i.imap_host]
    stored = sum(poll_inbox(store, inbox, flag=None).stored for inbox in inboxes)
    run = defs.resolve_job_def("reply_processing_job").execute_in_process(
        instance=instance,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        raise_on_error=True,
    )
    kinds = {r["kind"]: r["n"] for r in store.query(
        "SELECT kind, count(*) AS n FROM inbound_messages GROUP BY 1 ORDER BY 2 DESC")}
    intents = {r["intent"]: r["n"] for r in store.query(
        "SELECT intent, count(*) AS n FROM replies GROUP BY 1 ORDER BY 2 DESC")}
    return {
        "stored_now": stored,
        "inbound_by_kind": kinds,
        "reply_intents": intents,
        "unmatched": store.scalar("SELECT count(*) FROM inbound_messages WHERE status = 'unmatched'"),
        "delegated_prospects": store.scalar(
            "SELECT count(*) FROM prospects WHERE parent_prospect_id IS NOT NULL"),
        "notifications": store.scalar("SELECT count(*) FROM notifications"),
        "follow_ups_on_hold": store.scalar(
            "SELECT count(*) FROM prospects WHERE follow_up_hold_until IS NOT NULL"),
        "reply_job_run_id": run.run_id,
    }


def run_demo_integrity(instance, defs) -> dict[str, Any]:
    """The nightly integrity/sync run, now: every asset check on the store the demo just filled,
    and the analyst file published (``integrity_job``, as the 03:00 schedule launches it)."""
    run = defs.resolve_job_def("integrity_job").execute_in_process(
        instance=instance,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        raise_on_error=True,
    )
    evaluations = run.get_asset_check_evaluations()
    failed = {e.check_name: e.description or "" for e in evaluations if not e.passed}
    return {
        "checks": len(evaluations),
        "passed": len(evaluations) - len(failed),
        "failed": failed,
        "analytics_path": str(jengu_home().analytics_path),
        "integrity_job_run_id": run.run_id,
    }


def enrichment_summary(store: CRMStore) -> dict[str, Any]:
    """Hit rates over every prospect enrichment has finished with, from the store alone."""
    from jengu_assets.enrichment.website_finder import classify_url

    rows = store.query(
        "SELECT website_final_url, contact_name IS NOT NULL AS has_contact, email_sendable,"
        " email_kind, stage, enrichment_reason FROM prospects WHERE enriched_at IS NOT NULL"
    )
    done = len(rows)
    with_contact = [r for r in rows if r["has_contact"]]
    sites = [r["website_final_url"] for r in rows if r["website_final_url"]]
    excluded = {"ota", "review", "social", "directory", "job_board", "chain_wide"}
    return {
        "prospects": done,
        "websites_found": len(sites),
        "website_rate": round(len(sites) / done, 3) if done else None,
        "with_named_contact": len(with_contact),
        "personal_sendable_for_named_contact": sum(
            1 for r in with_contact if r["email_sendable"] and r["email_kind"] == "personal"
        ),
        "personal_sendable_rate": round(
            sum(1 for r in with_contact if r["email_sendable"] and r["email_kind"] == "personal")
            / len(with_contact), 3
        ) if with_contact else None,
        "ota_or_portal_picks": sum(1 for url in sites if classify_url(url) in excluded),
        "failed": sum(1 for r in rows if r["stage"] == "failed"),
        "failed_without_reason": sum(
            1 for r in rows if r["stage"] == "failed" and not r["enrichment_reason"]
        ),
    }


def website_truth(store: CRMStore, box) -> dict[str, Any]:
    """The website hit rate as the sandbox knows it: of the sample hotels among the prospects
    whose own site the search finds (about 5% have only OTAs and the like in their results) and
    answers with a page (not dead, looping, a PDF or over the size cap), how many got a website,
    and how many got the right one (the hotel's own domain)."""
    from jengu_assets.acquisition.rules import city_key, domain_of, name_key

    rows = {
        (row["name_key"], row["city_key"]): row["website_final_url"]
        for row in store.query(
            "SELECT name_key, city_key, website_final_url FROM prospects"
            " WHERE enriched_at IS NOT NULL AND parent_prospect_id IS NULL"
        )
    }
    # hotel -> the website its prospect got (None: not found), for the findable hotels only
    picked = {
        hotel: rows[key]
        for hotel in box.websites.hotels
        if (key := (name_key(hotel.name), city_key(hotel.city))) in rows
        and box.search.has_official_site(hotel.id) and box.websites.profile(hotel.id).serves_pages
    }
    found = {hotel: url for hotel, url in picked.items() if url}
    right = sum(1 for hotel, url in found.items() if domain_of(url) == domain_of(hotel.website))
    return {
        "hotels_with_a_findable_site": len(picked),
        "websites_found": len(found),
        "website_rate": round(len(found) / len(picked), 3) if picked else None,
        "right_site": right,
        "wrong_site": len(found) - right,
    }


def composition_summary(store: CRMStore, *, llm: str, spam_scorer: str) -> dict[str, Any]:
    emails = store.query(
        "SELECT e.status, e.hold_reason, e.llm_provider, e.subject, e.body, e.to_email, e.attempts"
        " FROM emails e ORDER BY e.id"
    )
    held: dict[str, int] = {}
    for e in emails:
        if e["status"] in ("held", "failed"):
            reason = (e["hold_reason"] or e["status"]).split(":")[0]
            held[reason] = held.get(reason, 0) + 1
    providers: dict[str, int] = {}
    for e in emails:
        providers[e["llm_provider"] or "none"] = providers.get(e["llm_provider"] or "none", 0) + 1
    sample = next((e for e in emails if e["status"] not in ("held", "failed")), None)
    cost = store.scalar("SELECT sum(cost_usd) FROM llm_calls")
    return {
        "llm": llm,
        "spam_scorer": spam_scorer,
        "sendable_prospects": store.scalar("SELECT count(*) FROM prospects WHERE email_sendable"),
        "emails": len(emails),
        "queued": sum(1 for e in emails if e["status"] != "held" and e["status"] != "failed"),
        "held": held,
        "providers": providers,
        "regenerations": sum(max((e["attempts"] or 1) - 1, 0) for e in emails),
        "llm_cost_usd": round(float(cost or 0), 6),
        "sample_email": {k: sample[k] for k in ("to_email", "subject", "body")} if sample else None,
    }


def print_summary(summary: dict[str, Any]) -> None:
    width = max(len(stage) for stage in summary["stages"]) if summary["stages"] else 5
    print(f"\nJengu demo: partition {summary['partition']} (run {summary['run_id']})")
    print(f"  job postings today: {_fmt(summary['job_postings_today'])}")
    print(f"  CSV rows today:     {_fmt(summary['import_rows_today'])}")
    e = summary["enrichment"]
    t = e["sandbox_truth"]
    print(
        f"  enrichment:         websites {e['websites_found']}/{e['prospects']} ("
        f"{t['websites_found']}/{t['hotels_with_a_findable_site']} of the hotels whose own site "
        f"search finds and that answer, {t['wrong_site']} wrong), personal verified emails "
        f"{e['personal_sendable_for_named_contact']}/{e['with_named_contact']} with a named contact, "
        f"{e['ota_or_portal_picks']} OTA picks, {e['failed']} failed"
    )
    c = summary["composition"]
    print(
        f"  composition:        {c['queued']} queued, held {c['held'] or 'none'}, via "
        f"{c['providers']} ({c['llm']}), spam scored by {c['spam_scorer']}"
    )
    d = summary["sending"]
    print(
        f"  sending:            simulated {d['simulated_day']} in {d['ticks']} ticks: "
        f"{_fmt(d['outcomes'])}; {d['suppressed_by_bounces']} suppressed by hard bounces, "
        f"{d['unknown']} unknown; {len(d['sends_per_inbox'])} inboxes, Sent folders: {d['mailboxes']}"
    )
    r = summary["replies"]
    if "skipped" in r:
        print(f"  replies:            {r['skipped']}")
    else:
        print(
            f"  replies:            inbound {_fmt(r['inbound_by_kind'])}; intents "
            f"{_fmt(r['reply_intents'])}; {r['delegated_prospects']} delegated prospects, "
            f"{r['notifications']} notifications, {r['unmatched']} unmatched"
            + (" (jengu inbound review)" if r["unmatched"] else "")
        )
    i = summary["integrity"]
    failed = "; ".join(f"{name}: {why}" for name, why in i["failed"].items())
    print(f"  integrity checks:   {i['passed']}/{i['checks']} passed" + (f" ({failed})" if failed else ""))
    if c["sample_email"]:
        sample = c["sample_email"]
        print(f"\nA composed email, to {sample['to_email']}:\n  Subject: {sample['subject']}")
        print("  " + sample["body"].replace("\n", "\n  "))
    print(f"\nProspects in the CRM: {summary['prospects']}")
    for stage, count in summary["stages"].items():
        print(f"  {stage:<{width}}  {count}")
    print(f"\nCRM store (DuckDB): {summary['crm_path']}")
    print("Query it:")
    print(f"  .venv/bin/jengu sql \"{summary['example_sql']}\"")
    print("  or in Python: duckdb.connect(PATH, read_only=True).sql(QUERY).pl()")
    print("  (a connection you keep open locks the file: close it before the next run)")
    print(f"Analyst file (DuckDB, safe to keep open read-only): {i['analytics_path']}")
    print(f"  .venv/bin/python -c \"import duckdb; duckdb.connect('{i['analytics_path']}', "
          "read_only=True).sql('SELECT * FROM funnel_daily').show()\"  (more in docs/analytics.md)")
    print(f"Dagster UI: {summary['ui']}  (the run above is in its Runs tab)")
    print(f"Done in {summary['seconds']} s.")


def _fmt(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "none"
