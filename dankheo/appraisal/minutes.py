"""The minutes (biên bản) of a closed round: members and attendance, the rule, and the
result of every entry, as data for the printable page and the XLSX file.

Individual votes are never in the minutes: only counts per entry."""

from __future__ import annotations

import io
from dataclasses import dataclass

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..domain.tally import BallotMode, Outcome, TieRule, VoteBase
from ..formatting import day, moment, number
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
    wb = Workbook()
    ws = wb.active
    ws.title = _("Biên bản")[:31]
    bold = Font(bold=True)
    ws.append([_("BIÊN BẢN PHIÊN THẨM ĐỊNH")])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([m.council_name])
    ws.append([_("Đợt thi đua"), m.campaign_name])
    ws.append([_("Vòng"), m.stage_name])
    ws.append([_("Phiên số"), m.round.number])
    ws.append([_("Mở lúc"), moment(m.round.opened_at)])
    ws.append([_("Kết thúc lúc"), moment(m.round.closed_at)])
    for line in m.rule_lines:
        ws.append([_("Quy tắc"), line])
    ws.append([])
    ws.append([_("Thành viên"), _("Vai trò"), _("Có mặt"), _("Số phiếu đã bỏ")])
    for cell in ws[ws.max_row]:
        cell.font = bold
    for a in m.attendance:
        ws.append(
            [
                a.member.user.name,
                _(a.member.role_label),
                _("Có") if a.present else _("Vắng"),
                a.votes,
            ]
        )
    ws.append([_("Có mặt"), f"{m.present}/{len(m.attendance)}"])
    ws.append([])
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
    ws.append(header)
    for cell in ws[ws.max_row]:
        cell.font = bold
    for i, r in enumerate(m.results, start=1):
        ws.append(
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
    widths = [6, 50, 30, 12, 10, 10, 12, 12, 12, 10, 24, 40]
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.append([])
    ws.append([_("Ngày lập"), day(m.round.closed_at)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
