"""One backup of a Jengu installation into JENGU_BACKUP_DIR/<UTC time>/: the DuckDB CRM and the
Dagster storage in PostgreSQL; backups older than JENGU_BACKUP_KEEP_DAYS (default 14) are removed.
Prints a JSON summary; exits non-zero when a part failed.

The CRM is copied through DuckDB (attached read-only, ``COPY FROM DATABASE``), not with ``cp``: a
file copied while the pipeline writes can be torn, and the copy is a ready-to-open DuckDB file with
its indexes. The pipeline's writers wait for the copy (they retry a locked store for a minute).
pg_dump gets the password through its environment, never on its command line (visible in ps).

Run by jengu-backup.service; by hand: ``.venv/bin/python deploy/backup.py`` with the service's
environment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
from sqlalchemy.engine import make_url

STAMP = "%Y%m%dT%H%M%SZ"
LOCK_WAIT_SECONDS = 300


def copy_crm(source: Path, target: Path, wait_seconds: float = LOCK_WAIT_SECONDS) -> None:
    """A consistent copy of the CRM file, retrying while a writer holds it."""
    if not source.is_file():
        raise FileNotFoundError(f"no CRM store at {source}")
    deadline = time.monotonic() + wait_seconds
    delay = 0.5
    while True:
        try:
            with duckdb.connect() as con:
                con.execute("ATTACH ? AS crm (READ_ONLY)", [str(source)])
                con.execute("ATTACH ? AS backup", [str(target)])
                con.execute("COPY FROM DATABASE crm TO backup")
            return
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            target.unlink(missing_ok=True)
            time.sleep(delay)
            delay = min(delay * 2, 10.0)


def dump_postgres(url: str, target: Path) -> None:
    """pg_dump in its custom format (restore with pg_restore) of the database the URL names."""
    parsed = make_url(url)
    env = {**os.environ, "PGHOST": parsed.host or "localhost", "PGPORT": str(parsed.port or 5432),
           "PGUSER": parsed.username or "", "PGDATABASE": parsed.database or ""}
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    proc = subprocess.run(["pg_dump", "--format=custom", f"--file={target}", "--no-password"],
                          env=env, capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"pg_dump of {parsed.database} on {parsed.host} failed: "
                           f"{proc.stderr.strip()}")


def prune(backup_dir: Path, keep_days: int, now: datetime) -> list[str]:
    """Removes the backups (named by their UTC time) older than ``keep_days``."""
    removed = []
    for entry in sorted(backup_dir.iterdir()):
        try:
            taken = datetime.strptime(entry.name, STAMP).replace(tzinfo=timezone.utc)
        except ValueError:
            continue  # not one of ours
        if entry.is_dir() and now - taken > timedelta(days=keep_days):
            shutil.rmtree(entry)
            removed.append(entry.name)
    return removed


def run(env: dict[str, str], now: datetime | None = None) -> dict:
    now = now or datetime.now(timezone.utc)
    home = Path(env.get("JENGU_HOME") or Path(__file__).resolve().parent.parent / "var")
    if not env.get("JENGU_BACKUP_DIR"):
        raise SystemExit("JENGU_BACKUP_DIR is not set: where should the backup go?")
    backup_dir = Path(env["JENGU_BACKUP_DIR"])
    pg_url = env.get("JENGU_DAGSTER_PG_URL")
    if not pg_url:
        raise SystemExit("JENGU_DAGSTER_PG_URL is not set: the Dagster storage cannot be dumped")
    keep_days = int(env.get("JENGU_BACKUP_KEEP_DAYS") or 14)
    target = backup_dir / now.strftime(STAMP)
    target.mkdir(parents=True)
    summary: dict = {"backup": str(target), "errors": {}}
    for part, action in (("crm.duckdb", lambda path: copy_crm(home / "crm.duckdb", path)),
                         ("dagster.pgdump", lambda path: dump_postgres(pg_url, path))):
        started = time.monotonic()
        try:
            action(target / part)
            summary[part] = {"bytes": (target / part).stat().st_size,
                             "seconds": round(time.monotonic() - started, 2)}
        except Exception as exc:  # noqa: BLE001 - one failed part must not stop the other
            summary["errors"][part] = str(exc)
    summary["removed"] = prune(backup_dir, keep_days, now) if not summary["errors"] else []
    return summary


def main() -> int:
    summary = run(dict(os.environ))
    print(json.dumps(summary))
    return 1 if summary["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
