"""Flask CLI commands: thin wrappers over functions the tests call directly."""

import click
from flask import Flask

from portal.extensions import db


def demo_sign_in_hint() -> str:
    """Explain how the demo staff get past two-step sign-in."""
    from portal.auth.twofactor import DEMO_SECRET

    return (
        "Demo staff (admin@demo.test, practitioner@demo.test) also need an authenticator code:\n"
        f"  add the key {DEMO_SECRET} to an authenticator app, or run\n"
        f"  .venv/bin/python -c \"import pyotp; print(pyotp.TOTP('{DEMO_SECRET}').now())\""
    )


def register(app: Flask) -> None:
    """Attach the portal's commands to the app: the core ones here, each feature's own group."""
    from portal.appointments.cli import register as register_appointment_commands
    from portal.checkins.cli import register as register_checkin_commands
    from portal.guidance.cli import guidance_cli
    from portal.messages.cli import register as register_message_commands
    from portal.privacy.cli import register as register_privacy_commands
    from portal.questionnaires.cli import instruments_cli

    app.cli.add_command(guidance_cli)
    app.cli.add_command(instruments_cli)
    app.cli.add_command(outbox_cli)
    register_checkin_commands(app)
    register_appointment_commands(app)
    register_privacy_commands(app)
    register_message_commands(app)

    @app.cli.command("worker")
    @click.option("--ticks", type=int, default=None, help="Stop after this many rounds (tests).")
    def worker(ticks: int | None) -> None:
        """Deliver the outbox and run the scheduled jobs until stopped (one per deployment)."""
        from portal import worker as worker_loop

        worker_loop.run(max_ticks=ticks)

    @app.cli.command("collect-static")
    @click.argument("target", type=click.Path(file_okay=False))
    def collect_static(target: str) -> None:
        """Write the static files, fingerprinted and gzipped, where nginx serves them."""
        from pathlib import Path

        from portal import assets

        count = assets.collect(app.extensions["assets"], Path(target))
        click.echo(f"{count} files written to {target}.")

    @app.cli.command("create-admin")
    @click.option("--email", prompt=True)
    @click.option("--name", "full_name", prompt="Name")
    @click.password_option()
    def create_admin(email: str, full_name: str, password: str) -> None:
        """Create an administrator account."""
        from portal.auth.services import create_user, find_user_by_email
        from portal.passwords import password_problems

        if find_user_by_email(email):
            raise click.ClickException(f"an account for {email} already exists")
        problems = password_problems(password, email, app.config["PASSWORD_MIN_LENGTH"])
        if problems:
            raise click.ClickException("password refused: " + ", ".join(problems))
        create_user(email, full_name, "admin", password)
        db.session.commit()
        click.echo(f"Administrator {email} created.")

    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Load the demo practice (idempotent): admin, 2 practitioners, 12 clients."""
        from portal.demo import seed_demo as seed

        created = seed()
        db.session.commit()
        click.echo(
            "Demo data loaded." if created else "Demo data already present; nothing changed."
        )
        click.echo(demo_sign_in_hint())


@click.group("outbox")
def outbox_cli() -> None:
    """Outgoing e-mail: deliver now, retry dead messages, show the backlog."""


@outbox_cli.command("deliver")
@click.option(
    "--all", "include_waiting", is_flag=True, help="Also send messages waiting for a retry."
)
def outbox_deliver(include_waiting: bool) -> None:
    """Make one delivery pass over the due messages and exit."""
    from portal import outbox

    report = outbox.deliver_until_empty(include_waiting=include_waiting)
    click.echo(f"{report.sent} sent, {report.failed} to retry, {report.dead} dead.")
    if report.errors:
        click.echo(f"Last error: {report.errors[-1]}", err=True)


@outbox_cli.command("retry-dead")
def outbox_retry_dead() -> None:
    """Give every dead message a fresh day of attempts."""
    from portal import outbox

    count = outbox.retry_dead()
    db.session.commit()
    click.echo(f"{count} message(s) queued again.")


@outbox_cli.command("status")
def outbox_status() -> None:
    """Print the outbox counts (no recipients, no bodies)."""
    from portal import outbox

    stats = outbox.stats()
    age = stats.oldest_waiting_seconds()
    click.echo(
        f"queued {stats.queued}, retrying {stats.retrying}, dead {stats.dead}, "
        f"oldest waiting {'-' if age is None else f'{age} s'}"
    )
    if stats.last_error:
        click.echo(f"last error: {stats.last_error}")
