"""The one recipient rule (tracker.outbox.recipients): who of an agency's users and its shared
mailbox receive a kind of mail. Plain values first; then the two paths that use it (the
reminder planner and the mail queued with a change) against the database, which agree."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import Agency, Notice, OutboxMessage, Role, User
from tracker.outbox.recipients import AgencyFacts, Recipient, UserFacts, agency_audience, merge

SCT = 1
OFFICER = UserFacts(1, "an@sct.vn", "Trần Văn An", "officer", SCT)
MANAGER = UserFacts(2, "thu@sct.vn", "Nguyễn Thị Thu", "manager", SCT, locale="en")
VIEWER = UserFacts(3, "xem@sct.vn", "Lê Bình", "viewer", SCT)
GONE = UserFacts(4, "nghi@sct.vn", "Cán bộ đã nghỉ", "officer", SCT, active=False)
USERS = (OFFICER, MANAGER, VIEWER, GONE)
DESK = AgencyFacts(SCT, shared_mailbox="vanthu@sct.vn")


def addresses(found: list[Recipient]) -> list[str]:
    return [r.email for r in found]


def test_active_users_in_the_roles_then_the_mailbox():
    """Users of the roles asked, active only, in the order given; then the agency's mailbox, as
    a mailbox (no name, no account, the official language)."""
    found = agency_audience("due_soon", ("officer", "manager"), USERS, DESK)
    assert addresses(found) == ["an@sct.vn", "thu@sct.vn", "vanthu@sct.vn"]
    assert found[-1] == Recipient("vanthu@sct.vn", "", "vi", None, "vanthu@sct.vn")
    assert found[1] == Recipient("thu@sct.vn", "Nguyễn Thị Thu", "en", 2, "thu@sct.vn")
    assert addresses(agency_audience("due_soon", ("officer",), USERS, DESK,
                                     with_mailbox=False)) == ["an@sct.vn"]


def test_a_deactivated_agencys_mailbox_gets_nothing_of_any_kind():
    """The decided rule: the mailbox of a deactivated agency receives no mail at all; the
    agency's users are judged by their own accounts."""
    closed = AgencyFacts(SCT, shared_mailbox="vanthu@sct.vn", active=False)
    for kind in ("due_soon", "overdue", "status", "postponement_requested", "reinstated"):
        assert addresses(agency_audience(kind, ("officer",), USERS, closed)) == ["an@sct.vn"]


def test_muted_kinds_except_a_managers_overdue_alerts():
    """A user who turned a kind off does not get it; a manager cannot turn off overdue alerts,
    but may turn off status changes."""
    muted_officer = UserFacts(1, "an@sct.vn", "", "officer", SCT, muted=frozenset({"overdue"}))
    muted_manager = UserFacts(2, "thu@sct.vn", "", "manager", SCT,
                              muted=frozenset({"overdue", "status"}))
    users = (muted_officer, muted_manager)
    assert addresses(agency_audience("overdue", ("officer", "manager"), users)) == ["thu@sct.vn"]
    assert addresses(agency_audience("status", ("officer", "manager"), users)) == ["an@sct.vn"]
    assert addresses(agency_audience("due_soon", ("officer",), users)) == ["an@sct.vn"]


def test_each_address_once_and_a_user_wins_over_a_mailbox():
    """A mailbox at a user's address (any case) is that user; across audiences too, whichever
    comes first; a user given twice is told once."""
    at_officer = AgencyFacts(SCT, shared_mailbox="AN@SCT.vn")
    assert agency_audience("due_soon", ("officer",), (OFFICER, OFFICER), at_officer) == [
        Recipient("an@sct.vn", "Trần Văn An", "vi", 1, "an@sct.vn")]
    other_desk = agency_audience("due_soon", ("officer",), (), AgencyFacts(2, "An@Sct.vn"))
    merged = merge([other_desk, agency_audience("due_soon", ("officer",), (OFFICER,))])
    assert [(r.email, r.user_id) for r in merged] == [("an@sct.vn", 1)]


def test_an_unknown_agency_has_no_mailbox():
    assert addresses(agency_audience("due_soon", ("officer",), (OFFICER,), None)) == ["an@sct.vn"]


# ---- both paths, against the database ---------------------------------------------------------

SEED_OFFICER = "chuyenvien@demo.local"   # Sở Công Thương: leads and owns the seed's items
SEED_MANAGER = "lanhdao@demo.local"
MAILBOX = "vanthu@sct.example.vn"


def seed_agency() -> Agency:
    return db.session.scalar(sa.select(Agency).where(Agency.name == "Sở Công Thương"))


def set_desk(active: bool, mailbox: str = MAILBOX) -> Agency:
    agency = seed_agency()
    agency.shared_mailbox, agency.active = mailbox, active
    db.session.commit()
    return agency


def planned_for_item_1(day: date) -> set[tuple[str, int | None]]:
    from tracker.notify.service import plan_day

    return {(n.recipient_email, n.recipient_user_id) for n in plan_day(day) if n.item_id == 1}


@pytest.mark.parametrize("active", [True, False], ids=["active", "deactivated"])
def test_reminders_and_queued_mail_agree_on_an_agencys_audience(app, seed_plan, make_user,
                                                                active):
    """Reminders (planner) and queued mail (recipients_of) ask the same rule: for the lead
    agency's officers on a reminder day they name the same people and the same mailbox (none
    when the agency is deactivated), with mutes, a deactivated officer and a mailbox at an
    officer's address in upper case."""
    from tracker.outbox.queue import Audience, recipients_of

    make_user("officer", email="muted@sct.example.vn", muted_notices="due_soon")
    make_user("officer", email="gone@sct.example.vn", active=False)
    agency = set_desk(active)
    # 23/9/2020 is the 7-day reminder of item 1: the lead's officers and mailbox only.
    planned = planned_for_item_1(date(2020, 9, 23))
    queued = {(r.email, r.user_id) for r in recipients_of(
        "due_soon", [Audience(agency.id, (Role.OFFICER,))])}
    officer = db.session.scalar(sa.select(User.id).where(User.email == SEED_OFFICER))
    assert planned == queued == ({(SEED_OFFICER, officer), (MAILBOX, None)} if active
                                 else {(SEED_OFFICER, officer)})
    set_desk(active, mailbox=SEED_OFFICER.upper())
    assert planned_for_item_1(date(2020, 9, 23)) == {(SEED_OFFICER, officer)} == {
        (r.email, r.user_id) for r in recipients_of(
            "due_soon", [Audience(agency.id, (Role.OFFICER,))])}


@pytest.mark.parametrize("active", [True, False], ids=["active", "deactivated"])
def test_status_and_request_mail_reach_the_mailbox_of_an_active_agency_only(app, client, auth,
                                                                           seed_plan, active):
    """Before, a deactivated agency's mailbox got status notices and postponement mail while
    the planner gave it no reminder: now it gets none of them (an active one gets all); the
    agency's active users are told either way."""
    set_desk(active)
    auth.login(db.session.scalar(sa.select(User).where(User.email == SEED_OFFICER)),
               "chuyenvien-demo-2020")
    assert client.post("/items/1/status", data={
        "status": "postponed", "new_period": "Quý IV/2020", "note": "Chờ ý kiến của Bộ",
        "version": "1"}).status_code == 302
    auth.logout()
    auth.login(db.session.scalar(sa.select(User).where(User.email == SEED_MANAGER)),
               "lanhdao-demo-2020")
    assert client.post("/items/1/decision",
                       data={"decision": "approve", "version": "2"}).status_code == 302
    mails = set(db.session.execute(sa.select(OutboxMessage.kind, OutboxMessage.recipient)).all())
    notices = set(db.session.execute(sa.select(Notice.kind, Notice.recipient)).all())
    assert {("postponement_requested", SEED_MANAGER), ("postponement_decided", SEED_OFFICER)} \
        <= mails
    assert ("status", SEED_OFFICER) in notices
    to_mailbox = {kind for kind, recipient in mails | notices if recipient == MAILBOX}
    assert to_mailbox == ({"postponement_requested", "postponement_decided", "status"}
                          if active else set())
