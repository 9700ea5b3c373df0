"""Unattended operation: a real `dagster-daemon` process over the embedded SQLite instance picks
up CSV files dropped into JENGU_HOME/imports through the sensor, the run queue and a launched run,
writing to a real DuckDB file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg

REPO = Path(__file__).resolve().parent.parent
CSV = b"Hotel,City,Country,Email\nHotel Sonnenhof,Salzburg,Austria,gm@sonnenhof-test.at\n"


def test_dropped_file_is_imported_once_by_the_daemon(home):
    from jengu.instance import open_instance

    # Create the SQLite storage first: two processes creating it at once race on its tables.
    open_instance(home).dispose()
    (home.imports_dir / "leads.csv").write_bytes(CSV)
    (home.imports_dir / "leads (copy).csv").write_bytes(CSV)  # same content, another name

    env = {**os.environ, "JENGU_HOME": str(home.root), "DAGSTER_HOME": str(home.dagster_home)}
    daemon = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster-daemon"), "run", "-w", str(REPO / "workspace.yaml")],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 150
        with dg.DagsterInstance.get() as instance:
            while time.monotonic() < deadline:
                runs = instance.get_runs(dg.RunsFilter(job_name="lead_import_job"))
                if runs and all(r.is_finished for r in runs):
                    break
                assert daemon.poll() is None, daemon.stderr.read()[-3000:]
                time.sleep(1)
            runs = instance.get_runs(dg.RunsFilter(job_name="lead_import_job"))
    finally:
        os.killpg(daemon.pid, signal.SIGINT)
        try:
            daemon.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.communicate()

    assert len(runs) == 1, [r.tags for r in runs]  # one run per content hash
    assert runs[0].status == dg.DagsterRunStatus.SUCCESS
    from jengu_resources.crm_store import CRMStore

    crm = CRMStore(path=str(home.crm_path))
    assert crm.query("SELECT company_name, country, stage FROM prospects") == [
        {"company_name": "Hotel Sonnenhof", "country": "AT", "stage": "new"}
    ]
