"""Fixtures: the app on SQLite and on a real PostgreSQL server, clients, users, data.

Tests that take the `app` fixture (or anything built on it) run once per
backend. PostgreSQL comes from TEST_DATABASE_URL_PG; without it those runs are
skipped with a reason, unless TRACKER_REQUIRE_POSTGRES=1 (as in CI), where a
missing server is a failure.
"""
from __future__ import annotations

import contextvars
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from browser_fixtures import browser, context, live_url, problems  # noqa: F401 (fixtures)
from flask.testing import FlaskClient

from tracker import create_app
from tracker.extensions import db
from tracker.models import Agency, Role, User

PG_URL = os.environ.get("TEST_DATABASE_URL_PG")
REQUIRE_PG = os.environ.get("TRACKER_REQUIRE_POSTGRES") == "1"
PASSWORD = "mat-khau-thu-nghiem"


def pytest_report_header(config):
    if PG_URL:
        return f"PostgreSQL: {re.sub(r'//[^@]*@', '//***@', PG_URL)}"
    return ("PostgreSQL: not configured (TEST_DATABASE_URL_PG unset): "
            "the PostgreSQL half of the suite is SKIPPED")


@pytest.fixture(scope="session")
def pg_schema_ready():
    """Build the PostgreSQL schema once per run, through the migrations."""
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("TRACKER_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL_PG is unset")
        pytest.skip("no PostgreSQL server (set TEST_DATABASE_URL_PG)")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": PG_URL})
    with app.app_context():
        try:
            with db.engine.connect() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
                conn.commit()
        except sa.exc.OperationalError as error:
            if REQUIRE_PG:
                raise
            pytest.skip(f"PostgreSQL not reachable: {error}")
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return True


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite'}"
    request.getfixturevalue("pg_schema_ready")
    return PG_URL


class IsolatedClient(FlaskClient):
    """Each request gets its own app context, `g` and session, as in production.

    The test's own session is expired afterwards, so it reads what the request wrote.
    The body is read at once and the response closed, as a server does once it has sent it:
    a file the view sent (`send_file`: documents, static files) and the temporary file the
    client wrote a large multipart body to are closed then, not left to the garbage
    collector (a ResourceWarning, which fails the suite).
    """

    def open(self, *args, buffered: bool = True, **kwargs):
        response = contextvars.Context().run(super().open, *args, buffered=buffered, **kwargs)
        if buffered:
            response.close()
            # werkzeug attaches this to response.close() only when following redirects.
            response.request.input_stream.close()
        db.session.expire_all()
        return response


@pytest.fixture
def app(database_url, tmp_path):
    """The app with an empty database of the current backend (CSRF off; see test_security)
    and its own document folder."""
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "TRACKER_BASE_URL": "https://theodoi.example.vn",
        "TRACKER_DOCUMENT_FOLDER": str(tmp_path / "documents"),
        "TRACKER_EXPORT_FOLDER": str(tmp_path / "exports"),
    })
    app.test_client_class = IsolatedClient
    with app.app_context():
        if database_url.startswith("sqlite"):
            db.create_all()
        else:
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, user: User, password: str = PASSWORD):
        return self.client.post("/login", data={"email": user.email, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def make_user(app):
    """Create a user of a role in an agency (created if needed)."""

    def make(role: Role | str, agency: Agency | str = "Sở Công Thương", email: str | None = None,
             **kwargs) -> User:
        if isinstance(agency, str):
            found = db.session.scalar(sa.select(Agency).where(Agency.name == agency))
            agency = found or Agency(agency)
        role = Role(role)
        email = email or f"{role.value}.{os.urandom(4).hex()}@test.vn"
        user = User(email=email, name=kwargs.pop("name", f"{role.value} {agency.name}"),
                    role=role.value, agency=agency, **kwargs)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def seed_plan(app):
    """The seed report's plan (351/BC-SCT), loaded as `seed-demo` loads it."""
    from tracker.demo import load_demo

    plan, _ = load_demo()
    db.session.commit()
    return plan


@pytest.fixture
def officer(make_user, seed_plan) -> User:
    """An officer of Sở Công Thương, which leads the seed plan's items."""
    return make_user("officer", "Sở Công Thương")


@pytest.fixture
def manager(make_user, seed_plan) -> User:
    """A manager of Sở Công Thương, which owns the seed plan."""
    return make_user("manager", "Sở Công Thương")


@pytest.fixture
def count_queries(app):
    """Context manager that counts the SQL statements the app runs inside it."""

    @contextmanager
    def counting() -> Iterator[list[str]]:
        statements: list[str] = []

        def before(conn, cursor, statement, parameters, _context, executemany):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)

    return counting


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on 127.0.0.1; the app is pointed at it."""
    from smtp_server import SMTPServer

    with SMTPServer() as server:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_USE_TLS=False,
                          MAIL_USE_SSL=False, MAIL_SUPPRESS_SEND=False)
        from tracker.extensions import mail

        mail.init_app(app)  # rebuild Flask-Mail's state from the new settings
        yield server.mailbox
