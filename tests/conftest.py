"""Shared fixtures: an isolated JENGU_HOME per test, a real CRM DuckDB file, the loopback sandbox."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from jengu_resources.crm_store import CRMStore
from jengu_resources.paths import JenguHome

# A fixed discovery day keeps the seeded sample postings (and so every count) reproducible.
DAY = date(2026, 11, 20)
PARTITION = DAY.isoformat()


# `make test` runs the suite in two parts: everything else on two workers, then these files alone.
# They start daemons, webservers or many processes of their own, or hold a time to bounds that a
# neighbour on the other core could stretch.
SERIAL_FILES = frozenset({
    # whole processes: the demo, the daemons, the webserver and Chromium, killed senders
    "test_demo.py", "test_daemon.py", "test_postgres_daemon.py", "test_ui_browser.py",
    "test_send_chaos.py",
    # elapsed time held to bounds: rate limits, timeouts, Retry-After, throughput
    "test_crm_store.py", "test_csv_leads.py", "test_fetcher.py", "test_imap_polling.py",
    "test_inspect_email.py", "test_job_boards.py", "test_llm.py", "test_rules.py", "test_smtp.py",
    "test_spam_gate.py", "test_throttle.py", "test_verifier.py",
})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in SERIAL_FILES:
            item.add_marker(pytest.mark.serial)


@pytest.fixture(scope="session")
def migrated_crm_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty CRM file with every migration applied, made once per session. Each test's home
    starts from a copy of it rather than paying some 0.1 s of DDL; the tests of the migrations
    themselves make files of their own."""
    path = tmp_path_factory.mktemp("migrated") / "crm.duckdb"
    CRMStore(path=str(path)).migrate()
    return path


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_crm_file: Path) -> JenguHome:
    home = JenguHome(tmp_path / "jengu_home").ensure()
    shutil.copyfile(migrated_crm_file, home.crm_path)
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
def enrichment_resources(sandbox, home) -> dict:
    """Search, web and verifier clients pointed at the sandbox, fast and without DNS."""
    from jengu_resources.fetcher import SafeFetcher
    from jengu_resources.search import WebSearch
    from jengu_resources.verifier import EmailVerifier

    env = sandbox.env()
    return {
        "fetcher": SafeFetcher(
            sandbox_routes=env["JENGU_SANDBOX_ROUTES"],
            cache_dir=str(home.cache_dir / "http"),
            requests_per_second=1000.0,
            max_concurrency=64,
            total_timeout_seconds=1.5,
        ),
        "web_search": WebSearch(base_url=env["JENGU_SEARCH_BASE_URL"], requests_per_second=1000.0),
        "email_verifier": EmailVerifier(
            base_url=env["MILLIONVERIFIER_BASE_URL"],
            api_key=env["MILLIONVERIFIER_API_KEY"],
            requests_per_second=1000.0,
            check_mx=False,
        ),
    }


@pytest.fixture
def resources(crm: CRMStore, job_boards, enrichment_resources) -> dict:
    return {"crm": crm, "job_boards": job_boards, **enrichment_resources}


@pytest.fixture(scope="session")
def dovecot_server():
    """One Dovecot (IMAP + LMTP on loopback) for the session. In CI a missing Dovecot fails."""
    import os

    from sandbox.dovecot import INSTALL_HINT, DovecotNotInstalled, DovecotUnavailable, start_dovecot

    try:
        server = start_dovecot({})
    except DovecotUnavailable as exc:
        if isinstance(exc, DovecotNotInstalled) and os.environ.get("CI", "").lower() != "true":
            pytest.skip(f"Dovecot is not installed: {INSTALL_HINT}")
        pytest.fail(str(exc), pytrace=False)
    with server:
        yield server


@pytest.fixture
def webhook():
    """The loopback webhook receiver the alert and notification channels post to."""
    from sandbox.webhook_server import WebhookServer
    from tests.channels import HANG_SECONDS

    with WebhookServer(hang_seconds=HANG_SECONDS) as server:
        yield server


@pytest.fixture
def smtp():
    """The sandbox SMTP server with the channels' login."""
    from sandbox.smtp_server import SandboxSMTP
    from tests.channels import SMTP_PASSWORD, SMTP_USER

    with SandboxSMTP(users={SMTP_USER: SMTP_PASSWORD}) as server:
        yield server
