"""The secretariat's side: the queue of objections in its subtrees (filters, pages,
an XLSX export), one objection, its review and its outcome."""

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
from ..domain.objections import ObjectionOutcome, ObjectionState
from ..extensions import db
from ..forms_common import int_arg, page_arg
from ..lifecycle import on_error
from ..registry.uploads import send_attachment
from ..spreadsheets import Sheet, xlsx_response
from . import queries
from .forms import DecideForm, ReviewForm
from .models import Objection
from .operations import decide_objection, start_review

bp = Blueprint("objection_queue", __name__, url_prefix="/admin/objections")

#: Most rows one export holds.
EXPORT_MAX = 50_000


@bp.before_request
@login_required
def _require_secretariat() -> None:
    if not secretariat_scopes(current_user):
        abort(403)


def _filters() -> dict[str, Any]:
    state = request.args.get("state") or None
    if state not in ObjectionState.values() or state == ObjectionState.UNVERIFIED:
        state = None
    return {
        "state": state,
        "campaign_id": int_arg(request.args.get("campaign")),
        "exemplar_id": int_arg(request.args.get("entry")),
    }


def _objection(objection_id: int) -> Objection:
    found = queries.in_scopes(objection_id, secretariat_scopes(current_user))
    if found is None:
        abort(404)
    return found


@bp.get("/")
def queue() -> ResponseReturnValue:
    scopes = secretariat_scopes(current_user)
    filters = _filters()
    page = db.paginate(
        queries.queue(scopes, **filters),
        page=page_arg(),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "objections/queue.html",
        page=page,
        filters=filters,
        campaigns=queries.campaigns_in_scopes(scopes),
        states=[s for s in ObjectionState if s != ObjectionState.UNVERIFIED],
    )


@bp.get("/export.xlsx")
def export() -> ResponseReturnValue:
    rows = db.session.scalars(
        queries.queue(secretariat_scopes(current_user), **_filters()).limit(EXPORT_MAX)
    )

    def line(o: Objection) -> list[Any]:
        return [
            o.id,
            o.received_at,
            o.exemplar.campaign.name,
            o.exemplar.name,
            o.exemplar.unit.name,
            o.issued_list.short,
            _(o.state_label),
            _(o.outcome_label) if o.outcome else "",
            o.reason,
            o.evidence,
            o.file_name or "",
            o.email,
            o.review,
            o.decision_note,
            o.decided_at,
        ]

    return xlsx_response(
        "phan-anh-kien-nghi.xlsx",
        [
            Sheet(
                _("Phản ánh, kiến nghị"),
                (line(o) for o in rows),
                header=[
                    _("Số"),
                    _("Ngày tiếp nhận"),
                    _("Đợt thi đua"),
                    _("Hồ sơ"),
                    _("Đơn vị"),
                    _("Mã danh sách"),
                    _("Trạng thái"),
                    _("Kết quả"),
                    _("Nội dung"),
                    _("Căn cứ, chứng cứ"),
                    _("Tệp chứng cứ"),
                    _("Email liên hệ"),
                    _("Ghi nhận xem xét"),
                    _("Lý do xử lý"),
                    _("Ngày xử lý"),
                ],
                widths=(6, 18, 30, 40, 30, 18, 16, 24, 60, 60, 24, 28, 40, 40, 18),
            )
        ],
    )


def _context(objection: Objection, **forms: Any) -> dict[str, Any]:
    return {
        "objection": objection,
        "review_form": forms.get("review_form") or ReviewForm(prefix="review"),
        "decide_form": forms.get("decide_form") or DecideForm(prefix="decide"),
        "ObjectionOutcome": ObjectionOutcome,
    }


@bp.get("/<int:objection_id>")
def show(objection_id: int) -> ResponseReturnValue:
    return render_template("objections/show.html", **_context(_objection(objection_id)))


@bp.get("/<int:objection_id>/file")
def evidence_file(objection_id: int) -> ResponseReturnValue:
    objection = _objection(objection_id)
    if not objection.file_stored_name:
        abort(404)
    return send_attachment(objection, inline=False, cache="private, no-store")


@bp.post("/<int:objection_id>/review")
def review(objection_id: int) -> ResponseReturnValue:
    objection = _objection(objection_id)
    form = ReviewForm(prefix="review")
    context = _context(objection, review_form=form)
    if not form.validate_on_submit():
        return render_template("objections/show.html", **context), 400
    on_error("objections/show.html", **context)
    start_review(objection, note=form.note.data, actor=current_user)
    flash(_("Đã ghi nhận việc xem xét phản ánh."), "success")
    return redirect(url_for(".show", objection_id=objection.id), 303)


@bp.post("/<int:objection_id>/decide")
def decide(objection_id: int) -> ResponseReturnValue:
    objection = _objection(objection_id)
    form = DecideForm(prefix="decide")
    context = _context(objection, decide_form=form)
    if not form.validate_on_submit():
        return render_template("objections/show.html", **context), 400
    on_error("objections/show.html", **context)
    decide_objection(
        objection, outcome=form.outcome.data, note=form.note.data, actor=current_user
    )
    flash(_("Đã ghi kết quả xử lý phản ánh."), "success")
    return redirect(url_for(".show", objection_id=objection.id), 303)
