"""The appendix table as CSV: the machine-friendly format.

No title rows, no attached line, no subtitle: the first line is the column
headers, so the file opens as a plain table in Excel or LibreOffice and reads
back with any CSV reader. Group headings, the "Cộng: …" lines and the
"Tổng cộng: …" line are lines of their own with the text in the first cell
and the other cells empty; a published list's headings keep their cells, and
a cell merged down has its text in its first line only.

The bytes are UTF-8 with a byte-order mark (without it Excel decodes the file
in the machine's ANSI code page and mangles Vietnamese), lines end with CRLF
(RFC 4180), and cells holding a comma, a quote or a line break are quoted.

The download is streamed (`appendix_csv_chunks`): the table is built, then its text goes out
in pieces of a few hundred lines, never held whole as one string.

Formula injection (OWASP "CSV Injection"): a cell starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return would be run as a formula by a
spreadsheet, so it is written with a leading apostrophe (``=1+1`` becomes
``'=1+1``). The importer (`tracker.appendix.importer`) strips that apostrophe
again, so a CSV exported here reads back to the same cell texts.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from itertools import chain, islice

from tracker.appendix.table import AppendixTable

LINES_PER_CHUNK = 500

# A cell already starting with the apostrophe gets one more, so reading back (which drops
# one apostrophe before any of these) returns the cell as it was.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "'")
NEUTRALISER = "'"
SEPARATOR = "\x00"
_FORMULA_START = re.compile(SEPARATOR + "[" + re.escape("".join(FORMULA_PREFIXES)) + "]")


def neutralise(cell: str) -> str:
    """Prefix a cell a spreadsheet would read as a formula with an apostrophe."""
    return NEUTRALISER + cell if cell.startswith(FORMULA_PREFIXES) else cell


def appendix_csv(table: AppendixTable) -> bytes:
    """The table as UTF-8 (with BOM) CSV bytes, CRLF line ends; see the module docstring."""
    return b"".join(appendix_csv_chunks(table))


def appendix_csv_chunks(table: AppendixTable,
                        lines_per_chunk: int = LINES_PER_CHUNK) -> Iterator[bytes]:
    """The bytes of `appendix_csv` in pieces: the byte-order mark and the header, then
    `lines_per_chunk` lines at a time."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([neutralise(cell) for cell in table.headers])
    yield codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
    # Every body line, a merged cell's text in its first position only (as a Word table
    # pastes). A cell rarely needs the apostrophe, so a whole chunk is tested at once: its
    # cells joined after a NUL each, searched once for a NUL before a formula's first
    # character (a cell holding a NUL itself only costs its chunk the exact test).
    texts = table.line_texts()
    while lines := list(islice(texts, lines_per_chunk)):
        yield _encoded(buffer, writer, lines)


def _encoded(buffer: io.StringIO, writer, lines: list) -> bytes:
    if _FORMULA_START.search(SEPARATOR + SEPARATOR.join(chain.from_iterable(lines))):
        lines = [[neutralise(cell) for cell in texts] for texts in lines]
    buffer.seek(0)
    buffer.truncate()
    writer.writerows(lines)
    return buffer.getvalue().encode("utf-8")
