"""The published analyst file: real DuckDB files (a CRM under an isolated JENGU_HOME and the file
published from it), the asset materialised through Dagster in-process, a separate reader process
holding the published file open, a real Dagster instance with real runs for the sensor, and the
examples and column tables of docs/analytics.md run against a published file."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from jengu_assets.analytics import publish as publishing
from jengu_assets.analytics.assets import analytics_warehouse
from jengu_assets.analytics.publish import TABLES, publish, stale_files
from jengu_resources.crm_store import CRMStore, insert_rows
from tests.conftest import PARTITION

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs" / "analytics.md"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
D1, D2 = date(2026, 11, 18), date(2026, 11, 19)
BODY = "SECRET-BODY-TEXT of an outreach email"


def _rows(path: Path, sql: str) -> list[dict[str, Any]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]
    finally:
        con.close()


# -- a hand-built store whose every number is counted by hand ------------------------------------

PATHS = {  # stages in order; the prospect's current stage is the last
    "p1": ["new", "enriching", "enriched", "researching", "ready", "composing", "composed",
           "queued", "sending", "sent", "replied", "won"],
    "p2": ["new", "enriching", "enriched", "researching", "ready", "composing", "composed",
           "queued", "sending", "sent", "lost"],
    "p3": ["new", "enriching", "enriched", "researching", "ready", "composing", "composed",
           "queued", "sending", "sent", "contacted", "archived"],
    "p4": ["new", "enriching", "failed"],
    "p5": [],                                   # no history at all: stage 'new' only
    "p6": ["sent", "meeting"],                  # history starts late: the current stage counts
    "p7": ["new", "enriching", "enriched", "researching", "ready", "composing", "composed",
           "queued", "suppressed"],
    "p8": ["new", "enriching", "enriched", "researching", "ready", "composing", "composed"],
    "p9": ["new", "enriching", "failed"],
}


def _prospect(pid: str, day: date, source: str, country: str, **extra: Any) -> dict[str, Any]:
    stage = (PATHS[pid] or ["new"])[-1]
    return {
        "id": pid, "company_name": f"Hotel {pid}", "contact_name": f"Anna {pid}",
        "email": f"anna.{pid}@alpen-{pid}.example", "phone": "+43 512 123456",
        "name_key": f"hotel {pid}", "tier": "warm", "source": source, "source_ref": "x",
        "discovered_on": day, "stage": stage, "country": country, "enriched_at": NOW,
        "website_final_url": f"https://alpen-{pid}.example/", "email_sendable": True, **extra,
    }


def _gates(failed: str | None = None) -> str:
    return json.dumps([{"name": name, "passed": name != failed, "score": score, "threshold": t,
                        "reason": f"quotes the body: {BODY}", "details": [BODY]}
                       for name, score, t in (("spam", 1.0, 5.0), ("readability", 70.0, 60.0),
                                              ("claims", 0.0, 0.0))])


def _email(eid: str, pid: str, day: date, inbox: str, *, step: int = 1, sent: bool = True,
           gates: str | None = None, hold: str | None = None) -> dict[str, Any]:
    return {"id": eid, "prospect_id": pid, "sequence_step": step, "subject": "A question",
            "body": BODY, "to_email": f"anna.{pid}@alpen-{pid}.example", "inbox_id": inbox,
            "status": "sent" if sent else ("held" if hold else "queued"),
            "gates": gates or _gates(), "composed_on": day, "hold_reason": hold,
            "sent_at": datetime.combine(day, datetime.min.time(), timezone.utc) + timedelta(days=1)
            if sent else None}


def _attempts(inbox: str, start: datetime, categories: list[str]) -> list[dict[str, Any]]:
    rows = []
    for i, category in enumerate(categories):
        state = {"delivered": "sent", "unknown": "unknown"}.get(category, "failed")
        rows.append({"message_id": f"<{inbox}.{start:%j%H%M}.{i}@jengu.example>",
                     "prospect_id": f"q{i}", "sequence_step": 1, "attempt": 1, "inbox_id": inbox,
                     "to_email": f"guest{i}@alpen.example",
                     "claimed_at": start + timedelta(minutes=i), "state": state,
                     "category": category, "detail": f"250 ok guest{i}@alpen.example"})
    return rows


def _build_store(crm: CRMStore) -> None:
    at = datetime(2026, 11, 18, 10, 0, tzinfo=timezone.utc)
    prospects = [
        _prospect("p1", D1, "job_board:adzuna", "AT",
                  website_analysis=json.dumps({"booking_engine": "synxis", "cms": "wordpress",
                                               "emails": ["front@alpen-p1.example"]})),
        _prospect("p2", D1, "job_board:adzuna", "AT"),
        _prospect("p3", D1, "job_board:adzuna", "AT"),
        _prospect("p4", D1, "job_board:adzuna", "AT", website_final_url=None, email=None,
                  email_sendable=False, enrichment_reason="search_unavailable: connection refused"),
        _prospect("p5", D1, "job_board:adzuna", "AT", website_final_url=None, enriched_at=None,
                  email_sendable=False),
        _prospect("p6", D1, "csv", "AT"),
        _prospect("p7", D1, "csv", "AT"),
        _prospect("p8", D2, "job_board:adzuna", "DE"),
        _prospect("p9", D2, "job_board:adzuna", "DE", website_final_url=None, email=None,
                  email_sendable=False,
                  enrichment_reason="no website (no candidate); no email (only a generic address "
                                    "(info@...); jo.doe@alpen-p9.example refused)"),
    ]
    changes = [{"prospect_id": pid, "from_stage": prev, "to_stage": stage, "reason": "test",
                "changed_at": at + timedelta(minutes=i)}
               for pid, path in PATHS.items()
               for i, (prev, stage) in enumerate(zip([None, *path], path))]
    emails = [
        _email("e_p1_1", "p1", D1, "ib1"), _email("e_p2_1", "p2", D1, "ib1"),
        _email("e_p3_1", "p3", D1, "ib2"),
        _email("e_p3_2", "p3", D1, "ib2", step=2, sent=False, gates=_gates("readability"),
               hold=f"gates failed after 3 draft(s): readability: {BODY}"),
        _email("e_p6_1", "p6", D1, "ib2"), _email("e_p7_1", "p7", D1, "ib1", sent=False),
        _email("e_p8_1", "p8", D2, "ib1", sent=False, hold="jurisdiction DE: held by default"),
    ]
    llm = [{"provider": "grok", "model": "grok-4", "task": "first_email", "prospect_id": e[2:4],
            "email_id": e, "status": "ok", "input_tokens": 1000, "output_tokens": 200,
            "cost_usd": 0.01, "created_at": at}
           for e in ("e_p1_1", "e_p2_1", "e_p3_1", "e_p3_2", "e_p3_2", "e_p6_1", "e_p7_1")]
    llm += [{"provider": "grok", "model": "grok-4", "task": "reply_intent", "prospect_id": "p1",
             "email_id": None, "status": "ok", "input_tokens": 300, "output_tokens": 50,
             "cost_usd": 0.002, "created_at": at},
            {"provider": "claude", "model": "claude-x", "task": "first_email", "prospect_id": "p8",
             "email_id": "e_p8_1", "status": "ok", "input_tokens": 800, "output_tokens": 200,
             "cost_usd": 0.02, "created_at": at + timedelta(days=1)},
            {"provider": "claude", "model": "claude-x", "task": "first_email", "prospect_id": "p8",
             "email_id": "e_p8_1", "status": "error", "input_tokens": 0, "output_tokens": 0,
             "cost_usd": None, "created_at": at + timedelta(days=1)}]
    replies = [
        {"id": "rp1", "inbound_message_id": "in1", "prospect_id": "p1", "email_id": "e_p1_1",
         "from_email": "anna.p1@alpen-p1.example", "body": BODY, "intent": "interested",
         "sentiment": "positive", "confidence": 0.9,
         "received_at": datetime(2026, 11, 19, 10, 0, tzinfo=timezone.utc)},
        {"id": "rp2", "inbound_message_id": "in2", "prospect_id": "p2", "email_id": "e_p2_1",
         "from_email": "anna.p2@alpen-p2.example", "body": BODY, "intent": "not_interested",
         "sentiment": "negative", "confidence": 0.8,
         "received_at": datetime(2026, 11, 19, 23, 30, tzinfo=timezone.utc)},
        {"id": "rp3", "inbound_message_id": "in3", "prospect_id": None, "email_id": None,
         "from_email": "stranger@else.example", "body": BODY, "intent": "needs_more_info",
         "sentiment": "neutral", "confidence": 0.5,
         "received_at": datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)},
    ]
    inbound = [  # two complaints: one traced to its email's inbox, one only to the receiving inbox
        {"id": "in9", "message_key": "<c1@x>", "inbox_id": "ib2", "raw": BODY.encode(),
         "size_bytes": 100, "received_at": NOW - timedelta(days=2), "status": "processed",
         "kind": "complaint", "from_email": "abuse@isp.example", "email_id": "e_p1_1"},
        {"id": "in8", "message_key": "<c2@x>", "inbox_id": "ib2", "raw": BODY.encode(),
         "size_bytes": 100, "received_at": NOW - timedelta(days=3), "status": "processed",
         "kind": "complaint", "from_email": "abuse@isp.example", "email_id": None},
    ]
    inboxes = [
        {"id": "ib1", "email": "sales1@jengu.example", "smtp_host": "smtp.jengu.example",
         "smtp_port": 587, "tls_mode": "starttls", "username": "sales1",
         "password_env": "INBOX1_SECRET_VAR", "health_score": 96.0},
        {"id": "ib2", "email": "sales2@jengu.example", "smtp_host": "smtp.jengu.example",
         "smtp_port": 587, "tls_mode": "starttls", "username": "sales2",
         "password_env": "INBOX2_SECRET_VAR", "paused": True, "health_score": 80.0,
         "pause_reason": "bounce rate 6% over the last 50 sends (see ops@jengu.example)"},
    ]
    # ib1: today 3 delivered; 5 days ago 8 delivered, 1 hard, 1 that never reached a server;
    # 20 days ago 44 delivered then 2 soft and 1 policy (the latest); 40 days ago 5 delivered.
    attempts = (_attempts("ib1", NOW - timedelta(hours=3), ["delivered"] * 3)
                + _attempts("ib1", NOW - timedelta(days=5), ["delivered"] * 8 + ["hard", "inbox"])
                + _attempts("ib1", NOW - timedelta(days=20),
                            ["delivered"] * 44 + ["soft", "soft", "policy"])
                + _attempts("ib1", NOW - timedelta(days=40), ["delivered"] * 5)
                + _attempts("ib2", NOW - timedelta(hours=2), ["delivered"] * 4))
    ledger = [{"prospect_id": "p1", "sequence_step": 1, "email_id": "e_p1_1", "inbox_id": "ib1",
               "to_email": "anna.p1@alpen-p1.example", "message_id": "<l1@jengu.example>",
               "state": "sent", "owner": "h:1:x", "claimed_at": NOW, "category": "delivered",
               "reviewed_by": "cli:ops"}]
    with crm.transaction() as con:
        for table, rows in (("prospects", prospects), ("state_transitions", changes),
                            ("emails", emails), ("llm_calls", llm), ("replies", replies),
                            ("inbound_messages", inbound), ("inboxes", inboxes),
                            ("send_attempts", attempts), ("send_ledger", ledger)):
            # Rows of one table differ in which optional keys they set: one insert per shape.
            for keys in dict.fromkeys(tuple(r) for r in rows):
                insert_rows(con, table, [r for r in rows if tuple(r) == keys])


@pytest.fixture(scope="module")
def hand_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built and published once: the tests below only read the file."""
    root = tmp_path_factory.mktemp("hand_built")
    crm = CRMStore(path=str(root / "crm.duckdb"))
    _build_store(crm)
    summary = publish(crm, root / "analytics.duckdb", now=NOW)
    assert summary["rows"]["prospects"] == 9
    return Path(summary["path"])


def test_funnel_counts_what_each_prospect_ever_reached(hand_built):
    rows = _rows(hand_built, "SELECT * FROM funnel_daily ORDER BY day, source")
    assert rows == [
        {"day": D1, "source": "csv", "country": "AT", "discovered": 2, "enriched": 2,
         "composed": 2, "queued": 2, "sent": 1, "replied": 1, "meeting": 1, "won": 0, "lost": 0,
         "suppressed": 1, "failed_now": 0},
        # p2 never reached a reply stage but did reply; p3 was archived after being sent.
        {"day": D1, "source": "job_board:adzuna", "country": "AT", "discovered": 5,
         "enriched": 3, "composed": 3, "queued": 3, "sent": 3, "replied": 2, "meeting": 0,
         "won": 1, "lost": 1, "suppressed": 0, "failed_now": 1},
        {"day": D2, "source": "job_board:adzuna", "country": "DE", "discovered": 2,
         "enriched": 1, "composed": 1, "queued": 0, "sent": 0, "replied": 0, "meeting": 0,
         "won": 0, "lost": 0, "suppressed": 0, "failed_now": 1},
    ]
    milestones = {r["prospect_id"]: r for r in _rows(
        hand_built, "SELECT prospect_id, furthest_stage, moves, sent_at, won_at, archived_at "
                    "FROM prospect_milestones")}
    assert set(milestones) == set(PATHS) - {"p5"}
    # p3 was archived after contacted: the furthest pipeline stage is what it had reached.
    assert (milestones["p3"]["furthest_stage"], milestones["p3"]["moves"]) == ("contacted", 12)
    assert milestones["p3"]["archived_at"] > milestones["p3"]["sent_at"]
    assert milestones["p1"]["furthest_stage"] == "won" and milestones["p1"]["won_at"]


def test_inbox_health_windows_rates_and_complaints(hand_built):
    health = {r["inbox_id"]: r for r in _rows(hand_built, "SELECT * FROM inbox_health")}
    ib1 = health["ib1"]
    # The attempt that never reached a server does not count against the quota.
    assert (ib1["sends_today"], ib1["sends_7d"], ib1["sends_30d"]) == (3, 12, 59)
    assert (ib1["delivered_30d"], ib1["bounced_30d"]) == (55, 2)
    assert ib1["bounce_rate_30d"] == pytest.approx(2 / 59)
    # Last 50 answered: 3 + 9 recent and the latest 38 of 20 days ago, the policy bounce included.
    assert ib1["bounce_rate_last_50"] == pytest.approx(2 / 50)
    assert (ib1["complaints_30d"], ib1["complaint_rate_30d"]) == (1, pytest.approx(1 / 55))
    ib2 = health["ib2"]
    assert (ib2["paused"], ib2["sends_today"], ib2["bounce_rate_last_50"]) == (True, 4, None)
    assert (ib2["complaints_30d"], ib2["complaint_rate_30d"]) == (1, pytest.approx(1 / 4))
    assert "<address>" in ib2["pause_reason"] and "ops@" not in ib2["pause_reason"]


def test_replies_enrichment_gates_and_costs(hand_built):
    intents = _rows(hand_built, "SELECT day, intent, replies, prospects, positive, neutral, "
                                "negative FROM reply_intents ORDER BY day, intent")
    # 23:30 UTC stays on its UTC day; the unmatched reply counts no prospect.
    assert [tuple(r.values()) for r in intents] == [
        (D2, "interested", 1, 1, 1, 0, 0), (D2, "not_interested", 1, 1, 0, 0, 1),
        (date(2026, 11, 20), "needs_more_info", 1, 0, 0, 1, 0)]

    rates = {r["day"]: r for r in _rows(hand_built, "SELECT * FROM enrichment_rates")}
    assert {k: rates[D1][k] for k in ("prospects", "attempted", "website_found", "email_found",
                                      "sendable", "failed")} == {
        "prospects": 7, "attempted": 6, "website_found": 5, "email_found": 5, "sendable": 5,
        "failed": 1}
    assert rates[D1]["sendable_rate"] == pytest.approx(5 / 6)
    assert rates[D2]["failure_rate"] == pytest.approx(1 / 2)
    assert [tuple(r.values()) for r in _rows(
        hand_built, "SELECT * FROM enrichment_failures ORDER BY day")] == [
        (D1, "search_unavailable", 1), (D2, "nothing_found", 1)]

    gates = {(r["day"], r["gate"]): (r["checked"], r["passed"]) for r in _rows(
        hand_built, "SELECT * FROM gate_pass_rates")}
    assert gates == {(D1, "spam"): (6, 6), (D1, "readability"): (6, 5), (D1, "claims"): (6, 6),
                     (D2, "spam"): (1, 1), (D2, "readability"): (1, 1), (D2, "claims"): (1, 1)}
    held = _rows(hand_built, "SELECT e.id, e.hold_reason, g.failed_gates, g.passed "
                             "FROM emails e JOIN email_gates g ON g.email_id = e.id "
                             "WHERE e.hold_reason IS NOT NULL ORDER BY e.id")
    assert held == [
        {"id": "e_p3_2", "hold_reason": "gates", "failed_gates": ["readability"], "passed": False},
        {"id": "e_p8_1", "hold_reason": "jurisdiction DE", "failed_gates": [], "passed": True}]

    costs = {(r["day"], r["provider"]): r
             for r in _rows(hand_built, "SELECT * FROM cost_per_email")}
    grok = costs[D1, "grok"]
    assert (grok["calls"], grok["emails_composed"], grok["emails_sent"]) == (8, 6, 4)
    assert grok["cost_usd"] == pytest.approx(0.072)
    assert grok["cost_per_composed_email"] == pytest.approx(0.07 / 6)
    # The regenerated, never-sent follow-up and the held draft count in the cost of what went out.
    assert grok["cost_per_sent_email"] == pytest.approx(0.07 / 4)
    claude = costs[D2, "claude"]
    assert (claude["calls"], claude["ok_calls"], claude["unpriced_calls"]) == (2, 1, 1)
    assert (claude["emails_sent"], claude["cost_per_sent_email"]) == (0, None)


def test_the_file_holds_no_personal_data_or_raw_content(hand_built):
    con = duckdb.connect(str(hand_built), read_only=True)
    try:
        columns = {(t, c) for t, c in con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE NOT internal").fetchall()}
        cells = [str(row) for (table,) in con.execute("SELECT table_name FROM duckdb_tables()")
                 .fetchall() for row in con.execute(f"SELECT * FROM {table}").fetchall()]
        site = con.execute("SELECT booking_engine, cms, enrichment_reason FROM prospects p "
                           "LEFT JOIN prospect_sites w ON w.prospect_id = p.id "
                           "WHERE id IN ('p1', 'p9') ORDER BY id").fetchall()
    finally:
        con.close()
    for forbidden in ("email", "contact_name", "phone", "linkedin_url", "website_analysis"):
        assert ("prospects", forbidden) not in columns
    assert not {("emails", "body"), ("emails", "to_email"), ("replies", "body"),
                ("replies", "from_email"), ("inboxes", "password_env"),
                ("inbound_messages", "raw")} & columns
    text = "\n".join(cells)
    for secret in (BODY, "anna.", "Anna ", "jo.doe@", "INBOX1_SECRET_VAR", "+43 512", "guest"):
        assert secret not in text, secret
    assert site[0][:2] == ("synxis", "wordpress")
    assert "<address>" in site[1][2] and "no website" in site[1][2]


def test_every_column_is_commented_and_the_publication_row_says_when(hand_built):
    con = duckdb.connect(str(hand_built), read_only=True)
    try:
        uncommented = con.execute("SELECT table_name, column_name FROM duckdb_columns() "
                                  "WHERE NOT internal AND coalesce(comment, '') = ''").fetchall()
        tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() "
                                            "WHERE comment IS NOT NULL").fetchall()}
        published_at, version, counts = con.execute(
            "SELECT published_at, crm_schema_version, row_counts FROM publication").fetchall()[0]
    finally:
        con.close()
    assert uncommented == []
    assert tables == {t.name for t in TABLES}
    assert published_at == NOW and version >= 7
    assert json.loads(counts)["prospects"] == 9 and json.loads(counts)["send_attempts"] == 69
    assert os.stat(hand_built).st_mode & 0o777 == 0o444


# -- the real pipeline, the asset, the docs -----------------------------------------------------


def test_a_materialised_pipeline_publishes_matching_numbers_and_the_docs_run(resources, crm,
                                                                          home):
    from jengu_assets.acquisition.assets import job_postings, lead_imports, prospects
    from jengu_assets.composition.assets import composed_emails
    from jengu_assets.enrichment.assets import enriched_contacts
    from jengu_assets.research.assets import research_reports
    from jengu_resources.llm import LLM
    from jengu_resources.spamd import SpamChecker

    graph = [job_postings, lead_imports, prospects, enriched_contacts, research_reports,
             composed_emails]
    assert dg.materialize(graph, partition_key=PARTITION, resources={
        **resources, "llm": LLM(), "spam_checker": SpamChecker(port=0)}).success
    result = dg.materialize([analytics_warehouse], resources={"crm": crm})
    assert result.success
    metadata = result.asset_materializations_for_node("analytics_warehouse")[0].metadata
    path = home.analytics_path
    assert metadata["path"].value == str(path)

    crm_counts = crm.query(
        "SELECT count(*) AS discovered, "
        "count(*) FILTER (WHERE id IN (SELECT prospect_id FROM state_transitions "
        "                              WHERE to_stage = 'enriched')) AS enriched, "
        "count(*) FILTER (WHERE id IN (SELECT prospect_id FROM emails)) AS composed, "
        "(SELECT count(*) FROM emails) AS emails FROM prospects")[0]
    funnel = _rows(path, "SELECT sum(discovered) AS discovered, sum(enriched) AS enriched, "
                         "sum(composed) AS composed, (SELECT count(*) FROM emails) AS emails "
                         "FROM funnel_daily")[0]
    assert funnel == crm_counts and funnel["composed"] > 0
    assert metadata["rows"].value["prospects"] == crm_counts["discovered"]
    gates = _rows(path, "SELECT sum(checked) AS checked FROM gate_pass_rates WHERE gate = 'spam'")
    assert gates[0]["checked"] == crm_counts["emails"]

    _assert_docs_match_and_run(path)


def _assert_docs_match_and_run(path: Path) -> None:
    text = DOCS.read_text(encoding="utf-8")
    documented = {name: [row for row in re.findall(r"^\| (\w+) \| ([^|]+) \| (.+) \|$", body, re.M)
                         if row[0] != "column"]
                  for name, body in re.findall(r"^### (\w+)\n(.*?)(?=^### |\Z)",
                                               text.split("## Tables", 1)[1], re.S | re.M)}
    con = duckdb.connect(str(path), read_only=True)
    try:
        actual = {t.name: con.execute(
            "SELECT column_name, data_type, comment FROM duckdb_columns() "
            "WHERE NOT internal AND table_name = ? ORDER BY column_index", [t.name]).fetchall()
            for t in TABLES}
        assert {k: [c[:2] for c in v] for k, v in documented.items()} == {
            k: [(c, ty) for c, ty, _ in v] for k, v in actual.items()}
        assert {k: [c[2] for c in v] for k, v in documented.items()} == {
            k: [cm for _, _, cm in v] for k, v in actual.items()}
        for block in re.findall(r"```sql\n(.*?)```", text, re.S):
            con.execute(block).fetchall()
    finally:
        con.close()
    for block in re.findall(r"```python\n(.*?)```", text, re.S):
        namespace: dict[str, Any] = {}
        exec(compile(block.replace("var/analytics.duckdb", str(path)), str(DOCS), "exec"),
             namespace)


def test_cli_publishes_an_empty_store_and_prints_the_summary(crm, home, capsys):
    from jengu.cli import main

    crm.migrate()
    assert main(["publish-analytics", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["path"] == str(home.analytics_path)
    assert summary["rows"]["prospects"] == 0 and summary["funnel"]["discovered"] == 0
    assert summary["bytes"] == home.analytics_path.stat().st_size


# -- atomic replacement under a reader, crashes ---------------------------------------------------

READER = r"""
import duckdb, json, os, sys, time
path, control = sys.argv[1], sys.argv[2]

def snapshot(con):
    published, = con.execute("SELECT published_at::VARCHAR FROM publication").fetchall()[0]
    count, = con.execute("SELECT count(*) FROM prospects").fetchall()[0]
    con.execute("SELECT day, sum(discovered) FROM funnel_daily GROUP BY day").fetchall()
    return [published, count]

con = duckdb.connect(path, read_only=True)
print(json.dumps(snapshot(con)), flush=True)
phase, seen, queries, errors = "before", set(), {"before": 0, "after": 0}, []
while True:
    command = open(control).read().strip() if os.path.exists(control) else ""
    if command == "stop":
        break
    if command == "reconnect" and phase == "before":
        con.close()
        con = duckdb.connect(path, read_only=True)
        phase = "after"
    try:
        seen.add((phase, *snapshot(con)))
        queries[phase] += 1
    except Exception as exc:
        errors.append(repr(exc))
    time.sleep(0.005)
print(json.dumps({"seen": sorted(seen), "queries": queries, "errors": errors}), flush=True)
"""


def _add_prospects(crm: CRMStore, start: int, n: int) -> None:
    with crm.transaction() as con:
        insert_rows(con, "prospects", [
            {"id": f"r{i}", "company_name": f"Hotel {i}", "name_key": f"hotel {i}", "tier": "cold",
             "source": "csv", "source_ref": "x", "discovered_on": D1}
            for i in range(start, start + n)])


def _open_inodes(pid: int) -> set[int]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            inodes.add(fd.stat().st_ino)
        except OSError:   # closed meanwhile
            continue
    return inodes


def test_a_reader_keeps_its_snapshot_while_the_asset_is_rematerialised(crm, home, tmp_path):
    _add_prospects(crm, 0, 10)
    assert dg.materialize([analytics_warehouse], resources={"crm": crm}).success
    path, control = home.analytics_path, tmp_path / "reader-control"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(path), str(control)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    inodes = [path.stat().st_ino]
    try:
        first = json.loads(reader.stdout.readline())
        assert first[1] == 10
        for round_ in range(1, 4):
            _add_prospects(crm, 10 * round_, 10)
            assert dg.materialize([analytics_warehouse], resources={"crm": crm}).success
            inodes.append(path.stat().st_ino)
            time.sleep(0.05)   # the reader queries its open snapshot in between
        # Every publication is a new file (built while the previous one still had the name);
        # the reader still holds the first one, unlinked.
        assert all(before != after for before, after in zip(inodes, inodes[1:]))
        assert inodes[0] in _open_inodes(reader.pid)
        latest = _rows(path, "SELECT published_at::VARCHAR AS p, "
                             "(SELECT count(*) FROM prospects) AS n FROM publication")[0]
        assert latest["n"] == 40 and latest["p"] != first[0]
        control.write_text("reconnect")
        time.sleep(0.3)
        control.write_text("stop")
        out, err = reader.communicate(timeout=30)
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.wait()
    assert reader.returncode == 0, err
    report = json.loads(out.strip().splitlines()[-1])
    assert report["errors"] == []
    assert report["queries"]["before"] > 5 and report["queries"]["after"] > 0
    assert report["seen"] == [["after", latest["p"], 40], ["before", *first]]


def test_a_crashed_publish_leaves_the_published_file_alone_and_the_next_cleans_up(
        crm, home, monkeypatch):
    _add_prospects(crm, 0, 3)
    publish(crm)
    target = home.analytics_path
    # What a publish killed mid-way leaves behind: its half-built file, log and spill folder.
    leftovers = [target.with_name(f".{target.name}.999-dead.tmp"),
                 target.with_name(f".{target.name}.999-dead.tmp.wal"),
                 target.with_name(f".{target.name}.999-dead.stage.tmp")]
    for path in leftovers:
        path.write_bytes(b"half a database")
    (target.with_name(f".{target.name}.999-dead.tmp.tmp")).mkdir()

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    _add_prospects(crm, 3, 3)
    with monkeypatch.context() as patch:
        patch.setattr(publishing, "_funnel_totals", fail)
        with pytest.raises(RuntimeError, match="disk full"):
            publish(crm)
    assert _rows(target, "SELECT count(*) AS n FROM prospects") == [{"n": 3}]
    assert [p.name for p in stale_files(target)] == []   # the failed one's, and the crashed ones

    # A log left by someone who opened the published file for writing would be replayed onto the
    # next file: the next publish removes it.
    target.with_name(target.name + ".wal").write_bytes(b"a writer's log")
    summary = publish(crm)
    assert summary["rows"]["prospects"] == 6 and summary["stale_files_removed"] == 0
    assert not target.with_name(target.name + ".wal").exists()
    assert _rows(target, "SELECT count(*) AS n FROM prospects") == [{"n": 6}]


# -- the sensor, over a real instance with real runs ----------------------------------------------


@dg.op
def _work() -> None:
    pass


@dg.op
def _break() -> None:
    raise RuntimeError("upstream failed")


def _run(instance: dg.DagsterInstance, name: str, op=_work) -> str:
    @dg.job(name=name)
    def job():
        op()

    result = job.execute_in_process(instance=instance, raise_on_error=False)
    return result.run_id


def _tick(instance: dg.DagsterInstance, cursor: str | None) -> tuple[list, list, str | None]:
    """Evaluate the sensor until it has seen every run status event; (requests, skips, cursor)."""
    from sensors.analytics_sensor import analytics_sensor

    requests, skips = [], []
    for _ in range(20):
        data = analytics_sensor.evaluate_tick(dg.build_sensor_context(instance=instance,
                                                                       cursor=cursor))
        requests += data.run_requests or []
        skips += [data.skip_message] if data.skip_message else []
        if data.cursor == cursor:
            return requests, skips, cursor
        cursor = data.cursor
    raise AssertionError("the sensor never settled")


@pytest.fixture
def instance():
    # Disposed with the test: one left open until interpreter shutdown makes DuckDB's extension
    # report "leaked" objects at exit.
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


def test_sensor_asks_for_one_run_per_successful_upstream_run_and_none_for_failures(instance):
    from sensors.analytics_sensor import analytics_sensor

    assert analytics_sensor.job_name == "analytics_job"
    _, _, cursor = _tick(instance, None)
    send = _run(instance, "send_job")           # no publish yet: even a send tick gets one
    _run(instance, "enrichment_job", _break)
    imported = _run(instance, "lead_import_job")
    _run(instance, "some_other_job")
    requests, _, after = _tick(instance, cursor)
    assert [(r.run_key, r.tags["jengu/trigger_job"]) for r in requests] == [
        (f"after:{send}", "send_job"), (f"after:{imported}", "lead_import_job")]
    # A repeated evaluation from the same cursor asks for the same runs (same keys: one run each).
    again, _, _ = _tick(instance, cursor)
    assert [r.run_key for r in again] == [r.run_key for r in requests]
    assert _tick(instance, after)[0] == []


def test_sensor_coalesces_behind_a_later_publish_and_throttles_send_ticks(instance):
    _, _, cursor = _tick(instance, None)
    daily = _run(instance, "daily_pipeline_job")
    _run(instance, "analytics_job")          # created after the daily run ended: covers it
    send = _run(instance, "send_job")          # a publish less than 30 minutes before
    follow = _run(instance, "follow_up_job")   # not a stream job: refreshed after every run
    requests, skips, cursor = _tick(instance, cursor)
    assert [r.run_key for r in requests] == [f"after:{follow}"]
    assert any(daily[:8] in s and "covers it" in s for s in skips)
    assert any(send[:8] in s and "30 minutes" in s for s in skips)

    # A run not started yet will read the CRM when it starts: one waiting run is enough.
    queued = dg.DagsterRun(job_name="analytics_job", status=dg.DagsterRunStatus.NOT_STARTED)
    instance.add_run(queued)
    imported = _run(instance, "lead_import_job")
    requests, skips, _ = _tick(instance, cursor)
    assert requests == [] and any(imported[:8] in s and queued.run_id[:8] in s for s in skips)
