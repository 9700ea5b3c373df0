"""The doorbell for whoever runs Jengu: failed checks and failed runs become alerts, and every
minute the due alerts go out (the rules are in jengu_assets/alerting.py).

- ``check_failure_alert_sensor`` reads the asset check evaluations the Dagster instance stored
  since its cursor and records an alert per failed one, whichever check and job it came from.
- ``run_failure_alert_sensor`` is called by Dagster for each failed run of this code location.
- ``alert_delivery_sensor`` folds repeats and delivers due alerts, sender-health ones included.

None of them launches a run: an alert is a row and a request or two.
"""

from __future__ import annotations

from datetime import datetime, timezone

import dagster as dg

from jengu_assets.alerting import (
    CheckCursor,
    check_failure_alert,
    deliver_alerts,
    read_check_evaluations,
    record_new,
    run_failure_alert,
)
from jengu_resources.crm_store import CRMStore, StoreBusyError
from jengu_resources.notify import Notifier
from sensors.notification_sensor import BUSY_WAIT_SECONDS, TICK_BUDGET_SECONDS

# Dagster moves a run failure sensor past a run even when the sensor raised, so a busy store
# would lose that run's alert: wait longer for it than a tick that can simply come back.
RUN_FAILURE_BUSY_WAIT_SECONDS = 30.0


def _store(crm: CRMStore, wait_seconds: float) -> CRMStore:
    return CRMStore(path=crm.path, lock_timeout_seconds=min(crm.lock_timeout_seconds, wait_seconds))


@dg.sensor(minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def check_failure_alert_sensor(
    context: dg.SensorEvaluationContext, crm: CRMStore
) -> dg.SensorResult | dg.SkipReason:
    """Records an alert for every failed asset check evaluation since the last tick (severity
    from the check; the count and the sample of offending ids in the payload). A busy store
    leaves the cursor where it was, so the next tick reads the same evaluations again."""
    cursor = CheckCursor.parse(context.cursor)
    found, after = read_check_evaluations(context.instance, cursor,
                                          now=datetime.now(timezone.utc))
    alerts = [alert for alert in map(check_failure_alert, found) if alert is not None]
    try:
        new = record_new(_store(crm, BUSY_WAIT_SECONDS), alerts)
    except StoreBusyError as exc:
        return dg.SkipReason(f"CRM store busy, reading these evaluations again next tick: {exc}")
    return dg.SensorResult(
        skip_reason=f"{len(found)} check evaluations read, {len(alerts)} failed, "
                    f"{new} new alerts",
        cursor=after.serialize(),
    )


def run_error(context: dg.RunFailureSensorContext) -> str | None:
    """The error that failed the run: the first failed step's own exception (not Dagster's
    wrapper around it), else the run's failure."""
    for event in context.get_step_failure_events():
        error = event.step_failure_data.error
        if error is not None:
            return (error.cause or error).message
    failure = context.failure_event.job_failure_data
    if failure is not None and failure.error is not None:
        return failure.error.message
    return context.failure_event.message


@dg.run_failure_sensor(default_status=dg.DefaultSensorStatus.RUNNING)
def run_failure_alert_sensor(context: dg.RunFailureSensorContext, crm: CRMStore) -> None:
    """Records a run_failed alert (job, run id, the error's first line with secrets blanked)."""
    run = context.dagster_run
    steps = [event.step_key for event in context.get_step_failure_events() if event.step_key]
    alert = run_failure_alert(run.job_name, run.run_id, run_error(context), steps)
    new = record_new(_store(crm, RUN_FAILURE_BUSY_WAIT_SECONDS), [alert])
    context.log.info(f"{alert.message} ({'alert stored' if new else 'alert stored before'})")


@dg.sensor(minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def alert_delivery_sensor(
    context: dg.SensorEvaluationContext, crm: CRMStore, alert_notifier: Notifier
) -> dg.SkipReason:
    """Delivers due alerts to the alert webhook, or by email when the webhook fails, at most 10
    a minute per type, repeats within 5 minutes folded. Failures are logged and retried by a
    later tick; a busy store skips the tick."""
    try:
        report = deliver_alerts(_store(crm, BUSY_WAIT_SECONDS), alert_notifier,
                                budget_seconds=TICK_BUDGET_SECONDS)
    except StoreBusyError as exc:
        return dg.SkipReason(f"CRM store busy, trying at the next tick: {exc}")
    for error in report.errors:
        context.log.warning(error)
    return dg.SkipReason(report.summary())
