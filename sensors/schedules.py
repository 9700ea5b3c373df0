"""Schedules: the clock that runs Jengu unattended."""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import dagster as dg
import duckdb

from jengu_assets import retry_queue
from jengu_assets.composition.follow_up_assets import days_with_sent_first_emails
from jengu_assets.enrichment.pipeline import TASK as ENRICH_TASK
from jengu_assets.jobs import daily_pipeline_job, enrichment_job, follow_up_job, send_job
from jengu_assets.partitions import DISCOVERY_START
from jengu_assets.sending.ledger import emergency_stop
from jengu_resources.crm_store import CRMStore, StoreBusyError

RETRY_LOOKBACK = timedelta(days=14)
# The break-up is due 14 days after the first send; a week more covers first emails sent late.
FOLLOW_UP_LOOKBACK = timedelta(days=21)


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


def _read_store(read: Callable[[duckdb.DuckDBPyConnection], Any]) -> Any:
    """What ``read`` returns from a short connection, or a SkipReason when the store is busy: the
    next tick reads it again."""
    try:
        with CRMStore(lock_timeout_seconds=10).connect() as con:
            return read(con)
    except StoreBusyError as exc:
        return dg.SkipReason(f"CRM store busy, trying at the next tick: {exc}")


def _runs_per_partition(
    read_days: Callable[[duckdb.DuckDBPyConnection], list[date]], *, tick: str, nothing: str
) -> list[dg.RunRequest] | dg.SkipReason:
    """One run per partition the CRM names, keyed by partition and tick so that a tick never
    launches a partition twice. A busy store skips the tick."""
    days = _read_store(read_days)
    if isinstance(days, dg.SkipReason):
        return days
    if not days:
        return dg.SkipReason(nothing)
    return [
        dg.RunRequest(run_key=f"{day.isoformat()}@{tick}", partition_key=day.isoformat())
        for day in days
    ]


@dg.schedule(
    cron_schedule="*/20 22-23,0-5 * * *",
    job=enrichment_job,
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def enrichment_retry_schedule(context: dg.ScheduleEvaluationContext):
    """Off-hours, every 20 minutes: re-run each recent partition that has enrichment retries due.
    The run key names the partition and the tick, so one tick never launches a partition twice."""
    now = context.scheduled_execution_time
    return _runs_per_partition(
        lambda con: retry_queue.partitions_with_due_retries(
            con, ENRICH_TASK, since=(now - RETRY_LOOKBACK).date(), now=now
        ),
        tick=now.strftime("%Y-%m-%dT%H:%M"),
        nothing="no enrichment retry is due",
    )


@dg.schedule(
    cron_schedule="0 10 * * 1-5",
    job=follow_up_job,
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def follow_up_schedule(context: dg.ScheduleEvaluationContext):
    """10:00 on weekdays: one follow-up run per composition day of the last three weeks with first
    emails sent. The run key is the day and the tick's date, so a repeated tick is one run; a run
    that finds nothing due writes nothing."""
    now = context.scheduled_execution_time
    since = max((now - FOLLOW_UP_LOOKBACK).date(), date.fromisoformat(DISCOVERY_START))
    return _runs_per_partition(
        lambda con: days_with_sent_first_emails(con, since=since, until=now.date()),
        tick=now.date().isoformat(),
        nothing="no first email sent in the last 21 days",
    )


@dg.schedule(
    cron_schedule="*/5 * * * *",
    job=send_job,
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def send_schedule(context: dg.ScheduleEvaluationContext):
    """Every 5 minutes: one send run. The run key is the tick, so a repeated tick is one run; the run
    queue holds a second send run until the first is done; business hours are the run's business.
    The emergency stop and an empty inbox pool skip the tick with the reason (visible in the UI)."""
    state = _read_store(lambda con: (
        emergency_stop(con),
        con.execute("SELECT count(*) FROM inboxes WHERE NOT paused").fetchall()[0][0]))
    if isinstance(state, dg.SkipReason):
        return state
    stop, inboxes = state
    if stop:
        return dg.SkipReason(
            f"emergency stop is on (since {stop['changed_at']:%Y-%m-%d %H:%M} UTC, by "
            f"{stop['changed_by']}: {stop['reason'] or 'no reason given'}); `jengu emergency-stop off`"
        )
    if not inboxes:
        return dg.SkipReason("no active inbox: add one with `jengu inbox add` or resume a paused one")
    return dg.RunRequest(run_key=context.scheduled_execution_time.strftime("%Y-%m-%dT%H:%M"))
