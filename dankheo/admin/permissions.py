"""The secretariat acts over its unit subtree; only administrators grant the admin role."""

from __future__ import annotations

from ..auth.scopes import secretariat_scopes
from ..domain.enums import Role


def can_manage_unit(user, unit) -> bool:
    return any(unit.path.startswith(p) for p in secretariat_scopes(user))


def can_manage_user(user, target) -> bool:
    """Lock, reset or change roles of ``target``: the actor must cover the target's home
    unit and every scope the target holds, so nobody takes over a wider account, and
    only an administrator acts on an administrator."""
    if target.unit is None or not can_manage_unit(user, target.unit):
        return False
    for r in target.roles:
        if not can_manage_unit(user, r.unit):
            return False
        if r.role == Role.ADMIN and not can_grant(user, Role.ADMIN, r.unit):
            return False
    return True


def can_grant(user, role: str, unit) -> bool:
    if role == Role.ADMIN:
        return any(unit.path.startswith(p) for p in user.scope_paths(Role.ADMIN))
    return can_manage_unit(user, unit)
