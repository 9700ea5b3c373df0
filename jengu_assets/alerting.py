"""Alerting: failed checks, failed runs and sender-health events, delivered to the people on call.

Every alert is first a row in ``alerts`` (``jengu_assets.alerts.record_alert``). Three sources
write them: the sending and reply code (sender_policy, inbox_paused, complaint, in their own
transactions), and failed asset check evaluations and failed runs, both read from the Dagster
instance after a cursor (``EventCursor``). The last two come from outside the CRM, so each
carries the identity of its event (``source_key``): reading the same evaluation or run twice
records one alert, which is what lets a sensor read events again after a busy store.

``deliver_alerts`` (the alert delivery sensor, every minute) then applies the rules:

- Folding: an alert of the same type and fingerprint (the same check, inbox, job) as an earlier
  one created at most 5 minutes before it is folded into that first one. The repeat is marked
  ``folded`` with ``folded_into``; the first counts it in ``folded_count`` and, when it goes out
  after them, says how many repeats it stands for. The window is anchored on the first alert, so
  a storm yields one alert per 5 minutes, not one forever.
- Rate limit: at most 10 alerts of one type are delivered in any minute. The rest wait, due when
  the oldest delivery leaves the window: nothing is dropped.
- Channels: the webhook first; the email channel only when the webhook did not take it. The
  channel that did is stored. Every try counts in ``attempts``; after a try that no channel took,
  the alert waits 1 minute, doubling up to an hour (longer if the receiver asked), and is marked
  ``failed`` after the 8th.
- Masking: every email address in the title, text and fields is masked (``jo***@example.com``),
  whatever payload key it sits under.

Rows are claimed with a lease and their outcomes written one short transaction each, as
``jengu_assets.notifications`` does; the receiver can fold a repeat after a lost outcome by the
``Idempotency-Key`` / Message-ID, derived from the alert's id.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any

import dagster as dg
import httpx

from jengu_assets.alerts import record_alert
from jengu_assets.notifications import (
    LEASE,
    DeliveryReport,
    LeasedRows,
    after_failure,
    deliver_leased,
    failure_text,
    retry_write_conflicts,
    utc,
)
from jengu_resources.crm_store import CRMStore, fetch_dicts
from jengu_resources.notify import (
    Notifier,
    NotifierSession,
    NotifyError,
    render_alert,
)
from jengu_resources.redaction import SecretScrubber, mask_addresses, redact

PENDING, DELIVERED, FOLDED, FAILED = "pending", "delivered", "folded", "failed"
CHECK_FAILED, RUN_FAILED = "check_failed", "run_failed"
FOLD_WINDOW = timedelta(minutes=5)
RATE_LIMIT = 10
RATE_WINDOW = timedelta(minutes=1)
DEFAULT_BUDGET_SECONDS = 120.0
ERROR_LINE_CHARS = 300
# A sensor that has never run looks back this far: older failures are history, not news.
FIRST_LOOKBACK = timedelta(hours=1)
READ_LIMIT = 500
ALERTS = LeasedRows("alerts", "delivery_status")
RUN_LIMIT = 100

NO_ALERT_CHANNEL = ("no alert channel configured (set JENGU_ALERT_WEBHOOK_URL or "
                    "JENGU_ALERT_EMAIL_TO, or the JENGU_NOTIFY_* channel)")
NOTHING_DUE = "no alert due"


@dataclass(frozen=True)
class NewAlert:
    alert_type: str
    severity: str
    message: str
    payload: dict[str, Any]
    fingerprint: str
    source_key: str


def record_new(store: CRMStore, alerts: Sequence[NewAlert]) -> int:
    """Store alerts from outside events in one transaction; how many were new."""
    if not alerts:
        return 0
    with store.transaction() as con:
        return sum(
            record_alert(con, a.alert_type, a.severity, a.message, a.payload,
                         fingerprint=a.fingerprint, source_key=a.source_key) is not None
            for a in alerts
        )


# -- secrets in error text -------------------------------------------------------------------------

_SECRET_WORD = (r"(?:password|passwd|pwd|secret|token|api[_-]?key|app[_-]?key|access[_-]?key"
                r"|private[_-]?key|credentials?)")
# Parts of an environment variable's name that say its value is a secret (``PWD`` is a directory).
_SECRET_ENV_PARTS = {"KEY", "APIKEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASS",
                     "CREDENTIAL", "CREDENTIALS", "DSN", "WEBHOOK"}
_URL = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]*://)([^\s/'\"<>@]+@)?([^\s/'\"<>?#]+)([^\s'\"<>]*)")
_ASSIGNMENT = re.compile(rf"(?i)\b([\w-]*{_SECRET_WORD})([\"']?\s*[=:]\s*[\"']?)([^\s\"',;&)]+)")
_AUTH_SCHEME = re.compile(r"(?i)\b(bearer|basic|token)\s+[\w.~+/=-]{8,}")
_TOKEN_SHAPES = re.compile(
    r"\b(?:sk-[\w-]{16,}|xai-[\w-]{16,}|xox[a-z]-[\w-]{10,}|gh[pousr]_\w{20,}|AKIA[0-9A-Z]{16})\b")


def _env_secrets(environ: Mapping[str, str]) -> list[str]:
    found = []
    for name, value in environ.items():
        value = value.strip()
        if len(value) < 6:
            continue
        parts = set(name.upper().split("_"))
        if parts & _SECRET_ENV_PARTS or ("://" in value and "@" in value):
            found.append(value)
    return found


def _url(match: re.Match[str]) -> str:
    scheme, userinfo, host, rest = match.groups()
    return scheme + ("***@" if userinfo else "") + host + ("/***" if rest.strip("/") else rest)


def strip_secrets(text: str, environ: Mapping[str, str] | None = None) -> str:
    """``text`` with what could be a credential blanked: the value of every environment variable
    whose name says secret (or that is a URL with a login), URL logins, paths and queries (Slack
    and Discord webhooks carry their token in the path), ``password=...``-like assignments,
    Authorization values and the shapes of well-known API keys. Email addresses are masked."""
    text = SecretScrubber(_env_secrets(os.environ if environ is None else environ))(text)
    text = _URL.sub(_url, text)
    text = _AUTH_SCHEME.sub(lambda m: f"{m.group(1)} ***", text)
    text = _ASSIGNMENT.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    text = _TOKEN_SHAPES.sub("***", text)
    return mask_addresses(redact(text))


def first_line(text: str) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= ERROR_LINE_CHARS else line[:ERROR_LINE_CHARS - 1] + "…"


# -- the sources -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckEvaluation:
    run_id: str
    storage_id: int
    evaluation: dg.AssetCheckEvaluation


def _metadata_value(value: Any) -> Any:
    return getattr(value, "value", value)


def check_failure_alert(found: CheckEvaluation) -> NewAlert | None:
    """The alert for a failed check evaluation (None for a passed one): severity from the check,
    a message naming the check, the asset and the count, the sample ids in the payload."""
    e = found.evaluation
    if e.passed:
        return None
    asset = e.asset_key.to_user_string()
    metadata = {k: _metadata_value(v) for k, v in e.metadata.items()}
    count = metadata.get("count")
    message = f"check {e.check_name} on {asset} failed"
    if e.partition:
        message += f" for partition {e.partition}"
    if count is not None:
        message += f": {count} found"
    if e.description:
        message += f" ({' '.join(e.description.split())})"
    other = {k: v for k, v in metadata.items() if k not in ("count", "sample")}
    payload = {"check": e.check_name, "asset": asset, "count": count,
               "sample": metadata.get("sample"), "partition": e.partition,
               "description": e.description, "metadata": other or None,
               "run_id": found.run_id or None}
    severity = "error" if e.severity == dg.AssetCheckSeverity.ERROR else "warning"
    return NewAlert(CHECK_FAILED, severity, message,
                    {k: v for k, v in payload.items() if v is not None},
                    fingerprint=f"check:{asset}:{e.check_name}",
                    source_key=f"check:{found.run_id}:{found.storage_id}")


@dataclass(frozen=True)
class RunFailure:
    """A failed run with its RUN_FAILURE event and the STEP_FAILURE events of its steps."""

    run: dg.DagsterRun
    failure: dg.DagsterEvent
    step_failures: Sequence[dg.DagsterEvent]

    def error(self) -> str | None:
        """The error that failed the run: the first failed step's own exception (not Dagster's
        wrapper around it), else the run's failure."""
        for event in self.step_failures:
            error = event.step_failure_data.error
            if error is not None:
                return (error.cause or error).message
        failure = self.failure.job_failure_data
        if failure is not None and failure.error is not None:
            return failure.error.message
        return self.failure.message


def run_failure_alert(found: RunFailure) -> NewAlert:
    """The alert for a failed run: the job, the run, the error's first line with secrets out and
    the steps that failed."""
    run = found.run
    line = first_line(strip_secrets(found.error() or "")) or "no error message"
    steps = [event.step_key for event in found.step_failures if event.step_key]
    return NewAlert(
        RUN_FAILED, "error", f"run {run.run_id[:8]} of {run.job_name} failed: {line}",
        {"job_name": run.job_name, "run_id": run.run_id, "error": line, "steps_failed": steps},
        fingerprint=f"job_name:{run.job_name}", source_key=f"run_failed:{run.run_id}",
    )


@dataclass(frozen=True)
class EventCursor:
    """Where reading Dagster events (check evaluations, run failures) stopped. ``storage_id``:
    the last event read, where event ids are global (PostgreSQL, in-memory, and run status
    changes on every storage). On the default SQLite storage every run has its own event file
    and ids restart in each (Dagster refuses an id cursor there), so for check evaluations
    ``since`` is the update time of the last run read; without a storage id it is the event time
    to read from."""

    storage_id: int | None = None
    since: float | None = None

    @classmethod
    def parse(cls, raw: str | None) -> EventCursor:
        if not raw:
            return cls()
        try:
            data = json.loads(raw)
            return cls(storage_id=data.get("storage_id"), since=data.get("since"))
        except (ValueError, AttributeError):
            raise ValueError(f"alert cursor {raw!r} is not the JSON this sensor writes; "
                             "reset the sensor's cursor in the UI") from None

    def serialize(self) -> str:
        return json.dumps({"storage_id": self.storage_id, "since": self.since}, sort_keys=True)

    def started(self, now: datetime) -> EventCursor:
        """This cursor with a time to read from: a sensor that has never run looks back
        FIRST_LOOKBACK."""
        if self.since is not None:
            return self
        return replace(self, since=(now - FIRST_LOOKBACK).timestamp())

    @property
    def after_timestamp(self) -> float | None:
        """The time filter: only until events are read by id."""
        return None if self.storage_id is not None else self.since

    def past(self, records: Sequence[dg.EventLogRecord]) -> EventCursor:
        """The cursor after ``records`` (the last one's id), or this one when there are none."""
        return replace(self, storage_id=records[-1].storage_id) if records else self


def read_check_evaluations(
    instance: dg.DagsterInstance, cursor: EventCursor, *, now: datetime
) -> tuple[list[CheckEvaluation], EventCursor]:
    """Check evaluations stored after ``cursor`` (at most a few hundred) and the cursor after
    them. A run-sharded storage may return evaluations read before; their source keys keep them
    from being recorded twice."""
    storage = instance.event_log_storage
    cursor = cursor.started(now)
    if storage.is_run_sharded:
        return _read_by_run(instance, cursor.since)
    # The instance's get_event_records is deprecated for the fetch_* methods, none of which
    # reads check evaluations; the storage's own method is the same query.
    records = storage.get_event_records(
        dg.EventRecordsFilter(
            event_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION,
            after_cursor=cursor.storage_id,
            after_timestamp=cursor.after_timestamp,
        ),
        limit=READ_LIMIT, ascending=True,
    )
    return [f for f in map(_evaluation, records) if f], cursor.past(records)


def _read_by_run(instance: dg.DagsterInstance, since: float) -> tuple[list[CheckEvaluation],
                                                                       EventCursor]:
    # A run's update time moves when its status does, and last when it ends: a run still going
    # at one tick is read again once finished, with the evaluations it made in between.
    runs = instance.get_run_records(
        dg.RunsFilter(updated_after=datetime.fromtimestamp(since, tz=timezone.utc)),
        limit=RUN_LIMIT, order_by="update_timestamp", ascending=True,
    )
    found: list[CheckEvaluation] = []
    for run in runs:
        connection = instance.get_records_for_run(
            run.dagster_run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
        found.extend(f for f in map(_evaluation, connection.records) if f)
    last = runs[-1].update_timestamp.timestamp() if runs else since
    return found, EventCursor(since=last)


def _evaluation(record: dg.EventLogRecord) -> CheckEvaluation | None:
    event = record.event_log_entry.dagster_event
    data = event.event_specific_data if event is not None else None
    if not isinstance(data, dg.AssetCheckEvaluation):
        return None
    return CheckEvaluation(run_id=record.event_log_entry.run_id, storage_id=record.storage_id,
                           evaluation=data)


def read_run_failures(
    instance: dg.DagsterInstance, cursor: EventCursor, *, now: datetime,
    keep: Callable[[dg.DagsterRun], bool] = lambda run: True,
) -> tuple[list[RunFailure], EventCursor]:
    """The failures of kept runs recorded after ``cursor`` (at most RUN_LIMIT) and the cursor
    after every failure read, kept or not. Run status changes are indexed with global ids on
    every storage, the run-sharded SQLite one included, so the cursor is the last one's id."""
    cursor = cursor.started(now)
    records = instance.fetch_run_status_changes(
        dg.RunStatusChangeRecordsFilter(
            event_type=dg.DagsterEventType.RUN_FAILURE,
            after_storage_id=cursor.storage_id,
            after_timestamp=cursor.after_timestamp,
        ),
        limit=RUN_LIMIT, ascending=True,
    ).records
    if not records:
        return [], cursor
    run_ids = [record.event_log_entry.run_id for record in records]
    runs = {r.dagster_run.run_id: r.dagster_run
            for r in instance.get_run_records(dg.RunsFilter(run_ids=run_ids))}
    found = []
    for record in records:
        run = runs.get(record.event_log_entry.run_id)
        failure = record.event_log_entry.dagster_event
        # A run deleted since it failed is no news either.
        if run is not None and failure is not None and keep(run):
            found.append(RunFailure(run, failure, _step_failures(instance, run.run_id)))
    return found, cursor.past(records)


def _step_failures(instance: dg.DagsterInstance, run_id: str) -> list[dg.DagsterEvent]:
    records = instance.get_records_for_run(run_id,
                                           of_type=dg.DagsterEventType.STEP_FAILURE).records
    return [r.event_log_entry.dagster_event for r in records
            if r.event_log_entry.dagster_event is not None]


# -- folding and the rate limit --------------------------------------------------------------------


def fold_repeats(store: CRMStore, *, now: datetime) -> int:
    """Fold each new due alert into the first alert of its type and fingerprint created at most
    FOLD_WINDOW before it, if there is one. Returns how many were folded."""

    def write() -> int:
        with store.transaction() as con:
            new = fetch_dicts(
                con,
                "SELECT id, alert_type, fingerprint, created_at FROM alerts "
                "WHERE delivery_status = 'pending' AND attempts = 0 AND fingerprint IS NOT NULL"
                " AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY id",
                [now],
            )
            folded = 0
            for row in new:
                first = con.execute(
                    "SELECT id FROM alerts WHERE alert_type = ? AND fingerprint = ? AND id < ?"
                    " AND delivery_status <> 'folded' AND created_at BETWEEN ? AND ? "
                    "ORDER BY id LIMIT 1",
                    [row["alert_type"], row["fingerprint"], row["id"],
                     row["created_at"] - FOLD_WINDOW, row["created_at"]],
                ).fetchall()
                if not first:
                    continue
                con.execute("UPDATE alerts SET delivery_status = 'folded', folded_into = ?,"
                            " next_attempt_at = NULL WHERE id = ?", [first[0][0], row["id"]])
                con.execute("UPDATE alerts SET folded_count = folded_count + 1 WHERE id = ?",
                            [first[0][0]])
                folded += 1
            return folded

    return retry_write_conflicts(write)


@dataclass(frozen=True)
class DueAlert:
    id: int
    alert_type: str
    severity: str
    message: str
    payload: dict[str, Any]
    created_at: datetime
    attempts: int
    folded_count: int
    lease_until: datetime


def _payload(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {"payload": value}
    return dict(value) if isinstance(value, dict) else {}


def claim(store: CRMStore, *, now: datetime, limit: int) -> tuple[list[DueAlert], int]:
    """Lease up to ``limit`` due alerts, at most RATE_LIMIT of a type per RATE_WINDOW counting
    the ones delivered in the window already. The others of that type are made due when the
    oldest delivery leaves the window. Returns (claimed, how many wait for the rate limit)."""
    lease_until = now + LEASE

    def write() -> tuple[list[dict[str, Any]], int]:
        with store.transaction() as con:
            sent: dict[str, list[datetime]] = {}
            for alert_type, at in con.execute(
                "SELECT alert_type, delivered_at FROM alerts WHERE delivery_status = 'delivered'"
                " AND delivered_at > ? ORDER BY delivered_at", [now - RATE_WINDOW],
            ).fetchall():
                sent.setdefault(alert_type, []).append(utc(at))
            due = fetch_dicts(
                con,
                "SELECT id, alert_type, severity, message, payload, created_at, attempts,"
                " folded_count FROM alerts WHERE delivery_status = 'pending'"
                " AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY id LIMIT ?",
                [now, limit],
            )
            taken, waiting = [], []
            for row in due:
                times = sent.setdefault(row["alert_type"], [])
                if len(times) < RATE_LIMIT:
                    taken.append(row)
                    times.append(now)
                else:
                    waiting.append((times[len(times) - RATE_LIMIT] + RATE_WINDOW, row["id"]))
            if taken:
                con.executemany("UPDATE alerts SET next_attempt_at = ? WHERE id = ?",
                                [(lease_until, row["id"]) for row in taken])
            if waiting:
                con.executemany("UPDATE alerts SET next_attempt_at = ? WHERE id = ?", waiting)
            return taken, len(waiting)

    taken, waiting = retry_write_conflicts(write)
    return [DueAlert(id=r["id"], alert_type=r["alert_type"], severity=r["severity"],
                     message=r["message"], payload=_payload(r["payload"]),
                     created_at=utc(r["created_at"]), attempts=r["attempts"],
                     folded_count=r["folded_count"], lease_until=lease_until)
            for r in taken], waiting


# -- delivery --------------------------------------------------------------------------------------


@dataclass
class Outcome:
    channel: str | None = None
    at: datetime | None = None
    errors: list[NotifyError] = field(default_factory=list)


def record(store: CRMStore, row: DueAlert, outcome: Outcome, *, now: datetime) -> str | None:
    """Write one alert's delivery outcome; its new status, or None when the lease was lost."""
    tried = [e for e in outcome.errors if e.attempted]
    attempts = row.attempts + (1 if outcome.channel or tried else 0)
    if outcome.channel:
        status, next_at = DELIVERED, None
    else:
        status, next_at = after_failure(tried, attempts, now=now)
    settled = ALERTS.settle(store, row, {
        "delivery_status": status, "attempts": attempts, "next_attempt_at": next_at,
        "channel": outcome.channel, "last_error": failure_text(tried), "delivered_at": outcome.at})
    return status if settled else None


async def deliver_one(session: NotifierSession, row: DueAlert, channels: Sequence[str],
                      clock: Callable[[], datetime]) -> Outcome:
    """Send ``row`` to the first channel that takes it, in order (webhook, then email)."""
    title, text, fields = render_alert(
        row.alert_type, row.severity, row.message, row.payload, repeats=row.folded_count,
        fold_minutes=int(FOLD_WINDOW.total_seconds() // 60), first_seen=row.created_at)
    outcome = Outcome()
    for channel in channels:
        try:
            await session.send(channel, kind=row.alert_type, title=title, text=text,
                               fields=fields, idempotency_key=f"jengu-alert-{row.id}")
        except NotifyError as exc:
            outcome.errors.append(exc)
        else:
            outcome.channel, outcome.at = channel, clock()
            break
    return outcome


@dataclass
class AlertReport(DeliveryReport):
    folded: int = 0
    waiting: int = 0
    """Due alerts left for a later minute by the rate limit."""
    by_channel: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        if self.skipped is not None:
            parts = [self.skipped]
        else:
            taken = ", ".join(f"{n} by {c}" for c, n in sorted(self.by_channel.items()))
            parts = [f"delivered {self.delivered}" + (f" ({taken})" if taken else "")
                     + f", retrying {self.retried}, failed {self.failed}"]
        if self.postponed:
            parts.append(f"{self.postponed} left for the next tick")
        if self.waiting:
            parts.append(f"{self.waiting} waiting for the rate limit "
                         f"({RATE_LIMIT} a minute per type)")
        if self.folded:
            parts.append(f"{self.folded} repeats folded")
        return "; ".join(parts)


def deliver_alerts(
    store: CRMStore,
    notifier: Notifier,
    *,
    now: datetime | None = None,
    limit: int = 100,
    budget_seconds: float = DEFAULT_BUDGET_SECONDS,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AlertReport:
    """Fold repeats, then deliver the due alerts within the rate limit (at most ``limit``).
    Alerts not started within ``budget_seconds`` are handed back for the next call. Raises
    StoreBusyError only when the store could not be opened for folding or claiming."""
    channels = notifier.channels()
    if not channels:
        return AlertReport(skipped=NO_ALERT_CHANNEL)
    problems = notifier.problems()
    if problems:
        return AlertReport(skipped="alert channel misconfigured: " + "; ".join(problems))
    now = utc(now or datetime.now(timezone.utc))
    folded = fold_repeats(store, now=now)
    rows, waiting = claim(store, now=now, limit=limit)
    if rows:
        report = asyncio.run(_deliver(store, notifier, rows, channels, now=now,
                                      budget_seconds=budget_seconds, transport=transport))
    else:
        report = AlertReport(skipped=NOTHING_DUE)
    report.folded, report.waiting = folded, waiting
    return report


async def _deliver(
    store: CRMStore,
    notifier: Notifier,
    rows: list[DueAlert],
    channels: list[str],
    *,
    now: datetime,
    budget_seconds: float,
    transport: httpx.AsyncBaseTransport | None,
) -> AlertReport:
    report = AlertReport()
    started = time.monotonic()

    def clock() -> datetime:
        return now + timedelta(seconds=time.monotonic() - started)

    async with notifier.session(transport=transport) as session:

        async def attempt(row: DueAlert) -> Outcome:
            outcome = await deliver_one(session, row, channels, clock)
            report.errors.extend(f"alert {row.id} ({row.alert_type}) {error}"
                                 for error in outcome.errors if error.attempted)
            return outcome

        async for _, outcome, status in deliver_leased(
                rows, attempt, lambda row, outcome: record(store, row, outcome, now=now),
                lambda rest: ALERTS.release(store, rest, now=now), report,
                budget_seconds=budget_seconds, noun="alert"):
            if status == DELIVERED:
                report.by_channel[outcome.channel] = report.by_channel.get(outcome.channel, 0) + 1
    return report


__all__ = [
    "CHECK_FAILED", "DELIVERED", "FAILED", "FOLDED", "FOLD_WINDOW", "NOTHING_DUE",
    "NO_ALERT_CHANNEL", "PENDING", "RATE_LIMIT", "RATE_WINDOW", "RUN_FAILED", "AlertReport",
    "CheckEvaluation", "EventCursor", "NewAlert", "RunFailure", "check_failure_alert", "claim",
    "deliver_alerts", "first_line", "fold_repeats", "read_check_evaluations",
    "read_run_failures", "record_new", "run_failure_alert", "strip_secrets",
]
