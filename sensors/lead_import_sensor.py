"""The doorbell for CSV lead lists: one run per new file dropped into JENGU_HOME/imports."""

import json
from datetime import datetime, timezone

import dagster as dg

from jengu_assets.acquisition.csv_leads import file_sha256
from jengu_assets.acquisition.imports import CSV_SUFFIXES
from jengu_assets.jobs import lead_import_job
from jengu_resources.paths import jengu_home


def _signature(stat) -> str:
    return f"{stat.st_size}:{stat.st_mtime_ns}"


@dg.sensor(
    job=lead_import_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def lead_import_sensor(context: dg.SensorEvaluationContext):
    """Requests one ``lead_import_job`` run per new file. The run key is the file's SHA-256, so the
    same content dropped twice (even under another name) is imported once. The cursor remembers each
    file's size and mtime so that unchanged files are not hashed again on every tick."""
    folder = jengu_home().imports_dir
    if not folder.is_dir():
        return dg.SkipReason(f"import folder {folder} does not exist yet")
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    current: dict[str, str] = {}
    requests = []
    day = datetime.now(timezone.utc).date().isoformat()
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix.lower() not in CSV_SUFFIXES:
            continue
        signature = _signature(path.stat())
        current[path.name] = signature
        if seen.get(path.name) == signature:
            continue
        sha = file_sha256(path)
        requests.append(
            dg.RunRequest(
                run_key=sha,
                partition_key=day,
                run_config={"ops": {"lead_imports": {"config": {"files": [str(path)]}}}},
                tags={"jengu/import_file": path.name, "jengu/import_sha256": sha},
            )
        )
    context.update_cursor(json.dumps(current, sort_keys=True))
    if not requests:
        return dg.SkipReason(f"no new CSV file in {folder}")
    return requests
