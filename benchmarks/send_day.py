"""One business day of sending, on a compressed clock, printed as one JSON object.

    .venv/bin/python benchmarks/send_day.py [--inboxes 2500] [--per-inbox 20] [--emails N]
        [--servers 1] [--skip 0.3] [--seed 7]

Many warmed inboxes (default 2,500 x 20 a day = 50,000 emails) send a queue of first emails to
recipients in five time zones through the real send tick: selection, pacing, the ledger's claims
and results, and aiosmtplib against the sandbox's SMTP server(s), each in its own process. The clock
is a tick clock: every 5-minute tick of the day (00:00-23:55 UTC, Wednesday 2026-11-18) runs at
once, and each email is stamped with its planned moment. The servers' own records are then checked:
duplicates (Message-ID or recipient), daily-cap and minimum-gap violations per inbox, and sends
outside the recipient's business hours, all of which must be 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jengu_assets.sending.business_hours import in_business_hours  # noqa: E402
from jengu_assets.sending.pacing import PacingSettings  # noqa: E402
from jengu_assets.sending.sender import SendSettings, TickClock, run_tick  # noqa: E402
from jengu_resources.crm_store import CRMStore  # noqa: E402
from sandbox.outbox import ZONES, queue_emails, warm_inboxes  # noqa: E402
from sandbox.smtp_server import read_record  # noqa: E402

DAY = datetime(2026, 11, 18, tzinfo=timezone.utc)   # a Wednesday


def start_servers(count: int, records: Path) -> tuple[list[subprocess.Popen], list[int]]:
    procs, ports = [], []
    for n in range(count):
        proc = subprocess.Popen(
            [sys.executable, "-m", "sandbox.smtp_server", "--port", "0",
             "--record", str(records / f"server{n}.jsonl")],
            cwd=ROOT, stdout=subprocess.PIPE, text=True)
        line = proc.stdout.readline().split()
        if not line or line[0] != "READY":
            raise SystemExit(f"SMTP server {n} did not start: {line}")
        procs.append(proc)
        ports.append(int(line[1]))
    return procs, ports


def children_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inboxes", type=int, default=2500)
    parser.add_argument("--per-inbox", type=int, default=20)
    parser.add_argument("--emails", type=int, help="default: inboxes x per-inbox")
    parser.add_argument("--servers", type=int, default=1, help="SMTP server processes")
    parser.add_argument("--skip", type=float, default=0.3, help="chance an inbox rests a tick")
    parser.add_argument("--gap", type=int, default=300, help="minimum seconds between two sends")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    emails = args.emails or args.inboxes * args.per_inbox
    # The queue skips composition, where Germany is held; here Berlin only supplies a time zone.
    os.environ["JENGU_HELD_COUNTRIES"] = "DE=allow"

    work = Path(tempfile.mkdtemp(prefix="jengu-send-day-"))
    store = CRMStore(path=str(work / "crm.duckdb"))
    procs, ports = start_servers(args.servers, work)
    try:
        setup_started = time.monotonic()
        with store.transaction() as con:
            queue_emails(con, emails, composed_on=DAY.date())
            warm_inboxes(con, args.inboxes, smtp_host="127.0.0.1", smtp_ports=ports,
                         daily_cap=args.per_inbox, min_gap_seconds=args.gap)
        setup_seconds = time.monotonic() - setup_started

        settings = SendSettings(pacing=PacingSettings(skip_probability=args.skip), seed=args.seed)
        outcomes: Counter = Counter()
        ticks = busy_ticks = 0
        started = time.monotonic()
        for tick in range(24 * 12):
            at = DAY + timedelta(minutes=5 * tick)
            report = asyncio.run(run_tick(store, clock=TickClock(at), settings=settings,
                                          actor="benchmark"))
            outcomes.update(report.outcomes)
            ticks += 1
            busy_ticks += bool(report.planned)
            if not report.due:
                break
        wall = time.monotonic() - started
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
    accepted = [m for n in range(args.servers) for m in read_record(work / f"server{n}.jsonl")]
    summary = check(store, accepted, args, emails, outcomes, ticks, busy_ticks, wall, setup_seconds)
    shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(summary, indent=2))


def check(store: CRMStore, accepted: list[dict], args, emails: int, outcomes: Counter, ticks: int,
          busy_ticks: int, wall: float, setup_seconds: float) -> dict:
    zones = {r["email"]: ZoneInfo(r["timezone"]) for r in
             store.query("SELECT lower(email) AS email, timezone FROM prospects")}
    ids = Counter(m["message_id"] for m in accepted)
    recipients = Counter(tuple(m["rcpt_tos"]) for m in accepted)
    by_inbox: dict[str, list[datetime]] = defaultdict(list)
    outside = 0
    for m in accepted:
        at = parsedate_to_datetime(m["date"])
        by_inbox[m["mail_from"]].append(at)
        outside += not in_business_hours(at, zones[m["rcpt_tos"][0].lower()])
    cap_violations = gap_violations = 0
    for times in by_inbox.values():
        times.sort()
        per_day = Counter(t.astimezone(timezone.utc).date() for t in times)
        cap_violations += sum(max(0, n - args.per_inbox) for n in per_day.values())
        gap_violations += sum(1 for a, b in zip(times, times[1:])
                              if (b - a).total_seconds() < args.gap)
    sent = len(accepted)
    return {
        "inboxes": args.inboxes,
        "per_inbox_cap": args.per_inbox,
        "emails_queued": emails,
        "emails_sent": sent,
        "outcomes": dict(outcomes),
        "ticks": ticks,
        "ticks_with_sends": busy_ticks,
        "wall_seconds": round(wall, 1),
        "sends_per_second": round(sent / wall, 1) if wall else None,
        "setup_seconds": round(setup_seconds, 1),
        "duplicate_message_ids": sum(n - 1 for n in ids.values() if n > 1),
        "duplicate_recipients": sum(n - 1 for n in recipients.values() if n > 1),
        "cap_violations": cap_violations,
        "gap_violations": gap_violations,
        "outside_business_hours": outside,
        "ledger_states": {r["state"]: r["n"] for r in
                          store.query("SELECT state, count(*) AS n FROM send_ledger GROUP BY 1")},
        "smtp_servers": args.servers,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "smtp_server_peak_rss_mb": round(children_peak_rss_mb(), 1),
        "zones": [z[2] for z in ZONES],
    }


if __name__ == "__main__":
    main()
