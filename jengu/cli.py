"""The ``jengu`` command: operator commands around the Dagster code location.

    jengu import-leads PATH [PATH ...] [--json]   import CSV lead lists into the CRM store
    jengu analyze-site PATH_OR_URL ... [--json]   analyse saved pages or URLs
    jengu demo [--json] [--llm sandbox|offline]   run today's partition against the sandbox
    jengu ui [--port N]                           Dagster webserver + daemon on 127.0.0.1
    jengu sql "SELECT ..." [--json] [--write]     query the CRM store (read-only unless --write)
    jengu dagster-home                            prepare $JENGU_HOME/dagster and print it
    jengu migrate                                 apply pending CRM migrations
    jengu unsubscribe-server [--port N]           serve the unsubscribe links until Ctrl-C
    jengu inbox add|list|pause|resume ...         manage the inbox pool (jengu inbox list: quotas)
    jengu emergency-stop on|off|status            stop every send at once
    jengu sends review | resolve MESSAGE_ID ...   sends whose delivery is unknown
    jengu sends run [--at ISO --ticks N]          send ticks now, or on a compressed clock (drills)
    jengu inspect-email PATH [PATH ...] [--json]  what each raw email is (bounce, auto-reply, reply...)
    jengu inbound review|show|assign|retry|dismiss  inbound mail kept for a person (unmatched,
                                                  failed), and what to do with each
    jengu repair [--apply] [--only KIND] [--json] delete orphans, merge duplicates, reset stuck stages
    jengu publish-analytics [--json]              publish the analyst file (analytics.duckdb) now
    jengu doctor [--json] [--timeout S]           check store, instance, inbox logins, settings,
                                                  keys, disk

Exit status: 0 on success, 1 on an unexpected failure, 2 on bad input (unreadable file, bad usage).
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any

from jengu.arguments import at_least, listen_port, port

BAD_INPUT = 2


def _today():
    return datetime.now(timezone.utc).date()


def cmd_import_leads(args: argparse.Namespace) -> int:
    from jengu_assets.acquisition.csv_leads import LeadFileError, display_path
    from jengu_assets.acquisition.imports import import_lead_file
    from jengu_resources.crm_store import CRMStore

    store = CRMStore()
    status = 0
    for path in args.paths:
        try:
            report = import_lead_file(store, path, imported_on=_today(), actor="cli:import-leads")
        except LeadFileError as exc:
            error = display_path(str(exc))
            print(f"jengu import-leads: {error}", file=sys.stderr)
            if args.json:
                print(_json_line({"file": display_path(path), "error": error}), flush=True)
            status = max(status, BAD_INPUT)
            continue
        except Exception as exc:  # one file's failure must not hide the reports of the others
            error = f"{display_path(path)}: import failed: {type(exc).__name__}: {exc}"
            print(f"jengu import-leads: {error}", file=sys.stderr)
            if args.json:
                print(_json_line({"file": display_path(path), "error": error}), flush=True)
            status = status or 1
            continue
        if args.json:
            print(_json_line(report), flush=True)
        else:
            _print_import_report(report)
    return status


def _print_import_report(report: dict) -> None:
    again = " (already imported: outcome of the first import)" if report["already_imported"] else ""
    print(f"{report['file']}{again}")
    print(
        f"  rows {report['rows']}: accepted {report['accepted']}, "
        f"duplicates {report['duplicates']}, rejected {report['rejected']}"
    )
    for rejection in report["rejections"][:20]:
        print(f"  row {rejection['row']} (line {rejection['line']}): {rejection['reason']}")
    if len(report["rejections"]) > 20:
        print(f"  ... {len(report['rejections']) - 20} more; see table import_rows")


def cmd_analyze_site(args: argparse.Namespace) -> int:
    # The fetcher (and its HTTP client) is built for the first URL only: saved files need none.
    fetcher = functools.cache(_fetcher_from_env)
    status = 0
    for item in args.inputs:
        report = _analyze_site_input(item, fetcher)
        if "error" in report:
            status = BAD_INPUT
        if args.json:
            print(_json_line(report), flush=True)
        else:
            _print_site(report)
    return status


def _fetcher_from_env():
    from jengu_resources.definitions import fetcher_from_env

    return fetcher_from_env()


def _analyze_site_input(item: str, fetcher: Callable[[], Any]) -> dict:
    """One input's record; any failure becomes its ``{"input", "error"}`` line, so one bad
    input never costs the others."""
    from jengu_assets.enrichment.site_analysis import analyze_file, analyze_html

    try:
        if item.lower().startswith(("http://", "https://")):
            from jengu_resources.fetcher import FetchError  # with its client: only for URLs

            try:
                page = fetcher().fetch_sync(item)
            except FetchError as exc:
                return {"input": item, "error": str(exc)}
            # .text, not .body: it honours the charset in the Content-Type header.
            return analyze_html(page.text, page.final_url).to_json(item)
        if item.lower().startswith("file://"):
            from urllib.parse import unquote, urlsplit

            return {**analyze_file(unquote(urlsplit(item).path)), "input": item}
        return analyze_file(item)
    except Exception as exc:  # noqa: BLE001 - reported on the input's own line
        return {"input": item, "error": f"cannot analyse: {type(exc).__name__}: {exc}"}


def _json_line(report: dict) -> str:
    """``report`` as one JSON line the output can carry: non-ASCII as is when its encoding takes
    it, else escaped (LANG=C, a latin-1 locale, file names that are not UTF-8 and so carry lone
    surrogates)."""
    line = json.dumps(report, ensure_ascii=False)
    try:
        line.encode(sys.stdout.encoding or "utf-8")
    except (UnicodeEncodeError, LookupError):
        line = json.dumps(report)
    return line


def _print_site(report: dict) -> None:
    encoding = sys.stdout.encoding or "utf-8"

    def say(text: str) -> None:
        print(text.encode(encoding, "backslashreplace").decode(encoding, "replace"))

    say(str(report["input"]))
    if "error" in report:
        say(f"  error: {report['error']}")
        return
    for key in ("url", "title", "language", "cms", "booking_engine", "phones", "emails", "social"):
        if report.get(key):
            say(f"  {key}: {report[key]}")
    if report.get("schema_org"):
        say(f"  schema_org: {json.dumps(report['schema_org'], ensure_ascii=False)}")


def cmd_demo(args: argparse.Namespace) -> int:
    from jengu.demo import print_summary, run_demo

    summary = run_demo(llm=args.llm)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, default=str))
    else:
        print_summary(summary)
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    from jengu.ui import serve

    return serve(host=args.host, port=args.port)


def cmd_dagster_home(args: argparse.Namespace) -> int:
    from jengu.instance import open_instance

    instance = open_instance()
    print(instance.root_directory)
    instance.dispose()
    return 0


def cmd_sql(args: argparse.Namespace) -> int:
    import duckdb

    from jengu_resources.crm_store import CRMStore, fetch_dicts

    store = CRMStore()
    with store.connect(read_only=not args.write) as con:
        try:
            if args.json:
                for row in fetch_dicts(con, args.query):
                    print(json.dumps(row, ensure_ascii=False, default=str))
            else:
                con.sql(args.query).show(max_rows=args.max_rows)
        except duckdb.Error as exc:
            hint = (" (jengu sql only reads unless given --write)"
                    if not args.write and "read-only" in str(exc) else "")
            print(f"jengu sql: {exc}{hint}", file=sys.stderr)
            return BAD_INPUT
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from jengu_resources.crm_store import CRMStore

    store = CRMStore()
    applied = store.migrate()
    print(f"{store.db_path}: " + (f"applied {applied}" if applied else "up to date"))
    return 0


def cmd_unsubscribe_server(args: argparse.Namespace) -> int:
    from jengu.unsubscribe_server import MissingSecretError, serve
    from jengu_assets.sending.unsubscribe import secret_from_env
    from jengu_resources.crm_store import CRMStore

    try:
        return serve(CRMStore(), secret_from_env(), host=args.host, port=args.port)
    except MissingSecretError as exc:
        print(f"jengu unsubscribe-server: {exc}", file=sys.stderr)
        return BAD_INPUT
    except OSError as exc:
        print(f"jengu unsubscribe-server: cannot listen on {args.host}:{args.port}: {exc}",
              file=sys.stderr)
        return 1


# The commands other modules add (their ``register``). A command loads only its own module, so
# `jengu inspect-email` and `jengu analyze-site` start in a fraction of a second, without Dagster.
COMMAND_MODULES = {
    "inbox": "jengu.sending_cli",
    "emergency-stop": "jengu.sending_cli",
    "sends": "jengu.sending_cli",
    "inbound": "jengu.sending_cli",
    "inspect-email": "jengu.inspect_email",
    "repair": "jengu.integrity_cli",
    "publish-analytics": "jengu.analytics_cli",
    "doctor": "jengu.doctor",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``jengu`` parser; given the command about to run, only what that command needs."""
    parser = argparse.ArgumentParser(prog="jengu", description="Jengu operator commands.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("import-leads", help="import CSV lead lists (Sales Navigator or plain)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--json", action="store_true", help="one JSON object per file")
    p.set_defaults(func=cmd_import_leads)

    p = sub.add_parser("analyze-site", help="analyse saved pages or URLs (phones, emails, ...)")
    p.add_argument("inputs", nargs="+", metavar="PATH_OR_URL")
    p.add_argument("--json", action="store_true", help="one JSON object per input")
    p.set_defaults(func=cmd_analyze_site)

    p = sub.add_parser("demo", help="run today's partition against the loopback sandbox")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument(
        "--llm", choices=("sandbox", "offline"), default="sandbox",
        help="compose through the sandbox's LLM endpoints (real SDKs) or the offline provider",
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("ui", help="start the Dagster webserver and daemon")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=port, default=3000)
    p.set_defaults(func=cmd_ui)

    p = sub.add_parser("dagster-home", help="prepare $JENGU_HOME/dagster and print its path")
    p.set_defaults(func=cmd_dagster_home)

    p = sub.add_parser("sql", help="run one SQL query against the CRM store and print the result")
    p.add_argument("query")
    p.add_argument("--json", action="store_true", help="one JSON object per row")
    p.add_argument("--write", action="store_true",
                   help="allow statements that change the store (it is opened read-only otherwise)")
    p.add_argument("--max-rows", type=at_least(1), default=40)
    p.set_defaults(func=cmd_sql)

    p = sub.add_parser("migrate", help="apply pending CRM store migrations")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser(
        "unsubscribe-server", help="serve the https unsubscribe links (RFC 8058 one-click)"
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=listen_port, default=8025)
    p.set_defaults(func=cmd_unsubscribe_server)

    own = set(sub.choices)
    if command in own:
        modules: list[str] = []
    elif command in COMMAND_MODULES:
        modules = [COMMAND_MODULES[command]]
    else:   # `jengu --help`, or a typo argparse will name: every command
        modules = list(dict.fromkeys(COMMAND_MODULES.values()))
    for name in modules:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    args = build_parser(command).parse_args(argv)
    try:
        return args.func(args)
    except ValueError as exc:
        # Imported here: the settings table costs every command's start-up otherwise.
        from jengu_resources.settings import SettingError

        if not isinstance(exc, SettingError):
            raise
        print(f"jengu {command}: {exc}", file=sys.stderr)
        return BAD_INPUT
    except BrokenPipeError:
        # The reader went away (`jengu inspect-email *.eml --json | head`): stop quietly, as Unix
        # tools do, and keep Python from complaining again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141   # 128 + SIGPIPE, what a shell reports for a tool the pipe stopped


if __name__ == "__main__":
    sys.exit(main())
