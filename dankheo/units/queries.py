from __future__ import annotations

from sqlalchemy import Select, false, or_, select

from ..extensions import db
from .models import Unit


def subtree_condition(column, unit_paths: list[str]):
    """SQL condition: the unit behind ``column`` lies in one of the subtrees."""
    if not unit_paths:
        return false()
    sub = select(Unit.id).where(or_(*[Unit.path.startswith(p) for p in unit_paths]))
    return column.in_(sub)


def units_in_subtrees(unit_paths: list[str]) -> Select:
    return (
        select(Unit)
        .where(subtree_condition(Unit.id, unit_paths))
        .where(Unit.active.is_(True))
        .order_by(Unit.path)
    )


def get_by_code(code: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.code == code))
