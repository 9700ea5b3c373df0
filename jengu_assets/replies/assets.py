"""The replies asset: every stored inbound message understood, matched and acted on, exactly once.

``replies`` is not partitioned: it works through whatever ``reply_polling_sensor`` stored and nothing
processed yet (status ``new``). Understanding is pure and never raises; a human reply's intent comes
from the LLM chain (offline rules without a key). Each batch of messages is matched and acted on in
one transaction that also marks them processed, so a failed run leaves them ``new`` for the next
one and a finished one is never processed again. A message whose actions fail on their own is
marked ``failed`` with the error, and the run goes on: one bad message never stops the others.
"""

import asyncio
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import dagster as dg

from jengu_assets.acquisition.reporting import markdown_table
from jengu_assets.replies import prompts
from jengu_assets.replies.actions import Analysis, Inbound, Outcome, act
from jengu_assets.replies.intent import offline_handler, offline_intent
from jengu_assets.replies.matching import NO_MATCH, Match, match
from jengu_assets.replies.understanding import Understanding, understand
from jengu_resources.crm_store import CRMStore, fetch_dicts
from jengu_resources.llm import LLM, LLMError

GROUP = "replies"
BATCH = 200
IN_FLIGHT = 16


@dataclass
class ProcessReport:
    processed: int = 0
    kinds: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    intents: Counter = field(default_factory=Counter)
    actions: Counter = field(default_factory=Counter)
    failed: dict[str, str] = field(default_factory=dict)
    preview: list[dict] = field(default_factory=list)


def _to_inbound(row: dict, u: Understanding, analysis: Analysis | None) -> Inbound:
    bounce, auto = u.bounce, u.auto_reply
    return Inbound(
        id=row["id"], message_key=row["message_key"], inbox_id=row["inbox_id"],
        received_at=row["received_at"] or u.parsed.date, from_address=u.parsed.from_address,
        subject=u.parsed.subject, kind=u.kind, reason=u.reason,
        bounce_recipient=bounce.recipient if bounce else (u.complaint.recipient if u.complaint else None),
        bounce_status=bounce.status if bounce else None,
        bounce_category=bounce.category if bounce else None,
        return_date=auto.return_date if auto else None,
        reply_text=u.reply_text, analysis=analysis,
    )


def _match(con, u: Understanding) -> Match:
    if u.kind in ("own", "malformed"):
        return NO_MATCH
    original_id = (u.bounce.original_message_id if u.bounce else
                   u.complaint.original_message_id if u.complaint else None)
    original_rcpt = (u.bounce.recipient if u.bounce else u.complaint.recipient if u.complaint else None)
    return match(con, in_reply_to=u.parsed.in_reply_to, references=u.parsed.references,
                 original_message_id=original_id, original_recipient=original_rcpt,
                 from_address=None if u.kind in ("bounce", "complaint") else u.parsed.from_address)


async def _analyse(llm: LLM, crm: CRMStore, items: list[tuple[dict, Understanding]]
                   ) -> dict[str, Analysis]:
    """Intent for each human reply, through the chain; a provider failure falls to the offline rules."""
    gate = asyncio.Semaphore(IN_FLIGHT)
    out: dict[str, Analysis] = {}

    async def one(session, row: dict, u: Understanding) -> None:
        async with gate:
            try:
                result = await session.complete(
                    task=prompts.REPLY_INTENT_TASK, system=prompts.SYSTEM_PROMPT,
                    prompt=prompts.reply_intent_prompt(u.reply_text or "", u.parsed.subject),
                    schema=prompts.ReplyAnalysis, prospect_id=None, email_id=None)
                value, provider = result.value, result.provider
            except LLMError:
                value = offline_intent(u.reply_text or "", u.parsed.subject)
                provider = "offline"
        out[row["id"]] = Analysis(
            intent=value.intent, sentiment=value.sentiment, confidence=float(value.confidence),
            reasoning=value.reasoning, details=value.details.model_dump(mode="json"),
            provider=provider)

    if items:
        async with llm.session(crm=crm, offline_handlers={
                prompts.REPLY_INTENT_TASK: offline_handler}) as session:
            await asyncio.gather(*(one(session, row, u) for row, u in items))
    return out


def _record(con, row: dict, u: Understanding, found: Match, outcome: Outcome, now: datetime) -> None:
    details: dict[str, Any] = {}
    if u.bounce:
        details["bounce"] = {"recipient": u.bounce.recipient, "status": u.bounce.status,
                             "category": u.bounce.category}
    if u.auto_reply:
        details["auto_reply"] = {"return_date": str(u.auto_reply.return_date)
                                 if u.auto_reply.return_date else None}
    con.execute(
        "UPDATE inbound_messages SET status = ?, kind = ?, reason = ?, from_email = ?, subject = ?, "
        "in_reply_to = ?, prospect_id = ?, email_id = ?, matched_by = ?, details = ?, actions = ?, "
        "processed_at = ?, attempts = attempts + 1 WHERE id = ? AND status = 'new'",
        [outcome.status, u.kind, outcome.reason, u.parsed.from_address, (u.parsed.subject or "")[:998],
         u.parsed.in_reply_to, found.prospect_id, found.email_id, found.matched_by,
         json.dumps(details), json.dumps(outcome.actions), now, row["id"]])


def _apply(con, row: dict, u: Understanding, analysis: Analysis | None, now: datetime,
           actor: str) -> tuple[Match, Outcome]:
    found = _match(con, u)
    outcome = act(con, _to_inbound(row, u, analysis), found, now=now, actor=actor)
    _record(con, row, u, found, outcome, now)
    return found, outcome


def process_pending(crm: CRMStore, llm: LLM, *, actor: str, now: datetime | None = None,
                    batch: int = BATCH) -> ProcessReport:
    """Work through every ``new`` inbound message, a batch at a time."""
    now = now or datetime.now(timezone.utc)
    report = ProcessReport()
    skip: set[str] = set()
    while True:
        with crm.connect() as con:
            own = {r[0] for r in con.execute("SELECT lower(email) FROM inboxes").fetchall()}
            rows = fetch_dicts(con, "SELECT id, message_key, inbox_id, raw, received_at FROM inbound_messages "
                                    "WHERE status = 'new' AND id NOT IN (SELECT unnest(?)) "
                                    "ORDER BY stored_at, id LIMIT ?", [sorted(skip), batch])
        if not rows:
            return report
        understood = [(row, understand(bytes(row["raw"]), own_addresses=frozenset(own))) for row in rows]
        analyses = asyncio.run(_analyse(llm, crm, [(r, u) for r, u in understood if u.kind == "human_reply"]))
        results: list[tuple[dict, Understanding, Match, Outcome]] = []
        try:
            with crm.transaction() as con:
                for row, u in understood:
                    found, outcome = _apply(con, row, u, analyses.get(row["id"]), now, actor)
                    results.append((row, u, found, outcome))
        except Exception:
            # One message's actions failed: apply them one per transaction to find it.
            results = []
            for row, u in understood:
                try:
                    with crm.transaction() as con:
                        found, outcome = _apply(con, row, u, analyses.get(row["id"]), now, actor)
                    results.append((row, u, found, outcome))
                except Exception as exc:  # recorded, and the run goes on
                    error = f"{type(exc).__name__}: {exc}"[:500]
                    with crm.transaction() as con:
                        con.execute("UPDATE inbound_messages SET status = 'failed', reason = ?, "
                                    "attempts = attempts + 1 WHERE id = ?", [error, row["id"]])
                    report.failed[row["id"]] = error
                    skip.add(row["id"])
        for row, u, found, outcome in results:
            skip.add(row["id"])
            report.processed += 1
            report.kinds[u.kind] += 1
            report.statuses[outcome.status] += 1
            analysis = analyses.get(row["id"])
            if analysis:
                report.intents[analysis.intent] += 1
            for action in outcome.actions:
                report.actions[action.split(":")[0].split(" (")[0]] += 1
            if len(report.preview) < 20:
                report.preview.append({
                    "kind": u.kind, "status": outcome.status,
                    "intent": analysis.intent if analysis else "",
                    "matched_by": found.matched_by or "", "actions": "; ".join(outcome.actions)[:120]})


@dg.asset(
    group_name=GROUP,
    pool="llm",
    kinds={"duckdb", "python"},
    description="Inbound mail understood (bounce, auto-reply, complaint, human reply), matched to "
    "our emails and acted on: stages, suppression, holds, delegations, notifications.",
)
def replies(context: dg.AssetExecutionContext, crm: CRMStore, llm: LLM) -> dg.MaterializeResult:
    report = process_pending(crm, llm, actor=f"replies/{context.run.run_id}")
    with crm.connect() as con:
        unmatched = con.execute("SELECT count(*) FROM inbound_messages WHERE status = 'unmatched'").fetchone()[0]
    if report.failed:
        context.log.warning(f"{len(report.failed)} messages failed: {list(report.failed.items())[:3]}")
    return dg.MaterializeResult(metadata={
        "processed": dg.MetadataValue.int(report.processed),
        "kinds": dg.MetadataValue.json(dict(report.kinds)),
        "statuses": dg.MetadataValue.json(dict(report.statuses)),
        "intents": dg.MetadataValue.json(dict(report.intents)),
        "actions": dg.MetadataValue.json(dict(report.actions)),
        "failed": dg.MetadataValue.json(report.failed),
        "unmatched_total": dg.MetadataValue.int(unmatched),
        "preview": dg.MetadataValue.md(markdown_table(
            report.preview, ["kind", "status", "intent", "matched_by", "actions"])
            if report.preview else "nothing new"),
    })
