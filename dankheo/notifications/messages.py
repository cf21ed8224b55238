"""The words of every notification, in whatever language is current.

An :class:`Item` holds a message code, the values to word it and the page it concerns
(an endpoint and its arguments). The inbox words its rows in the reader's language when
the page is shown; a mail is worded once, in the recipient's language, when it is
built. Several items for one person in one go become one digest: counts per message
and one link.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext, ngettext

from ..formatting import day
from .kinds import KIND_OF, Message, NotificationKind


@dataclass
class Item:
    message: Message
    data: dict[str, Any]
    endpoint: str
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> NotificationKind:
        return KIND_OF[self.message]


def _day(value: str | None) -> str:
    return day(date.fromisoformat(value)) if value else ""


def title(message: str, data: dict[str, Any]) -> str:
    """One line saying what happened."""
    d = data
    match Message(message):
        case Message.RETURNED:
            return gettext("Hồ sơ “%(name)s” được trả lại để bổ sung", name=d["name"])
        case Message.PASSED:
            return gettext("Hồ sơ “%(name)s” đã đạt vòng thẩm định", name=d["name"])
        case Message.RECOMMENDED:
            return gettext("Hồ sơ “%(name)s” được đề nghị khen thưởng", name=d["name"])
        case Message.REJECTED:
            return gettext("Hồ sơ “%(name)s” không được công nhận", name=d["name"])
        case Message.ROUND_OPENED:
            return gettext(
                "%(council)s mở phiên thẩm định số %(number)s",
                council=d["council"],
                number=d["number"],
            )
        case Message.ROUND_CLOSING:
            return gettext(
                "Phiên thẩm định số %(number)s của %(council)s sắp kết thúc",
                council=d["council"],
                number=d["number"],
            )
        case Message.REGISTRATION_DEADLINE:
            return gettext("Sắp hết hạn đăng ký: %(campaign)s", campaign=d["campaign"])
        case Message.SUPPLEMENT_DEADLINE:
            return gettext("Sắp hết hạn bổ sung hồ sơ “%(name)s”", name=d["name"])
        case Message.COMMENDED:
            return gettext("Hồ sơ “%(name)s” được khen thưởng", name=d["name"])
        case Message.OBJECTION:
            return gettext(
                "Phản ánh, kiến nghị mới về hồ sơ “%(name)s”", name=d["name"]
            )
        case Message.DIGEST:
            n = sum(d["counts"].values())
            return ngettext("%(num)d thông báo mới", "%(num)d thông báo mới", n)
    raise AssertionError(message)  # pragma: no cover


def _todo(n: int) -> str:
    return ngettext(
        "Bạn còn %(num)d hồ sơ cần biểu quyết.",
        "Bạn còn %(num)d hồ sơ cần biểu quyết.",
        n,
    )


def body(message: str, data: dict[str, Any]) -> str:
    """The detail: the result, the reason, the day, the to-do count."""
    d = data
    match Message(message):
        case Message.RETURNED:
            text = gettext(
                "Hội đồng thẩm định đã trả lại hồ sơ để đơn vị bổ sung, rồi gửi lại."
            )
            if d.get("note"):
                text += " " + gettext("Lý do: %(note)s", note=d["note"])
            return text
        case Message.PASSED | Message.RECOMMENDED:
            return gettext("Kết quả: %(label)s.", label=d.get("label") or "")
        case Message.REJECTED:
            return gettext("Hội đồng thẩm định đã xét và không công nhận hồ sơ này.")
        case Message.ROUND_OPENED:
            return _todo(d["todo"])
        case Message.ROUND_CLOSING:
            return (
                gettext("Phiên dự kiến kết thúc ngày %(day)s.", day=_day(d["day"]))
                + " "
                + _todo(d["todo"])
            )
        case Message.REGISTRATION_DEADLINE:
            text = gettext("Hạn đăng ký là ngày %(day)s.", day=_day(d["day"])) + " "
            if d["drafts"]:
                return text + ngettext(
                    "%(unit)s còn %(num)d bản nháp chưa gửi.",
                    "%(unit)s còn %(num)d bản nháp chưa gửi.",
                    d["drafts"],
                    unit=d["unit"],
                )
            return text + gettext(
                "%(unit)s chưa đăng ký mô hình, điển hình nào.", unit=d["unit"]
            )
        case Message.SUPPLEMENT_DEADLINE:
            return gettext(
                "Hạn bổ sung và gửi lại hồ sơ là ngày %(day)s.", day=_day(d["day"])
            )
        case Message.COMMENDED:
            return gettext(
                "%(form)s — quyết định số %(number)s ngày %(day)s của %(body)s.",
                form=d["form"],
                number=d["number"],
                day=_day(d["day"]),
                body=d["body"],
            )
        case Message.OBJECTION:
            return gettext(
                "Tiếp nhận ngày %(day)s, về hồ sơ trong danh sách đề nghị khen thưởng "
                "“%(list)s”. Cơ quan thường trực xem xét và ghi kết quả xử lý.",
                day=_day(d["day"]),
                list=d["list"],
            )
        case Message.DIGEST:
            return "\n".join(digest_lines(d["counts"]))
    raise AssertionError(message)  # pragma: no cover


def digest_lines(counts: dict[str, int]) -> list[str]:
    """One line per message code, in the order of :class:`Message`."""
    words = {
        Message.RETURNED: lambda n: ngettext(
            "%(num)d hồ sơ được trả lại để bổ sung",
            "%(num)d hồ sơ được trả lại để bổ sung",
            n,
        ),
        Message.PASSED: lambda n: ngettext(
            "%(num)d hồ sơ đạt vòng thẩm định", "%(num)d hồ sơ đạt vòng thẩm định", n
        ),
        Message.RECOMMENDED: lambda n: ngettext(
            "%(num)d hồ sơ được đề nghị khen thưởng",
            "%(num)d hồ sơ được đề nghị khen thưởng",
            n,
        ),
        Message.REJECTED: lambda n: ngettext(
            "%(num)d hồ sơ không được công nhận",
            "%(num)d hồ sơ không được công nhận",
            n,
        ),
        Message.ROUND_OPENED: lambda n: ngettext(
            "%(num)d phiên thẩm định mở", "%(num)d phiên thẩm định mở", n
        ),
        Message.ROUND_CLOSING: lambda n: ngettext(
            "%(num)d phiên thẩm định sắp kết thúc",
            "%(num)d phiên thẩm định sắp kết thúc",
            n,
        ),
        Message.REGISTRATION_DEADLINE: lambda n: ngettext(
            "%(num)d đợt thi đua sắp hết hạn đăng ký",
            "%(num)d đợt thi đua sắp hết hạn đăng ký",
            n,
        ),
        Message.SUPPLEMENT_DEADLINE: lambda n: ngettext(
            "%(num)d hồ sơ sắp hết hạn bổ sung",
            "%(num)d hồ sơ sắp hết hạn bổ sung",
            n,
        ),
        Message.COMMENDED: lambda n: ngettext(
            "%(num)d hồ sơ được khen thưởng", "%(num)d hồ sơ được khen thưởng", n
        ),
        Message.OBJECTION: lambda n: ngettext(
            "%(num)d phản ánh, kiến nghị mới", "%(num)d phản ánh, kiến nghị mới", n
        ),
    }
    return [
        words[m](counts[m.value]) for m in Message if counts.get(m.value) and m in words
    ]


def digest_of(items: list[Item]) -> Item:
    """Several items for one person: counts per message and one link (the unit's
    workspace, the council's page, or the inbox when they differ)."""
    counts = Counter(i.message.value for i in items)
    endpoints = {i.endpoint for i in items}
    if endpoints <= {"registry.detail", "registry.index"}:
        endpoint = "registry.index"
    elif endpoints <= {"appraisal.queue", "appraisal.index"}:
        endpoint = "appraisal.index"
    else:
        endpoint = "notifications.inbox"
    return Item(Message.DIGEST, {"counts": dict(counts)}, endpoint)


def combine(items: list[Item]) -> Item:
    """One item stays itself; more become a digest."""
    return items[0] if len(items) == 1 else digest_of(items)
