"""Schedules and sensors evaluated with Dagster's test contexts over real files in a temp JENGU_HOME."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timezone

import dagster as dg

from sensors.lead_import_sensor import lead_import_sensor
from sensors.schedules import daily_pipeline_schedule


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_import_sensor_requests_one_run_per_new_file(home):
    folder = home.imports_dir
    (folder / "a.csv").write_bytes(b"Company,City\nHotel A,Berlin\n")
    (folder / "b.CSV").write_bytes(b"Company,City\nHotel B,Paris\n")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")  # not a lead list: ignored

    context = dg.build_sensor_context(cursor=None)
    requests = list(lead_import_sensor(context))
    assert sorted(r.run_key for r in requests) == sorted(
        [_sha(b"Company,City\nHotel A,Berlin\n"), _sha(b"Company,City\nHotel B,Paris\n")]
    )
    today = datetime.now(timezone.utc).date().isoformat()
    for request in requests:
        files = request.run_config["ops"]["lead_imports"]["config"]["files"]
        assert len(files) == 1 and os.path.dirname(files[0]) == str(folder)
        assert request.partition_key == today
        assert request.tags["jengu/import_sha256"] == request.run_key
    cursor = json.loads(context.cursor)
    assert set(cursor) == {"a.csv", "b.CSV"}

    # Next tick with the cursor: nothing new, a useful skip reason.
    again = dg.build_sensor_context(cursor=context.cursor)
    result = lead_import_sensor(again)
    assert isinstance(result, dg.SkipReason)
    assert "no new CSV file" in result.skip_message


def test_same_content_under_a_new_name_gets_the_same_run_key(home):
    data = b"Company,City\nHotel A,Berlin\n"
    (home.imports_dir / "a.csv").write_bytes(data)
    context = dg.build_sensor_context(cursor=None)
    first = list(lead_import_sensor(context))
    (home.imports_dir / "copy of a.csv").write_bytes(data)
    second = list(lead_import_sensor(dg.build_sensor_context(cursor=context.cursor)))
    # Dagster launches one run per run key, so the copy is not imported twice.
    assert [r.run_key for r in second] == [r.run_key for r in first] == [_sha(data)]


def test_a_changed_file_is_seen_again(home):
    path = home.imports_dir / "a.csv"
    path.write_bytes(b"Company,City\nHotel A,Berlin\n")
    context = dg.build_sensor_context(cursor=None)
    list(lead_import_sensor(context))
    path.write_bytes(b"Company,City\nHotel A,Berlin\nHotel C,Rome\n")
    requests = list(lead_import_sensor(dg.build_sensor_context(cursor=context.cursor)))
    assert [r.run_key for r in requests] == [_sha(path.read_bytes())]


def test_missing_import_folder_is_a_skip(home):
    home.imports_dir.rmdir()
    result = lead_import_sensor(dg.build_sensor_context())
    assert isinstance(result, dg.SkipReason)
    assert str(home.imports_dir) in result.skip_message


def test_daily_schedule_targets_the_day_of_the_tick():
    when = datetime(2026, 11, 20, 7, 0, tzinfo=timezone.utc)
    request = daily_pipeline_schedule(dg.build_schedule_context(scheduled_execution_time=when))
    assert request.partition_key == "2026-11-20"
    assert request.run_key == "2026-11-20"  # a repeated tick is one run
