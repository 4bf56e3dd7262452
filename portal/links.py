"""Absolute links for e-mails, built from BASE_URL (the address people use to reach us)."""

from flask import current_app, has_request_context, url_for


def absolute_url(endpoint: str, **values) -> str:
    """Return BASE_URL plus the path of an endpoint, in a request or in a cron command."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        with current_app.test_request_context():
            path = url_for(endpoint, **values)
    return current_app.config["BASE_URL"].rstrip("/") + path
