"""`flask report …`: the scorecard and the periodic report as files, and freezing by hand."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from tracker.clock import today_in
from tracker.extensions import db
from tracker.models import Item, Plan
from tracker.periods import PeriodError, format_date, parse_date
from tracker.scoring import ReportPeriod, range_period


@click.group("report")
def report() -> None:
    """Reports: the scorecard of the task-tracking rules, the periodic report, freezing."""


def _date(text: str | None, option: str):
    if text is None:
        return None
    try:
        return parse_date(text)
    except PeriodError as error:
        raise click.ClickException(f"{option}: {error}") from None


def _output(path: str, allowed: tuple[str, ...]) -> tuple[Path, str]:
    target = Path(path)
    fmt = target.suffix.lower().lstrip(".")
    if fmt not in allowed:
        raise click.ClickException(
            f"Tệp kết quả phải có đuôi {', '.join('.' + f for f in allowed)}, không phải "
            f"“{target.name}”.")
    if not target.parent.exists():
        raise click.ClickException(f"Thư mục “{target.parent}” không tồn tại.")
    return target, fmt


@report.command("scorecard")
@click.option("--as-of", "as_of", required=True, metavar="D/M/YYYY",
              help="The day the figures are taken (e.g. 14/3/2026).")
@click.option("--from", "start", metavar="D/M/YYYY",
              help="Count only items due from this day to --as-of (e.g. 15/2/2026); without "
                   "it, every item, as it stood on --as-of.")
@click.option("--plan", "plan_id", type=int, help="Only the items of this plan (its id).")
@click.option("-o", "--output", required=True, metavar="FILE",
              help="FILE.csv, FILE.xlsx or FILE.docx.")
@with_appcontext
def scorecard_command(as_of: str, start: str | None, plan_id: int | None, output: str) -> None:
    """Write the scorecard per lead agency (the four counts, no deadline, on-time rate).

    A period frozen at a cut-off (--from and --as-of its first and last day, every plan) is
    read from its snapshot, as published."""
    from tracker.scorecard import snapshots
    from tracker.scorecard.counting import count_scorecard
    from tracker.scorecard.exports import render

    target, fmt = _output(output, ("csv", "xlsx", "docx"))
    day = _date(as_of, "--as-of")
    first = _date(start, "--from")
    if first is not None and first > day:
        raise click.ClickException(
            f"--from ({format_date(first)}) phải trước hoặc bằng --as-of ({format_date(day)}).")
    where = sa.true()
    scope_label = ""
    if plan_id is not None:
        plan = db.session.get(Plan, plan_id) if 0 < plan_id < 2**31 else None
        if plan is None:
            raise click.ClickException(f"Không có danh mục số {plan_id}.")
        where, scope_label = Item.plan_id == plan_id, plan.title
    period = range_period(first, day) if first else ReportPeriod(None, None, "Tất cả đề án")
    frozen = snapshots.find(period) if plan_id is None and first else None
    if frozen is not None and frozen.as_of == day:
        card = snapshots.card_of(frozen, ReportPeriod(period.start, period.end, frozen.period_label))
    else:
        card = count_scorecard(where, period, day)
    body = render(card, fmt, scope_label)
    target.write_bytes(body)
    click.echo(f"{target}: {len(card.rows)} cơ quan chủ trì, {card.totals.total} đề án")


@report.command("freeze")
@click.option("--day", metavar="D/M/YYYY",
              help="The cut-off day whose periods to freeze (default: the last one before today).")
@with_appcontext
def freeze_command(day: str | None) -> None:
    """Freeze the scorecard of the periods ending on a cut-off day (as the scheduler does the
    morning after). A period already frozen is left as it is."""
    from tracker.scorecard.jobs import run_freeze
    from tracker.scorecard.snapshots import periods_ending

    chosen = _date(day, "--day")
    today = today_in(current_app.config["TRACKER_TIMEZONE"])
    if chosen is not None:
        if not periods_ending(chosen, current_app.config["SCORECARD_CUTOFF_DAY"]):
            raise click.ClickException(
                f"{format_date(chosen)} không phải ngày chốt số liệu (ngày "
                f"{current_app.config['SCORECARD_CUTOFF_DAY']} hằng tháng).")
        if chosen >= today:
            raise click.ClickException(f"Kỳ kết thúc ngày {format_date(chosen)} chưa kết thúc.")
    labels = run_freeze(today, datetime.now(UTC), chosen)
    click.echo("Đã chốt: " + ", ".join(labels) if labels else "Không có kỳ nào cần chốt.")


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def _numbered_period(text: str, option: str, numbers: dict[str, int], example: str):
    """"3/2026" → (3, 2026) for --month, "I/2026" → (1, 2026) for --quarter …"""
    number, _slash, year = text.strip().partition("/")
    value = numbers.get(number.strip().lower())
    if value is None or not year.strip().isdigit() or len(year.strip()) != 4:
        raise click.ClickException(f"{option}: viết theo dạng {example}, không phải “{text}”.")
    return value, int(year)


def report_period(month: str | None, quarter: str | None, half: str | None,
                  year: str | None, cutoff_day: int) -> ReportPeriod:
    from tracker.scoring import half_period, month_period, quarter_period, year_period

    given = [name for name, value in (("--month", month), ("--quarter", quarter),
                                      ("--half", half), ("--year", year)) if value]
    if len(given) != 1:
        raise click.ClickException(
            "Chọn đúng một kỳ báo cáo: --month 3/2026, --quarter I/2026, --half 1/2026 hoặc "
            "--year 2026.")
    if month:
        number, in_year = _numbered_period(month, "--month", {str(m): m for m in range(1, 13)},
                                           "3/2026")
        return month_period(in_year, number, cutoff_day)
    if quarter:
        number, in_year = _numbered_period(quarter, "--quarter", _ROMAN, "I/2026")
        return quarter_period(in_year, number, cutoff_day)
    if half:
        number, in_year = _numbered_period(half, "--half", {"1": 1, "2": 2}, "1/2026")
        return half_period(in_year, number, cutoff_day)
    if not year.strip().isdigit() or len(year.strip()) != 4:
        raise click.ClickException(f"--year: viết năm có 4 chữ số, ví dụ 2026, không phải "
                                   f"“{year}”.")
    return year_period(int(year), cutoff_day)


@report.command("periodic")
@click.option("--month", metavar="M/YYYY", help="A month, e.g. 3/2026 (15/2 to 14/3).")
@click.option("--quarter", metavar="I/YYYY", help="A quarter, e.g. I/2026.")
@click.option("--half", metavar="1/YYYY", help="A half-year, 1/2026 or 2/2026.")
@click.option("--year", metavar="YYYY", help="A year, e.g. 2026.")
@click.option("-o", "--output", required=True, metavar="FILE", help="FILE.docx or FILE.pdf.")
@with_appcontext
def periodic_command(month, quarter, half, year, output) -> None:
    """Write "Báo cáo tình hình thực hiện" of a period (every plan): the scorecard, the
    overdue, postponed and withdrawn items; a frozen period from its snapshot."""
    from tracker.appendix.pdf import PdfUnavailable
    from tracker.scorecard import snapshots
    from tracker.scorecard.report import build_report, render_report

    target, fmt = _output(output, ("docx", "pdf"))
    period = report_period(month, quarter, half, year, current_app.config["SCORECARD_CUTOFF_DAY"])
    today = today_in(current_app.config["TRACKER_TIMEZONE"])
    frozen = snapshots.find(period)
    report_ = build_report(sa.true(), period, min(period.end, today), frozen=frozen)
    try:
        body = render_report(report_, fmt)
    except PdfUnavailable as error:
        raise click.ClickException(str(error)) from None
    target.write_bytes(body)
    click.echo(f"{target}: {period.label}, {report_.card.totals.total} đề án"
               + (" (số liệu đã chốt)" if frozen else ""))
