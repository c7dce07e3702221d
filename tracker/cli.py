"""Command-line tools: `flask --app wsgi <command>`. Their names are a contract."""
from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app

from tracker.appendix.formats import FORMATS
from tracker.appendix.table import Grouping, Numbering
from tracker.extensions import db
from tracker.models import Plan

log = logging.getLogger(__name__)


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_admin)
    app.cli.add_command(import_appendix)
    app.cli.add_command(export_appendix)
    app.cli.add_command(reminders)
    app.cli.add_command(worker_command)
    app.cli.add_command(worker_command, "scheduler")  # its name before `worker`
    app.cli.add_command(api_token)

    from tracker.scorecard.cli import report

    app.cli.add_command(report)
    app.cli.add_command(search_index)


@click.command("search-index")
def search_index() -> None:
    """Rebuild the search index of every item, and which agencies take part in which plan
    (after restoring a backup or a bulk load that did not go through the application; every
    write through it keeps both current)."""
    from tracker import involvement
    from tracker.extensions import db
    from tracker.search.index import rebuild

    count = rebuild(db.session.connection())
    links = involvement.rebuild(db.session.connection())
    db.session.commit()
    click.echo(f"{count} items indexed, {links} plan–agency links")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already has a plan or user.")
@click.option("--today-relative", is_flag=True,
              help="Also load a list of this year whose deadlines are counted from today: items "
                   "overdue, due soon, waiting for a decision and done.")
def seed_demo(if_empty: bool, today_relative: bool) -> None:
    """Load the demo agencies, users and the seed report's plan (safe to run again)."""
    from tracker.demo import DEMO_USERS, current_title, database_is_empty, load_demo
    from tracker.web import tracker_today

    if if_empty and not database_is_empty():
        click.echo("database not empty: demo data not loaded")
        return
    today = tracker_today() if today_relative else None
    plan, created = load_demo(today)
    db.session.commit()
    click.echo(f"plan {plan.id}: {'loaded' if created else 'already there'}")
    if today is not None:
        current = db.session.scalar(sa.select(Plan).where(Plan.title == current_title(today)))
        click.echo(f"plan {current.id}: deadlines around {today:%d/%m/%Y}")
    for user in DEMO_USERS:
        click.echo(f"{user.role.value:8} {user.email:28} {user.password}  ({user.agency})")


@click.command("create-admin")
@click.argument("email")
@click.option("--name", required=True, help="The administrator's full name.")
@click.option("--agency", default="Văn phòng UBND tỉnh", show_default=True,
              help="The agency the account belongs to (created if no agency matches).")
@click.password_option(help="Asked for (twice) if not given.")
def create_admin(email: str, name: str, agency: str, password: str) -> None:
    """Create an administrator account: the first sign-in of a new installation (the others
    are invited from /admin/users)."""
    from tracker.agencies import AgencyDirectory
    from tracker.audit import SOURCE_COMMAND
    from tracker.auth.service import find_user
    from tracker.models import Role, User
    from tracker.passwords import password_problems

    if find_user(email) is not None:
        raise click.ClickException(f"an account {email} already exists")
    problems = password_problems(password, email, name)
    if problems:
        raise click.ClickException(" ".join(str(problem) for problem in problems))
    owner = AgencyDirectory.load(source=SOURCE_COMMAND).find_or_create(agency)
    db.session.flush()
    user = User(email=User.normalise_email(email), name=name, role=Role.ADMIN.value,
                agency_id=owner.id)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"admin {user.email} created ({owner.name})")


@click.command("import-appendix")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--title", default="", help="Title of the list, as printed; default: the title "
                                          "line above the table in the file.")
@click.option("--owner", required=True, help="Name of the agency that owns the list.")
@click.option("--attached-to", default="", help='The "(Kèm theo …)" line, e.g. "Báo cáo số …"; '
                                                "default: the file's own line.")
@click.option("--label", default="", help='The "PHỤ LỤC" line above the title, e.g. '
                                          '"Phụ lục II"; default: the file\'s own line.')
@click.option("--table", "table_number", type=int, default=None,
              help="Which table of a DOCX (or sheet of an XLSX), from 1; default: the first "
                   "that looks like an appendix (with the tables that continue it).")
def import_appendix(path: Path, title: str, owner: str, attached_to: str, label: str,
                    table_number: int | None) -> None:
    """Create one plan from a DOCX, XLSX, CSV or TSV appendix; on any bad row, write nothing.

    The same reading and saving as the web import (`imports.import_source`): the list keeps
    its shape as published. Lead agencies are matched by name (case, spacing, diacritics and
    known abbreviations ignored); names that match none are created.
    """
    from tracker.agencies import AgencyDirectory
    from tracker.appendix.importer import joined_table, pick_table
    from tracker.appendix.imports import import_source, title_lines
    from tracker.appendix.readers import ReadError, read_upload
    from tracker.audit import SOURCE_COMMAND

    try:
        tables = read_upload(path.read_bytes(), path.name)
    except ReadError as error:
        raise click.ClickException(str(error)) from None
    # No table that looks like an appendix: read the first, so the message says what is missing.
    index = max(pick_table(tables), 0) if table_number is None else table_number - 1
    if not 0 <= index < len(tables):
        raise click.ClickException(f"Tệp có {len(tables)} bảng; không có bảng số {table_number}.")
    source = joined_table(tables, index) if table_number is None else tables[index]
    if not title and not title_lines(source.preamble).title:
        from tracker.appendix.importer import interpret_table
        if not title_lines(interpret_table(source).preamble).title:
            raise click.ClickException("Tệp không có dòng tên danh mục phía trên bảng: hãy ghi "
                                       "--title.")
    owner_agency = AgencyDirectory.load(source=SOURCE_COMMAND).find_or_create(owner)
    db.session.flush()
    plan, saved = import_source(source, owner_agency_id=owner_agency.id, title=title,
                                attached_to=attached_to, appendix_label=label)
    for warning in plan.result.warnings:
        click.echo(f"cảnh báo: {warning}", err=True)
    if saved is None:
        db.session.rollback()
        for error in plan.result.errors:
            click.echo(str(error), err=True)
        raise SystemExit(1)
    db.session.commit()
    click.echo(f"plan {saved.id}: {len(plan.result.rows)} items")


@click.command("export-appendix")
@click.argument("plan_id", type=int, required=False)
@click.option("--all", "consolidated", is_flag=True,
              help="The consolidated list of every plan instead of one plan.")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default=None,
              help="Default: from the output file's extension.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--with-status", is_flag=True, help="Add the progress columns.")
@click.option("--group", type=click.Choice([g.value for g in Grouping]), default="none",
              show_default=True)
@click.option("--numbering", type=click.Choice([n.value for n in Numbering]),
              default="continuous", show_default=True)
def export_appendix(plan_id: int | None, consolidated: bool, fmt: str | None, output: Path,
                    with_status: bool, group: str, numbering: str) -> None:
    """Write a plan's appendix (or the consolidated list) as HTML, DOCX, XLSX, CSV or PDF."""
    from tracker.appendix.documents import render_file
    from tracker.appendix.pdf import PdfUnavailable
    from tracker.appendix.service import CONSOLIDATED_TITLE, AppendixOptions, appendix_table
    from tracker.models import Item
    from tracker.web import tracker_today

    fmt = fmt or output.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise click.ClickException(f"unknown format {fmt!r}: use --format")
    options = AppendixOptions(with_status=with_status, grouping=Grouping(group),
                              numbering=Numbering(numbering))
    if consolidated:
        table = appendix_table(sa.true(), options, title=CONSOLIDATED_TITLE, attached_to="",
                               today=tracker_today())
    else:
        plan = db.session.get(Plan, plan_id) if plan_id is not None else None
        if plan is None:
            raise click.ClickException(f"no plan {plan_id}" if plan_id else "give a PLAN_ID or --all")
        table = appendix_table(Item.plan_id == plan.id, options, title=plan.title,
                               attached_to=plan.attached_to, today=tracker_today(),
                               label=plan.appendix_label, plan=plan)
    try:
        with current_app.test_request_context():
            output.write_bytes(render_file(table, fmt))
    except PdfUnavailable as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"wrote {output} ({table.item_count} rows)")


@click.group()
def reminders() -> None:
    """Plan and send the reminder e-mails by hand (the scheduler does it every day)."""


def _today(value: datetime | None):
    from tracker.web import tracker_today

    return value.date() if value else tracker_today()


@reminders.command("plan")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="Plan as if it were this day.")
@click.option("--dry-run", is_flag=True, help="Print the notices; write nothing.")
def reminders_plan(today: datetime | None, dry_run: bool) -> None:
    """Work out the day's notices; print one line each; store them unless --dry-run."""
    _plan(_today(today), dry_run)


def _plan(day, dry_run: bool) -> None:
    from tracker.notify.jobs import run_planning

    notices, added = run_planning(day, datetime.now(UTC), dry_run=dry_run)
    titles = _titles({n.item_id for n in notices})
    for notice in notices:
        click.echo(f"{notice.recipient_email}\t{notice.kind}\t{titles.get(notice.item_id, '')}")
    click.echo(f"{len(notices)} notices for {day.isoformat()}"
               + ("" if dry_run else f", {added} new"))


def _titles(ids: set[int]) -> dict[int, str]:
    from tracker.models import Item

    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Item.id, Item.title)
                                   .where(Item.id.in_(ids))).all())


@reminders.command("send")
def reminders_send() -> None:
    """Drain the outbox now; print how many were sent, retried and failed."""
    _send()


def _send(day=None) -> None:
    """Drain the outbox now, or as on the morning of `day` (so a simulated day's digest
    counts its days from that day)."""
    from zoneinfo import ZoneInfo

    from tracker.notify.jobs import run_flush

    now = datetime.now(UTC)
    if day is not None:
        local = datetime(day.year, day.month, day.day, 8,
                         tzinfo=ZoneInfo(current_app.config["TRACKER_TIMEZONE"]))
        now = local.astimezone(UTC)
    result = run_flush(now)
    click.echo(f"sent {result.sent}, retried {result.retried}, failed {result.failed}, "
               f"cancelled {result.cancelled}, held {result.held} "
               f"({result.connections} connections)")


@reminders.command("run")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="Plan as if it were this day.")
def reminders_run(today: datetime | None) -> None:
    """Plan, then send."""
    _plan(_today(today), dry_run=False)
    _send(today.date() if today else None)


@click.command("worker")
def worker_command() -> None:
    """Run the background jobs without the web app until stopped (Ctrl+C or SIGTERM): the
    daily reminder planning and the outbox sender every minute.

    The production layout runs this as its own program (deploy/tracker-worker.service) and
    the web processes with SCHEDULER_AUTOSTART=0. Several workers may run: the database
    lease lets one run the jobs and the others take over within minutes if it dies.
    `flask scheduler` is the same command under its former name.
    """
    import signal
    import threading

    from tracker.notify.scheduler import start_scheduler

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    scheduler = start_scheduler(current_app._get_current_object())
    log.info("worker running: reminder planning and outbox sender; Ctrl+C or SIGTERM to stop")
    while not stop.wait(60):
        pass
    # Let a run in progress finish its batch: its commits are what make a resend impossible.
    scheduler.shutdown(wait=True)
    log.info("worker stopped")


@click.group("api-token")
def api_token() -> None:
    """API tokens: create (the secret is printed once), list, revoke."""


def _token_owner(email: str):
    from tracker.auth.service import find_user

    user = find_user(email)
    if user is None:
        raise click.ClickException(f"no account {email}")
    return user


@api_token.command("create")
@click.argument("email")
@click.option("--name", required=True, help="What uses the token (journaled with its writes).")
@click.option("--expires", default="", help="The last day it works, D/M/YYYY; default: until revoked.")
def api_token_create(email: str, name: str, expires: str) -> None:
    """Create an API token for the account EMAIL and print it (once: only a digest is kept)."""
    from tracker.auth.api_tokens import create_token
    from tracker.periods import PeriodError, parse_date
    from tracker.services import FieldError
    from tracker.web import tracker_today

    user = _token_owner(email)
    try:
        expires_on = parse_date(expires) if expires else None
        token, secret = create_token(user, name, expires_on, today=tracker_today())
    except (PeriodError, FieldError) as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(secret)
    click.echo(f"token {token.id} ({token.prefix}…) for {user.email}: keep it secret, it is "
               "not shown again", err=True)


@api_token.command("list")
@click.argument("email")
def api_token_list(email: str) -> None:
    """List the API tokens of the account EMAIL (never their secrets)."""
    from tracker.auth.api_tokens import tokens_of
    from tracker.web import tracker_today

    today = tracker_today()
    for token in tokens_of(_token_owner(email).id):
        state = ("revoked" if token.revoked_at else "usable" if token.usable_on(today)
                 else "expired")
        until = f"{token.expires_on:%d/%m/%Y}" if token.expires_on else "-"
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
        click.echo(f"{token.id}\t{token.prefix}…\t{state}\tuntil {until}\tused {used}\t{token.name}")


@api_token.command("revoke")
@click.argument("email")
@click.argument("token_id", type=int)
def api_token_revoke(email: str, token_id: int) -> None:
    """Revoke the API token TOKEN_ID of the account EMAIL."""
    from tracker.auth.api_tokens import revoke
    from tracker.models import ApiToken

    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != _token_owner(email).id:
        raise click.ClickException(f"{email} has no token {token_id}")
    revoke(token, datetime.now(UTC))
    db.session.commit()
    click.echo(f"token {token.id} ({token.prefix}…) revoked")
