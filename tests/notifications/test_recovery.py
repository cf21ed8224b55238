"""Password reset and email change by mailed single-use links, end to end through the
pages and a real SMTP server on loopback."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from dankheo.auth.models import User
from dankheo.auth.operations import change_password
from dankheo.auth.recovery import AccountToken
from dankheo.db import utcnow
from dankheo.domain.enums import Role
from tests.conftest import IsolatedClient
from tests.factories import PASSWORD

from .conftest import link_in, text_of

NEW_PASSWORD = "mat-khau-moi-2026"


@pytest.fixture(autouse=True)
def _generous_limits(app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_RESET", "1000 per minute")
    monkeypatch.setitem(app.config, "RATELIMIT_RESET_IP", "1000 per minute")


def _path(url: str) -> str:
    return urlsplit(url).path


def _logged_in(app, user) -> IsolatedClient:
    client = app.test_client()
    resp = client.post(
        "/auth/login", data={"login": user.username, "password": PASSWORD}
    )
    assert resp.status_code == 302
    return client


def test_password_reset_end_to_end(app, make, db, smtp):
    user = make.user(role=Role.UNIT_OFFICER)
    user.language = "en"
    db.session.commit()
    old_session = _logged_in(app, user)
    assert old_session.get("/auth/password").status_code == 200

    anonymous = app.test_client()
    login_page = anonymous.get("/auth/login").get_data(as_text=True)
    assert "Quên mật khẩu?" in login_page and "/auth/forgot-password" in login_page
    resp = anonymous.post("/auth/forgot-password", data={"email": user.email.upper()})
    assert resp.status_code == 303 and resp.location.endswith("/auth/login")

    (mail,) = smtp.to(user.email)
    assert mail["Subject"] == "Reset your Dân vận khéo password"
    assert user.username in text_of(mail)
    link = _path(link_in(mail))
    assert link.startswith("/auth/reset-password/")
    token = link.rsplit("/", 1)[1]
    db.session.rollback()
    stored = db.session.scalars(select(AccountToken.token_hash)).all()
    assert token not in stored and len(stored) == 1  # only a hash is kept

    assert anonymous.get(link).status_code == 200
    short = anonymous.post(link, data={"new": "ngan", "confirm": "ngan"})
    assert short.status_code == 400 and "ít nhất 10 ký tự" in short.get_data(
        as_text=True
    )
    done = anonymous.post(link, data={"new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303

    # Every earlier session ended; the new password works, the old one not.
    assert old_session.get("/auth/password").status_code == 302
    fresh = app.test_client()
    assert (
        fresh.post(
            "/auth/login", data={"login": user.username, "password": PASSWORD}
        ).status_code
        == 401
    )
    assert (
        fresh.post(
            "/auth/login", data={"login": user.username, "password": NEW_PASSWORD}
        ).status_code
        == 302
    )
    # The link works once.
    again = anonymous.post(
        link, data={"new": "khac-han-2026x", "confirm": "khac-han-2026x"}
    )
    assert again.status_code == 400
    assert "Liên kết không hợp lệ" in anonymous.get(link).get_data(as_text=True)


def test_unknown_and_known_addresses_get_the_same_answer(app, make, db, smtp):
    user = make.user(role=Role.UNIT_OFFICER)
    db.session.commit()
    client = app.test_client()
    known = client.post("/auth/forgot-password", data={"email": user.email})
    known_page = client.get(known.location).get_data(as_text=True)
    unknown = client.post("/auth/forgot-password", data={"email": "ai-do@example.vn"})
    unknown_page = client.get(unknown.location).get_data(as_text=True)
    assert (known.status_code, known.location) == (
        unknown.status_code,
        unknown.location,
    )
    sentence = "Nếu địa chỉ này thuộc một tài khoản đang hoạt động"
    assert sentence in known_page and sentence in unknown_page
    assert len(smtp.messages) == 1 and smtp.to(user.email)


def test_an_expired_link_is_refused(app, make, db, smtp):
    user = make.user(role=Role.UNIT_OFFICER)
    db.session.commit()
    client = app.test_client()
    client.post("/auth/forgot-password", data={"email": user.email})
    link = _path(link_in(smtp.to(user.email)[0]))
    db.session.rollback()
    db.session.execute(
        update(AccountToken).values(expires_at=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()
    assert client.get(link).status_code == 400
    resp = client.post(link, data={"new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert resp.status_code == 400
    db.session.rollback()
    assert db.session.get(User, user.id).password_hash == user.password_hash


def test_a_new_password_kills_an_earlier_link(app, make, db, smtp):
    user = make.user(role=Role.UNIT_OFFICER)
    db.session.commit()
    client = app.test_client()
    client.post("/auth/forgot-password", data={"email": user.email})
    link = _path(link_in(smtp.to(user.email)[0]))
    db.session.rollback()
    change_password(db.session.get(User, user.id), PASSWORD, NEW_PASSWORD)
    db.session.commit()
    assert client.get(link).status_code == 400


def test_reset_requests_are_rate_limited_per_address(app, make, db, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_RESET", "2 per hour")
    user = make.user(role=Role.UNIT_OFFICER)
    db.session.commit()
    client = app.test_client()
    codes = [
        client.post("/auth/forgot-password", data={"email": user.email}).status_code
        for _ in range(3)
    ]
    assert codes == [303, 303, 429]
    # Another address is counted on its own.
    other = client.post("/auth/forgot-password", data={"email": "khac@example.vn"})
    assert other.status_code == 303
    assert len(smtp.to(user.email)) == 2


def test_reset_requests_are_rate_limited_per_client(app, make, db, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_RESET_IP", "3 per hour")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.77"
    codes = [
        client.post(
            "/auth/forgot-password", data={"email": f"nguoi{i}@example.vn"}
        ).status_code
        for i in range(4)
    ]
    assert codes == [303, 303, 303, 429]


def test_an_email_change_applies_only_after_confirmation(app, make, db, smtp, login_as):
    user = make.user(role=Role.UNIT_OFFICER)
    old = user.email
    db.session.commit()
    client = login_as(user)
    menu = client.get("/registry/").get_data(as_text=True)
    assert "/auth/email" in menu and "Đổi email" in menu

    wrong = client.post(
        "/auth/email", data={"email": "moi@example.vn", "password": "sai-mat-khau"}
    )
    assert wrong.status_code == 400 and smtp.messages == []
    resp = client.post(
        "/auth/email", data={"email": "Moi@Example.vn", "password": PASSWORD}
    )
    assert resp.status_code == 303
    (mail,) = smtp.to("moi@example.vn")
    assert mail["Subject"] == "Xác nhận địa chỉ email mới"
    db.session.rollback()
    assert db.session.get(User, user.id).email == old  # not yet

    link = _path(link_in(mail))
    other = app.test_client()  # opened on another device, signed out
    assert other.get(link).status_code == 200  # a page with one button
    db.session.rollback()
    assert db.session.get(User, user.id).email == old
    assert other.post(link).status_code == 303
    db.session.rollback()
    assert db.session.get(User, user.id).email == "moi@example.vn"
    assert other.post(link).status_code == 409  # once only


def test_an_email_already_taken_is_refused(make, db, smtp, login_as):
    user = make.user(role=Role.UNIT_OFFICER)
    taken = make.user(role=Role.UNIT_OFFICER)
    db.session.commit()
    client = login_as(user)
    resp = client.post("/auth/email", data={"email": taken.email, "password": PASSWORD})
    assert resp.status_code == 400
    assert "Email đã được dùng." in resp.get_data(as_text=True)
    assert smtp.messages == []
