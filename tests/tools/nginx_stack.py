"""Run deploy/ on loopback: gunicorn behind Debian's nginx with a self-signed certificate.

Used by tests/test_deploy.py (does the shipped configuration parse and serve?) and by the
benchmarks (Lighthouse and the chaos run measure this path beside `make run`). The shipped
deploy/nginx/portal.conf is used as it is, with only its production ports and paths swapped
for loopback ports and temporary folders; each swap must find its text, so the file cannot
drift away from what is tested.
"""

from __future__ import annotations

import datetime
import http.client
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NGINX_CONF = ROOT / "deploy" / "nginx" / "portal.conf"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))

MAIN_CONF = """\
{user}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/portal.conf;
}}
"""


def free_port() -> int:
    """Return a TCP port nobody listens on at the moment."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nginx_available() -> bool:
    """Tell whether Debian's nginx is installed."""
    return Path(NGINX).is_file()


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """Write a key and a certificate for 127.0.0.1 and localhost; return their paths."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = folder / "key.pem", folder / "cert.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def render_site(text: str, *, https_port: int, http_port: int, app_port: int, static: Path,
                key: Path, cert: Path) -> str:
    """Swap the shipped configuration's production ports and paths for loopback ones."""
    swaps = [
        ("    listen 80;\n    listen [::]:80;\n", f"    listen 127.0.0.1:{http_port};\n"),
        (
            "    listen 443 ssl http2;\n    listen [::]:443 ssl http2;\n",
            f"    listen 127.0.0.1:{https_port} ssl http2;\n",
        ),
        ("server 127.0.0.1:8000", f"server 127.0.0.1:{app_port}"),
        ("/etc/letsencrypt/live/portal.example.nl/fullchain.pem", str(cert)),
        ("/etc/letsencrypt/live/portal.example.nl/privkey.pem", str(key)),
        ("/srv/portal/static-collected/", f"{static}/"),
    ]
    for old, new in swaps:
        if old not in text:
            raise ValueError(f"deploy/nginx/portal.conf no longer holds {old!r}")
        text = text.replace(old, new)
    return text


def unverified() -> ssl.SSLContext:
    """An SSL context that accepts the self-signed certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def wait_for(url: str, seconds: float = 120) -> None:
    """Wait until a URL answers at all (any status; a redirect is not followed)."""
    parts = urllib.parse.urlsplit(url)
    deadline = time.monotonic() + seconds
    while True:
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(parts.netloc, timeout=2, context=unverified())
        else:
            connection = http.client.HTTPConnection(parts.netloc, timeout=2)
        try:
            connection.request("GET", parts.path or "/")
            connection.getresponse().read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
        finally:
            connection.close()


@dataclass
class Stack:
    """gunicorn and nginx, started from deploy/, stopped by stop()."""

    folder: Path
    env: dict[str, str]
    workers: int = 2
    gunicorn_args: tuple[str, ...] = ()
    app_spec: str = "portal:create_app()"
    https_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    app_port: int = field(default_factory=free_port)
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def main_conf(self) -> Path:
        return self.folder / "nginx.conf"

    def write_config(self) -> None:
        """Collect the static files, make the certificate, write nginx's configuration."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.folder / sub).mkdir(exist_ok=True)
        static = self.folder / "static-collected"
        # What `flask collect-static` does at an upgrade, without starting a second Python.
        from portal.assets import Assets, collect

        collect(Assets.build(ROOT / "static"), static)
        key, cert = self_signed_certificate(self.folder)
        site = render_site(
            NGINX_CONF.read_text(), https_port=self.https_port, http_port=self.http_port,
            app_port=self.app_port, static=static, key=key, cert=cert,
        )
        (self.folder / "portal.conf").write_text(site)
        # As root, nginx's workers would run as nobody, who may not enter a private temp folder.
        user = "user root;" if os.geteuid() == 0 else ""
        self.main_conf.write_text(MAIN_CONF.format(tmp=self.folder, user=user))

    def check_config(self) -> subprocess.CompletedProcess:
        """Run `nginx -t` on the configuration."""
        return subprocess.run(
            [NGINX, "-t", "-c", str(self.main_conf), "-e", str(self.folder / "error.log")],
            capture_output=True, text=True,
        )

    def start(self) -> Stack:
        """Start gunicorn with deploy/gunicorn.conf.py, then nginx; wait until both answer."""
        self.write_config()
        env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{self.app_port}",
               "GUNICORN_WORKERS": str(self.workers)}
        self.processes.append(subprocess.Popen(
            # No control socket: its default path is one per machine, and benches run beside
            # other gunicorns.
            [GUNICORN, "-c", str(GUNICORN_CONF), "--access-logfile", "/dev/null",
             "--no-control-socket",
             *self.gunicorn_args, self.app_spec],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
            stderr=open(self.folder / "gunicorn.log", "w"),  # noqa: SIM115 (lives with the process)
        ))
        wait_for(f"http://127.0.0.1:{self.app_port}/healthz")
        self.processes.append(subprocess.Popen(
            [NGINX, "-c", str(self.main_conf), "-e", str(self.folder / "error.log"),
             "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))
        wait_for(f"{self.base_url}/healthz")
        return self

    @property
    def gunicorn(self) -> subprocess.Popen:
        return self.processes[0]

    def stop(self) -> None:
        """Stop nginx, then gunicorn."""
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        self.processes.clear()
