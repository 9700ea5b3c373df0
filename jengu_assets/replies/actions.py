"""What Jengu does about each understood inbound message. Every action is idempotent and logged.

- bounce: hard -> the address is suppressed and the send counts as bounced for its inbox (bounce
  rate, self-pause); soft -> noted (the recipient's server keeps trying); policy -> the inbox's
  health drops and an alert is stored; the recipient is not blamed.
- complaint: the address is suppressed for good; an alert names the inbox.
- auto_reply: follow-ups wait until the stated return date (7 days when none is stated, at most 100);
  it is not a reply and moves no stage. A challenge-response filter's notice (our email is held
  until someone confirms the sender) also creates a notification: a person decides whether to
  confirm; Jengu never follows such links. A second such notice for the prospect (nobody
  confirmed) holds follow-ups for the 100-day cap: they would be held there too. A notice that
  the person has left, or that nobody reads the address any more, suppresses the address, and
  the successor it names (if any) becomes a delegated prospect, as a person's delegation would.
- human_reply: stored in ``replies`` with intent, sentiment, confidence and a behavioural score;
  the stage moves forward (needs more info or delegated -> engaged, interested -> replied, meeting
  request -> meeting, not interested -> lost, unsubscribe -> suppressed); the prospect's queued
  follow-ups are held and other contacts at the same hotel are paused; a delegation creates a new
  prospect linked to this one, entering enrichment; interest, a meeting request or low confidence
  create a notification. A human reply that matches no prospect is kept for review
  (``review.py``) and creates a notification too: it may be a lead only a person can place; one
  asking to unsubscribe suppresses its sender's address at once.

Idempotent because: suppression and replies are keyed (address; inbound message), a prospect only
moves forward, holds are set to values not increments, a delegated prospect's source key is the
inbound message, notifications have a dedup key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import duckdb

from jengu_assets import stages
from jengu_assets.acquisition import rules
from jengu_assets.alerts import record_alert
from jengu_assets.composition.compliance import suppress_addresses
from jengu_assets.composition.gates import URL
from jengu_assets.replies.matching import Match, address_key
from jengu_assets.replies.scoring import behaviour_score
from jengu_assets.sending.business_hours import prospect_zone
from jengu_assets.sending.inboxes import HEALTH_POLICY
from jengu_assets.sending.ledger import pause_if_bouncing
from jengu_assets.stages import ALLOWED, Stage
from jengu_resources.crm_store import fetch_dicts, insert_rows, update_rows
from jengu_resources.redaction import mask_email

DEFAULT_HOLD = timedelta(days=7)
MAX_HOLD = timedelta(days=100)
SAME_HOTEL_PAUSE = timedelta(days=30)
NOTIFY_BELOW_CONFIDENCE = 0.7

INTENT_STAGE = {
    "needs_more_info": Stage.ENGAGED,
    "delegated": Stage.ENGAGED,
    "interested": Stage.REPLIED,
    "meeting_request": Stage.MEETING,
    "not_interested": Stage.LOST,
}
# How far along the conversation a stage is: a reply never moves a prospect back.
_RANK = {Stage.SENT: 0, Stage.CONTACTED: 1, Stage.ENGAGED: 2, Stage.REPLIED: 3, Stage.MEETING: 4}


@dataclass(frozen=True)
class Analysis:
    intent: str
    sentiment: str | None
    confidence: float
    reasoning: str | None
    details: dict[str, Any]
    provider: str | None


@dataclass(frozen=True)
class Inbound:
    """One stored message as understood; the asset builds it from the understanding module."""

    id: str
    message_key: str
    inbox_id: str | None
    received_at: datetime | None
    from_address: str | None
    subject: str | None
    kind: str                              # bounce | auto_reply | complaint | human_reply | malformed | own
    reason: str | None = None              # malformed: why
    bounce_recipient: str | None = None
    bounce_status: str | None = None
    bounce_category: str | None = None     # hard | soft | policy
    return_date: date | None = None
    challenge: bool = False                # auto_reply: a filter holds our email (challenge-response)
    departed: bool = False                 # auto_reply: the person has left / the address is unread
    successor: dict | None = None          # auto_reply: whom a departed notice names instead
    reply_text: str | None = None
    analysis: Analysis | None = None


@dataclass
class Outcome:
    status: str                            # processed | unmatched | own | malformed
    actions: list[str] = field(default_factory=list)
    reason: str | None = None


def act(con: duckdb.DuckDBPyConnection, message: Inbound, found: Match, *, now: datetime,
        actor: str, suppressions: list | None = None) -> Outcome:
    """Apply everything ``message`` calls for, inside the caller's transaction (``act_many`` for
    one message)."""
    return act_many(con, [(message, found)], now=now, actor=actor, suppressions=suppressions)[0]


def act_many(con: duckdb.DuckDBPyConnection, items: list[tuple[Inbound, Match]], *, now: datetime,
             actor: str, suppressions: list | None = None) -> list[Outcome]:
    """``act`` for many messages of any kind in a handful of statements per kind, inside the
    caller's transaction. Suppressions are appended to ``suppressions`` for the caller to apply in
    one batch, or applied here without it. Outcomes come back in the order of ``items``."""
    if suppressions is None:
        pending: list = []
        outcomes = act_many(con, items, now=now, actor=actor, suppressions=pending)
        suppress_addresses(con, pending, actor=actor)
        return outcomes
    outcomes: list[Outcome | None] = [None] * len(items)
    kinds: dict[str, list[int]] = {}
    unplaced: list[tuple[Inbound, Outcome]] = []     # human replies matching no prospect
    for i, (message, found) in enumerate(items):
        if message.kind == "own":
            outcomes[i] = Outcome("own", reason="sent by one of our inboxes: not a reply")
        elif message.kind == "malformed":
            outcomes[i] = Outcome("malformed", reason=message.reason or "unreadable message")
        elif message.kind in ("bounce", "complaint"):
            kinds.setdefault(message.kind, []).append(i)
        elif found.prospect_id is None:
            outcomes[i] = Outcome("unmatched", reason="no thread header or address matches a "
                                  "prospect; kept for review")
            if message.kind == "human_reply":
                unplaced.append((message, outcomes[i]))
        else:
            kinds.setdefault("auto_reply" if message.kind == "auto_reply" else "reply", []).append(i)
    handlers = {"bounce": lambda chosen: _bounces(con, chosen, suppressions),
                "complaint": lambda chosen: _complaints(con, chosen, suppressions),
                "auto_reply": lambda chosen: _auto_replies(con, chosen, now, actor, suppressions),
                "reply": lambda chosen: act_on_replies(con, chosen, now=now, actor=actor,
                                                       suppressions=suppressions)}
    for kind, handle in handlers.items():
        indices = kinds.get(kind, [])
        for i, outcome in zip(indices, handle([items[i] for i in indices]) if indices else ()):
            outcomes[i] = outcome
    _unplaced(con, unplaced, suppressions)
    done = [o for o in outcomes if o is not None]
    assert len(done) == len(items), "every message gets an outcome"
    return done


# -- bounces and complaints ---------------------------------------------------------------------


def _bounces(con, items: list[tuple[Inbound, Match]], suppressions: list) -> list[Outcome]:
    """Hard: the address suppressed, the send marked bounced, its inbox paused if its bounce rate
    went over the limit (told on the batch's last hard bounce from that inbox). Policy: the inbox's
    health drops and an alert is stored. Soft: noted."""
    recipients = [address_key(m.bounce_recipient) for m, _ in items]
    attempts = _attempts_for(con, [found for _, found in items], recipients)
    emails = _prospect_emails(con, [f.prospect_id for (m, f), r in zip(items, recipients)
                                    if r is None and (m.bounce_category or "hard") == "hard"])
    outcomes: list[Outcome] = []
    hard_rows, policy_rows, bounced_emails, health = {}, {}, set(), {}
    last_hard: dict[str, Outcome] = {}
    for (message, found), recipient, attempt in zip(items, recipients, attempts):
        if found.prospect_id is None and recipient is None:
            outcomes.append(Outcome("unmatched", reason="a delivery report for nothing we sent; kept for review"))
            continue
        out = Outcome("processed")
        outcomes.append(out)
        category = message.bounce_category or "hard"
        status = message.bounce_status or "unknown status"
        if category == "hard":
            address = recipient or emails.get(found.prospect_id)
            if address:
                suppressions.append((address, f"hard bounce after delivery ({status})", "dsn"))
                out.actions.append(f"suppressed {mask_email(address)}")
            if attempt:
                hard_rows[attempt["message_id"]] = {
                    "message_id": attempt["message_id"], "category": "hard",
                    "enhanced_status": message.bounce_status, "detail": f"bounced after acceptance: {status}"}
                policy_rows.pop(attempt["message_id"], None)
                bounced_emails.add(attempt["email_id"])
                last_hard[attempt["inbox_id"]] = out
        elif category == "policy":
            inbox = attempt["inbox_id"] if attempt else found.inbox_id
            if inbox:
                health[inbox] = health.get(inbox, 0) + 1
                if attempt:
                    policy_rows[attempt["message_id"]] = {
                        "message_id": attempt["message_id"], "category": "policy",
                        "enhanced_status": message.bounce_status}
                    hard_rows.pop(attempt["message_id"], None)
                record_alert(con, "sender_policy", "error",
                             f"a delivery report refused inbox {inbox} by policy ({status})",
                             {"inbox_id": inbox, "enhanced_status": message.bounce_status,
                              "inbound_message": message.id})
                out.actions.append(f"inbox {inbox} health {HEALTH_POLICY:+.0f}, alert stored")
        else:
            out.actions.append(f"soft bounce noted ({status}): the recipient's server keeps trying")
    update_rows(con, "send_attempts", list(hard_rows.values()), key=("message_id",))
    update_rows(con, "send_attempts", list(policy_rows.values()), key=("message_id",))
    if bounced_emails:
        con.execute("UPDATE emails SET status = 'bounced' WHERE id IN (SELECT unnest(?))", [sorted(bounced_emails)])
    if health:
        # Each policy report lowers the score by the same step, never below zero.
        con.execute("UPDATE inboxes SET health_score = greatest(0, health_score + ? * h.n) "
                    "FROM (SELECT unnest(?) AS id, unnest(?) AS n) h WHERE inboxes.id = h.id",
                    [HEALTH_POLICY, list(health), list(health.values())])
    for inbox, out in last_hard.items():
        reason = pause_if_bouncing(con, inbox)
        if reason:
            out.actions.append(f"inbox paused: {reason}")
    return outcomes


def _complaints(con, items: list[tuple[Inbound, Match]], suppressions: list) -> list[Outcome]:
    emails = _prospect_emails(con, [found.prospect_id for m, found in items
                                    if not address_key(m.bounce_recipient)])
    outcomes = []
    for message, found in items:
        address = address_key(message.bounce_recipient) or emails.get(found.prospect_id)
        if not address:
            outcomes.append(Outcome("unmatched", reason="a complaint about nothing we can name; kept for review"))
            continue
        suppressions.append((address, "complaint (feedback report)", "complaint"))
        record_alert(con, "complaint", "error", f"spam complaint about a send from inbox {found.inbox_id}",
                     {"inbox_id": found.inbox_id, "prospect_id": found.prospect_id,
                      "inbound_message": message.id})
        outcomes.append(Outcome("processed", [f"suppressed {mask_email(address)}"]))
    return outcomes


_LATEST_SENT = ("SELECT a.message_id, a.inbox_id, l.email_id, {key} FROM send_attempts a "
                "JOIN send_ledger l USING (prospect_id, sequence_step) {join} WHERE a.state = 'sent' "
                "QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY a.claimed_at DESC) = 1")


def _attempts_for(con, found: list[Match], recipients: list[str | None]) -> list[dict | None]:
    """The latest sent attempt each bounce is about: by the matched send (prospect and step), else
    by the recipient it names."""
    sends = sorted({(f.prospect_id, f.sequence_step) for f in found
                    if f.prospect_id is not None and f.sequence_step is not None})
    by_send = {(r["prospect_id"], r["sequence_step"]): r for r in fetch_dicts(con, _LATEST_SENT.format(
        key="a.prospect_id, a.sequence_step",
        join="JOIN (SELECT unnest(?) AS prospect_id, unnest(?) AS sequence_step) k "
             "ON k.prospect_id = a.prospect_id AND k.sequence_step = a.sequence_step"),
        [[s[0] for s in sends], [s[1] for s in sends]])} if sends else {}
    wanted = sorted({r for f, r in zip(found, recipients) if r and (f.prospect_id, f.sequence_step) not in by_send})
    by_recipient = {r["to_email"]: r for r in fetch_dicts(con, _LATEST_SENT.format(
        key="a.to_email", join="JOIN (SELECT unnest(?) AS to_email) k ON k.to_email = a.to_email"),
        [wanted])} if wanted else {}
    return [by_send.get((f.prospect_id, f.sequence_step)) or by_recipient.get(r) for f, r in zip(found, recipients)]


def _prospect_emails(con, prospect_ids: list[str | None]) -> dict[str, str]:
    ids = sorted({p for p in prospect_ids if p is not None})
    if not ids:
        return {}
    return {pid: email for pid, email in con.execute(
        "SELECT id, lower(trim(email)) FROM prospects WHERE id IN (SELECT unnest(?)) AND "
        "coalesce(trim(email), '') <> ''", [ids]).fetchall()}


# -- auto-replies ---------------------------------------------------------------------------------


def _auto_replies(con, items: list[tuple[Inbound, Match]], now: datetime, actor: str,
                  suppressions: list) -> list[Outcome]:
    """Follow-ups wait until the stated return: a value, not an increment, so processing the same
    auto-reply twice sets the same hold; the latest of a batch's holds per prospect wins. A notice
    that the person has left (or the address is unread) suppresses the address instead, and the
    successor it names becomes a delegated prospect."""
    outcomes, holds, challenged, departed = [], {}, [], []
    walled = _challenged_before(con, [(m, f) for m, f in items if m.challenge])
    for message, found in items:
        if message.departed:
            outcomes.append(Outcome("processed"))
            departed.append((outcomes[-1], message, found))
            continue
        base = message.received_at or now
        if message.return_date:
            until = datetime.combine(message.return_date, time(0), tzinfo=timezone.utc) + timedelta(days=1)
            stated = f"back on {message.return_date.isoformat()}"
        elif message.challenge and found.prospect_id in walled:
            # Nobody confirmed the sender since the filter's last notice: every follow-up would
            # be held there too.
            until, stated = base + MAX_HOLD, "the filter held an earlier email too: 100 days"
        else:
            until, stated = base + DEFAULT_HOLD, "no return date stated: 7 days"
        until = max(base, min(until, base + MAX_HOLD))
        holds[found.prospect_id] = max(until, holds.get(found.prospect_id, until))
        outcomes.append(Outcome("processed", [f"follow-ups held until {until:%Y-%m-%d} ({stated})"]))
        if message.challenge:
            challenged.append((message, found.prospect_id))
            outcomes[-1].actions.append("notification: reply_challenge")
    if challenged:
        _notify_challenges(con, challenged)
    _departures(con, departed, now, actor, suppressions)
    if holds:
        con.execute("UPDATE prospects SET follow_up_hold_until = greatest(coalesce(follow_up_hold_until, "
                    "h.until), h.until) FROM (SELECT unnest(?) AS id, unnest(?::TIMESTAMPTZ[]) AS until) h "
                    "WHERE prospects.id = h.id", [list(holds), list(holds.values())])
    return outcomes


def _challenged_before(con, challenges: list[tuple[Inbound, Match]]) -> set[str]:
    """The prospects among ``challenges`` a filter's notice held an earlier email of: a
    challenge notification about another message exists for them."""
    if not challenges:
        return set()
    return {r[0] for r in con.execute(
        "SELECT DISTINCT prospect_id FROM notifications WHERE kind = 'reply_challenge' "
        "AND prospect_id IN (SELECT unnest(?)) AND dedup_key NOT IN (SELECT unnest(?))",
        [sorted({f.prospect_id for _, f in challenges}),
         [f"reply_challenge:{m.id}" for m, _ in challenges]]).fetchall()}


def _departures(con, departed: list[tuple[Outcome, Inbound, Match]], now: datetime, actor: str,
                suppressions: list) -> None:
    """The address a departed notice answers for is suppressed (every email would get the same
    notice); a successor it names, other than that address, becomes a delegated prospect."""
    if not departed:
        return
    prospects = {p["id"]: p for p in fetch_dicts(
        con, "SELECT * FROM prospects WHERE id IN (SELECT unnest(?))",
        [sorted({found.prospect_id for _, _, found in departed})])}
    delegations = []
    for out, message, found in departed:
        prospect = prospects.get(found.prospect_id)
        if prospect is None:
            out.status = "unmatched"
            out.reason = f"matched prospect {found.prospect_id} no longer exists"
            continue
        address = address_key(prospect["email"] or message.from_address)
        if address:
            suppressions.append((address, "the contact has left (automatic notice)", "reply"))
            out.actions.append(f"suppressed {mask_email(address)}: the contact has left")
        successor = message.successor or {}
        if address_key(successor.get("email")) == address:
            successor = {**successor, "email": None}
        delegation = _delegation(prospect, {"delegated_contact": successor}, message, now)
        if delegation:
            delegations.append((out, *delegation))
    _create_delegations(con, delegations, actor)


def _notification(kind: str, message: Inbound, prospect_id: str | None, prospect: dict | None,
                  quote_chars: int, **judged: Any) -> dict:
    """A pending notification row about ``message``, keyed by its kind and the message (a re-run
    adds none). ``judged``: what the reading found (intent, confidence)."""
    prospect = prospect or {}
    return {"kind": kind, "dedup_key": f"{kind}:{message.id}", "prospect_id": prospect_id,
            "payload": json.dumps({
                "company": prospect.get("company_name"), "contact": prospect.get("contact_name"),
                **judged, "quote": (message.reply_text or "")[:quote_chars],
                "prospect_id": prospect_id, "from": message.from_address,
                "subject": message.subject}, default=str),
            "status": "pending", "attempts": 0, "channels": "{}"}


def _notify_challenges(con, challenged: list[tuple[Inbound, str]]) -> None:
    """One notification per filter notice, with the notice's words (its confirmation link)."""
    prospects = {p["id"]: p for p in fetch_dicts(
        con, "SELECT id, company_name, contact_name FROM prospects WHERE id IN (SELECT unnest(?))",
        [sorted({pid for _, pid in challenged})])}
    rows = []
    for message, pid in challenged:
        # The link a person would confirm with: the quote is cut short where it is shown.
        link = URL.search(message.reply_text or "")
        rows.append(_notification("reply_challenge", message, pid, prospects.get(pid), 600,
                                  link=link.group(0) if link else None))
    insert_rows(con, "notifications", rows, on_conflict="ON CONFLICT DO NOTHING")


def _unplaced(con, unplaced: list[tuple[Inbound, Outcome]], suppressions: list) -> None:
    """A person hears of every human reply that matches no prospect (an owner writing from a
    private address, a forwarded answer): it may be a lead, and only a person can place it. One
    asking to unsubscribe has its sender's address suppressed at once, as a placed one would."""
    rows = []
    for message, out in unplaced:
        analysis = message.analysis
        address = address_key(message.from_address)
        if analysis and analysis.intent == "unsubscribe" and address:
            suppressions.append((address, "asked to unsubscribe in a reply that matched no "
                                 "prospect", "reply"))
            out.actions.append(f"suppressed {mask_email(address)}: asked to unsubscribe")
        rows.append(_notification("reply_review", message, None, None, 300, inbound_id=message.id,
                                  intent=analysis.intent if analysis else None,
                                  confidence=analysis.confidence if analysis else None))
        out.actions.append("notification: reply_review")
    insert_rows(con, "notifications", rows, on_conflict="ON CONFLICT DO NOTHING")


# -- delegation ---------------------------------------------------------------------------------


def _delegation(parent: dict, details: dict, message: Inbound, now: datetime
                ) -> tuple[dict, dict] | None:
    """The prospect a delegation names (linked to ``parent``, stage ``new``: enrichment takes it
    from there) and its source row, keyed by the inbound message so a re-run adds nothing."""
    delegate = details.get("delegated_contact") or {}
    email = str(delegate.get("email") or "").strip().lower() or None
    name = str(delegate.get("name") or "").strip() or None
    if not (email or name):
        return None
    pid = "p_" + hashlib.sha256(f"{parent['id']}|{email or name}".encode()).hexdigest()[:16]
    day = now.date()
    prospect = {
        "id": pid, "company_name": parent["company_name"], "contact_name": name,
        "contact_title": delegate.get("title"), "email": email if email and rules.is_valid_email(email) else None,
        "website": parent["website"], "domain": parent["domain"], "company_type": parent["company_type"],
        "city": parent["city"], "region": parent["region"], "country": parent["country"],
        "timezone": parent["timezone"], "name_key": parent["name_key"], "city_key": parent["city_key"],
        "tier": parent["tier"], "hiring_signal": parent["hiring_signal"], "hiring_role": parent["hiring_role"],
        "source": "delegation", "source_ref": f"reply {message.message_key}", "discovered_on": day,
        "stage": "new", "parent_prospect_id": parent["id"], "email_origin": "reply" if email else None,
    }
    source = {"source_key": f"delegation:{message.message_key}", "prospect_id": pid, "kind": "delegation",
              "ref": message.message_key, "discovered_on": day}
    return prospect, source


def _create_delegations(con, found: list[tuple[Outcome, dict, dict]], actor: str) -> None:
    if not found:
        return
    known_sources = {r[0] for r in con.execute(
        "SELECT source_key FROM prospect_sources WHERE source_key IN (SELECT unnest(?))",
        [[s["source_key"] for _, _, s in found]]).fetchall()}
    known_ids = {r[0] for r in con.execute("SELECT id FROM prospects WHERE id IN (SELECT unnest(?))",
                                           [[p["id"] for _, p, _ in found]]).fetchall()}
    fresh, seen = [], set()
    for outcome, prospect, source in found:
        if source["source_key"] in known_sources or prospect["id"] in known_ids or prospect["id"] in seen:
            continue
        seen.add(prospect["id"])
        fresh.append((prospect, source))
        who = prospect["contact_name"] or mask_email(prospect["email"])
        outcome.actions.append(f"delegated prospect {prospect['id']} created ({who}), enters enrichment")
    insert_rows(con, "prospects", [p for p, _ in fresh])
    insert_rows(con, "prospect_sources", [s for _, s in fresh])
    stages.log_creation(con, [p["id"] for p, _ in fresh], actor=actor, reason=[
        f"delegated by {p['parent_prospect_id']} in a reply" for p, _ in fresh])


def act_on_replies(con: duckdb.DuckDBPyConnection, items: list[tuple[Inbound, Match]], *,
                   now: datetime, actor: str, suppressions: list | None = None) -> list[Outcome]:
    """``act`` for many matched human replies in a handful of statements (the same rules; a row-by-row
    statement costs DuckDB about a millisecond, and a busy inbox brings thousands)."""
    if not items:
        return []
    if suppressions is None:
        pending: list = []
        outcomes = act_on_replies(con, items, now=now, actor=actor, suppressions=pending)
        suppress_addresses(con, pending, actor=actor)
        return outcomes
    pids = sorted({found.prospect_id for _, found in items})
    prospects = {p["id"]: p for p in fetch_dicts(con, "SELECT * FROM prospects WHERE id IN (SELECT unnest(?))",
                                                  [pids])}
    sent_at = dict(con.execute(
        "SELECT prospect_id, max(claimed_at) FROM send_attempts WHERE state = 'sent' "
        "AND prospect_id IN (SELECT unnest(?)) GROUP BY 1", [pids]).fetchall())
    known = {r[0] for r in con.execute("SELECT inbound_message_id FROM replies WHERE inbound_message_id "
                                       "IN (SELECT unnest(?))", [[m.id for m, _ in items]]).fetchall()}
    outcomes: list[Outcome] = []
    reply_rows, score_rows, moves, notify, delegations = [], {}, {}, [], []
    stage_now = {pid: Stage(p["stage"]) for pid, p in prospects.items()}
    for message, found in items:
        prospect = prospects.get(found.prospect_id)
        if prospect is None:
            outcomes.append(Outcome("unmatched", reason=f"matched prospect {found.prospect_id} no longer exists"))
            continue
        analysis = message.analysis
        intent = analysis.intent if analysis else None
        score = behaviour_score(intent, analysis.confidence if analysis else None,
                                sent_at=sent_at.get(found.prospect_id), replied_at=message.received_at,
                                tz=prospect_zone(prospect["timezone"], prospect["country"],
                                                 prospect["region"], prospect["city"]))
        out = Outcome("processed", [f"reply stored: {intent or 'no intent'} (score {score})"])
        outcomes.append(out)
        if message.id in known:
            continue    # processed before: everything below already happened
        reply_rows.append({
            "id": "rp_" + message.id, "inbound_message_id": message.id, "prospect_id": found.prospect_id,
            "email_id": found.email_id, "from_email": message.from_address or "",
            "subject": message.subject, "body": message.reply_text, "intent": intent,
            "sentiment": analysis.sentiment if analysis else None,
            "confidence": analysis.confidence if analysis else None,
            "reasoning": analysis.reasoning if analysis else None,
            "details": json.dumps(analysis.details if analysis else {}, default=str),
            "provider": analysis.provider if analysis else None, "score": score,
            "received_at": message.received_at, "processed_at": now,
        })
        at = message.received_at or now
        previous = score_rows.get(found.prospect_id)
        if previous is None or at >= previous["last_reply_at"]:
            score_rows[found.prospect_id] = {"id": found.prospect_id, "behaviour_score": score,
                                             "last_reply_at": max(at, prospect["last_reply_at"] or at)}
        if intent == "unsubscribe":
            for a in {(message.from_address or "").lower(), (prospect["email"] or "").lower()} - {""}:
                suppressions.append((a, "asked to unsubscribe in a reply", "reply"))
            stage_now[found.prospect_id] = Stage.SUPPRESSED
            out.actions.append("suppressed: asked to unsubscribe")
        elif intent in INTENT_STAGE:
            current, target = stage_now[found.prospect_id], INTENT_STAGE[intent]
            if (current != target and target in ALLOWED.get(current, frozenset())
                    and (target == Stage.LOST or _RANK.get(current, 99) < _RANK.get(target, 0))):
                moves.setdefault(found.prospect_id, []).append((target, intent))
                stage_now[found.prospect_id] = target
                out.actions.append(f"stage {current} -> {target}")
        if intent == "delegated" and analysis:
            delegation = _delegation(prospect, analysis.details, message, now)
            if delegation:
                delegations.append((out, *delegation))
        if analysis and (intent in ("interested", "meeting_request")
                         or analysis.confidence < NOTIFY_BELOW_CONFIDENCE):
            kind = "reply_interest" if intent in ("interested", "meeting_request") else "reply_uncertain"
            notify.append(_notification(kind, message, found.prospect_id, prospect, 300,
                                        intent=intent, confidence=analysis.confidence))
            out.actions.append(f"notification: {kind}")

    insert_rows(con, "replies", reply_rows, on_conflict="ON CONFLICT DO NOTHING")
    update_rows(con, "prospects", list(score_rows.values()), key=("id",))
    # A prospect's moves in the order its replies came (only forward, see ``stage_now``): each
    # round moves every prospect one step, in one statement.
    for step in range(max(map(len, moves.values()), default=0)):
        wanted = {pid: m[step] for pid, m in moves.items() if len(m) > step}
        stage_of = dict(con.execute("SELECT id, stage FROM prospects WHERE id IN (SELECT unnest(?))",
                                    [list(wanted)]).fetchall())
        stages.transition_each(con, {
            pid: (target, f"reply: {intent}") for pid, (target, intent) in wanted.items()
            if stage_of[pid] != target and target in ALLOWED.get(Stage(stage_of[pid]), frozenset())},
            actor=actor)
    replied = sorted({r["prospect_id"] for r in reply_rows})
    _stop_follow_ups_many(con, replied, prospects, now)
    insert_rows(con, "notifications", notify, on_conflict="ON CONFLICT DO NOTHING")
    _create_delegations(con, delegations, actor)
    return outcomes


def _stop_follow_ups_many(con, pids: list[str], prospects: dict[str, dict], now: datetime) -> None:
    if not pids:
        return
    con.execute("UPDATE emails SET status = 'held', hold_reason = 'the prospect replied' "
                "WHERE prospect_id IN (SELECT unnest(?)) AND sequence_step > 1 AND status = 'queued'", [pids])
    same = con.execute(
        "SELECT DISTINCT o.id, r.company_name FROM prospects r JOIN prospects o ON o.id <> r.id "
        "AND ((r.domain IS NOT NULL AND o.domain = r.domain) OR (o.name_key = r.name_key AND o.city_key = r.city_key)) "
        "WHERE r.id IN (SELECT unnest(?)) AND o.id NOT IN (SELECT unnest(?)) "
        "AND o.stage NOT IN ('suppressed', 'won', 'lost')", [pids, pids]).fetchall()
    if not same:
        return
    until = now + SAME_HOTEL_PAUSE
    ids = sorted({r[0] for r in same})
    con.execute("UPDATE prospects SET follow_up_hold_until = greatest(coalesce(follow_up_hold_until, ?), ?) "
                "WHERE id IN (SELECT unnest(?))", [until, until, ids])
    reasons = {other: f"another contact at {company} replied" for other, company in same}
    con.execute("UPDATE emails SET status = 'held', hold_reason = h.reason "
                "FROM (SELECT unnest(?) AS prospect_id, unnest(?) AS reason) h "
                "WHERE emails.prospect_id = h.prospect_id AND emails.status = 'queued'",
                [list(reasons), list(reasons.values())])
