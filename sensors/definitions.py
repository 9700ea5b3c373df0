"""Every schedule and sensor, for the composition root."""

from sensors.alert_sensors import (
    alert_delivery_sensor,
    check_failure_alert_sensor,
    run_failure_alert_sensor,
)
from sensors.analytics_sensor import analytics_sensor
from sensors.integrity_schedule import integrity_schedule
from sensors.lead_import_sensor import lead_import_sensor
from sensors.maintenance_schedule import maintenance_schedule
from sensors.notification_sensor import notification_sensor
from sensors.reply_polling_sensor import reply_polling_sensor
from sensors.schedules import (
    daily_pipeline_schedule,
    enrichment_retry_schedule,
    follow_up_schedule,
    send_schedule,
)

schedules = [daily_pipeline_schedule, enrichment_retry_schedule, follow_up_schedule, send_schedule,
             integrity_schedule, maintenance_schedule]
sensors = [lead_import_sensor, reply_polling_sensor, notification_sensor, analytics_sensor,
           check_failure_alert_sensor, run_failure_alert_sensor, alert_delivery_sensor]
