"""Resource wiring: which env var configures which field.

Secrets arrive as ``EnvVar`` and are resolved by Dagster at run time, never here. Plain settings
(URLs, lists, rates) are read when the code location loads, parsed by the table in
``jengu_resources/settings.py``; the whole environment is checked against that table first, so a
wrong value stops the load with one message naming every bad variable. Each is wired only when its
variable is set, so the embedded default needs no variable at all.
"""

from __future__ import annotations

import os
from typing import Any

import dagster as dg

from jengu_resources import settings
from jengu_resources.crm_store import CRMStore
from jengu_resources.fetcher import SafeFetcher
from jengu_resources.job_boards import JobBoards
from jengu_resources.llm import LLM
from jengu_resources.notify import Notifier
from jengu_resources.search import WebSearch
from jengu_resources.spamd import SpamChecker
from jengu_resources.verifier import EmailVerifier

# resource field -> environment variable
JOB_BOARD_SECRETS = {
    "adzuna_app_id": "ADZUNA_APP_ID",
    "adzuna_app_key": "ADZUNA_APP_KEY",
    "serpapi_key": "SERPAPI_KEY",
}
JOB_BOARD_SETTINGS: dict[str, str] = {
    "sources": "JENGU_JOB_SOURCES",
    "adzuna_base_url": "ADZUNA_BASE_URL",
    "adzuna_countries": "ADZUNA_COUNTRIES",
    "serpapi_base_url": "SERPAPI_BASE_URL",
    "serpapi_locations": "SERPAPI_LOCATIONS",
    "queries": "JENGU_JOB_QUERIES",
    "requests_per_second": "JENGU_JOB_BOARD_RPS",
}


FETCHER_SETTINGS: dict[str, str] = {
    "sandbox_routes": "JENGU_SANDBOX_ROUTES",
    "requests_per_second": "JENGU_WEB_RPS",
    "cache_ttl_seconds": "JENGU_WEB_CACHE_TTL_SECONDS",
}
SEARCH_SETTINGS: dict[str, str] = {
    "provider": "JENGU_SEARCH_PROVIDER",
    "base_url": "JENGU_SEARCH_BASE_URL",
    "requests_per_second": "JENGU_SEARCH_RPS",
}
VERIFIER_SECRETS = {"api_key": "MILLIONVERIFIER_API_KEY"}
VERIFIER_SETTINGS: dict[str, str] = {
    "base_url": "MILLIONVERIFIER_BASE_URL",
    "requests_per_second": "JENGU_VERIFIER_RPS",
    "check_mx": "JENGU_CHECK_MX",
}
LLM_SECRETS = {"xai_api_key": "XAI_API_KEY", "anthropic_api_key": "ANTHROPIC_API_KEY"}
LLM_SETTINGS: dict[str, str] = {
    "xai_base_url": "XAI_BASE_URL",
    "xai_model": "XAI_MODEL",
    "anthropic_base_url": "ANTHROPIC_BASE_URL",
    "anthropic_model": "ANTHROPIC_MODEL",
    "requests_per_second": "JENGU_LLM_RPS",
}
SPAM_SETTINGS: dict[str, str] = {
    "host": "JENGU_SPAMD_HOST",
    "port": "JENGU_SPAMD_PORT",
    "max_concurrency": "JENGU_SPAMD_CONCURRENCY",
    "threshold": "JENGU_SPAM_THRESHOLD",
}
# Where notifications (interested replies, uncertain ones) go: a webhook and/or an email address.
NOTIFY_SECRETS = {
    "webhook_url": "JENGU_NOTIFY_WEBHOOK_URL",   # Slack and Discord put their token in the path
    "smtp_password": "JENGU_NOTIFY_SMTP_PASSWORD",
}
NOTIFY_SETTINGS: dict[str, str] = {
    "webhook_format": "JENGU_NOTIFY_WEBHOOK_FORMAT",
    "email_to": "JENGU_NOTIFY_EMAIL_TO",
    "email_from": "JENGU_NOTIFY_EMAIL_FROM",
    "smtp_host": "JENGU_NOTIFY_SMTP_HOST",
    "smtp_port": "JENGU_NOTIFY_SMTP_PORT",
    "smtp_tls_mode": "JENGU_NOTIFY_SMTP_TLS_MODE",
    "smtp_username": "JENGU_NOTIFY_SMTP_USERNAME",
}
# Where operational alerts go (failed checks and runs, sender health): people on call, often not
# the ones reading reply notifications. Used when JENGU_ALERT_WEBHOOK_URL or JENGU_ALERT_EMAIL_TO
# is set; the SMTP server and sender default to the notification ones. Otherwise alerts go to the
# notification channels.
ALERT_SECRETS = {
    "webhook_url": "JENGU_ALERT_WEBHOOK_URL",
    "smtp_password": "JENGU_ALERT_SMTP_PASSWORD",
}
ALERT_SETTINGS: dict[str, str] = {
    "webhook_format": "JENGU_ALERT_WEBHOOK_FORMAT",
    "email_to": "JENGU_ALERT_EMAIL_TO",
    "email_from": "JENGU_ALERT_EMAIL_FROM",
    "smtp_host": "JENGU_ALERT_SMTP_HOST",
    "smtp_port": "JENGU_ALERT_SMTP_PORT",
    "smtp_tls_mode": "JENGU_ALERT_SMTP_TLS_MODE",
    "smtp_username": "JENGU_ALERT_SMTP_USERNAME",
}
ALERT_CHANNEL_VARS = ("JENGU_ALERT_WEBHOOK_URL", "JENGU_ALERT_EMAIL_TO")
SHARED_SMTP_FIELDS = ("email_from", "smtp_host", "smtp_port", "smtp_tls_mode", "smtp_username",
                      "smtp_password")


def _secrets(mapping: dict[str, str]) -> dict[str, Any]:
    return {field: dg.EnvVar(var) for field, var in mapping.items() if os.environ.get(var)}


def _settings(mapping: dict[str, str]) -> dict[str, Any]:
    """The fields whose variable is set, parsed by the settings table (SettingError otherwise)."""
    values = {field: settings.read(var) for field, var in mapping.items()}
    return {field: value for field, value in values.items() if value is not None}


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
    settings.validate()
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
