"""Statistics of the public pages: which campaigns are shown, and per campaign how many
entries were registered, recommended (public) and commended, broken down by field,
kind, kind of unit and locality, and summed per year.

Breakdowns count every registered entry (not only public ones): these are totals, no
entry is named. Counts go through :mod:`dankheo.showcase.counts`; labels are looked up
afresh.
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
from ..registry.models import Exemplar
from ..units.models import Unit
from . import counts
from .facets import child_names, child_of
from .search import public_condition

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
    campaign_id: int | None, column: Column, *joins: tuple[Any, Any]
) -> StateCounts:
    stmt = select(column, Exemplar.state, func.count()).select_from(Exemplar)
    for target, on in joins:
        stmt = stmt.outerjoin(target, on)
    stmt = stmt.where(Exemplar.state.in_(REGISTERED_STATES))
    if campaign_id is not None:
        stmt = stmt.where(Exemplar.campaign_id == campaign_id)
    out: StateCounts = {}
    for key, state, n in db.session.execute(stmt.group_by(column, Exemplar.state)):
        out.setdefault(key, {})[state] = n
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


def _campaign_counts(kind: str, campaign: Campaign, column: Column) -> StateCounts:
    """:func:`_state_counts` of ``campaign`` through the counts cache: plain keys and
    numbers, labels are always looked up afresh."""
    return counts.cached(kind, campaign.id, lambda: _state_counts(campaign.id, column))


def breakdown_by_field(campaign: Campaign) -> list[Row]:
    per_field = _campaign_counts("by_field", campaign, Exemplar.field_id)
    labels = {fld.id: fld.name for fld in campaign.fields}
    order = {fld.id: fld.position for fld in campaign.fields}
    return sorted(
        _rows(per_field, labels), key=lambda r: (r.key is None, order.get(r.key, 0))
    )


def breakdown_by_kind(campaign: Campaign) -> list[Row]:
    per_kind = _campaign_counts("by_kind", campaign, Exemplar.kind)
    labels: dict[Any, str] = {k: k.label for k in ExemplarKind}
    order = {k: i for i, k in enumerate(ExemplarKind)}
    return sorted(_rows(per_kind, labels), key=lambda r: order.get(r.key, 99))


def breakdown_by_unit_kind(campaign: Campaign) -> list[Row]:
    # Not cached: editing a unit's kind moves its entries to another row without
    # appending any history, so the cache's data version would not see it.
    per_kind = _state_counts(
        campaign.id, Unit.kind, (Unit, Unit.id == Exemplar.unit_id)
    )
    labels: dict[Any, str] = {k: k.label for k in UnitKind}
    return sorted(_rows(per_kind, labels), key=lambda r: (-r.registered, r.label))


def breakdown_by_locality(campaign: Campaign) -> list[Row]:
    """Per child locality of the campaign's unit (entries of the unit itself, or of a
    unit outside its subtree, in a row of their own). Rolled up in SQL from the units'
    paths: a tree of any size sends no list of ids either way."""
    top = campaign.unit

    def compute() -> StateCounts:
        bucket = case(
            (Unit.path.startswith(top.path), func.coalesce(child_of(top), top.id)),
            else_=top.id,
        )
        sub = (
            select(bucket.label("bucket"), Exemplar.state)
            .select_from(Exemplar)
            .join(Unit, Unit.id == Exemplar.unit_id)
            .where(
                Exemplar.campaign_id == campaign.id,
                Exemplar.state.in_(REGISTERED_STATES),
            )
            .subquery()
        )
        stmt = select(sub.c.bucket, sub.c.state, func.count()).group_by(
            sub.c.bucket, sub.c.state
        )
        out: StateCounts = {}
        for key, state, n in db.session.execute(stmt):
            out.setdefault(key, {})[state] = n
        return out

    rolled = counts.cached("by_locality", campaign.id, compute)
    names = child_names(top)
    names[top.id] = top.name
    return sorted(
        _rows(rolled, names), key=lambda r: (r.key == top.id, -r.registered, r.label)
    )


def trend_by_year() -> list[Row]:
    """Every campaign's counts (cached per campaign), summed per year."""
    per_campaign = counts.cached(
        "by_campaign", None, lambda: _state_counts(None, Exemplar.campaign_id)
    )
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
    newest_public = db.session.scalar(
        select(Campaign)
        .where(
            Campaign.status != CampaignStatus.DRAFT,
            Campaign.id.in_(select(Exemplar.campaign_id).where(public_condition())),
        )
        .order_by(Campaign.year.desc(), Campaign.id.desc())
        .limit(1)
    )
    if newest_public is not None:
        return newest_public
    campaigns = public_campaigns()
    return campaigns[0] if campaigns else None
