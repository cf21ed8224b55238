"""The secretariat's campaign pages: create, edit, move through the lifecycle, clone
from last year, add fields and commendation forms."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..appraisal.clone import clone_campaign, clone_preview
from ..campaigns import lifecycle
from ..campaigns.models import Campaign
from ..campaigns.operations import (
    add_commendation_form,
    add_field,
    create_campaign,
    update_campaign,
)
from ..extensions import db
from ..lifecycle import on_error
from .forms import CampaignForm, CampaignStatusForm, CloneCampaignForm, NameForm
from .permissions import can_manage_unit
from .views import bp, picked_unit, unit_picker


def _campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not can_manage_unit(current_user, campaign.unit):
        abort(404)
    return campaign


@bp.route("/campaigns/new", methods=["GET", "POST"])
def campaign_new():
    form = CampaignForm()
    unit_picker(form.unit_code)
    unit = None
    if form.validate_on_submit() and (unit := picked_unit(form.unit_code)):
        campaign = create_campaign(
            name=form.name.data.strip(),
            year=form.year.data,
            unit=unit,
            registration_opens=form.registration_opens.data,
            registration_closes=form.registration_closes.data,
            status=form.status.data,
            period_label=form.period_label.data or None,
            description=form.description.data or None,
            objection_days=form.objection_days.data,
            actor=current_user,
        )
        flash(
            _("Đã tạo đợt “%(name)s” với 4 lĩnh vực chuẩn.", name=campaign.name),
            "success",
        )
        return redirect(url_for(".campaign", campaign_id=campaign.id))
    return render_template(
        "admin/campaign_form.html", form=form, campaign=None
    ), 400 if form.errors else 200


def _campaign_page(campaign: Campaign, form: CampaignForm, **extra) -> str:
    return render_template(
        "admin/campaign_form.html",
        form=form,
        campaign=campaign,
        field_form=NameForm(prefix="field"),
        cform=NameForm(prefix="cform"),
        status_form=extra.pop("status_form", None) or CampaignStatusForm(),
        actions=lifecycle.allowed_actions(campaign.status),
        needs_reason=lifecycle.NEEDS_REASON,
        **extra,
    )


def _edit_form(campaign: Campaign) -> CampaignForm:
    form = CampaignForm(obj=campaign)
    # The status moves only through the lifecycle's buttons.
    del form.status
    # A campaign's scope never changes once units register in it.
    form.unit_code.data = campaign.unit.code
    form.unit_code.render_kw = {"readonly": True}
    return form


@bp.route("/campaigns/<int:campaign_id>", methods=["GET", "POST"])
def campaign(campaign_id: int):
    campaign = _campaign(campaign_id)
    form = _edit_form(campaign)
    if form.validate_on_submit():
        update_campaign(
            campaign,
            name=form.name.data.strip(),
            year=form.year.data,
            period_label=form.period_label.data or None,
            registration_opens=form.registration_opens.data,
            registration_closes=form.registration_closes.data,
            description=form.description.data or None,
            objection_days=form.objection_days.data,
            actor=current_user,
        )
        flash(_("Đã lưu đợt."), "success")
        return redirect(url_for(".campaign", campaign_id=campaign.id))
    return _campaign_page(campaign, form), 400 if form.errors else 200


@bp.post("/campaigns/<int:campaign_id>/status")
def campaign_status(campaign_id: int):
    campaign = _campaign(campaign_id)
    form = CampaignStatusForm()
    if not form.validate_on_submit():
        flash(_("Dữ liệu nhập không hợp lệ."), "danger")
        return redirect(url_for(".campaign", campaign_id=campaign.id))
    on_error(
        "admin/campaign_form.html",
        form=_edit_form(campaign),
        campaign=campaign,
        field_form=NameForm(prefix="field"),
        cform=NameForm(prefix="cform"),
        status_form=form,
        actions=lifecycle.allowed_actions(campaign.status),
        needs_reason=lifecycle.NEEDS_REASON,
    )
    status = lifecycle.change_status(
        campaign,
        form.action.data or "",
        actor=current_user,
        reason=form.reason.data or "",
        registration_closes=form.registration_closes.data,
    )
    flash(
        _("Đợt chuyển sang “%(status)s”.", status=_(status.label)),
        "success",
    )
    return redirect(url_for(".campaign", campaign_id=campaign.id))


def _next_year(day: date | None) -> date | None:
    if day is None:
        return None
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


@bp.route("/campaigns/<int:campaign_id>/clone", methods=["GET", "POST"])
def campaign_clone(campaign_id: int):
    source = _campaign(campaign_id)
    form = CloneCampaignForm()
    if request.method == "GET":
        year = source.year + 1
        form.year.data = year
        form.name.data = source.name.replace(str(source.year), str(year))
        form.registration_opens.data = _next_year(source.registration_opens)
        form.registration_closes.data = _next_year(source.registration_closes)
    preview = clone_preview(source)
    if form.validate_on_submit():
        on_error("admin/campaign_clone.html", form=form, source=source, preview=preview)
        clone = clone_campaign(
            source,
            name=form.name.data,
            year=form.year.data,
            registration_opens=form.registration_opens.data,
            registration_closes=form.registration_closes.data,
            actor=current_user,
        )
        flash(
            _(
                "Đã tạo đợt “%(name)s” từ đợt năm %(year)s.",
                name=clone.name,
                year=source.year,
            ),
            "success",
        )
        return redirect(url_for(".campaign", campaign_id=clone.id))
    return render_template(
        "admin/campaign_clone.html", form=form, source=source, preview=preview
    ), 400 if form.errors else 200


@bp.post("/campaigns/<int:campaign_id>/fields")
def campaign_add_field(campaign_id: int):
    campaign = _campaign(campaign_id)
    form = NameForm(prefix="field")
    back = url_for(".campaign", campaign_id=campaign.id, _anchor="fields")
    if not form.validate_on_submit():
        flash(_("Vui lòng nhập tên lĩnh vực."), "danger")
        return redirect(back)
    on_error(redirect_to=back)
    add_field(campaign, form.name.data.strip(), actor=current_user)
    flash(_("Đã thêm lĩnh vực."), "success")
    return redirect(back)


@bp.post("/campaigns/<int:campaign_id>/commendation-forms")
def campaign_add_form(campaign_id: int):
    campaign = _campaign(campaign_id)
    form = NameForm(prefix="cform")
    back = url_for(".campaign", campaign_id=campaign.id, _anchor="forms")
    if not form.validate_on_submit():
        flash(_("Vui lòng nhập tên hình thức khen thưởng."), "danger")
        return redirect(back)
    on_error(redirect_to=back)
    add_commendation_form(
        campaign,
        form.name.data.strip(),
        form.issuing_body.data or None,
        actor=current_user,
    )
    flash(_("Đã thêm hình thức khen thưởng."), "success")
    return redirect(back)
