"""The proposal tracker: application factory."""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from flask import Flask, request, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import SecurityError

from tracker.extensions import babel, csrf, db, login_manager, mail, migrate

ROOT = Path(__file__).resolve().parent.parent


class Tracker(Flask):
    """Flask, with its error log line made safe to keep."""

    def log_exception(self, exc_info) -> None:
        """As Flask's, without a secret of the path (a token) in the log."""
        from tracker.logs import logged_path

        self.logger.error("Exception on %s [%s]", logged_path(), request.method, exc_info=exc_info)


def create_app(config: Any = None) -> Flask:
    """Build the app. `config` is a config class, an import path, or a dict of overrides."""
    app = Tracker(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
    )
    configure(app, config)
    register_observability(app)
    register_proxies(app)
    register_converters(app)
    register_host_check(app)
    register_upload_limits(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_commands(app)
    tune_garbage_collector()
    start_scheduler_with_server(app)
    return app


# Python's cyclic collector runs after every 700 new container objects: printing a list of
# 5,000 items (40,000 cells) ran it hundreds of times over ever more live objects, a third of
# the request (bench/bench_published.py: print view 0.36 → 0.25 s). Nothing here lives in
# reference cycles that must be freed quickly, so young objects are collected less often.
GC_THRESHOLDS = (50_000, 20, 20)


def tune_garbage_collector() -> None:
    import gc

    if gc.get_threshold()[0] < GC_THRESHOLDS[0]:
        gc.set_threshold(*GC_THRESHOLDS)


def start_scheduler_with_server(app: Flask) -> None:
    """`flask run` serves the app with its reminder schedule; every other command does not."""
    from tracker.notify.scheduler import start_scheduler, starts_with_this_command

    if app.config["SCHEDULER_AUTOSTART"] and starts_with_this_command():
        start_scheduler(app)


def configure(app: Flask, config: Any) -> None:
    from config import CONFIGS

    base = CONFIGS[os.environ.get("TRACKER_ENV", "development")]
    if isinstance(config, dict):
        app.config.from_object(CONFIGS["testing"] if config.get("TESTING") else base)
        app.config.update(config)
    else:
        app.config.from_object(config or base)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        os.makedirs(app.instance_path, exist_ok=True)
    if app.config.get("ENV_NAME") == "production" and (
        app.config["SECRET_KEY"] in (None, "", "dev-only-not-secret")
        or len(app.config["SECRET_KEY"]) < MIN_SECRET_KEY_LENGTH
    ):
        raise RuntimeError(f"Set SECRET_KEY to a random value of at least "
                           f"{MIN_SECRET_KEY_LENGTH} characters in production "
                           f"(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))').")
    if app.config.get("TRUSTED_HOSTS") is None:
        app.config["TRUSTED_HOSTS"] = default_trusted_hosts(app.config)


LOCAL_HOSTS = ("localhost", "127.0.0.1")
MIN_SECRET_KEY_LENGTH = 32


def default_trusted_hosts(config) -> list[str]:
    """The host of TRACKER_BASE_URL; outside production also the local machine's names."""
    hosts = [urlsplit(config["TRACKER_BASE_URL"]).hostname or "localhost"]
    if config.get("ENV_NAME") != "production":
        hosts += [host for host in LOCAL_HOSTS if host not in hosts]
    return hosts


def select_locale() -> str:
    """The user's saved language, else the one chosen this session, else Vietnamese. An API
    request: its Accept-Language, else its token user's language, else Vietnamese."""
    languages = current_app_languages()
    from tracker.api import PAGE_ENDPOINTS, is_api_request

    if is_api_request(request.path) and request.endpoint not in PAGE_ENDPOINTS:
        return api_locale(languages)
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return languages[0]


def api_locale(languages: tuple[str, ...]) -> str:
    from flask import g

    chosen = request.accept_languages.best_match(languages)
    if chosen:
        return chosen
    user = g.get("_login_user")
    if user is not None and getattr(user, "is_authenticated", False) and user.locale in languages:
        return user.locale
    return languages[0]


def current_app_languages() -> tuple[str, ...]:
    from flask import current_app

    return tuple(current_app.config["LANGUAGES"])


def register_observability(app: Flask) -> None:
    """Logging (JSON in production), a request id and a log line per request, Prometheus
    request metrics. First of the hooks, so that every answer is timed and logged."""
    from tracker import logs, metrics

    logs.register(app)
    metrics.register(app)


def register_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies (nginx: 1), take the client's address and
    scheme from the X-Forwarded-For/-Proto headers they add; with none (the default) those
    headers are ignored, so a client cannot choose the address the throttle sees."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def register_converters(app: Flask) -> None:
    """Before any route is added: `<int:…>` means a database id (bounded)."""
    from tracker.web import IdConverter

    app.url_map.converters["int"] = IdConverter


def register_host_check(app: Flask) -> None:
    @app.before_request
    def refuse_unknown_host():
        """A Host header outside TRUSTED_HOSTS is refused before anything else runs (no
        login redirect, no page: both would build links on that host)."""
        if isinstance(request.routing_exception, SecurityError):
            return _("The request could not be understood."), 400, {
                "Content-Type": "text/plain; charset=utf-8"}
        return None


def register_upload_limits(app: Flask) -> None:
    """Before the extensions: the CSRF check reads the form, so the size a request may have
    is settled first."""
    from tracker.web import allow_document_uploads

    allow_document_uploads(app)


def register_extensions(app: Flask) -> None:
    from tracker import models  # noqa: F401  (register the tables)
    from tracker.plans import refusals  # noqa: F401  (keep Item.refusal_unanswered in step)
    from tracker.scorecard import ended  # noqa: F401  (keep Item.ended_on in step)
    from tracker.search import index  # noqa: F401  (keep the search index in step)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True)
    csrf.init_app(app)
    mail.init_app(app)
    from tracker.notify import digest

    digest.register(app)  # the outbox's sender has the notify package write digests
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=lambda: app.config["TRACKER_TIMEZONE"],
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "warning"
    login_manager.login_message = _l("Please sign in to see this page.")

    from tracker.auth.service import load_user

    login_manager.user_loader(load_user)


def register_blueprints(app: Flask) -> None:
    """The pages, one blueprint per feature (auth also requires a login on every other page)."""
    from tracker.admin import bp as admin_bp
    from tracker.api import PREFIX as API_PREFIX
    from tracker.api import bp as api_bp
    from tracker.appendix.pages import bp as appendix_bp
    from tracker.auth import bp as auth_bp
    from tracker.desk import bp as desk_bp
    from tracker.feeds import bp as feeds_bp
    from tracker.health import bp as health_bp
    from tracker.items import bp as items_bp
    from tracker.plans import bp as plans_bp
    from tracker.public import bp as public_bp
    from tracker.scorecard import bp as scorecard_bp
    from tracker.search import bp as search_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(desk_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(plans_bp, url_prefix="/plans")
    app.register_blueprint(items_bp, url_prefix="/items")
    app.register_blueprint(appendix_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(public_bp)
    # Token requests carry no cookie a forged form could ride on: no CSRF token either.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp, url_prefix=API_PREFIX)
    app.register_blueprint(scorecard_bp)


def register_errorhandlers(app: Flask) -> None:
    from tracker.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from tracker.web import register

    register(app)


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        """No inline script, no framing, no sniffing: every page gets the same headers."""
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure or app.config.get("ENV_NAME") == "production":
            # Behind a TLS proxy the request may look like plain HTTP; browsers ignore the
            # header on plain HTTP anyway.
            response.headers.setdefault("Strict-Transport-Security",
                                        "max-age=31536000; includeSubDomains")
        if not (request.endpoint or "").endswith("static"):
            # Pages show personal data (names, e-mails, items, tokens in links): no copy
            # in the browser's or a proxy's cache, not even of the login or reset pages.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


# Commands that load known passwords (the demo accounts): never against production data.
REFUSED_IN_PRODUCTION = ("seed-demo",)


def register_commands(app: Flask) -> None:
    from tracker.cli import register

    register(app)
    for name in REFUSED_IN_PRODUCTION:
        command = app.cli.commands[name]
        if not getattr(command.callback, "refuses_production", False):
            command.callback = refuse_in_production(name, command.callback)


def refuse_in_production(name: str, callback):
    @functools.wraps(callback)
    def guarded(*args, **kwargs):
        from flask import current_app

        if current_app.config.get("ENV_NAME") == "production":
            raise click.ClickException(
                f"{name} is refused with TRACKER_ENV=production: it creates accounts whose "
                "passwords are published in the README.")
        return callback(*args, **kwargs)

    guarded.refuses_production = True
    return guarded
