"""Free appointment times from opening hours: pure, in the practice's local time, DST-safe.

Opening hours are wall-clock times in Europe/Amsterdam. A day's slots are laid out in local
time (09:00, 09:50, ...) and each is turned into UTC with that day's offset, so 09:00 stays
09:00 across the changes to and from summer time. A local time that does not exist (the hour
skipped on the last Sunday of March) offers no slot; one that happens twice (the hour repeated
on the last Sunday of October) offers one, the first. Lengths are real minutes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PRACTICE_TIMEZONE = "Europe/Amsterdam"


@dataclass(frozen=True)
class Block:
    """Hours in which a kind of appointment is offered, in local wall-clock time."""

    starts_at: time
    ends_at: time
    length_minutes: int
    kind: str


@dataclass(frozen=True)
class Rules:
    """A practitioner's booking rules."""

    buffer_minutes: int = 0
    notice_hours: int = 12
    horizon_days: int = 42


@dataclass(frozen=True)
class Slot:
    """One bookable time: aware UTC start and end."""

    starts_at: datetime
    ends_at: datetime
    kind: str

    def local_start(self, timezone: str = PRACTICE_TIMEZONE) -> datetime:
        """Return the start in the practice's time."""
        return self.starts_at.astimezone(ZoneInfo(timezone))


@dataclass(frozen=True)
class Availability:
    """Weekly blocks by weekday (Monday 0), days off, part days off and extra blocks by date."""

    weekly: dict[int, list[Block]]
    days_off: frozenset[date] = frozenset()
    # Part of a day off: (day, from, to) in local time.
    hours_off: tuple[tuple[date, time, time], ...] = ()
    extra: dict[date, list[Block]] | None = None

    def blocks_on(self, day: date) -> list[Block]:
        """Return the blocks open on a local date."""
        if day in self.days_off:
            return list((self.extra or {}).get(day, []))
        return list(self.weekly.get(day.weekday(), [])) + list((self.extra or {}).get(day, []))


def to_utc(day: date, clock: time, timezone: str = PRACTICE_TIMEZONE) -> datetime | None:
    """Return the UTC moment of a local date and time; None when that local time does not exist."""
    zone = ZoneInfo(timezone)
    local = datetime.combine(day, clock, tzinfo=zone)  # fold=0: the first of a repeated hour
    moment = local.astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None  # skipped by the clock change
    return moment


def day_slots(day: date, block: Block, buffer_minutes: int = 0,
              timezone: str = PRACTICE_TIMEZONE) -> list[Slot]:
    """Lay out one block's slots on a local date: every length plus buffer, ending in time."""
    slots = []
    step = timedelta(minutes=block.length_minutes + buffer_minutes)
    length = timedelta(minutes=block.length_minutes)
    cursor = datetime.combine(day, block.starts_at)
    block_end = datetime.combine(day, block.ends_at)
    while cursor + length <= block_end:
        start = to_utc(day, cursor.time(), timezone)
        if start is not None:
            slots.append(Slot(start, start + length, block.kind))
        cursor += step
    return slots


def _overlaps(start: datetime, end: datetime, busy: Iterable[tuple[datetime, datetime]],
              buffer: timedelta) -> bool:
    return any(start < taken_end + buffer and taken_start - buffer < end
               for taken_start, taken_end in busy)


def free_slots(
    availability: Availability,
    rules: Rules,
    busy: Iterable[tuple[datetime, datetime]],
    now: datetime,
    *,
    kind: str | None = None,
    timezone: str = PRACTICE_TIMEZONE,
) -> list[Slot]:
    """Return the bookable slots from now: after the notice, within the horizon, not taken.

    `busy` holds the (start, end) of live appointments; a slot closer to one than the buffer is
    taken too. Slots come sorted by start; two blocks offering the same start give it once.
    """
    busy = list(busy)
    buffer = timedelta(minutes=rules.buffer_minutes)
    earliest = now + timedelta(hours=rules.notice_hours)
    zone = ZoneInfo(timezone)
    first_day = now.astimezone(zone).date()
    last_day = first_day + timedelta(days=rules.horizon_days)
    seen: set[datetime] = set()
    found: list[Slot] = []
    day = first_day
    while day <= last_day:
        for block in availability.blocks_on(day):
            if kind is not None and block.kind != kind:
                continue
            for slot in day_slots(day, block, rules.buffer_minutes, timezone):
                if slot.starts_at < earliest or slot.starts_at in seen:
                    continue
                if _in_hours_off(slot, availability.hours_off, zone):
                    continue
                if _overlaps(slot.starts_at, slot.ends_at, busy, buffer):
                    continue
                seen.add(slot.starts_at)
                found.append(slot)
        day += timedelta(days=1)
    return sorted(found, key=lambda slot: slot.starts_at)


def _in_hours_off(slot: Slot, hours_off, zone: ZoneInfo) -> bool:
    local_start = slot.starts_at.astimezone(zone)
    local_end = slot.ends_at.astimezone(zone)
    for day, start, end in hours_off:
        off_start = datetime.combine(day, start, tzinfo=zone)
        off_end = datetime.combine(day, end, tzinfo=zone)
        if local_start < off_end and off_start < local_end:
            return True
    return False


def working_days_ahead(today: date, count: int) -> date:
    """Return the date `count` working days (Monday to Friday) after today."""
    day = today
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day
