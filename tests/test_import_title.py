"""A new list's title and "Kèm theo" line guessed from the lines above the table (pure)."""
from tracker.appendix.imports import title_from


def test_title_in_capitals_and_attached_line():
    """The title is the line in capitals, the "Kèm theo" line is read without its brackets, and
    "PHỤ LỤC II" is the label."""
    assert title_from(["PHỤ LỤC II", "DANH MỤC ĐỀ ÁN NĂM 2021",
                       "(Kèm theo Báo cáo số 12/BC-STC ngày 3/6/2021 của Sở Tài chính)",
                       "Tình hình thực hiện đến ngày 1/7/2021"]) == \
        ("DANH MỤC ĐỀ ÁN NĂM 2021", "Báo cáo số 12/BC-STC ngày 3/6/2021 của Sở Tài chính",
         "PHỤ LỤC II")


def test_title_not_in_capitals_is_the_line_above_the_attached_line():
    """With no line in capitals, the title is the line just above the "Kèm theo" line."""
    assert title_from(["Sở Tài chính", "Danh mục đề án năm 2021", "(Kèm theo Công văn số 5)"]) \
        == ("Danh mục đề án năm 2021", "Công văn số 5", "")


def test_no_attached_line_takes_the_first_line_and_nothing_gives_nothing():
    """With no "Kèm theo" line the title is the first line, spaces joined; a label alone or no
    line gives no title."""
    assert title_from(["Danh mục   đề án\nnăm 2021"]) == ("Danh mục đề án năm 2021", "", "")
    assert title_from(["Phụ lục"]) == ("", "", "Phụ lục")
    assert title_from([]) == ("", "", "")
