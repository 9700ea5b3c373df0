"""`jengu doctor` against real parts: a CRM DuckDB file and a Dagster SQLite instance under a temp
JENGU_HOME, the sandbox's SMTP server (aiosmtpd on loopback, AUTH required) and the session's
Dovecot (IMAP on loopback), a process holding the CRM file locked, the PostgreSQL on
127.0.0.1:5432 for the production instance profile, and the jengu entry point in-process."""

from __future__ import annotations

import getpass
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from jengu import doctor
from jengu.cli import main
from jengu_assets.sending.inboxes import add_inbox, set_paused
from sandbox.smtp_server import SandboxSMTP

PROVIDER_ENV = {var: f"value-of-{var.lower()}-{secrets.token_hex(4)}" for var in doctor.PROVIDER_KEYS}
PG_URL = f"postgresql+psycopg2://{getpass.getuser()}:pg-secret-{secrets.token_hex(4)}@127.0.0.1:5432/test"


@dataclass
class MailServers:
    """The sandbox's SMTP server and the session's Dovecot, sharing a few logins made up front
    (the SMTP server learns its users when it starts)."""

    smtp: SandboxSMTP
    dovecot: object
    logins: Iterator[tuple[str, str]]


@pytest.fixture
def mail(dovecot_server) -> Iterator[MailServers]:
    logins = [(f"sender-{secrets.token_hex(4)}@jengu.example", f"pw-{secrets.token_urlsafe(12)}")
              for _ in range(4)]
    for login, password in logins:
        dovecot_server.add_user(login, password)
    with SandboxSMTP(users=dict(logins)) as server:
        yield MailServers(server, dovecot_server, iter(logins))


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def add_sender(crm, mail: MailServers, monkeypatch, *, env_value: str | None = None,
               smtp_port: int | None = None, paused: bool = False) -> tuple[str, str, str]:
    """An inbox with SMTP on the sandbox server and IMAP on Dovecot; returns (address, the env
    var naming its password, the password). ``env_value`` is what the variable holds instead of
    the password; ``""`` leaves it unset."""
    login, password = next(mail.logins)
    var = f"DOCTOR_PW_{secrets.token_hex(4).upper()}"
    if env_value != "":
        monkeypatch.setenv(var, password if env_value is None else env_value)
    with crm.transaction() as con:
        add_inbox(con, email=login, smtp_host="127.0.0.1", smtp_port=smtp_port or mail.smtp.port,
                  tls_mode="none", password_env=var, imap_host=mail.dovecot.host,
                  imap_port=mail.dovecot.imap_port, imap_tls_mode="none")
        if paused:
            set_paused(con, login, True, "bounce rate above 5%")
    return login, var, password


@pytest.fixture
def healthy(home, crm, monkeypatch):
    """Everything in place: keys set, a fresh analytics file, daemons beating."""
    from dagster._daemon.types import DaemonHeartbeat

    from jengu.instance import open_instance

    crm.migrate()
    for var, value in PROVIDER_ENV.items():
        monkeypatch.setenv(var, value)
    for var in ("JENGU_JOB_SOURCES", "JENGU_DAGSTER_INSTANCE", "JENGU_UNSUBSCRIBE_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    publish_analytics(home.analytics_path, datetime.now(UTC) - timedelta(hours=1))
    instance = open_instance(home)
    try:
        for daemon_type in instance.get_required_daemon_types():
            instance.add_daemon_heartbeat(DaemonHeartbeat(time.time(), daemon_type, "test", None))
    finally:
        instance.dispose()
    return home


def publish_analytics(path: Path, published_at: datetime) -> None:
    """The analytics file's contract as the doctor reads it: a one-row ``publication`` table."""
    con = duckdb.connect(str(path))
    con.execute("CREATE OR REPLACE TABLE publication AS SELECT ?::TIMESTAMPTZ AS published_at",
                [published_at])
    con.close()


def jengu_doctor(capsys, *args: str) -> tuple[int, dict]:
    status = main(["doctor", "--json", "--timeout", "5", "--disk-warn-gib", "0.01",
                   "--disk-fail-gib", "0.001", *args])
    out = capsys.readouterr().out
    return status, json.loads(out) | {"_raw": out}


def by_name(report: dict) -> dict[str, dict]:
    return {c["name"]: c for c in report["checks"]}


def test_a_healthy_installation_is_all_ok_and_exits_zero(healthy, crm, mail, monkeypatch, capsys):
    login, _, password = add_sender(crm, mail, monkeypatch)
    status, report = jengu_doctor(capsys)
    assert [c for c in report["checks"] if c["status"] != "OK"] == []
    assert status == 0 and report["status"] == "OK"
    checks = by_name(report)
    assert "login ok" in checks[f"inbox {login} smtp"]["detail"]
    assert "nothing sent" in checks[f"inbox {login} smtp"]["detail"]
    assert "login ok" in checks[f"inbox {login} imap"]["detail"]
    assert checks["crm migrations"]["detail"].startswith("all ")
    assert "inboxes 1" in checks["crm rows"]["detail"]
    assert mail.smtp.accepted == []        # a login check sends nothing
    raw = report["_raw"]
    assert password not in raw
    assert not any(value in raw for value in PROVIDER_ENV.values())

    # The table (what `jengu doctor` prints without --json) says the same, one row per check.
    table = doctor.render_table([doctor.Check(**c) for c in report["checks"]])
    assert table.splitlines()[0].split() == ["check", "status", "detail"]
    assert f"inbox {login} smtp" in table and f"{len(report['checks'])} OK, 0 WARN, 0 FAIL" in table
    assert password not in table


def test_bad_logins_fail_naming_the_inbox_and_never_print_a_secret(healthy, crm, mail,
                                                                   monkeypatch, capsys):
    wrong, _, wrong_password = add_sender(crm, mail, monkeypatch, env_value="not-the-password-123")
    missing, missing_var, missing_password = add_sender(crm, mail, monkeypatch, env_value="")
    dead, _, dead_password = add_sender(crm, mail, monkeypatch, smtp_port=_dead_port())
    paused, _, paused_password = add_sender(crm, mail, monkeypatch, smtp_port=_dead_port(),
                                            paused=True)

    status, report = jengu_doctor(capsys)
    checks = by_name(report)
    assert status == 1 and report["status"] == "FAIL"
    assert checks[f"inbox {wrong} smtp"]["status"] == "FAIL"
    assert "auth 535" in checks[f"inbox {wrong} smtp"]["detail"]
    assert checks[f"inbox {wrong} imap"]["status"] == "FAIL"
    assert "login failed" in checks[f"inbox {wrong} imap"]["detail"]
    for protocol in ("smtp", "imap"):
        check = checks[f"inbox {missing} {protocol}"]
        assert check["status"] == "FAIL" and missing_var in check["detail"]
        assert "not set" in check["detail"]
    assert checks[f"inbox {dead} smtp"]["status"] == "FAIL"
    assert "connect" in checks[f"inbox {dead} smtp"]["detail"]
    assert checks[f"inbox {dead} imap"]["status"] == "OK"
    # Paused: reported with its reason, never a failure.
    assert checks[f"inbox {paused} smtp"]["status"] == "WARN"
    assert checks[f"inbox {paused} smtp"]["detail"].startswith("paused (bounce rate above 5%); FAIL")

    failed = {c["name"] for c in report["checks"] if c["status"] == "FAIL"}
    assert failed == {f"inbox {wrong} smtp", f"inbox {wrong} imap", f"inbox {missing} smtp",
                      f"inbox {missing} imap", f"inbox {dead} smtp"}
    raw = report["_raw"]
    for secret in (wrong_password, "not-the-password-123", missing_password, dead_password,
                   paused_password, *PROVIDER_ENV.values()):
        assert secret not in raw


def test_the_json_report_has_one_shape(home, capsys, monkeypatch):
    monkeypatch.delenv("JENGU_DAGSTER_INSTANCE", raising=False)
    home.crm_path.unlink()
    status, report = jengu_doctor(capsys)
    assert set(report) == {"status", "counts", "checks", "_raw"}
    assert set(report["counts"]) == {"OK", "WARN", "FAIL"}
    assert sum(report["counts"].values()) == len(report["checks"])
    for check in report["checks"]:
        assert set(check) == {"name", "status", "detail"} and check["status"] in ("OK", "WARN", "FAIL")
    # A home without a store, inbox, daemon or analytics file warns but does not fail.
    checks = by_name(report)
    assert checks["crm store"]["status"] == "WARN" and "jengu migrate" in checks["crm store"]["detail"]
    assert checks["dagster daemon"]["status"] == "WARN"
    assert checks["analytics file"]["status"] == "WARN"
    assert status == (1 if report["counts"]["FAIL"] else 0)


def test_a_store_held_by_another_process_is_a_warning_naming_it(home, crm):
    crm.migrate()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('ready', flush=True); time.sleep(60)", str(crm.db_path)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        checks, inboxes = doctor.check_crm(crm.db_path, timeout=0.3)
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    assert inboxes is None
    assert [c.status for c in checks] == ["WARN"]
    assert f"PID {holder.pid}" in checks[0].detail and "locked" in checks[0].detail


def test_migrations_unknown_to_the_code_fail_and_pending_ones_warn(home, crm):
    crm.migrate()
    with crm.transaction() as con:
        con.execute("DELETE FROM schema_migrations WHERE version = 9")
    checks, _ = doctor.check_crm(crm.db_path, timeout=1)
    assert checks[1].status == "WARN" and "0009" in checks[1].detail
    with crm.transaction() as con:
        con.execute("INSERT INTO schema_migrations (version, name) VALUES (9, 'retention'), "
                    "(9999, 'from_the_future')")
    checks, _ = doctor.check_crm(crm.db_path, timeout=1)
    assert checks[1].status == "FAIL" and "9999" in checks[1].detail


@pytest.mark.parametrize(
    ("env", "var", "status"),
    [
        ({}, "XAI_API_KEY", "WARN"),                                   # the offline chain stands in
        ({}, "MILLIONVERIFIER_API_KEY", "WARN"),                       # offline verification
        ({"XAI_API_KEY": "k-123456"}, "XAI_API_KEY", "OK"),            # present: OK, value unseen
        ({"JENGU_JOB_SOURCES": "adzuna"}, "ADZUNA_APP_KEY", "FAIL"),   # a setting needs it
        ({"JENGU_JOB_SOURCES": "serpapi"}, "SERPAPI_KEY", "FAIL"),     # alias of google_jobs
        ({"JENGU_UNSUBSCRIBE_BASE_URL": "https://u.example"}, "JENGU_UNSUBSCRIBE_SECRET", "FAIL"),
        ({}, "JENGU_NOTIFY_SMTP_PASSWORD", "OK"),                      # no SMTP login configured
        ({"JENGU_NOTIFY_SMTP_USERNAME": "n"}, "JENGU_NOTIFY_SMTP_PASSWORD", "FAIL"),
    ],
)
def test_keys_are_only_looked_at(env, var, status):
    check = next(c for c in doctor.check_keys(env) if c.name == f"key {var}")
    assert check.status == status
    assert "k-123456" not in check.detail


def test_the_analytics_file_age_and_shape(tmp_path):
    now = datetime.now(UTC)
    path = tmp_path / "analytics.duckdb"
    assert doctor.check_analytics(path, 26, 1, now).status == "WARN"       # not published yet
    publish_analytics(path, now - timedelta(hours=2))
    assert doctor.check_analytics(path, 26, 1, now).status == "OK"
    publish_analytics(path, now - timedelta(hours=30))
    stale = doctor.check_analytics(path, 26, 1, now)
    assert stale.status == "WARN" and "30.0 h ago" in stale.detail
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    assert doctor.check_analytics(other, 26, 1, now).status == "FAIL"     # no publication table


def test_disk_thresholds(tmp_path):
    assert doctor.check_disk(tmp_path / "not" / "yet", 0.001, 0.0001).status == "OK"
    assert doctor.check_disk(tmp_path, 10**9, 0.0001).status == "WARN"
    assert doctor.check_disk(tmp_path, 10**9, 10**8).status == "FAIL"


@pytest.mark.parametrize(
    ("ages", "errors", "status", "says"),
    [
        ({"SCHEDULER": 10, "SENSOR": 12}, False, "OK", "2 daemons"),       # all beating
        ({"SCHEDULER": 10}, False, "WARN", "no heartbeat from SENSOR"),     # one never started
        ({"SCHEDULER": 10, "SENSOR": 900}, False, "WARN", "stale: SENSOR"),  # one stopped
        ({"SCHEDULER": 10, "SENSOR": 10}, True, "WARN", "errors reported"),
    ],
)
def test_daemon_heartbeats(ages, errors, status, says):
    from dagster._daemon.types import DaemonHeartbeat
    from dagster._utils.error import serializable_error_info_from_exc_info

    try:
        raise RuntimeError("tick failed")
    except RuntimeError:
        error = serializable_error_info_from_exc_info(sys.exc_info())
    now = time.time()
    beats = {t: DaemonHeartbeat(now - age, t, "d", [error] if errors else None)
             for t, age in ages.items()}
    check = doctor._daemon(beats, ["SCHEDULER", "SENSOR"], now)
    assert check.status == status and says in check.detail


def test_a_probe_that_never_answers_is_a_failure_after_the_timeout():
    answer = threading.Event()
    started = time.monotonic()
    try:
        checks = doctor.run_bounded({"slow": lambda: answer.wait(30) and [],
                                     "fast": lambda: [doctor.Check("fast", "OK", "fine")]}, 0.3)
    finally:
        answer.set()  # the thread left behind ends with the test
    assert time.monotonic() - started < 2
    assert [(c.name, c.status) for c in checks] == [("slow", "FAIL"), ("fast", "OK")]
    assert "no answer within 0.3 s" in checks[0].detail


def test_the_postgres_instance_profile(home, monkeypatch):
    monkeypatch.setenv("JENGU_DAGSTER_INSTANCE", "postgres")
    monkeypatch.setenv("JENGU_DAGSTER_PG_URL", PG_URL)
    env = dict(os.environ)
    checks = doctor.scrub(doctor.check_instance(env, 5), doctor._secret_values(env, []))
    assert checks[0].status == "OK"
    assert "PostgreSQL at 127.0.0.1:5432/test" in checks[0].detail

    dead = PG_URL.replace(":5432/", f":{_dead_port()}/")
    env["JENGU_DAGSTER_PG_URL"] = dead
    started = time.monotonic()
    checks = doctor.scrub(doctor.check_instance(env, 5), doctor._secret_values(env, []))
    assert time.monotonic() - started < 5
    assert checks[0].status == "FAIL" and "Connection refused" in checks[0].detail
    assert not any("pg-secret" in c.detail for c in checks)


def test_bad_configuration_fails_naming_each_variable_and_never_a_secret(home, monkeypatch,
                                                                         capsys):
    webhook = f"hooks.example.test/T01/{secrets.token_hex(8)}"       # no scheme: invalid
    key = f"xai-{secrets.token_hex(8)}"
    for var, value in {"JENGU_WEB_RPS": "abc", "JENGU_SPAMD_CONCURRENCY": "x",
                       "JENGU_SEND_SKIP_PROBABILITY": "2", "JENGU_NOTIFY_WEBHOOK_URL": webhook,
                       "XAI_API_KEY": key, "JENGU_WEB_RPSS": "3"}.items():
        monkeypatch.setenv(var, value)
    status, report = jengu_doctor(capsys)
    check = by_name(report)["configuration"]
    assert status == 1 and report["status"] == "FAIL" and check["status"] == "FAIL"
    for says in ("JENGU_WEB_RPS='abc' is invalid: expected a number > 0",
                 "JENGU_SPAMD_CONCURRENCY='x' is invalid: expected a whole number >= 1",
                 "JENGU_SEND_SKIP_PROBABILITY='2' is invalid: expected a number from 0 to 1",
                 "JENGU_NOTIFY_WEBHOOK_URL (a secret, value not shown) is invalid",
                 "JENGU_WEB_RPSS is not a Jengu variable (did you mean JENGU_WEB_RPS?)"):
        assert says in check["detail"]
    table = doctor.render_table([doctor.Check(**c) for c in report["checks"]])
    assert "configuration" in table and "JENGU_WEB_RPS='abc'" in table
    for secret in (webhook, key):
        assert secret not in report["_raw"] and secret not in table


def test_an_unknown_jengu_variable_warns_with_the_closest_name(home, monkeypatch, capsys):
    monkeypatch.setenv("JENGU_SPAMD_CONCURENCY", "4")
    _, report = jengu_doctor(capsys)
    check = by_name(report)["configuration"]
    assert check["status"] == "WARN"
    assert check["detail"] == ("JENGU_SPAMD_CONCURENCY is not a Jengu variable "
                               "(did you mean JENGU_SPAMD_CONCURRENCY?)")


def test_inbox_password_variables_are_not_unknown(home, crm):
    crm.migrate()
    with crm.transaction() as con:
        add_inbox(con, email="sales@hotel-doctor.example", smtp_host="smtp.hotel-doctor.example",
                  smtp_port=587, tls_mode="starttls", password_env="JENGU_INBOX_SALES_PASSWORD")
    checks, inboxes = doctor.check_crm(crm.db_path, timeout=1)
    env = {"JENGU_HOME": str(home.root), "JENGU_INBOX_SALES_PASSWORD": "pw-123456789",
           "JENGU_INBOX_SPARE_PASSWORD": "pw-987654321"}
    # The pool names one variable; the other is nobody's.
    check = doctor.check_configuration(env, inboxes)
    assert check.status == "WARN" and check.detail.startswith("JENGU_INBOX_SPARE_PASSWORD is not")
    # Pool unreadable: a password variable is given the benefit of the doubt.
    assert doctor.check_configuration(env, None).status == "OK"
    assert doctor.check_configuration({"JENGU_HOME": "/srv/jengu"}, []).detail.startswith(
        "1 of ")
