"""PDF of the print view, through headless Chromium's own print engine (`--print-to-pdf`).

The PDF is what a user gets from the browser's Print command on the print view: the same
HTML and print.css (A4 landscape, repeated header row, page numbers), rendered by Debian's
`chromium` package.

A long table is printed in parts (issue 10: 5,000 rows took 80 s). Chromium's layout of one
table broken across pages costs more per row the longer the table (5,000 rows in one table:
80 s; the same rows as ten tables: 17 s), so above twice CHUNK_ROWS rows (the size above
which the web request hands the PDF to the worker, TRACKER_PDF_BACKGROUND_ROWS, by default)
the body is cut into tables of about CHUNK_ROWS rows, each starting a page under its own header row, never
between the rows of a merged cell nor after a group's heading or before its count line.
The parts go to two Chromium processes at once when a second rendering slot is free (the
second one without the title block), and pypdf joins their PDFs. Chromium's own page
numbers would restart in each process's file, so the parts are printed without them and
the joined file gets them stamped at the very place print.css puts them (top centre, from
page 2 on, 13 pt Times). What changes against one render: a part's last page may end
early, so the file has a few more pages (one per part at most).
"""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Quiet, offline, throw-away profile: on a closed network Chromium otherwise keeps
# trying to reach Google's hosts.
FLAGS = (
    "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--no-pdf-header-footer", "--hide-scrollbars",
)


# Chromium lays a page out for its screen before it lays it out for print: with the sheet
# hidden on screen, the first costs nothing (a fifth of the CPU of a long table's PDF).
SCREEN_CSS = "<style>@media screen { .sheet { display: none; } }</style>"

# Each PDF starts a Chromium (a few hundred MB, seconds of CPU): at most two at once per
# process; a third request waits its turn, up to a minute.
_RENDERING = threading.BoundedSemaphore(2)
QUEUE_TIMEOUT = 60


class PdfUnavailable(RuntimeError):
    """No Chromium on this server, or it failed; str() is the Vietnamese message."""


def find_chromium(configured: str | None = None) -> str | None:
    if configured:
        return configured if Path(configured).exists() or shutil.which(configured) else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html: str, chromium: str | None, timeout: float = 180,
                chunk_rows: int | None = None) -> bytes:
    """Render a self-contained page (inline CSS, no network) to PDF bytes; a table of more
    than twice `chunk_rows` (CHUNK_ROWS) rows in parts (see the module's docstring). At most two
    Chromium processes per Python process: a PDF takes one slot, waiting for it; its second
    process only when the other slot is free right now."""
    if not chromium:
        raise PdfUnavailable(
            "Máy chủ chưa cài Chromium nên chưa xuất được PDF. Hãy mở bản in và dùng lệnh In "
            "của trình duyệt (chọn “Lưu thành PDF”), hoặc tải bản Word."
        )
    if not _RENDERING.acquire(timeout=QUEUE_TIMEOUT):
        raise PdfUnavailable("Máy chủ đang bận tạo các tệp PDF khác. Hãy thử lại sau ít phút, "
                             "hoặc dùng lệnh In của trình duyệt trên bản in.")
    try:
        html = html.replace("</head>", SCREEN_CSS + "</head>", 1)
        parts = table_parts(html, chunk_rows)
        if len(parts) == 1:
            return _render(html, chromium, timeout)
        second = _RENDERING.acquire(blocking=False)   # never waits: no deadlock, no queue
        try:
            documents = part_documents(html, parts, 2 if second else 1)
            if second:
                with ThreadPoolExecutor(2) as pool:
                    pdfs = list(pool.map(lambda page: _render(page, chromium, timeout),
                                         documents))
            else:
                pdfs = [_render(page, chromium, timeout) for page in documents]
        finally:
            if second:
                _RENDERING.release()
        return joined_with_page_numbers(pdfs)
    finally:
        _RENDERING.release()


def _render(html: str, chromium: str, timeout: float) -> bytes:
    with tempfile.TemporaryDirectory(prefix="appendix-pdf-") as folder:
        page = Path(folder) / "appendix.html"
        output = Path(folder) / "appendix.pdf"
        page.write_text(html, encoding="utf-8")
        command = [chromium, *FLAGS, f"--user-data-dir={Path(folder) / 'profile'}",
                   f"--print-to-pdf={output}", page.as_uri()]
        if os.geteuid() == 0:
            command.insert(1, "--no-sandbox")  # Chromium's sandbox refuses to run as root
        try:
            subprocess.run(command, capture_output=True, timeout=timeout, check=False,
                           stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired):
            output.unlink(missing_ok=True)
        if not output.exists() or output.stat().st_size == 0:
            raise PdfUnavailable(
                "Chưa tạo được tệp PDF (Chromium không trả lời). Hãy thử lại, hoặc dùng lệnh In "
                "của trình duyệt trên bản in."
            )
        return output.read_bytes()


# Rows per printed part. Cost per 1,000 rows (CPU, busy 2-core machine): one table of 1,000
# 2.9 s, parts of 250 or 500 2.5 s; a Chromium start costs 1.2 s.
CHUNK_ROWS = 500
_TABLE = re.compile(r'<table class="appendix-table[^"]*">.*?<tbody>', re.S)
_ROW = re.compile(r"<tr[\s>]")
_ROWSPAN = re.compile(r'rowspan="(\d+)"')
# Rows a part never ends after (a heading stays with its first row) or starts with (a
# group's count line stays with its last row), as print.css asks of page breaks.
_KEEP_WITH_NEXT = ("group-heading", "line-heading", "line-header")
_KEEP_WITH_PREVIOUS = ("group-count",)
PART_CSS = ("<style>.appendix-part { break-before: page; }"
            " @page { @top-center { content: none; } }"
            " @page :first { @top-center { content: none; } }</style>")


def table_parts(html: str, chunk_rows: int | None = None) -> list[str]:
    """The body rows of the page's table cut into parts of about `chunk_rows` rows (the HTML
    of each part's rows); one part, the page, when the table has at most twice as many rows
    or the page has no table."""
    chunk_rows = chunk_rows or CHUNK_ROWS
    table = _TABLE.search(html)
    if table is None:
        return [html]
    end = html.find("</tbody>", table.end())
    body = html[table.end():end]
    starts = [match.start() for match in _ROW.finditer(body)]
    if len(starts) <= 2 * chunk_rows:
        return [html]   # two parts would save less than the second Chromium costs
    rows = [body[start:stop] for start, stop in zip(starts, starts[1:] + [len(body)],
                                                     strict=True)]
    cuts, open_until = [], 0      # open_until: the last row a merged cell above reaches
    last_cut = 0
    for index, row in enumerate(rows):
        if index - last_cut >= chunk_rows and open_until < index \
                and not _has_class(rows[index - 1], _KEEP_WITH_NEXT) \
                and not _has_class(row, _KEEP_WITH_PREVIOUS):
            cuts.append(index)
            last_cut = index
        for span in _ROWSPAN.findall(row):
            open_until = max(open_until, index + int(span) - 1)
    bounds = [0, *cuts, len(rows)]
    return ["".join(rows[start:stop]) for start, stop in zip(bounds, bounds[1:], strict=False)]


def _has_class(row: str, classes: tuple[str, ...]) -> bool:
    tag = row[:row.find(">") + 1]
    return any(f'class="{name}"' in tag or f"class=\"{name} " in tag for name in classes)


def part_documents(html: str, parts: list[str], documents: int) -> list[str]:
    """Pages for Chromium holding the parts in order, each part a table of its own starting
    a page, spread over `documents` pages of about as many rows; only the first page has
    the title block. Printed without page numbers (see joined_with_page_numbers)."""
    table = _TABLE.search(html)
    before, table_open = html[:table.start()], html[table.start():table.end()]
    after = html[html.find("</tbody>", table.end()):]   # "</tbody></table>…</html>"
    before = before.replace("</head>", PART_CSS + "</head>", 1)
    untitled = re.sub(r"<header>.*?</header>", "", before, count=1, flags=re.S)
    part_open = table_open.replace('class="appendix-table', 'class="appendix-table appendix-part',
                                   1)
    sizes = [part.count("<tr") for part in parts]
    groups: list[list[str]] = [[] for _ in range(documents)]
    total, done = sum(sizes), 0
    for part, size in zip(parts, sizes, strict=True):   # by where the part's middle falls
        groups[min(documents - 1, (2 * done + size) * documents // (2 * total))].append(part)
        done += size
    pages = []
    for number, group in enumerate(group for group in groups if group):
        tables = [table_open + group[0]]
        tables += [part_open + part for part in group[1:]]
        pages.append((before if number == 0 else untitled)
                     + "</tbody></table>".join(tables) + after)
    return pages


# Where print.css's @top-center box puts the page number on A4 landscape (points from the
# bottom left; margins 30 mm left, 15 mm right, 20 mm top): measured on Chromium's own.
PAGE_NUMBER_CENTRE_X = (30 + (297 - 30 - 15) / 2) * 72 / 25.4
PAGE_NUMBER_BASELINE_FROM_TOP = 32.2
PAGE_NUMBER_SIZE = 13
DIGIT_WIDTH = 0.5   # of the font size: every digit of Times-Roman is 500/1000 wide


def joined_with_page_numbers(pdfs: list[bytes]) -> bytes:
    """The PDFs one after another, the page number at the top centre of every page but the
    first (as print.css prints it)."""
    # Imported here: pypdf costs every process that imports it 15 MB of memory, and only
    # the one that joins a long PDF (the worker) needs it.
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject

    writer = PdfWriter()
    for data in pdfs:
        writer.append(PdfReader(io.BytesIO(data)))
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Times-Roman"),
        NameObject("/Encoding"): NameObject("/WinAnsiEncoding")}))
    save = writer._add_object(_stream(b"q\n"))
    for index, page in enumerate(writer.pages):
        if index == 0:
            continue
        number = str(index + 1)
        height = float(page.mediabox.height)
        x = PAGE_NUMBER_CENTRE_X - len(number) * DIGIT_WIDTH * PAGE_NUMBER_SIZE / 2
        y = height - PAGE_NUMBER_BASELINE_FROM_TOP
        stamp = writer._add_object(_stream(
            f"\nQ q BT /PageNumberFont {PAGE_NUMBER_SIZE} Tf 0 g {x:.2f} {y:.2f} Td ({number}) Tj"
            f" ET Q\n".encode()))
        resources = page.get("/Resources")
        resources = resources.get_object() if resources is not None else DictionaryObject()
        fonts = resources.get("/Font")
        fonts = fonts.get_object() if fonts is not None else DictionaryObject()
        fonts[NameObject("/PageNumberFont")] = font
        resources[NameObject("/Font")] = fonts
        page[NameObject("/Resources")] = resources
        contents = page.get("/Contents")
        contents = contents.get_object() if contents is not None else ArrayObject()
        existing = list(contents) if isinstance(contents, ArrayObject) else \
            [page.raw_get("/Contents")]
        page[NameObject("/Contents")] = ArrayObject([save, *existing, stamp])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _stream(data: bytes):
    from pypdf.generic import DecodedStreamObject

    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream
