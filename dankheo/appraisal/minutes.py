"""The minutes (biên bản) of a closed round: members and attendance, the rule, and the
result of every entry, as data for the printable page and the XLSX file.

Individual votes are never in the minutes: only counts per entry. Attendance is per
session and recusal per entry: a member who ran the session (closed it) or voted is
present even when recused from some entries, and those entries name the members who
stood aside; a member recused from every entry is not "absent" but stood aside. Recusal
is judged by the members' units recorded at the close (the rule snapshot), as replay
judges it."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from ..domain import N_
from ..domain.tally import BallotMode, Outcome, TieRule, VoteBase
from ..extensions import db
from ..formatting import day, moment, number
from ..spreadsheets import Sheet, Styled, xlsx_bytes
from . import queries
from .models import Attendance, MemberRole, Round, StageResult
from .recusal import is_recused
from .snapshots import RuleSnapshot

PRESENT = "present"
RECUSED = "recused"
ABSENT = "absent"

PRESENCE_LABELS = {
    PRESENT: N_("Có mặt"),
    RECUSED: N_("Không tham gia biểu quyết (tránh xung đột lợi ích)"),
    ABSENT: N_("Vắng"),
}


@dataclass
class Presence:
    """One member's part in the session."""

    attendance: Attendance
    status: str
    #: The member closed the session (ran it).
    ran_session: bool = False

    @property
    def label(self) -> str:
        text = _(PRESENCE_LABELS[self.status])
        if self.ran_session:
            text = _("%(s)s, điều hành phiên", s=text)
        return text


@dataclass
class Minutes:
    round: Round
    council_name: str
    unit_name: str
    campaign_name: str
    stage_name: str
    pass_label: str
    rule_lines: list[str]
    attendance: list[Presence]
    present: int
    results: list[StageResult]
    counts: dict[str, int]
    #: Per stage result id, the names of the members who stood aside from that entry.
    recused: dict[int, list[str]] = field(default_factory=dict)
    chair_name: str | None = None
    #: None when the council had no secretary at the close.
    secretary_name: str | None = None

    def recused_line(self, result: StageResult) -> str:
        names = self.recused.get(result.id)
        if not names:
            return ""
        return _(
            "Không tham gia (tránh xung đột lợi ích): %(names)s",
            names=", ".join(names),
        )


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


def _recusals(
    rnd: Round, attendance: list[Attendance], results: list[StageResult]
) -> dict[int, set[int]]:
    """Per stage result id, the attendance ids of the members recused from its entry,
    by the units recorded at the close (the members' current units for a round closed
    before snapshots were kept)."""
    council = rnd.council
    snapshot = db.session.scalar(
        select(RuleSnapshot).where(RuleSnapshot.round_id == rnd.id)
    )
    council_path = council.unit.path
    ancestors = council.stage.recuse_ancestors
    if snapshot is not None:
        units: dict[str, str | None] = snapshot.recusal.get("member_units", {})
        council_path = snapshot.recusal.get("council_unit_path", council_path)
        ancestors = bool(snapshot.rule.get("recuse_ancestors", ancestors))
    else:
        units = {
            str(a.member_id): a.member.user.unit.path if a.member.user.unit else None
            for a in attendance
        }
    return {
        r.id: {
            a.id
            for a in attendance
            if is_recused(
                units.get(str(a.member_id)),
                r.exemplar.unit.path,
                council_path,
                ancestors=ancestors,
            )
        }
        for r in results
    }


def _name_for(attendance: list[Attendance], role: MemberRole) -> str | None:
    return next((a.member.user.name for a in attendance if a.role == role.value), None)


def minutes_data(rnd: Round) -> Minutes:
    council = rnd.council
    stage = council.stage
    results = queries.round_results(rnd)
    counts: dict[str, int] = {}
    for r in results:
        counts[r.outcome] = counts.get(r.outcome, 0) + 1
    attendance = list(rnd.attendance)
    recused = _recusals(rnd, attendance, results)
    presence = []
    for a in attendance:
        ran = rnd.closed_by_id is not None and a.member.user_id == rnd.closed_by_id
        if a.votes > 0 or ran:
            status = PRESENT
        elif results and all(a.id in ids for ids in recused.values()):
            status = RECUSED
        else:
            status = ABSENT
        presence.append(Presence(a, status, ran_session=ran))
    names = {a.id: a.member.user.name for a in attendance}
    chair = _name_for(attendance, MemberRole.CHAIR)
    if chair is None and rnd.closed_by is not None:
        chair = rnd.closed_by.name
    return Minutes(
        round=rnd,
        council_name=council.name,
        unit_name=council.unit.name,
        campaign_name=stage.campaign.name,
        stage_name=stage.name,
        pass_label=stage.pass_label,
        rule_lines=rule_lines(stage),
        attendance=presence,
        present=sum(1 for p in presence if p.status == PRESENT),
        results=results,
        counts=counts,
        recused={
            rid: [names[i] for i in sorted(ids)] for rid, ids in recused.items() if ids
        },
        chair_name=chair,
        secretary_name=_name_for(attendance, MemberRole.SECRETARY),
    )


def secretary_line(m: Minutes) -> str:
    return m.secretary_name or _("Hội đồng không có thư ký tại phiên này")


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
    for p in m.attendance:
        rows.append(
            [
                p.attendance.member.user.name,
                _(p.attendance.member.role_label),
                p.label,
                p.attendance.votes,
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
                "\n".join(x for x in (r.note, m.recused_line(r)) if x),
            ]
        )
    rows.append([])
    rows.append([_("Ngày lập"), day(m.round.closed_at)])
    rows.append([_("Chủ tịch hội đồng"), m.chair_name or ""])
    rows.append([_("Thư ký"), secretary_line(m)])
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
