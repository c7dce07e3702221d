"""What the views hand over to services and forms, checked without a page: the calendar's
days, a message queued again, the consolidated list's scope, an import's draft, the notices
an update or a decision queues, and the password rules as one form validator."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from factories import make_plan

from tracker.admin.service import requeue
from tracker.appendix.imports import new_draft
from tracker.appendix.readers import SourceTable, parse_delimited
from tracker.appendix.service import consolidated_scope
from tracker.auth.forms import ChangePasswordForm, SetPasswordForm
from tracker.demo import SEED_TSV
from tracker.extensions import db
from tracker.items.service import StatusUpdate, decide_request, post_status_update
from tracker.models import (
    Agency,
    CalendarException,
    Item,
    MessageStatus,
    Notice,
    OutboxMessage,
    User,
)
from tracker.notify.service import calendar_days, remove_calendar_day, set_calendar_day
from tracker.passwords import password_problems
from tracker.services import FieldError

SEED_ROWS = parse_delimited(SEED_TSV.read_text(encoding="utf-8"), "\t")


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def agency_id(name: str) -> int:
    return db.session.scalar(sa.select(Agency.id).where(Agency.name == name))


def test_calendar_days_are_added_changed_and_removed(app):
    """One row per day: saving a day again changes it; removing a day that is none says so."""
    set_calendar_day(date(2026, 9, 5), working=True, note="Làm bù")
    db.session.commit()
    set_calendar_day(date(2026, 9, 1), working=False, note="Nghỉ bù")
    set_calendar_day(date(2026, 9, 5), working=False, note="Nghỉ thêm")
    db.session.commit()
    assert [(d.day, d.working, d.note) for d in calendar_days()] == [
        (date(2026, 9, 1), False, "Nghỉ bù"), (date(2026, 9, 5), False, "Nghỉ thêm")]
    assert remove_calendar_day(date(2026, 9, 1)) is True
    assert remove_calendar_day(date(2026, 9, 2)) is False
    db.session.commit()
    assert count(CalendarException) == 1


def test_a_failed_message_is_queued_again_but_a_sent_one_is_not(app):
    """Requeued: pending, its attempts forgotten; a sent message stays sent."""
    failed = OutboxMessage(kind="invitation", recipient="a@so.gov.vn", subject="s",
                           status=MessageStatus.FAILED.value, attempts=5)
    sent = OutboxMessage(kind="invitation", recipient="b@so.gov.vn", subject="s",
                         status=MessageStatus.SENT.value, attempts=1)
    db.session.add_all([failed, sent])
    db.session.flush()
    assert requeue(failed) is True and requeue(sent) is False
    assert (failed.status, failed.attempts, failed.next_attempt_at) == \
        (MessageStatus.PENDING.value, 0, None)
    assert (sent.status, sent.attempts) == (MessageStatus.SENT.value, 1)


def test_the_resend_button_queues_a_failed_message_again(app, client, auth, make_user):
    """/admin/outbox/<id>/resend (an admin page now) puts the message back in the queue."""
    auth.login(make_user("admin", "Văn phòng UBND tỉnh"))
    message = OutboxMessage(kind="invitation", recipient="a@so.gov.vn", subject="s",
                            status=MessageStatus.FAILED.value, attempts=5)
    db.session.add(message)
    db.session.commit()
    response = client.post(f"/admin/outbox/{message.id}/resend")
    assert response.status_code == 302 and response.location.endswith("/admin/runs")
    assert db.session.get(OutboxMessage, message.id).status == MessageStatus.PENDING.value


def test_the_consolidated_scope_is_cut_to_one_owner_among_those_seen(app, seed_plan):
    """Every list the agency sees (all, for the office); one owner's lists when asked for
    an owner among those; an owner it does not see is ignored."""
    make_plan(2, title="Danh mục của Sở Tài chính", owner="Sở Tài chính")
    finance, home = agency_id("Sở Tài chính"), agency_id("Văn phòng UBND tỉnh")
    everything = consolidated_scope(None, None)
    assert {name for _id, name in everything.owners} == {"Sở Công Thương", "Sở Tài chính"}
    assert count(Item, everything.scope) == count(Item)
    finances = consolidated_scope(None, str(finance))
    assert finances.owner_name == "Sở Tài chính"
    assert count(Item, finances.scope) == 2
    outsider = consolidated_scope(home, str(finance))
    assert (outsider.owners, outsider.owner_id, count(Item, outsider.scope)) == ([], None, 0)


def test_a_draft_takes_the_title_lines_and_refuses_what_is_not_an_appendix(app, make_user):
    """A new list's draft takes the title above the table unless one is typed; without
    either it is refused on the title; a table that is no appendix is refused on the source."""
    user = make_user("manager")
    titled = SourceTable("danh-muc.csv", [["DANH MỤC ĐỀ ÁN TRÌNH UBND TỈNH"],
                                          ["(Kèm theo Báo cáo số 351/BC-SCT)"], *SEED_ROWS])
    draft = new_draft("danh-muc.csv", [titled], user_id=user.id, plan=None,
                      owner_agency_id=user.agency_id)
    assert (draft.title, draft.attached_to, draft.table_index) == \
        ("DANH MỤC ĐỀ ÁN TRÌNH UBND TỈNH", "Báo cáo số 351/BC-SCT", 0)
    assert new_draft("x.csv", [titled], user_id=user.id, plan=None, title="Tên gõ").title == \
        "Tên gõ"
    with pytest.raises(FieldError) as untitled:
        new_draft("x.csv", [SourceTable("x", SEED_ROWS)], user_id=user.id, plan=None)
    assert untitled.value.field == "title"
    with pytest.raises(FieldError) as not_a_list:
        new_draft("x.csv", [SourceTable("x", [["Họ tên", "Điện thoại"], ["An", "0901"]])],
                  user_id=user.id, plan=None, title="Danh bạ")
    assert {field for field, _message in not_a_list.value.errors} == {"source"}


def test_a_request_and_its_decision_queue_their_own_notices(app, seed_plan, make_user):
    """Posted through the services alone: the request mails the owner's managers, the
    approval mails the lead agency and puts the new status in the next digests."""
    officer, manager = make_user("officer"), make_user("manager")
    item = db.session.scalar(sa.select(Item).where(Item.plan_id == seed_plan.id)
                                 .order_by(Item.position))
    post_status_update(item, StatusUpdate("postponed", note="Chờ số liệu",
                                              new_period="Quý IV/2020"),
                       actor=officer, expected_version=None, needs_approval=True,
                       today=date(2020, 9, 1))
    db.session.commit()
    assert count(OutboxMessage, OutboxMessage.kind == "postponement_requested",
                 OutboxMessage.recipient == manager.email) == 1
    decide_request(item, approve=True, reason="", actor=manager, expected_version=None,
                   today=date(2020, 9, 2))
    db.session.commit()
    assert count(OutboxMessage, OutboxMessage.kind == "postponement_decided",
                 OutboxMessage.recipient == officer.email) == 1
    assert count(Notice, Notice.kind == "status", Notice.recipient == officer.email) == 1


def test_the_password_rules_are_a_validator_of_the_form(app, make_user):
    """Every rule the new password breaks is on its field, beside the other fields' errors;
    the change form also checks the current password."""
    user: User = make_user("officer", name="Trần Văn An")
    with app.test_request_context(method="POST", data={"password": "tranvan", "confirm": "x"}):
        form = SetPasswordForm(user=user)
        assert not form.validate()
        assert form.password.errors == password_problems("tranvan", user.email, user.name)
        assert len(form.password.errors) == 2 and form.confirm.errors
    with app.test_request_context(method="POST", data={
            "current": "sai-mat-khau-cu", "password": "mot-mat-khau-dai",
            "confirm": "mot-mat-khau-dai"}):
        form = ChangePasswordForm(user=user)
        assert not form.validate()
        assert list(form.errors) == ["current"]
    with app.test_request_context(method="POST", data={
            "current": "mat-khau-thu-nghiem", "password": "mot-mat-khau-dai",
            "confirm": "mot-mat-khau-dai"}):
        assert ChangePasswordForm(user=user).validate()
