"""What a person can be told, and how they want to hear it.

A *message* is one thing that happened (an exemplar passed, a round opened, a deadline
is near); each message belongs to one *kind*, and each person chooses per kind a
*channel*: email (which also keeps a copy in the in-app inbox), the inbox only, or
nothing. Without a choice the default is email.
"""

from __future__ import annotations

from enum import StrEnum

from ..domain import N_
from ..domain.enums import LabelledEnum


class _Labelled(LabelledEnum):
    """Labels kept apart from the shared table (and one table per class): values such
    as "returned" or "commended" equal, as strings, states and outcomes labelled
    otherwise, and each other."""

    @property
    def label(self) -> str:
        return NOTIFICATION_LABELS[type(self)][self.value]


class NotificationKind(_Labelled):
    RETURNED = "returned"
    DECIDED = "decided"
    ROUND = "round"
    DEADLINE = "deadline"
    COMMENDED = "commended"
    OBJECTION = "objection"


class Channel(_Labelled):
    EMAIL = "email"
    APP = "app"
    NONE = "none"


class Message(StrEnum):
    RETURNED = "returned"
    PASSED = "passed"
    RECOMMENDED = "recommended"
    REJECTED = "rejected"
    ROUND_OPENED = "round_opened"
    ROUND_CLOSING = "round_closing"
    REGISTRATION_DEADLINE = "registration_deadline"
    SUPPLEMENT_DEADLINE = "supplement_deadline"
    COMMENDED = "commended"
    DIGEST = "digest"
    OBJECTION = "objection"


NOTIFICATION_LABELS: dict[type, dict[str, str]] = {
    NotificationKind: {
        NotificationKind.RETURNED: N_("Hồ sơ được trả lại để bổ sung"),
        NotificationKind.DECIDED: N_(
            "Kết quả thẩm định hồ sơ (đạt, không đạt, đề nghị khen thưởng)"
        ),
        NotificationKind.ROUND: N_(
            "Phiên thẩm định mở hoặc sắp kết thúc (thành viên hội đồng)"
        ),
        NotificationKind.DEADLINE: N_("Sắp hết hạn đăng ký hoặc hạn bổ sung hồ sơ"),
        NotificationKind.COMMENDED: N_("Hồ sơ được khen thưởng"),
        NotificationKind.OBJECTION: N_(
            "Phản ánh, kiến nghị mới về danh sách đề nghị khen thưởng "
            "(cơ quan thường trực)"
        ),
    },
    Channel: {
        Channel.EMAIL: N_("Email và hộp thông báo"),
        Channel.APP: N_("Chỉ trong hộp thông báo"),
        Channel.NONE: N_("Không nhận"),
    },
}

#: The kind each message belongs to (its preference decides the channel).
KIND_OF: dict[Message, NotificationKind] = {
    Message.RETURNED: NotificationKind.RETURNED,
    Message.PASSED: NotificationKind.DECIDED,
    Message.RECOMMENDED: NotificationKind.DECIDED,
    Message.REJECTED: NotificationKind.DECIDED,
    Message.ROUND_OPENED: NotificationKind.ROUND,
    Message.ROUND_CLOSING: NotificationKind.ROUND,
    Message.REGISTRATION_DEADLINE: NotificationKind.DEADLINE,
    Message.SUPPLEMENT_DEADLINE: NotificationKind.DEADLINE,
    Message.COMMENDED: NotificationKind.COMMENDED,
    Message.OBJECTION: NotificationKind.OBJECTION,
}

#: A person who chose nothing hears of everything by email (and in the inbox).
DEFAULT_CHANNEL = Channel.EMAIL

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
