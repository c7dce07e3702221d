"""The appendix as a file, the same from the download buttons and from `export-appendix`:
the print page (on screen, or stand-alone with its CSS inline) and each file format."""
from __future__ import annotations

import functools
import re
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from markupsafe import Markup

from tracker.appendix.export_csv import appendix_csv
from tracker.appendix.export_docx import appendix_docx
from tracker.appendix.export_html import body_rows
from tracker.appendix.export_xlsx import appendix_xlsx
from tracker.appendix.formats import FORMATS
from tracker.appendix.pdf import find_chromium, html_to_pdf
from tracker.appendix.table import AppendixTable
from tracker.text import without_diacritics


@functools.cache
def _print_css(static_folder: str) -> Markup:
    """print.css, to be inlined as it is: escaped, its quotes ("Times New Roman") became
    &#34; inside <style>, which no browser decodes, so the fonts and the size of the page
    number were dropped."""
    return Markup((Path(static_folder) / "print.css").read_text(encoding="utf-8"))


def print_page(table: AppendixTable, *, standalone: bool, back_url: str | None = None,
               links: dict[str, str] | None = None) -> str:
    """The print view; `standalone`: CSS inline and no screen links (a file, or Chromium's
    input for the PDF)."""
    css = _print_css(current_app.static_folder) if standalone else None
    rows = body_rows(table) if table.body is not None else None
    return render_template("appendix/print.html", table=table, inline_css=css,
                           back_url=back_url, links=links or {}, body_rows=rows)


def standalone_page(table: AppendixTable) -> str:
    """The print page with its CSS inline, as Chromium prints it into the PDF."""
    with force_locale("vi"):  # the document is Vietnamese, whatever the reader's choice
        return print_page(table, standalone=True)


def render_file(table: AppendixTable, fmt: str, *, sheet_per_group: bool = False) -> bytes:
    """The table as a file of `fmt` (a code of formats.EXPORT_FORMATS). Raises PdfUnavailable for a PDF
    when Chromium is missing or fails."""
    if fmt in ("html", "pdf"):
        html = standalone_page(table)
        if fmt == "html":
            return html.encode("utf-8")
        return html_to_pdf(html, find_chromium(current_app.config.get("CHROMIUM_PATH")))
    if fmt == "docx":
        return appendix_docx(table)
    if fmt == "xlsx":
        return appendix_xlsx(table, sheet_per_group=sheet_per_group)
    if fmt == "csv":
        return appendix_csv(table)
    raise ValueError(f"unknown appendix format: {fmt!r}")


# Ends the name of a file with the progress columns ("Tình hình thực hiện", "Ghi chú").
PROGRESS_SUFFIX = "tien-do"


def file_name(name: str, fmt: str, limit: int = 60, *, with_status: bool = False) -> str:
    """"Danh mục đề án", "docx" → "danh-muc-de-an.docx": a name every system accepts;
    `with_status` → "danh-muc-de-an-tien-do.docx", so two downloads of the same list, with and
    without its progress columns, are told apart by name."""
    ascii_name = without_diacritics(name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    slug = slug[:limit].rstrip("-") or "phu-luc"
    extension = FORMATS[fmt].extension
    return f"{slug}-{PROGRESS_SUFFIX}{extension}" if with_status else f"{slug}{extension}"
