"""Where Jengu keeps its local state.

Everything lives under one directory, ``JENGU_HOME`` (default ``var/`` in the repository), so that
pointing it elsewhere isolates a run completely: the CRM DuckDB file, the Dagster home, caches,
CSV imports and the published analytics file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class JenguHome:
    root: Path

    @classmethod
    def from_env(cls) -> "JenguHome":
        return cls(Path(os.environ.get("JENGU_HOME") or REPO_ROOT / "var").resolve())

    @property
    def crm_path(self) -> Path:
        return self.root / "crm.duckdb"

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster"

    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    @property
    def imports_dir(self) -> Path:
        """Drop CSV files here; the lead import sensor picks them up."""
        return self.root / "imports"

    @property
    def analytics_path(self) -> Path:
        return self.root / "analytics.duckdb"

    def ensure(self) -> "JenguHome":
        for path in (self.root, self.dagster_home, self.cache_dir, self.imports_dir):
            path.mkdir(parents=True, exist_ok=True)
        return self


def jengu_home() -> JenguHome:
    return JenguHome.from_env()
