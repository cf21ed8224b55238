"""The unit workspace: register exemplars, attach evidence, submit and follow them."""

from __future__ import annotations

from collections.abc import Callable

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock
from ..domain.enums import ExemplarKind
from ..domain.metrics import METRICS
from ..domain.workflow import EDITABLE_STATES, Action, Actor, State, allowed_actions
from ..errors import DomainError
from ..extensions import db
from ..forms_common import int_arg, options, page_arg
from ..lifecycle import on_error
from ..units.queries import unit_in_scopes, unit_suggestions
from . import permissions, queries
from .attachments import add_attachment, remove_attachment
from .forms import AttachmentForm, NoteForm, exemplar_form
from .models import Attachment, Exemplar
from .operations import (
    REQUIRED_LABELS,
    create_exemplar,
    missing_for_submit,
    resubmit_exemplar,
    submit_exemplar,
    update_exemplar,
    withdraw_exemplar,
)
from .uploads import INLINE_TYPES, send_attachment

bp = Blueprint("registry", __name__, url_prefix="/registry")


def _scopes() -> list[str]:
    scopes = permissions.officer_scopes(current_user)
    if not scopes:
        abort(403)
    return scopes


def _load(exemplar_id: int) -> Exemplar:
    """Load an exemplar the current user may see; anything else is a 404 (no data leaks)."""
    exemplar = db.session.get(Exemplar, exemplar_id)
    if exemplar is None or not permissions.can_view(current_user, exemplar):
        abort(404)
    return exemplar


def _int_arg(name: str) -> int | None:
    return int_arg(request.args.get(name))


@bp.get("/")
@login_required
def index():
    scopes = _scopes()
    campaigns = queries.campaigns_for(scopes)
    f = queries.WorkspaceFilters(
        campaign_id=_int_arg("campaign"),
        state=request.args.get("state")
        if request.args.get("state") in State.values()
        else None,
        field_id=_int_arg("field"),
        kind=request.args.get("kind")
        if request.args.get("kind") in ExemplarKind.values()
        else None,
        q=request.args.get("q", "")[:200],
    )
    if f.campaign_id is None and campaigns and "campaign" not in request.args:
        f.campaign_id = campaigns[0].id
    page = db.paginate(
        queries.workspace_exemplars(scopes, f),
        page=page_arg(),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    campaign = next((c for c in campaigns if c.id == f.campaign_id), None)
    return render_template(
        "registry/index.html",
        page=page,
        filters=f,
        campaigns=campaigns,
        campaign=campaign,
        counts=queries.state_counts(scopes, f.campaign_id),
        states=list(State),
        kinds=list(ExemplarKind),
        can_register=bool(queries.open_campaigns_for(scopes, clock.today())),
    )


def _prepare_form(form, scopes, exemplar: Exemplar | None = None):
    if exemplar is None:
        campaigns = queries.open_campaigns_for(scopes, clock.today())
        form.unit_code.suggestions = unit_suggestions(scopes)
    else:
        # The registering unit and the campaign of an exemplar never change.
        campaigns = [exemplar.campaign]
        form.unit_code.data = exemplar.unit.code
        form.unit_code.render_kw = {"readonly": True}
    form.campaign_id.choices = options(
        (c.id, f"{c.name} ({c.year})") for c in campaigns
    )
    chosen = next(
        (c for c in campaigns if c.id == form.campaign_id.data),
        campaigns[0] if campaigns else None,
    )
    form.field_id.choices = options(
        (fl.id, fl.name) for fl in (chosen.fields if chosen else [])
    )
    return campaigns


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    scopes = _scopes()
    form = exemplar_form()
    campaigns = _prepare_form(form, scopes)
    if not campaigns:
        flash(_("Hiện không có đợt nào đang nhận đăng ký."), "warning")
        return redirect(url_for(".index"))
    own = current_user.unit
    if request.method == "GET" and own is not None and unit_in_scopes(own.code, scopes):
        form.unit_code.data = own.code
    if form.validate_on_submit():
        unit = unit_in_scopes(form.unit_code.data, scopes)
        campaign = next(c for c in campaigns if c.id == form.campaign_id.data)
        if unit is None or not permissions.can_register_for(current_user, unit):
            form.unit_code.errors.append(
                _(
                    "Không có đơn vị mã “%(code)s” trong phạm vi của bạn.",
                    code=form.unit_code.data,
                )
            )
            return render_template("registry/form.html", form=form, exemplar=None), 400
        on_error("registry/form.html", form=form, exemplar=None)
        exemplar = create_exemplar(
            campaign=campaign,
            unit=unit,
            actor=current_user,
            data=form.data_for_model(),
        )
        flash(_("Đã lưu bản nháp “%(name)s”.", name=exemplar.name), "success")
        return redirect(url_for(".detail", exemplar_id=exemplar.id))
    return render_template(
        "registry/form.html", form=form, exemplar=None
    ), 400 if form.errors else 200


@bp.route("/<int:exemplar_id>/edit", methods=["GET", "POST"])
@login_required
def edit(exemplar_id: int):
    exemplar = _load(exemplar_id)
    if not permissions.can_edit(current_user, exemplar):
        flash(_("Hồ sơ đã gửi đăng ký nên không sửa được."), "warning")
        return redirect(url_for(".detail", exemplar_id=exemplar.id))
    form = exemplar_form(obj=exemplar)
    if request.method == "GET":
        form.version.data = exemplar.version
        form.campaign_id.data = exemplar.campaign_id
    _prepare_form(form, _scopes(), exemplar)
    if form.validate_on_submit():

        def to_current_version(_exc: DomainError) -> None:
            # The rollback expired the exemplar, so this reads the stored version: the
            # next save is checked against it while the form keeps what was typed. A
            # submitted field renders its raw input, so that is replaced too.
            form.version.data = exemplar.version
            form.version.raw_data = [str(exemplar.version)]

        on_error(
            "registry/form.html",
            form=form,
            exemplar=exemplar,
            prepare=to_current_version,
        )
        update_exemplar(
            exemplar,
            actor=current_user,
            data=form.data_for_model(),
            expected_version=form.version.data or 0,
        )
        flash(_("Đã lưu thay đổi."), "success")
        return redirect(url_for(".detail", exemplar_id=exemplar.id))
    return render_template(
        "registry/form.html", form=form, exemplar=exemplar
    ), 400 if form.errors else 200


@bp.get("/<int:exemplar_id>")
@login_required
def detail(exemplar_id: int):
    exemplar = _load(exemplar_id)
    missing = missing_for_submit(exemplar) if exemplar.state in EDITABLE_STATES else []
    can_act = permissions.can_act(current_user, exemplar)
    return render_template(
        "registry/detail.html",
        exemplar=exemplar,
        State=State,
        Action=Action,
        actions=allowed_actions(exemplar.state, Actor.UNIT) if can_act else [],
        history=queries.exemplar_history(exemplar.id),
        metrics=METRICS,
        missing=[_(REQUIRED_LABELS[m]) for m in missing],
        can_edit=permissions.can_edit(current_user, exemplar),
        upload_form=AttachmentForm(),
        note_form=NoteForm(),
        max_mb=current_app.config["UPLOAD_MAX_BYTES"] // (1024 * 1024),
    )


def _state_change(
    exemplar_id: int,
    operation: Callable[[Exemplar, str], object],
    success: str,
) -> ResponseReturnValue:
    exemplar = _load(exemplar_id)
    if not permissions.can_act(current_user, exemplar):
        abort(403)
    back = url_for(".detail", exemplar_id=exemplar_id)
    form = NoteForm()
    if not form.validate_on_submit():
        flash(_("Ghi chú không hợp lệ."), "danger")
        return redirect(back)
    on_error(redirect_to=back)
    operation(exemplar, form.note.data or "")
    flash(success, "success")
    return redirect(back)


@bp.post("/<int:exemplar_id>/submit")
@login_required
def submit(exemplar_id: int):
    return _state_change(
        exemplar_id,
        lambda e, note: submit_exemplar(e, actor=current_user),
        _("Đã gửi đăng ký. Hồ sơ được khóa trong khi thẩm định."),
    )


@bp.post("/<int:exemplar_id>/withdraw")
@login_required
def withdraw(exemplar_id: int):
    return _state_change(
        exemplar_id,
        lambda e, note: withdraw_exemplar(e, actor=current_user, note=note),
        _("Đã rút lại hồ sơ về bản nháp."),
    )


@bp.post("/<int:exemplar_id>/resubmit")
@login_required
def resubmit(exemplar_id: int):
    return _state_change(
        exemplar_id,
        lambda e, note: resubmit_exemplar(e, actor=current_user, note=note),
        _("Đã gửi lại hồ sơ sau khi bổ sung."),
    )


@bp.post("/<int:exemplar_id>/attachments")
@login_required
def upload(exemplar_id: int):
    exemplar = _load(exemplar_id)
    if not permissions.can_edit(current_user, exemplar):
        abort(403)
    back = url_for(".detail", exemplar_id=exemplar_id, _anchor="attachments")
    form = AttachmentForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
        return redirect(back)
    # A refused file is removed from storage by the rollback (see uploads.py).
    on_error(redirect_to=back)
    attachment = add_attachment(
        exemplar,
        actor=current_user,
        stream=form.file.data.stream,
        filename=form.file.data.filename,
        kind=form.kind.data,
        is_public=form.is_public.data,
    )
    flash(_("Đã tải lên “%(name)s”.", name=attachment.original_name), "success")
    return redirect(back)


def _load_attachment(exemplar_id: int, attachment_id: int) -> Attachment:
    exemplar = _load(exemplar_id)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.exemplar_id != exemplar.id:
        abort(404)
    return attachment


@bp.post("/<int:exemplar_id>/attachments/<int:attachment_id>/delete")
@login_required
def delete_attachment(exemplar_id: int, attachment_id: int):
    attachment = _load_attachment(exemplar_id, attachment_id)
    if not permissions.can_edit(current_user, attachment.exemplar):
        abort(403)
    name = attachment.original_name
    back = url_for(".detail", exemplar_id=exemplar_id, _anchor="attachments")
    on_error(redirect_to=back)
    remove_attachment(attachment, actor=current_user)
    flash(_("Đã xóa tệp “%(name)s”.", name=name), "info")
    return redirect(back)


@bp.get("/<int:exemplar_id>/attachments/<int:attachment_id>")
@login_required
def download(exemplar_id: int, attachment_id: int):
    attachment = _load_attachment(exemplar_id, attachment_id)
    return send_attachment(
        attachment,
        inline=attachment.content_type in INLINE_TYPES,
        cache="private, no-store",
    )
