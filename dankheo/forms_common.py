"""Form fields and validators shared by every area, with Vietnamese messages."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import NumberFormatError, parse_decimal
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
)
from wtforms.widgets import TextInput

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


class LocaleDecimalField(Field):
    """A number typed the local way: "15.590,5" in Vietnamese, "15,590.5" in English."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal"})
        super().__init__(label, validators, **kwargs)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        from flask_babel import format_decimal

        return format_decimal(self.data, format="#,##0.###")

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        text = valuelist[0].strip().replace(" ", "").replace("\u00a0", "")
        try:
            self.data = float(
                parse_decimal(text, locale=str(get_locale() or "vi"), strict=False)
            )
        except (NumberFormatError, ValueError) as exc:
            self.data = None
            raise ValueError(_l("Không phải là số hợp lệ.")) from exc
        if Decimal(str(self.data)).is_nan():
            raise ValueError(_l("Không phải là số hợp lệ."))


class LocaleIntegerField(IntegerField):
    """An integer that tolerates the thousands separator ("2.705")."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "numeric"})
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        text = valuelist[0].strip().replace(" ", "").replace(".", "").replace(",", "")
        if not text.lstrip("-").isdigit() or len(text) > 12:
            raise ValueError(_l("Phải là số nguyên."))
        self.data = int(text)


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
