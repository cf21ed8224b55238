"""An account whose first password someone else chose (an imported one) must choose
its own before it may use anything else; logging out still works."""

from __future__ import annotations

from dankheo.domain.enums import Role
from tests.factories import PASSWORD


def _must_change(make, db, role=Role.UNIT_OFFICER):
    user = make.user(role=role)
    user.must_change_password = True
    db.session.commit()
    return user


def test_login_sends_to_the_password_page(make, db, client):
    user = _must_change(make, db)
    resp = client.post(
        "/auth/login", data={"login": user.username, "password": PASSWORD}
    )
    assert resp.status_code == 302
    follow = client.get(resp.headers["Location"])
    assert follow.status_code == 302
    assert "/auth/password" in follow.headers["Location"]


def test_every_page_but_password_and_logout_is_closed(make, db, login_as):
    user = _must_change(make, db, role=Role.SECRETARIAT)
    client = login_as(user)
    for path in ("/registry/", "/admin/", "/admin/users", "/appraisal/", "/"):
        resp = client.get(path)
        assert resp.status_code == 302, path
        assert "/auth/password" in resp.headers["Location"], path
    assert client.get("/auth/password").status_code == 200
    resp = client.post("/auth/logout")
    assert resp.status_code == 302
    assert "/auth/password" not in resp.headers["Location"]
    # Logged out: the public pages open again.
    assert client.get("/").status_code == 200


def test_changing_the_password_opens_the_product(make, db, login_as):
    user = _must_change(make, db, role=Role.SECRETARIAT)
    client = login_as(user)
    same = client.post(
        "/auth/password",
        data={"current": PASSWORD, "new": PASSWORD, "confirm": PASSWORD},
    )
    assert same.status_code == 400
    assert "khác mật khẩu ban đầu" in same.get_data(as_text=True)
    new = "mat-khau-cua-toi-2026"
    resp = client.post(
        "/auth/password", data={"current": PASSWORD, "new": new, "confirm": new}
    )
    assert resp.status_code == 302
    db.session.rollback()
    db.session.refresh(user)
    assert user.must_change_password is False
    assert client.get("/admin/").status_code == 200


def test_an_ordinary_account_is_not_held(make, db, login_as):
    client = login_as(make.user(role=Role.SECRETARIAT))
    assert client.get("/admin/").status_code == 200


def test_a_reset_by_the_secretariat_forces_a_password_of_ones_own(make, db):
    from dankheo.auth.operations import reset_password

    user = make.user(role=Role.UNIT_OFFICER)
    db.session.commit()
    assert user.must_change_password is False
    reset_password(user, actor=make.user(role=Role.SECRETARIAT))
    db.session.commit()
    db.session.refresh(user)
    assert user.must_change_password is True


def test_a_password_set_through_a_mailed_link_is_ones_own(make, db):
    from dankheo.auth.recovery import PASSWORD_RESET, reset_password_with_token
    from dankheo.auth.recovery import _issue as issue

    user = _must_change(make, db)
    token = issue(user, PASSWORD_RESET, 1)
    db.session.commit()
    reset_password_with_token(token, "mat-khau-cua-toi-2026")
    db.session.commit()
    db.session.refresh(user)
    assert user.must_change_password is False
