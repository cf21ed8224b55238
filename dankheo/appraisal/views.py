"""The appraisal workspace (council members and chairs) and the secretariat's pages for
stages, rubrics, councils and commendations."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..auth.models import User
from ..campaigns.models import Campaign, CommendationForm, Criterion, Stage
from ..domain.enums import CampaignStatus, UnitTier
from ..domain.metrics import METRICS
from ..domain.tally import Ballot, Outcome
from ..domain.workflow import State
from ..errors import Conflict, DomainError
from ..extensions import db
from ..forms_common import page_arg
from ..registry.models import Attachment, Exemplar
from ..units.models import Unit
from . import operations as ops
from . import permissions, queries
from .forms import (
    CommendationRecordForm,
    CouncilForm,
    CriterionForm,
    MemberForm,
    ReplicateForm,
    ReturnForm,
    StageForm,
    options,
    vote_form,
)
from .minutes import minutes_data, minutes_xlsx, rule_lines
from .models import Council, CouncilMember, Round

bp = Blueprint("appraisal", __name__, url_prefix="/appraisal")

QUEUE_STATUSES = ("todo", "done", "all")
COUNCILS_PER_PAGE = 50


def _error(exc: DomainError) -> str:
    if isinstance(exc, Conflict) and exc.message in (
        "changed by someone else",
        "stale version",
    ):
        return _("Hồ sơ vừa được thay đổi bởi người khác; hãy tải lại trang.")
    if exc.message == "illegal transition":
        return _("Không thực hiện được thao tác này ở trạng thái hiện tại.")
    return str(exc.message)


def _council_or_404(council_id: int) -> Council:
    council = queries.load_council(council_id)
    if council is None:
        abort(404)
    return council


def _round_or_404(round_id: int) -> Round:
    rnd = db.session.get(Round, round_id)
    if rnd is None:
        abort(404)
    return rnd


# --- member workspace ------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    """The member's workspace: every council they sit on, with progress."""
    rows, past = [], []
    memberships = sorted(
        queries.memberships(current_user),
        key=lambda m: (
            -m.council.stage.campaign.year,
            m.council.stage.position,
            m.council.id,
        ),
    )
    for m in memberships:
        if m.council.stage.campaign.status == CampaignStatus.CLOSED:
            past.append(m)  # finished campaigns: listed, no progress to chase
        else:
            rows.append((m, queries.member_progress(m)))
    manage = (
        queries.secretariat_campaigns(current_user)
        if current_user.has_role("secretariat")
        else []
    )
    if not rows and not past and not manage:
        abort(403)
    return render_template("appraisal/index.html", rows=rows, past=past, manage=manage)


@bp.get("/councils/<int:council_id>/")
@login_required
def queue(council_id: int):
    council = _council_or_404(council_id)
    member = permissions.can_appraise(current_user, council)
    if member is None:
        abort(403)
    status = request.args.get("status", "todo")
    if status not in QUEUE_STATUSES:
        status = "todo"
    page = db.paginate(
        queries.member_queue(member, status=status),
        page=page_arg(),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    mine = queries.my_votes(member, [e.id for e in page.items])
    rnd = council.open_round
    progress = queries.member_progress(member)
    # The empty state explains the recusal only to a member who really is recused
    # from some of the council's entries.
    recused = 0
    if not page.items:
        in_council = db.session.scalar(
            select(func.count(Exemplar.id)).where(ops.queue_condition(council))
        )
        recused = (in_council or 0) - progress.total
    return render_template(
        "appraisal/queue.html",
        council=council,
        member=member,
        page=page,
        status=status,
        mine=mine,
        open_round=rnd,
        progress=progress,
        recused=recused,
        can_tally=permissions.can_view_tally(current_user, council),
    )


def _dossier_or_404(
    council: Council, member: CouncilMember, exemplar_id: int
) -> Exemplar:
    exemplar = queries.load_dossier(exemplar_id)
    if exemplar is None:
        abort(404)
    in_queue = db.session.scalar(
        select(func.count(Exemplar.id)).where(
            ops.member_queue_condition(member), Exemplar.id == exemplar.id
        )
    )
    if not in_queue:
        abort(404)  # not this council's, or the member is recused: not even listed
    return exemplar


def _diff(exemplar: Exemplar, stage: Stage) -> list[tuple[str, object, object]]:
    snap = queries.latest_snapshot(exemplar, stage)
    if snap is None:
        return []
    now = ops.snapshot_data(exemplar)
    labels = dict(_field_labels())
    return [
        (labels.get(k, k), snap.data.get(k), now.get(k))
        for k in now
        if snap.data.get(k) != now.get(k)
    ]


def _field_labels():
    yield "name", _("Tên mô hình, điển hình")
    yield "kind", _("Loại")
    yield "field_id", _("Lĩnh vực")
    yield "situation", _("Thực trạng, lý do xây dựng")
    yield "goals", _("Mục tiêu, tiêu chí")
    yield "content", _("Nội dung, cách thức thực hiện")
    yield "area", _("Địa bàn, đối tượng")
    yield "forces", _("Lực lượng thực hiện")
    yield "resources", _("Nguồn lực")
    yield "start_date", _("Ngày bắt đầu")
    yield "evaluation_date", _("Ngày đánh giá")
    yield "schedule", _("Tiến độ")
    yield "outputs", _("Sản phẩm, kết quả đầu ra")
    yield "sustainability", _("Khả năng duy trì, nhân rộng")
    yield "tags", _("Từ khóa")
    yield "address", _("Địa chỉ")
    yield "lead_name", _("Người chủ trì")
    yield "lead_position", _("Chức vụ")
    yield "is_continuing", _("Tiếp nối từ năm trước")
    yield "attachments", _("Tài liệu đính kèm")
    for m in METRICS:
        yield m.key, _(m.label)


@bp.route(
    "/councils/<int:council_id>/entries/<int:exemplar_id>", methods=["GET", "POST"]
)
@login_required
def entry(council_id: int, exemplar_id: int):
    """The dossier, attachments, the scoring form and the ballot."""
    council = _council_or_404(council_id)
    member = permissions.can_appraise(current_user, council)
    if member is None:
        abort(403)
    exemplar = _dossier_or_404(council, member, exemplar_id)
    stage = council.stage
    rnd = council.open_round
    mine = queries.my_votes(member, [exemplar.id]).get(exemplar.id)
    form = vote_form(stage.criteria)
    status = 200
    if (
        request.method == "GET"
        and mine is not None
        and rnd is not None
        and mine.round_id == rnd.id
    ):
        form.choice.data = mine.choice
        form.comment.data = mine.comment
        points = {s.criterion_id: s.points for s in mine.scores}
        for c, name in form.criterion_fields:
            getattr(form, name).data = points.get(c.id)
    if request.method == "POST":
        if rnd is None:
            flash(_("Hội đồng chưa mở phiên thẩm định."), "warning")
            return redirect(
                url_for(".entry", council_id=council.id, exemplar_id=exemplar.id)
            )
        if form.validate_on_submit():
            try:
                ops.cast_vote(
                    member,
                    exemplar,
                    choice=form.choice.data,
                    scores=form.scores(),
                    comment=form.comment.data or "",
                )
            except DomainError as exc:
                db.session.rollback()
                flash(_error(exc), "danger")
                status = exc.status_code
            else:
                db.session.commit()
                flash(
                    _(
                        "Đã lưu phiếu thẩm định. Bạn có thể sửa cho đến khi phiên kết thúc."
                    ),
                    "success",
                )
                nxt = db.session.scalar(
                    queries.member_queue(member, status="todo")
                    .with_only_columns(Exemplar.id)
                    .limit(1)
                )
                if nxt is not None and request.form.get("next") == "1":
                    return redirect(
                        url_for(".entry", council_id=council.id, exemplar_id=nxt)
                    )
                return redirect(
                    url_for(".entry", council_id=council.id, exemplar_id=exemplar.id)
                )
        else:
            status = 400
    others = []
    if stage.ballot == Ballot.OPEN and rnd is not None:
        others = [
            v
            for v in queries.open_ballot_votes(council, exemplar, rnd)
            if v.member_id != member.id
        ]
    return (
        render_template(
            "appraisal/entry.html",
            council=council,
            member=member,
            exemplar=exemplar,
            stage=stage,
            form=form,
            mine=mine,
            open_round=rnd,
            others=others,
            diff=_diff(exemplar, stage),
            return_reason=queries.return_reason(exemplar),
            metrics=METRICS,
            progress=queries.member_progress(member),
        ),
        status,
    )


@bp.get(
    "/councils/<int:council_id>/entries/<int:exemplar_id>/attachments/<int:attachment_id>"
)
@login_required
def attachment(council_id: int, exemplar_id: int, attachment_id: int):
    from ..registry.uploads import INLINE_TYPES, send_attachment

    council = _council_or_404(council_id)
    member = permissions.can_appraise(current_user, council)
    if member is None:
        abort(403)
    exemplar = _dossier_or_404(council, member, exemplar_id)
    att = db.session.get(Attachment, attachment_id)
    if att is None or att.exemplar_id != exemplar.id:
        abort(404)
    return send_attachment(
        att, inline=att.content_type in INLINE_TYPES, cache="private, no-store"
    )


# --- the chair -------------------------------------------------------------------------


@bp.get("/councils/<int:council_id>/tally")
@login_required
def tally(council_id: int):
    """Votes, approvals, averages, quorum and the outcome the rule would give."""
    council = _council_or_404(council_id)
    if not permissions.can_view_tally(current_user, council):
        abort(403)
    rnd = council.open_round
    plan = ops.tally_round(rnd) if rnd is not None else None
    closed = [r for r in council.rounds if r.closed_at is not None]
    # A secret ballot shows only participation and quorum until the close; a chair or
    # secretary never sees how the entries they are recused from are faring.
    secret = council.stage.ballot == Ballot.SECRET
    recused: set[int] = set()
    if plan is not None and council.member_for(current_user) is not None:
        recused = {
            row.exemplar.id
            for row in plan.rows
            if ops.actor_recused(council, row.exemplar, current_user)
        }
    summary = None
    if plan is not None and not secret:
        summary = Counter(
            row.decision.outcome.value
            for row in plan.rows
            if row.exemplar.id not in recused
        )
    return render_template(
        "appraisal/tally.html",
        council=council,
        stage=council.stage,
        open_round=rnd,
        plan=plan,
        secret=secret,
        recused=recused,
        summary=summary,
        closed_rounds=list(reversed(closed)),
        can_chair=permissions.can_chair(current_user, council),
        return_form=ReturnForm(),
        members=council.active_members,
        rule_lines=rule_lines(council.stage),
        Outcome=Outcome,
    )


@bp.post("/councils/<int:council_id>/rounds")
@login_required
def open_round(council_id: int):
    council = _council_or_404(council_id)
    if not permissions.can_chair(current_user, council):
        abort(403)
    try:
        rnd = ops.open_round(council, actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(_error(exc), "warning")
    except Exception as exc:  # the partial unique index: a second chair was faster
        from sqlalchemy.exc import IntegrityError

        if not isinstance(exc, IntegrityError):
            raise
        db.session.rollback()
        flash(_("Hội đồng đang có phiên chưa kết thúc."), "warning")
    else:
        db.session.commit()
        flash(_("Đã mở phiên thẩm định số %(n)d.", n=rnd.number), "success")
    return redirect(url_for(".tally", council_id=council.id))


@bp.post("/rounds/<int:round_id>/close")
@login_required
def close_round(round_id: int):
    rnd = _round_or_404(round_id)
    council = rnd.council
    if not permissions.can_chair(current_user, council):
        abort(403)
    try:
        summary = ops.close_round(rnd, actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(_error(exc), "warning")
        return redirect(url_for(".tally", council_id=council.id))
    db.session.commit()
    c = summary.counts
    flash(
        _(
            "Đã kết thúc phiên %(n)d: %(passed)d đạt, %(failed)d không đạt, %(returned)d trả lại bổ sung, %(pending)d chưa đủ số thành viên tham gia.",
            n=rnd.number,
            passed=c.get("passed", 0),
            failed=c.get("not_passed", 0) + c.get("over_quota", 0),
            returned=c.get("returned", 0),
            pending=c.get("no_quorum", 0),
        ),
        "success",
    )
    return redirect(url_for(".minutes", round_id=rnd.id))


@bp.post("/rounds/<int:round_id>/returns/<int:exemplar_id>")
@login_required
def mark_return(round_id: int, exemplar_id: int):
    rnd = _round_or_404(round_id)
    council = rnd.council
    if not permissions.can_chair(current_user, council):
        abort(403)
    exemplar = db.get_or_404(Exemplar, exemplar_id)
    form = ReturnForm()
    if request.form.get("undo") == "1":
        try:
            ops.unmark_return(rnd, exemplar, actor=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(_error(exc), "warning")
        else:
            db.session.commit()
            flash(_("Đã bỏ đề xuất trả lại hồ sơ."), "info")
    elif not form.validate_on_submit():
        flash(_("Cần ghi rõ nội dung cần bổ sung."), "danger")
    else:
        try:
            ops.mark_return(rnd, exemplar, reason=form.reason.data, actor=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(_error(exc), "warning")
        else:
            db.session.commit()
            flash(_("Hồ sơ sẽ được trả lại để bổ sung khi kết thúc phiên."), "info")
    return redirect(url_for(".tally", council_id=council.id, _anchor=f"e{exemplar_id}"))


@bp.get("/rounds/<int:round_id>/minutes")
@login_required
def minutes(round_id: int):
    rnd = _round_or_404(round_id)
    council = queries.load_council(rnd.council_id)
    if not permissions.can_read_minutes(current_user, council):
        abort(403)
    if rnd.is_open:
        flash(_("Biên bản chỉ có sau khi phiên kết thúc."), "info")
        return redirect(url_for(".queue", council_id=council.id))
    m = council.member_for(current_user)
    if permissions.can_view_tally(current_user, council):
        back = url_for(".tally", council_id=council.id)
    elif m is not None:
        back = url_for(".queue", council_id=council.id)
    else:
        back = url_for(".councils", stage_id=council.stage_id)
    return render_template(
        "appraisal/minutes.html",
        m=minutes_data(rnd),
        council=council,
        rnd=rnd,
        back=back,
    )


@bp.get("/rounds/<int:round_id>/minutes.xlsx")
@login_required
def minutes_export(round_id: int):
    rnd = _round_or_404(round_id)
    council = queries.load_council(rnd.council_id)
    if not permissions.can_read_minutes(current_user, council):
        abort(403)
    if rnd.is_open:
        abort(404)
    data = minutes_xlsx(minutes_data(rnd))
    return send_file(
        io.BytesIO(data),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"bien-ban-hoi-dong-{council.id}-phien-{rnd.number}.xlsx",
    )


# --- secretariat: stages, rubrics, councils --------------------------------------------


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


@bp.get("/manage/")
@login_required
def manage():
    if not current_user.has_role("secretariat"):
        abort(403)
    campaigns = queries.secretariat_campaigns(current_user)
    return render_template("appraisal/manage/index.html", campaigns=campaigns)


@bp.get("/manage/campaigns/<int:campaign_id>")
@login_required
def manage_campaign(campaign_id: int):
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


def _save_stage(form: StageForm, campaign: Campaign, stage: Stage | None):
    try:
        if stage is None:
            stage = ops.create_stage(campaign, form.rule_data(), actor=current_user)
        else:
            ops.update_stage(stage, form.rule_data(), actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(_error(exc), "danger")
        return None
    db.session.commit()
    return stage


@bp.route("/manage/campaigns/<int:campaign_id>/stages/new", methods=["GET", "POST"])
@login_required
def stage_new(campaign_id: int):
    campaign = _campaign_or_403(campaign_id)
    form = StageForm()
    if request.method == "GET":
        form.threshold.data = "1/2/s"
        form.tie_rule.data = "most_approvals"
    if form.validate_on_submit():
        stage = _save_stage(form, campaign, None)
        if stage is not None:
            flash(
                _(
                    "Đã thêm vòng “%(name)s”. Hãy thêm tiêu chí chấm điểm.",
                    name=stage.name,
                ),
                "success",
            )
            return redirect(url_for(".stage_edit", stage_id=stage.id))
    status = 400 if form.errors else 200
    return render_template(
        "appraisal/manage/stage.html", form=form, campaign=campaign, stage=None
    ), status


@bp.route("/manage/stages/<int:stage_id>", methods=["GET", "POST"])
@login_required
def stage_edit(stage_id: int):
    stage = _stage_or_403(stage_id)
    form = StageForm()
    if request.method == "GET":
        form.load(stage)
    if (
        form.validate_on_submit()
        and _save_stage(form, stage.campaign, stage) is not None
    ):
        flash(_("Đã lưu vòng thẩm định."), "success")
        return redirect(url_for(".stage_edit", stage_id=stage.id))
    status = 400 if form.errors else 200
    return (
        render_template(
            "appraisal/manage/stage.html",
            form=form,
            campaign=stage.campaign,
            stage=stage,
            criterion_form=CriterionForm(formdata=None),
            in_use=ops.stage_in_use(stage),
            rubric_warning=ops.rule_needs_rubric(stage),
        ),
        status,
    )


@bp.post("/manage/stages/<int:stage_id>/delete")
@login_required
def stage_delete(stage_id: int):
    stage = _stage_or_403(stage_id)
    campaign_id = stage.campaign_id
    try:
        ops.delete_stage(stage, actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(_error(exc), "danger")
        return redirect(url_for(".stage_edit", stage_id=stage_id))
    db.session.commit()
    flash(_("Đã xóa vòng thẩm định."), "info")
    return redirect(url_for(".manage_campaign", campaign_id=campaign_id))


@bp.post("/manage/stages/<int:stage_id>/move")
@login_required
def stage_move(stage_id: int):
    stage = _stage_or_403(stage_id)
    offset = -1 if request.form.get("direction") == "up" else 1
    try:
        ops.move_stage(stage, offset, actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(_error(exc), "danger")
    else:
        db.session.commit()
    return redirect(url_for(".manage_campaign", campaign_id=stage.campaign_id))


@bp.post("/manage/stages/<int:stage_id>/criteria")
@login_required
def criterion_add(stage_id: int):
    stage = _stage_or_403(stage_id)
    form = CriterionForm()
    if not form.validate_on_submit():
        flash(_("Tiêu chí cần có tên và điểm tối đa từ 1 đến 1000."), "danger")
    else:
        try:
            ops.add_criterion(
                stage,
                name=form.name.data,
                max_points=form.max_points.data,
                actor=current_user,
            )
        except DomainError as exc:
            db.session.rollback()
            flash(_error(exc), "danger")
        else:
            db.session.commit()
            flash(_("Đã thêm tiêu chí."), "success")
    return redirect(url_for(".stage_edit", stage_id=stage.id, _anchor="rubric"))


@bp.post("/manage/criteria/<int:criterion_id>")
@login_required
def criterion_edit(criterion_id: int):
    criterion = db.get_or_404(Criterion, criterion_id)
    stage = _stage_or_403(criterion.stage_id)
    form = CriterionForm()
    try:
        if request.form.get("delete") == "1":
            ops.delete_criterion(criterion, actor=current_user)
        elif not form.validate_on_submit():
            flash(_("Tiêu chí cần có tên và điểm tối đa từ 1 đến 1000."), "danger")
            return redirect(url_for(".stage_edit", stage_id=stage.id, _anchor="rubric"))
        else:
            ops.update_criterion(
                criterion,
                name=form.name.data,
                max_points=form.max_points.data,
                actor=current_user,
            )
    except DomainError as exc:
        db.session.rollback()
        flash(_error(exc), "danger")
    else:
        db.session.commit()
        flash(_("Đã lưu tiêu chí."), "success")
    return redirect(url_for(".stage_edit", stage_id=stage.id, _anchor="rubric"))


@bp.route("/manage/stages/<int:stage_id>/councils", methods=["GET", "POST"])
@login_required
def councils(stage_id: int):
    stage = _stage_or_403(stage_id)
    form = CouncilForm()
    form.unit_id.choices = options(
        (u.id, u.name) for u in queries.candidate_units(stage)
    )
    if form.validate_on_submit():
        unit = db.session.get(Unit, form.unit_id.data)
        try:
            council = ops.create_council(
                stage, unit, name=form.name.data, actor=current_user
            )
        except DomainError as exc:
            db.session.rollback()
            flash(_error(exc), "danger")
        else:
            db.session.commit()
            flash(_("Đã thành lập hội đồng. Hãy thêm thành viên."), "success")
            return redirect(url_for(".council_manage", council_id=council.id))
    q = (request.args.get("q") or "").strip()[:200]
    page = db.paginate(
        queries.stage_councils(stage, q=q),
        page=page_arg(),
        per_page=COUNCILS_PER_PAGE,
        error_out=False,
    )
    return (
        render_template(
            "appraisal/manage/councils.html",
            stage=stage,
            campaign=stage.campaign,
            page=page,
            q=q,
            queue_sizes=queries.queue_sizes(page.items),
            form=form,
        ),
        400 if form.errors else 200,
    )


@bp.route("/manage/councils/<int:council_id>", methods=["GET", "POST"])
@login_required
def council_manage(council_id: int):
    council = _council_or_404(council_id)
    if not permissions.secretariat_over(current_user, council.stage.campaign):
        abort(403)
    form = MemberForm()
    if form.validate_on_submit():
        user = db.session.scalar(
            select(User).where(User.username == form.username.data.strip().lower())
        )
        if user is None:
            form.username.errors.append(_("Không tìm thấy tài khoản này."))
        else:
            try:
                ops.add_member(council, user, role=form.role.data, actor=current_user)
            except DomainError as exc:
                db.session.rollback()
                flash(_error(exc), "danger")
            else:
                db.session.commit()
                flash(_("Đã cập nhật thành viên %(name)s.", name=user.name), "success")
                return redirect(url_for(".council_manage", council_id=council.id))
    return (
        render_template(
            "appraisal/manage/council.html",
            council=council,
            stage=council.stage,
            campaign=council.stage.campaign,
            form=form,
            queue_size=queries.council_queue_size(council),
        ),
        400 if form.errors else 200,
    )


@bp.post("/manage/members/<int:member_id>/remove")
@login_required
def member_remove(member_id: int):
    member = db.get_or_404(CouncilMember, member_id)
    if not permissions.secretariat_over(current_user, member.council.stage.campaign):
        abort(403)
    ops.remove_member(member, actor=current_user)
    db.session.commit()
    flash(
        _("Đã cho thành viên %(name)s thôi tham gia hội đồng.", name=member.user.name),
        "info",
    )
    return redirect(url_for(".council_manage", council_id=member.council_id))


# --- secretariat: commendation and replication -----------------------------------------


@bp.route("/manage/campaigns/<int:campaign_id>/commendations", methods=["GET", "POST"])
@login_required
def commendations(campaign_id: int):
    """Recommended entries: record a decision for one or a selected batch."""
    campaign = _campaign_or_403(campaign_id)
    form = CommendationRecordForm()
    forms = db.session.scalars(
        select(CommendationForm)
        .where(CommendationForm.campaign_id == campaign.id)
        .order_by(CommendationForm.position)
    ).all()
    form.form_id.choices = options((f.id, f.name) for f in forms)
    status = 200
    if request.method == "POST":
        ids = sorted(
            {int(i) for i in request.form.getlist("exemplar_ids") if i.isdigit()}
        )
        if form.validate_on_submit():
            chosen = db.session.scalars(
                select(Exemplar).where(
                    Exemplar.id.in_(ids), Exemplar.campaign_id == campaign.id
                )
            ).all()
            cform = db.session.get(CommendationForm, form.form_id.data)
            try:
                if len(chosen) != len(ids):
                    raise DomainError(_("Có hồ sơ không thuộc đợt thi đua này."))
                done = ops.record_commendations(
                    chosen,
                    form=cform,
                    issuing_body=form.issuing_body.data or "",
                    decision_number=form.decision_number.data,
                    decision_date=form.decision_date.data,
                    actor=current_user,
                )
            except DomainError as exc:
                db.session.rollback()
                flash(_error(exc), "danger")
                status = exc.status_code
            else:
                db.session.commit()
                flash(
                    _(
                        "Đã ghi nhận khen thưởng cho %(n)d hồ sơ theo quyết định %(num)s.",
                        n=len(done),
                        num=form.decision_number.data,
                    ),
                    "success",
                )
                return redirect(url_for(".commendations", campaign_id=campaign.id))
        else:
            status = 400
    if request.method == "GET":
        form.decision_date.data = date.today()
    tab = request.args.get("tab", "recommended")
    state = State.COMMENDED.value if tab == "commended" else State.RECOMMENDED.value
    if tab == "replicated":
        state = State.REPLICATED.value
    page = db.paginate(
        queries.recommended_entries(campaign, state=state),
        page=page_arg(),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return (
        render_template(
            "appraisal/manage/commendations.html",
            campaign=campaign,
            form=form,
            page=page,
            tab=tab,
            commendations=queries.commendations_for([e.id for e in page.items]),
            funnel=queries.campaign_funnel(campaign),
            replicate_form=ReplicateForm(formdata=None),
            has_forms=bool(forms),
        ),
        status,
    )


@bp.post("/manage/exemplars/<int:exemplar_id>/replicate")
@login_required
def replicate(exemplar_id: int):
    exemplar = db.get_or_404(Exemplar, exemplar_id)
    campaign = _campaign_or_403(exemplar.campaign_id)
    form = ReplicateForm()
    if not form.validate_on_submit():
        flash(_("Cần ghi rõ nơi, cách thức nhân rộng."), "danger")
    else:
        try:
            ops.mark_replicated(exemplar, note=form.note.data, actor=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(_error(exc), "danger")
        else:
            db.session.commit()
            flash(
                _("Đã ghi nhận “%(name)s” được nhân rộng.", name=exemplar.name),
                "success",
            )
    return redirect(url_for(".commendations", campaign_id=campaign.id, tab="commended"))
