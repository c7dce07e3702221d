"""A large PDF is made by the worker, not by the web request: the request queues it and
answers a waiting page; the worker's job prints it; only its owner sees and downloads it."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from browser_support import chromium_path
from factories import make_plan

from tracker.appendix.jobs import claim_next, export_store, page_name, pdf_name, run_export_jobs
from tracker.extensions import db
from tracker.models import ExportJob


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def big(app):
    """A threshold of 5 rows, so a plan of 8 items counts as large."""
    app.config["TRACKER_PDF_BACKGROUND_ROWS"] = 5
    return make_plan(8)


@pytest.fixture
def manager(make_user, big):
    return make_user("manager", "Sở Công Thương")


def ask_pdf(client, plan_id: int):
    response = client.get(f"/plans/{plan_id}/appendix.pdf?progress=1")
    assert response.status_code == 303, text(response)[:300]
    return response.headers["Location"]


def test_a_large_pdf_is_queued_and_the_page_waits(app, client, auth, manager, big):
    """The request answers at once with a waiting page that refreshes itself; nothing is
    printed in the request; the print page waits in the export folder."""
    auth.login(manager)
    location = ask_pdf(client, big.id)
    job = db.session.scalar(sa.select(ExportJob))
    assert location.endswith(f"/exports/{job.id}")
    assert (job.state, job.rows, job.user_id) == ("queued", 8, manager.id)
    assert job.file_name.endswith("-tien-do.pdf")
    with app.test_request_context():
        assert "Đề án số 8 về phát triển" in export_store().get(page_name(job.id)).decode()
    page = text(client.get(location))
    assert 'http-equiv="refresh"' in page and "Đang chờ đến lượt" in page
    assert client.get(f"/exports/{job.id}/file").status_code == 404   # not made yet


def test_a_small_pdf_is_still_made_in_the_request(app, client, auth, make_user):
    """A small plan's PDF is made within the request (503 without Chromium), with no export job."""
    app.config["CHROMIUM_PATH"] = "/nonexistent/chromium"
    plan = make_plan(3)
    auth.login(make_user("manager", "Sở Công Thương"))
    assert client.get(f"/plans/{plan.id}/appendix.pdf").status_code == 503  # tried at once
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExportJob)) == 0


def test_the_worker_prints_it_and_its_owner_downloads_it(app, client, auth, manager, big,
                                                        make_user):
    """A large PDF is made by the worker; only the user who asked sees the job and downloads the file."""
    app.config["CHROMIUM_PATH"] = chromium_path()
    auth.login(manager)
    location = ask_pdf(client, big.id)
    assert run_export_jobs() == 1
    job = db.session.scalar(sa.select(ExportJob))
    db.session.refresh(job)
    assert job.state == "done" and job.error is None
    page = text(client.get(location))
    assert 'http-equiv="refresh"' not in page and f"/exports/{job.id}/file" in page
    response = client.get(f"/exports/{job.id}/file")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert job.file_name in response.headers["Content-Disposition"]
    auth.logout()
    # Anyone else, even a manager of the same agency, finds nothing there.
    auth.login(make_user("manager", "Sở Công Thương"))
    assert client.get(location).status_code == 404
    assert client.get(f"/exports/{job.id}/file").status_code == 404


def test_without_chromium_the_job_fails_and_says_why(app, client, auth, manager, big):
    """Without Chromium the export job fails and its page says "chưa cài Chromium", no longer refreshing."""
    app.config["CHROMIUM_PATH"] = "/nonexistent/chromium"
    auth.login(manager)
    location = ask_pdf(client, big.id)
    run_export_jobs()
    page = text(client.get(location))
    assert "chưa cài Chromium" in page and 'http-equiv="refresh"' not in page


def test_a_job_is_claimed_once_and_a_dead_workers_claim_expires(app, client, auth, manager,
                                                               big):
    """An export job is claimed by one worker at a time; a dead worker's claim expires after 10 minutes."""
    auth.login(manager)
    ask_pdf(client, big.id)
    now = datetime.now(UTC)
    first = claim_next(now)
    assert first is not None and claim_next(now) is None        # taken: nobody else gets it
    assert claim_next(now + timedelta(minutes=11)) == first      # its worker died
    assert db.session.get(ExportJob, first).state == "running"


def test_jobs_older_than_a_day_are_removed_with_their_files(app, client, auth, manager, big):
    """Export jobs older than a day are removed with their files."""
    auth.login(manager)
    ask_pdf(client, big.id)
    job_id = db.session.scalar(sa.select(ExportJob.id))
    with app.test_request_context():
        export_store().put(pdf_name(job_id), b"%PDF-1.7")
        assert export_store().exists(page_name(job_id))
    run_export_jobs(datetime.now(UTC) + timedelta(days=2), limit=0)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExportJob)) == 0
    with app.test_request_context():
        assert not export_store().exists(page_name(job_id))
        assert not export_store().exists(pdf_name(job_id))
