"""`make audit`: pip-audit checks every locked dependency and fails on a known vulnerability.

The real OSV database is not reachable from every machine (nor should a test depend on it), so
the target is pointed at a small local server that speaks OSV's query API: it records what it
is asked and reports one advisory where the test says so.
"""

import json
import re
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PIP_AUDIT = ROOT / ".venv" / "bin" / "pip-audit"
ADVISORY = "PYSEC-0000-TEST"

pytestmark = pytest.mark.skipif(
    not PIP_AUDIT.exists(), reason="make audit runs the project's .venv (make install)"
)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_packages() -> dict[str, str]:
    pins = {}
    lines = []
    for locked in ("requirements.txt", "requirements-dev.txt"):
        lines += (ROOT / locked).read_text().splitlines()
    for line in lines:
        if "==" in line and not line.lstrip().startswith("#"):
            name, version = line.split("==", 1)
            pins[canonical(name)] = version.strip()
    return pins


class OsvServer:
    """An OSV query endpoint on loopback, with advisories for the packages named."""

    def __init__(self, vulnerable: dict[str, str]):
        self.queries: dict[str, str] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                name, version = query["package"]["name"], query["version"]
                server.queries[name] = version
                body = {}
                if name in vulnerable:
                    body = {"vulns": [server.advisory(name, vulnerable[name])]}
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/v1/query"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @staticmethod
    def advisory(name: str, fixed: str) -> dict:
        return {
            "id": ADVISORY,
            "summary": "A test advisory",
            "affected": [
                {
                    "package": {"name": name, "ecosystem": "PyPI"},
                    "ranges": [
                        {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}
                    ],
                }
            ],
        }

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def make_audit(osv_url: str, cache: Path) -> subprocess.CompletedProcess:
    # -o: the venv is already installed; the test is about the audit, not the install.
    return subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-s",
            "-o",
            ".venv/.installed",
            "audit",
            f"OSV_URL={osv_url}",
            f"AUDIT_FLAGS=--cache-dir {cache}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_audit_asks_about_every_locked_package_and_passes_when_none_is_known(tmp_path):
    with OsvServer(vulnerable={}) as osv:
        result = make_audit(osv.url, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No known vulnerabilities found" in result.stdout + result.stderr
    assert osv.queries == locked_packages()


def test_audit_fails_and_names_the_package_with_a_known_vulnerability(tmp_path):
    pins = locked_packages()
    with OsvServer(vulnerable={"jinja2": "999.0"}) as osv:
        result = make_audit(osv.url, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert ADVISORY in output
    assert re.search(rf"jinja2\s+{re.escape(pins['jinja2'])}\s+{ADVISORY}\s+999\.0", output)


def test_the_runtime_pins_hold_no_test_or_lint_tools():
    runtime = {
        canonical(line.split("==", 1)[0])
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if "==" in line
    }
    for tool in ("pytest", "playwright", "ruff", "hypothesis", "pip-audit", "aiosmtpd", "pypdf"):
        assert tool not in runtime
    assert "-r requirements.txt" in (ROOT / "requirements-dev.txt").read_text()
