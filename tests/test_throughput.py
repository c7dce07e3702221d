"""The item page's CPU savings (issue 10, "Throughput"; bench/profile_item_page.py) keep
behaviour: the same attributes, counts, agencies, language and badges, with fewer queries."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so
import wtforms.widgets
from flask import render_template_string
from flask_babel import force_locale, gettext
from markupsafe import Markup
from test_due_soon_web import BADGE, add_dated_item
from wtforms.widgets import core as widgets

from tracker.agencies import AgencyDirectory
from tracker.extensions import db
from tracker.forms import WTFORMS_HTML_PARAMS, html_params
from tracker.models import Item, ReminderSettings
from tracker.plans.service import (
    decisions_scope,
    load_item,
    waiting_decisions,
    waiting_decisions_of,
)
from tracker.web import tracker_today


@pytest.mark.parametrize("attributes", [
    {},
    {"name": "note", "id": "note", "class_": "a b"},
    {"required": True, "readonly": False, "checked": True, "for_": "x"},
    {"data_max_bytes": 20971520, "aria_describedby": "a-hint b-error-1", "data_x_y": "1"},
    {"value": 'a "quoted" <b>&\'', "placeholder": Markup('x"<i>y</i>'), "maxlength": 200},
    {"value": "Quý IV/2020 – Tờ trình số 45/TTr-SCT", "title": 0, "label": None},
])
def test_html_params_writes_what_wtforms_writes(attributes):
    """The faster `html_params` returns exactly WTForms' text (escaping, order, booleans,
    data-/aria- names)."""
    ours, theirs = html_params(**attributes), WTFORMS_HTML_PARAMS(**attributes)
    assert ours == theirs and type(ours) is type(theirs)


def test_every_widget_uses_the_faster_html_params():
    """WTForms looks the function up in three places; each has ours."""
    assert widgets.html_params is html_params and wtforms.widgets.html_params is html_params
    assert widgets.Input.html_params is html_params and widgets.Button.html_params is html_params


def ask(client, auth, officer, item_id: int, **data) -> None:
    auth.login(officer)
    version = db.session.get(Item, item_id).version
    response = client.post(f"/items/{item_id}/status", data={**data, "version": str(version)})
    assert response.status_code == 302, response.status_code
    auth.logout()


def test_the_header_count_is_the_scope_count(client, auth, officer, manager, make_user):
    """The prebuilt count of waiting requests equals the scope's count, for the owner,
    another agency and everyone."""
    ask(client, auth, officer, 1, status="postponed", new_period="Quý IV/2020", note="Chờ Bộ")
    ask(client, auth, officer, 2, status="withdrawn", note="Không còn phù hợp")
    ask(client, auth, officer, 3, status="postponed", new_period="Quý IV/2020", note="Chờ Sở")
    ask(client, auth, officer, 3, note="Chỉ ghi chú")
    other = make_user("manager", "Sở Tài chính")
    for agency_id in (manager.agency_id, other.agency_id):
        for everywhere in (False, True):
            assert waiting_decisions_of(agency_id, everywhere) == waiting_decisions(
                decisions_scope(agency_id, everywhere))
    assert waiting_decisions_of(manager.agency_id, False) == 3
    assert waiting_decisions_of(other.agency_id, False) == 0
    auth.login(manager)
    assert "3 đề nghị chờ duyệt" in client.get("/plans/").get_data(as_text=True)


def test_load_item_has_its_agencies_in_name_order(seed_plan):
    """One query fills coordinators and co-leads as the relationships would load them (by name)."""
    directory = AgencyDirectory.load()
    item = load_item(1)
    item.coordinators = [directory.find_or_create(name) for name in
                         ("Sở Xây dựng", "Sở Tài chính", "Công an tỉnh")]
    item.leads = [directory.find_or_create(name) for name in ("Sở Nội vụ", "Sở Công Thương")]
    db.session.commit()
    db.session.expunge_all()
    loaded = load_item(1)
    coordinators, leads = [a.name for a in loaded.coordinators], [a.name for a in loaded.leads]
    db.session.expunge_all()
    expected = db.session.scalar(sa.select(Item).where(Item.id == 1).options(
        so.selectinload(Item.coordinators), so.selectinload(Item.leads)))
    assert coordinators == [a.name for a in expected.coordinators]
    assert leads == [a.name for a in expected.leads]
    assert sorted(coordinators) == coordinators and len(coordinators) == 3 and len(leads) == 2
    assert load_item(10**6) is None


def test_item_page_runs_at_most_six_queries(client, auth, manager, count_queries):
    """The user, the item with its plan, its agencies, its journal, the header's count; an
    overdue item needs no due-soon window (nine queries before)."""
    auth.login(manager)
    client.get("/items/1")
    with count_queries() as statements:
        response = client.get("/items/1")
    assert response.status_code == 200
    assert len(statements) <= 6, statements


def test_a_new_reminder_window_shows_on_the_next_item_page(client, auth, manager):
    """Nothing keeps the reminder settings between requests: an admin's wider window
    badges the item at once."""
    item = add_dated_item(db.session.get(Item, 1).plan, "Đề án còn xa",
                          tracker_today() + timedelta(days=40))
    db.session.commit()
    auth.login(manager)
    assert BADGE not in client.get(f"/items/{item.id}").get_data(as_text=True)
    db.session.add(ReminderSettings(stages="60,7", working_days=False, overdue_interval=7,
                                    escalate_after=2, send_time="07:00"))
    db.session.commit()
    assert BADGE in client.get(f"/items/{item.id}").get_data(as_text=True)


def test_the_kept_catalog_follows_a_forced_language(app):
    """Within one request the catalog kept for the request's language gives way to a
    forced one, and comes back after."""
    with app.test_request_context("/"):
        assert gettext("Sign out") == "Đăng xuất"
        assert render_template_string("{{ _('Sign out') }}") == "Đăng xuất"
        with force_locale("en"):
            assert gettext("Sign out") == "Sign out"
            assert render_template_string("{{ _('Sign out') }}") == "Sign out"
        assert gettext("Sign out") == "Đăng xuất"
        assert render_template_string("{{ _('Sign out') }}") == "Đăng xuất"
        with force_locale("vi"):
            assert gettext("Sign out") == "Đăng xuất"


def test_the_page_language_switch_still_applies(client, auth, manager):
    """After switching to English the next page is in English (the kept catalog is per request)."""
    auth.login(manager)
    page = client.get("/items/1").get_data(as_text=True)
    assert "Đăng xuất" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/language/en", data={"csrf_token": token, "next": "/items/1"})
    assert "Sign out" in client.get("/items/1").get_data(as_text=True)


def test_load_item_keeps_the_agencies_the_session_has(seed_plan):
    """An item already loaded keeps its (changed, unsaved) agencies: they are not read again."""
    item = load_item(1)
    added = AgencyDirectory.load().find_or_create("Sở Tư pháp")
    item.coordinators.append(added)
    assert added in load_item(1).coordinators
    db.session.rollback()
