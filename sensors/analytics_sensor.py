"""Refreshing the analyst file after the graph wrote the CRM: one ``analytics_job`` run per
successful run of a job that materialises CRM assets, without piling runs up.

The run key is the triggering run's id, so a repeated evaluation asks for the same run and Dagster
launches it once. Two rules keep it from stacking publishes that add nothing:

- an analytics run that has not started yet, or was created after the triggering run ended, reads
  the CRM after it, so it already covers it: nothing more is asked. At most one run waits;
- ``send_job`` ticks every 5 minutes and ``reply_processing_job`` whenever mail arrives: after
  those, a publish is asked for only if none was in the last ``STREAM_REFRESH``, so sends and
  replies reach the file within that time plus one tick rather than on every tick.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import dagster as dg

from jengu_assets.analytics.assets import analytics_job
from jengu_assets.jobs import (
    daily_pipeline_job,
    enrichment_job,
    follow_up_job,
    lead_import_job,
    reply_processing_job,
    send_job,
)

STREAM_JOBS = frozenset({send_job.name, reply_processing_job.name})
STREAM_REFRESH = timedelta(minutes=30)
# Runs that read nothing from the CRM, or never will.
_NOT_COVERING = (dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED,
                 dg.DagsterRunStatus.CANCELING)
# Runs that will read the CRM later, whenever they were asked for.
_WAITING = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED,
            dg.DagsterRunStatus.STARTING]


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[daily_pipeline_job, lead_import_job, enrichment_job, follow_up_job, send_job,
                    reply_processing_job],
    request_job=analytics_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Publishes the analyst file after each successful run that wrote the CRM "
    "(send and reply runs at most every 30 minutes).",
)
def analytics_sensor(context: dg.RunStatusSensorContext):
    run = context.dagster_run
    ended = _ended_at(context.instance, run.run_id)
    since = ended - STREAM_REFRESH if run.job_name in STREAM_JOBS else ended
    recent = [r for r in context.instance.get_run_records(
        filters=dg.RunsFilter(job_name=analytics_job.name, created_after=since))
        if r.dagster_run.status not in _NOT_COVERING]
    waiting = context.instance.get_run_records(
        filters=dg.RunsFilter(job_name=analytics_job.name, statuses=_WAITING), limit=1)
    covering = [r for r in recent if r.create_timestamp >= ended] or waiting
    if covering:
        return dg.SkipReason(f"analytics run {covering[0].dagster_run.run_id[:8]} reads the CRM "
                             f"after {run.job_name} run {run.run_id[:8]} ended: it covers it")
    if recent:
        return dg.SkipReason(f"{run.job_name} run {run.run_id[:8]}: published less than "
                             f"{STREAM_REFRESH.seconds // 60} minutes before (run "
                             f"{recent[0].dagster_run.run_id[:8]}); a later run refreshes it")
    return dg.RunRequest(run_key=f"after:{run.run_id}",
                         tags={"jengu/triggered_by": run.run_id, "jengu/trigger_job": run.job_name})


def _ended_at(instance: dg.DagsterInstance, run_id: str) -> datetime:
    record = instance.get_run_record_by_id(run_id)
    if record is None or record.end_time is None:
        return datetime.now(timezone.utc)
    return datetime.fromtimestamp(record.end_time, timezone.utc)
