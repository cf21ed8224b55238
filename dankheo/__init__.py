"""dankheo: the registry of the "Dân vận khéo" emulation movement."""

from __future__ import annotations

import logging
import math
import os
import time
from pathlib import Path

from flask import (
    Flask,
    g,
    has_request_context,
    jsonify,
    render_template,
    request,
    send_from_directory,
    session,
)
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import bounds, clock, extensions, files, inputs, lifecycle, spreadsheets
from . import db as dbmod
from .config import DefaultConfig, apply_env, load_secret_key
from .extensions import (
    babel,
    bootstrap,
    compress,
    csrf,
    limiter,
    login_manager,
    migrate,
)
from .forms_common import MAX_ID
from .lifecycle import DankheoFlask, problem
from .logconfig import configure_logging

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory: defaults, instance/config.py, DANKHEO_* env, then ``test_config``."""
    # Each instance (process group, machine) may have its own folder for what stays
    # local: DANKHEO_INSTANCE_PATH (or INSTANCE_PATH in ``test_config``).
    instance_path = (test_config or {}).get("INSTANCE_PATH") or os.environ.get(
        "DANKHEO_INSTANCE_PATH"
    )
    app = DankheoFlask(
        __name__,
        instance_path=str(instance_path or ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_object(DefaultConfig)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(
        Path(app.instance_path) / "dankheo.sqlite3"
    )
    app.config["UPLOAD_FOLDER"] = str(Path(app.instance_path) / "uploads")
    app.config.from_pyfile("config.py", silent=True)
    apply_env(app.config, os.environ)
    if test_config:
        app.config.update(test_config)
    configure_logging(app.config["LOG_LEVEL"])
    files.store_kind(app)  # an unknown DANKHEO_FILE_STORE stops here too
    clock.init_app(app)  # an unknown time zone stops here, before anything reads it
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(app.instance_path)
        app.config["SECRET_KEY_GENERATED"] = True
    inputs.init_app(app)  # before anything else reads a request
    spreadsheets.init_app(app)  # JSON never writes Infinity or NaN

    # Ids in URLs are database integers: a bigger number is simply not found (404),
    # instead of overflowing the driver.
    app.url_map.converters["int"] = IdConverter
    _init_extensions(app)
    from . import jobs

    jobs.init_app(app)
    from . import notifications

    notifications.init_app(app)
    from .showcase import opendata

    opendata.init_app(app)
    from .tallies import jobs as tally_jobs

    tally_jobs.init_app(app)
    from .objections import purge as objection_purge

    objection_purge.init_app(app)
    _register_blueprints(app)
    bounds.init_app(app)
    _register_errors(app)
    lifecycle.init_app(app)
    _register_template_helpers(app)
    _register_security_headers(app)
    # Browsers ask for /favicon.ico whatever the page links.
    app.add_url_rule(
        "/favicon.ico",
        "favicon",
        lambda: send_from_directory(
            app.static_folder or "", "favicon.ico", mimetype="image/vnd.microsoft.icon"
        ),
    )

    from .cli import register_cli

    register_cli(app)
    _trust_proxies(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind ``TRUSTED_PROXIES`` reverse proxies, take the client's address and the
    scheme from the headers they set, so rate limits count the real client and
    external URLs say https. The Host header is the proxy's to pass through
    (``proxy_set_header Host $host``): X-Forwarded-Host is never trusted."""
    count = int(app.config["TRUSTED_PROXIES"])
    if count < 0:
        raise ValueError("DANKHEO_TRUSTED_PROXIES cannot be negative")
    if count:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=0, x_port=0, x_prefix=0
        )


class IdConverter(IntegerConverter):
    """``<int:...>`` for row ids: 1 .. 2**31 - 1, anything else does not match."""

    def __init__(self, url_map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(
            url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed
        )


def _init_extensions(app: Flask) -> None:
    # ``dankheo.db`` is the module of the base and column types; the extension object
    # stays in ``dankheo.extensions`` so the two names never shadow each other.
    sqla = extensions.db
    sqla.init_app(app)
    with app.app_context():
        dbmod.configure_engine(
            sqla.engine, busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"]
        )
    migrate.init_app(
        app, sqla, directory=str(ROOT / "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    limiter.init_app(app)
    bootstrap.init_app(app)
    compress.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    from .forms_common import install_wtforms_translations

    install_wtforms_translations()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"

    from . import models  # noqa: F401  (register every mapper)
    from .auth.views import load_user

    login_manager.user_loader(load_user)

    @login_manager.unauthorized_handler
    def _unauthorized():
        from flask import flash, redirect, url_for
        from flask_babel import gettext

        if request.path.startswith("/api/"):
            return jsonify(error="unauthorized"), 401
        flash(gettext("Vui lòng đăng nhập để mở trang này."), "warning")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    @app.before_request
    def _mark_read_only():
        # GET/HEAD never write: let SQLite start them as deferred transactions.
        g._write_intent_token = dbmod.write_intent.set(
            request.method not in ("GET", "HEAD", "OPTIONS")
        )

    @app.teardown_request
    def _reset_write_intent(_exc):
        token = g.pop("_write_intent_token", None)
        if token is not None:
            dbmod.write_intent.reset(token)


def _select_locale() -> str:
    """?lang= wins, then the session's choice; Vietnamese by default and outside requests."""
    if not has_request_context():
        return "vi"
    lang = request.args.get("lang")
    if lang not in ("vi", "en"):
        lang = session.get("lang")
    return lang if lang in ("vi", "en") else "vi"


def _register_blueprints(app: Flask) -> None:
    from .admin.views import bp as admin_bp
    from .api.views import bp as api_bp
    from .appraisal.views import bp as appraisal_bp
    from .audit.views import bp as audit_bp
    from .auth.views import bp as auth_bp
    from .duplicates.views import bp as duplicates_bp
    from .lists.verify import bp as verify_bp
    from .lists.views import bp as lists_bp
    from .objections.queue_views import bp as objection_queue_bp
    from .objections.views import bp as objections_bp
    from .registry.bulk_views import bp as bulk_bp
    from .registry.views import bp as registry_bp
    from .secretariat.views import bp as secretariat_bp
    from .showcase.views import bp as showcase_bp
    from .verification.views import bp as verification_bp

    app.register_blueprint(showcase_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(registry_bp)
    app.register_blueprint(bulk_bp)
    app.register_blueprint(appraisal_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(secretariat_bp)
    app.register_blueprint(lists_bp)
    app.register_blueprint(verify_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(verification_bp)
    app.register_blueprint(duplicates_bp)
    app.register_blueprint(objections_bp)
    app.register_blueprint(objection_queue_bp)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)


def _error_context(exc: HTTPException) -> dict:
    """Extra figures an error page shows: how long a rate-limited user waits."""
    if exc.code != 429:
        return {}
    current = limiter.current_limit
    if current is None:
        return {}
    return {"retry_minutes": max(1, math.ceil((current.reset_at - time.time()) / 60))}


def _register_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if request.path.startswith("/api/"):
            return problem(exc.code or 500, exc.name, exc.description)
        template = f"errors/{exc.code}.html"
        try:
            return render_template(template, error=exc, **_error_context(exc)), exc.code
        except Exception:  # no page for this code: use the generic one
            return render_template("errors/generic.html", error=exc), exc.code

    @app.errorhandler(500)
    def _server_error(exc):
        log.exception("server error on %s", request.path)
        if request.path.startswith("/api/"):
            return problem(500, "Internal Server Error")
        return render_template("errors/500.html"), 500


#: Sent with every response unless the view set its own (file downloads do).
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
}


#: Sent when the session cookie is HTTPS-only: the site is then HTTPS-only too.
HSTS = "max-age=31536000; includeSubDomains"


def _register_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response


def _register_template_helpers(app: Flask) -> None:
    from . import formatting

    formatting.register(app)

    @app.context_processor
    def _inject():
        return {"current_lang": _select_locale()}

    @app.before_request
    def _remember_lang():
        lang = request.args.get("lang")
        if lang in ("vi", "en") and session.get("lang") != lang:
            session["lang"] = lang
        g.lang = lang
