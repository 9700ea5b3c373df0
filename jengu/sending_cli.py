"""Operator commands for sending: the inbox pool, the emergency stop, and unknown sends to review.

    jengu inbox add ADDRESS --smtp-host H --smtp-port P [--tls starttls] --password-env VAR ...
    jengu inbox list [--json]          today's sends, remaining quota and health per inbox
    jengu inbox pause ADDRESS --reason TEXT | jengu inbox resume ADDRESS
    jengu emergency-stop on [--reason TEXT] | off | status
    jengu sends review [--json]        sends whose delivery is unknown
    jengu sends resolve MESSAGE_ID (--delivered | --not-delivered)
    jengu sends run [--json]           one send tick now, outside Dagster (same code as send_job)
    jengu sends run --at ISO [--ticks N] [--json]
                                       N ticks of a compressed clock from ISO, 5 minutes apart, each
                                       send stamped with its planned moment and no waiting (drills
                                       against a loopback SMTP server; the demo's send day)
    jengu inbound review [--json]      inbound mail kept for a person: unmatched or failed
    jengu inbound show ID [--json | --raw]
                                       one stored message: where it stands, what the reader makes
                                       of it, what people did with it (--raw: its bytes, as .eml)
    jengu inbound assign ID PROSPECT_ID   it is about this prospect: processed again with that match
    jengu inbound retry ID... | --all-failed
                                       processed again as it is (after a fix, or once its prospect exists)
    jengu inbound dismiss ID... --reason TEXT
                                       out of the queue for good (spam, a newsletter, not for us)
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import date, datetime, timedelta, timezone

from jengu.arguments import at_least, port
from jengu_assets.sending import ledger
from jengu_assets.sending.inboxes import (
    DEFAULT_RAMP,
    TLS_MODES,
    InboxConfigError,
    add_inbox,
    load_inboxes,
    set_paused,
    usage_on,
)
from jengu_resources.crm_store import CRMStore

BAD_INPUT = 2


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no passwd entry in some containers
        return "cli"


def inbox_rows(store: CRMStore, now: datetime) -> list[dict]:
    with store.connect() as con:
        inboxes = load_inboxes(con)
        usage = usage_on(con, now.date())
    rows = []
    for inbox in inboxes:
        used = usage[inbox.id].sent_today if inbox.id in usage else 0
        cap = inbox.cap_on(now.date())
        status = inbox.held(now) or "active"
        week = ((now.date() - inbox.warmup_start).days // 7 + 1) if inbox.warmup_start else None
        rows.append({
            "email": inbox.email, "status": status, "sent_today": used, "cap_today": cap,
            "remaining": max(0, cap - used), "health": round(inbox.health_score, 1),
            "warmup_week": week, "smtp": f"{inbox.smtp_host}:{inbox.smtp_port} ({inbox.tls_mode})",
            "imap": f"{inbox.imap_host}:{inbox.imap_port}" if inbox.imap_host else None,
        })
    return rows


def cmd_inbox(args: argparse.Namespace) -> int:
    store = CRMStore()
    try:
        if args.inbox_command == "add":
            with store.transaction() as con:
                inbox = add_inbox(
                    con, email=args.address, smtp_host=args.smtp_host, smtp_port=args.smtp_port,
                    tls_mode=args.tls, username=args.username, password_env=args.password_env,
                    display_name=args.display_name, reply_to=args.reply_to,
                    warmup_start=args.warmup_start, warmup_ramp=args.ramp, daily_cap=args.daily_cap,
                    min_gap_seconds=args.min_gap, imap_host=args.imap_host, imap_port=args.imap_port,
                    imap_tls_mode=args.imap_tls, sent_folder=args.sent_folder,
                )
            login = (f"password from ${inbox.password_env}" if inbox.password_env
                     else "no password: the server takes no login")
            print(f"inbox {inbox.email} saved ({login})")
            return 0
        if args.inbox_command in ("pause", "resume"):
            paused = args.inbox_command == "pause"
            with store.transaction() as con:
                inbox = set_paused(con, args.address, paused, args.reason if paused else None)
            print(f"inbox {inbox.email} {'paused: ' + (inbox.pause_reason or '') if paused else 'resumed'}")
            return 0
    except (InboxConfigError, KeyError) as exc:
        print(f"jengu inbox {args.inbox_command}: {exc.args[0]}", file=sys.stderr)
        return BAD_INPUT
    rows = inbox_rows(store, _now())
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return 0
    if not rows:
        print("no inboxes yet: jengu inbox add ADDRESS --smtp-host ... --password-env VAR")
        return 0
    columns = ["email", "status", "sent_today", "cap_today", "remaining", "health", "warmup_week"]
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for row in rows:
        print("  ".join(str(row[c]).ljust(widths[c]) for c in columns))
    return 0


def cmd_emergency_stop(args: argparse.Namespace) -> int:
    store = CRMStore()
    if args.state in ("on", "off"):
        with store.transaction() as con:
            ledger.set_emergency_stop(con, args.state == "on", reason=args.reason, by=_actor())
    with store.connect() as con:
        stop = ledger.emergency_stop(con)
    if stop:
        print(f"emergency stop: ON since {stop['changed_at']:%Y-%m-%d %H:%M:%S} UTC by "
              f"{stop['changed_by']} ({stop['reason'] or 'no reason given'}); no email is sent")
    else:
        print("emergency stop: off")
    return 0


def cmd_sends(args: argparse.Namespace) -> int:
    store = CRMStore()
    if args.sends_command == "run":
        return _run_ticks(store, args)
    if args.sends_command == "resolve":
        with store.transaction() as con:
            moved = ledger.settle_unknown(
                con, [args.message_id], delivered=args.delivered, at=_now(), actor=_actor(),
                reviewed_by=_actor(),
                detail="confirmed delivered by an operator" if args.delivered
                else "confirmed not delivered by an operator")
        if not moved:
            print(f"jengu sends resolve: {args.message_id} is not an unknown send", file=sys.stderr)
            return BAD_INPUT
        print(f"{args.message_id}: {'sent' if args.delivered else 'failed, free to send again'}")
        return 0
    with store.connect() as con:
        rows = ledger.unknown_sends(con)
    return _print_rows(rows, args.json, "no unknown sends", lambda row: (
        f"{row['message_id']}  {row['inbox_email']} -> {row['to_email']}  step "
        f"{row['sequence_step']}  claimed {row['claimed_at']:%Y-%m-%d %H:%M}  {row['detail']}"))


TICK = timedelta(minutes=5)   # the send schedule's interval


def _run_ticks(store: CRMStore, args: argparse.Namespace) -> int:
    import asyncio

    from jengu_assets.sending.sender import TickClock, run_tick

    if args.at is None and args.ticks > 1:
        print("jengu sends run: --ticks needs --at (on the real clock, the schedule runs the "
              "next tick in 5 minutes)", file=sys.stderr)
        return BAD_INPUT
    for n in range(args.ticks):
        clock = None if args.at is None else TickClock(args.at + n * TICK)
        report = asyncio.run(run_tick(store, clock=clock, actor=_actor()))
        summary = {"tick_at": report.started_at.isoformat(), **report.as_metadata()}
        if args.json:
            print(json.dumps(summary, default=str), flush=True)
            continue
        print(f"{report.started_at:%Y-%m-%d %H:%M} UTC: sent {report.sent} of {report.planned} "
              f"planned ({report.due} due); emergency stop {summary['emergency_stop']}", flush=True)
        for key in ("outcomes", "not_due", "skipped", "claims_refused", "reconciled"):
            if summary[key]:
                print(f"  {key}: {summary[key]}")
    return 0


def _moment(text: str) -> datetime:
    """An ISO 8601 moment; one without a zone is UTC."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from exc
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def _print_rows(rows: list[dict], as_json: bool, empty: str, line) -> int:
    """JSON Lines with ``--json``, else one line per row (or ``empty`` when there is none)."""
    for row in rows:
        print(json.dumps(row, default=str, ensure_ascii=False) if as_json else line(row))
    if not rows and not as_json:
        print(empty)
    return 0


def cmd_inbound(args: argparse.Namespace) -> int:
    from jengu_assets.replies import review

    store = CRMStore()
    try:
        if args.inbound_command == "show":
            with store.connect(read_only=True) as con:
                return _show_inbound(review.message(con, args.id), args)
        if args.inbound_command == "review":
            with store.connect(read_only=True) as con:
                rows = review.queue(con, args.limit)
            status = _print_rows(
                rows, args.json, "nothing to review: every inbound message was matched and processed",
                lambda row: (f"{row['id']}  {row['status']:<9}  {row['kind'] or '-':<11}  "
                             f"{row['from_email'] or '-'}  {(row['subject'] or '')[:60]!r}  "
                             f"{row['reason'] or ''}"))
            if rows and not args.json:
                print("\nnext: jengu inbound show ID, then assign ID PROSPECT_ID | retry ID | "
                      "dismiss ID --reason TEXT")
            return status
        with store.transaction() as con:
            if args.inbound_command == "assign":
                done = [review.assign(con, args.id, args.prospect_id, actor=_actor(), now=_now())]
            elif args.inbound_command == "retry":
                ids = review.failed_ids(con) if args.all_failed else args.ids
                if not ids:
                    print("no failed inbound message to retry")
                    return 0
                done = review.retry(con, ids, actor=_actor(), now=_now())
            else:
                done = review.dismiss(con, args.ids, args.reason, actor=_actor(), now=_now())
    except review.ReviewError as exc:
        print(f"jengu inbound {args.inbound_command}: {exc}", file=sys.stderr)
        return BAD_INPUT
    for item in done:
        print(f"{item.id}: {item.from_status} -> {item.status}")
    if any(item.status == "new" for item in done):
        print("the next reply-processing run acts on them (reply_polling_sensor asks for one "
              "within a minute)")
    return 0


def _show_inbound(row: dict, args: argparse.Namespace) -> int:
    from jengu.inspect_email import human_line, inspect_bytes

    raw = row.pop("raw")
    if args.raw:
        if raw is None:
            print(f"jengu inbound show: retention dropped the raw bytes of {row['id']} on "
                  f"{row['raw_dropped_at']:%Y-%m-%d}", file=sys.stderr)
            return BAD_INPUT
        sys.stdout.buffer.write(raw)
        sys.stdout.flush()
        return 0
    row["read_as"] = None if raw is None else inspect_bytes(raw, row["id"])
    if args.json:
        print(json.dumps(row, default=str, ensure_ascii=False))
        return 0
    for key in ("id", "status", "kind", "reason", "from_email", "subject", "received_at", "inbox_id",
                "prospect_id", "email_id", "matched_by", "attempts"):
        print(f"{key + ':':<14}{'-' if row[key] is None else row[key]}")
    if raw is None:
        print(f"{'read as:':<14}raw bytes dropped by retention on {row['raw_dropped_at']:%Y-%m-%d}")
    else:
        print(f"{'read as:':<14}{human_line(row['read_as']).removeprefix(row['id'] + ': ')}")
    for r in row["reviews"]:
        what = {"assign": f"assigned to {r['prospect_id']}", "dismiss": f"dismissed: {r['note']}",
                "retry": "sent back to processing"}[r["action"]]
        print(f"{'review:':<14}{r['created_at']:%Y-%m-%d %H:%M} {r['actor']} ({r['from_status']}): {what}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the sending commands to the ``jengu`` parser."""
    inbox = sub.add_parser("inbox", help="manage the inbox pool")
    inbox_sub = inbox.add_subparsers(dest="inbox_command", required=True)
    add = inbox_sub.add_parser("add", help="add (or update) an inbox")
    add.add_argument("address")
    add.add_argument("--smtp-host", required=True)
    add.add_argument("--smtp-port", type=port, required=True)
    add.add_argument("--tls", choices=TLS_MODES, default="starttls")
    add.add_argument("--username", help="SMTP login (default: the address)")
    add.add_argument("--password-env", default="",
                     help="NAME of the env var holding the password (never the password)")
    add.add_argument("--display-name")
    add.add_argument("--reply-to")
    add.add_argument("--warmup-start", type=date.fromisoformat, help="YYYY-MM-DD (default: warm)")
    add.add_argument("--ramp", default=",".join(map(str, DEFAULT_RAMP)),
                     help="sends per day, week by week (default %(default)s)")
    add.add_argument("--daily-cap", type=at_least(1), default=20)
    add.add_argument("--min-gap", type=at_least(0), default=300, help="seconds between two sends")
    add.add_argument("--imap-host", help="for the Sent-folder reconcile of unknown sends")
    add.add_argument("--imap-port", type=port)
    add.add_argument("--imap-tls", choices=TLS_MODES)
    add.add_argument("--sent-folder", default="Sent")
    lister = inbox_sub.add_parser("list", help="today's sends, remaining quota, health")
    lister.add_argument("--json", action="store_true")
    pause = inbox_sub.add_parser("pause")
    pause.add_argument("address")
    pause.add_argument("--reason", required=True)
    resume = inbox_sub.add_parser("resume")
    resume.add_argument("address")
    inbox.set_defaults(func=cmd_inbox)

    stop = sub.add_parser("emergency-stop", help="stop every send at once (checked before each message)")
    stop.add_argument("state", choices=["on", "off", "status"])
    stop.add_argument("--reason")
    stop.set_defaults(func=cmd_emergency_stop)

    sends = sub.add_parser("sends", help="review sends whose delivery is unknown")
    sends_sub = sends.add_subparsers(dest="sends_command", required=True)
    review = sends_sub.add_parser("review")
    review.add_argument("--json", action="store_true")
    resolve = sends_sub.add_parser("resolve")
    resolve.add_argument("message_id")
    verdict = resolve.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--delivered", dest="delivered", action="store_true")
    verdict.add_argument("--not-delivered", dest="delivered", action="store_false")
    run = sends_sub.add_parser("run", help="one send tick now (the schedule does this every 5 min)")
    run.add_argument("--json", action="store_true", help="one JSON object per tick")
    run.add_argument("--at", type=_moment, default=None,
                     help="run on a compressed clock from this ISO 8601 time (UTC unless it says)")
    run.add_argument("--ticks", type=at_least(1), default=1, help="ticks to run, 5 minutes apart (with --at)")

    inbound = sub.add_parser("inbound", help="inbound mail kept for review")
    inbound_sub = inbound.add_subparsers(dest="inbound_command", required=True)
    review_in = inbound_sub.add_parser("review", help="unmatched or failed inbound messages")
    review_in.add_argument("--json", action="store_true")
    review_in.add_argument("--limit", type=at_least(1), default=100)
    show = inbound_sub.add_parser("show", help="one stored message, what it reads as, its reviews")
    show.add_argument("id")
    shown_as = show.add_mutually_exclusive_group()
    shown_as.add_argument("--json", action="store_true")
    shown_as.add_argument("--raw", action="store_true", help="the message's bytes (save as .eml)")
    assign = inbound_sub.add_parser("assign", help="the prospect an unmatched message is about")
    assign.add_argument("id")
    assign.add_argument("prospect_id")
    retry = inbound_sub.add_parser("retry", help="process unmatched or failed messages again")
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("ids", nargs="*", default=[], metavar="ID")
    which.add_argument("--all-failed", action="store_true", help="every failed message")
    dismiss = inbound_sub.add_parser("dismiss", help="take messages out of the queue for good")
    dismiss.add_argument("ids", nargs="+", metavar="ID")
    dismiss.add_argument("--reason", required=True)
    inbound.set_defaults(func=cmd_inbound)
    sends.set_defaults(func=cmd_sends)
