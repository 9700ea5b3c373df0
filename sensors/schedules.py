"""Schedules: the clock that runs Jengu unattended."""

import dagster as dg

from jengu_assets.jobs import daily_pipeline_job


@dg.schedule(
    cron_schedule="0 7 * * *",
    job=daily_pipeline_job,
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def daily_pipeline_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """07:00: materialise today's partition. The run key is the day, so a repeated tick is one run."""
    day = context.scheduled_execution_time.date().isoformat()
    return dg.RunRequest(run_key=day, partition_key=day)
