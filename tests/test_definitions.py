"""The code location as Dagster loads it: the Definitions object, and the real
`dagster definitions validate` CLI over workspace.yaml (a subprocess)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg

REPO = Path(__file__).resolve().parent.parent


def test_definitions_load_with_everything_wired():
    from jengu_assets.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {"job_postings", "lead_imports", "prospects", "sent_emails"} <= keys
    for name in ("daily_pipeline_job", "lead_import_job", "send_job"):
        assert defs.resolve_job_def(name)
    assert defs.resolve_schedule_def("daily_pipeline_schedule")
    assert defs.resolve_schedule_def("send_schedule").cron_schedule == "*/5 * * * *"
    # The run queue's one-sending-run limit applies by tag: the send job must carry it.
    assert defs.resolve_job_def("send_job").tags["jengu/sending"] == "true"
    assert defs.resolve_job_def("reply_processing_job").tags["jengu/replies"] == "true"
    for sensor in ("reply_polling_sensor", "notification_sensor"):
        assert defs.resolve_sensor_def(sensor)
    assert defs.resolve_sensor_def("lead_import_sensor")
    assert defs.resolve_job_def("daily_pipeline_job").partitions_def is not None
    dg.Definitions.validate_loadable(defs)


def test_dagster_cli_validates_the_workspace(home):
    from jengu.instance import prepare_dagster_home

    prepare_dagster_home(home)
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-w",
         str(REPO / "workspace.yaml")],
        cwd=REPO, capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "jengu" in proc.stdout + proc.stderr


def test_embedded_instance_config(home):
    from jengu.instance import open_instance
    from jengu_assets.pools import POOL_LIMITS

    instance = open_instance(home)
    try:
        assert Path(instance.root_directory) == home.dagster_home
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert not instance.telemetry_enabled
        limits = instance.get_concurrency_config().run_queue_config.tag_concurrency_limits
        assert {"key": "jengu/sending", "value": "true", "limit": 1} in limits
        for pool, limit in POOL_LIMITS.items():
            assert instance.event_log_storage.get_concurrency_info(pool).slot_count == limit
        assert "sqlite" in type(instance.run_storage).__name__.lower()
    finally:
        instance.dispose()
