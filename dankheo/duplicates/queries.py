"""What the duplicate pages read, with the loading chosen here (no query from a
template)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import aliased, joinedload

from ..domain.similarity import FlagStatus
from ..extensions import db
from ..registry.models import Exemplar
from ..units.models import Unit
from .models import DuplicateFlag

_LOAD = (
    joinedload(DuplicateFlag.first).joinedload(Exemplar.unit),
    joinedload(DuplicateFlag.first).joinedload(Exemplar.campaign),
    joinedload(DuplicateFlag.second).joinedload(Exemplar.unit),
    joinedload(DuplicateFlag.second).joinedload(Exemplar.campaign),
    joinedload(DuplicateFlag.decided_by),
)


def _within(unit: Any, scopes: list[str]) -> Any:
    return or_(*[unit.path.startswith(s) for s in scopes]) if scopes else false()


def flags_in_scopes(
    scopes: list[str], *, status: str | None = FlagStatus.OPEN, kind: str | None = None
) -> Select[Any]:
    """Flags whose two exemplars both lie in one of the secretariat's subtrees (a
    secretariat never reads another subtree's dossier through a flag), highest score
    first."""
    ea, eb = aliased(Exemplar), aliased(Exemplar)
    ua, ub = aliased(Unit), aliased(Unit)
    stmt = (
        select(DuplicateFlag)
        .join(ea, ea.id == DuplicateFlag.first_id)
        .join(ua, ua.id == ea.unit_id)
        .join(eb, eb.id == DuplicateFlag.second_id)
        .join(ub, ub.id == eb.unit_id)
        .where(_within(ua, scopes), _within(ub, scopes))
        .options(*_LOAD)
        .order_by(DuplicateFlag.score.desc(), DuplicateFlag.id)
    )
    if status:
        stmt = stmt.where(DuplicateFlag.status == status)
    if kind:
        stmt = stmt.where(DuplicateFlag.kind == kind)
    return stmt


def flag_in_scopes(flag_id: int, scopes: list[str]) -> DuplicateFlag | None:
    return db.session.scalar(
        flags_in_scopes(scopes, status=None).where(DuplicateFlag.id == flag_id)
    )


@dataclass(frozen=True)
class Notice:
    """A possible duplicate as the council sees it: the flag and the other exemplar."""

    flag: DuplicateFlag
    other: Exemplar


def notices_for(exemplar: Exemplar) -> list[Notice]:
    """The open and confirmed flags of ``exemplar`` (a dismissed pair is settled)."""
    flags = db.session.scalars(
        select(DuplicateFlag)
        .where(
            or_(
                DuplicateFlag.first_id == exemplar.id,
                DuplicateFlag.second_id == exemplar.id,
            ),
            DuplicateFlag.status != FlagStatus.DISMISSED,
        )
        .options(*_LOAD)
        .order_by(DuplicateFlag.score.desc(), DuplicateFlag.id)
    ).unique()
    return [Notice(f, f.other(exemplar.id)) for f in flags]


def dossier_notices(exemplar: Exemplar, visible: Any) -> dict[str, Any]:
    """For the council's dossier: ``duplicates`` (the notices) and
    ``duplicate_dossiers``, the ids of the other exemplars that the condition
    ``visible`` (the member's queue) lets the member open there."""
    notices = notices_for(exemplar)
    ids = [n.other.id for n in notices if not n.other.is_public]
    reachable = (
        set(
            db.session.scalars(select(Exemplar.id).where(visible, Exemplar.id.in_(ids)))
        )
        if ids
        else set()
    )
    return {"duplicates": notices, "duplicate_dossiers": reachable}
