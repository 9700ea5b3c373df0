"""Inbound mail end to end, printed as one JSON object.

    .venv/bin/python benchmarks/replies.py [--messages 10000] [--seed 7]

N answers to emails Jengu sent (the sandbox's realistic mix: interest, meeting requests, refusals,
delegations, questions, unsubscribes, out-of-office in five languages, bounces, complaints, broken
MIME) are stored in a real Dovecot mailbox; the clock then starts. The reply sensor's code reads
them over IMAP (``poll_inbox``, 1,000 per call) and stores them raw in the CRM file; the ``replies``
asset's code (``process_pending``, offline intent rules: no LLM key) understands, matches and acts
on every one. JSON: messages/s end to end and per phase, outcomes, peak RSS.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Jengu's modules are imported inside the functions, as under Dagster: the reader processes of a
# backlog are spawned, and a spawned process imports the main script again. A run's process is
# itself spawned from its code server (`python -m dagster api grpc`), whose main module
# multiprocessing never imports again, so its readers import only jengu_assets.replies.reading
# and start in a fraction of a second; imported at the top here, Dagster would cost each reader
# seconds the pipeline does not spend.

SENT_AT = datetime(2026, 11, 18, 10, 0, tzinfo=timezone.utc)
INBOX = "outreach@jengu-bench.example"
PASSWORD = "bench-only"
LANGUAGES = {"GB": "en", "DE": "de", "FR": "fr", "ES": "es", "IT": "it"}
ZONES = (("GB", "London", "Europe/London"), ("DE", "Berlin", "Europe/Berlin"),
         ("FR", "Paris", "Europe/Paris"), ("ES", "Madrid", "Europe/Madrid"),
         ("IT", "Rome", "Europe/Rome"))


def prepare(store, n: int, seed: int, imap_port: int) -> list[bytes]:
    """N prospects whose first email went out, and what each of them answers."""
    from jengu_assets.sending.inboxes import find_inbox
    from jengu_resources.smtp import OutgoingEmail, build_message, new_message_id
    from sandbox.outbox import queue_emails, record_deliveries, warm_inboxes
    from sandbox.responders import MIX, answer

    rng = random.Random(seed)
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    with store.transaction() as con:
        queue_emails(con, n, zones=ZONES)
        warm_inboxes(con, 1, smtp_host="127.0.0.1", smtp_ports=[25], domain="jengu-bench.example",
                     imap_host="127.0.0.1", imap_port=imap_port, imap_tls_mode="none",
                     password_env="JENGU_BENCH_PASSWORD")
        con.execute("UPDATE inboxes SET id = ?, email = ?, username = ?", [INBOX, INBOX, INBOX])
        inbox = find_inbox(con, INBOX)
        prospects = con.execute("SELECT id, email, country FROM prospects ORDER BY id").fetchall()
        sends, answers = [], []
        for pid, address, country in prospects:
            message_id = new_message_id("jengu-bench.example")
            original = build_message(OutgoingEmail(
                message_id=message_id, from_email=INBOX, from_name="Jengu", to_email=address,
                subject=f"A question for Hotel {pid}", body="Hello,\n\nA short note.\n", date=SENT_AT))
            sends.append({"prospect_id": pid, "email_id": f"e{pid[1:]}-1", "to_email": address,
                          "message_id": message_id, "claimed_at": SENT_AT})
            kind = rng.choices(kinds, weights)[0]
            answers.append(answer(bytes(original), kind, language=LANGUAGES[country], seed=seed,
                                  now=SENT_AT + timedelta(hours=rng.randint(1, 48))).raw)
        record_deliveries(con, inbox.id, sends, owner="bench")
    return answers


def main() -> None:
    import os

    from jengu_assets.replies.assets import process_pending
    from jengu_assets.replies.polling import poll_inbox
    from jengu_assets.sending.inboxes import find_inbox
    from jengu_resources.crm_store import CRMStore
    from jengu_resources.llm import LLM
    from sandbox.dovecot import start_dovecot
    from sandbox.responders import MIX

    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    os.environ["JENGU_BENCH_PASSWORD"] = PASSWORD
    for key in ("XAI_API_KEY", "ANTHROPIC_API_KEY"):
        os.environ.pop(key, None)

    work = Path(tempfile.mkdtemp(prefix="jengu-replies-"))
    store = CRMStore(path=str(work / "crm.duckdb"))
    dovecot = start_dovecot({INBOX: PASSWORD})
    try:
        answers = prepare(store, args.messages, args.seed, dovecot.imap_port)
        dovecot.bulk_append(INBOX, PASSWORD, answers)
        with store.connect() as con:
            inbox = find_inbox(con, INBOX)

        started = time.monotonic()
        polls = stored = 0
        while True:
            result = poll_inbox(store, inbox, flag=None)
            polls += 1
            stored += result.stored
            if not result.fetched:
                break
        polled = time.monotonic()
        report = process_pending(store, LLM(), actor="benchmark")
        done = time.monotonic()
        again = poll_inbox(store, inbox, flag=None)
        rerun = process_pending(store, LLM(), actor="benchmark")
    finally:
        dovecot.stop()
    statuses = {r["status"]: r["n"] for r in store.query(
        "SELECT status, count(*) AS n FROM inbound_messages GROUP BY 1")}
    wall = done - started
    summary = {
        "messages": args.messages,
        "stored": stored,
        "processed": report.processed,
        "wall_seconds": round(wall, 2),
        "messages_per_second": round(args.messages / wall, 1),
        "poll_and_store_seconds": round(polled - started, 2),
        "understand_match_act_seconds": round(done - polled, 2),
        "imap_polls": polls,
        "phase_seconds": {k: round(v, 2) for k, v in report.seconds.items()},
        "kinds": dict(report.kinds),
        "statuses": statuses,
        "intents": dict(report.intents),
        "failed": len(report.failed),
        "second_poll_stored": again.stored,
        "second_run_processed": rerun.processed,
        "mix": dict(Counter(k for k, _ in MIX)),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        # The largest finished child: a reader process (or Dovecot, which is far smaller).
        "child_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
    }
    summary.pop("mix")
    shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
