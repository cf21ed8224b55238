"""The name a unit had at a given time, from ``unit_versions``.

A version row holds a state that ended at ``valid_to``; the unit row holds the state in
force now. So the name at ``when`` is the name of the earliest version that ended after
``when``, or the current name when none did.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, extract, func, select
from sqlalchemy.orm import QueryableAttribute

from .models import Unit, UnitVersion


def _name_when(
    unit_id: ColumnElement[int] | QueryableAttribute[int],
    ended_after: ColumnElement[bool],
) -> ColumnElement[str]:
    """The rule, as SQL: the name of the unit's earliest version that ended after the
    moment (``ended_after``, a condition on ``UnitVersion.valid_to``), else its
    current name."""
    earlier = (
        select(UnitVersion.name)
        .where(UnitVersion.unit_id == unit_id, ended_after)
        .order_by(UnitVersion.valid_to, UnitVersion.id)
        .limit(1)
        .correlate_except(UnitVersion)
        .scalar_subquery()
    )
    current = (
        select(Unit.name)
        .where(Unit.id == unit_id)
        .correlate_except(Unit)
        .scalar_subquery()
    )
    return func.coalesce(earlier, current)


def unit_name_at_column(
    unit_id: ColumnElement[int] | QueryableAttribute[int],
    year: ColumnElement[int] | QueryableAttribute[int],
) -> ColumnElement[str]:
    """SQL for the name a unit had at the end of ``year``, to select next to a row's own
    columns (lists, exports): ``select(..., unit_name_at_column(Exemplar.unit_id,
    Campaign.year).label("unit_name"))``. Falls back to the current name."""
    return _name_when(unit_id, extract("year", UnitVersion.valid_to) > year)
