from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..domain.enums import Role
from ..extensions import Model
from ..models_base import check_in
from ..units.models import Unit


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, Model):
    """A person with an account. ``session_token`` is part of the login id, so changing it
    (logout, password change) invalidates every session issued before."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    email: Mapped[str | None] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    session_token: Mapped[str] = mapped_column(String(40), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set for accounts whose first password someone else chose (imported accounts):
    # the login flow sends them to the password page until they choose their own.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    #: The language of the mail the person receives ("vi" or "en").
    language: Mapped[str] = mapped_column(String(5), default="vi", server_default="vi")

    unit: Mapped[Unit | None] = relationship()
    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username}>"

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def role_scopes(self, role: str) -> list[RoleAssignment]:
        return [r for r in self.roles if r.role == role]

    def has_role(self, role: str) -> bool:
        return any(r.role == role for r in self.roles) or (
            role != Role.ADMIN and self.is_admin
        )

    @property
    def is_admin(self) -> bool:
        return any(r.role == Role.ADMIN for r in self.roles)

    def scope_paths(self, role: str) -> list[str]:
        """Materialised paths of the unit subtrees where the user holds ``role``."""
        return [r.unit.path for r in self.roles if r.role == role]


class RoleAssignment(Model):
    """A role held over a unit and its whole subtree."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "unit_id"),
        check_in("role", Role.values(), "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)

    user: Mapped[User] = relationship(back_populates="roles")
    unit: Mapped[Unit] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<RoleAssignment {self.user_id} {self.role}@{self.unit_id}>"

    @property
    def role_label(self) -> str:
        return Role(self.role).label
