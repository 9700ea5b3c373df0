"""Weekly maintenance rules: archive silent prospects, drop old message content.

Archiving. A prospect is silent when it sits at ``sent`` or ``contacted``, its last delivered
email (the ledger's resolution or ``emails.sent_at``, whichever is later) is at least
``after_days`` old, no human reply came at or after it, and nothing more is pending: no email of
it is still on its way (any status but ``sent``, ``bounced`` or ``held``: queued, sending,
unknown...), no ledger row is claimed or unknown, and no out-of-office hold is running. Such a
prospect moves to ``archived`` through the stage machine, with the reason and the actor logged.
Replied, engaged, meeting, won, lost and suppressed prospects are never touched.

Retention. Content older than ``retention_days`` is dropped; the row and its metadata stay
(subject, addresses, status, Message-IDs, kind, size) with the moment it went:

- ``emails.body`` of emails that will never be sent again: ``sent``, ``bounced`` or ``held``. The
  age counts from the email's last event (sent, the ledger's final answer, or written). Queued,
  sending and unknown emails keep their bodies whatever their age: a send still needs them.
- ``inbound_messages.raw`` once processing is done with it (any status but ``new`` or ``failed``,
  which may still be processed), counted from when it was stored.

A reply's extracted text (``replies.body``) is the CRM's record of what the prospect said and is
kept.

Both passes are idempotent: what they changed no longer matches them. Both work in batches, each
its own short transaction, and rest between batches as long as the batch held the file: the
pipeline waits on the same DuckDB lock, and its retries get in during the rests. Retention takes
rows in storage order: DuckDB rewrites a row group's column when it checkpoints an update to it
(at the latest when the connection closes), which costs the same whether one row of the group
changed or five thousand, so a batch should touch as few row groups as it can.

Space. The blocks dropped content held are free once the change is checkpointed. DuckDB writes
new rows into free blocks before it grows the file, and cuts the file when free blocks are at its
end; it never moves used blocks, so a file whose last blocks hold fresh rows keeps its size until
new rows fill the gaps. Retention ends with a checkpoint and reports the file's size and the part
of it rows use.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb

from jengu_assets import stages
from jengu_resources.crm_store import CRMStore

ARCHIVE_AFTER_DAYS = 30
RETENTION_DAYS = 90
BATCH_SIZE = 5000
# The longest rest between batches, whatever a batch took.
MAX_REST_SECONDS = 2.0

SILENT_STAGES = (stages.S.SENT.value, stages.S.CONTACTED.value)
# Emails that will never be sent again; every other status may still need its body.
SETTLED_EMAIL_STATUSES = ("sent", "bounced", "held")
# Inbound messages processing may still read.
UNPROCESSED_INBOUND_STATUSES = ("new", "failed")


@dataclass
class BatchStats:
    """What a batched pass did, and how long it kept the CRM file to itself."""

    rows: int = 0
    bytes: int = 0
    batches: int = 0
    longest_lock_seconds: float = 0.0
    seconds: float = 0.0

    def add(self, rows: int, size: int, held: float) -> None:
        self.rows += rows
        self.bytes += size
        self.batches += 1
        self.held(held)

    def held(self, seconds: float) -> None:
        self.longest_lock_seconds = max(self.longest_lock_seconds, seconds)


@dataclass
class ArchiveReport:
    stats: BatchStats = field(default_factory=BatchStats)
    from_stages: Counter[str] = field(default_factory=Counter)
    sample: list[str] = field(default_factory=list)

    @property
    def archived(self) -> int:
        return self.stats.rows


@dataclass(frozen=True)
class FileSpace:
    """The CRM file after a checkpoint: its size, and how much of it holds data (the rest is free
    blocks new rows go into first)."""

    file_bytes: int = 0
    used_bytes: int = 0

    @property
    def free_bytes(self) -> int:
        return max(0, self.file_bytes - self.used_bytes)


@dataclass
class RetentionReport:
    bodies: BatchStats = field(default_factory=BatchStats)
    raw_messages: BatchStats = field(default_factory=BatchStats)
    space: FileSpace = field(default_factory=FileSpace)


def _rest(held: float) -> None:
    time.sleep(min(held, MAX_REST_SECONDS))


# -- archiving --------------------------------------------------------------------------------

_LAST_SENT = """
SELECT prospect_id, max(delivered_at) AS last_sent_at FROM (
    SELECT prospect_id, resolved_at AS delivered_at FROM send_ledger WHERE state = 'sent' {scope}
    UNION ALL
    SELECT prospect_id, sent_at AS delivered_at FROM emails WHERE sent_at IS NOT NULL {scope}
) GROUP BY prospect_id
"""

_SILENT = """
WITH last_sent AS ({last_sent})
SELECT p.id, p.stage
  FROM prospects p JOIN last_sent s ON s.prospect_id = p.id
 WHERE p.stage IN (SELECT unnest($stages))
   AND s.last_sent_at <= $cutoff
   AND (p.follow_up_hold_until IS NULL OR p.follow_up_hold_until <= $now)
   AND (p.last_reply_at IS NULL OR p.last_reply_at < s.last_sent_at)
   AND NOT EXISTS (SELECT 1 FROM replies r WHERE r.prospect_id = p.id
                     AND coalesce(r.received_at, r.processed_at) >= s.last_sent_at)
   AND NOT EXISTS (SELECT 1 FROM emails e WHERE e.prospect_id = p.id
                     AND e.status NOT IN (SELECT unnest($settled)))
   AND NOT EXISTS (SELECT 1 FROM send_ledger l WHERE l.prospect_id = p.id
                     AND l.state IN ('claimed', 'unknown'))
   {scope_p}
 ORDER BY p.id
"""


def silent_prospects(
    con: duckdb.DuckDBPyConnection,
    now: datetime,
    after_days: int = ARCHIVE_AFTER_DAYS,
    only: Sequence[str] | None = None,
) -> dict[str, str]:
    """Prospect id -> stage of every silent prospect (see the module docstring), or of those
    among ``only``."""
    if only is not None and not only:
        return {}
    scoped = only is not None
    scope = "AND prospect_id IN (SELECT unnest($ids))" if scoped else ""
    sql = _SILENT.format(last_sent=_LAST_SENT.format(scope=scope),
                         scope_p="AND p.id IN (SELECT unnest($ids))" if scoped else "")
    params = {"stages": list(SILENT_STAGES), "settled": list(SETTLED_EMAIL_STATUSES),
              "cutoff": now - timedelta(days=after_days), "now": now}
    if scoped:
        params["ids"] = list(only)
    return dict(con.execute(sql, params).fetchall())


def archive_silent(
    crm: CRMStore,
    now: datetime,
    *,
    actor: str,
    after_days: int = ARCHIVE_AFTER_DAYS,
    batch_size: int = BATCH_SIZE,
    rest: Callable[[float], None] = _rest,
) -> ArchiveReport:
    """Move every silent prospect to ``archived``. The candidates are read once; each batch reads
    its own again inside the transaction that moves them, so a reply or a send that landed in
    between keeps a prospect where it is."""
    report = ArchiveReport()
    started = time.perf_counter()
    with crm.connect() as con:
        candidates = list(silent_prospects(con, now, after_days))
    report.stats.held(time.perf_counter() - started)
    reason = (f"silent {after_days} days after the last email: no reply, no follow-up pending "
              "(maintenance)")
    for start in range(0, len(candidates), batch_size):
        chunk = candidates[start:start + batch_size]
        began = time.perf_counter()
        with crm.transaction() as con:
            still = silent_prospects(con, now, after_days, only=chunk)
            stages.transition_many(con, list(still), stages.S.ARCHIVED, reason=reason, actor=actor)
        held = time.perf_counter() - began
        report.stats.add(len(still), 0, held)
        report.from_stages.update(still.values())
        report.sample.extend(list(still)[: max(0, 20 - len(report.sample))])
        rest(held)
    report.stats.seconds = time.perf_counter() - started
    return report


# -- retention --------------------------------------------------------------------------------

_DROP_BODIES = """
UPDATE emails SET body_bytes = strlen(body), body = NULL, body_dropped_at = $now
 WHERE id IN (
    SELECT e.id FROM emails e
     WHERE e.body IS NOT NULL AND e.status IN (SELECT unnest($settled))
       AND greatest(e.created_at, e.sent_at, (SELECT max(l.resolved_at) FROM send_ledger l
                                              WHERE l.email_id = e.id)) < $cutoff
     ORDER BY e.rowid LIMIT $batch)
RETURNING body_bytes
"""

_DROP_RAW = """
UPDATE inbound_messages SET raw = NULL, raw_dropped_at = $now
 WHERE id IN (
    SELECT id FROM inbound_messages
     WHERE raw IS NOT NULL AND status NOT IN (SELECT unnest($unprocessed))
       AND stored_at < $cutoff
     ORDER BY rowid LIMIT $batch)
RETURNING size_bytes
"""


def _drop_in_batches(crm: CRMStore, sql: str, params: dict, batch_size: int,
                     rest: Callable[[float], None]) -> BatchStats:
    stats = BatchStats()
    started = time.perf_counter()
    while True:
        began = time.perf_counter()
        with crm.transaction() as con:
            sizes = [r[0] or 0 for r in con.execute(sql, {**params, "batch": batch_size}).fetchall()]
        held = time.perf_counter() - began
        if not sizes:
            break
        stats.add(len(sizes), sum(sizes), held)
        rest(held)
    stats.seconds = time.perf_counter() - started
    return stats


def drop_email_bodies(crm: CRMStore, now: datetime, *, retention_days: int = RETENTION_DAYS,
                      batch_size: int = BATCH_SIZE,
                      rest: Callable[[float], None] = _rest) -> BatchStats:
    """Drop the bodies of settled emails older than ``retention_days``."""
    params = {"now": now, "cutoff": now - timedelta(days=retention_days),
              "settled": list(SETTLED_EMAIL_STATUSES)}
    return _drop_in_batches(crm, _DROP_BODIES, params, batch_size, rest)


def drop_inbound_raw(crm: CRMStore, now: datetime, *, retention_days: int = RETENTION_DAYS,
                     batch_size: int = BATCH_SIZE,
                     rest: Callable[[float], None] = _rest) -> BatchStats:
    """Drop the raw bytes of processed inbound messages stored more than ``retention_days`` ago."""
    params = {"now": now, "cutoff": now - timedelta(days=retention_days),
              "unprocessed": list(UNPROCESSED_INBOUND_STATUSES)}
    return _drop_in_batches(crm, _DROP_RAW, params, batch_size, rest)


def checkpoint(crm: CRMStore) -> FileSpace:
    """Checkpoint the store, so the blocks of dropped content are free for new rows, and measure
    the file. The store's connections already checkpoint as they close when no other connection
    of the process has the file open; this one does not depend on it."""
    with crm.connect() as con:
        con.execute("CHECKPOINT")
        used_blocks, block_size = con.execute(
            "SELECT used_blocks, block_size FROM pragma_database_size()").fetchone()
    # Measured after the close, which is when DuckDB cuts free blocks off the end of the file.
    return FileSpace(file_bytes=crm.db_path.stat().st_size, used_bytes=used_blocks * block_size)


def apply_retention(crm: CRMStore, now: datetime, *, retention_days: int = RETENTION_DAYS,
                    batch_size: int = BATCH_SIZE,
                    rest: Callable[[float], None] = _rest) -> RetentionReport:
    report = RetentionReport(
        bodies=drop_email_bodies(crm, now, retention_days=retention_days, batch_size=batch_size,
                                 rest=rest),
        raw_messages=drop_inbound_raw(crm, now, retention_days=retention_days,
                                      batch_size=batch_size, rest=rest),
    )
    report.space = checkpoint(crm)
    return report
