"""The secretariat's queue of possible duplicates, a pair side by side, and the
decision on it."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth.scopes import secretariat_scopes
from ..domain.similarity import DuplicateKind, FlagStatus, shared_marks
from ..extensions import db
from ..forms_common import page_arg
from ..lifecycle import on_error
from ..registry.models import Exemplar
from . import queries
from .detection import TEXT_FIELDS
from .forms import ConfirmForm, DismissForm
from .models import DuplicateFlag
from .operations import confirm_flag, dismiss_flag

bp = Blueprint("duplicates", __name__, url_prefix="/admin/duplicates")


@bp.before_request
@login_required
def _require_secretariat() -> None:
    if not secretariat_scopes(current_user):
        abort(403)


def _flag_or_404(flag_id: int) -> DuplicateFlag:
    flag = queries.flag_in_scopes(flag_id, secretariat_scopes(current_user))
    if flag is None:
        abort(404)
    return flag


@bp.get("/")
def queue() -> ResponseReturnValue:
    status = request.args.get("status", FlagStatus.OPEN.value)
    if status not in FlagStatus.values():
        status = FlagStatus.OPEN.value
    kind = request.args.get("kind") or None
    if kind not in DuplicateKind.values():
        kind = None
    page = db.paginate(
        queries.flags_in_scopes(
            secretariat_scopes(current_user), status=status, kind=kind
        ),
        page=page_arg(),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "duplicates/queue.html",
        page=page,
        status=status,
        kind=kind,
        FlagStatus=FlagStatus,
        DuplicateKind=DuplicateKind,
    )


def _side(exemplar: Exemplar, other: Exemplar) -> dict[str, Any]:
    """One exemplar's name and texts, cut into runs shared with the other's."""
    other_text = " ".join(getattr(other, f) or "" for f in TEXT_FIELDS)
    return {
        "exemplar": exemplar,
        "name": shared_marks(exemplar.name, other.name, phrases=False),
        "texts": [
            (f, shared_marks(getattr(exemplar, f) or "", other_text))
            for f in TEXT_FIELDS
            if getattr(exemplar, f)
        ],
    }


def _context(flag: DuplicateFlag, **forms: Any) -> dict[str, Any]:
    return {
        "flag": flag,
        "sides": [_side(flag.first, flag.second), _side(flag.second, flag.first)],
        "dismiss_form": forms.get("dismiss_form") or DismissForm(),
        "confirm_form": forms.get("confirm_form") or ConfirmForm(),
    }


@bp.get("/<int:flag_id>")
def pair(flag_id: int) -> ResponseReturnValue:
    flag = _flag_or_404(flag_id)
    return render_template("duplicates/pair.html", **_context(flag))


@bp.post("/<int:flag_id>/dismiss")
def dismiss(flag_id: int) -> ResponseReturnValue:
    flag = _flag_or_404(flag_id)
    form = DismissForm()
    context = _context(flag, dismiss_form=form)
    if not form.validate_on_submit():
        return render_template("duplicates/pair.html", **context), 400
    on_error("duplicates/pair.html", **context)
    dismiss_flag(flag, actor=current_user, reason=form.reason.data or "")
    flash(_("Đã ghi nhận: hai hồ sơ không trùng."), "success")
    return redirect(url_for(".queue"))


@bp.post("/<int:flag_id>/confirm")
def confirm(flag_id: int) -> ResponseReturnValue:
    flag = _flag_or_404(flag_id)
    form = ConfirmForm()
    context = _context(flag, confirm_form=form)
    if not form.validate_on_submit():
        return render_template("duplicates/pair.html", **context), 400
    on_error("duplicates/pair.html", **context)
    confirm_flag(flag, actor=current_user, reason=form.reason.data or "")
    flash(_("Đã xác nhận hai hồ sơ trùng nhau."), "success")
    return redirect(url_for(".queue"))
