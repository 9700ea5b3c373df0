"""The production set-up of deploy/ against the real PostgreSQL on 127.0.0.1:5432, in a database
each test creates (and drops): the code server, the real `dagster-daemon` and the webserver,
started with the command lines of the systemd units, over dagster.postgres.yaml, with a real
DuckDB CRM file. The daemon runs a schedule tick (`send_schedule`, which reads the CRM and skips)
and a sensor tick (`lead_import_sensor`, which launches an import run) of Jengu's code location;
the test reads the ticks and the run back from PostgreSQL, and the run through the webserver.
The backup script copies a CRM file another process holds locked and dumps the database with the
real pg_dump. The env file template names every variable the code reads. A missing PostgreSQL is
a failure, not a skip.

The schedule tick is the daemon's own catch-up: the schedule's stored state says it has been
running since before its last cron time (as after a daemon outage), so the daemon evaluates that
missed tick as soon as it starts instead of at the next 5-minute boundary.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import dagster as dg
import psycopg2
import pytest
from dagster._core.definitions.run_request import InstigatorType
from dagster._core.scheduler.instigation import (
    InstigatorState,
    InstigatorStatus,
    ScheduleInstigatorData,
    TickStatus,
)
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import WorkspaceFileTarget

REPO = Path(__file__).resolve().parent.parent
UNITS = REPO / "deploy" / "systemd"
WORKSPACE = REPO / "deploy" / "workspace.production.yaml"
BIN = Path(sys.executable).parent
PG_USER = getpass.getuser()
PG_ADMIN_DSN = f"postgresql://{PG_USER}@127.0.0.1:5432/test"
# The daemon test took 60-75 s on a 2-core machine shared with other test runs; this bound only
# stops a hang.
DEADLINE_SECONDS = 120
CSV = b"Hotel,City,Country,Email\nHotel Bergblick,Innsbruck,Austria,gm@bergblick-test.at\n"


def unit_command(unit: str, env: dict[str, str], directive: str = "ExecStart") -> list[str]:
    """A command line of a unit in deploy/systemd, with /opt/jengu, ${VARS} and $$ resolved the
    way systemd would: the test runs the units' own command lines."""
    text = (UNITS / unit).read_text(encoding="utf-8").replace("\\\n", " ")
    line = re.search(rf"^{directive}=(.+)$", text, re.MULTILINE).group(1)
    line = line.replace("/opt/jengu/.venv/bin/", f"{BIN}/").replace("/opt/jengu/", f"{REPO}/")
    line = re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], line).replace("$$", "$")
    return shlex.split(line)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh database, so that nothing else using `test` shares this instance's ticks or runs."""
    name = f"jengu_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg2.connect(PG_ADMIN_DSN, connect_timeout=5)
    except psycopg2.OperationalError as exc:
        pytest.fail(f"PostgreSQL on 127.0.0.1:5432 is not reachable ({exc}); `make services` "
                    "starts it", pytrace=False)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        yield f"postgresql+psycopg2://{PG_USER}@127.0.0.1:5432/{name}"
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_for_code_server(code_server: subprocess.Popen, env: dict[str, str], log: Path) -> None:
    """The code server unit's ExecStartPost: until the server answers its gRPC health check."""
    with subprocess.Popen(unit_command("jengu-code-server.service", env, "ExecStartPost"), env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          start_new_session=True) as ready:
        while ready.poll() is None and code_server.poll() is None:
            time.sleep(0.2)
        if ready.poll() is None:
            os.killpg(ready.pid, signal.SIGKILL)
    assert ready.returncode == 0, log.read_text(errors="replace")[-3000:]


def last_cron_time(cron: str, now: datetime) -> datetime:
    """The latest time at or before ``now`` that the cron names (every N minutes only)."""
    every = re.fullmatch(r"\*/(\d+) \* \* \* \*", cron)
    assert every, f"cron {cron!r} is no longer 'every N minutes': adapt last_cron_time"
    step = int(every.group(1))
    return now.replace(minute=now.minute - now.minute % step, second=0, microsecond=0)


def remote_repository(instance: dg.DagsterInstance):
    """Jengu's repository as the daemon sees it: through the production workspace file."""
    with WorkspaceProcessContext(instance, WorkspaceFileTarget([str(WORKSPACE)])) as workspace:
        location = workspace.create_request_context().get_code_location("jengu")
        (repository,) = location.get_repositories().values()
        return repository


def backdate_schedule(instance: dg.DagsterInstance, schedule, since: datetime) -> None:
    """Store the schedule's state as the daemon writes it for a schedule running by default, but
    with a start before ``since``."""
    instance.add_instigator_state(InstigatorState(
        schedule.get_remote_origin(),
        InstigatorType.SCHEDULE,
        InstigatorStatus.DECLARED_IN_CODE,
        ScheduleInstigatorData(schedule.cron_schedule, (since - timedelta(minutes=1)).timestamp()),
    ))


def first_tick(instance: dg.DagsterInstance, selector_id: str, *, at: datetime | None = None):
    """The instigator's first completed tick (for a schedule, the first at or after ``at``: a cron
    boundary passing as the daemon starts makes the catch-up tick the later one; for a sensor, the
    first that launched runs) with its runs, once they are finished; None until then."""
    states = [s for s in instance.all_instigator_state() if s.selector_id == selector_id]
    if not states:
        return None
    ticks = instance.get_ticks(states[0].instigator_origin_id, selector_id, limit=20)
    done = [t for t in reversed(ticks) if t.status != TickStatus.STARTED and (
        t.timestamp >= at.timestamp() if at else t.run_ids or t.status == TickStatus.FAILURE)]
    if not done:
        return None
    runs = [instance.get_run_by_id(run_id) for run_id in done[0].run_ids]
    if not all(run and run.is_finished for run in runs):
        return None
    return done[0], runs


def runs_in_ui(proc: subprocess.Popen, port: int, run_ids: list[str], deadline: float,
               log: Path) -> dict[str, str]:
    """The runs' statuses as the webserver's GraphQL API reports them, once it answers."""
    ids = ", ".join(f'"{run_id}"' for run_id in run_ids)
    query = f"{{ runsOrError(filter: {{runIds: [{ids}]}}) {{ ... on Runs {{ results {{ runId status }} }} }} }}"
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql",
                                     data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                results = json.load(response)["data"]["runsOrError"]["results"]
            return {r["runId"]: r["status"] for r in results}
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    pytest.fail(f"webserver not answering:\n{log.read_text(errors='replace')[-3000:]}")


def test_daemon_ticks_a_schedule_and_a_sensor_on_postgres(home, pg_url, monkeypatch, tmp_path):
    from jengu.instance import open_instance
    from jengu_resources.crm_store import CRMStore

    started = time.monotonic()
    code_port, web_port = free_port(), free_port()
    for name, value in {"JENGU_DAGSTER_INSTANCE": "postgres", "JENGU_DAGSTER_PG_URL": pg_url,
                        "JENGU_CODE_SERVER_HOST": "127.0.0.1",
                        "JENGU_CODE_SERVER_PORT": str(code_port),
                        "JENGU_WEBSERVER_PORT": str(web_port)}.items():
        monkeypatch.setenv(name, value)
    env = dict(os.environ)

    # What the ticks find: no sending inbox (the send tick reads the CRM and skips, saying why)
    # and one dropped CSV file (the sensor asks for an import run). One run keeps the test short:
    # each step of a run is a process of its own.
    crm = CRMStore(path=str(home.crm_path))
    crm.query("SELECT 1")  # the store exists, migrated, before the processes start
    (home.imports_dir / "leads.csv").write_bytes(CSV)

    logs = tmp_path / "logs"
    logs.mkdir()
    code_server = start(unit_command("jengu-code-server.service", env), env, logs / "code.log")
    instance = daemon = webserver = None
    schedule = sensor = None
    try:
        # Meanwhile, what the code server unit's ExecStartPre (`jengu dagster-home`) does: the
        # tables exist before the daemon and the webserver race to create them.
        instance = open_instance(home)
        wait_for_code_server(code_server, env, logs / "code.log")
        repository = remote_repository(instance)
        send_schedule = repository.get_schedule("send_schedule")
        due = last_cron_time(send_schedule.cron_schedule, datetime.now(timezone.utc))
        backdate_schedule(instance, send_schedule, due)
        sensor_id = repository.get_sensor("lead_import_sensor").selector_id

        daemon = start(unit_command("jengu-dagster-daemon.service", env), env, logs / "daemon.log")
        webserver = start(unit_command("jengu-dagster-webserver.service", env), env,
                          logs / "webserver.log")
        while time.monotonic() < started + DEADLINE_SECONDS and not (schedule and sensor):
            assert daemon.poll() is None, (logs / "daemon.log").read_text(errors="replace")[-3000:]
            schedule = schedule or first_tick(instance, send_schedule.selector_id, at=due)
            sensor = sensor or first_tick(instance, sensor_id)
            time.sleep(1)
        assert schedule and sensor, (
            f"schedule tick {bool(schedule)}, sensor tick {bool(sensor)} after "
            f"{DEADLINE_SECONDS} s:\n" + (logs / "daemon.log").read_text(errors="replace")[-4000:])
        # The UI, on the same workspace and storage, shows the run.
        (import_run,) = sensor[1]
        shown = runs_in_ui(webserver, web_port, [import_run.run_id], started + DEADLINE_SECONDS,
                           logs / "webserver.log")
        assert shown == {import_run.run_id: "SUCCESS"}
    finally:
        for proc in (webserver, daemon):
            if proc:
                stop(proc)
        stop(code_server)
        if instance:
            instance.dispose()

    schedule_tick, runs = schedule
    assert schedule_tick.status == TickStatus.SKIPPED and not runs, schedule_tick
    assert "no active inbox" in schedule_tick.skip_reason

    sensor_tick, (import_run,) = sensor
    assert sensor_tick.status == TickStatus.SUCCESS, sensor_tick.error
    assert import_run.job_name == "lead_import_job"
    assert import_run.tags["dagster/sensor_name"] == "lead_import_sensor"
    assert import_run.status == dg.DagsterRunStatus.SUCCESS
    assert crm.query("SELECT company_name, stage FROM prospects") == [
        {"company_name": "Hotel Bergblick", "stage": "new"}]

    # Read back with a plain PostgreSQL client: the ticks and the run really are in the database.
    with psycopg2.connect(pg_url.replace("postgresql+psycopg2://", "postgresql://")) as con:
        with con.cursor() as cur:
            cur.execute("SELECT type, status FROM job_ticks WHERE id IN %s",
                        [(schedule_tick.tick_id, sensor_tick.tick_id)])
            assert sorted(cur.fetchall()) == [("SCHEDULE", "SKIPPED"), ("SENSOR", "SUCCESS")]
            cur.execute("SELECT pipeline_name, status FROM runs WHERE run_id = %s",
                        [import_run.run_id])
            assert cur.fetchall() == [("lead_import_job", "SUCCESS")]
    con.close()

HOLD_LOCK = """
import duckdb, sys, time
from pathlib import Path
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
while len(list(Path(sys.argv[2]).iterdir())) < 3:
    time.sleep(0.05)
time.sleep(1.0)
con.close()
"""
ENV_NAME = re.compile(
    r"""["']((?:JENGU|DAGSTER|ADZUNA|SERPAPI|MILLIONVERIFIER|XAI|ANTHROPIC)_[A-Z0-9_]+)["']""")


def variables_read() -> set[str]:
    """Every env var name the code and the deploy files mention: quoted strings in the packages
    and deploy/*.py, `env:` sources in the workspace file, ${NAME} in the units. A constant that
    only prefixes others (an env_prefix such as JENGU_ALERT) is not a variable."""
    names: set[str] = set()
    for package in ("jengu", "jengu_assets", "jengu_resources", "sensors", "deploy"):
        for path in (REPO / package).rglob("*.py"):
            names.update(ENV_NAME.findall(path.read_text(encoding="utf-8")))
    names.update(re.findall(r"env: (\w+)", WORKSPACE.read_text(encoding="utf-8")))
    for unit in UNITS.iterdir():
        names.update(re.findall(r"\$\{(\w+)\}", unit.read_text(encoding="utf-8")))
    return {n for n in names if not any(other.startswith(n + "_") for other in names)}


def test_env_template_names_every_variable_jengu_reads():
    template = (REPO / "deploy" / "jengu.env.template").read_text(encoding="utf-8")
    missing = sorted(n for n in variables_read() if not re.search(rf"\b{n}\b", template))
    assert not missing, f"add to deploy/jengu.env.template: {missing}"
    listed = re.findall(r"^(\w+)=", template, re.MULTILINE)
    assert len(listed) == len(set(listed)), "a variable is listed twice"
    assert not set(listed) - variables_read(), "the template lists a variable nothing reads"


def test_backup_copies_a_locked_crm_and_dumps_postgres(home, pg_url, tmp_path):
    from jengu_resources.crm_store import CRMStore

    crm = CRMStore(path=str(home.crm_path))
    with crm.transaction() as con:
        con.execute("INSERT INTO control_flags (name, enabled, reason, changed_by) "
                    "VALUES ('emergency_stop', true, 'backup test', 'test')")
    tables = crm.query("SELECT count(*) AS n FROM duckdb_tables()")[0]["n"]
    with psycopg2.connect(pg_url.replace("postgresql+psycopg2://", "postgresql://")) as con:
        with con.cursor() as cur:
            cur.execute("CREATE TABLE runs_marker (id int); INSERT INTO runs_marker VALUES (7)")
    con.close()
    backups = tmp_path / "backups"
    (backups / "20200101T000000Z").mkdir(parents=True)  # an old backup, to be pruned
    (backups / "notes").mkdir()  # not a backup: left alone

    # Another process holds the CRM open read-write, as a running job does, until a second after
    # the backup has begun (its directory exists): the copy must wait for the lock, then succeed.
    env = {**os.environ, "JENGU_HOME": str(home.root), "JENGU_BACKUP_DIR": str(backups),
           "JENGU_DAGSTER_PG_URL": pg_url}
    with subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(home.crm_path), str(backups)],
                          stdout=subprocess.PIPE, text=True) as holder:
        assert holder.stdout.readline().strip() == "locked"
        proc = subprocess.run([sys.executable, str(REPO / "deploy" / "backup.py")], env=env,
                              capture_output=True, text=True, timeout=120)
    assert holder.returncode == 0
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["errors"] == {} and summary["removed"] == ["20200101T000000Z"]
    assert summary["crm.duckdb"]["seconds"] >= 1.0  # it waited for the lock
    assert {p.name for p in backups.iterdir()} == {Path(summary["backup"]).name, "notes"}

    copy = CRMStore(path=summary["backup"] + "/crm.duckdb")
    assert copy.query("SELECT count(*) AS n FROM duckdb_tables()")[0]["n"] == tables
    assert copy.query("SELECT reason FROM control_flags") == [{"reason": "backup test"}]
    listing = subprocess.run(["pg_restore", "--list", summary["backup"] + "/dagster.pgdump"],
                             capture_output=True, text=True, check=True).stdout
    assert "TABLE public runs_marker" in listing
