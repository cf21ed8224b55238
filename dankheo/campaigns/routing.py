"""Which stage an exemplar is appraised at: the campaign's "next stage" rule.

Rules (kept here, used by submit, resubmit and the close of a round):

* an exemplar is appraised at a stage by the council of the registering unit's ancestor
  (or the unit itself) at the stage's tier;
* a stage whose tier the unit has no ancestor at is skipped: a provincial department's
  exemplar skips the commune stage and starts at the province stage;
* if the unit has no ancestor at any stage's tier, the exemplar goes to the last stage
  (the top council sees everything the campaign covers);
* passing a stage moves the exemplar to the next stage the unit can be routed to, or,
  after the last one, to "recommended for commendation".

Which council of a stage appraises a unit's exemplars is appraisal's business
(:func:`dankheo.appraisal.councils.council_for`).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from ..extensions import db
from ..units.models import Unit
from .models import Campaign, Stage

#: Rows per IN (...) list, well under every backend's parameter limit.
CHUNK = 500


def ancestor_tiers(unit: Unit) -> dict[str, int]:
    """tier -> unit id of the unit and its ancestors (nearest wins)."""
    rows = db.session.execute(
        select(Unit.id, Unit.tier, Unit.depth).where(Unit.id.in_(unit.ancestor_ids()))
    ).all()
    out: dict[str, int] = {}
    for uid, tier, _depth in sorted(rows, key=lambda r: r.depth):
        out[tier] = uid  # deeper rows overwrite: the nearest ancestor
    return out


def campaign_stages(campaign: Campaign) -> list[Stage]:
    """The campaign's stages in order."""
    return list(
        db.session.scalars(
            select(Stage)
            .where(Stage.campaign_id == campaign.id)
            .order_by(Stage.position)
        )
    )


def next_stage(
    campaign: Campaign, unit: Unit, after: Stage | None = None
) -> Stage | None:
    """The first stage after ``after`` (or the first of all) that ``unit`` routes to.

    ``None`` after the last stage. With no ``after`` and no matching tier at all, the
    last stage (so that every exemplar is appraised by somebody)."""
    stages = campaign_stages(campaign)
    if not stages:
        return None
    return _pick(stages, set(ancestor_tiers(unit)), after)


def next_stages(
    campaign: Campaign, units: Iterable[Unit], after: Stage | None = None
) -> dict[int, Stage | None]:
    """:func:`next_stage` for many units at once, by unit id (two statements, or a few
    more for thousands of ancestors, however many units)."""
    units = list({u.id: u for u in units}.values())
    stages = campaign_stages(campaign)
    wanted = sorted({uid for u in units for uid in u.ancestor_ids()})
    tier_of: dict[int, str] = {}
    for i in range(0, len(wanted), CHUNK):
        for uid, tier in db.session.execute(
            select(Unit.id, Unit.tier).where(Unit.id.in_(wanted[i : i + CHUNK]))
        ):
            tier_of[uid] = tier
    out: dict[int, Stage | None] = {}
    for u in units:
        tiers = {tier_of[i] for i in u.ancestor_ids() if i in tier_of}
        out[u.id] = _pick(stages, tiers, after) if stages else None
    return out


def _pick(stages: list[Stage], tiers: set[str], after: Stage | None) -> Stage | None:
    start = 0
    if after is not None:
        start = next(i for i, s in enumerate(stages) if s.id == after.id) + 1
    for stage in stages[start:]:
        if stage.tier in tiers:
            return stage
    return stages[-1] if after is None else None
