"""The OpenAPI 3.1 document of /api/v1, kept beside the views it describes (routes.py).

tests/test_api_contract.py validates every answer of the API tests against it, and runs
schemathesis over it against the live app."""
from __future__ import annotations

import copy
from functools import cache

from tracker.api.paths import PREFIX
from tracker.statuses import Status
from tracker.web import MAX_ID

VERSION = "1.0.0"


def _nullable(schema: dict) -> dict:
    schema = dict(schema)
    schema["type"] = [schema["type"], "null"]
    return schema


STRING = {"type": "string"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
COUNT = {"type": "integer", "minimum": 0}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
STATUS_CODES = [s.value for s in Status]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(properties: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required}


SCHEMAS = {
    "AgencyRef": _obj({"id": ID, "name": STRING}),
    "Agency": _obj({"id": ID, "name": STRING, "is_consolidating_office": {"type": "boolean"},
                    "active": {"type": "boolean"}}),
    "Plan": _obj({
        "id": ID, "title": STRING, "owner_agency": _ref("AgencyRef"),
        "attached_to": {**STRING, "description": 'The inside of the "(Kèm theo …)" line.'},
        "appendix_label": STRING, "created_at": DATETIME,
        "version": {"type": "integer"}, "items_count": {"type": "integer", "minimum": 0},
        "url": {**STRING, "format": "uri", "description": "The plan's page."},
    }),
    "PlanCounts": _obj({
        "statuses": {"type": "object", "properties": {c: {"type": "integer"} for c in STATUS_CODES},
                     "required": STATUS_CODES},
        "overdue": {"type": "integer"}, "due_soon": {"type": "integer"},
        "pending": {"type": "integer", "description": "Items with a request awaiting a decision."},
    }),
    "PlanDetail": {"allOf": [_ref("Plan"), _obj({"counts": _ref("PlanCounts")})]},
    "Status": _obj({"code": {"type": "string", "enum": STATUS_CODES},
                    "label": {**STRING, "description": "In the language of the request."}}),
    "Item": _obj({
        "id": ID, "plan_id": ID, "position": {"type": "integer"},
        "number": {**STRING, "description": "The STT as printed."},
        "title": STRING, "lead_agency": _ref("AgencyRef"),
        "lead_text": {**STRING, "description": "The lead cell as published."},
        "leads": {"type": "array", "items": _ref("AgencyRef")},
        "coordination": {**STRING, "description": "The coordination cell, verbatim."},
        "coordinators": {"type": "array", "items": _ref("AgencyRef")},
        "due_period": {**STRING, "description": 'The period in force as published, e.g. '
                                                '"Quý III/2020".'},
        "due_date": {**_nullable(DATE), "description": "The deadline computed from it "
                                                       "(null: no deadline, e.g. \"Thường xuyên\")."},
        "original_due_period": STRING, "original_due_date": _nullable(DATE),
        "requested_due_period": {**_nullable(STRING),
                                 "description": "A postponement awaiting a manager's decision."},
        "withdrawal_requested": {"type": "boolean"},
        "approving_level": STRING, "status": _ref("Status"), "overdue": {"type": "boolean"},
        "submission_ref": _nullable(STRING), "outcome_ref": _nullable(STRING),
        "notes": STRING, "updated_at": DATETIME,
        "version": {"type": "integer", "description": "Send it in If-Match to write."},
        "url": {**STRING, "format": "uri"},
    }),
    "Document": _obj({"id": ID, "name": STRING, "media_type": STRING,
                      "size": {"type": "integer"}, "url": {**STRING, "format": "uri"}}),
    "JournalEntry": _obj({
        "id": ID, "item_id": ID, "created_at": DATETIME,
        "kind": {"type": "string", "enum": ["created", "status", "comment", "edit",
                                            "postponement_requested", "postponement_refused",
                                            "withdrawal_requested", "withdrawal_refused",
                                            "reinstated"]},
        "user": {"oneOf": [{"type": "null"}, _obj({"id": ID, "name": STRING})]},
        "agency": {"oneOf": [{"type": "null"}, _ref("AgencyRef")]},
        "api_token_name": {**_nullable(STRING),
                           "description": "The API token the change came through."},
        "old_status": _nullable(STRING), "new_status": _nullable(STRING),
        "field": _nullable(STRING), "old_value": _nullable(STRING),
        "new_value": _nullable(STRING), "note": STRING, "document_ref": _nullable(STRING),
        "document_date": _nullable(DATE), "new_due_period": _nullable(STRING),
        "documents": {"type": "array", "items": _ref("Document")},
    }),
    "PlanList": _obj({"plans": {"type": "array", "items": _ref("Plan")},
                      "total": {"type": "integer"}, "limit": {"type": "integer"},
                      "offset": {"type": "integer"}}),
    "ItemList": _obj({"items": {"type": "array", "items": _ref("Item")},
                      "total": {"type": "integer"}, "limit": {"type": "integer"},
                      "offset": {"type": "integer"}}),
    "Journal": _obj({"entries": {"type": "array", "items": _ref("JournalEntry")}}),
    "AgencyList": _obj({"agencies": {"type": "array", "items": _ref("Agency")}}),
    "ScoreRow": _obj({
        "agency_id": _nullable(ID), "agency": STRING,
        "total": COUNT, "on_time": COUNT, "late": COUNT, "open_in_time": COUNT, "overdue": COUNT,
        "no_deadline": COUNT, "withdrawn": COUNT,
        "rate": {"type": ["number", "null"], "minimum": 0, "maximum": 100,
                 "description": "On time ÷ (completed + overdue), in percent; null if none due."},
    }),
    "Scorecard": _obj({
        "from": DATE, "to": DATE, "as_of": DATE, "plan": _nullable(ID),
        "rows": {"type": "array", "items": _ref("ScoreRow")}, "totals": _ref("ScoreRow"),
    }),
    "StatusUpdate": {**_obj({
        "status": {"type": "string", "enum": STATUS_CODES},
        "note": {**STRING, "maxLength": 4000,
                 "description": "Required for a withdrawal (the reason)."},
        "document_ref": {**STRING, "maxLength": 300,
                         "description": "Tờ trình / Quyết định number: required for submitted "
                                        "and approved."},
        "document_date": {**_nullable(DATE), "description": "Required with document_ref."},
        "new_period": {**STRING, "maxLength": 200,
                       "description": 'A postponement\'s new period, e.g. "Quý IV/2020".'},
    }, ["status"]), "additionalProperties": True},
    "Note": _obj({"note": {**STRING, "minLength": 1, "maxLength": 4000}}),
    "Written": _obj({"entry": _ref("JournalEntry"), "item": _ref("Item"),
                     "warnings": {"type": "array", "items": STRING}}),
    "Problem": {
        "type": "object", "description": "RFC 9457 problem details, in the request's language.",
        "properties": {
            "type": {**STRING, "format": "uri-reference"}, "title": STRING,
            "status": {"type": "integer"}, "detail": STRING,
            "errors": {"type": "array", "items": _obj({"field": STRING, "message": STRING})},
        },
        "required": ["type", "title", "status"],
    },
}


def _problem(description: str) -> dict:
    return {"description": description,
            "content": {"application/problem+json": {"schema": _ref("Problem")}}}


def _ok(schema: str, description: str, *, etag: str = "A digest of the body.") -> dict:
    return {"description": description,
            "headers": {"ETag": {"description": etag, "schema": STRING}},
            "content": {"application/json": {"schema": _ref(schema)}}}


NOT_MODIFIED = {"description": "Not modified since the ETag sent in If-None-Match."}
READ_ERRORS = {
    "304": NOT_MODIFIED,
    "400": _problem("A query parameter could not be read (see `errors`)."),
    "401": _problem("No usable API token (missing, unknown, revoked or expired)."),
    "403": _problem("The token's user may not see this."),
    "404": _problem("No such record."),
    "429": _problem("The token's rate limit; wait Retry-After seconds."),
    "default": _problem("Any other error."),
}
WRITE_ERRORS = {
    "400": _problem("The body is not a JSON object."),
    "401": READ_ERRORS["401"], "403": _problem("The token's user may not do this."),
    "404": READ_ERRORS["404"],
    "412": _problem("If-Match is not the item's current version: nothing was saved."),
    "415": _problem("The body is not JSON."),
    "422": _problem("The update was refused (see `errors`, by field)."),
    "428": _problem("No If-Match header."),
    "429": READ_ERRORS["429"], "default": READ_ERRORS["default"],
}


def _param(name: str, where: str, schema: dict, description: str, required: bool = False) -> dict:
    return {"name": name, "in": where, "required": required, "schema": schema,
            "description": description}


PAGING = [  # 500: config.API_MAX_LIMIT, whose default the document states
    _param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 500, "default": 50},
           "How many at most (500)."),
    _param("offset", "query", {"type": "integer", "minimum": 0, "maximum": 1_000_000,
                               "default": 0}, "How many to skip."),
]
ITEM_ID = _param("item_id", "path", ID, "The item's id.", True)
IF_MATCH = _param("If-Match", "header", STRING,
                  "The item's version (its ETag, as read): a stale one is refused with 412.", True)
FLAG = {"type": "boolean"}


def _write(summary: str, body: str, description: str) -> dict:
    return {"summary": summary, "description": description, "parameters": [ITEM_ID, IF_MATCH],
            "requestBody": {"required": True,
                            "content": {"application/json": {"schema": _ref(body)}}},
            "responses": {"201": {**_ok("Written", "Saved and journaled with the token's name.",
                                        etag="The item's new version."),
                                  "description": "Saved and journaled with the token's name."},
                          **WRITE_ERRORS}}


PATHS = {
    "/plans": {"get": {
        "summary": "Plans the token's user may see", "operationId": "listPlans",
        "parameters": PAGING,
        "responses": {"200": _ok("PlanList", "Newest first."), **READ_ERRORS}}},
    "/plans/{plan_id}": {"get": {
        "summary": "One plan with its counts", "operationId": "getPlan",
        "parameters": [_param("plan_id", "path", ID, "The plan's id.", True)],
        "responses": {"200": _ok("PlanDetail", "The plan."), **READ_ERRORS}}},
    "/items": {"get": {
        "summary": "Items, filtered as on the plan page", "operationId": "listItems",
        "parameters": [
            _param("plan", "query", ID, "Only this plan's items (else every plan you see)."),
            _param("lead", "query", ID, "Led by this agency (alone or with others)."),
            _param("period", "query", {**STRING, "maxLength": 200},
                   'Due in this period as written, e.g. "Quý III/2020".'),
            _param("status", "query", {"type": "string", "enum": STATUS_CODES}, "In this status."),
            _param("level", "query", {**STRING, "maxLength": 200}, "Approving level, e.g. \"UBND tỉnh\"."),
            _param("overdue", "query", FLAG, "Only overdue items."),
            _param("due_soon", "query", FLAG, "Only items due within the reminder window."),
            _param("pending", "query", FLAG, "Only items with a request awaiting a decision."),
            *PAGING,
        ],
        "responses": {"200": _ok("ItemList", "By plan, then position."), **READ_ERRORS}}},
    "/items/{item_id}": {"get": {
        "summary": "One item", "operationId": "getItem", "parameters": [ITEM_ID],
        "responses": {"200": _ok("Item", "The item.", etag="The item's version."),
                      **READ_ERRORS}}},
    "/items/{item_id}/journal": {"get": {
        "summary": "The item's journal, newest first", "operationId": "getJournal",
        "parameters": [ITEM_ID],
        "responses": {"200": _ok("Journal", "Every change, newest first."), **READ_ERRORS}}},
    "/items/{item_id}/status": {"post": {
        **_write("Change the item's status", "StatusUpdate",
                 "As the item page's form: the lead agency's officers and managers, or a manager "
                 "of the list. An officer's postponement or withdrawal becomes a request a manager "
                 "decides. Submitted/approved need document_ref and document_date; postponed "
                 "needs new_period; withdrawn needs a note."),
        "operationId": "postStatus"}},
    "/items/{item_id}/notes": {"post": {
        **_write("Add a note to the item's journal", "Note",
                 "The lead and coordinating agencies, and the list's managers."),
        "operationId": "postNote"}},
    "/scorecard": {"get": {
        "summary": "The scorecard per lead agency, live", "operationId": "getScorecard",
        "description": "The four counts of the task-tracking rules, items without a deadline "
                       "and withdrawn ones apart, and the on-time rate, for the items due in "
                       "the days from..to (this year to today by default), at min(to, today). "
                       "Managers, the consolidating office and administrators.",
        "parameters": [
            _param("from", "query", DATE, "First day (default: 1 January of this year)."),
            _param("to", "query", DATE, "Last day (default: today)."),
            _param("plan", "query", ID, "Only this plan (else every plan you see)."),
        ],
        "responses": {"200": _ok("Scorecard", "One row per lead agency, by name."),
                      **READ_ERRORS}}},
    "/agencies": {"get": {
        "summary": "Every agency", "operationId": "listAgencies",
        "responses": {"200": _ok("AgencyList", "By name."), **READ_ERRORS}}},
    "/openapi.json": {"get": {
        "summary": "This document", "operationId": "getOpenApi", "security": [],
        "responses": {"200": {"description": "OpenAPI 3.1",
                              "content": {"application/json": {"schema": {"type": "object"}}}},
                      "304": NOT_MODIFIED}}},
    "/docs": {"get": {
        "summary": "This document as a page", "operationId": "getDocs", "security": [],
        "responses": {"200": {"description": "HTML",
                              "content": {"text/html": {"schema": {"type": "string"}}}}}}},
}


@cache
def _document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Tracker API", "version": VERSION,
            "description": "Plans, items and their journals, for programs. Authenticate with an "
                           "API token (account page, or `flask --app wsgi api-token create EMAIL "
                           "--name TEXT`) in `Authorization: Bearer …`; it acts with its user's "
                           "role and agency. Errors are RFC 9457 problem details in the language "
                           "of Accept-Language (Vietnamese by default). Dates are ISO 8601.",
        },
        "servers": [{"url": PREFIX}],
        "security": [{"bearer": []}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "An API token (trk_…)."}},
        },
    }


def document() -> dict:
    """A copy of the document (callers may change theirs)."""
    return copy.deepcopy(_document())
