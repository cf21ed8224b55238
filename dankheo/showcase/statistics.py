"""Statistics of the public pages: which campaigns are shown, and per campaign how many
entries were registered, recommended (public) and commended, broken down by field,
kind, kind of unit and locality, and summed per year.

Breakdowns count every registered entry (not only public ones): these are totals, no
entry is named. Counts are read from the summary tables of :mod:`dankheo.tallies` (small,
exact, shared by every worker); labels are looked up afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from ..campaigns.models import Campaign
from ..domain.enums import CampaignStatus, ExemplarKind, UnitKind
from ..domain.workflow import COMMENDED_STATES, PUBLIC_STATES, REGISTERED_STATES
from ..extensions import db
from ..tallies import tally_facets, tally_units
from ..units.models import Unit
from .counts import PUBLIC_STATE_VALUES
from .facets import child_names, child_of

#: key -> state -> number of entries
StateCounts = dict[Any, dict[str, int]]
Column = ColumnElement[Any] | InstrumentedAttribute[Any]


@dataclass
class Row:
    key: Any
    label: str
    registered: int = 0
    recommended: int = 0
    commended: int = 0


def _state_counts(
    t: Any, campaign_id: int | None, column: Column, units: bool = False
) -> StateCounts:
    """Registered entries per (``column``, state) from the summary table ``t`` (joined
    to the units when ``units``), for one campaign or every one."""
    total = func.sum(t.c.n)
    stmt = select(column, t.c.state, total).select_from(t)
    if units:
        stmt = stmt.join(Unit, Unit.id == t.c.unit_id)
    stmt = stmt.where(t.c.state.in_(sorted(s.value for s in REGISTERED_STATES)))
    if campaign_id is not None:
        stmt = stmt.where(t.c.campaign_id == campaign_id)
    out: StateCounts = {}
    for key, state, n in db.session.execute(
        stmt.group_by(column, t.c.state).having(total > 0)
    ):
        out.setdefault(key, {})[state] = int(n)
    return out


def _rows(per_key: StateCounts, labels: dict[Any, str]) -> list[Row]:
    return [
        Row(
            key,
            labels.get(key, ""),
            sum(per_state.values()),
            sum(n for s, n in per_state.items() if s in PUBLIC_STATES),
            sum(n for s, n in per_state.items() if s in COMMENDED_STATES),
        )
        for key, per_state in per_key.items()
    ]


def breakdown_by_field(campaign: Campaign) -> list[Row]:
    per_field = _state_counts(
        tally_facets, campaign.id, func.nullif(tally_facets.c.field_id, 0)
    )
    labels = {fld.id: fld.name for fld in campaign.fields}
    order = {fld.id: fld.position for fld in campaign.fields}
    return sorted(
        _rows(per_field, labels), key=lambda r: (r.key is None, order.get(r.key, 0))
    )


def breakdown_by_kind(campaign: Campaign) -> list[Row]:
    per_kind = _state_counts(tally_facets, campaign.id, tally_facets.c.kind)
    labels: dict[Any, str] = {k: k.label for k in ExemplarKind}
    order = {k: i for i, k in enumerate(ExemplarKind)}
    return sorted(_rows(per_kind, labels), key=lambda r: order.get(r.key, 99))


def breakdown_by_unit_kind(campaign: Campaign) -> list[Row]:
    # The unit's kind is joined at read time: reclassifying a unit needs no upkeep.
    per_kind = _state_counts(tally_units, campaign.id, Unit.kind, units=True)
    labels: dict[Any, str] = {k: k.label for k in UnitKind}
    return sorted(_rows(per_kind, labels), key=lambda r: (-r.registered, r.label))


def breakdown_by_locality(campaign: Campaign) -> list[Row]:
    """Per child locality of the campaign's unit (entries of the unit itself, or of a
    unit outside its subtree, in a row of their own). Rolled up in SQL from the units'
    paths: a tree of any size sends no list of ids either way."""
    top = campaign.unit

    bucket = case(
        (Unit.path.startswith(top.path), func.coalesce(child_of(top), top.id)),
        else_=top.id,
    )
    rolled = _state_counts(tally_units, campaign.id, bucket, units=True)
    names = child_names(top)
    names[top.id] = top.name
    return sorted(
        _rows(rolled, names), key=lambda r: (r.key == top.id, -r.registered, r.label)
    )


def trend_by_year() -> list[Row]:
    """Every campaign's counts (cached per campaign), summed per year."""
    per_campaign = _state_counts(tally_facets, None, tally_facets.c.campaign_id)
    years = {
        cid: year
        for cid, year in db.session.execute(select(Campaign.id, Campaign.year))
    }
    per_year: StateCounts = {}
    for campaign_id, per_state in per_campaign.items():
        bucket = per_year.setdefault(years[campaign_id], {})
        for state, n in per_state.items():
            bucket[state] = bucket.get(state, 0) + n
    return sorted(_rows(per_year, {y: str(y) for y in per_year}), key=lambda r: r.key)


# -- campaigns -----------------------------------------------------------------------


def public_campaigns() -> list[Campaign]:
    """Campaigns shown to the public: every campaign past its preparation, newest first."""
    return list(
        db.session.scalars(
            select(Campaign)
            .where(Campaign.status != CampaignStatus.DRAFT)
            .options(selectinload(Campaign.unit), selectinload(Campaign.fields))
            .order_by(Campaign.year.desc(), Campaign.id.desc())
        )
    )


def current_campaign() -> Campaign | None:
    """The campaign the home page shows: the newest one that has public entries, else
    the newest one past its preparation."""
    # The campaigns table is small and the summary table's key starts with the
    # campaign: no scan of the entries, whatever their number.
    has_public = (
        select(tally_facets.c.campaign_id)
        .where(
            tally_facets.c.campaign_id == Campaign.id,
            tally_facets.c.state.in_(PUBLIC_STATE_VALUES),
            tally_facets.c.n > 0,
        )
        .exists()
    )
    newest_public = db.session.scalar(
        select(Campaign)
        .where(Campaign.status != CampaignStatus.DRAFT, has_public)
        .order_by(Campaign.year.desc(), Campaign.id.desc())
        .limit(1)
    )
    if newest_public is not None:
        return newest_public
    campaigns = public_campaigns()
    return campaigns[0] if campaigns else None
