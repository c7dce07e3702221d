"""The scorecard page (/scorecard), the items behind its numbers, its downloads and the
command line, on the hand-computed fixture of tests/scorecard_fixture.py."""
from __future__ import annotations

import csv
import io
import re

import pytest
from lxml import html
from scorecard_fixture import (
    AGENCIES,
    EXPECTED,
    EXPECTED_TOTAL,
    ITEMS,
    load_into_database,
)

QUARTER = "/scorecard?kind=quarter&year=2026&quarter=1&as_of=10/3/2026"


@pytest.fixture
def fixture_ids(app):
    return load_into_database()


@pytest.fixture
def office_admin(make_user, fixture_ids):
    return make_user("admin", "Văn phòng UBND tỉnh")


def table_figures(page: str) -> tuple[dict, tuple]:
    """{agency: (on time, late, in time, overdue, no deadline, withdrawn, total, rate)} and
    the totals, as the page shows them."""
    tree = html.fromstring(page)
    order = (2, 3, 4, 5, 6, 7, 1, 8)   # the page's columns: total first, rate last

    def figures(tr):
        cells = [cell.text_content().strip() for cell in tr.xpath("./th|./td")]
        values = [cells[i] for i in order]
        return tuple(int(v) for v in values[:7]) + (values[7],)

    rows = {tr.xpath("./th")[0].text_content().strip(): figures(tr)
            for tr in tree.xpath("//table[contains(@class,'scorecard')]/tbody/tr[th]")}
    total = figures(tree.xpath("//table[contains(@class,'scorecard')]/tfoot/tr")[0])
    return rows, total


def test_page_gives_the_hand_computed_counts(client, auth, office_admin):
    """Quý I/2026 as of 10/3/2026: exactly the counts worked out by hand."""
    auth.login(office_admin)
    response = client.get(QUARTER)
    assert response.status_code == 200
    rows, total = table_figures(response.get_data(as_text=True))
    assert rows == EXPECTED and total == EXPECTED_TOTAL
    page = response.get_data(as_text=True)
    assert "15/12/2025 – 14/3/2026" in page and "<svg" in page
    assert "style=" not in page.split("<main>")[1]   # CSP: no inline style


def test_every_number_links_to_its_items(client, auth, office_admin, fixture_ids):
    """The overdue items of Sở Công Thương are the fixture's items 4 and 8; the total of the
    totals is every item counted bar the withdrawn."""
    auth.login(office_admin)
    tree = html.fromstring(client.get(QUARTER).get_data(as_text=True))
    links = {a.get("href") for a in tree.xpath("//table[contains(@class,'scorecard')]//td/a")}
    overdue = next(link for link in links if "count=overdue" in link and "agency=" in link
                   and not link.endswith("agency="))
    assert overdue
    import sqlalchemy as sa

    from tracker.extensions import db
    from tracker.models import Agency

    sct = db.session.scalar(sa.select(Agency.id).where(Agency.name == AGENCIES[0]))
    page = client.get(f"{QUARTER.replace('/scorecard?', '/scorecard/items?')}"
                      f"&count=overdue&agency={sct}").get_data(as_text=True)
    titles = re.findall(r"Nhiệm vụ số (\d+) của", page)
    assert sorted(map(int, titles)) == [4, 8]
    assert "Tháng 2/2026" in page   # the deadline in force beside the original
    everything = client.get(QUARTER.replace("/scorecard?", "/scorecard/items?")
                            + "&count=total&per_page=100")
    text = everything.get_data(as_text=True)
    assert "34" in text.split("</h1>")[1][:400]   # "34 items"
    postponed = client.get(QUARTER.replace("/scorecard?", "/scorecard/items?")
                           + f"&count=on_time&agency={sct + 1}").get_data(as_text=True)
    assert "10/12/2025" in postponed   # original deadline shown beside the one in force


def test_csv_download_gives_the_hand_computed_counts(client, auth, office_admin):
    """The scorecard CSV has the contract's header and the hand-computed counts."""
    auth.login(office_admin)
    response = client.get(QUARTER.replace("/scorecard?", "/scorecard.csv?"))
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0] == ["Cơ quan chủ trì", "Tổng số", "Hoàn thành đúng hạn",
                        "Hoàn thành quá hạn", "Chưa hoàn thành trong hạn",
                        "Quá hạn chưa hoàn thành", "Không có thời hạn", "Tỷ lệ đúng hạn (%)"]
    by_agency = {line[0]: line[1:] for line in lines[1:]}
    for agency, (on_time, late, in_time, overdue, none, _w, total, rate) in EXPECTED.items():
        assert by_agency[agency] == [str(total), str(on_time), str(late), str(in_time),
                                     str(overdue), str(none), rate.replace(",", ".")]
    assert lines[-1][0] == "Tổng cộng" and lines[-1][1] == str(EXPECTED_TOTAL[6])
    assert lines[-1][-1] == "48.0"
    for fmt in ("xlsx", "docx"):
        assert client.get(QUARTER.replace("/scorecard?", f"/scorecard.{fmt}?")).status_code == 200


def test_scope_one_plan_or_one_owner(client, auth, office_admin, fixture_ids):
    """A plan of another owner is outside "one plan" and "one owner's lists"."""
    import sqlalchemy as sa
    from factories import make_plan

    from tracker.extensions import db
    from tracker.models import Agency, Plan

    other = make_plan(3, owner="Sở Nội vụ")
    auth.login(office_admin)
    everything = table_figures(client.get(QUARTER).get_data(as_text=True))
    first_plan = db.session.scalar(sa.select(Plan.id).order_by(Plan.id))
    one_plan = table_figures(client.get(f"{QUARTER}&plan={first_plan}").get_data(as_text=True))
    assert one_plan == everything   # the other plan's items are due in 2020
    owner = db.session.scalar(sa.select(Agency.id).where(Agency.name == "Sở Nội vụ"))
    page = client.get(f"{QUARTER}&owner={owner}").get_data(as_text=True)
    assert table_figures(page)[0] == {} and other.id


def test_bad_dates_are_a_message_not_an_error(client, auth, office_admin):
    """Impossible or reversed dates on the scorecard form give a message, never an error page."""
    auth.login(office_admin)
    for query in ("kind=range&start=31/2/2026&end=1/3/2026", "kind=range&start=1/3/2026",
                  "kind=range&start=2/3/2026&end=1/3/2026", "kind=month&as_of=abc",
                  "kind=nonsense&year=99999&month=13"):
        response = client.get(f"/scorecard?{query}")
        assert response.status_code == 200, query
    page = client.get("/scorecard?kind=range&start=2/3/2026&end=1/3/2026").get_data(as_text=True)
    assert 'role="alert"' in page


def test_officers_may_not_see_the_scorecard(client, auth, make_user, fixture_ids):
    """An officer is refused the scorecard page and its download (403)."""
    officer = make_user("officer", "Sở Công Thương")
    auth.login(officer)
    assert client.get(QUARTER).status_code == 403
    assert client.get("/scorecard.csv").status_code == 403


def test_a_manager_sees_his_agencys_plans_only(client, auth, make_user, fixture_ids):
    """The fixture's plan belongs to the province office, and Sở Công Thương leads items of
    it: its manager sees that plan (every lead agency of it)."""
    manager = make_user("manager", "Sở Y tế")
    auth.login(manager)
    rows, total = table_figures(client.get(QUARTER).get_data(as_text=True))
    assert total == EXPECTED_TOTAL
    stranger = make_user("manager", "Sở Ngoại vụ")
    auth.logout()
    auth.login(stranger)
    rows, total = table_figures(client.get(QUARTER).get_data(as_text=True))
    assert rows == {} and total[6] == 0


def test_queries_do_not_grow_with_the_items(client, auth, office_admin, count_queries):
    """The scorecard page takes the same number of queries with twice the items."""
    auth.login(office_admin)
    client.get(QUARTER)
    with count_queries() as few:
        client.get(QUARTER)
    load_into_database(owner="Sở Tư pháp")
    with count_queries() as more:
        client.get(QUARTER)
    assert len(more) == len(few)
    assert len(ITEMS) >= 40


def test_completion_without_a_document_date_counts_on_the_local_day_recorded(app):
    """A change journaled without a document date is dated by the day it was recorded, in
    the tracker's time zone: 18:00 UTC on 19/1 is 20/1 in Hà Nội, a day late for 19/1."""
    from datetime import UTC, date, datetime

    import sqlalchemy as sa
    from factories import make_plan
    from scorecard_reference import load_items

    from tracker.extensions import db
    from tracker.models import Item, JournalEntry, JournalKind
    from tracker.scoring import Bucket, bucket, range_period

    plan = make_plan(1)
    item = db.session.scalar(sa.select(Item).where(Item.plan_id == plan.id))
    item.due_period, item.due_date, item.status = "19/1/2026", date(2026, 1, 19), "submitted"
    db.session.add(JournalEntry(item_id=item.id, kind=JournalKind.STATUS.value,
                                old_status="in_progress", new_status="submitted",
                                created_at=datetime(2026, 1, 19, 18, tzinfo=UTC)))
    db.session.commit()
    (loaded,) = load_items(Item.id == item.id, "Asia/Ho_Chi_Minh")
    assert loaded.ended_on == date(2026, 1, 20)
    period = range_period(date(2026, 1, 1), date(2026, 1, 31))
    assert bucket(loaded, period, date(2026, 1, 31)) == Bucket.LATE
