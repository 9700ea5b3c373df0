"""A person's answers to the inbound review queue: mail the pipeline kept because it could not place
it (``unmatched``) or could not act on it (``failed``). ``jengu inbound review`` lists the queue.

- assign: the person knows which prospect the message is about. It goes back to ``new`` with that
  prospect and ``matched_by = 'person'``; the next reply-processing run acts on it as on any other
  message, the person's match taking the place of the headers' (``matching.match_many``).
- retry: back to ``new`` as it is, to be matched and acted on again (after a fix, or once the
  sender's prospect exists). A person's earlier assignment still holds.
- dismiss: out of the queue for good (``dismissed``), with the person's reason: spam, a newsletter,
  a message for someone else.

Only messages in the queue change, all of a request or none: processed mail is never acted on
twice. Every decision is a row of ``inbound_reviews`` (who, when, from which status), which
processing never rewrites. A message whose raw bytes retention has dropped cannot be processed
again: it can only be dismissed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb

from jengu_resources.crm_store import fetch_dicts, insert_rows

QUEUE = ("unmatched", "failed")
PERSON = "person"   # matched_by of a message a person assigned


class ReviewError(ValueError):
    """A request the queue cannot take; the message names the inbound message and why."""


@dataclass(frozen=True)
class Reviewed:
    id: str
    from_status: str
    status: str          # new | dismissed


def queue(con: duckdb.DuckDBPyConnection, limit: int) -> list[dict]:
    """The messages waiting for a person, newest first."""
    return fetch_dicts(con, "SELECT id, status, kind, from_email, subject, reason, received_at "
                            "FROM inbound_messages WHERE status IN (SELECT unnest(?)) "
                            "ORDER BY received_at DESC NULLS LAST, id LIMIT ?", [list(QUEUE), limit])


def message(con: duckdb.DuckDBPyConnection, inbound_id: str) -> dict:
    """One stored message with its raw bytes (None once retention dropped them) and its reviews."""
    rows = fetch_dicts(con, "SELECT id, status, kind, reason, from_email, subject, received_at, "
                            "inbox_id, prospect_id, email_id, matched_by, attempts, raw, "
                            "raw_dropped_at FROM inbound_messages WHERE id = ?", [inbound_id])
    if not rows:
        raise ReviewError(f"no inbound message {inbound_id!r} (jengu inbound review lists them)")
    row = rows[0]
    row["raw"] = None if row["raw"] is None else bytes(row["raw"])
    row["reviews"] = fetch_dicts(con, "SELECT action, from_status, prospect_id, note, actor, created_at "
                                      "FROM inbound_reviews WHERE inbound_message_id = ? ORDER BY id",
                                 [inbound_id])
    return row


def assign(con: duckdb.DuckDBPyConnection, inbound_id: str, prospect_id: str, *, actor: str,
           now: datetime) -> Reviewed:
    """Hand one message to ``prospect_id`` for the next reply-processing run."""
    if con.execute("SELECT count(*) FROM prospects WHERE id = ?", [prospect_id]).fetchone()[0] == 0:
        raise ReviewError(f"no prospect {prospect_id!r} to assign {inbound_id} to")
    (taken,) = _take(con, [inbound_id], "assign")
    con.execute("UPDATE inbound_messages SET status = 'new', prospect_id = ?, email_id = NULL, "
                "matched_by = ? WHERE id = ?", [prospect_id, PERSON, inbound_id])
    _log(con, [taken], "assign", actor, now, prospect_id=prospect_id)
    return Reviewed(inbound_id, taken[1], "new")


def retry(con: duckdb.DuckDBPyConnection, inbound_ids: Sequence[str], *, actor: str,
          now: datetime) -> list[Reviewed]:
    """Send messages back to processing as they are."""
    taken = _take(con, inbound_ids, "retry")
    con.execute("UPDATE inbound_messages SET status = 'new' WHERE id IN (SELECT unnest(?))",
                [[i for i, _ in taken]])
    _log(con, taken, "retry", actor, now)
    return [Reviewed(i, status, "new") for i, status in taken]


def failed_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every failed message whose raw bytes are still kept: what ``retry`` can take in one go."""
    return [r[0] for r in con.execute("SELECT id FROM inbound_messages WHERE status = 'failed' "
                                      "AND raw IS NOT NULL ORDER BY id").fetchall()]


def dismiss(con: duckdb.DuckDBPyConnection, inbound_ids: Sequence[str], reason: str, *, actor: str,
            now: datetime) -> list[Reviewed]:
    """Take messages out of the queue for good, with the reason."""
    reason = " ".join(reason.split())
    if not reason:
        raise ReviewError("a dismissal needs a reason (spam, newsletter, not for us, ...)")
    taken = _take(con, inbound_ids, "dismiss")
    con.execute("UPDATE inbound_messages SET status = 'dismissed', reason = ? "
                "WHERE id IN (SELECT unnest(?))", [f"dismissed: {reason}", [i for i, _ in taken]])
    _log(con, taken, "dismiss", actor, now, note=reason)
    return [Reviewed(i, status, "dismissed") for i, status in taken]


def _take(con: duckdb.DuckDBPyConnection, inbound_ids: Sequence[str],
          action: str) -> list[tuple[str, str]]:
    """(id, status) of each message, in the order asked, once every one of them can be taken."""
    if not inbound_ids:
        raise ReviewError(f"nothing to {action}: name at least one inbound message")
    found = {r[0]: r[1:] for r in con.execute(
        "SELECT id, status, raw IS NULL, raw_dropped_at FROM inbound_messages "
        "WHERE id IN (SELECT unnest(?))", [list(inbound_ids)]).fetchall()}
    taken: dict[str, str] = {}
    for inbound_id in inbound_ids:
        if inbound_id not in found:
            raise ReviewError(f"no inbound message {inbound_id!r} (jengu inbound review lists them)")
        status, raw_gone, dropped_at = found[inbound_id]
        if status not in QUEUE:
            raise ReviewError(f"{inbound_id} is {status}, not waiting for review (unmatched or failed)")
        if raw_gone and action != "dismiss":
            when = f" on {dropped_at:%Y-%m-%d}" if dropped_at else ""
            raise ReviewError(f"{inbound_id}: retention dropped its raw message{when}, so it cannot "
                              "be processed again; dismiss it instead")
        taken[inbound_id] = status
    return list(taken.items())


def _log(con: duckdb.DuckDBPyConnection, taken: list[tuple[str, str]], action: str, actor: str,
         now: datetime, *, prospect_id: str | None = None, note: str | None = None) -> None:
    insert_rows(con, "inbound_reviews", [
        {"inbound_message_id": inbound_id, "action": action, "from_status": status,
         "prospect_id": prospect_id, "note": note, "actor": actor, "created_at": now}
        for inbound_id, status in taken])
