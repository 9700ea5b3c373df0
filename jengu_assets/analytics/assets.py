"""The analyst file as an asset: ``analytics_warehouse``, and ``analytics_job`` that refreshes it.

It is not partitioned: every materialisation publishes the whole CRM as it is now. It depends on
every asset that writes the CRM, so the UI shows it downstream of them (and stale after them);
``sensors/analytics_sensor.py`` runs the job after their jobs succeed, the nightly integrity run
refreshes it once more.
"""

import dagster as dg

from jengu_assets.acquisition.assets import prospects
from jengu_assets.analytics.publish import publish
from jengu_assets.composition.assets import composed_emails
from jengu_assets.composition.follow_up_assets import follow_up_emails
from jengu_assets.enrichment.assets import enriched_contacts
from jengu_assets.replies.assets import replies
from jengu_assets.research.assets import research_reports
from jengu_assets.sending.assets import sent_emails
from jengu_resources.crm_store import CRMStore

GROUP = "analytics"
# dagster.yaml gives pools without an explicit limit one slot: one publish step at a time.
POOL = "analytics"


@dg.asset(
    group_name=GROUP,
    pool=POOL,
    kinds={"duckdb"},
    owners=["team:data-engineering", "team:analytics"],
    deps=[prospects, enriched_contacts, research_reports, composed_emails, follow_up_emails,
          sent_emails, replies],
    description="The analyst file ($JENGU_HOME/analytics.duckdb): the CRM without personal data "
    "or raw content, plus the funnel, inbox health, reply intents, enrichment and gate pass "
    "rates and cost per email. Replaced atomically; safe to keep open read-only "
    "(docs/analytics.md).",
)
def analytics_warehouse(context: dg.AssetExecutionContext, crm: CRMStore) -> dg.MaterializeResult:
    summary = publish(crm)
    context.log.info(f"published {summary['path']} in {summary['seconds']} s "
                     f"(CRM held {summary['crm_lock_seconds']} s)")
    funnel = summary["funnel"]
    preview = "\n".join(["| step | prospects |", "|---|---|",
                         *(f"| {step} | {count} |" for step, count in funnel.items())])
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(summary["path"]),
        "published_at": dg.MetadataValue.text(summary["published_at"]),
        "rows": dg.MetadataValue.json(summary["rows"]),
        "seconds": dg.MetadataValue.float(summary["seconds"]),
        "crm_lock_seconds": dg.MetadataValue.float(summary["crm_lock_seconds"]),
        "bytes": dg.MetadataValue.int(summary["bytes"]),
        "stale_files_removed": dg.MetadataValue.int(summary["stale_files_removed"]),
        "funnel": dg.MetadataValue.md(preview),
        "dagster/row_count": dg.MetadataValue.int(summary["rows"]["prospects"]),
    })


analytics_job = dg.define_asset_job(
    "analytics_job",
    selection=dg.AssetSelection.assets(analytics_warehouse),
    description="Publish the analyst file from the CRM now.",
    tags={"jengu/kind": "analytics", "jengu/analytics": "true"},
)
