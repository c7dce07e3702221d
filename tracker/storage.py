"""Where the files the tracker keeps live: the documents attached to updates, and the pages
and PDFs of background exports. One interface, two places (TRACKER_STORAGE):

- "folder" (the default): a folder per area, TRACKER_DOCUMENT_FOLDER and
  TRACKER_EXPORT_FOLDER (by default under the instance folder). Several machines need
  it to be one shared folder (NFS …).
- "s3": one bucket of S3-compatible object storage (AWS S3, MinIO, Ceph …) through boto3
  (the optional extra `s3`), keys `<TRACKER_S3_PREFIX><area>/<name>`. Nothing is shared
  but the bucket: a worker on one machine writes a PDF that a web node on another serves.

Downloads are streamed through the app from either place, after the view's permission
check, never handed out as a presigned URL: a presigned URL is a bearer link that anyone
holding it may use until it expires (it lands in browser history and proxy logs), the
bucket is often on a network the users' browsers cannot reach, and the app keeps setting
the headers a download needs (attachment under the Vietnamese name, no-store, a sandbox).
The cost, a web worker busy while the bytes pass, is bounded: documents are at most
TRACKER_DOCUMENT_MAX_BYTES, PDFs a few MB, and they pass in chunks, never whole in memory.

Every failure of the place (a full disk, an unreachable endpoint, a refused key) is an
OSError (`StorageError` for S3), so a caller has one thing to catch.
"""
from __future__ import annotations

import errno
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Protocol

from flask import Flask, Response, current_app, send_file

DOCUMENTS = "documents"
EXPORTS = "exports"
FOLDER_SETTINGS = {DOCUMENTS: "TRACKER_DOCUMENT_FOLDER", EXPORTS: "TRACKER_EXPORT_FOLDER"}

# A name is one plain path segment: it can never reach outside its folder or prefix.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*")
CHUNK = 64 * 1024


class StorageError(OSError):
    """The object storage failed (unreachable, refused, …); `strerror` says how."""


def checked_name(name: str) -> str:
    if not _NAME.fullmatch(name or ""):
        raise ValueError(f"not a storable file name: {name!r}")
    return name


class Store(Protocol):
    """One area's files (documents, or exports), wherever they are kept."""

    where: str      # for logs: the folder, or s3://bucket/prefix

    def put(self, name: str, data: bytes) -> None:
        """Store the file whole (a reader never sees half of it), replacing any of that name."""

    def get(self, name: str) -> bytes:
        """The file's bytes. :raise FileNotFoundError: when there is none."""

    def exists(self, name: str) -> bool: ...

    def delete(self, name: str) -> None:
        """Remove the file; a missing one is no error."""

    def remove_older_than(self, cutoff: datetime) -> list[str]:
        """Remove the files last written before `cutoff` (an aware datetime); their names."""

    def download(self, name: str, *, mimetype: str, download_name: str,
                 etag: str | None = None) -> Response | None:
        """The file as an attachment streamed to the browser; None when there is none."""


class FolderStore:
    """An area in a folder of the machine (or a shared folder mounted on each machine)."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)
        self.where = str(self.folder)

    def path(self, name: str) -> Path:
        return self.folder / checked_name(name)

    def put(self, name: str, data: bytes) -> None:
        path = self.path(name)
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{name}.part")
        try:
            with open(partial, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise

    def get(self, name: str) -> bytes:
        return self.path(name).read_bytes()

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def delete(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def remove_older_than(self, cutoff: datetime) -> list[str]:
        if not self.folder.is_dir():
            return []
        limit = cutoff.timestamp()
        # Left-over partial files (".<name>.part") go too: they are never read.
        old = sorted(entry.name for entry in os.scandir(self.folder)
                     if entry.is_file() and entry.stat().st_mtime < limit)
        for name in old:
            (self.folder / name).unlink(missing_ok=True)
        return old

    def download(self, name: str, *, mimetype: str, download_name: str,
                 etag: str | None = None) -> Response | None:
        path = self.path(name)
        if not path.is_file():
            return None
        return send_file(path, mimetype=mimetype, as_attachment=True,
                         download_name=download_name, etag=etag or True)


class S3Store:
    """An area under a prefix of an S3-compatible bucket."""

    def __init__(self, client, bucket: str, prefix: str) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.where = f"s3://{bucket}/{prefix}"

    def key(self, name: str) -> str:
        return self.prefix + checked_name(name)

    def put(self, name: str, data: bytes) -> None:
        _s3(self.client.put_object, Bucket=self.bucket, Key=self.key(name), Body=data)

    def get(self, name: str) -> bytes:
        found = _s3(self.client.get_object, Bucket=self.bucket, Key=self.key(name))
        with found["Body"] as body:
            return _s3(body.read)

    def exists(self, name: str) -> bool:
        try:
            _s3(self.client.head_object, Bucket=self.bucket, Key=self.key(name))
        except FileNotFoundError:
            return False
        return True

    def delete(self, name: str) -> None:
        _s3(self.client.delete_object, Bucket=self.bucket, Key=self.key(name))

    def remove_older_than(self, cutoff: datetime) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix)
        old = [entry["Key"] for page in _s3(list, pages) for entry in page.get("Contents", ())
               if entry["LastModified"] < cutoff]
        for key in old:
            _s3(self.client.delete_object, Bucket=self.bucket, Key=key)
        return sorted(key[len(self.prefix):] for key in old)

    def download(self, name: str, *, mimetype: str, download_name: str,
                 etag: str | None = None) -> Response | None:
        try:
            found = _s3(self.client.get_object, Bucket=self.bucket, Key=self.key(name))
        except FileNotFoundError:
            return None
        # send_file streams a file object in chunks (closing the S3 body at the end, or when
        # the browser goes away) and writes the same headers as for a file on disk.
        response = send_file(_Body(found["Body"]), mimetype=mimetype, as_attachment=True,
                             download_name=download_name,
                             etag=etag or found.get("ETag", "").strip('"') or False)
        response.content_length = found["ContentLength"]
        return response


class _Body:
    """botocore's StreamingBody as the file object send_file reads in chunks."""

    def __init__(self, body) -> None:
        self.body = body

    def read(self, size: int = CHUNK) -> bytes:
        return _s3(self.body.read, size)

    def close(self) -> None:
        self.body.close()


def _s3(call, *args, **kwargs):
    """Call boto3: a missing key is FileNotFoundError, any other failure a StorageError."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return call(*args, **kwargs)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            raise FileNotFoundError(errno.ENOENT, "không có tệp này trong kho lưu trữ S3",
                                    kwargs.get("Key")) from error
        raise _storage_error(error) from error
    except BotoCoreError as error:
        raise _storage_error(error) from error


def _storage_error(error: Exception) -> StorageError:
    failure = StorageError(str(error))
    failure.strerror = f"kho lưu trữ S3: {error}"
    return failure


# ------------------------------------------------------------------ from the settings


def s3_client(config):
    """A boto3 S3 client for the settings (thread-safe; one per process)."""
    try:
        import boto3
        from botocore.config import Config
    except ImportError as missing:  # pragma: no cover - a deployment without the extra
        raise RuntimeError("TRACKER_STORAGE=s3 needs boto3: pip install 'tracker[s3]'") from missing
    endpoint = config.get("TRACKER_S3_ENDPOINT_URL") or None
    settings = Config(
        connect_timeout=float(config.get("TRACKER_S3_TIMEOUT", 10)),
        read_timeout=float(config.get("TRACKER_S3_TIMEOUT", 10)),
        retries={"max_attempts": 3, "mode": "standard"},
        # MinIO, Ceph and most S3-compatible servers want the bucket in the path.
        s3={"addressing_style": "path" if endpoint else "auto"},
    )
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint, region_name=config.get("TRACKER_S3_REGION") or None,
        # Unset: boto3's own chain (AWS_ACCESS_KEY_ID …, ~/.aws, an instance role).
        aws_access_key_id=config.get("TRACKER_S3_ACCESS_KEY_ID") or None,
        aws_secret_access_key=config.get("TRACKER_S3_SECRET_ACCESS_KEY") or None,
        config=settings)


def store_for(app: Flask, area: str) -> Store:
    """The store of `area` (DOCUMENTS or EXPORTS) under the app's settings."""
    kind = (app.config.get("TRACKER_STORAGE") or "folder").lower()
    if kind == "folder":
        folder = app.config.get(FOLDER_SETTINGS[area]) or os.path.join(app.instance_path, area)
        return FolderStore(folder)
    if kind == "s3":
        bucket = app.config.get("TRACKER_S3_BUCKET")
        if not bucket:
            raise RuntimeError("TRACKER_STORAGE=s3 needs TRACKER_S3_BUCKET")
        # One client per app and process (made on first use, so after gunicorn's fork).
        cache = app.extensions.setdefault("tracker_storage", {})
        signature = tuple(app.config.get(k) for k in (
            "TRACKER_S3_ENDPOINT_URL", "TRACKER_S3_REGION", "TRACKER_S3_ACCESS_KEY_ID",
            "TRACKER_S3_SECRET_ACCESS_KEY", "TRACKER_S3_TIMEOUT"))
        if cache.get("signature") != (signature, os.getpid()):
            cache.update(client=s3_client(app.config), signature=(signature, os.getpid()))
        prefix = app.config.get("TRACKER_S3_PREFIX") or ""
        return S3Store(cache["client"], bucket, f"{prefix}{area}/")
    raise RuntimeError(f"TRACKER_STORAGE must be 'folder' or 's3', not {kind!r}")


def store(area: str) -> Store:
    """The current app's store of `area`."""
    return store_for(current_app._get_current_object(), area)

