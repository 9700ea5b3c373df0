"""One tick of the send schedule: tidy the ledger, pick due emails, plan a human pace, send.

    expire orphans -> reconcile unknown sends (IMAP Sent) -> select due -> plan -> per-inbox tasks

Inboxes send concurrently; each inbox's task sends its planned emails one after another over a single
SMTP connection, so one inbox never sends two at once. Every send is claimed in the ledger (committed)
before SMTP is spoken, and its answer recorded after. A kill at any point leaves at most the sends in
flight as ``claimed``, which the next tick turns into ``unknown``: nothing is ever resent blindly.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from jengu_assets.sending import ledger
from jengu_assets.sending.bounces import classify
from jengu_assets.sending.inboxes import Inbox, InboxConfigError, load_inboxes, usage_on
from jengu_assets.sending.pacing import PacingSettings, Plan, PlannedSend, plan_tick
from jengu_assets.sending.selection import select_due
from jengu_assets.sending.unsubscribe import (
    BASE_URL_ENV,
    MAILTO_ENV,
    secret_from_env,
    unsubscribe_links,
)
from jengu_resources.crm_store import CRMStore, fetch_dicts
from jengu_resources.imap import ImapError, find_message_ids
from jengu_resources.settings import read as read_setting
from jengu_resources.smtp import OutgoingEmail, SmtpSession, SmtpSettings, new_message_id

RECONCILE_GRACE = timedelta(minutes=15)   # a server may file its Sent copy a little after the 250


class Clock(Protocol):
    def now(self) -> datetime: ...
    async def sleep_until(self, at: datetime) -> None: ...


class RealClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    async def sleep_until(self, at: datetime) -> None:
        delay = (at - self.now()).total_seconds()
        if delay > 0:
            await asyncio.sleep(delay)


class TickClock:
    """A clock that stands still at the tick's time and never waits: each send is stamped with its
    planned moment. For the compressed-day benchmark, the demo and tests."""

    def __init__(self, at: datetime):
        self.at = at

    def now(self) -> datetime:
        return self.at

    async def sleep_until(self, at: datetime) -> None:
        return None


@dataclass(frozen=True)
class SendSettings:
    pacing: PacingSettings = field(default_factory=PacingSettings)
    seed: int | None = None                  # None: a fresh random pace each tick
    smtp_timeout_seconds: float = 30.0
    # Inboxes with an SMTP connection open at once: file descriptors and the servers' patience.
    max_parallel_inboxes: int = 200
    orphan_lease: timedelta = ledger.ORPHAN_LEASE
    reconcile_grace: timedelta = RECONCILE_GRACE
    unsubscribe_base_url: str = "http://127.0.0.1:8025"
    unsubscribe_mailto: str | None = None    # None: the sending inbox's own address

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ, **overrides: Any) -> "SendSettings":
        seed = read_setting("JENGU_SEND_SEED", env)
        skip = read_setting("JENGU_SEND_SKIP_PROBABILITY", env)
        pacing = PacingSettings(skip_probability=skip) if skip is not None else PacingSettings()
        values: dict[str, Any] = {
            "pacing": pacing, "seed": seed,
            "unsubscribe_base_url": read_setting(BASE_URL_ENV, env) or cls.unsubscribe_base_url,
            "unsubscribe_mailto": read_setting(MAILTO_ENV, env),
        }
        values.update(overrides)
        return cls(**values)


@dataclass
class SendReport:
    started_at: datetime
    emergency_stop: str | None = None
    expired_claims: int = 0
    reconciled: Counter = field(default_factory=Counter)    # sent | failed | error
    due: int = 0
    planned: int = 0
    outcomes: Counter = field(default_factory=Counter)      # delivered | soft | hard | policy | inbox | unknown
    refused: Counter = field(default_factory=Counter)       # claim refusals, by reason
    not_due: Counter = field(default_factory=Counter)       # selection refusals, by reason
    skipped: Counter = field(default_factory=Counter)       # plan skips, by reason
    inboxes: dict[str, str] = field(default_factory=dict)   # inbox id -> what it did or why not
    examples: dict[str, list[str]] = field(default_factory=dict)
    suppressed: int = 0
    paused: dict[str, str] = field(default_factory=dict)
    commits: int = 0
    sent_ids: list[str] = field(default_factory=list)       # Message-IDs delivered this tick

    @property
    def sent(self) -> int:
        return self.outcomes["delivered"]

    def as_metadata(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "outcomes": dict(self.outcomes),
            "planned": self.planned,
            "due": self.due,
            "emergency_stop": self.emergency_stop or "off",
            "expired_claims": self.expired_claims,
            "reconciled": dict(self.reconciled),
            "claims_refused": dict(self.refused),
            "not_due": dict(self.not_due),
            "skipped": dict(self.skipped),
            "inboxes": self.inboxes,
            "suppressed_by_bounces": self.suppressed,
            "inboxes_paused": self.paused,
            "ledger_commits": self.commits,
        }


SessionFactory = Callable[[SmtpSettings], SmtpSession]
SentFinder = Callable[..., set]


async def run_tick(
    store: CRMStore,
    *,
    clock: Clock | None = None,
    settings: SendSettings | None = None,
    env: Mapping[str, str] = os.environ,
    actor: str = "send_schedule",
    session_factory: SessionFactory = SmtpSession,
    find_sent: SentFinder = find_message_ids,
) -> SendReport:
    """One send run. Safe to run twice at once: the ledger, not this function, decides who sends."""
    clock = clock or RealClock()
    settings = settings or SendSettings.from_env(env)
    owner = ledger.process_owner()
    now = clock.now()
    report = SendReport(started_at=now)

    with store.transaction() as con:
        report.expired_claims = len(ledger.expire_orphans(con, now, owner, settings.orphan_lease))
        ledger.mark_delivered_contacted(con, now, actor)
        stop = ledger.emergency_stop(con)
        inboxes = load_inboxes(con)
        unknown = ledger.unknown_sends(con)
        imap_inboxes = {i.id for i in inboxes if i.imap_host}
        reconcile = [r for r in unknown if r["inbox_id"] in imap_inboxes]
        # One connection for the whole read side when no network call has to come between.
        planned = None if stop or reconcile else _plan(con, inboxes, now, settings, report)
    if stop:
        report.emergency_stop = f"on since {stop['changed_at']}: {stop['reason'] or 'no reason given'}"
        return report
    if planned is None:
        await _reconcile(store, reconcile, inboxes, now, settings, env, actor, find_sent, report)
        with store.connect() as con:
            planned = _plan(con, inboxes, now, settings, report)
    plan, content = planned
    if not plan.planned:
        return report

    pool = {i.id: i for i in inboxes}
    secret = secret_from_env()
    gate = asyncio.Semaphore(settings.max_parallel_inboxes)

    async def inbox_task(inbox_id: str, sends: list[PlannedSend]) -> None:
        # Wait for the first send before taking a place: inboxes start spread over the tick.
        await clock.sleep_until(sends[0].at)
        async with gate:
            await _inbox_task(pool[inbox_id], sends, content, writer, clock, settings, env, secret,
                              report, session_factory)

    async with ledger.LedgerWriter(store, owner, actor) as writer:
        await asyncio.gather(*(inbox_task(i, sends) for i, sends in plan.sends.items()))
    report.commits = writer.commits
    report.suppressed = len(writer.effects.suppressed)
    report.paused = writer.effects.paused
    if writer.emergency:
        report.emergency_stop = "switched on during the run: the remaining sends were not claimed"
    return report


def _plan(con, inboxes: list[Inbox], now: datetime, settings: SendSettings,
          report: SendReport) -> tuple[Plan, dict[str, dict]]:
    """Due emails, placed on inbox slots, with the content of those placed."""
    selection = select_due(con, now)
    usage = usage_on(con, now.date())
    report.due = len(selection.due)
    report.not_due.update(selection.refused)
    report.examples.update(selection.examples)
    rng = random.Random(settings.seed)
    plan = plan_tick(selection.due, inboxes, usage, now, settings.pacing, rng)
    report.planned = plan.planned
    report.skipped.update(plan.skipped)
    report.examples.update(plan.examples)
    report.inboxes.update(plan.inboxes)
    ids = [s.email.email_id for sends in plan.sends.values() for s in sends]
    rows = fetch_dicts(con, "SELECT id, subject, body, in_reply_to, references_header FROM emails "
                            "WHERE id IN (SELECT unnest(?))", [ids]) if ids else []
    return plan, {r["id"]: r for r in rows}


async def _inbox_task(inbox: Inbox, sends: list[PlannedSend], content: dict[str, dict],
                      writer: ledger.LedgerWriter, clock: Clock, settings: SendSettings,
                      env: Mapping[str, str], secret: str | None, report: SendReport,
                      session_factory: SessionFactory) -> None:
    try:
        smtp = inbox.smtp_settings(env, timeout_seconds=settings.smtp_timeout_seconds)
    except InboxConfigError as exc:
        report.inboxes[inbox.id] = f"not sending: {exc}"
        return
    done = Counter()
    async with session_factory(smtp) as session:
        for planned in sends:
            await clock.sleep_until(planned.at)
            if writer.emergency:
                break
            at = max(planned.at, clock.now())
            email = planned.email
            claim = ledger.Claim(
                email_id=email.email_id, prospect_id=email.prospect_id,
                sequence_step=email.sequence_step, inbox_id=inbox.id, to_email=email.to_email,
                message_id=new_message_id(inbox.domain), at=at, daily_cap=inbox.cap_on(at.date()),
                min_gap_seconds=inbox.min_gap_seconds,
            )
            refusal = await writer.claim(claim)
            if refusal:
                report.refused[refusal] += 1
                if refusal == ledger.REFUSED_EMERGENCY:
                    break
                continue
            outgoing = _outgoing(inbox, claim, content[email.email_id], settings, secret)
            outcome = await session.send(outgoing)
            verdict = classify(outcome)
            await writer.record(ledger.Result(
                claim=claim, classification=verdict, smtp_code=outcome.code,
                detail=verdict.reason or outcome.message, at=at, from_email=inbox.email))
            report.outcomes[verdict.category] += 1
            done[verdict.category] += 1
            if verdict.category == "delivered":
                report.sent_ids.append(claim.message_id)
            if verdict.category in ("inbox", "policy"):
                # The inbox itself is in trouble: it rests (backoff or health) for the rest of the run.
                break
    report.inboxes[inbox.id] = ", ".join(f"{n} {k}" for k, n in sorted(done.items())) or "sent nothing"


def _outgoing(inbox: Inbox, claim: ledger.Claim, row: dict, settings: SendSettings,
              secret: str | None) -> OutgoingEmail:
    links = unsubscribe_links(claim.to_email, secret=secret, base_url=settings.unsubscribe_base_url,
                              mailto_address=settings.unsubscribe_mailto or inbox.email)
    references = tuple((row.get("references_header") or "").split())
    return OutgoingEmail(
        message_id=claim.message_id, from_email=inbox.email, from_name=inbox.display_name,
        to_email=claim.to_email, subject=row["subject"], body=row["body"] or "", date=claim.at,
        reply_to=inbox.reply_to, in_reply_to=row.get("in_reply_to"), references=references,
        unsubscribe_mailto=links.mailto, unsubscribe_url=links.url,
    )


async def _reconcile(store: CRMStore, unknown: list[dict], inboxes: list[Inbox], now: datetime,
                     settings: SendSettings, env: Mapping[str, str], actor: str,
                     find_sent: SentFinder, report: SendReport) -> None:
    """Unknown sends of inboxes with IMAP (``unknown`` holds only theirs): found in Sent -> sent;
    absent well after the attempt -> failed (it never left, so it may go again)."""
    pool = {i.id: i for i in inboxes}
    by_inbox: dict[str, list[dict]] = {}
    for row in unknown:
        by_inbox.setdefault(row["inbox_id"], []).append(row)
    for inbox_id, rows in by_inbox.items():
        inbox = pool[inbox_id]
        try:
            imap = inbox.imap_settings(env)
            found = await asyncio.to_thread(find_sent, imap, inbox.sent_folder,
                                            [r["message_id"] for r in rows])
        except (ImapError, InboxConfigError, OSError) as exc:
            report.reconciled["error"] += len(rows)
            report.inboxes[inbox_id] = f"reconcile failed: {exc}"
            continue
        absent = [r["message_id"] for r in rows
                  if r["message_id"] not in found and r["claimed_at"] < now - settings.reconcile_grace]
        with store.transaction() as con:
            report.reconciled["sent"] += ledger.settle_unknown(
                con, found, delivered=True, at=now, actor=actor,
                detail=f"found in {inbox.email}'s {inbox.sent_folder} folder")
            report.reconciled["failed"] += ledger.settle_unknown(
                con, absent, delivered=False, at=now, actor=actor,
                detail=f"absent from {inbox.email}'s {inbox.sent_folder} folder: never delivered")
