"""What the benchmarks share: the app on an empty database, the bench account and its signed-in
test client, counting the SQL statements of a request, and timed runs (median and worst).

A script run as `python bench/bench_x.py` has bench/ on its path; importing this module puts
the checkout (for `tracker`) and tests/ (for `factories`, `stack`, …) there too, so it comes
before those imports (isort puts it there: a third-party name before first-party ones).
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
for _folder in (ROOT / "tests", ROOT):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

EMAIL = "bench@example.vn"
PASSWORD = "bench-password-1"
RUNS = int(os.environ.get("BENCH_RUNS", "3"))


def bench_app(**config):
    """The app on DATABASE_URL (an EMPTY database), else on a SQLite file in a temp folder;
    no CSRF (the test client posts forms bare), no scheduler; `config` added."""
    from tracker import create_app

    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                       "SCHEDULER_AUTOSTART": False, **config})


def add_bench_user(role, *, agency=None, agency_id: int | None = None, email: str = EMAIL):
    """The account the benchmark signs in with (added to the session, not committed)."""
    from tracker.extensions import db
    from tracker.models import User

    user = User(email=email, name="Bench", role=role.value)
    if agency is not None:
        user.agency = agency
    else:
        user.agency_id = agency_id
    user.set_password(PASSWORD)
    db.session.add(user)
    return user


def signed_in(app, email: str = EMAIL, password: str = PASSWORD):
    """A test client signed in as `email`."""
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, (email, response.status_code)
    return client


@contextmanager
def counting_queries(engine) -> Iterator[list[str]]:
    """The SQL statements run on `engine` inside the block."""
    statements: list[str] = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)


def measure(run: Callable[[], object], runs: int = RUNS) -> tuple[float, float, float, object]:
    """(median, worst, median CPU of this process, last result) of `runs` calls of `run`, in
    seconds. The CPU time is the work itself, less sensitive to a busy machine (SQLite's work
    is in it, a PostgreSQL server's is not)."""
    timings, cpu, result = [], [], None
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = run()
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(timings), max(timings), statistics.median(cpu), result


def measure_get(client, engine, path: str, runs: int = RUNS,
                **request) -> tuple[float, float, float, int, object]:
    """(median, worst, median CPU, SQL statements of one request, last response) of GET
    `path`, after a warm-up (templates, caches); every answer must be 200."""
    def get():
        response = client.get(path, **request)
        assert response.status_code == 200, (path, response.status_code, response.data[:300])
        return response

    get()
    with counting_queries(engine) as statements:
        get()
    median, worst, cpu, response = measure(get, runs)
    return median, worst, cpu, len(statements), response


def timed(label: str, target: float | None, run, runs: int = RUNS, queries_of=None) -> None:
    """Print the median, worst and CPU of `run` (which returns a size in bytes) after a
    warm-up, against `target` seconds."""
    run()  # warm-up: templates, caches
    median, worst, cpu, size = measure(run, runs)
    extra = f"  {queries_of} queries" if queries_of is not None else ""
    if target is None:
        verdict = "no target"
    else:
        verdict = f"target {target:g} s: " + ("OK" if median < target else "OVER TARGET")
    print(f"{label:48} median {median:6.2f} s  max {worst:6.2f} s  "
          f"cpu {cpu:6.2f} s  {size / 1024:8.0f} KiB{extra}  ({verdict})")


def timed_get(client, engine, path: str, label: str, target: float | None) -> None:
    """Time GET `path` (must answer 200), after counting the SQL statements of one request."""
    with counting_queries(engine) as statements:
        client.get(path)

    def run():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return len(response.data)

    timed(label, target, run, queries_of=len(statements))
