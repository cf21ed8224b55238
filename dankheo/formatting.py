"""Locale-aware number and date formatting for templates (2.705 and 22/11/2026 in
Vietnamese), and the templates' messages in the reader's language."""

from __future__ import annotations

import decimal
import math
from datetime import UTC, date, datetime

from babel.dates import format_date as babel_format_date
from babel.numbers import get_group_symbol
from babel.support import NullTranslations
from flask import Flask, has_request_context
from flask_babel import format_datetime as babel_datetime
from flask_babel import format_decimal, get_locale, get_translations

from . import clock

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


def file_size(size: int | None) -> str:
    """A file's size for people: bytes below a kilobyte (a 40-byte file is not
    "0 KB"), then KB and MB with one decimal, written as the reader's language writes
    numbers."""
    if size is None:
        return ""
    if size < 1024:
        return f"{number(int(size))} B"
    if size < 1024 * 1024:
        return f"{number(size / 1024, 1)} KB"
    return f"{number(size / (1024 * 1024), 1)} MB"


def day(value: date | datetime | None) -> str:
    """The calendar day, in the product's zone for a moment (naive: UTC).

    Babel's own formatter on a date worked out here: Flask-Babel's wrappers look the
    locale and the zone up again on every call (21 µs a date, 38 a moment, against
    about 8), and an entry's page shows several."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        value = moment.astimezone(clock.zone()).date()
    loc = get_locale()
    pattern = DATE_PATTERNS.get(loc.language if loc else "vi", DATE_PATTERNS["vi"])
    return babel_format_date(value, pattern, locale=loc or "vi")


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


#: Flask-Babel's catalogue of each language, as it loaded it (see :func:`catalog`).
_CATALOGS: dict[tuple[str | None, ...], NullTranslations] = {}


def catalog() -> NullTranslations:
    """The catalogue of the language being written (``force_locale`` included).

    The one Flask-Babel returns, looked up by the locale: its own lookup runs three
    context lookups and formats the locale's name for every message, about 15 µs, and
    an entry's page shows some forty messages."""
    loc = get_locale()
    if loc is None:
        return get_translations()
    # What Locale's own equality compares, as a tuple: compared in C, not Python.
    key = (loc.language, loc.territory, loc.script, loc.variant, loc.modifier)
    found = _CATALOGS.get(key)
    if found is None:
        found = _CATALOGS[key] = get_translations()
    return found


def label(value) -> str:
    """Translate a domain label (enum member or marked string)."""
    if value is None:
        return ""
    text = getattr(value, "label", value)
    return catalog().ugettext(text)


def with_year(name: str, year: int | str | None) -> str:
    """A campaign's name with its year in brackets, unless the name says it already
    ("Phong trào Dân vận khéo năm 2026", not "… năm 2026 (2026)")."""
    if year is None or str(year) in name:
        return name
    return f"{name} ({year})"


def install_gettext(app: Flask) -> None:
    """Templates' ``_``, ``gettext`` and ``ngettext`` through :func:`catalog`; Jinja's
    own "newstyle" wrappers keep escaping and ``%(name)s`` formatting as they were."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: catalog().ugettext(s),
        ngettext=lambda s, p, n: catalog().ungettext(s, p, n),
        pgettext=lambda c, s: catalog().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalog().unpgettext(c, s, p, n),
        newstyle=True,
    )
    # ``_`` is Jinja's alias, which looks ``gettext`` up again on every call.
    app.jinja_env.globals["_"] = app.jinja_env.globals["gettext"]


def register(app: Flask) -> None:
    install_gettext(app)
    app.add_template_filter(with_year, "with_year")
    app.add_template_filter(number, "number")
    app.add_template_filter(file_size, "file_size")
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
