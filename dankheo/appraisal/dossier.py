"""The dossier a council member reads and votes on: its content, what changed since
the council returned it, its attachments and the member's ballot."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import func, select

from ..campaigns.models import Stage
from ..domain import N_
from ..domain.metrics import METRICS
from ..domain.tally import BallotMode
from ..duplicates.queries import dossier_notices as duplicate_notices
from ..errors import Conflict, RuleRefused
from ..extensions import db
from ..lifecycle import on_error
from ..registry.models import Attachment, Exemplar
from ..registry.uploads import INLINE_TYPES, send_attachment
from . import queries
from .closing import snapshot_data
from .forms import vote_form
from .models import CouncilMember, Vote
from .recusal import came_to, member_queue_condition, member_recused
from .views import bp
from .voting import LEFT_QUEUE, VoteInput, cast_votes
from .workspace import council_or_404, member_or_403


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
        if request.method == "POST" and (
            came_to(member.council, exemplar) and not member_recused(member, exemplar)
        ):
            # Withdrawn or decided while the member filled in the form: late, not lost.
            on_error(redirect_to=url_for(".queue", council_id=member.council_id))
            raise Conflict(LEFT_QUEUE, name=exemplar.name)
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
    """The dossier, attachments, the scoring form and the member's vote.

    A vote (POST) reads only what it writes on: the page around the form is built for
    a GET, or when the vote is refused and the form is shown again."""
    council = council_or_404(council_id)
    member = member_or_403(council)
    exemplar = _dossier_or_404(member, exemplar_id)
    stage = council.stage
    rnd = council.open_round
    here = url_for(".dossier", council_id=council.id, exemplar_id=exemplar.id)
    form = vote_form(stage.criteria)
    if request.method == "POST":
        if rnd is None:
            # The round closed while the member was filling in the form.
            on_error(redirect_to=here)
            raise RuleRefused(N_("Hội đồng chưa mở phiên thẩm định."))
        if not form.validate_on_submit():
            page = _page(member, exemplar, form)
            return render_template("appraisal/dossier.html", **page), 400
        on_error(
            "appraisal/dossier.html",
            context_from=lambda: _page(member, exemplar, form),
        )
        cast_votes(
            member,
            [
                VoteInput(
                    exemplar.id,
                    form.choice.data,
                    form.scores(),
                    form.comment.data or "",
                )
            ],
        )
        flash(
            _("Đã lưu phiếu thẩm định. Bạn có thể sửa cho đến khi phiên kết thúc."),
            "success",
        )
        if request.form.get("next") == "1":
            nxt = db.session.scalar(
                queries.member_queue(member, status="todo")
                .with_only_columns(Exemplar.id)
                .limit(1)
            )
            if nxt is not None:
                return redirect(
                    url_for(".dossier", council_id=council.id, exemplar_id=nxt)
                )
        return redirect(here)
    page = _page(member, exemplar, form)
    mine = page["mine"]
    if mine is not None and rnd is not None and mine.round_id == rnd.id:
        form.choice.data = mine.choice
        form.comment.data = mine.comment
        points = {s.criterion_id: s.points for s in mine.scores}
        for c, name in form.criterion_fields:
            getattr(form, name).data = points.get(c.id)
    return render_template("appraisal/dossier.html", **page)


def _page(member: CouncilMember, exemplar: Exemplar, form: Any) -> dict[str, Any]:
    """What the dossier page shows around the form."""
    council = member.council
    stage = council.stage
    rnd = council.open_round
    others: list[Vote] = []
    if stage.ballot_mode == BallotMode.OPEN and rnd is not None:
        others = [
            v
            for v in queries.open_ballot_votes(council, exemplar, rnd)
            if v.member_id != member.id
        ]
    return {
        "council": council,
        "member": member,
        "exemplar": exemplar,
        "stage": stage,
        "form": form,
        "mine": queries.my_votes(member, [exemplar.id]).get(exemplar.id),
        "open_round": rnd,
        "others": others,
        "diff": _diff(exemplar, stage),
        "return_reason": queries.return_reason(exemplar),
        "metrics": METRICS,
        "progress": queries.member_progress(member),
        **duplicate_notices(exemplar, member_queue_condition(member)),
    }


@bp.get(
    "/councils/<int:council_id>/entries/<int:exemplar_id>/attachments/<int:attachment_id>"
)
@login_required
def attachment(
    council_id: int, exemplar_id: int, attachment_id: int
) -> ResponseReturnValue:
    council = council_or_404(council_id)
    member = member_or_403(council)
    exemplar = _dossier_or_404(member, exemplar_id)
    att = db.session.get(Attachment, attachment_id)
    if att is None or att.exemplar_id != exemplar.id:
        abort(404)
    return send_attachment(
        att, inline=att.content_type in INLINE_TYPES, cache="private, no-store"
    )
