"""Turn an uploaded or pasted appendix into grids of cell strings (plain Python).

Word tables, Excel sheets, CSV/TSV files and text pasted from Word or Excel all
become `SourceTable`s: a label the user recognises and rows of cell strings,
with merged cells filled in so that every column stays aligned. What the cells
mean (header, groups, items) is decided later by `importer.interpret`.

Every refusal is a `ReadError` whose text is the Vietnamese message to show.
"""
from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from lxml import etree

from tracker.i18n import _
from tracker.periods import format_date
from tracker.text import N_, clean

# Every count read from a file is checked against these before anything is allocated for it
# (a cell "spanning" 300,000,000 columns, a row numbered 10^9, a line of a million commas).
MAX_ROWS = 20_000
MAX_COLUMNS = 100
MAX_CELLS = 1_000_000           # per file, all tables together (20,000 rows × 50 columns)
MAX_LINE_CHARS = 64 * 1024      # one physical line of CSV/TSV/pasted text
EXCEL_MAX_ROWS = 1_048_576      # a row number beyond Excel's own limit is a forged sheet
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# Zip checks, made on the central directory before any member is inflated. The XML limits
# bound memory: python-docx holds a parsed tree of about 17 times its XML's size (a Word table
# of 12,000 plain rows is ~16 MB of XML and ~270 MB parsed). The total bounds the rest, kept
# as bytes. The ratio only catches the classic bomb (one byte repeated; deflate tops out near
# 1030:1): Office XML is repetitive, and a Word table of 2,000 formatted rows already
# compresses 103:1 (empty formatted rows ~300:1), so a 100:1 limit refused real files.
MAX_XML_PART_BYTES = 16 * 1024 * 1024
MAX_XML_BYTES = 24 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_MEMBERS = 10_000
MAX_RATIO = 1000
RATIO_CHECKED_FROM = 1024 * 1024

ACCEPTED = ".docx, .xlsx, .csv, .tsv, .txt"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # old .doc/.xls, or an encrypted .docx/.xlsx
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_TEXT_EXTENSIONS = (".csv", ".tsv", ".txt")

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_W_TBL, _W_TR, _W_TC, _W_P = W + "tbl", W + "tr", W + "tc", W + "p"
_W_TCPR, _W_TRPR = W + "tcPr", W + "trPr"
_W_VAL = W + "val"
# Elements that only wrap rows, cells or blocks (content controls, custom XML, tracked insertions).
_W_WRAPPERS = frozenset(W + tag for tag in ("sdt", "sdtContent", "customXml", "ins", "moveTo"))
# Inside a paragraph: subtrees whose text is not what the reader sees.
_W_SKIPPED = frozenset(W + tag for tag in ("pPr", "rPr", "del", "moveFrom", "instrText",
                                           "delText", "fldData"))
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_X_MERGE = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}mergeCell"


class ReadError(ValueError):
    """The upload cannot be read as a table; str() is the message to show, in the user's
    language."""


@dataclass
class SourceTable:
    label: str                  # "Bảng 1 (12 dòng)", "Trang tính “Phụ lục” (40 dòng)", translated
    rows: list[list[str]]
    # Lines written above the table outside it (a Word document's title paragraphs and
    # "(Kèm theo …)" line), so a new list can take its title from the file.
    preamble: list[str] = field(default_factory=list)
    # Word and Excel only (None for text): cells merged across, (row, column) → columns
    # spanned, and cells merged with the one above (their text is the top cell's).
    spans: dict[tuple[int, int], int] | None = None
    merged: set[tuple[int, int]] | None = None

    def to_json(self) -> dict:
        """For an ImportDraft: JSON keeps lists, not tuples, sets or tuple keys."""
        return {"label": self.label, "rows": self.rows, "preamble": self.preamble,
                "spans": None if self.spans is None else [[r, c, n] for (r, c), n in
                                                          sorted(self.spans.items())],
                "merged": None if self.merged is None else sorted(map(list, self.merged))}

    @classmethod
    def from_json(cls, data: dict) -> SourceTable:
        spans = data.get("spans")
        merged = data.get("merged")
        return cls(data["label"], data["rows"], data.get("preamble") or [],
                   None if spans is None else {(r, c): n for r, c, n in spans},
                   None if merged is None else {(r, c) for r, c in merged})


def read_upload(data: bytes, filename: str) -> list[SourceTable]:
    """Every table of a .docx, every non-empty sheet of an .xlsx, or the one table of a
    .csv/.tsv/.txt file; the format is chosen by the extension and checked against the content."""
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not data:
        raise ReadError(_("The file “%(name)s” is empty. Choose the right file and upload it "
                          "again.", name=name))
    if len(data) > MAX_UPLOAD_BYTES:
        raise ReadError(_("The file “%(name)s” is larger than %(size)d MB. Upload a file "
                          "holding only the list's table.", name=name,
                          size=MAX_UPLOAD_BYTES // 2**20))
    kind = _sniff(data)
    if extension in (".doc", ".xls"):
        _refuse_old_format(extension, kind, name)
    if kind == "pdf":
        raise ReadError(_("The file “%(name)s” is a PDF: a table cannot be read from a PDF. "
                          "Upload the Word (.docx) or Excel (.xlsx) version of the list.",
                          name=name))
    if extension not in (".docx", ".xlsx") + _TEXT_EXTENSIONS and extension:
        raise ReadError(_("The file “%(name)s” cannot be read: only %(accepted)s files are "
                          "taken, or paste the table into the box.", name=name,
                          accepted=ACCEPTED))
    if kind == "ole":
        raise ReadError(_("The file “%(name)s” has a password or is an old Word/Excel format. "
                          "Open it, remove the password (if any), save it as .docx (Word) or "
                          ".xlsx (Excel) and upload it again.", name=name))
    kind = _office_kind(data, name, kind)
    if extension:
        expected = {".docx": "docx", ".xlsx": "xlsx"}.get(extension, "text")
    else:   # no extension (a name the browser lost): go by the content
        expected = kind if kind in ("docx", "xlsx", "text") else ""
    if kind != expected:
        raise ReadError(_mismatch_message(name, extension, kind))
    if kind == "docx":
        return _read_docx(data, name)
    if kind == "xlsx":
        return _read_xlsx(data, name)
    text = decode(data)
    rows = parse_delimited(text, _sniff_delimiter(text, ("\t", ";", ",")))
    return [SourceTable(_("File “%(name)s” (%(rows)d rows)", name=name, rows=len(rows)), rows)]


def _office_kind(data: bytes, name: str, kind: str) -> str:
    """A zip archive is "docx" or "xlsx" by the part it holds; other kinds stay as sniffed."""
    if kind != "zip":
        return kind
    members = set(_open_zip(data, name).namelist())
    if "word/document.xml" in members:
        return "docx"
    if "xl/workbook.xml" in members:
        return "xlsx"
    return kind


def read_pasted(text: str) -> SourceTable:
    """Text pasted from Word or Excel: tab-separated lines, a cell with line breaks quoted by
    Excel ("…", doubled quotes inside); without any tab, `;` or `,` separated."""
    rows = parse_delimited(text, "\t" if "\t" in text else None)
    return SourceTable(_("Pasted table (%(rows)d rows)", rows=len(rows)), rows)


MAX_PASTED_HTML = 20 * 1024 * 1024
_HTML_BLOCKS = frozenset({"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6"})


def read_pasted_html(html: str) -> SourceTable | None:
    """A table pasted from Word or Excel, read from the HTML the clipboard also holds, which
    keeps cells merged across (colspan) and down (rowspan); None when the HTML has no table
    (then the plain text is read). The largest table is taken: Word wraps a pasted table in
    no other, Excel in none."""
    from lxml import html as lxml_html

    if len(html) > MAX_PASTED_HTML:
        raise ReadError(_("The pasted table is too large. Upload the Word or Excel file "
                          "instead of pasting."))
    try:
        document = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None
    tables = [table for table in document.iter("table")
              if not any(parent.tag == "table" for parent in table.iterancestors())]
    if not tables:
        return None
    table = max(tables, key=lambda t: sum(1 for _row in t.iter("tr")))
    rows: list[list[str]] = []
    spans: dict[tuple[int, int], int] = {}
    merged: set[tuple[int, int]] = set()
    below: dict[int, tuple[int, str]] = {}    # column → (rows still covered, text)
    trs = [tr for tr in table.iter("tr")
           if next((p for p in tr.iterancestors() if p.tag == "table"), None) is table]
    _check_size(_("The pasted table"), len(trs), 0)
    for tr in trs:
        index = len(rows)
        row: list[str] = []
        for td in tr:
            if td.tag not in ("td", "th"):
                continue
            _take_covered(row, index, below, merged)
            colspan = _html_span(td.get("colspan"), MAX_COLUMNS)
            rowspan = _html_span(td.get("rowspan"), MAX_ROWS)
            text = _html_cell_text(td)
            if colspan > 1:
                spans[(index, len(row))] = colspan
            if rowspan > 1:
                below[len(row)] = (rowspan - 1, text)
            row.append(text)
            row.extend([""] * (colspan - 1))
            if len(row) > MAX_COLUMNS:
                _check_size(_("The pasted table"), 0, len(row))
        _take_covered(row, index, below, merged)
        rows.append(row)
    if not any(any(cell for cell in row) for row in rows):
        return None
    return SourceTable(_("Pasted table (%(rows)d rows)", rows=len(rows)), rows, spans=spans,
                       merged=merged)


def _take_covered(row: list[str], index: int, below: dict[int, tuple[int, str]],
                  merged: set[tuple[int, int]]) -> None:
    """Fill the positions of the row that cells above cover (rowspan), with their text."""
    while len(row) in below:
        column = len(row)
        left, value = below[column]
        merged.add((index, column))
        row.append(value)
        if left <= 1:
            del below[column]
        else:
            below[column] = (left - 1, value)


def _html_span(value: str | None, limit: int) -> int:
    try:
        return max(1, min(int(value or 1), limit))
    except ValueError:
        return 1


def _html_cell_text(td) -> str:
    """Paragraphs and line breaks as "\n"; Word's non-breaking spaces as spaces."""
    parts: list[str] = []

    def walk(element) -> None:
        if element.tag in ("br",):
            parts.append("\n")
        elif element.tag in _HTML_BLOCKS and parts and not parts[-1].endswith("\n"):
            parts.append("\n")
        if element.tag not in ("style", "script") and element.text \
                and not isinstance(element, etree._Comment):
            parts.append(element.text)
        for child in element:
            if isinstance(child.tag, str):
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(td)
    return clean("".join(parts).replace("\xa0", " "))


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), or UTF-16 with its BOM (Excel's "Unicode Text");
    anything else, e.g. Windows-1258 or TCVN3, is refused with a clear message."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data[:4096]:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
    raise ReadError(_(
        "The file is not UTF-8 (it may be in the old Windows-1258 or TCVN3/ABC encoding). Open "
        "it in Excel or Notepad, choose Save As with the UTF-8 (Unicode) encoding and try again."))


# --- format checks -------------------------------------------------------------------------

def _sniff(data: bytes) -> str:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if data.startswith(_ZIP_MAGICS):
        return "zip"
    if data.startswith(_OLE_MAGIC):
        return "ole"
    if head.startswith(b"%pdf"):
        return "pdf"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<meta")):
        return "html"
    if head.startswith(b"<?xml"):
        return "xml"    # Word/Excel 2003 XML, often named .doc/.xls by the programs that export it
    return "text"


def _refuse_old_format(extension: str, kind: str, name: str) -> None:
    program, new = ("Word", ".docx") if extension == ".doc" else ("Excel", ".xlsx")
    if kind == "html":
        raise ReadError(_("The file “%(name)s” is really a web page (HTML) named %(extension)s. "
                          "Open it in %(program)s, choose Save As %(new)s and upload it again.",
                          name=name, extension=extension, program=program, new=new))
    raise ReadError(_("The file “%(name)s” is in the old %(program)s format (%(extension)s). "
                      "Open it in %(program)s, choose Save As %(new)s and upload it again.",
                      name=name, extension=extension, program=program, new=new))


_KIND_NAMES = {"docx": N_("a Word document (.docx)"), "xlsx": N_("an Excel workbook (.xlsx)"),
               "zip": N_("a zip archive (.zip)"), "rtf": N_("an RTF document"),
               "html": N_("a web page (HTML)"), "xml": N_("an XML file (Word/Excel 2003 kind)"),
               "text": N_("a text file")}


def _mismatch_message(name: str, extension: str, kind: str) -> str:
    found = _(_KIND_NAMES[kind]) if kind in _KIND_NAMES else _("another kind of file")
    if kind == "zip" and extension in (".docx", ".xlsx"):
        return _("The file “%(name)s” is damaged or not a real %(extension)s file. Open it, "
                 "save it again as %(extension)s and upload it again.", name=name,
                 extension=extension)
    if kind in ("rtf", "html", "xml") and extension in ("", ".docx", ".xlsx"):
        new = ".xlsx" if extension == ".xlsx" else ".docx"
        return _("The file “%(name)s” is %(found)s, not a real %(new)s file. Open it in Word or "
                 "Excel, choose Save As %(new)s and upload it again.", name=name, found=found,
                 new=new)
    shown = extension or _("no extension")
    return _("The file “%(name)s” (%(extension)s) holds %(found)s, which does not match its "
             "extension. Check the file; only %(accepted)s files are taken.", name=name,
             extension=shown, found=found, accepted=ACCEPTED)


def _open_zip(data: bytes, name: str) -> zipfile.ZipFile:
    """Open an Office file's zip and refuse a zip bomb by its central directory alone.

    The sizes checked are the declared ones; `zipfile` stops inflating a member at its
    declared size (and fails its CRC check), so a member cannot unpack to more than that.
    """
    damaged = _("The file “%(name)s” is damaged or too large once unpacked and cannot be read. "
                "Open it, Save As a new copy and upload it again.", name=name)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise ReadError(damaged) from None
    if len(members) > MAX_MEMBERS:
        raise ReadError(damaged)
    total = xml_total = 0
    for member in members:
        total += member.file_size
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ReadError(damaged)
        if (member.file_size > RATIO_CHECKED_FROM
                and member.file_size > MAX_RATIO * max(member.compress_size, 1)):
            raise ReadError(damaged)
        if member.filename.lower().endswith((".xml", ".rels", ".vml")):
            xml_total += member.file_size
            if member.file_size > MAX_XML_PART_BYTES or xml_total > MAX_XML_BYTES:
                raise ReadError(_(
                    "The file “%(name)s” is too large once unpacked (over %(size)d MB of "
                    "content) to import at once. Keep only the list's table, or split the list "
                    "into smaller files, and upload again.", name=name,
                    size=MAX_XML_PART_BYTES // 2**20))
    if total > MAX_UNPACKED_BYTES:
        raise ReadError(damaged)
    return archive


def _check_size(label: str, rows: int, columns: int) -> None:
    if rows > MAX_ROWS:
        limit = f"{MAX_ROWS:,}".replace(",", ".")     # Vietnamese thousands mark: 20.000
        raise ReadError(_("%(label)s has more than %(limit)s rows, too many to import at once. "
                          "Split the list into smaller files.", label=label, limit=limit))
    if columns > MAX_COLUMNS:
        raise ReadError(_("%(label)s has more than %(limit)d columns: it is not a list's table. "
                          "Delete the extra columns or keep only the list's table and upload "
                          "again.", label=label, limit=MAX_COLUMNS))


def _check_cells(label: str, cells: int) -> None:
    if cells > MAX_CELLS:
        limit = f"{MAX_CELLS:,}".replace(",", ".")
        raise ReadError(_("%(label)s has more than %(limit)s cells, too many to import at "
                          "once. Split the list into smaller files.", label=label, limit=limit))


def _lines(text: str) -> Iterator[str]:
    """The physical lines of a text, refusing one too long to be a table's line (a file of
    nothing but commas would otherwise become a row of millions of cells)."""
    for number, line in enumerate(io.StringIO(text), start=1):
        if len(line) > MAX_LINE_CHARS:
            limit = f"{MAX_LINE_CHARS:,}".replace(",", ".")
            raise ReadError(_("Line %(number)d of the table is longer than %(limit)s characters: "
                              "it is not a row of a list. Check the file (the right list, saved "
                              "as CSV or text) and try again.", number=number, limit=limit))
        yield line


# --- CSV, TSV and pasted text --------------------------------------------------------------

# The CSV export's guard against formula injection: "'" before = + - @ ' a tab or a CR
# (see export_csv). Only delimited text carries it: DOCX and XLSX cells are read as they are.
_NEUTRALISED = re.compile(r"^'(?=[=+\-@'\t\r])")


def parse_delimited(text: str, delimiter: str | None = None) -> list[list[str]]:
    """Rows of a CSV/TSV text; without a delimiter: a tab if the text has one (as pasted from
    Word or Excel), else `;` or `,`. Trailing empty rows are dropped; the CSV export's formula
    guard is removed from each cell."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if delimiter is None:
        delimiter = "\t" if "\t" in text else _sniff_delimiter(text, (";", ","))
    rows: list[list[str]] = []
    cells = 0
    try:
        for record in csv.reader(_lines(text), delimiter=delimiter):
            if len(record) > MAX_COLUMNS:
                if any(record[MAX_COLUMNS:]):
                    _check_size(_("The table"), 0, len(record))
                del record[MAX_COLUMNS:]    # a row padded with delimiters (Excel does this)
            rows.append([_NEUTRALISED.sub("", cell, count=1) if cell[:1] == "'" else cell
                         for cell in record])
            cells += len(record)
            if len(rows) > MAX_ROWS:
                _check_size(_("The table"), len(rows), 0)
            _check_cells(_("The table"), cells)
    except csv.Error:
        raise ReadError(_("Row %(number)d of the table cannot be read: a quote mark (\") closing "
                          "a cell may be missing. Check that row and try again.",
                          number=len(rows) + 1)) from None
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    return rows


def _sniff_delimiter(text: str, candidates: tuple[str, ...]) -> str:
    """The candidate that splits the first record, then whose first 30 records hold the most
    cells in rows of one width (then the widest); earlier candidates win ties. Records are
    read as CSV, so a quoted cell with line breaks or delimiters inside counts once. `;` is
    Excel's CSV where the decimal mark is a comma, as in Vietnamese settings."""
    text = text.replace("\r\n", "\n")
    best, best_score = candidates[-1], (False, -1, -1)
    for candidate in candidates:
        try:
            widths = [len(r) for r in itertools.islice(
                csv.reader(_lines(text), delimiter=candidate), 30) if r]
        except csv.Error:
            continue
        wide = [w for w in widths if w > 1]
        if not wide:
            continue
        common = max(set(wide), key=lambda w: (wide.count(w) * w, w))
        # A candidate that splits the first line (the header, or a title row Excel pads with
        # delimiters) beats one that only splits text inside quoted cells further down.
        score = (widths[0] > 1, wide.count(common) * common, common)
        if score > best_score:
            best, best_score = candidate, score
    return best


# --- DOCX ----------------------------------------------------------------------------------

def _read_docx(data: bytes, name: str) -> list[SourceTable]:
    """Every top-level table of the document body, in order (tables nested in a cell are not
    tables of their own: their text joins the cell's text)."""
    from docx import Document

    try:
        # python-docx parses with resolve_entities=False (and lxml never fetches from the
        # network), so entity expansion and external entities are not an issue; the zip was
        # checked for bombs above.
        body = Document(io.BytesIO(data)).element.body
    except Exception:  # python-docx raises many kinds (KeyError, ValueError, lxml, zip errors)
        raise ReadError(_("The Word document “%(name)s” cannot be read: it is damaged or not a "
                          ".docx. Open it in Word, save it again and upload it again.",
                          name=name)) from None
    tables = []
    cells = 0
    for number, tbl in enumerate(_top_tables(body), start=1):
        spans: dict[tuple[int, int], int] = {}
        merged: set[tuple[int, int]] = set()
        rows = _docx_rows(tbl, _("Table %(number)d", number=number), spans, merged)
        cells += sum(map(len, rows))
        _check_cells(_("The Word document “%(name)s”", name=name), cells)
        tables.append(SourceTable(_("Table %(number)d (%(rows)d rows)", number=number,
                                    rows=len(rows)), rows,
                                  _paragraphs_before(tbl), spans, merged))
    if not tables:
        raise ReadError(_("The Word document “%(name)s” has no table. The list must be a table "
                          "(one item a row); check the file, or paste the table into the box.",
                          name=name))
    return tables


def _paragraphs_before(tbl, limit: int = 6) -> list[str]:
    """The non-empty paragraphs just above a table (up to the previous table), in order."""
    texts: list[str] = []
    for sibling in tbl.itersiblings(preceding=True):
        if sibling.tag != _W_P or len(texts) >= limit:
            break
        parts: list[str] = []
        _paragraph_text(sibling, parts)
        text = clean("".join(parts))
        if text:
            texts.append(text)
    return texts[::-1]


def _top_tables(element) -> Iterator:
    for child in element:
        if child.tag == _W_TBL:
            yield child
        elif child.tag != _W_P and isinstance(child.tag, str):
            yield from _top_tables(child)   # content controls, custom XML


def _children(element, tag: str) -> Iterator:
    """Rows of a table or cells of a row, also when wrapped in content controls."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag in _W_WRAPPERS:
            yield from _children(child, tag)


def _docx_rows(tbl, label: str, spans: dict[tuple[int, int], int],
               merged: set[tuple[int, int]]) -> list[list[str]]:
    trs = list(_children(tbl, _W_TR))
    _check_size(label, len(trs), 0)
    rows: list[list[str]] = []
    above: list[str] = []
    for tr in trs:
        # Counts from the file (gridBefore, gridSpan) are checked before a list is made of them.
        before = max(0, _int_val(tr.find(f"{_W_TRPR}/{W}gridBefore"), 0))
        _check_size(label, 0, before)
        row: list[str] = [""] * before
        for tc in _children(tr, _W_TC):
            props = tc.find(_W_TCPR)
            span, merge = 1, None
            if props is not None:
                span = max(1, _int_val(props.find(W + "gridSpan"), 1))
                _check_size(label, 0, len(row) + span)
                v_merge = props.find(W + "vMerge")
                if v_merge is not None:
                    merge = v_merge.get(_W_VAL) or "continue"
                h_merge = props.find(W + "hMerge")
                if h_merge is not None and (h_merge.get(_W_VAL) or "continue") == "continue":
                    row.extend([""] * span)   # legacy horizontal merge: the value stays left
                    continue
            column = len(row)
            if span > 1:
                spans[(len(rows), column)] = span
            if merge == "continue":
                text = above[column] if column < len(above) else ""
                merged.add((len(rows), column))
            else:
                text = _cell_text(tc)
            row.append(text)
            row.extend([""] * (span - 1))
            if len(row) > MAX_COLUMNS:
                _check_size(label, 0, len(row))
        rows.append(row)
        above = row
    return rows


def _int_val(element, default: int) -> int:
    if element is None:
        return default
    try:
        return int(element.get(_W_VAL, default))
    except ValueError:
        return default


def _cell_text(tc) -> str:
    """Paragraphs joined with line breaks; a line break is "\n" and a tab "\t"."""
    lines = []
    for p in tc.iter(_W_P):
        parts: list[str] = []
        _paragraph_text(p, parts)
        lines.append("".join(parts))
    return "\n".join(lines)


def _paragraph_text(element, parts: list[str]) -> None:
    for child in element:
        tag = child.tag
        if tag == W + "t":
            parts.append(child.text or "")
        elif tag == W + "tab":
            parts.append("\t")
        elif tag in (W + "br", W + "cr"):
            parts.append("\n")
        elif tag == W + "noBreakHyphen":
            parts.append("-")
        elif tag in _W_SKIPPED or tag == _MC_FALLBACK or tag == _W_P or not isinstance(tag, str):
            continue    # properties, deleted text, field codes, duplicate fallbacks, nested paragraphs
        else:
            _paragraph_text(child, parts)


# --- XLSX ----------------------------------------------------------------------------------

def _read_xlsx(data: bytes, name: str) -> list[SourceTable]:
    """Every sheet that has a value, values only (a formula gives its last computed value)."""
    from openpyxl import load_workbook

    damaged = _("The Excel workbook “%(name)s” cannot be read: it is damaged or not an .xlsx. "
                "Open it in Excel, save it again and upload it again.", name=name)
    try:
        # openpyxl parses through defusedxml when it is installed (it is a dependency).
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise ReadError(damaged) from None
    tables = []
    cells = 0
    try:
        for sheet in book.worksheets:
            label = _("Sheet “%(sheet)s”", sheet=sheet.title)
            try:
                rows = _sheet_rows(sheet, label, damaged)
                spans, merged = _fill_merged(rows, _merged_ranges(book, sheet), damaged)
            except ReadError:
                raise
            except Exception:
                raise ReadError(damaged) from None
            cells += sum(map(len, rows))
            _check_cells(_("The Excel workbook “%(name)s”", name=name), cells)
            if rows:
                shown = (_("%(label)s (%(rows)d rows, hidden)", label=label, rows=len(rows))
                         if sheet.sheet_state != "visible"
                         else _("%(label)s (%(rows)d rows)", label=label, rows=len(rows)))
                tables.append(SourceTable(shown, rows,
                                          spans=spans, merged=merged))
    finally:
        book.close()
    if not tables:
        raise ReadError(_("The Excel workbook “%(name)s” holds no data. Check the file.",
                          name=name))
    return tables


def _sheet_rows(sheet, label: str, damaged: str) -> list[list[str]]:
    sheet.reset_dimensions()   # a wrong <dimension> written by some programs would cut rows off
    rows: list[list[str]] = []
    pending_empty = 0
    for values in sheet.iter_rows(values_only=True):
        if len(rows) + pending_empty >= EXCEL_MAX_ROWS:
            raise ReadError(damaged)    # openpyxl would yield an empty row for every number skipped
        if len(values) > MAX_COLUMNS:
            # A styled empty cell in column XFD makes a row of 16,384 values: count the empty
            # ones at C speed (None by identity) rather than converting each.
            extra = values[MAX_COLUMNS:]
            if extra.count(None) != len(extra) and any(_cell_string(v) for v in extra):
                _check_size(label, 0, len(values))
            values = values[:MAX_COLUMNS]
        cells = [_cell_string(value) for value in values]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            pending_empty += 1
            continue
        _check_size(label, len(rows) + pending_empty + 1, len(cells))
        rows.extend([] for _row in range(pending_empty))
        pending_empty = 0
        rows.append(cells)
    return rows


def _cell_string(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(value, ".15g")
    if isinstance(value, datetime):
        if value.time() == time(0):
            return format_date(value.date())
        return f"{format_date(value.date())} {value:%H:%M}"
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _merged_ranges(book, sheet) -> list[tuple[int, int, int, int]]:
    """(first row, first column, last row, last column), 1-based, from the sheet's XML
    (openpyxl's read-only mode does not keep merged cells)."""
    from openpyxl.utils.cell import range_boundaries

    path = getattr(sheet, "_worksheet_path", None)
    if not path:
        return []
    ranges = []
    with book._archive.open(path) as source:
        for _event, element in etree.iterparse(source, tag=_X_MERGE, resolve_entities=False,
                                          no_network=True, load_dtd=False, huge_tree=False):
            ref = element.get("ref", "")
            element.clear()
            if ":" not in ref:
                continue
            min_col, min_row, max_col, max_row = range_boundaries(ref)
            ranges.append((min_row, min_col, max_row, max_col))
    return ranges


def _fill_merged(rows: list[list[str]], ranges: list[tuple[int, int, int, int]],
                 damaged: str) -> tuple[dict[tuple[int, int], int], set[tuple[int, int]]]:
    """A merged range keeps its value in its first column, on every row it covers: a range
    merged down (an agency written once for several rows) fills down, a range merged across
    (a heading) leaves the value in the first cell only. Returns the spans across and the
    cells merged with the one above, 0-based, as the Word reader does.

    Ranges that do not overlap cover each cell once, so the cells they cover (within the
    table's rows and MAX_COLUMNS columns) add up to at most rows × MAX_COLUMNS; overlapping
    ranges beyond that (thousands of copies of A1:CV20000, each a pass over the table) are a
    forged sheet, refused before the work."""
    spans: dict[tuple[int, int], int] = {}
    merged: set[tuple[int, int]] = set()
    work, budget = 0, len(rows) * MAX_COLUMNS
    for first_row, first_col, last_row, last_col in ranges:
        if first_col > MAX_COLUMNS or first_row > len(rows):
            continue    # outside the table: no value to spread, no cell to mark
        work += ((min(last_row, len(rows)) - first_row + 1)
                 * (min(last_col, MAX_COLUMNS) - first_col + 1))
        if work > budget:
            raise ReadError(damaged)
        for index in range(first_row - 1, min(last_row, len(rows))):
            if last_col > first_col:
                spans[(index, first_col - 1)] = last_col - first_col + 1
            if index > first_row - 1:
                merged.add((index, first_col - 1))
        top = rows[first_row - 1]
        value = top[first_col - 1] if first_col - 1 < len(top) else ""
        for index in range(first_row - 1, min(last_row, len(rows))):
            row = rows[index]
            if value and len(row) < first_col:
                row.extend([""] * (first_col - len(row)))
            if first_col - 1 < len(row):
                row[first_col - 1] = value
            for column in range(first_col, min(last_col, len(row))):
                row[column] = ""
    return spans, merged
