"""The doorbell for people: every minute, deliver the notifications the CRM has queued."""

import dagster as dg

from jengu_assets.notifications import deliver_pending
from jengu_resources.crm_store import CRMStore, StoreBusyError
from jengu_resources.notify import Notifier

# A sensor tick must finish well inside the daemon's evaluation timeout (60 s by default): wait
# this long at most for a busy store, and start no new delivery after the budget (one delivery
# to a hanging endpoint can itself take about 45 s with the default timeouts and retries).
BUSY_WAIT_SECONDS = 10.0
TICK_BUDGET_SECONDS = 20.0


@dg.sensor(minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def notification_sensor(
    context: dg.SensorEvaluationContext, crm: CRMStore, notifier: Notifier
) -> dg.SkipReason:
    """Delivers due notifications to the configured webhook and email address and says how it
    went. It launches no run: delivery is a few requests, and a run per reply would bury the run
    list. A failed delivery is logged and retried by a later tick; a busy store skips the tick."""
    store = CRMStore(path=crm.path,
                     lock_timeout_seconds=min(crm.lock_timeout_seconds, BUSY_WAIT_SECONDS))
    try:
        report = deliver_pending(store, notifier, budget_seconds=TICK_BUDGET_SECONDS)
    except StoreBusyError as exc:
        return dg.SkipReason(f"CRM store busy, trying at the next tick: {exc}")
    for error in report.errors:
        context.log.warning(error)
    return dg.SkipReason(report.summary())
