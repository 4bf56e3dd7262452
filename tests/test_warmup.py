"""A gunicorn worker compiles every template as it starts (deploy/gunicorn.conf.py)."""

import runpy
from pathlib import Path
from types import SimpleNamespace

CONF = Path(__file__).resolve().parents[1] / "deploy" / "gunicorn.conf.py"


def cached_templates(app) -> set[str]:
    return {name for _loader, name in app.jinja_env.cache.keys()}


def test_a_starting_worker_compiles_every_template_before_the_first_visitor(app):
    names = set(app.jinja_env.list_templates())
    assert "checkins/today.html" in names and "base.html" in names
    assert not names <= cached_templates(app)
    settings = runpy.run_path(str(CONF))
    # gunicorn calls the hook with the worker, whose .wsgi is the loaded app.
    settings["post_worker_init"](SimpleNamespace(wsgi=app))
    assert names <= cached_templates(app)
