"""When a questionnaire is due (pure)."""

from datetime import date

import pytest

from portal.questionnaires.schedule import DEFAULT_SCHEDULE, is_due

EPDS = DEFAULT_SCHEDULE["epds"]
START = date(2026, 9, 1)
DELIVERY = date(2026, 8, 20)  # 6 weeks postpartum = 1 October


@pytest.mark.parametrize(
    ("last_on", "today", "expected"),
    [
        (None, date(2026, 9, 14), False),  # 13 days after starting
        (None, date(2026, 9, 15), True),  # 14 days after starting
        (date(2026, 9, 15), date(2026, 9, 30), False),  # done, milestone not reached yet
        (date(2026, 9, 15), date(2026, 10, 1), True),  # 6 weeks postpartum
        (date(2026, 9, 25), date(2026, 10, 1), False),  # filled within a week of the milestone
        (date(2026, 10, 1), date(2026, 10, 28), False),
        (date(2026, 10, 1), date(2026, 10, 29), True),  # every 4 weeks
    ],
)
def test_epds_schedule(last_on, today, expected):
    assert is_due(EPDS, started_on=START, delivery_date=DELIVERY, last_on=last_on,
                  today=today) is expected


def test_without_a_delivery_date_only_the_start_counts():
    assert not is_due(EPDS, started_on=START, delivery_date=None, last_on=date(2026, 9, 15),
                      today=date(2026, 10, 5))
