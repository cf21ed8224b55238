"""The audit page's filters, read from the query string (the export uses the same)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import NumberRange, Optional

from ..forms_common import MAX_ID, UnitCodeField, max_length, options
from .audited import ACTIONS, OBJECT_TYPES


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: it changes nothing

    actor = StringField(_l("Người thực hiện"), validators=[Optional(), max_length(100)])
    object_type = SelectField(_l("Loại đối tượng"), choices=[], default="")
    action = SelectField(_l("Thao tác"), choices=[], default="")
    date_from = DateField(_l("Từ ngày"), validators=[Optional()])
    date_to = DateField(_l("Đến ngày"), validators=[Optional()])
    exemplar = IntegerField(
        _l("Mã hồ sơ"), validators=[Optional(), NumberRange(min=1, max=MAX_ID)]
    )
    unit = UnitCodeField(_l("Đơn vị (gồm các đơn vị trực thuộc)"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        everything = ("", _l("Tất cả"))
        self.object_type.choices = options(
            [everything, *((k, _l(v)) for k, v in OBJECT_TYPES.items())]
        )
        self.action.choices = options(
            [everything, *((k, _l(v)) for k, v in ACTIONS.items())]
        )
