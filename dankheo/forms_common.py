"""Form fields and validators shared by every area, with Vietnamese messages."""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import Decimal

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import Field, IntegerField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import TextInput

from . import clock
from .formatting import ShownNumber, day

REQUIRED = _l("Vui lòng nhập mục này.")


MAX_ID = 2**31 - 1


def int_arg(value: str | None) -> int | None:
    """A positive database id from a query string, or None ("²", "-1", 10**30 are None)."""
    if not value or not value.isascii() or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def page_arg(value: str | None = None) -> int:
    """The ``?page=`` of an offset-paged list: 1 .. 100,000, anything else is page 1."""
    if value is None:
        from flask import request

        value = request.args.get("page")
    number = int_arg(value)
    return number if number is not None and number <= 100_000 else 1


class UnitCodeField(StringField):
    """A unit chosen by its code, with suggestions in a ``<datalist>``: works for a tree
    of any size (a select of every unit would not). The view resolves the code within
    the user's scope."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault(
            "description", _l("Gõ mã đơn vị hoặc chọn trong danh sách gợi ý.")
        )
        super().__init__(label, validators, **kwargs)
        self.suggestions: list = []

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data:
            # "QN-HG — Phường Hồng Gai" (a picked suggestion) means the code before the dash.
            self.data = self.data.split(" — ", 1)[0].strip()


def options(pairs) -> list[SelectChoice]:
    """Select choices as ``SelectChoice`` objects (WTForms deprecates tuples)."""
    return [SelectChoice(value, label) for value, label in pairs]


def required(message=REQUIRED):
    return DataRequired(message=message)


def max_length(n: int):
    return Length(max=n, message=_l("Tối đa %(max)d ký tự.", max=n))


def non_negative():
    return NumberRange(min=0, message=_l("Không được là số âm."))


#: The range of an INTEGER column on every database.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
#: Largest decimal a form accepts: 15 significant digits with 3 decimals stay exact in
#: a double (the metric columns are FLOAT), and the pages can still write it out.
DECIMAL_MAX = Decimal("999999999999.999")
#: Dates a form accepts at all; narrower windows are validators (``not_after_today``).
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2100, 12, 31)

#: The separators of each language: (thousands, decimal).
SEPARATORS = {"vi": (".", ","), "en": (",", ".")}
_SPACES = re.compile("[ \u00a0\u202f]")

NOT_A_NUMBER = _l("Không phải là số hợp lệ.")
NOT_AN_INTEGER = _l("Phải là số nguyên.")


def _separators() -> tuple[str, str]:
    loc = get_locale()
    return SEPARATORS.get(loc.language if loc else "vi", SEPARATORS["vi"])


def separator_hint():
    group, point = _separators()
    if point == ",":
        return _l(
            "Dấu chấm ngăn cách hàng nghìn, dấu phẩy ngăn cách phần thập phân: "
            "viết 15.590 (mười lăm nghìn) hoặc 15,59."
        )
    return _l(
        "Dấu phẩy ngăn cách hàng nghìn, dấu chấm ngăn cách phần thập phân: "
        "viết 15,590 (mười lăm nghìn) hoặc 15.59."
    )


def parse_local_number(text: str, *, places: int | None) -> Decimal:
    """A number typed the local way, read one way only, or ``ValueError`` saying why.

    Vietnamese: "15.590" is fifteen thousand, "15.590,5" has a half, "15.59" is refused
    with a hint (never read as 1559 or 15.59); English the other way round. Exponents,
    "inf" and "nan" are not numbers here. ``places``: most digits after the decimal
    separator (0 for integers)."""
    group, point = _separators()
    text = _SPACES.sub("", text)
    sign = ""
    if text[:1] in "+-" and text:
        sign, text = text[0], text[1:]
    whole, has_point, fraction = text.partition(point)
    if point in fraction or not whole or (has_point and not fraction):
        raise ValueError(NOT_A_NUMBER)
    digits = whole.replace(group, "")
    grouped = group in whole
    if not (digits.isascii() and digits.isdigit()) or (
        fraction and not (fraction.isascii() and fraction.isdigit())
    ):
        if any(c in text for c in ".,") and all(
            c.isascii() and (c.isdigit() or c in ".,") for c in text
        ):
            raise ValueError(separator_hint())
        raise ValueError(NOT_A_NUMBER if places else NOT_AN_INTEGER)
    if grouped:
        head, *groups = whole.split(group)
        if not 1 <= len(head) <= 3 or any(len(g) != 3 for g in groups):
            raise ValueError(separator_hint())
    if fraction and places == 0:
        raise ValueError(NOT_AN_INTEGER)
    if places is not None and len(fraction) > places:
        raise ValueError(_l("Tối đa %(n)s chữ số sau dấu thập phân.", n=places))
    if len(digits) > 30:
        raise ValueError(_l("Giá trị quá lớn."))
    return Decimal(f"{sign}{digits}.{fraction or 0}")


def out_of_range(value, low, high, decimals: int = 0) -> str | None:
    """The message for a number outside [low, high], or None."""
    if value > high:
        return _l("Giá trị tối đa là %(max)s.", max=ShownNumber(high, decimals))
    if value < low:
        return _l("Giá trị tối thiểu là %(min)s.", min=ShownNumber(low, decimals))
    return None


class LocaleDecimalField(Field):
    """A number typed the local way: "15.590,5" in Vietnamese, "15,590.5" in English.

    Finite, at most ``places`` decimals, within ``minimum``..``maximum`` (by default what
    a FLOAT metric column keeps exactly and a page can show)."""

    widget = TextInput()

    def __init__(
        self,
        label=None,
        validators=None,
        *,
        places: int = 3,
        minimum: Decimal = -DECIMAL_MAX,
        maximum: Decimal = DECIMAL_MAX,
        **kwargs,
    ):
        kwargs.setdefault("render_kw", {"inputmode": "decimal"})
        super().__init__(label, validators, **kwargs)
        self.places, self.minimum, self.maximum = places, minimum, maximum

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None or not math.isfinite(self.data):
            return ""
        from .formatting import number

        return number(self.data, self.places)

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        value = parse_local_number(valuelist[0].strip(), places=self.places)
        if message := out_of_range(value, self.minimum, self.maximum, self.places):
            raise ValueError(message)
        self.data = float(value)


class LocaleIntegerField(IntegerField):
    """An integer that tolerates the local thousands separator ("2.705" in Vietnamese),
    within ``minimum``..``maximum`` (by default an INTEGER column's range)."""

    def __init__(
        self,
        label=None,
        validators=None,
        *,
        minimum: int = INT_MIN,
        maximum: int = INT_MAX,
        **kwargs,
    ):
        kwargs.setdefault("render_kw", {"inputmode": "numeric"})
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum = minimum, maximum

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        value = parse_local_number(valuelist[0].strip(), places=0)
        if message := out_of_range(value, self.minimum, self.maximum):
            raise ValueError(message)
        self.data = int(value)


class NotAfterToday:
    """A date that has already happened in Viet Nam (a decision is dated when signed)."""

    def __call__(self, form, field):
        if field.data is not None and not clock.not_after_today(field.data):
            raise ValidationError(
                _l("Ngày không được sau hôm nay (%(today)s).", today=day(clock.today()))
            )


def not_after_today() -> NotAfterToday:
    return NotAfterToday()


class NearYear:
    """A date within ``spread`` years of the form's ``year`` field (a campaign's dates)."""

    def __init__(self, year_field: str = "year", spread: int = 1):
        self.year_field, self.spread = year_field, spread

    def __call__(self, form, field):
        year = getattr(form, self.year_field).data
        if field.data is None or not isinstance(year, int):
            return
        if abs(field.data.year - year) > self.spread:
            raise ValidationError(
                _l(
                    "Ngày phải trong khoảng năm %(low)s–%(high)s.",
                    low=year - self.spread,
                    high=year + self.spread,
                )
            )


def near_year(year_field: str = "year", spread: int = 1) -> NearYear:
    return NearYear(year_field, spread)


class OptionalNumber(Optional):
    """Optional, but a value that failed to parse still reports its error."""

    def __call__(self, form, field):
        if field.process_errors:
            # The parse error is already among the field's errors: stop, add nothing.
            raise StopValidation()
        super().__call__(form, field)


#: WTForms and Flask-WTF ship no Vietnamese catalogue: their built-in messages, in Vietnamese.
WTFORMS_VI = {
    "This field is required.": "Vui lòng nhập mục này.",
    "Not a valid choice.": "Lựa chọn không hợp lệ.",
    "Not a valid date value.": "Ngày không hợp lệ (định dạng ngày/tháng/năm).",
    "Not a valid datetime value.": "Thời điểm không hợp lệ.",
    "Not a valid integer value.": "Phải là số nguyên.",
    "Not a valid decimal value.": "Không phải là số hợp lệ.",
    "Not a valid float value.": "Không phải là số hợp lệ.",
    "Invalid email address.": "Địa chỉ email không hợp lệ.",
    "Invalid input.": "Dữ liệu không hợp lệ.",
    "The CSRF token is missing.": "Thiếu mã bảo vệ biểu mẫu (CSRF); hãy tải lại trang.",
    "The CSRF token is invalid.": "Mã bảo vệ biểu mẫu không hợp lệ; hãy tải lại trang.",
    "The CSRF token has expired.": "Biểu mẫu đã hết hạn; hãy tải lại trang và gửi lại.",
    "The CSRF tokens do not match.": "Mã bảo vệ biểu mẫu không khớp; hãy tải lại trang.",
    "The CSRF session token is missing.": "Phiên làm việc đã hết hạn; hãy tải lại trang.",
    "'%(selected)s' is not a valid choice for this field.": "Lựa chọn không hợp lệ.",
    "Invalid Choice: could not coerce.": "Lựa chọn không hợp lệ.",
    "Field must be equal to %(other_name)s.": "Hai giá trị không khớp nhau.",
    "Field must be at least %(min)d character long.": "Cần ít nhất %(min)d ký tự.",
    "Field must be at least %(min)d characters long.": "Cần ít nhất %(min)d ký tự.",
    "Field cannot be longer than %(max)d character.": "Tối đa %(max)d ký tự.",
    "Field cannot be longer than %(max)d characters.": "Tối đa %(max)d ký tự.",
    "Field must be exactly %(max)d character long.": "Phải có đúng %(max)d ký tự.",
    "Field must be exactly %(max)d characters long.": "Phải có đúng %(max)d ký tự.",
    "Field must be between %(min)d and %(max)d characters long.": "Cần từ %(min)d đến %(max)d ký tự.",
    "Number must be at least %(min)s.": "Giá trị phải từ %(min)s trở lên.",
    "Number must be at most %(max)s.": "Giá trị tối đa là %(max)s.",
    "Number must be between %(min)s and %(max)s.": "Giá trị phải từ %(min)s đến %(max)s.",
    "Date must be at least %(min)s.": "Ngày phải từ %(min)s trở đi.",
    "Date must be at most %(max)s.": "Ngày phải trước hoặc bằng %(max)s.",
    "Date must be between %(min)s and %(max)s.": "Ngày phải trong khoảng %(min)s đến %(max)s.",
    "Invalid value, must be one of: %(values)s.": "Giá trị không hợp lệ; chỉ nhận: %(values)s.",
    "Invalid value, can't be any of: %(values)s.": "Giá trị không hợp lệ.",
}


class WTFormsTranslations:
    """Gettext object for WTForms' built-in messages: Vietnamese unless English is chosen."""

    def gettext(self, string):
        from flask_babel import get_locale

        loc = get_locale()
        if loc is not None and loc.language == "en":
            return string
        return WTFORMS_VI.get(string, string)

    def ngettext(self, singular, plural, n):
        return self.gettext(singular if n == 1 else plural)


def install_wtforms_translations() -> None:
    # Flask-WTF hands this module-level object to every form (Meta.get_translations).
    import flask_wtf.form

    flask_wtf.form.translations = WTFormsTranslations()


def install_field_limits() -> None:
    """Every WTForms number and date field of the product refuses what its column cannot
    hold, including the plain ``IntegerField``/``DateField`` of forms that do not use
    the fields above: an integer outside INTEGER's range (PostgreSQL answers 500), a
    float that is not finite, a date outside :data:`DATE_MIN`..:data:`DATE_MAX`."""
    from wtforms import fields

    if getattr(fields.IntegerField, "_dankheo_limited", False):
        return

    def limited(cls, check):
        parse = cls.process_formdata

        def process_formdata(self, valuelist):
            parse(self, valuelist)
            if self.data is not None and (message := check(self, self.data)):
                self.data = None
                raise ValueError(message)

        cls.process_formdata = process_formdata
        cls._dankheo_limited = True

    def integer(_field, value):
        return out_of_range(value, INT_MIN, INT_MAX)

    def finite(_field, value):
        return None if math.isfinite(value) else NOT_A_NUMBER

    def in_window(_field, value):
        if isinstance(value, datetime):
            value = value.date()
        return (
            None
            if DATE_MIN <= value <= DATE_MAX
            else _l(
                "Ngày phải trong khoảng năm %(low)s–%(high)s.",
                low=DATE_MIN.year,
                high=DATE_MAX.year,
            )
        )

    limited(fields.IntegerField, integer)
    limited(fields.FloatField, finite)
    limited(fields.DecimalField, finite)
    limited(fields.DateField, in_window)
    limited(fields.DateTimeField, in_window)
