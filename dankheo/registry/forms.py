from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Email, Optional, Regexp, ValidationError
from wtforms.widgets import HiddenInput

from ..domain.enums import AttachmentKind, ExemplarKind
from ..domain.metrics import METRICS
from ..forms_common import (
    LocaleDecimalField,
    LocaleIntegerField,
    OptionalNumber,
    UnitCodeField,
    max_length,
    non_negative,
    options,
    required,
)
from .uploads import ACCEPT


def _text(label, description="", rows=4):
    return TextAreaField(
        label,
        validators=[Optional(), max_length(20000)],
        description=description,
        render_kw={"rows": rows},
    )


class ExemplarForm(FlaskForm):
    """The registration form (mẫu đăng ký): items 1-10 plus identification and results."""

    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    campaign_id = SelectField(_l("Đợt đăng ký"), coerce=int, validators=[required()])
    unit_code = UnitCodeField(
        _l("Đơn vị đăng ký"), validators=[required(), max_length(60)]
    )
    kind = SelectField(_l("Loại"), choices=[], validators=[required()])
    field_id = SelectField(_l("Lĩnh vực"), coerce=int, validators=[required()])
    name = StringField(
        _l("1. Tên mô hình, điển hình"),
        validators=[
            required(_l("Vui lòng nhập tên mô hình, điển hình.")),
            max_length(300),
        ],
        description=_l("Ngắn gọn, dễ nhớ, nói rõ mô hình làm gì."),
    )
    situation = _text(
        _l("2. Thực trạng, lý do xây dựng"), _l("Vấn đề thực tế, bức xúc ở địa phương.")
    )
    goals = _text(_l("3. Mục tiêu, tiêu chí"), _l("Kèm tiêu chí đánh giá cụ thể."))
    content = _text(_l("4. Nội dung, cách thức thực hiện"), rows=6)
    area = _text(_l("5. Địa bàn, đối tượng"), rows=2)
    forces = _text(_l("6. Lực lượng thực hiện và vai trò"), rows=3)
    resources = _text(
        _l("7. Nguồn lực"),
        _l("Kinh phí, cơ sở vật chất, ngày công, xã hội hóa."),
        rows=3,
    )
    start_date = DateField(_l("8. Ngày bắt đầu"), validators=[Optional()])
    evaluation_date = DateField(_l("Ngày đánh giá"), validators=[Optional()])
    schedule = _text(_l("Tiến độ thực hiện"), rows=2)
    outputs = _text(
        _l("9. Sản phẩm, kết quả đầu ra"), _l("Kết quả kiểm chứng được."), rows=5
    )
    sustainability = _text(_l("10. Khả năng duy trì, nhân rộng"), rows=3)
    tags = StringField(
        _l("Từ khóa"),
        validators=[Optional(), max_length(500)],
        description=_l(
            "Phân cách bằng dấu phẩy, ví dụ: giảm nghèo, hiến đất làm đường."
        ),
    )
    address = StringField(
        _l("Địa chỉ cụ thể"), validators=[Optional(), max_length(300)]
    )
    lead_name = StringField(
        _l("Người chủ trì / cá nhân điển hình"),
        validators=[Optional(), max_length(200)],
    )
    lead_position = StringField(_l("Chức vụ"), validators=[Optional(), max_length(200)])
    contact_name = StringField(
        _l("Người liên hệ"), validators=[Optional(), max_length(200)]
    )
    contact_phone = StringField(
        _l("Điện thoại liên hệ"),
        validators=[
            Optional(),
            Regexp(r"^[0-9+() .-]{6,20}$", message=_l("Số điện thoại không hợp lệ.")),
        ],
    )
    contact_email = EmailField(
        _l("Email liên hệ"),
        validators=[
            Optional(),
            Email(message=_l("Địa chỉ email không hợp lệ.")),
            max_length(200),
        ],
    )
    is_continuing = BooleanField(_l("Mô hình duy trì từ năm trước"))
    submit = SubmitField(_l("Lưu bản nháp"))

    def validate_evaluation_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError(_l("Ngày đánh giá phải sau ngày bắt đầu."))

    def metric_fields(self):
        return [getattr(self, m.key) for m in METRICS]

    def data_for_model(self) -> dict:
        from .operations import EDITABLE_FIELDS

        return {k: getattr(self, k).data for k in EDITABLE_FIELDS}


for _m in METRICS:
    _cls = LocaleDecimalField if _m.decimal else LocaleIntegerField
    setattr(
        ExemplarForm,
        _m.key,
        _cls(
            _l(_m.label),
            validators=[OptionalNumber(), non_negative()],
            description=_l(_m.unit),
        ),
    )


def exemplar_form(**kwargs) -> ExemplarForm:
    form = ExemplarForm(**kwargs)
    form.kind.choices = options((k.value, _l(k.label)) for k in ExemplarKind)
    return form


class AttachmentForm(FlaskForm):
    file = FileField(
        _l("Tệp"),
        validators=[FileRequired(_l("Vui lòng chọn tệp."))],
        render_kw={"accept": ACCEPT},
    )
    kind = SelectField(_l("Loại tài liệu"), choices=[])
    is_public = BooleanField(_l("Cho phép công khai (chỉ với hình ảnh)"))
    submit = SubmitField(_l("Tải lên"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = options((k.value, _l(k.label)) for k in AttachmentKind)


class NoteForm(FlaskForm):
    """Confirmation for state changes, with an optional note for the history."""

    note = TextAreaField(_l("Ghi chú"), validators=[Optional(), max_length(2000)])
