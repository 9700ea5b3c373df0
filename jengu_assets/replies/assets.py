"""The replies asset: every stored inbound message understood, matched and acted on, exactly once.

``replies`` is not partitioned: it works through whatever ``reply_polling_sensor`` stored and nothing
processed yet (status ``new``). Understanding is pure and never raises; a human reply's intent comes
from the LLM chain (offline rules without a key). Each batch of messages is matched and acted on in
one transaction that also marks them processed, so a failed run leaves them ``new`` for the next
one and a finished one is never processed again. A message whose actions fail on their own is
marked ``failed`` with the error, and the run goes on: one bad message never stops the others.
Unmatched and failed messages wait for a person (``review``), who can send them back as ``new``.
"""

import asyncio
import json
import multiprocessing
import time
from collections import Counter
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import dagster as dg

from jengu_assets.acquisition.reporting import markdown_table
from jengu_assets.replies import prompts
from jengu_assets.replies.actions import Analysis, Inbound, Outcome, act_many
from jengu_assets.replies.intent import offline_handler, offline_intent
from jengu_assets.replies.matching import Match, match_many
from jengu_assets.replies.reading import read_batch
from jengu_assets.replies.review import PERSON
from jengu_assets.replies.understanding import Understanding
from jengu_resources.crm_store import CRMStore, fetch_dicts, update_rows
from jengu_resources.llm import LLM, LLMError

GROUP = "replies"
BATCH = 1000
READERS = 2     # worker processes understanding a backlog, each half of a batch
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
    seconds: Counter = field(default_factory=Counter)   # understand (+ offline intent) | intent | write


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
        challenge=bool(auto and auto.challenge),
        departed=bool(auto and auto.departed),
        successor=auto.successor.model_dump() if auto and auto.successor else None,
        reply_text=u.reply_text, analysis=analysis,
    )


def _query(u: Understanding) -> dict:
    """What matching needs from one message (see ``matching.match``)."""
    if u.kind in ("own", "malformed"):
        return {}
    report = u.bounce or u.complaint
    held_for = u.auto_reply.held_for if u.auto_reply else None
    return {
        "in_reply_to": u.parsed.in_reply_to, "references": u.parsed.references,
        "original_message_id": report.original_message_id if report else None,
        "original_recipient": report.recipient if report else held_for,
        "from_address": None if report else u.parsed.from_address,
    }


def _match_query(row: dict, u: Understanding) -> dict:
    """``_query``, with the prospect a person assigned the message to (``review.assign``)."""
    if row.get("matched_by") == PERSON and row.get("prospect_id"):
        return {**_query(u), "assigned_prospect_id": row["prospect_id"]}
    return _query(u)


def _analysis(value: prompts.ReplyAnalysis, provider: str) -> Analysis:
    return Analysis(intent=value.intent, sentiment=value.sentiment, confidence=float(value.confidence),
                    reasoning=value.reasoning, details=value.details.model_dump(mode="json"),
                    provider=provider)


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
        out[row["id"]] = _analysis(value, provider)

    if items:
        async with llm.session(crm=crm, offline_handlers={
                prompts.REPLY_INTENT_TASK: offline_handler}) as session:
            await asyncio.gather(*(one(session, row, u) for row, u in items))
    return out


def _details(u: Understanding) -> str:
    details: dict[str, Any] = {}
    if u.bounce:
        details["bounce"] = {"recipient": u.bounce.recipient, "status": u.bounce.status,
                             "category": u.bounce.category}
    if u.auto_reply:
        details["auto_reply"] = {"return_date": str(u.auto_reply.return_date)
                                 if u.auto_reply.return_date else None}
    return json.dumps(details)


def _apply(con, batch: list[tuple[dict, Understanding]], analyses: dict[str, Analysis],
           now: datetime, actor: str) -> list[tuple[dict, Understanding, Match, Outcome]]:
    """Match and act on a batch inside the caller's transaction, and mark each message processed.
    Messages another run processed meanwhile are left alone."""
    still_new = {r[0] for r in con.execute(
        "SELECT id FROM inbound_messages WHERE status = 'new' AND id IN (SELECT unnest(?))",
        [[row["id"] for row, _ in batch]]).fetchall()}
    batch = [(row, u) for row, u in batch if row["id"] in still_new]
    matches = match_many(con, [_match_query(row, u) for row, u in batch])
    outcomes = {row["id"]: outcome for (row, _), outcome in zip(batch, act_many(
        con, [(_to_inbound(row, u, analyses.get(row["id"])), found)
              for (row, u), found in zip(batch, matches)], now=now, actor=actor))}
    update_rows(con, "inbound_messages", [{
        "id": row["id"], "status": outcomes[row["id"]].status, "kind": u.kind,
        "reason": outcomes[row["id"]].reason, "from_email": u.parsed.from_address,
        "subject": (u.parsed.subject or "")[:998], "in_reply_to": u.parsed.in_reply_to,
        "prospect_id": found.prospect_id, "email_id": found.email_id, "matched_by": found.matched_by,
        "details": _details(u), "actions": json.dumps(outcomes[row["id"]].actions), "processed_at": now,
    } for (row, u), found in zip(batch, matches)], key=("id",))
    return [(row, u, found, outcomes[row["id"]]) for (row, u), found in zip(batch, matches)]


def _write(crm: CRMStore, understood: list[tuple[dict, Understanding]], analyses: dict[str, Analysis],
           now: datetime, actor: str) -> tuple[list, dict[str, str]]:
    """Apply one batch in one transaction; if that fails, one message per transaction, so that a
    message whose actions fail is marked ``failed`` with the error and the others go through."""
    try:
        with crm.transaction() as con:
            return _apply(con, understood, analyses, now, actor), {}
    except Exception:
        results, failed = [], {}
        for row, u in understood:
            try:
                with crm.transaction() as con:
                    results += _apply(con, [(row, u)], analyses, now, actor)
            except Exception as exc:  # recorded, and the run goes on
                failed[row["id"]] = f"{type(exc).__name__}: {exc}"[:500]
                with crm.transaction() as con:
                    con.execute("UPDATE inbound_messages SET status = 'failed', reason = ?, "
                                "attempts = attempts + 1 WHERE id = ?", [failed[row["id"]], row["id"]])
        return results, failed


def _timed_write(report: ProcessReport, crm: CRMStore, understood, analyses, now, actor):
    started = time.perf_counter()
    results, failed = _write(crm, understood, analyses, now, actor)
    report.seconds["write"] += time.perf_counter() - started
    return results, failed, analyses


def _tally(report: ProcessReport, results: list, failed: dict[str, str],
           analyses: dict[str, Analysis]) -> None:
    report.failed.update(failed)
    for row, u, found, outcome in results:
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


def process_pending(crm: CRMStore, llm: LLM, *, actor: str, now: datetime | None = None,
                    batch: int = BATCH) -> ProcessReport:
    """Work through every ``new`` inbound message, a batch at a time. Stages overlap: while one
    batch is written (a thread; DuckDB works outside the GIL), the next is read and understood (in a
    worker process when there is a backlog of more than one batch)."""
    now = now or datetime.now(timezone.utc)
    report = ProcessReport()
    offline = not (llm.xai_api_key or llm.anthropic_api_key)
    taken: set[str] = set()     # read by this run: in flight, written, or failed
    with ExitStack() as stack:
        writer = stack.enter_context(ThreadPoolExecutor(max_workers=1, thread_name_prefix="replies-writer"))
        reader: ProcessPoolExecutor | None = None
        in_flight: Future | None = None
        while True:
            with crm.connect() as con:
                own = frozenset(r[0] for r in con.execute("SELECT lower(email) FROM inboxes").fetchall())
                rows = fetch_dicts(con, "SELECT id, message_key, inbox_id, raw, received_at, "
                                        "prospect_id, matched_by "
                                        "FROM inbound_messages WHERE status = 'new' "
                                        "AND id NOT IN (SELECT unnest(?)) ORDER BY stored_at, id LIMIT ?",
                                   [sorted(taken), batch])
            if not rows:
                if in_flight is not None:
                    _tally(report, *in_flight.result())
                return report
            taken.update(row["id"] for row in rows)
            if reader is None and len(rows) == batch:
                reader = stack.enter_context(ProcessPoolExecutor(
                    max_workers=READERS, mp_context=multiprocessing.get_context("spawn")))
            started = time.perf_counter()
            raws = [bytes(row["raw"]) for row in rows]
            if reader:
                half = (len(raws) + 1) // 2
                parts = [reader.submit(read_batch, raws[i:i + half], own, offline)
                         for i in range(0, len(raws), half)]
                read = [item for part in parts for item in part.result()]
            else:
                read = read_batch(raws, own, offline)
            understood = [(row, u) for row, (u, _) in zip(rows, read)]
            report.seconds["understand"] += time.perf_counter() - started
            started = time.perf_counter()
            if offline:
                analyses = {row["id"]: _analysis(value, "offline")
                            for row, (_, value) in zip(rows, read) if value is not None}
            else:
                analyses = asyncio.run(_analyse(llm, crm, [(r, u) for r, u in understood
                                                           if u.kind == "human_reply"]))
            report.seconds["intent"] += time.perf_counter() - started
            if in_flight is not None:
                _tally(report, *in_flight.result())
            in_flight = writer.submit(_timed_write, report, crm, understood, analyses, now, actor)


@dg.asset(
    group_name=GROUP,
    pool="llm",
    kinds={"duckdb", "llm", "python"},
    owners=["team:data-engineering", "team:outreach"],
    deps=["sent_emails"],   # the answers to what was sent (lineage only)
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
