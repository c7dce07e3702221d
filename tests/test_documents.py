"""The document file of an update: its kind judged by its content, its size, its name, and the
folder that keeps it (tracker/documents.py, no database, no request)."""
from __future__ import annotations

import hashlib
import io
import os
import unicodedata
import zipfile

import pytest

from tracker.documents import (
    KINDS,
    DocumentError,
    DocumentStore,
    check_document,
    clean_filename,
    format_size,
    sniff,
)
from tracker.storage import FolderStore

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def word_file(extra: dict[str, bytes] | None = None, *, document: bool = True) -> bytes:
    """A minimal .docx: a zip with [Content_Types].xml and word/document.xml."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        if document:
            archive.writestr("word/document.xml", "<w:document/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def refused(data: bytes, name: str, max_bytes: int = 20 * 1024 * 1024) -> str:
    with pytest.raises(DocumentError) as caught:
        check_document(data, name, max_bytes)
    return str(caught.value)


@pytest.mark.parametrize(("data", "name", "kind", "media_type"), [
    (PDF, "Tờ trình 45-TTr-SCT.pdf", "pdf", "application/pdf"),
    (word_file(), "Quyết định 123.docx", "docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (PNG, "cong-van.png", "png", "image/png"),
    (JPEG, "cong-van.jpg", "jpeg", "image/jpeg"),
    (JPEG, "CONG-VAN.JPEG", "jpeg", "image/jpeg"),
], ids=["pdf", "docx", "png", "jpg", "jpeg"])
def test_the_four_kinds_are_taken_by_their_content(data, name, kind, media_type):
    """PDF, Word .docx, PNG and JPEG are taken; what the database records is known."""
    document = check_document(data, name)
    assert (document.kind, document.media_type, document.name) == (kind, media_type, name)
    assert document.size == len(data)
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.data == data


def test_a_web_page_named_pdf_is_refused_in_vietnamese():
    """The name says PDF, the content is HTML: refused, whatever the name."""
    message = refused(HTML, "to-trinh.pdf")
    assert message == ("Tệp “to-trinh.pdf” có đuôi .pdf nhưng nội dung là trang web (HTML). Hãy "
                       "kiểm tra đã chọn đúng tệp: chỉ nhận tệp PDF, Word (.docx), PNG và JPEG.")


@pytest.mark.parametrize(("data", "name", "found"), [
    (PDF, "quyet-dinh.docx", "tài liệu PDF"),
    (PNG, "to-trinh.pdf", "ảnh PNG"),
    (word_file(), "anh.jpg", "tài liệu Word (.docx)"),
    (b"Danh sach\nmot dong\n", "to-trinh.pdf", "tệp văn bản"),
    (word_file(document=False), "to-trinh.docx", "tệp nén (zip)"),
    (b"\x00\x01\x02\xfe\xff" * 20, "anh.png", "một loại tệp khác"),
], ids=["pdf-as-docx", "png-as-pdf", "docx-as-jpg", "text-as-pdf", "zip-as-docx", "binary-as-png"])
def test_a_name_that_does_not_match_the_content_is_refused(data, name, found):
    """A file whose extension does not match its content is refused, naming what the content is."""
    assert f"nội dung là {found}" in refused(data, name)


@pytest.mark.parametrize("payload", [
    b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
    b"\n\n  <HTML><body>x</body></HTML>",
    b"hello <script>alert(1)</script>",
], ids=["svg", "html", "script"])
def test_markup_is_recognised_as_a_web_page(payload):
    """SVG, HTML and script markup are recognised as a web page and refused as "trang web (HTML)"."""
    assert sniff(payload) == "html"
    assert "trang web (HTML)" in refused(payload, "")


def test_without_an_extension_the_content_decides_and_names_the_download():
    """A file without an extension takes its kind from its content, which gives the download
    name's extension."""
    document = check_document(PDF, "Tờ trình")
    assert (document.kind, document.name) == ("pdf", "Tờ trình.pdf")
    assert check_document(PNG, "").name == "van-ban.png"


@pytest.mark.parametrize("name", ["chuong-trinh.exe", "to-trinh.html", "bang.xlsx", "a.pdf.js"])
def test_other_extensions_are_refused_even_with_a_pdf_inside(name):
    """Any extension but PDF, Word .docx, PNG and JPEG is refused, even with a PDF inside,
    saying what is taken."""
    assert refused(PDF, name) == (f"Không đính kèm được tệp “{name}”: chỉ nhận tệp PDF, Word "
                                  f"(.docx), PNG và JPEG.")


def test_old_word_files_and_password_protected_ones_are_refused():
    """Old Word .doc files and password-protected ones (OLE containers) are refused, saying why."""
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100
    for data, name in ((ole, "to-trinh.doc"), (ole, "to-trinh.docx"), (HTML, "to-trinh.doc")):
        assert "định dạng Word cũ (.doc) hoặc có mật khẩu" in refused(data, name)


def test_a_macro_enabled_word_file_is_refused():
    """A Word file that holds macros is refused as "có chứa macro"."""
    data = word_file({"word/vbaProject.bin": b"\x00" * 10})
    assert "có chứa macro" in refused(data, "to-trinh.docx")


def test_a_broken_zip_named_docx_is_refused_as_damaged():
    """A truncated .docx is refused as damaged or not a real Word file."""
    data = word_file()[:-30]
    assert "bị hỏng hoặc không phải tệp Word (.docx) thật" in refused(data, "to-trinh.docx")


def test_a_zip_bomb_is_refused_by_the_imports_checks_without_being_inflated():
    """The zip's directory is checked as an imported file's (tracker/appendix/readers.py):
    60 MB of spaces packed into a .docx is refused."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as member:
            for _ in range(60):
                member.write(b" " * (1024 * 1024))
    data = out.getvalue()
    assert len(data) < 1024 * 1024
    assert "bị hỏng" in refused(data, "bom.docx")


def test_an_empty_file_is_refused():
    """An empty file is refused, asking for the right file."""
    assert refused(b"", "to-trinh.pdf") == ("Tệp “to-trinh.pdf” trống. Hãy chọn đúng tệp văn bản "
                                            "rồi thử lại.")


def test_the_size_limit_counts_bytes_and_says_both_sizes():
    """A file of exactly the limit is taken; a larger one is refused, giving its size and the limit."""
    limit = 2 * 1024 * 1024
    data = PDF + b"0" * (limit - len(PDF))
    assert check_document(data, "vua-du.pdf", limit).size == limit
    message = refused(data + b"0" * (limit // 2), "qua-lon.pdf", limit)
    assert message.startswith("Tệp “qua-lon.pdf” có dung lượng 3 MB, vượt mức tối đa 2 MB.")


def test_the_size_is_checked_before_the_content():
    """A file over the limit is refused for its size before its content is looked at."""
    assert "vượt mức tối đa" in refused(HTML * 100, "x.pdf", max_bytes=100)


@pytest.mark.parametrize(("raw", "clean"), [
    ("C:\\Users\\cv\\Desktop\\Tờ trình 45.pdf", "Tờ trình 45.pdf"),
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("bad\x00name\r\n<x>.pdf", "bad name x .pdf"),
    (unicodedata.normalize("NFD", "Quyết định.pdf"), "Quyết định.pdf"),
    ("  .hidden.pdf ", "hidden.pdf"),
    ("a" * 300 + ".docx", "a" * 195 + ".docx"),
    ("", ""),
])
def test_the_users_file_name_is_cleaned_for_the_download(raw, clean):
    """The user's file name loses its folders, control characters and markup, is NFC and at most
    200 characters."""
    assert clean_filename(raw) == clean


@pytest.mark.parametrize(("size", "text"), [
    (45, "45 B"), (2048, "2 KB"), (1024 * 1024, "1 MB"), (1572864, "1,5 MB"),
    (20 * 1024 * 1024, "20 MB"),
])
def test_sizes_are_written_the_vietnamese_way(size, text):
    """File sizes are written in B, KB or MB with a decimal comma, the Vietnamese way."""
    assert format_size(size) == text


# --- the folder ----------------------------------------------------------------------------

def test_a_stored_file_gets_a_generated_name_never_the_users(tmp_path):
    """A stored file gets a random name with its kind's extension, never the user's name."""
    document = check_document(PDF, "../../Tờ trình.pdf")
    names = {DocumentStore.new_name(document) for _ in range(50)}
    assert len(names) == 50
    assert all(len(name) == 36 and name.endswith(".pdf") for name in names)
    assert DocumentStore.new_name(check_document(JPEG, "a.jpeg")).endswith(".jpg")
    assert {kind.extension for kind in KINDS.values()} == {".pdf", ".docx", ".png", ".jpg"}


@pytest.mark.parametrize("name", ["../x.pdf", "/etc/passwd", "Tờ trình.pdf", "A" * 32 + ".pdf",
                                  "0" * 32 + ".html", "0" * 32 + ".pdf/../x", ""])
def test_only_generated_names_reach_the_folder(tmp_path, name):
    """The document folder accepts only generated names: no path, user's name or other extension."""
    with pytest.raises(ValueError):
        DocumentStore.checked(name)
    with pytest.raises(ValueError), DocumentStore(FolderStore(tmp_path)).written(name, PDF):
        pass
    assert os.listdir(tmp_path) == []


def test_the_file_is_kept_when_the_block_succeeds(tmp_path):
    """A file written for a block that succeeds stays in the folder under its generated name."""
    store = DocumentStore(FolderStore(tmp_path / "documents"))
    name = DocumentStore.new_name(check_document(PDF, "a.pdf"))
    with store.written(name, PDF):
        assert store.files.get(name) == PDF
    assert os.listdir(store.files.folder) == [name]
    assert (tmp_path / "documents" / name).read_bytes() == PDF


def test_the_file_is_removed_when_the_block_fails(tmp_path):
    """The block is the database commit: if it fails, no file stays behind."""
    store = DocumentStore(FolderStore(tmp_path))
    name = DocumentStore.new_name(check_document(PDF, "a.pdf"))
    with pytest.raises(RuntimeError), store.written(name, PDF):
        raise RuntimeError("the commit failed")
    assert os.listdir(tmp_path) == []


def test_a_write_that_fails_leaves_nothing_and_runs_no_block(tmp_path, monkeypatch):
    """A write that fails (disk full) leaves no file and does not run the block."""
    store = DocumentStore(FolderStore(tmp_path))
    name = DocumentStore.new_name(check_document(PDF, "a.pdf"))
    monkeypatch.setattr(os, "replace", lambda *args: (_ for _ in ()).throw(OSError("disk full")))
    ran = []
    with pytest.raises(OSError), store.written(name, PDF):
        ran.append(True)
    assert ran == [] and os.listdir(tmp_path) == []
