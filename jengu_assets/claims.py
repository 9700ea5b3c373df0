"""Claiming a partition's work: which prospects a run takes, moved to the working stage at once.

A run takes the prospects waiting in a stage, the failed ones whose retry is due, and the ones
left in the working stage by a run that crashed (older than ``STALE_CLAIM``). Moving them in the
same transaction as the choice is what keeps two runs of one partition from both taking them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb

from jengu_assets import retry_queue, stages

STALE_CLAIM = timedelta(minutes=30)


def claim_partition(
    con: duckdb.DuckDBPyConnection,
    *,
    day: date,
    waiting: stages.Stage,
    working: stages.Stage,
    task: str,
    now: datetime,
    actor: str,
    reason: str,
) -> list[str]:
    """Ids claimed (in id order), all now in ``working``. Run inside the caller's transaction."""
    due = retry_queue.due(con, task, partition_date=day, now=now)
    rows = con.execute(
        "SELECT id, stage FROM prospects WHERE discovered_on = ? AND (stage = ? "
        " OR (stage = 'failed' AND id IN (SELECT unnest(?::VARCHAR[]))) "
        " OR (stage = ? AND stage_changed_at < ?)) ORDER BY id",
        [day, waiting.value, sorted(due), working.value, now - STALE_CLAIM],
    ).fetchall()
    movable = [pid for pid, stage in rows if stage != working.value]
    stages.transition_many(con, movable, working, reason=reason, actor=actor)
    return [pid for pid, _ in rows]
