"""Benchmark: one plan of 5,000 items in every format, against the floor of a bare fetch.

Run on demand (not part of the test suite):

    make bench-exports                                   # SQLite file in a temp folder
    DATABASE_URL=postgresql+psycopg://... make bench-exports   # an EMPTY PostgreSQL database

Through the whole app (Flask's test client: routing, login, queries, rendering): the
print view, CSV, DOCX, XLSX (median of the timed runs) and the PDF (one run, Chromium; its
CPU time is this process's plus that of Chromium's processes, read from /proc every 20 ms).
Each line ends with the machine's load average (other work on a shared machine moves the
wall-clock figures; the CPU figures far less).
The floor, measured in the same run on the same database: the same columns fetched with
the bare DB-API driver (sqlite3, or psycopg) and rendered with a plain Jinja loop (HTML) or
csv.writer (CSV), no app at all. Then the process's resident memory after the largest
export. Targets (issue 10): print view and CSV ≤ 3 × their floor; DOCX and XLSX ≤ 1 s;
PDF ≤ 8 s; RSS ≤ 200 MB after the largest export.
"""
from __future__ import annotations

import csv
import io
import os
import statistics
import sys
import threading
import time
from pathlib import Path

import jinja2
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from bench_appendix import bench_app  # noqa: E402
from factories import make_plan  # noqa: E402

from tracker.appendix.pdf import find_chromium  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.models import Role, User  # noqa: E402

ITEMS = int(os.environ.get("BENCH_ITEMS", "5000"))
RUNS = int(os.environ.get("BENCH_RUNS", "7"))

COLUMNS = """p.position, p.title, a.name, p.coordination, p.due_period, p.approving_level,
             p.status, p.notes"""
FLOOR_SQL = f"""SELECT {COLUMNS} FROM item p JOIN agency a ON a.id = p.lead_agency_id
                WHERE p.plan_id = %s ORDER BY p.position, p.id"""
FLOOR_HTML = jinja2.Environment(autoescape=True).from_string(
    "<table><tbody>{% for r in rows %}<tr>{% for c in r %}<td>{{ c }}</td>{% endfor %}"
    "</tr>{% endfor %}</tbody></table>")


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def load() -> str:
    return "load " + " ".join(f"{value:.1f}" for value in os.getloadavg())


def descendants_cpu(root: int) -> dict[int, float]:
    """CPU seconds (user + system) of every live process under `root`, by pid."""
    parents, cpu = {}, {}
    tick = os.sysconf("SC_CLK_TCK")
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(name)] = int(fields[1])
        cpu[int(name)] = (int(fields[11]) + int(fields[12])) / tick
    found, todo = {}, [root]
    while todo:
        pid = todo.pop()
        children = [child for child, parent in parents.items() if parent == pid]
        found.update((child, cpu[child]) for child in children)
        todo += children
    return found


class ChildrenCpu:
    """The CPU time of this process's child processes (Chromium's), sampled while it runs."""

    def __init__(self) -> None:
        self.seen: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.seen.update(descendants_cpu(os.getpid()))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def total(self) -> float:
        return sum(self.seen.values())


def median_of(run, runs: int = RUNS) -> tuple[float, int]:
    run()   # warm-up
    timings, cpu, size = [], [], 0
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        size = run()
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    CPU[run] = statistics.median(cpu)
    return statistics.median(timings), size


# The median CPU time of each run measured (this process only): on a busy machine it moves
# far less than the wall clock, so a ratio to the floor is printed in both.
CPU: dict = {}


def floor_connection(url: str):
    """A bare DB-API connection to the bench database (no SQLAlchemy, no app)."""
    if url.startswith("sqlite"):
        import sqlite3

        return sqlite3.connect(url.removeprefix("sqlite:///")), "?"
    import psycopg

    return psycopg.connect(sa.make_url(url).set(drivername="postgresql")
                           .render_as_string(hide_password=False)), "%s"


def main() -> None:
    app = bench_app()
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        plan = make_plan(ITEMS)
        plan_id = plan.id
        user = User(email="bench@example.vn", name="Bench", role=Role.ADMIN.value,
                    agency_id=plan.owner_agency_id)
        user.set_password("bench-password-1")
        db.session.add(user)
        db.session.commit()
        url = db.engine.url.render_as_string(hide_password=False)
        print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
        print(f"built a plan of {ITEMS} items in {time.perf_counter() - started:.1f} s")

    connection, mark = floor_connection(url)
    sql = FLOOR_SQL.replace("%s", mark)

    def floor_html():
        rows = connection.execute(sql, (plan_id,)).fetchall()
        return len(FLOOR_HTML.render(rows=rows).encode())

    def floor_csv():
        rows = connection.execute(sql, (plan_id,)).fetchall()
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        return len(out.getvalue().encode())

    floors = {"html": median_of(floor_html)[0], "csv": median_of(floor_csv)[0]}
    floors_cpu = {"html": CPU[floor_html], "csv": CPU[floor_csv]}
    print(load())
    print(f"floor: bare fetch + Jinja loop {floors['html'] * 1000:.0f} ms "
          f"(CPU {floors_cpu['html'] * 1000:.0f} ms), bare fetch + csv.writer "
          f"{floors['csv'] * 1000:.0f} ms (CPU {floors_cpu['csv'] * 1000:.0f} ms)")

    # The PDF is timed as made in the request: above this many rows the app hands it to the
    # worker (tracker/appendix/jobs.py) and answers 303 with a waiting page.
    app.config["TRACKER_PDF_BACKGROUND_ROWS"] = ITEMS
    client = app.test_client()
    client.post("/login", data={"email": "bench@example.vn", "password": "bench-password-1"})

    def get(path):
        def run():
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            return len(response.get_data())
        return run

    base = f"/plans/{plan_id}/appendix"
    cases = [("print view", base, 3 * floors["html"], "3 × floor", "html"),
             ("CSV", base + ".csv", 3 * floors["csv"], "3 × floor", "csv"),
             ("DOCX", base + ".docx", 1.0, "1 s", None),
             ("XLSX", base + ".xlsx", 1.0, "1 s", None)]
    for label, path, target, target_text, floor in cases:
        run = get(path)
        median, size = median_of(run)
        verdict = "OK" if median <= target else "OVER TARGET"
        cpu = f"CPU {CPU[run] * 1000:.0f} ms"
        if floor:
            cpu += f" = {CPU[run] / floors_cpu[floor]:.1f} × the floor's CPU"
        print(f"{ITEMS} items {label:12} median {median * 1000:7.0f} ms  {size / 1024:6.0f} KiB  "
              f"(target {target_text} = {target * 1000:.0f} ms: {verdict}; {cpu})  "
              f"RSS {rss_mb():.0f} MB  {load()}")
    if find_chromium(app.config.get("CHROMIUM_PATH")):
        started, started_cpu = time.perf_counter(), time.process_time()
        with ChildrenCpu() as chromium:
            size = get(base + ".pdf")()
        took = time.perf_counter() - started
        cpu = time.process_time() - started_cpu + chromium.total
        print(f"{ITEMS} items {'PDF':12} 1 run  {took:7.1f} s  {size / 1024:6.0f} KiB  "
              f"(target 8 s: {'OK' if took <= 8 else 'OVER TARGET'}; CPU {cpu:.1f} s with "
              f"Chromium's processes)  {load()}")
    print(f"resident memory after the exports: {rss_mb():.0f} MB (target ≤ 200 MB)")


if __name__ == "__main__":
    main()
