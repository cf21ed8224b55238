"""Factory, configuration layers, formatting and the language switch."""

from __future__ import annotations

import os
import stat
from datetime import UTC, date

import pytest
from flask_babel import force_locale

from dankheo import create_app
from dankheo.config import load_secret_key
from dankheo.formatting import day, file_size, number


def test_secret_key_is_generated_once_into_instance(tmp_path):
    key = load_secret_key(str(tmp_path))
    assert len(key) == 64
    assert load_secret_key(str(tmp_path)) == key
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600


def test_config_layers_env_then_test_config(monkeypatch, tmp_path):
    monkeypatch.setenv("DANKHEO_DATABASE_URL", f"sqlite:///{tmp_path}/env.sqlite3")
    monkeypatch.setenv("DANKHEO_RATELIMIT_STORAGE_URI", "memory://")
    app = create_app({"SECRET_KEY": "x", "PAGE_SIZE": 7})
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.sqlite3")
    assert app.config["PAGE_SIZE"] == 7
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["BABEL_DEFAULT_LOCALE"] == "vi"
    assert app.config["BOOTSTRAP_SERVE_LOCAL"] is True


def test_sqlite_connection_settings(app, db):
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000


def test_vietnamese_number_and_date_formats(app):
    with app.test_request_context("/"):
        with force_locale("vi"):
            assert number(2705) == "2.705"
            assert number(15590.5, 2) == "15.590,5"
            assert day(date(2026, 11, 22)) == "22/11/2026"
        with force_locale("en"):
            assert number(2705) == "2,705"
            assert day(date(2026, 11, 22)) == "22 Nov 2026"


def test_file_sizes_read_as_people_read_them(app):
    """A 40-byte attachment was shown as "0 KB" on one page and "0,0 KB" on another."""
    with app.test_request_context("/"):
        with force_locale("vi"):
            assert file_size(40) == "40 B"
            assert file_size(1536) == "1,5 KB"
            assert file_size(5 * 1024 * 1024) == "5 MB"
        with force_locale("en"):
            assert file_size(1023) == "1,023 B"
            assert file_size(2_621_440) == "2.5 MB"
        assert file_size(None) == ""


def test_days_read_as_flask_babel_writes_them(app):
    """``day`` works the local date out itself: the same text as Flask-Babel's own
    formatter for dates and for moments either side of midnight in the product's zone
    (UTC+7), naive moments read as UTC, in both languages."""
    from datetime import datetime, timedelta
    from datetime import timezone as tz

    from flask_babel import format_date as babel_date
    from flask_babel import format_datetime as babel_datetime

    from dankheo.formatting import DATE_PATTERNS

    values = [date(2026, 1, 1), date(999, 12, 31), date(2026, 11, 22)]
    for hour in (0, 16, 17, 23):
        at = datetime(2026, 12, 31, hour, 59, tzinfo=UTC)
        values += [at, at.replace(tzinfo=None), at.astimezone(tz(timedelta(hours=-5)))]
    with app.test_request_context("/"):
        for lang in ("vi", "en"):
            with force_locale(lang):
                for value in values:
                    pattern = DATE_PATTERNS[lang]
                    expected = (
                        babel_datetime(value, pattern)
                        if isinstance(value, datetime)
                        else babel_date(value, pattern)
                    )
                    assert day(value) == expected, (lang, value)


def test_template_messages_follow_the_language_being_written(app):
    """Templates look a message up in the catalogue of the language in force: a mail
    written in English inside a Vietnamese request is English, and the request's own
    pages stay Vietnamese; values put into a message are escaped in HTML only."""
    html = app.jinja_env.from_string('{{ _("Đăng nhập") }}|{{ _("%(n)s", n="<b>") }}')
    label_tpl = app.jinja_env.from_string("{{ value|label }}")
    with app.test_request_context("/"):
        assert html.render() == "Đăng nhập|&lt;b&gt;"
        with force_locale("en"):
            assert html.render() == "Log in|&lt;b&gt;"
            assert label_tpl.render(value="Đăng nhập") == "Log in"
        assert html.render().startswith("Đăng nhập|")
        assert label_tpl.render(value="Đăng nhập") == "Đăng nhập"
    mail = app.jinja_env.overlay(autoescape=False).from_string(
        '{{ _("%(n)s", n="<b>") }}'
    )
    with app.test_request_context("/"):
        assert mail.render() == "<b>"


def test_vietnamese_first_with_english_switch(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="vi">' in page and "Đăng nhập" in page and "English" in page
    page = client.get("/auth/login?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page and "Log in" in page and "Tiếng Việt" in page
    # The choice sticks for the session.
    page = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="en">' in page


def test_no_cdn_every_asset_is_local(client):
    page = client.get("/auth/login").get_data(as_text=True)
    for marker in ("cdn.", "jsdelivr", "unpkg", "googleapis", "cloudflare"):
        assert marker not in page
    css = client.get("/bootstrap/static/css/bootstrap.min.css")
    assert css.status_code == 200


def test_unknown_page_is_a_vietnamese_404(client):
    resp = client.get("/khong-co-trang-nay")
    assert resp.status_code == 404 and "Không tìm thấy trang" in resp.get_data(
        as_text=True
    )


def test_api_errors_are_json(client):
    resp = client.get("/api/v1/khong-co")
    assert resp.status_code == 404 and resp.is_json


def test_security_headers_on_pages(client):
    resp = client.get("/auth/login")
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]


def test_secure_cookie_flag_from_environment(monkeypatch):
    monkeypatch.setenv("DANKHEO_SECURE_COOKIES", "1")
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    "url",
    [
        "/showcase/99999999999999999999",
        "/registry/99999999999999999999",
        "/appraisal/councils/99999999999999999999/",
        "/admin/users/99999999999999999999",
        "/api/v1/exemplars/99999999999999999999",
        "/api/v1/campaigns/99999999999999999999999/funnel",
        "/showcase/0",
    ],
)
def test_ids_beyond_the_database_range_are_404(client, url):
    assert client.get(url).status_code == 404


def test_huge_page_numbers_are_page_one(client, make, login_as):
    from dankheo.domain.enums import Role

    province = make.unit()
    sec = make.user(role=Role.SECRETARIAT, unit=province)
    officer = make.user(role=Role.UNIT_OFFICER, unit=province)
    make.db.session.commit()
    login_as(sec)
    for url in ("/admin/units", "/admin/users"):
        assert client.get(f"{url}?page=99999999999999999999").status_code == 200
    login_as(officer)
    assert client.get("/registry/?page=99999999999999999999").status_code == 200


def test_a_campaign_name_carries_its_year_once():
    from dankheo.formatting import with_year

    assert with_year("Dân vận khéo năm 2026", 2026) == "Dân vận khéo năm 2026"
    assert with_year("Dân vận khéo", 2026) == "Dân vận khéo (2026)"
    assert with_year("Dân vận khéo", None) == "Dân vận khéo"
