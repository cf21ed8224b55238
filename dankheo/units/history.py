"""The name a unit had in a given year, from ``unit_versions``.

A version row holds a state that ended at ``valid_to``; the unit row holds the state in
force now. So the name at the end of a year is the name of the earliest version that
ended after that year, or the current name when none did (a unit renamed in July 2025
shows its 2024 name on 2024's records).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, extract, func, select
from sqlalchemy.orm import QueryableAttribute

from .models import Unit, UnitVersion


def unit_name_at_column(
    unit_id: ColumnElement[int] | QueryableAttribute[int],
    year: ColumnElement[int] | QueryableAttribute[int] | int,
) -> ColumnElement[str]:
    """SQL for the name a unit had at the end of ``year``, to select next to a row's own
    columns (an entry's page, lists, exports): ``select(...,
    unit_name_at_column(Exemplar.unit_id, Campaign.year).label("unit_name"))``."""
    earlier = (
        select(UnitVersion.name)
        .where(
            UnitVersion.unit_id == unit_id,
            extract("year", UnitVersion.valid_to) > year,
        )
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
