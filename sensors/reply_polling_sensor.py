"""The reply doorbell: every minute, read each inbox's new mail over IMAP and store it raw, then ask
for one processing run over everything stored but not yet processed.

The truth of "what was read" is the CRM store (``inbox_cursors``, moved in the same transaction that
stores the messages), so a restarted daemon, a lost sensor cursor or a failed run neither loses a
message nor reads one twice. The sensor's own cursor mirrors it for the UI. Run keys name the set of
pending messages, each with how far it has been (last processed, attempts): a repeated tick asks for
the same run (Dagster keeps one), while a message a person sent back from review (``jengu inbound
assign`` or ``retry``) asks for a new one. A failed run is asked for again under the same key plus
its retry number, at most ``MAX_RETRIES`` times.
"""

from __future__ import annotations

import hashlib
import json

import dagster as dg

from jengu_assets.jobs import reply_processing_job
from jengu_assets.replies.polling import poll_inbox
from jengu_assets.sending.inboxes import InboxConfigError, load_inboxes
from jengu_resources.crm_store import CRMStore, StoreBusyError
from jengu_resources.imap import ImapError, mark_seen
from jengu_resources.settings import read as read_setting

MAX_RETRIES = 5
MARK_SEEN_ENV = "JENGU_IMAP_MARK_SEEN"   # "true": flag stored messages \Seen (off: the mailbox looks untouched)


def _run_key(instance: dg.DagsterInstance, pending: list[str]) -> str | None:
    base = "inbound:" + hashlib.sha256("\n".join(sorted(pending)).encode()).hexdigest()[:16]
    for attempt in range(MAX_RETRIES + 1):
        key = base if attempt == 0 else f"{base}:retry{attempt}"
        runs = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/run_key": key}), limit=1)
        if not runs or runs[0].status not in (dg.DagsterRunStatus.FAILURE,
                                              dg.DagsterRunStatus.CANCELED):
            return key
    return None


@dg.sensor(
    job=reply_processing_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Reads new mail of every inbox with IMAP, stores it raw, and requests processing.",
)
def reply_polling_sensor(context: dg.SensorEvaluationContext):
    store = CRMStore(lock_timeout_seconds=10)
    flag = mark_seen if read_setting(MARK_SEEN_ENV) else None
    notes, positions = [], {}
    try:
        with store.connect() as con:
            inboxes = [i for i in load_inboxes(con) if i.imap_host]
        for inbox in inboxes:
            try:
                result = poll_inbox(store, inbox, flag=flag)
            except (ImapError, InboxConfigError, OSError) as exc:
                context.log.warning(f"inbox {inbox.email}: {exc}")
                notes.append(f"{inbox.email}: {exc}")
                continue
            positions[inbox.email] = f"{result.uidvalidity}:{result.last_uid}"
            if result.stored or result.reset:
                notes.append(f"{inbox.email}: {result.stored} new"
                             + (" (folder rebuilt: read again)" if result.reset else ""))
        with store.connect() as con:
            pending = [" ".join(map(str, r)) for r in con.execute(
                "SELECT id, attempts, processed_at FROM inbound_messages WHERE status = 'new' "
                "ORDER BY id").fetchall()]
    except StoreBusyError as exc:
        return dg.SkipReason(f"CRM store busy, trying at the next tick: {exc}")
    if positions:
        context.update_cursor(json.dumps(positions, sort_keys=True))
    if not inboxes:
        return dg.SkipReason("no inbox has IMAP configured (jengu inbox add ... --imap-host)")
    if not pending:
        return dg.SkipReason("; ".join(notes) or "no new mail")
    key = _run_key(context.instance, pending)
    if key is None:
        return dg.SkipReason(f"{len(pending)} messages wait, but processing failed {MAX_RETRIES + 1} "
                             "times: see the last reply_processing_job run")
    return dg.RunRequest(run_key=key, tags={"jengu/inbound_pending": str(len(pending))})
