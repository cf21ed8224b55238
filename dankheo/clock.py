"""The product's clock: every "now" and "today" the rules use comes from here.

The instant comes from :func:`dankheo.db.utcnow` (so the demo's simulated clock and a
test's frozen one are obeyed); the calendar day is the one in the product's time zone,
``BABEL_DEFAULT_TIMEZONE`` (``DANKHEO_TIMEZONE``; Asia/Ho_Chi_Minh by default), the
zone the pages show dates in too. A deadline of 25/10 therefore ends at midnight in
Vietnam, not at midnight wherever the server's clock is set: at 23:30 UTC on the 25th it
is already the 26th in Hà Nội and registration is closed.

One zone serves the whole product; campaigns do not carry their own (every campaign of
the movement is in Vietnam).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_app_context

from . import db as _db

#: The zone when no application is configured (the CLI before an app, plain scripts).
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


def zone() -> ZoneInfo:
    """The product's time zone."""
    name = DEFAULT_TIMEZONE
    if has_app_context():
        name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") or DEFAULT_TIMEZONE
    return ZoneInfo(name)


def now() -> datetime:
    """The current moment as a wall-clock time in the product's zone."""
    return _db.utcnow().astimezone(zone())


def today() -> date:
    """Today's date in the product's zone: the day every deadline is compared with."""
    return now().date()


def local_date(moment: datetime) -> date:
    """The calendar day ``moment`` (timezone-aware) falls on in the product's zone."""
    return moment.astimezone(zone()).date()


def not_after_today(day: date) -> bool:
    """True when ``day`` is today or earlier in the product's zone (a decision, a
    report, anything that records what already happened, cannot be dated tomorrow)."""
    return day <= today()


class LocalDay:
    """A date that reads as dd/mm/yyyy (or the reader's language's pattern) when a
    message is shown, so an error raised in one language reads well in another."""

    def __init__(self, day: date) -> None:
        self.day = day

    def __str__(self) -> str:
        from flask import has_request_context

        if has_request_context():
            # The pages' own ``day`` filter (``dankheo.formatting``, which reads this
            # module's zone): looked up, not imported, so the two modules stay acyclic.
            return current_app.jinja_env.filters["day"](self.day)
        return self.day.strftime("%d/%m/%Y")

    def __repr__(self) -> str:
        return f"<LocalDay {self.day.isoformat()}>"


def init_app(app: Flask) -> None:
    """Refuse to start with a time zone name that does not exist."""
    name = app.config.get("BABEL_DEFAULT_TIMEZONE") or DEFAULT_TIMEZONE
    try:
        ZoneInfo(name)
    except (KeyError, ValueError) as exc:
        raise RuntimeError(f"unknown time zone in DANKHEO_TIMEZONE: {name!r}") from exc
