"""Where a user acts: the unit subtrees of their roles. Roles belong to accounts, so the
rule lives with them and every package (admin, appraisal, lists, audit, registry)
asks here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..domain.enums import Role

if TYPE_CHECKING:
    from .models import User


def secretariat_scopes(user: User) -> list[str]:
    """Unit paths the user runs as the secretariat (an administrator's count too)."""
    return user.scope_paths(Role.SECRETARIAT) + user.scope_paths(Role.ADMIN)
