"""The secretariat's decision on a flag: "not a duplicate" (dismissed, for good) or
"duplicate" (confirmed). Who, when and why stay on the flag. Never commits."""

from __future__ import annotations

import logging
from typing import Any, cast

from sqlalchemy import CursorResult, update

from ..auth.models import User
from ..db import utcnow
from ..domain import N_
from ..domain.similarity import FlagStatus
from ..errors import Conflict, InvalidInput
from ..extensions import db
from .models import DuplicateFlag

log = logging.getLogger(__name__)

REASON_MAX = 1000


def _decide(flag: DuplicateFlag, status: FlagStatus, actor: User, reason: str) -> None:
    """Guarded ``UPDATE ... WHERE status = 'open'``: two secretaries deciding at once
    cannot both win, on SQLite and PostgreSQL alike."""
    result = cast(
        CursorResult[Any],
        db.session.execute(
            update(DuplicateFlag)
            .where(DuplicateFlag.id == flag.id, DuplicateFlag.status == FlagStatus.OPEN)
            .values(
                status=status.value,
                decided_by_id=actor.id,
                decided_at=utcnow(),
                reason=reason,
            )
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        db.session.expire(flag)
        raise Conflict(N_("Cặp hồ sơ này vừa được người khác xem xét."))
    db.session.expire(flag)
    log.info(
        "duplicate flag %s (%s, %s) %s by user %s",
        flag.id,
        flag.first_id,
        flag.second_id,
        status.value,
        actor.id,
    )


def dismiss_flag(flag: DuplicateFlag, *, actor: User, reason: str) -> None:
    """Record "not a duplicate" with the reason; the pair is never flagged again."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput(N_("Cần ghi rõ lý do không trùng."), field="reason")
    if len(reason) > REASON_MAX:
        raise InvalidInput(N_("Lý do quá dài."), field="reason")
    _decide(flag, FlagStatus.DISMISSED, actor, reason)


def confirm_flag(flag: DuplicateFlag, *, actor: User, reason: str = "") -> None:
    """Record that the pair is one nomination twice; the council keeps seeing it."""
    reason = " ".join((reason or "").split())
    if len(reason) > REASON_MAX:
        raise InvalidInput(N_("Lý do quá dài."), field="reason")
    _decide(flag, FlagStatus.CONFIRMED, actor, reason)
