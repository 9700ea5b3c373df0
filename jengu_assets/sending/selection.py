"""Which queued emails may be sent now, and why each of the others may not (SPEC section 3).

One query gathers every queued email with what the rules need; ``check`` then applies the rules that do
not depend on the exact moment of sending, with one reason per refusal. The moment-dependent rules
(business hours, three days since the last contact) are applied by the pacing plan at each send's own
time, and the ledger claim re-checks suppression, quota and gap in the same transaction as the claim.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from jengu_assets.composition.compliance import (
    jurisdiction_check,
    parse_jurisdiction_rules,
    prospect_country,
)
from jengu_assets.sending.business_hours import prospect_zone
from jengu_assets.sending.pacing import DueEmail
from jengu_resources.crm_store import fetch_dicts

QUEUED_EMAILS = """
WITH contact AS (
    SELECT to_email, max(claimed_at) AS last_contact_at,
           bool_or(category = 'hard') AS hard_bounced
      FROM send_attempts
     WHERE state IN ('claimed', 'sent', 'unknown') OR category = 'hard'
     GROUP BY to_email
), first_send AS (
    SELECT prospect_id, inbox_id FROM send_ledger WHERE sequence_step = 1 AND state = 'sent'
)
SELECT e.id AS email_id, e.prospect_id, e.sequence_step, lower(trim(e.to_email)) AS to_email,
       p.stage, lower(trim(p.email)) AS prospect_email, p.email_sendable, p.email_kind,
       p.timezone, p.country, p.region, p.city, p.follow_up_hold_until,
       l.state AS ledger_state, l.retry_at, l.category AS ledger_category,
       f.inbox_id AS first_inbox_id, c.last_contact_at, coalesce(c.hard_bounced, FALSE) AS hard_bounced,
       s.reason AS suppressed_reason
  FROM emails e
  JOIN prospects p ON p.id = e.prospect_id
  LEFT JOIN send_ledger l ON l.prospect_id = e.prospect_id AND l.sequence_step = e.sequence_step
  LEFT JOIN first_send f ON f.prospect_id = e.prospect_id
  LEFT JOIN contact c ON c.to_email = lower(trim(e.to_email))
  LEFT JOIN suppression_list s ON s.email = lower(trim(e.to_email))
 WHERE e.status = 'queued' AND e.hold_reason IS NULL
"""

FIRST_EMAIL_STAGES = frozenset({"queued"})
FOLLOW_UP_STAGES = frozenset({"sent", "contacted"})


@dataclass
class Selection:
    due: list[DueEmail] = field(default_factory=list)
    refused: Counter = field(default_factory=Counter)          # reason -> emails
    examples: dict[str, list[str]] = field(default_factory=dict)

    def refuse(self, email_id: str, reason: str) -> None:
        self.refused[reason] += 1
        self.examples.setdefault(reason, [])
        if len(self.examples[reason]) < 5:
            self.examples[reason].append(email_id)


def check(row: Mapping[str, Any], now: datetime, jurisdictions: Mapping[str, str]) -> str | None:
    """Why this queued email may not be sent now, or None when it may (moment-free rules only)."""
    step = row["sequence_step"]
    if row["suppressed_reason"]:
        return "recipient is suppressed"
    if row["hard_bounced"]:
        return "recipient bounced before"
    if not row["email_sendable"] or row["email_kind"] != "personal":
        return "recipient is not a personal, verified address"
    if not row["to_email"] or row["to_email"] != row["prospect_email"]:
        return "recipient is no longer the prospect's address"
    allowed, why = jurisdiction_check(prospect_country(row["country"], row["region"]), jurisdictions)
    if not allowed:
        return f"jurisdiction: {why}"
    stages = FIRST_EMAIL_STAGES if step == 1 else FOLLOW_UP_STAGES
    if row["stage"] not in stages:
        return f"prospect is {row['stage']}"
    if step > 1 and not row["first_inbox_id"]:
        return "first email not sent yet"
    hold = row["follow_up_hold_until"]
    if step > 1 and hold is not None and hold > now:
        return "follow-ups on hold (out of office or paused)"
    state = row["ledger_state"]
    if state is not None:
        if state != "failed":
            return f"already in the ledger ({state})"
        if row["retry_at"] is None:
            return "failed for good"
        if row["retry_at"] > now:
            return f"{row['ledger_category'] or 'failed'}: retry later"
    return None


def select_due(con: duckdb.DuckDBPyConnection, now: datetime,
               jurisdictions: Mapping[str, str] | None = None) -> Selection:
    """Every queued email sorted into due (with its zone) or refused (with the reason)."""
    rules = parse_jurisdiction_rules() if jurisdictions is None else jurisdictions
    selection = Selection()
    for row in fetch_dicts(con, QUEUED_EMAILS):
        reason = check(row, now, rules)
        tz = None if reason else prospect_zone(row["timezone"], row["country"], row["region"],
                                               row["city"])
        if reason is None and tz is None:
            reason = "recipient's time zone unknown"
        if reason:
            selection.refuse(row["email_id"], reason)
            continue
        selection.due.append(DueEmail(
            email_id=row["email_id"], prospect_id=row["prospect_id"],
            sequence_step=row["sequence_step"], to_email=row["to_email"], tz=tz,
            first_inbox_id=row["first_inbox_id"] if row["sequence_step"] > 1 else None,
            last_contact_at=row["last_contact_at"],
        ))
    return selection
