"""`jengu demo --json` end to end, as `make demo` runs it: a subprocess with its own JENGU_HOME,
the loopback sandbox, the real Dagster instance (SQLite) and the DuckDB CRM file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb

from jengu.demo import (
    DEMO_PASSWORD_ENV,
    DEMO_PAUSE_REASON,
    pause_demo_inboxes,
    resume_demo_inboxes,
)
from jengu_assets.sending.inboxes import add_inbox, load_inboxes, set_paused

JENGU = str(Path(sys.executable).parent / "jengu")


def test_demo_runs_today_and_is_idempotent(tmp_path, monkeypatch):
    env = {**os.environ, "JENGU_HOME": str(tmp_path / "home")}
    env.pop("DAGSTER_HOME", None)

    def demo() -> dict:
        proc = subprocess.run(
            [JENGU, "demo", "--json"], capture_output=True, text=True, env=env, timeout=300
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        return json.loads(proc.stdout.strip().splitlines()[-1])

    first = demo()
    assert first["prospects"] >= 200
    # Composition, sending and the sandbox's answers move prospects along; nothing is left in a
    # transient stage (enriching, researching, composing, sending). The send day is over, so a
    # delivery without a bounce for 24 h has made its prospect "contacted".
    assert set(first["stages"]) <= {"new", "enriched", "failed", "ready", "composed", "queued", "sent",
                                    "contacted", "suppressed", "engaged", "replied", "meeting", "lost"}
    enrichment = first["enrichment"]
    assert enrichment["website_rate"] >= 0.85
    # As the sandbox knows it: of the hotels whose own site search finds and that answer.
    truth = enrichment["sandbox_truth"]
    assert truth["hotels_with_a_findable_site"] >= 150
    assert truth["website_rate"] >= 0.90 and truth["wrong_site"] == 0
    assert enrichment["personal_sendable_rate"] >= 0.75
    assert enrichment["ota_or_portal_picks"] == 0
    assert enrichment["failed_without_reason"] == 0
    # Composed through the real SDK path against the sandbox's LLM endpoints; Germany is held.
    composition = first["composition"]
    assert composition["queued"] > 100
    assert set(composition["providers"]) == {"grok"}
    assert set(composition["held"]) <= {"jurisdiction DE"}
    assert composition["llm_cost_usd"] > 0
    assert composition["sample_email"]["body"].count("http") == 0
    assert first["job_postings_today"].get("rejected", 0) > 0
    assert first["import_rows_today"].get("accepted", 0) > 0
    assert first["sandbox_requests"] > 0
    assert Path(first["crm_path"]).is_file()
    # The last business day, compressed, through the real sender and SMTP client: every queued
    # email went out once; the sandbox's hard bounces were suppressed.
    sending = first["sending"]
    assert sending["outcomes"]["delivered"] >= composition["queued"] * 0.85
    assert sending["accepted_by_server"] == sending["outcomes"]["delivered"] + sending["unknown"]
    assert sending["suppressed_by_bounces"] == sending["outcomes"].get("hard", 0) > 0
    # The sandbox's prospects answered some of it into the inboxes' mailboxes (Dovecot, installed
    # by the test command): read over IMAP, understood and acted on through reply_processing_job.
    replies = first["replies"]
    assert replies["inbound_by_kind"].get("human_reply", 0) > 5
    assert len(replies["reply_intents"]) >= 3
    assert replies["unmatched"] == 0
    assert first["crm_path"].startswith(str(tmp_path))
    # The store the real pipeline made is clean: every integrity check passes, and the analyst
    # file is published next to it.
    integrity = first["integrity"]
    assert integrity["checks"] >= 16 and integrity["failed"] == {}
    assert Path(integrity["analytics_path"]).is_file()

    second = demo()
    assert second["prospects"] == first["prospects"]
    # Only the contacts named in delegations (stage new after the first run) moved on: today's
    # partition enriches them on the next run. Nobody else changed stage.
    delegated = first["stages"].get("new", 0)
    changed = {k for k in set(first["stages"]) | set(second["stages"])
               if first["stages"].get(k, 0) != second["stages"].get(k, 0)}
    assert changed <= {"new", "enriched", "failed", "ready", "composed", "queued"}
    assert sum(abs(first["stages"].get(k, 0) - second["stages"].get(k, 0)) for k in changed) \
        <= 2 * delegated
    # A delegate's address is made up by the sandbox's prospect (a colleague's name drawn per
    # reply): when the verifier finds it deliverable, its first email is composed now. Nobody else
    # gets a second one.
    assert 0 <= second["composition"]["emails"] - first["composition"]["emails"] <= delegated
    assert second["job_postings_today"] == first["job_postings_today"]
    assert second["sending"]["accepted_by_server"] == 0     # nothing is ever sent twice
    assert second["replies"]["stored_now"] == 0
    assert second["replies"]["inbound_by_kind"] == replies["inbound_by_kind"]
    assert second["integrity"]["failed"] == {}
    # Its inboxes rest once it ends: their sandbox servers are gone with it.
    with duckdb.connect(first["crm_path"], read_only=True) as con:
        assert con.sql("SELECT DISTINCT paused, pause_reason FROM inboxes").fetchall() == [
            (True, DEMO_PAUSE_REASON)]

    # Both runs are in the Dagster instance under JENGU_HOME, where the UI will find them.
    monkeypatch.setenv("DAGSTER_HOME", first["dagster_home"])
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs()
        assert {r.run_id for r in runs} >= {first["run_id"], second["run_id"]}
        assert {r.job_name for r in runs} == {"daily_pipeline_job", "send_job", "reply_processing_job",
                                              "integrity_job"}


def test_the_next_demo_resumes_only_what_the_last_one_paused(crm):
    with crm.transaction() as con:
        for name in ("a", "b"):
            add_inbox(con, email=f"{name}@jengu-demo.example", smtp_host="127.0.0.1",
                      smtp_port=2525, tls_mode="none", password_env=DEMO_PASSWORD_ENV)
        add_inbox(con, email="sales@jengu.example", smtp_host="smtp.jengu.example", smtp_port=587,
                  password_env="SALES_PASSWORD")
        set_paused(con, "b@jengu-demo.example", True, "bounce rate 7% over the last 50 sends")
    pause_demo_inboxes(crm)
    resume_demo_inboxes(crm)
    pause_demo_inboxes(crm)
    with crm.connect() as con:
        state = {i.email: (i.paused, i.pause_reason) for i in load_inboxes(con)}
    assert state == {"a@jengu-demo.example": (True, DEMO_PAUSE_REASON),
                     "b@jengu-demo.example": (True, "bounce rate 7% over the last 50 sends"),
                     "sales@jengu.example": (False, None)}
    resume_demo_inboxes(crm)
    with crm.connect() as con:
        assert [i.email for i in load_inboxes(con, include_paused=False)] == [
            "a@jengu-demo.example", "sales@jengu.example"]
