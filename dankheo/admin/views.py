"""The secretariat's pages: dashboard, campaigns (fields, commendation forms), units and
users. Stages, councils and commendations live in the appraisal blueprint."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..appraisal.clone import clone_campaign, clone_preview
from ..auth.models import RoleAssignment, User
from ..auth.operations import (
    create_user,
    grant_role,
    reset_password,
    revoke_role,
    set_active,
)
from ..campaigns import lifecycle
from ..campaigns.models import Campaign
from ..campaigns.operations import (
    add_commendation_form,
    add_field,
    create_campaign,
    update_campaign,
)
from ..domain.workflow import State
from ..extensions import db
from ..forms_common import int_arg, options, page_arg
from ..lifecycle import on_error
from ..units.imports import COLUMNS
from ..units.models import Unit
from ..units.operations import create_unit, update_unit
from ..units.queries import unit_in_scopes, unit_suggestions
from . import queries, spreadsheets
from .forms import (
    CampaignForm,
    CampaignStatusForm,
    CloneCampaignForm,
    NameForm,
    RoleForm,
    UnitForm,
    UserForm,
)
from .permissions import can_grant, can_manage_unit, can_manage_user, secretariat_scopes
from .spreadsheets import unit_template

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _require_secretariat():
    if not secretariat_scopes(current_user):
        abort(403)


def _scopes() -> list[str]:
    return secretariat_scopes(current_user)


def _campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not can_manage_unit(current_user, campaign.unit):
        abort(404)
    return campaign


def _unit(unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None or not can_manage_unit(current_user, unit):
        abort(404)
    return unit


def _user(user_id: int) -> User:
    """An account whose home unit is in scope (to look at); acting on it needs more."""
    user = db.session.get(User, user_id)
    if (
        user is None
        or user.unit is None
        or not can_manage_unit(current_user, user.unit)
    ):
        abort(404)
    return user


def _managed_user(user_id: int) -> User:
    user = _user(user_id)
    if not can_manage_user(current_user, user):
        abort(403)
    return user


def _unit_picker(field, *, default: Unit | None = None) -> None:
    field.suggestions = unit_suggestions(_scopes())
    if default is not None and not field.data:
        field.data = default.code


def _picked_unit(field) -> Unit | None:
    """The unit the picker names, inside the scope; otherwise a message on the field."""
    unit = unit_in_scopes(field.data, _scopes())
    if unit is None:
        field.errors.append(
            _(
                "Không có đơn vị mã “%(code)s” trong phạm vi của bạn.",
                code=field.data or "",
            )
        )
    return unit


@bp.get("/")
def index():
    campaigns = queries.campaigns_in(_scopes())
    counts = queries.state_counts_by_campaign([c.id for c in campaigns])
    return render_template(
        "admin/index.html", campaigns=campaigns, counts=counts, states=list(State)
    )


@bp.route("/campaigns/new", methods=["GET", "POST"])
def campaign_new():
    form = CampaignForm()
    _unit_picker(form.unit_code)
    unit = None
    if form.validate_on_submit() and (unit := _picked_unit(form.unit_code)):
        campaign = create_campaign(
            name=form.name.data.strip(),
            year=form.year.data,
            unit=unit,
            registration_opens=form.registration_opens.data,
            registration_closes=form.registration_closes.data,
            status=form.status.data,
            period_label=form.period_label.data or None,
            description=form.description.data or None,
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


@bp.get("/units")
def units():
    parent_id = request.args.get("parent", "")
    parent = _unit(pid) if (pid := int_arg(parent_id)) else None
    q = request.args.get("q", "")[:100]
    page = db.paginate(
        queries.units_page(_scopes(), q, parent),
        page=page_arg(),
        per_page=50,
        error_out=False,
    )
    return render_template(
        "admin/units.html",
        page=page,
        parent=parent,
        q=q,
        children=queries.child_counts([u.id for u in page.items]),
        ancestors=_ancestors(parent) if parent else [],
    )


def _ancestors(unit: Unit) -> list[Unit]:
    ids = unit.ancestor_ids()
    found = {
        u.id: u for u in db.session.scalars(db.select(Unit).where(Unit.id.in_(ids)))
    }
    return [
        found[i] for i in ids if i in found and can_manage_unit(current_user, found[i])
    ]


@bp.route("/units/<int:parent_id>/new", methods=["GET", "POST"])
def unit_new(parent_id: int):
    parent = _unit(parent_id)
    form = UnitForm()
    if form.validate_on_submit():
        on_error("admin/unit_form.html", form=form, parent=parent, unit=None)
        unit = create_unit(
            code=form.code.data.strip(),
            name=form.name.data.strip(),
            tier=form.tier.data,
            kind=form.kind.data,
            parent=parent,
            actor=current_user,
        )
        flash(_("Đã thêm đơn vị “%(name)s”.", name=unit.name), "success")
        return redirect(url_for(".units", parent=parent.id))
    return render_template(
        "admin/unit_form.html", form=form, parent=parent, unit=None
    ), 400 if form.errors else 200


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
def unit_edit(unit_id: int):
    unit = _unit(unit_id)
    form = UnitForm(obj=unit)
    form.tier.choices = options([(unit.tier, _(unit.tier_label))])
    if form.validate_on_submit():
        on_error("admin/unit_form.html", form=form, parent=unit.parent, unit=unit)
        update_unit(
            unit,
            name=form.name.data.strip(),
            code=form.code.data.strip(),
            kind=form.kind.data,
            active=form.active.data,
            actor=current_user,
        )
        flash(_("Đã lưu đơn vị."), "success")
        return redirect(
            url_for(".units", parent=unit.parent_id)
            if unit.parent_id
            else url_for(".units")
        )
    return render_template(
        "admin/unit_form.html", form=form, parent=unit.parent, unit=unit
    ), 400 if form.errors else 200


@bp.get("/users")
def users():
    q = request.args.get("q", "")[:100]
    page = db.paginate(
        queries.users_page(_scopes(), q),
        page=page_arg(),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template("admin/users.html", page=page, q=q)


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    form = UserForm()
    preset = _unit(uid) if (uid := int_arg(request.args.get("unit"))) else None
    _unit_picker(form.unit_code, default=preset)
    if form.validate_on_submit() and (unit := _picked_unit(form.unit_code)):
        roles = []
        if form.role.data:
            if not can_grant(current_user, form.role.data, unit):
                abort(403)
            roles = [(form.role.data, unit)]
        on_error("admin/user_form.html", form=form)
        user = create_user(
            username=form.username.data,
            name=form.name.data.strip(),
            email=form.email.data or None,
            password=form.password.data,
            unit=unit,
            roles=roles,
            position=form.position.data or None,
            actor=current_user,
        )
        flash(_("Đã tạo tài khoản %(username)s.", username=user.username), "success")
        return redirect(url_for(".user", user_id=user.id))
    return render_template(
        "admin/user_form.html", form=form
    ), 400 if form.errors else 200


@bp.get("/users/<int:user_id>")
def user(user_id: int):
    target = _user(user_id)
    form = RoleForm()
    _unit_picker(form.unit_code, default=target.unit)
    return render_template(
        "admin/user.html",
        target=target,
        form=form,
        can_manage=can_manage_user(current_user, target),
    )


@bp.post("/users/<int:user_id>/roles")
def user_grant(user_id: int):
    target = _managed_user(user_id)
    form = RoleForm()
    unit = form.validate_on_submit() and _picked_unit(form.unit_code)
    if not unit:
        flash(_("Vai trò hoặc phạm vi không hợp lệ."), "danger")
        return redirect(url_for(".user", user_id=target.id))
    if not can_grant(current_user, form.role.data, unit):
        abort(403)
    back = url_for(".user", user_id=target.id)
    on_error(redirect_to=back)
    grant_role(target, form.role.data, unit, actor=current_user)
    flash(_("Đã giao vai trò."), "success")
    return redirect(back)


@bp.post("/users/<int:user_id>/roles/<int:assignment_id>/revoke")
def user_revoke(user_id: int, assignment_id: int):
    target = _managed_user(user_id)
    assignment = db.session.get(RoleAssignment, assignment_id)
    if assignment is None or assignment.user_id != target.id:
        abort(404)
    if not can_grant(current_user, assignment.role, assignment.unit):
        abort(403)
    back = url_for(".user", user_id=target.id)
    on_error(redirect_to=back)
    revoke_role(assignment, actor=current_user)
    flash(_("Đã thu hồi vai trò."), "info")
    return redirect(back)


@bp.post("/users/<int:user_id>/active")
def user_toggle(user_id: int):
    target = _managed_user(user_id)
    back = url_for(".user", user_id=target.id)
    on_error(redirect_to=back)
    set_active(target, not target.active, actor=current_user)
    flash(
        _("Đã mở khóa tài khoản.") if target.active else _("Đã khóa tài khoản."), "info"
    )
    return redirect(back)


@bp.post("/users/<int:user_id>/reset-password")
def user_reset(user_id: int):
    target = _managed_user(user_id)
    password = reset_password(target, actor=current_user)
    return render_template(
        "admin/password_reset.html", target=target, password=password
    )


@bp.get("/imports")
def imports():
    return render_template("admin/imports.html", errors=None, created=None)


@bp.get("/imports/units-template.xlsx")
def import_template():
    return Response(
        unit_template(),
        mimetype=spreadsheets.XLSX,
        headers={"Content-Disposition": _attachment("mau-nhap-don-vi.xlsx")},
    )


@bp.post("/imports/units")
def import_units():
    from ..units.imports import apply_rows, check_tree, read_rows

    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Vui lòng chọn tệp Excel."), "danger")
        return redirect(url_for(".imports"))
    rows, errors = read_rows(upload.stream)
    errors += check_tree(rows, _scopes())
    errors.sort(key=lambda e: e.row)
    if errors:
        return render_template(
            "admin/imports.html", errors=errors, created=None, rows=len(rows)
        ), 400
    created = apply_rows(rows)
    flash(_("Đã nhập %(n)s đơn vị.", n=len(created)), "success")
    return render_template("admin/imports.html", errors=None, created=created)


@bp.get("/exports/units.xlsx")
def export_units():
    header = [_(c) for c in COLUMNS] + [_("Đang hoạt động")]
    return Response(
        stream_with_context(
            spreadsheets.write_xlsx(
                _("Đơn vị"), header, spreadsheets.unit_rows(_scopes())
            )
        ),
        mimetype=spreadsheets.XLSX,
        headers={"Content-Disposition": _attachment("don-vi.xlsx")},
    )


@bp.get("/exports/users.xlsx")
def export_users():
    header = [
        _("Tên đăng nhập"),
        _("Họ và tên"),
        _("Email"),
        _("Chức vụ"),
        _("Mã đơn vị"),
        _("Vai trò"),
        _("Đang hoạt động"),
    ]
    return Response(
        stream_with_context(
            spreadsheets.write_xlsx(
                _("Tài khoản"), header, spreadsheets.user_rows(_scopes())
            )
        ),
        mimetype=spreadsheets.XLSX,
        headers={"Content-Disposition": _attachment("tai-khoan.xlsx")},
    )


def _attachment(name: str) -> str:
    return f'attachment; filename="{name}"'
