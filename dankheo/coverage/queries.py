"""Coverage of a campaign: each unit of a subtree with what it registered against what
the campaign expects of it, so the secretariat can chase the missing before the deadline.

Counts come from one grouped query; expectations are matched in Python (a row naming
the unit's kind wins over the tier's general row). The list is at most a province's
units, so it is sorted and paged in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import case, func, select

from ..campaigns.models import Campaign
from ..domain.text import fold
from ..domain.workflow import State
from ..extensions import db
from ..registry.models import Exemplar
from ..units.models import Unit
from ..units.queries import subtree_condition
from .models import RegistrationExpectation


class CoverageSort(StrEnum):
    SHORTFALL = "shortfall"
    NAME = "name"
    SUBMITTED = "submitted"
    DRAFTS = "drafts"


@dataclass
class CoverageRow:
    unit: Unit
    total: int
    drafts: int
    submitted: int
    minimum: int
    maximum: int | None

    @property
    def shortfall(self) -> int:
        """Submitted entries still missing to reach the minimum (drafts do not count)."""
        return max(0, self.minimum - self.submitted)

    @property
    def expected_label(self) -> str:
        if self.maximum is None:
            return f"≥ {self.minimum}"
        if self.maximum == self.minimum:
            return str(self.minimum)
        return f"{self.minimum}–{self.maximum}"


def expectations(campaign: Campaign) -> list[RegistrationExpectation]:
    return list(
        db.session.scalars(
            select(RegistrationExpectation)
            .where(RegistrationExpectation.campaign_id == campaign.id)
            .order_by(RegistrationExpectation.tier, RegistrationExpectation.kind)
        )
    )


def expected_for(
    unit: Unit, rules: list[RegistrationExpectation]
) -> tuple[int, int | None] | None:
    """(minimum, maximum) the campaign expects of ``unit``, or None (nothing expected)."""
    general = None
    for r in rules:
        if r.tier != unit.tier:
            continue
        if r.kind == unit.kind:
            return r.minimum, r.maximum
        if r.kind is None:
            general = (r.minimum, r.maximum)
    return general


def coverage(
    campaign: Campaign,
    scopes: list[str],
    *,
    sort: str = CoverageSort.SHORTFALL,
    missing_only: bool = False,
) -> list[CoverageRow]:
    """Every active unit of the campaign's subtree inside ``scopes`` that the campaign
    expects something of, with its counts, sorted; ``missing_only`` keeps those short."""
    rules = expectations(campaign)
    counts = {
        unit_id: (total, drafts)
        for unit_id, total, drafts in db.session.execute(
            select(
                Exemplar.unit_id,
                func.count(Exemplar.id),
                func.sum(case((Exemplar.state == State.DRAFT, 1), else_=0)),
            )
            .where(Exemplar.campaign_id == campaign.id)
            .group_by(Exemplar.unit_id)
        )
    }
    units = db.session.scalars(
        select(Unit).where(
            Unit.path.startswith(campaign.unit.path),
            subtree_condition(Unit.id, scopes),
            Unit.active.is_(True),
        )
    )
    rows = []
    for unit in units:
        expected = expected_for(unit, rules)
        if expected is None:
            continue
        total, drafts = counts.get(unit.id, (0, 0))
        drafts = int(drafts or 0)
        rows.append(
            CoverageRow(unit, total, drafts, total - drafts, expected[0], expected[1])
        )
    if missing_only:
        rows = [r for r in rows if r.shortfall]
    name = {r.unit.id: fold(r.unit.name) for r in rows}
    keys = {
        CoverageSort.SHORTFALL: lambda r: (-r.shortfall, r.submitted, name[r.unit.id]),
        CoverageSort.NAME: lambda r: (name[r.unit.id],),
        CoverageSort.SUBMITTED: lambda r: (r.submitted, name[r.unit.id]),
        CoverageSort.DRAFTS: lambda r: (-r.drafts, name[r.unit.id]),
    }
    rows.sort(key=keys.get(CoverageSort(sort), keys[CoverageSort.SHORTFALL]))
    return rows


def set_expectation(
    campaign: Campaign,
    *,
    tier: str,
    kind: str | None,
    minimum: int,
    maximum: int | None,
) -> RegistrationExpectation:
    """Set (or replace) the expectation for units of ``tier`` (and ``kind``)."""
    from ..domain import N_
    from ..errors import InvalidInput

    if minimum < 0 or (maximum is not None and maximum < minimum):
        raise InvalidInput(
            N_("Số tối đa phải lớn hơn hoặc bằng số tối thiểu."), field="maximum"
        )
    row = db.session.scalar(
        select(RegistrationExpectation).where(
            RegistrationExpectation.campaign_id == campaign.id,
            RegistrationExpectation.tier == tier,
            RegistrationExpectation.kind.is_(None)
            if kind is None
            else RegistrationExpectation.kind == kind,
        )
    )
    if row is None:
        row = RegistrationExpectation(campaign_id=campaign.id, tier=tier, kind=kind)
        db.session.add(row)
    row.minimum = minimum
    row.maximum = maximum
    db.session.flush()
    return row
