"""Benchmark: requests per second on an item page under gunicorn, and the web workers' memory
after the largest exports.

Run on demand (not part of the test suite; needs wrk and nginx, Debian packages):

    make bench-throughput                                   # SQLite file in a temp folder
    DATABASE_URL=postgresql+psycopg://… make bench-throughput   # an EMPTY PostgreSQL database

The production layout is started as tests/test_deploy.py starts it (tests/stack.py: the
database migrated, gunicorn with 2 sync workers from gunicorn.conf.py, `flask worker`,
nginx with TLS), with the demo data and a plan of BENCH_ITEMS (5,000) items. The demo
manager signs in through nginx; then `wrk -t2 -c8` asks for one item page for
BENCH_SECONDS (20), straight at gunicorn (the issue's measure) and through nginx. Last, every
download format of the big plan but PDF (which the worker makes above 1,000 rows) is fetched
four times, and the resident memory (VmRSS) of each gunicorn worker is read before and after;
then the PDF is asked for as a user does (the waiting page, then the file the `flask worker`
made) and the worker's memory is read before and after. Targets (issue #10): >= 250
requests/s on the item page with 2 sync workers; every worker's RSS (gunicorn's and `flask
worker`) <= 200 MB after the largest export.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from stack import (  # noqa: E402
    FLASK,
    ROOT,
    Ports,
    find_nginx,
    form_on,
    migrate,
    production_env,
    running,
)

ITEMS = int(os.environ.get("BENCH_ITEMS", "5000"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "20"))
MANAGER = ("lanhdao@demo.local", "lanhdao-demo-2020")
TARGET_RPS = 250
TARGET_RSS_MB = 200


def background_pdf(browser, plan_id: int, timeout: float = 300) -> tuple[float, int]:
    """The big plan's PDF as a user gets it: the request answers with the export's waiting
    page, which the worker's job turns into a file. Seconds until the file, and its size."""
    started = time.perf_counter()
    status, headers, _ = browser.open(f"/plans/{plan_id}/appendix.pdf")
    assert status == 303, status
    job = urllib.parse.urlsplit(headers["Location"]).path
    while time.perf_counter() - started < timeout:
        status, headers, body = browser.open(f"{job}/file")
        if status == 200:
            assert body.startswith(b"%PDF"), body[:20]
            return time.perf_counter() - started, len(body)
        time.sleep(0.5)
    raise AssertionError(f"no PDF after {timeout} s: {browser.open(job)[2][:500]!r}")


def refuse(message: str) -> None:
    print(f"bench_throughput: {message}", file=sys.stderr)
    sys.exit(2)


def build(url: str) -> tuple[int, int]:
    """A big plan beside the demo's; the id of an item of the demo plan and of the big plan."""
    from factories import make_plan

    from tracker import create_app
    from tracker.extensions import db
    from tracker.models import Item

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER_AUTOSTART": False,
                      "LOG_FORMAT": "none"})
    with app.app_context(), app.test_request_context():
        import sqlalchemy as sa

        item_id = db.session.scalar(sa.select(sa.func.min(Item.id)))
        plan_id = make_plan(ITEMS, owner="Sở Công Thương").id
        db.session.remove()
        db.engine.dispose()
    return item_id, plan_id


def session_cookie(browser) -> str:
    jar = next(h.cookiejar for h in browser.opener.handlers
               if isinstance(h, urllib.request.HTTPCookieProcessor))
    assert isinstance(jar, CookieJar)
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def sign_in(browser) -> None:
    status, _, page = browser.open("/login")
    assert status == 200, status
    form = form_on(page, having="password")
    fields = {**form["fields"], "email": MANAGER[0], "password": MANAGER[1]}
    status, headers, _ = browser.open("/login", fields)
    assert status == 302, ("sign-in failed", status)


def wrk(url: str, cookie: str, host: str | None = None) -> float:
    """wrk's requests per second; fails if any answer was not 2xx/3xx."""
    headers = ["-H", f"Cookie: {cookie}"]
    if host:
        # Straight at gunicorn: what nginx would add (the app trusts one proxy).
        headers += ["-H", "X-Forwarded-Proto: https", "-H", f"X-Forwarded-Host: {host}",
                    "-H", "X-Forwarded-For: 127.0.0.1"]
    result = subprocess.run(["wrk", "-t2", "-c8", f"-d{SECONDS}s", *headers, url],
                            capture_output=True, text=True, check=True, timeout=SECONDS + 60)
    print("    " + "\n    ".join(result.stdout.strip().splitlines()))
    if "Non-2xx or 3xx responses" in result.stdout:
        raise AssertionError("some answers were errors: see wrk's output above")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))


def worker_pids(master: int) -> list[int]:
    """gunicorn's worker processes: the children of its master."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                children.append(int(entry.name))
    return sorted(children)


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


def main() -> None:
    nginx = find_nginx()
    if nginx is None or not any(os.access(f"{d}/wrk", os.X_OK)
                                for d in os.environ["PATH"].split(":")):
        refuse("needs nginx and wrk (Debian packages nginx, wrk)")
    folder = Path(tempfile.mkdtemp(prefix="tracker-throughput-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite"
    ports = Ports.free()
    env = production_env(folder, ports, DATABASE_URL=url,
                         TRACKER_EXPORT_FOLDER=str(folder / "exports"))
    migrate(env)
    subprocess.run([*FLASK, "seed-demo"], cwd=ROOT, check=True,
                   env={**env, "TRACKER_ENV": "development"}, capture_output=True, timeout=300)
    item_id, plan_id = build(url)
    print(f"database: {url.split('@')[-1]}; a plan of {ITEMS} items; logs in {folder}")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start")
    failed = []
    with running(folder, env, ports, nginx) as stack:
        sign_in(stack.browser)
        cookie = session_cookie(stack.browser)
        status, _, _ = stack.browser.open(f"/items/{item_id}")
        assert status == 200, status
        host = f"127.0.0.1:{ports.https}"
        print(f"item page /items/{item_id}, wrk -t2 -c8 -d{SECONDS}s straight at gunicorn:")
        direct = wrk(f"http://127.0.0.1:{ports.app}/items/{item_id}", cookie, host)
        print("through nginx (TLS):")
        proxied = wrk(f"{stack.base}/items/{item_id}", cookie)
        master = stack.processes["gunicorn"].pid
        workers = worker_pids(master)
        before = {pid: rss_mb(pid) for pid in workers}
        for _ in range(4):
            for fmt in ("docx", "xlsx", "csv", "html"):
                path = (f"/plans/{plan_id}/appendix" if fmt == "html"
                        else f"/plans/{plan_id}/appendix.{fmt}")
                status, _, body = stack.browser.open(path)
                assert status == 200, (fmt, status, body[:200])
        after = {pid: rss_mb(pid) for pid in workers}
        worker = stack.processes["worker"].pid
        worker_before = rss_mb(worker)
        pdf_seconds, pdf_bytes = background_pdf(stack.browser, plan_id)
        worker_rss = rss_mb(worker)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")
    verdict = "OK" if direct >= TARGET_RPS else "UNDER TARGET"
    print(f"item page: {direct:.0f} req/s at gunicorn, {proxied:.0f} through nginx "
          f"(target >= {TARGET_RPS} at gunicorn): {verdict}")
    if direct < TARGET_RPS:
        failed.append("throughput")
    for pid in workers:
        print(f"gunicorn worker {pid}: RSS {before[pid]:.0f} MB before the exports, "
              f"{after[pid]:.0f} MB after 4 × DOCX, XLSX, CSV, print view of {ITEMS} items")
    print(f"flask worker: RSS {worker_before:.0f} MB before, {worker_rss:.0f} MB after the PDF "
          f"of {ITEMS} items ({pdf_bytes / 1e6:.1f} MB, {pdf_seconds:.1f} s from the request "
          f"to the file)")
    worst = max(*after.values(), worker_rss)
    print(f"largest worker RSS {worst:.0f} MB (target <= {TARGET_RSS_MB} MB): "
          f"{'OK' if worst <= TARGET_RSS_MB else 'OVER TARGET'}")
    if worst > TARGET_RSS_MB:
        failed.append("memory")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
