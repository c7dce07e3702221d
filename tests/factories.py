"""Build plans of any size quickly, through the same models the app uses."""
from __future__ import annotations

from tracker.agencies import AgencyDirectory
from tracker.extensions import db
from tracker.models import Agency, Item, Plan
from tracker.plans.service import ItemFields, add_item, create_plan

PERIODS = ("Quý III/2020", "Quý IV/2020", "Tháng 9/2020", "6 tháng cuối năm 2020", "Thường xuyên")
LEADS = ("Sở Công Thương", "Sở Tài chính", "Sở Nội vụ", "Sở Tư pháp")


def make_plan(n_items: int, title: str = "Danh mục thử nghiệm", owner: str = "Sở Công Thương",
              attached_to: str = "Báo cáo số 1/BC-SCT ngày 29/5/2020 của Sở Công Thương") -> Plan:
    directory = AgencyDirectory.load()
    plan = create_plan(title, directory.find_or_create(owner), attached_to)
    db.session.flush()
    for i in range(n_items):
        add_item(plan, ItemFields(
            title=f"Đề án số {i + 1} về phát triển công nghiệp",
            lead_agency_name=LEADS[i % len(LEADS)],
            coordination="Các Sở, ban ngành, địa phương; Sở Tài chính",
            due_period=PERIODS[i % len(PERIODS)],
            approving_level="UBND tỉnh" if i % 3 else "Chủ tịch UBND tỉnh",
            position=i + 1,
        ), directory)
    db.session.commit()
    return plan


def statements_as_plans_grow(client, count_queries, url: str, sizes=(5, 400)) -> list:
    """GET `url` after adding a plan of each size: (response, number of SQL statements) each
    time, every answer a 200 (the query-count tests: the number must not grow)."""
    found = []
    for size in sizes:
        make_plan(size, title=f"Danh mục {size}")
        with count_queries() as statements:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        found.append((response, len(statements)))
    return found


def bare_items(statuses: list[str]) -> list[Item]:
    """Items written straight through the ORM, past the services (as an import or a script
    could): one agency, one plan, one item per status, flushed."""
    agency = Agency(name="Sở A")
    db.session.add(agency)
    db.session.flush()
    plan = Plan(title="Danh mục", owner_agency_id=agency.id, attached_to="")
    db.session.add(plan)
    db.session.flush()
    items = [Item(plan_id=plan.id, position=n, title=f"Đề án {n}", lead_agency_id=agency.id,
                  due_period="", original_due_period="", approving_level="", status=status)
             for n, status in enumerate(statuses)]
    db.session.add_all(items)
    db.session.flush()
    return items
