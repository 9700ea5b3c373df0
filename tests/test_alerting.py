"""Alerting end to end: a real DuckDB CRM file, the loopback webhook receiver
(sandbox/webhook_server.py), the sandbox SMTP server with AUTH, real Dagster runs on an ephemeral
(in-memory) instance and on a run-sharded SQLite instance, a second process holding the CRM file
locked, and the three alert sensors evaluated as the daemon would call them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy

import dagster as dg
import pytest

from jengu_assets.alerting import (
    FOLD_WINDOW,
    NO_ALERT_CHANNEL,
    NOTHING_DUE,
    RATE_LIMIT,
    EventCursor,
    deliver_alerts,
    strip_secrets,
)
from jengu_assets.alerts import record_alert
from jengu_resources.crm_store import CRMStore, apply_migrations, available_migrations
from jengu_resources.notify import Notifier
from sandbox.smtp_server import SandboxSMTP
from sandbox.webhook_server import WebhookServer
from sensors.alert_sensors import (
    alert_delivery_sensor,
    check_failure_alert_sensor,
    run_failure_alert_sensor,
)
from tests.channels import PROSPECT_EMAIL, make_notifier
from tests.crm_lock import crm_held_elsewhere

OTHER_PERSON = "bob.jones@hotel-ufer.test"


def notifier(webhook: WebhookServer | None = None, smtp: SandboxSMTP | None = None,
             **overrides) -> Notifier:
    """The alert channels: the on-call address and the JENGU_ALERT_* variables."""
    return make_notifier(webhook, smtp, email_to="oncall@jengu.test", env_prefix="JENGU_ALERT",
                         **overrides)


def add(crm, alert_type: str = "sender_policy", inbox: str = "inbox_1", *, message: str = "",
        created_at: datetime | None = None, payload: dict | None = None) -> int:
    with crm.transaction() as con:
        alert_id = record_alert(con, alert_type, "error",
                                message or f"inbox {inbox} refused by policy",
                                {"inbox_id": inbox} if payload is None else payload)
        if created_at is not None:
            con.execute("UPDATE alerts SET created_at = ? WHERE id = ?", [created_at, alert_id])
    return alert_id


def alert(crm, alert_id: int) -> dict:
    (row,) = crm.query("SELECT * FROM alerts WHERE id = ?", [alert_id])
    return row


def now() -> datetime:
    return datetime.now(timezone.utc)


# -- the store -------------------------------------------------------------------------------------


def test_migration_keeps_alerts_recorded_before_it_and_makes_them_due(tmp_path):
    import duckdb

    crm = CRMStore(path=str(tmp_path / "before_8.duckdb"))
    con = duckdb.connect(str(crm.db_path))
    try:
        con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
                    " name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
        for version, name, sql in available_migrations():
            if version < 8:
                con.execute(sql)
                con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
        con.execute("INSERT INTO alerts (alert_type, severity, message, payload) VALUES "
                    "('inbox_paused', 'error', 'inbox paused itself', '{\"inbox_id\": \"in_7\"}')")
        assert 8 in apply_migrations(con)
    finally:
        con.close()
    row = alert(crm, 1)
    assert (row["delivery_status"], row["attempts"], row["fingerprint"]) == (
        "pending", 0, "inbox_id:in_7")


def test_record_alert_keeps_its_signature_and_records_a_source_once(crm):
    with crm.transaction() as con:
        # The sending and reply code call it positionally, inside their own transactions.
        first = record_alert(con, "complaint", "error", "spam complaint", {"inbox_id": "in_1"})
        keyed = record_alert(con, "run_failed", "error", "run failed", {"job_name": "send_job"},
                             source_key="run_failed:r1")
        again = record_alert(con, "run_failed", "error", "run failed", {"job_name": "send_job"},
                             source_key="run_failed:r1")
    assert isinstance(first, int) and isinstance(keyed, int) and again is None
    assert alert(crm, first)["fingerprint"] == "inbox_id:in_1"
    assert alert(crm, keyed)["fingerprint"] == "job_name:send_job"
    assert crm.scalar("SELECT count(*) FROM alerts") == 2


@pytest.mark.parametrize(
    ("text", "secret", "kept"),
    [
        # An instance URL with its password, as a connection error prints it.
        ("could not connect to postgresql+psycopg2://dagster:Pg-S3cret@db.internal:5432/dagster",
         "Pg-S3cret", "db.internal:5432"),
        # Slack carries the webhook's token in the path.
        ("HTTP 404 for https://hooks.slack.com/services/T01/B02/xoxTokenValue99",
         "xoxTokenValue99", "hooks.slack.com"),
        # A query-string key (job boards, MillionVerifier).
        ("GET https://api.adzuna.com/v1/jobs?app_id=1&app_key=AdzKey123", "AdzKey123", "adzuna"),
        # A password=... assignment in a driver's message.
        ("login failed (user=alerts password=hunter2-long)", "hunter2-long", "user=alerts"),
        # An Authorization header echoed back.
        ("401: Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload", "eyJhbGciOiJIUzI1NiJ9",
         "401"),
        # The shape of a provider key, whatever it is called.
        ("provider said sk-proj-ABCDEFGHIJKLMNOPQRST is invalid", "ABCDEFGHIJKLMNOPQRST",
         "is invalid"),
        # A prospect's address in the error is masked like everywhere else.
        (f"bounce for {PROSPECT_EMAIL}", "anna.schmidt", "an***@hotel-adler.de"),
    ],
)
def test_strip_secrets(text, secret, kept):
    cleaned = strip_secrets(text, environ={})
    assert secret not in cleaned
    assert kept in cleaned


def test_strip_secrets_blanks_secret_environment_values_only():
    env = {"XAI_API_KEY": "xk-Value-123456", "PWD": "/work/main", "JENGU_SPAM_THRESHOLD": "5.0"}
    cleaned = strip_secrets("key xk-Value-123456 failed in /work/main at 5.0", environ=env)
    assert cleaned == "key *** failed in /work/main at 5.0"


# -- channels --------------------------------------------------------------------------------------


def test_webhook_takes_the_alert_and_email_is_left_alone(crm, webhook, smtp):
    alert_id = add(crm, message="inbox sales@jengu.test refused by policy (5.7.1)")
    report = deliver_alerts(crm, notifier(webhook, smtp))
    assert (report.delivered, report.by_channel) == (1, {"webhook": 1})
    row = alert(crm, alert_id)
    assert (row["delivery_status"], row["channel"], row["attempts"]) == ("delivered", "webhook", 1)
    assert row["delivered_at"] is not None and row["last_error"] is None
    (request,) = webhook.delivered()
    assert request.idempotency_key == f"jengu-alert-{alert_id}"
    assert request.body["kind"] == "sender_policy"
    assert request.body["title"] == "[ERROR] inbox sa***@jengu.test refused by policy (5.7.1)"
    assert request.body["fields"]["Inbox id"] == "inbox_1"
    assert smtp.accepted == []  # the second channel is only for a webhook failure


def test_a_failing_webhook_hands_the_alert_to_email(crm, webhook, smtp):
    alert_id = add(crm)
    webhook.fail_next(10, status=500)
    report = deliver_alerts(crm, notifier(webhook, smtp))
    assert (report.delivered, report.by_channel) == (1, {"email": 1})
    row = alert(crm, alert_id)
    assert (row["delivery_status"], row["channel"], row["attempts"]) == ("delivered", "email", 1)
    assert row["last_error"].startswith("webhook: HTTP 500")
    assert webhook.delivered() == [] and len(webhook.requests) == 2  # the notifier's own retry
    (mail,) = smtp.accepted
    assert mail.rcpt_tos == ("oncall@jengu.test",)
    assert mail.subject == "[Jengu] [ERROR] inbox inbox_1 refused by policy"


def test_both_channels_down_retry_with_backoff_then_deliver(crm, webhook):
    alert_id = add(crm)
    webhook.fail_next(100, status=500)
    dead_email = notifier(webhook, smtp_port=9)  # nothing listens on the discard port
    t0 = now()
    first = deliver_alerts(crm, dead_email, now=t0)
    assert (first.delivered, first.retried) == (0, 1)
    row = alert(crm, alert_id)
    assert (row["delivery_status"], row["attempts"]) == ("pending", 1)
    assert "webhook: HTTP 500" in row["last_error"] and "email:" in row["last_error"]
    assert row["next_attempt_at"] == t0 + timedelta(minutes=1)

    assert deliver_alerts(crm, dead_email, now=t0 + timedelta(seconds=30)).skipped == NOTHING_DUE
    deliver_alerts(crm, dead_email, now=t0 + timedelta(seconds=61))
    row = alert(crm, alert_id)
    assert row["attempts"] == 2
    assert row["next_attempt_at"] == t0 + timedelta(seconds=61) + timedelta(minutes=2)  # doubled

    webhook.clear_failures()
    later = deliver_alerts(crm, dead_email, now=t0 + timedelta(minutes=4))
    assert later.delivered == 1
    row = alert(crm, alert_id)
    assert (row["delivery_status"], row["channel"], row["attempts"]) == ("delivered", "webhook", 3)
    assert len(webhook.delivered()) == 1


# -- limits ----------------------------------------------------------------------------------------


def test_at_most_ten_a_minute_per_type_and_nothing_dropped(crm, webhook):
    policy_ids = [add(crm, inbox=f"inbox_{i}") for i in range(25)]
    other_ids = [add(crm, "complaint", inbox=f"inbox_{i}") for i in range(2)]
    n = notifier(webhook)
    t0 = now()

    first = deliver_alerts(crm, n, now=t0)
    assert (first.delivered, first.waiting) == (RATE_LIMIT + 2, 15)
    waiting = crm.query("SELECT DISTINCT next_attempt_at FROM alerts WHERE delivery_status = "
                        "'pending'")
    assert waiting == [{"next_attempt_at": t0 + timedelta(minutes=1)}]
    assert deliver_alerts(crm, n, now=t0 + timedelta(seconds=30)).skipped == NOTHING_DUE
    # delivered_at is when the receiver took each one, a little after t0 on a busy machine.
    assert deliver_alerts(crm, n, now=t0 + timedelta(seconds=90)).delivered == RATE_LIMIT
    last = deliver_alerts(crm, n, now=t0 + timedelta(seconds=180))
    assert (last.delivered, last.waiting) == (5, 0)

    keys = webhook.keys()
    assert sorted(keys) == sorted(f"jengu-alert-{i}" for i in policy_ids + other_ids)
    per_minute = crm.query("SELECT date_trunc('minute', delivered_at - ?::TIMESTAMPTZ) AS m,"
                           " count(*) AS n FROM alerts WHERE alert_type = 'sender_policy'"
                           " GROUP BY 1 ORDER BY 1", [t0])
    assert [r["n"] for r in per_minute] == [10, 10, 5]


def test_repeats_within_five_minutes_fold_into_the_first_and_not_after(crm, webhook):
    t0 = now() - timedelta(minutes=10)
    first = add(crm, created_at=t0)
    repeat = add(crm, created_at=t0 + timedelta(minutes=1))
    edge = add(crm, created_at=t0 + FOLD_WINDOW - timedelta(seconds=1))
    other_inbox = add(crm, inbox="inbox_2", created_at=t0 + timedelta(minutes=2))
    after = add(crm, created_at=t0 + FOLD_WINDOW + timedelta(seconds=1))  # a new first
    after_repeat = add(crm, created_at=t0 + timedelta(minutes=6))

    report = deliver_alerts(crm, notifier(webhook))
    assert (report.folded, report.delivered) == (3, 3)
    assert alert(crm, first)["folded_count"] == 2
    assert alert(crm, after)["folded_count"] == 1
    for folded, into in ((repeat, first), (edge, first), (after_repeat, after)):
        row = alert(crm, folded)
        assert (row["delivery_status"], row["folded_into"], row["delivered_at"]) == (
            "folded", into, None)
    assert alert(crm, other_inbox)["delivery_status"] == "delivered"
    bodies = {r.idempotency_key: r.body for r in webhook.delivered()}
    assert bodies[f"jengu-alert-{first}"]["fields"]["Repeats"] == "2"
    assert "Repeated 2 more times within 5 minutes" in bodies[f"jengu-alert-{first}"]["text"]
    assert "Repeats" not in bodies[f"jengu-alert-{other_inbox}"]["fields"]

    # A repeat recorded after the first went out is folded too: counted, not sent again.
    late = add(crm, created_at=t0 + timedelta(minutes=3))
    assert deliver_alerts(crm, notifier(webhook)).folded == 1
    assert alert(crm, late)["folded_into"] == first
    assert alert(crm, first)["folded_count"] == 3
    assert len(webhook.delivered()) == 3


@pytest.mark.parametrize("fmt", ["slack", "discord", "generic"])
def test_no_full_address_in_any_delivered_byte(crm, webhook, smtp, fmt):
    add(crm, "complaint", message=f"spam complaint from {PROSPECT_EMAIL} about inbox in_1",
        payload={"inbox_id": "in_1", "reporter": PROSPECT_EMAIL,
                 "thread": {"cc": [OTHER_PERSON], "note": f"reply to {PROSPECT_EMAIL}"},
                 "recipients": [PROSPECT_EMAIL, OTHER_PERSON]})
    add(crm, "complaint", inbox="in_2", message=f"and again {PROSPECT_EMAIL}",
        payload={"inbox_id": "in_2", "seen": OTHER_PERSON})
    webhook.fail_next(2, status=500)  # the first one goes by email, the second by webhook
    report = deliver_alerts(crm, notifier(webhook, smtp, webhook_format=fmt, max_attempts=2))
    assert report.by_channel == {"email": 1, "webhook": 1}

    (request,) = webhook.delivered()
    (mail,) = smtp.accepted
    text = message_from_bytes(mail.raw, policy=policy.default).get_body().get_content()
    delivered = [json.dumps(request.body, ensure_ascii=False), mail.raw.decode(), text]
    for blob in delivered:
        for address in (PROSPECT_EMAIL, OTHER_PERSON, "anna.schmidt", "bob.jones"):
            assert address not in blob
    assert "an***@hotel-adler.de" in text and "bo***@hotel-ufer.test" in text
    assert "an***@hotel-adler.de" in delivered[0]


# -- the sources -----------------------------------------------------------------------------------


@dg.asset
def guest_list() -> int:
    return 3


@dg.asset_check(asset=guest_list)
def no_orphan_guests() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=False, severity=dg.AssetCheckSeverity.ERROR,
        description="3 guests without their prospect",
        metadata={"count": 3, "sample": ["p_1", "p_2", "p_3"], "threshold": {"max": 0}},
    )


@dg.asset_check(asset=guest_list)
def guest_list_fresh() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True, metadata={"count": 0})


@dg.asset_check(asset=guest_list)
def few_duplicate_guests() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN,
                               metadata={"count": 1, "sample": "p_9"})


CHECKED = [guest_list, no_orphan_guests, guest_list_fresh, few_duplicate_guests]


@pytest.fixture(params=["in_memory", "run_sharded_sqlite"])
def instance(request, tmp_path):
    if request.param == "in_memory":
        with dg.DagsterInstance.ephemeral() as found:
            yield found
    else:
        (tmp_path / "dagster").mkdir()
        with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as found:
            assert found.event_log_storage.is_run_sharded
            yield found


def evaluate_check_sensor(instance, crm, cursor):
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"crm": crm})
    return check_failure_alert_sensor(context)


def test_failed_checks_become_alerts_once(crm, instance):
    assert dg.materialize(CHECKED, instance=instance).success
    result = evaluate_check_sensor(instance, crm, None)
    assert result.skip_reason.skip_message == "3 check evaluations read, 2 failed, 2 new alerts"
    rows = crm.query("SELECT * FROM alerts ORDER BY id")
    assert sorted((r["alert_type"], r["severity"]) for r in rows) == [
        ("check_failed", "error"), ("check_failed", "warning")]
    error = next(r for r in rows if r["severity"] == "error")
    assert error["message"] == ("check no_orphan_guests on guest_list failed: 3 found "
                                "(3 guests without their prospect)")
    payload = json.loads(error["payload"])
    assert (payload["count"], payload["sample"]) == (3, ["p_1", "p_2", "p_3"])
    assert payload["metadata"] == {"threshold": {"max": 0}}
    assert error["fingerprint"] == "check:guest_list:no_orphan_guests"

    # The cursor: evaluating again reads nothing new; with no cursor at all, nothing twice.
    again = evaluate_check_sensor(instance, crm, result.cursor)
    assert again.skip_reason.skip_message.endswith(", 0 new alerts")
    from_scratch = evaluate_check_sensor(instance, crm, None)
    assert from_scratch.skip_reason.skip_message.endswith(", 0 new alerts")
    assert crm.scalar("SELECT count(*) FROM alerts") == 2

    # A later run's failures are new events.
    assert dg.materialize(CHECKED, instance=instance).success
    later = evaluate_check_sensor(instance, crm, again.cursor)
    assert later.skip_reason.skip_message.endswith(", 2 new alerts")
    assert crm.scalar("SELECT count(*) FROM alerts") == 4
    assert EventCursor.parse(later.cursor) != EventCursor.parse(again.cursor)


def test_a_check_alert_is_delivered_with_its_sample(crm, webhook):
    with dg.DagsterInstance.ephemeral() as instance:
        dg.materialize([guest_list, no_orphan_guests], instance=instance)
        evaluate_check_sensor(instance, crm, None)
    deliver_alerts(crm, notifier(webhook))
    (request,) = webhook.delivered()
    assert request.body["kind"] == "check_failed"
    assert request.body["fields"]["Sample"] == "p_1, p_2, p_3"
    assert request.body["fields"]["Count"] == "3"


@dg.op
def load_leads() -> None:
    raise ValueError("upstream refused key zz-Sup3rSecretValue at https://leads:pw-123456"
                     f"@crm.example.com/export for {PROSPECT_EMAIL}\nsecond line")


@dg.job
def lead_export_job() -> None:
    load_leads()


def fail_a_run(instance: dg.DagsterInstance) -> str:
    result = lead_export_job.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    return result.dagster_run.run_id


def evaluate_run_sensor(instance, crm, cursor, **context):
    built = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"crm": crm},
                                    **context)
    return run_failure_alert_sensor(built)


def test_a_failed_run_becomes_one_alert_without_secrets(crm, instance, monkeypatch):
    monkeypatch.setenv("JENGU_TEST_API_KEY", "zz-Sup3rSecretValue")
    run_id = fail_a_run(instance)
    first = evaluate_run_sensor(instance, crm, None)
    assert first.skip_reason.skip_message == "1 failed runs read, 1 new alerts"
    # Read again from scratch (a cursor reset in the UI): the same run is still one alert.
    again = evaluate_run_sensor(instance, crm, None)
    assert again.skip_reason.skip_message == "1 failed runs read, 0 new alerts"

    (row,) = crm.query("SELECT * FROM alerts")
    assert (row["alert_type"], row["severity"], row["source_key"]) == (
        "run_failed", "error", f"run_failed:{run_id}")
    assert row["message"] == (f"run {run_id[:8]} of lead_export_job failed: ValueError: upstream "
                              "refused key *** at https://***@crm.example.com/*** for "
                              "an***@hotel-adler.de")
    payload = json.loads(row["payload"])
    assert (payload["job_name"], payload["run_id"], payload["steps_failed"]) == (
        "lead_export_job", run_id, ["load_leads"])
    stored = json.dumps(row, default=str)
    for secret in ("zz-Sup3rSecretValue", "pw-123456", "anna.schmidt", "second line"):
        assert secret not in stored


def test_a_run_failure_waits_out_a_busy_store_and_is_recorded_once(crm, instance):
    crm.migrate()
    start = evaluate_run_sensor(instance, crm, None)
    assert start.skip_reason.skip_message == "0 failed runs read, 0 new alerts"
    run_id = fail_a_run(instance)

    impatient = CRMStore(path=crm.path, lock_timeout_seconds=0.3)
    with crm_held_elsewhere(crm.db_path):
        context = dg.build_sensor_context(instance=instance, cursor=start.cursor,
                                          resources={"crm": impatient})
        busy = run_failure_alert_sensor(context)
    assert isinstance(busy, dg.SkipReason)
    assert busy.skip_message.startswith("CRM store busy, reading these run failures again")
    assert context.cursor == start.cursor  # the daemon keeps the cursor it passed in

    released = evaluate_run_sensor(instance, crm, start.cursor)
    assert released.skip_reason.skip_message == "1 failed runs read, 1 new alerts"
    assert crm.query("SELECT source_key FROM alerts") == [{"source_key": f"run_failed:{run_id}"}]
    third = evaluate_run_sensor(instance, crm, released.cursor)
    assert third.skip_reason.skip_message == "0 failed runs read, 0 new alerts"
    assert third.cursor == released.cursor
    assert crm.scalar("SELECT count(*) FROM alerts") == 1


def test_runs_of_another_code_location_are_passed_over(crm, instance):
    # The sensor of a deployed repository; the run was executed in this test process.
    fail_a_run(instance)
    result = evaluate_run_sensor(instance, crm, None, repository_name="partner_repository")
    assert result.skip_reason.skip_message == "0 failed runs read, 0 new alerts"
    assert EventCursor.parse(result.cursor).storage_id is not None  # moved past the run
    assert crm.scalar("SELECT count(*) FROM alerts") == 0


# -- the delivery sensor and its wiring ------------------------------------------------------------


def test_delivery_sensor_says_how_it_went(crm, webhook):
    add(crm)
    add(crm, inbox="inbox_1")  # a repeat
    result = alert_delivery_sensor(dg.build_sensor_context(
        resources={"crm": crm, "alert_notifier": notifier(webhook)}))
    assert result.skip_message == ("delivered 1 (1 by webhook), retrying 0, failed 0; "
                                   "1 repeats folded")
    quiet = alert_delivery_sensor(dg.build_sensor_context(
        resources={"crm": crm, "alert_notifier": Notifier()}))
    assert quiet.skip_message == NO_ALERT_CHANNEL


def test_alert_channels_come_from_their_own_variables_or_the_notification_ones(monkeypatch):
    from jengu_resources.definitions import alert_notifier_from_env

    for var in ("JENGU_ALERT_WEBHOOK_URL", "JENGU_ALERT_EMAIL_TO", "JENGU_ALERT_SMTP_HOST"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("JENGU_NOTIFY_EMAIL_TO", "sales@jengu.test")
    monkeypatch.setenv("JENGU_NOTIFY_SMTP_HOST", "smtp.jengu.test")
    shared = alert_notifier_from_env()
    assert (shared.email_to, shared.env_prefix) == ("sales@jengu.test", "JENGU_NOTIFY")

    monkeypatch.setenv("JENGU_ALERT_EMAIL_TO", "oncall@jengu.test")
    own = alert_notifier_from_env()
    assert (own.email_to, own.smtp_host, own.env_prefix) == (
        "oncall@jengu.test", "smtp.jengu.test", "JENGU_ALERT")
    assert own.problems() == ["JENGU_ALERT_EMAIL_FROM must be set to a sender address"]


def test_the_sensors_are_registered():
    from jengu_assets.definitions import defs

    for name in ("check_failure_alert_sensor", "run_failure_alert_sensor",
                 "alert_delivery_sensor"):
        assert defs.resolve_sensor_def(name)
