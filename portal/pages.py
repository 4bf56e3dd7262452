"""The pages that embed feature panels, reached by name so that features never import them.

A page (the practitioner's client page, the account page) composes panels that features
offer, so the page imports the features. A feature's view that must show the page again with
its form's errors (a failed post) asks for the page here by name; the page's blueprint
registers its renderer when it is imported. Arrows point down the house, never back up.
"""

from collections.abc import Callable

CLIENT_PAGE = "practice.client_page"
ACCOUNT_PAGE = "privacy.account"

_renderers: dict[str, Callable] = {}


def register(name: str, renderer: Callable) -> Callable:
    """Register the function that renders a page (with bound forms) under its name."""
    _renderers[name] = renderer
    return renderer


def render(name: str, *args, **kwargs):
    """Render a registered page, passing a feature's bound forms on to it."""
    return _renderers[name](*args, **kwargs)
