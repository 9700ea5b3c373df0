"""Nightly integrity: the faults the CRM store must never hold (ERROR) or should not drift into
(WARN), found by set-based SQL (``findings``) and reported as Dagster asset checks (``checks``) by
``integrity_job`` (``jobs``), which ``sensors/integrity_schedule.py`` runs at 03:00 UTC."""
