"""The behavioural score (0-100) a human reply gives its prospect.

Three signals, weighted by how much each says about buying intent: what the reply asks for (a
meeting says most), how fast it came after our email (an answer within the hour is keen), and
whether it was written in the recipient's working hours (a reply from the office is business; one
at midnight may be politeness). The LLM's confidence scales the intent part: a guess counts less.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from jengu_assets.sending.business_hours import in_business_hours

INTENT_STRENGTH = {
    "meeting_request": 1.0,
    "interested": 0.85,
    "needs_more_info": 0.6,
    "delegated": 0.5,
    "not_interested": 0.1,
    "unsubscribe": 0.0,
}
WEIGHTS = {"intent": 0.6, "speed": 0.25, "timing": 0.15}


def speed_signal(sent_at: datetime | None, replied_at: datetime | None) -> float:
    if sent_at is None or replied_at is None:
        return 0.5
    delay = replied_at - sent_at
    if delay <= timedelta(hours=1):
        return 1.0
    if delay <= timedelta(hours=24):
        return 0.8
    if delay <= timedelta(hours=72):
        return 0.5
    return 0.3


def timing_signal(replied_at: datetime | None, tz: ZoneInfo | None) -> float:
    if replied_at is None or tz is None:
        return 0.8
    return 1.0 if in_business_hours(replied_at, tz) else 0.6


def behaviour_score(intent: str | None, confidence: float | None, *, sent_at: datetime | None,
                    replied_at: datetime | None, tz: ZoneInfo | None) -> int:
    strength = INTENT_STRENGTH.get(intent or "", 0.3) * max(0.0, min(1.0, confidence or 0.0))
    value = (WEIGHTS["intent"] * strength + WEIGHTS["speed"] * speed_signal(sent_at, replied_at)
             + WEIGHTS["timing"] * timing_signal(replied_at, tz))
    return max(0, min(100, round(100 * value)))
