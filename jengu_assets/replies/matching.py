"""Which of our emails an inbound message answers, and so which prospect it is about.

A person's word first: a message they assigned to a prospect (``jengu inbound assign``) is about
that prospect, answering its latest send. Then threads: In-Reply-To, then References (newest
first), against every Message-ID we ever claimed (``send_attempts``: retries keep their own ids).
A delivery report names the original's Message-ID or at least its recipient. Only then the
sender's address against prospects: mail clients that drop threading headers still reach the right
prospect. No match is kept for review, never guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import duckdb


@dataclass(frozen=True)
class Match:
    prospect_id: str | None
    email_id: str | None
    inbox_id: str | None
    sequence_step: int | None
    matched_by: str | None   # person | in_reply_to | references | bounce_original | recipient | address


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
    return match_many(con, [{
        "in_reply_to": in_reply_to, "references": references,
        "original_message_id": original_message_id, "original_recipient": original_recipient,
        "from_address": from_address}])[0]


def _by_address(con, addresses: set[str]) -> dict[str, Match]:
    """For each address (lowercased, trimmed), the latest send to it, else the prospect with it
    that changed last; ``matched_by`` is left for the caller."""
    if not addresses:
        return {}
    wanted = sorted(addresses)
    found = {r[0]: Match(*r[1:], None) for r in con.execute(
        "SELECT l.to_email, l.prospect_id, l.email_id, l.inbox_id, l.sequence_step FROM send_ledger l "
        "WHERE l.to_email IN (SELECT unnest(?)) "
        "QUALIFY row_number() OVER (PARTITION BY l.to_email ORDER BY l.claimed_at DESC) = 1",
        [wanted]).fetchall()}
    rest = [a for a in wanted if a not in found]
    if rest:
        found.update((r[0], Match(r[1], None, None, None, None)) for r in con.execute(
            "SELECT lower(trim(email)) AS address, id FROM prospects "
            "WHERE lower(trim(email)) IN (SELECT unnest(?)) "
            "QUALIFY row_number() OVER (PARTITION BY address ORDER BY updated_at DESC) = 1",
            [rest]).fetchall())
    return found


def _by_prospect(con, prospect_ids: set[str]) -> dict[str, Match]:
    """For each prospect, its latest send (or no email when it was never sent to)."""
    if not prospect_ids:
        return {}
    found = {p: Match(p, None, None, None, "person") for p in prospect_ids}
    found.update((r[0], Match(*r, "person")) for r in con.execute(
        "SELECT prospect_id, email_id, inbox_id, sequence_step FROM send_ledger "
        "WHERE prospect_id IN (SELECT unnest(?)) "
        "QUALIFY row_number() OVER (PARTITION BY prospect_id ORDER BY claimed_at DESC) = 1",
        [sorted(prospect_ids)]).fetchall())
    return found


def address_key(value: str | None) -> str | None:
    """An address as sends and prospects are looked up by: trimmed and lowercased; None if empty."""
    return value.strip().lower() or None if value else None


def match_many(con: duckdb.DuckDBPyConnection, queries: Sequence[dict]) -> list[Match]:
    """``match`` for many messages at once: one query for every thread header of the batch, and
    the address fallback in two more for those the threads do not place. Each query holds
    ``match``'s keyword arguments, and ``assigned_prospect_id`` when a person placed the message."""
    assigned = _by_prospect(con, {q["assigned_prospect_id"] for q in queries
                                  if q.get("assigned_prospect_id")})
    ids = set()
    for q in queries:
        ids.update(i.strip() for i in (q.get("in_reply_to"), q.get("original_message_id"), *q.get("references", ()))
                   if i and i.strip())
    found = _by_message_id(con, sorted(ids))
    threaded: list[Match | None] = []
    for q in queries:
        if q.get("assigned_prospect_id"):
            threaded.append(assigned[q["assigned_prospect_id"]])
            continue
        candidates = ([("in_reply_to", q["in_reply_to"].strip())] if q.get("in_reply_to") else []) + \
            [("references", r.strip()) for r in reversed(q.get("references", ())) if r.strip()] + \
            ([("bounce_original", q["original_message_id"].strip())] if q.get("original_message_id") else [])
        hit = next(((how, m) for how, m in candidates if m in found), None)
        threaded.append(Match(*found[hit[1]], hit[0]) if hit else None)
    by_address = _by_address(con, {a for q, t in zip(queries, threaded) if t is None for a in (
        address_key(q.get("original_recipient")), address_key(q.get("from_address"))) if a})
    out = []
    for q, hit in zip(queries, threaded):
        for how, address in (("recipient", address_key(q.get("original_recipient"))),
                             ("address", address_key(q.get("from_address")))):
            if hit is None and address in by_address:
                hit = replace(by_address[address], matched_by=how)
        out.append(hit or NO_MATCH)
    return out
