"""Demo data: the seed report's plan (351/BC-SCT) and one user per role."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from tracker.agencies import AgencyDirectory
from tracker.appendix.imports import import_source
from tracker.appendix.readers import SourceTable, parse_delimited
from tracker.audit import SOURCE_DEMO
from tracker.extensions import db
from tracker.models import Plan, Role, User

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


def load_demo() -> tuple[Plan, bool]:
    """Add what is missing (agencies, users, the seed plan); return the plan and whether it was new."""
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
    plan = db.session.scalar(sa.select(Plan).where(Plan.title == SEED_TITLE))
    if plan is not None:
        return plan, False
    rows = parse_delimited(SEED_TSV.read_text(encoding="utf-8"), "\t")
    db.session.flush()
    imported, plan = import_source(SourceTable(SEED_TSV.name, rows),
                                   owner_agency_id=directory.find_or_create(LEAD).id,
                                   title=SEED_TITLE, attached_to=SEED_ATTACHED_TO,
                                   agency_source=SOURCE_DEMO)
    if plan is None:  # the shipped file is known good; this guards against editing it badly
        raise RuntimeError("; ".join(map(str, imported.result.errors)))
    return plan, True
