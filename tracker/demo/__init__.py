"""Demo data: the seed report's plan (351/BC-SCT), one user per role and, on request, a
list whose deadlines sit around today, so that the demo shows items overdue, due soon,
waiting for a decision and done, on whatever day it is loaded."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from tracker.agencies import AgencyDirectory
from tracker.appendix.imports import import_source
from tracker.appendix.readers import SourceTable, parse_delimited
from tracker.audit import SOURCE_DEMO
from tracker.extensions import db
from tracker.models import Item, Plan, Role, User
from tracker.periods import format_date, parse_period, quarter_label
from tracker.statuses import Status

SEED_TSV = Path(__file__).with_name("appendix-351-BC-SCT-2020.tsv")
SEED_TITLE = ("DANH MỤC ĐỀ ÁN, VĂN BẢN TRÌNH UBND TỈNH, CHỦ TỊCH UBND TỈNH "
              "6 THÁNG CUỐI NĂM 2020")
SEED_ATTACHED_TO = "Báo cáo số 351/BC-SCT ngày 29/5/2020 của Sở Công Thương"
LEAD = "Sở Công Thương"
OFFICE = "Văn phòng UBND tỉnh"
OTHER = "Sở Tài chính"


@dataclass(frozen=True)
class DemoUser:
    email: str
    password: str
    name: str
    role: Role
    agency: str


DEMO_USERS = (
    DemoUser("admin@demo.local", "quantri-demo-2020", "Quản trị hệ thống", Role.ADMIN, OFFICE),
    DemoUser("lanhdao@demo.local", "lanhdao-demo-2020", "Nguyễn Thị Mộng Thu", Role.MANAGER, LEAD),
    DemoUser("chuyenvien@demo.local", "chuyenvien-demo-2020", "Trần Văn An", Role.OFFICER, LEAD),
    DemoUser("xem@demo.local", "xem-demo-2020", "Lê Thị Bình", Role.VIEWER, OFFICE),
    DemoUser("chuyenvien.stc@demo.local", "taichinh-demo-2020", "Phạm Minh Châu", Role.OFFICER,
             OTHER),
)


def database_is_empty() -> bool:
    """No user and no plan yet: a fresh install, where `make run` loads the demo."""
    return not any(db.session.scalar(sa.select(sa.exists(sa.select(model.id))))
                   for model in (User, Plan))


def load_demo(today: date | None = None) -> tuple[Plan, bool]:
    """Add what is missing (agencies, users, the seed plan; with `today`, the list of that
    year around it: `load_current_plan`); return the seed plan and whether it was new."""
    directory = AgencyDirectory.load(source=SOURCE_DEMO)
    office = directory.find_or_create(OFFICE)
    office.is_consolidating_office = True
    for demo in DEMO_USERS:
        agency = directory.find_or_create(demo.agency)
        email = User.normalise_email(demo.email)
        if db.session.scalar(sa.select(User).where(User.email == email)) is None:
            user = User(email=email, name=demo.name, role=demo.role.value, agency=agency)
            user.set_password(demo.password)
            db.session.add(user)
    db.session.flush()
    plan = db.session.scalar(sa.select(Plan).where(Plan.title == SEED_TITLE))
    created = plan is None
    if created:
        rows = parse_delimited(SEED_TSV.read_text(encoding="utf-8"), "\t")
        imported, plan = import_source(SourceTable(SEED_TSV.name, rows),
                                       owner_agency_id=directory.find_or_create(LEAD).id,
                                       title=SEED_TITLE, attached_to=SEED_ATTACHED_TO,
                                       agency_source=SOURCE_DEMO)
        if plan is None:  # the shipped file is known good; this guards against editing it badly
            raise RuntimeError("; ".join(map(str, imported.result.errors)))
    if today is not None:
        load_current_plan(today, directory)
    return plan, created


# ---- the list around today -------------------------------------------------------------------

@dataclass(frozen=True)
class CurrentItem:
    title: str
    lead: str
    coordination: str
    days_left: int            # from today to the deadline; negative: overdue
    state: str | None = None  # what has happened: a Status value, or "requested" (a
                              # postponement waiting for the manager); None: not started
    note: str = ""


# Titles in the style of the seed's; "{year}" is today's year, "{next}" the one after.
CURRENT_ITEMS = (
    CurrentItem("Đề án phát triển thương mại điện tử tỉnh giai đoạn {next}-2030", LEAD,
                "Các Sở, ban ngành, địa phương liên quan", -12, Status.IN_PROGRESS,
                "Đang tổng hợp ý kiến góp ý của các Sở, ngành"),
    CurrentItem("Quy định quản lý hoạt động kinh doanh tại các chợ trên địa bàn tỉnh", LEAD,
                "UBND các huyện, thị xã, thành phố", -4),
    CurrentItem("Kế hoạch thực hiện Chương trình khuyến công địa phương năm {next}", LEAD,
                "Sở Tài chính", 2, Status.CONSULTING, "Đã gửi dự thảo lấy ý kiến các Sở"),
    CurrentItem("Quy định mức hỗ trợ đầu tư hạ tầng cụm công nghiệp trên địa bàn tỉnh", OTHER,
                "Sở Công Thương", 5, Status.IN_PROGRESS),
    CurrentItem("Kế hoạch phát triển điện mặt trời mái nhà trên địa bàn tỉnh", LEAD,
                "Sở Tài chính, UBND các huyện, thị xã, thành phố", 9, "requested",
                "Chờ hướng dẫn của Bộ Công Thương về cơ chế mua bán điện"),
    CurrentItem("Báo cáo tình hình thực hiện Chương trình xúc tiến thương mại năm {year}", LEAD,
                "Các Sở, ban ngành", 20, Status.SUBMITTED),
    CurrentItem("Quy chế phối hợp quản lý cụm công nghiệp trên địa bàn tỉnh", LEAD,
                "Các Sở, ban ngành, địa phương, đơn vị liên quan", -25, Status.APPROVED),
    CurrentItem("Phương án phát triển mạng lưới chợ trên địa bàn tỉnh đến năm 2030", LEAD,
                "UBND các huyện, thị xã, thành phố", 60),
)


def current_title(today: date) -> str:
    return f"DANH MỤC ĐỀ ÁN, VĂN BẢN TRÌNH UBND TỈNH, CHỦ TỊCH UBND TỈNH NĂM {today.year}"


def load_current_plan(today: date, directory: AgencyDirectory) -> Plan | None:
    """Sở Công Thương's list of `today`'s year, its deadlines counted from `today`: items
    overdue, due within the reminder window, one with a postponement request waiting, one
    submitted, one approved. None if it is there already (it is made once a year)."""
    from tracker.items.service import post_status_update
    from tracker.plans.service import ItemFields, add_item, create_plan

    title = current_title(today)
    if db.session.scalar(sa.select(Plan.id).where(Plan.title == title)) is not None:
        return None
    users = {user.email: user for user in db.session.scalars(
        sa.select(User).where(User.email.in_([demo.email for demo in DEMO_USERS])))}
    officer, manager = users["chuyenvien@demo.local"], users["lanhdao@demo.local"]
    other = users["chuyenvien.stc@demo.local"]
    listed_on = today - timedelta(days=45)
    plan = create_plan(title, directory.find_or_create(LEAD),
                       f"Báo cáo số 215/BC-SCT ngày {format_date(listed_on)} của {LEAD}")
    for position, demo_item in enumerate(CURRENT_ITEMS, start=1):
        due = _due_day(today, demo_item.days_left)
        item = add_item(plan, ItemFields(
            title=demo_item.title.format(year=today.year, next=today.year + 1),
            lead_agency_name=demo_item.lead, coordination=demo_item.coordination,
            due_period=format_date(due), approving_level="UBND tỉnh", position=position),
            directory)
        db.session.flush()
        actor = other if demo_item.lead == OTHER else officer
        for update, by in _updates(demo_item, item, today, actor, manager):
            post_status_update(item, update, actor=by, expected_version=item.version,
                               needs_approval=demo_item.state == "requested",
                               today=today)
            db.session.flush()
    return plan


def _due_day(today: date, days_left: int) -> date:
    """The day `days_left` from today, as a deadline. A deadline on a day off moves to the
    next working day (a week, at Tết), so a past one is taken on a working day: it stays
    overdue. A coming one may move a few days later, which keeps it due soon."""
    day = today + timedelta(days=days_left)
    if days_left < 0:
        while parse_period(format_date(day)).deadline() != day:
            day -= timedelta(days=1)
    return day


def _updates(demo: CurrentItem, item: Item, today: date, officer: User, manager: User):
    """The status updates that bring an item to its demo state, each with who posts it."""
    from tracker.items.service import StatusUpdate

    if demo.state is None:
        return []
    if demo.state == "requested":
        later = item.due_date + timedelta(days=100)
        return [(StatusUpdate(Status.POSTPONED.value, note=demo.note,
                              new_period=quarter_label(later.year, (later.month - 1) // 3 + 1)),
                 officer)]
    if demo.state == Status.SUBMITTED:
        return [(StatusUpdate(Status.IN_PROGRESS.value), officer),
                (StatusUpdate(Status.SUBMITTED.value, document_ref="98/TTr-SCT",
                              document_date=today - timedelta(days=5)), officer)]
    if demo.state == Status.APPROVED:
        return [(StatusUpdate(Status.SUBMITTED.value, document_ref="61/TTr-SCT",
                              document_date=today - timedelta(days=30)), officer),
                (StatusUpdate(Status.APPROVED.value, document_ref="1234/QĐ-UBND",
                              document_date=today - timedelta(days=8)), manager)]
    return [(StatusUpdate(demo.state.value, note=demo.note), officer)]
