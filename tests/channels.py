"""The delivery channels the alert and notification tests share: one webhook path carrying a
token, one SMTP login, and a Notifier pointed at the loopback receivers (sandbox/webhook_server.py,
sandbox/smtp_server.py) with deadlines short enough for a test."""

from __future__ import annotations

from typing import Any

from jengu_resources.notify import Notifier
from sandbox.smtp_server import SandboxSMTP
from sandbox.webhook_server import WebhookServer

TOKEN = "T0kenS3cretZZ9"
WEBHOOK_PATH = f"/services/T0001/B0002/{TOKEN}"
SMTP_USER, SMTP_PASSWORD = "alerts", "smtp-Pa55-s3cret"
PROSPECT_EMAIL = "anna.schmidt@hotel-adler.de"
# Longer than the notifier's 2 s deadline, so a "timeout" answer is one.
HANG_SECONDS = 5.0


def make_notifier(webhook: WebhookServer | None = None, smtp: SandboxSMTP | None = None, *,
                  email_to: str = "sales@jengu.test", smtp_port: int | None = None,
                  **overrides: Any) -> Notifier:
    """A channel for each receiver given (``smtp_port`` alone: an email channel to a port where
    nothing may listen), two webhook attempts 10 ms apart, Retry-After honoured up to 5 s."""
    settings: dict[str, Any] = {
        "webhook_url": webhook.url + WEBHOOK_PATH if webhook else "",
        "email_to": email_to if smtp or smtp_port else "",
        "email_from": "alerts@jengu.test",
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_port or (smtp.port if smtp else 587),
        "smtp_tls_mode": "none",
        "smtp_username": SMTP_USER,
        "smtp_password": SMTP_PASSWORD,
        "timeout_seconds": 2.0,
        "requests_per_second": 1000.0,
        "max_attempts": 2,
        "backoff_seconds": 0.01,
        "max_retry_wait_seconds": 5.0,
    }
    return Notifier(**{**settings, **overrides})


def assert_no_secret(*texts: object) -> None:
    for text in texts:
        assert TOKEN not in str(text)
        assert SMTP_PASSWORD not in str(text)
