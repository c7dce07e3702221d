"""The appendix table model: wording of every cell, without a database."""
from datetime import date

from helpers import item_snapshot

from tracker.appendix.table import (
    PLAN_HEADERS,
    STATUS_HEADERS,
    Grouping,
    build_table,
    progress_text,
    remarks_text,
    row_cells,
    seed_rows,
)


def test_progress_text_for_each_kind_of_status():
    """The progress column says each status in words, with its document reference, note or pending request."""
    assert progress_text(item_snapshot(status="submitted",
                                  submission_ref="Tờ trình số 45/TTr-SCT ngày 20/9/2020")) == \
        "Đã trình (Tờ trình số 45/TTr-SCT ngày 20/9/2020)"
    assert progress_text(item_snapshot(status="postponed", due_period="Quý IV/2020",
                                  last_status_note="Chờ ý kiến Bộ")) == \
        "Đã được đồng ý lùi sang Quý IV/2020: Chờ ý kiến Bộ"
    assert progress_text(item_snapshot(status="withdrawn", last_status_note="Không còn phù hợp")) == \
        "Đã rút khỏi danh mục: Không còn phù hợp"
    assert progress_text(item_snapshot(status="withdrawn", outcome_ref="Công văn số 7/UBND-KT",
                                  last_status_note="Không còn phù hợp")) == \
        "Đã rút khỏi danh mục (Công văn số 7/UBND-KT): Không còn phù hợp"
    assert progress_text(item_snapshot(status="in_progress", withdrawal_requested=True)) == \
        "Đang xây dựng. Đề nghị rút khỏi danh mục, chờ ý kiến"
    assert progress_text(item_snapshot(status="not_started")) == "Chưa triển khai"
    assert progress_text(item_snapshot(status="approved", outcome_ref="Quyết định số 9/QĐ-UBND")) == \
        "Đã ban hành (Quyết định số 9/QĐ-UBND)"


def test_progress_text_tells_a_request_from_a_decision():
    """Waiting: the status as it is, then the request; decided: the new period, with the
    document of the decision when it had one."""
    assert progress_text(item_snapshot(status="in_progress", requested_due_period="Quý I/2021")) == \
        "Đang xây dựng. Đề nghị lùi sang Quý I/2021, chờ ý kiến"
    assert progress_text(item_snapshot(status="postponed", due_period="Quý I/2021")) == \
        "Đã được đồng ý lùi sang Quý I/2021"
    assert progress_text(item_snapshot(
        status="postponed", due_period="Quý I/2021",
        outcome_ref="Công văn số 2345/UBND-KT ngày 5/10/2020")) == \
        "Đã được đồng ý lùi sang Quý I/2021 (Công văn số 2345/UBND-KT ngày 5/10/2020)"
    # Postponed again, and asked once more: both are said, each as what it is.
    assert progress_text(item_snapshot(status="postponed", due_period="Quý I/2021",
                                  requested_due_period="Quý II/2021")) == \
        "Đã được đồng ý lùi sang Quý I/2021. Đề nghị lùi sang Quý II/2021, chờ ý kiến"


def test_remarks_say_late_first_then_notes():
    """The remarks column says "Trễ hạn" with the deadline once it has passed, then the notes; a
    submitted item is never late."""
    late = item_snapshot(notes="Đang chờ số liệu")
    assert remarks_text(late, date(2020, 10, 1)) == "Trễ hạn (hạn 30/9/2020)\nĐang chờ số liệu"
    assert remarks_text(late, date(2020, 9, 30)) == "Đang chờ số liệu"
    assert remarks_text(item_snapshot(status="submitted"), date(2021, 1, 1)) == ""


def test_build_table_numbers_rows_and_prints_the_original_period():
    """STT is 1, 2, 3 in order; a postponed item keeps its filed period in "Thời gian trình"."""
    items = [item_snapshot(title="A"), item_snapshot(title="B", status="postponed", due_period="Quý IV/2020")]
    table = build_table("Danh mục đề án", "Báo cáo số 1/BC-X", items, with_status=True,
                        today=date(2020, 8, 1))
    assert table.title == "DANH MỤC ĐỀ ÁN"
    assert table.attached_line == "(Kèm theo Báo cáo số 1/BC-X)"
    assert table.headers == PLAN_HEADERS + STATUS_HEADERS
    assert [row.cells[0] for row in table.rows] == ["1", "2"]
    assert table.rows[1].cells[4] == "Quý III/2020"
    assert table.rows[1].cells[6] == "Đã được đồng ý lùi sang Quý IV/2020"
    plain = build_table("x", "", items, with_status=False, today=date(2020, 8, 1))
    assert plain.headers == PLAN_HEADERS and len(plain.rows[0].cells) == 6
    assert plain.attached_line == ""


def test_progress_columns_beside_a_lists_own_progress_and_notes_columns():
    """An imported progress report keeps its own "Tình hình thực hiện" and "Ghi chú" as
    published; the tracker's progress columns beside them say they are the tracker's."""
    from tracker.appendix.table import table_columns

    columns = [("position", "STT"), ("title", "Nhiệm vụ"), ("lead_agency", "Chủ trì"),
               ("c3", "Tình hình thực hiện"), ("c4", "Ghi chú")]
    keys, headers = table_columns(columns, with_status=True)
    assert headers[-2:] == ("Tình hình thực hiện (cập nhật)", "Ghi chú theo dõi")
    assert table_columns(columns[:3], with_status=True)[1][-2:] == STATUS_HEADERS


def test_line_texts_are_the_texts_of_the_lines():
    """The CSV's shortcut gives what the printed lines hold, grouped or not."""
    items = [item_snapshot(title="A"), item_snapshot(title="B", original_due_period="Quý IV/2020",
                                           due_period="Quý IV/2020"),
             item_snapshot(title="C", original_due_period="Thường xuyên", due_period="Thường xuyên",
                      due_date=None)]
    for grouping in Grouping:
        table = build_table("x", "", items, with_status=True, today=date(2020, 8, 1),
                            grouping=grouping)
        assert [list(texts) for texts in table.line_texts()] == \
            [line.texts() for line in table.lines]
    grouped = build_table("x", "", items, with_status=False, today=date(2020, 8, 1),
                          grouping=Grouping.QUARTER)
    texts = [list(t) for t in grouped.line_texts()]
    assert texts[0] == ["QUÝ III/2020", "", "", "", "", ""]
    assert texts[-1] == ["Tổng cộng: 3 đề án", "", "", "", "", ""]


def test_seed_rows_word_the_cells_as_row_cells():
    """The rows of a plain list (the seed's six columns, no progress) are numbered from the
    given number and say what row_cells says, the published lead text before the agency."""
    items = [item_snapshot(title=f"Đề án {n}", lead_text="Sở A (chủ trì)" if n == 2 else "")
             for n in range(1, 4)]
    rows = seed_rows(items, 7)
    assert [row.number for row in rows] == [7, 8, 9]
    assert [row.cells for row in rows] == [
        row_cells(number, item, with_status=False, today=date(2020, 10, 1))
        for number, item in zip((7, 8, 9), items, strict=True)]
    assert rows[1].cells[2] == "Sở A (chủ trì)"
