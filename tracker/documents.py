"""The file of a Tờ trình, Quyết định or Công văn attached to a status update (plain Python).

`check_document` decides by the bytes, not the name, whether an upload is a document the
tracker keeps (PDF, Word .docx, PNG, JPEG) and refuses anything else with the Vietnamese
message to show; `DocumentStore` keeps the accepted files outside the database (in a folder
or a bucket: tracker/storage.py) under generated names, never the user's.

Every refusal is a `DocumentError` whose text is the message to show, in the user's language.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tracker.appendix.readers import ReadError
from tracker.appendix.readers import _open_zip as open_checked_zip  # the import's zip-bomb checks
from tracker.i18n import _
from tracker.text import N_

if TYPE_CHECKING:
    from tracker.storage import Store

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# A form that carries a document may be this much larger than the document (its other fields
# and the multipart framing), so a file just over the limit is refused on the form with its
# message rather than by the request size limit.
FORM_ALLOWANCE_BYTES = 1024 * 1024
MAX_NAME_CHARS = 200


@dataclass(frozen=True)
class Kind:
    media_type: str
    extension: str      # of the stored file, and added to a name that has none
    label: str          # "a PDF document", for messages


KINDS = {
    "pdf": Kind("application/pdf", ".pdf", N_("a PDF document")),
    "docx": Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                 ".docx", N_("a Word document (.docx)")),
    "png": Kind("image/png", ".png", N_("a PNG image")),
    "jpeg": Kind("image/jpeg", ".jpg", N_("a JPEG image")),
}
# What the name may say, for each kind the content may be.
EXTENSIONS = {".pdf": "pdf", ".docx": "docx", ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg"}
# Kinds that are refused, named in the message.
_OTHER_LABELS = {"html": N_("a web page (HTML)"), "zip": N_("a zip archive"),
                 "ole": N_("an old Word/Excel file or a file with a password"),
                 "text": N_("a text file"), "other": N_("another kind of file")}

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class DocumentError(ValueError):
    """The upload is not a document the tracker keeps; str() is the message to show."""


@dataclass(frozen=True)
class CheckedDocument:
    """An upload that passed `check_document`: what the database records about it."""

    name: str           # the user's file name, cleaned: offered again on download
    kind: str           # a key of KINDS
    size: int
    sha256: str
    data: bytes = field(repr=False)

    @property
    def media_type(self) -> str:
        return KINDS[self.kind].media_type

    @property
    def extension(self) -> str:
        return KINDS[self.kind].extension


def check_document(data: bytes, filename: str, max_bytes: int = DEFAULT_MAX_BYTES) -> CheckedDocument:
    """Accept `data` if its content is a PDF, a Word .docx, a PNG or a JPEG image, its size
    at most `max_bytes`, and its name (when it has an extension) says the same kind.

    :raise DocumentError: with the message to show.
    """
    name = clean_filename(filename)
    extension = _extension(name)
    shown = name or _("the file")
    if not data:
        raise DocumentError(_("The file “%(name)s” is empty. Choose the document's file and "
                              "try again.", name=shown))
    if len(data) > max_bytes:
        raise DocumentError(_("The file “%(name)s” is %(size)s, larger than the %(limit)s "
                              "allowed. Attach a smaller copy (a scan at a lower resolution, "
                              "or a PDF of the document alone).", name=shown,
                              size=format_size(len(data)), limit=format_size(max_bytes)))
    kind = sniff(data)
    if kind == "zip":
        kind = _check_docx(data, shown)
    if kind == "ole" or extension == ".doc":
        raise DocumentError(_("The file “%(name)s” is in the old Word format (.doc) or has a "
                              "password. Save it as PDF or as .docx without a password and "
                              "attach it again.", name=shown))
    if extension and extension not in EXTENSIONS:
        raise DocumentError(_("The file “%(name)s” cannot be attached: only PDF, Word (.docx), "
                              "PNG and JPEG files are taken.", name=shown))
    if kind not in KINDS or (extension and EXTENSIONS[extension] != kind):
        found = _(KINDS[kind].label if kind in KINDS else _OTHER_LABELS[kind])
        if extension:
            raise DocumentError(_("The file “%(name)s” is named %(extension)s but holds "
                                  "%(found)s. Check that you chose the right file: only PDF, "
                                  "Word (.docx), PNG and JPEG files are taken.", name=shown,
                                  extension=extension, found=found))
        raise DocumentError(_("The file “%(name)s” holds %(found)s: only PDF, Word (.docx), "
                              "PNG and JPEG files are taken.", name=shown, found=found))
    if not extension:
        name = (name or "van-ban") + KINDS[kind].extension
    return CheckedDocument(name=name, kind=kind, size=len(data),
                           sha256=hashlib.sha256(data).hexdigest(), data=data)


def sniff(data: bytes) -> str:
    """The kind of file by its first bytes: a key of KINDS (a zip is "zip" until its members
    are looked at), or "html", "ole", "text", "other"."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(_PNG_MAGIC):
        return "png"
    if data.startswith(_JPEG_MAGIC):
        return "jpeg"
    if data.startswith(_ZIP_MAGIC):
        return "zip"
    if data.startswith(_OLE_MAGIC):
        return "ole"
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<meta",
                        b"<iframe", b"<svg")) or b"<html" in head or b"<script" in head:
        return "html"
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return "other"
    return "text"


def _check_docx(data: bytes, shown: str) -> str:
    """A Word document is a zip holding word/document.xml. Its directory is checked as an
    imported file's is (no member inflated); a macro-enabled document is refused."""
    damaged = _("The file “%(name)s” is damaged or not a real Word (.docx) document. Open it, "
                "save it again as .docx (or as PDF) and attach it again.", name=shown)
    try:
        archive = open_checked_zip(data, shown)
    except ReadError:
        raise DocumentError(damaged) from None
    members = {info.filename for info in archive.infolist()}
    if "word/document.xml" not in members:
        return "zip"
    if "[Content_Types].xml" not in members:
        raise DocumentError(damaged)
    if any(member.lower().endswith("vbaproject.bin") for member in members):
        raise DocumentError(_("The file “%(name)s” contains macros. Save it as a plain Word "
                              "document (.docx) or as PDF and attach it again.", name=shown))
    return "docx"


_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')


def clean_filename(filename: str | None) -> str:
    """The user's file name as it may be offered back: no folder, no control or reserved
    characters, NFC, at most MAX_NAME_CHARS characters (the extension kept)."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = " ".join(_UNSAFE_NAME.sub(" ", name).split()).strip(" .")
    if len(name) > MAX_NAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[:MAX_NAME_CHARS - len(extension) - 1].rstrip() + "." + extension
        else:
            name = name[:MAX_NAME_CHARS]
    return name


def _extension(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return f".{extension.lower()}" if dot and stem else ""


def format_size(size: int) -> str:
    """'850 KB', '1,5 MB', '20 MB' (Vietnamese decimal comma)."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    megabytes = f"{size / (1024 * 1024):.1f}".replace(".", ",").removesuffix(",0")
    return f"{megabytes} MB"


# --- storage -------------------------------------------------------------------------------

_STORED_NAME = re.compile(r"[0-9a-f]{32}\.(?:pdf|docx|png|jpg)")


class DocumentStore:
    """The documents' files, each under a generated name (kept in the database beside the
    user's own name), in a store of tracker/storage.py: a folder, or S3-compatible storage."""

    def __init__(self, files: Store) -> None:
        self.files = files

    @staticmethod
    def new_name(document: CheckedDocument) -> str:
        return uuid.uuid4().hex + document.extension

    @staticmethod
    def checked(stored_name: str) -> str:
        """A stored name; anything but a generated name is refused (ValueError), so a name
        read from the database can never reach another file."""
        if not _STORED_NAME.fullmatch(stored_name or ""):
            raise ValueError(f"not a stored document name: {stored_name!r}")
        return stored_name

    @contextmanager
    def written(self, stored_name: str, data: bytes) -> Iterator[None]:
        """Store the file whole (a partial one is never seen under its name), then run the
        block, typically the database commit: if it raises, the file is removed again.
        A store that cannot take the file raises OSError and the block does not run."""
        name = self.checked(stored_name)
        self.files.put(name, data)
        try:
            yield
        except BaseException:
            self.files.delete(name)
            raise

    def download(self, stored_name: str, **headers):
        """The file streamed as an attachment (see Store.download); None when it is missing."""
        return self.files.download(self.checked(stored_name), **headers)
