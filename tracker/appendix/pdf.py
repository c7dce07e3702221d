"""PDF of the print view, through headless Chromium's own print engine (`--print-to-pdf`).

The PDF is exactly what a user gets from the browser's Print command on the
print view: the same HTML and print.css (A4 landscape, repeated header row,
page numbers), rendered by Debian's `chromium` package.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Quiet, offline, throw-away profile: on a closed network Chromium otherwise keeps
# trying to reach Google's hosts.
FLAGS = (
    "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--no-pdf-header-footer", "--hide-scrollbars",
)


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


def html_to_pdf(html: str, chromium: str | None, timeout: float = 180) -> bytes:
    """Render a self-contained page (inline CSS, no network) to PDF bytes."""
    if not chromium:
        raise PdfUnavailable(
            "Máy chủ chưa cài Chromium nên chưa xuất được PDF. Hãy mở bản in và dùng lệnh In "
            "của trình duyệt (chọn “Lưu thành PDF”), hoặc tải bản Word."
        )
    if not _RENDERING.acquire(timeout=QUEUE_TIMEOUT):
        raise PdfUnavailable("Máy chủ đang bận tạo các tệp PDF khác. Hãy thử lại sau ít phút, "
                             "hoặc dùng lệnh In của trình duyệt trên bản in.")
    try:
        return _render(html, chromium, timeout)
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
