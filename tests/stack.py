"""The production layout, started for real on this machine: the database migrated by
`flask db upgrade`, gunicorn and `flask worker` with deploy/tracker.env.example's settings,
nginx with deploy/nginx/tracker.conf and a self-signed certificate, on free local ports.

Used by tests/test_deploy.py (its `stack` fixture) and bench/load_test.py (the load test);
nothing here imports pytest or the app. A client of it (`Browser`, `form_on`) reads pages
as a browser does: TLS not verified, cookies kept, the forms' fields and options.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]
PROCESSES = ("gunicorn", "worker", "nginx")


def wait_for(check, timeout: float, what: str):
    """`check()`'s first true answer within `timeout` seconds (polled every 0.2 s)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def base_env(**extra: str) -> dict[str, str]:
    """This process's environment less the app's settings (so a developer's own do not leak
    into the processes started), plus `extra`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TRACKER_", "DATABASE_URL", "SECRET_KEY", "MAIL_", "TRUSTED_"))}
    env.update(PYTHONUNBUFFERED="1", **extra)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def find_nginx() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/sbin/nginx") if os.access(p, os.X_OK)), None)


def example_env() -> dict[str, str]:
    """deploy/tracker.env.example read as systemd reads an EnvironmentFile."""
    values = {}
    for line in (ROOT / "deploy/tracker.env.example").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value.strip('"')
    return values


@dataclass(frozen=True)
class Ports:
    https: int
    http: int
    app: int   # gunicorn's

    @classmethod
    def free(cls) -> Ports:
        return cls(free_port(), free_port(), free_port())


def production_env(folder: Path, ports: Ports, **settings: str) -> dict[str, str]:
    """deploy/tracker.env.example's settings on this machine: a fresh secret key, gunicorn on
    `ports.app` with 2 sync workers, the address nginx serves as the base URL and the only
    trusted host, documents under `folder`; no mail server (messages stay in the outbox)
    unless `settings` name one. `settings` (DATABASE_URL, MAIL_SERVER …) come last."""
    env = base_env(**example_env())
    for key in [k for k in env if k.startswith("MAIL_")]:
        del env[key]
    env.update(SECRET_KEY=secrets.token_urlsafe(48), BIND=f"127.0.0.1:{ports.app}",
               WEB_CONCURRENCY="2", TRACKER_BASE_URL=f"https://127.0.0.1:{ports.https}",
               TRUSTED_HOSTS="127.0.0.1", TRACKER_DOCUMENT_FOLDER=str(folder / "documents"))
    env.update(settings)
    return env


def migrate(env: dict[str, str]) -> None:
    """`flask db upgrade` on env's DATABASE_URL: the deploy step."""
    subprocess.run([*FLASK, "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=120)


def self_signed_certificate(folder: Path) -> None:
    """cert.pem and key.pem for 127.0.0.1 in `folder` (openssl)."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-keyout", folder / "key.pem",
                    "-out", folder / "cert.pem"], check=True, capture_output=True, timeout=60)


def substitute(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, f"deploy/nginx/tracker.conf no longer has {old!r}"
    return text.replace(old, new)


def nginx_config(folder: Path, https_port: int, http_port: int, app_port: int,
                 connections: int = 64) -> Path:
    """deploy/nginx/tracker.conf with local ports, the test certificate, and a minimal
    nginx.conf around it (everything under `folder`, nothing of the system's nginx)."""
    site = (ROOT / "deploy/nginx/tracker.conf").read_text(encoding="utf-8")
    site = re.sub(r"^\s*listen \[::\].*\n", "", site, flags=re.M)
    site = substitute(site, "listen 80;", f"listen 127.0.0.1:{http_port};")
    site = substitute(site, "listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    site = substitute(site, "server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};")
    site = substitute(site, "/etc/ssl/tracker/fullchain.pem", str(folder / "cert.pem"))
    site = substitute(site, "/etc/ssl/tracker/privkey.pem", str(folder / "key.pem"))
    (folder / "site.conf").write_text(site, encoding="utf-8")
    temp = "\n".join(f"    {kind}_temp_path {folder / kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    config = folder / "nginx.conf"
    config.write_text(f"""{'user root;' if os.geteuid() == 0 else ''}
daemon off;
worker_processes 1;
pid {folder / 'nginx.pid'};
error_log {folder / 'error.log'} warn;
events {{ worker_connections {connections}; }}
http {{
    log_format forwarded '$remote_addr "$http_x_forwarded_for" "$request" $status';
    access_log {folder / 'access.log'} forwarded;
{temp}
    include {folder / 'site.conf'};
}}
""", encoding="utf-8")
    return config


class Browser:
    """A client through nginx: TLS (self-signed, not verified), cookies, no redirects."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str) -> None:
        self.base = base
        self.context = ssl.create_default_context()
        self.context.check_hostname = False
        self.context.verify_mode = ssl.CERT_NONE
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=self.context),
            urllib.request.HTTPCookieProcessor(CookieJar()), self._NoRedirect())

    def open(self, path: str, data: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        # A browser's Referer, which the CSRF check requires on HTTPS (same host and port).
        headers = {"Referer": self.base + path, **(headers or {})}
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()


class FormParser(HTMLParser):
    """Each form's action, its inputs' values and its selects' option values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "fields": {}, "options": {}})
        elif self.forms and tag in ("input", "textarea") and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value") or ""
        elif self.forms and tag == "select":
            self._select = attrs.get("name")
            self.forms[-1]["options"][self._select] = []
        elif self.forms and tag == "option" and self._select:
            self.forms[-1]["options"][self._select].append(attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def forms_on(page: bytes | str) -> list[dict]:
    parser = FormParser()
    parser.feed(page.decode("utf-8") if isinstance(page, bytes) else page)
    return parser.forms


def form_on(page: bytes | str, action_suffix: str = "", having: str = "") -> dict:
    """The page's first form whose action ends so, and that has the field `having`."""
    return next(f for f in forms_on(page) if f["action"].endswith(action_suffix)
                and (not having or having in f["fields"]))


@dataclass
class Stack:
    folder: Path
    ports: Ports
    env: dict[str, str]
    processes: dict[str, subprocess.Popen]
    browser: Browser

    @property
    def base(self) -> str:
        return self.browser.base

    def log(self, name: str) -> str:
        """What a process (gunicorn, worker, nginx) wrote so far."""
        return (self.folder / f"{name}.out").read_text(encoding="utf-8", errors="replace")


@contextmanager
def running(folder: Path, env: dict[str, str], ports: Ports, nginx: str,
            connections: int = 64) -> Iterator[Stack]:
    """gunicorn (gunicorn.conf.py), `flask worker` and nginx on env's settings and `ports`,
    their output in `folder`/<name>.out, ready (/healthz answers 200 through nginx) when
    given; all stopped (SIGTERM, then SIGKILL after 30 s) on leaving. The database must be
    migrated already."""
    self_signed_certificate(folder)
    config = nginx_config(folder, ports.https, ports.http, ports.app, connections)
    commands = {
        "gunicorn": [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        "worker": [*FLASK, "worker"],
        "nginx": [nginx, "-p", str(folder), "-c", str(config), "-e", str(folder / "error.log")],
    }
    with ExitStack() as logs:
        processes: dict[str, subprocess.Popen] = {}
        try:
            for name in PROCESSES:
                log = logs.enter_context(open(folder / f"{name}.out", "w"))
                processes[name] = subprocess.Popen(
                    commands[name], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                    env=env if name != "nginx" else None)
            stack = Stack(folder, ports, env, processes, Browser(f"https://127.0.0.1:{ports.https}"))

            def ready():
                for name, process in processes.items():
                    assert process.poll() is None, (name, stack.log(name))
                try:
                    return stack.browser.open("/healthz")[0] == 200
                except OSError:
                    return False

            wait_for(ready, 60, "gunicorn behind nginx")
            yield stack
        finally:
            stop(processes.values())


def stop(processes) -> None:
    """SIGTERM to each process still running, then wait (SIGKILL after 30 s)."""
    processes = list(processes)
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
