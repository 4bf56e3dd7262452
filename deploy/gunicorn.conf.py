"""gunicorn for the portal behind nginx (deploy/nginx/portal.conf); see deploy/README.md.

Run: /srv/portal/.venv/bin/gunicorn -c deploy/gunicorn.conf.py 'portal:create_app()'
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: each request is short (the slowest, a PDF, about a second).
workers = int(os.environ.get("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8)))
worker_class = "sync"
timeout = 60
graceful_timeout = 30
keepalive = 5  # nginx keeps connections to the upstream open
# Only nginx on this machine may say which address and scheme the browser used.
forwarded_allow_ips = "127.0.0.1"
accesslog = "-"
errorlog = "-"


def post_worker_init(worker):
    """Compile the templates as each worker starts, not on a visitor's first page."""
    from portal.warmup import compile_templates

    compile_templates(worker.wsgi)
