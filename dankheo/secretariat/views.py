"""The secretariat's pages for reforming the unit tree (rename, move, deactivate,
merge with a preview) under ``/admin``. Coverage and corrections: see
:mod:`.coverage_views` and :mod:`.correction_views`, which add their routes here."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..admin.permissions import can_manage_unit, secretariat_scopes
from ..admin.views import managed_unit, scopes
from ..extensions import db
from ..lifecycle import on_error
from ..units.models import Unit, UnitVersion
from ..units.operations import move_unit, rename_unit, set_unit_active
from ..units.queries import unit_in_scopes, unit_suggestions
from .forms import MoveForm, RenameForm
from .merge import merge_units, plan_merge

bp = Blueprint("secretariat", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _require_secretariat():
    if not secretariat_scopes(current_user):
        abort(403)


def picked_unit(field) -> Unit | None:
    """The unit a picker names inside the scope; otherwise a message on the field."""
    unit = unit_in_scopes(field.data, scopes())
    if unit is None:
        field.errors.append(
            _(
                "Không có đơn vị mã “%(code)s” trong phạm vi của bạn.",
                code=field.data or "",
            )
        )
    return unit


def _forms(unit: Unit) -> dict:
    rename = RenameForm(prefix="rename")
    move = MoveForm(prefix="move")
    if not rename.name.data:
        rename.name.data = unit.name
    move.parent_code.suggestions = unit_suggestions(scopes())
    return {"rename": rename, "move": move}


def _page(unit: Unit, forms: dict, status: int = 200):
    versions = db.session.scalars(
        db.select(UnitVersion)
        .where(UnitVersion.unit_id == unit.id)
        .order_by(UnitVersion.valid_to.desc())
    ).all()
    return render_template(
        "secretariat/unit.html", unit=unit, versions=versions, **forms
    ), status


@bp.get("/units/<int:unit_id>/reform")
def unit(unit_id: int):
    unit = managed_unit(unit_id)
    return _page(unit, _forms(unit))


@bp.post("/units/<int:unit_id>/rename")
def rename(unit_id: int):
    unit = managed_unit(unit_id)
    forms = _forms(unit)
    if not forms["rename"].validate_on_submit():
        return _page(unit, forms, 400)
    on_error("secretariat/unit.html", unit=unit, versions=[], **forms)
    rename_unit(unit, name=forms["rename"].name.data, actor=current_user)
    flash(_("Đã đổi tên đơn vị; tên cũ vẫn hiện trên hồ sơ các năm trước."), "success")
    return redirect(url_for(".unit", unit_id=unit.id))


@bp.post("/units/<int:unit_id>/move")
def move(unit_id: int):
    unit = managed_unit(unit_id)
    forms = _forms(unit)
    form = forms["move"]
    if not form.validate_on_submit() or not (parent := picked_unit(form.parent_code)):
        return _page(unit, forms, 400)
    if unit.parent is None or not can_manage_unit(current_user, unit.parent):
        abort(403)  # moving a scope's own root would take it out of the scope
    on_error("secretariat/unit.html", unit=unit, versions=[], **forms)
    move_unit(unit, parent=parent, actor=current_user)
    flash(_("Đã chuyển đơn vị sang “%(name)s”.", name=parent.name), "success")
    return redirect(url_for(".unit", unit_id=unit.id))


@bp.post("/units/<int:unit_id>/active")
def toggle_active(unit_id: int):
    unit = managed_unit(unit_id)
    back = url_for(".unit", unit_id=unit.id)
    on_error(redirect_to=back)
    set_unit_active(unit, not unit.active, actor=current_user)
    flash(
        _("Đã mở lại đơn vị.") if unit.active else _("Đã ngừng hoạt động đơn vị."),
        "info",
    )
    return redirect(back)


@bp.get("/units/<int:unit_id>/merge")
def merge_preview(unit_id: int):
    """What merging this unit into ``?target=<code>`` would move, counted per kind,
    with the button that does it (a preview changes nothing)."""
    unit = managed_unit(unit_id)
    code = request.args.get("target", "")[:100].split("—")[0].strip()
    target = unit_in_scopes(code, scopes()) if code else None
    if target is None:
        flash(
            _("Không có đơn vị mã “%(code)s” trong phạm vi của bạn.", code=code),
            "danger",
        )
        return redirect(url_for(".unit", unit_id=unit.id, _anchor="merge"))
    return render_template("secretariat/merge.html", plan=plan_merge(unit, target))


@bp.post("/units/<int:unit_id>/merge/<int:target_id>")
def merge(unit_id: int, target_id: int):
    unit = managed_unit(unit_id)
    target = managed_unit(target_id)
    back = url_for(".merge_preview", unit_id=unit.id, target=target.code)
    on_error(redirect_to=back)
    plan = merge_units(unit, target, actor=current_user)
    flash(
        _(
            "Đã sáp nhập “%(source)s” vào “%(target)s” (%(n)s hồ sơ chuyển sang).",
            source=unit.name,
            target=target.name,
            n=len(plan.exemplars),
        ),
        "success",
    )
    return redirect(url_for(".unit", unit_id=target.id))


from . import correction_views, coverage_views  # noqa: E402,F401  (their routes)
