"""Operator command for the repairs (``jengu_assets/integrity/repair.py``).

    jengu repair [--apply] [--only orphans|duplicates|stuck ...] [--json]

A dry run unless ``--apply``: it prints what each repair would do, as a table (or one JSON object
with every id), and changes nothing. With ``--apply`` each repair runs in its own transaction and
the output says what it did. Running it again after an apply finds nothing more to do.
"""

from __future__ import annotations

import argparse
import getpass
import json
from datetime import UTC, datetime

from jengu_assets.integrity.repair import REPAIRS, Plan, run_repairs
from jengu_resources.crm_store import CRMStore

ID_SAMPLE = 3


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no passwd entry in some containers
        return "cli"


def cmd_repair(args: argparse.Namespace) -> int:
    store = CRMStore()
    plans = run_repairs(store, apply=args.apply, only=args.only or REPAIRS,
                        now=datetime.now(UTC), by=_actor())
    if args.json:
        print(json.dumps({"applied": args.apply, "store": str(store.db_path),
                          "repairs": [p.as_dict() for p in plans]}, ensure_ascii=False))
    else:
        print_plans(plans, applied=args.apply)
    return 0


def print_plans(plans: list[Plan], *, applied: bool) -> None:
    rows = [{"repair": p.repair, "action": s.action, "table": s.target, "rows": str(s.rows),
             "ids": ", ".join(s.ids[:ID_SAMPLE]) + (f" (+{len(s.ids) - ID_SAMPLE})"
                                                   if len(s.ids) > ID_SAMPLE else ""),
             "reason": s.reason} for p in plans for s in p.steps]
    if rows:
        columns = ["repair", "action", "table", "rows", "ids", "reason"]
        widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in columns[:-1]}
        print("  ".join(c.ljust(widths.get(c, 0)) for c in columns).rstrip())
        for row in rows:
            print("  ".join(row[c].ljust(widths.get(c, 0)) for c in columns).rstrip())
    for plan in plans:
        if not plan.steps:
            print(f"{plan.repair}: nothing to repair")
    changes = sum(p.changes for p in plans)
    left = sum(p.left for p in plans)
    if applied:
        print(f"applied: {changes} change(s); {left} left for a person")
    else:
        print(f"dry run: {changes} change(s) would be made, {left} left for a person; "
              "nothing was changed (jengu repair --apply to make them)")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``jengu repair`` to the ``jengu`` parser."""
    p = sub.add_parser("repair", help="delete orphans, merge duplicates, reset stuck stages "
                       "(a dry run unless --apply)")
    p.add_argument("--apply", action="store_true", help="make the changes (default: only show them)")
    p.add_argument("--only", action="append", choices=REPAIRS,
                   help="run only this repair (repeatable; default: all three)")
    p.add_argument("--json", action="store_true", help="print the plans as one JSON object")
    p.set_defaults(func=cmd_repair)
