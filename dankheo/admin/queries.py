from __future__ import annotations

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from ..auth.models import RoleAssignment, User
from ..campaigns.models import Campaign
from ..domain.text import search_terms
from ..extensions import db
from ..registry.models import Exemplar
from ..units.models import Unit
from ..units.queries import subtree_condition


def campaigns_in(scopes: list[str]) -> list[Campaign]:
    return list(
        db.session.scalars(
            select(Campaign)
            .where(subtree_condition(Campaign.unit_id, scopes))
            .options(selectinload(Campaign.unit))
            .order_by(Campaign.year.desc(), Campaign.id.desc())
        )
    )


def state_counts_by_campaign(campaign_ids: list[int]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {cid: {} for cid in campaign_ids}
    if not campaign_ids:
        return out
    rows = db.session.execute(
        select(Exemplar.campaign_id, Exemplar.state, func.count())
        .where(Exemplar.campaign_id.in_(campaign_ids))
        .group_by(Exemplar.campaign_id, Exemplar.state)
    )
    for cid, state, n in rows:
        out[cid][state] = n
    return out


def units_page(scopes: list[str], q: str, parent: Unit | None) -> Select:
    stmt = (
        select(Unit)
        .where(subtree_condition(Unit.id, scopes))
        .options(selectinload(Unit.parent))
    )
    if q:
        for term in search_terms(q):
            stmt = stmt.where(Unit.search_name.contains(term, autoescape=True))
    elif parent is not None:
        stmt = stmt.where(Unit.parent_id == parent.id)
    else:
        roots = [int(p.strip("/").split("/")[-1]) for p in scopes]
        stmt = stmt.where(Unit.id.in_(roots))
    return stmt.order_by(Unit.name, Unit.id)


def child_counts(unit_ids: list[int]) -> dict[int, int]:
    if not unit_ids:
        return {}
    rows = db.session.execute(
        select(Unit.parent_id, func.count())
        .where(Unit.parent_id.in_(unit_ids))
        .group_by(Unit.parent_id)
    )
    # parent_id is never NULL here (IN filters NULLs out); the column type allows it.
    return {parent_id: n for parent_id, n in rows if parent_id is not None}


def users_page(scopes: list[str], q: str) -> Select:
    stmt = (
        select(User)
        .where(subtree_condition(User.unit_id, scopes))
        .options(
            selectinload(User.unit),
            selectinload(User.roles).joinedload(RoleAssignment.unit),
        )
    )
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(User.name).like(like),
                User.username.like(like),
                User.email.like(like),
            )
        )
    return stmt.order_by(User.name, User.id)
