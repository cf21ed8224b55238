"""The secretariat's account pages: list, create, grant and revoke roles, lock,
reset a password."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.models import RoleAssignment, User
from ..auth.operations import (
    create_user,
    grant_role,
    reset_password,
    revoke_role,
    set_active,
)
from ..extensions import db
from ..forms_common import int_arg, page_arg
from ..lifecycle import on_error
from . import queries
from .forms import RoleForm, UserForm
from .permissions import can_grant, can_manage_unit, can_manage_user
from .views import bp, managed_unit, picked_unit, scopes, unit_picker


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


@bp.get("/users")
def users():
    q = request.args.get("q", "")[:100]
    page = db.paginate(
        queries.users_page(scopes(), q),
        page=page_arg(),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template("admin/users.html", page=page, q=q)


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    form = UserForm()
    preset = managed_unit(uid) if (uid := int_arg(request.args.get("unit"))) else None
    unit_picker(form.unit_code, default=preset)
    if form.validate_on_submit() and (unit := picked_unit(form.unit_code)):
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
    unit_picker(form.unit_code, default=target.unit)
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
    unit = form.validate_on_submit() and picked_unit(form.unit_code)
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
