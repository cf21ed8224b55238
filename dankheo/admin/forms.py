from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Email, NumberRange, Optional, Regexp, ValidationError

from ..auth.operations import MIN_PASSWORD_LENGTH
from ..domain.enums import CampaignStatus, Role, UnitKind, UnitTier
from ..domain.objections import DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS, MIN_WINDOW_DAYS
from ..forms_common import UnitCodeField, max_length, near_year, options, required


class CampaignForm(FlaskForm):
    name = StringField(_l("Tên đợt"), validators=[required(), max_length(200)])
    year = IntegerField(
        _l("Năm"),
        validators=[
            required(),
            NumberRange(min=2000, max=2100, message=_l("Năm không hợp lệ.")),
        ],
    )
    period_label = StringField(
        _l("Giai đoạn (nếu nhiều năm)"), validators=[Optional(), max_length(100)]
    )
    unit_code = UnitCodeField(
        _l("Phạm vi (đơn vị)"), validators=[required(), max_length(60)]
    )
    registration_opens = DateField(
        _l("Mở đăng ký từ"), validators=[Optional(), near_year()]
    )
    registration_closes = DateField(
        _l("Hạn đăng ký"), validators=[Optional(), near_year()]
    )
    status = SelectField(_l("Trạng thái"), choices=[])
    objection_days = IntegerField(
        _l("Số ngày nhận phản ánh, kiến nghị sau khi ban hành danh sách đề nghị"),
        default=DEFAULT_WINDOW_DAYS,
        validators=[
            required(),
            NumberRange(
                min=MIN_WINDOW_DAYS,
                max=MAX_WINDOW_DAYS,
                message=_l("Số ngày phải từ %(min)s đến %(max)s."),
            ),
        ],
    )
    description = TextAreaField(_l("Mô tả"), validators=[Optional(), max_length(5000)])
    submit = SubmitField(_l("Lưu"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = options((s.value, _l(s.label)) for s in CampaignStatus)

    def validate_registration_closes(self, field):
        if (
            field.data
            and self.registration_opens.data
            and field.data < self.registration_opens.data
        ):
            raise ValidationError(_l("Hạn đăng ký phải sau ngày mở đăng ký."))


class CampaignStatusForm(FlaskForm):
    """One step of the campaign's lifecycle; reopening asks for a reason."""

    action = HiddenField()
    reason = TextAreaField(
        _l("Lý do (bắt buộc khi mở lại)"), validators=[Optional(), max_length(1000)]
    )
    registration_closes = DateField(
        _l("Hạn đăng ký mới (khi mở lại đăng ký)"), validators=[Optional()]
    )
    submit = SubmitField(_l("Xác nhận"))


class CloneCampaignForm(FlaskForm):
    """The new year's name and dates; the rest is copied from the campaign."""

    name = StringField(_l("Tên đợt mới"), validators=[required(), max_length(200)])
    year = IntegerField(
        _l("Năm"),
        validators=[
            required(),
            NumberRange(min=2000, max=2100, message=_l("Năm không hợp lệ.")),
        ],
    )
    registration_opens = DateField(_l("Mở đăng ký từ"), validators=[Optional()])
    registration_closes = DateField(_l("Hạn đăng ký"), validators=[Optional()])
    submit = SubmitField(_l("Tạo đợt mới từ đợt này"))

    def validate_registration_closes(self, field):
        if (
            field.data
            and self.registration_opens.data
            and field.data < self.registration_opens.data
        ):
            raise ValidationError(_l("Hạn đăng ký phải sau ngày mở đăng ký."))


class NameForm(FlaskForm):
    """One line of a configurable list (fields, commendation forms)."""

    name = StringField(_l("Tên"), validators=[required(), max_length(200)])
    issuing_body = StringField(
        _l("Cơ quan ban hành"), validators=[Optional(), max_length(200)]
    )
    submit = SubmitField(_l("Thêm"))


class UnitForm(FlaskForm):
    name = StringField(_l("Tên đơn vị"), validators=[required(), max_length(200)])
    code = StringField(
        _l("Mã đơn vị"),
        validators=[
            required(),
            max_length(40),
            Regexp(
                r"^[A-Za-z0-9._-]+$",
                message=_l("Mã chỉ gồm chữ không dấu, số, dấu chấm, gạch."),
            ),
        ],
    )
    tier = SelectField(_l("Cấp"), choices=[])
    kind = SelectField(_l("Loại đơn vị"), choices=[])
    active = BooleanField(_l("Đang hoạt động"), default=True)
    submit = SubmitField(_l("Lưu"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tier.choices = options((t.value, _l(t.label)) for t in UnitTier)
        self.kind.choices = options((k.value, _l(k.label)) for k in UnitKind)


class UserForm(FlaskForm):
    username = StringField(
        _l("Tên đăng nhập"),
        validators=[
            required(),
            max_length(80),
            Regexp(
                r"^[a-z0-9._-]+$",
                message=_l(
                    "Tên đăng nhập chỉ gồm chữ thường không dấu, số, dấu chấm, gạch."
                ),
            ),
        ],
    )
    name = StringField(_l("Họ và tên"), validators=[required(), max_length(200)])
    email = EmailField(
        _l("Email"),
        validators=[
            Optional(),
            Email(message=_l("Địa chỉ email không hợp lệ.")),
            max_length(200),
        ],
    )
    position = StringField(_l("Chức vụ"), validators=[Optional(), max_length(200)])
    unit_code = UnitCodeField(
        _l("Đơn vị công tác"), validators=[required(), max_length(60)]
    )
    role = SelectField(_l("Vai trò ban đầu"), choices=[])
    password = PasswordField(
        _l("Mật khẩu ban đầu"),
        validators=[required(), max_length(200)],
        # Someone else's first password: the browser must not offer the secretary's own.
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Tạo tài khoản"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = options(
            [("", _l("(chưa giao)"))] + [(r.value, _l(r.label)) for r in Role]
        )

    def validate_password(self, field):
        if field.data and len(field.data) < MIN_PASSWORD_LENGTH:
            raise ValidationError(
                _l("Mật khẩu phải có ít nhất %(min)d ký tự.", min=MIN_PASSWORD_LENGTH)
            )


class RoleForm(FlaskForm):
    role = SelectField(_l("Vai trò"), choices=[])
    unit_code = UnitCodeField(
        _l("Phạm vi (đơn vị và cấp dưới)"), validators=[required(), max_length(60)]
    )
    submit = SubmitField(_l("Giao vai trò"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = options((r.value, _l(r.label)) for r in Role)


class AccountImportForm(FlaskForm):
    file = FileField(
        _l("Tệp Excel (.xlsx) hoặc CSV"),
        validators=[FileRequired(_l("Vui lòng chọn tệp."))],
        render_kw={"accept": ".xlsx,.csv"},
    )
    submit = SubmitField(_l("Tải lên và kiểm tra"))
