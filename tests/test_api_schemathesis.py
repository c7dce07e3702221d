"""schemathesis against the live app (served over HTTP, SQLite and PostgreSQL): data made
from the OpenAPI document, valid and invalid, for every operation, with a manager's token.
No answer may be a 5xx, and each must match the document (status, content type, headers,
body). Examples are limited to keep the run near a minute per database."""
from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from api_support import make_token
from browser_support import serve
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tracker.api.openapi import document

EXAMPLES = 20  # per operation and generation mode
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


def test_schemathesis_finds_no_server_error_and_no_answer_off_the_document(
        app, make_user, seed_plan):
    """Generated valid and invalid API calls get no 5xx and no answer that breaks the document."""
    app.config["API_RATE_LIMIT"] = 1_000_000
    token = make_token(make_user("manager", "Sở Công Thương"))
    schema = schemathesis.openapi.from_dict(aimed_at_the_demo(document()))
    failures, answers = [], Counter()
    with serve(app) as url:
        base_url = url + "/api/v1"
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in GenerationMode:
                strategy = operation.as_strategy(generation_mode=mode)

                @settings(max_examples=EXAMPLES, deadline=None, database=None,
                          suppress_health_check=list(HealthCheck), derandomize=True)
                @given(case=strategy)
                def check(case):
                    response = case.call_and_validate(
                        base_url=base_url, headers={"Authorization": f"Bearer {token}"},
                        checks=CHECKS)
                    answers[response.status_code] += 1

                try:
                    check()
                except Unsatisfiable:
                    pass  # no parameter or body to make invalid (the document, the page)
                except Exception as error:  # noqa: BLE001 (collect every operation's failure)
                    failures.append(f"{operation.label} ({mode.value}): {error}")
    assert failures == [], "\n\n".join(failures)
    # The run reached the data and the writes, not only the refusals.
    assert answers[200] > 50 and answers[201] + answers[412] + answers[422] > 0, answers
    assert sum(answers.values()) > 300, answers


def aimed_at_the_demo(spec: dict) -> dict:
    """The document with its ids and versions drawn from the demo's (plan 1, items 1-3,
    versions 1-2), so that valid data reaches real items and their writes, not only 404s.
    The answers are checked against the unchanged response schemas."""
    for path in spec["paths"].values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] in ("plan_id", "item_id", "plan"):
                    parameter["schema"] = {"type": "integer", "enum": [1, 2, 3]}
                elif parameter["name"] == "If-Match":
                    parameter["schema"] = {"type": "string", "enum": ['"1"', '"2"', "1", '"9"']}
    return spec


@pytest.fixture(autouse=True)
def _quiet_live_server(caplog):
    caplog.set_level("ERROR", logger="werkzeug")
