"""Notifications end to end: a real DuckDB CRM file, the loopback webhook receiver
(sandbox/webhook_server.py) and the sandbox SMTP server with AUTH, driven through
``deliver_pending`` and the ``notification_sensor`` as the daemon would call it."""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy

import dagster as dg
import pytest

from jengu_assets.notifications import (
    MAX_ATTEMPTS,
    NO_CHANNEL,
    NOTHING_PENDING,
    claim,
    deliver_pending,
    enqueue,
    next_delay,
)
from jengu_resources.crm_store import CRMStore
from jengu_resources.notify import Notifier, message_id_for, render
from sandbox.smtp_server import SandboxSMTP
from sandbox.webhook_server import WebhookServer
from sensors.notification_sensor import notification_sensor
from tests.channels import (
    PROSPECT_EMAIL,
    SMTP_USER,
    WEBHOOK_PATH,
    assert_no_secret,
    make_notifier,
)
from tests.crm_lock import crm_held_elsewhere

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)

REPLY = {
    "company": "Hotel Adler",
    "contact_name": "Anna Schmidt",
    "from_email": PROSPECT_EMAIL,
    "intent": "interested",
    "confidence": 0.92,
    "subject": "Re: Ihre Rezeption",
    "reply_text": f"Klingt gut! Schreiben Sie an {PROSPECT_EMAIL}, dann rufe ich an. "
                  + "Mehr " * 100,
}


def queue(crm: CRMStore, key: str, kind: str = "reply_interest", payload: dict | None = None,
          prospect_id: str | None = "p_adler") -> bool:
    with crm.transaction() as con:
        return enqueue(con, kind=kind, dedup_key=key, prospect_id=prospect_id,
                       payload=REPLY if payload is None else payload)


def row(crm: CRMStore, key: str) -> dict:
    found = crm.query("SELECT * FROM notifications WHERE dedup_key = ?", [key])
    assert len(found) == 1
    result = found[0]
    result["channels"] = json.loads(result["channels"]) if result["channels"] else {}
    return result


# -- enqueue and render ----------------------------------------------------------------------------


def test_enqueue_is_once_per_dedup_key(crm):
    assert queue(crm, "reply_interest:rp_1") is True
    # The same reply processed again (a re-run, a second poll) must not notify twice.
    assert queue(crm, "reply_interest:rp_1") is False
    assert queue(crm, "reply_review:in_2", kind="reply_review", prospect_id=None) is True
    stored = row(crm, "reply_interest:rp_1")
    assert (stored["status"], stored["attempts"], stored["channels"]) == ("pending", 0, {})
    assert json.loads(stored["payload"])["company"] == "Hotel Adler"
    assert crm.scalar("SELECT count(*) FROM notifications") == 2


def test_enqueue_rolls_back_with_the_callers_transaction(crm):
    with pytest.raises(RuntimeError), crm.transaction() as con:
        enqueue(con, kind="reply_interest", dedup_key="k", prospect_id=None, payload={})
        raise RuntimeError("the event's own write failed")
    assert crm.scalar("SELECT count(*) FROM notifications") == 0


@pytest.mark.parametrize(
    ("kind", "payload", "title_has", "text_has"),
    [
        # The common case: who, where, how sure, and what they wrote.
        ("reply_interest", REPLY, "Interested reply from Hotel Adler", "confidence 0.92"),
        # A meeting request is the most urgent kind of interest: say so in the title.
        ("reply_interest", {**REPLY, "intent": "meeting_request"}, "Meeting request", "meeting"),
        # A low-confidence reading asks for a person's check, with the reading shown.
        ("reply_uncertain", {**REPLY, "intent": "not_interested", "confidence": 0.41},
         "Reply to check: Hotel Adler", "not interested, confidence 0.41"),
        # An unmatched reply has no company; the (masked) sender names it.
        ("reply_review", {"from_email": PROSPECT_EMAIL, "reply_text": "Hallo?"},
         "Unmatched reply from an***@hotel-adler.de", "matches no prospect"),
        # The payload reply processing writes for one: how to place it, with the reading.
        ("reply_review", {"from": PROSPECT_EMAIL, "quote": "Ja, gerne!", "inbound_id": "in_9",
                          "intent": "interested", "confidence": 0.8},
         "Unmatched reply", "(interested, confidence 0.80). Place it with "
         "`jengu inbound assign in_9 PROSPECT_ID`"),
        # The payload reply processing writes (jengu_assets/replies/actions.py).
        ("reply_uncertain", {"company": "Hotel Adler", "contact": "Anna Schmidt",
                             "intent": "needs_more_info", "confidence": 0.55,
                             "quote": "Was kostet das?", "from": PROSPECT_EMAIL},
         "Reply to check: Hotel Adler", "Anna Schmidt at Hotel Adler replied, but the reading "
         "is unsure (needs more info, confidence 0.55)"),
        # Operational alerts later reuse the channel with their own kinds.
        ("smtp_inbox_paused", {"reason": "3 bounces in a row"}, "Smtp inbox paused",
         "3 bounces"),
    ],
)
def test_render(kind, payload, title_has, text_has):
    title, text, fields = render(kind, payload)
    assert title_has in title
    assert text_has in text
    assert PROSPECT_EMAIL not in title + text + json.dumps(fields)


def test_render_quotes_at_most_300_characters_and_masks_addresses():
    _, text, fields = render("reply_interest", {**REPLY, "prospect_id": "p_adler"})
    quote = text.split("\n\n> ", 1)[1]
    assert len(quote) <= 301 and quote.endswith("…")
    assert "an***@hotel-adler.de" in quote and PROSPECT_EMAIL not in quote
    assert fields == {
        "Company": "Hotel Adler", "Contact": "Anna Schmidt", "From": "an***@hotel-adler.de",
        "Intent": "interested", "Confidence": "0.92", "Subject": "Re: Ihre Rezeption",
        "Prospect": "p_adler",
    }


def test_backoff_doubles_from_a_minute_up_to_an_hour():
    assert [next_delay(n).total_seconds() / 60 for n in range(1, 9)] == [
        1, 2, 4, 8, 16, 32, 60, 60]


# -- webhook ---------------------------------------------------------------------------------------


def test_webhook_formats(crm, webhook):
    queue(crm, "reply_interest:rp_1")
    queue(crm, "reply_interest:rp_2", payload={**REPLY, "company": "Hotel <!channel> Post"})
    queue(crm, "reply_interest:rp_3")
    # One format per delivery: configure, deliver the due rows, inspect what arrived.
    report = deliver_pending(crm, make_notifier(webhook, webhook_format="slack"), now=NOW,
                             limit=2)
    assert (report.delivered, report.retried, report.failed) == (2, 0, 0)
    report = deliver_pending(crm, make_notifier(webhook, webhook_format="discord"), now=NOW)
    assert report.delivered == 1
    queue(crm, "reply_review:in_4", kind="reply_review", prospect_id=None,
          payload={"from_email": PROSPECT_EMAIL, "reply_text": "Wer sind Sie?"})
    report = deliver_pending(crm, make_notifier(webhook, webhook_format="generic"), now=NOW)
    assert report.delivered == 1

    slack, slack_mention, discord, generic = webhook.delivered()
    assert [r.path for r in webhook.requests] == [WEBHOOK_PATH] * 4
    assert webhook.keys() == ["reply_interest:rp_1", "reply_interest:rp_2",
                              "reply_interest:rp_3", "reply_review:in_4"]

    assert set(slack.body) == {"text", "blocks"}
    assert slack.body["text"] == "Interested reply from Hotel Adler"
    assert [b["type"] for b in slack.body["blocks"]] == ["header", "section", "section"]
    assert slack.body["blocks"][1]["text"]["text"].count("\n> ") == 1  # the quote stays a quote
    assert {"type": "mrkdwn", "text": "*Confidence*\n0.92"} in slack.body["blocks"][2]["fields"]
    # A prospect's text never becomes a Slack mention: escaped wherever Slack reads markup
    # (plain_text, as in the header, is shown as it is).
    header, *markup = slack_mention.body["blocks"]
    assert header["text"]["text"] == "Interested reply from Hotel <!channel> Post"
    assert "<!channel>" not in json.dumps([slack_mention.body["text"], markup])
    assert "&lt;!channel&gt;" in slack_mention.body["text"]

    assert set(discord.body) == {"content", "embeds", "allowed_mentions"}
    embed = discord.body["embeds"][0]
    assert embed["title"] == "Interested reply from Hotel Adler"
    assert {"name": "Contact", "value": "Anna Schmidt", "inline": True} in embed["fields"]
    assert discord.body["allowed_mentions"] == {"parse": []}

    assert generic.body == {
        "kind": "reply_review",
        "title": "Unmatched reply from an***@hotel-adler.de",
        "text": generic.body["text"],
        "fields": {"From": "an***@hotel-adler.de"},
        "idempotency_key": "reply_review:in_4",
    }
    for request in webhook.requests:
        assert PROSPECT_EMAIL not in json.dumps(request.body)
    assert row(crm, "reply_interest:rp_1")["status"] == "delivered"
    assert set(row(crm, "reply_interest:rp_1")["channels"]) == {"webhook"}


def test_retry_after_is_honoured(crm, webhook):
    queue(crm, "k1")
    webhook.fail_next(1, status=429, retry_after=1)
    report = deliver_pending(crm, make_notifier(webhook), now=NOW)
    assert report.delivered == 1
    first, second = webhook.requests
    assert first.status == 429 and second.status == 200
    assert second.at - first.at >= 0.95
    assert first.idempotency_key == second.idempotency_key == "k1"


def test_a_long_retry_after_defers_the_notification_instead_of_waiting(crm, webhook):
    queue(crm, "k1")
    webhook.fail_next(1, status=503, retry_after=600)
    started = time.monotonic()
    report = deliver_pending(crm, make_notifier(webhook), now=NOW)
    assert time.monotonic() - started < 2
    assert (report.delivered, report.retried) == (0, 1)
    stored = row(crm, "k1")
    assert stored["next_attempt_at"] == NOW + timedelta(seconds=600)
    assert "asked to retry after 600 s" in stored["last_error"]
    assert len(webhook.requests) == 1


def test_a_timeout_is_retried_with_the_same_idempotency_key(crm, webhook):
    queue(crm, "k1")
    webhook.fail_next(1, status="timeout")
    report = deliver_pending(crm, make_notifier(webhook, timeout_seconds=0.3), now=NOW)
    assert report.delivered == 1
    # The receiver saw both; the key lets it fold them into one message.
    assert [r.outcome for r in webhook.requests] == ["timeout", "ok"]
    assert {r.idempotency_key for r in webhook.requests} == {"k1"}


def test_eight_failed_attempts_mark_the_notification_failed(crm, webhook):
    queue(crm, "k1")
    webhook.fail_next(100, status=500)
    n = make_notifier(webhook, max_attempts=1)
    now = NOW
    for attempt in range(1, MAX_ATTEMPTS + 1):
        report = deliver_pending(crm, n, now=now)
        stored = row(crm, "k1")
        assert stored["attempts"] == attempt
        assert "webhook: HTTP 500" in stored["last_error"]
        if attempt < MAX_ATTEMPTS:
            assert (report.retried, stored["status"]) == (1, "pending")
            assert stored["next_attempt_at"] == now + next_delay(attempt)
            # Not due before its time.
            early = deliver_pending(crm, n, now=now + timedelta(seconds=30))
            assert early.skipped == NOTHING_PENDING
            now = stored["next_attempt_at"]
    assert (report.failed, stored["status"], stored["next_attempt_at"]) == (1, "failed", None)
    assert len(webhook.requests) == MAX_ATTEMPTS
    assert deliver_pending(crm, n, now=now + timedelta(days=1)).skipped == NOTHING_PENDING


def test_a_dead_endpoint_costs_two_notifications_per_batch_not_every_one(crm, webhook):
    for i in range(5):
        queue(crm, f"k{i}")
    webhook.fail_next(100, status=500)
    report = deliver_pending(crm, make_notifier(webhook, max_attempts=1), now=NOW)
    assert report.retried == 5 and len(webhook.requests) == 2
    attempts = [row(crm, f"k{i}")["attempts"] for i in range(5)]
    # The three not tried keep their attempts; they come back at the next tick.
    assert attempts == [1, 1, 0, 0, 0]
    assert row(crm, "k4")["next_attempt_at"] == NOW + timedelta(minutes=1)


# -- email -----------------------------------------------------------------------------------------


def test_email_channel(crm, smtp):
    queue(crm, "reply_interest:rp_1")
    report = deliver_pending(crm, make_notifier(smtp=smtp), now=NOW)
    assert report.delivered == 1
    (accepted,) = smtp.accepted
    assert accepted.rcpt_tos == ("sales@jengu.test",)
    assert accepted.subject == "[Jengu] Interested reply from Hotel Adler"
    assert accepted.message_id == message_id_for("reply_interest:rp_1", "alerts@jengu.test")
    body = message_from_bytes(accepted.raw, policy=policy.default).get_content()
    assert "Anna Schmidt at Hotel Adler replied (interested, confidence 0.92)" in body
    assert "From: an***@hotel-adler.de" in body
    assert PROSPECT_EMAIL not in accepted.raw.decode()
    assert set(row(crm, "reply_interest:rp_1")["channels"]) == {"email"}


def test_a_failing_channel_is_retried_alone(crm, webhook, smtp):
    queue(crm, "k1")
    n = make_notifier(webhook, smtp, max_attempts=1)
    webhook.fail_next(1, status=500)
    report = deliver_pending(crm, n, now=NOW)
    assert (report.delivered, report.retried) == (0, 1)
    stored = row(crm, "k1")
    assert set(stored["channels"]) == {"email"} and stored["attempts"] == 1
    assert stored["last_error"].startswith("webhook: HTTP 500")

    report = deliver_pending(crm, n, now=NOW + timedelta(minutes=1))
    assert report.delivered == 1
    stored = row(crm, "k1")
    assert stored["status"] == "delivered" and set(stored["channels"]) == {"email", "webhook"}
    assert len(smtp.accepted) == 1  # the email went out once, not again with the retry
    assert [r.status for r in webhook.requests] == [500, 200]


# -- concurrency -----------------------------------------------------------------------------------


def test_two_deliveries_at_once_deliver_each_notification_once(crm, smtp):
    keys = [f"reply_interest:rp_{i}" for i in range(24)]
    for key in keys:
        queue(crm, key)
    server = WebhookServer(latency_seconds=0.01).start()
    try:
        n = make_notifier(server, smtp)
        barrier = threading.Barrier(2)
        reports = []

        def run() -> None:
            barrier.wait()
            reports.append(deliver_pending(crm, n, now=NOW, limit=8))
            while (report := deliver_pending(crm, n, now=NOW, limit=8)).skipped is None:
                reports.append(report)

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(server.keys()) == sorted(keys)
        assert sorted(m.message_id for m in smtp.accepted) == sorted(
            message_id_for(k, "alerts@jengu.test") for k in keys)
        assert sum(r.delivered for r in reports) == len(keys)
        assert crm.scalar("SELECT count(*) FROM notifications WHERE status = 'delivered'") == 24
    finally:
        server.stop()


def test_concurrent_claims_never_share_a_row(crm):
    with crm.transaction() as con:
        for i in range(150):
            enqueue(con, kind="reply_interest", dedup_key=f"k{i}", prospect_id=None, payload={})
    claimed: list[list[int]] = [[], []]
    barrier = threading.Barrier(2)

    def run(mine: list[int]) -> None:
        barrier.wait()
        while rows := claim(crm, now=NOW, limit=5):
            mine.extend(r.id for r in rows)

    threads = [threading.Thread(target=run, args=(c,)) for c in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    first, second = map(set, claimed)
    assert not first & second
    assert len(first | second) == 150 == len(claimed[0]) + len(claimed[1])


# -- the sensor ------------------------------------------------------------------------------------


def test_sensor_delivers_and_says_how_it_went(crm, webhook, capfd):
    for i in range(3):
        queue(crm, f"k{i}")
    webhook.fail_next(1, status=500)
    resources = {"crm": crm, "notifier": make_notifier(webhook, max_attempts=1)}
    result = notification_sensor(dg.build_sensor_context(resources=resources))
    assert isinstance(result, dg.SkipReason)
    assert result.skip_message == "delivered 2, retrying 1, failed 0"
    # The failure is in the sensor's log (Dagster's logger writes to stderr).
    assert "notification 1 (reply_interest) webhook: HTTP 500" in capfd.readouterr().err
    assert len(webhook.delivered()) == 2

    again = notification_sensor(dg.build_sensor_context(resources=resources))
    assert again.skip_message == NOTHING_PENDING  # the retry is due a minute later


def test_sensor_without_a_channel_says_which_variable_to_set(crm):
    queue(crm, "k1")
    result = notification_sensor(
        dg.build_sensor_context(resources={"crm": crm, "notifier": Notifier()}))
    assert result.skip_message == NO_CHANNEL
    assert row(crm, "k1")["status"] == "pending"


def test_sensor_skips_the_tick_when_the_store_is_busy(crm, webhook):
    queue(crm, "k1")
    with crm_held_elsewhere(crm.db_path):
        busy = CRMStore(path=crm.path, lock_timeout_seconds=0.3)
        resources = {"crm": busy, "notifier": make_notifier(webhook)}
        result = notification_sensor(dg.build_sensor_context(resources=resources))
    assert result.skip_message.startswith("CRM store busy, trying at the next tick")
    assert webhook.requests == []


def test_no_secret_in_errors_logs_or_the_skip_reason(crm, webhook, caplog, capfd):
    queue(crm, "k1")
    # The receiver echoes the path it was called on, as a careless gateway would.
    webhook.fail_next(10, status=404)
    wrong_login = SandboxSMTP(users={SMTP_USER: "another-password"}).start()
    try:
        n = make_notifier(webhook, wrong_login, max_attempts=1)
        with caplog.at_level(logging.DEBUG):
            result = notification_sensor(
                dg.build_sensor_context(resources={"crm": crm, "notifier": n}))
            report = deliver_pending(crm, n, now=datetime.now(timezone.utc) + timedelta(hours=1))
    finally:
        wrong_login.stop()
    stored = row(crm, "k1")
    assert "webhook: HTTP 404" in stored["last_error"] and "email: auth 535" in stored["last_error"]
    assert "HTTP Request: POST" in caplog.text  # httpx did log the request, blanked
    sensor_log = capfd.readouterr().err
    assert "webhook: HTTP 404: sandbox answer 404 for /***" in sensor_log
    assert_no_secret(stored["last_error"], caplog.text, sensor_log, result.skip_message,
                     report.errors, repr(n))


def test_errors_never_echo_the_webhook_token(crm):
    # An endpoint that cannot be reached: httpx's own error text must not carry the URL either.
    queue(crm, "k1")
    n = Notifier(webhook_url=f"http://127.0.0.1:9{WEBHOOK_PATH}", timeout_seconds=0.5,
                 max_attempts=1)
    report = deliver_pending(crm, n, now=NOW)
    assert report.retried == 1
    assert_no_secret(row(crm, "k1")["last_error"], report.errors)
