"""03:00 UTC: the nightly integrity run, before anyone looks at the day's data and before the 07:00
pipeline writes the next partition."""

import dagster as dg

from jengu_assets.integrity.jobs import integrity_job


@dg.schedule(
    cron_schedule="0 3 * * *",
    job=integrity_job,
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every integrity check at 03:00 UTC; the run key is the day, so a repeated tick "
    "is one run.",
)
def integrity_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    return dg.RunRequest(run_key=context.scheduled_execution_time.date().isoformat())
