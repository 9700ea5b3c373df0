"""The CRM store: one DuckDB file, versioned migrations, and the connection discipline.

DuckDB lets one process at a time hold a file open for writing, and that process locks out everyone
else, readers included, failing at once instead of waiting. So every connection here is short:
open, do one batch of work in one transaction, close. Nothing holds a connection across network
I/O; callers fetch first, then write. Opening retries a lock conflict with jittered backoff up to a
bound and then fails with a message that names the file and the process holding it.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pyarrow as pa
from pydantic import Field

from jengu_resources.paths import jengu_home

MIGRATIONS_PACKAGE = "jengu_resources.migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

# Paths already migrated by this process, so that only the first connection pays for the check.
_migrated: set[str] = set()
_migrate_lock = threading.Lock()

# DuckDB's Python module caches one database object per file and builds it again after the last
# connection closes. With threads opening connections at once (one of them rebuilding that
# object), an Arrow batch registered on another thread now and then failed with
# "python_arrow_scan does not exist": a few times in a thousand threaded transactions, inside
# the transaction, so it cannot be retried. Every connection of the process opens under this
# lock (an open takes milliseconds; of a file not open yet, some 10 ms); none has failed since.
_open_lock = threading.Lock()


def open_duckdb(database: str, **options: Any) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect`` for this process: never while another thread is opening one."""
    with _open_lock:
        return duckdb.connect(database, **options)


class StoreBusyError(RuntimeError):
    """The CRM file stayed locked by another process for longer than the configured bound."""


def is_lock_conflict(exc: BaseException) -> bool:
    """Another process holds the file, or another thread of this one is opening or closing it
    (DuckDB's "Unique file handle conflict", seen when sensors run in parallel threads)."""
    if isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower():
        return True
    return (isinstance(exc, getattr(duckdb, "ResourceInUseException", ()))
            and "file handle conflict" in str(exc).lower())


def available_migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every bundled migration, in order."""
    found = []
    for entry in resources.files(MIGRATIONS_PACKAGE).iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found)


def apply_migrations(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply every migration not yet recorded, each in its own transaction. Returns the new ones."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
    )
    applied = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    new = []
    for version, name, sql in available_migrations():
        if version in applied:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        new.append(version)
    return new


class CRMStore(dg.ConfigurableResource):
    """The DuckDB CRM file. Usable as a Dagster resource and directly from the CLI and tests."""

    path: str = Field(
        default="",
        description="DuckDB file; empty means crm.duckdb under JENGU_HOME.",
    )
    lock_timeout_seconds: float = Field(
        default=60.0,
        description="How long to keep retrying a lock held by another process before failing.",
    )

    @property
    def db_path(self) -> Path:
        return Path(self.path) if self.path else jengu_home().crm_path

    # -- connections -------------------------------------------------------------------------

    def _open(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        path = self.db_path
        path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.lock_timeout_seconds
        attempt = 0
        while True:
            try:
                con = open_duckdb(str(path), read_only=read_only)
            except duckdb.Error as exc:
                if not is_lock_conflict(exc):
                    raise
                attempt += 1
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise StoreBusyError(
                        f"CRM store {path} stayed locked for {self.lock_timeout_seconds:.0f} s "
                        f"({attempt} attempts): {exc}. Close the other connection (a DuckDB CLI or "
                        "notebook holding it open?) or raise CRMStore.lock_timeout_seconds; analysts "
                        "should query the published analytics file instead."
                    ) from exc
                # Full jitter: two writers that collided once do not collide again in lockstep.
                delay = random.uniform(0, min(1.0, 0.01 * 2**attempt))
                time.sleep(min(delay, remaining))
                continue
            # No progress bar: DuckDB draws one on stdout for statements past two seconds, into
            # the JSON a CLI command prints or a daemon's log.
            con.execute("SET enable_progress_bar = false")
            return con

    @contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived connection, migrated on first use. Close it before any network I/O.
        ``read_only``: a connection that refuses every change (the store is created and migrated
        first, through a writable one)."""
        key = str(self.db_path.resolve())
        if read_only and key not in _migrated:
            with self.connect():
                pass
        con = self._open(read_only)
        try:
            if key not in _migrated:
                with _migrate_lock:
                    if key not in _migrated:
                        apply_migrations(con)
                        _migrated.add(key)
            yield con
        finally:
            con.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One connection, one transaction: committed on success, rolled back on any error."""
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    # -- small conveniences ------------------------------------------------------------------

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        """Run one read and return rows as dicts (the connection is closed before returning)."""
        with self.connect() as con:
            return fetch_dicts(con, sql, params)

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        with self.connect() as con:
            row = con.execute(sql, params or []).fetchone()
            return row[0] if row else None

    def migrate(self) -> list[int]:
        with self.connect() as con:
            return apply_migrations(con)


def fetch_dicts(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None
) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or [])
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


@contextmanager
def _arrow_view(con: duckdb.DuckDBPyConnection, name: str,
                rows: Sequence[Mapping[str, Any]]) -> Iterator[str]:
    """``rows`` as a view named ``name`` on ``con`` (through Arrow) while the block runs."""
    con.register(name, pa.Table.from_pylist([dict(r) for r in rows]))
    try:
        yield name
    finally:
        con.unregister(name)


def insert_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    on_conflict: str = "",
) -> int:
    """Insert many rows in one statement through Arrow (far faster than executemany).

    ``on_conflict`` is appended verbatim, e.g. ``"ON CONFLICT DO NOTHING"``.
    """
    if not rows:
        return 0
    col_list = ", ".join(rows[0].keys())
    with _arrow_view(con, f"_batch_{table}", rows) as view:
        con.execute(f"INSERT INTO {table} ({col_list}) SELECT {col_list} FROM {view} {on_conflict}")
    return len(rows)


def update_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    key: Sequence[str],
) -> int:
    """Update many rows in one statement, matching on the ``key`` columns."""
    if not rows:
        return 0
    assignments = ", ".join(f"{c} = u.{c}" for c in rows[0] if c not in key)
    match = " AND ".join(f"{table}.{c} = u.{c}" for c in key)
    with _arrow_view(con, f"_updates_{table}", rows) as view:
        con.execute(f"UPDATE {table} SET {assignments} FROM {view} u WHERE {match}")
    return len(rows)
