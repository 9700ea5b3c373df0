"""Every schedule and sensor, for the composition root."""

from sensors.lead_import_sensor import lead_import_sensor
from sensors.notification_sensor import notification_sensor
from sensors.reply_polling_sensor import reply_polling_sensor
from sensors.schedules import (
    daily_pipeline_schedule,
    enrichment_retry_schedule,
    follow_up_schedule,
    send_schedule,
)

schedules = [daily_pipeline_schedule, enrichment_retry_schedule, follow_up_schedule, send_schedule]
sensors = [lead_import_sensor, reply_polling_sensor, notification_sensor]
