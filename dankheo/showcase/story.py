"""What the public pages tell about a campaign and an exemplar, shaped for templates and
exports: the funnel as steps, statistics tables, an exemplar's summary. Only public
facts: labels, dates, counts. (What one entry's page reads is :mod:`.entry`.)"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from ..appraisal.queries import campaign_funnel
from ..campaigns.models import Campaign
from ..domain import N_
from ..registry.models import Exemplar


@dataclass
class Step:
    label: str
    count: int
    whole: int
    note: str = ""

    @property
    def share(self) -> float:
        return 100.0 * self.count / self.whole if self.whole else 0.0


def funnel_steps(campaign: Campaign) -> list[Step]:
    """Registered -> each stage -> recommended -> commended (-> replicated), from records."""
    data = campaign_funnel(campaign)
    whole = data["registered"]
    steps = [Step(_("Đăng ký"), whole, whole)]
    stages = data["stages"]
    # Passing the last stage *is* the recommendation: one step, named by its stage.
    for stage in stages[:-1]:
        steps.append(
            Step(
                stage["pass_label"] or stage["name"],
                stage["passed"],
                whole,
                stage["name"],
            )
        )
    recommended = _("Đề nghị khen thưởng")
    note = ""
    if stages:
        last = stages[-1]
        label = last["pass_label"] or ""
        note = (
            last["name"]
            if label in ("", recommended, "Đề nghị khen thưởng")
            else f"{last['name']} · {label}"
        )
    steps.append(Step(recommended, data["recommended"], whole, note))
    steps.append(Step(_("Được khen thưởng"), data["commended"], whole))
    if data.get("replicated"):
        steps.append(Step(_("Được nhân rộng"), data["replicated"], whole))
    return steps


@dataclass
class Table:
    key: str
    title: str
    header: list[str]
    rows: list[list] = field(default_factory=list)
    bars: list[tuple[str, int, int]] = field(default_factory=list)  # label, value, max


def funnel_table(steps: list[Step]) -> Table:
    t = Table(
        "funnel",
        _("Phễu thi đua"),
        [_("Bước"), _("Vòng"), _("Số lượng"), _("Tỷ lệ so với đăng ký (%)")],
    )
    for s in steps:
        t.rows.append([s.label, s.note, s.count, round(s.share, 1)])
    return t


STATS_TITLES = {
    "field": N_("Theo lĩnh vực"),
    "locality": N_("Theo địa bàn"),
    "unit_kind": N_("Theo loại đơn vị"),
    "kind": N_("Theo loại mô hình, điển hình"),
    "years": N_("Qua các năm"),
}
STATS_FIRST_COLUMN = {
    "field": N_("Lĩnh vực"),
    "locality": N_("Địa bàn"),
    "unit_kind": N_("Loại đơn vị"),
    "kind": N_("Loại"),
    "years": N_("Năm"),
}


#: Tables whose row labels are the domain's marked labels, translated on display.
LABELLED_TABLES = frozenset({"kind", "unit_kind"})


def stats_table(key: str, rows) -> Table:
    """A breakdown as a table: registered, recommended (public) and commended per row."""
    t = Table(
        key,
        _(STATS_TITLES[key]),
        [
            _(STATS_FIRST_COLUMN[key]),
            _("Đăng ký"),
            _("Đề nghị khen thưởng"),
            _("Được khen thưởng"),
        ],
    )
    for r in rows:
        if r.key is None:
            label = _("Chưa phân loại")
        elif key in LABELLED_TABLES:
            label = _(r.label)  # a label marked in domain/enums.py
        else:
            label = r.label  # a field's or a unit's name, or a year: data
        t.rows.append([label, r.registered, r.recommended, r.commended])
    return t


def stats_max(table: Table) -> int:
    return max((row[1] for row in table.rows), default=0)


def summary(exemplar: Exemplar, length: int = 240) -> str:
    """A short public description: the results first, else the situation."""
    text = " ".join(
        (exemplar.outputs or exemplar.situation or exemplar.content or "").split()
    )
    if len(text) > length:
        text = text[:length].rsplit(" ", 1)[0] + "…"
    return text or exemplar.name
