"""The list's filters and editable header, read from the query string (GET: the same
URL previews, prints and downloads the same list)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from ..domain import N_
from ..domain.tally import Outcome
from ..domain.workflow import State
from ..forms_common import UnitCodeField, max_length, options, required
from .queries import RECOMMENDED_STATES, GroupBy, ListType

KIND_CHOICES = (
    ("", N_("Tất cả")),
    ("model", N_("Mô hình")),
    ("exemplar", N_("Điển hình (tập thể và cá nhân)")),
    ("collective", N_("Điển hình tập thể")),
    ("individual", N_("Điển hình cá nhân")),
)

#: Outcomes a stage list may show, and states of the recommended list.
STAGE_OUTCOMES = (
    Outcome.PASSED,
    Outcome.NOT_PASSED,
    Outcome.OVER_QUOTA,
    Outcome.RETURNED,
    Outcome.NO_QUORUM,
)


class ListForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: it changes nothing

    list_type = SelectField(
        _l("Loại danh sách"),
        choices=options(
            [
                (ListType.RECOMMENDED.value, _l("Danh sách đề nghị khen thưởng")),
                (ListType.STAGE.value, _l("Danh sách được công nhận theo vòng")),
            ]
        ),
        default=ListType.RECOMMENDED.value,
    )
    stage_id = SelectField(
        _l("Vòng thẩm định"),
        choices=[],
        description=_l(
            "Danh sách theo vòng: kết quả của vòng này. Danh sách đề nghị: cột điểm "
            "lấy điểm trung bình ở vòng này."
        ),
    )
    outcome = SelectField(_l("Kết quả"), choices=[], default="")
    form_id = SelectField(_l("Hình thức khen thưởng"), choices=[], default="")
    default_form_id = SelectField(
        _l("Hình thức đề nghị cho hồ sơ chưa có quyết định"),
        choices=[],
        default="",
    )
    unit = UnitCodeField(_l("Đơn vị (gồm các đơn vị trực thuộc)"))
    kind = SelectField(
        _l("Loại hồ sơ"),
        choices=options((v, _l(label)) for v, label in KIND_CHOICES),
        default="",
    )
    group_by = SelectField(
        _l("Nhóm theo"),
        choices=options(
            [
                (GroupBy.FORM.value, _l("Hình thức khen thưởng")),
                (GroupBy.UNIT.value, _l("Đơn vị")),
            ]
        ),
        default=GroupBy.FORM.value,
    )
    issuing_body = TextAreaField(
        _l("Cơ quan ban hành"),
        validators=[max_length(300)],
        description=_l("Mỗi dòng một cấp; dòng cuối in đậm."),
        render_kw={"rows": 2},
    )
    doc_number = StringField(_l("Số Tờ trình"), validators=[max_length(60)])
    doc_date = DateField(_l("Ngày Tờ trình"), validators=[Optional()])
    place = StringField(_l("Địa danh"), validators=[max_length(100)])
    list_date = DateField(_l("Ngày lập danh sách"), validators=[Optional()])
    signer_title = TextAreaField(
        _l("Chức danh người ký"),
        validators=[max_length(200)],
        render_kw={"rows": 2},
        description=_l("Ví dụ: K/T TRƯỞNG BAN, xuống dòng, PHÓ TRƯỞNG BAN."),
    )
    signer_name = StringField(_l("Họ tên người ký"), validators=[max_length(100)])

    def set_choices(self, campaign) -> None:
        """Choices that depend on the campaign: its stages and commendation forms."""
        self.stage_id.choices = options(
            (str(s.id), f"{s.position + 1}. {s.name}") for s in campaign.stages
        )
        forms = [(str(f.id), f.name) for f in campaign.commendation_forms]
        self.form_id.choices = options([("", _l("Tất cả")), *forms])
        self.default_form_id.choices = options([("", _l("Để trống")), *forms])
        self.outcome.choices = options(
            [
                ("", _l("Mặc định (đề nghị: tất cả; theo vòng: đạt)")),
                *((str(st), _l(State(st).label)) for st in RECOMMENDED_STATES),
                *((str(o), _l(o.label)) for o in STAGE_OUTCOMES),
            ]
        )


class IssueForm(FlaskForm):
    """Issue the list on screen (its filters and header travel in the query string);
    optionally as the replacement of a list in force."""

    supersedes = SelectField(
        _l("Thay thế danh sách đã ban hành"), choices=[], default=""
    )
    reason = TextAreaField(
        _l("Lý do thay thế"),
        validators=[max_length(2000)],
        render_kw={"rows": 2},
        description=_l("Bắt buộc khi thay thế một danh sách đã ban hành."),
    )

    def set_choices(self, in_force) -> None:
        self.supersedes.choices = options(
            [
                ("", _l("Không (ban hành mới)")),
                *((str(i.id), f"{i.short} — {i.issued_on:%d/%m/%Y}") for i in in_force),
            ]
        )


class AnnulForm(FlaskForm):
    reason = TextAreaField(
        _l("Lý do hủy bỏ"),
        validators=[required(), max_length(2000)],
        render_kw={"rows": 2},
    )


class VerifyForm(FlaskForm):
    """The public check: a digest typed, pasted or read from the printed list."""

    class Meta:
        csrf = False  # a GET form: it changes nothing

    digest = StringField(
        _l("Mã xác thực"),
        validators=[max_length(200)],
        description=_l(
            "Mã in ở cuối danh sách (64 ký tự), hoặc ít nhất 16 ký tự đầu; "
            "dấu cách và gạch nối được bỏ qua."
        ),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
