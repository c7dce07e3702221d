"""The policy module on plain values: who may do what, without a database."""
from dataclasses import dataclass

import pytest

from tracker import policy

OFFICE, SCT, STC = 1, 2, 3  # consolidating office, Sở Công Thương, Sở Tài chính


@dataclass
class AgencyStub:
    is_consolidating_office: bool


@dataclass
class ActorStub:
    role: str
    agency_id: int
    is_authenticated: bool = True

    @property
    def agency(self):
        return AgencyStub(self.agency_id == OFFICE)


class Anonymous:
    is_authenticated = False
    role = None
    agency_id = None
    agency = None


def actor(role, agency):
    return ActorStub(role, agency)


@pytest.mark.parametrize("who,owner,involved,expected", [
    (actor("viewer", OFFICE), SCT, False, True),      # the consolidating office sees all
    (actor("viewer", STC), SCT, False, False),
    (actor("viewer", STC), SCT, True, True),          # involved through an item
    (actor("officer", SCT), SCT, False, True),        # his agency owns the plan
    (actor("admin", STC), SCT, False, True),
    (Anonymous(), SCT, True, False),
])
def test_can_read_plan(who, owner, involved, expected):
    """A plan is read by the consolidating office, the owner agency, an agency involved through
    an item and an admin; never anonymously."""
    assert policy.can_read_plan(who, owner, involved) is expected


@pytest.mark.parametrize("who,expected", [
    (actor("viewer", OFFICE), None), (actor("manager", OFFICE), None),   # every list
    (actor("admin", STC), None),
    (actor("officer", SCT), SCT), (actor("manager", STC), STC),         # his agency's
])
def test_plan_scope(who, expected):
    """The lists a user sees: every one (None) for the consolidating office and admins,
    otherwise those of his agency."""
    assert policy.plan_scope(who) == expected


def test_involvement_is_only_asked_when_needed():
    """Whether an agency is involved in a plan is asked only when its role and agency do not
    decide already."""
    calls = []

    def involved():
        calls.append(1)
        return True

    assert policy.can_read_plan(actor("officer", SCT), SCT, involved)
    assert calls == []
    assert policy.can_read_plan(actor("officer", STC), SCT, involved)
    assert calls == [1]


@pytest.mark.parametrize("who,owner,expected", [
    (actor("manager", SCT), SCT, True),
    (actor("manager", STC), SCT, False),               # another agency's plan
    (actor("manager", OFFICE), SCT, True),             # the consolidating office's manager
    (actor("officer", SCT), SCT, False),
    (actor("viewer", OFFICE), SCT, False),
    (actor("admin", STC), SCT, True),
])
def test_can_manage_plan(who, owner, expected):
    """A plan is managed, and its requests decided, by its owner's managers, the consolidating
    office's managers and admins."""
    assert policy.can_manage_plan(who, owner) is expected
    assert policy.can_decide_request(who, owner) is expected


@pytest.mark.parametrize("who,lead,coordinators,update,comment", [
    (actor("officer", SCT), SCT, [], True, True),
    (actor("officer", STC), SCT, [STC], False, True),  # coordinating: comment only
    (actor("officer", STC), SCT, [], False, False),
    (actor("viewer", SCT), SCT, [], False, False),     # viewers only read
    (actor("manager", STC), STC, [], True, True),      # his agency leads the item
    (actor("manager", OFFICE), SCT, [], True, True),
])
def test_status_and_comments(who, lead, coordinators, update, comment):
    """The lead agency's officers and managers update an item's status; coordinating agencies
    only comment; viewers only read."""
    assert policy.can_update_status(who, lead, SCT) is update
    assert policy.can_comment(who, lead, SCT, coordinators) is comment


def test_request_needs_approval_unless_a_manager_in_scope():
    """A postponement or withdrawal needs approval unless asked by a manager of the plan's owner."""
    assert policy.request_needs_approval(actor("officer", SCT), SCT)
    assert policy.request_needs_approval(actor("manager", STC), SCT)
    assert not policy.request_needs_approval(actor("manager", SCT), SCT)


def test_owner_choices_for_a_new_plan():
    """A manager creates a plan for his agency, the consolidating office's for any; officers for
    none; only admins administer."""
    assert policy.owner_agencies_allowed(actor("manager", SCT), [OFFICE, SCT, STC]) == [SCT]
    assert policy.owner_agencies_allowed(actor("manager", OFFICE), [OFFICE, SCT, STC]) == \
        [OFFICE, SCT, STC]
    assert policy.owner_agencies_allowed(actor("officer", SCT), [OFFICE, SCT, STC]) == []
    assert policy.can_administer(actor("admin", SCT)) and not policy.can_administer(actor("manager", OFFICE))


def test_any_of_several_lead_agencies_may_update():
    """A published lead cell naming two agencies: the officers of either may update."""
    owner = 9
    assert policy.can_update_status(actor("officer", 2), {1, 2}, owner)
    assert policy.can_update_status(actor("officer", 1), [1, 2], owner)
    assert not policy.can_update_status(actor("officer", 3), {1, 2}, owner)
    assert not policy.can_update_status(actor("viewer", 2), {1, 2}, owner)
    assert policy.can_comment(actor("officer", 2), {1, 2}, owner, [])


@pytest.mark.parametrize("usage,expected", [
    ({}, True),
    ({"items": 1}, False),     # it leads, co-leads or coordinates an item
    ({"plans": 1}, False),     # it owns a list
    ({"users": 1}, False),
    ({"journal": 1}, False),   # its people wrote in an item's history
])
def test_only_an_agency_nothing_refers_to_may_be_deleted(usage, expected):
    """Only an admin deletes an agency, and only one no item, plan, user or journal entry refers to."""
    counts = {"items": 0, "plans": 0, "users": 0, "journal": 0} | usage
    assert policy.can_delete_agency(actor("admin", OFFICE), **counts) is expected
    for role in ("manager", "officer", "viewer"):
        assert not policy.can_delete_agency(actor(role, OFFICE), **counts)
    assert not policy.can_delete_agency(Anonymous(), **counts)


@pytest.mark.parametrize("merged_office,kept_office,expected", [
    (False, False, True), (False, True, True), (True, True, True),
    (True, False, False),   # its users would stop seeing every plan
])
def test_a_consolidating_office_is_merged_only_into_another(merged_office, kept_office, expected):
    """Only an admin merges agencies, and a consolidating office only into another consolidating office."""
    rule = {"merged_sees_every_plan": merged_office, "kept_sees_every_plan": kept_office}
    assert policy.can_merge_agencies(actor("admin", OFFICE), **rule) is expected
    assert not policy.can_merge_agencies(actor("manager", OFFICE), **rule)
    assert not policy.can_merge_agencies(Anonymous(), **rule)


@pytest.mark.parametrize("who,expected", [
    (actor("admin", STC), True),
    (actor("manager", STC), True),        # for the plans he sees
    (actor("viewer", OFFICE), True),      # the consolidating office sees every plan
    (actor("officer", OFFICE), True),
    (actor("officer", SCT), False),       # his items are in "Đề án của tôi"
    (actor("viewer", STC), False),
    (Anonymous(), False),
])
def test_can_read_scorecard(who, expected):
    """Managers, the consolidating office and admins read the scorecard; officers do not."""
    assert policy.can_read_scorecard(who) is expected
def test_only_admins_manage_webhooks():
    """Webhooks send the tracker's data out: no manager, not even the consolidating
    office's, may subscribe a URL."""
    assert policy.can_manage_webhooks(actor("admin", SCT))
    for role, agency in (("manager", OFFICE), ("manager", SCT), ("officer", SCT),
                         ("viewer", OFFICE)):
        assert not policy.can_manage_webhooks(actor(role, agency))
