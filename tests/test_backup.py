"""Backups as the README ("Production", "Backups") takes them: `pg_dump --format=custom` of
a database the app filled, `pg_restore` into an empty database, and every plan, item,
journal entry and outbox message is there, byte for byte.

PostgreSQL only (TEST_DATABASE_URL_PG); the role needs CREATEDB for the second database
(.ci/run grants it). Without a server or without pg_dump/pg_restore the test is skipped,
unless TRACKER_REQUIRE_POSTGRES=1 (as in CI), where that is a failure.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import uuid

import pytest
import sqlalchemy as sa

from tracker import create_app
from tracker.extensions import db
from tracker.models import Item, JournalEntry, OutboxMessage, Plan

REQUIRE_PG = os.environ.get("TRACKER_REQUIRE_POSTGRES") == "1"
pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def missing(reason: str):
    if REQUIRE_PG:
        pytest.fail(f"TRACKER_REQUIRE_POSTGRES=1 but {reason}")
    pytest.skip(reason)


def libpq_env(url: sa.engine.URL) -> dict[str, str]:
    """The connection for the PostgreSQL programs, password included, off their command line."""
    return {**os.environ, "PGHOST": url.host or "127.0.0.1", "PGPORT": str(url.port or 5432),
            "PGUSER": url.username or "", "PGPASSWORD": url.password or ""}


@pytest.fixture
def empty_database(database_url):
    """A new, empty database on the same server (CREATE DATABASE with the test role's
    CREATEDB right), dropped afterwards."""
    url = sa.engine.make_url(database_url)
    name = f"{url.database}_restore_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            try:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            except sa.exc.ProgrammingError as error:
                missing(f"the test role cannot create a database (ALTER ROLE … CREATEDB): {error}")
        yield url.set(database=name)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def fill_through_the_app(client, auth, make_user, runner) -> None:
    """Plans, items, journal entries and outbox messages, made as users make them."""
    manager = make_user("manager")
    officer = make_user("officer")
    admin = make_user("admin", "Văn phòng UBND tỉnh")
    auth.login(manager)
    response = client.post("/plans/new", data={"title": "Danh mục đề án năm 2021 – sao lưu",
                                               "owner_agency_id": str(manager.agency_id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    plan_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    for number, period in enumerate(("Quý I/2021", "Quý II/2021", "Quý III/2021"), start=1):
        response = client.post(f"/plans/{plan_id}/items/new", data={
            "title": f"Đề án số {number}: “phát triển” <công nghiệp> & năng lượng",
            "lead_agency_name": "Sở Công Thương", "due_period": period})
        assert response.status_code == 302, response.get_data(as_text=True)
    auth.logout()

    auth.login(officer)
    for item_id in (1, 2):
        response = client.post(f"/items/{item_id}/status", data={
            "status": "submitted", "document_ref": f"{40 + item_id}/TTr-SCT",
            "document_date": "20/9/2020", "note": "Đã trình UBND tỉnh", "version": "1"})
        assert response.status_code == 302, response.get_data(as_text=True)
    response = client.post("/items/3/status", data={
        "status": "postponed", "new_period": "Quý I/2021", "note": "Chờ ý kiến Bộ",
        "version": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)
    auth.logout()

    auth.login(admin)
    response = client.post("/admin/users/invite", data={
        "email": "moi.vao@tinh.gov.vn", "name": "Trần Thị Mới", "agency_id": str(officer.agency_id),
        "role": "officer"})
    assert response.status_code == 302, response.get_data(as_text=True)
    auth.logout()
    client.post("/password/forgot", data={"email": officer.email})
    result = runner.invoke(args=["reminders", "plan", "--today", "2020-09-16"])
    assert result.exit_code == 0, result.output


def table_fingerprints(engine: sa.engine.Engine) -> dict[str, tuple[int, str]]:
    """For each table of the schema (and Alembic's version table): its row count and an MD5
    of all its rows' text, in a fixed order."""
    names = [table.name for table in db.metadata.sorted_tables] + ["alembic_version"]
    with engine.connect() as conn:
        return {name: tuple(conn.execute(sa.text(
            f'SELECT count(*), md5(coalesce(string_agg(t::text, E\'\\n\' ORDER BY t::text), \'\')) '
            f'FROM "{name}" AS t')).one()) for name in names}


def test_a_dump_restored_into_an_empty_database_has_everything(
        app, client, auth, make_user, runner, seed_plan, empty_database, tmp_path):
    """pg_dump -Fc, pg_restore into an empty database: same rows in every table (counts and
    checksums), and the restored copy works: a sign-in and a new journal entry go on from
    the last id."""
    pg_dump, pg_restore = shutil.which("pg_dump"), shutil.which("pg_restore")
    if not (pg_dump and pg_restore):
        missing("pg_dump/pg_restore are not installed (Debian package postgresql-client)")
    fill_through_the_app(client, auth, make_user, runner)
    counts = {model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
              for model in (Plan, Item, JournalEntry, OutboxMessage)}
    assert counts["plan"] >= 2 and counts["item"] >= 5
    assert counts["journal_entry"] >= 3 and counts["outbox_message"] >= 3, counts
    db.session.remove()

    source = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    dump = tmp_path / "tracker.dump"
    done = subprocess.run([pg_dump, "--format=custom", f"--file={dump}", source.database],
                          env=libpq_env(source), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    done = subprocess.run([pg_restore, "--exit-on-error", "--no-owner",
                           f"--dbname={empty_database.database}", str(dump)],
                          env=libpq_env(empty_database), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr

    original = table_fingerprints(db.engine)
    restored_engine = sa.create_engine(empty_database)
    try:
        restored = table_fingerprints(restored_engine)
    finally:
        restored_engine.dispose()
    assert restored == original
    for table, count in counts.items():
        assert restored[table][0] == count

    copy = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False,
                       "SQLALCHEMY_DATABASE_URI": empty_database.render_as_string(hide_password=False)})
    with copy.app_context():
        try:
            officer = db.session.scalar(sa.select(JournalEntry.user_id)
                                        .where(JournalEntry.user_id.is_not(None))
                                        .order_by(JournalEntry.id.desc()).limit(1))
            email = db.session.scalar(sa.text("SELECT email FROM user_account WHERE id = :id"),
                                      {"id": officer})
            last = db.session.scalar(sa.select(sa.func.max(JournalEntry.id)))
            version = db.session.get(Item, 1).version
            browser = copy.test_client()
            assert browser.post("/login", data={"email": email, "password": "mat-khau-thu-nghiem"}
                                ).status_code == 302
            response = browser.post("/items/1/notes", data={"notes": "Sau khi khôi phục",
                                                             "version": str(version)})
            assert response.status_code == 302, response.get_data(as_text=True)
            db.session.expire_all()
            assert db.session.scalar(sa.select(sa.func.max(JournalEntry.id))) == last + 1
        finally:
            db.session.remove()
            db.engine.dispose()
