"""Composition: the first outreach email for each researched prospect of the day.

For the partition's prospects in ``ready`` (and ``composing`` claims left by a crashed run):

1. claim (one transaction): a prospect without a sendable address or without a research report
   stays ``ready`` and the reason goes to the metadata; a suppressed address moves to
   ``suppressed``; the rest move to ``composing``;
2. compose (network only, no store connection open): the LLM chain writes a draft from the
   report (templates answer offline), the gates judge it (spam on the message as it will be sent,
   footer included; the text gates on the body without the footer, see ``footer``), plus an
   ``injection`` gate: no link that was not given and no email address, whatever the research
   said. A failed draft is written again with the failures named, up to ``max_attempts`` drafts;
   the last one is kept and held with the reasons;
3. flush (one transaction): one ``emails`` row per prospect and step (id ``e_<prospect>_1``, so a
   re-run inserts nothing twice), ``composing -> composed``, then the jurisdiction rule:
   allowed and every gate passed moves on to ``queued``; anything held stays ``composed`` with
   ``emails.hold_reason`` and the reason on the transition.

Every LLM call is recorded with the email's id, so ``llm_calls`` gives the cost of each email.
"""

import asyncio
import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import dagster as dg
from pydantic import Field

from jengu_assets import stages
from jengu_assets.claims import STALE_CLAIM
from jengu_assets.composition import compliance, gates
from jengu_assets.composition.footer import DEFAULT_SENDER_POSTAL_ADDRESS, footer, with_footer
from jengu_assets.composition.prompts import (
    FIRST_EMAIL_TASK,
    SYSTEM_PROMPT,
    EmailDraft,
    first_email_prompt,
)
from jengu_assets.composition.templates import offline_first_email, unsafe_reasons
from jengu_assets.partitions import daily_partitions
from jengu_assets.research.models import ResearchReport
from jengu_resources.crm_store import CRMStore, fetch_dicts, insert_rows
from jengu_resources.llm import LLM, LLMError, LLMSession
from jengu_resources.spamd import SpamChecker

GROUP = "composition"
SEQUENCE_STEP = 1
IN_FLIGHT = 64  # drafts composed at once; the LLM resource paces each provider to its limit
DEFAULT_SENDER = "Jengu <hello@jengu.example>"


class CompositionConfig(dg.Config):
    sender_postal_address: str = Field(
        default=DEFAULT_SENDER_POSTAL_ADDRESS,
        description="Postal address in every email's footer (required by CAN-SPAM and the UK "
        "PECR guidance for B2B outreach).",
    )
    sender: str = Field(default=DEFAULT_SENDER,
                        description="From address used to build the message the spam check scores.")
    max_attempts: int = Field(
        default=3, ge=1, description="Drafts per email; after the last failed one it is held."
    )
    held_countries: str = Field(
        default="",
        description="Jurisdiction rules over the default (DE held): 'AT=hold,CH=hold: reason', "
        "'DE=allow'. Empty: JENGU_HELD_COUNTRIES.",
    )


@dataclass
class Candidate:
    prospect_id: str
    email: str
    country: str | None
    report: ResearchReport

    @property
    def email_id(self) -> str:
        return f"e_{self.prospect_id}_{SEQUENCE_STEP}"


@dataclass
class Composed:
    candidate: Candidate
    draft: EmailDraft | None = None
    results: list[gates.GateResult] = field(default_factory=list)
    attempts: int = 0
    providers: list[str] = field(default_factory=list)
    history: list[list[gates.GateResult]] = field(default_factory=list)
    error: str | None = None

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.passed for r in self.results)

    def gate_hold_reason(self) -> str | None:
        failed = [r for r in self.results if not r.passed]
        if not failed:
            return None
        reasons = "; ".join(f"{r.name}: {r.reason}" for r in failed)
        return f"gates failed after {self.attempts} draft(s): {reasons}"


# -- the gates ------------------------------------------------------------------------------------


def injection_gate(draft: EmailDraft, allowed_links: Sequence[str] = ()) -> gates.GateResult:
    """No link that was not given, no email address and no echoed instruction, in subject or body.

    The links gate allows one link for good drafts; this one allows none the caller did not give,
    because a link or an address in a draft can only have come from scraped text."""
    allowed = {link.rstrip("/").lower() for link in allowed_links}
    problems = [f"link not given: {link}" for link in gates.draft_links(draft.body)
                + gates.draft_links(draft.subject) if link.rstrip("/").lower() not in allowed]
    problems += [f"email address: {m.group(0)}" for text in (draft.subject, draft.body)
                 for m in gates._EMAIL.finditer(text)]
    if any("instruction" in reason for text in (draft.subject, draft.body)
           for reason in unsafe_reasons(text)):
        problems.append("repeats an instruction from the research data")
    items = tuple(dict.fromkeys(problems))
    reason = ("the draft carries content from the research data that must not be sent: "
              + ", ".join(items)) if items else "no foreign links, addresses or instructions"
    return gates.GateResult("injection", not items, float(len(items)), 0.0, reason, items)


async def judge(draft: EmailDraft, report: ResearchReport, *, spam_checker: SpamChecker,
                sender: str, recipient: str, postal_address: str) -> list[gates.GateResult]:
    """Every gate over one draft: text gates on the body, spam on the message with its footer."""
    facts = [gates.Fact(text, source) for text, source in report.facts()]
    sent = gates.Draft(subject=draft.subject, body=with_footer(draft.body, postal_address))
    verdict = await spam_checker.check(sent.to_message(sender=sender, recipient=recipient))
    body = gates.Draft(subject=draft.subject, body=draft.body, facts_used=draft.facts_used)
    # The text gates are CPU work (syllable counts, fuzzy matching): in a thread, so that the
    # event loop keeps the LLM providers at their pace.
    results = await asyncio.to_thread(gates.run_gates, body, facts, verdict)
    return [*results, injection_gate(draft)]


@dataclass(frozen=True)
class DraftRequest:
    """What to ask the LLM chain for one email: the task, its system prompt, the prompt for a given
    regeneration feedback, and, for a follow-up, the thread's subject that replaces the model's."""

    task: str
    system: str
    prompt: Callable[[str], str]
    subject: str | None = None


def first_email_request(candidate: Candidate) -> DraftRequest:
    return DraftRequest(
        FIRST_EMAIL_TASK, SYSTEM_PROMPT,
        lambda feedback: first_email_prompt(candidate.report, feedback=feedback),
    )


async def compose_one(candidate: Candidate, request: DraftRequest, session: LLMSession, *,
                      spam_checker: SpamChecker, config: Any) -> Composed:
    """Draft, judge, and draft again with the failures named, up to ``config.max_attempts``.
    ``config`` gives ``max_attempts``, ``sender`` and ``sender_postal_address``."""
    out = Composed(candidate)
    feedback = ""
    for _ in range(config.max_attempts):
        try:
            result = await session.complete(
                task=request.task, system=request.system, prompt=request.prompt(feedback),
                schema=EmailDraft, prospect_id=candidate.prospect_id,
                email_id=candidate.email_id,
            )
        except LLMError as exc:
            out.error = f"{type(exc).__name__}: {exc}"
            break
        out.attempts += 1
        out.providers.append(result.provider)
        out.draft = (result.value if request.subject is None
                     else result.value.model_copy(update={"subject": request.subject}))
        out.results = await judge(out.draft, candidate.report, spam_checker=spam_checker,
                                  sender=config.sender, recipient=candidate.email,
                                  postal_address=config.sender_postal_address)
        out.history.append(out.results)
        if out.passed:
            break
        feedback = gates.failures_for_regeneration(out.results)
    return out


async def compose_all(candidates: Sequence[Candidate], *, crm: CRMStore, llm: LLM,
                      spam_checker: SpamChecker, config: Any,
                      request_for: Callable[[Candidate], DraftRequest] = first_email_request,
                      offline_handlers: Mapping[str, Any] | None = None) -> list[Composed]:
    limit = asyncio.Semaphore(IN_FLIGHT)
    handlers = offline_handlers or {FIRST_EMAIL_TASK: offline_first_email}

    async def bounded(candidate: Candidate, session: LLMSession) -> Composed:
        async with limit:
            return await compose_one(candidate, request_for(candidate), session,
                                     spam_checker=spam_checker, config=config)

    async with llm.session(crm=crm, offline_handlers=handlers) as session:
        return list(await asyncio.gather(*(bounded(c, session) for c in candidates)))


# -- the store ------------------------------------------------------------------------------------


@dataclass
class Claim:
    candidates: list[Candidate]
    waiting: dict[str, str]
    """Prospects left in ``ready``, with the reason."""
    suppressed: dict[str, str]


def claim(crm: CRMStore, day: date, actor: str) -> Claim:
    with crm.transaction() as con:
        rows = fetch_dicts(
            con,
            "SELECT p.id, p.email, p.email_sendable, p.country, p.region, p.stage, r.report "
            "FROM prospects p LEFT JOIN ("
            "  SELECT prospect_id, report, row_number() OVER ("
            "    PARTITION BY prospect_id ORDER BY partition_date DESC, created_at DESC) AS n"
            "  FROM research_reports) r ON r.prospect_id = p.id AND r.n = 1 "
            "WHERE p.discovered_on = ? AND (p.stage = 'ready' OR (p.stage = 'composing' "
            "  AND p.stage_changed_at < now() - to_seconds(?))) "
            "ORDER BY p.id",
            [day, STALE_CLAIM.total_seconds()],
        )
        blocked = compliance.suppressed(con, [r["email"] for r in rows])
        waiting: dict[str, str] = {}
        suppressed: dict[str, str] = {}
        candidates: list[Candidate] = []
        for row in rows:
            pid, email = row["id"], (row["email"] or "").strip()
            if not row["email_sendable"] or not email:
                waiting[pid] = "no sendable email address"
            elif row["report"] is None:
                waiting[pid] = "no research report"
            elif email.lower() in blocked:
                suppressed[pid] = f"address on the suppression list: {blocked[email.lower()]}"
            else:
                report = ResearchReport.model_validate_json(row["report"])
                country = compliance.prospect_country(row["country"], row["region"]) \
                    or report.country
                candidates.append(Candidate(pid, email, country, report))
        by_stage = {row["id"]: row["stage"] for row in rows}
        for pid, reason in suppressed.items():
            stages.transition(con, pid, stages.S.SUPPRESSED, reason=reason, actor=actor)
        fresh = [c.prospect_id for c in candidates if by_stage[c.prospect_id] == "ready"]
        stages.transition_many(con, fresh, stages.S.COMPOSING,
                               reason="composing the first email", actor=actor)
    return Claim(candidates, waiting, suppressed)


@dataclass
class Outcome:
    status: str  # queued | held | failed
    hold_reason: str | None


def flush(crm: CRMStore, composed: Sequence[Composed], *, day: date, actor: str,
          rules: dict[str, str], postal_address: str) -> dict[str, Outcome]:
    outcomes: dict[str, Outcome] = {}
    rows: list[dict[str, Any]] = []
    for item in composed:
        c = item.candidate
        if item.draft is None:
            outcomes[c.prospect_id] = Outcome("failed", item.error or "no draft")
            continue
        hold = item.gate_hold_reason()
        allowed, rule = compliance.jurisdiction_check(c.country, rules)
        if hold is None and not allowed:
            hold = f"jurisdiction {c.country.upper() if c.country else ''}: {rule}"
        outcomes[c.prospect_id] = Outcome("held" if hold else "queued", hold)
        by_name = {r.name: r for r in item.results}
        rows.append({
            "id": c.email_id, "prospect_id": c.prospect_id, "sequence_step": SEQUENCE_STEP,
            "kind": "outreach", "subject": item.draft.subject,
            "body": with_footer(item.draft.body, postal_address), "to_email": c.email,
            "status": "held" if hold else "queued",
            "spam_score": by_name["spam"].score if "spam" in by_name else None,
            "readability_score": (by_name["readability"].score
                                  if "readability" in by_name else None),
            "gates": json.dumps([asdict(r) for r in item.results], ensure_ascii=False),
            "composed_on": day, "hold_reason": hold, "attempts": item.attempts,
            "llm_provider": item.providers[-1] if item.providers else None,
        })
    with crm.transaction() as con:
        insert_rows(con, "emails", rows, on_conflict="ON CONFLICT DO NOTHING")
        for pid, outcome in outcomes.items():
            if outcome.status == "failed":
                stages.transition(con, pid, stages.S.READY,
                                  reason=f"composition failed: {outcome.hold_reason}", actor=actor)
                continue
            reason = ("composed; held: " + outcome.hold_reason if outcome.hold_reason
                      else "composed; every gate passed")
            stages.transition(con, pid, stages.S.COMPOSED, reason=reason, actor=actor)
        queued = [pid for pid, o in outcomes.items() if o.status == "queued"]
        stages.transition_many(con, queued, stages.S.QUEUED,
                               reason="every gate passed and no jurisdiction rule holds it",
                               actor=actor)
    return outcomes


# -- the asset ------------------------------------------------------------------------------------


def _hold_kind(reason: str) -> str:
    if reason.startswith("jurisdiction"):
        return reason.split(":", 1)[0]
    failed = [part.split(":", 1)[0].strip() for part in reason.split(": ", 1)[-1].split("; ")]
    known = {"placeholders", "length", "links", "readability", "claims", "spam", "injection"}
    return "gates: " + ", ".join(sorted({f for f in failed if f in known}) or {"other"})


@dg.asset(
    partitions_def=daily_partitions,
    group_name=GROUP,
    kinds={"duckdb", "llm", "spamassassin"},
    owners=["team:data-engineering", "team:outreach"],
    deps=[dg.AssetKey("research_reports")],
    pool="llm",
)
def composed_emails(
    context: dg.AssetExecutionContext,
    config: CompositionConfig,
    crm: CRMStore,
    llm: LLM,
    spam_checker: SpamChecker,
) -> dg.MaterializeResult:
    """The first email for each researched prospect of the day: written by the LLM chain (or a
    template offline), checked by every gate, regenerated on failure, queued for sending, or held
    with the reason (failed gates, German consent rules). Suppressed addresses are never written
    to; re-running composes only what is new or stuck."""
    day = context.partition_time_window.start.date()
    actor = f"composed_emails/{context.run.run_id}"
    footer(config.sender_postal_address)  # a bad address fails the run before any LLM cost
    rules = compliance.parse_jurisdiction_rules(config.held_countries or None)
    claimed = claim(crm, day, actor)
    composed = asyncio.run(compose_all(claimed.candidates, crm=crm, llm=llm,
                                       spam_checker=spam_checker, config=config))
    outcomes = flush(crm, composed, day=day, actor=actor, rules=rules,
                     postal_address=config.sender_postal_address)

    held = Counter(_hold_kind(o.hold_reason or "") for o in outcomes.values()
                   if o.status == "held")
    gate_runs: Counter[str] = Counter()
    gate_passes: Counter[str] = Counter()
    for item in composed:
        for results in item.history:
            for r in results:
                gate_runs[r.name] += 1
                gate_passes[r.name] += r.passed
    providers = Counter(p for item in composed for p in item.providers)
    sample = next((i for i in composed if i.draft and outcomes[i.candidate.prospect_id].status
                   == "queued"), next((i for i in composed if i.draft), None))
    sample_md = "(nothing composed)"
    if sample and sample.draft:
        body = with_footer(sample.draft.body, config.sender_postal_address)
        quoted = "\n".join(f"> {line}" if line else ">" for line in body.splitlines())
        sample_md = f"**{sample.draft.subject}** (to {sample.candidate.email_id})\n\n{quoted}"
    return dg.MaterializeResult(
        metadata={
            "candidates": len(claimed.candidates),
            "composed": sum(1 for o in outcomes.values() if o.status != "failed"),
            "queued": sum(1 for o in outcomes.values() if o.status == "queued"),
            "held": sum(held.values()),
            "held_by_reason": dict(held),
            "failed": {pid: o.hold_reason for pid, o in outcomes.items() if o.status == "failed"},
            "suppressed": len(claimed.suppressed),
            "left_ready": dict(Counter(claimed.waiting.values())),
            "gate_pass_rates": {name: round(gate_passes[name] / gate_runs[name], 3)
                                for name in sorted(gate_runs)},
            "regenerations": {i.candidate.email_id: i.attempts - 1 for i in composed
                              if i.attempts > 1},
            "regenerations_total": sum(max(i.attempts - 1, 0) for i in composed),
            "providers": dict(providers),
            "jurisdiction_rules": rules,
            "sample_email": dg.MetadataValue.md(sample_md),
        }
    )


__all__ = ["CompositionConfig", "composed_emails", "injection_gate", "judge"]
