"""The nightly integrity/sync run: every asset check in the code location, and the analyst file
published once more (the "sync"), whatever ran during the day.

``INTEGRITY_SELECTION`` is the one place that says what the run covers.
"""

import dagster as dg

from jengu_assets.analytics.assets import analytics_warehouse

INTEGRITY_SELECTION: dg.AssetSelection = (
    dg.AssetSelection.all_asset_checks() | dg.AssetSelection.assets(analytics_warehouse)
)

integrity_job = dg.define_asset_job(
    "integrity_job",
    selection=INTEGRITY_SELECTION,
    description="Every integrity check on the CRM store (orphans, duplicates, deliveries, stage "
    "history, required fields, inbox rates, backlogs), with counts and sample ids in metadata, "
    "and the nightly refresh of the analyst file.",
    tags={"jengu/kind": "integrity"},
    # One check op per guarded asset, each a short read of the same DuckDB file: in one process
    # they run back to back instead of queueing on the file's lock after ~2 s of process start each.
    executor_def=dg.in_process_executor,
)
