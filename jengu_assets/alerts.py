"""Operational alerts: stored first, delivered by the alerting sensor.

Every alert is a row in ``alerts`` (type, severity, message, payload). Writers only record: nothing
here talks to the outside world, so recording an alert can never fail a send or a reply run.
Personal addresses are masked by the caller (``redaction.mask_email``) before they reach a message.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb


def record_alert(con: duckdb.DuckDBPyConnection, alert_type: str, severity: str, message: str,
                 payload: dict[str, Any] | None = None) -> None:
    """Store one alert inside the caller's transaction."""
    con.execute("INSERT INTO alerts (alert_type, severity, message, payload) VALUES (?, ?, ?, ?)",
                [alert_type, severity, message, json.dumps(payload or {}, default=str)])
