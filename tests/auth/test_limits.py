"""Login limits slow guessing without letting one address lock others out."""

from __future__ import annotations

import re

import pytest

from dankheo.extensions import limiter

from ..factories import PASSWORD


@pytest.fixture
def limited(app):
    saved = dict(app.config)
    app.config.update(
        RATELIMIT_LOGIN="3 per minute",
        RATELIMIT_LOGIN_ACCOUNT="5 per hour",
        RATELIMIT_LOGIN_IP="60 per minute",
    )
    limiter.reset()
    yield app
    limiter.reset()
    app.config.clear()
    app.config.update(saved)


def _client(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _login(client, login: str, password: str) -> int:
    return client.post(
        "/auth/login", data={"login": login, "password": password}
    ).status_code


def test_sixty_failures_from_one_address_do_not_lock_out_another_account(limited, make):
    """The defect: 60 failures a minute from one address made a correct login of
    ANOTHER account answer 429."""
    colleague = make.user()
    make.db.session.commit()
    office = _client(limited, "203.0.113.7")
    codes = [_login(office, f"doan-mo-{i}", "sai-mat-khau") for i in range(60)]
    assert set(codes) == {401}
    assert _login(office, colleague.username, PASSWORD) == 302


def test_an_address_over_its_ceiling_gets_no_second_guess_on_an_account(limited, make):
    make.db.session.commit()
    sprayer = _client(limited, "203.0.113.8")
    for i in range(60):
        assert _login(sprayer, f"tai-khoan-{i}", "123456") == 401
    # Over the ceiling: an account it already failed on is refused before any check,
    assert _login(sprayer, "tai-khoan-0", "matkhau") == 429
    # and a fresh name gets one answer, then it too is refused.
    assert _login(sprayer, "tai-khoan-moi", "123456") == 401
    assert _login(sprayer, "tai-khoan-moi", "654321") == 429
    # Another address is not concerned.
    assert _login(_client(limited, "198.51.100.2"), "tai-khoan-0", "x") == 401


def test_one_account_guessed_from_many_addresses_is_slowed(limited, make):
    target = make.user()
    make.db.session.commit()
    for i in range(5):
        assert _login(_client(limited, f"192.0.2.{i + 1}"), target.username, "x") == 401
    resp = _client(limited, "192.0.2.99").post(
        "/auth/login", data={"login": target.username, "password": PASSWORD}
    )
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) > 0
    assert re.search(r"thử lại sau khoảng \d+ phút", resp.get_data(as_text=True))


def test_failures_are_counted_per_real_client_address(limited, make):
    user = make.user()
    make.db.session.commit()
    first = _client(limited, "203.0.113.20")
    for _ in range(3):
        assert _login(first, user.username, "x") == 401
    assert _login(first, user.username, PASSWORD) == 429
    # The same account from another address still logs in.
    assert _login(_client(limited, "203.0.113.21"), user.username, PASSWORD) == 302


def test_the_name_typed_counts_whether_or_not_it_exists(limited, make):
    real = make.user()
    make.db.session.commit()
    c = _client(limited, "203.0.113.30")
    codes = {
        name: [_login(c, name, "x") for _ in range(4)]
        for name in (real.username, "khong-ton-tai")
    }
    assert codes[real.username] == codes["khong-ton-tai"] == [401, 401, 401, 429]
