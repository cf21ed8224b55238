"""Who is acting: the signed-in user in a request, or the user a command line or a
background job acts for (``with acting_as(user):``). Records that name an actor (the
audit log) read it here, so a job or a CLI import is attributed like a page would be."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import has_request_context
from flask_login import current_user

_UNSET: Any = object()
_acting: contextvars.ContextVar[Any] = contextvars.ContextVar(
    "acting_as", default=_UNSET
)


@contextmanager
def acting_as(user: Any) -> Iterator[None]:
    """Within the block, ``user`` (None: the system) is the actor."""
    token = _acting.set(user)
    try:
        yield
    finally:
        _acting.reset(token)


def current_actor() -> Any:
    """The user acting now, or None for the system."""
    acting = _acting.get()
    if acting is not _UNSET:
        return acting
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user._get_current_object()
    return None
