"""SQL for the practice pages: a bounded number of queries per page, whatever the caseload.

The dashboard runs one query for the page of clients (sorting, filtering and counting done in
SQL over the whole caseload), then one query each for the open flags, the recent check-ins and
the latest EPDS of the clients on that page. Nothing here runs a query per client.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from portal.extensions import db
from portal.models import (
    CheckIn,
    CheckInRevision,
    ClientProfile,
    Flag,
    MessageThread,
    Note,
    QuestionnaireResponse,
    Role,
    User,
)

PER_PAGE = 50
SILENT_DAYS = 4
SPARKLINE_DAYS = 14
# Sorts clients without an open flag after every level (ranks are 0-3).
NO_FLAG_RANK = 99


@dataclass(frozen=True)
class DashboardFilters:
    """What the practitioner narrowed the dashboard to; every field already validated."""

    flagged: bool = False
    silent: bool = False
    delivery_type: str | None = None
    search: str | None = None
    page: int = 1
    # One of SORT_KEYS; the default reads most urgent open flag first.
    sort: str = "flags"
    descending: bool = False


# The columns the dashboard sorts by (a link per column header, kept with the filters).
SORT_KEYS = ("flags", "name", "number", "weeks", "epds", "gad7", "checkin")


@dataclass(frozen=True)
class ClientListRow:
    """One client of the dashboard as read from the database."""

    client_id: int
    full_name: str
    delivery_date: date | None
    delivery_type: str | None
    started_on: date | None
    last_checkin: date | None
    # The last check-in was entered by a practitioner during a phone consult.
    last_checkin_by_practitioner: bool = False


@dataclass(frozen=True)
class ClientListPage:
    """A page of the caseload and where it sits in the whole list."""

    rows: list[ClientListRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Return the number of pages (at least one)."""
        return max(1, -(-self.total // self.per_page))


def _open(flag_table=Flag):
    return sa.and_(flag_table.acknowledged_at.is_(None), flag_table.cleared_at.is_(None))


def _caseload(practitioner_id: int, today: date, filters: DashboardFilters):
    """Build the sortable, filterable caseload as a subquery (one row per client)."""

    def most_urgent_open_flag(column):
        # The most urgent open flag, and of those the one open longest. Correlated subqueries
        # are index probes per client (the open-flag partial index, and (client_id, day) for
        # check-ins), which both databases run faster than joining a ranked list of flags.
        return (
            sa.select(column)
            .where(Flag.client_id == User.id, _open())
            .order_by(Flag.level_rank, Flag.raised_at, Flag.id)
            .limit(1)
            .correlate(User)
            .scalar_subquery()
        )

    def latest_checkin(column):
        return (
            sa.select(column)
            .where(CheckIn.client_id == User.id)
            .order_by(CheckIn.day.desc())
            .limit(1)
            .correlate(User)
            .scalar_subquery()
        )

    def latest_total(instrument: str):
        return (
            sa.select(QuestionnaireResponse.total)
            .where(
                QuestionnaireResponse.client_id == User.id,
                QuestionnaireResponse.instrument == instrument,
            )
            .order_by(QuestionnaireResponse.submitted_at.desc(), QuestionnaireResponse.id.desc())
            .limit(1)
            .correlate(User)
            .scalar_subquery()
        )

    last_checkin = latest_checkin(CheckIn.day)
    # Only a sort by a score needs it: two more index probes per client otherwise wasted.
    scores = (
        [latest_total(filters.sort).label("sort_total")]
        if filters.sort in ("epds", "gad7")
        else [sa.null().label("sort_total")]
    )
    query = (
        sa.select(
            User.id.label("client_id"),
            User.full_name,
            ClientProfile.delivery_date,
            ClientProfile.delivery_type,
            ClientProfile.started_on,
            last_checkin.label("last_checkin"),
            latest_checkin(CheckIn.entered_by_id).label("last_checkin_entered_by"),
            most_urgent_open_flag(Flag.level_rank).label("flag_rank"),
            most_urgent_open_flag(Flag.raised_at).label("flag_raised_at"),
            *scores,
        )
        .join(ClientProfile, ClientProfile.user_id == User.id)
        .where(ClientProfile.practitioner_id == practitioner_id, User.role == Role.CLIENT.value)
    )
    if filters.delivery_type:
        query = query.where(ClientProfile.delivery_type == filters.delivery_type)
    if filters.search:
        matches = User.full_name.icontains(filters.search, autoescape=True)
        number = filters.search.strip()
        # The client number an urgent e-mail names her by (short enough for an integer column).
        if number.isdigit() and len(number) <= 9:
            matches = sa.or_(matches, User.id == int(number))
        query = query.where(matches)
    caseload = query.subquery("caseload")
    conditions = []
    if filters.flagged:
        conditions.append(caseload.c.flag_rank.is_not(None))
    if filters.silent:
        # Silent as the flag rule counts it: from the last check-in, or the start if none.
        since = sa.func.coalesce(caseload.c.last_checkin, caseload.c.started_on)
        conditions.append(since <= today - timedelta(days=SILENT_DAYS))
    if conditions:
        caseload = sa.select(caseload).where(*conditions).subquery("filtered_caseload")
    return caseload


def _order(caseload, filters: DashboardFilters) -> list:
    """Return the ORDER BY of the dashboard: the chosen column, then the reading order."""
    c = caseload.c
    urgency = [sa.func.coalesce(c.flag_rank, NO_FLAG_RANK), c.flag_raised_at]
    tie = [c.full_name, c.client_id]
    # Larger is more: the newest delivery has the fewest weeks postpartum.
    column = {
        "name": c.full_name,
        "number": c.client_id,
        "weeks": c.delivery_date,
        "epds": c.sort_total,
        "gad7": c.sort_total,
        "checkin": c.last_checkin,
    }.get(filters.sort)
    if column is None:
        return [*(key.desc() for key in urgency), *tie] if filters.descending else urgency + tie
    # "weeks" ascends by weeks, so by delivery date descending.
    descending = filters.descending != (filters.sort == "weeks")
    ordered = column.desc() if descending else column.asc()
    # Without a value (no score, never checked in, no delivery date) sorts last either way.
    return [column.is_(None), ordered, *urgency, *tie]


def client_list_page(
    practitioner_id: int, today: date, filters: DashboardFilters, per_page: int = PER_PAGE
) -> ClientListPage:
    """Return one page of the practitioner's clients, most urgent open flag first."""
    caseload = _caseload(practitioner_id, today, filters)
    page = max(1, filters.page)
    statement = (
        sa.select(caseload, sa.func.count().over().label("total"))
        .order_by(*_order(caseload, filters))
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    result = db.session.execute(statement).all()
    if not result and page > 1:
        # Past the last page (an old link): show the last page instead of an empty one.
        total = db.session.scalar(sa.select(sa.func.count()).select_from(caseload)) or 0
        last_page = max(1, -(-total // per_page))
        if last_page < page:
            return client_list_page(
                practitioner_id,
                today,
                replace(filters, page=last_page),
                per_page,
            )
    rows = [
        ClientListRow(
            client_id=row.client_id,
            full_name=row.full_name,
            delivery_date=row.delivery_date,
            delivery_type=row.delivery_type,
            started_on=row.started_on,
            last_checkin=row.last_checkin,
            last_checkin_by_practitioner=row.last_checkin_entered_by is not None,
        )
        for row in result
    ]
    total = result[0].total if result else 0
    return ClientListPage(rows=rows, total=total, page=page, per_page=per_page)


def open_flags_by_client(client_ids: list[int]) -> dict[int, list[Flag]]:
    """Return the open flags of these clients, most urgent and oldest first."""
    by_client: dict[int, list[Flag]] = defaultdict(list)
    if not client_ids:
        return by_client
    flags = db.session.scalars(
        sa.select(Flag)
        .where(Flag.client_id.in_(client_ids), _open())
        .order_by(Flag.level_rank, Flag.raised_at, Flag.id)
    )
    for flag in flags:
        by_client[flag.client_id].append(flag)
    return by_client


class DayValues(NamedTuple):
    """The values a sparkline reads from one check-in.

    A named tuple, not a frozen dataclass: a dashboard page makes ~700 of them, and a frozen
    dataclass's __init__ costs several times a tuple's.
    """

    day: date
    mood: int
    sleep_hours: float | None
    bonding: int | None


def recent_checkins_by_client(
    client_ids: list[int], today: date, days: int = SPARKLINE_DAYS
) -> dict[int, dict[date, DayValues]]:
    """Return the check-ins of the last `days` days (today included) per client, by day."""
    by_client: dict[int, dict[date, DayValues]] = defaultdict(dict)
    if not client_ids:
        return by_client
    since = today - timedelta(days=days - 1)
    rows = db.session.execute(
        sa.select(
            CheckIn.client_id, CheckIn.day, CheckIn.mood, CheckIn.sleep_hours, CheckIn.bonding
        ).where(CheckIn.client_id.in_(client_ids), CheckIn.day >= since, CheckIn.day <= today)
    )
    for client_id, day, mood, sleep_hours, bonding in rows:
        by_client[client_id][day] = DayValues(day, mood, sleep_hours, bonding)
    return by_client


@dataclass(frozen=True)
class LatestScore:
    """A client's latest response of one questionnaire: total, band and item 10."""

    id: int
    instrument: str
    total: int
    band: str
    safety: bool
    submitted_at: object
    item_10: int | None = None
    wording: str | None = None
    wording_validated: bool | None = None
    # The total of the response before it, for the change (None: this is her first).
    previous_total: int | None = None


def latest_scores_by_client(
    client_ids: list[int], instruments: tuple[str, ...] = ("epds", "gad7")
) -> dict[int, dict[str, LatestScore]]:
    """Return each client's latest response of each instrument, in one query."""
    if not client_ids:
        return {}
    ranked = (
        sa.select(
            QuestionnaireResponse.id,
            QuestionnaireResponse.client_id,
            QuestionnaireResponse.instrument,
            QuestionnaireResponse.total,
            QuestionnaireResponse.band,
            QuestionnaireResponse.safety,
            QuestionnaireResponse.item_scores,
            QuestionnaireResponse.submitted_at,
            QuestionnaireResponse.wording,
            QuestionnaireResponse.wording_validated,
            sa.func.row_number()
            .over(
                partition_by=(QuestionnaireResponse.client_id, QuestionnaireResponse.instrument),
                order_by=(
                    QuestionnaireResponse.submitted_at.desc(),
                    QuestionnaireResponse.id.desc(),
                ),
            )
            .label("position"),
        )
        .where(
            QuestionnaireResponse.client_id.in_(client_ids),
            QuestionnaireResponse.instrument.in_(instruments),
        )
        .subquery()
    )
    latest: dict[int, dict[str, LatestScore]] = defaultdict(dict)
    previous: dict[tuple[int, str], int] = {}
    rows = db.session.execute(
        sa.select(ranked).where(ranked.c.position <= 2).order_by(ranked.c.position.desc())
    )
    for row in rows:
        if row.position == 2:
            previous[(row.client_id, row.instrument)] = row.total
            continue
        scores = row.item_scores or []
        latest[row.client_id][row.instrument] = LatestScore(
            id=row.id,
            instrument=row.instrument,
            total=row.total,
            band=row.band,
            safety=row.safety,
            submitted_at=row.submitted_at,
            item_10=scores[9] if row.instrument == "epds" and len(scores) >= 10 else None,
            wording=row.wording,
            wording_validated=row.wording_validated,
            previous_total=previous.get((row.client_id, row.instrument)),
        )
    return latest


def waiting_since_by_client(practitioner_id: int, client_ids: list[int]) -> dict[int, object]:
    """Return since when each of these clients' messages to the practitioner wait for an answer."""
    if not client_ids:
        return {}
    rows = db.session.execute(
        sa.select(MessageThread.client_id, MessageThread.waiting_since).where(
            MessageThread.practitioner_id == practitioner_id,
            MessageThread.client_id.in_(client_ids),
            MessageThread.waiting_since.is_not(None),
        )
    )
    return {row.client_id: row.waiting_since for row in rows}


# The client page.


def checkins_between(client_id: int, first_day: date, last_day: date) -> list[CheckIn]:
    """Return a client's check-ins in a period, newest first, with who entered them."""
    return list(
        db.session.scalars(
            sa.select(CheckIn)
            .options(
                joinedload(CheckIn.entered_by),
                selectinload(CheckIn.revisions).joinedload(CheckInRevision.replaced_by),
            )
            .where(
                CheckIn.client_id == client_id,
                CheckIn.day >= first_day,
                CheckIn.day <= last_day,
            )
            .order_by(CheckIn.day.desc())
        )
    )


def questionnaire_history(client_id: int) -> list[QuestionnaireResponse]:
    """Return every questionnaire response of a client, newest first."""
    return list(
        db.session.scalars(
            sa.select(QuestionnaireResponse)
            .where(QuestionnaireResponse.client_id == client_id)
            .order_by(QuestionnaireResponse.submitted_at.desc(), QuestionnaireResponse.id.desc())
        )
    )


def flag_history(client_id: int) -> list[Flag]:
    """Return every flag of a client: open ones first (most urgent), then the newest."""
    is_closed = sa.case((_open(), 0), else_=1)
    return list(
        db.session.scalars(
            sa.select(Flag)
            .options(joinedload(Flag.acknowledged_by))
            .where(Flag.client_id == client_id)
            .order_by(is_closed, Flag.level_rank, Flag.raised_at.desc(), Flag.id.desc())
        )
    )


def notes_for(client_id: int) -> list[Note]:
    """Return every note about a client (withdrawn ones too), newest first, with revisions."""
    return list(
        db.session.scalars(
            sa.select(Note)
            .options(joinedload(Note.author), selectinload(Note.revisions))
            .where(Note.client_id == client_id)
            .order_by(Note.created_at.desc(), Note.id.desc())
        )
    )


def names_by_id(user_ids: set[int]) -> dict[int, str]:
    """Return the full names of these users."""
    if not user_ids:
        return {}
    rows = db.session.execute(sa.select(User.id, User.full_name).where(User.id.in_(user_ids)))
    return {row.id: row.full_name for row in rows}
