"""The product's clock: today is Vietnam's day, whatever the server's zone."""

from __future__ import annotations

import contextvars
from datetime import UTC, date, datetime, timedelta

import pytest

from dankheo import clock, create_app
from dankheo import db as dbmod
from dankheo.db import simulated_clock


def freeze_at(monkeypatch, moment: datetime) -> None:
    """Every reading of the product's clock, in the test and in its requests (which run
    in fresh contexts), returns ``moment``."""
    monkeypatch.setattr(
        dbmod, "_clock", contextvars.ContextVar("clock", default=lambda: moment)
    )


def test_late_evening_utc_is_already_tomorrow_in_vietnam(app):
    with (
        app.app_context(),
        simulated_clock(datetime(2026, 10, 25, 23, 30, tzinfo=UTC), timedelta(0)),
    ):
        assert clock.today() == date(2026, 10, 26)
        assert clock.now().utcoffset() == timedelta(hours=7)
        assert clock.now().hour == 6


def test_the_zone_is_configurable(app):
    saved = app.config["BABEL_DEFAULT_TIMEZONE"]
    app.config["BABEL_DEFAULT_TIMEZONE"] = "UTC"
    try:
        with (
            app.app_context(),
            simulated_clock(datetime(2026, 10, 25, 23, 30, tzinfo=UTC), timedelta(0)),
        ):
            assert clock.today() == date(2026, 10, 25)
    finally:
        app.config["BABEL_DEFAULT_TIMEZONE"] = saved


def test_timezone_from_the_environment_and_unknown_zones_refused(monkeypatch, tmp_path):
    base = {
        "SECRET_KEY": "x",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/c.sqlite3",
        "UPLOAD_FOLDER": str(tmp_path),
    }
    monkeypatch.setenv("DANKHEO_TIMEZONE", "Asia/Tokyo")
    assert create_app(base).config["BABEL_DEFAULT_TIMEZONE"] == "Asia/Tokyo"
    monkeypatch.setenv("DANKHEO_TIMEZONE", "Asia/Sai_Gon_Nowhere")
    with pytest.raises(RuntimeError, match="DANKHEO_TIMEZONE"):
        create_app(base)


def test_the_clock_without_an_app_uses_vietnam():
    with simulated_clock(datetime(2026, 12, 31, 17, 0, tzinfo=UTC), timedelta(0)):
        assert clock.today() == date(2027, 1, 1)


def test_frozen_clock_reaches_timestamps(app, monkeypatch):
    moment = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
    freeze_at(monkeypatch, moment)
    assert dbmod.utcnow() == moment
    with app.app_context():
        assert clock.today() == date(2026, 11, 29)


@pytest.mark.parametrize(
    "day, ok",
    [
        (date(2026, 10, 25), True),
        (date(2026, 10, 26), True),
        (date(2026, 10, 27), False),
    ],
)
def test_not_after_today_is_vietnam_today(app, day, ok):
    """A commendation decision dated tomorrow (in Vietnam) is refused."""
    with (
        app.app_context(),
        simulated_clock(datetime(2026, 10, 25, 23, 30, tzinfo=UTC), timedelta(0)),
    ):
        assert clock.not_after_today(day) is ok


def test_local_day_reads_as_day_month_year(app):
    assert str(clock.LocalDay(date(2026, 10, 25))) == "25/10/2026"
    with app.test_request_context("/?lang=vi"):
        assert str(clock.LocalDay(date(2026, 1, 5))) == "05/01/2026"
    with app.test_request_context("/?lang=en"):
        assert str(clock.LocalDay(date(2026, 1, 5))) == "5 Jan 2026"
