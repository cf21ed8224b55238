"""The secretariat acts over its unit subtree; only administrators grant the admin role."""

from __future__ import annotations

from ..domain.enums import Role


def secretariat_scopes(user) -> list[str]:
    return user.scope_paths(Role.SECRETARIAT) + user.scope_paths(Role.ADMIN)


def can_manage_unit(user, unit) -> bool:
    return any(unit.path.startswith(p) for p in secretariat_scopes(user))


def can_grant(user, role: str, unit) -> bool:
    if role == Role.ADMIN:
        return any(unit.path.startswith(p) for p in user.scope_paths(Role.ADMIN))
    return can_manage_unit(user, unit)
