"""From an interpreted table to saved items: which agency each name means, then one
transaction that writes every row or none."""
from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from tracker.agencies import AgencyDirectory
from tracker.appendix.importer import ImportResult, RowError, interpret
from tracker.extensions import db
from tracker.models import Agency, ImportDraft, Plan, Proposal
from tracker.models._types import utcnow
from tracker.plans.service import (
    ProposalFields,
    add_proposal,
    create_plan,
    next_position,
    strip_attached_to,
)
from tracker.text import name_key

NEW_AGENCY = "new"


@dataclass
class ImportPlan:
    """An interpreted table and what its lead agency names match.

    `unknown` are the names matching no agency: the preview asks, for each, to
    create it or to take it as one of the existing agencies (`suggestions` first).
    """

    result: ImportResult
    matched: dict[str, Agency] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    suggestions: dict[str, list[Agency]] = field(default_factory=dict)

    @classmethod
    def build(cls, result: ImportResult, directory: AgencyDirectory,
              existing_titles: Mapping[str, int] | None = None) -> ImportPlan:
        """`existing_titles`: name_key(title) → position of the items already in the target
        plan, so a row imported twice is pointed out (it is a warning, not an error)."""
        plan = cls(result)
        plan._warn_duplicates(existing_titles or {})
        for row in result.rows:
            name = row.lead_agency
            if not name or name in plan.matched or name in plan.suggestions:
                continue
            agency = directory.find(name)
            if agency is not None:
                plan.matched[name] = agency
            else:
                plan.unknown.append(name)
                plan.suggestions[name] = directory.suggestions(name)
        return plan

    def _warn_duplicates(self, existing_titles: Mapping[str, int]) -> None:
        seen: dict[str, int] = {}
        for row in self.result.rows:
            key = name_key(row.title)
            if key in existing_titles:
                self.result.warnings.append(RowError(
                    row.line, "", f"trùng tên với đề án số {existing_titles[key]} đã có trong "
                                  "danh mục; nếu lưu sẽ thành hai đề án.", "title"))
            elif key in seen:
                self.result.warnings.append(RowError(
                    row.line, "", f"trùng tên với dòng {seen[key]} của bảng.", "title"))
            seen.setdefault(key, row.line)

    def messages_by_line(self) -> dict[int, list[tuple[str, str]]]:
        """("error" | "warning", text) for each source line, as the preview shows them."""
        lines: dict[int, list[tuple[str, str]]] = {}
        for kind, problems in (("error", self.result.errors), ("warning", self.result.warnings)):
            for problem in problems:
                text = f"{problem.column}: {problem.message}" if problem.column else problem.message
                lines.setdefault(problem.row, []).append((kind, text))
        return lines

    def table_problems(self) -> list[tuple[str, str]]:
        """Errors and warnings not tied to an item row (missing columns, empty table …)."""
        item_lines = {row.line for row in self.result.rows}
        return [(kind, str(problem)) for kind, problems in
                (("error", self.result.errors), ("warning", self.result.warnings))
                for problem in problems if problem.row not in item_lines]

    def read_choices(self, form: Mapping[str, str], agency_ids: Collection[int]
                     ) -> tuple[dict[str, int | None], dict[str, str]]:
        """The preview's answers: name → existing agency id, or None to create it."""
        choices: dict[str, int | None] = {}
        errors: dict[str, str] = {}
        for index, name in enumerate(self.unknown):
            value = (form.get(f"agency-{index}") or "").strip()
            if value == NEW_AGENCY:
                choices[name] = None
            elif value.isdigit() and int(value) in agency_ids:
                choices[name] = int(value)
            else:
                errors[name] = "Hãy chọn: tạo cơ quan mới, hoặc cơ quan đã có mà tên này chỉ đến."
        return choices, errors


DRAFT_LIFETIME = timedelta(days=1)


def keep_draft(draft: ImportDraft) -> None:
    """Add a new draft, forgetting its user's older ones and everyone's day-old ones."""
    db.session.execute(sa.delete(ImportDraft).where(sa.or_(
        ImportDraft.user_id == draft.user_id,
        ImportDraft.created_at < utcnow() - DRAFT_LIFETIME)))
    db.session.add(draft)


def import_plan_of(draft: ImportDraft) -> ImportPlan:
    """The draft's chosen table interpreted, its agencies matched, and (into an existing
    list) its rows compared with the items already there: three queries."""
    rows = draft.tables[draft.table_index]["rows"] if draft.tables else []
    existing = {}
    if draft.plan_id is not None:
        existing = {name_key(title): position for title, position in db.session.execute(
            sa.select(Proposal.title, Proposal.position).where(Proposal.plan_id == draft.plan_id))}
    return ImportPlan.build(interpret(rows), AgencyDirectory.load(), existing)


_APPENDIX_LABEL = re.compile(r"^phụ lục(\s+[ivxlc\d]+)?\.?$", re.IGNORECASE)


def title_from(preamble: list[str]) -> tuple[str, str, str]:
    """(title, "Kèm theo" text, "Phụ lục" label) guessed from the lines above a table.

    The "(Kèm theo …)" line is the attached-to line; a bare "PHỤ LỤC" / "Phụ lục II" line
    is the label; the title is the first other line in capitals (as the decree writes
    titles), else the line just above "(Kèm theo …)", else the first line.
    """
    label = next((line.strip() for line in preamble if _APPENDIX_LABEL.match(line.strip())), "")
    lines = [line for line in preamble if not _APPENDIX_LABEL.match(line.strip())]
    attached = next((line for line in lines
                     if line.strip("( ").casefold().startswith("kèm theo")), "")
    others = [line for line in lines if line != attached]
    title = next((line for line in others if line == line.upper() and line != line.lower()), "")
    if not title and attached:
        above = lines[:lines.index(attached)]
        title = above[-1] if above else ""
    title = title or (others[0] if others else "")
    return " ".join(title.split()), strip_attached_to(attached), label[:50]


def strictly_increasing(numbers: list[int]) -> bool:
    return all(a < b for a, b in zip(numbers, numbers[1:], strict=False))


def save_import(plan: ImportPlan, choices: Mapping[str, int | None], *, target: Plan | None,
                title: str, owner_agency_id: int | None, attached_to: str, appendix_label: str,
                actor_user_id: int | None, actor_agency_id: int | None) -> Plan:
    """Add every row to `target`, or to a new plan; the caller commits (or rolls back) once.

    Positions: appended after the plan's last item; in a new plan, the file's own numbers
    when they run upwards, else 1 … N (a list numbered per group restarts at 1).
    """
    directory = AgencyDirectory.load()
    chosen = {name: agency_id for name, agency_id in choices.items() if agency_id is not None}
    names_by_id = dict(db.session.execute(
        sa.select(Agency.id, Agency.name).where(Agency.id.in_(chosen.values()))).all()) \
        if chosen else {}
    names = {name: names_by_id[agency_id] for name, agency_id in chosen.items()}
    if target is None:
        target = create_plan(title, db.session.get(Agency, owner_agency_id), attached_to,
                             appendix_label)
        db.session.flush()
        file_numbers = [row.position for row in plan.result.rows]
        positions = file_numbers if strictly_increasing(file_numbers) else \
            list(range(1, len(file_numbers) + 1))
    else:
        first = next_position(target.id)
        positions = list(range(first, first + len(plan.result.rows)))
    for row, position in zip(plan.result.rows, positions, strict=True):
        proposal = add_proposal(target, ProposalFields(
            title=row.title, lead_agency_name=names.get(row.lead_agency, row.lead_agency),
            coordination=row.coordination, due_period=row.due_period,
            approving_level=row.approving_level, notes=row.notes, position=position,
        ), directory, actor_user_id=actor_user_id, actor_agency_id=actor_agency_id)
        if row.progress:
            proposal.journal[-1].note = f"Tình hình thực hiện khi nhập: {row.progress}"
    return target
