"""``jengu doctor``: can this installation run? One table of checks, OK / WARN / FAIL.

    jengu doctor [--json] [--timeout S] [--disk-warn-gib G] [--disk-fail-gib G]
                 [--analytics-max-age-hours H]

- ``crm store``, ``crm migrations``, ``crm rows``: the DuckDB file opens (read-only, so the doctor
  never migrates or writes it), its migrations match the code's, its tables' row counts. A file
  another process keeps locked past the timeout is WARN naming that process: the pipeline waits
  on it too, but nothing is broken. Migrations the code does not know are FAIL.
- ``dagster instance``, ``dagster daemon``: the instance of ``jengu.instance.open_instance``
  (SQLite, or PostgreSQL with ``JENGU_DAGSTER_INSTANCE=postgres``) answers; the daemon's
  heartbeats (WARN when none or stale: schedules and sensors are not ticking).
- ``inbox ADDRESS smtp`` / ``imap``: the login the sender and the reply reader make, with the
  password from the env var the inbox names. SMTP is the send session's own connect, EHLO,
  STARTTLS or implicit TLS and AUTH, then QUIT: no message is sent. A missing variable is FAIL
  naming it; a paused inbox is reported as WARN whatever its login says.
- ``configuration``: every variable Jengu reads, checked against ``jengu_resources/settings.py``:
  FAIL naming each value the code location would refuse to load with (a secret's value is never
  shown), WARN for a ``JENGU_*`` variable Jengu does not read, naming the one it probably means.
- ``key VAR``: every secret the code location wires (``jengu_resources/definitions.py``) and the
  unsubscribe secret, present or not; nothing is called, nothing spent. An absent provider key
  is WARN (an offline provider stands in); FAIL when a setting needs it.
- ``disk``: free space under JENGU_HOME.
- ``analytics file``: the published file opens read-only and says when it was published.

The exit status is 1 when any check FAILs, else 0. Every detail goes through a scrub of every
secret value the doctor knows (provider keys, inbox passwords, the PostgreSQL URL's password), so
not even a server's echo can print one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import duckdb

from jengu.instance import instance_profile, open_instance
from jengu_assets.sending.inboxes import Inbox, InboxConfigError, load_inboxes
from jengu_assets.sending.unsubscribe import SECRET_ENV
from jengu_resources import settings
from jengu_resources.crm_store import available_migrations, is_lock_conflict
from jengu_resources.imap import ImapError, check_login
from jengu_resources.paths import JenguHome, jengu_home
from jengu_resources.redaction import SecretScrubber
from jengu_resources.smtp import SmtpSession, SmtpSettings

OK, WARN, FAIL = "OK", "WARN", "FAIL"
_SEVERITY = {OK: 0, WARN: 1, FAIL: 2}

ROW_COUNT_TABLES = ("prospects", "emails", "send_ledger", "inbound_messages", "replies",
                    "suppression_list", "inboxes", "alerts")
# Dagster's daemons beat every 30 s or so; a few missed beats mean a stopped daemon.
HEARTBEAT_STALE_SECONDS = 300
_LOCK_HOLDER = re.compile(r"held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")

# Provider keys: without one, Jengu works on with the offline stand-in named here.
PROVIDER_KEYS: dict[str, str] = {
    "XAI_API_KEY": "no Grok: Claude, else the offline provider writes emails and reads replies",
    "ANTHROPIC_API_KEY": "no Claude: after Grok comes the offline provider",
    "MILLIONVERIFIER_API_KEY": "offline provider used: syntax, role and MX checks only",
    "ADZUNA_APP_ID": "Adzuna is not searched for postings",
    "ADZUNA_APP_KEY": "Adzuna is not searched for postings",
    "SERPAPI_KEY": "Google Jobs is not searched for postings",
    "JENGU_UNSUBSCRIBE_SECRET": "no https one-click unsubscribe link: mailto only",
}


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str


@dataclass(frozen=True)
class Options:
    timeout: float = 10.0
    disk_warn_gib: float = 5.0
    disk_fail_gib: float = 1.0
    analytics_max_age_hours: float = 26.0


# -- the CRM store --------------------------------------------------------------------------------

def _open_read_only(path: Path, timeout: float) -> duckdb.DuckDBPyConnection:
    """A read-only connection, retrying a lock held by another process until ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            if not is_lock_conflict(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.1)


def _holder(exc: BaseException) -> str:
    found = _LOCK_HOLDER.search(str(exc))
    if not found:
        return "held by another process"
    return f"held by PID {found['pid']} ({found['program']})"


def check_crm(path: Path, timeout: float) -> tuple[list[Check], list[Inbox] | None]:
    """The store's checks, and its inboxes (None when the store could not be read)."""
    if not path.exists():
        return [Check("crm store", WARN, f"no store at {path} yet: the first run or `jengu migrate` "
                      "creates it (is JENGU_HOME right?)")], None
    try:
        con = _open_read_only(path, timeout)
    except duckdb.Error as exc:
        if is_lock_conflict(exc):
            return [Check("crm store", WARN, f"{path} stayed locked for {timeout:g} s, "
                          f"{_holder(exc)}: the pipeline waits on it too")], None
        return [Check("crm store", FAIL, f"{path} cannot be opened: {exc}")], None
    try:
        size = path.stat().st_size / 2**20
        checks = [Check("crm store", OK, f"{path} ({size:.1f} MiB), opened read-only")]
        checks.append(_migrations(con))
        checks.append(_row_counts(con))
        try:
            inboxes = load_inboxes(con)
        except duckdb.Error as exc:
            checks.append(Check("inboxes", FAIL, f"cannot read the inbox pool: {exc}"))
            inboxes = None
    finally:
        con.close()
    return checks, inboxes


def _migrations(con: duckdb.DuckDBPyConnection) -> Check:
    try:
        applied = {v for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
    except duckdb.CatalogException:
        return Check("crm migrations", FAIL, "no schema_migrations table: not a Jengu CRM store")
    known = {version for version, _, _ in available_migrations()}
    unknown, pending = sorted(applied - known), sorted(known - applied)
    if unknown:
        return Check("crm migrations", FAIL, f"the store has migrations this code does not know "
                     f"({', '.join(f'{v:04d}' for v in unknown)}): is the code older than the store?")
    if pending:
        return Check("crm migrations", WARN, f"{len(pending)} pending "
                     f"({', '.join(f'{v:04d}' for v in pending)}): applied by the next run that "
                     "writes, or `jengu migrate`")
    return Check("crm migrations", OK, f"all {len(known)} applied (latest {max(known):04d})")


def _row_counts(con: duckdb.DuckDBPyConnection) -> Check:
    present = {name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
              for t in ROW_COUNT_TABLES if t in present}
    return Check("crm rows", OK, ", ".join(f"{t} {n}" for t, n in counts.items()) or "no tables")


# -- the Dagster instance -------------------------------------------------------------------------

def _instance_target(env: Mapping[str, str]) -> tuple[str, str | None]:
    """(profile, where its storage lives) or raises ValueError with what is wrong."""
    profile = instance_profile(env)
    if profile == "sqlite":
        return profile, None
    url = env.get("JENGU_DAGSTER_PG_URL", "")
    if not url:
        raise ValueError("JENGU_DAGSTER_INSTANCE=postgres needs JENGU_DAGSTER_PG_URL")
    parts = urlsplit(url)
    return profile, f"{parts.hostname}:{parts.port or 5432}{parts.path}"


def _postgres_error(url: str, timeout: float) -> str | None:
    """Why PostgreSQL does not take a connection, or None. Asked before the instance opens:
    dagster-postgres retries a refused connection for seconds and then says only "too many
    retries"."""
    import psycopg2

    dsn = re.sub(r"^postgresql\+\w+://", "postgresql://", url)
    try:
        psycopg2.connect(dsn, connect_timeout=max(1, round(timeout))).close()
    except psycopg2.Error as exc:
        return " ".join(str(exc).split()) or type(exc).__name__
    return None


def check_instance(env: Mapping[str, str], timeout: float) -> list[Check]:
    """The instance as every jengu command opens it (``open_instance``, from the process's own
    environment); ``env`` says which profile that is."""
    try:
        profile, where = _instance_target(env)
    except ValueError as exc:
        return [Check("dagster instance", FAIL, str(exc))]
    if where:
        error = _postgres_error(env["JENGU_DAGSTER_PG_URL"], timeout)
        if error:
            return [Check("dagster instance", FAIL, f"PostgreSQL at {where}: {error}")]
    instance = open_instance()
    try:
        runs = instance.get_runs_count()
        beats = instance.get_daemon_heartbeats()
        required = instance.get_required_daemon_types()
        home = instance.root_directory
    finally:
        instance.dispose()
    storage = f"PostgreSQL at {where}" if where else f"SQLite under {home}"
    return [Check("dagster instance", OK, f"{profile} profile, storage in {storage}, {runs} runs"),
            _daemon(beats, required, time.time())]


def _daemon(beats: Mapping, required: Sequence[str], now: float) -> Check:
    if not beats:
        return Check("dagster daemon", WARN, "no daemon heartbeat: schedules and sensors are not "
                     "ticking (start `dagster-daemon run`, or `make ui`)")
    missing = sorted(set(required) - set(beats))
    stale = sorted(t for t, b in beats.items() if now - b.timestamp > HEARTBEAT_STALE_SECONDS)
    failing = sorted(t for t, b in beats.items() if b.errors)
    newest = now - max(b.timestamp for b in beats.values())
    problems = []
    if missing:
        problems.append(f"no heartbeat from {', '.join(missing)}")
    if stale:
        problems.append(f"stale: {', '.join(stale)}")
    if failing:
        problems.append(f"errors reported by {', '.join(failing)}")
    summary = f"{len(beats)} daemons, latest heartbeat {newest:.0f} s ago"
    if problems:
        return Check("dagster daemon", WARN, f"{summary}; {'; '.join(problems)}")
    return Check("dagster daemon", OK, summary)


# -- inboxes --------------------------------------------------------------------------------------

async def _smtp_login(settings: SmtpSettings) -> str | None:
    """The send session's own login, then QUIT: None when it went through, else where and why it
    stopped."""
    async with SmtpSession(settings) as session:
        outcome = await session.check_login()
    if outcome is None:
        return None
    code = f" {outcome.code}" if outcome.code else ""
    return f"{outcome.stage}{code}: {outcome.message}"


def inbox_probes(inbox: Inbox, env: Mapping[str, str], timeout: float
                 ) -> dict[str, Callable[[], list[Check]]]:
    """One probe per protocol of ``inbox``, by check name; a missing password variable is a FAIL
    found without a connection."""
    smtp_name, imap_name = f"inbox {inbox.email} smtp", f"inbox {inbox.email} imap"
    try:
        smtp = inbox.smtp_settings(env, timeout_seconds=timeout, connect_timeout_seconds=timeout)
        imap = inbox.imap_settings(env)
    except InboxConfigError as exc:
        detail = f"not checked: {exc}"
        return {name: (lambda name=name: [Check(name, FAIL, detail)])
                for name in (smtp_name, imap_name)}
    login = f"as {smtp.username}" if smtp.password is not None else "without AUTH"

    def smtp_probe() -> list[Check]:
        failure = asyncio.run(_smtp_login(smtp))
        where = f"{smtp.host}:{smtp.port} ({smtp.tls_mode})"
        if failure:
            return [Check(smtp_name, FAIL, f"{where} {login}: {failure}")]
        return [Check(smtp_name, OK, f"login ok at {where} {login}; QUIT, nothing sent")]

    def imap_probe() -> list[Check]:
        if imap is None:
            return [Check(imap_name, WARN, "no IMAP configured: replies to this inbox are not "
                          "read and unknown sends wait for review (`jengu inbox add --imap-host`)")]
        try:
            check_login(replace(imap, timeout_seconds=timeout))
        except ImapError as exc:
            return [Check(imap_name, FAIL, str(exc))]
        return [Check(imap_name, OK, f"login ok at {imap.host}:{imap.port} ({imap.tls_mode}) "
                      f"as {imap.username}")]

    return {smtp_name: smtp_probe, imap_name: imap_probe}


def _paused(inbox: Inbox, check: Check) -> Check:
    """A paused inbox sends nothing: what its logins say is reported, never a failure."""
    if not inbox.paused:
        return check
    reason = inbox.pause_reason or "by an operator"
    return replace(check, status=WARN, detail=f"paused ({reason}); {check.status}: {check.detail}")


# -- keys, disk, analytics ------------------------------------------------------------------------

def secret_vars() -> list[str]:
    """Every secret's variable: the code location's ``*_SECRETS`` wiring and the unsubscribe key."""
    # Imported here: the wiring module loads every client (the LLM SDKs among them), which no
    # other jengu command should pay for at start-up.
    from jengu_resources import definitions

    names = [var for name, mapping in vars(definitions).items()
             if name.endswith("_SECRETS") and isinstance(mapping, dict) for var in mapping.values()]
    return list(dict.fromkeys([*PROVIDER_KEYS, *names, SECRET_ENV]))


def _required(env: Mapping[str, str]) -> dict[str, str]:
    """Secret variable -> the setting that makes it necessary."""
    needed: dict[str, str] = {}
    sources = {s.strip().lower().replace("-", "_") for s in env.get("JENGU_JOB_SOURCES", "").split(",")}
    if "adzuna" in sources:
        needed |= dict.fromkeys(("ADZUNA_APP_ID", "ADZUNA_APP_KEY"), "JENGU_JOB_SOURCES names adzuna")
    if sources & {"google_jobs", "google", "serpapi"}:
        needed["SERPAPI_KEY"] = "JENGU_JOB_SOURCES names google_jobs"
    for prefix in ("JENGU_NOTIFY", "JENGU_ALERT"):
        if env.get(f"{prefix}_SMTP_USERNAME", "").strip():
            needed[f"{prefix}_SMTP_PASSWORD"] = f"{prefix}_SMTP_USERNAME is set"
    if env.get("JENGU_UNSUBSCRIBE_BASE_URL", "").strip():
        needed["JENGU_UNSUBSCRIBE_SECRET"] = "JENGU_UNSUBSCRIBE_BASE_URL is set"
    return needed


def check_configuration(env: Mapping[str, str], inboxes: Sequence[Inbox] | None) -> Check:
    """Invalid values (the code location would not load) and unknown ``JENGU_*`` names. The
    inboxes' password variables are Jengu's by reference; with the pool unknown, any name
    ending in ``_PASSWORD`` is given the benefit of the doubt."""
    invalid = settings.problems(env)
    passwords = {i.password_env for i in inboxes or [] if i.password_env}
    if inboxes is None:
        passwords |= {name for name in env if name.endswith("_PASSWORD")}
    unknown = [f"{name} is not a Jengu variable" + (f" (did you mean {near}?)" if near else "")
               for name, near in settings.unknown(env, ignore=passwords)]
    if invalid:
        return Check("configuration", FAIL, "; ".join(invalid + unknown))
    if unknown:
        return Check("configuration", WARN, "; ".join(unknown))
    count = sum(1 for name in settings.BY_NAME if env.get(name, "").strip())
    return Check("configuration", OK, f"{count} of {len(settings.BY_NAME)} variables set, all "
                 "valid (docs/configuration.md)")


def check_keys(env: Mapping[str, str]) -> list[Check]:
    needed = _required(env)
    checks = []
    for var in secret_vars():
        name = f"key {var}"
        if env.get(var, "").strip():
            checks.append(Check(name, OK, "set"))
        elif var in needed:
            checks.append(Check(name, FAIL, f"not set, but {needed[var]}"))
        elif var in PROVIDER_KEYS:
            checks.append(Check(name, WARN, f"not set: {PROVIDER_KEYS[var]}"))
        else:
            checks.append(Check(name, OK, "not set (optional)"))
    return checks


def check_disk(root: Path, warn_gib: float, fail_gib: float) -> Check:
    probe = root
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    usage = shutil.disk_usage(probe)
    free = usage.free / 2**30
    detail = f"{free:.1f} GiB free of {usage.total / 2**30:.0f} GiB under {root}"
    if free < fail_gib:
        return Check("disk", FAIL, f"{detail} (below {fail_gib:g} GiB)")
    if free < warn_gib:
        return Check("disk", WARN, f"{detail} (below {warn_gib:g} GiB)")
    return Check("disk", OK, detail)


def check_analytics(path: Path, max_age_hours: float, timeout: float, now: datetime) -> Check:
    name = "analytics file"
    if not path.exists():
        return Check(name, WARN, f"not published yet at {path}: published after each "
                     "materialisation of the graph and nightly, or by `jengu publish-analytics`")
    try:
        con = _open_read_only(path, timeout)
    except duckdb.Error as exc:
        return Check(name, FAIL, f"{path} cannot be opened read-only: {exc}")
    try:
        published = con.execute("SELECT max(published_at) FROM publication").fetchall()[0][0]
    except duckdb.CatalogException:
        return Check(name, FAIL, f"{path} has no publication table: not a Jengu analytics file")
    finally:
        con.close()
    if published is None:
        return Check(name, FAIL, f"{path}: the publication table is empty")
    if published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    age = now - published
    detail = (f"{path}, published {published.astimezone(UTC):%Y-%m-%d %H:%M} UTC "
              f"({age.total_seconds() / 3600:.1f} h ago)")
    if age > timedelta(hours=max_age_hours):
        return Check(name, WARN, f"{detail}: older than {max_age_hours:g} h, is the nightly "
                     "refresh running?")
    return Check(name, OK, detail)


# -- running them ---------------------------------------------------------------------------------

def run_bounded(probes: Mapping[str, Callable[[], list[Check]]], timeout: float) -> list[Check]:
    """Run the probes side by side, each in a daemon thread; one still busy after ``timeout`` (a
    server that never answers, a PostgreSQL host that drops packets) is FAIL and left behind."""
    results: dict[str, list[Check]] = {}

    def run(name: str, probe: Callable[[], list[Check]]) -> None:
        try:
            results[name] = probe()
        except Exception as exc:  # reported as the check's failure; the others go on
            results[name] = [Check(name, FAIL, f"{type(exc).__name__}: {exc}")]

    threads = {name: threading.Thread(target=run, args=(name, probe), daemon=True,
                                      name=f"doctor {name}") for name, probe in probes.items()}
    for thread in threads.values():
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads.values():
        thread.join(max(0.0, deadline - time.monotonic()))
    return [check for name in probes
            for check in results.get(name, [Check(name, FAIL, f"no answer within {timeout:g} s")])]


def _secret_values(env: Mapping[str, str], inboxes: Sequence[Inbox]) -> list[str]:
    values = [env.get(var, "") for var in dict.fromkeys([*secret_vars(), *settings.SECRETS])]
    values += [env.get(inbox.password_env, "") for inbox in inboxes if inbox.password_env]
    pg_url = env.get("JENGU_DAGSTER_PG_URL", "")
    values += [pg_url, urlsplit(pg_url).password or ""]
    # Stripped, as they are read; the scrubber ignores any too short to be a real secret.
    return [v.strip() for v in values]


def scrub(checks: list[Check], secrets: Sequence[str]) -> list[Check]:
    clean = SecretScrubber(secrets)
    return [replace(c, name=clean(c.name), detail=clean(c.detail)) for c in checks]


def run_checks(options: Options, env: Mapping[str, str] = os.environ,
               home: JenguHome | None = None) -> list[Check]:
    home = home or jengu_home()
    checks, inboxes = check_crm(home.crm_path, options.timeout)
    probes: dict[str, Callable[[], list[Check]]] = {
        "dagster instance": lambda: check_instance(env, options.timeout)}
    inbox_of: dict[str, Inbox] = {}
    for inbox in inboxes or []:
        for name, probe in inbox_probes(inbox, env, options.timeout).items():
            probes[name], inbox_of[name] = probe, inbox
    # The timeouts inside each probe come first; this one only catches a probe that ignores them.
    for check in run_bounded(probes, options.timeout * 2 + 5):
        checks.append(_paused(inbox_of[check.name], check) if check.name in inbox_of else check)
    if inboxes is None:
        checks.append(Check("inboxes", WARN, "not checked: the CRM store could not be read"))
    elif not inboxes:
        checks.append(Check("inboxes", WARN, "no inbox yet: `jengu inbox add ADDRESS ...`"))
    checks.append(check_configuration(env, inboxes))
    checks += check_keys(env)
    checks.append(check_disk(home.root, options.disk_warn_gib, options.disk_fail_gib))
    checks.append(check_analytics(home.analytics_path, options.analytics_max_age_hours,
                                  options.timeout, datetime.now(UTC)))
    return scrub(checks, _secret_values(env, inboxes or []))


def worst(checks: Sequence[Check]) -> str:
    return max((c.status for c in checks), key=_SEVERITY.__getitem__, default=OK)


def render_table(checks: Sequence[Check]) -> str:
    name_width = max(len("check"), *(len(c.name) for c in checks))
    lines = [f"{'check'.ljust(name_width)}  status  detail"]
    lines += [f"{c.name.ljust(name_width)}  {c.status.ljust(6)}  {c.detail}" for c in checks]
    counts = {s: sum(1 for c in checks if c.status == s) for s in (OK, WARN, FAIL)}
    lines.append(f"\n{counts[OK]} OK, {counts[WARN]} WARN, {counts[FAIL]} FAIL")
    return "\n".join(lines)


def as_json(checks: Sequence[Check]) -> str:
    return json.dumps({
        "status": worst(checks),
        "counts": {s: sum(1 for c in checks if c.status == s) for s in (OK, WARN, FAIL)},
        "checks": [asdict(c) for c in checks],
    }, ensure_ascii=False)


def cmd_doctor(args: argparse.Namespace) -> int:
    options = Options(timeout=args.timeout, disk_warn_gib=args.disk_warn_gib,
                      disk_fail_gib=args.disk_fail_gib,
                      analytics_max_age_hours=args.analytics_max_age_hours)
    checks = run_checks(options)
    print(as_json(checks) if args.json else render_table(checks))
    return 1 if worst(checks) == FAIL else 0


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="check the CRM store, the Dagster instance, inbox logins, "
                       "configuration, keys, disk and the analytics file; exit 1 on a failure")
    p.add_argument("--json", action="store_true", help="one JSON object: status, counts, checks")
    p.add_argument("--timeout", type=_positive, default=10.0, metavar="S",
                   help="seconds per network check and for a locked store (default 10)")
    p.add_argument("--disk-warn-gib", type=float, default=5.0, metavar="G",
                   help="WARN below this much free space under JENGU_HOME (default 5)")
    p.add_argument("--disk-fail-gib", type=float, default=1.0, metavar="G",
                   help="FAIL below this much (default 1)")
    p.add_argument("--analytics-max-age-hours", type=_positive, default=26.0, metavar="H",
                   help="WARN when the analytics file is older (default 26: nightly plus slack)")
    p.set_defaults(func=cmd_doctor)
