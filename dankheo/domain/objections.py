"""Objections (phản ánh, kiến nghị) against an entry of a published recommended list:
their states, outcomes and the window in which they are received.

A recommended list is *published* when the secretariat issues it (``IssuedList`` of
type ``recommended``): from its issue date the public may object for the campaign's
``objection_days``. Framework-free: no flask, no sqlalchemy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from . import N_

#: Days an objection window lasts when the campaign sets nothing else.
DEFAULT_WINDOW_DAYS = 15
#: The bounds the secretariat may choose from.
MIN_WINDOW_DAYS = 1
MAX_WINDOW_DAYS = 90
#: The longest reason, evidence and review text kept.
REASON_MAX = 4000
EVIDENCE_MAX = 8000
REVIEW_MAX = 4000


class ObjectionState(StrEnum):
    """``unverified``: lodged by a member of the public whose address is not confirmed
    yet (nobody sees it); ``received``: in the secretariat's queue; ``reviewing``: the
    secretariat recorded that it is looking into it; ``decided``: an outcome is set."""

    UNVERIFIED = "unverified"
    RECEIVED = "received"
    REVIEWING = "reviewing"
    DECIDED = "decided"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def values(cls) -> list[str]:
        return [m.value for m in cls]


class ObjectionOutcome(StrEnum):
    """What the secretariat decided: the objection is dismissed (bác), the entry was
    corrected, or the entry was withdrawn from the list."""

    DISMISSED = "dismissed"
    CORRECTED = "corrected"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def values(cls) -> list[str]:
        return [m.value for m in cls]


#: States the secretariat can still act on (and the public sees as pending).
OPEN_STATES = (ObjectionState.RECEIVED, ObjectionState.REVIEWING)
#: States the public pages count (an unverified objection does not exist yet).
PUBLIC_STATES = (*OPEN_STATES, ObjectionState.DECIDED)

_LABELS: dict[StrEnum, str] = {
    ObjectionState.UNVERIFIED: N_("Chờ xác nhận email"),
    ObjectionState.RECEIVED: N_("Đã tiếp nhận"),
    ObjectionState.REVIEWING: N_("Đang xem xét"),
    ObjectionState.DECIDED: N_("Đã xử lý"),
    ObjectionOutcome.DISMISSED: N_("Bác phản ánh"),
    ObjectionOutcome.CORRECTED: N_("Đã đính chính hồ sơ"),
    ObjectionOutcome.WITHDRAWN: N_("Đưa hồ sơ ra khỏi danh sách"),
}


@dataclass(frozen=True)
class Window:
    """The days objections are received: from the issue date to ``closes``, both
    included (day 0 is the issue date, so a 15-day window ends 15 days later)."""

    opens: date
    closes: date

    def is_open(self, today: date) -> bool:
        return self.opens <= today <= self.closes

    def has_closed(self, today: date) -> bool:
        return today > self.closes


def window(issued_on: date, days: int) -> Window:
    """The window of a list issued on ``issued_on`` for a campaign that allows
    ``days`` days (clamped to the allowed bounds)."""
    days = min(max(int(days), MIN_WINDOW_DAYS), MAX_WINDOW_DAYS)
    return Window(issued_on, issued_on + timedelta(days=days))
