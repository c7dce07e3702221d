"""The shape of a published list (plain Python): its columns as published, in order, and
the lines printed between its title and its table.

An imported plan keeps it (`Plan.layout`, JSON) so that it prints back as it was
published; a plan made in the tracker has none and prints the seed's six columns.
Column keys: the six the tracker understands ("position", "title", "lead_agency",
"coordination", "due_period", "approving_level") and "c<N>" for the list's own columns
("Sản phẩm đầu ra", "Kết quả", "Nguồn kinh phí", "Ghi chú" …), whose cells are kept in
`Item.extra`.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from tracker.text import name_key

PLAN_HEADERS = ("STT", "Tên đề án", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian trình",
                "Cấp trình")
PLAN_KEYS = ("position", "title", "lead_agency", "coordination", "due_period", "approving_level")
# Relative width of a column by key (percent-like units); the list's own columns get EXTRA.
WIDTH_OF = {"position": 5, "title": 37, "lead_agency": 14, "coordination": 22, "due_period": 11,
            "approving_level": 11}
EXTRA_WIDTH = 16
CENTRED_KEYS = frozenset({"position", "due_period", "approving_level"})


@dataclass
class PlanLayout:
    columns: list[tuple[str, str]] = field(default_factory=list)   # (key, header as published)
    attached_line: str = ""            # "(Ban hành kèm theo …)" as published; "" → "(Kèm theo …)"
    lines_after: list[str] = field(default_factory=list)

    @classmethod
    def published(cls, columns: Sequence[tuple[str, str]], lines=None,
                  attached_to: str = "") -> PlanLayout:
        """The shape of an imported table; the attached line is kept as published unless the
        user typed another "Kèm theo" text."""
        attached_line = ""
        lines_after: list[str] = []
        if lines is not None:
            if lines.attached_line and lines.attached_to == attached_to:
                attached_line = lines.attached_line
            lines_after = list(lines.lines_after)
        return cls([(key, header) for key, header in columns], attached_line, lines_after)

    @classmethod
    def from_json(cls, data: dict | None) -> PlanLayout | None:
        if not data:
            return None
        return cls([(key, header) for key, header in data.get("columns", [])],
                   data.get("attached_line", ""), list(data.get("lines_after", [])))

    def to_json(self) -> dict:
        return {"columns": [[key, header] for key, header in self.columns],
                "attached_line": self.attached_line, "lines_after": list(self.lines_after)}

    @property
    def keys(self) -> list[str]:
        return [key for key, _ in self.columns]

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(header for _, header in self.columns)

    def has(self, key: str) -> bool:
        return key in self.keys

    def extra_columns(self) -> list[tuple[str, str]]:
        """The list's own columns (key, header), in order."""
        return [(key, header) for key, header in self.columns if key not in PLAN_KEYS]

    def merge_columns(self, incoming: Sequence[tuple[str, str]]) -> dict[str, str]:
        """Rows of another table added to this list: their column keys → this list's keys.
        Known columns match by meaning, the others by header; a column this list lacks is
        added at the end (the list's sections then leave it empty)."""
        by_header = {name_key(header): key for key, header in self.columns}
        mapping = {}
        for key, header in incoming:
            if key in PLAN_KEYS:
                if not self.has(key):
                    self.columns.append((key, header))
                mapping[key] = key
                continue
            existing = by_header.get(name_key(header))
            if existing is None or existing in PLAN_KEYS:
                existing = self._new_key()
                self.columns.append((existing, header))
                by_header[name_key(header)] = existing
            mapping[key] = existing
        return mapping

    def _new_key(self) -> str:
        numbers = [int(key[1:]) for key in self.keys if key.startswith("c") and key[1:].isdigit()]
        return f"c{max(numbers, default=-1) + 1}"


_LAST_NUMBER = re.compile(r"^(.*?)(\d+)(\D*)$")


def next_number(numbers: Sequence[str]) -> str:
    """The STT after the last one printed in a section: "1.3" → "1.4", "9." → "10.", "" if
    the list does not number its rows that way."""
    for text in reversed(numbers):
        if text:
            match = _LAST_NUMBER.match(text)
            return f"{match[1]}{int(match[2]) + 1}{match[3]}" if match else ""
    return "1"


def widths_of(keys: Sequence[str]) -> tuple[int, ...]:
    return tuple(WIDTH_OF.get(key, EXTRA_WIDTH) for key in keys)
