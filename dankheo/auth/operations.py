"""Accounts and roles: create, authenticate, change passwords, grant and revoke.

Operations flush and never commit (the request lifecycle does); a refusal is a typed
error from :mod:`dankheo.errors`. Log lines name accounts by id and username, never
by password, token, email or phone.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence

from flask import current_app
from sqlalchemy import func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import utcnow
from ..domain import N_
from ..domain.enums import Role
from ..errors import InvalidInput, RuleRefused
from ..extensions import db
from ..units.models import Unit
from .models import RoleAssignment, User, new_session_token

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 10
# Checked when the username is unknown, so both paths cost one scrypt verification.
_DUMMY_HASH: dict[str, str] = {}


def hash_password(password: str) -> str:
    return generate_password_hash(
        password, method=current_app.config["PASSWORD_HASH_METHOD"]
    )


def create_user(
    *,
    username: str,
    name: str,
    password: str | None = None,
    password_hash: str | None = None,
    email: str | None = None,
    unit: Unit | None = None,
    roles: Sequence[tuple[str, Unit]] = (),
    position: str | None = None,
    actor: User | None = None,
) -> User:
    """Create an account; ``password_hash`` lets bulk seeding reuse one expensive hash.
    Usernames are unique without regard to case, e-mail addresses too."""
    username = username.strip().lower()
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username)):
        raise InvalidInput(N_("Tên đăng nhập đã được dùng."), field="username")
    email = email.strip().lower() if email else None
    if email and db.session.scalar(
        select(User.id).where(func.lower(User.email) == email)
    ):
        raise InvalidInput(N_("Email đã được dùng."), field="email")
    user = User(
        username=username,
        name=name,
        email=email,
        unit=unit,
        position=position,
        password_hash=password_hash or hash_password(password or ""),
    )
    for role, scope in roles:
        user.roles.append(RoleAssignment(role=role, unit=scope))
    db.session.add(user)
    db.session.flush()
    log.info("user %s created by user %s", user.id, _id(actor))
    return user


def _id(user: User | None) -> int | None:
    return user.id if user is not None else None


def authenticate(login: str, password: str) -> User | None:
    """Return the active user whose username or email and password match, else None."""
    login = (login or "").strip().lower()
    user = db.session.scalar(
        select(User).where(or_(User.username == login, User.email == login))
    )
    if user is None:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        if method not in _DUMMY_HASH:
            _DUMMY_HASH[method] = generate_password_hash("x", method=method)
        check_password_hash(_DUMMY_HASH[method], password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    if not user.active:
        return None
    user.last_login_at = utcnow()
    return user


def end_sessions(user: User) -> None:
    """Invalidate every session issued to ``user`` so far (logout everywhere)."""
    user.session_token = new_session_token()


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password after checking the current one; old sessions stop working.
    A first password someone else chose must give way to a different one."""
    if not check_password_hash(user.password_hash, current or ""):
        raise InvalidInput(N_("Mật khẩu hiện tại không đúng."), field="current")
    if user.must_change_password and new == current:
        raise InvalidInput(N_("Mật khẩu mới phải khác mật khẩu ban đầu."), field="new")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    end_sessions(user)
    log.info("password changed by user %s", user.id)


#: Roles nobody may take away from themselves: they would lock themselves out.
SELF_KEPT_ROLES = frozenset({Role.ADMIN, Role.SECRETARIAT})


def grant_role(
    user: User, role: str, unit: Unit, *, actor: User | None = None
) -> RoleAssignment:
    """Give ``user`` the role over ``unit``'s subtree; each (role, unit) is held once."""
    role = Role(role)
    if any(r.role == role and r.unit_id == unit.id for r in user.roles):
        raise RuleRefused(N_("Tài khoản đã có vai trò này ở đơn vị này."))
    assignment = RoleAssignment(role=role.value, unit=unit)
    user.roles.append(assignment)
    db.session.flush()
    log.info(
        "role %s over unit %s granted to user %s by user %s",
        role.value,
        unit.id,
        user.id,
        _id(actor),
    )
    return assignment


def revoke_role(assignment: RoleAssignment, *, actor: User | None = None) -> None:
    """Take a role back; an administrator or secretariat never revokes their own."""
    user = assignment.user
    if actor is not None and actor.id == user.id and assignment.role in SELF_KEPT_ROLES:
        raise RuleRefused(N_("Bạn không thể tự thu hồi quyền quản trị của mình."))
    user.roles.remove(assignment)
    db.session.flush()
    log.info(
        "role %s over unit %s revoked from user %s by user %s",
        assignment.role,
        assignment.unit_id,
        user.id,
        _id(actor),
    )


def set_active(user: User, active: bool, *, actor: User | None = None) -> None:
    """Lock or unlock an account; locking also ends its sessions. Nobody locks
    themselves out."""
    if actor is not None and actor.id == user.id and not active:
        raise RuleRefused(N_("Bạn không thể tự khóa tài khoản của mình."))
    user.active = active
    if not active:
        end_sessions(user)
    log.info(
        "user %s %s by user %s", user.id, "unlocked" if active else "locked", _id(actor)
    )


def reset_password(user: User, *, actor: User | None = None) -> str:
    """Give the user a fresh random password (shown once to the secretariat). Someone
    else knows it, so the user must choose their own at the next login."""
    password = secrets.token_urlsafe(9)
    user.password_hash = hash_password(password)
    user.must_change_password = True
    end_sessions(user)
    log.info("password of user %s reset by user %s", user.id, _id(actor))
    return password
