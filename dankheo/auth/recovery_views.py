"""Pages of account recovery and email verification, on the ``auth`` blueprint."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required

from ..extensions import limiter
from ..lifecycle import on_error
from . import recovery
from .recovery_forms import ChangeEmailForm, ForgotPasswordForm, ResetPasswordForm
from .views import bp


def _reset_limit() -> str:
    return current_app.config["RATELIMIT_RESET"]


def _reset_ip_limit() -> str:
    return current_app.config["RATELIMIT_RESET_IP"]


def _email_key() -> str:
    """Requests for one address are counted together, whoever sends them."""
    return "reset|" + (request.form.get("email") or "").strip().lower()[:200]


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"], key_func=_email_key)
@limiter.limit(_reset_ip_limit, methods=["POST"], key_func=get_remote_address)
def forgot_password() -> ResponseReturnValue:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        recovery.request_password_reset(form.email.data)
        # The same answer for every address: nobody learns who has an account.
        flash(
            _(
                "Nếu địa chỉ này thuộc một tài khoản đang hoạt động, thư hướng dẫn đặt "
                "lại mật khẩu đã được gửi. Hãy kiểm tra hộp thư."
            ),
            "info",
        )
        return redirect(url_for("auth.login"), 303)
    status = 400 if form.errors else 200
    return render_template("auth/forgot_password.html", form=form), status


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> ResponseReturnValue:
    if recovery.valid_token(token, recovery.PASSWORD_RESET) is None:
        return render_template("auth/link_invalid.html"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        on_error("auth/reset_password.html", form=form)
        recovery.reset_password_with_token(token, form.new.data)
        flash(
            _(
                "Đã đặt mật khẩu mới. Mọi phiên đăng nhập cũ đã kết thúc; hãy đăng nhập."
            ),
            "success",
        )
        return redirect(url_for("auth.login"), 303)
    status = 400 if form.errors else 200
    return render_template("auth/reset_password.html", form=form), status


@bp.route("/email", methods=["GET", "POST"])
@login_required
def change_email() -> ResponseReturnValue:
    form = ChangeEmailForm()
    if form.validate_on_submit():
        on_error("auth/change_email.html", form=form)
        recovery.request_email_change(current_user, form.email.data, form.password.data)
        flash(
            _(
                "Đã gửi thư xác nhận tới %(email)s. Email của tài khoản chỉ đổi sau khi "
                "bạn mở liên kết trong thư.",
                email=form.email.data.strip().lower(),
            ),
            "info",
        )
        return redirect(url_for("auth.change_email"), 303)
    status = 400 if form.errors else 200
    return render_template("auth/change_email.html", form=form), status


@bp.post("/email/confirm/<token>")
def confirm_email(token: str) -> ResponseReturnValue:
    on_error("auth/link_invalid.html")
    recovery.confirm_email_change(token)
    flash(_("Đã xác nhận: email của tài khoản đã được đổi."), "success")
    return redirect(url_for("auth.login"), 303)


@bp.get("/email/confirm/<token>")
def confirm_email_page(token: str) -> ResponseReturnValue:
    """The link opens a page with one button: a mail scanner that follows links does
    not change anything by fetching it."""
    if recovery.valid_token(token, recovery.EMAIL_CHANGE) is None:
        return render_template("auth/link_invalid.html"), 400
    return render_template("auth/confirm_email.html", token=token)
