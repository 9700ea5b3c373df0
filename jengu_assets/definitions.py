"""The composition root: the code location that workspace.yaml loads."""

import dagster as dg

from jengu_assets.acquisition import assets as acquisition
from jengu_assets.composition import assets as composition
from jengu_assets.composition import follow_up_assets
from jengu_assets.enrichment import assets as enrichment
from jengu_assets.jobs import (
    daily_pipeline_job,
    enrichment_job,
    follow_up_job,
    lead_import_job,
    reply_processing_job,
    send_job,
)
from jengu_assets.replies import assets as replies
from jengu_assets.research import assets as research
from jengu_assets.sending import assets as sending
from jengu_resources.definitions import build_resources
from sensors.definitions import schedules, sensors

defs = dg.Definitions(
    assets=[
        acquisition.job_postings,
        acquisition.lead_imports,
        acquisition.prospects,
        enrichment.enriched_contacts,
        research.research_reports,
        composition.composed_emails,
        follow_up_assets.follow_up_emails,
        sending.sent_emails,
        replies.replies,
    ],
    asset_checks=[sending.unknown_sends_reviewed],
    jobs=[daily_pipeline_job, lead_import_job, enrichment_job, follow_up_job, send_job,
          reply_processing_job],
    schedules=schedules,
    sensors=sensors,
    resources=build_resources(),
)
