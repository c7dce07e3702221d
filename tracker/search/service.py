"""Search the items: the same words, the same matches and the same order on SQLite and
PostgreSQL, because both compare the folded text of the index (tracker/search/text.py).

An item matches when its folded text contains every word of the query (or every word of
the query with agency abbreviations spelled out). SQLite looks the words up in the FTS5
trigram table, PostgreSQL in the trigram index; both with LIKE '%word%', which these
indexes serve. Results are ranked by where the words were found (the whole phrase in the
title first), then by deadline.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db
from tracker.models import Agency, Item, ItemSearch
from tracker.paging import PageNumbers
from tracker.plans.service import FilterChoices, ItemFilters
from tracker.search.text import Query

_FULL_TEXT = sa.table("item_search_fts", sa.column("rowid", sa.Integer),
                      sa.column("body", sa.Text))


def _like(column: sa.ColumnElement[str], word: str) -> sa.ColumnElement[bool]:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(f"%{escaped}%", escape="\\")


def _holds(column: sa.ColumnElement[str], query: Query) -> sa.ColumnElement[bool]:
    return sa.or_(*(sa.and_(*(_like(column, word) for word in words))
                    for words in query.spellings))


def _phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _sqlite_spelling(words: tuple[str, ...]) -> sa.Select:
    """SQLite: the words of three characters or more through the trigram index (a phrase
    query matches the same substrings as LIKE, without reading each candidate's text again),
    shorter ones with LIKE, which the trigram index cannot serve."""
    long_words = [w for w in words if len(w) >= 3]
    conditions = [_like(_FULL_TEXT.c.body, w) for w in words if len(w) < 3]
    if long_words:
        conditions.insert(0, sa.text("item_search_fts MATCH :expression").bindparams(
            sa.bindparam("expression", " AND ".join(map(_phrase, long_words)), unique=True)))
    return sa.select(_FULL_TEXT.c.rowid).where(*conditions)


def matching_ids(query: Query) -> sa.Select | sa.CompoundSelect:
    """The ids of the items whose folded text holds the query, through the database's index."""
    if db.session.get_bind().dialect.name == "sqlite":
        return sa.union(*(_sqlite_spelling(words) for words in query.spellings))
    return sa.select(ItemSearch.item_id).where(_holds(ItemSearch.body, query))


def rank(query: Query, title: sa.ColumnElement[str],
         body: sa.ColumnElement[str]) -> sa.ColumnElement[int]:
    """Higher for better places: the phrase in the title (4), every word in the title (2),
    the phrase anywhere (1)."""
    typed = query.spellings[0]
    return (sa.case((_like(title, query.phrase), 4), else_=0)
            + sa.case((sa.and_(*(_like(title, w) for w in typed)), 2), else_=0)
            + sa.case((_like(body, query.phrase), 1), else_=0))


# A search lists at most this many items, the best first (a query matching more is too
# broad to read through: the page says so and asks for more words or a filter).
MAX_RESULTS = 500
# And ranks at most this many times as many candidates: the most recent items (highest ids)
# that match, in the scope and the filters. A broad query ("dak lak" names a quarter of the
# province) is so ranked among its latest matches, not over every match.
CANDIDATES_PER_RESULT = 4


_FOUND = (Item.id, Item.lead_agency_id, Item.due_period, Item.due_date, Item.approving_level)


@dataclass(frozen=True)
class Found:
    """What the ranked query returns for each item: enough to offer the filters' values."""

    id: int
    lead_agency_id: int
    due_period: str
    due_date: date | None
    approving_level: str


def _fts_expression(query: Query) -> str | None:
    """The FTS5 query matching a superset of the query: for each spelling its words of three
    characters or more as phrases, ANDed; the spellings ORed. None when a spelling has no
    such word (the trigram index cannot serve it)."""
    parts = []
    for words in query.spellings:
        long_words = [w for w in words if len(w) >= 3]
        if not long_words:
            return None
        parts.append("(" + " AND ".join(map(_phrase, long_words)) + ")")
    return " OR ".join(parts)


def candidates(query: Query, plan_ids: list[int] | None, filters: ItemFilters,
               today: date, limit: int) -> sa.Subquery:
    """The `limit` most recent index rows (highest item ids) matching the query, in the
    plans `plan_ids` (every plan for None) and the filters, read from the index in that
    order and no further than needed. The items are joined only when a filter needs them:
    scope and order are the index row's own."""
    columns = (ItemSearch.item_id, ItemSearch.due_date, ItemSearch.title, ItemSearch.body)
    scope = sa.true() if plan_ids is None else ItemSearch.plan_id.in_(plan_ids)
    expression = _fts_expression(query) if db.session.get_bind().dialect.name == "sqlite" \
        else None
    if expression is not None:
        # SQLite: FTS5 hands its matches out by descending rowid; the join checks each one's
        # scope (and filters) until `limit` are found. Short words, and which spelling
        # matched, are checked on the text (only these rows' text is read again).
        select = (sa.select(*columns).select_from(_FULL_TEXT)
                  .join(ItemSearch, ItemSearch.item_id == _FULL_TEXT.c.rowid)
                  .where(sa.text("item_search_fts MATCH :expression").bindparams(
                      sa.bindparam("expression", expression, unique=True)), scope)
                  .order_by(_FULL_TEXT.c.rowid.desc()))
        if len(query.spellings) > 1 or any(len(w) < 3 for w in query.spellings[0]):
            select = select.where(_holds(ItemSearch.body, query))
    elif db.session.get_bind().dialect.name == "sqlite":
        select = (sa.select(*columns).where(ItemSearch.item_id.in_(matching_ids(query)), scope)
                  .order_by(ItemSearch.item_id.desc()))
    else:
        # PostgreSQL: the trigram index serves the text; the primary key the order.
        select = (sa.select(*columns).where(_holds(ItemSearch.body, query), scope)
                  .order_by(ItemSearch.item_id.desc()))
    if filters.narrows:
        select = filters.apply(select.join(Item, Item.id == ItemSearch.item_id), today)
    return select.limit(limit).subquery("candidate")


def ranked(query: Query, plan_ids: list[int] | None, filters: ItemFilters,
           today: date) -> list[Found]:
    """The items in the plans `plan_ids` (every plan for None) matching the query and the
    list filters, best first: one query, at most MAX_RESULTS + 1 rows, ranking at most
    CANDIDATES_PER_RESULT × MAX_RESULTS candidates (the newest matches; the LIMIT comes
    before the ranking, and the items are read for the best ones only)."""
    chosen = candidates(query, plan_ids, filters, today, CANDIDATES_PER_RESULT * MAX_RESULTS)
    score = rank(query, chosen.c.title, chosen.c.body).label("rank")
    best = (sa.select(chosen.c.item_id, chosen.c.due_date, score)
            .order_by(score.desc(), chosen.c.due_date.is_(None), chosen.c.due_date,
                      chosen.c.item_id)
            .limit(MAX_RESULTS + 1).subquery("best"))
    select = (sa.select(*_FOUND).join(best, best.c.item_id == Item.id)
              .order_by(best.c.rank.desc(), best.c.due_date.is_(None), best.c.due_date,
                        best.c.item_id))
    return [Found(*row) for row in db.session.execute(select)]


def items_in_order(ids: list[int]) -> list[Item]:
    """The items of `ids` in that order, with their plan and lead agency (one query)."""
    if not ids:
        return []
    found = {item.id: item for item in db.session.scalars(
        sa.select(Item).where(Item.id.in_(ids))
        .options(so.joinedload(Item.lead_agency), so.joinedload(Item.plan)))}
    return [found[i] for i in ids if i in found]


def choices_of(found: list[Found], filters: ItemFilters) -> FilterChoices:
    """The filters' values among the results, and the ones chosen (kept offered even when
    nothing matches them any more)."""
    agency_ids = {row.lead_agency_id for row in found} | (
        {filters.lead_agency_id} if filters.lead_agency_id else set())
    agencies = [tuple(row) for row in db.session.execute(
        sa.select(Agency.id, Agency.name).where(Agency.id.in_(agency_ids))
        .order_by(Agency.name))] if agency_ids else []
    deadlines: dict[str, date | None] = {}
    for row in found:
        known = deadlines.get(row.due_period)
        deadlines[row.due_period] = row.due_date if known is None else \
            min(known, row.due_date or known)
    if filters.due_period:
        deadlines.setdefault(filters.due_period, None)
    periods = sorted(deadlines, key=lambda p: (deadlines[p] is None, deadlines[p] or date.min, p))
    levels = sorted({row.approving_level for row in found if row.approving_level}
                    | ({filters.approving_level} if filters.approving_level else set()))
    return FilterChoices(agencies, periods, levels)


@dataclass
class ResultPage(PageNumbers):
    """One page of results, with what the pager reads (as Flask-SQLAlchemy's Pagination)."""

    items: list[Item]
    total: int
    page: int
    per_page: int
    more: bool     # more than MAX_RESULTS matched: only the best are listed

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def result_page(found: list[Found], page: int, per_page: int) -> ResultPage:
    more = len(found) > MAX_RESULTS
    ids = [row.id for row in found[:MAX_RESULTS]]
    start = (page - 1) * per_page
    return ResultPage(items_in_order(ids[start:start + per_page]), len(ids), page, per_page, more)
