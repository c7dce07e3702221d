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
    """Any items exported in any format, grouping and numbering import back as the same items,
    numbered 1 … N."""
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


# --- lists of any shape, printed as published -------------------------------------------------

from tracker.appendix.importer import interpret_table, joined_table  # noqa: E402
from tracker.appendix.table import SectionSnapshot, build_published_table  # noqa: E402

PUBLISHED_PERIODS = st.one_of(PERIODS, st.sampled_from([
    "2025", "Năm 2025 - 2026", "Năm 2025-2030", "2025 - 2035", "Quý IV/2025- Quý II/2026",
    "Quí IV-2025", "Quý III Năm 2026", "Trước ngày 30/11/2025", "Chậm nhất ngày 15/3/2026",
    "Hằng năm", "Định kỳ hằng quý", "Theo kế hoạch", "Khi có phát sinh", "Tháng 06/2026",
    "01/01/2026"]))
# Header texts of real lists, by meaning; the list's own columns are never one of the six.
HEADERS = {
    "position": ["STT", "TT", "Số TT"],
    "title": ["Tên đề án", "Nhiệm vụ, giải pháp", "NHIỆM VỤ VÀ GIẢI PHÁP", "Nội dung", "Chỉ tiêu"],
    "lead_agency": ["Cơ quan chủ trì", "CHỦ TRÌ", "Đơn vị thực hiện", "Đơn vị chủ trì"],
    "coordination": ["Cơ quan phối hợp", "PHỐI HỢP", "Đơn vị phối hợp"],
    "due_period": ["Thời gian trình", "THỜI GIAN", "Thời gian thực hiện",
                   "Thời gian dự kiến hoàn thành", "Thời hạn hoàn thành"],
    "approving_level": ["Cấp trình", "Cấp quyết định"],
}
OWN_HEADERS = ["Sản phẩm dự kiến", "Kết quả dự kiến", "Nguồn kinh phí", "Ghi chú",
               "Người đứng đầu chịu trách nhiệm", "Văn bản giao nhiệm vụ", "Kết quả"]
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]


@st.composite
def published_lists(draw):
    optional = draw(st.lists(st.sampled_from(["position", "coordination", "due_period",
                                              "approving_level"]), unique=True))
    own = draw(st.lists(st.sampled_from(OWN_HEADERS), unique=True, max_size=3))
    keys = ["title", "lead_agency"] + optional + [f"c{i}" for i in range(len(own))]
    keys = draw(st.permutations(keys))
    if "position" in keys:      # the STT column comes first, as in every real list
        keys = ["position"] + [key for key in keys if key != "position"]
    own_names = dict(zip([f"c{i}" for i in range(len(own))], own, strict=True))
    columns = [(key, own_names.get(key) or draw(st.sampled_from(HEADERS[key]))) for key in keys]
    width = len(columns)
    sections, snapshots = [], []
    group_count = draw(st.integers(0, 3))
    for group in range(group_count + 1):
        section_id = None
        if group:               # items before the first heading, then one group per heading
            section_id = group
            text = draw(text_line(3, 40)).upper()
            if "position" in keys:
                cells = ((ROMAN[group - 1], 1), (text, width - 1))
            else:
                cells = ((f"{ROMAN[group - 1]}. {text}", width),)
            sections.append(SectionSnapshot(section_id, "heading", cells))
        for number in range(1, draw(st.integers(0 if group_count else 1, 4)) + 1):
            snapshots.append(draw(published_items(keys, section_id, str(number))))
    if not snapshots:
        snapshots.append(draw(published_items(keys, None, "1")))
    return columns, sections, snapshots


def is_own(key: str) -> bool:
    """A column of the list's own ("c0", "c1" …), not one of the six the tracker knows."""
    return key[0] == "c" and key[1:].isdigit()


def text_line(min_size: int, max_size: int):
    return st.text(LETTERS + LETTERS.upper() + " ,", min_size=min_size, max_size=max_size) \
        .map(lambda t: " ".join(t.split())).filter(lambda t: len(t) >= min_size)


@st.composite
def published_items(draw, keys, section_id, number):
    extra = {key: draw(text(0, 80)) for key in keys if is_own(key)}
    sub_rows = None
    if "coordination" in keys and draw(st.booleans()) and draw(st.booleans()):
        sub_rows = ({"lead_agency": clean(draw(LEADS)), "coordination": draw(text(1, 60))},)
    period = draw(PUBLISHED_PERIODS) if "due_period" in keys else ""
    return ItemSnapshot(
        title="Đề án " + draw(text(1, 200)), lead_agency="", lead_text=clean(draw(LEADS)),
        coordination=draw(text(0, 120)) if "coordination" in keys else "",
        original_due_period=period, due_period=period, due_date=None,
        approving_level=draw(st.sampled_from(["UBND tỉnh", "HĐND tỉnh", ""]))
        if "approving_level" in keys else "",
        status="not_started", number_text=number if "position" in keys else "",
        extra={key: value for key, value in extra.items() if value} or None,
        sub_rows=sub_rows, section_id=section_id)


@settings(max_examples=int(os.environ.get("ROUND_TRIP_EXAMPLES", "30")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(shape=published_lists(), fmt=st.sampled_from(sorted(RENDERERS)))
def test_lists_of_any_shape_print_and_read_back_as_published(shape, fmt):
    """Random columns and header words, the list's own columns, headings with per-group
    numbering, items of two lines (merged cells), every period form: printed as published,
    the file reads back to the same list."""
    columns, sections, snapshots = shape
    table = build_published_table("DANH MỤC NHIỆM VỤ", "(Kèm theo Kế hoạch số 1/KH-UBND)",
                                  columns, sections, snapshots, with_status=False, today=TODAY)
    tables = read_upload(RENDERERS[fmt](table), f"phu-luc.{fmt}")
    index = pick_table(tables)
    assert index >= 0
    result = interpret_table(joined_table(tables, index))
    assert result.errors == []
    assert result.layout == [(f"c{i}" if is_own(key) else key, header)
                             for i, (key, header) in enumerate(columns)]
    own = {key: f"c{i}" for i, (key, _) in enumerate(columns) if is_own(key)}
    assert [(r.number_text, r.title, r.lead_text, r.coordination, r.due_period,
             r.approving_level, r.extra, r.sub_rows) for r in result.rows] == [
        (s.number_text, s.title, s.lead_text, s.coordination, s.original_due_period,
         s.approving_level, {own[k]: v for k, v in (s.extra or {}).items()},
         list(s.sub_rows or ())) for s in snapshots]
    assert [section.text for section in result.sections] == [
        " ".join(part for part, _ in s.cells if part).replace(" ", ". ", 1)
        if len(s.cells) > 1 else s.cells[0][0] for s in sections]
    if fmt != "csv":    # Word and Excel keep the cells merged across
        assert [[tuple(c) for c in section.cells] for section in result.sections] == [
            list(s.cells) for s in sections]
