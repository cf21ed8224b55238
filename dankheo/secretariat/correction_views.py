"""The secretariat's corrections of one exemplar: return a wrong pass, correct or annul
its commendation, delete a draft never submitted."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..admin.permissions import can_manage_unit
from ..appraisal.models import Commendation
from ..extensions import db
from ..forms_common import options
from ..lifecycle import on_error
from ..registry.models import Exemplar
from .corrections import (
    annul_commendation,
    correct_commendation,
    correct_pass,
    correctable,
    delete_draft,
)
from .forms import CommendationCorrectionForm, ReasonForm
from .views import bp


def _exemplar(exemplar_id: int) -> Exemplar:
    exemplar = db.session.get(Exemplar, exemplar_id)
    if exemplar is None or not can_manage_unit(current_user, exemplar.unit):
        abort(404)
    return exemplar


def _commendation(exemplar: Exemplar) -> Commendation | None:
    return db.session.scalar(
        db.select(Commendation)
        .where(Commendation.exemplar_id == exemplar.id)
        .order_by(Commendation.id.desc())
        .limit(1)
    )


def _correction_form(exemplar: Exemplar, c: Commendation | None):
    form = CommendationCorrectionForm(prefix="fix", obj=c)
    form.form_id.choices = options(
        (f.id, f.name) for f in exemplar.campaign.commendation_forms
    )
    return form


def _page(exemplar: Exemplar, status: int = 200, **forms):
    c = _commendation(exemplar)
    forms.setdefault("reason_form", ReasonForm(prefix="pass"))
    forms.setdefault("annul_form", ReasonForm(prefix="annul"))
    forms.setdefault("fix_form", _correction_form(exemplar, c))
    return render_template(
        "secretariat/corrections.html",
        exemplar=exemplar,
        commendation=c,
        undone=correctable(exemplar),
        **forms,
    ), status


@bp.get("/exemplars/<int:exemplar_id>/corrections")
def corrections(exemplar_id: int):
    return _page(_exemplar(exemplar_id))


@bp.post("/exemplars/<int:exemplar_id>/correct-pass")
def correct_exemplar(exemplar_id: int):
    exemplar = _exemplar(exemplar_id)
    form = ReasonForm(prefix="pass")
    if not form.validate_on_submit():
        return _page(exemplar, 400, reason_form=form)
    on_error(
        "secretariat/corrections.html",
        exemplar=exemplar,
        commendation=None,
        undone=None,
        reason_form=form,
        annul_form=ReasonForm(prefix="annul"),
        fix_form=_correction_form(exemplar, None),
    )
    correct_pass(exemplar, reason=form.reason.data, actor=current_user)
    flash(_("Đã đính chính và trả hồ sơ về bước trước."), "success")
    return redirect(url_for(".corrections", exemplar_id=exemplar_id))


@bp.post("/exemplars/<int:exemplar_id>/commendation/annul")
def annul(exemplar_id: int):
    exemplar = _exemplar(exemplar_id)
    c = _commendation(exemplar)
    if c is None:
        abort(404)
    form = ReasonForm(prefix="annul")
    if not form.validate_on_submit():
        return _page(exemplar, 400, annul_form=form)
    on_error(redirect_to=url_for(".corrections", exemplar_id=exemplar_id))
    annul_commendation(c, reason=form.reason.data, actor=current_user)
    flash(_("Đã hủy quyết định khen thưởng."), "success")
    return redirect(url_for(".corrections", exemplar_id=exemplar_id))


@bp.post("/exemplars/<int:exemplar_id>/commendation/correct")
def correct_decision(exemplar_id: int):
    exemplar = _exemplar(exemplar_id)
    c = _commendation(exemplar)
    if c is None:
        abort(404)
    form = _correction_form(exemplar, c)
    if not form.validate_on_submit():
        return _page(exemplar, 400, fix_form=form)
    cform = next(
        f for f in exemplar.campaign.commendation_forms if f.id == form.form_id.data
    )
    on_error(redirect_to=url_for(".corrections", exemplar_id=exemplar_id))
    correct_commendation(
        c,
        form=cform,
        issuing_body=form.issuing_body.data,
        decision_number=form.decision_number.data,
        decision_date=form.decision_date.data,
        reason=form.reason.data,
        actor=current_user,
    )
    flash(_("Đã đính chính quyết định khen thưởng."), "success")
    return redirect(url_for(".corrections", exemplar_id=exemplar_id))


@bp.post("/exemplars/<int:exemplar_id>/delete-draft")
def delete(exemplar_id: int):
    exemplar = _exemplar(exemplar_id)
    on_error(redirect_to=url_for(".corrections", exemplar_id=exemplar_id))
    delete_draft(exemplar, actor=current_user)
    flash(_("Đã xóa bản nháp."), "info")
    return redirect(url_for("admin.index"))
