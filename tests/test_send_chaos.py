"""Chaos: senders killed with SIGKILL at random moments during real sends, restarted, and two run at
once. Real parts: a DuckDB file, sender processes (tests/send_worker.py) speaking SMTP through
aiosmtplib to the sandbox's aiosmtpd server on loopback, whose own record of what it accepted is the
only evidence the assertions trust."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest

from sandbox.outbox import queue_emails, warm_inboxes
from sandbox.smtp_server import SandboxSMTP, read_record

# Wednesday 10:00 UTC: London, Lisbon and Athens are at work for hours.
START = datetime(2026, 11, 18, 10, 0, tzinfo=timezone.utc)
ZONES = (("GB", "London", "Europe/London"), ("PT", "Lisbon", "Europe/Lisbon"),
         ("GR", "Athens", "Europe/Athens"))
ROOT = Path(__file__).resolve().parent.parent
EMAILS, INBOXES = 600, 30     # 30 warm inboxes x 20 a day: exactly enough for every email
KILLS = 10


def _worker(crm_path: Path, tick: int, ticks: int, seed: int) -> subprocess.Popen:
    at = START.timestamp() + tick * 300
    return subprocess.Popen(
        [sys.executable, "-m", "tests.send_worker", str(crm_path),
         datetime.fromtimestamp(at, timezone.utc).isoformat(), str(ticks), str(seed)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "JENGU_HELD_COUNTRIES": ""},
    )


def _wait_ready(proc: subprocess.Popen) -> None:
    line = proc.stdout.readline()
    assert line.strip() == "READY", f"worker did not start: {line!r} {proc.stderr.read()}"


def _wait_for_delivery(record: Path, before: int, proc: subprocess.Popen,
                       timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while len(read_record(record)) <= before and proc.poll() is None:
        assert time.monotonic() < deadline, "the sender delivered nothing in 30 s"
        time.sleep(0.02)


@pytest.mark.timeout(240)
def test_killed_and_concurrent_senders_never_double_send(crm, tmp_path):
    record = tmp_path / "accepted.jsonl"
    # A few recipients drop the connection after DATA: the sender cannot know they were delivered.
    with SandboxSMTP(record_path=record, keep_accepted=False) as smtp:
        with crm.transaction() as con:
            queue_emails(con, EMAILS, zones=ZONES, tags={n: "+drop" for n in range(0, EMAILS, 97)})
            warm_inboxes(con, INBOXES, smtp_host=smtp.host, smtp_ports=[smtp.port], min_gap_seconds=2)
        crm_path = crm.db_path
        rng = random.Random(20261118)
        tick = 0
        killed_mid_send = 0
        for kill in range(KILLS):
            proc = _worker(crm_path, tick, 1, seed=kill)
            _wait_ready(proc)
            before = len(read_record(record))
            if kill % 2:
                # Every other kill waits for this sender's first delivery, so at least half land
                # between sends however long its start-up takes on a loaded machine; the others
                # may also land in start-up or before the first claim.
                _wait_for_delivery(record, before, proc)
                time.sleep(rng.uniform(0.0, 1.0))
            else:
                time.sleep(rng.uniform(0.2, 1.5))
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=10)   # reaps it and closes its pipes
            # It was delivering when it died (the server's record grew while it ran).
            killed_mid_send += proc.returncode == -signal.SIGKILL and len(read_record(record)) > before
            tick += 1
        # Two senders at once on the same tick, then one to finish the day.
        pair = [_worker(crm_path, tick, 2, seed=100 + n) for n in range(2)]
        for proc in pair:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err[-2000:]
        tick += 2
        final = _worker(crm_path, tick, 12, seed=999)
        out, err = final.communicate(timeout=180)
        assert final.returncode == 0, err[-2000:]

    accepted = read_record(record)
    ids = Counter(m["message_id"] for m in accepted)
    recipients = Counter(tuple(m["rcpt_tos"]) for m in accepted)
    assert killed_mid_send >= KILLS // 2, f"only {killed_mid_send} kills landed mid-send"
    assert not [m for m, n in ids.items() if n > 1], "a Message-ID was delivered twice"
    assert not [r for r, n in recipients.items() if n > 1], "a recipient got the same step twice"

    ledger = {r["message_id"]: r for r in crm.query("SELECT * FROM send_attempts")}
    states = Counter(r["state"] for r in crm.query("SELECT state FROM send_ledger"))
    assert set(states) <= {"sent", "failed", "unknown"}, states
    # Everything the server took is in the ledger as sent or unknown, never as failed or missing;
    # everything the ledger calls sent, the server took.
    assert {ledger[m]["state"] for m in ids} <= {"sent", "unknown"}
    assert {m for m, r in ledger.items() if r["state"] == "sent"} <= set(ids)
    # The day's work got done in spite of the kills: every email went out or awaits review (the
    # sends in flight at each kill, and the dropped connections); none was left unclaimed.
    assert states["sent"] + states["unknown"] == EMAILS, states
    assert states["sent"] >= EMAILS // 2, states
