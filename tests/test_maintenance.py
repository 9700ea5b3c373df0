"""Weekly maintenance against a real DuckDB CRM file under a temp JENGU_HOME: which prospects are
archived, which bodies and raw messages are dropped, that a second pass changes nothing, that new
content reuses the file's freed blocks, the Sunday schedule evaluated with Dagster's test context,
and maintenance_job run in-process."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest

from jengu_assets import maintenance
from jengu_assets.maintenance_job import maintenance_job, run_config_from_env
from jengu_resources.crm_store import apply_migrations, available_migrations, insert_rows
from sensors.maintenance_schedule import maintenance_schedule

NOW = datetime.now(UTC).replace(microsecond=0)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def _no_rest(_: float) -> None:
    pass


def add_prospect(con, pid: str, stage: str, **extra) -> None:
    insert_rows(con, "prospects", [{
        "id": pid, "company_name": f"Hotel {pid}", "name_key": f"hotel {pid}", "tier": "warm",
        "source": "csv", "source_ref": pid, "discovered_on": ago(120).date(), "stage": stage,
        "email": f"{pid}@hotel.example", **extra,
    }])


def add_email(con, pid: str, step: int, status: str, *, sent: datetime | None = None,
              created: datetime | None = None, body: str | None = "Hello,\n\nA short note.\n",
              ledger: str | None = None, resolved: datetime | None = None) -> str:
    """One email of ``pid``; ``ledger`` writes its send_ledger row in that state (resolved at
    ``resolved``, or when it was sent)."""
    email_id = f"e_{pid}_{step}"
    message_id = f"<{email_id}@jengu.example>"
    insert_rows(con, "emails", [{
        "id": email_id, "prospect_id": pid, "sequence_step": step,
        "kind": "outreach" if step == 1 else "follow_up", "subject": f"Subject {email_id}",
        "body": body, "to_email": f"{pid}@hotel.example", "status": status,
        "message_id": message_id if sent or ledger else None, "sent_at": sent,
        "created_at": created or (sent - timedelta(hours=1) if sent else ago(1)),
    }])
    if ledger:
        insert_rows(con, "send_ledger", [{
            "prospect_id": pid, "sequence_step": step, "email_id": email_id, "inbox_id": "i1",
            "to_email": f"{pid}@hotel.example", "message_id": message_id, "state": ledger,
            "owner": "test:1:x", "claimed_at": (resolved or sent or ago(1)) - timedelta(minutes=1),
            "resolved_at": resolved or sent,
        }])
    return email_id


def add_thread(con, pid: str, stage: str, sent_days_ago: list[float], **extra) -> None:
    """A prospect whose emails went out ``sent_days_ago`` (step 1 first), each in the ledger."""
    add_prospect(con, pid, stage, **extra)
    for step, days in enumerate(sent_days_ago, start=1):
        add_email(con, pid, step, "sent", sent=ago(days), ledger="sent")


def add_reply(con, pid: str, received: datetime) -> None:
    insert_rows(con, "replies", [{
        "id": f"rp_{pid}", "inbound_message_id": f"in_{pid}", "prospect_id": pid,
        "from_email": f"{pid}@hotel.example", "body": "Thanks, tell me more.",
        "received_at": received, "processed_at": received,
    }])


def add_inbound(con, mid: str, status: str, stored_days_ago: float) -> None:
    raw = f"Message-ID: <{mid}@hotel.example>\r\nSubject: Re: hi\r\n\r\nSee you.\r\n".encode()
    insert_rows(con, "inbound_messages", [{
        "id": mid, "message_key": f"<{mid}@hotel.example>", "raw": raw, "size_bytes": len(raw),
        "stored_at": ago(stored_days_ago), "status": status, "kind": "human_reply",
        "subject": "Re: hi", "from_email": "guest@hotel.example",
    }])


# prospect id -> archived?  (one line of why each)
ARCHIVE_CASES = {
    "silent_contacted": True,    # the whole sequence went out, the break-up 31 days ago
    "silent_sent": True,         # still at sent, first email 35 days ago
    "reply_before_last": True,   # answered once, we wrote again, silent 40 days since
    "held_follow_up": True,      # a held follow-up will not go out by itself
    "ledger_only": True,         # the ledger says delivered 33 days ago (emails.sent_at missing)
    "too_recent": False,         # 29 days: not yet
    "recent_follow_up": False,   # first email 45 days ago, but a follow-up 20 days ago
    "ledger_later": False,       # emails.sent_at is old, the ledger's delivery is recent
    "queued_follow_up": False,   # a step is still queued
    "unknown_send": False,       # a send nobody can vouch for is pending review
    "reply_after": False,        # a reply after the last email (stage not moved yet)
    "on_hold": False,            # out of office: follow-ups wait until the return date
    "engaged": False,            # a conversation is going on
    "replied": False,
    "meeting": False,
    "won": False,
    "lost": False,
    "suppressed": False,
    "queued": False,             # never sent
}


def build_store(con) -> None:
    add_thread(con, "silent_contacted", "contacted", [45, 42, 38, 31])
    add_thread(con, "silent_sent", "sent", [35])
    add_thread(con, "reply_before_last", "contacted", [50, 40])
    add_reply(con, "reply_before_last", ago(45))
    add_thread(con, "held_follow_up", "contacted", [40])
    add_email(con, "held_follow_up", 2, "held", created=ago(37))
    add_prospect(con, "ledger_only", "contacted")
    add_email(con, "ledger_only", 1, "sent", ledger="sent", resolved=ago(33), created=ago(34))
    con.execute("UPDATE emails SET sent_at = NULL WHERE prospect_id = 'ledger_only'")
    add_thread(con, "too_recent", "contacted", [29])
    add_thread(con, "recent_follow_up", "contacted", [45, 20])
    add_prospect(con, "ledger_later", "contacted")
    add_email(con, "ledger_later", 1, "sent", sent=ago(40), ledger="sent", resolved=ago(10))
    add_thread(con, "queued_follow_up", "contacted", [40])
    add_email(con, "queued_follow_up", 2, "queued", created=ago(36))
    add_thread(con, "unknown_send", "contacted", [40])
    add_email(con, "unknown_send", 2, "unknown", ledger="unknown", resolved=None, created=ago(36))
    add_thread(con, "reply_after", "contacted", [40])
    add_reply(con, "reply_after", ago(35))
    add_thread(con, "on_hold", "contacted", [40], follow_up_hold_until=NOW + timedelta(days=3))
    for stage in ("engaged", "replied", "meeting", "won", "lost", "suppressed"):
        add_thread(con, stage, stage, [60, 57])
    add_prospect(con, "queued", "queued")
    add_email(con, "queued", 1, "queued", created=ago(60))


def test_exactly_the_silent_prospects_are_archived_and_a_rerun_changes_nothing(crm):
    with crm.transaction() as con:
        build_store(con)
    before = {r["id"]: r["stage"] for r in crm.query("SELECT id, stage FROM prospects")}

    report = maintenance.archive_silent(crm, NOW, actor="pytest", batch_size=2, rest=_no_rest)

    expected = sorted(pid for pid, archived in ARCHIVE_CASES.items() if archived)
    stages = {r["id"]: r["stage"] for r in crm.query("SELECT id, stage FROM prospects")}
    assert sorted(p for p, s in stages.items() if s == "archived") == expected
    for pid, archived in ARCHIVE_CASES.items():
        if not archived:
            assert stages[pid] == before[pid], pid
    assert report.archived == len(expected)
    assert report.from_stages == {"contacted": len(expected) - 1, "sent": 1}
    assert report.stats.batches == 3  # 5 candidates, 2 per transaction
    assert sorted(report.sample) == expected
    log = crm.query("SELECT prospect_id, from_stage, to_stage, reason, actor FROM state_transitions")
    assert sorted(r["prospect_id"] for r in log) == expected
    assert all(r["to_stage"] == "archived" and r["actor"] == "pytest" and "silent 30 days"
               in r["reason"] for r in log)

    again = maintenance.archive_silent(crm, NOW, actor="pytest", rest=_no_rest)
    assert again.archived == 0
    assert crm.scalar("SELECT count(*) FROM state_transitions") == len(expected)


def test_a_reply_landing_between_the_read_and_the_move_keeps_the_prospect(crm, monkeypatch):
    """Candidates are read first; each batch checks its own again inside the transaction that
    moves them."""
    with crm.transaction() as con:
        add_thread(con, "a", "contacted", [40])
        add_thread(con, "b", "contacted", [40])
    real = maintenance.silent_prospects

    def reply_arrives(con, now, after_days=30, only=None):
        if only is not None:  # the batch's transaction: b's reply is in by now
            add_reply(con, "b", NOW)
        return real(con, now, after_days, only)

    monkeypatch.setattr(maintenance, "silent_prospects", reply_arrives)
    report = maintenance.archive_silent(crm, NOW, actor="pytest", rest=_no_rest)
    assert report.archived == 1
    assert crm.scalar("SELECT stage FROM prospects WHERE id = 'b'") == "contacted"
    assert crm.scalar("SELECT stage FROM prospects WHERE id = 'a'") == "archived"


def test_the_archive_threshold_is_configurable(crm):
    with crm.transaction() as con:
        add_thread(con, "p", "contacted", [20])
    assert maintenance.archive_silent(crm, NOW, actor="t", rest=_no_rest).archived == 0
    assert maintenance.archive_silent(crm, NOW, actor="t", after_days=14, rest=_no_rest).archived == 1


# email id -> body dropped?
BODY_CASES = {
    "e_r_old_1": True,            # sent 100 days ago
    "e_r_fresh_1": False,         # sent 80 days ago
    "e_r_held_1": True,           # held, written 120 days ago
    "e_r_bounced_old_1": True,    # bounced, the ledger's answer 100 days ago
    "e_r_bounced_late_1": False,  # written 120 days ago, but bounced 30 days ago
    "e_r_queued_1": False,        # queued: a send still needs its body, however old
    "e_r_unknown_1": False,       # unknown: may be resolved "not delivered" and sent again
    "e_r_sending_1": False,       # claimed right now
}
# inbound message id -> raw dropped?
RAW_CASES = {
    "in_processed_old": True,   # processed, stored 100 days ago
    "in_unmatched_old": True,   # unmatched is done with too
    "in_own_old": True,
    "in_new_old": False,        # not processed yet
    "in_failed_old": False,     # may be processed again
    "in_processed_fresh": False,  # 10 days
}


def build_retention_store(con) -> None:
    # Stage lost: these prospects stay out of the archive pass.
    for pid in ("r_old", "r_fresh", "r_held", "r_bounced_old", "r_bounced_late", "r_queued",
                "r_unknown", "r_sending"):
        add_prospect(con, pid, "lost")
    add_email(con, "r_old", 1, "sent", sent=ago(100), ledger="sent", body="Grüße aus Jengu\n")
    add_email(con, "r_fresh", 1, "sent", sent=ago(80), ledger="sent")
    add_email(con, "r_held", 1, "held", created=ago(120))
    add_email(con, "r_bounced_old", 1, "bounced", created=ago(120), ledger="failed",
              resolved=ago(100))
    add_email(con, "r_bounced_late", 1, "bounced", created=ago(120), ledger="failed",
              resolved=ago(30))
    add_email(con, "r_queued", 1, "queued", created=ago(200))
    add_email(con, "r_unknown", 1, "unknown", created=ago(200), ledger="unknown", resolved=None)
    add_email(con, "r_sending", 1, "sending", created=ago(200), ledger="claimed", resolved=None)
    for mid, days in (("in_processed_old", 100), ("in_unmatched_old", 100), ("in_own_old", 100),
                      ("in_new_old", 100), ("in_failed_old", 100), ("in_processed_fresh", 10)):
        add_inbound(con, mid, mid.split("_")[1], days)


def test_retention_drops_exactly_the_old_settled_content_and_keeps_the_metadata(crm):
    with crm.transaction() as con:
        build_retention_store(con)
    emails_before = {r["id"]: r for r in crm.query("SELECT * FROM emails")}
    inbound_before = {r["id"]: r for r in crm.query("SELECT * FROM inbound_messages")}

    report = maintenance.apply_retention(crm, NOW, batch_size=2, rest=_no_rest)

    emails = {r["id"]: r for r in crm.query("SELECT * FROM emails")}
    for email_id, dropped in BODY_CASES.items():
        row, old = emails[email_id], emails_before[email_id]
        assert (row["body"] is None) == dropped, email_id
        assert (row["body_dropped_at"] == NOW) == dropped, email_id
        for column in ("subject", "to_email", "status", "message_id", "kind", "sent_at",
                       "sequence_step", "prospect_id"):
            assert row[column] == old[column], (email_id, column)
    assert emails["e_r_old_1"]["body_bytes"] == len("Grüße aus Jengu\n".encode())
    assert emails["e_r_fresh_1"]["body_bytes"] is None

    inbound = {r["id"]: r for r in crm.query("SELECT * FROM inbound_messages")}
    for mid, dropped in RAW_CASES.items():
        row, old = inbound[mid], inbound_before[mid]
        assert (row["raw"] is None) == dropped, mid
        assert (row["raw_dropped_at"] is not None) == dropped, mid
        for column in ("message_key", "size_bytes", "status", "kind", "subject", "from_email",
                       "stored_at"):
            assert row[column] == old[column], (mid, column)

    dropped_bodies = [e for e, d in BODY_CASES.items() if d]
    assert report.bodies.rows == len(dropped_bodies)
    assert report.bodies.bytes == sum(emails[e]["body_bytes"] for e in dropped_bodies)
    assert report.bodies.batches == 2
    assert report.raw_messages.rows == sum(RAW_CASES.values())
    assert report.raw_messages.bytes == sum(inbound[m]["size_bytes"] for m, d in RAW_CASES.items() if d)

    again = maintenance.apply_retention(crm, NOW, rest=_no_rest)
    assert (again.bodies.rows, again.raw_messages.rows) == (0, 0)
    assert crm.query("SELECT * FROM emails ORDER BY id") == sorted(emails.values(), key=lambda r: r["id"])


def test_the_retention_period_is_configurable(crm):
    with crm.transaction() as con:
        build_retention_store(con)
    report = maintenance.apply_retention(crm, NOW, retention_days=5, rest=_no_rest)
    assert report.bodies.rows == 5   # old, fresh, held and both bounced ones
    assert report.raw_messages.rows == 4


def test_the_migration_upgrades_a_store_holding_raw_messages(tmp_path):
    import duckdb

    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
                " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
    for version, name, sql in available_migrations():
        if version < 9:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name])
    add_inbound(con, "in_1", "processed", 100)
    assert 9 in apply_migrations(con)
    assert con.execute("SELECT raw IS NOT NULL, raw_dropped_at FROM inbound_messages").fetchall() == [
        (True, None)]
    con.execute("UPDATE inbound_messages SET raw = NULL")
    con.close()


def add_content(con, tag: str, stored_days_ago: float, n: int = 1000, size: int = 4096) -> None:
    """``n`` sent emails and ``n`` processed raw messages of ``size`` random bytes each, which no
    compression shrinks: the file's blocks measure them."""
    at = ago(stored_days_ago)
    insert_rows(con, "emails", [{
        "id": f"e_{tag}_{i}", "prospect_id": f"p_{tag}_{i}", "subject": "Hello",
        "body": os.urandom(size // 2).hex(), "status": "sent", "sent_at": at, "created_at": at,
    } for i in range(n)])
    insert_rows(con, "inbound_messages", [{
        "id": f"in_{tag}_{i}", "message_key": f"<{tag}.{i}@hotel.example>", "raw": os.urandom(size),
        "size_bytes": size, "stored_at": at, "status": "processed",
    } for i in range(n)])


def test_retention_frees_blocks_that_new_content_reuses(crm):
    with crm.transaction() as con:
        add_content(con, "old", 200)
    with crm.transaction() as con:
        add_content(con, "fresh", 1)  # kept, and written behind the old content
    full = maintenance.checkpoint(crm)

    report = maintenance.apply_retention(crm, NOW, rest=_no_rest)
    assert (report.bodies.rows, report.raw_messages.rows) == (1000, 1000)
    assert report.space.file_bytes >= report.space.used_bytes > 0
    assert full.used_bytes - report.space.used_bytes >= report.raw_messages.bytes

    with crm.transaction() as con:
        add_content(con, "new", 0)
    # As much content again fits in the freed blocks: the file is no larger than before.
    assert maintenance.checkpoint(crm).file_bytes <= full.file_bytes


# -- the schedule and the job -----------------------------------------------------------------

def test_the_sunday_tick_requests_one_run_keyed_by_the_date(monkeypatch):
    monkeypatch.delenv("JENGU_ARCHIVE_AFTER_DAYS", raising=False)
    monkeypatch.delenv("JENGU_RETENTION_DAYS", raising=False)
    sunday = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)
    request = maintenance_schedule(dg.build_schedule_context(scheduled_execution_time=sunday))
    assert isinstance(request, dg.RunRequest)
    assert request.run_key == "2026-11-22"
    assert request.run_config == {}
    # A repeated evaluation of the same tick is the same run key: Dagster launches one run.
    assert maintenance_schedule(
        dg.build_schedule_context(scheduled_execution_time=sunday)).run_key == request.run_key


def test_another_day_is_skipped_with_the_reason():
    monday = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    result = maintenance_schedule(dg.build_schedule_context(scheduled_execution_time=monday))
    assert isinstance(result, dg.SkipReason)
    assert "Sundays only" in result.skip_message


def test_the_schedule_fires_on_sundays_at_seven_utc_and_starts_running():
    assert maintenance_schedule.cron_schedule == "0 7 * * 0"   # minute hour * * Sunday
    assert maintenance_schedule.execution_timezone == "UTC"
    assert maintenance_schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert maintenance_schedule.job_name == "maintenance_job"


def test_thresholds_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("JENGU_ARCHIVE_AFTER_DAYS", "45")
    monkeypatch.setenv("JENGU_RETENTION_DAYS", "180")
    sunday = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)
    request = maintenance_schedule(dg.build_schedule_context(scheduled_execution_time=sunday))
    assert request.run_config == {"ops": {
        "archive_silent_prospects": {"config": {"archive_after_days": 45}},
        "apply_retention": {"config": {"retention_days": 180}},
    }}
    assert dg.validate_run_config(maintenance_job, request.run_config)
    with pytest.raises(ValueError, match="JENGU_RETENTION_DAYS='ninety'"):
        run_config_from_env({"JENGU_RETENTION_DAYS": "ninety"})


def _output_metadata(result, node: str) -> dict:
    event = next(e for e in result.events_for_node(node) if e.is_successful_output)
    return {k: v.value for k, v in event.step_output_data.metadata.items()}


def test_the_job_runs_in_process_and_says_what_it_did(crm):
    with crm.transaction() as con:
        build_store(con)
        build_retention_store(con)
    result = maintenance_job.execute_in_process(resources={"crm": crm})
    assert result.success

    archive = _output_metadata(result, "archive_silent_prospects")
    assert archive["archived"] == sum(ARCHIVE_CASES.values())
    assert archive["archived_from"] == {"contacted": 4, "sent": 1}
    assert archive["archive_longest_lock_seconds"] < 5
    retention = _output_metadata(result, "apply_retention")
    assert retention["bodies_dropped"] == sum(BODY_CASES.values())
    assert retention["raw_messages_dropped"] == sum(RAW_CASES.values())
    assert retention["raw_bytes_dropped"] > 0
    assert retention["crm_file_bytes"] >= retention["crm_used_bytes"] > 0

    actor = crm.scalar("SELECT DISTINCT actor FROM state_transitions WHERE to_stage = 'archived'")
    assert actor == f"run:{result.run_id}"

    again = maintenance_job.execute_in_process(resources={"crm": crm})
    assert _output_metadata(again, "archive_silent_prospects")["archived"] == 0
    assert _output_metadata(again, "apply_retention")["bodies_dropped"] == 0
    assert _output_metadata(again, "apply_retention")["raw_messages_dropped"] == 0


def test_the_code_location_carries_the_job_and_its_schedule():
    from jengu_assets.definitions import defs

    assert defs.resolve_job_def("maintenance_job").executor_def.name == "in_process"
    assert defs.resolve_schedule_def("maintenance_schedule").job_name == "maintenance_job"
