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
from jengu_resources.job_boards import JobBoards

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


def build_resources() -> dict[str, Any]:
    return {
        "crm": CRMStore(),
        "job_boards": JobBoards(**_secrets(JOB_BOARD_SECRETS), **_settings(JOB_BOARD_SETTINGS)),
    }
