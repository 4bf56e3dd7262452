"""Outgoing e-mail: written to the outbox by requests, handed to a mail server by the worker.

`send_mail` only adds rows to the caller's transaction: no request ever waits on a mail server,
a rolled-back event sends nothing, and a mail outage loses nothing. The worker
(`portal.outbox`) delivers the rows through a transport: SMTP in production, the log in
development (each message is printed in the terminal of `make run`).
"""

import logging
import smtplib
import uuid
from email.message import EmailMessage

from flask import current_app

from portal.extensions import db
from portal.models import OutboxMessage

log = logging.getLogger(__name__)


def send_mail(
    to: str | list[str] | tuple[str, ...],
    subject: str,
    body: str,
    *,
    kind: str = "notice",
    forget_recipient: bool = False,
    attachment: tuple[str, str, str] | None = None,
) -> list[OutboxMessage]:
    """Queue a plain-text message to each recipient, in the caller's transaction.

    `attachment` is one text file as (file name, media type, text), such as a calendar
    invitation ("appointment.ics", "text/calendar; method=REQUEST", ...).
    """
    name, media_type, text = attachment or (None, None, None)
    recipients = [to] if isinstance(to, str) else list(dict.fromkeys(to))
    messages = [
        OutboxMessage(
            recipient=recipient,
            kind=kind,
            subject=subject[:300],
            body=body,
            message_id=f"<{uuid.uuid4().hex}@{_sender_domain()}>",
            forget_recipient=forget_recipient,
            attachment_name=name,
            attachment_type=media_type,
            attachment_body=text,
        )
        for recipient in recipients
    ]
    db.session.add_all(messages)
    return messages


def _sender_domain() -> str:
    return current_app.config["MAIL_DEFAULT_SENDER"].rpartition("@")[2].strip(">") or "localhost"


def build_email(message) -> EmailMessage:
    """Return the e-mail for an outbox row (ORM or Core), its Message-ID fixed when queued."""
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email.set_content(message.body)
    if getattr(message, "attachment_body", None):
        main, _slash, rest = message.attachment_type.partition("/")
        subtype, *parameters = (part.strip() for part in rest.split(";"))
        params = dict(parameter.split("=", 1) for parameter in parameters if "=" in parameter)
        email.add_attachment(
            message.attachment_body, subtype=subtype, filename=message.attachment_name,
            params=params,
        )
    return email


class LogTransport:
    """Development: write each message to the log instead of sending it."""

    def send(self, email: EmailMessage) -> None:
        """Log the whole message, so its links can be followed from the terminal."""
        log.info("mail to %s: %s\n%s", email["To"], email["Subject"], email.get_content())

    def close(self) -> None:
        """Nothing to close."""


class SmtpTransport:
    """Production: one SMTP connection per delivery pass, opened at the first message."""

    def __init__(self) -> None:
        self._smtp: smtplib.SMTP | None = None

    def send(self, email: EmailMessage) -> None:
        """Hand one message to the mail server; raise on any refusal or timeout."""
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(email)
        except (smtplib.SMTPServerDisconnected, OSError):
            self.close()  # the next message starts a fresh connection
            raise

    def _connect(self) -> smtplib.SMTP:
        config = current_app.config
        smtp = smtplib.SMTP(
            config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT_SECONDS"]
        )
        try:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except BaseException:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        """Say goodbye to the server if it still listens."""
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (smtplib.SMTPException, OSError):
            self._smtp.close()
        self._smtp = None


def transport() -> LogTransport | SmtpTransport:
    """Return the transport the configuration asks for."""
    return SmtpTransport() if current_app.config["MAIL_BACKEND"] == "smtp" else LogTransport()
