"""Shared fixtures: an isolated JENGU_HOME per test, a real CRM DuckDB file, the loopback sandbox."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from jengu_resources.crm_store import CRMStore
from jengu_resources.paths import JenguHome

# A fixed discovery day keeps the seeded sample postings (and so every count) reproducible.
DAY = date(2026, 11, 20)
PARTITION = DAY.isoformat()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> JenguHome:
    home = JenguHome(tmp_path / "jengu_home").ensure()
    monkeypatch.setenv("JENGU_HOME", str(home.root))
    monkeypatch.setenv("DAGSTER_HOME", str(home.dagster_home))
    return home


@pytest.fixture
def crm(home: JenguHome) -> CRMStore:
    return CRMStore(path=str(home.crm_path))


@pytest.fixture(scope="session")
def sandbox():
    from sandbox.world import Sandbox

    with Sandbox(day=DAY) as box:
        yield box


@pytest.fixture
def job_boards(sandbox):
    from jengu_resources.job_boards import JobBoards

    env = sandbox.env()
    return JobBoards(
        adzuna_base_url=env["ADZUNA_BASE_URL"],
        adzuna_app_id=env["ADZUNA_APP_ID"],
        adzuna_app_key=env["ADZUNA_APP_KEY"],
        serpapi_base_url=env["SERPAPI_BASE_URL"],
        serpapi_key=env["SERPAPI_KEY"],
        requests_per_second=200.0,
    )


@pytest.fixture
def resources(crm: CRMStore, job_boards) -> dict:
    return {"crm": crm, "job_boards": job_boards}
