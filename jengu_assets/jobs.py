"""Jobs over the asset graph: what the schedules and sensors launch."""

import dagster as dg

from jengu_assets.acquisition.assets import GROUP as ACQUISITION
from jengu_assets.acquisition.assets import lead_imports, prospects
from jengu_assets.composition.assets import GROUP as COMPOSITION
from jengu_assets.composition.follow_up_assets import follow_up_emails
from jengu_assets.enrichment.assets import GROUP as ENRICHMENT
from jengu_assets.enrichment.assets import enriched_contacts
from jengu_assets.replies.assets import replies
from jengu_assets.research.assets import GROUP as RESEARCH
from jengu_assets.sending.assets import sent_emails

# Partitioning is inferred from the assets.
daily_pipeline_job = dg.define_asset_job(
    "daily_pipeline_job",
    # Follow-ups run on their own clock: their partition is the first email's day, not today.
    selection=dg.AssetSelection.groups(ACQUISITION, ENRICHMENT, RESEARCH, COMPOSITION)
    - dg.AssetSelection.assets(follow_up_emails),
    description="Today's partition of the graph: postings, CSV imports, prospects, enrichment, "
    "research and composition.",
    tags={"jengu/kind": "pipeline"},
)

lead_import_job = dg.define_asset_job(
    "lead_import_job",
    selection=dg.AssetSelection.assets(lead_imports, prospects),
    description="Import one CSV lead file and admit its rows as prospects.",
    tags={"jengu/kind": "import"},
    # Two steps in a line and the prospects checks: one process is seconds faster than one each.
    executor_def=dg.in_process_executor,
)

enrichment_job = dg.define_asset_job(
    "enrichment_job",
    selection=dg.AssetSelection.assets(enriched_contacts),
    description="Enrich a partition again: only new, stuck or due-for-retry prospects are touched.",
    tags={"jengu/kind": "enrichment"},
)

follow_up_job = dg.define_asset_job(
    "follow_up_job",
    selection=dg.AssetSelection.assets(follow_up_emails),
    description="Write the follow-ups due for the first emails composed on one day.",
    tags={"jengu/kind": "follow_up"},
)

# The tag is what dagster.yaml's run queue limits to one at a time: never two send runs at once,
# whatever launched them (the schedule, the UI, a retry).
SENDING_TAGS = {"jengu/kind": "send", "jengu/sending": "true"}

send_job = dg.define_asset_job(
    "send_job",
    # Every 5 minutes: the checks of sent_emails read the whole ledger and its attempts, work for
    # the nightly integrity_job (and the UI), not for each tick.
    selection=dg.AssetSelection.assets(sent_emails).without_checks(),
    description="One tick of sending: claim due emails in the ledger, deliver them over SMTP.",
    tags=SENDING_TAGS,
)

reply_processing_job = dg.define_asset_job(
    "reply_processing_job",
    selection=dg.AssetSelection.assets(replies),
    description="Understand, match and act on every stored inbound message not processed yet.",
    # dagster.yaml's run queue lets one such run go at a time.
    tags={"jengu/kind": "replies", "jengu/replies": "true"},
)
