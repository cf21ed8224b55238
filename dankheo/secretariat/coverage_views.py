"""Who has not registered yet: the coverage page of a campaign, its expectations and
its XLSX export."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import spreadsheets
from ..admin.permissions import can_manage_unit
from ..campaigns.models import Campaign
from ..coverage.queries import CoverageSort, coverage, expectations, set_expectation
from ..extensions import db
from ..forms_common import page_arg
from ..lifecycle import on_error
from .forms import ExpectationForm
from .views import bp, scopes

PER_PAGE = 50


def _campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not (
        can_manage_unit(current_user, campaign.unit)
        or any(s.startswith(campaign.unit.path) for s in scopes())
    ):
        abort(404)
    return campaign


def _options() -> tuple[str, bool]:
    sort = request.args.get("sort", CoverageSort.SHORTFALL)
    if sort not in CoverageSort.__members__.values():
        sort = CoverageSort.SHORTFALL
    return sort, request.args.get("missing") == "1"


@bp.get("/campaigns/<int:campaign_id>/coverage")
def coverage_page(campaign_id: int):
    campaign = _campaign(campaign_id)
    sort, missing = _options()
    rows = coverage(campaign, scopes(), sort=sort, missing_only=missing)
    page = page_arg()
    pages = max(1, -(-len(rows) // PER_PAGE))
    page = min(page, pages)
    return render_template(
        "secretariat/coverage.html",
        campaign=campaign,
        rows=rows[(page - 1) * PER_PAGE : page * PER_PAGE],
        total=len(rows),
        missing_total=sum(1 for r in rows if r.shortfall),
        page=page,
        pages=pages,
        sort=sort,
        missing=missing,
        sorts=list(CoverageSort),
        rules=expectations(campaign),
        form=ExpectationForm(),
    )


@bp.post("/campaigns/<int:campaign_id>/coverage/expectations")
def coverage_expectation(campaign_id: int):
    campaign = _campaign(campaign_id)
    if not can_manage_unit(current_user, campaign.unit):
        abort(403)
    form = ExpectationForm()
    back = url_for(".coverage_page", campaign_id=campaign.id)
    if not form.validate_on_submit():
        flash(_("Số lượng dự kiến không hợp lệ."), "danger")
        return redirect(back)
    on_error(redirect_to=back)
    set_expectation(
        campaign,
        tier=form.tier.data,
        kind=form.kind.data or None,
        minimum=form.minimum.data,
        maximum=form.maximum.data,
    )
    flash(_("Đã lưu số hồ sơ dự kiến."), "success")
    return redirect(back)


@bp.get("/campaigns/<int:campaign_id>/coverage.xlsx")
def coverage_export(campaign_id: int):
    campaign = _campaign(campaign_id)
    sort, missing = _options()
    rows = coverage(campaign, scopes(), sort=sort, missing_only=missing)
    header = [
        _("Mã đơn vị"),
        _("Tên đơn vị"),
        _("Cấp"),
        _("Dự kiến"),
        _("Đã gửi"),
        _("Bản nháp"),
        _("Tổng số"),
        _("Còn thiếu"),
    ]
    data = (
        [
            r.unit.code,
            r.unit.name,
            _(r.unit.tier_label),
            r.expected_label,
            r.submitted,
            r.drafts,
            r.total,
            r.shortfall,
        ]
        for r in rows
    )
    return spreadsheets.xlsx_response(
        f"tinh-hinh-dang-ky-{campaign.year}.xlsx",
        [
            spreadsheets.Sheet(
                _("Tình hình đăng ký"),
                data,
                header=header,
                widths=(14, 40, 12, 10, 10, 10, 10, 10),
            )
        ],
    )
