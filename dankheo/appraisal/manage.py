"""The secretariat's pages: a campaign's stages and rubrics, its councils and their
members, and after the last stage the commendations and replication."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from .. import clock
from ..auth.models import User
from ..campaigns.models import Campaign, CommendationForm, Criterion, Stage
from ..domain import N_
from ..domain.enums import UnitTier
from ..domain.workflow import State
from ..errors import InvalidInput
from ..extensions import db
from ..forms_common import page_arg
from ..lifecycle import on_error
from ..registry.models import Exemplar
from ..units.models import Unit
from . import permissions, queries
from .commendations import mark_replicated, record_commendations
from .councils import add_member, create_council, remove_member
from .forms import (
    CommendationRecordForm,
    CouncilForm,
    CriterionForm,
    MemberForm,
    ReplicateForm,
    StageForm,
    options,
)
from .models import Council, CouncilMember
from .setup import (
    add_criterion,
    create_stage,
    delete_criterion,
    delete_stage,
    move_stage,
    rule_needs_rubric,
    stage_in_use,
    update_criterion,
    update_stage,
)
from .views import bp

COUNCILS_PER_PAGE = 50


def _campaign_or_403(campaign_id: int) -> Campaign:
    campaign = db.get_or_404(Campaign, campaign_id)
    if not permissions.secretariat_over(current_user, campaign):
        abort(403)
    return campaign


def _stage_or_403(stage_id: int) -> Stage:
    stage = db.get_or_404(Stage, stage_id)
    if not permissions.secretariat_over(current_user, stage.campaign):
        abort(403)
    return stage


def _council_or_403(council_id: int) -> Council:
    council = queries.load_council(council_id)
    if council is None:
        abort(404)
    if not permissions.secretariat_over(current_user, council.stage.campaign):
        abort(403)
    return council


@bp.get("/manage/")
@login_required
def manage() -> ResponseReturnValue:
    if not current_user.has_role("secretariat"):
        abort(403)
    campaigns = queries.secretariat_campaigns(current_user)
    return render_template("appraisal/manage/index.html", campaigns=campaigns)


@bp.get("/manage/campaigns/<int:campaign_id>")
@login_required
def manage_campaign(campaign_id: int) -> ResponseReturnValue:
    campaign = _campaign_or_403(campaign_id)
    stages = db.session.scalars(
        select(Stage).where(Stage.campaign_id == campaign.id).order_by(Stage.position)
    ).all()
    council_counts = (
        dict(
            db.session.execute(
                select(Council.stage_id, func.count(Council.id))
                .where(Council.stage_id.in_([s.id for s in stages]))
                .group_by(Council.stage_id)
            ).all()
        )
        if stages
        else {}
    )
    return render_template(
        "appraisal/manage/campaign.html",
        campaign=campaign,
        stages=stages,
        council_counts=council_counts,
        funnel=queries.campaign_funnel(campaign),
        tiers=dict(UnitTier.choices()),
    )


# --- stages and rubrics ----------------------------------------------------------------


@bp.route("/manage/campaigns/<int:campaign_id>/stages/new", methods=["GET", "POST"])
@login_required
def stage_new(campaign_id: int) -> ResponseReturnValue:
    campaign = _campaign_or_403(campaign_id)
    form = StageForm()
    context: dict[str, Any] = {"form": form, "campaign": campaign, "stage": None}
    if request.method == "GET":
        form.threshold.data = "1/2/s"
        form.tie_rule.data = "most_approvals"
    elif form.validate_on_submit():
        on_error("appraisal/manage/stage.html", **context)
        stage = create_stage(campaign, form.rule_data(), actor=current_user)
        flash(
            _("Đã thêm vòng “%(name)s”. Hãy thêm tiêu chí chấm điểm.", name=stage.name),
            "success",
        )
        return redirect(url_for(".stage_edit", stage_id=stage.id))
    status = 400 if form.errors else 200
    return render_template("appraisal/manage/stage.html", **context), status


@bp.route("/manage/stages/<int:stage_id>", methods=["GET", "POST"])
@login_required
def stage_edit(stage_id: int) -> ResponseReturnValue:
    stage = _stage_or_403(stage_id)
    form = StageForm()
    if request.method == "GET":
        form.load(stage)
    warning = rule_needs_rubric(stage)
    context: dict[str, Any] = {
        "form": form,
        "campaign": stage.campaign,
        "stage": stage,
        "criterion_form": CriterionForm(formdata=None),
        "in_use": stage_in_use(stage),
        "rubric_warning": warning,
    }
    if form.validate_on_submit():
        on_error("appraisal/manage/stage.html", **context)
        update_stage(stage, form.rule_data(), actor=current_user)
        flash(_("Đã lưu vòng thẩm định."), "success")
        return redirect(url_for(".stage_edit", stage_id=stage_id))
    status = 400 if form.errors else 200
    return render_template("appraisal/manage/stage.html", **context), status


@bp.post("/manage/stages/<int:stage_id>/delete")
@login_required
def stage_delete(stage_id: int) -> ResponseReturnValue:
    stage = _stage_or_403(stage_id)
    campaign_id = stage.campaign_id
    on_error(redirect_to=url_for(".stage_edit", stage_id=stage_id))
    delete_stage(stage, actor=current_user)
    flash(_("Đã xóa vòng thẩm định."), "info")
    return redirect(url_for(".manage_campaign", campaign_id=campaign_id))


@bp.post("/manage/stages/<int:stage_id>/move")
@login_required
def stage_move(stage_id: int) -> ResponseReturnValue:
    stage = _stage_or_403(stage_id)
    back = url_for(".manage_campaign", campaign_id=stage.campaign_id)
    on_error(redirect_to=back)
    offset = -1 if request.form.get("direction") == "up" else 1
    move_stage(stage, offset, actor=current_user)
    return redirect(back)


@bp.post("/manage/stages/<int:stage_id>/criteria")
@login_required
def criterion_add(stage_id: int) -> ResponseReturnValue:
    stage = _stage_or_403(stage_id)
    back = url_for(".stage_edit", stage_id=stage.id, _anchor="rubric")
    form = CriterionForm()
    if not form.validate_on_submit():
        flash(_("Tiêu chí cần có tên và điểm tối đa từ 1 đến 1000."), "danger")
        return redirect(back)
    on_error(redirect_to=back)
    add_criterion(
        stage, name=form.name.data, max_points=form.max_points.data, actor=current_user
    )
    flash(_("Đã thêm tiêu chí."), "success")
    return redirect(back)


@bp.post("/manage/criteria/<int:criterion_id>")
@login_required
def criterion_edit(criterion_id: int) -> ResponseReturnValue:
    criterion = db.get_or_404(Criterion, criterion_id)
    stage = _stage_or_403(criterion.stage_id)
    back = url_for(".stage_edit", stage_id=stage.id, _anchor="rubric")
    on_error(redirect_to=back)
    form = CriterionForm()
    if request.form.get("delete") == "1":
        delete_criterion(criterion, actor=current_user)
    elif not form.validate_on_submit():
        flash(_("Tiêu chí cần có tên và điểm tối đa từ 1 đến 1000."), "danger")
        return redirect(back)
    else:
        update_criterion(
            criterion,
            name=form.name.data,
            max_points=form.max_points.data,
            actor=current_user,
        )
    flash(_("Đã lưu tiêu chí."), "success")
    return redirect(back)


# --- councils and members ----------------------------------------------------------------


@bp.route("/manage/stages/<int:stage_id>/councils", methods=["GET", "POST"])
@login_required
def councils(stage_id: int) -> ResponseReturnValue:
    stage = _stage_or_403(stage_id)
    form = CouncilForm()
    form.unit_id.choices = options(
        (u.id, u.name) for u in queries.candidate_units(stage)
    )
    q = (request.args.get("q") or "").strip()[:200]
    page = db.paginate(
        queries.stage_councils(stage, q=q),
        page=page_arg(),
        per_page=COUNCILS_PER_PAGE,
        error_out=False,
    )
    context: dict[str, Any] = {
        "stage": stage,
        "campaign": stage.campaign,
        "page": page,
        "q": q,
        "queue_sizes": queries.queue_sizes(page.items),
        "form": form,
    }
    if form.validate_on_submit():
        on_error("appraisal/manage/councils.html", **context)
        unit = db.session.get(Unit, form.unit_id.data)
        if unit is None:
            raise InvalidInput(field="unit_id")
        council = create_council(stage, unit, name=form.name.data, actor=current_user)
        flash(_("Đã thành lập hội đồng. Hãy thêm thành viên."), "success")
        return redirect(url_for(".council_manage", council_id=council.id))
    status = 400 if form.errors else 200
    return render_template("appraisal/manage/councils.html", **context), status


@bp.route("/manage/councils/<int:council_id>", methods=["GET", "POST"])
@login_required
def council_manage(council_id: int) -> ResponseReturnValue:
    council = _council_or_403(council_id)
    form = MemberForm()
    context: dict[str, Any] = {
        "council": council,
        "stage": council.stage,
        "campaign": council.stage.campaign,
        "form": form,
        "queue_size": queries.council_queue_size(council),
    }
    if form.validate_on_submit():
        on_error("appraisal/manage/council.html", **context)
        user = db.session.scalar(
            select(User).where(User.username == form.username.data.strip().lower())
        )
        if user is None:
            raise InvalidInput(N_("Không tìm thấy tài khoản này."), field="username")
        name = user.name
        add_member(council, user, role=form.role.data, actor=current_user)
        flash(_("Đã cập nhật thành viên %(name)s.", name=name), "success")
        return redirect(url_for(".council_manage", council_id=council.id))
    status = 400 if form.errors else 200
    return render_template("appraisal/manage/council.html", **context), status


@bp.post("/manage/members/<int:member_id>/remove")
@login_required
def member_remove(member_id: int) -> ResponseReturnValue:
    member = db.get_or_404(CouncilMember, member_id)
    if not permissions.secretariat_over(current_user, member.council.stage.campaign):
        abort(403)
    council_id, name = member.council_id, member.user.name
    remove_member(member, actor=current_user)
    flash(_("Đã cho thành viên %(name)s thôi tham gia hội đồng.", name=name), "info")
    return redirect(url_for(".council_manage", council_id=council_id))


# --- commendation and replication -----------------------------------------------------


@bp.route("/manage/campaigns/<int:campaign_id>/commendations", methods=["GET", "POST"])
@login_required
def commendations(campaign_id: int) -> ResponseReturnValue:
    """Recommended exemplars: record a decision for one or a selected batch."""
    campaign = _campaign_or_403(campaign_id)
    form = CommendationRecordForm()
    forms = db.session.scalars(
        select(CommendationForm)
        .where(CommendationForm.campaign_id == campaign.id)
        .order_by(CommendationForm.position)
    ).all()
    form.form_id.choices = options((f.id, f.name) for f in forms)
    if request.method == "GET":
        form.decision_date.data = clock.today()
    tab = request.args.get("tab", "recommended")
    state = {
        "commended": State.COMMENDED.value,
        "replicated": State.REPLICATED.value,
    }.get(tab, State.RECOMMENDED.value)
    page = db.paginate(
        queries.recommended_exemplars(campaign, state=state),
        page=page_arg(),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    context: dict[str, Any] = {
        "campaign": campaign,
        "form": form,
        "page": page,
        "tab": tab,
        "commendations": queries.commendations_for([e.id for e in page.items]),
        "funnel": queries.campaign_funnel(campaign),
        "replicate_form": ReplicateForm(formdata=None),
        "has_forms": bool(forms),
    }
    template = "appraisal/manage/commendations.html"
    if request.method == "GET":
        return render_template(template, **context)
    if not form.validate_on_submit():
        return render_template(template, **context), 400
    on_error(template, **context)
    ids = sorted({int(i) for i in request.form.getlist("exemplar_ids") if i.isdigit()})
    chosen = db.session.scalars(
        select(Exemplar).where(
            Exemplar.id.in_(ids), Exemplar.campaign_id == campaign.id
        )
    ).all()
    if len(chosen) != len(ids):
        raise InvalidInput(N_("Có hồ sơ không thuộc đợt thi đua này."))
    cform = db.session.get(CommendationForm, form.form_id.data)
    if cform is None:
        raise InvalidInput(field="form_id")
    done = record_commendations(
        chosen,
        form=cform,
        issuing_body=form.issuing_body.data or "",
        decision_number=form.decision_number.data,
        decision_date=form.decision_date.data,
        actor=current_user,
    )
    flash(
        _(
            "Đã ghi nhận khen thưởng cho %(n)d hồ sơ theo quyết định %(num)s.",
            n=len(done),
            num=form.decision_number.data,
        ),
        "success",
    )
    return redirect(url_for(".commendations", campaign_id=campaign.id))


@bp.post("/manage/exemplars/<int:exemplar_id>/replicate")
@login_required
def replicate(exemplar_id: int) -> ResponseReturnValue:
    exemplar = db.get_or_404(Exemplar, exemplar_id)
    campaign = _campaign_or_403(exemplar.campaign_id)
    back = url_for(".commendations", campaign_id=campaign.id, tab="commended")
    form = ReplicateForm()
    if not form.validate_on_submit():
        flash(_("Cần ghi rõ nơi, cách thức nhân rộng."), "danger")
        return redirect(back)
    on_error(redirect_to=back)
    name = exemplar.name
    mark_replicated(exemplar, note=form.note.data, actor=current_user)
    flash(_("Đã ghi nhận “%(name)s” được nhân rộng.", name=name), "success")
    return redirect(back)
