"""The formats an appendix is saved in: one list for the download buttons, the routes, the
files' media types and names, and `flask export-appendix` (plain Python)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExportFormat:
    code: str        # in the URL (appendix.docx) and on the command line (--format docx)
    label: str       # the download button's text, the same in every language
    media_type: str
    extension: str   # of the saved file
    download: bool = True  # a download button; the HTML is the print view instead
    slow: bool = False     # seconds to make: the button says so meanwhile (static/app.js)


EXPORT_FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat("html", "HTML", "text/html", ".html", download=False),
    ExportFormat("docx", "Word",
                 "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    ExportFormat("xlsx", "Excel",
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    ExportFormat("csv", "CSV", "text/csv", ".csv"),  # Flask adds "; charset=utf-8" to text types
    # Chromium prints it (appendix/pdf.py), which takes a few seconds.
    ExportFormat("pdf", "PDF", "application/pdf", ".pdf", slow=True),
)
FORMATS: dict[str, ExportFormat] = {fmt.code: fmt for fmt in EXPORT_FORMATS}
DOWNLOADS: tuple[ExportFormat, ...] = tuple(fmt for fmt in EXPORT_FORMATS if fmt.download)
