"""The migrations build the same schema as the models (what `flask db check` verifies)."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from tracker import create_app
from tracker.extensions import db
from tracker.models.search import schema_objects


def assert_models_match_database():
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True,
            # SQLite's FTS5 search table is not a model; the trigram index is PostgreSQL's.
            "include_object": schema_objects(conn.dialect.name)})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_upgrade_from_empty_sqlite_matches_models(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/m.sqlite"})
    with app.app_context():
        upgrade()
        assert_models_match_database()
        downgrade(revision="base")
        upgrade()
        assert_models_match_database()
        db.engine.dispose()


def test_postgresql_schema_from_migrations_matches_models(pg_schema_ready):
    """The PostgreSQL test database is built by `upgrade()` (see conftest)."""
    from conftest import PG_URL

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": PG_URL})
    with app.app_context():
        assert_models_match_database()
        db.engine.dispose()
