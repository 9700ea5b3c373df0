"""Reading each inbox's new mail exactly once: fetch by UID, store raw, then move the cursor.

The cursor per (inbox, folder) is UIDVALIDITY + the last stored UID, kept in the CRM store itself and
moved in the same transaction that stores the messages: a crash before the commit fetches the same
messages again; a crash after it never sees them twice. Messages are keyed by Message-ID (a hash of
the raw bytes without one), so a message copied into two folders or re-delivered is stored once.
Only after the commit are the messages flagged \\Seen on the server.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

import duckdb

from jengu_assets.replies.understanding import message_key
from jengu_assets.sending.inboxes import Inbox
from jengu_resources.crm_store import CRMStore, insert_rows
from jengu_resources.imap import FetchBatch, ImapSettings, fetch_new, mark_seen

INBOX_FOLDER = "INBOX"
DEFAULT_LIMIT = 1000


def inbound_id(key: str) -> str:
    return "in_" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:24]


@dataclass(frozen=True)
class PollResult:
    inbox_id: str
    fetched: int
    stored: int          # new rows
    duplicates: int      # already stored (another folder, a re-delivery)
    uidvalidity: int
    last_uid: int
    reset: bool          # the folder's UIDVALIDITY changed: read again from the start


def cursor_of(con: duckdb.DuckDBPyConnection, inbox_id: str, folder: str) -> tuple[int | None, int]:
    row = con.execute("SELECT uidvalidity, last_uid FROM inbox_cursors WHERE inbox_id = ? AND folder = ?",
                      [inbox_id, folder]).fetchall()
    return (row[0][0], row[0][1]) if row else (None, 0)


def store_batch(con: duckdb.DuckDBPyConnection, inbox_id: str, folder: str, batch: FetchBatch,
                now: datetime) -> tuple[int, int]:
    """Store the batch's messages and move the cursor, inside the caller's transaction.
    Returns (stored, duplicates)."""
    rows, seen = [], set()
    for m in batch.messages:
        key = message_key(m.raw)
        if key in seen:
            continue
        seen.add(key)
        rows.append({
            "id": inbound_id(key), "message_key": key, "inbox_id": inbox_id, "folder": folder,
            "uidvalidity": batch.uidvalidity, "uid": m.uid, "raw": m.raw, "size_bytes": len(m.raw),
            "received_at": m.internal_date, "stored_at": now,
        })
    stored = 0
    if rows:
        known = {r[0] for r in con.execute(
            "SELECT message_key FROM inbound_messages WHERE message_key IN (SELECT unnest(?))",
            [[r["message_key"] for r in rows]]).fetchall()}
        fresh = [r for r in rows if r["message_key"] not in known]
        stored = insert_rows(con, "inbound_messages", fresh, on_conflict="ON CONFLICT DO NOTHING")
    last_uid = max([m.uid for m in batch.messages], default=batch.highest_uid)
    con.execute(
        "INSERT INTO inbox_cursors (inbox_id, folder, uidvalidity, last_uid, polled_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (inbox_id, folder) DO UPDATE SET "
        "uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid, polled_at = excluded.polled_at",
        [inbox_id, folder, batch.uidvalidity, last_uid, now])
    return stored, len(batch.messages) - stored


def poll_inbox(
    store: CRMStore,
    inbox: Inbox,
    *,
    env: Mapping[str, str] = os.environ,
    folder: str = INBOX_FOLDER,
    limit: int = DEFAULT_LIMIT,
    fetch: Callable[..., FetchBatch] = fetch_new,
    flag: Callable[[ImapSettings, str, list[int]], None] | None = mark_seen,
    now: datetime | None = None,
) -> PollResult:
    """One poll of one inbox: at most ``limit`` new messages, stored before anything else."""
    settings = inbox.imap_settings(env)
    if settings is None:
        raise ValueError(f"inbox {inbox.email} has no IMAP settings")
    with store.connect() as con:
        uidvalidity, last_uid = cursor_of(con, inbox.id, folder)
    batch = fetch(settings, folder, uidvalidity=uidvalidity, last_uid=last_uid, limit=limit)
    with store.transaction() as con:
        stored, duplicates = store_batch(con, inbox.id, folder, batch, now or datetime.now(timezone.utc))
    if flag is not None and batch.messages:
        flag(settings, folder, [m.uid for m in batch.messages])
    return PollResult(inbox.id, len(batch.messages), stored, duplicates, batch.uidvalidity,
                      max([m.uid for m in batch.messages], default=batch.highest_uid), batch.reset)
