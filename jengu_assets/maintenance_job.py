"""``maintenance_job``: the weekly archive and retention pass over the CRM store.

Two ops, not assets: they change rows that other assets own (prospects' stages, email bodies, raw
messages) and produce no data of their own. Each op's output metadata says what it did and how
long it kept the CRM file locked at most. They do not depend on each other, so one failing does
not stop the other. The in-process executor runs them one after the other in the run's own process: they share one DuckDB file, and a process per step would cost seconds
for nothing.

The rules are in ``jengu_assets/maintenance.py``. The thresholds are op config (defaults 30 and 90
days), editable in the launchpad; ``maintenance_schedule`` fills them from
``JENGU_ARCHIVE_AFTER_DAYS`` and ``JENGU_RETENTION_DAYS`` when those are set.
"""

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import dagster as dg
from pydantic import Field

from jengu_assets import maintenance
from jengu_assets.maintenance import BatchStats
from jengu_resources.crm_store import CRMStore
from jengu_resources.settings import read as read_setting

ARCHIVE_AFTER_DAYS_ENV = "JENGU_ARCHIVE_AFTER_DAYS"
RETENTION_DAYS_ENV = "JENGU_RETENTION_DAYS"


class ArchiveConfig(dg.Config):
    archive_after_days: int = Field(
        default=maintenance.ARCHIVE_AFTER_DAYS, ge=1,
        description="Days of silence after the last email before a prospect is archived.")
    batch_size: int = Field(default=maintenance.BATCH_SIZE, ge=1,
                            description="Prospects moved per transaction.")


class RetentionConfig(dg.Config):
    retention_days: int = Field(
        default=maintenance.RETENTION_DAYS, ge=1,
        description="Days an email body or a raw inbound message is kept.")
    batch_size: int = Field(default=maintenance.BATCH_SIZE, ge=1,
                            description="Rows changed per transaction.")


def _stats_metadata(prefix: str, stats: BatchStats) -> dict[str, Any]:
    return {
        f"{prefix}_batches": dg.MetadataValue.int(stats.batches),
        f"{prefix}_longest_lock_seconds": dg.MetadataValue.float(round(stats.longest_lock_seconds, 3)),
        f"{prefix}_seconds": dg.MetadataValue.float(round(stats.seconds, 3)),
    }


@dg.op(description="Archive prospects silent for 30+ days (by default) after their last email: "
       "no reply, nothing pending. Never touches engaged, replied, meeting, won, lost or suppressed "
       "ones.")
def archive_silent_prospects(context: dg.OpExecutionContext, config: ArchiveConfig,
                             crm: CRMStore) -> dg.Output[int]:
    report = maintenance.archive_silent(
        crm, datetime.now(UTC), actor=f"run:{context.run.run_id}",
        after_days=config.archive_after_days, batch_size=config.batch_size)
    context.log.info(f"archived {report.archived} silent prospects")
    return dg.Output(report.archived, metadata={
        "archived": dg.MetadataValue.int(report.archived),
        "archived_from": dg.MetadataValue.json(dict(report.from_stages)),
        "archive_after_days": dg.MetadataValue.int(config.archive_after_days),
        # Prospect ids, not addresses: enough to find them, no personal data here.
        "sample_prospect_ids": dg.MetadataValue.json(report.sample),
        **_stats_metadata("archive", report.stats),
    })


@dg.op(description="Drop email bodies and raw inbound messages older than 90 days (by default); "
       "the rows and their metadata stay, with the moment the content went. Never the body of an "
       "email that may still be sent, nor a message not processed yet.")
def apply_retention(context: dg.OpExecutionContext, config: RetentionConfig,
                    crm: CRMStore) -> dg.Output[int]:
    report = maintenance.apply_retention(
        crm, datetime.now(UTC), retention_days=config.retention_days, batch_size=config.batch_size)
    dropped = report.bodies.rows + report.raw_messages.rows
    context.log.info(f"dropped {report.bodies.rows} email bodies and "
                     f"{report.raw_messages.rows} raw inbound messages")
    return dg.Output(dropped, metadata={
        "bodies_dropped": dg.MetadataValue.int(report.bodies.rows),
        "body_bytes_dropped": dg.MetadataValue.int(report.bodies.bytes),
        "raw_messages_dropped": dg.MetadataValue.int(report.raw_messages.rows),
        "raw_bytes_dropped": dg.MetadataValue.int(report.raw_messages.bytes),
        "retention_days": dg.MetadataValue.int(config.retention_days),
        # After the closing checkpoint: the file, and the part of it rows use.
        "crm_file_bytes": dg.MetadataValue.int(report.space.file_bytes),
        "crm_used_bytes": dg.MetadataValue.int(report.space.used_bytes),
        **_stats_metadata("bodies", report.bodies),
        **_stats_metadata("raw_messages", report.raw_messages),
    })


@dg.job(
    description="Weekly: archive silent prospects; drop email bodies and raw inbound messages "
    "past retention. The two are independent (one failing does not stop the other). Idempotent: "
    "a second run changes nothing.",
    executor_def=dg.in_process_executor,
    tags={"jengu/kind": "maintenance"},
)
def maintenance_job() -> None:
    archive_silent_prospects()
    apply_retention()


def _days(env: Mapping[str, str], name: str) -> int | None:
    return read_setting(name, env)


def run_config_from_env(env: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """The job's run config with the thresholds the environment sets (the defaults otherwise)."""
    ops: dict[str, Any] = {}
    archive = _days(env, ARCHIVE_AFTER_DAYS_ENV)
    retention = _days(env, RETENTION_DAYS_ENV)
    if archive is not None:
        ops["archive_silent_prospects"] = {"config": {"archive_after_days": archive}}
    if retention is not None:
        ops["apply_retention"] = {"config": {"retention_days": retention}}
    return {"ops": ops} if ops else {}
