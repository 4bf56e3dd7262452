"""Local calendar dates: a mother logs days in her own time zone; timestamps stay in UTC."""

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Europe/Amsterdam"
# The dates a person may ask about: periods and filters reach a year or so around them, and
# stay far from year 1 and 9999, where date arithmetic overflows.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2100, 12, 31)
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class DateOutOfRange(ValueError):
    """A well-formed date outside EARLIEST_DAY..LATEST_DAY."""


def parse_day(text: str) -> date:
    """Read a yyyy-mm-dd date; raise ValueError if malformed, DateOutOfRange outside 2000-2100."""
    if not ISO_DAY.fullmatch(text):
        raise ValueError(f"not a yyyy-mm-dd date: {text[:20]!r}")
    day = date.fromisoformat(text)
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise DateOutOfRange(f"{day.isoformat()} is outside {EARLIEST_DAY.year}-{LATEST_DAY.year}")
    return day


def local_today(timezone: str | None = None, now: datetime | None = None) -> date:
    """Return today's date in the given time zone (the practice's by default)."""
    now = now or datetime.now(UTC)
    return now.astimezone(ZoneInfo(timezone or DEFAULT_TIMEZONE)).date()


def weeks_postpartum(delivery_date: date | None, today: date) -> int | None:
    """Return whole weeks since the delivery, or None when the date is unknown."""
    if delivery_date is None or delivery_date > today:
        return None
    return (today - delivery_date).days // 7
