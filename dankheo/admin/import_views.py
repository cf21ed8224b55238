"""The secretariat's spreadsheets: import units from Excel (with its template) and
export units and accounts."""

from __future__ import annotations

from flask import (
    Response,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _

from ..units.imports import COLUMNS, apply_rows, check_tree, read_rows
from . import spreadsheets
from .spreadsheets import unit_template
from .views import bp, scopes


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
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Vui lòng chọn tệp Excel."), "danger")
        return redirect(url_for(".imports"))
    rows, errors = read_rows(upload.stream)
    errors += check_tree(rows, scopes())
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
                _("Đơn vị"), header, spreadsheets.unit_rows(scopes())
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
                _("Tài khoản"), header, spreadsheets.user_rows(scopes())
            )
        ),
        mimetype=spreadsheets.XLSX,
        headers={"Content-Disposition": _attachment("tai-khoan.xlsx")},
    )


def _attachment(name: str) -> str:
    return f'attachment; filename="{name}"'
