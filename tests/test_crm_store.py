"""The CRM store on real DuckDB files, with real second processes holding and fighting for the lock."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time

import pytest

from jengu_resources.crm_store import CRMStore, StoreBusyError, available_migrations

EXPECTED_TABLES = {
    "prospects", "prospect_sources", "job_postings", "import_files", "import_rows",
    "research_reports", "emails", "send_ledger", "inbound_messages", "replies", "inboxes",
    "campaigns", "suppression_list", "failed_tasks", "state_transitions", "notifications",
    "alerts", "schema_migrations",
}

WRITER = textwrap.dedent(
    """
    import sys
    from jengu_resources.crm_store import CRMStore
    store = CRMStore(path=sys.argv[1], lock_timeout_seconds=60)
    name, n = sys.argv[2], int(sys.argv[3])
    for i in range(n):
        # One short transaction per batch, like every asset: open, write, commit, close.
        with store.transaction() as con:
            con.execute(
                "INSERT INTO failed_tasks (task, error) SELECT ?, 'row ' || range FROM range(5)",
                [f"{name}-{i}"],
            )
    print("done", name)
    """
)


def test_migrations_apply_once_and_create_every_table(tmp_path):
    crm = CRMStore(path=str(tmp_path / "empty" / "crm.duckdb"))
    applied = crm.migrate()
    assert applied == []  # the first connection already migrated the new file
    tables = {r["table_name"] for r in crm.query("SELECT table_name FROM information_schema.tables")}
    assert EXPECTED_TABLES <= tables
    versions = [r["version"] for r in crm.query("SELECT version FROM schema_migrations ORDER BY 1")]
    assert versions == [v for v, _, _ in available_migrations()]


def test_two_processes_writing_at_once_lose_nothing(crm, tmp_path):
    crm.migrate()
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    n = 40
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(crm.db_path), name, str(n)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for name in ("a", "b")
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, outputs):
        assert proc.returncode == 0, err
        assert out.startswith("done")
    counts = dict(
        (r["w"], r["n"])
        for r in crm.query("SELECT split_part(task, '-', 1) AS w, count(*) AS n FROM failed_tasks GROUP BY 1")
    )
    assert counts == {"a": n * 5, "b": n * 5}
    assert crm.scalar("SELECT count(DISTINCT task) FROM failed_tasks") == 2 * n


def test_a_held_lock_fails_after_the_bound_with_a_clear_message(crm, tmp_path):
    crm.migrate()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
         "time.sleep(30)", str(crm.db_path)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        impatient = CRMStore(path=str(crm.db_path), lock_timeout_seconds=1.0)
        started = time.monotonic()
        with pytest.raises(StoreBusyError) as caught:
            impatient.scalar("SELECT 1")
        elapsed = time.monotonic() - started
    finally:
        holder.kill()
        holder.communicate()
    assert 0.9 <= elapsed < 5
    message = str(caught.value)
    assert str(crm.db_path) in message and "locked" in message and f"PID {holder.pid}" in message


def test_a_lock_released_in_time_is_waited_for(crm):
    crm.migrate()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
         "time.sleep(1.0); c.close(); time.sleep(5)", str(crm.db_path)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        assert crm.scalar("SELECT count(*) FROM prospects") == 0
    finally:
        holder.kill()
        holder.communicate()


def test_a_failed_transaction_writes_nothing(crm):
    with pytest.raises(RuntimeError):
        with crm.transaction() as con:
            con.execute("INSERT INTO failed_tasks (task, error) VALUES ('t', 'e')")
            raise RuntimeError("boom")
    assert crm.scalar("SELECT count(*) FROM failed_tasks") == 0


def test_an_existing_store_is_upgraded_without_losing_rows(tmp_path):
    # A file created by the first release (migration 1 only) gains the later columns in place.
    import duckdb

    from jengu_resources.crm_store import apply_migrations

    path = tmp_path / "old.duckdb"
    version, name, sql = available_migrations()[0]
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
                    " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
        con.execute(sql)
        con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name])
        con.execute(
            "INSERT INTO prospects (id, company_name, name_key, tier, source, source_ref,"
            " discovered_on) VALUES ('p1', 'Hotel Alt', 'alt hotel', 'warm', 'csv', 'f row 1',"
            " DATE '2026-01-02')"
        )
        applied = apply_migrations(con)
        assert applied == [v for v, _, _ in available_migrations()[1:]]
        assert con.execute("SELECT company_name, email_sendable FROM prospects").fetchall() == [
            ("Hotel Alt", False)
        ]
        assert apply_migrations(con) == []


def test_connections_draw_no_progress_bar(crm):
    # DuckDB's bar goes to stdout after two seconds, into the JSON a CLI command prints.
    with crm.connect() as con:
        assert con.execute("SELECT current_setting('enable_progress_bar')").fetchone() == (False,)


def test_threads_opening_the_store_while_others_write_batches_lose_nothing(crm, tmp_path):
    # Every transaction opens its own connection; when the last one closes, the next open builds
    # DuckDB's database object again. Without a process-wide guard on opening, a batch written
    # meanwhile on another thread now and then failed: "python_arrow_scan does not exist".
    from jengu_resources.crm_store import insert_rows

    threads, batches, errors = 2, 150, []

    def write(name: str) -> None:
        for i in range(batches):
            try:
                with crm.transaction() as con:
                    insert_rows(con, "failed_tasks",
                                [{"task": f"{name}-{i}", "error": f"row {r}"} for r in range(3)])
            except Exception as exc:  # noqa: BLE001 - every failure is the finding
                errors.append(f"{name}-{i}: {exc!r}")

    done = threading.Event()

    def open_and_close(store: CRMStore) -> None:
        while not done.is_set():
            with store.connect() as con:
                con.execute("SELECT 1")
            time.sleep(0.001)

    other = CRMStore(path=str(tmp_path / "other.duckdb"))
    openers = [threading.Thread(target=open_and_close, args=(store,)) for store in (crm, other)]
    for opener in openers:
        opener.start()
    workers = [threading.Thread(target=write, args=(f"t{n}",)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    done.set()
    for opener in openers:
        opener.join()
    assert errors == []
    assert crm.scalar("SELECT count(*) FROM failed_tasks") == threads * batches * 3
