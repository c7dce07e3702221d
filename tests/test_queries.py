"""The big pages run a constant number of SQL queries, whatever the number of items."""
import pytest
from factories import make_plan, statements_as_plans_grow


@pytest.fixture
def logged_in(client, auth, make_user):
    user = make_user("manager", "Sở Công Thương")
    auth.login(user)
    return client


@pytest.mark.parametrize("url", [
    "/plans/{id}",
    "/plans/{id}?overdue=y&status=not_started",
    "/plans/{id}?due_soon=y",
    "/plans/{id}/appendix",
    "/plans/{id}/appendix?progress=1",
    "/plans/",
])
def test_query_count_does_not_grow_with_items(app, logged_in, count_queries, url):
    """Plan pages, appendices and the plan list run as many queries for 400 items as for 5, and at most 12."""
    plan_ids = [make_plan(5, title="Nhỏ").id, make_plan(400, title="Lớn").id]
    counts = []
    for plan_id in plan_ids:
        with count_queries() as statements:
            response = logged_in.get(url.format(id=plan_id))
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 12


@pytest.mark.parametrize("agency", ["Sở Công Thương", "Văn phòng UBND tỉnh"])
def test_start_page_query_count_does_not_grow_with_items(app, client, auth, make_user,
                                                         count_queries, agency):
    """The start page (a department's manager, the consolidating office's with its agency
    table) runs as many queries for 400 items as for 5."""
    from tracker.extensions import db
    from tracker.models import Agency

    db.session.add(Agency("Văn phòng UBND tỉnh", is_consolidating_office=True))
    db.session.commit()
    auth.login(make_user("manager", agency))
    counts = [n for _response, n in statements_as_plans_grow(client, count_queries, "/")]
    assert counts[0] == counts[1], counts
    # The session's and the calendar's; province-wide the counts, the lists' ids, the
    # agency table's three and the requests waiting; a department's one pass over its open
    # items; then the items shown and the feed.
    assert counts[1] <= (13 if agency == "Văn phòng UBND tỉnh" else 8)


@pytest.mark.parametrize("role", ["manager", "officer"])
def test_search_query_count_does_not_grow_with_results(app, client, auth, make_user,
                                                       count_queries, role):
    """A search lists its page of items from a constant number of queries, whether 5 or
    400 items match: nothing is read again per item shown (an officer's adds the lists his
    agency has a part in)."""
    auth.login(make_user(role, "Sở Công Thương"))
    found = statements_as_plans_grow(client, count_queries, "/search?q=phat+trien+cong+nghiep")
    assert [response.get_data(as_text=True).count('<a href="/items/')
            for response, _n in found] == [5, 50]    # 5 match, then 405: one page of 50
    counts = [n for _response, n in found]
    assert counts[0] == counts[1], counts
    assert counts[1] <= 6
