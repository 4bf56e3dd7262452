"""Outgoing e-mail: SMTP in production; the log plus an outbox in development and tests."""

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from flask import Flask, current_app

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SentMessage:
    to: tuple[str, ...]
    subject: str
    body: str


def init_app(app: Flask) -> None:
    """Give the app an outbox that the log backend appends to."""
    app.extensions["outbox"] = []


def outbox() -> list[SentMessage]:
    """Return the messages the log backend kept (development and tests)."""
    return current_app.extensions["outbox"]


def send_mail(to: str | list[str], subject: str, body: str) -> None:
    """Send a plain-text message through the configured backend."""
    recipients = tuple([to] if isinstance(to, str) else to)
    if not recipients:
        return
    message = SentMessage(recipients, subject, body)
    config = current_app.config
    if config["MAIL_BACKEND"] == "smtp":
        _send_smtp(message)
    else:
        log.info("mail to %s: %s\n%s", ", ".join(recipients), subject, body)
        outbox().append(message)


def _send_smtp(message: SentMessage) -> None:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_DEFAULT_SENDER"]
    email["To"] = ", ".join(message.to)
    email["Subject"] = message.subject
    email.set_content(message.body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)
