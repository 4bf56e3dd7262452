"""Local dates: the day flips at midnight in Amsterdam, not in UTC."""

from datetime import UTC, date, datetime

import pytest

from portal.dates import local_today, weeks_postpartum


def test_local_today_uses_amsterdam_midnight():
    late_utc = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)  # 00:30 on the 28th in Amsterdam
    assert local_today(now=late_utc) == date(2026, 11, 28)
    assert local_today("UTC", now=late_utc) == date(2026, 11, 27)


@pytest.mark.parametrize(
    ("delivery", "expected"),
    [(date(2026, 11, 28), 0), (date(2026, 11, 22), 0), (date(2026, 11, 21), 1),
     (date(2026, 10, 3), 8), (None, None), (date(2026, 12, 1), None)],
)
def test_weeks_postpartum(delivery, expected):
    assert weeks_postpartum(delivery, date(2026, 11, 28)) == expected
