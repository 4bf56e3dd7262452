"""`flask worker`: one long-running process that delivers the outbox and runs scheduled jobs.

A deployment runs this instead of cron lines. Each loop delivers what is due, then starts any
scheduled job whose period has passed. A job's run is claimed in the database
(`scheduled_jobs`) with one conditional UPDATE, so several workers, or a worker restarted
mid-day, never run the daily evaluation twice in one period. The loop survives a database or
mail outage: it logs, rolls back and tries again at the next tick.
"""

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from portal import outbox
from portal.extensions import db
from portal.models import ScheduledJob

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """A scheduled job: its name, how often it runs and what it does (returns a count)."""

    name: str
    every: timedelta
    run: Callable[[], int]


def _evaluate_flags() -> int:
    from portal import flag_service

    return flag_service.evaluate_all()


def _escalate_flags() -> int:
    from portal import flag_service

    return flag_service.escalate_overdue()


def _send_reminders() -> int:
    from portal.checkins.services import send_reminders

    return send_reminders()


def _send_digests() -> int:
    from portal.messages.digest import send_digests

    return send_digests()


def _send_appointment_reminders() -> int:
    from portal.appointments.services import send_due_reminders

    return send_due_reminders()


def _purge_outbox() -> int:
    return outbox.purge_sent()


JOBS = (
    Job("evaluate-flags", timedelta(days=1), _evaluate_flags),
    Job("escalate-flags", timedelta(hours=1), _escalate_flags),
    Job("send-reminders", timedelta(minutes=15), _send_reminders),
    # Often, so each digest leaves close to its local 07:30; once a day each (message_settings).
    Job("send-digests", timedelta(minutes=15), _send_digests),
    Job("purge-outbox", timedelta(days=1), _purge_outbox),
    # A day before each appointment; every 15 minutes so none leaves much later than that.
    Job("send-appointment-reminders", timedelta(minutes=15), _send_appointment_reminders),
)


def claim_job(job: Job, now: datetime | None = None) -> bool:
    """Claim this period's run of a job; True when this worker should run it now."""
    now = now or datetime.now(UTC)
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    db.session.execute(
        dialect.insert(ScheduledJob.__table__).values(name=job.name).on_conflict_do_nothing()
    )
    table = ScheduledJob.__table__.c
    claimed = db.session.execute(
        sa.update(ScheduledJob)
        .where(
            table.name == job.name,
            sa.or_(table.last_started_at.is_(None), table.last_started_at <= now - job.every),
        )
        .values(last_started_at=now)
    ).rowcount
    db.session.commit()
    return claimed == 1


def run_due_jobs(jobs: tuple[Job, ...] = JOBS, now: datetime | None = None) -> dict[str, int]:
    """Run every job whose period has passed; return the count each one reported."""
    done = {}
    for job in jobs:
        if not claim_job(job, now):
            continue
        error = None
        try:
            done[job.name] = job.run()
            db.session.commit()
            log.info("job %s: %s", job.name, done[job.name])
        except Exception as exc:  # one failing job must not stop the others or the worker
            db.session.rollback()
            error = f"{type(exc).__name__}: {exc}"[:500]
            log.exception("job %s failed", job.name)
        db.session.execute(
            sa.update(ScheduledJob)
            .where(ScheduledJob.name == job.name)
            .values(last_finished_at=datetime.now(UTC), last_error=error)
        )
        db.session.commit()
    return done


def tick() -> None:
    """Do one round of the worker's work: due jobs, then everything due in the outboxes."""
    run_due_jobs()
    outbox.deliver_until_empty()
    # Pushes to phones are outbox rows of their own (portal/push.py), delivered the same way.
    from portal import push

    push.deliver_pushes()


def run(stop: threading.Event | None = None, *, max_ticks: int | None = None) -> None:
    """Loop until stopped (SIGTERM, SIGINT or `stop`), pausing between ticks."""
    stop = stop or threading.Event()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, lambda *_args: stop.set())
    pause = current_app.config["OUTBOX_POLL_SECONDS"]
    log.info("worker started: delivering the outbox every %s s", pause)
    ticks = 0
    try:
        while not stop.is_set():
            try:
                tick()
            except SQLAlchemyError:
                log.exception("worker: the database did not answer; trying again")
                db.session.rollback()
            finally:
                db.session.remove()
            ticks += 1
            if max_ticks is not None and ticks >= max_ticks:
                break
            stop.wait(pause)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    log.info("worker stopped")
