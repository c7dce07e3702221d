"""The CSV download is streamed in pieces, and its bytes are the ones the whole-in-memory
writer made before (BOM, CRLF, quoting, apostrophes before formulas), for the seed list and
the real published lists of tests/fixtures/real_appendices in every option."""
from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from factories import make_plan
from test_real_appendices import SETS, import_cli

from tracker.appendix import export_csv
from tracker.appendix.pages import routes
from tracker.appendix.table import AppendixTable
from tracker.extensions import db
from tracker.models import Item

OPTIONS = ["", "?progress=1", "?group=quarter", "?group=lead&numbering=per_group&progress=1",
           "?group=plan"]


def csv_as_before(table: AppendixTable) -> bytes:
    """The writer as it was before streaming (commit 3c7c276), kept here as the reference."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([export_csv.neutralise(cell) for cell in table.headers])
    writer.writerows([export_csv.neutralise(cell) for cell in texts]
                     for texts in table.line_texts())
    return buffer.getvalue().encode("utf-8-sig")


@pytest.fixture
def tables(monkeypatch) -> list[AppendixTable]:
    """The tables the CSV downloads were made of."""
    seen = []

    def recording(table, *args, **kwargs):
        seen.append(table)
        return export_csv.appendix_csv_chunks(table, *args, **kwargs)

    monkeypatch.setattr(routes, "appendix_csv_chunks", recording)
    return seen


def download(client, url: str) -> tuple[bytes, int]:
    """The body of a CSV download and the number of pieces it came in."""
    response = client.get(url, buffered=False)
    try:
        assert response.status_code == 200, url
        assert response.is_streamed
        assert response.headers["Content-Type"].startswith("text/csv")
        assert response.headers["Content-Disposition"].startswith("attachment;")
        chunks = list(response.response)
    finally:
        response.close()
        response.request.input_stream.close()
    return b"".join(chunks), len(chunks)


def test_the_seed_lists_csv_is_byte_for_byte_as_before(client, auth, manager, seed_plan, tables):
    """The seed plan and the consolidated list, in every option, stream the bytes the old
    writer made of the same table."""
    auth.login(manager)
    urls = [f"/plans/{seed_plan.id}/appendix.csv{query}" for query in OPTIONS] + \
           [f"/consolidated/appendix.csv{query}" for query in OPTIONS]
    for url in urls:
        data, _pieces = download(client, url)
        assert data.startswith(b"\xef\xbb\xbfSTT,") and data.endswith(b"\r\n")
        assert data == csv_as_before(tables[-1]), url
    assert len(tables) == len(urls)


def test_each_real_lists_csv_is_byte_for_byte_as_before(runner, client, auth, make_user, tables):
    """Each real published list, imported from its Word file, downloads as CSV with and without
    progress columns in the old writer's bytes (published headings, merged cells, sub-rows)."""
    plans = [import_cli(runner, name, "docx")[0] for name in sorted(SETS)]
    auth.login(make_user("admin", "Văn phòng UBND tỉnh"))
    for plan_id in plans:
        for query in ("", "?progress=1", "?group=lead"):
            data, _pieces = download(client, f"/plans/{plan_id}/appendix.csv{query}")
            assert data == csv_as_before(tables[-1]), (plan_id, query)


def test_a_long_csv_comes_in_pieces_with_formulas_neutralised(client, auth, make_user, tables):
    """1,200 items arrive in several pieces (never one string of the whole file); cells that a
    spreadsheet would run still get their apostrophe, exactly as before."""
    plan = make_plan(1200)
    first = db.session.scalar(sa.select(Item).where(Item.plan_id == plan.id)
                              .order_by(Item.position).limit(1))
    first.title, first.notes = "=HYPERLINK(\"http://x\")", "-5"
    db.session.commit()
    auth.login(make_user("manager", "Sở Công Thương"))
    data, pieces = download(client, f"/plans/{plan.id}/appendix.csv?progress=1")
    assert pieces >= 1200 // export_csv.LINES_PER_CHUNK
    assert data == csv_as_before(tables[-1])
    assert "'=HYPERLINK(\"\"http://x\"\")" in data.decode("utf-8-sig")


def test_a_plain_list_reads_no_column_it_will_not_print(client, auth, make_user):
    """Without the progress columns and for a list made in the tracker (no published layout),
    the items are read without their dates, documents, notes and published cells (NULL in
    their place): converting a date or JSON per row cost a fifth of a 5,000-row CSV."""
    plan = make_plan(3)
    auth.login(make_user("manager", "Sở Công Thương"))
    statements: list[str] = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        plain = client.get(f"/plans/{plan.id}/appendix.csv")
        read_plain = [s for s in statements if "plan_title" in s]
        statements.clear()
        client.get(f"/plans/{plan.id}/appendix.csv?progress=1")
        read_progress = [s for s in statements if "plan_title" in s]
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    assert plain.status_code == 200 and len(read_plain) == len(read_progress) == 1
    for column in ("item.due_date", "item.notes", "item.submission_ref"):
        assert column not in read_plain[0] and column in read_progress[0], column
    for column in ("item.extra", "item.sub_rows", "item.section_id"):   # a published list's
        assert column not in read_plain[0] and column not in read_progress[0], column
