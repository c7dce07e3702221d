"""Export then import gives the same items: DOCX, XLSX and CSV, every period form, long
titles, line breaks, grouped or not (pure: table model → file → readers → interpreter)."""
from __future__ import annotations

import os
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.appendix.export_csv import appendix_csv
from tracker.appendix.export_docx import appendix_docx
from tracker.appendix.export_xlsx import appendix_xlsx
from tracker.appendix.importer import interpret, pick_table
from tracker.appendix.readers import read_upload
from tracker.appendix.table import Grouping, ItemSnapshot, Numbering, build_table
from tracker.periods import parse_period
from tracker.text import clean

TODAY = date(2020, 10, 1)
LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
ALPHABET = LETTERS + LETTERS.upper() + "0123456789 ,.;:-–/()\"'=+@%&\n"
PERIODS = st.one_of(
    st.builds(lambda q, y: f"Quý {['I', 'II', 'III', 'IV'][q]}/{y}", st.integers(0, 3),
              st.integers(2000, 2100)),
    st.builds(lambda m, y: f"Tháng {m}/{y}", st.integers(1, 12), st.integers(2000, 2100)),
    st.builds(lambda h, y: f"6 tháng {h} năm {y}", st.sampled_from(["đầu", "cuối"]),
              st.integers(2000, 2100)),
    st.builds(lambda y: f"Năm {y}", st.integers(2000, 2100)),
    st.dates(date(2000, 1, 1), date(2100, 12, 31)).map(lambda d: f"{d.day}/{d.month}/{d.year}"),
    st.sampled_from(["Thường xuyên", "Theo Thông tư mới", "Khi có hướng dẫn của Bộ"]),
)
LEADS = st.one_of(
    st.sampled_from(["Sở Công Thương", "Sở Tài chính", "UBND các huyện", "Sở Kế hoạch và Đầu tư",
                     "Ban Quản lý các Khu kinh tế"]),
    st.text(LETTERS + LETTERS.upper() + " ", min_size=3, max_size=60),
)


def text(min_size: int, max_size: int):
    """Text as the tracker stores it (cleaned); non-empty when min_size > 0."""
    cleaned = st.text(ALPHABET, min_size=min_size, max_size=max_size).map(clean)
    return cleaned.filter(lambda t: len(t) >= min_size)


@st.composite
def items(draw):
    title = draw(st.one_of(text(1, 120), text(400, 1500)))
    lead = clean(draw(LEADS))
    period = draw(PERIODS)
    return ItemSnapshot(
        title=title, lead_agency=lead, coordination=draw(text(0, 200)),
        original_due_period=period, due_period=period, due_date=None,
        approving_level=draw(st.sampled_from(["UBND tỉnh", "Chủ tịch UBND tỉnh", "HĐND tỉnh", ""])),
        status="not_started",
    )


RENDERERS = {"docx": appendix_docx, "xlsx": appendix_xlsx, "csv": appendix_csv}


def canonical(period: str) -> str:
    return parse_period(period).label


@settings(max_examples=int(os.environ.get("ROUND_TRIP_EXAMPLES", "30")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(snapshots=st.lists(items(), min_size=1, max_size=12),
       fmt=st.sampled_from(sorted(RENDERERS)),
       grouping=st.sampled_from(list(Grouping)), numbering=st.sampled_from(list(Numbering)),
       with_status=st.booleans())
def test_export_then_import_gives_the_same_items(snapshots, fmt, grouping, numbering, with_status):
    table = build_table("Danh mục đề án trình UBND tỉnh", "Báo cáo số 1/BC ngày 2/3/2020",
                        snapshots, with_status=with_status, today=TODAY, grouping=grouping,
                        numbering=numbering)
    tables = read_upload(RENDERERS[fmt](table), f"phu-luc.{fmt}")
    index = pick_table(tables)
    assert index >= 0
    result = interpret(tables[index].rows)
    assert result.errors == []
    exported = [row.cells for row in table.rows]
    imported = [(r.title, r.lead_agency, r.coordination, canonical(r.due_period), r.approving_level)
                for r in result.rows]
    assert imported == [(c[1], c[2], c[3], canonical(c[4]), c[5]) for c in exported]
    # Numbers read back as written when they run upwards; restarted per group they are
    # renumbered 1 … N, the order being the same.
    assert [r.position for r in result.rows] == list(range(1, len(exported) + 1))
