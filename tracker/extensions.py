"""Flask extensions, created unbound and initialised in the factory."""
import sqlite3
from datetime import UTC, datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from flask import g
from flask_babel import Babel, Domain
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names keep Alembic's autogenerate and downgrades predictable.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class RequestCatalogDomain(Domain):
    """Flask-Babel's message domain, with the request's catalog kept for the request's locale.

    Flask-Babel finds the catalog anew for every message (the request context three times,
    the locale, its name as a key): an item page translates ~60 messages. Here the catalog
    is kept beside Flask-Babel's own per-request state (`g._flask_babel`) with the locale it
    was found for; a switched locale (`force_locale`, `refresh`) is another object (or none)
    and finds its catalog the usual way."""

    def get_translations(self):
        try:
            state = g._flask_babel
            locale, catalog = state.tracker_catalog
            if locale is state.babel_locale:
                return catalog
        except (AttributeError, RuntimeError):  # none yet, no locale yet, outside a request
            pass
        catalog = super().get_translations()
        try:
            state = g._flask_babel
            state.tracker_catalog = (state.babel_locale, catalog)
        except (AttributeError, RuntimeError):
            pass
        return catalog


class TrackerBabel(Babel):
    """Flask-Babel with `RequestCatalogDomain`, which the templates' `_()` also ask directly
    (Flask-Babel's own callables first look for the request's domain: the tracker has one)."""

    @cached_property
    def domain_instance(self):
        return RequestCatalogDomain(domain=self.domain)

    def init_app(self, app, *args, **kwargs):
        super().init_app(app, *args, **kwargs)
        if self._configure_jinja:
            def catalog():
                return self.domain_instance.get_translations()

            app.jinja_env.install_gettext_callables(
                gettext=lambda s: catalog().ugettext(s),
                ngettext=lambda s, p, n: catalog().ungettext(s, p, n),
                newstyle=True,
                pgettext=lambda c, s: catalog().upgettext(c, s),
                npgettext=lambda c, s, p, n: catalog().unpgettext(c, s, p, n),
            )


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = TrackerBabel()
mail = Mail()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite (the embedded default): write-ahead log, so the scheduler thread and the web
    requests do not block each other, and foreign keys enforced as on PostgreSQL."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        # The scorecard's SQL (scorecard/counting.py): a UTC timestamp's local day.
        dbapi_connection.create_function("tracker_local_date", 2, _sqlite_local_date,
                                         deterministic=True)


def _sqlite_local_date(stamp: str | None, zone: str) -> str | None:
    """`tracker_local_date(created_at, zone)` on SQLite: the stored UTC text's calendar day
    in `zone`, as 'YYYY-MM-DD' (PostgreSQL says `CAST(timezone(zone, created_at) AS DATE)`)."""
    if stamp is None:
        return None
    moment = datetime.fromisoformat(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(zone)).date().isoformat()
