"""Benchmark: the start page and search over 100,000 items of 60 agencies (24 months).

Run on demand (not part of the test suite):

    .venv/bin/python bench/bench_desk.py                     # SQLite file in a temp folder
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/bench_desk.py   # an EMPTY database

The data are written with bulk inserts (the application's forms would take an hour), then
the search index is rebuilt as `flask search-index` does. Each page is requested through
the whole WSGI app (routing, login, queries, templates) with Flask's test client: server
time without the network, BENCH_RUNS times (15) in rounds, each page once a round. Prints
the median and worst of the timed runs and the number of SQL queries per request.
Targets (issue #13): start page ≤ 100 ms, search ≤ 50 ms (median).
"""
from __future__ import annotations

import logging
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import measure_get  # noqa: E402

from tracker import create_app, involvement  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.models import (  # noqa: E402
    Agency,
    Item,
    JournalEntry,
    Plan,
    Role,
    User,
    item_coordinators,
    item_leads,
)
from tracker.periods import quarter_label  # noqa: E402
from tracker.plans.refusals import refusal_unanswered_sql  # noqa: E402
from tracker.search.index import rebuild  # noqa: E402
from tracker.text import name_key  # noqa: E402

ITEMS = int(os.environ.get("BENCH_ITEMS", "100000"))
AGENCIES = int(os.environ.get("BENCH_AGENCIES", "60"))
MONTHS = 24
RUNS = int(os.environ.get("BENCH_RUNS", "15"))
PASSWORD = "bench-password-1"

DEPARTMENTS = [
    ("Sở Công Thương", "SCT"), ("Sở Tài chính", "STC"), ("Sở Kế hoạch và Đầu tư", "SKHĐT"),
    ("Sở Nội vụ", "SNV"), ("Sở Tư pháp", "STP"), ("Sở Xây dựng", "SXD"),
    ("Sở Y tế", "SYT"), ("Sở Giáo dục và Đào tạo", "SGDĐT"), ("Sở Khoa học và Công nghệ", "SKHCN"),
    ("Sở Nông nghiệp và Môi trường", "SNNMT"), ("Sở Văn hóa, Thể thao và Du lịch", "SVHTTDL"),
    ("Sở Giao thông vận tải", "SGTVT"), ("Sở Lao động - Thương binh và Xã hội", "SLĐTBXH"),
    ("Sở Thông tin và Truyền thông", "STTTT"), ("Sở Ngoại vụ", "SNgV"), ("Thanh tra tỉnh", "TTr"),
    ("Ban Dân tộc tỉnh", "BDT"), ("Ban Quản lý các khu công nghiệp", "BQLKCN"),
    ("Bộ Chỉ huy Quân sự tỉnh", "BCHQS"), ("Công an tỉnh", "CAT"),
]
PLACES = ["Buôn Ma Thuột", "Ea Kar", "Krông Pắc", "Cư M'gar", "Đắk Mil", "Lắk", "Krông Năng",
          "Ea H'leo", "Buôn Đôn", "Cư Kuin", "M'Đrắk", "Krông Bông", "Krông Búk", "Ea Súp",
          "Krông Ana", "Cư Jút", "Đắk Song", "Tuy Đức", "Krông Nô", "Đắk Glong", "Gia Nghĩa",
          "Đắk R'lấp", "Buôn Hồ", "Ea Drăng", "Phước An", "Quảng Phú", "Ea Tling", "Kiến Đức",
          "Đức An", "Liên Sơn", "Krông Kmar", "Ea Pốk", "Buôn Trấp", "Đắk Mâm", "Quảng Khê",
          "Ea T'ling", "Cư Mta", "Ea Knốp", "Krông Klang", "Ea Wy"]
SUBJECTS = ["Quy hoạch", "Đề án phát triển", "Kế hoạch thực hiện", "Chương trình", "Nghị quyết về",
            "Quyết định phê duyệt", "Báo cáo tổng kết", "Phương án", "Dự án đầu tư",
            "Đề án sắp xếp", "Quy định về", "Kế hoạch chuyển đổi số"]
TOPICS = ["công nghiệp hỗ trợ", "du lịch sinh thái", "nông nghiệp công nghệ cao", "hạ tầng giao thông",
          "chợ và siêu thị", "khuyến công địa phương", "cải cách hành chính", "đô thị thông minh",
          "an toàn thực phẩm", "thương mại điện tử", "năng lượng tái tạo", "cà phê bền vững",
          "giáo dục nghề nghiệp", "y tế cơ sở", "bảo tồn văn hóa Ê Đê", "phòng chống thiên tai",
          "khu kinh tế cửa khẩu", "xây dựng nông thôn mới", "quản lý đất đai", "xuất khẩu nông sản"]
STATUSES = ["not_started", "in_progress", "consulting", "submitted", "approved", "returned",
            "postponed", "withdrawn"]
PAST_WEIGHTS = [2, 3, 1, 40, 45, 1, 2, 6]
FUTURE_WEIGHTS = [30, 45, 12, 5, 0, 2, 5, 1]


def agencies() -> list[tuple[str, str]]:
    names = list(DEPARTMENTS)
    for place in PLACES:
        if len(names) >= AGENCIES:
            break
        names.append((f"UBND huyện {place}", "UBND"))
    return names[:AGENCIES]


def load(rng: random.Random) -> None:
    """Agencies, users, 4 half-year lists per agency, the items, their links and journals."""
    today = date.today()
    start = today - timedelta(days=30 * MONTHS)
    conn = db.session.connection()
    names = agencies()
    office = Agency("Văn phòng UBND tỉnh", is_consolidating_office=True)
    db.session.add(office)
    rows = [{"name": name, "name_key": name_key(name), "is_consolidating_office": False,
             "active": True} for name, _ in names]
    conn.execute(sa.insert(Agency), rows)
    db.session.flush()
    ids = list(conn.scalars(sa.select(Agency.id).where(Agency.id != office.id).order_by(Agency.id)))
    codes = dict(zip(ids, [code for _, code in names], strict=True))
    for email, role, agency_id in (("office@bench.vn", Role.MANAGER, office.id),
                                   ("manager@bench.vn", Role.MANAGER, ids[0]),
                                   ("officer@bench.vn", Role.OFFICER, ids[0])):
        user = User(email=email, name=email, role=role.value, agency_id=agency_id)
        user.set_password(PASSWORD)
        db.session.add(user)
    db.session.flush()
    halves = 4
    plans = [{"title": f"Danh mục đề án trình UBND tỉnh {half + 1}/{today.year - 2 + half // 2}",
              "owner_agency_id": agency_id, "attached_to":
              f"Báo cáo số {100 + half}/BC-{codes[agency_id]} ngày 29/5/2024 của {names[i][0]}",
              "appendix_label": "", "created_at": datetime.now(UTC), "version": 1}
             for i, agency_id in enumerate(ids) for half in range(halves)]
    conn.execute(sa.insert(Plan), plans)
    plan_rows = conn.execute(sa.select(Plan.id, Plan.owner_agency_id)).all()
    items, leads, coordinators = [], [], []
    now = datetime.now(UTC)
    for n in range(ITEMS):
        plan_id, owner = plan_rows[n % len(plan_rows)]
        lead = owner if rng.random() < 0.8 else rng.choice(ids)
        due = start + timedelta(days=rng.randrange(30 * MONTHS + 180))
        # As the provinces report: nine in ten items due are done (on time or late).
        if due < today - timedelta(days=30):
            status = rng.choices(STATUSES, PAST_WEIGHTS)[0]
        else:
            status = rng.choices(STATUSES, FUTURE_WEIGHTS)[0]
        where = rng.choice(["tỉnh Đắk Lắk", "huyện " + rng.choice(PLACES),
                            "giai đoạn 2021-2025", f"năm {due.year}"])
        title = f"{rng.choice(SUBJECTS)} {rng.choice(TOPICS)} {where}"
        label = quarter_label(due.year, (due.month - 1) // 3 + 1) if rng.random() < 0.9 \
            else "Thường xuyên"
        ref = f"Tờ trình số {n % 900 + 1}/TTr-{codes[lead]} ngày 20/9/{due.year}" \
            if status in ("submitted", "approved") else None
        items.append({
            "id": n + 1, "plan_id": plan_id, "position": n // len(plan_rows) + 1, "title": title,
            "lead_agency_id": lead, "lead_text": "", "number_text": "",
            "coordination": rng.choice(["Các Sở, ban ngành, địa phương liên quan",
                                        "UBND các huyện, thị xã, thành phố",
                                        f"{rng.choice(names)[0]}; {rng.choice(names)[0]}"]),
            "due_period": label, "due_date": due if label != "Thường xuyên" else None,
            "original_due_period": label, "original_due_date": due if label != "Thường xuyên" else None,
            "requested_due_period": "Quý IV/2027" if rng.random() < 0.01 else None,
            "withdrawal_requested": rng.random() < 0.003,
            "approving_level": rng.choice(["UBND tỉnh", "Chủ tịch UBND tỉnh", "HĐND tỉnh"]),
            "status": status, "submission_ref": ref, "outcome_ref": None,
            "notes": rng.choice(["", "", "Đang lấy ý kiến các sở, ngành", "Chờ hướng dẫn của Bộ"]),
            "updated_at": now - timedelta(days=rng.randrange(120)), "version": 1})
        leads.append({"item_id": n + 1, "agency_id": lead})
        for agency_id in {rng.choice(ids) for _ in range(rng.randrange(3))} - {lead}:
            coordinators.append({"item_id": n + 1, "agency_id": agency_id})
    for batch in range(0, ITEMS, 10_000):
        conn.execute(sa.insert(Item), items[batch:batch + 10_000])
    conn.execute(sa.insert(item_leads), leads)
    conn.execute(sa.insert(item_coordinators), coordinators)
    journal = []

    def entry(**values) -> dict:
        return {"old_status": None, "new_status": None, "document_ref": None,
                "new_due_period": None, "note": "", **values}

    for item in items:
        created = item["updated_at"] - timedelta(days=60)
        journal.append(entry(item_id=item["id"], created_at=created, kind="created",
                             new_status="not_started"))
        if item["status"] != "not_started":
            journal.append(entry(item_id=item["id"], created_at=item["updated_at"],
                                 kind="status", old_status="not_started",
                                 new_status=item["status"], note="Cập nhật tiến độ",
                                 document_ref=item["submission_ref"]))
        if rng.random() < 0.01:
            journal.append(entry(item_id=item["id"], created_at=item["updated_at"],
                                 kind="postponement_refused", new_due_period="Quý IV/2027",
                                 note="Không đồng ý"))
    for batch in range(0, len(journal), 20_000):
        conn.execute(sa.insert(JournalEntry), journal[batch:batch + 20_000])
    # What the app's listener (tracker/plans/refusals.py) writes with each journal entry.
    conn.execute(sa.update(Item).values(refusal_unanswered=refusal_unanswered_sql(),
                                        updated_at=Item.updated_at))
    db.session.commit()
    started = time.perf_counter()
    rebuild(db.session.connection())
    involvement.rebuild(db.session.connection())
    db.session.commit()
    print(f"search index rebuilt in {time.perf_counter() - started:.1f} s")
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as analyse:
            analyse.execute(sa.text("ANALYZE"))
            analyse.commit()
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


def main() -> None:
    tmp = tempfile.mkdtemp()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "SCHEDULER_AUTOSTART": False})
    logging.getLogger("tracker.request").setLevel(logging.WARNING)
    with app.app_context():
        print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
        if os.environ.get("BENCH_REUSE") and sa.inspect(db.engine).has_table("item") \
                and db.session.scalar(sa.select(sa.func.count(Item.id))):
            print("reusing the items already there (BENCH_REUSE)")
        else:
            db.create_all()
            started = time.perf_counter()
            load(random.Random(13))
            print(f"loaded {ITEMS} items of {AGENCIES} agencies in "
                  f"{time.perf_counter() - started:.1f} s")
        engine = db.engine

    pages = [
        ("office", "start page, consolidating office (+ agency table)", "/", 0.100),
        ("manager", "start page, department manager", "/", 0.100),
        ("officer", "start page, officer", "/", 0.100),
    ]
    queries = ["quy hoạch", "dak lak", "45/TTr-SCT", "Sở KH&ĐT", "cà phê bền vững",
               "ubnd huyen krong pac", "khuyen cong"]
    pages += [("office", f"search {q!r}, office", "/search?" + urlencode({"q": q}), 0.050)
              for q in queries]
    pages += [("officer", f"search {q!r}, officer", "/search?" + urlencode({"q": q}), 0.050)
              for q in queries[:3]]
    clients = {}
    for who in ("office", "manager", "officer"):
        clients[who] = app.test_client()
        clients[who].post("/login", data={"email": f"{who}@bench.vn", "password": PASSWORD})
    # A warm-up and the query count of each page, then the timed requests in rounds, each
    # page once a round: this machine's speed swings by half within seconds, and a slow
    # phase so weighs on every page alike instead of on the few measured during it.
    counts = {name: measure_get(clients[who], engine, path, runs=1)[3]
              for who, name, path, _target in pages}
    timings: dict[str, list[float]] = {name: [] for _who, name, _path, _target in pages}
    for _round in range(RUNS):
        for who, name, path, _target in pages:
            started = time.perf_counter()
            response = clients[who].get(path)
            timings[name].append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code)
    search_medians = []
    for _who, name, path, target in pages:
        median, worst = statistics.median(timings[name]), max(timings[name])
        if path.startswith("/search"):
            search_medians.append(median)
        verdict = "OK" if median <= target else "OVER TARGET"
        print(f"{name:55} median {median * 1000:7.1f} ms  max {worst * 1000:7.1f} ms  "
              f"{counts[name]:2d} queries  (target {target * 1000:.0f} ms: {verdict})")
    print(f"search, median of the medians: {statistics.median(search_medians) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
