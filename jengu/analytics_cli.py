"""``jengu publish-analytics``: publish the analyst file now, outside Dagster (same code as
``analytics_job``), and print what was published.

    jengu publish-analytics [--target PATH] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def cmd_publish_analytics(args: argparse.Namespace) -> int:
    # Imported here: every `jengu` command builds this parser, and the publisher's imports
    # (Dagster among them) would cost each of them about two seconds.
    from jengu_assets.analytics.publish import PublishBusyError, publish
    from jengu_resources.crm_store import CRMStore, StoreBusyError

    try:
        summary = publish(CRMStore(), args.target)
    except (StoreBusyError, PublishBusyError) as exc:
        print(f"jengu publish-analytics: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return 0
    print(f"{summary['path']}: published {summary['published_at']} in {summary['seconds']} s "
          f"(CRM held {summary['crm_lock_seconds']} s), {summary['bytes'] / 1e6:.1f} MB")
    width = max(len(name) for name in summary["rows"])
    for name, rows in summary["rows"].items():
        print(f"  {name:<{width}}  {rows:>10,}")
    funnel = summary["funnel"]
    print("  funnel: " + " -> ".join(f"{step} {count:,}" for step, count in funnel.items()))
    print(f"  query it: duckdb -readonly {summary['path']}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``publish-analytics`` to the ``jengu`` parser."""
    p = sub.add_parser("publish-analytics",
                       help="publish the analyst DuckDB file now and print what it holds")
    p.add_argument("--target", type=Path, default=None,
                   help="where to publish (default: analytics.duckdb under JENGU_HOME)")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.set_defaults(func=cmd_publish_analytics)
