"""The one partitions definition of the graph: days, by discovery date.

``end_offset=1`` makes today's partition exist during the day: prospects discovered this morning
belong to today, not to a partition that opens at midnight.
"""

import dagster as dg

DISCOVERY_START = "2026-01-01"

daily_partitions = dg.DailyPartitionsDefinition(start_date=DISCOVERY_START, end_offset=1)
