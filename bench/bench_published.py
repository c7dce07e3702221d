"""Benchmark: an imported list printed as published — 5,000 items, 3 columns of its own,
20 sections — as the print view and as DOCX, through the app.

Run on demand (not part of the test suite):

    make bench-published                                   # SQLite file in a temp folder
    DATABASE_URL=postgresql+psycopg://... make bench-published   # an EMPTY PostgreSQL database

The list is built as a published table (header row, a heading row merged across before
each of the 20 sections, STT restarting per section "1.1 …", two-line items every 50th
row) and saved through the one import path (`imports.import_source`), then printed with
Flask's test client (routing, login, queries, rendering). Prints the median and worst of
the timed runs and the SQL queries per request.
Targets (issue #9): print view < 0.3 s, DOCX < 3 s.
"""
from __future__ import annotations

import os
import time

from common import add_bench_user, bench_app, signed_in, timed_get

from tracker.agencies import AgencyDirectory
from tracker.appendix.imports import import_source
from tracker.appendix.readers import SourceTable
from tracker.extensions import db
from tracker.models import Role

ITEMS = int(os.environ.get("BENCH_ITEMS", "5000"))
SECTIONS = int(os.environ.get("BENCH_SECTIONS", "20"))
HEADER = ["STT", "Nhiệm vụ, giải pháp", "Đơn vị thực hiện", "Đơn vị phối hợp",
          "Thời gian thực hiện", "Sản phẩm đầu ra", "Nguồn kinh phí", "Ghi chú"]
PERIODS = ("2026 - 2030", "Năm 2026", "Quý IV/2025- Quý II/2026", "Tháng 12/2025",
           "Trước ngày 30/11/2025", "Thường xuyên", "Hằng năm")
LEADS = ("Sở Khoa học và Công nghệ", "Sở Tài chính", "Sở Nội vụ", "Bộ CHQS tỉnh; UBND cấp xã")
TITLE = ("Triển khai chiến lược, kế hoạch chuyển đổi số, lộ trình số hóa và thông minh hóa "
         "lĩnh vực hạ tầng, nhiệm vụ số {n}")


def roman(number: int) -> str:
    out = ""
    for value, letters in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while number >= value:
            out, number = out + letters, number - value
    return out


def published_grid() -> SourceTable:
    rows = [["PHỤ LỤC"], ["DANH MỤC CÁC NHIỆM VỤ, GIẢI PHÁP TRỌNG TÂM"],
            ["(Kèm theo Kế hoạch số 179/KH-UBND ngày 18 tháng 11 năm 2025)"], HEADER]
    spans = {}
    per_section = ITEMS // SECTIONS
    for section in range(SECTIONS):
        spans[(len(rows), 1)] = len(HEADER) - 1
        rows.append([roman(section + 1), f"NHÓM NHIỆM VỤ SỐ {section + 1}"] + [""] * 6)
        for i in range(per_section):
            n = section * per_section + i
            rows.append([f"{section + 1}.{i + 1}", TITLE.format(n=n + 1), LEADS[n % 4],
                         "Các sở, ban, ngành; UBND các phường, xã", PERIODS[n % len(PERIODS)],
                         "Kế hoạch, báo cáo", "Ngân sách tỉnh", "Ưu tiên" if n % 7 else ""])
            if n % 50 == 0:     # a second lead line, its STT, title and period merged down
                rows.append(["", "", "UBND các phường, xã", "Các doanh nghiệp", "", "", "", ""])
    return SourceTable("bench", rows, spans=spans, merged=set())


def main() -> None:
    app = bench_app()
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        directory = AgencyDirectory.load()
        owner = directory.find_or_create("Văn phòng UBND tỉnh")
        add_bench_user(Role.ADMIN, agency=owner)
        db.session.flush()
        imported, plan = import_source(published_grid(), owner_agency_id=owner.id)
        assert plan is not None, imported.result.errors[:5]
        db.session.commit()
        plan_id = plan.id
        print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
        print(f"imported {len(imported.result.rows)} items, {len(imported.result.sections)} "
              f"sections, {len(HEADER) - 5} own columns in {time.perf_counter() - started:.1f} s")
        engine = db.engine

    client = signed_in(app)
    for suffix, query, target in (("", "", 0.3), (".docx", "", 3), ("", "?progress=1", None),
                                  (".docx", "?progress=1", None)):
        timed_get(client, engine, f"/plans/{plan_id}/appendix{suffix}{query}",
                  f"published {ITEMS} items {suffix or 'print view'}{query}", target)


if __name__ == "__main__":
    main()
