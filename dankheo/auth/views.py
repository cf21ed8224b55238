from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.exceptions import TooManyRequests

from ..domain.enums import Role
from ..extensions import db
from ..lifecycle import on_error
from . import limits
from .forms import ChangePasswordForm, LoginForm
from .models import User
from .operations import authenticate, change_password, end_sessions

bp = Blueprint("auth", __name__, url_prefix="/auth")


def load_user(user_id: str) -> User | None:
    """Flask-Login loader: the id carries the session token, so old sessions fail."""
    uid, _sep, token = user_id.partition(":")
    if not uid.isdigit() or not token:
        return None
    user = db.session.get(User, int(uid))
    if user is None or user.session_token != token or not user.active:
        return None
    return user


#: Where each role starts its day, in this order of preference.
ROLE_HOMES = (
    (Role.UNIT_OFFICER, "registry.index"),
    (Role.COUNCIL_MEMBER, "appraisal.index"),
    (Role.SECRETARIAT, "admin.index"),
    (Role.ADMIN, "admin.index"),
)


def home_for(user: User) -> str:
    """The workspace a user lands on after logging in."""
    held = {r.role for r in user.roles}
    for role, endpoint in ROLE_HOMES:
        if role in held:
            return url_for(endpoint)
    return url_for("showcase.home")


def _safe_next(target: str | None, user: User) -> str:
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
        ):
            return target
    return home_for(user)


def _too_many(wait: limits.Wait) -> ResponseReturnValue:
    response = make_response(
        render_template(
            "errors/429.html",
            error=TooManyRequests(),
            retry_minutes=wait.minutes,
            login=True,
        ),
        429,
    )
    response.headers["Retry-After"] = str(wait.seconds)
    return response


#: What an account that must choose its own password may still reach.
OPEN_BEFORE_OWN_PASSWORD = frozenset({"auth.password", "auth.logout", "static"})


@bp.before_app_request
def _own_password_first() -> ResponseReturnValue | None:
    """An account whose password someone else chose (an imported account, a reset)
    reaches nothing but the password page and logout until it chooses its own."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in OPEN_BEFORE_OWN_PASSWORD:
        return None
    # A visitor who never signed in (no remember-me cookie is issued) is not loaded: that
    # would mark the session (Flask-Login's freshness flag) before the language hook runs,
    # and turn an anonymous public page into a private one.
    if "_user_id" not in session:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        if request.method == "GET":
            flash(_("Hãy đặt mật khẩu của riêng bạn trước khi tiếp tục."), "warning")
        return redirect(url_for("auth.password"))
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next"), current_user))
    form = LoginForm()
    if form.validate_on_submit():
        # The client's address: ProxyFix has set it from the trusted proxies' header.
        address = request.remote_addr or "-"
        account = limits.account_key(form.login.data)
        if wait := limits.refusal(address, account):
            return _too_many(wait)
        user = authenticate(form.login.data, form.password.data)
        if user is None:
            limits.record_failure(address, account)
            flash(
                _("Sai tên đăng nhập hoặc mật khẩu, hoặc tài khoản đã bị khóa."),
                "danger",
            )
            return render_template("auth/login.html", form=form), 401
        login_user(user)
        flash(_("Xin chào, %(name)s.", name=user.name), "success")
        return redirect(_safe_next(request.args.get("next"), user))
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    end_sessions(current_user)
    logout_user()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("showcase.home"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        on_error("auth/password.html", form=form)
        change_password(current_user, form.current.data, form.new.data)
        login_user(current_user._get_current_object())  # keep this session, new token
        flash(
            _("Đã đổi mật khẩu. Các phiên đăng nhập khác đã bị đăng xuất."), "success"
        )
        return redirect(home_for(current_user))
    return render_template("auth/password.html", form=form), 400 if form.errors else 200


# Account recovery and email verification register their pages on ``bp``.
from . import recovery_views  # noqa: E402,F401
