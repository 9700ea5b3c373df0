"""Human pacing: which inbox sends which due email, and when, within one tick of the send schedule.

A person does not send at the same second every five minutes. Each inbox rests some ticks at random
(``skip_probability``), waits a random part of its minimum gap before its first send, and spaces its
sends by one to one and a half gaps. Every draw comes from one seeded ``random.Random``, so a test
(or the benchmark) sees the same day twice. The plan only places sends; the ledger claim made just
before each one is what enforces quotas and gaps for real.
"""

from __future__ import annotations

import heapq
import random
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from jengu_assets.sending.business_hours import in_business_hours
from jengu_assets.sending.inboxes import Inbox, InboxUsage

# No second email to the same address within this window, whatever the sequence says.
MIN_CONTACT_INTERVAL = timedelta(days=3)


@dataclass(frozen=True)
class PacingSettings:
    tick_seconds: float = 300.0       # the schedule's interval: a run plans no further ahead
    skip_probability: float = 0.3     # chance an inbox rests for a whole tick
    gap_spread: float = 0.5           # consecutive sends are 1 to 1 + spread minimum gaps apart


@dataclass(frozen=True)
class DueEmail:
    """A queued email that passed every check that does not depend on the moment of sending."""

    email_id: str
    prospect_id: str
    sequence_step: int
    to_email: str
    tz: ZoneInfo
    first_inbox_id: str | None = None     # follow-ups go out from the inbox that sent the first email
    last_contact_at: datetime | None = None


@dataclass(frozen=True)
class PlannedSend:
    email: DueEmail
    inbox_id: str
    at: datetime


@dataclass
class Plan:
    sends: dict[str, list[PlannedSend]] = field(default_factory=dict)   # inbox id -> its sends, in time order
    skipped: Counter = field(default_factory=Counter)                  # reason -> emails
    examples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    inboxes: dict[str, str] = field(default_factory=dict)               # inbox id -> why it sends nothing

    def skip(self, email: DueEmail | None, reason: str, count: int = 1) -> None:
        self.skipped[reason] += count
        if email is not None and len(self.examples[reason]) < 5:
            self.examples[reason].append(email.email_id)

    @property
    def planned(self) -> int:
        return sum(len(s) for s in self.sends.values())


def inbox_slots(
    inbox: Inbox, usage: InboxUsage | None, now: datetime, settings: PacingSettings,
    rng: random.Random, plan: Plan,
) -> list[datetime]:
    """The moments this inbox may send during the tick starting at ``now`` (possibly none)."""
    held = inbox.held(now)
    if held:
        plan.inboxes[inbox.id] = held
        return []
    used = usage.sent_today if usage else 0
    remaining = inbox.cap_on(now.date()) - used
    if remaining <= 0:
        plan.inboxes[inbox.id] = f"daily quota used ({used} of {inbox.cap_on(now.date())})"
        return []
    # Drawn for every inbox in the same order, so one inbox's state never shifts another's dice.
    rests = rng.random() < settings.skip_probability
    gap = timedelta(seconds=inbox.min_gap_seconds)
    first_delay = rng.uniform(0, min(inbox.min_gap_seconds, settings.tick_seconds))
    spreads = [rng.uniform(1.0, 1.0 + settings.gap_spread) for _ in range(8)]
    if rests:
        plan.inboxes[inbox.id] = "resting this tick (human pace)"
        return []
    at = now + timedelta(seconds=first_delay)
    if usage and usage.last_attempt_at:
        at = max(at, usage.last_attempt_at + gap * spreads[0])
    end = now + timedelta(seconds=settings.tick_seconds)
    slots: list[datetime] = []
    while at < end and len(slots) < remaining:
        slots.append(at)
        at += gap * spreads[len(slots) % len(spreads)] if gap else timedelta(seconds=1)
    if not slots:
        plan.inboxes[inbox.id] = "minimum gap not over before the next tick"
    return slots


def plan_tick(
    due: Sequence[DueEmail],
    inboxes: Iterable[Inbox],
    usage: Mapping[str, InboxUsage],
    now: datetime,
    settings: PacingSettings,
    rng: random.Random,
) -> Plan:
    """Assign due emails to inbox slots: follow-ups to their thread's inbox, first emails to the inbox
    with the most quota left (then the healthiest); every send inside the recipient's business hours."""
    plan = Plan()
    pool = {i.id: i for i in sorted(inboxes, key=lambda i: i.id)}
    slots = {i: deque(inbox_slots(inbox, usage.get(i), now, settings, rng, plan))
             for i, inbox in pool.items()}
    # Best first: most slots left, then health, then id (stable).
    heap = [(-len(q), -pool[i].health_score, i) for i, q in slots.items() if q]
    heapq.heapify(heap)
    end = now + timedelta(seconds=settings.tick_seconds)
    closed_zones: dict[str, bool] = {}

    def closed_all_tick(tz: ZoneInfo) -> bool:
        # Business hours last 8 h: closed at both ends of a 5-minute tick means closed throughout.
        key = str(tz)
        if key not in closed_zones:
            closed_zones[key] = not in_business_hours(now, tz) and not in_business_hours(end, tz)
        return closed_zones[key]

    ordered = sorted(due, key=lambda e: (-e.sequence_step, e.email_id))
    for index, email in enumerate(ordered):
        if closed_all_tick(email.tz):
            plan.skip(email, "outside business hours where the recipient is")
            continue
        if email.first_inbox_id is not None:
            queue = slots.get(email.first_inbox_id)
            if not queue:
                why = plan.inboxes.get(email.first_inbox_id) or "unknown inbox"
                plan.skip(email, f"the thread's inbox cannot send this tick: {why}"
                          if email.first_inbox_id in pool else "the thread's inbox no longer exists")
                continue
            _place(plan, email, email.first_inbox_id, queue)
            continue
        # Follow-ups may have emptied an inbox since it entered the heap: drop those on the way.
        while heap and not slots[heap[0][2]]:
            heapq.heappop(heap)
        if not heap:
            plan.skip(None, "no inbox slot left this tick", len(ordered) - index)
            for e in ordered[index:index + 5]:
                plan.examples["no inbox slot left this tick"].append(e.email_id)
            break
        _, health, inbox_id = heapq.heappop(heap)
        queue = slots[inbox_id]
        _place(plan, email, inbox_id, queue)
        if queue:
            heapq.heappush(heap, (-len(queue), health, inbox_id))
    for inbox_id in slots:
        if inbox_id not in plan.sends and inbox_id not in plan.inboxes:
            plan.inboxes[inbox_id] = "nothing due for it"
    return plan


def _place(plan: Plan, email: DueEmail, inbox_id: str, queue: deque) -> None:
    at = queue[0]
    if not in_business_hours(at, email.tz):
        plan.skip(email, "outside business hours where the recipient is")
        return
    if email.last_contact_at and at < email.last_contact_at + MIN_CONTACT_INTERVAL:
        plan.skip(email, "contacted in the last 3 days")
        return
    queue.popleft()
    plan.sends.setdefault(inbox_id, []).append(PlannedSend(email, inbox_id, at))
