"""Benchmark: the consolidated appendix of 10,000 items in every format, and the import
of a 2,000-row DOCX, through the app.

Run on demand (not part of the test suite):

    make bench-appendix                                   # SQLite file in a temp folder
    DATABASE_URL=postgresql+psycopg://... make bench-appendix   # an EMPTY PostgreSQL database

Builds 10 plans of 1,000 items (titles ~150 characters, four lead agencies, every
period form) and asks for the consolidated list, grouped by quarter with the progress
columns, through the whole WSGI app (routing, login, queries, rendering) with Flask's
test client. Then uploads a 2,000-row DOCX (made by the DOCX export of another plan)
to the import page, opens the preview and confirms it. Prints the median and worst
of the timed runs and the SQL queries per request.
Targets (issue #5): HTML < 1 s, CSV < 1 s, XLSX < 5 s, DOCX < 15 s, DOCX import < 5 s.
"""
from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker import create_app  # noqa: E402
from tracker.agencies import AgencyDirectory  # noqa: E402
from tracker.appendix.export_docx import appendix_docx  # noqa: E402
from tracker.appendix.pdf import find_chromium  # noqa: E402
from tracker.appendix.service import AppendixOptions, appendix_table  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.models import ImportDraft, Item, Role, User  # noqa: E402
from tracker.plans.service import ItemFields, add_item, create_plan  # noqa: E402

PLANS = int(os.environ.get("BENCH_PLANS", "10"))
ITEMS_PER_PLAN = int(os.environ.get("BENCH_ITEMS_PER_PLAN", "1000"))
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "2000"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
PERIODS = ("Quý III/2020", "Quý IV/2020", "Tháng 9/2020", "6 tháng cuối năm 2020", "Năm 2021",
           "15/12/2020", "Thường xuyên")
LEADS = ("Sở Công Thương", "Sở Tài chính", "Sở Nội vụ", "Sở Tư pháp")
TITLE = ("Xây dựng và trình UBND tỉnh dự thảo sửa đổi Quyết định ban hành Quy chế phối hợp "
         "quản lý cụm công nghiệp trên địa bàn tỉnh, đợt {n}")


def build_plan(directory: AgencyDirectory, number: int, items: int):
    plan = create_plan(f"Danh mục đề án trình UBND tỉnh năm 2020 – đơn vị {number}",
                       directory.find_or_create(LEADS[number % len(LEADS)]),
                       f"Báo cáo số {number}/BC ngày 29/5/2020")
    db.session.flush()
    for i in range(items):
        add_item(plan, ItemFields(
            title=TITLE.format(n=i + 1), lead_agency_name=LEADS[i % len(LEADS)],
            coordination="Các Sở, ban ngành, địa phương, đơn vị liên quan;\nUBND các huyện",
            due_period=PERIODS[i % len(PERIODS)],
            approving_level="UBND tỉnh" if i % 3 else "Chủ tịch UBND tỉnh", position=i + 1,
        ), directory)
    return plan


def timed(label: str, target: float | None, run, runs: int = RUNS, queries_of=None) -> None:
    run()  # warm-up: templates, caches
    timings, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        size = run()
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    median = statistics.median(timings)
    extra = f"  {queries_of} queries" if queries_of is not None else ""
    if target is None:
        verdict = "no target"
    else:
        verdict = f"target {target:g} s: " + ("OK" if median < target else "OVER TARGET")
    # CPU: this process's (the app's Python and an SQLite engine; not a PostgreSQL server's).
    print(f"{label:48} median {median:6.2f} s  max {max(timings):6.2f} s  "
          f"cpu {statistics.median(cpu):6.2f} s  {size / 1024:8.0f} KiB{extra}  ({verdict})")


def timed_get(client, engine, path: str, label: str, target: float | None) -> None:
    """Time GET `path` (must answer 200), after counting the SQL statements of one request."""
    statements: list[str] = []

    def listener(*args):
        statements.append(args[2])

    sa.event.listen(engine, "before_cursor_execute", listener)
    client.get(path)
    sa.event.remove(engine, "before_cursor_execute", listener)

    def run():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return len(response.data)

    timed(label, target, run, queries_of=len(statements))


def bench_app():
    """The app on DATABASE_URL (an EMPTY database), else on a SQLite file in a temp folder."""
    tmp = tempfile.mkdtemp()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite"
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})


def main() -> None:
    app = bench_app()
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        directory = AgencyDirectory.load()
        for number in range(PLANS):
            build_plan(directory, number, ITEMS_PER_PLAN)
        source = build_plan(directory, PLANS, IMPORT_ROWS)
        db.session.flush()
        source_id = source.id
        user = User(email="bench@example.vn", name="Bench", role=Role.ADMIN.value,
                    agency=directory.find_or_create("Văn phòng UBND tỉnh"))
        user.set_password("bench-password-1")
        db.session.add(user)
        db.session.commit()
        docx = appendix_docx(appendix_table(Item.plan_id == source.id, AppendixOptions(),
                                            title=source.title, attached_to=source.attached_to,
                                            today=date.today()))
        db.session.execute(sa.delete(Item).where(Item.plan_id == source_id))
        db.session.commit()
        print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
        print(f"built {PLANS} plans × {ITEMS_PER_PLAN} items in {time.perf_counter() - started:.1f} s")
        engine = db.engine

    client = app.test_client()
    client.post("/login", data={"email": "bench@example.vn", "password": "bench-password-1"})
    query = "?group=quarter&progress=1"
    for fmt, target in (("", 1), (".csv", 1), (".xlsx", 5), (".docx", 15)):
        timed_get(client, engine, f"/consolidated/appendix{fmt}{query}",
                  f"consolidated {PLANS * ITEMS_PER_PLAN} items {fmt or 'HTML'}", target)

    if find_chromium(app.config.get("CHROMIUM_PATH")):
        def pdf(path="/plans/1/appendix.pdf?progress=1"):
            response = client.get(path)
            assert response.status_code == 200, response.status_code
            return len(response.data)

        timed(f"PDF of one plan ({ITEMS_PER_PLAN} items, Chromium)", None, pdf, runs=1)

    def consolidated_page():
        response = client.get("/consolidated?overdue=y")
        assert response.status_code == 200
        return len(response.data)

    timed(f"consolidated page (50 of {PLANS * ITEMS_PER_PLAN} items, filtered)", None,
          consolidated_page, runs=5)

    def import_docx():
        response = client.post(f"/plans/{source_id}/import", data={
            "upload": (io.BytesIO(docx), "phu-luc.docx")}, content_type="multipart/form-data")
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        preview = response.location
        page = client.get(preview)
        assert page.status_code == 200
        response = client.post(preview, data={"action": "save"})
        assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
        with app.app_context():
            count = db.session.scalar(sa.select(sa.func.count()).select_from(Item)
                                      .where(Item.plan_id == source_id))
            assert count == IMPORT_ROWS, count
            db.session.execute(sa.delete(Item).where(Item.plan_id == source_id))
            db.session.execute(sa.delete(ImportDraft))
            db.session.commit()
        return len(docx)

    timed(f"import {IMPORT_ROWS}-row DOCX (upload, preview, save)", 5, import_docx)


if __name__ == "__main__":
    main()
