"""Local calendar dates: a mother logs days in her own time zone; timestamps stay in UTC."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Europe/Amsterdam"


def local_today(timezone: str | None = None, now: datetime | None = None) -> date:
    """Return today's date in the given time zone (the practice's by default)."""
    now = now or datetime.now(UTC)
    return now.astimezone(ZoneInfo(timezone or DEFAULT_TIMEZONE)).date()


def weeks_postpartum(delivery_date: date | None, today: date) -> int | None:
    """Return whole weeks since the delivery, or None when the date is unknown."""
    if delivery_date is None or delivery_date > today:
        return None
    return (today - delivery_date).days // 7
