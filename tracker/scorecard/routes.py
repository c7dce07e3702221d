"""The scorecard page, the items behind each of its numbers, and its downloads."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Response, abort, current_app, render_template, request, url_for
from flask_login import current_user

from tracker import policy
from tracker.appendix.formats import FORMATS as FILE_FORMATS
from tracker.appendix.pdf import PdfUnavailable
from tracker.models import ScorecardSnapshot
from tracker.scorecard import bp, snapshots
from tracker.scorecard.charts import bar_chart, line_chart
from tracker.scorecard.counting import bucket_rows, count_months
from tracker.scorecard.exports import FORMATS, render
from tracker.scorecard.forms import ScorecardForm
from tracker.scorecard.report import build_report, render_report
from tracker.scorecard.service import (
    Scope,
    agency_name,
    frozen_page,
    items_behind,
    live_page,
    live_scorecard,
    make_scope,
    scope_choices,
)
from tracker.scoring import (
    COUNT_FIELDS,
    Bucket,
    ReportPeriod,
    Scorecard,
    month_of,
    month_period,
    months_between,
)
from tracker.web import page_number, tracker_today

SORTS = ("agency", "total", *COUNT_FIELDS, "rate")
# What a number of a row stands for, as the items list takes it.
COUNTS = ("total", *COUNT_FIELDS)


@dataclass
class ScorecardRequest:
    """The page's question, read from the query string: period, as-of date, scope. The
    figures come from the services (scorecard/service.py, counting.py, snapshots.py)."""

    form: ScorecardForm
    scope: Scope
    period: ReportPeriod | None
    as_of: object
    frozen: ScorecardSnapshot | None = None
    choices: tuple[list, list] = ((), ())

    @classmethod
    def read(cls) -> ScorecardRequest:
        if not policy.can_read_scorecard(current_user):
            abort(403)
        today = tracker_today()
        agency_id = policy.plan_scope(current_user)
        plans, owners = scope_choices(agency_id)
        form = ScorecardForm(request.args)
        form.offer(today, plans, owners)
        plan, owner = form.chosen(form.plan), form.chosen(form.owner)
        scope = make_scope(agency_id, plan_id=int(plan) if plan else None,
                           owner_id=int(owner) if owner else None, plans=plans, owners=owners)
        period = form.period(today, cutoff_day())
        as_of = form.as_of_date(period, today) if period is not None else None
        if as_of is None:
            period = None
        frozen = None
        if period is not None and agency_id is None and scope.whole_province \
                and form.as_of.date is None:
            frozen = snapshots.find(period)
            if frozen is not None:
                as_of = frozen.as_of
        return cls(form, scope, period, as_of, frozen, (plans, owners))

    def card(self) -> Scorecard | None:
        if self.period is None:
            return None
        if self.frozen is not None:
            return snapshots.card_of(self.frozen, self.period)
        return live_scorecard(current_user, self.period.start, self.period.end, self.as_of,
                              self.scope.plan_id, owner_id=self.scope.owner_id,
                              period=self.period, choices=self.choices)

    def args(self, **more) -> dict:
        args = {k: v for k, v in request.args.items() if k not in ("page", *more)}
        return {**args, **{k: v for k, v in more.items() if v is not None}}


def cutoff_day() -> int:
    return current_app.config["SCORECARD_CUTOFF_DAY"]


def chart_months(period: ReportPeriod) -> list[tuple[int, int]]:
    """The report months of the period; for one month, the twelve ending with it."""
    cutoff = cutoff_day()
    last = month_of(period.end, cutoff)
    first = month_of(period.start, cutoff) if period.start else last
    if first == last:
        year, month = last
        index = year * 12 + month - 1 - 11
        first = (index // 12, index % 12 + 1)
    return months_between(first, last)[-36:]


def sorted_rows(card: Scorecard, sort: str, descending: bool):
    if sort == "agency":
        key = lambda row: row.agency.casefold()   # noqa: E731
    elif sort == "rate":
        key = lambda row: (row.rate is not None, row.rate or 0)   # noqa: E731
    else:
        key = lambda row: getattr(row, sort)   # noqa: E731
    return sorted(card.rows, key=key, reverse=descending)


@bp.get("/scorecard")
def index():
    """The four counts per lead agency for a period, with the charts and the rules."""
    asked = ScorecardRequest.read()
    card = asked.card()
    sort = request.args.get("sort") if request.args.get("sort") in SORTS else "agency"
    descending = request.args.get("dir") == "desc"
    rows, bars, line = [], None, None
    if card is not None:
        rows = sorted_rows(card, sort, descending)
        bars = bar_chart([(row.agency, row.rate) for row in rows])
        months = chart_months(asked.period)
        periods = [month_period(*month, cutoff_day()) for month in months]
        frozen = {}
        if asked.scope.whole_province and policy.sees_every_plan(current_user):
            frozen = snapshots.frozen_month_totals(periods)
        # Only the months not frozen are counted (one query grouped by month).
        live = [month for month, period in zip(months, periods, strict=True)
                if (period.start, period.end) not in frozen]
        counted = dict(zip(live, (total for _period, total in count_months(
            asked.scope.where, live, tracker_today(), cutoff_day())),
            strict=True)) if live else {}
        line = line_chart([
            (period.label.removeprefix("Tháng "),
             (frozen.get((period.start, period.end)) or counted[month]).rate)
            for month, period in zip(months, periods, strict=True)])
    return render_template("scorecard/index.html", form=asked.form, card=card, rows=rows,
                           scope=asked.scope, sort=sort, descending=descending,
                           bars=bars, line=line, args=asked.args(), counts=COUNTS,
                           formats=FORMATS,
                           frozen=asked.frozen.frozen_at if asked.frozen else None,
                           report_formats=REPORT_FORMATS)


@bp.get("/scorecard/items")
def items():
    """The items behind one number of the scorecard (an agency's, or the totals')."""
    asked = ScorecardRequest.read()
    if asked.period is None:
        abort(404)
    count = request.args.get("count")
    if count not in COUNTS:
        count = "total"
    agency = request.args.get("agency", "")
    agency_id = int(agency) if agency.isdigit() and len(agency) < 10 else None
    which = None if count == "total" else Bucket(count)
    per_page = current_app.config["ITEMS_PER_PAGE"]
    if asked.frozen is not None:
        page, ended = frozen_page(snapshots.ids_behind(asked.frozen, which, agency_id),
                                  page_number(), per_page)
    else:
        page, ended = live_page(bucket_rows(asked.scope.where, asked.period, asked.as_of,
                                            which, agency_id,
                                            total=count == "total"), page_number(), per_page)
    shown = items_behind(page.items)
    return render_template("scorecard/items.html", form=asked.form, page=page, items=shown,
                           ended=ended, count=count, as_of=asked.as_of, period=asked.period,
                           agency=agency_name(agency_id) if agency_id else None,
                           back=url_for("scorecard.index", **asked.args(count=None, agency=None)),
                           args=asked.args())


@bp.get("/scorecard.<fmt>")
def download(fmt: str):
    """The scorecard as CSV, XLSX or DOCX (the command line writes the same files)."""
    if fmt not in FORMATS:
        abort(404)
    asked = ScorecardRequest.read()
    card = asked.card()
    if card is None:
        abort(400)
    body = render(card, fmt, asked.scope.label)
    name = f"ket-qua-thuc-hien-{card.as_of:%Y-%m-%d}.{fmt}"
    return Response(body, mimetype=FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


REPORT_FORMATS = ("docx", "pdf")


@bp.get("/scorecard/report.<fmt>")
def report(fmt: str):
    """"Báo cáo tình hình thực hiện" of the page's period and scope, as DOCX or PDF."""
    if fmt not in REPORT_FORMATS:
        abort(404)
    asked = ScorecardRequest.read()
    if asked.period is None or asked.period.start is None:
        abort(400)
    built = build_report(asked.scope.where, asked.period, asked.as_of, frozen=asked.frozen,
                         scope_label=asked.scope.label)
    try:
        body = render_report(built, fmt)
    except PdfUnavailable as error:
        return Response(str(error), status=503, mimetype="text/plain")
    name = f"bao-cao-tinh-hinh-thuc-hien-{asked.as_of:%Y-%m-%d}.{fmt}"
    return Response(body, mimetype=FILE_FORMATS[fmt].media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
