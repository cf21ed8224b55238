"""The audit page of the secretariat (``/admin/audit``): filters, pages, XLSX export.

Read-only. A secretariat sees the records of objects within its unit subtrees (the
unit is stored with each record when it is written); an administrator sees all.
"""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    stream_with_context,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import Select

from ..auth.scopes import secretariat_scopes
from ..extensions import db
from ..forms_common import page_arg
from ..units.queries import unit_in_scopes, unit_suggestions
from . import queries
from .audited import ACTIONS, OBJECT_TYPES
from .export import XLSX, write_xlsx
from .forms import AuditFilterForm

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

#: Most rows one export holds.
MAX_EXPORT_ROWS = 100_000


@bp.before_request
@login_required
def _require_secretariat():
    if not secretariat_scopes(current_user):
        abort(403)


def _reader_scopes() -> list[str] | None:
    """None for an administrator (every record), else the secretariat's subtrees."""
    return None if current_user.is_admin else secretariat_scopes(current_user)


def _filters(form: AuditFilterForm) -> queries.AuditFilters | None:
    """The filters the query string asks for, or None (with errors on the form)."""
    if not form.validate():
        return None
    unit_path = None
    if form.unit.data:
        unit = unit_in_scopes(form.unit.data, secretariat_scopes(current_user))
        if unit is None:
            form.unit.errors.append(
                _(
                    "Không có đơn vị mã “%(code)s” trong phạm vi của bạn.",
                    code=form.unit.data,
                )
            )
            return None
        unit_path = unit.path
    return queries.AuditFilters(
        actor=(form.actor.data or "").strip(),
        object_type=form.object_type.data or "",
        action=form.action.data or "",
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        exemplar_id=form.exemplar.data,
        unit_path=unit_path,
    )


def _form() -> AuditFilterForm:
    form = AuditFilterForm(formdata=request.args)
    form.unit.suggestions = unit_suggestions(secretariat_scopes(current_user))
    return form


def _tz() -> str:
    return current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh")


@bp.get("/")
def index():
    form = _form()
    filters = _filters(form)
    if filters is None:
        return render_template("audit/index.html", form=form, page=None), 400
    page = db.paginate(
        queries.audit_records(_reader_scopes(), filters, _tz()),
        page=page_arg(),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "audit/index.html",
        form=form,
        page=page,
        actions=ACTIONS,
        object_types=OBJECT_TYPES,
    )


def _rows(stmt: Select, tz_name: str) -> Iterator[list]:
    """The export's rows; the query runs as the file is streamed (after the request's
    own transaction ended), in batches."""
    tz = ZoneInfo(tz_name)
    for r in db.session.scalars(stmt.execution_options(yield_per=1000)):
        yield [
            r.id,
            r.at.astimezone(tz).replace(tzinfo=None),
            r.actor_label or _("Hệ thống"),
            _(ACTIONS[r.action]) if r.action in ACTIONS else r.action,
            _(OBJECT_TYPES[r.object_type])
            if r.object_type in OBJECT_TYPES
            else r.object_type,
            r.object_id,
            r.object_label,
            r.exemplar_id,
            r.changes,
            r.hash,
        ]


@bp.get("/export.xlsx")
def export():
    form = _form()
    filters = _filters(form)
    if filters is None:
        abort(400)
    stmt = queries.audit_records(_reader_scopes(), filters, _tz()).limit(
        MAX_EXPORT_ROWS
    )
    header = [
        _("Số thứ tự"),
        _("Thời điểm"),
        _("Người thực hiện"),
        _("Thao tác"),
        _("Loại đối tượng"),
        _("Mã đối tượng"),
        _("Đối tượng"),
        _("Mã hồ sơ"),
        _("Thay đổi (trước, sau)"),
        _("Mã băm SHA-256"),
    ]
    body = write_xlsx(_("Nhật ký thao tác"), header, _rows(stmt, _tz()))
    return Response(
        stream_with_context(body),
        mimetype=XLSX,
        headers={"Content-Disposition": 'attachment; filename="nhat-ky-thao-tac.xlsx"'},
    )
