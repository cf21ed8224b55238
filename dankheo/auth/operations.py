from __future__ import annotations

import logging
import secrets

from flask import current_app
from sqlalchemy import func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import utcnow
from ..errors import DomainError
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
    roles: list[tuple[str, Unit]] = (),
    position: str | None = None,
) -> User:
    """Create an account; ``password_hash`` lets bulk seeding reuse one expensive hash."""
    username = username.strip().lower()
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username)):
        raise DomainError("username taken")
    user = User(
        username=username,
        name=name,
        email=email.strip().lower() if email else None,
        unit=unit,
        position=position,
        password_hash=password_hash or hash_password(password or ""),
    )
    for role, scope in roles:
        user.roles.append(RoleAssignment(role=role, unit=scope))
    db.session.add(user)
    db.session.flush()
    log.info("created user %s", user)
    return user


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
    """Set a new password after checking the current one; old sessions stop working."""
    if not check_password_hash(user.password_hash, current or ""):
        raise DomainError("wrong current password")
    user.password_hash = hash_password(new)
    end_sessions(user)
    log.info("password changed for %s", user)


def grant_role(user: User, role: str, unit: Unit) -> RoleAssignment:
    if any(r.role == role and r.unit_id == unit.id for r in user.roles):
        raise DomainError("duplicate role")
    assignment = RoleAssignment(role=role, unit=unit)
    user.roles.append(assignment)
    db.session.flush()
    log.info("granted %s over unit %s to %s", role, unit.id, user)
    return assignment


def revoke_role(assignment: RoleAssignment) -> None:
    user = assignment.user
    user.roles.remove(assignment)
    db.session.flush()
    log.info("revoked %s from %s", assignment.role, user)


def set_active(user: User, active: bool) -> None:
    """Lock or unlock an account; locking also ends its sessions."""
    user.active = active
    if not active:
        end_sessions(user)


def reset_password(user: User) -> str:
    """Give the user a fresh random password (shown once to the secretariat)."""
    password = secrets.token_urlsafe(9)
    user.password_hash = hash_password(password)
    end_sessions(user)
    return password
