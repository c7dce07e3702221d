"""The scorecard through the API (/api/v1/scorecard): the same counts as the page's CSV on the
hand-computed fixture of tests/scorecard_fixture.py, for those who may read it; every answer
validated against the OpenAPI document (api_support.Api)."""
from __future__ import annotations

import csv
import io

import pytest
from api_support import Api, make_token
from scorecard_fixture import load_into_database

RANGE_PAGE = "/scorecard.csv?kind=range&start=15/12/2025&end=14/3/2026"
RANGE_API = "/scorecard?from=2025-12-15&to=2026-03-14"


@pytest.fixture
def fixture_ids(app):
    return load_into_database()


def csv_figures(text: str) -> dict[str, tuple]:
    """{agency: (total, on time, late, in time, overdue, no deadline, rate)} from the CSV."""
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    return {line[0]: (*(int(cell) for cell in line[1:7]), line[7]) for line in lines[1:]}


def api_figures(body: dict) -> dict[str, tuple]:
    def rate(value):
        return "—" if value is None else f"{value:.1f}"
    rows = [*body["rows"], {**body["totals"], "agency": "Tổng cộng"}]
    return {row["agency"]: (row["total"], row["on_time"], row["late"], row["open_in_time"],
                            row["overdue"], row["no_deadline"], rate(row["rate"]))
            for row in rows}


def test_the_api_gives_the_pages_counts(app, client, auth, make_user, fixture_ids):
    """For the same days, the API's rows and totals are the page's CSV, number for number."""
    admin = make_user("admin", "Văn phòng UBND tỉnh")
    auth.login(admin)
    page = csv_figures(client.get(RANGE_PAGE).get_data(as_text=True))
    response = Api(app, make_token(admin)).get(RANGE_API)
    assert response.status_code == 200
    body = response.get_json()
    assert body["as_of"] == "2026-03-14" and len(body["rows"]) == 6
    assert api_figures(body) == page


def test_officers_are_refused_and_bad_days_named(app, make_user, fixture_ids):
    """An officer's token is refused (403); impossible or reversed days are a 400 naming the
    parameter; a plan the user does not see is a 404."""
    officer = Api(app, make_token(make_user("officer", "Sở Công Thương")))
    assert officer.get(RANGE_API).status_code == 403
    manager = Api(app, make_token(make_user("manager", "Sở Tư pháp")))
    bad = manager.get("/scorecard?from=2026-02-30&to=2026-01-01")
    assert bad.status_code == 400 and bad.get_json()["errors"][0]["field"] == "from"
    reversed_days = manager.get("/scorecard?from=2026-03-01&to=2026-01-01")
    assert reversed_days.status_code == 400
    assert manager.get("/scorecard?plan=999999").status_code == 404
    assert manager.get("/scorecard").status_code == 200
