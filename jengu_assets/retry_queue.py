"""The retry queue (``failed_tasks``): one row per (task, prospect), with exponential backoff.

A failure schedules the next attempt 1 minute later, doubling each time (1, 2, 4, 8 minutes); the
fifth failure gives up and leaves the row as ``gave_up`` for a person to look at. A success
resolves the row. Partitions re-run by the off-hours schedule pick up only what is due.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import duckdb

FIRST_DELAY = timedelta(minutes=1)
MAX_ATTEMPTS = 5

PENDING, RESOLVED, GAVE_UP = "pending", "resolved", "gave_up"


@dataclass(frozen=True)
class Failure:
    prospect_id: str
    reason: str  # short code: search_unavailable, verifier_unavailable, ...
    error: str  # the message, for people


def next_delay(attempts: int) -> timedelta:
    """Delay after the ``attempts``-th failure: 1 min, 2 min, 4 min, 8 min."""
    return FIRST_DELAY * 2 ** (attempts - 1)


def record_failures(
    con: duckdb.DuckDBPyConnection,
    task: str,
    failures: Sequence[Failure],
    *,
    partition_date: date,
    now: datetime,
) -> dict[str, int]:
    """Count an attempt for each failure; returns prospect id -> attempts so far."""
    if not failures:
        return {}
    ids = [f.prospect_id for f in failures]
    previous = dict(
        con.execute(
            "SELECT prospect_id, attempts FROM failed_tasks WHERE task = ? AND status = 'pending' "
            "AND prospect_id IN (SELECT unnest(?::VARCHAR[]))",
            [task, ids],
        ).fetchall()
    )
    attempts: dict[str, int] = {}
    for failure in failures:
        n = previous.get(failure.prospect_id, 0) + 1
        attempts[failure.prospect_id] = n
        status = GAVE_UP if n >= MAX_ATTEMPTS else PENDING
        next_at = None if status == GAVE_UP else now + next_delay(n)
        con.execute(
            "INSERT INTO failed_tasks (task, prospect_id, error, reason, attempts, next_attempt_at,"
            " partition_date, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (task, prospect_id) DO UPDATE SET error = excluded.error, "
            "reason = excluded.reason, attempts = excluded.attempts, "
            "next_attempt_at = excluded.next_attempt_at, status = excluded.status, "
            "resolved_at = NULL",
            [task, failure.prospect_id, failure.error, failure.reason, n, next_at,
             partition_date, status, now],
        )
    return attempts


def resolve(con: duckdb.DuckDBPyConnection, task: str, prospect_ids: Iterable[str], *, now: datetime) -> None:
    con.execute(
        "UPDATE failed_tasks SET status = 'resolved', resolved_at = ?, next_attempt_at = NULL "
        "WHERE task = ? AND status = 'pending' AND prospect_id IN (SELECT unnest(?::VARCHAR[]))",
        [now, task, list(prospect_ids)],
    )


def due(con: duckdb.DuckDBPyConnection, task: str, *, partition_date: date, now: datetime) -> set[str]:
    """Prospects of a partition whose retry is due now."""
    rows = con.execute(
        "SELECT prospect_id FROM failed_tasks WHERE task = ? AND status = 'pending' "
        "AND partition_date = ? AND next_attempt_at <= ?",
        [task, partition_date, now],
    ).fetchall()
    return {row[0] for row in rows}


def partitions_with_due_retries(
    con: duckdb.DuckDBPyConnection, task: str, *, since: date, now: datetime
) -> list[date]:
    rows = con.execute(
        "SELECT DISTINCT partition_date FROM failed_tasks WHERE task = ? AND status = 'pending' "
        "AND next_attempt_at <= ? AND partition_date >= ? ORDER BY 1",
        [task, now, since],
    ).fetchall()
    return [row[0] for row in rows]
