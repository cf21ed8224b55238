"""Forms of the objection pages: shape only, the rules are in the operations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import EmailField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from ..domain.objections import (
    EVIDENCE_MAX,
    REASON_MAX,
    REVIEW_MAX,
    ObjectionOutcome,
)
from ..registry.uploads import ACCEPT


class ObjectionForm(FlaskForm):
    """One objection to one entry of the list; the address is asked of anyone not
    signed in (the view drops the field otherwise)."""

    entry = SelectField(_l("Hồ sơ bị phản ánh"), coerce=int, choices=[])
    reason = TextAreaField(
        _l("Nội dung phản ánh, kiến nghị"),
        validators=[DataRequired(), Length(max=REASON_MAX)],
    )
    evidence = TextAreaField(
        _l("Căn cứ, chứng cứ (nếu có)"),
        validators=[Optional(), Length(max=EVIDENCE_MAX)],
    )
    file = FileField(
        _l("Tệp chứng cứ (PDF, DOC/DOCX, XLS/XLSX, JPG hoặc PNG)"),
        render_kw={"accept": ACCEPT},
    )
    email = EmailField(
        _l("Email liên hệ (không công khai)"),
        validators=[DataRequired(), Email(), Length(max=200)],
    )
    submit = SubmitField(_l("Gửi phản ánh, kiến nghị"))


class ConfirmForm(FlaskForm):
    submit = SubmitField(_l("Xác nhận phản ánh"))


class ReviewForm(FlaskForm):
    note = TextAreaField(
        _l("Ghi nhận xem xét"), validators=[DataRequired(), Length(max=REVIEW_MAX)]
    )


class DecideForm(FlaskForm):
    outcome = SelectField(_l("Kết quả xử lý"), choices=[])
    note = TextAreaField(
        _l("Lý do, căn cứ xử lý"), validators=[DataRequired(), Length(max=REVIEW_MAX)]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome.choices = [(o.value, _l(o.label)) for o in ObjectionOutcome]
