"""Sending's pure rules: business hours, the warm-up ramp, and the pacing plan. No I/O."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from jengu_assets.sending.business_hours import in_business_hours, next_opening, prospect_zone
from jengu_assets.sending.inboxes import Inbox, InboxConfigError, InboxUsage, parse_ramp, warmup_cap
from jengu_assets.sending.pacing import DueEmail, PacingSettings, plan_tick

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
# Wednesday 2026-11-18, 10:00 UTC = 11:00 in Berlin, 05:00 in New York.
WEDNESDAY = datetime(2026, 11, 18, 10, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("at, tz, expected", [
    (WEDNESDAY, BERLIN, True),                                          # 11:00 on a Wednesday
    (WEDNESDAY, NEW_YORK, False),                                       # 05:00: too early
    (datetime(2026, 11, 18, 8, 0, tzinfo=timezone.utc), BERLIN, True),  # 09:00 sharp opens
    (datetime(2026, 11, 18, 16, 0, tzinfo=timezone.utc), BERLIN, False),  # 17:00 sharp is closed
    (datetime(2026, 11, 21, 10, 0, tzinfo=timezone.utc), BERLIN, False),  # Saturday
    (datetime(2026, 11, 23, 14, 30, tzinfo=timezone.utc), NEW_YORK, True),  # Monday 09:30 in NY
])
def test_business_hours(at, tz, expected):
    assert in_business_hours(at, tz) is expected


def test_next_opening_skips_the_weekend():
    friday_evening = datetime(2026, 11, 20, 17, 30, tzinfo=BERLIN)
    assert next_opening(friday_evening, BERLIN) == datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)


@pytest.mark.parametrize("stored, country, region, city, expected", [
    ("Europe/Vienna", "AT", None, None, "Europe/Vienna"),   # the stored zone wins
    (None, "US", "California", None, "America/Los_Angeles"),  # derived from the state
    ("Not/AZone", "FR", None, None, "Europe/Paris"),         # a broken stored zone falls back
    (None, None, None, None, None),                          # unknown: never guessed
])
def test_prospect_zone(stored, country, region, city, expected):
    found = prospect_zone(stored, country, region, city)
    assert (str(found) if found else None) == expected


@pytest.mark.parametrize("day_offset, expected", [
    (-1, 0),    # warm-up has not started
    (0, 5), (6, 5),      # week 1
    (7, 10), (14, 15), (21, 18),
    (28, 20), (400, 20),  # warm: the ramp's last value, within the cap
])
def test_warmup_ramp(day_offset, expected):
    start = date(2026, 11, 1)
    assert warmup_cap(start + timedelta(days=day_offset), start, parse_ramp("5,10,15,18,20"), 20) == expected


def test_ramp_is_capped_and_validated():
    assert warmup_cap(date(2026, 12, 30), date(2026, 11, 1), (5, 10, 40), 25) == 25
    assert warmup_cap(date(2026, 12, 30), None, (5,), 12) == 12   # no warm-up date: warm
    with pytest.raises(InboxConfigError):
        parse_ramp("5,ten")
    with pytest.raises(InboxConfigError):
        parse_ramp("5,0")


def _inbox(n: int, **kw) -> Inbox:
    return Inbox(id=f"in{n}", email=f"sender{n}@jengu.example", display_name=None,
                 smtp_host="127.0.0.1", smtp_port=25, tls_mode="none", username="", password_env="",
                 min_gap_seconds=kw.pop("gap", 60), **kw)


def _due(n: int, tz=BERLIN, **kw) -> DueEmail:
    return DueEmail(email_id=f"e{n}", prospect_id=f"p{n}", sequence_step=kw.pop("step", 1),
                    to_email=f"guest{n}@hotel.example", tz=tz, **kw)


NO_SKIP = PacingSettings(skip_probability=0.0)


def test_plan_respects_gap_quota_and_tick():
    inboxes = [_inbox(1, gap=60), _inbox(2, gap=60, daily_cap=2)]
    usage = {"in2": InboxUsage(sent_today=1)}
    plan = plan_tick([_due(i) for i in range(20)], inboxes, usage, WEDNESDAY, NO_SKIP, random.Random(1))
    assert len(plan.sends["in2"]) == 1                        # one left of its cap of 2
    times = [s.at for s in plan.sends["in1"]]
    assert all(b - a >= timedelta(seconds=60) for a, b in zip(times, times[1:]))
    assert all(WEDNESDAY <= t < WEDNESDAY + timedelta(minutes=5) for t in times)
    sent = {s.email.email_id for sends in plan.sends.values() for s in sends}
    assert len(sent) == plan.planned                            # no email planned twice
    assert plan.skipped["no inbox slot left this tick"] == 20 - plan.planned


def test_plan_keeps_business_hours_and_threads():
    inboxes = [_inbox(1), _inbox(2)]
    due = [_due(1, tz=NEW_YORK), _due(2, step=2, first_inbox_id="in2"), _due(3)]
    plan = plan_tick(due, inboxes, {}, WEDNESDAY, NO_SKIP, random.Random(3))
    assert plan.skipped["outside business hours where the recipient is"] == 1
    assert [s.email.email_id for s in plan.sends["in2"]][0] == "e2"   # the follow-up's own inbox


def test_plan_honours_three_days_since_last_contact():
    recent = _due(1, last_contact_at=WEDNESDAY - timedelta(days=2))
    old = _due(2, last_contact_at=WEDNESDAY - timedelta(days=4))
    plan = plan_tick([recent, old], [_inbox(1)], {}, WEDNESDAY, NO_SKIP, random.Random(0))
    assert plan.skipped["contacted in the last 3 days"] == 1
    assert [s.email.email_id for s in plan.sends["in1"]] == ["e2"]


def test_plan_skips_paused_backing_off_and_spent_inboxes():
    inboxes = [_inbox(1, paused=True, pause_reason="bounce rate"),
               _inbox(2, backoff_until=WEDNESDAY + timedelta(minutes=10)),
               _inbox(3, daily_cap=3)]
    plan = plan_tick([_due(1)], inboxes, {"in3": InboxUsage(sent_today=3)}, WEDNESDAY, NO_SKIP,
                     random.Random(0))
    assert plan.planned == 0
    assert plan.inboxes["in1"].startswith("paused")
    assert plan.inboxes["in2"].startswith("backing off")
    assert plan.inboxes["in3"].startswith("daily quota used")


def test_plan_is_seeded_and_rests_some_ticks():
    inboxes = [_inbox(i) for i in range(200)]
    due = [_due(i) for i in range(200)]
    settings = PacingSettings(skip_probability=0.3)
    a = plan_tick(due, inboxes, {}, WEDNESDAY, settings, random.Random(42))
    b = plan_tick(due, inboxes, {}, WEDNESDAY, settings, random.Random(42))
    assert [(s.inbox_id, s.at) for v in a.sends.values() for s in v] == \
           [(s.inbox_id, s.at) for v in b.sends.values() for s in v]
    resting = sum(1 for why in a.inboxes.values() if why.startswith("resting"))
    assert 40 <= resting <= 80      # ~30% of 200
