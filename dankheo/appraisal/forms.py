"""Forms of the appraisal area. They check shape; the rules live in operations/domain."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from .. import clock
from ..campaigns.models import Criterion
from ..domain.enums import UnitTier
from ..domain.tally import THRESHOLD_PRESETS, BallotMode, Choice, TieRule, VoteBase
from ..forms_common import (
    LocaleDecimalField,
    max_length,
    not_after_today,
    options,
    required,
)
from .models import MemberRole

CUSTOM = "custom"


def _choices(enum) -> list[SelectChoice]:
    return options((m.value, _l(m.label)) for m in enum)


class VoteFormBase(FlaskForm):
    choice = RadioField(
        _l("Biểu quyết"),
        choices=_choices(Choice),
        validators=[InputRequired(message=_l("Hãy chọn một phương án biểu quyết."))],
    )
    comment = TextAreaField(
        _l("Nhận xét"), validators=[Optional(), max_length(4000)], render_kw={"rows": 4}
    )

    criterion_fields: list[tuple[Criterion, str]] = []

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.choice.data and self.choice.data != Choice.ABSTAIN:
            for _criterion, name in self.criterion_fields:
                f = getattr(self, name)
                if f.data is None and not f.errors:
                    f.errors.append(_l("Hãy chấm điểm tiêu chí này."))
                    ok = False
        return ok

    def scores(self) -> dict[int, int]:
        if self.choice.data == Choice.ABSTAIN:
            return {}
        return {c.id: getattr(self, name).data for c, name in self.criterion_fields}


def vote_form(criteria, **kwargs) -> VoteFormBase:
    """A vote form with one bounded integer field per rubric criterion."""

    class VoteForm(VoteFormBase):
        pass

    fields = []
    for c in criteria:
        name = f"criterion_{c.id}"
        setattr(
            VoteForm,
            name,
            IntegerField(
                c.name,
                validators=[
                    Optional(),
                    NumberRange(
                        min=0,
                        max=c.max_points,
                        message=_l("Điểm từ 0 đến %(max)d.", max=c.max_points),
                    ),
                ],
                render_kw={
                    "min": 0,
                    "max": c.max_points,
                    "inputmode": "numeric",
                    "type": "number",
                },
                description=_l("Tối đa %(max)d điểm", max=c.max_points),
            ),
        )
        fields.append((c, name))
    VoteForm.criterion_fields = fields
    return VoteForm(**kwargs)


class ReturnForm(FlaskForm):
    reason = TextAreaField(
        _l("Nội dung cần bổ sung"),
        validators=[required(), max_length(2000)],
        render_kw={"rows": 2},
    )


class OpenRoundForm(FlaskForm):
    """Opening a session; the planned closing day lets members be reminded before it."""

    closes_on = DateField(
        _l("Dự kiến kết thúc ngày (không bắt buộc)"), validators=[Optional()]
    )

    def validate_closes_on(self, field: DateField) -> None:
        if field.data is not None and field.data < clock.today():
            raise ValidationError(_l("Ngày dự kiến kết thúc không được trước hôm nay."))


class StageForm(FlaskForm):
    name = StringField(_l("Tên vòng"), validators=[required(), max_length(200)])
    tier = SelectField(_l("Cấp thẩm định"), choices=[])
    pass_label = StringField(
        _l("Danh hiệu khi đạt"),
        validators=[required(), max_length(200)],
        description=_l("Ví dụ: Đạt cấp cơ sở, Tiêu biểu, Đề nghị khen thưởng."),
    )
    ballot_mode = SelectField(_l("Hình thức biểu quyết"), choices=[])
    base = SelectField(_l("Tỷ lệ tính trên"), choices=[])
    threshold = SelectField(_l("Ngưỡng tán thành"), choices=[])
    threshold_num = IntegerField(
        _l("Tử số"), validators=[Optional(), NumberRange(min=0)]
    )
    threshold_den = IntegerField(
        _l("Mẫu số"), validators=[Optional(), NumberRange(min=1)]
    )
    threshold_strict = BooleanField(_l("Phải vượt quá (“trên”) thay vì “từ … trở lên”"))
    quorum_percent = IntegerField(
        _l("Số thành viên tham gia tối thiểu (%)"),
        validators=[
            InputRequired(message=_l("Vui lòng nhập mục này.")),
            NumberRange(0, 100),
        ],
        default=50,
    )
    min_average_score = LocaleDecimalField(
        _l("Điểm trung bình tối thiểu"),
        validators=[Optional(), NumberRange(min=0, message=_l("Không được là số âm."))],
        description=_l("Để trống nếu không xét điểm."),
    )
    quota = IntegerField(
        _l("Chỉ tiêu (số hồ sơ được đạt tối đa mỗi hội đồng)"),
        validators=[Optional(), NumberRange(min=0, message=_l("Không được là số âm."))],
        description=_l(
            "Để trống nếu không giới hạn. Xếp theo điểm trung bình từ cao xuống."
        ),
    )
    tie_rule = SelectField(_l("Khi đồng hạng ở suất cuối"), choices=[])
    recuse_ancestors = BooleanField(
        _l(
            "Thành viên thuộc đơn vị cấp trên của đơn vị đăng ký (dưới cấp hội đồng) cũng không biểu quyết"
        )
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tier.choices = _choices(UnitTier)
        self.ballot_mode.choices = _choices(BallotMode)
        self.base.choices = _choices(VoteBase)
        self.tie_rule.choices = _choices(TieRule)
        self.threshold.choices = options(
            [
                (f"{n}/{d}/{'s' if s else 'i'}", _l(label))
                for n, d, s, label in THRESHOLD_PRESETS
            ]
            + [(CUSTOM, _l("Tỷ lệ khác (nhập tử số, mẫu số)"))]
        )

    def validate_threshold_den(self, field):
        if self.threshold.data == CUSTOM:
            if self.threshold_num.data is None or field.data is None:
                raise ValidationError(_l("Nhập tử số và mẫu số của tỷ lệ."))
            if self.threshold_num.data > field.data:
                raise ValidationError(_l("Tử số không được lớn hơn mẫu số."))

    def rule_data(self) -> dict:
        if self.threshold.data == CUSTOM:
            num, den, strict = (
                self.threshold_num.data,
                self.threshold_den.data,
                self.threshold_strict.data,
            )
        else:
            n, d, s = self.threshold.data.split("/")
            num, den, strict = int(n), int(d), s == "s"
        return {
            "name": self.name.data,
            "tier": self.tier.data,
            "pass_label": self.pass_label.data,
            "ballot_mode": self.ballot_mode.data,
            "base": self.base.data,
            "threshold_num": num,
            "threshold_den": den,
            "threshold_strict": bool(strict),
            "quorum_percent": self.quorum_percent.data,
            "min_average_score": self.min_average_score.data,
            "quota": self.quota.data,
            "tie_rule": self.tie_rule.data,
            "recuse_ancestors": bool(self.recuse_ancestors.data),
        }

    def load(self, stage) -> None:
        for key in (
            "name",
            "tier",
            "pass_label",
            "ballot_mode",
            "base",
            "quorum_percent",
            "min_average_score",
            "quota",
            "tie_rule",
            "recuse_ancestors",
        ):
            getattr(self, key).data = getattr(stage, key)
        preset = f"{stage.threshold_num}/{stage.threshold_den}/{'s' if stage.threshold_strict else 'i'}"
        if preset in {c.value for c in self.threshold.choices}:
            self.threshold.data = preset
        else:
            self.threshold.data = CUSTOM
        self.threshold_num.data = stage.threshold_num
        self.threshold_den.data = stage.threshold_den
        self.threshold_strict.data = stage.threshold_strict


class CriterionForm(FlaskForm):
    name = StringField(_l("Tiêu chí"), validators=[required(), max_length(300)])
    max_points = IntegerField(
        _l("Điểm tối đa"),
        validators=[
            InputRequired(message=_l("Vui lòng nhập mục này.")),
            NumberRange(1, 1000),
        ],
    )


class CouncilForm(FlaskForm):
    unit_id = SelectField(_l("Đơn vị"), coerce=int, choices=[])
    name = StringField(_l("Tên hội đồng"), validators=[required(), max_length(300)])


class MemberForm(FlaskForm):
    username = StringField(
        _l("Tên đăng nhập của thành viên"), validators=[required(), max_length(80)]
    )
    role = SelectField(_l("Vai trò"), choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = _choices(MemberRole)


DECISION_NUMBER = re.compile(r"^\d+[A-Za-z]?/[0-9A-Za-zĐđ\-/.]+$")


class CommendationRecordForm(FlaskForm):
    form_id = SelectField(_l("Hình thức khen thưởng"), coerce=int, choices=[])
    issuing_body = StringField(
        _l("Cơ quan ban hành"),
        validators=[Optional(), max_length(200)],
        description=_l("Để trống để dùng cơ quan mặc định của hình thức khen thưởng."),
    )
    decision_number = StringField(
        _l("Số quyết định"),
        validators=[required(), max_length(60)],
        description=_l("Ví dụ: 1034/QĐ-UBND"),
    )
    decision_date = DateField(
        _l("Ngày quyết định"),
        validators=[
            InputRequired(message=_l("Vui lòng nhập mục này.")),
            not_after_today(),
        ],
    )

    def validate_decision_number(self, field):
        if field.data and not DECISION_NUMBER.match(field.data.strip()):
            raise ValidationError(
                _l("Số quyết định có dạng số/ký hiệu, ví dụ 1034/QĐ-UBND.")
            )


class ReplicateForm(FlaskForm):
    note = TextAreaField(
        _l("Nơi và cách thức nhân rộng"),
        validators=[required(), max_length(2000)],
        render_kw={"rows": 2},
    )
