"""What a person can be told, and how they want to hear it.

A *message* is one thing that happened (an exemplar passed, a round opened, a deadline
is near); each message belongs to one *kind*, and each person chooses per kind a
*channel*: email (which also keeps a copy in the in-app inbox), the inbox only, or
nothing. Without a choice the default is email.
"""

from __future__ import annotations

from ..domain import N_
from ..domain.enums import LABELS, LabelledEnum


class NotificationKind(LabelledEnum):
    RETURNED = "returned"
    DECIDED = "decided"
    ROUND = "round"
    DEADLINE = "deadline"
    COMMENDED = "commended"


class Channel(LabelledEnum):
    EMAIL = "email"
    APP = "app"
    NONE = "none"


class Message(LabelledEnum):
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


LABELS.update(
    {
        NotificationKind.RETURNED: N_("Hồ sơ được trả lại để bổ sung"),
        NotificationKind.DECIDED: N_(
            "Kết quả thẩm định hồ sơ (đạt, không đạt, đề nghị khen thưởng)"
        ),
        NotificationKind.ROUND: N_(
            "Phiên thẩm định mở hoặc sắp kết thúc (thành viên hội đồng)"
        ),
        NotificationKind.DEADLINE: N_("Sắp hết hạn đăng ký hoặc hạn bổ sung hồ sơ"),
        NotificationKind.COMMENDED: N_("Hồ sơ được khen thưởng"),
        Channel.EMAIL: N_("Email và hộp thông báo"),
        Channel.APP: N_("Chỉ trong hộp thông báo"),
        Channel.NONE: N_("Không nhận"),
        Message.RETURNED: N_("Trả lại để bổ sung"),
        Message.PASSED: N_("Đạt vòng thẩm định"),
        Message.RECOMMENDED: N_("Đề nghị khen thưởng"),
        Message.REJECTED: N_("Không được công nhận"),
        Message.ROUND_OPENED: N_("Phiên thẩm định mở"),
        Message.ROUND_CLOSING: N_("Phiên thẩm định sắp kết thúc"),
        Message.REGISTRATION_DEADLINE: N_("Sắp hết hạn đăng ký"),
        Message.SUPPLEMENT_DEADLINE: N_("Sắp hết hạn bổ sung"),
        Message.COMMENDED: N_("Được khen thưởng"),
        Message.DIGEST: N_("Tổng hợp thông báo"),
    }
)

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
}

#: A person who chose nothing hears of everything by email (and in the inbox).
DEFAULT_CHANNEL = Channel.EMAIL

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
