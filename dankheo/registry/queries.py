from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, literal, or_, select
from sqlalchemy.orm import selectinload

from ..campaigns.lifecycle import registration_open
from ..campaigns.models import Campaign
from ..domain.text import search_terms
from ..extensions import db
from ..units.models import Unit
from ..units.queries import subtree_condition
from .models import Exemplar, History


@dataclass
class WorkspaceFilters:
    campaign_id: int | None = None
    state: str | None = None
    field_id: int | None = None
    kind: str | None = None
    q: str = ""


def workspace_exemplars(scopes: list[str], f: WorkspaceFilters) -> Select:
    """Exemplars of the units in ``scopes`` (materialised paths), newest change first."""
    stmt = (
        select(Exemplar)
        .where(subtree_condition(Exemplar.unit_id, scopes))
        .options(selectinload(Exemplar.unit), selectinload(Exemplar.field))
    )
    if f.campaign_id:
        stmt = stmt.where(Exemplar.campaign_id == f.campaign_id)
    if f.state:
        stmt = stmt.where(Exemplar.state == f.state)
    if f.field_id:
        stmt = stmt.where(Exemplar.field_id == f.field_id)
    if f.kind:
        stmt = stmt.where(Exemplar.kind == f.kind)
    for term in search_terms(f.q):
        stmt = stmt.where(Exemplar.search_text.contains(term, autoescape=True))
    return stmt.order_by(Exemplar.updated_at.desc(), Exemplar.id.desc())


def state_counts(scopes: list[str], campaign_id: int | None) -> dict[str, int]:
    stmt = select(Exemplar.state, func.count()).where(
        subtree_condition(Exemplar.unit_id, scopes)
    )
    if campaign_id:
        stmt = stmt.where(Exemplar.campaign_id == campaign_id)
    return dict(db.session.execute(stmt.group_by(Exemplar.state)).all())


def campaigns_for(scopes: list[str]) -> list[Campaign]:
    """Campaigns whose tree contains one of the scopes (newest first)."""
    if not scopes:
        return []
    # The scope lies inside the campaign's tree, or the campaign inside the scope.
    conds = [literal(p).startswith(Unit.path) | Unit.path.startswith(p) for p in scopes]
    return list(
        db.session.scalars(
            select(Campaign)
            .join(Unit, Unit.id == Campaign.unit_id)
            .where(or_(*conds))
            .order_by(Campaign.year.desc(), Campaign.id.desc())
        )
    )


def open_campaigns_for(scopes: list[str], today: date) -> list[Campaign]:
    """The campaigns of ``scopes`` taking registrations on ``today`` (the product's
    day, :func:`dankheo.clock.today`)."""
    return [c for c in campaigns_for(scopes) if registration_open(c, today)]


def exemplar_history(exemplar_id: int) -> list[History]:
    return list(
        db.session.scalars(
            select(History)
            .where(History.exemplar_id == exemplar_id)
            .options(selectinload(History.actor), selectinload(History.stage))
            .order_by(History.id)
        )
    )
