"""Who sees the fairness measures and the what-if preview: the secretariat (or an
administrator) whose scope holds the council's unit. Never the public, never a member
as such: severities name members."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, or_

from ..admin.permissions import secretariat_scopes
from ..appraisal.models import Council
from ..units.models import Unit


def can_verify(user: Any, council: Council) -> bool:
    if not user.is_authenticated:
        return False
    return any(council.unit.path.startswith(p) for p in secretariat_scopes(user))


def councils_in_scope(user: Any) -> ColumnElement[bool]:
    """SQL condition on ``Unit`` (joined as the council's unit): within the user's
    secretariat scopes."""
    paths = secretariat_scopes(user) if user.is_authenticated else []
    if not paths:
        return false()
    return or_(*[Unit.path.startswith(p) for p in paths])
