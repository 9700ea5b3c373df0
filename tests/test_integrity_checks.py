"""The nightly integrity checks over real DuckDB files.

A clean store is built once through the real code paths: admission (prospects and their creation
rows), the stage machine, the real sender against the sandbox's SMTP server on loopback (a delivery,
a hard bounce that suppresses), and the reply actions (an unsubscribe, a delegation that creates a
colleague at the same hotel, an interested reply). Like the demo, it sends on the last business day
before today and reads the answers now, so every suppression a send caused comes after it. Each
fault test copies that file, injects a known
number of one kind of fault with SQL, and expects ``find_all`` to report exactly that. The Dagster
side runs ``integrity_job`` from the real Definitions against a real (SQLite) Dagster instance.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from jengu_assets import stages
from jengu_assets.acquisition import admission
from jengu_assets.acquisition.models import Lead
from jengu_assets.composition.gates import GateResult
from jengu_assets.integrity import findings
from jengu_assets.integrity.checks import GUARDS
from jengu_assets.integrity.findings import FAULT_KINDS, Thresholds
from jengu_assets.replies.actions import Analysis, Inbound, act_on_replies
from jengu_assets.replies.matching import Match
from jengu_assets.sending import ledger
from jengu_assets.sending.pacing import PacingSettings
from jengu_assets.sending.sender import SendSettings, TickClock, run_tick
from jengu_resources.crm_store import CRMStore, fetch_dicts, insert_rows
from sandbox.outbox import warm_inboxes
from sandbox.smtp_server import SandboxSMTP


def _last_business_day(at: datetime) -> datetime:
    day = (at - timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


TODAY = datetime.now(timezone.utc)
SEND_AT = _last_business_day(TODAY)           # before the wall clock, as in the demo
CHECK_AT = max(SEND_AT + timedelta(days=2), TODAY)
ACTOR = "pytest"
# (contact, company, domain): anna's address bounces hard at the sandbox's SMTP server.
HOTELS = [
    ("Anna Berg", "Hotel Rose", "hotel-rose.example"),
    ("Ben Carter", "The Lys Inn", "lys-inn.example"),
    ("Cleo Diaz", "Hotel Sol", "hotel-sol.example"),
    ("Dan Evans", "Harbour Lodge", "harbour-lodge.example"),
    ("Eva Ford", "Kings Arms Hotel", "kings-arms.example"),
    ("Finn Gray", "Park View Hotel", "park-view.example"),
    ("Gina Hale", "Riverside Rooms", "riverside-rooms.example"),
]
PASSED_GATES = json.dumps([asdict(GateResult(name, True, 0.0, 1.0, "passed"))
                           for name in ("placeholders", "length", "links", "readability", "claims",
                                        "spam", "injection")])


def _email_of(contact: str, domain: str) -> str:
    local = contact.split()[0].lower()
    return f"{local}+hard@{domain}" if local == "anna" else f"{local}@{domain}"


def _build_clean_store(crm: CRMStore, smtp: SandboxSMTP) -> None:
    leads = [Lead(company_name=company, source="csv", source_key=f"csv:integrity:{n}",
                  source_ref=f"leads.csv row {n}", contact_name=contact,
                  email=_email_of(contact, domain), website=f"https://{domain}/", city="London",
                  country="GB")
             for n, (contact, company, domain) in enumerate(HOTELS)]
    with crm.transaction() as con:
        admission.admit(con, leads, discovered_on=TODAY.date(), actor=ACTOR)
        ids = [r[0] for r in con.execute("SELECT id FROM prospects ORDER BY email").fetchall()]
        failed, held, queued = ids[1], ids[2], [ids[0], *ids[3:]]   # anna (ids[0]) bounces
        _move(con, ids, ["enriching"])
        stages.transition(con, failed, "failed", reason="no website; no email", actor=ACTOR)
        con.execute("UPDATE prospects SET enrichment_reason = 'no website; no email', enriched_at = now() "
                    "WHERE id = ?", [failed])
        ok = [held, *queued]
        con.execute("UPDATE prospects SET email_sendable = TRUE, email_kind = 'personal', "
                    "email_status = 'valid', timezone = 'Europe/London', enriched_at = now() "
                    "WHERE id IN (SELECT unnest(?))", [ok])
        _move(con, ok, ["enriched", "researching"])
        insert_rows(con, "research_reports", [
            {"id": f"r_{pid}", "prospect_id": pid, "partition_date": TODAY.date(), "report": "{}"}
            for pid in ok])
        _move(con, ok, ["ready", "composing", "composed"])
        prospects = {p["id"]: p for p in fetch_dicts(con, "SELECT * FROM prospects")}
        insert_rows(con, "emails", [{
            "id": f"e_{pid}_1", "prospect_id": pid, "sequence_step": 1, "kind": "outreach",
            "subject": f"Your front desk at {prospects[pid]['company_name']}",
            "body": "Hello,\n\nA short note.\n\nJengu\n", "to_email": prospects[pid]["email"],
            "status": "held" if pid == held else "queued", "gates": PASSED_GATES,
            "hold_reason": "jurisdiction GB: held by a test rule" if pid == held else None,
            "composed_on": TODAY.date(), "attempts": 1, "llm_provider": "offline",
        } for pid in ok])
        _move(con, queued, ["queued"])
        warm_inboxes(con, 2, smtp_host=smtp.host, smtp_ports=[smtp.port], min_gap_seconds=1)
    settings = SendSettings(pacing=PacingSettings(skip_probability=0.0), seed=1)
    for minutes in (0, 5):
        asyncio.run(run_tick(crm, clock=TickClock(SEND_AT + timedelta(minutes=minutes)),
                             settings=settings, actor=ACTOR))
    with crm.transaction() as con:
        sent = [r[0] for r in con.execute(
            "SELECT prospect_id FROM send_ledger WHERE state = 'sent' ORDER BY prospect_id").fetchall()]
        assert len(sent) == len(queued) - 1, "every queued email but the hard bounce went out"
        _reply(con, sent[0], "unsubscribe", {})
        _reply(con, sent[1], "delegated", {"delegated_contact": {"name": "Maria Lopez",
                                                                 "email": "maria@colleague.example"}})
        _reply(con, sent[2], "interested", {})
        ledger.mark_delivered_contacted(con, SEND_AT + timedelta(days=1, hours=1), ACTOR)


def _move(con: duckdb.DuckDBPyConnection, ids: list[str], path: list[str]) -> None:
    for stage in path:
        stages.transition_many(con, ids, stage, reason=f"pytest: {stage}", actor=ACTOR)


def _reply(con: duckdb.DuckDBPyConnection, pid: str, intent: str, details: dict) -> None:
    email = con.execute("SELECT email FROM prospects WHERE id = ?", [pid]).fetchall()[0][0]
    message = Inbound(id=f"in_{intent}", message_key=f"<{intent}@reply.example>", inbox_id=None,
                      received_at=SEND_AT + timedelta(hours=2), from_address=email,
                      subject="Re: your note", kind="human_reply", reply_text=f"{intent}, thanks",
                      analysis=Analysis(intent, "neutral", 0.9, None, details, "offline"))
    act_on_replies(con, [(message, Match(pid, f"e_{pid}_1", None, 1, "in_reply_to"))],
                   now=SEND_AT + timedelta(hours=2), actor=ACTOR)


@pytest.fixture(scope="module")
def clean_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("integrity") / "clean.duckdb"
    with pytest.MonkeyPatch.context() as patch, SandboxSMTP() as smtp:
        patch.setenv("JENGU_HELD_COUNTRIES", "")
        _build_clean_store(CRMStore(path=str(path)), smtp)
    return path


@pytest.fixture
def store(clean_store: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "crm.duckdb"
    shutil.copy(clean_store, copy)
    return copy


def _counts(found: dict[str, findings.Finding]) -> dict[str, int]:
    return {kind: f.count for kind, f in found.items() if f.count}


def test_the_pipeline_leaves_a_store_every_check_passes(clean_store: Path):
    with duckdb.connect(str(clean_store), read_only=True) as con:
        found = findings.find_all(con, now=CHECK_AT)
        # The store holds what the checks look at: a delegated colleague sharing its parent's name
        # and city, a bounce-suppressed address, a reply-suppressed one (after its send, as every
        # suppression a send caused), a held email, an enrichment failure.
        assert con.execute("SELECT count(*) FROM prospects WHERE parent_prospect_id IS NOT NULL "
                           "AND name_key IN (SELECT name_key FROM prospects WHERE parent_prospect_id IS NULL)"
                           ).fetchall() == [(1,)]
        assert sorted(r[0] for r in con.execute("SELECT source FROM suppression_list").fetchall()) \
            == ["reply", "smtp"]
        assert con.execute("SELECT count(*) FROM send_attempts a JOIN suppression_list s "
                           "ON s.email = a.to_email WHERE a.state = 'sent' AND s.created_at > a.claimed_at"
                           ).fetchall() == [(1,)]
    assert list(found) == list(FAULT_KINDS)
    assert _counts(found) == {}, {k: f.detail for k, f in found.items() if f.count}
    assert all(f.sample == [] and f.detail.startswith("no ") for f in found.values())


def _sql(*statements: str) -> Callable[[duckdb.DuckDBPyConnection], None]:
    def inject(con: duckdb.DuckDBPyConnection) -> None:
        for statement in statements:
            con.execute(statement)
    return inject


DELIVERED = ("(SELECT prospect_id FROM send_attempts WHERE state = 'sent' "
             "AND to_email NOT IN (SELECT email FROM suppression_list) ORDER BY message_id LIMIT 1)")
A_PROSPECT = "(SELECT id FROM prospects WHERE parent_prospect_id IS NULL ORDER BY id LIMIT 1)"
PROSPECT_COPY = ("INSERT INTO prospects (id, company_name, email, name_key, city_key, tier, source, "
                 "source_ref, discovered_on, stage, parent_prospect_id) SELECT {id}, company_name, {email}, "
                 "{name_key}, city_key, tier, source, 'copy', discovered_on, {stage}, {parent} FROM prospects "
                 "WHERE id = " + A_PROSPECT)


def _answered(inbox: str, first_step: int, categories: list[str]) -> str:
    """Attempts of a fresh inbox, on an existing prospect's unused sequence steps, so that nothing
    else offends."""
    values = ", ".join(f"({i}, '{c}')" for i, c in enumerate(categories))
    return (f"INSERT INTO send_attempts (message_id, prospect_id, sequence_step, attempt, inbox_id, to_email, "
            f"claimed_at, state, category) SELECT '<{inbox}-' || i || '@x>', {A_PROSPECT}, {first_step} + i, 1, "
            f"'{inbox}', 'reader' || i || '@x.example', TIMESTAMPTZ '{SEND_AT.isoformat()}' + to_minutes(i), "
            f"CASE WHEN c = 'delivered' THEN 'sent' ELSE 'failed' END, c FROM (VALUES {values}) v(i, c)")


# (kind, injection, count, sample or None when the ids are made by the store)
FAULTS: list[tuple[str, Callable, int, list[str] | None]] = [
    ("orphan_email", _sql(
        "INSERT INTO emails (id, prospect_id, subject, status) VALUES ('e_ghost_1', 'ghost', 's', 'draft'), "
        "('e_ghost_2', 'ghost', 's', 'held')"), 2, ["e_ghost_1", "e_ghost_2"]),
    # A ledger row and its attempt are one orphaned send; an attempt alone is another.
    ("orphan_ledger", _sql(
        "INSERT INTO send_ledger (prospect_id, sequence_step, email_id, inbox_id, to_email, message_id, state, "
        "owner, claimed_at) VALUES ('ghost', 1, 'e_ghost_1', 'i', 'g@x.example', '<g1@x>', 'failed', 'o', now())",
        "INSERT INTO send_attempts (message_id, prospect_id, sequence_step, attempt, inbox_id, to_email, "
        "claimed_at, state) VALUES ('<g0@x>', 'ghost', 1, 1, 'i', 'g@x.example', now(), 'failed'), "
        "('<g2@x>', 'ghost2', 1, 1, 'i', 'g2@x.example', now(), 'failed')"), 2, ["<g1@x>", "<g2@x>"]),
    # An unmatched reply (no prospect) is not an orphan.
    ("orphan_reply", _sql(
        "INSERT INTO replies (id, inbound_message_id, prospect_id, from_email) VALUES "
        "('rp_ghost', 'in_ghost', 'ghost', 'g@x.example'), ('rp_unmatched', 'in_unmatched', NULL, 'u@x.example')"),
        1, ["rp_ghost"]),
    ("orphan_research", _sql(
        "INSERT INTO research_reports (id, prospect_id, partition_date, report) VALUES "
        "('r_ghost', 'ghost', current_date, '{}')"), 1, ["r_ghost"]),
    # Same address in other case and padded, another name: an email duplicate only (suppressed
    # ones count too).
    ("duplicate_email", _sql(PROSPECT_COPY.format(id="'p_dup'", email="upper(email) || ' '", name_key="'other name'",
                                                  stage="'suppressed'", parent="NULL")), 1, ["p_dup"]),
    ("duplicate_name_city", _sql(
        PROSPECT_COPY.format(id="'p_dup1'", email="NULL", name_key="name_key", stage="'archived'", parent="NULL"),
        PROSPECT_COPY.format(id="'p_dup2'", email="'x@other.example'", name_key="name_key", stage="'new'",
                             parent="NULL")), 2, ["p_dup1", "p_dup2"]),
    # Another prospect's delegate is no colleague of this one: still a duplicate.
    ("duplicate_name_city", _sql(PROSPECT_COPY.format(
        id="'p_dup'", email="NULL", name_key="name_key", stage="'new'",
        parent="(SELECT max(id) FROM prospects WHERE parent_prospect_id IS NULL)")), 1, ["p_dup"]),
    ("double_delivery", _sql(
        "INSERT INTO send_attempts SELECT * REPLACE ('<again@x>' AS message_id, 2 AS attempt, "
        "claimed_at + INTERVAL 1 HOUR AS claimed_at) FROM send_attempts WHERE state = 'sent' "
        f"AND prospect_id = {DELIVERED}"), 1, ["<again@x>"]),
    # The same double send recorded in the emails too is still one extra delivery.
    ("double_delivery", _sql(
        "INSERT INTO send_attempts SELECT * REPLACE ('<again@x>' AS message_id, 2 AS attempt, "
        "claimed_at + INTERVAL 1 HOUR AS claimed_at) FROM send_attempts WHERE state = 'sent' "
        f"AND prospect_id = {DELIVERED}",
        "INSERT INTO emails SELECT * REPLACE ('e_again' AS id, '<again@x>' AS message_id) FROM emails "
        f"WHERE status = 'sent' AND prospect_id = {DELIVERED}"), 1, ["<again@x>"]),
    ("double_delivery", _sql(
        "INSERT INTO emails SELECT * REPLACE ('e_again' AS id, '<again@x>' AS message_id, "
        "sent_at + INTERVAL 1 HOUR AS sent_at) FROM emails "
        f"WHERE status = 'sent' AND prospect_id = {DELIVERED}"), 1, ["e_again"]),
    # Listed by an operator a day before the send was claimed.
    ("suppressed_send", _sql(
        "INSERT INTO suppression_list (email, reason, source, created_at) SELECT to_email, 'do not contact', "
        "'cli', claimed_at - INTERVAL 1 DAY FROM send_attempts WHERE state = 'sent' "
        f"AND prospect_id = {DELIVERED}"), 1, None),
    # A sent email no attempt records (its Message-ID unknown to the ledger), to the address in
    # other case and padded, after an operator listed it; the same send in both tables counts once.
    ("suppressed_send", _sql(
        "INSERT INTO suppression_list (email, reason, source, created_at) SELECT to_email, 'do not contact', "
        f"'cli', sent_at - INTERVAL 1 DAY FROM emails WHERE status = 'sent' AND prospect_id = {DELIVERED}",
        "INSERT INTO emails SELECT * REPLACE ('e_late' AS id, 2 AS sequence_step, '<late@x>' AS message_id, "
        "' ' || upper(to_email) AS to_email, sent_at + INTERVAL 3 DAY AS sent_at) FROM emails "
        "WHERE status = 'sent' AND to_email IN (SELECT email FROM suppression_list WHERE source = 'cli')"),
     2, None),
    ("invalid_transition", _sql(
        f"INSERT INTO state_transitions (id, prospect_id, from_stage, to_stage, reason) VALUES "
        f"(900001, {A_PROSPECT}, 'sent', 'new', 'x'), (900002, {A_PROSPECT}, NULL, 'enriched', 'x'), "
        f"(900003, {A_PROSPECT}, 'queued', 'nowhere', 'x')"), 3, ["900001", "900002", "900003"]),
    ("stuck_transient", _sql(
        f"UPDATE prospects SET stage = 'composing', stage_changed_at = TIMESTAMPTZ '{CHECK_AT.isoformat()}' "
        f"- INTERVAL 61 MINUTE WHERE id = {A_PROSPECT}",
        "UPDATE prospects SET stage = 'sending', stage_changed_at = "
        f"TIMESTAMPTZ '{CHECK_AT.isoformat()}' - INTERVAL 59 MINUTE WHERE id = (SELECT max(id) FROM prospects)"),
        1, None),
    ("missing_required", _sql(   # a gate failed, yet queued
        "UPDATE emails SET status = 'queued', hold_reason = NULL, "
        "gates = '[{\"name\": \"spam\", \"passed\": false}]' WHERE status = 'held'"), 1, None),
    ("missing_required", _sql(   # sent without a Message-ID, a prospect past queued without an email
        f"UPDATE emails SET message_id = NULL WHERE status = 'sent' AND prospect_id = {DELIVERED}",
        "UPDATE prospects SET email = NULL WHERE id = (SELECT min(id) FROM prospects WHERE stage = 'contacted')"),
        2, None),
    ("missing_required", _sql(   # sent without a recipient, another without a subject; a body may go
        f"UPDATE emails SET to_email = ' ' WHERE status = 'sent' AND prospect_id = {DELIVERED}",
        "UPDATE emails SET subject = '', body = NULL WHERE status = 'sent' AND id = (SELECT max(id) FROM emails "
        "WHERE status = 'sent' AND trim(to_email) <> '')"), 2, None),
    ("inbox_bounce_rate", _sql(_answered("inbox_b", 100, ["hard", "policy", "hard"] + ["delivered"] * 47),
                               _answered("inbox_ok", 200, ["hard", "policy"] + ["delivered"] * 48),
                               _answered("inbox_few", 300, ["hard"] * 10 + ["delivered"] * 39)),
     1, ["inbox_b"]),
    ("inbox_complaint_rate", _sql(
        _answered("inbox_c", 400, ["delivered"] * 50),
        "INSERT INTO send_ledger (prospect_id, sequence_step, email_id, inbox_id, to_email, message_id, state, "
        f"owner, claimed_at) VALUES ({A_PROSPECT}, 400, 'e_c', 'inbox_c', 'reader0@x.example', '<inbox_c-0@x>', "
        "'sent', 'o', now())",
        "INSERT INTO inbound_messages (id, message_key, raw, size_bytes, status, kind, email_id) VALUES "
        "('in_c', '<arf@x>', 'raw'::BLOB, 3, 'processed', 'complaint', 'e_c')"), 1, ["inbox_c"]),
    # A young inbox is judged too: one complaint in a handful of sends, placed by its In-Reply-To
    # alone; a complaint placed by nothing counts against no inbox.
    ("inbox_complaint_rate", _sql(
        "INSERT INTO inbound_messages (id, message_key, raw, size_bytes, status, kind, in_reply_to) "
        "SELECT 'in_c', '<arf@x>', 'raw'::BLOB, 3, 'processed', 'complaint', ' ' || message_id FROM send_attempts "
        f"WHERE state = 'sent' AND prospect_id = {DELIVERED}",
        "INSERT INTO inbound_messages (id, message_key, raw, size_bytes, status, kind, processed_at) VALUES "
        f"('in_n', '<arf-n@x>', 'raw'::BLOB, 3, 'processed', 'complaint', TIMESTAMPTZ '{CHECK_AT.isoformat()}')"),
     1, None),
    # Placed by its prospect alone: that prospect's latest delivery.
    ("inbox_complaint_rate", _sql(
        "INSERT INTO inbound_messages (id, message_key, raw, size_bytes, status, kind, prospect_id) "
        f"SELECT 'in_c', '<arf@x>', 'raw'::BLOB, 3, 'processed', 'complaint', {DELIVERED}"), 1, None),
    ("retry_backlog", _sql(
        "INSERT INTO failed_tasks (task, prospect_id, error, next_attempt_at, status) SELECT 'enrich', "
        f"'p' || i, 'x', TIMESTAMPTZ '{CHECK_AT.isoformat()}' - INTERVAL 25 HOUR, 'pending' FROM range(101) t(i)",
        "INSERT INTO failed_tasks (task, prospect_id, error, next_attempt_at, status) SELECT 'enrich', "
        f"'q' || i, 'x', TIMESTAMPTZ '{CHECK_AT.isoformat()}' - INTERVAL 23 HOUR, 'pending' FROM range(50) t(i)"),
        101, None),
    ("enrichment_failure_share", _sql(
        "INSERT INTO prospects (id, company_name, name_key, city_key, tier, source, source_ref, discovered_on, "
        "stage, enrichment_reason, enriched_at) SELECT 'pf' || lpad(i::VARCHAR, 2, '0'), 'F ' || i, 'f ' || i, '', "
        "'cold', 'csv', 'x', current_date, 'failed', 'no website; no email', now() FROM range(25) t(i)"),
        26, None),
    ("stale_unknown_send", _sql(
        "INSERT INTO send_ledger (prospect_id, sequence_step, email_id, inbox_id, to_email, message_id, state, "
        f"owner, claimed_at) VALUES ({A_PROSPECT}, 7, 'e_u', 'i', 'u@x.example', '<unknown@x>', 'unknown', "
        f"'o', TIMESTAMPTZ '{CHECK_AT.isoformat()}' - INTERVAL 25 HOUR), ({A_PROSPECT}, 8, 'e_v', 'i', "
        f"'v@x.example', '<recent@x>', 'unknown', 'o', TIMESTAMPTZ '{CHECK_AT.isoformat()}' - INTERVAL 23 HOUR)"),
        1, ["<unknown@x>"]),
    # Unmatched and failed mail waiting over a day; a day is not over yet for the newest, and
    # processed or dismissed mail waits for nobody.
    ("inbound_review_backlog", _sql(
        "INSERT INTO inbound_messages (id, message_key, raw, size_bytes, status, kind, stored_at, "
        "processed_at) VALUES "
        f"('in_u', '<u@x>', 'r'::BLOB, 1, 'unmatched', 'human_reply', TIMESTAMPTZ '{CHECK_AT.isoformat()}' "
        f"- INTERVAL 30 HOUR, TIMESTAMPTZ '{CHECK_AT.isoformat()}' - INTERVAL 25 HOUR), "
        f"('in_f', '<f@x>', 'r'::BLOB, 1, 'failed', 'human_reply', TIMESTAMPTZ '{CHECK_AT.isoformat()}' "
        "- INTERVAL 25 HOUR, NULL), "
        f"('in_v', '<v@x>', 'r'::BLOB, 1, 'unmatched', 'human_reply', TIMESTAMPTZ '{CHECK_AT.isoformat()}' "
        f"- INTERVAL 30 HOUR, TIMESTAMPTZ '{CHECK_AT.isoformat()}' - INTERVAL 23 HOUR), "
        f"('in_d', '<d@x>', 'r'::BLOB, 1, 'dismissed', 'human_reply', TIMESTAMPTZ '{CHECK_AT.isoformat()}' "
        f"- INTERVAL 30 HOUR, TIMESTAMPTZ '{CHECK_AT.isoformat()}' - INTERVAL 25 HOUR)"),
        2, ["in_f", "in_u"]),
]


@pytest.mark.parametrize(("kind", "inject", "count", "sample"), FAULTS,
                         ids=[f"{kind}-{i}" for i, (kind, *_) in enumerate(FAULTS)])
def test_each_injected_fault_is_found_and_nothing_else(store: Path, kind, inject, count, sample):
    with duckdb.connect(str(store)) as con:
        inject(con)
        found = findings.find_all(con, now=CHECK_AT)
        assert _counts(found) == {kind: count}, {k: f.detail for k, f in found.items() if f.count}
        finding = found[kind]
        assert finding.severity == findings.SEVERITY[kind] and str(count) in finding.detail
        rows = findings.offenders(con, kind, now=CHECK_AT)
    assert len(finding.sample) == min(count, findings.SAMPLE_SIZE) == len(set(finding.sample))
    assert finding.sample == sorted(finding.sample) == [r["id"] for r in rows][:findings.SAMPLE_SIZE]
    if sample is not None:
        assert finding.sample == sample
    # The queries the repair job runs take the same one parameter, each of them.
    for sql in findings.OFFENDERS.values():
        assert "$now" in sql


def test_a_suppression_that_follows_its_send_is_no_fault(store: Path):
    with duckdb.connect(str(store)) as con:
        # An operator's listing after the send, and a complaint: never held against that send.
        con.execute("INSERT INTO suppression_list (email, reason, source, created_at) SELECT to_email, "
                    "'do not contact', 'cli', claimed_at + INTERVAL 1 MINUTE FROM send_attempts "
                    f"WHERE state = 'sent' AND prospect_id = {DELIVERED}")
        assert findings.find(con, "suppressed_send", now=CHECK_AT).count == 0
        # A second delivery after the prospect asked to unsubscribe in a reply is a fault.
        con.execute("INSERT INTO send_attempts SELECT * REPLACE ('<later@x>' AS message_id, 2 AS sequence_step, "
                    "claimed_at + INTERVAL 3 DAY AS claimed_at) FROM send_attempts a WHERE state = 'sent' "
                    "AND to_email IN (SELECT email FROM suppression_list WHERE source = 'reply')")
        found = findings.find(con, "suppressed_send", now=CHECK_AT)
    assert (found.count, found.sample) == (1, ["<later@x>"])


def test_parts_and_thresholds(store: Path):
    with duckdb.connect(str(store)) as con:
        con.execute("UPDATE prospects SET email = NULL WHERE id = (SELECT min(id) FROM prospects "
                    "WHERE stage = 'contacted')")
        assert findings.find(con, "missing_required", now=CHECK_AT, part="prospect").count == 1
        assert findings.find(con, "missing_required", now=CHECK_AT, part="email").count == 0
        assert findings.find(con, "missing_required", now=CHECK_AT).detail == \
            "1 record missing what their stage requires"
        # 1 of 7 tried prospects failed enrichment: a 10% bound over 5 prospects flags it.
        strict = Thresholds(max_enrichment_failure_share=0.1, min_enriched_prospects=5)
        assert findings.find(con, "enrichment_failure_share", now=CHECK_AT, thresholds=strict).count == 1
        assert findings.limits("retry_backlog") == {"retry_overdue_hours": 24, "max_retry_backlog": 100}
        with pytest.raises(ValueError, match="no part 'inbox'"):
            findings.find(con, "missing_required", now=CHECK_AT, part="inbox")
        with pytest.raises(ValueError, match="unknown fault kind 'orphans'"):
            findings.find(con, "orphans", now=CHECK_AT)
        with pytest.raises(ValueError, match="has no time zone"):
            findings.find(con, "orphan_email", now=CHECK_AT.replace(tzinfo=None))


def test_integrity_job_reports_through_dagster(store: Path, crm: CRMStore, home):
    """The real Definitions: integrity_job runs every check on the home's CRM and instance."""
    from jengu.instance import open_instance
    from jengu_assets.definitions import defs

    shutil.copy(store, crm.db_path)
    with crm.transaction() as con:
        con.execute("INSERT INTO emails (id, prospect_id, subject, status) VALUES ('e_ghost', 'ghost', 's', 'draft')")
        con.execute("UPDATE prospects SET stage = 'enriching', stage_changed_at = now() - INTERVAL 2 HOUR "
                    f"WHERE id = {A_PROSPECT}")
    instance = open_instance(home)
    try:
        result = defs.resolve_job_def("integrity_job").execute_in_process(
            instance=instance, run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}})
        assert result.success
        evaluations = {(e.asset_key.to_user_string(), e.check_name): e
                       for e in result.get_asset_check_evaluations()}
        latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(
            [dg.AssetCheckKey(dg.AssetKey("composed_emails"), "orphan_email")])
    finally:
        instance.dispose()
    ours = {(asset, kind) for asset, guarded in GUARDS.items() for kind, _ in guarded}
    assert len(ours) == 18 and ours <= set(evaluations)
    failed = {key for key, e in evaluations.items() if not e.passed}
    assert failed == {("composed_emails", "orphan_email"), ("prospects", "stuck_transient")}
    orphan = evaluations[("composed_emails", "orphan_email")]
    assert orphan.severity == dg.AssetCheckSeverity.ERROR
    assert orphan.description == "1 email pointing at no prospect"
    assert orphan.metadata["count"].value == 1 and orphan.metadata["sample"].value == ["e_ghost"]
    stuck = evaluations[("prospects", "stuck_transient")]
    assert stuck.severity == dg.AssetCheckSeverity.WARN
    assert stuck.metadata["threshold"].value == {"stuck_after_minutes": 60}
    bounce = evaluations[("sent_emails", "inbox_bounce_rate")]
    assert bounce.passed and bounce.metadata["count"].value == 0
    assert bounce.metadata["threshold"].value == {"rate_window_sends": 50, "max_bounce_rate": 0.05}
    assert latest[dg.AssetCheckKey(dg.AssetKey("composed_emails"), "orphan_email")].run_id == result.run_id


def test_checks_run_with_their_asset_but_not_every_send_tick():
    from jengu_assets.definitions import defs

    def check_ops(job: str) -> set[str]:
        return {n.name for n in defs.resolve_job_def(job).graph.node_defs if n.name.endswith("_integrity")}

    assert check_ops("send_job") == set()
    assert check_ops("daily_pipeline_job") == {"prospects_integrity", "enriched_contacts_integrity",
                                               "research_reports_integrity", "composed_emails_integrity"}
    assert check_ops("reply_processing_job") == {"replies_integrity"}
    assert check_ops("integrity_job") >= {f"{asset}_integrity" for asset in GUARDS}


def test_integrity_schedule_runs_once_a_day_keyed_by_the_date():
    from jengu_assets.definitions import defs
    from sensors.integrity_schedule import integrity_schedule

    schedule = defs.resolve_schedule_def("integrity_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 3 * * *", "UTC")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    at = datetime(2026, 11, 22, 3, 0, tzinfo=timezone.utc)
    first = integrity_schedule(dg.build_schedule_context(scheduled_execution_time=at))
    again = integrity_schedule(dg.build_schedule_context(scheduled_execution_time=at + timedelta(minutes=1)))
    assert isinstance(first, dg.RunRequest) and first.run_key == again.run_key == "2026-11-22"
