from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SubmitField
from wtforms.validators import InputRequired

from ..forms_common import options
from .kinds import LANGUAGES, Channel, NotificationKind


class PreferencesForm(FlaskForm):
    """One radio group per kind of notification, and the language of the mail."""

    language = SelectField(
        _l("Ngôn ngữ của thư thông báo"),
        choices=options(LANGUAGES.items()),
        validators=[InputRequired()],
    )
    submit = SubmitField(_l("Lưu lựa chọn"))

    def kind_fields(self) -> list[RadioField]:
        return [getattr(self, k.value) for k in NotificationKind]


for _kind in NotificationKind:
    setattr(
        PreferencesForm,
        _kind.value,
        RadioField(
            _l(_kind.label),
            choices=options((c.value, _l(c.label)) for c in Channel),
            validators=[InputRequired()],
        ),
    )
