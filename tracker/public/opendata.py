"""Open data of a published plan (plain Python): one record per item, written as CSV and as
JSON, each described by a schema served beside it (a Frictionless Table Schema for the CSV,
a JSON Schema for the JSON). The fields are the public text of tracker/public/redact.py."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime

from tracker.statuses import Status

# (name, Table Schema type, JSON Schema type, title, description), in column order.
FIELDS = (
    ("number", "string", "string", "STT", "The item's number as printed in the list."),
    ("title", "string", "string", "Tên đề án, văn bản", "As published."),
    ("lead_agency", "string", "string", "Cơ quan chủ trì", "As published."),
    ("coordination", "string", "string", "Cơ quan phối hợp", "As published."),
    ("approving_level", "string", "string", "Cấp trình", "As published; may be empty."),
    ("original_due_period", "string", "string", "Thời gian trình (theo danh mục)",
     "The submission time the plan was published with."),
    ("original_due_date", "date", "date", "Hạn trình ban đầu",
     "The deadline computed from it; empty for an open text such as 'Thường xuyên'."),
    ("due_period", "string", "string", "Thời gian trình hiện hành",
     "The submission time in force (after an approved postponement)."),
    ("due_date", "date", "date", "Hạn trình hiện hành", "Empty for an open text."),
    ("postponed", "boolean", "boolean", "Đã lùi hạn",
     "The deadline in force is not the original one."),
    ("status", "string", "string", "Mã tình trạng", "One of the status codes (see enum)."),
    ("status_label", "string", "string", "Tình trạng", "The status in the official wording."),
    ("progress", "string", "string", "Tình hình thực hiện",
     "As printed in the progress appendix: status, documents, reason of a decision."),
    ("document", "string", "string", "Văn bản",
     "The Tờ trình, the Quyết định, or the letter of the decision on a postponement "
     "or withdrawal; may be empty."),
    ("reason", "string", "string", "Lý do",
     "The reason of a postponement, withdrawal or return; may be empty."),
    ("overdue", "boolean", "boolean", "Trễ hạn", "Open and past its deadline in force."),
    ("updated_at", "datetime", "date-time", "Cập nhật", "The item's last change (UTC)."),
)
NULLABLE = frozenset({"original_due_date", "due_date"})


@dataclass(frozen=True, slots=True)
class OpenItem:
    number: str
    title: str
    lead_agency: str
    coordination: str
    approving_level: str
    original_due_period: str
    original_due_date: date | None
    due_period: str
    due_date: date | None
    postponed: bool
    status: str
    status_label: str
    progress: str
    document: str
    reason: str
    overdue: bool
    updated_at: datetime


def _plain(value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    return value


NAMES = tuple(name for name, *_rest in FIELDS)


def to_records(items: list[OpenItem]) -> list[dict]:
    # getattr, not dataclasses.asdict: its deep copies cost 0.4 ms an item.
    return [{name: _plain(getattr(item, name)) for name in NAMES} for item in items]


def to_csv(items: list[OpenItem]) -> str:
    """UTF-8 CSV (with a byte-order mark, for spreadsheet programs), header = field names,
    booleans true/false, dates ISO 8601, nothing for a missing date."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(name for name, *_rest in FIELDS)
    for record in to_records(items):
        writer.writerow("" if record[name] is None
                        else ("true" if record[name] else "false") if isinstance(record[name], bool)
                        else record[name] for name, *_rest in FIELDS)
    return out.getvalue()


def to_json(plan: dict, items: list[OpenItem], schema_url: str) -> str:
    return json.dumps({"$schema": schema_url, "plan": plan, "items": to_records(items)},
                      ensure_ascii=False, indent=1)


def table_schema() -> dict:
    """The Frictionless Table Schema of the CSV."""
    return {
        "fields": [
            {"name": name, "type": kind, "title": title, "description": description,
             **({"format": "%Y-%m-%dT%H:%M:%SZ"} if kind == "datetime" else {}),
             **({"constraints": {"required": True}} if name not in NULLABLE
                and kind != "string" else {}),
             **({"constraints": {"required": True, "enum": [s.value for s in Status]}}
                if name == "status" else {})}
            for name, kind, _json, title, description in FIELDS
        ],
        "missingValues": [""],
    }


def json_schema(schema_id: str) -> dict:
    """The JSON Schema (2020-12) of the JSON."""
    properties = {}
    for name, _kind, kind, title, description in FIELDS:
        if kind in ("date", "date-time"):
            spec = {"type": ["string", "null"] if name in NULLABLE else "string", "format": kind}
        else:
            spec = {"type": kind}
        if name == "status":
            spec["enum"] = [s.value for s in Status]
        properties[name] = {"title": title, "description": description, **spec}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": schema_id,
        "title": "Danh mục đề án, văn bản: tình hình thực hiện",
        "type": "object",
        "required": ["plan", "items"],
        "properties": {
            "$schema": {"type": "string"},
            "plan": {
                "type": "object",
                "required": ["title", "owner_agency", "attached_to", "published_at",
                             "last_update", "url"],
                "properties": {
                    "title": {"type": "string"},
                    "owner_agency": {"type": "string"},
                    "attached_to": {"type": "string"},
                    "published_at": {"type": "string", "format": "date-time"},
                    "last_update": {"type": ["string", "null"], "format": "date-time"},
                    "url": {"type": "string", "format": "uri"},
                },
                "additionalProperties": False,
            },
            "items": {
                "type": "array",
                "items": {"type": "object", "required": [name for name, *_rest in FIELDS],
                          "properties": properties, "additionalProperties": False},
            },
        },
        "additionalProperties": False,
    }
