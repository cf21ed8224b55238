"""Who may see and change which exemplars. A unit officer acts for their unit's subtree."""

from __future__ import annotations

from ..domain.enums import Role
from ..domain.workflow import EDITABLE_STATES


def _within(path: str, scopes: list[str]) -> bool:
    return any(path.startswith(s) for s in scopes)


def officer_scopes(user) -> list[str]:
    if user.is_admin:
        return [r.unit.path for r in user.roles if r.role == Role.ADMIN]
    return user.scope_paths(Role.UNIT_OFFICER)


def can_view(user, exemplar) -> bool:
    """The unit's officers (subtree), the secretariat over it and admins see the dossier."""
    path = exemplar.unit.path
    return _within(path, officer_scopes(user)) or _within(
        path, user.scope_paths(Role.SECRETARIAT)
    )


def can_edit(user, exemplar) -> bool:
    return exemplar.state in EDITABLE_STATES and _within(
        exemplar.unit.path, officer_scopes(user)
    )


def can_act(user, exemplar) -> bool:
    """Submit, withdraw, resubmit: the registering side only."""
    return _within(exemplar.unit.path, officer_scopes(user))


def can_register_for(user, unit) -> bool:
    return unit.active and _within(unit.path, officer_scopes(user))
