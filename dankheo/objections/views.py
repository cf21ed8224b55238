"""The public side: lodging an objection to an entry of an issued recommended list,
and confirming the address it was sent from.

Posting is limited per client address (``RATELIMIT_OBJECTION``) and per email address
given (``RATELIMIT_OBJECTION_EMAIL``); outside the window the page says the window's
dates and refuses (409).
"""

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
from flask_limiter.util import get_remote_address
from flask_login import current_user

from .. import clock
from ..extensions import db, limiter
from ..lifecycle import on_error
from ..lists.models import IssuedList
from ..registry.models import Exemplar
from .forms import ConfirmForm, ObjectionForm
from .operations import check_window, confirm_objection, lodge_objection
from .queries import (
    entries_of,
    is_recommended_list,
    lists_taking_objections,
    public_objections,
    window_of,
)

bp = Blueprint("objections", __name__, url_prefix="/objections")


def _limit() -> str:
    return current_app.config["RATELIMIT_OBJECTION"]


def _email_limit() -> str:
    return current_app.config["RATELIMIT_OBJECTION_EMAIL"]


def _email_key() -> str:
    """Objections given one address are counted together, whoever sends them."""
    given = request.form.get("email") or ""
    if not given and current_user.is_authenticated:
        given = current_user.email or f"user:{current_user.id}"
    return "objection|" + given.strip().lower()[:200]


def _issued(issued_id: int) -> IssuedList:
    issued = db.session.get(IssuedList, issued_id)
    if issued is None or not lists_taking_objections(issued):
        abort(404)
    return issued


def _form(issued: IssuedList) -> ObjectionForm:
    form = ObjectionForm()
    form.entry.choices = [
        (r["id"], f"{r['n']}. {r['name']} — {r['unit']}") for r in entries_of(issued)
    ]
    if request.method == "GET" and (entry := request.args.get("entry", type=int)):
        form.entry.data = entry
    if current_user.is_authenticated:
        del form.email
    return form


@bp.route("/lists/<int:issued_id>", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"], key_func=get_remote_address)
@limiter.limit(_email_limit, methods=["POST"], key_func=_email_key)
def lodge(issued_id: int) -> ResponseReturnValue:
    issued = _issued(issued_id)
    window = window_of(issued)
    on_error("objections/form.html", issued=issued, window=window, form=None)
    check_window(issued)
    form = _form(issued)
    if not form.validate_on_submit():
        context = {"issued": issued, "window": window, "form": form}
        return render_template("objections/form.html", **context), (
            400 if form.errors else 200
        )
    on_error("objections/form.html", issued=issued, window=window, form=form)
    exemplar = db.session.get(Exemplar, form.entry.data)
    if exemplar is None:
        abort(404)
    upload = form.file.data
    signed_in = current_user.is_authenticated
    lodge_objection(
        issued,
        exemplar,
        reason=form.reason.data,
        evidence=form.evidence.data,
        email=None if signed_in else form.email.data,
        actor=current_user if signed_in else None,
        stream=upload.stream if upload else None,
        filename=upload.filename if upload else None,
    )
    if signed_in:
        flash(_("Đã gửi phản ánh, kiến nghị đến cơ quan thường trực."), "success")
    else:
        flash(
            _(
                "Đã ghi nhận. Hãy mở liên kết trong thư vừa gửi đến địa chỉ email của "
                "bạn để xác nhận; phản ánh chỉ được chuyển đi sau khi xác nhận."
            ),
            "info",
        )
    return redirect(url_for("verify.show", digest=issued.digest), 303)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> ResponseReturnValue:
    """The mailed link shows a button (a mail scanner opening the link confirms
    nothing); pressing it receives the objection."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("objections/confirm.html", form=form), (
            400 if form.errors else 200
        )
    on_error("objections/confirm.html", form=form)
    objection = confirm_objection(token)
    flash(
        _("Đã xác nhận. Phản ánh, kiến nghị đã được chuyển đến cơ quan thường trực."),
        "success",
    )
    return redirect(url_for("verify.show", digest=objection.issued_list.digest), 303)


# --- what an issued list's public page shows (a template global: the lists package
# does not import this one) -------------------------------------------------------------


@bp.app_template_global("list_objections")
def list_objections(issued: IssuedList) -> dict[str, Any]:
    """For the verification page of an issued list: its window (while in force) and
    the objections to its entries, also after it was annulled or superseded (no
    objector; one query)."""
    if not is_recommended_list(issued):
        return {"taking": False, "items": []}
    window = window_of(issued)
    items = public_objections(issued_list_id=issued.id)
    names = {r["id"]: r["name"] for r in entries_of(issued)}
    return {
        "taking": lists_taking_objections(issued),
        "window": window,
        "open": lists_taking_objections(issued) and window.is_open(clock.today()),
        "items": [(names.get(eid, ""), rows) for eid, rows in items.items()],
    }
