"""Log lines on stderr: the terminal of `make run`, gunicorn's error log in production."""

import logging
import re

from flask import Flask

HANDLER_NAME = "portal-stderr"
# The portal's own lines (each e-mail of the log backend) and the rate limiter's (storage down,
# recovered, a limit hit). Nothing configures logging otherwise, so INFO would be swallowed and
# the limiter's warnings too (it ships a NullHandler).
LOGGERS = ("portal", "flask-limiter")


# Request logs (Werkzeug's development server, gunicorn's access log) write each address; these
# addresses carry a secret token, which must never reach a log file.
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access")
_TOKEN_IN_PATH = re.compile(r"(/(?:s|invite|reset|account/email/confirm)/)[^/\s?\"]+")


class RedactTokens(logging.Filter):
    """Replace the token in a share, invitation, reset or confirmation address by "[token]"."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _TOKEN_IN_PATH.sub(r"\1[token]", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def init_app(app: Flask) -> None:
    """Keep tokens out of request logs; send our lines at LOG_LEVEL to stderr, once per process.

    Tests leave the level to pytest, but the redaction is always on.
    """
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(one, RedactTokens) for one in logger.filters):
            logger.addFilter(RedactTokens())
    level = app.config.get("LOG_LEVEL")
    if not level:
        return
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(level)
        if any(handler.get_name() == HANDLER_NAME for handler in logger.handlers):
            continue
        handler = logging.StreamHandler()
        handler.set_name(HANDLER_NAME)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
