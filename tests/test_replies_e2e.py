"""The whole reply loop with real servers: the sender speaks SMTP to the sandbox's aiosmtpd server,
whose prospects answer into a real Dovecot mailbox; the reply sensor reads it over IMAP and stores it
raw; the `replies` asset (a real in-process materialisation, offline intent rules) acts on it in a
real DuckDB file. Then the sensor runs again, and again as if the daemon had restarted: nothing
changes. In CI a missing Dovecot fails this module (see the `dovecot_server` fixture)."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime, timedelta, timezone

import dagster as dg
import pytest

from jengu_assets.replies.assets import replies
from jengu_assets.sending.pacing import PacingSettings
from jengu_assets.sending.sender import SendSettings, TickClock, run_tick
from jengu_resources.llm import LLM
from sandbox.outbox import queue_emails, warm_inboxes
from sandbox.responders import Responder
from sandbox.smtp_server import SandboxSMTP
from sensors.reply_polling_sensor import reply_polling_sensor

WEDNESDAY = datetime(2026, 11, 18, 10, 0, tzinfo=timezone.utc)
ZONES = (("GB", "London", "Europe/London"),)
# One prospect per way of answering; guest<n>@hotel.example in this order.
SCRIPT = ["interested", "meeting_request", "not_interested", "needs_more_info", "delegated",
          "unsubscribe", "out_of_office", "bounce_hard", "bounce_soft", "complaint", "garbage",
          "silent", "departed"]
PASSWORD_ENV = "JENGU_E2E_INBOX_PASSWORD"


@pytest.fixture
def world(crm, dovecot_server, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "e2e-secret")
    # Dovecot lives for the whole session: each test gets mailboxes of its own.
    domain = f"jengu-e2e-{uuid.uuid4().hex[:8]}.example"
    logins = [f"sender{n}@{domain}" for n in range(2)]
    for login in logins:
        dovecot_server.add_user(login, "e2e-secret")
    kinds = {f"guest{n}@hotel.example": kind for n, kind in enumerate(SCRIPT)}
    responder = Responder(dovecot_server, seed=3, kinds=kinds,
                          languages={a: "en" for a in kinds}, now=WEDNESDAY + timedelta(hours=1))

    def mailbox(message):
        dovecot_server.deliver(message.mail_from, message.raw, "Sent", sender=message.mail_from)
        responder(message)

    with SandboxSMTP(on_accept=mailbox) as smtp:
        with crm.transaction() as con:
            queue_emails(con, len(SCRIPT), zones=ZONES)
            warm_inboxes(con, 2, smtp_host=smtp.host, smtp_ports=[smtp.port], min_gap_seconds=1,
                         domain=domain, imap_host=dovecot_server.host,
                         imap_port=dovecot_server.imap_port, imap_tls_mode="none",
                         password_env=PASSWORD_ENV)
        settings = SendSettings(pacing=PacingSettings(skip_probability=0.0), seed=1)
        asyncio.run(run_tick(crm, clock=TickClock(WEDNESDAY), settings=settings))
        yield smtp, responder


def _poll(instance, cursor=None):
    context = dg.build_sensor_context(instance=instance, cursor=cursor)
    return reply_polling_sensor(context), context.cursor


def _process(crm):
    result = dg.materialize([replies], resources={"crm": crm, "llm": LLM()})
    assert result.success
    return result.asset_materializations_for_node("replies")[0].metadata


def _stage(crm, n: int) -> str:
    return crm.scalar("SELECT stage FROM prospects WHERE id = ?", [f"p{n:06d}"])


def test_replies_end_to_end_and_idempotent(crm, world, home):
    smtp, responder = world
    assert len(smtp.accepted) == len(SCRIPT)
    with dg.DagsterInstance.ephemeral() as instance:
        request, cursor = _poll(instance)
        assert isinstance(request, dg.RunRequest), request
        stored = crm.scalar("SELECT count(*) FROM inbound_messages")
        assert stored == len(responder.sent) == len(SCRIPT) - 1      # the silent one never answers
        metadata = _process(crm)
        assert metadata["processed"].value == stored

        # Stages moved by intent; nothing moved backwards.
        assert _stage(crm, 0) == "replied"
        assert _stage(crm, 1) == "meeting"
        assert _stage(crm, 2) == "lost"
        assert _stage(crm, 3) == "engaged"
        assert _stage(crm, 4) == "engaged"
        assert _stage(crm, 5) == "suppressed"
        assert _stage(crm, 6) == "sent"                             # out of office is not a reply
        assert _stage(crm, 7) == "suppressed"                       # hard bounce after acceptance
        assert _stage(crm, 8) == "sent"                             # soft: the server keeps trying
        assert _stage(crm, 9) == "suppressed"                       # complaint
        assert _stage(crm, 11) == "sent"
        assert _stage(crm, 12) == "suppressed"                      # the contact has left

        suppressed = {r["email"]: r["source"] for r in crm.query("SELECT email, source FROM suppression_list")}
        assert suppressed == {"guest5@hotel.example": "reply", "guest7@hotel.example": "dsn",
                              "guest9@hotel.example": "complaint", "guest12@hotel.example": "reply"}
        hold = crm.scalar("SELECT follow_up_hold_until FROM prospects WHERE id = 'p000006'")
        expected_return = responder.sent[[s.kind for s in responder.sent].index("out_of_office")].expected
        assert hold is not None and hold > WEDNESDAY
        if expected_return.get("return_date"):
            assert hold.date().isoformat() > expected_return["return_date"][:10] or \
                hold.date().isoformat() == expected_return["return_date"][:10]
        assert crm.scalar("SELECT category FROM send_attempts WHERE prospect_id = 'p000007'") == "hard"

        delegated = crm.query("SELECT * FROM prospects WHERE parent_prospect_id = 'p000004'")
        assert len(delegated) == 1 and delegated[0]["stage"] == "new"
        assert delegated[0]["source"] == "delegation"
        # The notice of a contact who left: the successor it names (most do; the wording is
        # seeded by the send's Message-ID) becomes a prospect of its own.
        departed = next(s for s in responder.sent if s.kind == "departed").expected
        successor = crm.query("SELECT contact_name, email, stage FROM prospects "
                              "WHERE parent_prospect_id = 'p000012'")
        assert successor == ([{"contact_name": departed["successor_name"],
                               "email": departed["successor_email"], "stage": "new"}]
                             if departed["successor_email"] else [])

        kinds = {r["kind"] for r in crm.query("SELECT DISTINCT kind FROM inbound_messages")}
        assert {"human_reply", "auto_reply", "bounce", "complaint", "malformed"} <= kinds
        assert crm.scalar("SELECT count(*) FROM inbound_messages WHERE status = 'new'") == 0
        notifications = {r["kind"] for r in crm.query("SELECT kind FROM notifications")}
        assert "reply_interest" in notifications
        scores = [r["score"] for r in crm.query("SELECT score FROM replies")]
        assert scores and all(0 <= s <= 100 for s in scores)

        snapshot = _snapshot(crm)
        # The next tick: nothing new on the server, nothing requested, nothing changed.
        again, cursor = _poll(instance, cursor)
        assert isinstance(again, dg.SkipReason)
        assert _process(crm)["processed"].value == 0
        # A restarted daemon has lost the sensor's cursor: the store's cursor still holds.
        restarted, _ = _poll(instance, None)
        assert isinstance(restarted, dg.SkipReason)
        assert _snapshot(crm) == snapshot
        assert json.loads(cursor)


def test_own_messages_copied_back_are_not_replies(crm, world, dovecot_server):
    smtp, _ = world
    ours = smtp.accepted[0]
    dovecot_server.deliver(ours.mail_from, ours.raw)        # a copy of our own email lands in INBOX
    with dg.DagsterInstance.ephemeral() as instance:
        _poll(instance)
    _process(crm)
    key = ours.message_id
    row = crm.query("SELECT status, kind FROM inbound_messages WHERE message_key = ?", [key])
    assert row == [{"status": "own", "kind": "own"}]
    assert crm.scalar("SELECT count(*) FROM replies WHERE inbound_message_id IN "
                      "(SELECT id FROM inbound_messages WHERE status = 'own')") == 0


def _snapshot(crm) -> dict:
    return {
        "stages": crm.query("SELECT id, stage FROM prospects ORDER BY id"),
        "inbound": crm.scalar("SELECT count(*) FROM inbound_messages"),
        "replies": crm.scalar("SELECT count(*) FROM replies"),
        "suppressed": crm.scalar("SELECT count(*) FROM suppression_list"),
        "notifications": crm.scalar("SELECT count(*) FROM notifications"),
        "transitions": crm.scalar("SELECT count(*) FROM state_transitions"),
        "alerts": crm.scalar("SELECT count(*) FROM alerts"),
    }


def test_a_backlog_is_read_by_worker_processes_with_the_same_result(crm, world):
    """More pending messages than one batch: understanding moves to worker processes; the outcome
    is the same as in-process (same stages as the end-to-end test above)."""
    from jengu_assets.replies.assets import process_pending

    with dg.DagsterInstance.ephemeral() as instance:
        _poll(instance)
    report = process_pending(crm, LLM(), actor="pytest", batch=4)
    assert report.processed == len(SCRIPT) - 1 and not report.failed
    assert [_stage(crm, n) for n in (1, 2, 5, 7)] == ["meeting", "lost", "suppressed", "suppressed"]
    assert crm.scalar("SELECT count(*) FROM inbound_messages WHERE status = 'new'") == 0
