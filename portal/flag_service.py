"""Open, keep and close Flag rows from the pure rules in portal.flags; notify and escalate.

A flag is one episode of a rule firing. Rules keyed by a questionnaire response (safety, EPDS,
GAD-7) start a new episode for every new response that fires; streak rules (low mood, sleep,
bonding, worsening, silent) keep one episode until the condition clears. Acknowledging closes
the flag for the dashboard but not the episode, so a condition that persists is not raised
again until it has cleared and returned. Questionnaire flags (safety, EPDS, GAD-7) never clear
by themselves: a softer score minutes later must not hide a high one nobody has seen, so only a
practitioner's acknowledgement closes them, and the later score is shown beside the flag.
"""

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from portal import flags
from portal.dates import local_today
from portal.extensions import db
from portal.links import absolute_url
from portal.mail import send_mail
from portal.models import (
    CheckIn,
    CheckInRevision,
    ClientProfile,
    Flag,
    QuestionnaireResponse,
    Role,
    User,
)

# The rules' windows reach back at most 14 calendar days (worsening compares two 7-day
# windows); further back the check-ins only tell the silent rule when she last logged.
LOOKBACK_DAYS = 45
NEVER_CLEARS = flags.CLOSE_BY_ACKNOWLEDGEMENT


def thresholds() -> flags.Thresholds:
    """Return the flag thresholds from configuration (DOMAIN.md defaults)."""
    return flags.Thresholds.from_mapping(current_app.config.get("FLAG_THRESHOLDS") or {})


def client_data(
    client: User, today: datetime.date, open_levels: frozenset[str] = frozenset()
) -> flags.ClientData:
    """Load what the rules read about one client."""
    checkins = db.session.execute(
        _RECENT_CHECKINS,
        {"client_id": client.id, "since": today - timedelta(days=LOOKBACK_DAYS), "today": today},
    ).all()
    responses = db.session.execute(_RECENT_RESPONSES, {"client_id": client.id}).all()
    profile = client.profile
    return flags.ClientData(
        today=today,
        checkins=tuple(
            flags.DayLog(*row[:-1], by_practitioner=bool(row.by_practitioner))
            for row in checkins
        ),
        questionnaires=tuple(
            flags.QuestionnaireResult(
                id=response.id,
                instrument=response.instrument,
                total=response.total,
                safety=response.safety,
                item_scores=tuple(response.item_scores),
                submitted_on=local_today(client.timezone, response.submitted_at),
            )
            for response in responses
        ),
        active=client.active and profile is not None and not profile.collection_paused,
        started_on=profile.started_on if profile else None,
        delivery_date=profile.delivery_date if profile else None,
        open_levels=open_levels,
    )


# Built once: the rules run after every check-in save, and building a statement costs more
# than running it. Core columns, as the rows feed plain tuples, not ORM objects.
_checkins = CheckIn.__table__.c
_revisions = CheckInRevision.__table__.c
# A day is hers when she logged it, even if a practitioner later changed it by phone (her
# values are then kept as a revision entered by nobody).
_BY_PRACTITIONER = sa.and_(
    _checkins.entered_by_id.is_not(None),
    ~sa.exists().where(
        _revisions.checkin_id == _checkins.id, _revisions.entered_by_id.is_(None)
    ),
)
_RECENT_CHECKINS = sa.select(
    _checkins.day,
    _checkins.mood,
    _checkins.tension,
    _checkins.energy,
    _checkins.bonding,
    _checkins.sleep_hours,
    _BY_PRACTITIONER.label("by_practitioner"),
).where(
    _checkins.client_id == sa.bindparam("client_id"),
    _checkins.day >= sa.bindparam("since"),
    _checkins.day <= sa.bindparam("today"),
)
_responses = QuestionnaireResponse.__table__.c
_RECENT_RESPONSES = (
    sa.select(
        _responses.id,
        _responses.instrument,
        _responses.total,
        _responses.safety,
        _responses.item_scores,
        _responses.submitted_at,
    )
    .where(_responses.client_id == sa.bindparam("client_id"))
    .order_by(_responses.submitted_at.desc(), _responses.id.desc())
    .limit(10)
)


def evaluate_client(client: User, now: datetime | None = None) -> list[Flag]:
    """Run every rule for a client, reconcile the Flag rows and return the flags that are news.

    News: a newly raised flag, or an open urgent flag that a new response fired again. The
    flags this run raises share one alert key: one submission is one alert to handle.
    """
    now = now or datetime.now(UTC)
    alert_key = str(uuid.uuid4())
    today = local_today(client.timezone, now)
    current = _current_episodes(client.id)
    data = client_data(client, today, _open_levels(current.values()))
    limits = thresholds()
    fired = {result.rule: result for result in flags.evaluate(data, limits)}
    raised = []
    for rule in flags.RULES:
        result, episode = fired.get(rule), current.get(rule)
        if result is None:
            if episode is not None and rule not in NEVER_CLEARS:
                episode.cleared_at = now
            continue
        if episode is not None and episode.is_open:
            renewed = result.key is not None and result.key != episode.episode_key
            _keep_open(episode, result)
            if renewed and result.level == "urgent":
                raised.append(episode)  # a new urgent answer is news, even on an open flag
            continue
        if episode is not None and (result.key is None or result.key == episode.episode_key):
            continue  # acknowledged, but the condition has not cleared since
        if episode is not None:
            episode.cleared_at = episode.cleared_at or now
        flag = _raise(client, result, now, alert_key)
        if flag is not None:
            raised.append(flag)
            current[rule] = flag
    _rank_silent(data, limits, current)
    return raised


def _open_levels(episodes) -> frozenset[str]:
    return frozenset(flag.level for flag in episodes if flag.is_open and flag.rule != "silent")


def _rank_silent(data: flags.ClientData, limits: flags.Thresholds, current: dict) -> None:
    """Give an open silent flag the level it has now that this run's flags are open too."""
    silent = current.get("silent")
    if silent is None or not silent.is_open:
        return
    result = flags.silent(replace(data, open_levels=_open_levels(current.values())), limits)
    if result is not None and result.level != silent.level:
        silent.level, silent.level_rank = result.level, flags.LEVEL_RANK[result.level]


def _keep_open(episode: Flag, result: flags.FlagResult) -> None:
    """Let the one open flag of a rule follow the data that fires it now.

    A data-window flag shows the latest data and level. A flag that closes only by
    acknowledgement keeps what raised it unless the new response is more urgent: a softer
    score never lowers it (it is shown beside the flag instead). Its episode key follows the
    latest response that fired, so acknowledging it covers every answer seen until then.
    """
    rank = flags.LEVEL_RANK[result.level]
    episode.episode_key = result.key
    if result.rule in NEVER_CLEARS and rank >= episode.level_rank:
        return
    episode.evidence = result.evidence
    episode.level, episode.level_rank = result.level, rank


def _current_episodes(client_id: int) -> dict[str, Flag]:
    """Return the latest flag per rule whose condition has not cleared."""
    rows = db.session.scalars(_CURRENT_EPISODES, {"client_id": client_id})
    return {flag.rule: flag for flag in rows}


_CURRENT_EPISODES = (
    sa.select(Flag)
    .where(Flag.client_id == sa.bindparam("client_id"), Flag.cleared_at.is_(None))
    .order_by(Flag.raised_at)
)


def _raise(client: User, result: flags.FlagResult, now: datetime, alert_key: str) -> Flag | None:
    flag = Flag(
        alert_key=alert_key,
        client_id=client.id,
        rule=result.rule,
        level=result.level,
        level_rank=flags.LEVEL_RANK[result.level],
        evidence=result.evidence,
        episode_key=result.key,
        raised_at=now,
    )
    # A savepoint: if a concurrent request raised the same flag first, the unique index
    # refuses ours and the surrounding transaction carries on.
    try:
        with db.session.begin_nested():
            db.session.add(flag)
    except IntegrityError:
        return None
    return flag


def notify_practitioner(
    client: User, raised: list[Flag], entered_by: User | None = None
) -> None:
    """E-mail the practitioner about new urgent flags, without any health data in the mail.

    Nobody is told what they entered themselves a moment ago (an EPDS taken by phone): the
    practitioner who entered it has the flag on screen. The flag stays open, so the admins'
    escalation after URGENT_ESCALATION_HOURS still runs if it is left unacknowledged.
    """
    urgent = [flag for flag in raised if flag.level == "urgent"]
    practitioner = client.profile.practitioner if client.profile else None
    if not urgent:
        return
    # Without an active practitioner the admins are told, with a link to the page where they
    # can hand her to a colleague: they cannot open her record themselves.
    to_admins = not (practitioner and practitioner.active)
    if not to_admins and entered_by is not None and entered_by.id == practitioner.id:
        return
    recipients = _admins() if to_admins else [practitioner]
    if to_admins:
        link = absolute_url("admin.urgent_flags")
    else:  # her page, opened at the flag (signing in first if need be)
        anchor = f"flag-{urgent[0].id}"
        link = absolute_url("practice.client_page", client_id=client.id, _anchor=anchor)
    for recipient in recipients:
        with force_locale(recipient.locale):
            send_mail(
                recipient.email,
                _("Urgent flag in the portal"),
                render_template(
                    "emails/urgent_flag.txt",
                    recipient=recipient,
                    client=client,
                    link=link,
                    to_admin=to_admins,
                ),
                kind="urgent_flag",
            )
    now = datetime.now(UTC)
    for flag in urgent:
        flag.notified_at = now


def evaluate_and_notify(client: User, entered_by: User | None = None) -> list[Flag]:
    """Evaluate a client's rules after new data and notify on urgent flags."""
    raised = evaluate_client(client)
    notify_practitioner(client, raised, entered_by)
    return raised


def evaluate_all(now: datetime | None = None) -> int:
    """Evaluate every active client (for the time-based rules); return how many flags rose."""
    clients = db.session.scalars(
        sa.select(User)
        .join(ClientProfile, ClientProfile.user_id == User.id)
        .where(User.role == Role.CLIENT.value, User.active.is_(True))
    ).all()
    count = 0
    for client in clients:
        raised = evaluate_client(client, now)
        notify_practitioner(client, raised)
        count += len(raised)
    return count


def _admins() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(User.role == Role.ADMIN.value, User.active.is_(True))
        )
    )


def escalate_overdue(now: datetime | None = None) -> int:
    """Tell the admins about urgent flags left unacknowledged past the practice's limit."""
    now = now or datetime.now(UTC)
    limit = now - timedelta(hours=current_app.config["URGENT_ESCALATION_HOURS"])
    overdue = db.session.scalars(
        sa.select(Flag).where(
            Flag.level == "urgent",
            Flag.acknowledged_at.is_(None),
            Flag.cleared_at.is_(None),
            Flag.escalated_at.is_(None),
            Flag.raised_at <= limit,
        )
    ).all()
    if not overdue:
        return 0
    link = absolute_url("admin.urgent_flags")
    for admin in _admins():
        with force_locale(admin.locale):
            send_mail(
                admin.email,
                _("Urgent flag not yet handled"),
                render_template(
                    "emails/urgent_escalation.txt",
                    recipient=admin,
                    count=len(overdue),
                    hours=current_app.config["URGENT_ESCALATION_HOURS"],
                    link=link,
                ),
                kind="urgent_escalation",
            )
    for flag in overdue:
        flag.escalated_at = now
    return len(overdue)
