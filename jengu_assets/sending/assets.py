"""The send asset: each materialisation is one tick of the send schedule, with what it did in metadata.

``sent_emails`` is not partitioned: sending is a stream over every queued email, not a day's batch.
Its metadata answers the operator's questions about the tick (what was sent, skipped and why, what
each inbox did, whether the emergency stop held everything). Its checks (``integrity/checks.py``) run
nightly, among them the unknown sends older than a day, which a person reviews rather than resends.
"""

import asyncio

import dagster as dg

from jengu_assets.acquisition.reporting import markdown_table
from jengu_assets.pools import POOL_LIMITS
from jengu_assets.sending.sender import run_tick
from jengu_resources.crm_store import CRMStore

GROUP = "sending"
SMTP_POOL = "smtp"
assert SMTP_POOL in POOL_LIMITS


@dg.asset(
    group_name=GROUP,
    pool=SMTP_POOL,
    kinds={"duckdb", "smtp", "imap"},
    owners=["team:data-engineering", "team:outreach"],
    # What it sends: the queued first emails and follow-ups (lineage only; each tick reads the CRM).
    deps=["composed_emails", "follow_up_emails"],
    description="One tick of sending: due emails claimed in the once-only ledger and delivered over "
    "SMTP at a human pace from the inbox pool.",
)
def sent_emails(context: dg.AssetExecutionContext, crm: CRMStore) -> dg.MaterializeResult:
    report = asyncio.run(run_tick(crm, actor=f"run:{context.run.run_id}"))
    if report.emergency_stop:
        context.log.warning(f"emergency stop: {report.emergency_stop}")
    context.log.info(f"sent {report.sent} of {report.planned} planned ({report.due} due)")
    metadata = report.as_metadata()
    rows = [{"inbox": k, "this tick": v} for k, v in sorted(report.inboxes.items())][:50]
    return dg.MaterializeResult(metadata={
        "sent": dg.MetadataValue.int(report.sent),
        "planned": dg.MetadataValue.int(report.planned),
        "due": dg.MetadataValue.int(report.due),
        "emergency_stop": dg.MetadataValue.text(metadata["emergency_stop"]),
        "outcomes": dg.MetadataValue.json(metadata["outcomes"]),
        "not_due": dg.MetadataValue.json(metadata["not_due"]),
        "skipped": dg.MetadataValue.json(metadata["skipped"]),
        "claims_refused": dg.MetadataValue.json(metadata["claims_refused"]),
        "reconciled": dg.MetadataValue.json(metadata["reconciled"]),
        "expired_claims": dg.MetadataValue.int(report.expired_claims),
        "inboxes_paused": dg.MetadataValue.json(report.paused),
        "inboxes": dg.MetadataValue.md(markdown_table(rows, ["inbox", "this tick"]) if rows else "none"),
        # Message-IDs, not addresses: enough to find a send in the ledger, no personal data here.
        "sent_message_ids": dg.MetadataValue.json(report.sent_ids[:50]),
    })

