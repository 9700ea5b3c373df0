"""Jobs over the asset graph: what the schedules and sensors launch."""

import dagster as dg

from jengu_assets.acquisition.assets import GROUP as ACQUISITION
from jengu_assets.acquisition.assets import lead_imports, prospects

# Partitioning is inferred from the assets; the run tag lets dagster.yaml queue these runs apart.
daily_pipeline_job = dg.define_asset_job(
    "daily_pipeline_job",
    selection=dg.AssetSelection.groups(ACQUISITION),
    description="Today's partition of the graph: postings, CSV imports, prospects.",
    tags={"jengu/kind": "pipeline"},
)

lead_import_job = dg.define_asset_job(
    "lead_import_job",
    selection=dg.AssetSelection.assets(lead_imports, prospects),
    description="Import one CSV lead file and admit its rows as prospects.",
    tags={"jengu/kind": "import"},
)
