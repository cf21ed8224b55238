"""Domain errors raised by operations; views turn them into a message and a 4xx."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the registry refused the action. ``message`` is shown to the user."""

    status_code = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(DomainError):
    status_code = 403


class Conflict(DomainError):
    """Somebody else changed the record first (stale version or state)."""

    status_code = 409
