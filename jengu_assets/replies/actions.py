"""What Jengu does about each understood inbound message. Every action is idempotent and logged.

- bounce: hard -> the address is suppressed and the send counts as bounced for its inbox (bounce
  rate, self-pause); soft -> noted (the recipient's server keeps trying); policy -> the inbox's
  health drops and an alert is stored; the recipient is not blamed.
- complaint: the address is suppressed for good; an alert names the inbox.
- auto_reply: follow-ups wait until the stated return date (7 days when none is stated, at most 100);
  it is not a reply and moves no stage.
- human_reply: stored in ``replies`` with intent, sentiment, confidence and a behavioural score;
  the stage moves forward (needs more info or delegated -> engaged, interested -> replied, meeting
  request -> meeting, not interested -> lost, unsubscribe -> suppressed); the prospect's queued
  follow-ups are held and other contacts at the same hotel are paused; a delegation creates a new
  prospect linked to this one, entering enrichment; interest, a meeting request or low confidence
  create a notification.

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
from jengu_assets.composition.compliance import suppress_address
from jengu_assets.notifications import enqueue
from jengu_assets.replies.matching import Match
from jengu_assets.replies.scoring import behaviour_score
from jengu_assets.sending.business_hours import prospect_zone
from jengu_assets.sending.inboxes import HEALTH_POLICY
from jengu_assets.sending.ledger import pause_if_bouncing
from jengu_assets.stages import ALLOWED, Stage
from jengu_resources.crm_store import fetch_dicts, insert_rows
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
    reply_text: str | None = None
    analysis: Analysis | None = None


@dataclass
class Outcome:
    status: str                            # processed | unmatched | own | malformed
    actions: list[str] = field(default_factory=list)
    reason: str | None = None


def act(con: duckdb.DuckDBPyConnection, message: Inbound, found: Match, *, now: datetime,
        actor: str) -> Outcome:
    """Apply everything ``message`` calls for, inside the caller's transaction."""
    if message.kind == "own":
        return Outcome("own", reason="sent by one of our inboxes: not a reply")
    if message.kind == "malformed":
        return Outcome("malformed", reason=message.reason or "unreadable message")
    if message.kind == "bounce":
        return _bounce(con, message, found, now, actor)
    if message.kind == "complaint":
        return _complaint(con, message, found, actor)
    if found.prospect_id is None:
        return Outcome("unmatched", reason="no thread header or address matches a prospect; kept for review")
    if message.kind == "auto_reply":
        return _auto_reply(con, message, found, now)
    return _human_reply(con, message, found, now, actor)


# -- bounces and complaints ---------------------------------------------------------------------


def _bounce(con, message: Inbound, found: Match, now: datetime, actor: str) -> Outcome:
    recipient = (message.bounce_recipient or "").strip().lower() or None
    if found.prospect_id is None and recipient is None:
        return Outcome("unmatched", reason="a delivery report for nothing we sent; kept for review")
    out = Outcome("processed")
    category = message.bounce_category or "hard"
    status = message.bounce_status or "unknown status"
    attempt = _attempt_for(con, found, recipient)
    if category == "hard":
        address = recipient or _prospect_email(con, found.prospect_id)
        if address:
            moved = suppress_address(con, address, reason=f"hard bounce after delivery ({status})",
                                     source="dsn", actor=actor)
            out.actions.append(f"suppressed {mask_email(address)}" + (f" ({len(moved)} prospects)" if moved else ""))
        if attempt:
            con.execute("UPDATE send_attempts SET category = 'hard', enhanced_status = ?, detail = ? "
                        "WHERE message_id = ?", [message.bounce_status, f"bounced after acceptance: {status}",
                                                 attempt["message_id"]])
            con.execute("UPDATE emails SET status = 'bounced' WHERE id = ?", [attempt["email_id"]])
            reason = pause_if_bouncing(con, attempt["inbox_id"])
            if reason:
                out.actions.append(f"inbox paused: {reason}")
    elif category == "policy":
        inbox = attempt["inbox_id"] if attempt else found.inbox_id
        if inbox:
            con.execute("UPDATE inboxes SET health_score = greatest(0, health_score + ?) WHERE id = ?",
                        [HEALTH_POLICY, inbox])
            if attempt:
                con.execute("UPDATE send_attempts SET category = 'policy', enhanced_status = ? "
                            "WHERE message_id = ?", [message.bounce_status, attempt["message_id"]])
            record_alert(con, "sender_policy", "error",
                         f"a delivery report refused inbox {inbox} by policy ({status})",
                         {"inbox_id": inbox, "enhanced_status": message.bounce_status,
                          "inbound_message": message.id})
            out.actions.append(f"inbox {inbox} health {HEALTH_POLICY:+.0f}, alert stored")
    else:
        out.actions.append(f"soft bounce noted ({status}): the recipient's server keeps trying")
    return out


def _complaint(con, message: Inbound, found: Match, actor: str) -> Outcome:
    address = (message.bounce_recipient or "").strip().lower() or _prospect_email(con, found.prospect_id)
    if not address:
        return Outcome("unmatched", reason="a complaint about nothing we can name; kept for review")
    out = Outcome("processed")
    moved = suppress_address(con, address, reason="complaint (feedback report)", source="complaint",
                             actor=actor)
    out.actions.append(f"suppressed {mask_email(address)}" + (f" ({len(moved)} prospects)" if moved else ""))
    record_alert(con, "complaint", "error", f"spam complaint about a send from inbox {found.inbox_id}",
                 {"inbox_id": found.inbox_id, "prospect_id": found.prospect_id,
                  "inbound_message": message.id})
    return out


def _attempt_for(con, found: Match, recipient: str | None) -> dict | None:
    if found.prospect_id is not None and found.sequence_step is not None:
        rows = fetch_dicts(con, "SELECT a.message_id, a.inbox_id, l.email_id FROM send_attempts a "
                                "JOIN send_ledger l USING (prospect_id, sequence_step) "
                                "WHERE a.prospect_id = ? AND a.sequence_step = ? AND a.state = 'sent' "
                                "ORDER BY a.claimed_at DESC LIMIT 1",
                           [found.prospect_id, found.sequence_step])
        if rows:
            return rows[0]
    if recipient:
        rows = fetch_dicts(con, "SELECT a.message_id, a.inbox_id, l.email_id FROM send_attempts a "
                                "JOIN send_ledger l USING (prospect_id, sequence_step) "
                                "WHERE a.to_email = ? AND a.state = 'sent' ORDER BY a.claimed_at DESC LIMIT 1",
                           [recipient])
        if rows:
            return rows[0]
    return None


def _prospect_email(con, prospect_id: str | None) -> str | None:
    if prospect_id is None:
        return None
    rows = con.execute("SELECT lower(trim(email)) FROM prospects WHERE id = ?", [prospect_id]).fetchall()
    return rows[0][0] if rows and rows[0][0] else None


# -- auto-replies ---------------------------------------------------------------------------------


def _auto_reply(con, message: Inbound, found: Match, now: datetime) -> Outcome:
    base = message.received_at or now
    if message.return_date:
        until = datetime.combine(message.return_date, time(0), tzinfo=timezone.utc) + timedelta(days=1)
        stated = f"back on {message.return_date.isoformat()}"
    else:
        until, stated = base + DEFAULT_HOLD, "no return date stated: 7 days"
    until = max(base, min(until, base + MAX_HOLD))
    # A value, not an increment: processing the same auto-reply twice sets the same hold.
    con.execute("UPDATE prospects SET follow_up_hold_until = greatest(coalesce(follow_up_hold_until, ?), ?) "
                "WHERE id = ?", [until, until, found.prospect_id])
    return Outcome("processed", [f"follow-ups held until {until:%Y-%m-%d} ({stated})"])


# -- human replies --------------------------------------------------------------------------------


def _human_reply(con, message: Inbound, found: Match, now: datetime, actor: str) -> Outcome:
    analysis = message.analysis
    out = Outcome("processed")
    prospect = fetch_dicts(con, "SELECT * FROM prospects WHERE id = ?", [found.prospect_id])
    if not prospect:
        return Outcome("unmatched", reason=f"matched prospect {found.prospect_id} no longer exists")
    prospect = prospect[0]
    sent_at = con.execute("SELECT max(claimed_at) FROM send_attempts WHERE prospect_id = ? AND state = 'sent'",
                          [found.prospect_id]).fetchall()[0][0]
    intent = analysis.intent if analysis else None
    score = behaviour_score(intent, analysis.confidence if analysis else None, sent_at=sent_at,
                            replied_at=message.received_at,
                            tz=prospect_zone(prospect["timezone"], prospect["country"],
                                             prospect["region"], prospect["city"]))
    inserted = insert_rows(con, "replies", [{
        "id": "rp_" + message.id, "inbound_message_id": message.id, "prospect_id": found.prospect_id,
        "email_id": found.email_id, "from_email": message.from_address or "",
        "subject": message.subject, "body": message.reply_text, "intent": intent,
        "sentiment": analysis.sentiment if analysis else None,
        "confidence": analysis.confidence if analysis else None,
        "reasoning": analysis.reasoning if analysis else None,
        "details": json.dumps(analysis.details if analysis else {}, default=str),
        "provider": analysis.provider if analysis else None, "score": score,
        "received_at": message.received_at, "processed_at": now,
    }], on_conflict="ON CONFLICT DO NOTHING")
    out.actions.append(f"reply stored: {intent or 'no intent'} (score {score})")
    con.execute("UPDATE prospects SET behaviour_score = ?, last_reply_at = greatest(coalesce(last_reply_at, ?), ?) "
                "WHERE id = ?", [score, message.received_at or now, message.received_at or now,
                                 found.prospect_id])

    if intent == "unsubscribe":
        address = (message.from_address or "").lower() or prospect["email"]
        for a in {address, (prospect["email"] or "").lower()} - {""}:
            suppress_address(con, a, reason="asked to unsubscribe in a reply", source="reply", actor=actor)
        out.actions.append("suppressed: asked to unsubscribe")
    elif intent in INTENT_STAGE:
        moved = _move_forward(con, prospect, INTENT_STAGE[intent], actor, intent)
        if moved:
            out.actions.append(moved)

    held = _stop_follow_ups(con, prospect, now)
    out.actions.extend(held)
    if intent == "delegated" and analysis:
        created = _delegate(con, prospect, analysis.details, message, now, actor)
        if created:
            out.actions.append(created)
    if inserted and analysis and (intent in ("interested", "meeting_request")
                                  or analysis.confidence < NOTIFY_BELOW_CONFIDENCE):
        kind = "reply_interest" if intent in ("interested", "meeting_request") else "reply_uncertain"
        enqueue(con, kind=kind, dedup_key=f"{kind}:{message.id}", prospect_id=found.prospect_id,
                payload={"company": prospect["company_name"], "contact": prospect["contact_name"],
                         "intent": intent, "confidence": analysis.confidence,
                         "quote": (message.reply_text or "")[:300], "prospect_id": found.prospect_id,
                         "from": message.from_address, "subject": message.subject})
        out.actions.append(f"notification: {kind}")
    return out


def _move_forward(con, prospect: dict, target: Stage, actor: str, intent: str) -> str | None:
    current = Stage(prospect["stage"])
    if current == target or target not in ALLOWED.get(current, frozenset()):
        return None
    if target != Stage.LOST and _RANK.get(current, 99) >= _RANK.get(target, 0):
        return None
    stages.transition(con, prospect["id"], target, reason=f"reply: {intent}", actor=actor)
    return f"stage {current} -> {target}"


def _stop_follow_ups(con, prospect: dict, now: datetime) -> list[str]:
    """Any human reply ends the sequence for this prospect and pauses the others at the hotel."""
    actions = []
    held = con.execute(
        "UPDATE emails SET status = 'held', hold_reason = 'the prospect replied' "
        "WHERE prospect_id = ? AND sequence_step > 1 AND status = 'queued' RETURNING id",
        [prospect["id"]]).fetchall()
    if held:
        actions.append(f"{len(held)} queued follow-ups held")
    same = [r[0] for r in con.execute(
        "SELECT id FROM prospects WHERE id <> ? AND stage NOT IN ('suppressed', 'won', 'lost') AND "
        "((domain IS NOT NULL AND domain = ?) OR (name_key = ? AND city_key = ?))",
        [prospect["id"], prospect["domain"], prospect["name_key"], prospect["city_key"]]).fetchall()]
    if same:
        until = now + SAME_HOTEL_PAUSE
        con.execute("UPDATE prospects SET follow_up_hold_until = greatest(coalesce(follow_up_hold_until, ?), ?) "
                    "WHERE id IN (SELECT unnest(?))", [until, until, same])
        paused = con.execute(
            "UPDATE emails SET status = 'held', hold_reason = ? WHERE prospect_id IN (SELECT unnest(?)) "
            "AND status = 'queued' RETURNING id",
            [f"another contact at {prospect['company_name']} replied", same]).fetchall()
        actions.append(f"{len(same)} other contacts at the hotel paused ({len(paused)} queued emails held)")
    return actions


def _delegate(con, parent: dict, details: dict, message: Inbound, now: datetime,
              actor: str) -> str | None:
    delegate = details.get("delegated_contact") or {}
    email = str(delegate.get("email") or "").strip().lower() or None
    name = str(delegate.get("name") or "").strip() or None
    if not (email or name):
        return None
    source_key = f"delegation:{message.message_key}"
    if con.execute("SELECT 1 FROM prospect_sources WHERE source_key = ?", [source_key]).fetchall():
        return None
    pid = "p_" + hashlib.sha256(f"{parent['id']}|{email or name}".encode()).hexdigest()[:16]
    if con.execute("SELECT 1 FROM prospects WHERE id = ?", [pid]).fetchall():
        return None
    day = now.date()
    insert_rows(con, "prospects", [{
        "id": pid, "company_name": parent["company_name"], "contact_name": name,
        "contact_title": delegate.get("title"), "email": email if email and rules.is_valid_email(email) else None,
        "website": parent["website"], "domain": parent["domain"], "company_type": parent["company_type"],
        "city": parent["city"], "region": parent["region"], "country": parent["country"],
        "timezone": parent["timezone"], "name_key": parent["name_key"], "city_key": parent["city_key"],
        "tier": parent["tier"], "hiring_signal": parent["hiring_signal"], "hiring_role": parent["hiring_role"],
        "source": "delegation", "source_ref": f"reply {message.message_key}", "discovered_on": day,
        "stage": "new", "parent_prospect_id": parent["id"], "email_origin": "reply" if email else None,
    }])
    insert_rows(con, "prospect_sources", [{
        "source_key": source_key, "prospect_id": pid, "kind": "delegation",
        "ref": message.message_key, "discovered_on": day}])
    stages.log_creation(con, [pid], reason=f"delegated by {parent['id']} in a reply", actor=actor)
    return f"delegated prospect {pid} created ({name or mask_email(email)}), enters enrichment"
