"""Error pages: the user's language, the site's layout, never a stack trace."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from tracker.api import problems
from tracker.api.paths import is_api_request
from tracker.extensions import db
from tracker.web import upload_limit


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        message = _("The form expired or did not come from this site. Reload the page and try again.")
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if is_api_request(request.path):
            return problems.from_http_error(error)
        messages = {
            400: _("The request could not be understood."),
            403: _("You do not have permission to do this."),
            404: _("The page you asked for does not exist."),
            405: _("This action is not allowed here."),
            413: _("The upload is too large (at most %(size)d MB). Nothing was saved.",
                   size=(upload_limit() or 0) // (1024 * 1024)),
        }
        code = error.code or 500
        message = messages.get(code, _("Something went wrong."))
        return render_template("errors/error.html", code=code, message=message), code

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        if is_api_request(request.path):
            return problems.problem_response(500)
        message = _("An unexpected error occurred. Nothing was saved.")
        return render_template("errors/error.html", code=500, message=message), 500
