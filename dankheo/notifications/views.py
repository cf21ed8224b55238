"""The inbox and the notification choices of the signed-in person."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..forms_common import page_arg
from ..lifecycle import on_error
from . import operations, queries
from .forms import PreferencesForm
from .messages import body, title

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_template_global("notification_text")
def notification_text(n) -> tuple[str, str]:
    """(title, detail) of an inbox row in the reader's language."""
    return title(n.message, n.data), body(n.message, n.data)


@bp.get("/")
@login_required
def inbox() -> ResponseReturnValue:
    page = db.paginate(
        queries.inbox(current_user.id),
        page=page_arg(),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
        count=True,
    )
    return render_template(
        "notifications/inbox.html", page=page, unread=queries.unread_count()
    )


@bp.post("/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int) -> ResponseReturnValue:
    operations.mark_read(current_user, notification_id)
    return redirect(url_for(".inbox"), 303)


@bp.post("/read-all")
@login_required
def mark_all_read() -> ResponseReturnValue:
    count = operations.mark_all_read(current_user)
    if count:
        flash(_("Đã đánh dấu tất cả là đã đọc."), "success")
    return redirect(url_for(".inbox"), 303)


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences() -> ResponseReturnValue:
    form = PreferencesForm()
    if not form.is_submitted():
        for kind, channel in queries.channels_of(current_user.id).items():
            getattr(form, kind).data = channel
        form.language.data = current_user.language or "vi"
    if form.validate_on_submit():
        on_error("notifications/preferences.html", form=form)
        operations.save_preferences(
            current_user,
            {f.name: f.data for f in form.kind_fields()},
            form.language.data,
        )
        flash(_("Đã lưu cách nhận thông báo."), "success")
        return redirect(url_for(".preferences"), 303)
    status = 400 if form.errors else 200
    return render_template("notifications/preferences.html", form=form), status
