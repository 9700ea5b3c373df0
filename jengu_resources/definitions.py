"""Resource wiring: which env var configures which field.

Secrets arrive as ``EnvVar`` and are resolved by Dagster at run time, never here. Plain settings
(URLs, lists, rates) are read when the code location loads. Each is wired only when its variable
is set, so the embedded default needs no variable at all.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import dagster as dg

from jengu_resources.crm_store import CRMStore
from jengu_resources.fetcher import SafeFetcher
from jengu_resources.job_boards import JobBoards
from jengu_resources.llm import LLM
from jengu_resources.notify import Notifier
from jengu_resources.search import WebSearch
from jengu_resources.spamd import SpamChecker
from jengu_resources.verifier import EmailVerifier


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


# resource field -> environment variable
JOB_BOARD_SECRETS = {
    "adzuna_app_id": "ADZUNA_APP_ID",
    "adzuna_app_key": "ADZUNA_APP_KEY",
    "serpapi_key": "SERPAPI_KEY",
}
JOB_BOARD_SETTINGS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "sources": ("JENGU_JOB_SOURCES", str),
    "adzuna_base_url": ("ADZUNA_BASE_URL", str),
    "adzuna_countries": ("ADZUNA_COUNTRIES", str),
    "serpapi_base_url": ("SERPAPI_BASE_URL", str),
    "serpapi_locations": ("SERPAPI_LOCATIONS", str),
    "queries": ("JENGU_JOB_QUERIES", str),
    "requests_per_second": ("JENGU_JOB_BOARD_RPS", float),
}


FETCHER_SETTINGS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "sandbox_routes": ("JENGU_SANDBOX_ROUTES", str),
    "requests_per_second": ("JENGU_WEB_RPS", float),
    "cache_ttl_seconds": ("JENGU_WEB_CACHE_TTL_SECONDS", float),
}
SEARCH_SETTINGS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "provider": ("JENGU_SEARCH_PROVIDER", str),
    "base_url": ("JENGU_SEARCH_BASE_URL", str),
    "requests_per_second": ("JENGU_SEARCH_RPS", float),
}
VERIFIER_SECRETS = {"api_key": "MILLIONVERIFIER_API_KEY"}
VERIFIER_SETTINGS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "base_url": ("MILLIONVERIFIER_BASE_URL", str),
    "requests_per_second": ("JENGU_VERIFIER_RPS", float),
    "check_mx": ("JENGU_CHECK_MX", _flag),
}



LLM_SECRETS = {"xai_api_key": "XAI_API_KEY", "anthropic_api_key": "ANTHROPIC_API_KEY"}
LLM_SETTINGS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "xai_base_url": ("XAI_BASE_URL", str),
    "xai_model": ("XAI_MODEL", str),
    "anthropic_base_url": ("ANTHROPIC_BASE_URL", str),
    "anthropic_model": ("ANTHROPIC_MODEL", str),
    "requests_per_second": ("JENGU_LLM_RPS", float),
}
SPAM_SETTINGS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "host": ("JENGU_SPAMD_HOST", str),
    "port": ("JENGU_SPAMD_PORT", int),
    "max_concurrency": ("JENGU_SPAMD_CONCURRENCY", int),
    "threshold": ("JENGU_SPAM_THRESHOLD", float),
}
# Where notifications (interested replies, uncertain ones) go: a webhook and/or an email address.
NOTIFY_SECRETS = {
    "webhook_url": "JENGU_NOTIFY_WEBHOOK_URL",   # Slack and Discord put their token in the path
    "smtp_password": "JENGU_NOTIFY_SMTP_PASSWORD",
}
NOTIFY_SETTINGS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "webhook_format": ("JENGU_NOTIFY_WEBHOOK_FORMAT", str),
    "email_to": ("JENGU_NOTIFY_EMAIL_TO", str),
    "email_from": ("JENGU_NOTIFY_EMAIL_FROM", str),
    "smtp_host": ("JENGU_NOTIFY_SMTP_HOST", str),
    "smtp_port": ("JENGU_NOTIFY_SMTP_PORT", int),
    "smtp_tls_mode": ("JENGU_NOTIFY_SMTP_TLS_MODE", str),
    "smtp_username": ("JENGU_NOTIFY_SMTP_USERNAME", str),
}
# Where operational alerts go (failed checks and runs, sender health): people on call, often not
# the ones reading reply notifications. Used when JENGU_ALERT_WEBHOOK_URL or JENGU_ALERT_EMAIL_TO
# is set; the SMTP server and sender default to the notification ones. Otherwise alerts go to the
# notification channels.
ALERT_SECRETS = {
    "webhook_url": "JENGU_ALERT_WEBHOOK_URL",
    "smtp_password": "JENGU_ALERT_SMTP_PASSWORD",
}
ALERT_SETTINGS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "webhook_format": ("JENGU_ALERT_WEBHOOK_FORMAT", str),
    "email_to": ("JENGU_ALERT_EMAIL_TO", str),
    "email_from": ("JENGU_ALERT_EMAIL_FROM", str),
    "smtp_host": ("JENGU_ALERT_SMTP_HOST", str),
    "smtp_port": ("JENGU_ALERT_SMTP_PORT", int),
    "smtp_tls_mode": ("JENGU_ALERT_SMTP_TLS_MODE", str),
    "smtp_username": ("JENGU_ALERT_SMTP_USERNAME", str),
}
ALERT_CHANNEL_VARS = ("JENGU_ALERT_WEBHOOK_URL", "JENGU_ALERT_EMAIL_TO")
SHARED_SMTP_FIELDS = ("email_from", "smtp_host", "smtp_port", "smtp_tls_mode", "smtp_username",
                      "smtp_password")


def _secrets(mapping: dict[str, str]) -> dict[str, Any]:
    return {field: dg.EnvVar(var) for field, var in mapping.items() if os.environ.get(var)}


def _settings(mapping: dict[str, tuple[str, Callable[[str], Any]]]) -> dict[str, Any]:
    values = {}
    for field, (var, parse) in mapping.items():
        raw = os.environ.get(var)
        if raw:
            try:
                values[field] = parse(raw)
            except ValueError as exc:
                raise ValueError(f"environment variable {var}={raw!r} is invalid: {exc}") from exc
    return values


def fetcher_from_env() -> SafeFetcher:
    """The web fetcher as the code location configures it (for CLI commands)."""
    return SafeFetcher(**_settings(FETCHER_SETTINGS))


def alert_notifier_from_env() -> Notifier:
    """The alert channels: JENGU_ALERT_* when one of ALERT_CHANNEL_VARS is set, else the
    notification channels."""
    notify = {**_secrets(NOTIFY_SECRETS), **_settings(NOTIFY_SETTINGS)}
    if not any(os.environ.get(var) for var in ALERT_CHANNEL_VARS):
        return Notifier(**notify)
    shared = {k: v for k, v in notify.items() if k in SHARED_SMTP_FIELDS}
    return Notifier(env_prefix="JENGU_ALERT",
                    **{**shared, **_secrets(ALERT_SECRETS), **_settings(ALERT_SETTINGS)})


def build_resources() -> dict[str, Any]:
    return {
        "crm": CRMStore(),
        "job_boards": JobBoards(**_secrets(JOB_BOARD_SECRETS), **_settings(JOB_BOARD_SETTINGS)),
        "fetcher": fetcher_from_env(),
        "web_search": WebSearch(**_settings(SEARCH_SETTINGS)),
        "email_verifier": EmailVerifier(
            **_secrets(VERIFIER_SECRETS), **_settings(VERIFIER_SETTINGS)
        ),
        # Composition's clients (research and composition assets build on them).
        "llm": LLM(**_secrets(LLM_SECRETS), **_settings(LLM_SETTINGS)),
        "spam_checker": SpamChecker(**_settings(SPAM_SETTINGS)),
        "notifier": Notifier(**_secrets(NOTIFY_SECRETS), **_settings(NOTIFY_SETTINGS)),
        "alert_notifier": alert_notifier_from_env(),
    }
