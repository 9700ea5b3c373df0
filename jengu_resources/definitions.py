"""Resource wiring: which env vars configure which client.

Secrets arrive as ``EnvVar`` and are resolved by Dagster at run time, never here. An optional
setting is wired only when its variable is set, so the embedded default needs no variable at all.
"""

from __future__ import annotations

import os
from typing import Any

import dagster as dg

from jengu_resources.crm_store import CRMStore
from jengu_resources.job_boards import JobBoards

# resource field -> environment variable
JOB_BOARD_ENV = {
    "sources": "JENGU_JOB_SOURCES",
    "adzuna_base_url": "ADZUNA_BASE_URL",
    "adzuna_app_id": "ADZUNA_APP_ID",
    "adzuna_app_key": "ADZUNA_APP_KEY",
    "serpapi_base_url": "SERPAPI_BASE_URL",
    "serpapi_key": "SERPAPI_KEY",
}


def _from_env(mapping: dict[str, str]) -> dict[str, Any]:
    return {field: dg.EnvVar(var) for field, var in mapping.items() if os.environ.get(var)}


def build_resources() -> dict[str, Any]:
    return {
        "crm": CRMStore(),
        "job_boards": JobBoards(**_from_env(JOB_BOARD_ENV)),
    }
