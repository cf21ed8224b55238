"""The audit log of secretariat and administrator actions, and tamper-evident
hash chains over it and over the exemplars' history.

Importing the package attaches the session listeners (see :mod:`.recording`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from . import models  # noqa: F401  (register the tables)
from .recording import acting_as, current_actor, install, record_event

install(Session)

__all__ = ["acting_as", "current_actor", "record_event"]
