"""When a prospect may receive mail: 09:00-17:00, Monday to Friday, in the prospect's own time zone.

The zone comes from the prospect row (set at admission from its location); when it is missing it is
derived again from country, region and city. A prospect whose zone cannot be told is not mailed:
guessing a zone is how a 03:00 email happens.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jengu_assets.acquisition.rules import timezone_for

OPENS = time(9, 0)
CLOSES = time(17, 0)
WORKDAYS = frozenset(range(5))  # Monday .. Friday


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def prospect_zone(
    timezone: str | None, country: str | None, region: str | None = None, city: str | None = None
) -> ZoneInfo | None:
    """The prospect's zone: its stored one, else derived from its location; None when unknown."""
    if timezone and (found := zone(timezone)):
        return found
    derived = timezone_for(country, region, city)
    return zone(derived) if derived else None


def in_business_hours(at: datetime, tz: ZoneInfo) -> bool:
    """Whether ``at`` (timezone-aware) is inside 09:00-17:00 Mon-Fri where the recipient is.

    17:00 itself is outside: the day is over when the clock strikes five.
    """
    local = at.astimezone(tz)
    return local.weekday() in WORKDAYS and OPENS <= local.time() < CLOSES


def next_opening(at: datetime, tz: ZoneInfo) -> datetime:
    """The first moment at or after ``at`` inside business hours in ``tz`` (for skip reasons)."""
    local = at.astimezone(tz)
    for days in range(8):
        day = (local + timedelta(days=days)).date()
        if day.weekday() not in WORKDAYS:
            continue
        opens = datetime.combine(day, OPENS, tzinfo=tz)
        closes = datetime.combine(day, CLOSES, tzinfo=tz)
        if local < closes:
            return max(local, opens)
    raise AssertionError("a week always has a working day")  # pragma: no cover
