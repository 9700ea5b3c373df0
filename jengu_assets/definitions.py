"""The composition root: the code location that workspace.yaml loads."""

import warnings
from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from jengu_assets.acquisition import assets as acquisition
from jengu_assets.analytics.assets import analytics_job, analytics_warehouse
from jengu_assets.composition import assets as composition
from jengu_assets.composition import follow_up_assets
from jengu_assets.enrichment import assets as enrichment
from jengu_assets.integrity.checks import INTEGRITY_CHECKS
from jengu_assets.integrity.jobs import integrity_job
from jengu_assets.integrity.repair_job import repair_job
from jengu_assets.jobs import (
    daily_pipeline_job,
    enrichment_job,
    follow_up_job,
    lead_import_job,
    reply_processing_job,
    send_job,
)
from jengu_assets.maintenance_job import maintenance_job
from jengu_assets.replies import assets as replies
from jengu_assets.research import assets as research
from jengu_assets.sending import assets as sending
from jengu_resources.definitions import build_resources
from jengu_resources.settings import read as read_setting
from sensors.definitions import schedules, sensors


def with_code_references(assets: Sequence[dg.AssetsDefinition]) -> Sequence[dg.AssetsDefinition]:
    """Each asset's page in the UI links to the function that computes it: the file and line on
    this machine, or the git host when JENGU_GIT_URL (a GitHub or GitLab repository URL) and
    JENGU_GIT_BRANCH (default ``main``) say where the deployed code lives."""
    with warnings.catch_warnings():
        # The code-reference API is beta in Dagster 1.13: the warning names no action to take.
        warnings.simplefilter("ignore", dg.BetaWarning)
        assets = dg.with_source_code_references(assets)
        git_url = (read_setting("JENGU_GIT_URL") or "").rstrip("/")
        if not git_url:
            return assets
        if "github" not in git_url and "gitlab" not in git_url:
            raise ValueError(f"JENGU_GIT_URL={git_url!r} is neither a GitHub nor a GitLab URL")
        return dg.link_code_references_to_git(
            assets,
            git_url=git_url,
            git_branch=read_setting("JENGU_GIT_BRANCH") or "main",
            file_path_mapping=dg.AnchorBasedFilePathMapping(
                local_file_anchor=Path(__file__),
                file_anchor_path_in_repository="jengu_assets/definitions.py",
            ),
        )


defs = dg.Definitions(
    assets=with_code_references([
        acquisition.job_postings,
        acquisition.lead_imports,
        acquisition.prospects,
        enrichment.enriched_contacts,
        research.research_reports,
        composition.composed_emails,
        follow_up_assets.follow_up_emails,
        sending.sent_emails,
        replies.replies,
        analytics_warehouse,
    ]),
    asset_checks=INTEGRITY_CHECKS,
    jobs=[daily_pipeline_job, lead_import_job, enrichment_job, follow_up_job, send_job,
          reply_processing_job, integrity_job, repair_job, analytics_job, maintenance_job],
    schedules=schedules,
    sensors=sensors,
    resources=build_resources(),
)
