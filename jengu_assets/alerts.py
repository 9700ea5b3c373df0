"""Operational alerts: stored first, delivered by the alerting sensor (jengu_assets/alerting.py).

Every alert is a row in ``alerts`` (type, severity, message, payload). Writers only record: nothing
here talks to the outside world, so recording an alert can never fail a send or a reply run.

Two more things are stored with each alert. Its ``fingerprint`` says what it is about (an inbox,
a check, a job): alerts of one type and fingerprint within five minutes are folded into the first
one at delivery. Its ``source_key`` is the identity of the outside event it came from (a check
evaluation, a failed run), so a sensor that reads the same event twice records one alert.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import duckdb

# Payload keys that name what an alert is about, most specific first.
FINGERPRINT_KEYS = ("check", "inbox_id", "job_name")


def default_fingerprint(message: str, payload: Mapping[str, Any] | None) -> str:
    """``key:value`` for the first of FINGERPRINT_KEYS the payload holds, else the message."""
    for key in FINGERPRINT_KEYS:
        value = (payload or {}).get(key)
        if value not in (None, ""):
            return f"{key}:{value}"
    return message


def record_alert(con: duckdb.DuckDBPyConnection, alert_type: str, severity: str, message: str,
                 payload: dict[str, Any] | None = None, *, fingerprint: str | None = None,
                 source_key: str | None = None) -> int | None:
    """Store one alert inside the caller's transaction. Returns its id, or None when an alert
    with this ``source_key`` exists already (the event was recorded before)."""
    rows = con.execute(
        "INSERT INTO alerts (alert_type, severity, message, payload, fingerprint, source_key) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source_key) DO NOTHING RETURNING id",
        [alert_type, severity, message, json.dumps(payload or {}, default=str),
         fingerprint or default_fingerprint(message, payload), source_key],
    ).fetchall()
    return rows[0][0] if rows else None
