"""Free times from opening hours (pure): notice, horizon, buffer, exceptions, and summer time.

2026's clock changes in Europe/Amsterdam: Sunday 29 March 02:00 CET becomes 03:00 CEST (the
hour 02:00-03:00 never happens); Sunday 25 October 03:00 CEST becomes 02:00 CET (it happens
twice).
"""

from datetime import UTC, date, datetime, time, timedelta

from portal.appointments.slots import (
    Availability,
    Block,
    Rules,
    day_slots,
    free_slots,
    to_utc,
    working_days_ahead,
)

SUNDAY = 6
MORNING = Block(time(9, 0), time(12, 0), 50, "practice")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def starts(slots) -> list[str]:
    return [slot.local_start().strftime("%Y-%m-%d %H:%M") for slot in slots]


def test_nine_o_clock_stays_nine_o_clock_across_the_march_change():
    every_day = Availability(weekly={day: [Block(time(9), time(10), 60, "video")]
                                     for day in range(7)})
    slots = free_slots(every_day, Rules(notice_hours=0, horizon_days=2), [],
                       now=utc(2026, 3, 28, 0, 0))
    assert [slot.starts_at for slot in slots] == [
        utc(2026, 3, 28, 8, 0),  # Saturday: CET, UTC+1
        utc(2026, 3, 29, 7, 0),  # the last Sunday of March: CEST, UTC+2
        utc(2026, 3, 30, 7, 0),
    ]
    assert starts(slots) == ["2026-03-28 09:00", "2026-03-29 09:00", "2026-03-30 09:00"]


def test_nine_o_clock_stays_nine_o_clock_across_the_october_change():
    every_day = Availability(weekly={day: [Block(time(9), time(10), 60, "video")]
                                     for day in range(7)})
    slots = free_slots(every_day, Rules(notice_hours=0, horizon_days=2), [],
                       now=utc(2026, 10, 24, 0, 0))
    assert [slot.starts_at for slot in slots] == [
        utc(2026, 10, 24, 7, 0),  # Saturday: CEST
        utc(2026, 10, 25, 8, 0),  # the last Sunday of October: CET again
        utc(2026, 10, 26, 8, 0),
    ]


def test_the_skipped_hour_of_march_offers_no_slot_and_lengths_stay_real():
    night = Block(time(1, 0), time(4, 0), 60, "phone")
    slots = day_slots(date(2026, 3, 29), night)
    # 02:00 does not exist that night; 01:00 lasts a real hour (to 03:00 on the clock).
    assert starts(slots) == ["2026-03-29 01:00", "2026-03-29 03:00"]
    assert all(slot.ends_at - slot.starts_at == timedelta(hours=1) for slot in slots)
    assert to_utc(date(2026, 3, 29), time(2, 30)) is None


def test_the_repeated_hour_of_october_offers_its_slot_once():
    night = Block(time(1, 0), time(4, 0), 60, "phone")
    slots = day_slots(date(2026, 10, 25), night)
    assert [slot.starts_at for slot in slots] == [
        utc(2026, 10, 24, 23, 0),  # 01:00 CEST
        utc(2026, 10, 25, 0, 0),  # 02:00 CEST, the first of the two
        utc(2026, 10, 25, 2, 0),  # 03:00 CET
    ]
    assert len({slot.starts_at for slot in slots}) == 3


def test_notice_and_horizon_bound_the_offer():
    weekdays = Availability(weekly={day: [MORNING] for day in range(5)})
    now = utc(2026, 12, 7, 8, 0)  # Monday 09:00 local
    slots = free_slots(weekdays, Rules(notice_hours=12, horizon_days=42), [], now=now)
    assert slots[0].starts_at >= now + timedelta(hours=12)
    assert starts(slots)[0] == "2026-12-08 09:00"  # nothing today: inside the notice
    assert slots[-1].local_start().date() <= date(2027, 1, 18)
    assert max(slot.starts_at for slot in slots) < now + timedelta(days=43)


def test_buffer_spaces_slots_and_keeps_them_clear_of_appointments():
    monday = Availability(weekly={0: [Block(time(9), time(12), 50, "practice")]})
    rules = Rules(buffer_minutes=10, notice_hours=0, horizon_days=0)
    now = utc(2026, 12, 7, 0, 0)
    assert starts(free_slots(monday, rules, [], now=now)) == [
        "2026-12-07 09:00", "2026-12-07 10:00", "2026-12-07 11:00"]
    # Someone booked 09:55-10:25 by hand: 09:00 ends too close and 10:00 overlaps.
    busy = [(utc(2026, 12, 7, 8, 55), utc(2026, 12, 7, 9, 25))]
    assert starts(free_slots(monday, rules, busy, now=now)) == ["2026-12-07 11:00"]


def test_a_taken_slot_is_not_offered_and_is_again_once_freed():
    monday = Availability(weekly={0: [MORNING]})
    rules = Rules(notice_hours=0, horizon_days=0)
    now = utc(2026, 12, 7, 0, 0)
    taken = [(utc(2026, 12, 7, 8, 0), utc(2026, 12, 7, 8, 50))]
    assert "2026-12-07 09:00" not in starts(free_slots(monday, rules, taken, now=now))
    assert "2026-12-07 09:00" in starts(free_slots(monday, rules, [], now=now))


def test_days_off_hours_off_and_extra_hours():
    weekdays = {day: [MORNING] for day in range(5)}
    extra = Block(time(19), time(20), 60, "video")
    availability = Availability(
        weekly=weekdays,
        days_off=frozenset({date(2026, 12, 25)}),
        hours_off=((date(2026, 12, 24), time(9), time(10)),),
        extra={date(2026, 12, 26): [extra]},  # a Saturday
    )
    slots = free_slots(availability, Rules(notice_hours=0, horizon_days=3), [],
                       now=utc(2026, 12, 24, 0, 0))
    assert starts(slots) == ["2026-12-24 10:40", "2026-12-26 19:00"]


def test_kind_filter_and_no_duplicate_starts():
    monday = Availability(weekly={0: [MORNING, Block(time(9), time(10), 30, "phone")]})
    rules = Rules(notice_hours=0, horizon_days=0)
    now = utc(2026, 12, 7, 0, 0)
    phone = free_slots(monday, rules, [], now=now, kind="phone")
    assert starts(phone) == ["2026-12-07 09:00", "2026-12-07 09:30"]
    assert len(free_slots(monday, rules, [], now=now)) == len(
        {s.starts_at for s in free_slots(monday, rules, [], now=now)})


def test_working_days_skip_the_weekend():
    friday = date(2026, 12, 11)
    assert working_days_ahead(friday, 2) == date(2026, 12, 15)
    assert working_days_ahead(date(2026, 12, 7), 2) == date(2026, 12, 9)
