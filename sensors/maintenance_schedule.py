"""``maintenance_schedule``: Sundays at 07:00 UTC, one ``maintenance_job`` run.

The cron fires on Sundays only, so the tick history shows one tick a week rather than six skips.
An evaluation for any other day (the UI's "test schedule" with a weekday, say) is skipped with the
reason. The run key is the date: a repeated tick is one run. The thresholds come from
``JENGU_ARCHIVE_AFTER_DAYS`` and ``JENGU_RETENTION_DAYS`` when set, read at each tick and recorded
in the run's config.
"""

from datetime import UTC, datetime

import dagster as dg

from jengu_assets.maintenance_job import maintenance_job, run_config_from_env

SUNDAY = 6


@dg.schedule(
    cron_schedule="0 7 * * 0",
    job=maintenance_job,
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Sundays 07:00 UTC: archive silent prospects and apply retention (run key: the date).",
)
def maintenance_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    when = context.scheduled_execution_time or datetime.now(UTC)
    day = when.astimezone(UTC).date()
    if day.weekday() != SUNDAY:
        return dg.SkipReason(f"{day:%A %Y-%m-%d}: maintenance runs on Sundays only")
    return dg.RunRequest(run_key=day.isoformat(), run_config=run_config_from_env(),
                         tags={"jengu/maintenance_day": day.isoformat()})
