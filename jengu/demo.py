"""``jengu demo``: today's partition of the whole graph, run against the sandbox, then a summary.

The run goes through the real Dagster instance under JENGU_HOME, so it shows up in the UI
afterwards, and through the same clients production uses, pointed at loopback servers.
Running it twice on the same day changes nothing: the same prospects, no duplicates.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

from jengu.instance import open_instance
from jengu_resources.crm_store import CRMStore
from jengu_resources.paths import jengu_home

DEMO_JOB = "daily_pipeline_job"
SAMPLE_CSV_NAME = "sample_sales_navigator_export.csv"

EXAMPLE_SQL = (
    "SELECT country, tier, count(*) AS prospects, count(email) AS with_email "
    "FROM prospects GROUP BY ALL ORDER BY prospects DESC;"
)


def run_demo() -> dict[str, Any]:
    from sandbox.sample_data import sample_leads_csv
    from sandbox.world import sandbox_env

    started = time.monotonic()
    home = jengu_home().ensure()
    day = datetime.now(timezone.utc).date()
    sample = home.imports_dir / SAMPLE_CSV_NAME
    if not sample.exists():
        sample.write_text(sample_leads_csv(), encoding="utf-8")

    instance = open_instance(home)
    try:
        with sandbox_env(day=day) as box:
            # Imported only now: resource wiring reads which env vars are set.
            from jengu_assets.definitions import defs

            job = defs.resolve_job_def(DEMO_JOB)
            result = job.execute_in_process(
                partition_key=day.isoformat(),
                instance=instance,
                # Step-by-step events stay in the instance (and the UI); the terminal gets warnings.
                run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
                raise_on_error=True,
            )
            requests = box.job_board.request_count
    finally:
        instance.dispose()

    store = CRMStore()
    stages = {
        row["stage"]: row["n"]
        for row in store.query("SELECT stage, count(*) AS n FROM prospects GROUP BY 1 ORDER BY 1")
    }
    today = store.query(
        "SELECT source, count(*) AS n FROM prospects WHERE discovered_on = ? GROUP BY 1 ORDER BY 1",
        [day],
    )
    postings = store.query(
        "SELECT status, count(*) AS n FROM job_postings WHERE discovered_on = ? GROUP BY 1 ORDER BY 1",
        [day],
    )
    import_rows = store.query(
        "SELECT status, count(*) AS n FROM import_rows WHERE imported_on = ? GROUP BY 1 ORDER BY 1",
        [day],
    )
    return {
        "partition": day.isoformat(),
        "run_id": result.run_id,
        "prospects": sum(stages.values()),
        "stages": stages,
        "prospects_today_by_source": {row["source"]: row["n"] for row in today},
        "job_postings_today": {row["status"]: row["n"] for row in postings},
        "import_rows_today": {row["status"]: row["n"] for row in import_rows},
        "sandbox_requests": requests,
        "crm_path": str(store.db_path),
        "dagster_home": str(home.dagster_home),
        "example_sql": EXAMPLE_SQL,
        "ui": "make ui  (then open http://127.0.0.1:3000)",
        "seconds": round(time.monotonic() - started, 1),
    }


def print_summary(summary: dict[str, Any]) -> None:
    width = max(len(stage) for stage in summary["stages"]) if summary["stages"] else 5
    print(f"\nJengu demo: partition {summary['partition']} (run {summary['run_id']})")
    print(f"  job postings today: {_fmt(summary['job_postings_today'])}")
    print(f"  CSV rows today:     {_fmt(summary['import_rows_today'])}")
    print(f"\nProspects in the CRM: {summary['prospects']}")
    for stage, count in summary["stages"].items():
        print(f"  {stage:<{width}}  {count}")
    print(f"\nCRM store (DuckDB): {summary['crm_path']}")
    print("Query it:")
    print(f"  .venv/bin/jengu sql \"{summary['example_sql']}\"")
    print("  or in Python: duckdb.connect(PATH, read_only=True).sql(QUERY).pl()")
    print("  (a connection you keep open locks the file: close it before the next run)")
    print(f"Dagster UI: {summary['ui']}  (the run above is in its Runs tab)")
    print(f"Done in {summary['seconds']} s.")


def _fmt(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "none"
