"""The minutes (biên bản) of a closed round: members and attendance, the rule, and the
result of every entry, as data for the printable page and the XLSX file.

Individual votes are never in the minutes: only counts per entry."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from ..domain.tally import BallotMode, Outcome, TieRule, VoteBase
from ..formatting import day, moment, number
from ..spreadsheets import Sheet, Styled, xlsx_bytes
from . import queries
from .models import Attendance, Round, StageResult


@dataclass
class Minutes:
    round: Round
    council_name: str
    unit_name: str
    campaign_name: str
    stage_name: str
    pass_label: str
    rule_lines: list[str]
    attendance: list[Attendance]
    present: int
    results: list[StageResult]
    counts: dict[str, int]


def rule_lines(stage) -> list[str]:
    threshold = (
        _("trên %(n)d/%(d)d", n=stage.threshold_num, d=stage.threshold_den)
        if stage.threshold_strict
        else _("từ %(n)d/%(d)d trở lên", n=stage.threshold_num, d=stage.threshold_den)
    )
    lines = [
        _(BallotMode(stage.ballot_mode).label),
        _(
            "Ngưỡng tán thành: %(t)s, %(base)s",
            t=threshold,
            base=_(VoteBase(stage.base).label).lower(),
        ),
        _("Số thành viên tham gia tối thiểu: %(q)d%%", q=stage.quorum_percent),
    ]
    if stage.min_average_score is not None:
        lines.append(
            _("Điểm trung bình tối thiểu: %(s)s", s=number(stage.min_average_score, 2))
        )
    if stage.quota is not None:
        lines.append(
            _(
                "Chỉ tiêu: %(q)s hồ sơ; %(tie)s",
                q=number(stage.quota),
                tie=_(TieRule(stage.tie_rule).label),
            )
        )
    return lines


def minutes_data(rnd: Round) -> Minutes:
    council = rnd.council
    stage = council.stage
    results = queries.round_results(rnd)
    counts: dict[str, int] = {}
    for r in results:
        counts[r.outcome] = counts.get(r.outcome, 0) + 1
    return Minutes(
        round=rnd,
        council_name=council.name,
        unit_name=council.unit.name,
        campaign_name=stage.campaign.name,
        stage_name=stage.name,
        pass_label=stage.pass_label,
        rule_lines=rule_lines(stage),
        attendance=list(rnd.attendance),
        present=sum(1 for a in rnd.attendance if a.present),
        results=results,
        counts=counts,
    )


def minutes_xlsx(m: Minutes) -> bytes:
    """The minutes as one printable sheet, written by the product's one writer (names
    typed by users cannot become formulas or break the file)."""
    rows: list[list] = [
        [Styled(_("BIÊN BẢN PHIÊN THẨM ĐỊNH"), size=14)],
        [m.council_name],
        [_("Đợt thi đua"), m.campaign_name],
        [_("Vòng"), m.stage_name],
        [_("Phiên số"), m.round.number],
        [_("Mở lúc"), moment(m.round.opened_at)],
        [_("Kết thúc lúc"), moment(m.round.closed_at)],
        *([_("Quy tắc"), line] for line in m.rule_lines),
        [],
        [
            Styled(v)
            for v in (_("Thành viên"), _("Vai trò"), _("Có mặt"), _("Số phiếu đã bỏ"))
        ],
    ]
    for a in m.attendance:
        rows.append(
            [
                a.member.user.name,
                _(a.member.role_label),
                _("Có") if a.present else _("Vắng"),
                a.votes,
            ]
        )
    rows.append([_("Có mặt"), f"{m.present}/{len(m.attendance)}"])
    rows.append([])
    header = [
        _("STT"),
        _("Hồ sơ"),
        _("Đơn vị đăng ký"),
        _("Thành viên được biểu quyết"),
        _("Số phiếu"),
        _("Tán thành"),
        _("Không tán thành"),
        _("Không biểu quyết"),
        _("Điểm trung bình"),
        _("Xếp hạng"),
        _("Kết quả"),
        _("Ghi chú"),
    ]
    rows.append([Styled(v) for v in header])
    for i, r in enumerate(m.results, start=1):
        rows.append(
            [
                i,
                r.exemplar.name,
                r.exemplar.unit.name,
                r.eligible,
                r.votes,
                r.approvals,
                r.rejections,
                r.abstentions,
                round(r.average_score, 2) if r.average_score is not None else None,
                r.rank,
                _(Outcome(r.outcome).label),
                r.note,
            ]
        )
    rows.append([])
    rows.append([_("Ngày lập"), day(m.round.closed_at)])
    return xlsx_bytes(
        [
            Sheet(
                _("Biên bản"),
                rows,
                widths=(6, 50, 30, 12, 10, 10, 12, 12, 12, 10, 24, 40),
                wrap=True,
            )
        ]
    )
