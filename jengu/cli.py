"""The ``jengu`` command: operator commands around the Dagster code location.

    jengu import-leads PATH [PATH ...] [--json]   import CSV lead lists into the CRM store
    jengu analyze-site PATH_OR_URL ... [--json]   analyse saved pages or URLs
    jengu demo [--json]                           run today's partition against the sandbox
    jengu ui [--port N]                           Dagster webserver + daemon on 127.0.0.1
    jengu sql "SELECT ..." [--json]               query the CRM store
    jengu dagster-home                            prepare $JENGU_HOME/dagster and print it
    jengu migrate                                 apply pending CRM migrations
    jengu unsubscribe-server [--port N]           serve the unsubscribe links until Ctrl-C
    jengu inbox add|list|pause|resume ...         manage the inbox pool (jengu inbox list: quotas)
    jengu emergency-stop on|off|status            stop every send at once
    jengu sends review | resolve MESSAGE_ID ...   sends whose delivery is unknown
    jengu inspect-email PATH [PATH ...] [--json]  what each raw email is (bounce, auto-reply, reply...)
    jengu inbound review [--json]                 inbound mail kept for a person (unmatched, failed)
    jengu repair [--apply] [--only KIND] [--json] delete orphans, merge duplicates, reset stuck stages
    jengu publish-analytics [--json]              publish the analyst file (analytics.duckdb) now
    jengu doctor [--json] [--timeout S]           check store, instance, inbox logins, keys, disk

Exit status: 0 on success, 1 on an unexpected failure, 2 on bad input (unreadable file, bad usage).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime, timezone

BAD_INPUT = 2


def _today():
    return datetime.now(timezone.utc).date()


def cmd_import_leads(args: argparse.Namespace) -> int:
    from jengu_assets.acquisition.csv_leads import LeadFileError
    from jengu_assets.acquisition.imports import import_lead_file
    from jengu_resources.crm_store import CRMStore

    store = CRMStore()
    status = 0
    for path in args.paths:
        try:
            report = import_lead_file(store, path, imported_on=_today(), actor="cli:import-leads")
        except LeadFileError as exc:
            print(f"jengu import-leads: {exc}", file=sys.stderr)
            if args.json:
                print(json.dumps({"file": str(path), "error": str(exc)}, ensure_ascii=False))
            status = BAD_INPUT
            continue
        if args.json:
            print(json.dumps(report, ensure_ascii=False))
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
    from jengu_assets.enrichment.site_analysis import analyze_file, analyze_html
    from jengu_resources.definitions import fetcher_from_env
    from jengu_resources.fetcher import FetchError

    fetcher = None
    status = 0
    for item in args.inputs:
        if item.lower().startswith(("http://", "https://")):
            fetcher = fetcher or fetcher_from_env()
            try:
                page = fetcher.fetch_sync(item)
                # .text, not .body: it honours the charset in the Content-Type header.
                report = analyze_html(page.text, page.final_url).to_json(item)
            except FetchError as exc:
                report = {"input": item, "error": str(exc)}
        else:
            report = analyze_file(item)
        if "error" in report:
            status = BAD_INPUT
        if args.json:
            print(json.dumps(report, ensure_ascii=False), flush=True)
        else:
            _print_site(report)
    return status


def _print_site(report: dict) -> None:
    print(report["input"])
    if "error" in report:
        print(f"  error: {report['error']}")
        return
    for key in ("url", "title", "language", "cms", "booking_engine", "phones", "emails", "social"):
        if report.get(key):
            print(f"  {key}: {report[key]}")
    if report.get("schema_org"):
        print(f"  schema_org: {json.dumps(report['schema_org'], ensure_ascii=False)}")


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
    with store.connect() as con:
        try:
            if args.json:
                for row in fetch_dicts(con, args.query):
                    print(json.dumps(row, ensure_ascii=False, default=str))
            else:
                con.sql(args.query).show(max_rows=args.max_rows)
        except duckdb.Error as exc:
            print(f"jengu sql: {exc}", file=sys.stderr)
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


def build_parser() -> argparse.ArgumentParser:
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
    p.add_argument("--port", type=int, default=3000)
    p.set_defaults(func=cmd_ui)

    p = sub.add_parser("dagster-home", help="prepare $JENGU_HOME/dagster and print its path")
    p.set_defaults(func=cmd_dagster_home)

    p = sub.add_parser("sql", help="run one SQL query against the CRM store and print the result")
    p.add_argument("query")
    p.add_argument("--json", action="store_true", help="one JSON object per row")
    p.add_argument("--max-rows", type=int, default=40)
    p.set_defaults(func=cmd_sql)

    p = sub.add_parser("migrate", help="apply pending CRM store migrations")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser(
        "unsubscribe-server", help="serve the https unsubscribe links (RFC 8058 one-click)"
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8025)
    p.set_defaults(func=cmd_unsubscribe_server)

    from jengu import analytics_cli, doctor, inspect_email, integrity_cli, sending_cli

    sending_cli.register(sub)
    inspect_email.register(sub)
    integrity_cli.register(sub)
    analytics_cli.register(sub)
    doctor.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
