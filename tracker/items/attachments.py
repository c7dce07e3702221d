"""The files of the documents an item's journal cites: a row in the database, the bytes in
the document store (tracker/storage.py: TRACKER_DOCUMENT_FOLDER, by default
<instance folder>/documents, or the S3 bucket)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import gettext as _

from tracker.documents import CheckedDocument, DocumentStore
from tracker.extensions import db
from tracker.models import Attachment, JournalEntry
from tracker.services import FieldError
from tracker.storage import DOCUMENTS, store


def document_store() -> DocumentStore:
    return DocumentStore(store(DOCUMENTS))


def attach(item_id: int, entry: JournalEntry,
           document: CheckedDocument | None) -> Attachment | None:
    """Record the document's file with the journal entry that cites it (its bytes are
    written by `commit_with_file`)."""
    if document is None:
        return None
    attachment = Attachment(item_id=item_id, entry=entry, original_name=document.name,
                            stored_name=DocumentStore.new_name(document),
                            media_type=document.media_type, size=document.size,
                            sha256=document.sha256)
    db.session.add(attachment)
    return attachment


def commit_with_file(attachment: Attachment | None, document: CheckedDocument | None) -> None:
    """The view's commit, with the attached file written just before it and removed again
    if the commit fails: no row without its file, no file left by a refused update.

    :raise FieldError: on `document_file` when the folder cannot take the file (nothing
        committed).
    """
    if attachment is None or document is None:
        db.session.commit()
        return
    try:
        with document_store().written(attachment.stored_name, document.data):
            db.session.commit()
    except OSError:
        current_app.logger.exception("cannot write a document into %s", document_store().files.where)
        raise FieldError("document_file", _(
            "The file could not be stored on the server. Nothing was saved: try again, or tell "
            "the administrator.")) from None


def get_attachment(item_id: int, attachment_id: int) -> Attachment | None:
    return db.session.scalar(sa.select(Attachment).where(
        Attachment.id == attachment_id, Attachment.item_id == item_id))


def send_attachment(attachment: Attachment):
    """The file as a download under the user's own name (RFC 5987 for Vietnamese names),
    never shown inline: whatever a browser makes of its bytes, nothing in it runs."""
    documents = document_store()
    response = documents.download(attachment.stored_name, mimetype=attachment.media_type,
                                  download_name=attachment.original_name, etag=attachment.sha256)
    if response is None:
        current_app.logger.error("document file missing: %s%s (attachment %d)",
                                 documents.files.where, attachment.stored_name, attachment.id)
        message = _("The file of this document is missing on the server. Tell the administrator: "
                    "the document folder may need restoring from its backup.")
        return render_template("errors/error.html", code=404, message=message), 404
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
