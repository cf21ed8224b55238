from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .operations import REASON_MAX


class DismissForm(FlaskForm):
    """ "Not a duplicate": the reason is required and kept with the decision."""

    reason = TextAreaField(
        _l("Lý do không trùng"), validators=[DataRequired(), Length(max=REASON_MAX)]
    )


class ConfirmForm(FlaskForm):
    reason = TextAreaField(
        _l("Ghi chú"), validators=[Optional(), Length(max=REASON_MAX)]
    )
