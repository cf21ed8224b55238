"""The secretariat's verification pages: per council, the fairness measures of its
closed rounds, and the what-if preview of a round under a changed rule; an XLSX of the
severity and agreement table. Every page is a GET and changes nothing.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import exists, select

from ..appraisal.models import Council, Round
from ..appraisal.queries import secretariat_campaigns
from ..campaigns.models import Campaign, Stage
from ..extensions import db
from ..forms_common import page_arg
from ..spreadsheets import Sheet, xlsx_response
from ..units.models import Unit
from . import fairness, record, recorded, whatif
from .forms import WhatIfForm
from .permissions import can_verify, councils_in_scope

bp = Blueprint("verification", __name__, url_prefix="/verification")

COUNCILS_PER_PAGE = 20
SPLITS_PER_PAGE = 50


class ListPagination(Pagination):
    """Pagination over a list already in memory (the pagination macro reads it)."""

    def _query_items(self) -> list[Any]:
        items: list[Any] = self._query_args["items"]
        start = (self.page - 1) * self.per_page
        return items[start : start + self.per_page]

    def _query_count(self) -> int:
        return len(self._query_args["items"])


def _councils(campaign: Campaign) -> Any:
    has_closed = exists().where(
        Round.council_id == Council.id, Round.closed_at.is_not(None)
    )
    return (
        select(Council)
        .join(Unit, Unit.id == Council.unit_id)
        .join(Stage, Stage.id == Council.stage_id)
        .where(Stage.campaign_id == campaign.id, councils_in_scope(current_user))
        .where(has_closed)
        .order_by(Stage.position, Unit.path, Council.id)
    )


def _measured(councils: list[Council]) -> list[fairness.CouncilFairness]:
    ids = [c.id for c in councils]
    rounds = recorded.load(
        select(Round.id).where(Round.council_id.in_(ids), Round.closed_at.is_not(None))
    )
    found = {f.council.id: f for f in fairness.by_council(rounds)}
    return [found[c.id] for c in councils if c.id in found]


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    if not current_user.has_role("secretariat") and not current_user.has_role("admin"):
        abort(403)
    return render_template(
        "verification/index.html", campaigns=secretariat_campaigns(current_user)
    )


@bp.get("/campaigns/<int:campaign_id>")
@login_required
def campaign(campaign_id: int) -> ResponseReturnValue:
    c = db.get_or_404(Campaign, campaign_id)
    page = db.paginate(
        _councils(c), page=page_arg(), per_page=COUNCILS_PER_PAGE, error_out=False
    )
    if not page.total and not secretariat_campaigns_hold(c):
        abort(403)
    return render_template(
        "verification/campaign.html",
        campaign=c,
        page=page,
        measured=_measured(list(page.items)),
    )


def secretariat_campaigns_hold(c: Campaign) -> bool:
    return any(x.id == c.id for x in secretariat_campaigns(current_user))


@bp.get("/campaigns/<int:campaign_id>/fairness.xlsx")
@login_required
def campaign_xlsx(campaign_id: int) -> ResponseReturnValue:
    c = db.get_or_404(Campaign, campaign_id)
    councils = list(db.session.scalars(_councils(c)))
    if not councils and not secretariat_campaigns_hold(c):
        abort(403)
    measured = _measured(councils)
    agreement = [
        [
            f.council.stage.name,
            f.council.name,
            f.rounds,
            f.scored_exemplars,
            None if f.alpha is None else round(f.alpha, 3),
            len(f.outliers),
            len(f.splits),
        ]
        for f in measured
    ]
    severity = [
        [
            f.council.stage.name,
            f.council.name,
            m.name,
            _(m.role),
            round(m.severity, 2),
            None if m.share(f.max_total) is None else round(m.share(f.max_total), 2),  # type: ignore[arg-type]
            m.scored,
            _("Có") if m.outlier else "",
        ]
        for f in measured
        for m in f.members
    ]
    return xlsx_response(
        f"cong-bang-cham-diem-dot-{c.id}.xlsx",
        [
            Sheet(
                _("Độ đồng thuận"),
                agreement,
                header=[
                    _("Vòng"),
                    _("Hội đồng"),
                    _("Số phiên"),
                    _("Hồ sơ có từ hai người chấm"),
                    _("Hệ số alpha Krippendorff"),
                    _("Thành viên chấm lệch"),
                    _("Hồ sơ có ý kiến phân tán"),
                ],
                widths=(28, 40, 10, 14, 14, 14, 14),
            ),
            Sheet(
                _("Mức nghiêm khắc"),
                severity,
                header=[
                    _("Vòng"),
                    _("Hội đồng"),
                    _("Thành viên"),
                    _("Vai trò"),
                    _("Mức nghiêm khắc (điểm)"),
                    _("Mức nghiêm khắc (phần trăm điểm tối đa)"),
                    _("Số hồ sơ đã chấm"),
                    _("Chấm lệch"),
                ],
                widths=(28, 40, 30, 16, 14, 14, 12, 10),
            ),
        ],
    )


def _council_or_403(council_id: int) -> Council:
    council = db.get_or_404(Council, council_id)
    if not can_verify(current_user, council):
        abort(403)
    return council


@bp.get("/councils/<int:council_id>")
@login_required
def council(council_id: int) -> ResponseReturnValue:
    c = _council_or_403(council_id)
    rounds = recorded.load(recorded.closed_rounds_of_council(c.id))
    measured = fairness.council_fairness(c, rounds) if rounds else None
    splits = ListPagination(
        page=page_arg(),
        per_page=SPLITS_PER_PAGE,
        error_out=False,
        items=measured.splits if measured else [],
    )
    return render_template(
        "verification/council.html",
        council=c,
        rounds=[rr.round for rr in rounds],
        snapshots={rr.round.id: rr.snapshot for rr in rounds},
        measured=measured,
        splits=splits,
    )


def _words(rr: recorded.RecordedRound, rule: Any) -> str:
    data = {**rule.__dict__, "ballot_mode": rr.stage.ballot_mode}
    if rr.snapshot is not None:
        data["ballot_mode"] = rr.snapshot.rule.get("ballot_mode")
    return record.rule_in_words(data, rr.snapshot.rubric if rr.snapshot else None)


@bp.get("/rounds/<int:round_id>/what-if")
@login_required
def what_if(round_id: int) -> ResponseReturnValue:
    rnd = db.get_or_404(Round, round_id)
    if not can_verify(current_user, rnd.council):
        abort(403)
    if rnd.is_open:
        abort(404)  # an open round has no outcome yet (and a secret one shows none)
    rr = recorded.load(select(Round.id).where(Round.id == rnd.id))[0]
    sent = "threshold" in request.args
    form = WhatIfForm(rr.rule(), formdata=request.args if sent else None, sent=sent)
    result = None
    status = 200
    if not sent:
        result = whatif.preview(rr, {})
    elif form.validate():
        result = whatif.preview(rr, form.changes())
    else:
        status = 400
    changed = ListPagination(
        page=page_arg(),
        per_page=SPLITS_PER_PAGE,
        error_out=False,
        items=result.changed if result else [],
    )
    return (
        render_template(
            "verification/what_if.html",
            rnd=rnd,
            recorded=rr,
            form=form,
            result=result,
            changed=changed,
            actual_words=_words(rr, rr.rule()),
            preview_words=_words(rr, result.rule) if result else "",
        ),
        status,
    )
