"""deploy/ as a practice runs it: Debian's nginx with TLS in front of gunicorn, on loopback.

The shipped deploy/nginx/portal.conf must parse (`nginx -t`) and serve: /healthz through the
proxy, pages compressed by the portal, static files from disk with their fingerprints cached for
good. nginx is installed by .ci/run; elsewhere a missing nginx skips with the command to run.
"""

import gzip
import json
import os
import re
import subprocess
import urllib.error
import urllib.request

import pytest

from tests.tools import nginx_stack

pytestmark = pytest.mark.skipif(
    not nginx_stack.nginx_available() and not os.environ.get("CI"),
    reason="nginx is not installed: apt-get install nginx-light",
)


def fetch(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10, context=nginx_stack.unverified()) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def stack(app, tmp_path):
    env = {
        **os.environ,
        "PORTAL_ENV": "production",
        "SECRET_KEY": "deploy-test-secret-key-long-enough-for-a-test",
        "TOTP_ENCRYPTION_KEY": "deploy-test-totp-key",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "PRACTICE_PHONE": "020 123 4567",
        "HUISARTSENPOST_PHONE": "0900 1234",
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_ALLOW_MEMORY": "1",
        "PROXY_FIX_HOPS": "1",
    }
    running = nginx_stack.Stack(tmp_path / "stack", env, workers=1)
    yield running
    running.stop()


def test_the_nginx_configuration_parses(stack):
    stack.write_config()
    result = stack.check_config()
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


def test_a_broken_configuration_is_caught_by_nginx_t(stack):
    stack.write_config()
    site = stack.folder / "portal.conf"
    site.write_text(site.read_text().replace("gzip_static on;", "gzip_static on"))
    assert stack.check_config().returncode != 0


def test_healthz_pages_and_static_files_through_the_proxy(stack):
    stack.start()
    status, headers, body = fetch(f"{stack.base_url}/healthz")
    assert status == 200
    assert json.loads(body)["database"] == "ok"

    # A page: from gunicorn, brotli-compressed by the portal, HTTPS known through the proxy.
    status, headers, body = fetch(f"{stack.base_url}/help", **{"Accept-Encoding": "br"})
    assert status == 200
    assert headers["Content-Encoding"] == "br"
    assert "max-age" in headers["Strict-Transport-Security"]
    html = fetch(f"{stack.base_url}/help")[2].decode()
    assert "113" in html
    script = re.search(r'src="(/static/js/nav\.[0-9a-f]{12}\.js)"', html).group(1)

    # Its script: from nginx's disk, gzipped, cached for good.
    status, headers, body = fetch(f"{stack.base_url}{script}", **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["Content-Encoding"] == "gzip"
    assert b"serviceWorker" in gzip.decompress(body)
    assert "gunicorn" not in headers.get("Server", "")
    # A fingerprint that does not exist is not found; the plain name is checked each time.
    assert fetch(f"{stack.base_url}/static/js/nav.0123456789ab.js")[0] == 404
    assert fetch(f"{stack.base_url}/static/js/nav.js")[1]["Cache-Control"] == "no-cache"

    # Plain HTTP is sent to HTTPS.
    result = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
         f"http://127.0.0.1:{stack.http_port}/help"],
        capture_output=True, text=True,
    )
    if result.returncode == 0:
        assert result.stdout == "301"
