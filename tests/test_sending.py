"""Send ticks end to end: a real DuckDB file, the real aiosmtplib client and the sandbox's aiosmtpd
server on loopback, whose own record of accepted messages is the truth the tests count."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from datetime import datetime, timedelta, timezone

import dagster as dg
import pytest

from jengu_assets.sending import ledger
from jengu_assets.sending.pacing import PacingSettings
from jengu_assets.sending.sender import SendSettings, TickClock, run_tick
from jengu_resources.smtp import SmtpSession
from sandbox.outbox import queue_emails, warm_inboxes
from sandbox.smtp_server import Rule, SandboxSMTP

# Wednesday 2026-11-18 10:00 UTC: business hours in Berlin, London, Lisbon and Athens, not New York.
WEDNESDAY = datetime(2026, 11, 18, 10, 0, tzinfo=timezone.utc)
EUROPE = (("DE", "Berlin", "Europe/Berlin"), ("GB", "London", "Europe/London"))
FAST = SendSettings(pacing=PacingSettings(skip_probability=0.0), seed=1)


@pytest.fixture
def smtp(tmp_path):
    with SandboxSMTP(record_path=tmp_path / "accepted.jsonl") as server:
        yield server


@pytest.fixture(autouse=True)
def _allow_germany(monkeypatch):
    # The outbox's rows skip composition, where Germany is held; here it only supplies a zone.
    monkeypatch.setenv("JENGU_HELD_COUNTRIES", "DE=allow")


def _tick(crm, at: datetime, settings: SendSettings = FAST, **kw):
    return asyncio.run(run_tick(crm, clock=TickClock(at), settings=settings, **kw))


def _setup(crm, smtp, emails: int, inboxes: int, gap: int = 60, tags=None, **inbox_settings):
    with crm.transaction() as con:
        queue_emails(con, emails, zones=EUROPE, tags=tags)
        warm_inboxes(con, inboxes, smtp_host=smtp.host, smtp_ports=[smtp.port], min_gap_seconds=gap,
                     **inbox_settings)


def test_a_tick_sends_once_and_records_everything(crm, smtp):
    _setup(crm, smtp, emails=30, inboxes=3)
    report = _tick(crm, WEDNESDAY)
    accepted = smtp.accepted
    assert report.sent == len(accepted) > 0
    assert report.sent <= 3 * 5                 # 5-minute tick, 60 s gap: at most 5 per inbox
    rows = crm.query("SELECT * FROM send_ledger")
    assert {r["message_id"] for r in rows if r["state"] == "sent"} == {m.message_id for m in accepted}
    assert crm.scalar("SELECT count(*) FROM emails WHERE status = 'sent'") == report.sent
    assert crm.scalar("SELECT count(*) FROM prospects WHERE stage = 'sent'") == report.sent
    assert crm.scalar("SELECT count(*) FROM state_transitions WHERE to_stage = 'sending'") == report.sent
    message = accepted[0]
    assert message.list_unsubscribe and "mailto:" in message.list_unsubscribe
    # One connection per inbox per run, however many it sent.
    assert smtp.connections == len({m.mail_from for m in accepted})

    # The same tick again (a repeated schedule tick, say): nothing sent twice, gaps held.
    _tick(crm, WEDNESDAY)
    again = smtp.accepted
    assert len({m.message_id for m in again}) == len(again)
    assert len({m.rcpt_tos for m in again}) == len(again)
    by_inbox: dict[str, list[datetime]] = {}
    for row in crm.query("SELECT inbox_id, claimed_at FROM send_attempts ORDER BY claimed_at"):
        by_inbox.setdefault(row["inbox_id"], []).append(row["claimed_at"])
    for times in by_inbox.values():
        assert all(b - a >= timedelta(seconds=60) for a, b in zip(times, times[1:]))


def test_daily_cap_and_warmup_come_from_the_ledger(crm, smtp):
    _setup(crm, smtp, emails=40, inboxes=1, gap=1, daily_cap=20,
           warmup_start=(WEDNESDAY - timedelta(days=3)).date())        # week 1 of warm-up: 5 a day
    for minutes in range(0, 60, 5):
        _tick(crm, WEDNESDAY + timedelta(minutes=minutes))
    assert len(smtp.accepted) == 5
    _tick(crm, WEDNESDAY + timedelta(days=1))                         # a new day, a new quota
    assert len(smtp.accepted) == 10


def test_bounces_suppress_retry_and_back_off(crm, smtp):
    tags = {0: "+hard", 2: "+policy", 3: "+busy"}
    _setup(crm, smtp, emails=4, inboxes=4, gap=60, tags=tags)
    smtp.set_rule("guest1@hotel.example", Rule("rcpt", "reply", 451, "4.2.0 mailbox busy, try later"))
    report = _tick(crm, WEDNESDAY)
    assert report.outcomes == Counter({"hard": 1, "soft": 1, "policy": 1, "inbox": 1})
    rows = {r["to_email"].split("@")[0]: r for r in crm.query("SELECT * FROM send_ledger")}

    hard = rows["guest0+hard"]
    assert (hard["state"], hard["category"], hard["enhanced_status"]) == ("failed", "hard", "5.1.1")
    assert crm.scalar("SELECT stage FROM prospects WHERE id = 'p000000'") == "suppressed"
    assert crm.scalar("SELECT count(*) FROM suppression_list WHERE email = 'guest0+hard@hotel.example'") == 1

    soft = rows["guest1"]
    assert soft["state"] == "failed" and soft["category"] == "soft"
    assert soft["retry_at"] - soft["claimed_at"] == timedelta(hours=24)
    assert crm.scalar("SELECT status FROM emails WHERE prospect_id = 'p000001'") == "queued"

    policy_inbox = rows["guest2+policy"]["inbox_id"]
    assert crm.scalar("SELECT health_score FROM inboxes WHERE id = ?", [policy_inbox]) < 100
    assert crm.scalar("SELECT count(*) FROM alerts WHERE alert_type = 'sender_policy'") == 1
    alert = crm.scalar("SELECT message FROM alerts WHERE alert_type = 'sender_policy'")
    assert "guest2" not in alert                 # personal data masked in alerts

    busy_inbox = rows["guest3+busy"]["inbox_id"]
    assert crm.scalar("SELECT backoff_until FROM inboxes WHERE id = ?", [busy_inbox]) > WEDNESDAY

    # The soft bounce is retried once its day has passed: same ledger row, new Message-ID.
    smtp.set_rule("guest1@hotel.example", None)
    first_id = soft["message_id"]
    _tick(crm, WEDNESDAY + timedelta(hours=25))
    retried = crm.query("SELECT * FROM send_ledger WHERE prospect_id = 'p000001'")[0]
    assert retried["state"] == "sent" and retried["attempts"] == 2 and retried["message_id"] != first_id
    assert crm.scalar("SELECT count(*) FROM send_attempts WHERE prospect_id = 'p000001'") == 2
    assert "guest0+hard@hotel.example" not in {r for m in smtp.accepted for r in m.rcpt_tos}


def test_fourth_soft_bounce_counts_as_hard(crm, smtp):
    _setup(crm, smtp, emails=1, inboxes=1, tags={0: "+soft"})
    at = WEDNESDAY
    for _ in range(4):
        _tick(crm, at)
        at += timedelta(days=4)
        while at.weekday() >= 5:
            at += timedelta(days=1)
    row = crm.query("SELECT * FROM send_ledger")[0]
    assert (row["state"], row["retry_at"], row["attempts"]) == ("failed", None, 4)
    assert crm.scalar("SELECT status FROM emails") == "bounced"


def test_a_dropped_connection_after_data_is_unknown_and_never_resent(crm, smtp):
    _setup(crm, smtp, emails=1, inboxes=1, tags={0: "+drop"})
    report = _tick(crm, WEDNESDAY)
    assert report.outcomes == Counter({"unknown": 1})
    assert len(smtp.accepted) == 1                       # the server did take it
    for hours in (1, 25, 49):
        _tick(crm, WEDNESDAY + timedelta(hours=hours))
    assert len(smtp.accepted) == 1                       # ... and it never went again
    with crm.connect() as con:
        unknown = ledger.unknown_sends(con)
    assert [u["message_id"] for u in unknown] == [smtp.accepted[0].message_id]


def test_orphaned_claims_become_unknown(crm):
    with crm.transaction() as con:
        queue_emails(con, 2, zones=EUROPE)
        con.execute(
            "INSERT INTO send_ledger (prospect_id, sequence_step, email_id, inbox_id, to_email, "
            "message_id, state, owner, claimed_at) VALUES "
            "('p000000', 1, 'e000000-1', 'i', 'guest0@hotel.example', '<a@x>', 'claimed', ?, ?), "
            "('p000001', 1, 'e000001-1', 'i', 'guest1@hotel.example', '<b@x>', 'claimed', 'elsewhere:1:x', ?)",
            [f"{os.uname().nodename}:999999999:dead", WEDNESDAY, WEDNESDAY])
        expired = ledger.expire_orphans(con, WEDNESDAY + timedelta(minutes=1), "me:1:x")
    assert expired == ["<a@x>"]                          # a dead process of this host
    with crm.transaction() as con:
        expired = ledger.expire_orphans(con, WEDNESDAY + timedelta(hours=1), "me:1:x")
    assert expired == ["<b@x>"]                          # another host's claim, past the lease


def test_emergency_stop_blocks_every_send(crm, smtp):
    _setup(crm, smtp, emails=20, inboxes=2)
    with crm.transaction() as con:
        ledger.set_emergency_stop(con, True, reason="test", by="pytest")
    report = _tick(crm, WEDNESDAY)
    assert report.emergency_stop and report.sent == 0 and not smtp.accepted

    with crm.transaction() as con:
        ledger.set_emergency_stop(con, False, reason=None, by="pytest")

    class StopAfterFirst(SmtpSession):
        async def send(self, email):
            outcome = await super().send(email)
            with crm.transaction() as con:
                ledger.set_emergency_stop(con, True, reason="pulled mid-run", by="pytest")
            return outcome

    report = _tick(crm, WEDNESDAY, session_factory=StopAfterFirst)
    # Each inbox may finish the message in flight; nothing is claimed after the switch.
    assert 1 <= len(smtp.accepted) <= 2
    assert report.refused[ledger.REFUSED_EMERGENCY] >= 1
    assert crm.scalar("SELECT count(*) FROM send_ledger") == len(smtp.accepted)


def test_an_inbox_pauses_itself_above_five_percent_bounces(crm, smtp):
    _setup(crm, smtp, emails=1, inboxes=1, tags={0: "+hard"})
    inbox_id = crm.scalar("SELECT id FROM inboxes")
    with crm.transaction() as con:    # 49 earlier sends, 2 of them bounced
        con.execute(
            "INSERT INTO send_attempts (message_id, prospect_id, sequence_step, attempt, inbox_id, "
            "to_email, claimed_at, state, category) SELECT '<old' || i || '@x>', 'old' || i, 1, 1, ?, "
            "'old' || i || '@x', ? - INTERVAL 2 DAY + i * INTERVAL 1 MINUTE, "
            "CASE WHEN i < 2 THEN 'failed' ELSE 'sent' END, CASE WHEN i < 2 THEN 'hard' ELSE 'delivered' END "
            "FROM range(49) t(i)", [inbox_id, WEDNESDAY])
    report = _tick(crm, WEDNESDAY)
    assert report.paused and "bounce rate 6.0%" in report.paused[inbox_id]
    row = crm.query("SELECT paused, pause_reason FROM inboxes")[0]
    assert row["paused"] and "last 50 sends" in row["pause_reason"]
    assert crm.scalar("SELECT count(*) FROM alerts WHERE alert_type = 'inbox_paused'") == 1


def test_suppressed_and_unverified_recipients_are_never_sent(crm, smtp):
    _setup(crm, smtp, emails=3, inboxes=1, gap=1)
    with crm.transaction() as con:
        con.execute("INSERT INTO suppression_list (email, reason) VALUES ('guest0@hotel.example', 'unsubscribed')")
        con.execute("UPDATE prospects SET email_kind = 'generic' WHERE id = 'p000001'")
    report = _tick(crm, WEDNESDAY)
    assert [m.rcpt_tos for m in smtp.accepted] == [("guest2@hotel.example",)]
    assert report.not_due["recipient is suppressed"] == 1
    assert report.not_due["recipient is not a personal, verified address"] == 1


def test_send_asset_and_schedule(crm, smtp, home):
    from jengu_assets.sending.assets import sent_emails
    from sensors.schedules import send_schedule

    _setup(crm, smtp, emails=2, inboxes=1)
    result = dg.materialize([sent_emails], resources={"crm": crm})
    assert result.success
    metadata = result.asset_materializations_for_node("sent_emails")[0].metadata
    assert {"sent", "planned", "due", "emergency_stop", "not_due", "skipped", "inboxes"} <= set(metadata)

    context = dg.build_schedule_context(scheduled_execution_time=WEDNESDAY)
    request = send_schedule(context)
    assert isinstance(request, dg.RunRequest) and request.run_key == "2026-11-18T10:00"
    with crm.transaction() as con:
        ledger.set_emergency_stop(con, True, reason="audit", by="pytest")
    skipped = send_schedule(context)
    assert isinstance(skipped, dg.SkipReason) and "emergency stop is on" in skipped.skip_message


def test_unknown_sends_are_reconciled_from_the_sent_folder(crm, tmp_path, dovecot_server, monkeypatch):
    """Dovecot plays the inbox's mailbox: the SMTP server files a copy of each accepted message in
    the sender's Sent folder (as Gmail does), and the next tick looks there for unknown sends."""
    login, password = "sender0@jengu-mail.example", "reconcile-pw"
    dovecot_server.add_user(login, password)
    monkeypatch.setenv("JENGU_TEST_INBOX_PASSWORD", password)

    def file_in_sent(message):
        if message.mail_from == login:
            dovecot_server.deliver(login, message.raw, "Sent")

    with SandboxSMTP(on_accept=file_in_sent) as smtp:
        with crm.transaction() as con:
            queue_emails(con, 2, zones=EUROPE, tags={0: "+drop"})
            warm_inboxes(con, 1, smtp_host=smtp.host, smtp_ports=[smtp.port], min_gap_seconds=1,
                         imap_host=dovecot_server.host, imap_port=dovecot_server.imap_port,
                         imap_tls_mode="none", password_env="JENGU_TEST_INBOX_PASSWORD")
            # A claim whose process died before it spoke SMTP: never delivered, so not in Sent.
            con.execute("UPDATE emails SET status = 'unknown' WHERE prospect_id = 'p000001'")
            con.execute(
                "INSERT INTO send_ledger (prospect_id, sequence_step, email_id, inbox_id, to_email, "
                "message_id, state, owner, claimed_at, category) VALUES ('p000001', 1, 'e000001-1', ?, "
                "'guest1@hotel.example', '<lost@jengu-mail.example>', 'unknown', 'gone:1:x', ?, 'unknown')",
                [login, WEDNESDAY - timedelta(hours=1)])
            con.execute("UPDATE emails SET message_id = '<lost@jengu-mail.example>' WHERE id = 'e000001-1'")
        first = _tick(crm, WEDNESDAY)
        assert first.outcomes["unknown"] == 1                     # the dropped connection
        assert first.reconciled["failed"] == 1                    # the lost claim: absent from Sent
        assert first.outcomes["delivered"] == 1                   # ... so it went out, once
        second = _tick(crm, WEDNESDAY + timedelta(minutes=20))
        assert second.reconciled["sent"] == 1                     # the dropped one was in Sent
        accepted = [m.rcpt_tos[0] for m in smtp.accepted]
    assert sorted(accepted) == ["guest0+drop@hotel.example", "guest1@hotel.example"]
    states = {r["prospect_id"]: r["state"] for r in crm.query("SELECT * FROM send_ledger")}
    assert states == {"p000000": "sent", "p000001": "sent"}
    assert crm.scalar("SELECT count(*) FROM prospects WHERE stage = 'sent'") == 2
