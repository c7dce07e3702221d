"""Benchmark: a national service in one PostgreSQL database, ~1,000,000 items.

Run on demand (not part of the test suite), on an EMPTY PostgreSQL database:

    DATABASE_URL=postgresql+psycopg://tracker:tracker@127.0.0.1:5432/scale \\
        .venv/bin/python bench/bench_scale.py          # or: make bench-scale

Sizes come from the environment: SCALE_PROVINCES (34), SCALE_AGENCIES (30 per province, the
provincial office among them), SCALE_ITEMS (1,000,000), SCALE_YEARS (15: half-year lists
back from this year), SCALE_RUNS (7 timed requests per page). SCALE_REUSE=1 times a
database this script filled before without loading it again.

The data are written set-based (INSERT … SELECT over generate_series, pseudo-random but
seeded): agencies, users (officers and a manager per agency, a consolidating office per
province), one list per owner agency and half-year, the items (periods as the app stores
them: the label and the deadline computed from it by `tracker.periods`, "Thường xuyên"
without one; completed on time and late with their Tờ trình, postponed, withdrawn, pending
requests; co-lead and coordinating agencies), about two journal entries per item, and the
search index `item_search`: each distinct text is folded once in Python by the app's own
functions (tracker/search/text.py), then every row is assembled in SQL; a sample is checked
against the app's indexer. Then each page is requested through the whole WSGI app (Flask's
test client: routing, login, queries, templates; no network), and a day's reminders are
planned as the scheduler plans them. Prints one table: name, median and worst ms, queries.
"""
from __future__ import annotations

import logging
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker import involvement  # noqa: E402
from tracker.periods import parse_period  # noqa: E402
from tracker.search.text import agency_text, document_numbers, fold  # noqa: E402
from tracker.text import name_key  # noqa: E402

PASSWORD = "bench-password-1"
# The 34 provinces and cities since 1 July 2025.
PROVINCES = [
    "thành phố Hà Nội", "thành phố Huế", "tỉnh Lai Châu", "tỉnh Điện Biên", "tỉnh Sơn La",
    "tỉnh Lạng Sơn", "tỉnh Quảng Ninh", "tỉnh Thanh Hóa", "tỉnh Nghệ An", "tỉnh Hà Tĩnh",
    "tỉnh Cao Bằng", "tỉnh Tuyên Quang", "tỉnh Lào Cai", "tỉnh Thái Nguyên", "tỉnh Phú Thọ",
    "tỉnh Bắc Ninh", "tỉnh Hưng Yên", "thành phố Hải Phòng", "tỉnh Ninh Bình",
    "tỉnh Quảng Trị", "thành phố Đà Nẵng", "tỉnh Quảng Ngãi", "tỉnh Gia Lai", "tỉnh Khánh Hòa",
    "tỉnh Lâm Đồng", "tỉnh Đắk Lắk", "thành phố Hồ Chí Minh", "tỉnh Đồng Nai", "tỉnh Tây Ninh",
    "thành phố Cần Thơ", "tỉnh Vĩnh Long", "tỉnh Đồng Tháp", "tỉnh Cà Mau", "tỉnh An Giang",
]
# Name (followed by the province) and the code its documents carry.
DEPARTMENTS = [
    ("Sở Tài chính", "STC"), ("Sở Nội vụ", "SNV"), ("Sở Tư pháp", "STP"),
    ("Sở Công Thương", "SCT"), ("Sở Xây dựng", "SXD"), ("Sở Y tế", "SYT"),
    ("Sở Giáo dục và Đào tạo", "SGDĐT"), ("Sở Khoa học và Công nghệ", "SKHCN"),
    ("Sở Nông nghiệp và Môi trường", "SNNMT"), ("Sở Văn hóa, Thể thao và Du lịch", "SVHTTDL"),
    ("Sở Ngoại vụ", "SNgV"), ("Sở Dân tộc và Tôn giáo", "SDTTG"), ("Thanh tra", "TTr"),
    ("Ban Quản lý các khu công nghiệp", "BQLKCN"), ("Bộ Chỉ huy Quân sự", "BCHQS"),
    ("Công an", "CA"), ("Đài Phát thanh và Truyền hình", "PTTH"), ("Trường Chính trị", "TCT"),
    ("Ban Quản lý dự án đầu tư xây dựng các công trình dân dụng", "BQLDA"),
    ("Quỹ Đầu tư phát triển", "QĐTPT"), ("Liên minh Hợp tác xã", "LMHTX"),
    ("Trung tâm Phục vụ hành chính công", "TTPVHCC"),
    ("Văn phòng Đoàn đại biểu Quốc hội và Hội đồng nhân dân", "VPĐĐBQH"),
    ("Ban Quản lý Khu kinh tế", "BQLKKT"), ("Bảo hiểm xã hội", "BHXH"),
    ("Cục Thuế", "CT"), ("Kho bạc Nhà nước khu vực", "KBNN"),
    ("Ban Quản lý rừng phòng hộ", "BQLR"), ("Trung tâm Xúc tiến đầu tư", "TTXTĐT"),
]
SUBJECTS = ["Quy hoạch", "Đề án phát triển", "Kế hoạch thực hiện", "Chương trình",
            "Nghị quyết về", "Quyết định phê duyệt", "Báo cáo tổng kết", "Phương án",
            "Dự án đầu tư", "Đề án sắp xếp", "Quy định về", "Kế hoạch chuyển đổi số"]
TOPICS = ["công nghiệp hỗ trợ", "du lịch sinh thái", "nông nghiệp công nghệ cao",
          "hạ tầng giao thông", "chợ và siêu thị", "khuyến công địa phương",
          "cải cách hành chính", "đô thị thông minh", "an toàn thực phẩm",
          "thương mại điện tử", "năng lượng tái tạo", "cà phê bền vững",
          "giáo dục nghề nghiệp", "y tế cơ sở", "bảo tồn văn hóa dân tộc",
          "phòng chống thiên tai", "khu kinh tế cửa khẩu", "xây dựng nông thôn mới",
          "quản lý đất đai", "xuất khẩu nông sản", "nhà ở xã hội", "chính quyền số"]
NOTES = ["", "", "", "Đang lấy ý kiến các sở, ngành", "Chờ hướng dẫn của Bộ",
         "Đã gửi Sở Tư pháp thẩm định", "Lồng ghép với đề án chung của tỉnh"]
COORDINATION = ["Các Sở, ban ngành, địa phương liên quan", "UBND các xã, phường",
                "Sở Tài chính; Sở Nội vụ", "Sở Tư pháp và các cơ quan liên quan", ""]
APPROVING = ["UBND tỉnh", "Chủ tịch UBND tỉnh", "HĐND tỉnh"]


@dataclass(frozen=True)
class Sizes:
    provinces: int = 34
    agencies: int = 30          # per province, its consolidating office included
    items: int = 1_000_000
    years: int = 15

    @classmethod
    def from_env(cls) -> Sizes:
        return cls(provinces=int(os.environ.get("SCALE_PROVINCES", "34")),
                   agencies=int(os.environ.get("SCALE_AGENCIES", "30")),
                   items=int(os.environ.get("SCALE_ITEMS", "1000000")),
                   years=int(os.environ.get("SCALE_YEARS", "15")))


def province_name(p: int) -> str:
    return PROVINCES[p % len(PROVINCES)] + (f" {p // len(PROVINCES) + 1}" if p >= len(PROVINCES)
                                            else "")


def department(a: int) -> tuple[str, str]:
    """The a-th department (1-based) of a province: name without the province, code."""
    if a <= len(DEPARTMENTS):
        return DEPARTMENTS[a - 1]
    return f"UBND xã số {a}", f"UBND{a}"


def email(role: str, p: int, a: int, k: int = 1) -> str:
    """The address of the k-th `role` of agency `a` (0: the office) of province `p`."""
    return f"{role}{k}.p{p:02d}.a{a:02d}@scale.vn"


# --- loading -------------------------------------------------------------------------------

def run(conn: sa.Connection, statement: str) -> sa.CursorResult:
    """A statement as written (no parameters: a "%" is the modulo operator)."""
    return conn.exec_driver_sql(statement.replace("%", "%%"))


def _copy(conn: sa.Connection, table: str, columns: list[str], rows) -> None:
    """COPY rows into a table through the connection's own psycopg cursor."""
    with conn.connection.driver_connection.cursor() as cursor, \
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _fold_table(conn: sa.Connection, name: str, select_texts: str, folder) -> int:
    """A temporary table `name`(source, folded) of every distinct text `select_texts` yields,
    each folded once in Python by `folder` (an empty result is stored as NULL, as the
    indexer leaves out empty parts)."""
    run(conn, f"CREATE TEMP TABLE {name} (source text PRIMARY KEY, folded text) ON COMMIT DROP")
    texts = [row[0] for row in run(conn, select_texts) if row[0] is not None]
    _copy(conn, name, ["source", "folded"], ((text, folder(text) or None) for text in texts))
    run(conn, f"ANALYZE {name}")
    return len(texts)


def _periods(first_year: int, last_year: int) -> list[tuple]:
    """(year, half, choice, label, deadline): the periods a list of that half-year gives its
    items, parsed and dated by the app (tracker.periods) as a typed period would be."""
    rows = []
    for year in range(first_year, last_year + 2):
        for half in (1, 2):
            labels = ([f"Quý {'I II III IV'.split()[half * 2 - 2 + q]}/{year}" for q in range(2)]
                      + [f"Tháng {half * 6 - 5 + m}/{year}" for m in range(6)]
                      + [f"6 tháng {'đầu' if half == 1 else 'cuối'} năm {year}", f"Năm {year}"])
            for choice, label in enumerate(labels):
                period = parse_period(label)
                assert period.label == label, (label, period.label)
                rows.append((year, half, choice, label, period.deadline()))
    return rows


def _secondary_indexes(conn: sa.Connection, tables: list[str]) -> list[tuple[str, str, str]]:
    """(table, name, definition) of the indexes of `tables` that no constraint owns."""
    return [tuple(row) for row in conn.execute(sa.text(
        "SELECT tablename, indexname, indexdef FROM pg_indexes "
        "WHERE schemaname = current_schema() AND tablename = ANY(:tables) "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint)"), {"tables": tables})]


def _foreign_keys(conn: sa.Connection, tables: list[str]) -> list[tuple[str, str, str]]:
    """(table, name, definition) of the foreign keys of `tables`: dropped for the load (a
    check per row costs more than the rows) and added back after, checked in one pass."""
    return [tuple(row) for row in conn.execute(sa.text(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid::regclass::text = ANY(:tables)"), {"tables": tables})]


def _set_aside(conn: sa.Connection, tables: list[str]) -> list[tuple[str, str, str]]:
    """Drop the secondary indexes and the foreign keys of `tables` for the load (rebuilding
    an index, checking a key in one pass, cost less than doing it row by row); returns
    (table, statement putting it back, kind) for `_put_back`."""
    aside = []
    for table, name, definition in _secondary_indexes(conn, tables):
        run(conn, f'DROP INDEX "{name}"')
        aside.append((table, definition, "index"))
    for table, name, definition in _foreign_keys(conn, tables):
        run(conn, f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        aside.append((table, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}', "key"))
    return aside


def _put_back(conn: sa.Connection, aside: list[tuple[str, str, str]], tables: set[str]) -> None:
    for table, statement, _kind in aside:
        if table in tables:
            run(conn, statement)


def generate(conn: sa.Connection, sizes: Sizes, today: date, *, seed: float = 0.13,
             log=print, timezone: str = "Asia/Ho_Chi_Minh") -> dict[str, int]:
    """Fill an empty schema (PostgreSQL) with a national data set of `sizes`, dated around
    `today` (`timezone`: the app's TRACKER_TIMEZONE, which dates an ending recorded without
    a document). Returns the row counts."""
    from tracker.models import User

    started = [time.perf_counter()]

    def step(what: str) -> None:
        now = time.perf_counter()
        log(f"  {what:58} {now - started[0]:6.1f} s")
        started[0] = now

    run(conn, "SET LOCAL maintenance_work_mem = '1GB'")
    run(conn, "SET LOCAL work_mem = '64MB'")
    conn.execute(sa.text("SELECT setseed(:seed)"), {"seed": seed})
    heavy = ["item", "journal_entry", "item_search", "item_lead_agency", "item_coordinator"]
    aside = _set_aside(conn, heavy)

    # Agencies: per province the office (number 0) and its departments; a helper table keeps
    # each one's province, number and document code.
    agencies, helper = [], []
    for p in range(sizes.provinces):
        province = province_name(p)
        office = f"Văn phòng UBND {province}"
        agencies.append((office, name_key(office), True, True, None))
        helper.append((p, 0, "VP"))
        for a in range(1, sizes.agencies):
            base, code = department(a)
            name = f"{base} {province}"
            mailbox = f"vanthu.p{p:02d}.a{a:02d}@scale.vn" if a % 3 == 0 else None
            agencies.append((name, name_key(name), False, True, mailbox))
            helper.append((p, a, code))
    _copy(conn, "agency", ["name", "name_key", "is_consolidating_office", "active",
                           "shared_mailbox"], agencies)
    run(conn, "CREATE TEMP TABLE scale_agency (agency_id int PRIMARY KEY, "
                         "province int, number int, code text, province_name text) ON COMMIT DROP")
    ids = list(conn.scalars(sa.text("SELECT id FROM agency ORDER BY id")))
    _copy(conn, "scale_agency", ["agency_id", "province", "number", "code", "province_name"],
          ((agency_id, p, a, code, province_name(p))
           for agency_id, (p, a, code) in zip(ids, helper, strict=True)))
    run(conn, "CREATE UNIQUE INDEX ON scale_agency (province, number)")
    run(conn, "ANALYZE scale_agency")

    # Users: two officers and a manager per department; a manager, an officer and a viewer
    # per office. One password hash serves them all (it carries its own salt).
    user = User()
    user.set_password(PASSWORD)
    users = []
    for agency_id, (p, a, _code) in zip(ids, helper, strict=True):
        roles = (("manager", 1), ("officer", 1), ("viewer", 1)) if a == 0 else \
            (("officer", 1), ("officer", 2), ("manager", 1))
        for role, k in roles:
            users.append((email(role, p, a, k), f"Cán bộ {role} {k} p{p} a{a}",
                          user.password_hash, role, agency_id, True, 1, "", "vi",
                          "2024-01-01T00:00:00+00:00"))
    _copy(conn, "user_account", ["email", "name", "password_hash", "role", "agency_id",
                                 "active", "session_version", "muted_notices", "locale",
                                 "created_at"], users)
    step(f"{len(agencies)} agencies, {len(users)} users")

    # Lists: one per department and half-year, numbered 1…P in a helper table.
    first_year = today.year - sizes.years + 1
    run(conn, "CREATE TEMP TABLE scale_period (year int, half int, choice int, "
                         "label text, deadline date, PRIMARY KEY (year, half, choice)) ON COMMIT DROP")
    _copy(conn, "scale_period", ["year", "half", "choice", "label", "deadline"],
          _periods(first_year, today.year))
    conn.execute(sa.text("""
        CREATE TEMP TABLE scale_plan ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY h.year, h.half, a.province, a.number) AS k,
               a.agency_id AS owner_id, a.province, a.number, a.code, a.province_name,
               h.year, h.half
        FROM scale_agency a
        CROSS JOIN (SELECT y AS year, half FROM generate_series(CAST(:first AS int), CAST(:last AS int)) y,
                    generate_series(1, 2) half) h
        WHERE a.number > 0"""), {"first": first_year, "last": today.year})
    run(conn, """
        INSERT INTO plan (title, owner_agency_id, attached_to, appendix_label, created_at,
                          version)
        SELECT 'Danh mục đề án, văn bản trình UBND ' || s.province_name ||
               CASE WHEN s.half = 1 THEN ' 6 tháng đầu năm ' ELSE ' 6 tháng cuối năm ' END ||
               s.year,
               s.owner_id,
               'Báo cáo số ' || (s.k % 900 + 1) || '/BC-' || s.code || ' ngày ' ||
               CASE WHEN s.half = 1 THEN '15/12/' || (s.year - 1) ELSE '15/6/' || s.year END ||
               ' của ' || a.name,
               '', make_date(s.year, s.half * 6 - 5, 1) - 20, 1
        FROM scale_plan s JOIN agency a ON a.id = s.owner_id ORDER BY s.k""")
    run(conn, "ALTER TABLE scale_plan ADD COLUMN plan_id int")
    run(conn, """
        UPDATE scale_plan s SET plan_id = p.id
        FROM (SELECT id, row_number() OVER (ORDER BY id) AS k FROM plan) p WHERE p.k = s.k""")
    run(conn, "ALTER TABLE scale_plan ADD PRIMARY KEY (k)")
    run(conn, "ANALYZE scale_plan")
    plans = conn.scalar(sa.text("SELECT count(*) FROM scale_plan"))
    step(f"{plans} lists")

    # Items: numbered by list (a list's items are entered together), the draws made once
    # per item (a materialised CTE: random() is not evaluated again), every column derived
    # from them. An item due more than a month ago is mostly completed (on time or late),
    # else overdue, postponed or withdrawn; later ones are mostly still open. A completed
    # item was submitted up to 85 days before its deadline (on time) or up to 120 after
    # (late), never after today. A postponement moves the deadline to the same kind of
    # period half a year later.
    conn.execute(sa.text("""
        CREATE TEMP TABLE scale_item ON COMMIT DROP AS
        WITH draw AS MATERIALIZED (
          SELECT g, ((g - 1)::bigint * :plans / :items + 1)::int AS k,
                 random() AS r_lead, random() AS r_period, random() AS r_status,
                 random() AS r_days, random() AS r_text, random() AS r_more
          FROM generate_series(1, :items) g),
        placed AS (
          SELECT d.*, s.plan_id, s.owner_id, s.province, s.province_name, s.year, s.half,
                 row_number() OVER (PARTITION BY d.k ORDER BY d.g) AS position,
                 CASE WHEN d.r_lead < 0.8 THEN s.number
                      ELSE 1 + floor(d.r_lead * 1000)::int % (:agencies - 1) END AS lead_number,
                 CASE WHEN d.r_period < 0.05 THEN NULL
                      WHEN d.r_period < 0.55 THEN floor(d.r_period * 1000)::int % 2
                      WHEN d.r_period < 0.85 THEN 2 + floor(d.r_period * 1000)::int % 6
                      WHEN d.r_period < 0.95 THEN 8 ELSE 9 END AS choice
          FROM draw d JOIN scale_plan s ON s.k = d.k),
        dated AS (
          SELECT x.*, la.agency_id AS lead_id, la.code,
                 coalesce(p.label, 'Thường xuyên') AS label, p.deadline AS due,
                 CASE WHEN coalesce(p.deadline, make_date(x.year, x.half * 6, 28)) < :settled
                 THEN CASE
                   WHEN r_status < 0.35 THEN 'approved' WHEN r_status < 0.82 THEN 'submitted'
                   WHEN r_status < 0.86 THEN 'withdrawn' WHEN r_status < 0.89 THEN 'postponed'
                   WHEN r_status < 0.93 THEN 'in_progress' WHEN r_status < 0.96 THEN 'consulting'
                   WHEN r_status < 0.98 THEN 'returned' ELSE 'not_started' END
                 ELSE CASE
                   WHEN r_status < 0.25 THEN 'not_started' WHEN r_status < 0.65 THEN 'in_progress'
                   WHEN r_status < 0.78 THEN 'consulting' WHEN r_status < 0.86 THEN 'submitted'
                   WHEN r_status < 0.88 THEN 'approved' WHEN r_status < 0.92 THEN 'returned'
                   WHEN r_status < 0.96 THEN 'postponed' ELSE 'withdrawn' END END AS status
          FROM placed x
          JOIN scale_agency la ON la.province = x.province AND la.number = x.lead_number
          LEFT JOIN scale_period p
            ON p.year = x.year AND p.half = x.half AND p.choice = x.choice)
        SELECT y.*,
               CASE WHEN y.status IN ('submitted', 'approved', 'withdrawn') THEN
                 LEAST(:today, CASE
                   WHEN y.due IS NULL THEN make_date(y.year, y.half * 6 - 5, 1)
                                           + floor(y.r_days * 170)::int
                   WHEN y.r_days < 0.7 THEN y.due - floor(y.r_days * 85)::int
                   ELSE y.due + 1 + floor((y.r_days - 0.7) * 400)::int END) END AS ended,
               np.label AS new_label, np.deadline AS new_due
        FROM dated y
        LEFT JOIN scale_period np ON y.status = 'postponed' AND np.choice = y.choice
          AND np.year = y.year + y.half - 1 AND np.half = 3 - y.half"""),
        {"items": sizes.items, "plans": plans, "agencies": max(sizes.agencies, 2),
         "settled": today - timedelta(days=30), "today": today})
    run(conn, "ALTER TABLE scale_item ADD PRIMARY KEY (g)")
    run(conn, "ANALYZE scale_item")
    step("item draws")

    def array(values: list[str]) -> str:
        return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"

    conn.execute(sa.text(f"""
        INSERT INTO item (id, plan_id, position, title, lead_agency_id, lead_text, number_text,
          coordination, due_period, due_date, original_due_period, original_due_date,
          requested_due_period, withdrawal_requested, approving_level, status, submission_ref,
          outcome_ref, notes, updated_at, version)
        SELECT i.g, i.plan_id, i.position,
          ({array(SUBJECTS)})[1 + floor(i.r_text * 1000)::int % {len(SUBJECTS)}] || ' ' ||
          ({array(TOPICS)})[1 + floor(i.r_text * 100000)::int % {len(TOPICS)}] ||
          CASE WHEN i.r_more < 0.3 THEN ' giai đoạn ' || i.year || '-' || (i.year + 4)
               WHEN i.r_more < 0.6 THEN ' năm ' || i.year
               ELSE ' trên địa bàn ' || i.province_name END,
          i.lead_id, '', '',
          ({array(COORDINATION)})[1 + floor(i.r_more * 1000)::int % {len(COORDINATION)}],
          coalesce(i.new_label, i.label), coalesce(i.new_due, i.due), i.label, i.due,
          CASE WHEN i.status IN ('not_started', 'in_progress', 'consulting', 'returned')
                AND i.due IS NOT NULL AND i.r_days < 0.012
               THEN 'Quý IV/' || (i.year + 1) END,
          i.status IN ('in_progress', 'consulting') AND i.r_days > 0.996,
          ({array(APPROVING)})[1 + floor(i.r_more * 3000)::int % {len(APPROVING)}],
          i.status,
          CASE WHEN i.status IN ('submitted', 'approved') THEN
            'Tờ trình số ' || (i.g % 997 + 1) || '/TTr-' || i.code || ' ngày ' ||
            to_char(i.ended, 'FMDD/FMMM/YYYY') END,
          CASE WHEN i.status = 'approved' THEN
            'Quyết định số ' || (i.g % 2999 + 1) || '/QĐ-UBND ngày ' ||
            to_char(i.ended + 20, 'FMDD/FMMM/YYYY') END,
          ({array(NOTES)})[1 + floor(i.r_more * 7000)::int % {len(NOTES)}],
          CASE WHEN i.ended IS NOT NULL THEN i.ended + time '16:30'
               ELSE make_date(i.year, i.half * 6 - 5, 1) - 20 + time '08:00' END
            + (i.g % 300) * interval '1 minute', 1
        FROM scale_item i ORDER BY i.g"""))
    run(conn, "SELECT setval(pg_get_serial_sequence('item', 'id'), "
                         "(SELECT max(id) FROM item))")
    step(f"{sizes.items} items")

    # Lead agencies: the lead of each item, and a co-lead for one in twenty (its lead cell
    # names both, the lead first); coordinators: none to two departments of the province.
    departments = max(sizes.agencies - 1, 1)
    run(conn, f"""
        INSERT INTO item_lead_agency (item_id, agency_id)
        SELECT g, lead_id FROM scale_item
        UNION
        SELECT i.g, a.agency_id FROM scale_item i JOIN scale_agency a
          ON a.province = i.province AND a.number = 1 + (i.g * 7) % {departments}
        WHERE i.r_more > 0.95""")
    run(conn, """
        UPDATE item SET lead_text = names.text FROM (
          SELECT l.item_id, string_agg(a.name, '; ' ORDER BY a.id <> i.lead_agency_id, a.id)
                 AS text
          FROM item_lead_agency l JOIN agency a ON a.id = l.agency_id
          JOIN item i ON i.id = l.item_id
          GROUP BY l.item_id HAVING count(*) > 1) names
        WHERE item.id = names.item_id""")
    run(conn, f"""
        INSERT INTO item_coordinator (item_id, agency_id)
        SELECT DISTINCT i.g, a.agency_id FROM scale_item i
        CROSS JOIN generate_series(1, 2) n
        JOIN scale_agency a ON a.province = i.province
          AND a.number = 1 + (i.g * (3 + n * 8) + n) % {departments}
        WHERE n <= floor(i.r_text * 3) AND a.agency_id <> i.lead_id""")
    step("lead and coordinating agencies")

    # The journal: "created" for every item, a status change for every item past
    # not_started (with its document and date when it ended), a comment for some.
    run(conn, """
        CREATE TEMP TABLE scale_officer ON COMMIT DROP AS
        SELECT agency_id, min(id) AS user_id FROM user_account WHERE role = 'officer'
        GROUP BY agency_id""")
    run(conn, """
        INSERT INTO journal_entry (item_id, created_at, user_id, agency_id, kind, old_status,
          new_status, note, document_ref, document_date, new_due_period)
        SELECT i.g, make_date(i.year, i.half * 6 - 5, 1) - 20 + time '08:00', NULL, NULL,
               'created', NULL, 'not_started', '', NULL, NULL, NULL
        FROM scale_item i
        UNION ALL
        SELECT i.g, CASE WHEN i.ended IS NOT NULL THEN it.updated_at
                         ELSE make_date(i.year, i.half * 6 - 5, 1) + 30 + time '09:00' END,
               o.user_id, i.lead_id, 'status', 'not_started', i.status,
               CASE i.status WHEN 'withdrawn' THEN 'Không còn phù hợp, đề nghị rút'
                             WHEN 'postponed' THEN 'Chờ ý kiến của Bộ' ELSE 'Cập nhật tiến độ' END,
               it.submission_ref,
               CASE WHEN i.status IN ('submitted', 'approved') THEN i.ended END,
               CASE WHEN i.status = 'postponed' THEN it.due_period END
        FROM scale_item i JOIN item it ON it.id = i.g
        LEFT JOIN scale_officer o ON o.agency_id = i.lead_id
        WHERE i.status <> 'not_started'
        UNION ALL
        SELECT i.g, make_date(i.year, i.half * 6 - 5, 1) + 45 + time '10:00', o.user_id,
               i.lead_id, 'comment', NULL, NULL, 'Đã họp tổ biên tập lần 1', NULL, NULL, NULL
        FROM scale_item i LEFT JOIN scale_officer o ON o.agency_id = i.lead_id
        WHERE i.r_days BETWEEN 0.2 AND 0.45
        ORDER BY 2""")
    journal = conn.scalar(sa.text("SELECT count(*) FROM journal_entry"))
    step(f"{journal} journal entries")
    # Item.ended_on as the app's listener keeps it (tracker/scorecard/ended.py): the
    # document's date of a submission or an issue, the local day of a withdrawal recorded
    # without one (its journal entry's time is the item's updated_at).
    conn.execute(sa.text("""
        UPDATE item SET ended_on = CASE WHEN s.status IN ('submitted', 'approved') THEN s.ended
                                        ELSE (item.updated_at AT TIME ZONE :tz)::date END
        FROM scale_item s
        WHERE s.g = item.id AND s.status IN ('submitted', 'approved', 'withdrawn')"""),
        {"tz": timezone})
    step("items' ending dates")

    _put_back(conn, aside, set(heavy) - {"item_search"})
    run(conn, "ANALYZE item; ANALYZE journal_entry; ANALYZE item_lead_agency; "
                         "ANALYZE item_coordinator; ANALYZE plan; ANALYZE agency")
    step("indexes and foreign keys back")

    pairs = involvement.rebuild(conn)
    run(conn, "ANALYZE plan_agency")
    step(f"{pairs} plan–agency pairs (which agencies take part in which plan)")

    build_search_index(conn, step)
    _put_back(conn, aside, {"item_search"})
    run(conn, "ANALYZE item_search")
    step("search index: trigram index")
    return {"agencies": len(agencies), "users": len(users), "plans": plans,
            "items": sizes.items, "journal": journal}


def build_search_index(conn: sa.Connection, step=lambda what: None) -> None:
    """`item_search` for every item, as tracker/search/index.py writes it (title, notes,
    coordination cell, lead cell, linked agencies by name, documents, the list's report
    number, kept apart by " | "), each distinct text folded once in Python."""
    _fold_table(conn, "fold_title", "SELECT DISTINCT title FROM item", fold)
    _fold_table(conn, "fold_notes", "SELECT DISTINCT notes FROM item", fold)
    _fold_table(conn, "fold_cell", "SELECT coordination FROM item UNION SELECT lead_text "
                "FROM item", lambda text: agency_text([text]))
    _fold_table(conn, "fold_agency", "SELECT DISTINCT name FROM agency",
                lambda text: agency_text([text]))
    _fold_table(conn, "fold_doc", "SELECT submission_ref FROM item UNION SELECT outcome_ref "
                "FROM item UNION SELECT document_ref FROM journal_entry", fold)
    _fold_table(conn, "fold_list", "SELECT DISTINCT attached_to FROM plan",
                lambda text: " | ".join(fold(n) for n in document_numbers(text)))
    step("search index: distinct texts folded")
    run(conn, """
        INSERT INTO item_search (item_id, plan_id, due_date, title, body)
        WITH links AS (
          SELECT id AS item_id, lead_agency_id AS agency_id FROM item
          UNION SELECT item_id, agency_id FROM item_lead_agency
          UNION SELECT item_id, agency_id FROM item_coordinator),
        named AS (
          SELECT l.item_id, string_agg(f.folded, ' | ' ORDER BY a.name) AS text
          FROM links l JOIN agency a ON a.id = l.agency_id
          JOIN fold_agency f ON f.source = a.name GROUP BY l.item_id),
        documents AS (
          SELECT j.item_id, string_agg(f.folded, ' | ' ORDER BY j.id) AS text
          FROM journal_entry j JOIN fold_doc f ON f.source = j.document_ref
          WHERE j.document_ref IS NOT NULL GROUP BY j.item_id)
        SELECT i.id, i.plan_id, i.due_date, coalesce(t.folded, ''),
          concat_ws(' | ', t.folded, n.folded, c.folded, l.folded, named.text, s.folded,
                    o.folded, documents.text, r.folded)
        FROM item i
        JOIN plan p ON p.id = i.plan_id
        LEFT JOIN fold_title t ON t.source = i.title
        LEFT JOIN fold_notes n ON n.source = i.notes
        LEFT JOIN fold_cell c ON c.source = i.coordination
        LEFT JOIN fold_cell l ON l.source = i.lead_text
        LEFT JOIN named ON named.item_id = i.id
        LEFT JOIN fold_doc s ON s.source = i.submission_ref
        LEFT JOIN fold_doc o ON o.source = i.outcome_ref
        LEFT JOIN documents ON documents.item_id = i.id
        LEFT JOIN fold_list r ON r.source = p.attached_to""")
    step("search index: rows")


def check_search_rows(conn: sa.Connection, ids: list[int]) -> int:
    """Rewrite the index rows of `ids` with the app's own indexer and count those that
    differ from what the generator wrote (0: the same folding, the same order)."""
    from tracker.search.index import write_rows

    query = sa.text("SELECT item_id, plan_id, due_date, title, body FROM item_search "
                    "WHERE item_id = ANY(:ids)")
    before = {row[0]: tuple(row) for row in conn.execute(query, {"ids": ids})}
    write_rows(conn, ids)
    after = {row[0]: tuple(row) for row in conn.execute(query, {"ids": ids})}
    return sum(1 for item_id in ids if before.get(item_id) != after.get(item_id))


# --- timing --------------------------------------------------------------------------------

SLOW: list[tuple[float, str, str, object]] = []   # (ms, page, statement, parameters)


def timed(client, path: str, engine, runs: int, name: str = "") -> tuple[float, float, int]:
    """(median, worst, queries) of `runs` GETs of `path` after a warm-up; the time of each
    query of one run is kept in SLOW (the slowest are explained at the end)."""
    queries: list[tuple[str, object]] = []
    started_at: list[float] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        started_at.append(time.perf_counter())

    def after(conn, cursor, statement, parameters, context, executemany):
        queries.append((statement, parameters))
        SLOW.append(((time.perf_counter() - started_at.pop()) * 1000, name or path,
                     statement, parameters))

    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    client.get(path)
    sa.event.remove(engine, "before_cursor_execute", before)
    sa.event.remove(engine, "after_cursor_execute", after)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(timings), max(timings), len(queries)


def explain_slowest(engine, count: int) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the `count` slowest queries met while timing."""
    seen, chosen = set(), []
    for ms, page, statement, parameters in sorted(SLOW, key=lambda row: -row[0]):
        if statement not in seen:
            seen.add(statement)
            chosen.append((ms, page, statement, parameters))
        if len(chosen) == count:
            break
    with engine.connect() as conn:
        for ms, page, statement, parameters in chosen:
            print(f"\n--- {ms:.1f} ms in {page}:\n{statement}\n{parameters}")
            plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement,
                                        parameters or ())
            print("\n".join(row[0] for row in plan))
        conn.rollback()


def timed_call(function, engine, runs: int) -> tuple[float, float, int, object]:
    queries: list[str] = []

    def listener(*args):
        queries.append(args[2])

    sa.event.listen(engine, "before_cursor_execute", listener)
    result = function()
    sa.event.remove(engine, "before_cursor_execute", listener)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), max(timings), len(queries), result


def login(app, address: str):
    client = app.test_client()
    response = client.post("/login", data={"email": address, "password": PASSWORD})
    assert response.status_code == 302, (address, response.status_code)
    return client


def sizes_of_tables(conn: sa.Connection) -> list[tuple[str, int, str, str, str]]:
    """(table, rows, heap, indexes, total) of the biggest tables."""
    return [tuple(row) for row in conn.execute(sa.text("""
        SELECT c.relname, c.reltuples::bigint, pg_size_pretty(pg_table_size(c.oid)),
               pg_size_pretty(pg_indexes_size(c.oid)), pg_size_pretty(pg_total_relation_size(c.oid))
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r' AND n.nspname = current_schema()
        ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 8""")).all()]


def main() -> None:
    from tracker import create_app
    from tracker.extensions import db
    from tracker.notify.service import plan_day

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        sys.exit("DATABASE_URL must name an EMPTY PostgreSQL database "
                 "(postgresql+psycopg://user:password@host/name)")
    sizes = Sizes.from_env()
    runs = int(os.environ.get("SCALE_RUNS", "7"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "SCHEDULER_AUTOSTART": False})
    logging.getLogger("tracker.request").setLevel(logging.WARNING)
    today = date.today()
    with app.app_context():
        engine = db.engine
        print(f"database: {engine.url.render_as_string(hide_password=True)}")
        print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
              f"{os.cpu_count()} cores")
        reuse = os.environ.get("SCALE_REUSE") and sa.inspect(engine).has_table("item")
        if reuse:
            print("reusing the data already there (SCALE_REUSE)")
        else:
            db.create_all()
            started = time.perf_counter()
            with engine.begin() as conn:
                counts = generate(conn, sizes, today,
                                  timezone=app.config["TRACKER_TIMEZONE"])
            with engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "VACUUM ANALYZE")
            print(f"loaded {counts} in {time.perf_counter() - started:.1f} s")
        with engine.begin() as conn:
            total = conn.scalar(sa.text("SELECT count(*) FROM item"))
            sample = list(conn.scalars(sa.text(
                "SELECT id FROM item ORDER BY id LIMIT 1000 OFFSET :at"), {"at": total // 2}))
            differ = check_search_rows(conn, sample)
            print(f"search index: {differ} of {len(sample)} sampled rows differ from the "
                  "app's indexer")
            assert differ == 0
            # The province the pages are timed for: the first, its first department.
            plan_id = conn.scalar(sa.text(
                "SELECT p.id FROM plan p JOIN user_account u ON u.agency_id = p.owner_agency_id "
                "WHERE u.email = :email ORDER BY p.created_at DESC LIMIT 1"),
                {"email": email("officer", 0, 1)})
            plan_items = conn.scalar(sa.text("SELECT count(*) FROM item WHERE plan_id = :id"),
                                     {"id": plan_id})
            tables = sizes_of_tables(conn)

    # Pages are requested outside the app context (each request gets its own, as in
    # production: Flask-Login keeps the user in `g`).
    officer = login(app, email("officer", 0, 1))
    manager = login(app, email("manager", 0, 1))
    office = login(app, email("manager", 0, 0))
    year = today.year - 1
    rows = []

    def page(name: str, client, path: str) -> None:
        median, worst, queries = timed(client, path, engine, runs, name)
        rows.append((name, median, worst, queries))
        print(f"  {name:48} {median * 1000:8.1f} ms", flush=True)

    # The plan page (first page of one list, as its officer sees it).
    response = officer.get(f"/plans/{plan_id}")
    assert response.status_code == 200
    page(f"plan page ({plan_items} items), officer", officer, f"/plans/{plan_id}")
    page("start page, officer", officer, "/")
    page("start page, department manager", manager, "/")
    page("start page, provincial office", office, "/")
    page(f"scorecard {year}, provincial office", office,
         f"/scorecard?kind=year&year={year}&as_of=31/12/{year}")
    page(f"scorecard {year}, department manager", manager,
         f"/scorecard?kind=year&year={year}&as_of=31/12/{year}")
    searches = ["quy hoạch du lịch", "dak lak", "45/TTr-STC", "Sở KH&ĐT",
                "cà phê bền vững", "nhà ở xã hội năm"]
    search_rows = []
    for who, client in (("office", office), ("officer", officer)):
        for query in searches:
            median, worst, queries = timed(client, "/search?" + urlencode({"q": query}),
                                           engine, runs, f"search {query!r}, {who}")
            search_rows.append((median, worst, queries))
            print(f"  search {query!r}, {who}: {median * 1000:.1f} ms", flush=True)
    rows.append((f"search, median of {len(search_rows)} queries (office and officer)",
                 statistics.median(r[0] for r in search_rows),
                 max(r[1] for r in search_rows),
                 int(statistics.median(r[2] for r in search_rows))))
    with app.app_context():
        # A day's planning, as the scheduler runs it (nothing written: the plan is timed).
        day = date(today.year, 9, 30) if today >= date(today.year, 9, 30) else \
            date(today.year - 1, 9, 30)
        median, worst, queries, notices = timed_call(lambda: plan_day(day), db.engine,
                                                     max(3, runs // 2))
        db.session.rollback()
        rows.append((f"a day's reminder planning ({day:%d/%m/%Y}, {len(notices)} notices)",
                     median, worst, queries))

    print()
    print(f"{'name':66} {'median ms':>10} {'max ms':>9} {'queries':>8}")
    for name, median, worst, queries in rows:
        print(f"{name:66} {median * 1000:10.1f} {worst * 1000:9.1f} {queries:8d}")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    explain_slowest(engine, int(os.environ.get("SCALE_EXPLAIN", "4")))
    print()
    print(f"{'table':24} {'rows':>10} {'heap':>10} {'indexes':>10} {'total':>10}")
    for name, count, heap, index, total_size in tables:
        print(f"{name:24} {count:10d} {heap:>10} {index:>10} {total_size:>10}")


if __name__ == "__main__":
    random.seed(13)
    main()
