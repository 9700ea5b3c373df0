"""The doorbell for whoever runs Jengu: failed checks and failed runs become alerts, and every
minute the due alerts go out (the rules are in jengu_assets/alerting.py).

- ``check_failure_alert_sensor`` reads the asset check evaluations the Dagster instance stored
  since its cursor and records an alert per failed one, whichever check and job it came from.
- ``run_failure_alert_sensor`` reads the run failures the instance stored since its cursor and
  records an alert per failed run of this code location.
- ``alert_delivery_sensor`` folds repeats and delivers due alerts, sender-health ones included.

The two readers move their cursor only once the alerts are stored: a busy CRM store skips the
tick and the next one reads the same events again (a Dagster run failure sensor would have moved
past the run and lost its alert). None of them launches a run: an alert is a row and a request
or two.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timezone

import dagster as dg

from jengu_assets.alerting import (
    EventCursor,
    NewAlert,
    check_failure_alert,
    deliver_alerts,
    read_check_evaluations,
    read_run_failures,
    record_new,
    run_failure_alert,
)
from jengu_resources.crm_store import CRMStore, StoreBusyError
from jengu_resources.notify import Notifier
from sensors.notification_sensor import BUSY_WAIT_SECONDS, TICK_BUDGET_SECONDS


def _store(crm: CRMStore) -> CRMStore:
    return CRMStore(path=crm.path,
                    lock_timeout_seconds=min(crm.lock_timeout_seconds, BUSY_WAIT_SECONDS))


def _record(crm: CRMStore, alerts: Sequence[NewAlert], after: EventCursor, *, events: str,
            summary: str) -> dg.SensorResult | dg.SkipReason:
    """Store the alerts, then move the cursor; a busy store moves nothing."""
    try:
        new = record_new(_store(crm), alerts)
    except StoreBusyError as exc:
        return dg.SkipReason(f"CRM store busy, reading these {events} again next tick: {exc}")
    return dg.SensorResult(skip_reason=f"{summary}, {new} new alerts", cursor=after.serialize())


@dg.sensor(minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def check_failure_alert_sensor(
    context: dg.SensorEvaluationContext, crm: CRMStore
) -> dg.SensorResult | dg.SkipReason:
    """Records an alert for every failed asset check evaluation since the last tick (severity
    from the check; the count and the sample of offending ids in the payload)."""
    found, after = read_check_evaluations(context.instance, EventCursor.parse(context.cursor),
                                          now=datetime.now(timezone.utc))
    alerts = [alert for alert in map(check_failure_alert, found) if alert is not None]
    return _record(crm, alerts, after, events="evaluations",
                   summary=f"{len(found)} check evaluations read, {len(alerts)} failed")


def _of_this_code_location(context: dg.SensorEvaluationContext) -> Callable[[dg.DagsterRun], bool]:
    """Dagster's rule for a run failure sensor: a run of the sensor's own code location and
    repository (in a test, a run and a sensor that both have none)."""
    here = (context.code_location_origin.location_name if context.code_location_origin else None,
            context.repository_name)

    def ours(run: dg.DagsterRun) -> bool:
        origin = run.remote_job_origin
        if origin is None:
            return here == (None, None)
        repository = origin.repository_origin
        return here == (repository.code_location_origin.location_name,
                        repository.repository_name)

    return ours


# Dagster's default interval for run failure sensors: an alert within half a minute.
@dg.sensor(minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING)
def run_failure_alert_sensor(
    context: dg.SensorEvaluationContext, crm: CRMStore
) -> dg.SensorResult | dg.SkipReason:
    """Records a run_failed alert for every run of this code location that failed since the last
    tick: the job, the run id, the first failed step's own error (its first line, secrets
    blanked) and the failed steps. Runs of other code locations are passed over."""
    found, after = read_run_failures(context.instance, EventCursor.parse(context.cursor),
                                     now=datetime.now(timezone.utc),
                                     keep=_of_this_code_location(context))
    return _record(crm, [run_failure_alert(f) for f in found], after, events="run failures",
                   summary=f"{len(found)} failed runs read")


@dg.sensor(minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def alert_delivery_sensor(
    context: dg.SensorEvaluationContext, crm: CRMStore, alert_notifier: Notifier
) -> dg.SkipReason:
    """Delivers due alerts to the alert webhook, or by email when the webhook fails, at most 10
    a minute per type, repeats within 5 minutes folded. Failures are logged and retried by a
    later tick; a busy store skips the tick."""
    try:
        report = deliver_alerts(_store(crm), alert_notifier,
                                budget_seconds=TICK_BUDGET_SECONDS)
    except StoreBusyError as exc:
        return dg.SkipReason(f"CRM store busy, trying at the next tick: {exc}")
    for error in report.errors:
        context.log.warning(error)
    return dg.SkipReason(report.summary())
