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
    """Migrating an empty SQLite database up gives the models' schema, and again after migrating
    down to base."""
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


def _one_row_in_every_table(conn) -> dict[str, int]:
    """Fill each table of the reflected schema with one row (id 1, every foreign key to 1),
    in dependency order; returns the row count of each table."""
    import datetime as dt

    import sqlalchemy as sa

    metadata = sa.MetaData()
    metadata.reflect(conn)
    samples = {sa.Integer: 1, sa.String: "x", sa.Text: "x", sa.Boolean: False,
               sa.Date: dt.date(2020, 9, 30), sa.DateTime: dt.datetime(2020, 9, 1, 8, 0),
               sa.Float: 1.0, sa.LargeBinary: b"x", sa.JSON: {}}
    for table in metadata.sorted_tables:
        if table.name == "alembic_version":
            continue
        row = {}
        for column in table.columns:
            if column.nullable and not column.foreign_keys and not column.primary_key:
                continue
            kind = next((value for base, value in samples.items()
                         if isinstance(column.type, base)), "x")
            row[column.name] = kind
        conn.execute(table.insert().values(**row))
    return {table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()
            for table in metadata.sorted_tables if table.name != "alembic_version"}


def _rename_check(url: str) -> None:
    import sqlalchemy as sa

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="c7e3a9d41b28")
        with db.engine.begin() as conn:
            before = _one_row_in_every_table(conn)
        upgrade()
        assert_models_match_database()
        renamed = {name.replace("proposal", "item"): count for name, count in before.items()}
        with db.engine.connect() as conn:
            after = {table: conn.execute(sa.text(f'SELECT count(*) FROM "{table}"')).scalar()
                     for table in renamed}
            linked = conn.execute(sa.text(
                "SELECT count(*) FROM item JOIN item_coordinator c ON c.item_id = item.id "
                "JOIN notice n ON n.item_id = item.id JOIN journal_entry j ON j.item_id = item.id "
                "JOIN attachment a ON a.item_id = item.id "
                "JOIN item_lead_agency l ON l.item_id = item.id")).scalar()
        assert after == renamed and linked == 1
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                leftovers = conn.execute(sa.text(
                    "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
                    "AND relname LIKE '%proposal%' UNION ALL SELECT conname FROM pg_constraint "
                    "WHERE connamespace = current_schema()::regnamespace AND conname LIKE '%proposal%'"
                )).scalars().all()
                sequence = conn.execute(sa.text("SELECT pg_get_serial_sequence('item', 'id')")).scalar()
            assert leftovers == [] and sequence.endswith("item_id_seq")
        downgrade(revision="c7e3a9d41b28")
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM proposal")).scalar() == 1
        upgrade()
        assert_models_match_database()
        db.engine.dispose()


def test_renaming_proposal_to_item_keeps_every_row_on_sqlite(tmp_path):
    """The rename migration (d2f6a8c3e915) and every later one lose no row or link, both
    ways, on SQLite (where a batch table rebuild must not cascade-delete: migrations/env.py)."""
    _rename_check(f"sqlite:///{tmp_path}/rename.sqlite")


def test_renaming_proposal_to_item_keeps_every_row_on_postgresql(pg_schema_ready):
    """The same on PostgreSQL, in a database of its own (constraints, indexes and the id
    sequence renamed too; extensions such as pg_trgm made by the migrations themselves)."""
    import sqlalchemy as sa
    from conftest import PG_URL

    url = sa.engine.make_url(PG_URL)
    scratch = f"{url.database}_rename"
    server = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{scratch}"'))
    try:
        _rename_check(url.set(database=scratch).render_as_string(hide_password=False))
    finally:
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        server.dispose()


def _insert(conn, metadata, table_name: str, **values) -> None:
    """One row of a reflected table: `values`, and a sample in every other required column."""
    import datetime as dt

    import sqlalchemy as sa

    samples = {sa.Integer: 1, sa.String: "x", sa.Text: "x", sa.Boolean: False,
               sa.Date: dt.date(2020, 9, 30), sa.DateTime: dt.datetime(2020, 9, 1, 8, 0),
               sa.Float: 1.0, sa.LargeBinary: b"x", sa.JSON: {}}
    table = metadata.tables[table_name]
    for column in table.columns:
        if column.name not in values and not column.nullable and column.server_default is None \
                and not (column.primary_key and column.autoincrement is not False
                         and len(table.primary_key.columns) == 1):
            values[column.name] = next((value for base, value in samples.items()
                                        if isinstance(column.type, base)), "x")
    conn.execute(table.insert().values(**values))


def _backfill_check(url: str) -> None:
    """Items present before the search index revision get their index row from its frozen
    SQL: the application's folding, for text without agency abbreviations."""
    import sqlalchemy as sa

    from tracker.search.text import fold, item_text

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="d5a81c3e9f20")
        with db.engine.begin() as conn:
            metadata = sa.MetaData()
            metadata.reflect(conn)
            for agency_id, name in ((1, "Sở Công Thương"), (2, "Huyện Krông Pắc"),
                                    (3, "Sở Tài chính")):
                _insert(conn, metadata, "agency", id=agency_id, name=name, name_key=name.lower())
            _insert(conn, metadata, "plan", id=1, title="Danh mục", owner_agency_id=1,
                    attached_to="")
            _insert(conn, metadata, "item", id=1, plan_id=1, title="QUY HOẠCH  tỉnh\nĐắk Lắk",
                    lead_agency_id=1, lead_text="", notes="Đang lấy ý kiến",
                    coordination="Sở Tài chính", status="submitted",
                    submission_ref="Tờ trình số 45/TTr-SCT ngày 20/9/2020", outcome_ref=None)
            _insert(conn, metadata, "item_lead_agency", item_id=1, agency_id=1)
            _insert(conn, metadata, "item_lead_agency", item_id=1, agency_id=3)
            _insert(conn, metadata, "item_coordinator", item_id=1, agency_id=2)
            _insert(conn, metadata, "journal_entry", id=1, item_id=1, kind="status",
                    document_ref="Báo cáo số 351/BC-SCT")
            _insert(conn, metadata, "journal_entry", id=2, item_id=1, kind="comment",
                    document_ref=None)
        upgrade(revision="d5a8f1c3e902")
        with db.engine.connect() as conn:
            row = conn.execute(sa.text("SELECT title, body FROM item_search WHERE item_id = 1")).one()
        assert row.title == fold("QUY HOẠCH  tỉnh\nĐắk Lắk") == "quy hoach tinh dak lak"
        assert row.body == item_text(
            title="QUY HOẠCH  tỉnh\nĐắk Lắk", notes="Đang lấy ý kiến",
            coordination="Sở Tài chính",
            agencies=["Huyện Krông Pắc", "Sở Công Thương", "Sở Tài chính"],
            documents=["Tờ trình số 45/TTr-SCT ngày 20/9/2020", "Báo cáo số 351/BC-SCT"])
        _plan_and_deadline_check()
        _involvement_check()
        downgrade(revision="base")
        db.engine.dispose()


def _found_by_full_text(conn, words: str) -> list[int]:
    """SQLite: the rows the FTS5 table finds (its triggers keep it in step with item_search);
    PostgreSQL: the rows the trigram index serves."""
    import sqlalchemy as sa

    if conn.dialect.name == "sqlite":
        return list(conn.scalars(sa.text("SELECT rowid FROM item_search_fts WHERE "
                                         "item_search_fts MATCH :w ORDER BY rowid"), {"w": words}))
    return list(conn.scalars(sa.text("SELECT item_id FROM item_search WHERE body LIKE :w "
                                     "ORDER BY item_id"), {"w": f"%{words}%"}))


def _plan_and_deadline_check() -> None:
    """b81d3f6a2c57 copies each item's plan and deadline into its index row, and on SQLite
    gives the rebuilt table back its full-text triggers, both ways."""
    import datetime as dt

    import sqlalchemy as sa

    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE item SET due_date = :d WHERE id = 1"),
                     {"d": dt.date(2020, 9, 30)})
    upgrade(revision="b81d3f6a2c57")
    with db.engine.begin() as conn:
        row = conn.execute(sa.text("SELECT plan_id, due_date FROM item_search "
                                   "WHERE item_id = 1")).one()
        assert (row.plan_id, str(row.due_date)) == (1, "2020-09-30")
        assert _found_by_full_text(conn, "dak lak") == [1]
        metadata = sa.MetaData()
        metadata.reflect(conn)
        _insert(conn, metadata, "item", id=2, plan_id=1, title="Kế hoạch", lead_agency_id=1)
        conn.execute(sa.text("INSERT INTO item_search (item_id, title, body, plan_id) "
                             "VALUES (2, 'ke hoach', 'ke hoach chuyen doi so', 1)"))
        conn.execute(sa.text("UPDATE item_search SET body = 'quy hoach krong pac' "
                             "WHERE item_id = 1"))
        assert _found_by_full_text(conn, "chuyen doi") == [2]
        assert _found_by_full_text(conn, "krong pac") == [1]
        assert _found_by_full_text(conn, "dak lak") == []
    downgrade(revision="a4e7b2c9d013")
    with db.engine.begin() as conn:
        assert "plan_id" not in {c["name"] for c in sa.inspect(conn).get_columns("item_search")}
        conn.execute(sa.text("DELETE FROM item_search WHERE item_id = 2"))
        assert _found_by_full_text(conn, "chuyen doi") == []
        assert _found_by_full_text(conn, "krong pac") == [1]


def _involvement_check() -> None:
    """c4d8e1f0a7b3 fills plan_agency from the items' leads, co-leads and coordinators (item
    1: lead links to 1 and 3, coordinated by 2; item 2: led by 1, without a lead link), each
    pair once, with its number of lead links."""
    import sqlalchemy as sa

    upgrade(revision="c4d8e1f0a7b3")
    with db.engine.begin() as conn:
        rows = {tuple(row) for row in conn.execute(
            sa.text("SELECT plan_id, agency_id, leads FROM plan_agency"))}
    assert rows == {(1, 1, 1), (1, 2, 0), (1, 3, 1)}
    downgrade(revision="b81d3f6a2c57")
    assert not sa.inspect(db.engine).has_table("plan_agency")


def test_the_search_index_revision_backfills_by_frozen_sql_on_sqlite(tmp_path):
    """d5a8f1c3e902 indexes the items already there without the application's code."""
    _backfill_check(f"sqlite:///{tmp_path}/backfill.sqlite")


def test_the_search_index_revision_backfills_by_frozen_sql_on_postgresql(pg_schema_ready):
    """The same on PostgreSQL, in a database of its own."""
    import sqlalchemy as sa
    from conftest import PG_URL

    url = sa.engine.make_url(PG_URL)
    scratch = f"{url.database}_backfill"
    server = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{scratch}"'))
    try:
        _backfill_check(url.set(database=scratch).render_as_string(hide_password=False))
    finally:
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        server.dispose()
