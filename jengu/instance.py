"""The Dagster home under JENGU_HOME: which instance config it uses, and its pool limits.

Dagster reads ``dagster.yaml`` from ``$DAGSTER_HOME`` only, so the repository's file is copied
there (``dagster.postgres.yaml`` instead when ``JENGU_DAGSTER_INSTANCE=postgres``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from jengu_assets.pools import POOL_LIMITS
from jengu_resources.paths import REPO_ROOT, JenguHome, jengu_home

if TYPE_CHECKING:   # Dagster is imported when an instance opens: `jengu --help` needs none
    import dagster as dg

INSTANCE_CONFIGS = {"sqlite": "dagster.yaml", "postgres": "dagster.postgres.yaml"}


def instance_profile(env: Mapping[str, str] = os.environ) -> str:
    """The instance config's profile, ``sqlite`` when unset or empty; raises ``SettingError``
    naming the variable for any other value."""
    from jengu_resources.settings import read

    return read("JENGU_DAGSTER_INSTANCE", env) or "sqlite"


def prepare_dagster_home(home: JenguHome | None = None, profile: str | None = None) -> Path:
    """Write the instance config into the Dagster home and point DAGSTER_HOME at it."""
    home = (home or jengu_home()).ensure()
    source = REPO_ROOT / INSTANCE_CONFIGS[profile or instance_profile()]
    target = home.dagster_home / "dagster.yaml"
    text = source.read_text(encoding="utf-8")
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home.dagster_home)
    return home.dagster_home


def apply_pool_limits(instance: dg.DagsterInstance) -> None:
    for pool, limit in POOL_LIMITS.items():
        instance.event_log_storage.set_concurrency_slots(pool, limit)


def open_instance(home: JenguHome | None = None) -> dg.DagsterInstance:
    """The Dagster instance of this JENGU_HOME, prepared and with its pool limits set."""
    import dagster as dg

    prepare_dagster_home(home)
    instance = dg.DagsterInstance.get()
    apply_pool_limits(instance)
    return instance
