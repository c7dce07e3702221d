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
import time
from datetime import date

import sqlalchemy as sa
from common import add_bench_user, bench_app, signed_in, timed, timed_get

from tracker.agencies import AgencyDirectory
from tracker.appendix.export_docx import appendix_docx
from tracker.appendix.pdf import find_chromium
from tracker.appendix.service import AppendixOptions, appendix_table
from tracker.extensions import db
from tracker.models import ImportDraft, Item, Role
from tracker.plans.service import ItemFields, add_item, create_plan

# bench_exports.py and others import these from here.
__all__ = ["bench_app", "timed", "timed_get"]

PLANS = int(os.environ.get("BENCH_PLANS", "10"))
ITEMS_PER_PLAN = int(os.environ.get("BENCH_ITEMS_PER_PLAN", "1000"))
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "2000"))
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
        add_bench_user(Role.ADMIN, agency=directory.find_or_create("Văn phòng UBND tỉnh"))
        db.session.commit()
        docx = appendix_docx(appendix_table(Item.plan_id == source.id, AppendixOptions(),
                                            title=source.title, attached_to=source.attached_to,
                                            today=date.today()))
        db.session.execute(sa.delete(Item).where(Item.plan_id == source_id))
        db.session.commit()
        print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
        print(f"built {PLANS} plans × {ITEMS_PER_PLAN} items in {time.perf_counter() - started:.1f} s")
        engine = db.engine

    client = signed_in(app)
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
