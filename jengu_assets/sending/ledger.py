"""The once-only send ledger: claimed before SMTP is spoken, resolved after, never claimed twice.

A send is claimed by writing its ledger row, keyed by (prospect, sequence step), with the Message-ID
it will carry. The primary key makes a second claim impossible, whichever run or process tries; the
claim transaction also re-checks the emergency stop, the suppression list, the inbox's quota and gap
and the three-day rule, so those hold even when two runs race. After SMTP answers, the row moves to
``sent`` or ``failed``; a soft failure may be claimed again (same row, new Message-ID) once its retry
time has come. A process that dies between claim and answer leaves ``claimed``: the next run turns it
into ``unknown`` (``expire_orphans``), which only the Sent-folder reconcile or a person resolves.

Writes are group-committed (``LedgerWriter``): every claim and result waiting at that moment goes
into one short DuckDB transaction, so thousands of inboxes share a handful of commits per second and
no connection is held while SMTP talks.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import duckdb

from jengu_assets.alerts import record_alert
from jengu_assets.composition.compliance import suppress_address
from jengu_assets.sending.bounces import Classification, soft_retry_delay
from jengu_assets.sending.inboxes import (
    HEALTH_DELIVERED,
    HEALTH_HARD_BOUNCE,
    HEALTH_INBOX_FAILURE,
    HEALTH_POLICY,
    MAX_BOUNCE_RATE,
    backoff_delay,
    bounce_rate,
    usage_on,
)
from jengu_assets.sending.pacing import MIN_CONTACT_INTERVAL
from jengu_assets.stages import Stage, transition_many
from jengu_resources.crm_store import CRMStore, fetch_dicts, insert_rows, update_rows
from jengu_resources.redaction import mask_email

SENDABLE_STAGES = frozenset({"queued"})
FOLLOW_UP_STAGES = frozenset({"sent", "contacted"})
EMERGENCY_STOP = "emergency_stop"
REFUSED_EMERGENCY = "emergency stop is on"
POLICY_RETRY = timedelta(hours=1)   # a sender-side refusal: the email waits for another try, not the bin
ORPHAN_LEASE = timedelta(minutes=10)


def process_owner() -> str:
    """Who claims: host and pid (to tell a dead claimer on this machine) plus a unique token."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def emergency_stop(con: duckdb.DuckDBPyConnection) -> dict | None:
    """The emergency stop's row when it is on, else None."""
    rows = fetch_dicts(con, "SELECT * FROM control_flags WHERE name = ? AND enabled", [EMERGENCY_STOP])
    return rows[0] if rows else None


def set_emergency_stop(con: duckdb.DuckDBPyConnection, on: bool, *, reason: str | None, by: str) -> None:
    con.execute(
        "INSERT INTO control_flags (name, enabled, reason, changed_by, changed_at) "
        "VALUES (?, ?, ?, ?, now()) ON CONFLICT (name) DO UPDATE SET enabled = excluded.enabled, "
        "reason = excluded.reason, changed_by = excluded.changed_by, changed_at = now()",
        [EMERGENCY_STOP, on, reason, by],
    )


@dataclass(frozen=True)
class Claim:
    email_id: str
    prospect_id: str
    sequence_step: int
    inbox_id: str
    to_email: str
    message_id: str
    at: datetime
    daily_cap: int
    min_gap_seconds: int


@dataclass(frozen=True)
class Result:
    claim: Claim
    classification: Classification
    smtp_code: int | None
    detail: str
    at: datetime
    from_email: str


@dataclass
class Effects:
    """What a commit did beyond the rows themselves (for run metadata and alerts)."""

    suppressed: list[str] = field(default_factory=list)
    paused: dict[str, str] = field(default_factory=dict)
    backed_off: dict[str, datetime] = field(default_factory=dict)


# -- claims -------------------------------------------------------------------------------------


def claim_batch(con: duckdb.DuckDBPyConnection, claims: Sequence[Claim], owner: str) -> dict[str, str | None]:
    """Claim what may be claimed, inside the caller's transaction. Returns message_id -> None when
    claimed, else the reason it was refused."""
    if not claims:
        return {}
    if emergency_stop(con):
        return {c.message_id: REFUSED_EMERGENCY for c in claims}
    refused: dict[str, str | None] = {}
    keys = [(c.prospect_id, c.sequence_step) for c in claims]
    existing = {
        (r[0], r[1]): (r[2], r[3], r[4])
        for r in con.execute(
            "SELECT prospect_id, sequence_step, state, retry_at, attempts FROM send_ledger "
            "WHERE (prospect_id, sequence_step) IN (SELECT unnest(?), unnest(?))",
            [[k[0] for k in keys], [k[1] for k in keys]],
        ).fetchall()
    }
    emails = {r[0]: r[1] for r in con.execute(
        "SELECT id, status FROM emails WHERE id IN (SELECT unnest(?))", [[c.email_id for c in claims]]
    ).fetchall()}
    stages = dict(con.execute("SELECT id, stage FROM prospects WHERE id IN (SELECT unnest(?))",
                              [[c.prospect_id for c in claims]]).fetchall())
    addresses = sorted({c.to_email for c in claims})
    blocked = {r[0] for r in con.execute(
        "SELECT email FROM suppression_list WHERE email IN (SELECT unnest(?))", [addresses]).fetchall()}
    earliest = min(c.at for c in claims) - MIN_CONTACT_INTERVAL
    recent = {r[0]: r[1] for r in con.execute(
        "SELECT to_email, max(claimed_at) FROM send_attempts WHERE to_email IN (SELECT unnest(?)) "
        "AND state IN ('claimed', 'sent', 'unknown') AND claimed_at > ? GROUP BY to_email",
        [addresses, earliest]).fetchall()}
    usage = _inbox_usage(con, claims)

    fresh, again = [], []
    for c in claims:
        key = (c.prospect_id, c.sequence_step)
        sent_today, last = usage.get(c.inbox_id, (0, None))
        if emails.get(c.email_id) != "queued":
            reason = f"email is {emails.get(c.email_id) or 'gone'}"
        elif stages.get(c.prospect_id) not in (SENDABLE_STAGES if c.sequence_step == 1
                                               else FOLLOW_UP_STAGES):
            reason = f"prospect is {stages.get(c.prospect_id) or 'gone'}"
        elif c.to_email in blocked:
            reason = "recipient is suppressed"
        elif c.to_email in recent and recent[c.to_email] > c.at - MIN_CONTACT_INTERVAL:
            reason = "contacted in the last 3 days"
        elif sent_today >= c.daily_cap:
            reason = "inbox's daily quota used"
        elif last is not None and c.at < last + timedelta(seconds=c.min_gap_seconds):
            reason = "inbox's minimum gap not over"
        elif key in existing and not _reclaimable(existing[key], c.at):
            reason = f"already in the ledger ({existing[key][0]})"
        else:
            reason = None
        refused[c.message_id] = reason
        if reason is None:
            (again if key in existing else fresh).append(c)
            usage[c.inbox_id] = (sent_today + 1, c.at)
            recent[c.to_email] = c.at

    attempt = {c.message_id: existing[(c.prospect_id, c.sequence_step)][2] + 1 for c in again}
    insert_rows(con, "send_ledger", [_ledger_row(c, owner, 1) for c in fresh])
    # A soft failure's retry: the same row (so the key still forbids a parallel claim), new Message-ID.
    update_rows(con, "send_ledger", [_ledger_row(c, owner, attempt[c.message_id]) for c in again],
                key=("prospect_id", "sequence_step"))
    claimed = fresh + again
    insert_rows(con, "send_attempts", [{
        "message_id": c.message_id, "prospect_id": c.prospect_id, "sequence_step": c.sequence_step,
        "attempt": attempt.get(c.message_id, 1), "inbox_id": c.inbox_id, "to_email": c.to_email,
        "claimed_at": c.at, "state": "claimed",
    } for c in claimed])
    update_rows(con, "emails", [
        {"id": c.email_id, "status": "sending", "inbox_id": c.inbox_id, "message_id": c.message_id}
        for c in claimed], key=("id",))
    firsts = [c.prospect_id for c in claimed if c.sequence_step == 1]
    move_from(con, firsts, Stage.QUEUED, Stage.SENDING, reason="send claimed in the ledger", actor=owner)
    return refused


def _reclaimable(existing: tuple[str, datetime | None, int], at: datetime) -> bool:
    state, retry_at, _ = existing
    return state == "failed" and retry_at is not None and retry_at <= at


def _ledger_row(c: Claim, owner: str, attempts: int) -> dict[str, Any]:
    return {
        "prospect_id": c.prospect_id, "sequence_step": c.sequence_step, "email_id": c.email_id,
        "inbox_id": c.inbox_id, "to_email": c.to_email, "message_id": c.message_id,
        "state": "claimed", "attempts": attempts, "owner": owner, "claimed_at": c.at, "resolved_at": None,
        "smtp_code": None, "enhanced_status": None, "category": None, "detail": None,
        "retry_at": None,
    }


def _inbox_usage(con, claims: Sequence[Claim]) -> dict[str, tuple[int, datetime | None]]:
    """Each claiming inbox's sends on its claim's day and its latest attempt, from the ledger."""
    out: dict[str, tuple[int, datetime | None]] = {}
    for day in sorted({c.at.date() for c in claims}):
        ids = sorted({c.inbox_id for c in claims if c.at.date() == day})
        for inbox_id, used in usage_on(con, day, ids).items():
            out[inbox_id] = (used.sent_today, used.last_attempt_at)
    return out


# -- results ------------------------------------------------------------------------------------


def record_results(con: duckdb.DuckDBPyConnection, results: Sequence[Result], actor: str) -> Effects:
    """Move each claimed row to its outcome, inside the caller's transaction, with everything that
    follows from it: the email's status, the prospect's stage, suppression, inbox health."""
    effects = Effects()
    if not results:
        return effects
    soft_counts = _soft_failures(con, [r for r in results if r.classification.category == "soft"])
    ledger, attempts, emails = [], [], []
    for r in results:
        c, category = r.claim, r.classification.category
        state, retry_at, status = _outcome(r, soft_counts.get((c.prospect_id, c.sequence_step), 0))
        common = {"smtp_code": r.smtp_code, "enhanced_status": r.classification.enhanced_status,
                  "category": "delivered" if category == "delivered" else category,
                  "detail": r.detail[:500], "resolved_at": None if state == "unknown" else r.at}
        ledger.append({"prospect_id": c.prospect_id, "sequence_step": c.sequence_step, "state": state,
                       "retry_at": retry_at, **common})
        attempts.append({"message_id": c.message_id, "state": state, **common})
        emails.append({"id": c.email_id, "status": status, "from_email": r.from_email,
                       "sent_at": r.at if state == "sent" else None})
    update_rows(con, "send_ledger", ledger, key=("prospect_id", "sequence_step"))
    update_rows(con, "send_attempts", attempts, key=("message_id",))
    update_rows(con, "emails", emails, key=("id",))

    by_state: dict[str, list[str]] = {}
    for r, row in zip(results, ledger):
        if r.claim.sequence_step == 1:
            by_state.setdefault(row["state"], []).append(r.claim.prospect_id)
    move_from(con, by_state.get("sent", []), Stage.SENDING, Stage.SENT,
              reason="accepted by the recipient's server", actor=actor)
    move_from(con, by_state.get("failed", []), Stage.SENDING, Stage.QUEUED,
              reason="not delivered: waits for a retry", actor=actor)
    for r, row in zip(results, ledger):
        if row["category"] == "hard":
            moved = suppress_address(con, r.claim.to_email, reason=f"hard bounce: {r.classification.reason}",
                                     source="smtp", actor=actor)
            effects.suppressed.extend(moved)
    _inbox_health(con, results, actor, effects)
    return effects


def _outcome(r: Result, soft_so_far: int) -> tuple[str, datetime | None, str]:
    """(ledger state, retry time, email status) for one result."""
    category = r.classification.category
    if category == "delivered":
        return "sent", None, "sent"
    if category == "unknown":
        return "unknown", None, "unknown"
    if category == "soft":
        delay = soft_retry_delay(soft_so_far + 1)
        if delay is None:   # the fourth soft failure: treated as hard
            return "failed", None, "bounced"
        return "failed", r.at + delay, "queued"
    if category == "hard":
        return "failed", None, "bounced"
    if category == "policy":
        return "failed", r.at + POLICY_RETRY, "queued"
    return "failed", r.at, "queued"   # inbox: never reached a server; another run may try at once


def _soft_failures(con, results: Sequence[Result]) -> dict[tuple[str, int], int]:
    if not results:
        return {}
    return {(r[0], r[1]): r[2] for r in con.execute(
        "SELECT prospect_id, sequence_step, count(*) FROM send_attempts WHERE category = 'soft' "
        "AND (prospect_id, sequence_step) IN (SELECT unnest(?), unnest(?)) GROUP BY ALL",
        [[r.claim.prospect_id for r in results], [r.claim.sequence_step for r in results]],
    ).fetchall()}


def _inbox_health(con, results: Sequence[Result], actor: str, effects: Effects) -> None:
    deltas: dict[str, float] = {}
    failures: dict[str, Result] = {}
    delivered: set[str] = set()
    for r in results:
        inbox, category = r.claim.inbox_id, r.classification.category
        deltas[inbox] = deltas.get(inbox, 0.0) + {
            "delivered": HEALTH_DELIVERED, "hard": HEALTH_HARD_BOUNCE, "policy": HEALTH_POLICY,
            "inbox": HEALTH_INBOX_FAILURE,
        }.get(category, 0.0)
        if category == "inbox":
            failures[inbox] = r
        elif category == "delivered":
            delivered.add(inbox)
        if category == "policy":
            record_alert(con, "sender_policy", "error",
                   f"inbox {r.from_email} refused by policy ({r.classification.reason}) "
                   f"sending to {mask_email(r.claim.to_email)}",
                   {"inbox_id": inbox, "enhanced_status": r.classification.enhanced_status,
                    "smtp_code": r.smtp_code})
    for inbox, delta in deltas.items():
        con.execute("UPDATE inboxes SET health_score = greatest(0, least(100, health_score + ?)), "
                    "updated_at = now() WHERE id = ?", [delta, inbox])
    for inbox in delivered - failures.keys():
        con.execute("UPDATE inboxes SET backoff_failures = 0 WHERE id = ? AND backoff_failures > 0",
                    [inbox])
    for inbox, r in failures.items():
        (count,) = con.execute("UPDATE inboxes SET backoff_failures = backoff_failures + 1 "
                               "WHERE id = ? RETURNING backoff_failures", [inbox]).fetchall()[0]
        until = r.at + backoff_delay(count)
        con.execute("UPDATE inboxes SET backoff_until = ? WHERE id = ?", [until, inbox])
        effects.backed_off[inbox] = until
    for inbox in {r.claim.inbox_id for r in results if r.classification.category in ("hard", "policy")}:
        reason = pause_if_bouncing(con, inbox)
        if reason:
            effects.paused[inbox] = reason


def pause_if_bouncing(con: duckdb.DuckDBPyConnection, inbox_id: str) -> str | None:
    """Pause an inbox whose bounce rate over its last 50+ sends passed 5%; the reason when it did."""
    measured = bounce_rate(con, inbox_id)
    if not measured or measured[0] <= MAX_BOUNCE_RATE:
        return None
    rate, bounced, sends = measured
    reason = (f"bounce rate {rate:.1%} over its last {sends} sends ({bounced} bounced) "
              f"is above {MAX_BOUNCE_RATE:.0%}")
    paused = con.execute("UPDATE inboxes SET paused = TRUE, pause_reason = ?, paused_at = now() "
                         "WHERE id = ? AND NOT paused RETURNING email", [reason, inbox_id]).fetchall()
    if not paused:
        return None
    record_alert(con, "inbox_paused", "error", f"inbox {paused[0][0]} paused itself: {reason}",
                 {"inbox_id": inbox_id, "bounce_rate": rate, "sends": sends})
    return reason


# -- crashed claims and their reconcile ---------------------------------------------------------


def _owner_dead(owner: str, me: str) -> bool:
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if owner == me or host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def expire_orphans(con: duckdb.DuckDBPyConnection, now: datetime, owner: str,
                   lease: timedelta = ORPHAN_LEASE,
                   is_dead: Callable[[str, str], bool] = _owner_dead) -> list[str]:
    """Claims whose process died before SMTP answered become ``unknown``: the message may or may
    not have left. Dead means: a process of this host that no longer exists, or a claim older than
    the lease. Returns their Message-IDs."""
    rows = con.execute("SELECT message_id, owner, claimed_at FROM send_ledger WHERE state = 'claimed'").fetchall()
    stale = [m for m, who, at in rows if who != owner and (at < now - lease or is_dead(who, owner))]
    if stale:
        detail = "the sending process stopped between claim and answer: delivery unknown"
        con.execute("UPDATE send_ledger SET state = 'unknown', category = 'unknown', detail = ? "
                    "WHERE message_id IN (SELECT unnest(?)) AND state = 'claimed'", [detail, stale])
        con.execute("UPDATE send_attempts SET state = 'unknown', category = 'unknown', detail = ? "
                    "WHERE message_id IN (SELECT unnest(?))", [detail, stale])
        con.execute("UPDATE emails SET status = 'unknown' WHERE message_id IN (SELECT unnest(?))", [stale])
    return stale


def unknown_sends(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Sends nobody can vouch for: for the reconcile, the review list and the nightly check."""
    return fetch_dicts(con, """
        SELECT l.message_id, l.prospect_id, l.sequence_step, l.email_id, l.inbox_id, l.to_email,
               l.claimed_at, l.detail, i.email AS inbox_email
          FROM send_ledger l LEFT JOIN inboxes i ON i.id = l.inbox_id
         WHERE l.state = 'unknown' ORDER BY l.claimed_at""")


def settle_unknown(con: duckdb.DuckDBPyConnection, message_ids: Iterable[str], *, delivered: bool,
                   at: datetime, detail: str, actor: str, reviewed_by: str | None = None) -> int:
    """Resolve unknown sends: delivered ones become sent; undelivered ones failed and free to be
    claimed again (they provably never left). Returns how many rows moved."""
    ids = list(message_ids)
    if not ids:
        return 0
    rows = con.execute(
        "SELECT prospect_id, sequence_step, email_id, message_id FROM send_ledger "
        "WHERE state = 'unknown' AND message_id IN (SELECT unnest(?))", [ids]).fetchall()
    if not rows:
        return 0
    moved = [r[3] for r in rows]
    state, category = ("sent", "delivered") if delivered else ("failed", "inbox")
    con.execute(
        "UPDATE send_ledger SET state = ?, category = ?, detail = ?, resolved_at = ?, reviewed_by = ?, "
        "retry_at = CASE WHEN ? THEN NULL ELSE ? END WHERE message_id IN (SELECT unnest(?))",
        [state, category, detail, at, reviewed_by, delivered, at, moved])
    con.execute("UPDATE send_attempts SET state = ?, category = ?, detail = ?, resolved_at = ? "
                "WHERE message_id IN (SELECT unnest(?))", [state, category, detail, at, moved])
    con.execute("UPDATE emails SET status = ?, sent_at = CASE WHEN ? THEN ? END "
                "WHERE message_id IN (SELECT unnest(?))",
                ["sent" if delivered else "queued", delivered, at, moved])
    move_from(con, [r[0] for r in rows if r[1] == 1], Stage.SENDING,
              Stage.SENT if delivered else Stage.QUEUED, reason=f"unknown send settled: {detail}",
              actor=actor)
    return len(moved)


def mark_delivered_contacted(con: duckdb.DuckDBPyConnection, now: datetime, actor: str,
                             quiet: timedelta = timedelta(hours=24)) -> int:
    """First emails out for a day without a bounce: the prospect counts as contacted."""
    ids = [r[0] for r in con.execute(
        "SELECT p.id FROM prospects p JOIN send_ledger l ON l.prospect_id = p.id "
        "AND l.sequence_step = 1 AND l.state = 'sent' WHERE p.stage = 'sent' AND l.resolved_at < ?",
        [now - quiet]).fetchall()]
    transition_many(con, ids, Stage.CONTACTED, reason="first email delivered, no bounce within 24 h",
                    actor=actor)
    return len(ids)


def move_from(con: duckdb.DuckDBPyConnection, prospect_ids: Sequence[str], source: Stage,
              target: Stage, *, reason: str, actor: str) -> list[str]:
    """Move those of ``prospect_ids`` still in ``source``: anything else (an unsubscribe that landed
    mid-send, say) has already moved them somewhere that outranks the send's news."""
    if not prospect_ids:
        return []
    ids = [r[0] for r in con.execute(
        "SELECT id FROM prospects WHERE id IN (SELECT unnest(?)) AND stage = ?",
        [list(prospect_ids), str(source)]).fetchall()]
    transition_many(con, ids, target, reason=reason, actor=actor)
    return ids


# -- group commit -------------------------------------------------------------------------------


class LedgerWriter:
    """Batches claims and results from every inbox's task into short transactions.

    ``claim`` returns only after the claim is committed (or refused): SMTP is never spoken for an
    uncommitted claim. ``record`` returns after the result is committed.
    """

    def __init__(self, store: CRMStore, owner: str, actor: str, max_batch: int = 512):
        self.store, self.owner, self.actor, self.max_batch = store, owner, actor, max_batch
        self.effects = Effects()
        self.commits = 0
        self.emergency = False
        self._queue: asyncio.Queue = asyncio.Queue()
        self._task: asyncio.Task | None = None

    async def __aenter__(self) -> "LedgerWriter":
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc) -> None:
        await self._queue.put(None)
        if self._task:
            await self._task

    async def claim(self, claim: Claim) -> str | None:
        future = asyncio.get_running_loop().create_future()
        await self._queue.put(("claim", claim, future))
        return await future

    async def record(self, result: Result) -> None:
        future = asyncio.get_running_loop().create_future()
        await self._queue.put(("result", result, future))
        await future

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            item = await self._queue.get()
            batch = []
            while item is not None:
                batch.append(item)
                if len(batch) >= self.max_batch or self._queue.empty():
                    break
                item = self._queue.get_nowait()
            stopping = item is None
            if not batch:
                continue
            try:
                outcome = await asyncio.to_thread(self._commit, batch)
            except BaseException as exc:   # the run must hear about it, not hang on a future
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (kind, item_, future), value in zip(batch, outcome):
                if not future.done():
                    future.set_result(value)

    def _commit(self, batch: list) -> list:
        claims = [item for kind, item, _ in batch if kind == "claim"]
        results = [item for kind, item, _ in batch if kind == "result"]
        with self.store.transaction() as con:
            # Results first: a result frees quota and gap information the claims check.
            effects = record_results(con, results, self.actor)
            refused = claim_batch(con, claims, self.owner)
        self.commits += 1
        self.effects.suppressed += effects.suppressed
        self.effects.paused.update(effects.paused)
        self.effects.backed_off.update(effects.backed_off)
        if any(r == REFUSED_EMERGENCY for r in refused.values()):
            self.emergency = True
        return [refused.get(item.message_id) if kind == "claim" else None for kind, item, _ in batch]
