"""Log lines on stderr: the terminal of `make run`, gunicorn's error log in production."""

import logging

from flask import Flask

HANDLER_NAME = "portal-stderr"
# The portal's own lines (each e-mail of the log backend) and the rate limiter's (storage down,
# recovered, a limit hit). Nothing configures logging otherwise, so INFO would be swallowed and
# the limiter's warnings too (it ships a NullHandler).
LOGGERS = ("portal", "flask-limiter")


def init_app(app: Flask) -> None:
    """Send those lines at LOG_LEVEL to stderr, once per process; tests leave it to pytest."""
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
