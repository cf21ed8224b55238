from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from .operations import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    login = StringField(
        _l("Tên đăng nhập hoặc email"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Mật khẩu"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Đăng nhập"))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(
        _l("Mật khẩu hiện tại"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    new = PasswordField(
        _l("Mật khẩu mới"),
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=_l("Mật khẩu phải có ít nhất %(min)d ký tự."),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Nhập lại mật khẩu mới"),
        validators=[
            DataRequired(),
            EqualTo("new", message=_l("Hai mật khẩu không khớp.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Đổi mật khẩu"))
