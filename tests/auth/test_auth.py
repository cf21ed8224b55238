from __future__ import annotations

import re

import pytest
from werkzeug.security import check_password_hash

from dankheo.config import DefaultConfig
from dankheo.domain.enums import Role

from ..factories import PASSWORD


def test_production_hash_is_scrypt_with_n_at_least_2_17():
    method, n, r, p = DefaultConfig.PASSWORD_HASH_METHOD.split(":")
    assert method == "scrypt" and int(n) >= 2**17 and int(r) >= 8


def test_login_success_and_failure(client, make):
    user = make.user()
    make.db.session.commit()
    bad = client.post(
        "/auth/login", data={"login": user.username, "password": "sai-mat-khau"}
    )
    assert bad.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in bad.get_data(as_text=True)
    ok = client.post("/auth/login", data={"login": user.email, "password": PASSWORD})
    assert ok.status_code == 302
    assert client.get("/registry/").status_code == 200


def test_login_form_errors_are_400_not_500(client, db):
    resp = client.post("/auth/login", data={"login": "", "password": ""})
    assert resp.status_code == 400
    assert "Vui lòng nhập mục này." in resp.get_data(as_text=True)


def test_inactive_user_cannot_log_in(client, make):
    user = make.user()
    user.active = False
    make.db.session.commit()
    resp = client.post(
        "/auth/login", data={"login": user.username, "password": PASSWORD}
    )
    assert resp.status_code == 401


def test_open_redirect_is_refused(client, make):
    user = make.user()
    make.db.session.commit()
    resp = client.post(
        "/auth/login?next=https://evil.example/x",
        data={"login": user.username, "password": PASSWORD},
    )
    assert resp.status_code == 302
    assert "evil.example" not in resp.headers["Location"]


def _cookie(client):
    return client.get_cookie("dankheo_session")


def test_logout_invalidates_a_copied_session_cookie(app, client, make):
    user = make.user()
    make.db.session.commit()
    client.post("/auth/login", data={"login": user.username, "password": PASSWORD})
    stolen = _cookie(client).value
    client.post("/auth/logout")
    other = app.test_client()
    other.set_cookie("dankheo_session", stolen, domain="localhost")
    resp = other.get("/registry/")
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]


def test_password_change_logs_out_other_sessions(app, client, make):
    user = make.user()
    make.db.session.commit()
    client.post("/auth/login", data={"login": user.username, "password": PASSWORD})
    second = app.test_client()
    second.post("/auth/login", data={"login": user.username, "password": PASSWORD})
    assert second.get("/registry/").status_code == 200
    resp = client.post(
        "/auth/password",
        data={
            "current": PASSWORD,
            "new": "mat-khau-moi-2026",
            "confirm": "mat-khau-moi-2026",
        },
    )
    assert resp.status_code == 302
    assert client.get("/registry/").status_code == 200  # this session carries on
    assert second.get("/registry/").status_code == 302  # the other one is gone
    make.db.session.rollback()
    from dankheo.auth.models import User

    assert check_password_hash(
        make.db.session.get(User, user.id).password_hash, "mat-khau-moi-2026"
    )


def test_password_change_errors(client, make, login_as):
    user = make.user()
    make.db.session.commit()
    login_as(user)
    wrong = client.post(
        "/auth/password",
        data={
            "current": "khong-dung",
            "new": "mat-khau-moi-2026",
            "confirm": "mat-khau-moi-2026",
        },
    )
    assert (
        wrong.status_code == 400
        and "Mật khẩu hiện tại không đúng." in wrong.get_data(as_text=True)
    )
    short = client.post(
        "/auth/password", data={"current": PASSWORD, "new": "ngan", "confirm": "ngan"}
    )
    assert short.status_code == 400 and "ít nhất 10 ký tự" in short.get_data(
        as_text=True
    )
    differ = client.post(
        "/auth/password",
        data={
            "current": PASSWORD,
            "new": "mat-khau-moi-2026",
            "confirm": "mat-khau-khac-2026",
        },
    )
    assert differ.status_code == 400 and "Hai mật khẩu không khớp." in differ.get_data(
        as_text=True
    )


def test_session_cookie_flags(client, make):
    user = make.user()
    make.db.session.commit()
    resp = client.post(
        "/auth/login", data={"login": user.username, "password": PASSWORD}
    )
    header = resp.headers.get("Set-Cookie")
    assert "HttpOnly" in header and "SameSite=Lax" in header


@pytest.fixture
def strict_app(app):
    """The test app with CSRF and the login rate limit switched on, as in production."""
    from dankheo.extensions import limiter

    saved = dict(app.config)
    app.config.update(WTF_CSRF_ENABLED=True, RATELIMIT_LOGIN="3 per minute")
    limiter.reset()
    yield app
    limiter.reset()
    app.config.clear()
    app.config.update(saved)


def test_csrf_is_enforced_on_forms_and_post_buttons(strict_app, make):
    user = make.user()
    make.db.session.commit()
    c = strict_app.test_client()
    resp = c.post("/auth/login", data={"login": user.username, "password": PASSWORD})
    assert resp.status_code == 400  # no token
    page = c.get("/auth/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    resp = c.post(
        "/auth/login",
        data={"login": user.username, "password": PASSWORD, "csrf_token": token},
    )
    assert resp.status_code == 302
    # A bare POST button (logout) without its token is refused, and the session survives.
    assert c.post("/auth/logout").status_code == 400
    assert c.get("/registry/").status_code == 200


def test_login_is_rate_limited(strict_app, make):
    strict_app.config["WTF_CSRF_ENABLED"] = False
    user = make.user()
    make.db.session.commit()
    c = strict_app.test_client()
    codes = [
        c.post(
            "/auth/login", data={"login": user.username, "password": "x"}
        ).status_code
        for _ in range(4)
    ]
    assert codes[:3] == [401, 401, 401]
    assert codes[3] == 429
    page = c.post("/auth/login", data={"login": user.username, "password": "x"})
    text = page.get_data(as_text=True)
    assert "Quá nhiều lần thử" in text
    assert re.search(r"thử lại sau khoảng [12] phút", text)
    # Another account from the same address is not locked out by these typos.
    other = make.user()
    make.db.session.commit()
    assert (
        c.post(
            "/auth/login", data={"login": other.username, "password": PASSWORD}
        ).status_code
        == 302
    )


def test_successful_logins_never_count(strict_app, make):
    strict_app.config["WTF_CSRF_ENABLED"] = False
    user = make.user()
    make.db.session.commit()
    c = strict_app.test_client()
    for _ in range(6):
        assert (
            c.post(
                "/auth/login", data={"login": user.username, "password": PASSWORD}
            ).status_code
            == 302
        )
        c.post("/auth/logout")


@pytest.mark.parametrize(
    "role, home",
    [
        (Role.UNIT_OFFICER, "/registry/"),
        (Role.COUNCIL_MEMBER, "/appraisal/"),
        (Role.SECRETARIAT, "/admin/"),
        (None, "/"),
    ],
)
def test_each_role_lands_on_its_own_workspace(client, make, role, home):
    user = make.user(role=role)
    make.db.session.commit()
    resp = client.post(
        "/auth/login", data={"login": user.username, "password": PASSWORD}
    )
    assert resp.status_code == 302 and resp.headers["Location"] == home


def test_admin_cli_creates_admin(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-admin",
            "--username",
            "quantri",
            "--name",
            "Nguyễn Văn Quản",
            "--password",
            "mat-khau-quan-tri",
        ]
    )
    assert result.exit_code == 0, result.output
    from sqlalchemy import select

    from dankheo.auth.models import User

    user = db.session.scalar(select(User).where(User.username == "quantri"))
    assert user.is_admin and user.has_role(Role.SECRETARIAT)
    again = runner.invoke(
        args=[
            "create-admin",
            "--username",
            "quantri",
            "--name",
            "X",
            "--password",
            "mat-khau-quan-tri",
        ]
    )
    assert again.exit_code != 0 and "Không tạo được" in again.output
    short = runner.invoke(
        args=["create-admin", "--username", "b", "--name", "X", "--password", "ngan"]
    )
    assert short.exit_code != 0


def test_account_refusals_are_typed_and_name_their_field(make, db):
    from dankheo.auth.operations import (
        change_password,
        create_user,
        grant_role,
        revoke_role,
        set_active,
    )
    from dankheo.errors import InvalidInput, RuleRefused

    user = make.user(username="can.bo")
    db.session.commit()
    with pytest.raises(InvalidInput) as taken:
        create_user(username=" Can.Bo ", name="X", password=PASSWORD)
    assert taken.value.field == "username"
    assert taken.value.message == "Tên đăng nhập đã được dùng."
    with pytest.raises(InvalidInput) as email:
        create_user(username="khac", name="X", password=PASSWORD, email=user.email)
    assert email.value.field == "email"
    with pytest.raises(InvalidInput) as wrong:
        change_password(user, "khong-dung", "mat-khau-moi-2026")
    assert wrong.value.field == "current"
    (held,) = user.roles
    with pytest.raises(RuleRefused):
        grant_role(user, held.role, held.unit)
    admin = make.user(role=Role.ADMIN)
    db.session.commit()
    with pytest.raises(RuleRefused):
        revoke_role(admin.roles[0], actor=admin)
    with pytest.raises(RuleRefused):
        set_active(admin, False, actor=admin)
    revoke_role(held, actor=admin)
    set_active(user, False, actor=admin)
    assert user.roles == [] and not user.active
