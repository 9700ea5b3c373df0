"""The Dagster UI in a real browser: a JENGU_HOME whose Dagster instance holds real
materialisations (the acquisition partition, against the loopback sandbox's job board) and real
check results (the integrity run over the real DuckDB CRM file), the real `dagster-webserver` on
the repository's workspace.yaml on a free loopback port, and Chromium driven through Playwright.
What the pages must show is read from the Definitions and the instance, not written down here.
Screenshots go to test-artifacts/ui/ ($JENGU_TEST_ARTIFACTS/ui/ when set).

In CI a missing Chromium or Playwright is a failure; elsewhere the browser tests are skipped.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from tests.conftest import PARTITION

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("JENGU_TEST_ARTIFACTS") or REPO / "test-artifacts") / "ui"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
INSTALL_HINT = ("install Chromium and Playwright: `make system-deps` as root (apt-get install -y "
                "chromium) and `.venv/bin/pip install playwright==1.65.2`")
# Flags that keep a headless Chromium from reaching for the network (FIELD_NOTES).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
WAIT_MS = 30_000
ORPHAN_EMAIL = "e_p_gone_1"
# The check that must find the injected fault: (asset, check name).
FAILING_CHECK = ("composed_emails", "orphan_email")
WEBSERVER_START_SECONDS = 90
CHECK_STATUS = re.compile(r"\b(Succeeded|Failed|Warning|Execution failed|Not evaluated)\b")


@dataclass(frozen=True)
class UI:
    base_url: str
    browser: object  # playwright.sync_api.Browser
    metadata: dict[str, dict[str, int]]             # asset -> its latest int metadata
    checks: dict[str, dict[str, bool]]              # asset -> check name -> passed

    def page(self):
        context = self.browser.new_context(viewport={"width": 1920, "height": 1080})
        # The UI greets a first visit with a "Join the Dagster community" dialog over the page;
        # this is the flag its Skip button stores.
        context.add_init_script("window.localStorage.setItem('communityNux', '1')")
        context.set_default_timeout(WAIT_MS)
        return context.new_page()


def test_every_asset_explains_itself():
    """What makes the UI self-explaining: a description, owners, kinds and a code reference."""
    from jengu_assets.definitions import defs

    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        name = key.to_user_string()
        assert node.description and len(node.description) > 40, name
        assert node.owners and all(o.startswith("team:") for o in node.owners), name
        assert node.kinds and "duckdb" in node.kinds, name
        references = node.metadata["dagster/code_references"].code_references
        assert any(Path(r.file_path).is_file() for r in references), name


def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return _missing("Playwright is not installed")
    if not Path(CHROMIUM).is_file():
        return _missing(f"Chromium is not installed at {CHROMIUM}")
    return sync_playwright


def _missing(what: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what}: {INSTALL_HINT}", pytrace=False)
    pytest.skip(f"{what}: {INSTALL_HINT}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prepare_home(home, sandbox) -> tuple[dict, dict]:
    """Materialise the acquisition partition and run the checks, in-process on the home's
    instance; returns what the UI must show: int metadata per asset, check results per asset."""
    from jengu.instance import open_instance
    from jengu_assets.acquisition.assets import job_postings, lead_imports, prospects
    from jengu_assets.definitions import defs
    from jengu_resources.crm_store import CRMStore
    from jengu_resources.job_boards import JobBoards

    env = sandbox.env()
    boards = JobBoards(adzuna_base_url=env["ADZUNA_BASE_URL"], adzuna_app_id=env["ADZUNA_APP_ID"],
                       adzuna_app_key=env["ADZUNA_APP_KEY"],
                       serpapi_base_url=env["SERPAPI_BASE_URL"], serpapi_key=env["SERPAPI_KEY"],
                       requests_per_second=200.0)
    instance = open_instance(home)
    try:
        acquired = dg.materialize(
            [job_postings, lead_imports, prospects], partition_key=PARTITION, instance=instance,
            resources={"crm": CRMStore(path=str(home.crm_path)), "job_boards": boards})
        assert acquired.success
        # One fault, so that a failed check shows beside the passed ones: an email whose
        # prospect is gone.
        with CRMStore(path=str(home.crm_path)).transaction() as con:
            con.execute("INSERT INTO emails (id, prospect_id, subject) VALUES (?, ?, ?)",
                        [ORPHAN_EMAIL, "p_gone", "Hello"])
        checked = defs.resolve_job_def("integrity_job").execute_in_process(instance=instance)
        metadata = {}
        for key in (dg.AssetKey("job_postings"), dg.AssetKey("prospects")):
            event = instance.get_latest_materialization_event(key)
            metadata[key.to_user_string()] = {
                name: value.value for name, value in event.asset_materialization.metadata.items()
                if isinstance(value, dg.IntMetadataValue)}
    finally:
        instance.dispose()
    checks: dict[str, dict[str, bool]] = {}
    for evaluation in checked.get_asset_check_evaluations():
        checks.setdefault(evaluation.asset_key.to_user_string(), {})[evaluation.check_name] = (
            evaluation.passed)
    assert checks, "the Definitions hold no asset check"
    asset, check = FAILING_CHECK
    assert checks[asset][check] is False, checks[asset]
    return metadata, checks


def _graphql(base_url: str, query: str) -> dict:
    request = urllib.request.Request(f"{base_url}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["data"]


def _wait_for_webserver(proc: subprocess.Popen, base_url: str, log: Path) -> None:
    """Until the webserver answers and the code location is loaded (its error, if it failed)."""
    query = ("{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus "
             "locationOrLoadError { __typename ... on PythonError { message } } } } } }")
    deadline = time.monotonic() + WEBSERVER_START_SECONDS
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
        try:
            entries = _graphql(base_url, query)["workspaceOrError"]["locationEntries"]
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
            continue
        if entries and all(e["loadStatus"] == "LOADED" for e in entries):
            for entry in entries:
                assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation", entry
            return
        time.sleep(0.5)
    pytest.fail(f"dagster-webserver not ready after {WEBSERVER_START_SECONDS} s:\n"
                + log.read_text(errors="replace")[-3000:])


@pytest.fixture(scope="module")
def ui(sandbox, tmp_path_factory) -> Iterator[UI]:
    from jengu_resources.paths import JenguHome

    sync_playwright = _playwright()
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    root = tmp_path_factory.mktemp("ui")
    home = JenguHome(root / "jengu_home").ensure()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("JENGU_HOME", str(home.root))
        env.setenv("DAGSTER_HOME", str(home.dagster_home))
        metadata, checks = _prepare_home(home, sandbox)
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        log = root / "webserver.log"
        with log.open("wb") as out:
            webserver = subprocess.Popen(
                [str(Path(sys.executable).parent / "dagster-webserver"), "-h", "127.0.0.1",
                 "-p", str(port), "-w", str(REPO / "workspace.yaml")],
                cwd=REPO, env=dict(os.environ), stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
    try:
        _wait_for_webserver(webserver, base_url, log)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield UI(base_url, browser, metadata, checks)
            finally:
                browser.close()
    finally:
        os.killpg(webserver.pid, signal.SIGINT)
        try:
            webserver.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(webserver.pid, signal.SIGKILL)
            webserver.wait()


def test_asset_graph_shows_every_group(ui: UI):
    from jengu_assets.definitions import defs

    graph = defs.resolve_asset_graph()
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys()}

    page = ui.page()
    page.goto(f"{ui.base_url}/asset-groups")
    # The graph is the pane right of the side list; its filter box marks where it begins. Each
    # group must be drawn there (as a node), not only named in the list.
    graph_left = page.get_by_role("textbox", name="Search and filter assets").bounding_box()["x"]
    deadline = time.monotonic() + WAIT_MS / 1000
    missing = set(groups)
    while missing and time.monotonic() < deadline:
        missing = {g for g in missing if not _drawn_right_of(page, g, graph_left)}
        page.wait_for_timeout(250)
    assert not missing, f"groups not drawn in the asset graph: {sorted(missing)}"
    page.screenshot(path=ARTIFACTS / "asset_graph.png", animations="disabled")
    page.context.close()


def _drawn_right_of(page, text: str, left: float) -> bool:
    matches = page.get_by_text(text, exact=True)
    for i in range(matches.count()):
        box = matches.nth(i).bounding_box()
        if box and box["x"] >= left and matches.nth(i).is_visible():
            return True
    return False


def test_asset_page_shows_the_materialisation_counts(ui: UI):
    from playwright.sync_api import expect

    from jengu_assets.definitions import defs

    graph = defs.resolve_asset_graph()
    page = ui.page()
    for asset, counts in ui.metadata.items():
        assert counts, f"{asset} has no count in its metadata"
        page.goto(f"{ui.base_url}/assets/{asset}")
        expect(page.get_by_text("Latest materialization")).to_be_visible()
        # What explains the asset: its description, owners and a link to its code.
        node = graph.get(dg.AssetKey(asset))
        expect(page.get_by_text(node.description.split(".")[0], exact=False).first).to_be_visible()
        for owner in node.owners:
            expect(page.get_by_text(owner.removeprefix("team:"), exact=True).first).to_be_visible()
        source = Path(node.metadata["dagster/code_references"].code_references[0].file_path).name
        # (The UI measures long names with a hidden copy of the text, hence the pattern.)
        expect(page.get_by_text(re.compile(rf"^Open {re.escape(source)}.* in editor$"))).to_be_visible()
        for name, value in counts.items():
            row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=name, exact=True))
            expect(row.get_by_role("cell").last).to_have_text(str(value))
        page.screenshot(path=ARTIFACTS / f"asset_{asset}.png", full_page=True, animations="disabled")
    page.context.close()


def test_checks_are_listed_with_their_last_results(ui: UI):
    from playwright.sync_api import expect

    page = ui.page()
    for asset, results in sorted(ui.checks.items()):
        page.goto(f"{ui.base_url}/assets/{asset}?view=checks")
        expect(page.get_by_text(f"Checks ({len(results)})")).to_be_visible()
        for check, passed in sorted(results.items()):
            # The list entry: the check's name with its latest status under it.
            entry = page.get_by_text(check, exact=True).first.locator(
                "xpath=ancestor::*[contains(., 'Succeeded') or contains(., 'Failed') or "
                "contains(., 'Warning')][1]")
            expect(entry).to_be_visible()
            status = CHECK_STATUS.search(entry.inner_text())
            assert status, entry.inner_text()
            expected = ("Succeeded",) if passed else ("Failed", "Warning")
            assert status.group(1) in expected, f"{asset}.{check}: {status.group(1)}"
        page.screenshot(path=ARTIFACTS / f"checks_{asset}.png", animations="disabled")

    # The failed check's evidence: its result and the offending email's id.
    asset, check = FAILING_CHECK
    page.goto(f"{ui.base_url}/assets/{asset}?view=checks")
    page.get_by_text(check, exact=True).first.click()
    expect(page.get_by_text("Evaluation result")).to_be_visible()
    expect(page.get_by_text("Failed", exact=True).last).to_be_visible()
    count = page.get_by_role("row").filter(has=page.get_by_role("cell", name="count", exact=True))
    expect(count.get_by_role("cell").last).to_have_text("1")
    page.screenshot(path=ARTIFACTS / "check_failed.png", animations="disabled")
    page.get_by_text("[Show JSON]").first.click()
    expect(page.get_by_text(ORPHAN_EMAIL).first).to_be_visible()
    page.screenshot(path=ARTIFACTS / "check_failed_sample.png", animations="disabled")
    page.context.close()
