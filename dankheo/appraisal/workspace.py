"""The council's workspace: members see their queue (the dossier they read and vote
on: :mod:`.dossier`); chairs preview the tally, mark returns, open and close rounds;
everyone on the council reads the minutes."""

from __future__ import annotations

import io
from collections import Counter

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

from ..domain.enums import CampaignStatus
from ..domain.tally import BallotMode, Outcome
from ..extensions import db
from ..forms_common import page_arg
from ..lifecycle import on_error
from ..registry.models import Exemplar
from . import permissions, queries
from .closing import close_round as close_round_op
from .closing import tally_round
from .councils import open_round as open_round_op
from .forms import OpenRoundForm, ReturnForm
from .minutes import minutes_data, minutes_xlsx, rule_lines
from .models import Council, CouncilMember, Round
from .recusal import actor_recused, queue_condition
from .views import bp
from .voting import mark_return as mark_return_op
from .voting import unmark_return

QUEUE_STATUSES = ("todo", "done", "all")


def council_or_404(council_id: int) -> Council:
    council = queries.load_council(council_id)
    if council is None:
        abort(404)
    return council


def _round_or_404(round_id: int) -> Round:
    rnd = db.session.get(Round, round_id)
    if rnd is None:
        abort(404)
    return rnd


def member_or_403(council: Council) -> CouncilMember:
    member = permissions.can_appraise(current_user, council)
    if member is None:
        abort(403)
    return member


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """The member's workspace: every council they sit on, with progress and how many
    entries wait for the council (its whole queue: a chair recused from some of them
    still runs the session that decides them)."""
    rows: list[tuple[CouncilMember, queries.Progress, int]] = []
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
            rows.append(
                (
                    m,
                    queries.member_progress(m),
                    queries.council_queue_size(m.council),
                )
            )
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
    council = council_or_404(council_id)
    member = member_or_403(council)
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
        can_chair=permissions.can_chair(current_user, council),
    )


# --- the chair -------------------------------------------------------------------------


@bp.get("/councils/<int:council_id>/tally")
@login_required
def tally(council_id: int) -> ResponseReturnValue:
    """Votes, approvals, averages, quorum and the outcome the rule would give."""
    council = council_or_404(council_id)
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
    council = council_or_404(council_id)
    if not permissions.can_chair(current_user, council):
        abort(403)
    back = url_for(".tally", council_id=council.id)
    on_error(redirect_to=back)
    form = OpenRoundForm()
    if not form.validate_on_submit():
        for error in form.closes_on.errors:
            flash(error, "danger")
        return redirect(back)
    rnd = open_round_op(council, actor=current_user, closes_on=form.closes_on.data)
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
