"""Notifications for people: queued with the event that caused them, delivered by a sensor.

``enqueue`` writes one ``notifications`` row inside the caller's transaction, so a notification
exists exactly when its event was committed; the ``dedup_key`` makes re-processing the same event
a no-op. ``deliver_pending`` sends due rows to every configured channel:

- Rows are claimed first, in a short transaction that moves ``next_attempt_at`` to the end of a
  lease. Two evaluations at once (two processes, or threads sharing the file) cannot claim the same
  row: DuckDB refuses the second writer of a row, and the loser claims again from what is left.
- ``channels`` records, per channel, when it took the notification. A retry goes only to the
  channels still missing, so a working channel never gets a notification twice because another
  one failed.
- A failed attempt counts in ``attempts`` and waits 1 minute, doubling up to 1 hour (or longer
  when the receiver asked with Retry-After); the 8th failure marks the row ``failed``.
- Each row's outcome is written as soon as it is known, one short transaction per row: a crash or
  a busy store mid-batch loses at most that row's record, and its lease then expires into a retry
  that the receiver can fold by the Idempotency-Key / Message-ID (the row's ``dedup_key``).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol, TypeVar

import duckdb
import httpx

from jengu_resources.crm_store import CRMStore, StoreBusyError, fetch_dicts
from jengu_resources.notify import Notifier, NotifierSession, NotifyError, render

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
MAX_ATTEMPTS = 8
FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=1)
# Longer than a whole batch can take (the time budget plus one notification's retries), so a lease
# never runs out while its holder is still delivering.
LEASE = timedelta(minutes=10)
DEFAULT_BUDGET_SECONDS = 120.0
STORE_TRIES = 10
MAX_ERROR_CHARS = 500

T = TypeVar("T")

NO_CHANNEL = "no channel configured (set JENGU_NOTIFY_WEBHOOK_URL or JENGU_NOTIFY_EMAIL_TO)"
NOTHING_PENDING = "nothing pending"


@dataclass
class DeliveryReport:
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    skipped: str | None = None
    """Why nothing was attempted (no channel, nothing due, a misconfiguration)."""
    postponed: int = 0
    """Claimed rows handed back untried because the time budget ran out."""
    errors: list[str] = field(default_factory=list)
    """One line per failed channel or unrecorded outcome, for the log; no secrets."""

    def summary(self) -> str:
        if self.skipped is not None:
            return self.skipped
        text = f"delivered {self.delivered}, retrying {self.retried}, failed {self.failed}"
        if self.postponed:
            text += f", {self.postponed} left for the next tick"
        return text


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    prospect_id: str | None
    payload: dict[str, Any]
    dedup_key: str
    attempts: int
    channels: dict[str, str]
    """channel -> ISO time it took the notification."""
    lease_until: datetime


@dataclass
class Outcome:
    delivered: dict[str, str] = field(default_factory=dict)
    errors: list[NotifyError] = field(default_factory=list)


# -- enqueue ---------------------------------------------------------------------------------------


def enqueue(
    con: duckdb.DuckDBPyConnection,
    *,
    kind: str,
    dedup_key: str,
    prospect_id: str | None,
    payload: Mapping[str, Any],
) -> bool:
    """Queue one notification in the caller's transaction. True when it is new, False when a
    notification with this ``dedup_key`` exists already (the event was processed before)."""
    if not kind or not dedup_key:
        raise ValueError("a notification needs a kind and a dedup_key")
    row = con.execute(
        "INSERT INTO notifications (kind, prospect_id, payload, dedup_key, status, attempts,"
        " channels) VALUES (?, ?, ?, ?, 'pending', 0, '{}') "
        "ON CONFLICT (dedup_key) DO NOTHING RETURNING id",
        [kind, prospect_id, json.dumps(dict(payload), ensure_ascii=False, default=str),
         dedup_key],
    ).fetchall()
    return bool(row)


# -- the rules -------------------------------------------------------------------------------------


def next_delay(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failure: 1, 2, 4 ... minutes, never more than an hour."""
    return min(FIRST_DELAY * 2 ** max(0, attempts - 1), MAX_DELAY)


def after_failure(tried: Sequence[NotifyError], attempts: int, *, now: datetime
                  ) -> tuple[str, datetime | None]:
    """(status, next attempt) of a row no channel took, after ``attempts`` counted attempts:
    ``failed`` after the last, else pending after the backoff or the receiver's Retry-After,
    whichever is longer. Nothing tried (every channel's breaker open) is not the row's fault: due
    again in a minute."""
    if not tried:
        return PENDING, now + FIRST_DELAY
    if attempts >= MAX_ATTEMPTS:
        return FAILED, None
    hinted = max((e.retry_after or 0.0 for e in tried), default=0.0)
    return PENDING, now + max(next_delay(attempts), timedelta(seconds=hinted))


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return dict(value) if isinstance(value, dict) else {}


def utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


# -- claiming --------------------------------------------------------------------------------------


def retry_write_conflicts(write: Callable[[], T]) -> T:
    """Run one short write, again after a write conflict with another writer in this process on the
    same rows (the other claimer won). Opening the file while another thread closes it is retried
    by the store itself."""
    for attempt in range(STORE_TRIES):
        try:
            return write()
        except duckdb.TransactionException:
            if attempt == STORE_TRIES - 1:
                raise
            # The other writer is mid-commit; a jittered pause lets it finish first.
            time.sleep(random.uniform(0.005, 0.05 * (attempt + 1)))
    raise AssertionError("unreachable")


def claim(store: CRMStore, *, now: datetime, limit: int) -> list[Claimed]:
    """Lease up to ``limit`` due rows to this caller. Another caller claiming at the same moment
    gets a write conflict on the rows both picked; it rolls back and picks again from the rest."""
    lease_until = now + LEASE

    def write() -> list[dict[str, Any]]:
        with store.transaction() as con:
            return fetch_dicts(
                con,
                "UPDATE notifications SET next_attempt_at = ? WHERE id IN ("
                " SELECT id FROM notifications WHERE status = 'pending'"
                " AND (next_attempt_at IS NULL OR next_attempt_at <= ?)"
                " ORDER BY id LIMIT ?) "
                "RETURNING id, kind, prospect_id, payload, dedup_key, attempts, channels",
                [lease_until, now, limit],
            )

    return sorted(
        (Claimed(id=r["id"], kind=r["kind"], prospect_id=r["prospect_id"],
                 payload=_as_dict(r["payload"]), dedup_key=r["dedup_key"],
                 attempts=r["attempts"], channels=_as_dict(r["channels"]),
                 lease_until=lease_until)
         for r in retry_write_conflicts(write)),
        key=lambda c: c.id,
    )


@dataclass(frozen=True)
class LeasedRows:
    """A table whose rows are delivered under a lease: while a row is claimed, its
    ``next_attempt_at`` is the lease's end, and a write about it counts only while that lease still
    holds (no later evaluation took the row over). Notifications and alerts are two of them."""

    table: str
    status_column: str

    def _where(self) -> str:
        return f"WHERE id = ? AND {self.status_column} = 'pending' AND next_attempt_at = ?"

    def release(self, store: CRMStore, rows: Sequence[Any], *, now: datetime) -> None:
        """Hand claimed rows back untried: due again at once, no attempt counted."""
        if not rows:
            return

        def write() -> None:
            with store.transaction() as con:
                con.executemany(f"UPDATE {self.table} SET next_attempt_at = ? {self._where()}",
                                [(now, row.id, row.lease_until) for row in rows])

        retry_write_conflicts(write)

    def settle(self, store: CRMStore, row: Any, values: dict[str, Any]) -> bool:
        """Write one row's outcome (column -> value); False when its lease was lost. A None
        ``last_error`` keeps the row's earlier one: a channel not tried says nothing new."""
        assignments = ", ".join(f"{c} = coalesce(?, {c})" if c == "last_error" else f"{c} = ?"
                                for c in values)

        def write() -> list[Any]:
            with store.transaction() as con:
                return con.execute(
                    f"UPDATE {self.table} SET {assignments} {self._where()} RETURNING id",
                    [*values.values(), row.id, row.lease_until]).fetchall()

        return bool(retry_write_conflicts(write))


def failure_text(tried: Sequence[NotifyError]) -> str | None:
    """The failures of the channels actually tried, as the one line a row keeps."""
    return "; ".join(str(e) for e in tried)[:MAX_ERROR_CHARS] or None


NOTIFICATIONS = LeasedRows("notifications", "status")


def record(
    store: CRMStore, row: Claimed, outcome: Outcome, configured: Sequence[str], *, now: datetime
) -> str | None:
    """Write one row's outcome; returns its new status (pending, delivered, failed), or None when
    the lease was lost (another evaluation took the row over after the lease ran out)."""
    channels = {**row.channels, **outcome.delivered}
    missing = [c for c in configured if c not in channels]
    tried = [e for e in outcome.errors if e.attempted]
    attempts = row.attempts + (1 if tried else 0)
    delivered_at = None
    if not missing:
        status, next_at = DELIVERED, None
        delivered_at = max((datetime.fromisoformat(channels[c]) for c in configured),
                           default=now)
    else:
        status, next_at = after_failure(tried, attempts, now=now)
    settled = NOTIFICATIONS.settle(store, row, {
        "status": status, "attempts": attempts, "next_attempt_at": next_at,
        "channels": json.dumps(channels, sort_keys=True), "last_error": failure_text(tried),
        "delivered_at": delivered_at})
    return status if settled else None


async def deliver_one(
    session: NotifierSession, row: Claimed, configured: Sequence[str]
) -> Outcome:
    """Send ``row`` to each configured channel that does not have it yet."""
    payload = dict(row.payload)
    if row.prospect_id and not payload.get("prospect_id"):
        payload["prospect_id"] = row.prospect_id
    title, text, fields = render(row.kind, payload)
    outcome = Outcome()
    for channel in configured:
        if channel in row.channels:
            continue
        try:
            await session.send(channel, kind=row.kind, title=title, text=text, fields=fields,
                               idempotency_key=row.dedup_key)
        except NotifyError as exc:
            outcome.errors.append(exc)
        else:
            outcome.delivered[channel] = datetime.now(timezone.utc).isoformat()
    return outcome


def deliver_pending(
    store: CRMStore,
    notifier: Notifier,
    *,
    now: datetime | None = None,
    limit: int = 100,
    budget_seconds: float = DEFAULT_BUDGET_SECONDS,
    transport: httpx.AsyncBaseTransport | None = None,
) -> DeliveryReport:
    """Deliver the due notifications (at most ``limit``). Rows not started within
    ``budget_seconds`` are handed back for the next call. Raises StoreBusyError only when the
    claim itself could not open the store; delivery failures are in the report."""
    configured = notifier.channels()
    if not configured:
        return DeliveryReport(skipped=NO_CHANNEL)
    problems = notifier.problems()
    if problems:
        return DeliveryReport(skipped="notifier misconfigured: " + "; ".join(problems))
    now = utc(now or datetime.now(timezone.utc))
    rows = claim(store, now=now, limit=limit)
    if not rows:
        return DeliveryReport(skipped=NOTHING_PENDING)
    return asyncio.run(_deliver(store, notifier, rows, configured, now=now,
                                budget_seconds=budget_seconds, transport=transport))


class Leased(Protocol):
    """A claimed row: what the delivery loop reads of a notification or an alert."""

    @property
    def id(self) -> int: ...

    @property
    def lease_until(self) -> datetime: ...


Row = TypeVar("Row", bound=Leased)
Result = TypeVar("Result")


async def deliver_leased(
    rows: Sequence[Row],
    attempt: Callable[[Row], Awaitable[Result]],
    write_outcome: Callable[[Row, Result], str | None],
    hand_back: Callable[[Sequence[Row]], None],
    report: DeliveryReport,
    *,
    budget_seconds: float,
    noun: str,
) -> AsyncIterator[tuple[Row, Result, str]]:
    """Attempt leased rows one by one and write each outcome as soon as it is known, counting it
    in ``report``; yields each recorded row with its outcome and new status. Rows not started
    within ``budget_seconds`` are handed back untried. The notification and alert queues share it.
    """
    deadline = time.monotonic() + budget_seconds
    for index, row in enumerate(rows):
        if time.monotonic() > deadline:
            rest = rows[index:]
            try:
                hand_back(rest)
                report.postponed = len(rest)
            except StoreBusyError as exc:
                report.errors.append(f"{len(rest)} {noun}s stay leased until "
                                     f"{rest[0].lease_until:%H:%M} UTC: {exc}")
            return
        outcome = await attempt(row)
        try:
            status = write_outcome(row, outcome)
        except StoreBusyError as exc:
            # Delivered but unrecorded: the lease runs out and the row is tried again; the
            # receiver folds the repeat by its key. Further rows would only add to that.
            report.errors.append(f"{noun} {row.id}: outcome not recorded, the rest of "
                                 f"the batch stays leased: {exc}")
            return
        if status == DELIVERED:
            report.delivered += 1
        elif status == FAILED:
            report.failed += 1
        elif status == PENDING:
            report.retried += 1
        else:
            report.errors.append(f"{noun} {row.id}: lease lost to another delivery; "
                                 "its outcome was not recorded")
            continue
        yield row, outcome, status


async def _deliver(
    store: CRMStore,
    notifier: Notifier,
    rows: list[Claimed],
    configured: list[str],
    *,
    now: datetime,
    budget_seconds: float,
    transport: httpx.AsyncBaseTransport | None,
) -> DeliveryReport:
    report = DeliveryReport()
    not_tried: dict[str, int] = {}
    async with notifier.session(transport=transport) as session:

        async def attempt(row: Claimed) -> Outcome:
            outcome = await deliver_one(session, row, configured)
            for error in outcome.errors:
                if error.attempted:
                    report.errors.append(f"notification {row.id} ({row.kind}) {error}")
                else:
                    not_tried[error.channel] = not_tried.get(error.channel, 0) + 1
            return outcome

        async for _ in deliver_leased(
                rows, attempt, lambda row, outcome: record(store, row, outcome, configured, now=now),
                lambda rest: NOTIFICATIONS.release(store, rest, now=now), report,
                budget_seconds=budget_seconds, noun="notification"):
            pass
    for channel, count in not_tried.items():
        report.errors.append(f"{channel}: {count} notifications not tried after repeated "
                             "failures in this batch; they are due again in a minute")
    return report


__all__ = [
    "DELIVERED", "FAILED", "MAX_ATTEMPTS", "NOTHING_PENDING", "NO_CHANNEL", "PENDING", "Claimed",
    "DeliveryReport", "LeasedRows", "NOTIFICATIONS", "after_failure", "claim", "deliver_leased",
    "deliver_pending", "enqueue", "failure_text", "next_delay", "record", "retry_write_conflicts",
    "utc",
]
