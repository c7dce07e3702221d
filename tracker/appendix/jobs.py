"""Large PDFs made by the worker, not by a web request (issue 10, defect 8).

Chromium takes ~2 s per 1,000 rows and more under load: a 5,000-item PDF held a sync
gunicorn worker for 13–31 s, and a 30,000-item consolidated one always outlived the web
timeout. Above TRACKER_PDF_BACKGROUND_ROWS rows the request only writes the print page into
the export folder and queues an `ExportJob`; the worker (the scheduler's `exports` job,
every few seconds) claims jobs one at a time, prints them next to the page, and the user's
waiting page turns into a download link. Any number of workers may run: a claim is an
UPDATE that succeeds for one of them, and it expires, so a crashed worker's job is taken up
again. Files and rows older than a day are removed.
"""
from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from tracker.appendix.pdf import PdfUnavailable, find_chromium, html_to_pdf
from tracker.extensions import db
from tracker.models import ExportJob, ExportState

log = logging.getLogger(__name__)
CLAIM = timedelta(minutes=10)     # longer than any PDF takes (html_to_pdf times out at 3)
KEEP = timedelta(days=1)


def export_folder() -> Path:
    folder = Path(current_app.config.get("TRACKER_EXPORT_FOLDER")
                  or os.path.join(current_app.instance_path, "exports"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def page_path(job_id: int) -> Path:
    return export_folder() / f"{job_id}.html"


def pdf_path(job_id: int) -> Path:
    return export_folder() / f"{job_id}.pdf"


def goes_to_background(rows: int) -> bool:
    return rows > current_app.config["TRACKER_PDF_BACKGROUND_ROWS"]


def queue_pdf(html: str, *, user_id: int, file_name: str, rows: int) -> ExportJob:
    """Queue the PDF of a print page; the caller commits. The page is written first, so a
    job the worker sees always has it."""
    job = ExportJob(user_id=user_id, file_name=file_name, rows=rows,
                    state=ExportState.QUEUED.value)
    db.session.add(job)
    db.session.flush()
    page_path(job.id).write_text(html, encoding="utf-8")
    return job


def job_of(job_id: int, user_id: int) -> ExportJob | None:
    """The user's own job (another user's is as good as missing)."""
    return db.session.scalar(sa.select(ExportJob).where(ExportJob.id == job_id,
                                                        ExportJob.user_id == user_id))


def claim_next(now: datetime) -> int | None:
    """Take the oldest queued job, or one whose worker's claim ran out; its id, or None."""
    candidate = db.session.scalar(
        sa.select(ExportJob.id)
        .where(sa.or_(ExportJob.state == ExportState.QUEUED.value,
                      sa.and_(ExportJob.state == ExportState.RUNNING.value,
                              ExportJob.claimed_until < now)))
        .order_by(ExportJob.id).limit(1))
    if candidate is None:
        return None
    taken = db.session.execute(
        sa.update(ExportJob)
        .where(ExportJob.id == candidate,
               sa.or_(ExportJob.state == ExportState.QUEUED.value,
                      sa.and_(ExportJob.state == ExportState.RUNNING.value,
                              ExportJob.claimed_until < now)))
        .values(state=ExportState.RUNNING.value, claimed_until=now + CLAIM)
    ).rowcount
    db.session.commit()
    return candidate if taken == 1 else None


def run_export_jobs(now: datetime | None = None, *, limit: int = 5) -> int:
    """Print up to `limit` queued jobs; how many were finished (done or failed)."""
    finished = 0
    for _ in range(limit):
        job_id = claim_next(now or datetime.now(UTC))
        if job_id is None:
            break
        _print(job_id)
        finished += 1
    purge_old(now or datetime.now(UTC))
    return finished


def _print(job_id: int) -> None:
    state, error = ExportState.DONE, None
    try:
        html = page_path(job_id).read_text(encoding="utf-8")
        data = html_to_pdf(html, find_chromium(current_app.config.get("CHROMIUM_PATH")))
        partial = pdf_path(job_id).with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(pdf_path(job_id))
    except PdfUnavailable as failure:
        state, error = ExportState.FAILED, str(failure)
    except OSError as failure:
        log.exception("export job %s: the export folder failed", job_id)
        state, error = ExportState.FAILED, f"Không ghi được tệp PDF ({failure.strerror})."
    db.session.execute(sa.update(ExportJob).where(ExportJob.id == job_id).values(
        state=state.value, error=error, finished_at=datetime.now(UTC), claimed_until=None))
    db.session.commit()


def purge_old(now: datetime) -> None:
    """Jobs, pages and PDFs older than a day go."""
    old = list(db.session.scalars(sa.select(ExportJob.id).where(ExportJob.created_at < now - KEEP)))
    for job_id in old:
        page_path(job_id).unlink(missing_ok=True)
        pdf_path(job_id).unlink(missing_ok=True)
    if old:
        db.session.execute(sa.delete(ExportJob).where(ExportJob.id.in_(old)))
        db.session.commit()
