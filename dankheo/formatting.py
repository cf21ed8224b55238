"""Locale-aware number and date formatting for templates (2.705 and 22/11/2026 in Vietnamese)."""

from __future__ import annotations

import decimal
import math
from datetime import date, datetime

from babel.numbers import get_group_symbol
from flask import Flask, has_request_context
from flask_babel import format_date as babel_date
from flask_babel import format_datetime as babel_datetime
from flask_babel import format_decimal, get_locale, gettext

DATE_PATTERNS = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}
DATETIME_PATTERNS = {"vi": "HH:mm dd/MM/yyyy", "en": "d MMM yyyy, HH:mm"}


def _lang() -> str:
    loc = get_locale()
    return loc.language if loc else "vi"


_GROUP: dict[str, str] = {}


def _group_symbol() -> str:
    loc = get_locale()
    key = str(loc)
    if key not in _GROUP:
        _GROUP[key] = get_group_symbol(loc) if loc else "."
    return _GROUP[key]


def number(value, decimals: int = 0) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return ""  # a corrupt row (see ``flask repair-data``): show nothing, not "∞"
    if type(value) is int:
        # Integers (every count on a page) skip Babel's pattern engine: same output.
        return f"{value:,}".replace(",", _group_symbol())
    fmt = "#,##0" if decimals == 0 else "#,##0." + "#" * decimals
    try:
        return format_decimal(value, format=fmt)
    except decimal.InvalidOperation:  # beyond Decimal's precision (1e308)
        return f"{value:.6g}"


def day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    pattern = DATE_PATTERNS.get(_lang(), DATE_PATTERNS["vi"])
    if isinstance(value, datetime):
        return babel_datetime(value, pattern)
    return babel_date(value, pattern)


def moment(value: datetime | None) -> str:
    if value is None:
        return ""
    return babel_datetime(
        value, DATETIME_PATTERNS.get(_lang(), DATETIME_PATTERNS["vi"])
    )


def percent(part: int, whole: int) -> str:
    if not whole:
        return "0%"
    return format_decimal(100 * part / whole, format="#,##0.#") + "%"


def label(value) -> str:
    """Translate a domain label (enum member or marked string)."""
    if value is None:
        return ""
    text = getattr(value, "label", value)
    return gettext(text)


def with_year(name: str, year: int | str | None) -> str:
    """A campaign's name with its year in brackets, unless the name says it already
    ("Phong trào Dân vận khéo năm 2026", not "… năm 2026 (2026)")."""
    if year is None or str(year) in name:
        return name
    return f"{name} ({year})"


def register(app: Flask) -> None:
    app.add_template_filter(with_year, "with_year")
    app.add_template_filter(number, "number")
    app.add_template_filter(day, "day")
    app.add_template_filter(moment, "moment")
    app.add_template_filter(label, "label")
    app.add_template_global(percent, "percent")


class ShownNumber:
    """A number put into a message, written the way the reader's language writes it
    (2.147.483.647 in Vietnamese) when the message is shown."""

    def __init__(self, value: int | float, decimals: int = 0) -> None:
        self.value = value
        self.decimals = decimals

    def __str__(self) -> str:
        if not has_request_context():
            return f"{self.value:,}".replace(",", ".")
        return number(self.value, self.decimals)
