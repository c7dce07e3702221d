"""From an interpreted table to saved items: which agency each name means, then one
transaction that writes every row or none."""
from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from tracker.agencies import AgencyDirectory
from tracker.appendix.importer import (
    ImportResult,
    RowError,
    SourceTable,
    interpret_table,
    joined_table,
    pick_table,
)
from tracker.appendix.layout import PlanLayout
from tracker.audit import SOURCE_COMMAND, SOURCE_IMPORT
from tracker.extensions import db
from tracker.i18n import _
from tracker.models import Agency, ImportDraft, Item, Plan, PlanSection
from tracker.models._types import utcnow
from tracker.plans.service import (
    ItemFields,
    PublishedCells,
    add_item,
    create_plan,
    next_position,
    strip_attached_to,
)
from tracker.services import FieldError, raise_field_errors
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
            for name in row.lead_names or [row.lead_agency]:
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
                self.result.warnings.append(RowError(row.line, "", _(
                    "same title as item %(number)s already in the list; saving makes two items.",
                    number=existing_titles[key]), "title"))
            elif key in seen:
                self.result.warnings.append(RowError(row.line, "", _(
                    "same title as row %(row)d of the table.", row=seen[key]), "title"))
            seen.setdefault(key, row.line)

    def messages_by_line(self) -> dict[int, list[tuple[str, str]]]:
        """("error" | "warning", text) for each source line, as the preview shows them."""
        lines: dict[int, list[tuple[str, str]]] = {}
        for kind, problems in (("error", self.result.errors), ("warning", self.result.warnings)):
            for problem in problems:
                text = f"{problem.column}: {problem.message}" if problem.column else problem.message
                lines.setdefault(problem.row, []).append((kind, text))
        return lines

    def rows_with_errors(self) -> int:
        """How many item rows have an error of their own (while any has, no row is saved)."""
        lines = {problem.row for problem in self.result.errors}
        return sum(1 for row in self.result.rows if row.line in lines)

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
                errors[name] = _("Choose: create a new agency, or the existing agency this "
                                 "name means.")
        return choices, errors


DRAFT_LIFETIME = timedelta(days=1)


def new_draft(source_name: str, tables: list[SourceTable], *, user_id: int, plan: Plan | None,
              title: str = "", owner_agency_id: int | None = None,
              attached_to: str = "") -> ImportDraft:
    """The tables read from a file or a paste, as the user's draft for the preview (not yet
    kept: see `keep_draft`), on the table that looks most like an appendix. Into `plan`, or
    a new list: what the user typed for it wins, else the title lines above the table.

    :raise FieldError: on "source" when the table is not an appendix at all (no header,
        wrong columns, no item: only a readable table goes on to the preview, row by row);
        on "title" when a new list has no title, typed or in the file.
    """
    chosen = max(pick_table(tables), 0)
    table = joined_table(tables, chosen)
    result = interpret_table(table)
    if not result.rows:
        raise_field_errors([("source", str(error)) for error in result.errors[:5]]
                           or [("source", _("The table has no item rows."))])
    draft = ImportDraft(user_id=user_id, plan_id=plan.id if plan else None,
                        source_name=source_name[:255], tables=draft_tables(tables),
                        table_index=chosen)
    if plan is None:
        lines = title_lines(table.preamble + result.preamble)
        if not (title or lines.title):
            raise FieldError("title", _("Enter the title of the list: the file has no title "
                                        "line above its table."))
        draft.title = (title or lines.title)[:1000]
        draft.owner_agency_id = owner_agency_id
        draft.attached_to = attached_to or lines.attached_to
        draft.appendix_label = lines.label
    return draft


def keep_draft(draft: ImportDraft) -> None:
    """Add a new draft, forgetting its user's older ones and everyone's day-old ones."""
    db.session.execute(sa.delete(ImportDraft).where(sa.or_(
        ImportDraft.user_id == draft.user_id,
        ImportDraft.created_at < utcnow() - DRAFT_LIFETIME)))
    db.session.add(draft)


def draft_tables(tables: list[SourceTable]) -> list[dict]:
    return [table.to_json() for table in tables]


def source_of(draft: ImportDraft) -> SourceTable:
    """The draft's chosen table, with the tables that continue it (see `joined_table`)."""
    if not draft.tables:
        return SourceTable("", [])
    tables = [SourceTable.from_json(table) for table in draft.tables]
    return joined_table(tables, draft.table_index)


def consume_draft(draft: ImportDraft) -> bool:
    """Delete the draft in the current transaction; False if another request already did.

    The DELETE is what makes a draft usable once: a second "Save" (a double click, a resent
    form) waits on the first one's row lock (PostgreSQL) or write lock (SQLite), then
    deletes nothing."""
    deleted = db.session.execute(
        sa.delete(ImportDraft).where(ImportDraft.id == draft.id)
        .execution_options(synchronize_session=False))
    db.session.expunge(draft)
    return deleted.rowcount == 1


def save_draft(draft: ImportDraft, plan: ImportPlan, choices: Mapping[str, int | None], *,
               actor_user_id: int, actor_agency_id: int | None) -> Plan | None:
    """Save the draft's rows (`plan`, its interpretation, with the agencies chosen on the
    preview) and use it up; None, writing nothing, when an earlier request already saved or
    cancelled it. The caller commits."""
    target = db.session.get(Plan, draft.plan_id) if draft.plan_id else None
    source = source_of(draft)
    if not consume_draft(draft):
        return None
    return save_import(plan, choices, target=target, title=draft.title,
                       owner_agency_id=draft.owner_agency_id, attached_to=draft.attached_to,
                       appendix_label=draft.appendix_label,
                       actor_user_id=actor_user_id, actor_agency_id=actor_agency_id,
                       lines=title_lines(source.preamble + plan.result.preamble))


def import_plan_of(draft: ImportDraft) -> ImportPlan:
    """The draft's chosen table interpreted, its agencies matched, and (into an existing
    list) its rows compared with the items already there: three queries."""
    result = interpret_table(source_of(draft))
    existing = {}
    if draft.plan_id is not None:
        existing = {name_key(title): position for title, position in db.session.execute(
            sa.select(Item.title, Item.position).where(Item.plan_id == draft.plan_id))}
    return ImportPlan.build(result, AgencyDirectory.load(), existing)


_APPENDIX_LABEL = re.compile(r"^phụ lục(\s+[ivxlc\d]+)?\.?$", re.IGNORECASE)


@dataclass(frozen=True)
class TitleLines:
    """The lines printed above a published table, as published."""

    label: str = ""             # "PHỤ LỤC II"
    title: str = ""
    attached_line: str = ""     # "(Ban hành kèm theo Kế hoạch số 144/KH-UBND …)"
    lines_after: tuple[str, ...] = ()   # "Dữ liệu tính đến ngày 07/11/2025", a caption …

    @property
    def attached_to(self) -> str:
        return strip_attached_to(self.attached_line)


_ATTACHED = re.compile(r"^\(?\s*(ban hành )?kèm theo\b", re.IGNORECASE)


def title_lines(preamble: list[str]) -> TitleLines:
    """The label, title, "(Kèm theo …)" line and any line between it and the table.

    A bare "PHỤ LỤC" / "Phụ lục II" line is the label; "(Kèm theo …)" or "(Ban hành kèm
    theo …)" the attached line; the title is the first other line in capitals (as the
    decree writes titles), else the line just above the attached line, else the first line.
    """
    label = next((line.strip() for line in preamble if _APPENDIX_LABEL.match(line.strip())), "")
    lines = [line for line in preamble if not _APPENDIX_LABEL.match(line.strip())]
    attached = next((line for line in lines if _ATTACHED.match(line.strip())), "")
    after = tuple(lines[lines.index(attached) + 1:]) if attached else ()
    others = [line for line in lines if line != attached and line not in after]
    title = next((line for line in others if line == line.upper() and line != line.lower()), "")
    if not title and attached:
        above = lines[:lines.index(attached)]
        title = above[-1] if above else ""
    title = title or (others[0] if others else "")
    return TitleLines(label[:50], " ".join(title.split()), attached.strip(), after)


def title_from(preamble: list[str]) -> tuple[str, str, str]:
    """(title, "Kèm theo" text, "Phụ lục" label) guessed from the lines above a table."""
    lines = title_lines(preamble)
    return lines.title, lines.attached_to, lines.label


def save_import(plan: ImportPlan, choices: Mapping[str, int | None], *, target: Plan | None,
                title: str, owner_agency_id: int | None, attached_to: str, appendix_label: str,
                actor_user_id: int | None, actor_agency_id: int | None,
                lines: TitleLines | None = None, agency_source: str = SOURCE_IMPORT) -> Plan:
    """Add every row to `target`, or to a new plan; the caller commits (or rolls back) once.
    The one way in for the web import, `import-appendix` and the demo data.

    A new plan keeps the list's shape as published (`PlanLayout`: columns, title lines,
    sections, each row's own cells). Rows added to an existing list go after its last
    item; their own columns join the list's columns by header, and their headings are
    added as sections, when the list has a shape; a list made in the tracker keeps its six
    columns and the other cells go to the item's notes. The agencies it creates (the names
    the preview's answers say to create) are journaled as made by the actor from
    `agency_source`.
    """
    result = plan.result
    directory = AgencyDirectory.load(actor_id=actor_user_id, source=agency_source)
    chosen = {name: agency_id for name, agency_id in choices.items() if agency_id is not None}
    names_by_id = dict(db.session.execute(
        sa.select(Agency.id, Agency.name).where(Agency.id.in_(chosen.values()))).all()) \
        if chosen else {}
    names = {name: names_by_id[agency_id] for name, agency_id in chosen.items()}
    headers = dict(result.layout)
    if target is None:
        layout = PlanLayout.published(result.layout, lines, attached_to)
        target = create_plan(title, db.session.get(Agency, owner_agency_id), attached_to,
                             appendix_label, layout=layout.to_json())
        db.session.flush()
        first = 1
        key_of = {key: key for key, _header in result.layout}
    else:
        first = next_position(target.id)
        key_of = {}
        if target.layout is not None:
            layout = PlanLayout.from_json(target.layout)
            key_of = layout.merge_columns(result.layout)
            target.layout = layout.to_json()
    sections: list[PlanSection | None] = []
    if target.layout is not None and result.sections:
        start = (db.session.scalar(sa.select(sa.func.max(PlanSection.position))
                                   .where(PlanSection.plan_id == target.id)) or 0) + 1
        for offset, section in enumerate(result.sections):
            row = PlanSection(plan=target, position=start + offset, kind=section.kind,
                              cells=section.cells, text=section.text)
            db.session.add(row)
            sections.append(row)
    for position, row in enumerate(result.rows, start=first):
        notes = ""
        published = None
        if target.layout is not None:
            published = PublishedCells(
                lead_text=row.lead_text, number_text=row.number_text,
                lead_names=[names.get(name, name) for name in row.lead_names],
                extra={key_of[key]: text for key, text in row.extra.items() if key in key_of},
                sub_rows=[{key_of.get(key, key): text for key, text in sub.items()}
                          for sub in row.sub_rows],
                merged_up=row.merged_up,
                section=sections[row.section] if row.section is not None and sections else None)
        else:
            notes = "\n".join(f"{headers.get(key, '')}: {text}"
                               for key, text in row.extra.items())
        item = add_item(target, ItemFields(
            title=row.title,
            lead_agency_name=names.get(row.lead_agency, row.lead_agency),
            coordination=row.coordination, due_period=row.due_period,
            approving_level=row.approving_level, notes=notes, position=position,
            published=published,
        ), directory, actor_user_id=actor_user_id, actor_agency_id=actor_agency_id)
        if row.progress:
            item.journal[-1].note = f"Tình hình thực hiện khi nhập: {row.progress}"
    return target


def import_source(source: SourceTable, *, owner_agency_id: int, title: str = "",
                  attached_to: str = "", appendix_label: str = "",
                  choices: Mapping[str, int | None] | None = None,
                  actor_user_id: int | None = None, actor_agency_id: int | None = None,
                  agency_source: str = SOURCE_COMMAND) -> tuple[ImportPlan, Plan | None]:
    """Interpret a table and, when every row is good, save it as a new plan (names that match
    no agency are created unless `choices` says otherwise): the command line's and the demo's
    import, the same as the web's. Returns the plan None when nothing was written."""
    plan = ImportPlan.build(interpret_table(source), AgencyDirectory.load())
    if not plan.result.ok:
        return plan, None
    lines = title_lines(source.preamble + plan.result.preamble)
    answers = {name: None for name in plan.unknown}
    answers.update(choices or {})
    saved = save_import(plan, answers, target=None, title=title or lines.title,
                        owner_agency_id=owner_agency_id,
                        attached_to=attached_to or lines.attached_to,
                        appendix_label=appendix_label or lines.label,
                        actor_user_id=actor_user_id, actor_agency_id=actor_agency_id,
                        lines=lines, agency_source=agency_source)
    return plan, saved
