"""The periodic report, "Báo cáo tình hình thực hiện", for a month, quarter, half-year or
year: the scorecard table, the overdue items (lead agency, days overdue), the postponed ones
(with the document that approved it) and the withdrawn ones (with the reason). Its numbers
come from the same place as the page: the period's snapshot once frozen, else live. Rendered
as DOCX (the appendix's layout) and as PDF (its print view through Chromium)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from docx.shared import Pt
from flask import current_app, render_template
from flask_babel import force_locale

from tracker.appendix.documents import _print_css
from tracker.appendix.export_docx import BODY_SIZE, TITLE_SIZE
from tracker.appendix.pdf import find_chromium, html_to_pdf
from tracker.appendix.service import decision_phrase
from tracker.extensions import db
from tracker.models import Agency, Item, JournalEntry, JournalKind
from tracker.periods import format_date
from tracker.scorecard import snapshots
from tracker.scorecard.counting import bucket_rows, count_scorecard
from tracker.scorecard.exports import (
    SCORECARD_WIDTHS,
    TABLE_HEADERS,
    add_centred,
    add_table,
    new_document,
    save,
    table_rows,
)
from tracker.scoring import Bucket, ReportPeriod, Scorecard
from tracker.statuses import Status

TITLE = "BÁO CÁO TÌNH HÌNH THỰC HIỆN DANH MỤC ĐỀ ÁN, VĂN BẢN TRÌNH ỦY BAN NHÂN DÂN TỈNH"
OVERDUE_HEADERS = ("STT", "Tên đề án", "Cơ quan chủ trì", "Thời hạn", "Số ngày quá hạn")
POSTPONED_HEADERS = ("STT", "Tên đề án", "Cơ quan chủ trì", "Thời hạn ban đầu",
                     "Thời hạn mới", "Văn bản đồng ý lùi")
WITHDRAWN_HEADERS = ("STT", "Tên đề án", "Cơ quan chủ trì", "Văn bản", "Lý do")


@dataclass
class ReportLine:
    title: str
    lead_agency: str
    cells: tuple[str, ...]


@dataclass
class PeriodicReport:
    card: Scorecard
    frozen_on: date | None = None
    scope_label: str = ""
    overdue: list[ReportLine] = field(default_factory=list)
    postponed: list[ReportLine] = field(default_factory=list)
    withdrawn: list[ReportLine] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        period = self.card.period
        lines = [f"Kỳ báo cáo: {period.label} (từ ngày {format_date(period.start)} đến ngày "
                 f"{format_date(period.end)})",
                 f"Số liệu tính đến ngày {format_date(self.card.as_of)}"]
        if self.frozen_on:
            lines.append(f"Số liệu đã chốt ngày {format_date(self.frozen_on)}")
        if self.scope_label:
            lines.append(f"Phạm vi: {self.scope_label}")
        return lines


def build_report(where: sa.ColumnElement[bool], period: ReportPeriod, as_of: date,
                 *, frozen=None, scope_label: str = "") -> PeriodicReport:
    """The report of the items matching `where` (a scope) for the period: the snapshot's
    numbers when it is frozen, else counted in SQL; the lists of the items behind them."""
    if frozen is not None:
        card = snapshots.card_of(frozen, period)
        in_period = {item_id: Bucket(name) for name, by_agency in frozen.items.items()
                     for ids in by_agency.values() for item_id in ids}
    else:
        card = count_scorecard(where, period, as_of)
        in_period = {row.id: Bucket(row.bucket) for row in db.session.execute(
            bucket_rows(where, period, as_of).order_by(None))}
    overdue_ids = [i for i, b in in_period.items() if b == Bucket.OVERDUE]
    withdrawn_ids = [i for i, b in in_period.items() if b == Bucket.WITHDRAWN]
    postponed_ids = _postponed(set(in_period))
    wanted = set(overdue_ids) | set(withdrawn_ids) | set(postponed_ids)
    details = _details(wanted)
    letters = _latest_status_entries(wanted)
    report = PeriodicReport(card, frozen.frozen_at.date() if frozen is not None else None,
                            scope_label)
    for item_id in sorted((i for i in overdue_ids if i in details),
                          key=lambda i: _order(details, i)):
        title, lead, due_period, due, _original_period, _original = details[item_id]
        late = (card.as_of - due).days if due is not None and card.as_of > due else 0
        report.overdue.append(ReportLine(title, lead, (f"{due_period} ({format_date(due)})"
                                                       if due else due_period, str(late))))
    for item_id in sorted(postponed_ids, key=lambda i: _order(details, i)):
        title, lead, due_period, due, original_period, original = details[item_id]
        entry = letters.get((item_id, Status.POSTPONED.value))
        letter = decision_phrase(*entry[:2]) if entry else ""
        report.postponed.append(ReportLine(title, lead, (
            original_period, f"{due_period} ({format_date(due)})" if due else due_period,
            letter)))
    for item_id in sorted((i for i in withdrawn_ids if i in details),
                          key=lambda i: _order(details, i)):
        title, lead, *_rest = details[item_id]
        entry = letters.get((item_id, Status.WITHDRAWN.value))
        letter = decision_phrase(*entry[:2]) if entry else ""
        report.withdrawn.append(ReportLine(title, lead, (letter, entry[2] if entry else "")))
    return report


def _order(details, item_id):
    title, lead, _p, due, *_rest = details[item_id]
    return (lead, due or date.max, title)


def _among(ids: set[int]) -> sa.ColumnElement[bool]:
    """Condition on Item: one of `ids`. Thousands of them (a year's overdue items) are
    read as the range they span and picked in Python: a list of 20,000 bound values is
    slower than the scan."""
    if len(ids) <= 500:
        return Item.id.in_(ids)
    return Item.id.between(min(ids), max(ids))


def _postponed(ids: set[int]) -> list[int]:
    """Those of `ids` whose deadline in force is not the original one."""
    if not ids:
        return []
    moved = sa.or_(Item.due_date != Item.original_due_date,
                   sa.and_(Item.original_due_date.is_(None), Item.due_date.is_not(None)))
    return [item_id for item_id in db.session.connection().execute(
        sa.select(Item.id).where(_among(ids), moved)).scalars() if item_id in ids]


def _details(ids: set[int]) -> dict[int, tuple]:
    if not ids:
        return {}
    names = dict(db.session.execute(sa.select(Agency.id, Agency.name)).all())
    rows = db.session.connection().execute(
        sa.select(Item.id, Item.title, Item.lead_agency_id, Item.due_period,
                  Item.due_date, Item.original_due_period, Item.original_due_date)
        .where(_among(ids)))
    return {row[0]: (row[1], names[row[2]], *row[3:]) for row in rows if row[0] in ids}


def _latest_status_entries(ids: set[int]) -> dict[tuple[int, str], tuple]:
    """(item, new status) → (document ref, document date, note) of the latest such change."""
    if not ids:
        return {}
    found = {}
    for item_id, new_status, ref, day, note in db.session.connection().execute(
            sa.select(JournalEntry.item_id, JournalEntry.new_status,
                      JournalEntry.document_ref, JournalEntry.document_date, JournalEntry.note)
            .join(Item, Item.id == JournalEntry.item_id)
            .where(_among(ids),
                   JournalEntry.kind == JournalKind.STATUS.value,
                   JournalEntry.new_status.in_([Status.POSTPONED.value,
                                                Status.WITHDRAWN.value]))
            .order_by(JournalEntry.id)):
        if item_id in ids:
            found[item_id, new_status] = (ref, day, note or "")
    return found


def _numbered(lines: list[ReportLine]) -> list[list[str]]:
    return [[str(n), line.title, line.lead_agency, *line.cells] for n, line in enumerate(lines, 1)]


SECTIONS = (
    ("I. KẾT QUẢ THỰC HIỆN THEO CƠ QUAN CHỦ TRÌ", None),
    ("II. CÁC ĐỀ ÁN QUÁ HẠN CHƯA HOÀN THÀNH", "overdue"),
    ("III. CÁC ĐỀ ÁN ĐƯỢC ĐỒNG Ý LÙI THỜI GIAN TRÌNH", "postponed"),
    ("IV. CÁC ĐỀ ÁN ĐÃ RÚT KHỎI DANH MỤC", "withdrawn"),
)
HEADERS = {"overdue": OVERDUE_HEADERS, "postponed": POSTPONED_HEADERS,
           "withdrawn": WITHDRAWN_HEADERS}
WIDTHS = {"overdue": (5, 47, 20, 16, 12), "postponed": (5, 35, 16, 13, 13, 18),
          "withdrawn": (5, 35, 16, 20, 24)}


def report_docx(report: PeriodicReport) -> bytes:
    document = new_document(TITLE)
    add_centred(document, TITLE, size=TITLE_SIZE, bold=True)
    add_centred(document, "\n".join(report.lines), italic=True, after=12)
    for heading, key in SECTIONS:
        paragraph = document.add_paragraph()
        run = paragraph.add_run(heading)
        run.bold = True
        run.font.size = Pt(BODY_SIZE)
        if key is None:
            rows = table_rows(report.card)
            rows[-1][1] = "Tổng cộng"
            add_table(document, TABLE_HEADERS, rows, bold_last=True, widths=SCORECARD_WIDTHS)
            continue
        lines = getattr(report, key)
        if not lines:
            document.add_paragraph("Không có.")
            continue
        add_table(document, HEADERS[key], _numbered(lines), left_columns=(1, 2),
                  widths=WIDTHS[key])
    return save(document)


def report_html(report: PeriodicReport) -> str:
    """The report as a self-contained page (the print view's CSS inline), for Chromium."""
    rows = table_rows(report.card)
    rows[-1][1] = "Tổng cộng"
    sections = [(heading, HEADERS[key], _numbered(getattr(report, key)))
                for heading, key in SECTIONS[1:]]
    with force_locale("vi"):
        return render_template("scorecard/report_print.html", title=TITLE, report=report,
                               headers=TABLE_HEADERS, rows=rows, sections=sections,
                               inline_css=_print_css(current_app.static_folder))


def report_pdf(report: PeriodicReport) -> bytes:
    """Raises PdfUnavailable when Chromium is missing or fails."""
    return html_to_pdf(report_html(report), find_chromium(current_app.config.get("CHROMIUM_PATH")))


def render_report(report: PeriodicReport, fmt: str) -> bytes:
    if fmt == "docx":
        return report_docx(report)
    if fmt == "pdf":
        return report_pdf(report)
    raise ValueError(fmt)
