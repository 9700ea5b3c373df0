"""Which of our emails an inbound message answers, and so which prospect it is about.

Threads first: In-Reply-To, then References (newest first), against every Message-ID we ever claimed
(``send_attempts``: retries keep their own ids). A delivery report names the original's Message-ID
or at least its recipient. Only then the sender's address against prospects: mail clients that drop
threading headers still reach the right prospect. No match is kept for review, never guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class Match:
    prospect_id: str | None
    email_id: str | None
    inbox_id: str | None
    sequence_step: int | None
    matched_by: str | None   # in_reply_to | references | bounce_original | recipient | address


NO_MATCH = Match(None, None, None, None, None)


def _by_message_id(con, ids: Sequence[str]) -> dict[str, tuple]:
    if not ids:
        return {}
    rows = con.execute(
        "SELECT a.message_id, a.prospect_id, l.email_id, a.inbox_id, a.sequence_step "
        "FROM send_attempts a LEFT JOIN send_ledger l ON l.prospect_id = a.prospect_id "
        "AND l.sequence_step = a.sequence_step WHERE a.message_id IN (SELECT unnest(?))",
        [list(ids)]).fetchall()
    return {r[0]: r[1:] for r in rows}


def match(
    con: duckdb.DuckDBPyConnection,
    *,
    in_reply_to: str | None,
    references: Sequence[str] = (),
    original_message_id: str | None = None,
    original_recipient: str | None = None,
    from_address: str | None = None,
) -> Match:
    """The best match for one inbound message, by the order in the module docstring."""
    candidates: list[tuple[str, str]] = []
    if in_reply_to:
        candidates.append(("in_reply_to", in_reply_to.strip()))
    candidates += [("references", r.strip()) for r in reversed(references) if r.strip()]
    if original_message_id:
        candidates.append(("bounce_original", original_message_id.strip()))
    found = _by_message_id(con, [c[1] for c in candidates])
    for how, message_id in candidates:
        if message_id in found:
            prospect_id, email_id, inbox_id, step = found[message_id]
            return Match(prospect_id, email_id, inbox_id, step, how)
    for how, address in (("recipient", original_recipient), ("address", from_address)):
        if not address:
            continue
        row = con.execute(
            "SELECT l.prospect_id, l.email_id, l.inbox_id, l.sequence_step FROM send_ledger l "
            "WHERE l.to_email = lower(trim(?)) ORDER BY l.claimed_at DESC LIMIT 1", [address]).fetchall()
        if row:
            return Match(*row[0], how)
        row = con.execute(
            "SELECT id FROM prospects WHERE lower(trim(email)) = lower(trim(?)) "
            "ORDER BY updated_at DESC LIMIT 1", [address]).fetchall()
        if row:
            return Match(row[0][0], None, None, None, how)
    return NO_MATCH


def match_many(con: duckdb.DuckDBPyConnection, queries: Sequence[dict]) -> list[Match]:
    """``match`` for many messages at once: one query for every thread header of the batch, the
    address fallback only for those the threads do not place. Each query holds ``match``'s keyword
    arguments."""
    ids = set()
    for q in queries:
        ids.update(i.strip() for i in (q.get("in_reply_to"), q.get("original_message_id"), *q.get("references", ()))
                   if i and i.strip())
    found = _by_message_id(con, sorted(ids))
    out = []
    for q in queries:
        candidates = ([("in_reply_to", q["in_reply_to"].strip())] if q.get("in_reply_to") else []) + \
            [("references", r.strip()) for r in reversed(q.get("references", ())) if r.strip()] + \
            ([("bounce_original", q["original_message_id"].strip())] if q.get("original_message_id") else [])
        hit = next(((how, m) for how, m in candidates if m in found), None)
        if hit:
            prospect_id, email_id, inbox_id, step = found[hit[1]]
            out.append(Match(prospect_id, email_id, inbox_id, step, hit[0]))
        elif q.get("original_recipient") or q.get("from_address"):
            out.append(match(con, in_reply_to=None, original_recipient=q.get("original_recipient"),
                             from_address=q.get("from_address")))
        else:
            out.append(NO_MATCH)
    return out
