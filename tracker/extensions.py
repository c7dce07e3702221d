"""Flask extensions, created unbound and initialised in the factory."""
import sqlite3
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import Babel
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


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
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
