"""The files the tracker keeps (documents, export pages and PDFs) behave the same in a folder
and in S3-compatible object storage, and several app instances that share only the bucket
(not a disk) see each other's files.

The S3 side talks HTTP to a real server on 127.0.0.1: it is moto's S3 server
(`moto.server.ThreadedMotoServer`, the test extra `moto[server]`), an emulation of the S3
API, not AWS, MinIO or Ceph themselves; it is the only S3 server the package registries
here offer. The client side is the production code path: boto3 with the endpoint URL,
region and keys from the settings.
"""
from __future__ import annotations

import hashlib
import io
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
import sqlalchemy as sa
from conftest import PASSWORD, IsolatedClient
from factories import make_plan
from flask import current_app
from moto.server import ThreadedMotoServer
from test_documents import PDF

from tracker import create_app
from tracker.appendix import jobs
from tracker.extensions import db
from tracker.models import Attachment, ExportJob
from tracker.storage import DOCUMENTS, EXPORTS, FolderStore, S3Store, StorageError, store_for

KEYS = {"TRACKER_S3_ACCESS_KEY_ID": "tracker-test", "TRACKER_S3_SECRET_ACCESS_KEY": "not-secret",
        "TRACKER_S3_REGION": "us-east-1"}


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3 server on a free port of 127.0.0.1, for this module's tests."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_settings(endpoint: str) -> dict:
    """The settings of a fresh bucket on the server (created as an administrator would)."""
    bucket = f"tracker-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                 aws_access_key_id="tracker-test",
                 aws_secret_access_key="not-secret").create_bucket(Bucket=bucket)
    return {"TRACKER_STORAGE": "s3", "TRACKER_S3_BUCKET": bucket,
            "TRACKER_S3_ENDPOINT_URL": endpoint, "TRACKER_S3_PREFIX": "province/", **KEYS}


@pytest.fixture(params=["folder", "s3"])
def place(request, tmp_path) -> dict:
    """The storage settings of one place: the folders (as today), or a bucket of its own."""
    if request.param == "folder":
        return {"TRACKER_STORAGE": "folder",
                "TRACKER_DOCUMENT_FOLDER": str(tmp_path / "documents"),
                "TRACKER_EXPORT_FOLDER": str(tmp_path / "exports")}
    return s3_settings(request.getfixturevalue("s3_endpoint"))


@pytest.fixture
def exports(app, place):
    """The app on that place; its export store."""
    app.config.update(place)
    return store_for(app, EXPORTS)


def test_a_store_keeps_reads_and_removes_files(exports):
    """Put, read back, test, remove; a missing file is FileNotFoundError on reading, None as a
    download, no error on removing; a name with a path or a dot first is refused."""
    exports.put("7.pdf", b"%PDF-1.7 one")
    exports.put("7.pdf", b"%PDF-1.7 two")          # replaced whole
    assert exports.get("7.pdf") == b"%PDF-1.7 two" and exports.exists("7.pdf")
    exports.delete("7.pdf")
    exports.delete("7.pdf")
    assert not exports.exists("7.pdf")
    with pytest.raises(FileNotFoundError):
        exports.get("7.pdf")
    with current_app.test_request_context():
        assert exports.download("7.pdf", mimetype="application/pdf", download_name="a.pdf") is None
    for name in ("../7.pdf", "a/7.pdf", ".7.pdf", "", "7.pdf/..", "/etc/passwd"):
        with pytest.raises(ValueError):
            exports.put(name, b"x")


def test_a_download_streams_the_file_under_its_name(exports):
    """A download is an attachment under the (Vietnamese) name asked for, with its length, and
    its bytes arrive in chunks: a file of 1 MiB is never one piece of the response."""
    data = bytes(range(256)) * 4096
    exports.put("8.pdf", data)
    with current_app.test_request_context():
        response = exports.download("8.pdf", mimetype="application/pdf",
                                    download_name="Phụ lục.pdf", etag="abc")
        chunks = list(response.response)
        response.close()
    assert b"".join(chunks) == data and len(chunks) > 1
    assert response.content_length == len(data)
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''Ph%E1%BB%A5%20l%E1%BB%A5c.pdf" in response.headers["Content-Disposition"]
    assert response.headers["ETag"] == '"abc"'


def test_the_clean_up_removes_only_files_older_than_the_cutoff(exports):
    """Files written before the cutoff go, later ones stay, on either place."""
    exports.put("1.html", b"<p>old</p>")
    now = datetime.now(UTC)
    assert exports.remove_older_than(now - timedelta(minutes=5)) == []
    assert exports.exists("1.html")
    assert exports.remove_older_than(now + timedelta(minutes=5)) == ["1.html"]
    assert not exports.exists("1.html")


def test_old_export_jobs_leave_nothing_in_the_store(app, client, auth, make_user, exports,
                                                   monkeypatch):
    """The worker's clean-up removes a day-old job's page and PDF, and any file left
    without a job (a crash between writing the page and the commit), from either place."""
    monkeypatch.setattr(jobs, "_last_sweep", None)
    job_id = queue_and_print(app, client, auth, make_user, monkeypatch)
    exports.put("99.html", b"orphan")
    assert exports.exists(jobs.pdf_name(job_id))
    with app.test_request_context():
        jobs.run_export_jobs(datetime.now(UTC) + timedelta(days=2), limit=0)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExportJob)) == 0
    for name in (jobs.page_name(job_id), jobs.pdf_name(job_id), "99.html"):
        assert not exports.exists(name), name


def test_a_job_whose_page_is_gone_fails_and_says_why(app, client, auth, make_user, exports,
                                                     monkeypatch):
    """A queued job whose print page is missing from the store fails (no crash of the
    worker's loop), its error naming the missing file, on either place."""
    monkeypatch.setattr(jobs, "html_to_pdf", fake_pdf)
    app.config["TRACKER_PDF_BACKGROUND_ROWS"] = 5
    plan = make_plan(8)
    auth.login(make_user("manager", "Sở Công Thương"))
    assert client.get(f"/plans/{plan.id}/appendix.pdf").status_code == 303
    job_id = db.session.scalar(sa.select(ExportJob.id))
    exports.delete(jobs.page_name(job_id))
    with app.test_request_context():
        assert jobs.run_export_jobs() == 1
    job = db.session.get(ExportJob, job_id)
    assert job.state == "failed"
    assert "No such file" in job.error or "không có tệp này" in job.error


def fake_pdf(html: str, _chromium) -> bytes:
    """Stands in for Chromium: what is tested here is where the bytes go, not the printing."""
    return b"%PDF-1.7 " + hashlib.sha256(html.encode()).hexdigest().encode()


def queue_and_print(app, client, auth, make_user, monkeypatch) -> int:
    monkeypatch.setattr(jobs, "html_to_pdf", fake_pdf)
    monkeypatch.setattr(jobs, "find_chromium", lambda configured: "chromium")
    app.config["TRACKER_PDF_BACKGROUND_ROWS"] = 5
    plan = make_plan(8)
    auth.login(make_user("manager", "Sở Công Thương"))
    assert client.get(f"/plans/{plan.id}/appendix.pdf").status_code == 303
    with app.test_request_context():
        assert jobs.run_export_jobs() == 1
    return db.session.scalar(sa.select(ExportJob.id))


# ------------------------------------------------------------------ several nodes


def node(database_url: str, place: dict, folder: Path):
    """Another app instance on the same database and the same storage settings, on a machine
    of its own: its instance folder (and, for the folder place, its folders) are its own."""
    settings = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                "WTF_CSRF_ENABLED": False, "TRACKER_BASE_URL": "https://theodoi.example.vn",
                **place}
    if place["TRACKER_STORAGE"] == "folder":
        settings.update(TRACKER_DOCUMENT_FOLDER=str(folder / "documents"),
                        TRACKER_EXPORT_FOLDER=str(folder / "exports"))
    other = create_app(settings)
    other.test_client_class = IsolatedClient
    return other


@pytest.fixture
def shared(app, tmp_path, s3_endpoint, database_url):
    """Three app instances sharing one database and one bucket, nothing on disk: the web node
    that takes the request (`app`), a worker node, and a second web node."""
    place = s3_settings(s3_endpoint)
    app.config.update(place)
    worker = node(database_url, place, tmp_path / "worker")
    web2 = node(database_url, place, tmp_path / "web2")
    yield worker, web2
    for other in (worker, web2):
        with other.app_context():
            db.engine.dispose()


def test_a_pdf_printed_by_a_worker_node_is_downloaded_from_another_web_node(
        app, client, auth, make_user, shared, monkeypatch, tmp_path):
    """Web node 1 queues the PDF (its page into the bucket), the worker node prints it (page
    read from, PDF written to the bucket), web node 2 serves it to its owner only; no node's
    own folder holds a file."""
    worker, web2 = shared
    monkeypatch.setattr(jobs, "html_to_pdf", fake_pdf)
    monkeypatch.setattr(jobs, "find_chromium", lambda configured: "chromium")
    app.config["TRACKER_PDF_BACKGROUND_ROWS"] = 5
    plan = make_plan(8)
    owner = make_user("manager", "Sở Công Thương")
    other = make_user("manager", "Sở Công Thương")
    auth.login(owner)
    assert client.get(f"/plans/{plan.id}/appendix.pdf").status_code == 303
    job_id = db.session.scalar(sa.select(ExportJob.id))
    owner_email, other_email = owner.email, other.email

    with worker.app_context():
        assert jobs.run_export_jobs() == 1
        page = store_for(worker, EXPORTS).get(jobs.page_name(job_id)).decode()
        db.session.remove()
    assert "Đề án số 8" in page

    with web2.app_context():
        browser = web2.test_client()
        login_as(browser, owner_email)
        response = browser.get(f"/exports/{job_id}/file")
        assert response.status_code == 200
        assert response.data == fake_pdf(page, None)
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert "no-store" in response.headers["Cache-Control"]
        stranger = web2.test_client()
        login_as(stranger, other_email)
        assert stranger.get(f"/exports/{job_id}/file").status_code == 404
        db.session.remove()
    assert list(tmp_path.rglob("*.pdf")) == [] and list(tmp_path.rglob("*.html")) == []


def test_a_document_uploaded_on_one_node_is_downloaded_from_another(app, client, auth, officer,
                                                                    shared):
    """An officer's Tờ trình sent to web node 1 lands in the bucket; a reader of the item on
    web node 2 downloads the same bytes."""
    _worker, web2 = shared
    auth.login(officer)
    response = client.post("/items/1/status", content_type="multipart/form-data", data={
        "status": "submitted", "document_ref": "45/TTr-SCT", "document_date": "20/9/2020",
        "version": "1", "document_file": (io.BytesIO(PDF), "Tờ trình.pdf")})
    assert response.status_code == 302
    attachment = db.session.scalars(sa.select(Attachment)).one()
    assert store_for(app, DOCUMENTS).exists(attachment.stored_name)
    attachment_id, email = attachment.id, officer.email
    with web2.app_context():
        browser = web2.test_client()
        login_as(browser, email)
        download = browser.get(f"/items/1/documents/{attachment_id}")
        assert (download.status_code, download.data) == (200, PDF)
        db.session.remove()


def login_as(browser, email: str) -> None:
    """Sign in on another node; `email` read beforehand, as touching the first node's ORM
    objects inside another node's app context would borrow that node's connections."""
    response = browser.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code


def test_folders_that_are_not_shared_do_not_serve_each_others_files(
        app, client, auth, make_user, tmp_path, database_url, monkeypatch):
    """The counter-check of the test above: two nodes with folders of their own (not shared)
    cannot serve the worker's PDF (the worker finds no page: the job fails, saying so) — what
    the bucket is for."""
    place = {"TRACKER_STORAGE": "folder"}
    worker = node(database_url, place, tmp_path / "worker")
    web2 = node(database_url, place, tmp_path / "web2")
    monkeypatch.setattr(jobs, "html_to_pdf", fake_pdf)
    monkeypatch.setattr(jobs, "find_chromium", lambda configured: "chromium")
    app.config["TRACKER_PDF_BACKGROUND_ROWS"] = 5
    plan = make_plan(8)
    owner = make_user("manager", "Sở Công Thương")
    auth.login(owner)
    assert client.get(f"/plans/{plan.id}/appendix.pdf").status_code == 303
    job_id = db.session.scalar(sa.select(ExportJob.id))
    email = owner.email
    with worker.app_context():
        jobs.run_export_jobs()   # the page is on web node 1's disk: the job fails
        db.session.remove()
    job = db.session.get(ExportJob, job_id)
    assert job.state == "failed" and "No such file" in job.error
    with web2.app_context():
        browser = web2.test_client()
        login_as(browser, email)
        assert browser.get(f"/exports/{job_id}/file").status_code == 404
        db.session.remove()
    for other in (worker, web2):
        with other.app_context():
            db.engine.dispose()


# ------------------------------------------------------------------ failures


def test_an_unreachable_bucket_is_an_oserror(app):
    """An endpoint nobody answers on is a StorageError (an OSError, as a full disk is), so the
    callers' one `except OSError` covers both places."""
    app.config.update({"TRACKER_STORAGE": "s3", "TRACKER_S3_BUCKET": "tracker",
                       "TRACKER_S3_ENDPOINT_URL": "http://127.0.0.1:9", "TRACKER_S3_TIMEOUT": 1,
                       **KEYS})
    documents = store_for(app, DOCUMENTS)
    assert isinstance(documents, S3Store)
    with pytest.raises(StorageError) as failure:
        documents.put("a.pdf", PDF)
    assert isinstance(failure.value, OSError) and "S3" in failure.value.strerror


def test_the_folder_is_the_default(app, tmp_path):
    """Without TRACKER_STORAGE the files stay in the folders as before."""
    app.config.pop("TRACKER_STORAGE", None)
    documents = store_for(app, DOCUMENTS)
    assert isinstance(documents, FolderStore)
    assert documents.folder == tmp_path / "documents"
