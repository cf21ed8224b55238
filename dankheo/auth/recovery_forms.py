from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from .operations import MIN_PASSWORD_LENGTH


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("Email của tài khoản"), validators=[DataRequired(), Length(max=200)]
    )
    submit = SubmitField(_l("Gửi liên kết đặt lại mật khẩu"))


class ResetPasswordForm(FlaskForm):
    """The same password rules as a change of password."""

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
    )
    confirm = PasswordField(
        _l("Nhập lại mật khẩu mới"),
        validators=[
            DataRequired(),
            EqualTo("new", message=_l("Hai mật khẩu không khớp.")),
        ],
    )
    submit = SubmitField(_l("Đặt mật khẩu mới"))


class ChangeEmailForm(FlaskForm):
    email = EmailField(
        _l("Email mới"),
        validators=[
            DataRequired(),
            Length(max=200),
            Email(message=_l("Địa chỉ email không hợp lệ.")),
        ],
    )
    password = PasswordField(_l("Mật khẩu hiện tại"), validators=[DataRequired()])
    submit = SubmitField(_l("Gửi thư xác nhận"))
