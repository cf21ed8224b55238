"""One request lifecycle: the view runs, then this module commits or rolls back.

A view loads, checks permission, validates, calls one operation and redirects. It does
not commit and does not catch domain errors:

- when the view returns a response below 400, the session is committed here;
- when it returns 400 or more, or raises anything, the session is rolled back here;
- a ``DomainError`` becomes a response here: for the API a JSON problem document
  (RFC 9457) with the error's status; for pages the message is flashed (or set on the
  form field it names) and the page the view declared with :func:`on_error` is
  rendered again with the error's status, or, for a bare button, the browser is sent
  back where it came from;
- a deadlock or serialisation failure (PostgreSQL) or a busy database (SQLite) runs
  the view once more in a fresh transaction; a second failure is a ``Conflict``.

Work that must persist even though the response is an error (none today) commits
explicitly, and says why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Flask,
    Response,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DBAPIError

from .domain import N_
from .errors import Conflict, DomainError, NotAllowed, NotFound, translate
from .extensions import db

log = logging.getLogger(__name__)

#: PostgreSQL SQLSTATEs worth one more try: serialization failure, deadlock.
RETRY_SQLSTATES = frozenset({"40001", "40P01"})


def is_retryable(exc: BaseException) -> bool:
    """A failure that a second run of the same transaction can avoid."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in RETRY_SQLSTATES:
        return True
    return "database is locked" in str(orig)


class DankheoFlask(Flask):
    """Flask with the commit-or-rollback of every request in one place."""

    def dispatch_request(self) -> ResponseReturnValue:
        flashes = list(session.get("_flashes", []))
        for attempt in (1, 2):
            if attempt == 2:
                _reset_request_side_effects(flashes)
            try:
                response = self.make_response(super().dispatch_request())
                if response.status_code < 400:
                    db.session.commit()
                else:
                    db.session.rollback()
                return response
            except BaseException as exc:
                db.session.rollback()
                if is_retryable(exc):
                    if attempt == 1:
                        log.info(
                            "retrying %s %s after %s", request.method, request.path, exc
                        )
                        continue
                    raise Conflict(
                        N_("Hệ thống đang bận xử lý cùng hồ sơ; vui lòng thử lại.")
                    ) from exc
                raise
        raise AssertionError("unreachable")


def _reset_request_side_effects(flashes: list) -> None:
    """Before a retry: forget what the failed attempt flashed and rewind the uploads,
    so the second run sees the request as the first one did."""
    if flashes:
        session["_flashes"] = flashes
    else:
        session.pop("_flashes", None)
    g.pop("error_page", None)
    for upload in request.files.values():
        if upload.stream.seekable():
            upload.stream.seek(0)


def on_error(
    template: str | None = None,
    /,
    *,
    redirect_to: str | None = None,
    prepare: Callable[[DomainError], None] | None = None,
    context_from: Callable[[], dict[str, Any]] | None = None,
    **context: Any,
) -> None:
    """Declare how this request answers if the operation it runs refuses.

    ``template`` and ``context``: the page rendered again (the form keeps what the user
    typed); ``context_from``: the rest of that page's context, built only when the
    operation refuses (a request that succeeds redirects and never reads it);
    ``redirect_to``: where a bare button sends the user back; ``prepare``: a last touch
    after the rollback (e.g. the form's version set to the current one).
    """
    g.error_page = (template, context, redirect_to, prepare, context_from)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def problem(
    status: int, title: str, detail: str | None = None, **extra: Any
) -> Response:
    """A JSON problem document (RFC 9457), also carrying the API's ``error`` and
    ``message`` names."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "error": title,
    }
    if detail is not None:
        body["detail"] = detail
        body["message"] = detail
    body.update({k: v for k, v in extra.items() if v is not None})
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def _safe_referrer() -> str | None:
    ref = request.referrer
    if not ref:
        return None
    parts = urlsplit(ref)
    if parts.netloc and parts.netloc != request.host:
        return None
    return ref


def handle_domain_error(exc: DomainError) -> ResponseReturnValue:
    """The one place a refusal becomes a response."""
    if wants_json():
        from werkzeug.http import HTTP_STATUS_CODES

        return problem(
            exc.status_code,
            HTTP_STATUS_CODES.get(exc.status_code, "Error"),
            exc.message,
            parameter=exc.field,
        )
    template, context, redirect_to, prepare, context_from = g.get(
        "error_page", (None, {}, None, None, None)
    )
    if prepare is not None:
        prepare(exc)
    if context_from is not None:
        context = {**context_from(), **context}
    form = context.get("form")
    field = getattr(form, exc.field, None) if exc.field and form is not None else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, exc.category)
    if template is not None:
        return render_template(template, **context), exc.status_code
    if redirect_to is None and isinstance(exc, NotFound | NotAllowed):
        # Nothing to go back to: the ordinary error page of that status.
        code = exc.status_code
        return render_template(f"errors/{code}.html", error=exc), code
    target = redirect_to or _safe_referrer() or url_for("showcase.index")
    return redirect(target, 303)


def init_app(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_domain_error)


__all__ = [
    "DankheoFlask",
    "handle_domain_error",
    "init_app",
    "is_retryable",
    "on_error",
    "problem",
    "translate",
]
