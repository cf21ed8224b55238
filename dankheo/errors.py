"""Domain errors: what an operation raises when it refuses.

Every error carries a Vietnamese source message marked with ``N_`` and the values to
fill it, so the words are chosen where the rule lives and translated only when shown
(in the request's language, or Vietnamese in the CLI). Nobody compares messages:
the class says what kind of refusal it is, ``field`` says which input it concerns.

One place turns them into a response (``dankheo.lifecycle``): a flash plus the page
re-rendered with the class's status, or a JSON problem document for the API.

=====================  ======  ==============================================
class                  status  meaning
=====================  ======  ==============================================
``InvalidInput``       400     the data given is not acceptable
``NotAllowed``         403     the actor may not do this
``NotFound``           404     no such record (or not visible to the actor)
``Conflict``           409     somebody else changed the record first
``RuleRefused``        409     a rule of the process refuses it in this state
=====================  ======  ==============================================
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask import has_request_context
from flask_babel import gettext

from .domain import N_


def translate(message: str, **values: Any) -> str:
    """``message`` in the current request's language; the Vietnamese source outside one."""
    if has_request_context():
        return str(gettext(message, **values))
    return message % values if values else message


class DomainError(Exception):
    """A rule of the registry refused the action."""

    status_code: ClassVar[int] = 400
    #: The flash category the message is shown with.
    category: ClassVar[str] = "danger"
    #: The message when the operation gives none.
    default: ClassVar[str] = N_("Không thực hiện được thao tác này.")

    def __init__(
        self, message: str | None = None, /, *, field: str | None = None, **values: Any
    ) -> None:
        self.template = message or self.default
        self.values = values
        #: The input the refusal concerns (a form field or query parameter), if any.
        self.field = field
        super().__init__(self.template % values if values else self.template)

    @property
    def message(self) -> str:
        """The message in the current language, ready to show."""
        return translate(self.template, **self.values)


class InvalidInput(DomainError):
    """The data given is not acceptable (a value out of range, an unknown choice)."""

    default = N_("Dữ liệu nhập không hợp lệ.")


class NotAllowed(DomainError):
    """The actor may not do this."""

    status_code = 403
    default = N_("Bạn không có quyền thực hiện thao tác này.")


class NotFound(DomainError):
    """No such record, or none the actor may see."""

    status_code = 404
    default = N_("Không tìm thấy.")


class Conflict(DomainError):
    """Somebody else changed the record first (stale version or state)."""

    status_code = 409
    category = "warning"
    default = N_("Hồ sơ vừa được người khác thay đổi; hãy xem lại rồi thử lại.")


class RuleRefused(DomainError):
    """A rule of the process refuses the action in the record's current state."""

    status_code = 409
    category = "warning"
    default = N_("Không thực hiện được thao tác này ở trạng thái hiện tại.")
