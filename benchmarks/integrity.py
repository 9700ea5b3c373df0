"""The nightly integrity checks and the analytics publish on a big store, printed as one JSON object.

    .venv/bin/python benchmarks/integrity.py [--prospects 1000000] [--seed 7] [--keep PATH]

A child process writes the store (``benchmarks/integrity_store.py``: N prospects, about 3 N emails,
ledger rows and attempts, 0.3 N replies with their inbound messages, research reports, the stage
history, suppressions, inboxes), runs every check on it while it is still clean (every count must
be 0, else the benchmark stops), then injects a known number of faults of every kind. This process
then times ``find_all`` (every check, one connection), compares what it found with what was
injected, and times a publish of the analytics file (``jengu_assets/analytics/publish.py``; null
when that module is absent). Building the store in a child keeps its memory out of the peak RSS
reported here, which is the checks' and the publish's. Targets: checks under 10 s, publish under
30 s, peak RSS under 2 GiB. ``--keep PATH`` leaves the CRM file at PATH (and the analytics file
beside it) for a look afterwards.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.integrity_store import EXPECTED_NOTES, MIN_PROSPECTS  # noqa: E402
from jengu_assets.integrity.findings import find_all  # noqa: E402
from jengu_resources.crm_store import CRMStore  # noqa: E402

TARGETS = {"checks_seconds": 10.0, "publish_seconds": 30.0, "peak_rss_mb": 2048.0}


def build_store(path: Path, prospects: int, seed: int) -> dict:
    """Build, check clean, inject, in a child process; its JSON report."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "integrity_store.py"), str(path),
         "--prospects", str(prospects), "--seed", str(seed), "--faults", "--check-clean"],
        cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"building the store failed:\n{done.stderr[-4000:]}")
    report = json.loads(done.stdout)
    report["wall_seconds"] = round(time.monotonic() - started, 1)
    return report


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def time_publish(store: CRMStore, target: Path, now: datetime) -> tuple[float | None, dict | None]:
    if importlib.util.find_spec("jengu_assets.analytics.publish") is None:
        return None, None
    from jengu_assets.analytics.publish import publish

    started = time.monotonic()
    summary = publish(store, target, now=now)
    return time.monotonic() - started, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prospects", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, metavar="PATH",
                        help="write the CRM file here and keep it (must not exist yet)")
    args = parser.parse_args()
    if args.prospects < MIN_PROSPECTS:
        parser.error(f"--prospects must be at least {MIN_PROSPECTS}")
    if args.keep and args.keep.exists():
        parser.error(f"--keep {args.keep}: the file exists already; remove it or choose another path")
    work = Path(tempfile.mkdtemp(prefix="jengu-integrity-"))
    path = args.keep or work / "crm.duckdb"
    try:
        summary = run(path, work if not args.keep else path.parent, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(summary, indent=2))


def run(path: Path, out_dir: Path, args: argparse.Namespace) -> dict:
    built = build_store(path, args.prospects, args.seed)
    now = datetime.fromisoformat(built["now"])
    store = CRMStore(path=str(path))

    load_before = os.getloadavg()[0]
    started, cpu = time.monotonic(), _cpu_seconds()
    with store.connect() as con:
        found = {kind: f.count for kind, f in find_all(con, now=now).items()}
    checks_seconds, checks_cpu = time.monotonic() - started, _cpu_seconds() - cpu

    analytics = out_dir / f"{path.stem}-analytics.duckdb"
    cpu = _cpu_seconds()
    publish_seconds, published = time_publish(store, analytics, now)
    publish_cpu = _cpu_seconds() - cpu
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    injected = built["injected"]
    mismatches = {k: {"found": found.get(k), "injected": injected.get(k)}
                  for k in sorted(set(found) | set(injected)) if found.get(k) != injected.get(k)}
    passed = {
        "faults_match": not mismatches,
        "checks_under_10_s": checks_seconds < TARGETS["checks_seconds"],
        "publish_under_30_s": None if publish_seconds is None
        else publish_seconds < TARGETS["publish_seconds"],
        "rss_under_2_gib": peak_rss_mb < TARGETS["peak_rss_mb"],
    }
    return {
        "prospects": args.prospects,
        "seed": args.seed,
        "sizes": built["sizes"],
        "build_seconds": built["seconds"],
        "builder_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "clean_store_findings": built["clean_findings"],
        # Wall-clock time is what the targets judge; CPU time (all of DuckDB's threads) and the
        # load average say how much of it was waiting for a shared machine's cores.
        "load_average_1min": round(load_before, 2),
        "cpu_count": os.cpu_count(),
        "checks_seconds": round(checks_seconds, 2),
        "checks_cpu_seconds": round(checks_cpu, 2),
        "found": found,
        "injected": injected,
        "injected_notes": EXPECTED_NOTES,
        "mismatches": mismatches,
        "all_faults_found": not mismatches,
        "publish_seconds": None if publish_seconds is None else round(publish_seconds, 2),
        "publish_cpu_seconds": None if publish_seconds is None else round(publish_cpu, 2),
        "published_bytes": published.get("bytes") if published else None,
        "peak_rss_mb": round(peak_rss_mb, 1),
        "targets": TARGETS,
        "pass": passed,
        "all_pass": all(v is not False for v in passed.values()),
        "kept": str(path) if args.keep else None,
        "now": built["now"],   # the moment the store was generated for and judged at
    }


if __name__ == "__main__":
    main()
