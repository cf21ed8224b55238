"""The council's workspace: members see their queue, read a dossier and vote; chairs
preview the tally, mark returns, open and close rounds; everyone on the council reads
the minutes."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..campaigns.models import Stage
from ..domain import N_
from ..domain.enums import CampaignStatus
from ..domain.metrics import METRICS
from ..domain.tally import BallotMode, Outcome
from ..duplicates.queries import dossier_notices as duplicate_notices
from ..errors import RuleRefused
from ..extensions import db
from ..forms_common import page_arg
from ..lifecycle import on_error
from ..registry.models import Attachment, Exemplar
from . import permissions, queries
from .closing import close_round as close_round_op
from .closing import snapshot_data, tally_round
from .councils import open_round as open_round_op
from .forms import ReturnForm, vote_form
from .minutes import minutes_data, minutes_xlsx, rule_lines
from .models import Council, CouncilMember, Round, Vote
from .recusal import actor_recused, member_queue_condition, queue_condition
from .views import bp
from .voting import cast_vote, unmark_return
from .voting import mark_return as mark_return_op

QUEUE_STATUSES = ("todo", "done", "all")


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


def _member_or_403(council: Council) -> CouncilMember:
    member = permissions.can_appraise(current_user, council)
    if member is None:
        abort(403)
    return member


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """The member's workspace: every council they sit on, with progress."""
    rows: list[tuple[CouncilMember, queries.Progress]] = []
    past: list[CouncilMember] = []
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
def queue(council_id: int) -> ResponseReturnValue:
    council = _council_or_404(council_id)
    member = _member_or_403(council)
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
    progress = queries.member_progress(member)
    # The empty state explains the recusal only to a member who really is recused
    # from some of the council's exemplars.
    recused = 0
    if not page.items:
        in_council = db.session.scalar(
            select(func.count(Exemplar.id)).where(queue_condition(council))
        )
        recused = (in_council or 0) - progress.total
    return render_template(
        "appraisal/queue.html",
        council=council,
        member=member,
        page=page,
        status=status,
        mine=mine,
        open_round=council.open_round,
        progress=progress,
        recused=recused,
        can_tally=permissions.can_view_tally(current_user, council),
    )


def _dossier_or_404(member: CouncilMember, exemplar_id: int) -> Exemplar:
    exemplar = queries.load_dossier(exemplar_id)
    if exemplar is None:
        abort(404)
    in_queue = db.session.scalar(
        select(func.count(Exemplar.id)).where(
            member_queue_condition(member), Exemplar.id == exemplar.id
        )
    )
    if not in_queue:
        abort(404)  # not this council's, or the member is recused: not even listed
    return exemplar


def _field_labels() -> Iterator[tuple[str, str]]:
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


def _diff(exemplar: Exemplar, stage: Stage) -> list[tuple[str, object, object]]:
    """What changed since the council returned the dossier (empty if it never did)."""
    snap = queries.latest_snapshot(exemplar, stage)
    if snap is None:
        return []
    now = snapshot_data(exemplar)
    labels = dict(_field_labels())
    return [
        (labels.get(k, k), snap.data.get(k), now.get(k))
        for k in now
        if snap.data.get(k) != now.get(k)
    ]


@bp.route(
    "/councils/<int:council_id>/entries/<int:exemplar_id>", methods=["GET", "POST"]
)
@login_required
def dossier(council_id: int, exemplar_id: int) -> ResponseReturnValue:
    """The dossier, attachments, the scoring form and the member's vote."""
    council = _council_or_404(council_id)
    member = _member_or_403(council)
    exemplar = _dossier_or_404(member, exemplar_id)
    stage = council.stage
    rnd = council.open_round
    here = url_for(".dossier", council_id=council.id, exemplar_id=exemplar.id)
    mine = queries.my_votes(member, [exemplar.id]).get(exemplar.id)
    form = vote_form(stage.criteria)
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
    others: list[Vote] = []
    if stage.ballot_mode == BallotMode.OPEN and rnd is not None:
        others = [
            v
            for v in queries.open_ballot_votes(council, exemplar, rnd)
            if v.member_id != member.id
        ]
    context: dict[str, Any] = {
        "council": council,
        "member": member,
        "exemplar": exemplar,
        "stage": stage,
        "form": form,
        "mine": mine,
        "open_round": rnd,
        "others": others,
        "diff": _diff(exemplar, stage),
        "return_reason": queries.return_reason(exemplar),
        "metrics": METRICS,
        "progress": queries.member_progress(member),
        **duplicate_notices(exemplar, member_queue_condition(member)),
    }
    if request.method == "POST":
        if rnd is None:
            # The round closed while the member was filling in the form.
            on_error(redirect_to=here)
            raise RuleRefused(N_("Hội đồng chưa mở phiên thẩm định."))
        if not form.validate_on_submit():
            return render_template("appraisal/dossier.html", **context), 400
        on_error("appraisal/dossier.html", **context)
        cast_vote(
            member,
            exemplar,
            choice=form.choice.data,
            scores=form.scores(),
            comment=form.comment.data or "",
        )
        flash(
            _("Đã lưu phiếu thẩm định. Bạn có thể sửa cho đến khi phiên kết thúc."),
            "success",
        )
        nxt = db.session.scalar(
            queries.member_queue(member, status="todo")
            .with_only_columns(Exemplar.id)
            .limit(1)
        )
        if nxt is not None and request.form.get("next") == "1":
            return redirect(url_for(".dossier", council_id=council.id, exemplar_id=nxt))
        return redirect(here)
    return render_template("appraisal/dossier.html", **context)


@bp.get(
    "/councils/<int:council_id>/entries/<int:exemplar_id>/attachments/<int:attachment_id>"
)
@login_required
def attachment(
    council_id: int, exemplar_id: int, attachment_id: int
) -> ResponseReturnValue:
    from ..registry.uploads import INLINE_TYPES, send_attachment

    council = _council_or_404(council_id)
    member = _member_or_403(council)
    exemplar = _dossier_or_404(member, exemplar_id)
    att = db.session.get(Attachment, attachment_id)
    if att is None or att.exemplar_id != exemplar.id:
        abort(404)
    return send_attachment(
        att, inline=att.content_type in INLINE_TYPES, cache="private, no-store"
    )


# --- the chair -------------------------------------------------------------------------


@bp.get("/councils/<int:council_id>/tally")
@login_required
def tally(council_id: int) -> ResponseReturnValue:
    """Votes, approvals, averages, quorum and the outcome the rule would give."""
    council = _council_or_404(council_id)
    if not permissions.can_view_tally(current_user, council):
        abort(403)
    rnd = council.open_round
    plan = tally_round(rnd) if rnd is not None else None
    closed = [r for r in council.rounds if r.closed_at is not None]
    # A secret ballot shows only participation and quorum until the close; a chair or
    # secretary never sees how the exemplars they are recused from are faring.
    secret = council.stage.ballot_mode == BallotMode.SECRET
    recused: set[int] = set()
    if plan is not None and council.member_for(current_user) is not None:
        recused = {
            row.exemplar.id
            for row in plan.rows
            if actor_recused(council, row.exemplar, current_user)
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
def open_round(council_id: int) -> ResponseReturnValue:
    council = _council_or_404(council_id)
    if not permissions.can_chair(current_user, council):
        abort(403)
    back = url_for(".tally", council_id=council.id)
    on_error(redirect_to=back)
    rnd = open_round_op(council, actor=current_user)
    flash(_("Đã mở phiên thẩm định số %(n)d.", n=rnd.number), "success")
    return redirect(back)


@bp.post("/rounds/<int:round_id>/close")
@login_required
def close_round(round_id: int) -> ResponseReturnValue:
    rnd = _round_or_404(round_id)
    council = rnd.council
    if not permissions.can_chair(current_user, council):
        abort(403)
    on_error(redirect_to=url_for(".tally", council_id=council.id))
    number = rnd.number
    summary = close_round_op(rnd, actor=current_user)
    c = summary.counts
    flash(
        _(
            "Đã kết thúc phiên %(n)d: %(passed)d đạt, %(failed)d không đạt, %(returned)d trả lại bổ sung, %(pending)d chưa đủ số thành viên tham gia.",
            n=number,
            passed=c.get("passed", 0),
            failed=c.get("not_passed", 0) + c.get("over_quota", 0),
            returned=c.get("returned", 0),
            pending=c.get("no_quorum", 0),
        ),
        "success",
    )
    return redirect(url_for(".minutes", round_id=round_id))


@bp.post("/rounds/<int:round_id>/returns/<int:exemplar_id>")
@login_required
def mark_return(round_id: int, exemplar_id: int) -> ResponseReturnValue:
    rnd = _round_or_404(round_id)
    council = rnd.council
    if not permissions.can_chair(current_user, council):
        abort(403)
    exemplar = db.get_or_404(Exemplar, exemplar_id)
    back = url_for(".tally", council_id=council.id, _anchor=f"e{exemplar_id}")
    on_error(redirect_to=back)
    form = ReturnForm()
    if request.form.get("undo") == "1":
        unmark_return(rnd, exemplar, actor=current_user)
        flash(_("Đã bỏ đề xuất trả lại hồ sơ."), "info")
    elif not form.validate_on_submit():
        flash(_("Cần ghi rõ nội dung cần bổ sung."), "danger")
    else:
        mark_return_op(rnd, exemplar, reason=form.reason.data, actor=current_user)
        flash(_("Hồ sơ sẽ được trả lại để bổ sung khi kết thúc phiên."), "info")
    return redirect(back)


@bp.get("/rounds/<int:round_id>/minutes")
@login_required
def minutes(round_id: int) -> ResponseReturnValue:
    rnd = _round_or_404(round_id)
    council = queries.load_council(rnd.council_id)
    if council is None or not permissions.can_read_minutes(current_user, council):
        abort(403)
    if rnd.is_open:
        flash(_("Biên bản chỉ có sau khi phiên kết thúc."), "info")
        return redirect(url_for(".queue", council_id=council.id))
    if permissions.can_view_tally(current_user, council):
        back = url_for(".tally", council_id=council.id)
    elif council.member_for(current_user) is not None:
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
def minutes_export(round_id: int) -> ResponseReturnValue:
    rnd = _round_or_404(round_id)
    council = queries.load_council(rnd.council_id)
    if council is None or not permissions.can_read_minutes(current_user, council):
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
