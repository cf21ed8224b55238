"""Clone a campaign for the next year: what the secretariat set up, not what happened.

Copied: the campaign's settings, its fields, commendation forms, stages with their
decision rules and rubrics (criteria), and the councils of each stage with their active
members. Not copied: exemplars, rounds, ballots, results, commendations.

Rows are copied column by column from the models' own mapping (every column but the
primary key, the link to the parent and the moments of the old row), so a column added
or renamed later is copied without changing this module.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import func, inspect, select

from ..campaigns.models import Campaign, Criterion, Stage
from ..db import UTCDateTime
from ..domain import N_
from ..domain.enums import CampaignStatus
from ..errors import InvalidInput, RuleRefused
from ..extensions import db
from .models import Council

if TYPE_CHECKING:
    from ..auth.models import User

log = logging.getLogger(__name__)

M = TypeVar("M")


def copy_row(row: M, *, without: tuple[str, ...] = (), **values: Any) -> M:
    """A new, unsaved row of ``row``'s model with the same column values, except the
    primary key, the columns named in ``without`` (the link to the old parent), the
    timestamps (they belong to the old row's life) and what ``values`` sets."""
    mapper = inspect(type(row))
    data: dict[str, Any] = {}
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        if column.primary_key or attr.key in without:
            continue
        if isinstance(column.type, UTCDateTime):
            continue
        data[attr.key] = getattr(row, attr.key)
    data.update(values)
    return type(row)(**data)


@dataclass(frozen=True)
class ClonePreview:
    """What a clone of the campaign will hold (the page shows it before confirming)."""

    fields: int
    commendation_forms: int
    stages: int
    criteria: int
    councils: int
    members: int


def _councils(campaign: Campaign) -> list:

    return list(
        db.session.scalars(
            select(Council)
            .join(Stage, Stage.id == Council.stage_id)
            .where(Stage.campaign_id == campaign.id)
            .order_by(Council.id)
        )
    )


def clone_preview(campaign: Campaign) -> ClonePreview:
    """Counts of what :func:`clone_campaign` copies."""
    councils = _councils(campaign)
    criteria = db.session.scalar(
        select(func.count(Criterion.id))
        .join(Stage, Stage.id == Criterion.stage_id)
        .where(Stage.campaign_id == campaign.id)
    )
    return ClonePreview(
        fields=len(campaign.fields),
        commendation_forms=len(campaign.commendation_forms),
        stages=len(campaign.stages),
        criteria=criteria or 0,
        councils=len(councils),
        members=sum(1 for c in councils for m in c.members if m.active),
    )


def clone_campaign(
    source: Campaign,
    *,
    name: str,
    year: int,
    registration_opens: date | None = None,
    registration_closes: date | None = None,
    actor: User | None = None,
) -> Campaign:
    """Copy ``source`` into a new campaign in preparation (``draft``) over the same unit,
    in one transaction. Refused when the unit already has a campaign of ``year``: a
    clone is the next year's campaign, and a second click must not make two."""
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput(N_("Vui lòng nhập tên đợt."), field="name")
    if (
        registration_opens
        and registration_closes
        and (registration_closes < registration_opens)
    ):
        raise InvalidInput(
            N_("Hạn đăng ký phải sau ngày mở đăng ký."), field="registration_closes"
        )
    taken = db.session.scalar(
        select(Campaign.id).where(
            Campaign.unit_id == source.unit_id, Campaign.year == year
        )
    )
    if taken is not None:
        raise RuleRefused(
            N_("Đơn vị này đã có đợt thi đua năm %(year)s."), field="year", year=year
        )
    clone = copy_row(
        source,
        name=name,
        year=year,
        period_label=str(year)
        if source.period_label == str(source.year)
        else source.period_label,
        registration_opens=registration_opens,
        registration_closes=registration_closes,
        status=CampaignStatus.DRAFT.value,
    )
    for field in source.fields:
        clone.fields.append(copy_row(field, without=("campaign_id",)))
    for form in source.commendation_forms:
        clone.commendation_forms.append(copy_row(form, without=("campaign_id",)))
    new_stage: dict[int, Stage] = {}
    for stage in source.stages:
        copy = copy_row(stage, without=("campaign_id",))
        for criterion in stage.criteria:
            copy.criteria.append(copy_row(criterion, without=("stage_id",)))
        clone.stages.append(copy)
        new_stage[stage.id] = copy
    db.session.add(clone)
    for council in _councils(source):
        council_copy = copy_row(
            council, without=("stage_id",), stage=new_stage[council.stage_id]
        )
        for member in council.members:
            if member.active:
                council_copy.members.append(copy_row(member, without=("council_id",)))
        db.session.add(council_copy)
    db.session.flush()
    log.info(
        "campaign %s cloned from campaign %s by user %s",
        clone.id,
        source.id,
        actor.id if actor is not None else None,
    )
    return clone
