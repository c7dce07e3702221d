"""Large PDFs made by the worker, not by a web request (issue 10, defect 8).

Chromium takes ~2 s per 1,000 rows and more under load: a 5,000-item PDF held a sync
gunicorn worker for 13–31 s, and a 30,000-item consolidated one always outlived the web
timeout. Above TRACKER_PDF_BACKGROUND_ROWS rows the request only writes the print page into
the export storage and queues an `ExportJob`; the worker (the scheduler's `exports` job,
every few seconds) claims jobs one at a time, prints them next to the page, and the user's
waiting page turns into a download link. Any number of workers may run: a claim is an
UPDATE that succeeds for one of them, and it expires, so a crashed worker's job is taken up
again. Files and rows older than a day are removed.

The pages and PDFs are kept in the export store (tracker/storage.py): a folder, or a bucket
of S3-compatible object storage, so the worker that prints a PDF and the web node that
serves it need not share a disk.
"""
from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from tracker.appendix.pdf import PdfUnavailable, find_chromium, html_to_pdf
from tracker.extensions import db
from tracker.models import ExportJob, ExportState
from tracker.storage import EXPORTS, Store, store

log = logging.getLogger(__name__)
CLAIM = timedelta(minutes=10)     # longer than any PDF takes (html_to_pdf times out at 3)
KEEP = timedelta(days=1)
SWEEP_EVERY = timedelta(hours=1)   # listing a whole bucket every few seconds would be waste
_last_sweep: datetime | None = None


def export_store() -> Store:
    return store(EXPORTS)


def page_name(job_id: int) -> str:
    return f"{job_id}.html"


def pdf_name(job_id: int) -> str:
    return f"{job_id}.pdf"


def goes_to_background(rows: int) -> bool:
    return rows > current_app.config["TRACKER_PDF_BACKGROUND_ROWS"]


def queue_pdf(html: str, *, user_id: int, file_name: str, rows: int) -> ExportJob:
    """Queue the PDF of a print page; the caller commits. The page is written first, so a
    job the worker sees always has it."""
    job = ExportJob(user_id=user_id, file_name=file_name, rows=rows,
                    state=ExportState.QUEUED.value)
    db.session.add(job)
    db.session.flush()
    export_store().put(page_name(job.id), html.encode("utf-8"))
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
        html = export_store().get(page_name(job_id)).decode("utf-8")
        data = html_to_pdf(html, find_chromium(current_app.config.get("CHROMIUM_PATH")))
        export_store().put(pdf_name(job_id), data)
    except PdfUnavailable as failure:
        state, error = ExportState.FAILED, str(failure)
    except OSError as failure:
        log.exception("export job %s: the export storage failed", job_id)
        state, error = ExportState.FAILED, f"Không ghi được tệp PDF ({failure.strerror})."
    db.session.execute(sa.update(ExportJob).where(ExportJob.id == job_id).values(
        state=state.value, error=error, finished_at=datetime.now(UTC), claimed_until=None))
    db.session.commit()


def purge_old(now: datetime) -> None:
    """Jobs, pages and PDFs older than a day go; so does any other file of the export store
    older than that (one a crash left without its row), at most once an hour per process."""
    global _last_sweep
    old = list(db.session.scalars(sa.select(ExportJob.id).where(ExportJob.created_at < now - KEEP)))
    exports = export_store()
    try:
        for job_id in old:
            exports.delete(page_name(job_id))
            exports.delete(pdf_name(job_id))
        if _last_sweep is None or not timedelta(0) <= now - _last_sweep < SWEEP_EVERY:
            exports.remove_older_than(now - KEEP)
            _last_sweep = now
    except OSError:
        log.exception("export clean-up: the export storage (%s) failed", exports.where)
        return      # the rows stay, so their files are tried again next time
    if old:
        db.session.execute(sa.delete(ExportJob).where(ExportJob.id.in_(old)))
        db.session.commit()
