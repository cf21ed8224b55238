"""Account recovery and email verification by single-use links.

A link carries a random token; only its SHA-256 is stored. A token serves one purpose
(``password_reset`` or ``email_change``), expires (``RESET_TOKEN_HOURS``,
``EMAIL_TOKEN_HOURS``), works once, and dies when the password changes (it remembers a
fingerprint of the password hash it was issued under). Asking for a reset answers the
same whether the address is known or not; the mail leaves only after the commit, in
the recipient's language.

Operations flush and never commit. Log lines name accounts by id, never by address or
token.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import ForeignKey, String, func, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash

from ..db import UTCDateTime, utcnow
from ..domain import N_
from ..errors import InvalidInput, RuleRefused
from ..extensions import Model, db
from ..models_base import check_in
from ..outbox import absolute_url, compose, send_after_commit
from .models import User
from .operations import end_sessions, hash_password

log = logging.getLogger(__name__)

PASSWORD_RESET = "password_reset"
EMAIL_CHANGE = "email_change"


class AccountToken(Model):
    """A single-use link sent by mail (only the token's hash is kept)."""

    __tablename__ = "account_tokens"
    __table_args__ = (check_in("purpose", [PASSWORD_RESET, EMAIL_CHANGE], "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: A fingerprint of the password hash at issue: a new password kills the link.
    password_stamp: Mapped[str] = mapped_column(String(64))
    new_email: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<AccountToken {self.id} {self.purpose} user={self.user_id}>"


def token_digest(value: str) -> str:
    """What is stored of a mailed token (and of a password hash's fingerprint)."""
    return hashlib.sha256(value.encode()).hexdigest()


_digest = token_digest


def new_token() -> tuple[str, str]:
    """A fresh single-use token for a link, and the hash that alone is stored (other
    packages' mailed links, e.g. an objection's address check, use the same)."""
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


def _stamp(user: User) -> str:
    return _digest(user.password_hash)


def _issue(user: User, purpose: str, hours: int, new_email: str | None = None) -> str:
    """Create a token for ``user``; earlier unused ones of the same purpose die."""
    now = utcnow()
    db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    token, token_hash = new_token()
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=token_hash,
            password_stamp=_stamp(user),
            new_email=new_email,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    db.session.flush()
    return token


def valid_token(token: str, purpose: str) -> AccountToken | None:
    """The live token for this link: right purpose, unused, unexpired, issued under the
    current password, for an active account; else None."""
    if not token or len(token) > 100:
        return None
    found = db.session.scalar(
        select(AccountToken).where(AccountToken.token_hash == _digest(token))
    )
    if (
        found is None
        or found.purpose != purpose
        or found.used_at is not None
        or found.expires_at <= utcnow()
        or not found.user.active
        or found.password_stamp != _stamp(found.user)
    ):
        return None
    return found


def _mail(user: User, to: str, subject: str, text: str, link: str) -> None:
    message = compose(user, subject, text, link, gettext("Mở liên kết"))
    message["to"] = to
    send_after_commit(db.session(), message)


def request_password_reset(email: str) -> None:
    """Mail a reset link to the active account with this address, if there is one.
    Nothing tells the caller whether there was."""
    email = (email or "").strip().lower()
    user = db.session.scalar(
        select(User).where(func.lower(User.email) == email, User.active.is_(True))
    )
    if user is None or not email:
        log.info("password reset asked for an address with no active account")
        return
    hours = int(current_app.config["RESET_TOKEN_HOURS"])
    token = _issue(user, PASSWORD_RESET, hours)
    with force_locale(user.language or "vi"):
        _mail(
            user,
            email,
            gettext("Đặt lại mật khẩu tài khoản Dân vận khéo"),
            gettext(
                "Có yêu cầu đặt lại mật khẩu cho tài khoản %(username)s. Liên kết dưới "
                "đây dùng được một lần trong %(hours)s giờ. Nếu bạn không yêu cầu, hãy "
                "bỏ qua thư này: mật khẩu vẫn giữ nguyên.",
                username=user.username,
                hours=hours,
            ),
            absolute_url("auth.reset_password", token=token),
        )
    log.info("password reset link issued to user %s", user.id)


def reset_password_with_token(token: str, new_password: str) -> User:
    """Set a new password through a reset link: the link is spent, every session of
    the account ends (as a password change does)."""
    found = valid_token(token, PASSWORD_RESET)
    if found is None:
        raise RuleRefused(
            N_("Liên kết đặt lại mật khẩu không hợp lệ, đã dùng hoặc đã hết hạn.")
        )
    user = found.user
    found.used_at = utcnow()
    user.password_hash = hash_password(new_password)
    user.must_change_password = False  # the user chose this one
    end_sessions(user)
    db.session.flush()
    log.info("password of user %s reset through a mailed link", user.id)
    return user


def request_email_change(user: User, new_email: str, password: str) -> None:
    """Mail a confirmation link to the new address; the address changes only when the
    link is opened."""
    if not check_password_hash(user.password_hash, password or ""):
        raise InvalidInput(N_("Mật khẩu hiện tại không đúng."), field="password")
    new_email = (new_email or "").strip().lower()
    if new_email == (user.email or "").lower():
        raise InvalidInput(N_("Đây đã là email của tài khoản."), field="email")
    if db.session.scalar(select(User.id).where(func.lower(User.email) == new_email)):
        raise InvalidInput(N_("Email đã được dùng."), field="email")
    hours = int(current_app.config["EMAIL_TOKEN_HOURS"])
    token = _issue(user, EMAIL_CHANGE, hours, new_email=new_email)
    with force_locale(user.language or "vi"):
        _mail(
            user,
            new_email,
            gettext("Xác nhận địa chỉ email mới"),
            gettext(
                "Tài khoản %(username)s muốn dùng địa chỉ này để nhận thư. Mở liên kết "
                "dưới đây trong %(hours)s giờ để xác nhận; nếu không phải bạn, hãy bỏ "
                "qua thư này.",
                username=user.username,
                hours=hours,
            ),
            absolute_url("auth.confirm_email", token=token),
        )
    log.info("email change of user %s awaits confirmation", user.id)


def confirm_email_change(token: str) -> User:
    """Apply the address the link confirms, if nobody took it meanwhile."""
    found = valid_token(token, EMAIL_CHANGE)
    if found is None or not found.new_email:
        raise RuleRefused(
            N_("Liên kết xác nhận không hợp lệ, đã dùng hoặc đã hết hạn.")
        )
    taken = db.session.scalar(
        select(User.id).where(
            func.lower(User.email) == found.new_email, User.id != found.user_id
        )
    )
    if taken:
        raise RuleRefused(N_("Email đã được dùng."))
    found.used_at = utcnow()
    found.user.email = found.new_email
    db.session.flush()
    log.info("email of user %s changed after confirmation", found.user_id)
    return found.user
