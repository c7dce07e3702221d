"""Frozen scorecards: at each monthly cut-off the periods ending that day (the month, and the
quarter, half-year and year when it ends one) are counted for the whole province and kept.
A frozen figure never changes; a past period is read from its snapshot. Services: they add
to the session and never commit (the job or the command does)."""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db
from tracker.models import Agency, Item, ScorecardSnapshot
from tracker.scorecard.counting import bucket_rows, scorecard_of
from tracker.scoring import (
    COUNT_FIELDS,
    Bucket,
    ReportPeriod,
    Scorecard,
    ScoreRow,
    half_period,
    month_of,
    month_period,
    quarter_period,
    year_period,
)


def periods_ending(day: date, cutoff_day: int) -> list[tuple[str, ReportPeriod]]:
    """The report periods whose last day is `day` (none unless `day` is a cut-off)."""
    year, month = month_of(day, cutoff_day)
    candidates = [("month", month_period(year, month, cutoff_day))]
    if month % 3 == 0:
        candidates.append(("quarter", quarter_period(year, month // 3, cutoff_day)))
    if month % 6 == 0:
        candidates.append(("half", half_period(year, month // 6, cutoff_day)))
    if month == 12:
        candidates.append(("year", year_period(year, cutoff_day)))
    return [(kind, period) for kind, period in candidates if period.end == day]


def last_cutoff_before(today: date, cutoff_day: int) -> date:
    """The most recent cut-off day strictly before `today`."""
    year, month = month_of(today - timedelta(days=1), cutoff_day)
    end = month_period(year, month, cutoff_day).end
    if end >= today:
        year, month = month_of(month_period(year, month, cutoff_day).start - timedelta(days=1),
                               cutoff_day)
        end = month_period(year, month, cutoff_day).end
    return end


def freeze(day: date, cutoff_day: int) -> list[ScorecardSnapshot]:
    """Freeze the periods ending on the cut-off `day` that are not frozen yet; returns the
    new snapshots (none on a second run: a frozen period is never counted again). Each
    period's items are read once, with their bucket as the live scorecard's SQL gives it
    (scorecard/counting.py), and its numbers counted from those rows: the numbers and the
    items behind them come from the same read, whatever is written meanwhile."""
    wanted = periods_ending(day, cutoff_day)
    if not wanted:
        return []
    done = set(db.session.execute(
        sa.select(ScorecardSnapshot.period_start, ScorecardSnapshot.period_end)
        .where(ScorecardSnapshot.period_end == day)).all())
    added = []
    for kind, period in wanted:
        if (period.start, period.end) in done:
            continue
        behind: dict[str, dict[str, list[int]]] = {}
        groups: Counter[tuple[int, str]] = Counter()
        for row in db.session.execute(bucket_rows(sa.true(), period, period.end)
                                      .add_columns(Item.lead_agency_id)
                                      .order_by(None).order_by(Item.id)):
            behind.setdefault(row.bucket, {}).setdefault(
                str(row.lead_agency_id), []).append(row.id)
            groups[row.lead_agency_id, row.bucket] += 1
        names = dict(db.session.execute(sa.select(Agency.id, Agency.name).where(
            Agency.id.in_({agency_id for agency_id, _bucket in groups}))).all())
        card = scorecard_of(period, period.end, ((agency_id, names[agency_id], bucket, n)
                                                 for (agency_id, bucket), n in groups.items()))
        snapshot = ScorecardSnapshot(
            period_kind=kind, period_label=period.label, period_start=period.start,
            period_end=period.end, as_of=period.end,
            rows=[{"agency_id": row.agency_id, "agency": row.agency,
                   **{name: getattr(row, name) for name in COUNT_FIELDS}} for row in card.rows],
            items=behind)
        db.session.add(snapshot)
        added.append(snapshot)
    return added


def find(period: ReportPeriod) -> ScorecardSnapshot | None:
    if period.start is None or period.end is None:
        return None
    # The ids behind the numbers are read only when a list of items asks for them.
    return db.session.scalar(sa.select(ScorecardSnapshot).where(
        ScorecardSnapshot.period_start == period.start,
        ScorecardSnapshot.period_end == period.end)
        .options(so.defer(ScorecardSnapshot.items)))


def card_of(snapshot: ScorecardSnapshot, period: ReportPeriod) -> Scorecard:
    """The frozen scorecard, as the live one is shaped."""
    card = Scorecard(period, snapshot.as_of)
    for values in snapshot.rows:
        row = ScoreRow(values["agency_id"], values["agency"],
                       **{name: values[name] for name in COUNT_FIELDS})
        card.rows.append(row)
        for name in COUNT_FIELDS:
            card.totals.add(Bucket(name), values[name])
    return card


def ids_behind(snapshot: ScorecardSnapshot, which: Bucket | None,
               agency_id: int | None) -> list[int]:
    """The items behind a frozen number (`which` None: every item counted but withdrawn)."""
    buckets = [which.value] if which else [b.value for b in Bucket if b != Bucket.WITHDRAWN]
    ids = []
    for name in buckets:
        by_agency = snapshot.items.get(name, {})
        if agency_id is None:
            for agency_ids in by_agency.values():
                ids.extend(agency_ids)
        else:
            ids.extend(by_agency.get(str(agency_id), []))
    return ids


def frozen_month_totals(periods: list[ReportPeriod]) -> dict[tuple[date, date], ScoreRow]:
    """The totals of the frozen months among `periods` (one query)."""
    starts = [period.start for period in periods if period.start]
    if not starts:
        return {}
    found = {}
    for snapshot in db.session.scalars(sa.select(ScorecardSnapshot).where(
            ScorecardSnapshot.period_kind == "month",
            ScorecardSnapshot.period_start.in_(starts))
            .options(so.defer(ScorecardSnapshot.items))):
        found[snapshot.period_start, snapshot.period_end] = card_of(
            snapshot, ReportPeriod(snapshot.period_start, snapshot.period_end)).totals
    return found
