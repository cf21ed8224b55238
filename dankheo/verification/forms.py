"""The what-if form: a changed rule, read from the query string (it changes nothing)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from ..domain.tally import THRESHOLD_PRESETS, Rule, TieRule, VoteBase
from ..forms_common import LocaleDecimalField, options

MAX_QUOTA = 100_000


def _threshold_key(num: int, den: int, strict: bool) -> str:
    return f"{num}/{den}/{'s' if strict else 'i'}"


class WhatIfForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: it changes nothing

    base = SelectField(_l("Tỷ lệ tính trên"), choices=[])
    threshold = SelectField(_l("Ngưỡng tán thành"), choices=[])
    quorum_percent = IntegerField(
        _l("Số thành viên tham gia tối thiểu (%)"),
        validators=[Optional(), NumberRange(0, 100)],
    )
    min_average_score = LocaleDecimalField(
        _l("Điểm trung bình tối thiểu"),
        validators=[Optional(), NumberRange(min=0, message=_l("Không được là số âm."))],
        description=_l("Để trống nếu không xét điểm."),
    )
    quota = IntegerField(
        _l("Chỉ tiêu (số hồ sơ được đạt tối đa mỗi hội đồng)"),
        validators=[
            Optional(),
            NumberRange(0, MAX_QUOTA, message=_l("Không được là số âm.")),
        ],
        description=_l("Để trống nếu không giới hạn."),
    )
    tie_rule = SelectField(_l("Khi đồng hạng ở suất cuối"), choices=[])

    def __init__(self, rule: Rule, *args: Any, sent: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recorded_rule = rule
        self.base.choices = options((v.value, _l(v.label)) for v in VoteBase)
        self.tie_rule.choices = options((v.value, _l(v.label)) for v in TieRule)
        pairs = [
            (_threshold_key(n, d, s), _l(label)) for n, d, s, label in THRESHOLD_PRESETS
        ]
        recorded = _threshold_key(
            rule.threshold_num, rule.threshold_den, rule.threshold_strict
        )
        if recorded not in {k for k, _label in pairs}:
            pairs.append((recorded, f"{rule.threshold_num}/{rule.threshold_den}"))
        self.threshold.choices = options(pairs)
        if not sent:
            self.base.data = rule.base
            self.threshold.data = recorded
            self.quorum_percent.data = rule.quorum_percent
            self.min_average_score.data = rule.min_average_score
            self.quota.data = rule.quota
            self.tie_rule.data = rule.tie_rule

    def changes(self) -> dict[str, Any]:
        """The rule fields as typed (blank minimum score or quota: none)."""
        n, d, s = (self.threshold.data or "1/2/s").split("/")
        score = self.min_average_score.data
        return {
            "base": self.base.data,
            "threshold_num": int(n),
            "threshold_den": int(d),
            "threshold_strict": s == "s",
            "quorum_percent": self.recorded_rule.quorum_percent
            if self.quorum_percent.data is None
            else self.quorum_percent.data,
            "min_average_score": None if score is None else float(score),
            "quota": self.quota.data,
            "tie_rule": self.tie_rule.data,
        }
