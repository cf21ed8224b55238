from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import NumberRange, Optional

from ..domain.enums import UnitKind, UnitTier
from ..forms_common import UnitCodeField, max_length, options, required


class RenameForm(FlaskForm):
    name = StringField(_l("Tên mới"), validators=[required(), max_length(200)])


class MoveForm(FlaskForm):
    parent_code = UnitCodeField(
        _l("Đơn vị cấp trên mới"), validators=[required(), max_length(60)]
    )


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Lý do"), validators=[required(), max_length(2000)])


class CommendationCorrectionForm(FlaskForm):
    form_id = SelectField(_l("Hình thức khen thưởng"), coerce=int, choices=[])
    issuing_body = StringField(
        _l("Cơ quan ban hành"), validators=[required(), max_length(200)]
    )
    decision_number = StringField(
        _l("Số quyết định"), validators=[required(), max_length(60)]
    )
    decision_date = DateField(_l("Ngày quyết định"), validators=[required()])
    reason = TextAreaField(
        _l("Lý do đính chính"), validators=[required(), max_length(2000)]
    )


class ExpectationForm(FlaskForm):
    tier = SelectField(_l("Cấp"), choices=[])
    kind = SelectField(_l("Loại đơn vị"), choices=[])
    minimum = IntegerField(
        _l("Tối thiểu"), validators=[required(), NumberRange(min=0, max=1000)]
    )
    maximum = IntegerField(
        _l("Tối đa (để trống: không giới hạn)"),
        validators=[Optional(), NumberRange(min=0, max=1000)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tier.choices = options((t.value, _l(t.label)) for t in UnitTier)
        self.kind.choices = options(
            [("", _l("Mọi loại")), *((k.value, _l(k.label)) for k in UnitKind)]
        )
