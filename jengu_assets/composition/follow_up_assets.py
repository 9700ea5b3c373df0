"""Follow-ups: the next email in each silent thread, by the composition day of its first email.

For the partition's first emails (``emails.composed_on`` = the day, ``sequence_step`` 1):

1. select (one read): a thread gets a follow-up only when its first email was sent (``sent_at``
   and ``message_id``), the prospect is still ``contacted`` (or ``sent``), nobody replied, no
   email of the prospect bounced, the address is not suppressed, no follow-up of it is held for
   review, ``follow_up_hold_until`` is not in the future, and the next step of the plan is due
   (``follow_ups.due_step``); every other thread is counted under its reason;
2. compose (network only): the LLM chain writes the follow-up from the research report
   (templates offline), the same gates as the first email judge it, failures are written again
   up to ``max_attempts`` drafts and the last one is held with the reasons;
3. flush (one transaction): one ``emails`` row per prospect and step (``e_<prospect>_<step>``),
   replying in the thread (``in_reply_to``, ``references_header``, ``Re:`` subject), and the
   prospect's ``contacted -> contacted`` move with the step in the reason. Rows that exist are
   checked inside the transaction, so a re-run or a second tick writes no step twice and logs no
   second move.
"""

import asyncio
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any

import dagster as dg
import duckdb
from pydantic import Field

from jengu_assets import stages
from jengu_assets.composition import compliance
from jengu_assets.composition.assets import (
    DEFAULT_SENDER,
    GROUP,
    Candidate,
    Composed,
    DraftRequest,
    compose_all,
)
from jengu_assets.composition.follow_ups import (
    FOLLOW_UP_SYSTEM_PROMPT,
    FOLLOW_UP_TASK,
    STEPS,
    due_step,
    follow_up_prompt,
    offline_follow_up,
    thread_subject,
)
from jengu_assets.composition.footer import DEFAULT_SENDER_POSTAL_ADDRESS, footer, with_footer
from jengu_assets.partitions import daily_partitions
from jengu_assets.research.models import ResearchReport
from jengu_resources.crm_store import CRMStore, fetch_dicts, insert_rows
from jengu_resources.llm import LLM
from jengu_resources.spamd import SpamChecker

FOLLOW_UP_STAGES = frozenset({stages.S.CONTACTED.value, stages.S.SENT.value})


class FollowUpConfig(dg.Config):
    sender_postal_address: str = Field(
        default=DEFAULT_SENDER_POSTAL_ADDRESS,
        description="Postal address in every email's footer (CAN-SPAM, UK PECR guidance).",
    )
    sender: str = Field(default=DEFAULT_SENDER,
                        description="From address used to build the message the spam check scores.")
    max_attempts: int = Field(
        default=3, ge=1, description="Drafts per follow-up; after the last failed one it is held."
    )


@dataclass
class FollowUpCandidate(Candidate):
    step: int
    first_subject: str
    thread: list[str]
    """Message ids of the thread so far, oldest first."""

    @property
    def email_id(self) -> str:
        return f"e_{self.prospect_id}_{self.step}"


# -- the store ------------------------------------------------------------------------------------

_THREADS_SQL = """
SELECT e.prospect_id, e.status, e.subject, e.message_id, e.sent_at, e.to_email,
       p.email, p.stage, p.country, p.follow_up_hold_until, r.report,
       (SELECT max(x.sequence_step) FROM emails x WHERE x.prospect_id = e.prospect_id) AS last_step,
       (SELECT list(x.message_id ORDER BY x.sequence_step) FROM emails x
         WHERE x.prospect_id = e.prospect_id AND x.message_id IS NOT NULL) AS thread,
       EXISTS (SELECT 1 FROM replies y WHERE y.prospect_id = e.prospect_id) AS replied,
       EXISTS (SELECT 1 FROM emails b WHERE b.prospect_id = e.prospect_id
                 AND b.status = 'bounced') AS bounced,
       EXISTS (SELECT 1 FROM emails h WHERE h.prospect_id = e.prospect_id
                 AND h.sequence_step > 1 AND h.status = 'held') AS follow_up_held
FROM emails e
JOIN prospects p ON p.id = e.prospect_id
LEFT JOIN (
  SELECT prospect_id, report, row_number() OVER (
    PARTITION BY prospect_id ORDER BY partition_date DESC, created_at DESC) AS n
  FROM research_reports) r ON r.prospect_id = p.id AND r.n = 1
WHERE e.composed_on = ? AND e.sequence_step = 1
ORDER BY e.prospect_id
"""


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def select(crm: CRMStore, day: date, now: datetime) -> tuple[list[FollowUpCandidate], Counter[str]]:
    """The threads of ``day`` with a follow-up due at ``now``, and the others counted by reason."""
    with crm.connect() as con:
        rows = fetch_dicts(con, _THREADS_SQL, [day])
        blocked = compliance.suppressed(
            con, [a for r in rows for a in (r["to_email"], r["email"])])
    skipped: Counter[str] = Counter()
    due: list[FollowUpCandidate] = []
    for row in rows:
        address = (row["to_email"] or row["email"] or "").strip()
        hold_until = _aware(row["follow_up_hold_until"])
        step = None
        if row["bounced"] or row["status"] == "bounced":
            reason = "bounced"
        elif row["status"] != "sent" or row["sent_at"] is None or not row["message_id"]:
            reason = "first email not sent"
        elif row["replied"]:
            reason = "replied"
        elif any(a and a.strip().lower() in blocked for a in (row["to_email"], row["email"])):
            reason = "suppressed"
        elif row["stage"] not in FOLLOW_UP_STAGES:
            reason = f"stage {row['stage']}"
        elif hold_until is not None and hold_until > now:
            reason = "on hold"
        elif row["follow_up_held"]:
            reason = "previous follow-up held for review"
        elif not address:
            reason = "no address"
        elif row["report"] is None:
            reason = "no research report"
        else:
            step = due_step(_aware(row["sent_at"]), row["last_step"], now)  # type: ignore[arg-type]
            reason = "sequence finished" if row["last_step"] >= max(STEPS) else "not due yet"
        if step is None:
            skipped[reason] += 1
            continue
        report = ResearchReport.model_validate_json(row["report"])
        due.append(FollowUpCandidate(
            prospect_id=row["prospect_id"], email=address,
            country=row["country"] or report.country, report=report, step=step,
            first_subject=row["subject"], thread=list(row["thread"] or []),
        ))
    return due, skipped


def days_with_sent_first_emails(con: duckdb.DuckDBPyConnection, *, since: date,
                                until: date) -> list[date]:
    """Composition days in [since, until] with at least one first email sent, oldest first."""
    return [day for (day,) in con.execute(
        "SELECT DISTINCT composed_on FROM emails WHERE sequence_step = 1 AND status = 'sent' "
        "AND sent_at IS NOT NULL AND message_id IS NOT NULL AND composed_on BETWEEN ? AND ? "
        "ORDER BY composed_on", [since, until]).fetchall()]


# -- composing ------------------------------------------------------------------------------------


def follow_up_request(candidate: FollowUpCandidate) -> DraftRequest:
    # The thread fixes the subject; the model's own subject line is never sent.
    return DraftRequest(
        FOLLOW_UP_TASK, FOLLOW_UP_SYSTEM_PROMPT,
        lambda feedback: follow_up_prompt(
            candidate.report, STEPS[candidate.step].kind,
            first_subject=candidate.first_subject, feedback=feedback,
        ),
        subject=thread_subject(candidate.first_subject),
    )


def flush(crm: CRMStore, composed: Sequence[Composed], *, day: date, actor: str,
          postal_address: str) -> dict[str, str]:
    """Writes the new rows and moves; returns each written email id's status."""
    rows: list[dict[str, Any]] = []
    for item in composed:
        c = item.candidate
        assert isinstance(c, FollowUpCandidate)
        if item.draft is None:
            continue
        hold = item.gate_hold_reason()
        by_name = {r.name: r for r in item.results}
        rows.append({
            "id": c.email_id, "prospect_id": c.prospect_id, "sequence_step": c.step,
            "kind": "follow_up", "subject": item.draft.subject,
            "body": with_footer(item.draft.body, postal_address), "to_email": c.email,
            "status": "held" if hold else "queued",
            "in_reply_to": c.thread[0], "references_header": " ".join(c.thread),
            "spam_score": by_name["spam"].score if "spam" in by_name else None,
            "readability_score": (by_name["readability"].score
                                  if "readability" in by_name else None),
            "gates": json.dumps([asdict(r) for r in item.results], ensure_ascii=False),
            "composed_on": day, "hold_reason": hold, "attempts": item.attempts,
            "llm_provider": item.providers[-1] if item.providers else None,
        })
    written: dict[str, str] = {}
    with crm.transaction() as con:
        ids = [r["id"] for r in rows]
        existing = {i for (i,) in con.execute(
            "SELECT id FROM emails WHERE id IN (SELECT unnest(?::VARCHAR[]))", [ids]).fetchall()}
        # Another run may have written a step since this one selected: the step, not the id, counts.
        taken = {(p, s) for p, s in con.execute(
            "SELECT prospect_id, sequence_step FROM emails "
            "WHERE prospect_id IN (SELECT unnest(?::VARCHAR[]))",
            [[r["prospect_id"] for r in rows]]).fetchall()}
        new = [r for r in rows if r["id"] not in existing
               and (r["prospect_id"], r["sequence_step"]) not in taken]
        insert_rows(con, "emails", new, on_conflict="ON CONFLICT DO NOTHING")
        for row in new:
            stages.transition(con, row["prospect_id"], stages.S.CONTACTED,
                              reason=f"follow-up step {row['sequence_step']} queued"
                              if row["status"] == "queued"
                              else f"follow-up step {row['sequence_step']} held: "
                                   f"{row['hold_reason']}",
                              actor=actor)
            written[row["id"]] = row["status"]
    return written


# -- the asset ------------------------------------------------------------------------------------


@dg.asset(
    partitions_def=daily_partitions,
    group_name=GROUP,
    kinds={"duckdb", "llm", "spamassassin"},
    owners=["team:data-engineering", "team:outreach"],
    deps=[dg.AssetKey("composed_emails")],
    pool="llm",
)
def follow_up_emails(
    context: dg.AssetExecutionContext,
    config: FollowUpConfig,
    crm: CRMStore,
    llm: LLM,
    spam_checker: SpamChecker,
) -> dg.MaterializeResult:
    """Follow-ups to the first emails composed on the partition's day that got no answer: a
    reminder on day 3, a new angle on day 7, a break-up on day 14, each in the first email's
    thread. Replied, bounced, suppressed and held prospects get nothing; a step is written once,
    however often the partition runs."""
    day = context.partition_time_window.start.date()
    actor = f"follow_up_emails/{context.run.run_id}"
    footer(config.sender_postal_address)  # a bad address fails the run before any LLM cost
    now = datetime.now(UTC)
    candidates, skipped = select(crm, day, now)
    composed = asyncio.run(compose_all(
        candidates, crm=crm, llm=llm, spam_checker=spam_checker, config=config,
        request_for=follow_up_request, offline_handlers={FOLLOW_UP_TASK: offline_follow_up},
    ))
    written = flush(crm, composed, day=day, actor=actor,
                    postal_address=config.sender_postal_address)

    by_id = {item.candidate.email_id: item for item in composed}
    steps = Counter(f"step {by_id[i].candidate.step}" for i in written)  # type: ignore[attr-defined]
    failed = {item.candidate.email_id: item.error for item in composed if item.draft is None}
    return dg.MaterializeResult(
        metadata={
            "due": len(candidates),
            "written": len(written),
            "queued": sum(1 for s in written.values() if s == "queued"),
            "held": sum(1 for s in written.values() if s == "held"),
            "by_step": dict(sorted(steps.items())),
            "skipped_by_reason": dict(sorted(skipped.items())),
            "already_written": len(candidates) - len(written) - len(failed),
            "failed": failed,
            "providers": dict(Counter(p for item in composed for p in item.providers)),
        }
    )


__all__ = ["FollowUpConfig", "days_with_sent_first_emails", "follow_up_emails", "select"]
